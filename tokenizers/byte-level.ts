/**
 * ByteLevelTokenizer: one id per UTF-8 byte (id = byte value, 0…255), special tokens after them.
 *
 * Lossless for every well-formed string. Lone UTF-16 surrogates have no UTF-8 encoding and become U+FFFD
 * on encode (as `TextEncoder` does); decoding malformed byte sequences gives U+FFFD per maximal
 * ill-formed subsequence (WHATWG/Python "replace").
 */
import * as path from 'node:path';
import { FileError, writeJsonAtomic } from '../utils/fs.js';
import {
  BaseTokenizer,
  checkText,
  configSpecials,
  type DecodeOptions,
  type EncodeOptions,
  idsToArray,
  readTokenizerConfig,
  TOKENIZER_CONFIG_FILE,
  type TokenIds,
} from './base.js';
import { BYTE_TO_CHAR } from './byte-unicode.js';

export interface ByteLevelTokenizerOptions {
  padToken?: string;
  bosToken?: string;
  eosToken?: string;
  additionalSpecialTokens?: string[];
  maxLength?: number;
}

const CHAR_TO_ID = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const utf8 = new TextEncoder();
const utf8Replace = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export class ByteLevelTokenizer extends BaseTokenizer {
  static override readonly tokenizerType: string = 'byte';
  protected override readonly contextFree = true;

  /** Specials in id order: ids 256, 257, …. */
  readonly specialTokens: readonly string[];
  readonly #specialIds: Map<string, number>;

  constructor(options: ByteLevelTokenizerOptions = {}) {
    super();
    const pad = options.padToken ?? '<pad>';
    const bos = options.bosToken ?? '<bos>';
    const eos = options.eosToken ?? '<eos>';
    this.specialTokens = [...new Set([pad, bos, eos, ...(options.additionalSpecialTokens ?? [])])];
    for (const s of this.specialTokens) {
      if (s.length === 0) throw new Error('special tokens must be non-empty strings');
      if (CHAR_TO_ID.has(s)) {
        throw new Error(`special token ${JSON.stringify(s)} collides with the display form of a byte`);
      }
    }
    this.#specialIds = new Map(this.specialTokens.map((t, i) => [t, 256 + i]));
    if (options.maxLength !== undefined) this.modelMaxLength = options.maxLength;
    this.padToken = pad;
    this.bosToken = bos;
    this.eosToken = eos;
  }

  get vocabSize(): number {
    return 256 + this.specialTokens.length;
  }

  override get allSpecialTokens(): string[] {
    return [...this.specialTokens];
  }

  /** Tokens in GPT-2's byte display form (space → `Ġ`), one per byte. */
  tokenize(text: string): string[] {
    return Array.from(utf8.encode(text), (b) => BYTE_TO_CHAR[b]!);
  }

  tokenToId(token: string): number | undefined {
    const special = this.#specialIds.get(token);
    if (special !== undefined) return special;
    return token.length === 1 ? CHAR_TO_ID.get(token) : undefined;
  }

  idToToken(id: number): string | undefined {
    if (Number.isInteger(id) && id >= 0 && id < 256) return BYTE_TO_CHAR[id];
    return this.specialTokens[id - 256];
  }

  getVocab(): Map<string, number> {
    const vocab = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));
    for (const [t, id] of this.#specialIds) vocab.set(t, id);
    return vocab;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    checkText(text);
    const bytes = utf8.encode(text);
    const ids = new Array<number>(bytes.length + (options.addSpecialTokens ? 2 : 0));
    let k = 0;
    if (options.addSpecialTokens) ids[k++] = this.bosTokenId!;
    for (let i = 0; i < bytes.length; i++) ids[k++] = bytes[i]!;
    if (options.addSpecialTokens) ids[k++] = this.eosTokenId!;
    return ids;
  }

  decode(ids: TokenIds, options: DecodeOptions = {}): string {
    const values = idsToArray(ids);
    let out = '';
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 0) out += utf8Replace.decode(Uint8Array.from(run));
      run = [];
    };
    for (const id of values) {
      if (id >= 0 && id < 256) {
        run.push(id);
        continue;
      }
      const special = this.specialTokens[id - 256];
      if (special === undefined)
        throw new Error(`id ${id} is outside the byte-level vocabulary (size ${this.vocabSize})`);
      flush();
      if (!options.skipSpecialTokens) out += special;
    }
    flush();
    return out;
  }

  override tokenBytes(id: number): Uint8Array | null {
    if (Number.isInteger(id) && id >= 0 && id < 256) return Uint8Array.of(id);
    const special = this.specialTokens[id - 256];
    return special === undefined ? null : utf8.encode(special);
  }

  protected writeFiles(dir: string): void {
    writeJsonAtomic(path.join(dir, TOKENIZER_CONFIG_FILE), {
      ...this.baseConfig(),
      additional_special_tokens: this.specialTokens.slice(3),
    });
  }

  /** Loads `dir`; called on a subclass it builds that subclass (so plugins inherit loading). */
  static fromPretrained(dir: string): ByteLevelTokenizer {
    const config = readTokenizerConfig(dir, this.tokenizerType);
    const file = path.join(dir, TOKENIZER_CONFIG_FILE);
    const { unkToken: _unk, ...specials } = configSpecials(config, file);
    const tokenizer = new this(specials);
    if (config.vocab_size !== undefined && config.vocab_size !== tokenizer.vocabSize) {
      throw new FileError(
        file,
        `vocab_size is ${config.vocab_size} but the tokenizer has ${tokenizer.vocabSize} ids`,
      );
    }
    return tokenizer;
  }
}
