/**
 * The span pass of the monotonic and combined constraints (spec §7–§8), run once and reused for every
 * target vocabulary size.
 *
 * Per document, `cont[t]` says whether byte t continues the span of byte t − 1:
 *   monotonic: cont[t] = s[t] < s[t − 1]              (strict decrease; equal values break a run)
 *   combined:  cont[t] = s[t] < s[t − 1] || s[t] < θ
 * and cont[0] = false: the document-initial byte is always a head (B1, B12). A span is a head h followed
 * by a maximal non-empty run h+1 … e of continuing bytes; a run reaching the document's end is closed
 * there. NaN cues compare false, so they break runs. There are no special ids in a cue corpus (documents
 * are delimited by `docEnds`, not EOS bytes), so no span can contain one.
 *
 * Clean-up of a span [h, e] (§8): (1) a head that does not start a pre-token takes in a preceding space
 * byte; (2) a pre-token start cannot end a span; (3) empty results are dropped; (4) the span is cut at
 * every pre-token start inside it; (5) each piece is spelled (`##` unless it starts a pre-token) and
 * counted unless it is in the base vocabulary (one byte, or `Ġk` with k ≠ space).
 *
 * Beyond the reference: a piece that starts a pre-token and whose bytes begin with `##` is not counted,
 * since its plain spelling would read as a continuation token (ambiguous for WordPiece inference and
 * decoding). Such pieces stay bytes.
 */
import { Int32List } from '../../utils/int32-list.js';
import type { CueCorpus } from './cue-corpus.js';
import { markPreTokenStarts } from './pretoken-starts.js';
import { SpanTable } from './span-table.js';
import { WordTable } from './word-table.js';

export type Constraint = 'monotonic' | 'combined';
export const CONSTRAINTS: readonly Constraint[] = ['monotonic', 'combined'];

const SPACE = 0x20;
const HASH = 0x23;
/** Word units: 0–255 are bytes, UNIT_SPAN + c is span candidate c. */
export const UNIT_SPAN = 256;
const PROGRESS_EVERY = 1 << 22;

export interface SpanPassOptions {
  /** One value per corpus byte (null only with `bytesOnly`). */
  cue: Float32Array | null;
  constraint: Constraint;
  /** θ of the combined constraint (ignored by monotonic). */
  threshold?: number;
  /** Keep a count per document source (language-balanced selection). */
  perSource?: boolean;
  /**
   * Also record every pre-token occurrence as a word of units (bytes and candidate spans), the input
   * of the BPE continuation.
   */
  words?: boolean;
  /** Skip span detection: words are plain byte runs (the BPE-WP input). Implies `words`. */
  bytesOnly?: boolean;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface SpanCounts {
  /** Distinct candidates in first-occurrence order; `counts` = corpus frequency. */
  table: SpanTable;
  /** Per source index: candidate → count, in first-occurrence order within that source. */
  bySource: Array<Map<number, number>> | null;
  /** Pre-token occurrences as unit words (see UNIT_SPAN), when asked for. */
  words: WordTable | null;
  /** Span pieces counted (occurrences of candidates). */
  occurrences: number;
  /** Pieces not counted because their plain spelling would start with `##`. */
  skippedHashPrefix: number;
}

/** Builds the unit words of one document while its pieces are emitted left to right. */
class WordBuilder {
  private readonly units = new Int32List();
  /** Next byte of the document not yet placed in a word. */
  private cursor = 0;

  constructor(private readonly words: WordTable) {}

  startDocument(): void {
    this.cursor = 0;
  }

  /** Places candidate `c` over doc[from, from + length), after the bytes before it. */
  span(doc: Uint8Array, ptb: Uint8Array, from: number, length: number, c: number): void {
    // Pieces overlap only when a space absorbed by one span also ended the previous one (a whitespace
    // run): the first piece keeps the byte and this one stays bytes.
    if (from < this.cursor) return;
    this.bytes(doc, ptb, from);
    if (ptb[from] === 1) this.flush();
    this.units.push(UNIT_SPAN + c);
    this.cursor = from + length;
  }

  /** Places the remaining bytes up to `to` (exclusive), one unit each. */
  bytes(doc: Uint8Array, ptb: Uint8Array, to: number): void {
    for (let p = this.cursor; p < to; p++) {
      if (ptb[p] === 1) this.flush();
      this.units.push(doc[p]!);
    }
    if (to > this.cursor) this.cursor = to;
  }

  endDocument(doc: Uint8Array, ptb: Uint8Array): void {
    this.bytes(doc, ptb, doc.length);
    this.flush();
  }

  private flush(): void {
    if (this.units.length > 0) this.words.add(this.units.values, 0, this.units.length);
    this.units.clear();
  }
}

/** Per-corpus state of the pass; documents are fed in order. */
class SpanPass {
  readonly table: SpanTable;
  occurrences = 0;
  skippedHashPrefix = 0;
  /** Counts of the current document's source (balanced selection), or null. */
  sourceCounts: Map<number, number> | null = null;

  constructor(
    bytes: Uint8Array,
    private readonly builder: WordBuilder | null,
  ) {
    this.table = new SpanTable(bytes);
  }

  /** Finds the spans of `doc` (corpus offset `base`) and counts their pieces. */
  document(
    doc: Uint8Array,
    ptb: Uint8Array,
    base: number,
    s: Float32Array,
    combined: boolean,
    theta: number,
  ): void {
    const n = doc.length;
    let h = 0;
    let previous = s[0]!;
    for (let t = 1; t < n; t++) {
      const value = s[t]!;
      if (!(value < previous || (combined && value < theta))) {
        if (t - 1 > h) this.cleanUp(doc, ptb, base, h, t - 1);
        h = t;
      }
      previous = value;
    }
    if (n - 1 > h) this.cleanUp(doc, ptb, base, h, n - 1);
  }

  /** Steps 1–4 for the span [h, e] (document-relative, inclusive). */
  private cleanUp(doc: Uint8Array, ptb: Uint8Array, base: number, h: number, e: number): void {
    if (ptb[h] === 0 && doc[h - 1] === SPACE) h--;
    if (ptb[e] === 1) e--;
    if (h >= e) return;
    let start = h;
    for (let m = h + 1; m <= e; m++) {
      if (ptb[m] === 1) {
        this.piece(doc, ptb, base, start, m - 1);
        start = m;
      }
    }
    if (start !== e) this.piece(doc, ptb, base, start, e);
  }

  /** Step 5: counts the piece doc[a, e] (inclusive) unless it is a base token. */
  private piece(doc: Uint8Array, ptb: Uint8Array, base: number, a: number, e: number): void {
    const length = e - a + 1;
    if (length < 2) return;
    const initial = ptb[a] === 1;
    if (initial && length === 2 && doc[a] === SPACE && doc[a + 1] !== SPACE) return;
    if (initial && doc[a] === HASH && doc[a + 1] === HASH) {
      this.skippedHashPrefix++;
      return;
    }
    const c = this.table.add(initial, base + a, length);
    this.occurrences++;
    if (this.sourceCounts !== null) this.sourceCounts.set(c, (this.sourceCounts.get(c) ?? 0) + 1);
    this.builder?.span(doc, ptb, a, length, c);
  }
}

/** The arrays the pass reads: a cue corpus, or the shared parts of one inside a worker thread. */
export interface SpanCorpus {
  readonly bytes: Uint8Array;
  readonly docEnds: Float64Array;
  readonly docSources: Uint16Array;
  /** Number of document sources (the length of `bySource`). */
  readonly numSources: number;
}

/** The corpus's arrays as the pass reads them. */
export function spanCorpusOf(corpus: CueCorpus): SpanCorpus {
  const { bytes, docEnds, docSources } = corpus;
  return { bytes, docEnds, docSources, numSources: corpus.meta.sources.length };
}

/** Checks the options against the corpus; returns θ (NaN when unused). */
export function checkSpanPass(corpus: SpanCorpus, options: SpanPassOptions): number {
  const { cue, constraint } = options;
  const bytesOnly = options.bytesOnly === true;
  if (cue === null && !bytesOnly) throw new Error('the span pass needs a cue');
  if (cue !== null && cue.length !== corpus.bytes.length) {
    throw new Error(`the cue has ${cue.length} values but the corpus has ${corpus.bytes.length} bytes`);
  }
  const theta = options.threshold ?? Number.NaN;
  if (constraint === 'combined' && !bytesOnly && !Number.isFinite(theta)) {
    throw new Error(`the combined constraint needs a finite threshold, got ${theta}`);
  }
  return theta;
}

/** Runs the span pass over every document of the corpus. */
export function countSpans(corpus: CueCorpus, options: SpanPassOptions): SpanCounts {
  const spanCorpus = spanCorpusOf(corpus);
  checkSpanPass(spanCorpus, options);
  const total = corpus.bytes.length;
  options.onProgress?.(0, total);
  const counts = countSpanRange(spanCorpus, options, 0, corpus.docEnds.length, (done) =>
    options.onProgress?.(done, total),
  );
  options.onProgress?.(total, total);
  return counts;
}

/**
 * The span pass over documents [firstDoc, endDoc) (options checked by `checkSpanPass`); candidates are
 * numbered in first-occurrence order within the range. `onBytes` receives the bytes done in the range
 * every few MiB.
 */
export function countSpanRange(
  corpus: SpanCorpus,
  options: SpanPassOptions,
  firstDoc: number,
  endDoc: number,
  onBytes?: (done: number) => void,
): SpanCounts {
  const { bytes, docEnds, docSources } = corpus;
  const { cue } = options;
  const bytesOnly = options.bytesOnly === true;
  const combined = options.constraint === 'combined';
  const theta = options.threshold ?? Number.NaN;
  const bySource = options.perSource
    ? Array.from({ length: corpus.numSources }, () => new Map<number, number>())
    : null;
  const words = options.words || bytesOnly ? new WordTable() : null;
  const builder = words === null ? null : new WordBuilder(words);
  const pass = new SpanPass(bytes, builder);

  let ptb = new Uint8Array(1 << 16);
  const rangeStart = firstDoc === 0 ? 0 : docEnds[firstDoc - 1]!;
  let nextReport = rangeStart + PROGRESS_EVERY;
  for (let d = firstDoc; d < endDoc; d++) {
    const base = d === 0 ? 0 : docEnds[d - 1]!;
    const end = docEnds[d]!;
    const n = end - base;
    if (n === 0) continue;
    const doc = bytes.subarray(base, end);
    if (ptb.length < n) ptb = new Uint8Array(Math.max(n, ptb.length * 2));
    markPreTokenStarts(doc, ptb);
    pass.sourceCounts = bySource === null ? null : bySource[docSources[d]!]!;
    builder?.startDocument();
    if (cue !== null && !bytesOnly) pass.document(doc, ptb, base, cue.subarray(base, end), combined, theta);
    builder?.endDocument(doc, ptb);
    if (end >= nextReport) {
      onBytes?.(end - rangeStart);
      nextReport = end + PROGRESS_EVERY;
    }
  }
  const { table, occurrences, skippedHashPrefix } = pass;
  return { table, bySource, words, occurrences, skippedHashPrefix };
}
