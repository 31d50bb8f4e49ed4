/**
 * Intrinsic tokenizer metrics (bytespan-reference.md §13): bytes per token, fertility, proportion of words
 * split, types used, Rényi efficiency and MorphScore.
 *
 * Unlike the reference, texts are tokenized whole (no per-word re-tokenization with spurious prefix
 * spaces) and words are matched to tokens by byte offsets: each token's length is the length of its own
 * bytes, so multi-byte scripts and display markers (`Ġ`, `##`) never affect the alignment. A "word" is a
 * maximal run of non-whitespace characters (`/\S+/u`).
 */
import type { BaseTokenizer } from '../tokenizers/base.js';
import { codePointClass, SPACE } from '../tokenizers/bpe/scan.js';
import { utf8Length } from '../tokenizers/utf8-length.js';
import { FileError, readTextFile } from './fs.js';
import { createProgress } from './progress.js';
import { fileSize, forEachLine } from './text-stream.js';

export const RENYI_ALPHA = 2.5;

const utf8 = new TextEncoder();
/** Corpus files at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 1 << 20;

/** Tokenizers that can return a token's exact bytes (byte-level and BPE tokenizers do). */
interface ByteDecoder {
  decodeBytes(ids: number[]): Uint8Array;
}

function hasDecodeBytes(t: BaseTokenizer): t is BaseTokenizer & ByteDecoder {
  return typeof (t as Partial<ByteDecoder>).decodeBytes === 'function';
}

/**
 * Tokenizers whose token bytes depend on context report each token's byte span themselves (ByteSpan: a
 * `##` entry is one or two readings, and the prefix space it adds is not in the text).
 */
interface ByteOffsetEncoder {
  encodeWithByteOffsets(text: string): { ids: number[]; ends: Uint32Array };
}

function hasByteOffsets(t: BaseTokenizer): t is BaseTokenizer & ByteOffsetEncoder {
  return typeof (t as Partial<ByteOffsetEncoder>).encodeWithByteOffsets === 'function';
}

/** Ids of `text` and each token's end byte offset (null when the tokens do not cover exactly its bytes). */
function encodeWithEnds(
  tokenizer: BaseTokenizer,
  text: string,
  textBytes: number,
  lengths: TokenByteLengths,
): { ids: number[]; ends: ArrayLike<number> | null } {
  if (hasByteOffsets(tokenizer)) {
    const { ids, ends } = tokenizer.encodeWithByteOffsets(text);
    return { ids, ends: (ends.length === 0 ? 0 : ends[ends.length - 1]) === textBytes ? ends : null };
  }
  const ids = tokenizer.encode(text);
  return { ids, ends: lengths.ends(ids, textBytes) };
}

/**
 * Byte length of each token id, cached per id. Uses the tokenizer's `decodeBytes` where it has one (exact
 * for tokens that hold part of a UTF-8 character); otherwise the UTF-8 length of `decode([id])`, which is
 * exact for tokenizers whose tokens are whole characters (the character tokenizer).
 */
export class TokenByteLengths {
  readonly #tokenizer: BaseTokenizer;
  #lengths: Int32Array;

  constructor(tokenizer: BaseTokenizer) {
    this.#tokenizer = tokenizer;
    this.#lengths = new Int32Array(Math.max(tokenizer.vocabSize, 1)).fill(-1);
  }

  get(id: number): number {
    if (id >= this.#lengths.length) {
      const grown = new Int32Array(Math.max(id + 1, this.#lengths.length * 2)).fill(-1);
      grown.set(this.#lengths);
      this.#lengths = grown;
    }
    let n = this.#lengths[id]!;
    if (n < 0) {
      const t = this.#tokenizer;
      n = hasDecodeBytes(t) ? t.decodeBytes([id]).length : 0;
      // Specials have no bytes under decodeBytes; their text form is what they stand for in the input.
      if (n === 0) n = utf8.encode(t.decode([id])).length;
      this.#lengths[id] = n;
    }
    return n;
  }

  /** End byte offset of each token, or null when the tokens do not cover exactly `textBytes` bytes. */
  ends(ids: readonly number[], textBytes: number): Float64Array | null {
    const ends = new Float64Array(ids.length);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      at += this.get(ids[i]!);
      ends[i] = at;
    }
    return at === textBytes ? ends : null;
  }
}

export interface WordBounds {
  /** Byte offsets of the whitespace-separated words: [start₀, end₀, start₁, end₁, …]. */
  bounds: Uint32Array;
  /** UTF-8 length of the whole text. */
  bytes: number;
}

/**
 * Words (maximal runs of non-`\s` characters) of `text` as UTF-8 byte offsets, in one pass over the code
 * units (no regex, one allocation).
 */
export function wordByteBounds(text: string): WordBounds {
  const bounds = new Uint32Array(text.length + 1);
  let k = 0;
  let byteAt = 0;
  let runStart = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    // Every \s character is in the BMP and surrogates are not \s, so no run boundary splits a pair.
    const space = codePointClass(text.charCodeAt(i)) === SPACE;
    if (space === inWord) {
      byteAt += utf8Length(text, runStart, i);
      runStart = i;
      bounds[k++] = byteAt;
    }
    inWord = !space;
  }
  byteAt += utf8Length(text, runStart, text.length);
  if (inWord) bounds[k++] = byteAt;
  return { bounds: bounds.subarray(0, k), bytes: byteAt };
}

export interface CorpusMetrics {
  /** Corpus label (the language, or the file name). */
  name: string;
  /** B: UTF-8 bytes of the analysed text (line breaks of files excluded). */
  bytes: number;
  /** W: whitespace-separated words. */
  words: number;
  /** N: tokens. */
  totalTokens: number;
  /** Words overlapped by two or more tokens. */
  splitWords: number;
  /** U: distinct token ids produced. */
  typesUsed: number;
  vocabSize: number;
  /** B / N. */
  bytesPerToken: number;
  /** N / W. */
  fertility: number;
  /** splitWords / W. */
  propSplit: number;
  /** U / vocabSize. */
  utilization: number;
  /** Rényi efficiency with α = 2.5 (NaN when fewer than two types were used). */
  renyi: number;
  /**
   * Texts whose tokens' bytes did not add up to the text's bytes (a lossy tokenizer, e.g. `<unk>`): their
   * words were matched by tokenizing each word on its own.
   */
  unalignedTexts: number;
}

/** Accumulates counts over texts; `result()` turns them into metrics. Accumulators of corpora can be merged. */
export class TokenizerMetricsAccumulator {
  readonly tokenizer: BaseTokenizer;
  readonly name: string;
  readonly #lengths: TokenByteLengths;
  #counts: Float64Array;
  bytes = 0;
  words = 0;
  tokens = 0;
  splitWords = 0;
  texts = 0;
  unalignedTexts = 0;

  constructor(tokenizer: BaseTokenizer, name = 'corpus', lengths = new TokenByteLengths(tokenizer)) {
    this.tokenizer = tokenizer;
    this.name = name;
    this.#lengths = lengths;
    this.#counts = new Float64Array(Math.max(tokenizer.vocabSize, 1));
  }

  get counts(): Float64Array {
    return this.#counts;
  }

  addText(text: string): void {
    const { bounds, bytes } = wordByteBounds(text);
    const { ids, ends } = encodeWithEnds(this.tokenizer, text, bytes, this.#lengths);
    const words = bounds.length / 2;
    this.texts++;
    this.bytes += bytes;
    this.words += words;
    this.tokens += ids.length;
    for (const id of ids) {
      if (id >= this.#counts.length) this.#growCounts(id + 1);
      this.#counts[id]! += 1;
    }
    if (ends === null) {
      this.unalignedTexts++;
      for (const [word] of text.matchAll(/\S+/gu))
        if (this.tokenizer.encode(word).length >= 2) this.splitWords++;
      return;
    }
    // Two pointers: tokens and words are both in byte order.
    let t = 0;
    for (let w = 0; w < words; w++) {
      const ws = bounds[2 * w]!;
      const we = bounds[2 * w + 1]!;
      while (t < ends.length && ends[t]! <= ws) t++;
      let overlapping = 0;
      for (let u = t; u < ends.length; u++) {
        const start = u === 0 ? 0 : ends[u - 1]!;
        if (start >= we) break;
        if (ends[u]! > start && ++overlapping === 2) break;
      }
      if (overlapping >= 2) this.splitWords++;
    }
  }

  #growCounts(minSize: number): void {
    const grown = new Float64Array(Math.max(minSize, this.#counts.length * 2));
    grown.set(this.#counts);
    this.#counts = grown;
  }

  /** Adds another accumulator's counts (same tokenizer) into this one. */
  merge(other: TokenizerMetricsAccumulator): void {
    if (other.#counts.length > this.#counts.length) this.#growCounts(other.#counts.length);
    for (let i = 0; i < other.#counts.length; i++) this.#counts[i]! += other.#counts[i]!;
    this.bytes += other.bytes;
    this.words += other.words;
    this.tokens += other.tokens;
    this.splitWords += other.splitWords;
    this.texts += other.texts;
    this.unalignedTexts += other.unalignedTexts;
  }

  result(): CorpusMetrics {
    if (this.texts === 0 || this.bytes === 0)
      throw new Error(`${this.name}: empty corpus (no text to evaluate)`);
    if (this.words === 0) throw new Error(`${this.name}: the corpus has no words (only whitespace)`);
    let types = 0;
    for (let i = 0; i < this.#counts.length; i++) if (this.#counts[i]! > 0) types++;
    return {
      name: this.name,
      bytes: this.bytes,
      words: this.words,
      totalTokens: this.tokens,
      splitWords: this.splitWords,
      typesUsed: types,
      vocabSize: this.tokenizer.vocabSize,
      bytesPerToken: this.bytes / this.tokens,
      fertility: this.tokens / this.words,
      propSplit: this.splitWords / this.words,
      utilization: types / this.tokenizer.vocabSize,
      renyi: renyiEfficiency(this.#counts, RENYI_ALPHA),
      unalignedTexts: this.unalignedTexts,
    };
  }
}

/**
 * Rényi efficiency (Zouhar et al. 2023): H_α(p) / log₂ U with H_α = log₂(Σ pᵢ^α) / (1 − α), pᵢ = countᵢ / N
 * over the observed types, U = number of observed types. NaN when U < 2 (log₂ U = 0).
 */
export function renyiEfficiency(counts: ArrayLike<number>, alpha = RENYI_ALPHA): number {
  if (!(alpha > 0) || alpha === 1) throw new Error(`Rényi alpha must be positive and not 1, got ${alpha}`);
  let total = 0;
  let types = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) {
      total += c;
      types++;
    }
  }
  if (types < 2) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) sum += (c / total) ** alpha;
  }
  return Math.log2(sum) / (1 - alpha) / Math.log2(types);
}

export type CorpusInput = { name: string } & ({ texts: Iterable<string> } | { file: string });

/** Metrics of one corpus: texts as given, or a file read line by line (each non-empty line one text). */
export function evaluateCorpus(
  tokenizer: BaseTokenizer,
  corpus: CorpusInput,
  options: { lengths?: TokenByteLengths; showProgress?: boolean } = {},
): TokenizerMetricsAccumulator {
  const acc = new TokenizerMetricsAccumulator(tokenizer, corpus.name, options.lengths);
  if ('file' in corpus) {
    const size = fileSize(corpus.file);
    const bar = createProgress(size, `evaluating ${corpus.name}`, {
      enabled: (options.showProgress ?? true) && size >= PROGRESS_MIN_BYTES,
    });
    try {
      forEachLine(
        corpus.file,
        (line) => {
          if (line.length > 0) acc.addText(line);
        },
        (read) => bar.update(read),
      );
    } finally {
      bar.stop();
    }
    if (acc.bytes === 0) throw new FileError(corpus.file, 'empty corpus: the file has no text');
  } else {
    for (const text of corpus.texts) acc.addText(text);
    if (acc.bytes === 0) throw new Error(`${corpus.name}: empty corpus (no text to evaluate)`);
  }
  return acc;
}

// ---------------------------------------------------------------------------------------------------------
// MorphScore

export interface MorphItem {
  fullWord: string;
  pt1: string;
  rest: string;
}

export interface MorphScoreResult {
  /** Mean over scored items (NaN when every item was excluded). */
  score: number;
  /** Items tokenized into two or more tokens (the denominator). */
  scored: number;
  /** Items with a token boundary exactly at the end of pt1. */
  hits: number;
  /** Items kept whole (one token): excluded, as in the reference. */
  excludedSingleToken: number;
  /** Items where pt1 is not a prefix of full_word, or the tokens' bytes do not spell the word: excluded. */
  excludedInvalid: number;
}

const MORPH_COLUMNS = ['full_word', 'pt1', 'rest'] as const;

/** Reads a MorphScore CSV (header with at least `full_word, pt1, rest`; RFC 4180 quoting). */
export function readMorphCsv(file: string): MorphItem[] {
  const text = readTextFile(file, 'MorphScore CSV').replace(/^\uFEFF/, '');
  const rows = parseCsv(text, file);
  if (rows.length === 0)
    throw new FileError(file, 'empty CSV: expected a header with columns full_word, pt1, rest');
  const header = rows[0]!.map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i]));
  for (const col of MORPH_COLUMNS) {
    if (!index.has(col)) throw new FileError(file, `missing column "${col}" (header: ${header.join(', ')})`);
  }
  const [iw, ip, ir] = MORPH_COLUMNS.map((c) => index.get(c)!) as [number, number, number];
  const items: MorphItem[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length === 1 && row[0] === '') continue;
    if (row.length < header.length)
      throw new FileError(file, `row ${r + 1} has ${row.length} fields, the header has ${header.length}`);
    items.push({ fullWord: row[iw]!, pt1: row[ip]!, rest: row[ir]! });
  }
  if (items.length === 0) throw new FileError(file, 'no MorphScore items after the header');
  return items;
}

function parseCsv(text: string, file: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new FileError(file, 'unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * MorphScore with byte offsets (bytespan-reference.md §13.2): tokenize each word (after a space when
 * `prefixSpace`, as in the ByteSpan setup), drop tokens that lie wholly in the prefix, exclude words kept
 * as one token, and score 1 when a token boundary falls at byte |utf8(pt1)| of the word.
 */
export function morphScore(
  tokenizer: BaseTokenizer,
  items: readonly MorphItem[],
  options: { prefixSpace?: boolean; lengths?: TokenByteLengths } = {},
): MorphScoreResult {
  const lengths = options.lengths ?? new TokenByteLengths(tokenizer);
  const prefix = (options.prefixSpace ?? true) ? ' ' : '';
  let hits = 0;
  let scored = 0;
  let single = 0;
  let invalid = 0;
  for (const item of items) {
    if (
      !item.fullWord.startsWith(item.pt1) ||
      item.pt1.length === 0 ||
      item.pt1.length === item.fullWord.length
    ) {
      invalid++;
      continue;
    }
    const text = prefix + item.fullWord;
    const { ends } = encodeWithEnds(tokenizer, text, Buffer.byteLength(text, 'utf8'), lengths);
    if (ends === null) {
      invalid++;
      continue;
    }
    const offset = prefix.length;
    // Tokens of the word: those ending after the prefix.
    let first = 0;
    while (first < ends.length && ends[first]! <= offset) first++;
    const inWord = ends.length - first;
    if (inWord <= 1) {
      single++;
      continue;
    }
    scored++;
    const boundary = offset + Buffer.byteLength(item.pt1, 'utf8');
    for (let u = first; u < ends.length - 1; u++) {
      if (ends[u] === boundary) {
        hits++;
        break;
      }
    }
  }
  return {
    score: scored === 0 ? Number.NaN : hits / scored,
    scored,
    hits,
    excludedSingleToken: single,
    excludedInvalid: invalid,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Several corpora (languages) at once

export interface TokenizerEvaluation {
  name: string;
  /** Pooled over every corpus. */
  overall: CorpusMetrics;
  /** One entry per corpus, in input order. */
  perCorpus: CorpusMetrics[];
  morph: MorphScoreResult | null;
  /** Pooled token counts by id (for coverage curves). */
  counts: Float64Array;
}

/** Evaluates one tokenizer on several corpora (e.g. one file per language), pooled and per corpus. */
export function evaluateTokenizer(
  name: string,
  tokenizer: BaseTokenizer,
  corpora: readonly CorpusInput[],
  options: { morphItems?: readonly MorphItem[]; prefixSpace?: boolean; showProgress?: boolean } = {},
): TokenizerEvaluation {
  if (corpora.length === 0) throw new Error('no corpora given: pass at least one input');
  const lengths = new TokenByteLengths(tokenizer);
  const accs = corpora.map((c) =>
    evaluateCorpus(tokenizer, c, { lengths, showProgress: options.showProgress }),
  );
  const pooled = new TokenizerMetricsAccumulator(tokenizer, 'all', lengths);
  for (const a of accs) pooled.merge(a);
  const morph = options.morphItems
    ? morphScore(tokenizer, options.morphItems, { prefixSpace: options.prefixSpace, lengths })
    : null;
  return {
    name,
    overall: pooled.result(),
    perCorpus: accs.map((a) => a.result()),
    morph,
    counts: pooled.counts,
  };
}
