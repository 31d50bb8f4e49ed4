/**
 * CharacterTokenizer: one id per Unicode code point, with the reference's special ids
 * `<unk>`=0, `<pad>`=1, `<bos>`=2, `<eos>`=3 followed by any additional specials; the character model
 * and decoder, no pre-tokenizer.
 */
import * as path from 'node:path';
import { FileError, readJsonFile, writeJsonAtomic } from '../utils/fs.js';
import { utf8Length } from '../utils/utf8.js';
import { BaseTokenizer, type EncodeOptions } from './base.js';
import { CharDecoder } from './decoders/char.js';
import { configSpecials, readTokenizerConfig, TOKENIZER_CONFIG_FILE, VOCAB_FILE } from './io/index.js';
import { CharModel, type CharVocab } from './models/char.js';
import type { TokenOffsets } from './offsets.js';
import { AddedTokens } from './pipeline/added-tokens.js';
import { TokenizerPipeline } from './pipeline/pipeline.js';
import { noPreTokenizer } from './pre-tokenizers/pre-tokenizer.js';
import type { TokenizerTrainingData } from './training.js';

export interface CharacterTokenizerOptions {
  /** token → id; defaults to the special tokens alone (ids 0…k−1). */
  vocab?: Record<string, number> | Map<string, number>;
  unkToken?: string;
  padToken?: string;
  bosToken?: string;
  eosToken?: string;
  additionalSpecialTokens?: string[];
  maxLength?: number;
}

export class CharacterTokenizer extends BaseTokenizer {
  static override readonly tokenizerType: string = 'character';
  protected override readonly contextFree = true;
  protected override readonly addsBosEos = true;

  readonly additionalSpecialTokens: readonly string[];
  #vocab = new Map<string, number>();
  #idToToken = new Map<number, string>();
  readonly #specialList: readonly string[];

  constructor(options: CharacterTokenizerOptions = {}) {
    super();
    const unk = options.unkToken ?? '<unk>';
    const pad = options.padToken ?? '<pad>';
    const bos = options.bosToken ?? '<bos>';
    const eos = options.eosToken ?? '<eos>';
    this.additionalSpecialTokens = [...(options.additionalSpecialTokens ?? [])];
    this.#specialList = [...new Set([unk, pad, bos, eos, ...this.additionalSpecialTokens])];
    const vocab =
      options.vocab === undefined
        ? new Map(this.#specialList.map((t, i) => [t, i]))
        : new Map(options.vocab instanceof Map ? options.vocab : Object.entries(options.vocab));
    this.#setVocab(vocab);
    // The model and decoder read the vocabulary live: buildVocabFromTexts replaces it.
    const view: CharVocab = {
      idOf: (token) => this.#vocab.get(token),
      tokenOf: (id) => this.#idToToken.get(id),
      size: () => this.#vocab.size,
      unkId: () => this.unkTokenId,
      isSpecial: (token) => this.#specialList.includes(token),
    };
    // Specials are only ever added by id (BOS/EOS): `<pad>` in text is five characters.
    this.pipeline = new TokenizerPipeline({
      added: new AddedTokens([], { matchInText: false }),
      preTokenizer: noPreTokenizer,
      model: new CharModel(view),
      decoder: new CharDecoder(view),
    });
    if (options.maxLength !== undefined) this.modelMaxLength = options.maxLength;
    this.unkToken = unk;
    this.padToken = pad;
    this.bosToken = bos;
    this.eosToken = eos;
  }

  #setVocab(vocab: Map<string, number>): void {
    const idToToken = new Map<number, string>();
    for (const [token, id] of vocab) {
      if (!Number.isInteger(id) || id < 0)
        throw new Error(
          `vocabulary id for ${JSON.stringify(token)} must be a non-negative integer, got ${id}`,
        );
      const previous = idToToken.get(id);
      if (previous !== undefined)
        throw new Error(
          `vocabulary id ${id} is used by both ${JSON.stringify(previous)} and ${JSON.stringify(token)}`,
        );
      idToToken.set(id, token);
    }
    for (const special of this.#specialList) {
      if (!vocab.has(special))
        throw new Error(`vocabulary is missing the special token ${JSON.stringify(special)}`);
    }
    this.#vocab = vocab;
    this.#idToToken = idToToken;
  }

  /** Number of entries; ids may be non-contiguous when a vocabulary is supplied by the user. */
  get vocabSize(): number {
    return this.#vocab.size;
  }

  override get untrained(): boolean {
    return [...this.#vocab.keys()].every((token) => this.#specialList.includes(token));
  }

  override get allSpecialTokens(): string[] {
    return [...this.#specialList];
  }

  /**
   * Rebuilds the vocabulary from `texts`: specials keep ids 0…k−1, then every new code point gets the next
   * id in first-seen order (the reference's order), or in code-point order with `sorted`.
   */
  buildVocabFromTexts(texts: Iterable<string>, options: { sorted?: boolean } = {}): Map<string, number> {
    const seen = new Set<string>();
    for (const text of texts) for (const ch of text) if (!this.#specialList.includes(ch)) seen.add(ch);
    const chars = [...seen];
    if (options.sorted) chars.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    const vocab = new Map<string, number>(this.#specialList.map((t, i) => [t, i]));
    for (const ch of chars) vocab.set(ch, vocab.size);
    this.#setVocab(vocab);
    this.refreshSpecialIds();
    return new Map(vocab);
  }

  tokenize(text: string): string[] {
    return Array.from(text);
  }

  tokenToId(token: string): number | undefined {
    return this.#vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.#idToToken.get(id);
  }

  getVocab(): Map<string, number> {
    return new Map(this.#vocab);
  }

  /** One token per code point (an unknown one included), so the spans are the code points'. */
  override encodeWithOffsets(text: string, options: EncodeOptions = {}): TokenOffsets {
    const ids = this.encode(text, options);
    const byteOffsets = new Uint32Array(ids.length * 2);
    const charOffsets = new Uint32Array(ids.length * 2);
    let k = options.addSpecialTokens ? 1 : 0;
    let b = 0;
    let c = 0;
    for (const ch of text) {
      byteOffsets[2 * k] = b;
      charOffsets[2 * k] = c;
      b += utf8Length(ch, 0, ch.length);
      c += ch.length;
      byteOffsets[2 * k + 1] = b;
      charOffsets[2 * k + 1] = c;
      k++;
    }
    // An EOS added at the end spans nothing, at the end (a BOS spans nothing at 0: the arrays' zeros).
    if (options.addSpecialTokens) {
      byteOffsets.fill(b, 2 * k);
      charOffsets.fill(c, 2 * k);
    }
    return { ids, byteOffsets, charOffsets };
  }

  protected writeFiles(dir: string): void {
    writeJsonAtomic(path.join(dir, VOCAB_FILE), Object.fromEntries(this.#vocab));
    writeJsonAtomic(path.join(dir, TOKENIZER_CONFIG_FILE), {
      ...this.baseConfig(),
      additional_special_tokens: [...this.additionalSpecialTokens],
    });
  }

  /** A character tokenizer whose vocabulary is every character of the documents, in first-seen order. */
  static async train(data: TokenizerTrainingData): Promise<CharacterTokenizer> {
    if (data.vocabSize !== undefined) {
      throw new Error(
        'a character vocabulary is every character of the data: a vocabulary size does not apply',
      );
    }
    const seen = new Set<string>();
    for await (const document of data.documents()) {
      for (const piece of document) for (const ch of piece) seen.add(ch);
    }
    const tokenizer = new this();
    tokenizer.buildVocabFromTexts([[...seen].join('')]);
    return tokenizer;
  }

  /** Loads `dir`; called on a subclass it builds that subclass (so plugins inherit loading). */
  static fromPretrained(dir: string): CharacterTokenizer {
    const config = readTokenizerConfig(dir, this.tokenizerType);
    const vocabFile = path.join(dir, VOCAB_FILE);
    const vocab = readJsonFile(vocabFile, 'vocabulary');
    if (vocab === null || typeof vocab !== 'object' || Array.isArray(vocab))
      throw new FileError(vocabFile, 'expected a JSON object of token → id');
    const entries = Object.entries(vocab as Record<string, unknown>);
    for (const [token, id] of entries) {
      if (!Number.isInteger(id))
        throw new FileError(vocabFile, `id of ${JSON.stringify(token)} is not an integer`);
    }
    const configFile = path.join(dir, TOKENIZER_CONFIG_FILE);
    const specials = configSpecials(config, configFile);
    let tokenizer: CharacterTokenizer;
    try {
      tokenizer = new this({ vocab: new Map(entries as Array<[string, number]>), ...specials });
    } catch (error) {
      throw new FileError(vocabFile, (error as Error).message);
    }
    if (config.vocab_size !== undefined && config.vocab_size !== tokenizer.vocabSize) {
      throw new FileError(
        configFile,
        `vocab_size is ${config.vocab_size} but vocab.json has ${tokenizer.vocabSize} entries`,
      );
    }
    return tokenizer;
  }
}
