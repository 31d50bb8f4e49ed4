/**
 * The global constraint (`ByteSpan{Cue}GlobalIncrement`, spec §7): a threshold rising over the sorted cue
 * values, realised as an incremental union of neighbours.
 *
 * Positions are visited in ascending cue order (ties in position order; NaN last). Visiting m joins it
 * with the segment ending at m − 1 (when m − 1 was visited and m does not start a pre-token) and with
 * the segment of m + 1 (when m + 1 was visited and does not start a pre-token). `leftShift` also takes in
 * an unvisited m − 1 (the high-information head byte). A segment whose left edge does not start a
 * pre-token takes in the word-initial space before it. Segments therefore never cross a pre-token start
 * (documents start with one, so they never cross documents either).
 *
 * Every `rebuildEvery` visits (checkpoint after visit i when i % rebuildEvery = 0, as the reference) the
 * vocabulary is the 699-entry base plus every segment type counted at least `minFrequency` times, most
 * frequent first (ties: first seen first), spelled with `##` unless it starts a pre-token. The first
 * checkpoint at which it holds ≥ V entries gives the vocabulary of size V (ids < V); larger sizes
 * continue from the same state. The fully visited corpus after the last visit is a last checkpoint (no
 * stats row), so a size reached only there is complete too.
 *
 * Counting (B6):
 * - `exact` (default): the segment types counted are exactly the current segments. Visiting m removes
 *   the segments it joins (decrementing their exact keys) and adds the joined one, so at every
 *   checkpoint count[(startsPreToken, bytes)] is the number of current segments with that key.
 * - `reference`: the reference's bookkeeping — increment the new segment; decrement, not below 0, the
 *   key made of its bytes left of m (with the new segment's start flag) and the key of its bytes right
 *   of m (as a continuation). It over- and under-counts when a join also takes in a space or a shifted
 *   head byte.
 *
 * One deviation, in whitespace only: the space taken in must itself start the pre-token (as every
 * word-initial space does). Inside a run of spaces the reference's rule would keep pulling in spaces and
 * let segments overlap.
 *
 * Beyond the reference: segments whose plain spelling starts with `##` never enter the vocabulary (they
 * would read as continuation tokens).
 */
import { globalBaseVocab } from './base-vocab.js';
import type { CueCorpus, CueName } from './cue-corpus.js';
import { sortableKey } from './percentile.js';
import { preTokenStarts } from './pretoken-starts.js';
import { checkVocabSizes } from './selection.js';
import { SpanTable } from './span-table.js';

const SPACE = 0x20;
const HASH = 0x23;
// Per-position flags, packed so that one load serves a visit's checks (visits jump around the corpus).
const VISITED = 1;
const COVERED = 2;
const START = 4; // starts a pre-token

export type GlobalCounting = 'exact' | 'reference';

export interface GlobalOptions {
  cue: CueName;
  vocabSizes: readonly number[];
  /** The `LeftShift` variant: also take in the unvisited byte left of a visited one. */
  leftShift?: boolean;
  /** Default `exact` (see the module comment). */
  counting?: GlobalCounting;
  /** Segment types need at least this count to enter the vocabulary (default 20). */
  minFrequency?: number;
  /** Visits between vocabulary rebuilds (default 1,000). */
  rebuildEvery?: number;
  onProgress?: (progress: { phase: 'sort' } | { phase: 'visit'; done: number; total: number }) => void;
}

/** One row of the reference's `stats.csv`. */
export interface GlobalStatsRow {
  /** Visit index of the checkpoint (0-based, as the reference's `num_moves`). */
  visits: number;
  vocabSize: number;
  /** Distinct segment types: with a positive count (exact) or ever touched (reference). */
  uniqueSegments: number;
  /** Cue value of the position visited at this checkpoint (the current θ). */
  threshold: number;
}

export interface GlobalVocab {
  /** Tokens in id order; UNK is 698. */
  tokens: string[];
  /** False when every position was visited before the size was reached (then `tokens` is shorter). */
  complete: boolean;
  /** Rows of `stats.csv` up to this vocabulary's checkpoint. */
  statsRows: number;
}

export interface GlobalResult {
  vocabs: Map<number, GlobalVocab>;
  stats: GlobalStatsRow[];
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

/**
 * Position indexes sorted by cue, ascending, stable (LSD radix, three 11-bit digits); NaN last. Keys move
 * with the indexes so every pass reads sequentially (16 bytes per position while sorting).
 */
export function cueOrder(cue: Float32Array): Uint32Array {
  const n = cue.length;
  const bits = new Uint32Array(cue.buffer, cue.byteOffset, n);
  let keysFrom = new Uint32Array(n);
  let keysTo = new Uint32Array(n);
  let from = new Uint32Array(n);
  let to = new Uint32Array(n);
  const counts = new Float64Array(3 * RADIX);
  for (let i = 0; i < n; i++) {
    const key = Number.isNaN(cue[i]!) ? 0xffffffff : sortableKey(bits[i]!);
    keysFrom[i] = key;
    from[i] = i;
    counts[key & (RADIX - 1)]! += 1;
    counts[RADIX + ((key >>> RADIX_BITS) & (RADIX - 1))]! += 1;
    counts[2 * RADIX + (key >>> (2 * RADIX_BITS))]! += 1;
  }
  for (let digit = 0; digit < 3; digit++) {
    const shift = digit * RADIX_BITS;
    const offsets = counts.subarray(digit * RADIX, (digit + 1) * RADIX);
    let sum = 0;
    for (let k = 0; k < RADIX; k++) {
      const c = offsets[k]!;
      offsets[k] = sum;
      sum += c;
    }
    for (let j = 0; j < n; j++) {
      const key = keysFrom[j]!;
      const at = offsets[(key >>> shift) & (RADIX - 1)]!++;
      to[at] = from[j]!;
      keysTo[at] = key;
    }
    [from, to] = [to, from];
    [keysFrom, keysTo] = [keysTo, keysFrom];
  }
  return from;
}

/** `stats.csv` in the reference's column names. */
export function globalStatsCsv(rows: readonly GlobalStatsRow[]): string {
  const lines = ['num_moves,vocab_size,unique_segments,threshold'];
  for (const r of rows) lines.push(`${r.visits},${r.vocabSize},${r.uniqueSegments},${r.threshold}`);
  return `${lines.join('\n')}\n`;
}

/** Trains global-constraint vocabularies for every target size in one pass over the sorted cue. */
export function trainGlobal(corpus: CueCorpus, options: GlobalOptions): GlobalResult {
  const baseTokens = globalBaseVocab();
  const sizes = checkVocabSizes(options.vocabSizes, baseTokens.length);
  const counting = options.counting ?? 'exact';
  if (counting !== 'exact' && counting !== 'reference') {
    throw new Error(`counting must be "exact" or "reference", got ${JSON.stringify(counting)}`);
  }
  const minFrequency = options.minFrequency ?? 20;
  const rebuildEvery = options.rebuildEvery ?? 1000;
  if (!Number.isFinite(minFrequency) || minFrequency < 1) {
    throw new Error(`minFrequency must be a number ≥ 1, got ${minFrequency}`);
  }
  if (!Number.isSafeInteger(rebuildEvery) || rebuildEvery < 1) {
    throw new Error(`rebuildEvery must be a positive integer, got ${rebuildEvery}`);
  }
  const cue = corpus.cues.get(options.cue);
  if (cue === undefined) {
    throw new Error(
      `the cue corpus has no ${options.cue} cue loaded (it has: ${[...corpus.cues.keys()].join(', ') || 'none'})`,
    );
  }
  const { bytes } = corpus;
  const n = bytes.length;
  if (cue.length !== n) throw new Error(`the cue has ${cue.length} values but the corpus has ${n} bytes`);
  const leftShift = options.leftShift === true;
  const exact = counting === 'exact';

  options.onProgress?.({ phase: 'sort' });
  const order = cueOrder(cue);
  const state = preTokenStarts(bytes, corpus.docEnds);
  for (let p = 0; p < n; p++) state[p] = state[p] === 1 ? START : 0;
  // A segment [lo, hi] records (lo, hi) at hi and at its first three positions: the only places it is
  // looked up (m − 1 is the end of its segment; m, m + 1 and an absorbed space lie within the first
  // three positions, as at most a space and a shifted head byte precede its first visited byte).
  // seg[2p] = lo, seg[2p + 1] = hi.
  const seg = new Int32Array(2 * n);

  const table = new SpanTable(bytes);
  const base = new Set(baseTokens);
  /** Per segment type: 1 when it may enter the vocabulary (not a base token, no plain `##`). */
  let eligible = new Uint8Array(1 << 12);
  let vocabCount = 0; // eligible types with count ≥ minFrequency
  let liveTypes = 0; // types with a positive count

  const key = (lo: number, hi: number, initial = (state[lo]! & START) !== 0): number => {
    const before = table.size;
    const id = table.id(initial, lo, hi - lo + 1);
    if (id === before) {
      if (id === eligible.length) {
        const grown = new Uint8Array(eligible.length * 2);
        grown.set(eligible);
        eligible = grown;
      }
      const length = hi - lo + 1;
      const hashPlain = initial && length >= 2 && bytes[lo] === HASH && bytes[lo + 1] === HASH;
      eligible[id] = hashPlain || (length <= 2 && base.has(table.spelling(id))) ? 0 : 1;
    }
    return id;
  };
  const change = (id: number, by: number): void => {
    const counts = table.counts;
    const old = counts[id]!;
    const now = Math.max(0, old + by);
    counts[id] = now;
    if (old <= 0 && now > 0) liveTypes++;
    else if (old > 0 && now <= 0) liveTypes--;
    if (eligible[id] === 1) {
      if (old < minFrequency && now >= minFrequency) vocabCount++;
      else if (old >= minFrequency && now < minFrequency) vocabCount--;
    }
  };
  // COVERED is looked up, like (lo, hi), only at unvisited positions, which lie within the first three.
  const record = (lo: number, hi: number): void => {
    seg[2 * hi] = lo;
    seg[2 * hi + 1] = hi;
    state[hi]! |= COVERED;
    const last = Math.min(hi, lo + 2);
    for (let p = lo; p <= last; p++) {
      seg[2 * p] = lo;
      seg[2 * p + 1] = hi;
      state[p]! |= COVERED;
    }
  };

  const buildVocab = (): string[] => {
    const ids: number[] = [];
    const counts = table.counts;
    for (let id = 0; id < table.size; id++) {
      if (eligible[id] === 1 && counts[id]! >= minFrequency) ids.push(id);
    }
    ids.sort((a, b) => counts[b]! - counts[a]! || a - b);
    return [...baseTokens, ...ids.map((id) => table.spelling(id))];
  };

  const stats: GlobalStatsRow[] = [];
  const vocabs = new Map<number, GlobalVocab>();
  let target = 0;
  const removed = new Int32Array(4); // starts of the segments a visit joins (at most three)
  const progressEvery = Math.max(rebuildEvery, 1 << 20);
  for (let i = 0; i < n && target < sizes.length; i++) {
    const m = order[i]!;
    const here = state[m]!;
    state[m] = here | VISITED;
    // Gather the segments m joins, and the extent [lo, hi] of the result.
    let joined = 0;
    let lo = m;
    let hi = m;
    if (here & COVERED) {
      // m was taken in (shifted head byte or absorbed space) by the segment of m + 1.
      lo = seg[2 * m]!;
      hi = seg[2 * m + 1]!;
      removed[joined++] = lo;
    }
    if (!(here & START)) {
      const left = state[m - 1]!;
      if (left & VISITED) {
        lo = seg[2 * (m - 1)]!;
        removed[joined++] = lo;
      } else if (leftShift && !(left & COVERED)) lo = m - 1;
    }
    if (m + 1 < n && !(here & COVERED)) {
      const right = state[m + 1]!;
      if (right & VISITED && !(right & START)) {
        hi = seg[2 * (m + 1) + 1]!;
        removed[joined++] = seg[2 * (m + 1)]!;
      }
    }
    if (!(state[lo]! & START) && state[lo - 1]! & START && bytes[lo - 1] === SPACE) {
      lo--;
      if (state[lo]! & COVERED) removed[joined++] = lo;
    }
    const id = key(lo, hi);
    if (exact) {
      for (let j = 0; j < joined; j++) {
        const start = removed[j]!;
        change(key(start, seg[2 * start + 1]!), -1);
      }
    } else {
      if (lo !== m) change(key(lo, m - 1), -1);
      if (hi !== m) change(key(m + 1, hi, false), -1);
    }
    change(id, 1);
    record(lo, hi);

    if (i % rebuildEvery === 0) {
      const vocabSize = baseTokens.length + vocabCount;
      stats.push({
        visits: i,
        vocabSize,
        uniqueSegments: exact ? liveTypes : table.size,
        threshold: cue[m]!,
      });
      if (vocabSize >= sizes[target]!) {
        const tokens = buildVocab();
        while (target < sizes.length && tokens.length >= sizes[target]!) {
          vocabs.set(sizes[target]!, {
            tokens: tokens.slice(0, sizes[target]!),
            complete: true,
            statsRows: stats.length,
          });
          target++;
        }
      }
    }
    if (i % progressEvery === 0) options.onProgress?.({ phase: 'visit', done: i, total: n });
  }
  if (target < sizes.length) {
    const tokens = buildVocab();
    for (; target < sizes.length; target++) {
      const v = sizes[target]!;
      vocabs.set(v, {
        tokens: tokens.slice(0, v),
        complete: tokens.length >= v,
        statsRows: stats.length,
      });
    }
  }
  options.onProgress?.({ phase: 'visit', done: n, total: n });
  return { vocabs, stats };
}
