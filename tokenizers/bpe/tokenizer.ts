/**
 * BPETokenizer: byte-level BPE with GPT-2 pre-tokenization and special tokens (bpe-reference.md §3, §6–9).
 *
 * Built from a trainer's `{vocab, merges}` (merge mode) or from tiktoken ranks (rank mode, no merges).
 * Assembled from parts: added tokens (specials matched before pre-tokenization, leftmost and longest
 * first, never merged) → the pre-tokenizer (GPT-2's scanner or a regex) → the BPE model (encoder.ts) →
 * the byte-level decoder. This class adds streaming, worker batches, vocabulary lookups and files.
 */
import * as path from 'node:path';
import { FileError, writeFileAtomic, writeJsonAtomic } from '../../utils/fs.js';
import { BaseTokenizer, type DecodeOptions, type EncodeOptions, idsToArray, type TokenIds } from '../base.js';
import type { BatchItemOptions } from '../batch.js';
import { bytesToDisplay } from '../byte-unicode.js';
import { ByteLevelDecoder } from '../decoders/byte-level.js';
import {
  type BPEFiles,
  checkVocabSize,
  configMaxLength,
  configRoles,
  formatTiktoken,
  type Merge,
  parseTiktoken,
  ranksToMerges,
  readBPEDirectory,
  readTiktoken,
  readTokenizerConfig,
  readVocabAndMerges,
  TIKTOKEN_FILE,
  TOKENIZER_CONFIG_FILE,
  type TokenizerConfigFile,
  writeHuggingFaceFiles,
} from '../io/index.js';
import { AddedTokens } from '../pipeline/added-tokens.js';
import { TokenizerPipeline } from '../pipeline/pipeline.js';
import { carryOver } from '../pipeline/streaming.js';
import { type PreTokenizerSpec, preTokenizerFromSpec } from '../pre-tokenizers/pre-tokenizer.js';
import { checkDisallowed, resolvePolicy, type SpecialTokenPolicy } from '../special-policy.js';
import { joinDocuments, type TokenizerTrainingData } from '../training.js';
import { BPEEncoder, type EncoderData } from './encoder.js';
import { buildEncoderData } from './encoder-data.js';
import { trainBPE } from './trainer.js';
import { BPEWorkerPool } from './worker-pool.js';

export interface BPETokenizerOptions {
  /** id → token bytes; specials may be included (their bytes are their UTF-8). Default: the 256 bytes, id = byte. */
  vocab?: ReadonlyMap<number, Uint8Array>;
  /** Merges in rank order. Absent or null: rank mode (the rank of a token is its id, as in `.tiktoken`). */
  merges?: readonly Merge[] | null;
  /** Special tokens; one missing from `vocab` gets the next free id, in the order given. */
  specialTokens?: readonly string[];
  /** Fixed ids for specials (as in `.tiktoken` bundles); overrides lookup in `vocab`. */
  specialTokenIds?: Readonly<Record<string, number>>;
  /** Role tokens; default `<|endoftext|>` for eos, bos and pad when it is a special, else none. */
  eosToken?: string | null;
  bosToken?: string | null;
  padToken?: string | null;
  unkToken?: string | null;
  maxLength?: number;
  /** How text between specials is cut before merging (default: GPT-2's pattern). */
  preTokenizer?: PreTokenizerSpec;
  /** Cached pieces per generation (0 disables the cache). */
  cacheSize?: number;
  /**
   * Prebuilt encoder tables (a bundled encoding read from its cache, io/encoder-cache.ts): replaces
   * vocab, merges (rank mode), specials, pre-tokenizer and unk token.
   */
  encoderData?: EncoderData;
  /** Worker threads for large `encodeBatch` calls (default: available parallelism, at most 8). */
  numWorkers?: number;
}

/** tiktoken-style special-token policy for `encode`. */
export interface BPEEncodeOptions extends EncodeOptions, SpecialTokenPolicy {}

export const END_OF_TEXT = '<|endoftext|>';
/** Batches with at least this many UTF-16 units go to worker threads. */
const PARALLEL_BATCH_CHARS = 1 << 20;
/** Decode batches with at least this many ids go to worker threads. */
const PARALLEL_DECODE_IDS = 1 << 20;

export class BPETokenizer extends BaseTokenizer {
  static override readonly tokenizerType: string = 'bpe';
  /** True for fixed encodings (GPT-2, cl100k_base, …): their inherited `train` is an error. */
  protected static readonly fixedVocabulary: boolean = false;

  readonly encoder: BPEEncoder;
  /** Merges in rank order, or null in rank mode. */
  readonly merges: readonly Merge[] | null;
  /** Specials with their ids, in registration order. */
  readonly specialTokens: ReadonlyArray<readonly [string, number]>;
  /** id → bytes of the ordinary tokens; derived from the encoder's tables on first use when prebuilt. */
  #ordinaryMap: Map<number, Uint8Array> | null;
  readonly #added: AddedTokens;
  readonly #parts: TokenizerPipeline;
  readonly #numWorkers: number | undefined;
  readonly #cacheSize: number | undefined;
  #displayToId: Map<string, number> | null = null;
  #pool: BPEWorkerPool | null = null;

  constructor(options: BPETokenizerOptions = {}) {
    super();
    const { data, ordinary } =
      options.encoderData !== undefined
        ? { data: options.encoderData, ordinary: null }
        : buildEncoderData(options);
    this.encoder = new BPEEncoder(data, { cacheSize: options.cacheSize });
    this.#cacheSize = options.cacheSize;
    this.merges = options.merges ?? null;
    this.#ordinaryMap = ordinary;
    this.specialTokens = data.specials;
    this.#added = new AddedTokens(data.specials);
    this.#parts = new TokenizerPipeline({
      added: this.#added,
      preTokenizer: preTokenizerFromSpec(data.preTokenizer, 'BPE tokenizer'),
      model: this.encoder,
      decoder: new ByteLevelDecoder(this.encoder, this.#added),
    });
    this.pipeline = this.#parts;
    this.#numWorkers = options.numWorkers;
    if (options.maxLength !== undefined) this.modelMaxLength = options.maxLength;
    const defaultRole = this.#added.ids.has(END_OF_TEXT) ? END_OF_TEXT : null;
    this.eosToken = options.eosToken === undefined ? defaultRole : options.eosToken;
    this.bosToken = options.bosToken === undefined ? defaultRole : options.bosToken;
    this.padToken = options.padToken === undefined ? defaultRole : options.padToken;
    this.unkToken = options.unkToken ?? null;
  }

  get vocabSize(): number {
    return this.encoder.idCount;
  }

  override get allSpecialTokens(): string[] {
    return this.specialTokens.map(([s]) => s);
  }

  /** The ordinary tokens (specials excluded), id → bytes. */
  get vocab(): ReadonlyMap<number, Uint8Array> {
    return this.#ordinary;
  }

  get #ordinary(): Map<number, Uint8Array> {
    if (this.#ordinaryMap === null) {
      const map = new Map<number, Uint8Array>();
      for (let id = 0; id < this.encoder.idCount; id++) {
        if (this.#added.isSpecial(id)) continue;
        const bytes = this.encoder.tokenBytes(id);
        if (bytes !== null) map.set(id, bytes);
      }
      this.#ordinaryMap = map;
    }
    return this.#ordinaryMap;
  }

  /** Encodes text with every character ordinary (no special-token recognition). */
  encodeOrdinary(text: string): number[] {
    return this.encoder.encodeOrdinary(text);
  }

  /**
   * Streams ids for text arriving in chunks (lines, file reads): the concatenated output equals
   * `encode(chunks.join(''))`. Only a short tail is held back between chunks (§8 carry-over rule), so
   * memory is bounded by the chunk size plus the longest pre-token.
   */
  override *encodeIterable(
    chunks: Iterable<string>,
    options: BPEEncodeOptions = {},
  ): Generator<number[], void, undefined> {
    let held = '';
    for (const chunk of chunks) {
      const step = carryOver(this.#parts, held + chunk, options);
      held = step.held;
      if (step.ids !== null) yield step.ids;
    }
    if (held.length > 0) yield this.encode(held, options);
  }

  /** `encodeIterable` for async sources (file streams). */
  async *encodeAsyncIterable(
    chunks: AsyncIterable<string>,
    options: BPEEncodeOptions = {},
  ): AsyncGenerator<number[]> {
    let held = '';
    for await (const chunk of chunks) {
      const step = carryOver(this.#parts, held + chunk, options);
      held = step.held;
      if (step.ids !== null) yield step.ids;
    }
    if (held.length > 0) yield this.encode(held, options);
  }

  /** GPT-2 display strings of the tokens of `text` (`Ġthe`); specials as themselves. */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.idToToken(id)!);
  }

  tokenToId(token: string): number | undefined {
    const special = this.#added.ids.get(token);
    if (special !== undefined) return special;
    if (this.#displayToId === null) {
      this.#displayToId = new Map();
      for (const id of [...this.#ordinary.keys()].sort((a, b) => a - b)) {
        const display = bytesToDisplay(this.#ordinary.get(id)!);
        if (!this.#displayToId.has(display)) this.#displayToId.set(display, id);
      }
    }
    return this.#displayToId.get(token);
  }

  idToToken(id: number): string | undefined {
    const special = this.#added.tokenOf(id);
    if (special !== undefined) return special;
    const bytes = this.#ordinary.get(id);
    return bytes === undefined ? undefined : bytesToDisplay(bytes);
  }

  getVocab(): Map<string, number> {
    const out = new Map<string, number>();
    for (const id of [...this.#ordinary.keys()].sort((a, b) => a - b)) {
      const display = bytesToDisplay(this.#ordinary.get(id)!);
      if (!out.has(display)) out.set(display, id);
    }
    for (const [s, id] of this.specialTokens) out.set(s, id);
    return out;
  }

  /** Large batches are split over worker threads (same ids as encoding each text here). */
  protected override encodeMany(texts: readonly string[], options: BatchItemOptions): number[][] {
    let chars = 0;
    for (const t of texts) chars += t.length;
    if (texts.length < 2 || chars < PARALLEL_BATCH_CHARS) return texts.map((t) => this.encode(t, options));
    // The policy is checked here (errors name the text) and only the recognised specials go to the workers.
    const policy = resolvePolicy(this.#added.ids, options);
    for (const t of texts) checkDisallowed(t, policy);
    this.#pool ??= this.createWorkerPool();
    return this.#pool.encodeMany(texts, policy.recognised);
  }

  /** Large batches (≥ 1 Mi ids) are decoded on worker threads (same texts as decoding each row here). */
  override decodeBatch(rows: readonly TokenIds[], options: DecodeOptions = {}): string[] {
    const arrays = rows.map((r) =>
      ArrayBuffer.isView(r) || Array.isArray(r) ? (r as ArrayLike<number>) : idsToArray(r),
    );
    let ids = 0;
    for (const r of arrays) ids += r.length;
    if (arrays.length < 2 || ids < PARALLEL_DECODE_IDS) return arrays.map((r) => this.decode(r, options));
    this.#pool ??= this.createWorkerPool();
    return this.#pool.decodeMany(arrays, options.skipSpecialTokens ?? false);
  }

  /** A worker pool bound to this tokenizer's vocabulary (caller closes it). */
  createWorkerPool(numWorkers?: number): BPEWorkerPool {
    return new BPEWorkerPool(this.encoder.data, {
      numWorkers: numWorkers ?? this.#numWorkers,
      cacheSize: this.#cacheSize,
    });
  }

  /** Stops the worker threads of `encodeBatch`, if any were started. */
  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.close();
  }

  /** Merges for HF files: the real ones, or in rank mode the equivalent list derived from the ranks. */
  #mergesForExport(): Merge[] {
    return this.merges !== null ? [...this.merges] : ranksToMerges(this.#ordinary);
  }

  /**
   * Writes `tokenizer.json`, `vocab.json`, `merges.txt` and, last, `tokenizer_config.json`; rank-mode
   * tokenizers also write their ranks as `tokenizer.tiktoken` and reload from them.
   */
  protected writeFiles(dir: string): void {
    const files: BPEFiles & { merges: Merge[] } = {
      vocab: this.#ordinary,
      merges: this.#mergesForExport(),
      specials: this.specialTokens.map(([s, id]) => [s, id]),
    };
    writeHuggingFaceFiles(dir, files, this.preTokenizer);
    if (this.merges === null) this.saveTiktoken(path.join(dir, TIKTOKEN_FILE));
    writeJsonAtomic(path.join(dir, TOKENIZER_CONFIG_FILE), this.tokenizerConfig());
  }

  /** The tokenizer_config.json fields (the pre-tokenizer only when it is not GPT-2's, so older files stay as they were). */
  protected tokenizerConfig(): TokenizerConfigFile {
    const pre = this.preTokenizer;
    return {
      ...this.baseConfig(),
      bpe_mode: this.merges === null ? 'ranks' : 'merges',
      special_tokens: Object.fromEntries(this.specialTokens),
      ...(pre.type === 'gpt2' ? {} : { pre_tokenizer: pre }),
    };
  }

  /** How text between specials is cut into pieces. */
  get preTokenizer(): PreTokenizerSpec {
    return this.encoder.data.preTokenizer;
  }

  /** Writes the ordinary tokens as tiktoken ranks (`base64 id` lines; specials live in code/config). */
  saveTiktoken(file: string): void {
    writeFileAtomic(file, formatTiktoken(this.#ordinary));
  }

  /** Options for a subclass constructor from a saved directory (config + model files). */
  protected static optionsFromDirectory(dir: string, expectedType: string): BPETokenizerOptions {
    const config = readTokenizerConfig(dir, expectedType);
    const configFile = path.join(dir, TOKENIZER_CONFIG_FILE);
    const specialIds = config.special_tokens ?? {};
    if (specialIds === null || typeof specialIds !== 'object' || Array.isArray(specialIds)) {
      throw new FileError(configFile, '"special_tokens" must be an object {token: id}');
    }
    let files: BPEFiles;
    if (config.bpe_mode === 'ranks') {
      files = { vocab: readTiktoken(path.join(dir, TIKTOKEN_FILE)), merges: null, specials: [] };
    } else {
      files = readBPEDirectory(dir, Object.keys(specialIds));
    }
    const specialTokenIds: Record<string, number> = Object.fromEntries(files.specials);
    Object.assign(specialTokenIds, specialIds);
    const options: BPETokenizerOptions = {
      preTokenizer:
        config.pre_tokenizer === undefined
          ? undefined
          : preTokenizerFromSpec(config.pre_tokenizer, configFile).spec,
      vocab: files.vocab,
      merges: files.merges,
      specialTokenIds,
      ...configRoles(config, configFile),
      maxLength: configMaxLength(config),
    };
    return options;
  }

  static fromPretrained(dir: string): BPETokenizer {
    const options = BPETokenizer.optionsFromDirectory(dir, BPETokenizer.tokenizerType);
    const tokenizer = new BPETokenizer(options);
    checkVocabSize(dir, tokenizer);
    return tokenizer;
  }

  /**
   * A merge-mode tokenizer from a bare HF/GPT-2 `vocab.json` + `merges.txt` pair (no tokenizer_config.json),
   * as CS336's `Tokenizer.from_files`: `specialTokens` keep their id in the vocabulary when they have one,
   * else get the next free ids in the order given.
   */
  static fromFiles(
    vocabPath: string,
    mergesPath: string,
    specialTokens: readonly string[] = [],
    options: Omit<BPETokenizerOptions, 'vocab' | 'merges' | 'specialTokens' | 'specialTokenIds'> = {},
  ): BPETokenizer {
    const files = readVocabAndMerges(vocabPath, mergesPath, specialTokens);
    return new BPETokenizer({
      ...options,
      vocab: files.vocab,
      merges: files.merges,
      specialTokens,
      specialTokenIds: Object.fromEntries(files.specials),
    });
  }

  /**
   * Trains a byte-level BPE tokenizer of `data.vocabSize` ids (256 bytes, the merges, `<|endoftext|>`) on
   * the documents, which are joined with `<|endoftext|>` so that no merge crosses two of them.
   */
  static async train(data: TokenizerTrainingData): Promise<BPETokenizer> {
    if (this.fixedVocabulary) {
      throw new Error(
        `${this.name}.train: "${this.tokenizerType}" is a fixed encoding (its vocabulary ships with it) and cannot be trained; train a "bpe" tokenizer instead`,
      );
    }
    const { vocabSize } = data;
    if (vocabSize === undefined)
      throw new Error(
        'training a BPE tokenizer needs a vocabulary size (vocabSize; --vocab-size in the CLI)',
      );
    const trained = await trainBPE({
      input: joinDocuments(data.documents(), END_OF_TEXT),
      vocabSize,
      specialTokens: [END_OF_TEXT],
      numWorkers: data.numWorkers,
    });
    return new this({ vocab: trained.vocab, merges: trained.merges, specialTokens: [END_OF_TEXT] });
  }

  /** A rank-mode tokenizer from a `.tiktoken` file plus its specials (`{"<|endoftext|>": 50256}`). */
  static fromTiktoken(file: string, specialTokenIds: Readonly<Record<string, number>> = {}): BPETokenizer {
    return new BPETokenizer({ vocab: readTiktoken(file), merges: null, specialTokenIds });
  }

  /** Same from tiktoken text already in memory (`source` names it in errors). */
  static fromTiktokenText(
    source: string,
    text: string,
    specialTokenIds: Readonly<Record<string, number>> = {},
  ): BPETokenizer {
    return new BPETokenizer({ vocab: parseTiktoken(source, text), merges: null, specialTokenIds });
  }
}
