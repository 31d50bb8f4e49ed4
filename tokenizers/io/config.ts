/**
 * `tokenizer_config.json`, parsed in this one place: the fields every tokenizer writes (`tokenizer_type`
 * tells `loadTokenizer` which class to build), the role tokens in each spelling found in the wild (a
 * string, HF's AddedToken `{content}`, null), `special_tokens_map.json` beside it, and the check that the
 * recorded `vocab_size` matches the model files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileError, readJsonFile, requireDirectory } from '../../utils/fs.js';
import { SPECIAL_TOKENS_MAP_FILE, TOKENIZER_CONFIG_FILE } from './files.js';

/** Keys written to `tokenizer_config.json`; `tokenizer_type` tells `loadTokenizer` which class to build. */
export interface TokenizerConfigFile {
  tokenizer_type: string;
  vocab_size?: number;
  unk_token?: string | null;
  pad_token?: string | null;
  bos_token?: string | null;
  eos_token?: string | null;
  additional_special_tokens?: string[];
  model_max_length?: number;
  [key: string]: unknown;
}

/**
 * Reads and checks `tokenizer_config.json` in `dir`: the directory must exist, the file must parse, and
 * `tokenizer_type` must be present (and equal `expectedType` when given).
 */
export function readTokenizerConfig(dir: string, expectedType?: string): TokenizerConfigFile {
  requireDirectory(dir, 'tokenizer directory');
  const file = path.join(dir, TOKENIZER_CONFIG_FILE);
  const json = readJsonFile(file, 'tokenizer config');
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new FileError(file, 'expected a JSON object');
  }
  const config = json as TokenizerConfigFile;
  if (typeof config.tokenizer_type !== 'string') {
    throw new FileError(file, 'missing string field "tokenizer_type"');
  }
  if (expectedType !== undefined && config.tokenizer_type !== expectedType) {
    throw new FileError(file, `tokenizer_type is "${config.tokenizer_type}", expected "${expectedType}"`);
  }
  return config;
}

/** The special-token and length fields of a `tokenizer_config.json`, type-checked (constructor options form). */
export interface ConfigSpecials {
  unkToken?: string;
  padToken?: string;
  bosToken?: string;
  eosToken?: string;
  additionalSpecialTokens: string[];
  maxLength?: number;
}

/** Reads the special-token fields of `config` (from `file`); a wrongly typed field is a FileError naming it. */
export function configSpecials(config: TokenizerConfigFile, file: string): ConfigSpecials {
  const str = (key: string): string | undefined => {
    const v = config[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new FileError(file, `"${key}" must be a string`);
    return v;
  };
  const extra = config.additional_special_tokens ?? [];
  if (!Array.isArray(extra) || extra.some((t) => typeof t !== 'string')) {
    throw new FileError(file, '"additional_special_tokens" must be an array of strings');
  }
  return {
    unkToken: str('unk_token'),
    padToken: str('pad_token'),
    bosToken: str('bos_token'),
    eosToken: str('eos_token'),
    additionalSpecialTokens: extra,
    maxLength: configMaxLength(config),
  };
}

/** The role tokens of `config` as strings or null (absent or null: no such role); a wrong type names the key. */
export function configRoles(
  config: TokenizerConfigFile,
  file: string,
): Record<'unkToken' | 'padToken' | 'bosToken' | 'eosToken', string | null> {
  const role = (key: string): string | null => {
    const v = config[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw new FileError(file, `"${key}" must be a string or null`);
    return v;
  };
  return {
    unkToken: role('unk_token'),
    padToken: role('pad_token'),
    bosToken: role('bos_token'),
    eosToken: role('eos_token'),
  };
}

/** `model_max_length` when it is a number. */
export function configMaxLength(config: Record<string, unknown>): number | undefined {
  return typeof config.model_max_length === 'number' ? config.model_max_length : undefined;
}

/** A role token from a HF config: a string, `{content}` (AddedToken form) or null/absent. */
function roleToken(file: string, key: string, value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  throw new FileError(file, `"${key}" must be a string, {"content": string} or null`);
}

/** A HF-style folder's configuration: `tokenizer_config.json` (optional) and `special_tokens_map.json`. */
export interface HubConfig {
  /** The config's fields ({} without the file). */
  config: Record<string, unknown>;
  configFile: string;
  /**
   * The role `key` (`unk_token`, …): an explicit null in tokenizer_config.json means "no such role";
   * absent there, `special_tokens_map.json` decides; undefined when neither names it.
   */
  role(key: string): string | null | undefined;
}

/**
 * Reads the configuration of a HF-style folder (reference-published or saved by this port), where
 * `tokenizer_config.json` may be missing or lack `tokenizer_type`; a `tokenizer_type` other than
 * `expectedType` is an error.
 */
export function readHubConfig(dir: string, expectedType: string): HubConfig {
  requireDirectory(dir, 'tokenizer directory');
  const configFile = path.join(dir, TOKENIZER_CONFIG_FILE);
  const json = fs.existsSync(configFile) ? readJsonFile(configFile, 'tokenizer config') : {};
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new FileError(configFile, 'expected a JSON object');
  }
  const config = json as Record<string, unknown>;
  const type = config.tokenizer_type;
  if (type !== undefined && type !== expectedType) {
    throw new FileError(configFile, `tokenizer_type is ${JSON.stringify(type)}, expected "${expectedType}"`);
  }
  const mapFile = path.join(dir, SPECIAL_TOKENS_MAP_FILE);
  const map = fs.existsSync(mapFile)
    ? (readJsonFile(mapFile, 'special tokens map') as Record<string, unknown>)
    : {};
  return {
    config,
    configFile,
    role: (key) => {
      const value = roleToken(configFile, key, config[key]);
      return value !== undefined ? value : roleToken(mapFile, key, map?.[key]);
    },
  };
}

/** The saved `vocab_size` must match what was loaded (a mismatch means mixed-up files). */
export function checkVocabSize(dir: string, tokenizer: { readonly vocabSize: number }): void {
  const file = path.join(dir, TOKENIZER_CONFIG_FILE);
  if (!fs.existsSync(file)) return;
  const config = readTokenizerConfig(dir);
  if (config.vocab_size !== undefined && config.vocab_size !== tokenizer.vocabSize) {
    throw new FileError(
      file,
      `vocab_size is ${config.vocab_size} but the model files define ${tokenizer.vocabSize} ids`,
    );
  }
}
