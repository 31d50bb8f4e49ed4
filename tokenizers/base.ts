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

import type * as tf from '@tensorflow/tfjs-core';
import { writeDirectoryAtomic } from '../utils/atomic-directory.js';
import { concatBytes } from '../utils/utf8.js';
import {
  type BatchEncodeOptions,
  type BatchEncoding,
  type BatchItemOptions,
  padBatch,
  type TensorBatchEncoding,
} from './batch.js';
import type { TokenizerConfigFile } from './io/config.js';
import { TOKENIZER_OUTPUT } from './io/files.js';
import { computeOffsets, type TokenOffsets } from './offsets.js';
import type { TokenizerPipeline } from './pipeline/pipeline.js';

export interface EncodeOptions {
  /** Add the tokenizer's BOS/EOS around the text where it defines them (character and byte tokenizers do). */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens from the text. */
  skipSpecialTokens?: boolean;
}

export type SpecialTokenName = 'padToken' | 'eosToken' | 'bosToken' | 'unkToken';

/** Token ids as accepted by `decode`: any array-like of integers or a tensor of ids. */
export type TokenIds = ArrayLike<number> | tf.Tensor;

const utf8 = new TextEncoder();

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
    for (const id of idsToArray(ids)) {
      if (skip?.has(id)) continue;
      const bytes = this.tokenBytes(id);
      if (bytes === null) throw new Error(`id ${id} is outside the vocabulary (size ${this.vocabSize})`);
      parts.push(bytes);
    }
    return concatBytes(parts);
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
