/**
 * ByteLevelTokenizer: one id per UTF-8 byte (id = byte value, 0…255), special tokens after them; the
 * byte model and the byte-level decoder, no pre-tokenizer.
 *
 * Lossless for every well-formed string. Lone UTF-16 surrogates have no UTF-8 encoding and become U+FFFD
 * on encode (as `TextEncoder` does); decoding malformed byte sequences gives U+FFFD per maximal
 * ill-formed subsequence (WHATWG/Python "replace").
 */
import * as path from 'node:path';
import { FileError, writeJsonAtomic } from '../utils/fs.js';
import { BaseTokenizer } from './base.js';
import { BYTE_TO_CHAR } from './byte-unicode.js';
import { ByteLevelDecoder } from './decoders/byte-level.js';
import { configSpecials, readTokenizerConfig, TOKENIZER_CONFIG_FILE } from './io/index.js';
import { ByteModel } from './models/byte.js';
import { AddedTokens } from './pipeline/added-tokens.js';
import { TokenizerPipeline } from './pipeline/pipeline.js';
import { noPreTokenizer } from './pre-tokenizers/pre-tokenizer.js';

export interface ByteLevelTokenizerOptions {
  padToken?: string;
  bosToken?: string;
  eosToken?: string;
  additionalSpecialTokens?: string[];
  maxLength?: number;
}

const CHAR_TO_ID = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const utf8 = new TextEncoder();

export class ByteLevelTokenizer extends BaseTokenizer {
  static override readonly tokenizerType: string = 'byte';
  protected override readonly contextFree = true;
  protected override readonly addsBosEos = true;

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
    // Specials are only ever added by id (BOS/EOS): `<pad>` in text is five bytes.
    const added = new AddedTokens(this.#specialIds, { matchInText: false });
    const model = new ByteModel(this.vocabSize);
    this.pipeline = new TokenizerPipeline({
      added,
      preTokenizer: noPreTokenizer,
      model,
      decoder: new ByteLevelDecoder(model, added),
    });
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
