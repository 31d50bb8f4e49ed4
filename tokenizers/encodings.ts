/**
 * OpenAI's named encodings beyond GPT-2 (`cl100k_base`, `o200k_base`) as data: where their ranks live
 * (the `js-tiktoken` dependency, so they work offline), their pre-tokenization pattern and their special
 * ids. Each is a registered tokenizer type built on BPETokenizer in rank mode; ids equal tiktoken's.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { FileError, writeJsonAtomic } from '../utils/fs.js';
import type { EncoderData } from './bpe/encoder.js';
import { buildEncoderData } from './bpe/encoder-data.js';
import { BPETokenizer, type BPETokenizerOptions, END_OF_TEXT } from './bpe/tokenizer.js';
import { encoderCacheKey, readEncoderCache, writeEncoderCache } from './io/encoder-cache.js';
import {
  checkVocabSize,
  configSpecials,
  parseRankBundle,
  readTokenizerConfig,
  TOKENIZER_CONFIG_FILE,
} from './io/index.js';

export interface RankBundle {
  pat_str?: string;
  bpe_ranks: string;
  special_tokens: Record<string, number>;
}

/** What a named encoding is: its ranks module, the id count tiktoken reports (`n_vocab`), its context. */
const ENCODINGS: Readonly<Record<string, { module: string; vocabSize: number; modelMaxLength: number }>> = {
  cl100k_base: { module: 'js-tiktoken/ranks/cl100k_base', vocabSize: 100277, modelMaxLength: 8192 },
  o200k_base: { module: 'js-tiktoken/ranks/o200k_base', vocabSize: 200019, modelMaxLength: 128000 },
};

export const ENCODING_NAMES: readonly string[] = Object.keys(ENCODINGS);

/** A rank bundle module of js-tiktoken (each a multi-MB string, so required only when needed). */
export function requireRankBundle(module: string): RankBundle {
  const loaded = createRequire(import.meta.url)(module) as RankBundle | { default: RankBundle };
  return 'default' in loaded ? loaded.default : loaded;
}

/**
 * The encoder tables of a bundled encoding: read from the encoder cache (io/encoder-cache.ts), else built
 * from `options()` (which parses the ranks) and cached. The key follows the ranks module's file, so an
 * upgraded package rebuilds.
 */
export function bundledEncoderData(
  name: string,
  module: string,
  options: () => BPETokenizerOptions,
): EncoderData {
  const file = createRequire(import.meta.url).resolve(module);
  const stat = fs.statSync(file);
  const key = encoderCacheKey(name, module, `${stat.size}:${Math.round(stat.mtimeMs)}`);
  const cached = readEncoderCache(key);
  if (cached !== null) return cached;
  const { data } = buildEncoderData(options());
  writeEncoderCache(key, data);
  return data;
}

/** Tokenizer options for a named encoding: its ranks, specials and pattern, parsed from js-tiktoken. */
export function encodingOptions(name: string): BPETokenizerOptions {
  const spec = ENCODINGS[name];
  if (spec === undefined) {
    throw new Error(`unknown encoding ${JSON.stringify(name)}; available: ${ENCODING_NAMES.join(', ')}`);
  }
  const bundle = requireRankBundle(spec.module);
  const files = parseRankBundle(spec.module, bundle);
  return {
    vocab: files.vocab,
    merges: null,
    specialTokenIds: bundle.special_tokens,
    preTokenizer: { type: 'regex', pattern: bundle.pat_str! },
  };
}

/** Options a named-encoding tokenizer accepts on top of its fixed vocabulary. */
export type EncodingTokenizerOptions = Pick<BPETokenizerOptions, 'maxLength' | 'cacheSize' | 'numWorkers'>;

/** A named encoding as a tokenizer; each subclass sets `tokenizerType` to the encoding's name. */
export class NamedEncodingTokenizer extends BPETokenizer {
  protected static override readonly fixedVocabulary: boolean = true;

  constructor(options: EncodingTokenizerOptions & Partial<BPETokenizerOptions> = {}) {
    const name = (new.target as typeof NamedEncodingTokenizer).tokenizerType;
    const spec = ENCODINGS[name];
    if (spec === undefined)
      throw new Error(`unknown encoding ${JSON.stringify(name)}; available: ${ENCODING_NAMES.join(', ')}`);
    // Role tokens: <|endoftext|> as EOS, BOS and PAD (the BPE default); a saved copy passes its own.
    const encoderData = bundledEncoderData(name, spec.module, () => encodingOptions(name));
    super({ encoderData, maxLength: spec.modelMaxLength, ...options });
    if (this.vocabSize !== spec.vocabSize || this.tokenToId(END_OF_TEXT) === undefined) {
      throw new Error(`not the ${name} vocabulary: ${this.vocabSize} ids (expected ${spec.vocabSize})`);
    }
  }

  /**
   * Writes only `tokenizer_config.json`: the vocabulary is the named encoding's, bundled with the package,
   * so the name (with the role tokens and length) is the whole tokenizer. `saveTiktoken` writes the ranks.
   */
  override savePretrained(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, TOKENIZER_CONFIG_FILE), this.tokenizerConfig());
  }

  /** The bundled encoding for `dir` = undefined or the encoding's name; else a directory saved by this class. */
  static override fromPretrained(dir?: string): NamedEncodingTokenizer {
    const name = this.tokenizerType;
    if (dir === undefined || (dir === name && !fs.existsSync(dir))) return new this();
    if (!fs.existsSync(path.join(dir, TOKENIZER_CONFIG_FILE))) {
      throw new FileError(dir, `not a saved ${name} tokenizer (no ${TOKENIZER_CONFIG_FILE})`);
    }
    const configFile = path.join(dir, TOKENIZER_CONFIG_FILE);
    const specials = configSpecials(readTokenizerConfig(dir, name), configFile);
    const tokenizer = new this({
      eosToken: specials.eosToken ?? null,
      bosToken: specials.bosToken ?? null,
      padToken: specials.padToken ?? null,
      maxLength: specials.maxLength,
    });
    checkVocabSize(dir, tokenizer);
    return tokenizer;
  }
}

/** OpenAI's cl100k_base (GPT-3.5/4): 100,277 ids, specials at 100257–100260 and 100276. */
export class Cl100kTokenizer extends NamedEncodingTokenizer {
  static override readonly tokenizerType: string = 'cl100k_base';
}

/** OpenAI's o200k_base (GPT-4o): 200,019 ids, specials at 199999 and 200018. */
export class O200kTokenizer extends NamedEncodingTokenizer {
  static override readonly tokenizerType: string = 'o200k_base';
}
