/**
 * BaseTokenizer: the one interface every tokenizer implements, so training, sampling and statistics code
 * never needs to know which tokenizer it is handed.
 *
 * A built-in tokenizer is assembled from parts (pipeline/pipeline.ts: added tokens → normalizer →
 * pre-tokenizer → model → decoder), and the base class runs `encode`, `decode`, `decodeBytes` and
 * `tokenBytes` through them; subclasses supply the parts, the vocabulary lookups, `tokenize` and their
 * files. A plugin may instead override `encode` and `decode` itself. The base class also owns the
 * special-token roles and batch encoding (padding, truncation, attention masks, tensors).
 */

import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { type OutputKind, writeDirectoryAtomic } from '../utils/atomic-directory.js';
import { FileError, readJsonFile, requireDirectory } from '../utils/fs.js';
import { computeOffsets, type TokenOffsets } from './offsets.js';
import type { TokenizerPipeline } from './pipeline/pipeline.js';
import type { SpecialTokenPolicy } from './special-policy.js';

export interface EncodeOptions {
  /** Add the tokenizer's BOS/EOS around the text where it defines them (character and byte tokenizers do). */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens from the text. */
  skipSpecialTokens?: boolean;
}

export type PaddingStrategy = boolean | 'longest' | 'max_length' | 'do_not_pad';

/** Encode options forwarded by `encodeBatch`: the policy applies to tokenizers that find specials in text. */
export type BatchItemOptions = EncodeOptions & SpecialTokenPolicy;

export interface BatchEncodeOptions extends BatchItemOptions {
  /**
   * Right padding with the pad id. `true`: to `maxLength` when given, else to the longest row (the
   * reference rule); `'longest'`: to the longest row; `'max_length'`: to `maxLength` (default
   * `modelMaxLength`). Rows already longer than the target are left as they are unless truncated.
   */
  padding?: PaddingStrategy;
  /** Cut every row to `maxLength` (defaults to `modelMaxLength` when truncating without a length). */
  truncation?: boolean;
  maxLength?: number;
  /** `'tf'` returns int32 tensors of shape [batch, length] instead of nested arrays. */
  returnTensors?: 'tf';
}

export interface BatchEncoding {
  inputIds: number[][];
  attentionMask: number[][];
}

export interface TensorBatchEncoding {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
}

export type SpecialTokenName = 'padToken' | 'eosToken' | 'bosToken' | 'unkToken';

/** Token ids as accepted by `decode`: any array-like of integers or a tensor of ids. */
export type TokenIds = ArrayLike<number> | tf.Tensor;

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

export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

const utf8 = new TextEncoder();

/**
 * A saved tokenizer folder: what the built-in tokenizers write (and `stats.csv` of the global ByteSpan
 * tokenizers), so saving over one replaces it, and saving over anything else is refused.
 */
export const TOKENIZER_OUTPUT: OutputKind = {
  name: 'tokenizer',
  marker: TOKENIZER_CONFIG_FILE,
  files: [
    TOKENIZER_CONFIG_FILE,
    'vocab.json',
    'merges.txt',
    'tokenizer.json',
    'tokenizer.tiktoken',
    'special_tokens_map.json',
    'stats.csv',
  ],
};

/** Throws a TypeError unless `text` is a string (JavaScript callers can pass anything to `encode`). */
export function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string')
    throw new TypeError(`encode expects a string, got ${text === null ? 'null' : typeof text}`);
}

export abstract class BaseTokenizer {
  /** Registry key and `tokenizer_type` in saved files; each concrete class overrides it. */
  static readonly tokenizerType: string = 'base';

  /**
   * True when each code point encodes independently of its neighbours (character, byte tokenizers), so
   * `encodeIterable` can stream piece by piece instead of buffering the whole text.
   */
  protected readonly contextFree: boolean = false;

  /** Longest sequence a model using this tokenizer should see; truncation uses it when no length is given. */
  modelMaxLength = 1024;

  /** The parts this tokenizer is assembled from; null for a subclass that overrides encode/decode itself. */
  protected pipeline: TokenizerPipeline | null = null;

  /** True when `addSpecialTokens` wraps the ids in BOS … EOS (character, byte and Unigram tokenizers). */
  protected readonly addsBosEos: boolean = false;

  readonly #specials: Record<SpecialTokenName, string | null> = {
    padToken: null,
    eosToken: null,
    bosToken: null,
    unkToken: null,
  };
  readonly #specialIds: Record<SpecialTokenName, number | null> = {
    padToken: null,
    eosToken: null,
    bosToken: null,
    unkToken: null,
  };

  /** True for tokenizers that put a space in front of each text segment (its tokens' offsets allow for it). */
  get insertsPrefixSpace(): boolean {
    return false;
  }

  /** Number of ids (the largest id + 1 for contiguous vocabularies). */
  abstract get vocabSize(): number;

  /** Ids of `text`: specials under the policy, BOS/EOS where `addSpecialTokens` adds them. */
  encode(text: string, options: BatchItemOptions = {}): number[] {
    checkText(text);
    const pipeline = this.#parts('encode');
    const out: number[] = [];
    const wrap = options.addSpecialTokens === true && this.addsBosEos;
    if (wrap && this.bosTokenId !== null) out.push(this.bosTokenId);
    pipeline.encodeInto(text, options, out);
    if (wrap && this.eosTokenId !== null) out.push(this.eosTokenId);
    return out;
  }

  /** Text of `ids`; an id outside the vocabulary is an error naming it. */
  decode(ids: TokenIds, options: DecodeOptions = {}): string {
    return this.#parts('decode').decode(idsView(ids), options);
  }

  #parts(method: string): TokenizerPipeline {
    if (this.pipeline === null) {
      throw new Error(
        `${this.constructor.name} is not assembled from parts (no pipeline): it must override ${method}`,
      );
    }
    return this.pipeline;
  }
  /** The token strings `encode` would produce ids for (display form for byte-level tokenizers). */
  abstract tokenize(text: string): string[];
  /** Exact vocabulary lookup: `undefined` when the token is not in the vocabulary. */
  abstract tokenToId(token: string): number | undefined;
  /** Exact reverse lookup: `undefined` for an id outside the vocabulary. */
  abstract idToToken(id: number): string | undefined;
  /** A copy of the vocabulary, token string → id. */
  abstract getVocab(): Map<string, number>;
  /**
   * Saves the tokenizer as the folder `dir`, replaced whole or not at all (writeDirectoryAtomic): a
   * previous tokenizer folder is replaced; the current folder, its parents, or a folder holding other
   * files are refused unless `overwrite` (never the current folder or its parents).
   */
  savePretrained(dir: string, options: { overwrite?: boolean } = {}): void {
    writeDirectoryAtomic(dir, (tmp) => this.writeFiles(tmp), {
      kind: TOKENIZER_OUTPUT,
      overwrite: options.overwrite,
    });
  }

  /** Writes the tokenizer's files into the new, empty folder `dir`; `tokenizer_config.json` last. */
  protected abstract writeFiles(dir: string): void;

  /**
   * The bytes id `id` stands for in text (a special: its UTF-8), or null outside the vocabulary. Byte-level
   * models override this with their exact bytes (which may be part of a character); this default is the
   * UTF-8 of the token's decoded text.
   */
  tokenBytes(id: number): Uint8Array | null {
    if (this.pipeline !== null) return this.pipeline.tokenBytes(id);
    if (this.idToToken(id) === undefined) return null;
    return utf8.encode(this.decode([id]));
  }

  /** The bytes of `ids` back to back (`tokenBytes` of each); an id outside the vocabulary is an error naming it. */
  decodeBytes(ids: TokenIds, options: DecodeOptions = {}): Uint8Array {
    if (this.pipeline !== null) return this.pipeline.decodeBytes(idsView(ids), options);
    const skip = options.skipSpecialTokens ? new Set(this.allSpecialIds) : null;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const id of idsToArray(ids)) {
      if (skip?.has(id)) continue;
      const bytes = this.tokenBytes(id);
      if (bytes === null) throw new Error(`id ${id} is outside the vocabulary (size ${this.vocabSize})`);
      parts.push(bytes);
      total += bytes.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * `encode` plus where each token lies in `text`: `byteOffsets` (UTF-8) and `charOffsets` (string
   * indices) as flat [start, end) pairs. Specials added around the text (BOS/EOS) get empty spans.
   */
  encodeWithOffsets(text: string, options: BatchItemOptions = {}): TokenOffsets {
    return computeOffsets(text, this.encode(text, options), this);
  }

  /** True while the vocabulary holds no ordinary token (an untrained tokenizer encodes text to unk only). */
  get untrained(): boolean {
    return false;
  }

  /** Every special token string this tokenizer knows, in id order where that is defined. */
  get allSpecialTokens(): string[] {
    const out: string[] = [];
    for (const name of ['unkToken', 'padToken', 'bosToken', 'eosToken'] as const) {
      const token = this.#specials[name];
      if (token !== null && !out.includes(token)) out.push(token);
    }
    return out;
  }

  get allSpecialIds(): number[] {
    return this.allSpecialTokens.map((t) => this.tokenToId(t)).filter((id): id is number => id !== undefined);
  }

  get padToken(): string | null {
    return this.#specials.padToken;
  }
  set padToken(token: string | null) {
    this.setSpecialToken('padToken', token);
  }
  get eosToken(): string | null {
    return this.#specials.eosToken;
  }
  set eosToken(token: string | null) {
    this.setSpecialToken('eosToken', token);
  }
  get bosToken(): string | null {
    return this.#specials.bosToken;
  }
  set bosToken(token: string | null) {
    this.setSpecialToken('bosToken', token);
  }
  get unkToken(): string | null {
    return this.#specials.unkToken;
  }
  set unkToken(token: string | null) {
    this.setSpecialToken('unkToken', token);
  }
  get padTokenId(): number | null {
    return this.#specialIds.padToken;
  }
  get eosTokenId(): number | null {
    return this.#specialIds.eosToken;
  }
  get bosTokenId(): number | null {
    return this.#specialIds.bosToken;
  }
  get unkTokenId(): number | null {
    return this.#specialIds.unkToken;
  }

  /**
   * Sets a special token and keeps its id in sync. A token missing from the vocabulary is an error:
   * mapping it to the unknown id (as the reference does) would make padding indistinguishable from text.
   */
  protected setSpecialToken(name: SpecialTokenName, token: string | null): void {
    if (token === null) {
      this.#specials[name] = null;
      this.#specialIds[name] = null;
      return;
    }
    const id = this.tokenToId(token);
    if (id === undefined) {
      throw new Error(`${name} ${JSON.stringify(token)} is not in the ${this.constructor.name} vocabulary`);
    }
    this.#specials[name] = token;
    this.#specialIds[name] = id;
  }

  /** Re-reads the special ids after a vocabulary change (special strings stay as they are). */
  protected refreshSpecialIds(): void {
    for (const name of Object.keys(this.#specials) as SpecialTokenName[]) {
      this.setSpecialToken(name, this.#specials[name]);
    }
  }

  /** Token(s) to id(s); unknown tokens map to the unk id, or raise when the tokenizer has none. */
  convertTokensToIds(tokens: string): number;
  convertTokensToIds(tokens: readonly string[]): number[];
  convertTokensToIds(tokens: string | readonly string[]): number | number[] {
    const one = (token: string): number => {
      const id = this.tokenToId(token);
      if (id !== undefined) return id;
      if (this.unkTokenId !== null) return this.unkTokenId;
      throw new Error(
        `token ${JSON.stringify(token)} is not in the vocabulary and the tokenizer has no unk token`,
      );
    };
    return typeof tokens === 'string' ? one(tokens) : tokens.map(one);
  }

  /** Id(s) to token string(s); unknown ids map to the unk string, or raise when there is none. */
  convertIdsToTokens(ids: number): string;
  convertIdsToTokens(ids: readonly number[]): string[];
  convertIdsToTokens(ids: number | readonly number[]): string | string[] {
    const one = (id: number): string => {
      const token = this.idToToken(id);
      if (token !== undefined) return token;
      if (this.unkToken !== null) return this.unkToken;
      throw new Error(`id ${id} is outside the vocabulary (size ${this.vocabSize})`);
    };
    return typeof ids === 'number' ? one(ids) : ids.map(one);
  }

  /**
   * Encodes several texts into a rectangular (when padded or truncated) batch. Semantics follow the
   * reference `__call__`, with encode options forwarded and a clear error instead of a ragged tensor.
   */
  encodeBatch(
    texts: readonly string[],
    options: BatchEncodeOptions & { returnTensors: 'tf' },
  ): TensorBatchEncoding;
  encodeBatch(texts: readonly string[], options?: BatchEncodeOptions): BatchEncoding;
  encodeBatch(
    texts: readonly string[],
    options: BatchEncodeOptions = {},
  ): BatchEncoding | TensorBatchEncoding {
    const { addSpecialTokens = false, allowedSpecial, disallowedSpecial } = options;
    const rows = this.encodeMany(texts, { addSpecialTokens, allowedSpecial, disallowedSpecial });
    return padBatch(rows, options, this);
  }

  /** Encodes each text; subclasses override to spread large batches over worker threads. */
  protected encodeMany(texts: readonly string[], options: BatchItemOptions): number[][] {
    return texts.map((t) => this.encode(t, options));
  }

  /**
   * Encodes text that arrives in pieces (lines, file chunks) and yields ids in order; the concatenated
   * output equals `encode(pieces.join(''), options)`. Context-free tokenizers stream (holding back only a
   * surrogate pair cut between pieces); others buffer the whole text unless they override this.
   */
  *encodeIterable(
    pieces: Iterable<string>,
    options: EncodeOptions = {},
  ): Generator<number[], void, undefined> {
    if (!this.contextFree) {
      let text = '';
      for (const piece of pieces) text += piece;
      yield this.encode(text, options);
      return;
    }
    // Context-free tokenizers add exactly BOS … EOS with addSpecialTokens.
    if (options.addSpecialTokens && this.bosTokenId !== null) yield [this.bosTokenId];
    let carry = '';
    for (const piece of pieces) {
      const text = carry + piece;
      const cut = endsWithHighSurrogate(text) ? text.length - 1 : text.length;
      carry = text.slice(cut);
      if (cut > 0) yield this.encode(text.slice(0, cut));
    }
    if (carry.length > 0) yield this.encode(carry);
    if (options.addSpecialTokens && this.eosTokenId !== null) yield [this.eosTokenId];
  }

  /** Concatenation of `decode` over each row. */
  decodeBatch(rows: readonly TokenIds[], options?: DecodeOptions): string[] {
    return rows.map((r) => this.decode(r, options));
  }

  /** Fields every tokenizer writes to `tokenizer_config.json`. */
  protected baseConfig(): TokenizerConfigFile {
    return {
      tokenizer_type: (this.constructor as typeof BaseTokenizer).tokenizerType,
      vocab_size: this.vocabSize,
      unk_token: this.unkToken,
      pad_token: this.padToken,
      bos_token: this.bosToken,
      eos_token: this.eosToken,
      model_max_length: this.modelMaxLength,
    };
  }
}

/**
 * TensorFlow.js, loaded on the first request for a tensor rather than at import, so programs that only
 * tokenize (most of the CLI) start without it. The same module instance the model layer imports.
 */
const tfjs = (): typeof tf => createRequire(import.meta.url)('@tensorflow/tfjs-core') as typeof tf;

const isTensor = (ids: TokenIds): ids is tf.Tensor => typeof (ids as tf.Tensor).dataSync === 'function';

/** True when `text` ends with the first half of a surrogate pair (a streamed chunk cut mid-character). */
export function endsWithHighSurrogate(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}

/** Ids as an array-like without copying (a tensor's are read out); the decoders check each id. */
export function idsView(ids: TokenIds): ArrayLike<number> {
  return isTensor(ids) ? Array.from(ids.dataSync()) : ids;
}

/** Reads ids given as an array-like or a tensor into a plain number array (integers checked). */
export function idsToArray(ids: TokenIds): number[] {
  const values = isTensor(ids) ? Array.from(ids.dataSync()) : Array.from(ids);
  for (const id of values) {
    if (!Number.isInteger(id)) throw new Error(`token ids must be integers, got ${id}`);
  }
  return values;
}

/** Pads/truncates encoded rows per the BatchEncodeOptions rules; the one implementation for every tokenizer. */
export function padBatch(
  rows: number[][],
  options: BatchEncodeOptions,
  tokenizer: Pick<BaseTokenizer, 'padTokenId' | 'modelMaxLength'>,
): BatchEncoding | TensorBatchEncoding {
  const { padding = false, truncation = false, returnTensors, maxLength } = options;
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength <= 0)) {
    throw new Error(`maxLength must be a positive integer, got ${maxLength}`);
  }
  const cut = truncation ? rows.map((r) => r.slice(0, maxLength ?? tokenizer.modelMaxLength)) : rows;
  const longest = cut.reduce((m, r) => Math.max(m, r.length), 0);
  // `true` keeps the reference rule (pad to maxLength when given, else the longest row).
  let target: number | null = null;
  if (padding === true) target = maxLength ?? longest;
  else if (padding === 'longest') target = longest;
  else if (padding === 'max_length') target = maxLength ?? tokenizer.modelMaxLength;
  let inputIds = cut;
  let attentionMask = cut.map((r) => r.map(() => 1));
  if (target !== null && cut.some((r) => r.length < target)) {
    const pad = tokenizer.padTokenId;
    if (pad === null) throw new Error('padding requested but the tokenizer has no pad token (set padToken)');
    inputIds = cut.map((r) =>
      r.length < target ? r.concat(new Array<number>(target - r.length).fill(pad)) : r,
    );
    attentionMask = cut.map((r) =>
      r.length < target
        ? r.map(() => 1).concat(new Array<number>(target - r.length).fill(0))
        : r.map(() => 1),
    );
  }
  if (returnTensors === 'tf') {
    const lengths = new Set(inputIds.map((r) => r.length));
    if (lengths.size > 1) {
      throw new Error(
        `cannot build a tensor from rows of unequal lengths (${[...lengths].join(', ')}); use padding: true or truncation`,
      );
    }
    const width = inputIds[0]?.length ?? 0;
    const tf = tfjs();
    return {
      inputIds: tf.tensor2d(inputIds.flat(), [inputIds.length, width], 'int32'),
      attentionMask: tf.tensor2d(attentionMask.flat(), [attentionMask.length, width], 'int32'),
    };
  }
  return { inputIds, attentionMask };
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
    maxLength: typeof config.model_max_length === 'number' ? config.model_max_length : undefined,
  };
}
