/**
 * UnigramTokenizer (`unigram`): a byte-level Unigram LM with the project's GPT-2 pre-tokenizer and byte
 * convention (pieces are byte strings shown in GPT-2's display alphabet, `Ġ` = space), Viterbi encoding
 * inside each pre-token, lossless decoding. Special tokens are matched first and never segmented.
 *
 * Files: Hugging Face `tokenizer.json` with a `Unigram` model (ByteLevel pre-tokenizer and decoder, so the
 * HF `tokenizers` package loads it with the same ids), then `tokenizer_config.json`.
 */
import * as path from 'node:path';
import { FileError, writeJsonAtomic } from '../../utils/fs.js';
import { BaseTokenizer } from '../base.js';
import { bytesToDisplay, displayToBytes } from '../byte-unicode.js';
import { ByteLevelDecoder } from '../decoders/byte-level.js';
import {
  configMaxLength,
  configRoles,
  readTokenizerConfig,
  readUnigramTokenizerJson,
  TOKENIZER_CONFIG_FILE,
  TOKENIZER_JSON_FILE,
  unigramTokenizerJson,
} from '../io/index.js';
import { AddedTokens } from '../pipeline/added-tokens.js';
import { TokenizerPipeline } from '../pipeline/pipeline.js';
import { gpt2PreTokenizer } from '../pre-tokenizers/pre-tokenizer.js';
import type { SpecialTokenPolicy } from '../special-policy.js';
import type { TokenizerTrainingData } from '../training.js';
import { UnigramError, UnigramModel } from './model.js';
import { trainUnigram } from './trainer.js';

const END_OF_TEXT = '<|endoftext|>';

export interface UnigramTokenizerOptions {
  /** Pieces in id order as [GPT-2 display string, log-probability]; specials are listed by `specialTokens`. */
  vocab?: ReadonlyArray<readonly [string, number]>;
  /** Special tokens appended after the pieces (default `<|endoftext|>`), or found in `vocab` by string. */
  specialTokens?: readonly string[];
  eosToken?: string | null;
  bosToken?: string | null;
  padToken?: string | null;
  unkToken?: string | null;
  maxLength?: number;
}

export interface UnigramEncodeOptions extends SpecialTokenPolicy {
  addSpecialTokens?: boolean;
}

/** The 256 single bytes with equal scores: the smallest valid vocabulary. */
function byteVocab(): Array<[string, number]> {
  return Array.from({ length: 256 }, (_, b) => [bytesToDisplay([b]), -Math.log(256)] as [string, number]);
}

export class UnigramTokenizer extends BaseTokenizer {
  static override readonly tokenizerType: string = 'unigram';
  protected override readonly addsBosEos = true;

  readonly model: UnigramModel;
  readonly #tokens: string[];
  readonly #ids = new Map<string, number>();
  readonly #specials = new Map<string, number>();
  readonly #parts: TokenizerPipeline;

  constructor(options: UnigramTokenizerOptions = {}) {
    super();
    const vocab = options.vocab ?? byteVocab();
    const specialNames = options.specialTokens ?? [END_OF_TEXT];
    const tokens: string[] = [];
    const pieces: Array<Uint8Array | null> = [];
    const scores: number[] = [];
    vocab.forEach(([token, score], id) => {
      if (typeof token !== 'string' || typeof score !== 'number') {
        throw new UnigramError(
          `vocab[${id}] must be [string, number], got ${JSON.stringify([token, score])}`,
        );
      }
      tokens.push(token);
      scores.push(specialNames.includes(token) ? 0 : score);
      if (specialNames.includes(token)) pieces.push(null);
      else {
        try {
          pieces.push(displayToBytes(token));
        } catch (error) {
          throw new UnigramError(`vocab[${id}]: ${(error as Error).message}`);
        }
      }
    });
    for (const s of specialNames) {
      if (tokens.includes(s)) continue;
      tokens.push(s);
      pieces.push(null);
      scores.push(0);
    }
    this.model = new UnigramModel(pieces, scores);
    this.#tokens = tokens;
    tokens.forEach((t, id) => {
      if (!this.#ids.has(t)) this.#ids.set(t, id);
    });
    for (const s of specialNames) this.#specials.set(s, this.#ids.get(s)!);
    const added = new AddedTokens(this.#specials);
    this.#parts = new TokenizerPipeline({
      added,
      preTokenizer: gpt2PreTokenizer,
      model: this.model,
      decoder: new ByteLevelDecoder(this.model, added),
    });
    this.pipeline = this.#parts;
    if (options.maxLength !== undefined) this.modelMaxLength = options.maxLength;
    const role = this.#specials.has(END_OF_TEXT) ? END_OF_TEXT : null;
    this.eosToken = options.eosToken === undefined ? role : options.eosToken;
    this.bosToken = options.bosToken === undefined ? role : options.bosToken;
    this.padToken = options.padToken === undefined ? role : options.padToken;
    this.unkToken = options.unkToken ?? null;
  }

  get vocabSize(): number {
    return this.#tokens.length;
  }

  override get allSpecialTokens(): string[] {
    return [...this.#specials.keys()];
  }

  /** Log-probability of each id (0 for specials). */
  get scores(): Float64Array {
    return this.model.scores;
  }

  /** Ids of `text` with every character ordinary, appended to `out`. */
  encodeOrdinaryInto(text: string, out: number[]): void {
    this.#parts.encodeOrdinaryInto(text, out);
  }

  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.#tokens[id]!);
  }

  tokenToId(token: string): number | undefined {
    return this.#ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) ? this.#tokens[id] : undefined;
  }

  getVocab(): Map<string, number> {
    return new Map(this.#ids);
  }

  /** The Hugging Face `tokenizer.json` object (Unigram model, ByteLevel pre-tokenizer and decoder). */
  toHuggingFaceJson(): object {
    return unigramTokenizerJson(
      this.#tokens.map((t, id) => [t, this.model.scores[id]!] as const),
      [...this.#specials],
    );
  }

  protected writeFiles(dir: string): void {
    writeJsonAtomic(path.join(dir, TOKENIZER_JSON_FILE), this.toHuggingFaceJson());
    writeJsonAtomic(path.join(dir, TOKENIZER_CONFIG_FILE), {
      ...this.baseConfig(),
      special_tokens: [...this.#specials.keys()],
    });
  }

  /** EM training on the documents (`cleangpt train --tokenizer unigram --vocab-size N`). */
  static async train(data: TokenizerTrainingData): Promise<UnigramTokenizer> {
    if (data.vocabSize === undefined) {
      throw new UnigramError(
        'training a Unigram tokenizer needs a vocabulary size (vocabSize; --vocab-size)',
      );
    }
    const texts: string[] = [];
    for await (const document of data.documents()) texts.push([...document].join(''));
    return trainUnigram(texts, { vocabSize: data.vocabSize, specialTokens: [END_OF_TEXT] }).tokenizer;
  }

  static fromPretrained(dir: string): UnigramTokenizer {
    const config = readTokenizerConfig(dir, UnigramTokenizer.tokenizerType);
    const configFile = path.join(dir, TOKENIZER_CONFIG_FILE);
    const file = path.join(dir, TOKENIZER_JSON_FILE);
    const json = readUnigramTokenizerJson(file);
    const specials = config.special_tokens ?? json.addedTokens;
    if (!Array.isArray(specials) || specials.some((s) => typeof s !== 'string')) {
      throw new FileError(configFile, '"special_tokens" must be an array of strings');
    }
    try {
      return new UnigramTokenizer({
        vocab: json.vocab,
        specialTokens: specials as string[],
        ...configRoles(config, configFile),
        maxLength: configMaxLength(config),
      });
    } catch (error) {
      if (error instanceof UnigramError) throw new FileError(file, error.message);
      throw error;
    }
  }
}
