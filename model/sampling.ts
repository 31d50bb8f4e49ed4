/**
 * Next-token sampling on plain logits rows (Float32Array of vocabulary size): the one implementation of
 * temperature, top-k, top-p (nucleus), min-p and repetition penalty, used by `generate` and by the
 * named strategies in inference/sampling.ts.
 *
 * Rules (the port's normative semantics): filters apply in the order temperature → repetition penalty →
 * top-k → top-p → min-p; inputs are never mutated; candidate order is by logit descending with ties broken
 * by ascending token id; temperature 0 means greedy; every draw comes from a seeded generator. Parameters
 * outside their ranges (checkSamplingOptions) and NaN logits are errors, never a silent EOS.
 */

/** A uniform [0, 1) generator (mulberry32): small, fast and reproducible across platforms. */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SamplingOptions {
  /** Finite and ≥ 0; 0 selects the arg-max (greedy), as does one so small the scaled logits overflow. Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens (clamped to the vocabulary). */
  topK?: number | null;
  /**
   * `threshold` keeps every token whose logit is ≥ the k-th largest (ties survive, the reference
   * `generate` rule); `exact` keeps exactly k, ties broken by ascending id (the reference top_k_sampling).
   */
  topKMode?: 'threshold' | 'exact';
  /** Keep the smallest prefix (by probability) whose mass reaches p, including the token that crosses it. */
  topP?: number | null;
  /** Keep tokens whose probability is at least minP times the most likely token's. */
  minP?: number | null;
  /** > 1 discourages tokens already present in `previous` (CTRL rule: divide positive logits, multiply negative). */
  repetitionPenalty?: number;
}

/** Throws a RangeError naming the first sampling parameter outside its range. */
export function checkSamplingOptions(options: SamplingOptions): void {
  const { temperature, topK, topP, minP, repetitionPenalty } = options;
  const bad = (name: string, value: unknown, range: string): never => {
    throw new RangeError(`${name} must be ${range}, got ${value}`);
  };
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0))
    bad('temperature', temperature, 'a finite number ≥ 0 (0 = greedy)');
  if (topK != null && !(Number.isInteger(topK) && topK >= 1)) bad('topK', topK, 'an integer ≥ 1');
  if (topP != null && !(topP > 0 && topP <= 1)) bad('topP', topP, 'in (0, 1]');
  if (minP != null && !(minP >= 0 && minP < 1)) bad('minP', minP, 'in [0, 1)');
  if (repetitionPenalty !== undefined && !(Number.isFinite(repetitionPenalty) && repetitionPenalty > 0))
    bad('repetitionPenalty', repetitionPenalty, 'a finite number > 0');
}

/** Index of the largest value; the first one on ties. */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Rank order of ids: larger value first, ties by ascending id (a deterministic total order). */
const byRank =
  (row: Float32Array) =>
  (a: number, b: number): number =>
    row[b]! - row[a]! || a - b;

/** The finite entries' ids sorted by rank (−∞ entries are already removed and stay last). */
function descendingOrder(row: Float32Array): Int32Array {
  const ids: number[] = [];
  for (let i = 0; i < row.length; i++) if (row[i] !== Number.NEGATIVE_INFINITY) ids.push(i);
  return Int32Array.from(ids).sort(byRank(row));
}

/**
 * The ids of the k best-ranked entries, best first, in O(V log k) with a min-heap of the current best
 * (a full sort of a 50,257-entry row per generated token costs far more than the model step for small k).
 */
function topKOrder(row: Float32Array, k: number): Int32Array {
  const rank = byRank(row);
  const ranksBefore = (a: number, b: number): boolean => rank(a, b) < 0;
  const heap = new Int32Array(k); // heap[0] is the worst of the kept ids
  let size = 0;
  const siftDown = (from: number): void => {
    for (let i = from; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < size && ranksBefore(heap[worst]!, heap[l]!)) worst = l;
      if (r < size && ranksBefore(heap[worst]!, heap[r]!)) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  };
  for (let id = 0; id < row.length; id++) {
    if (size < k) {
      heap[size] = id;
      for (let i = size++; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!ranksBefore(heap[parent]!, heap[i]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (ranksBefore(id, heap[0]!)) {
      heap[0] = id;
      siftDown(0);
    }
  }
  return heap.sort(rank);
}

/**
 * The filtered, temperature-scaled logits of one row: removed tokens are −∞. A new array is returned.
 * With temperature 0 only the arg-max survives.
 */
export function filterLogits(
  logits: Float32Array,
  options: SamplingOptions = {},
  previous?: ArrayLike<number>,
): Float32Array {
  checkSamplingOptions(options);
  const V = logits.length;
  const temperature = options.temperature ?? 1;
  const row = new Float32Array(logits);
  for (let i = 0; i < V; i++)
    if (Number.isNaN(row[i]!))
      throw new RangeError(`logit ${i} is NaN (the model's weights or inputs hold NaN)`);
  const penalty = options.repetitionPenalty ?? 1;
  if (penalty !== 1 && previous !== undefined) {
    const seen = new Set<number>();
    for (let i = 0; i < previous.length; i++) seen.add(previous[i]!);
    for (const id of seen)
      if (id >= 0 && id < V) row[id] = row[id]! > 0 ? row[id]! / penalty : row[id]! * penalty;
  }
  // A temperature so small that the best scaled logit overflows float32 has the arg-max as its limit.
  if (temperature === 0 || !Number.isFinite(Math.fround(row[argmax(row)]! / temperature))) {
    const best = argmax(row);
    row.fill(Number.NEGATIVE_INFINITY);
    row[best] = 0;
    return row;
  }
  if (temperature !== 1) for (let i = 0; i < V; i++) row[i] = row[i]! / temperature;

  if (options.topK != null) {
    const k = Math.min(options.topK, V);
    const best = topKOrder(row, k);
    if ((options.topKMode ?? 'threshold') === 'threshold') {
      const kth = row[best[k - 1]!]!;
      for (let i = 0; i < V; i++) if (row[i]! < kth) row[i] = Number.NEGATIVE_INFINITY;
    } else {
      const keep = new Float32Array(row);
      row.fill(Number.NEGATIVE_INFINITY);
      for (const id of best) row[id] = keep[id]!;
    }
  }
  if (options.topP != null) {
    const p = options.topP;
    const probs = softmax(row);
    if (p < 1) {
      // Walk the surviving tokens in rank order; keep them until the mass before one already reaches p.
      const order = descendingOrder(row);
      let mass = 0;
      let r = 0;
      for (; r < order.length; r++) {
        if (r > 0 && mass >= p) break;
        mass += probs[order[r]!]!;
      }
      for (; r < order.length; r++) row[order[r]!] = Number.NEGATIVE_INFINITY;
    }
  }
  if (options.minP != null && options.minP > 0) {
    const probs = softmax(row);
    const cut = options.minP * probs[argmax(probs)]!;
    for (let i = 0; i < V; i++) if (probs[i]! < cut) row[i] = Number.NEGATIVE_INFINITY;
  }
  return row;
}

/** Numerically stable softmax; −∞ entries get probability 0. */
export function softmax(row: Float32Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const e = row[i] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(row[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < row.length; i++) out[i]! /= sum;
  return out;
}

/** Draws one token id from one row of logits after filtering. */
export function sampleToken(
  logits: Float32Array,
  options: SamplingOptions,
  rng: Rng,
  previous?: ArrayLike<number>,
): number {
  const filtered = filterLogits(logits, options, previous);
  if ((options.temperature ?? 1) === 0) return argmax(filtered);
  const probs = softmax(filtered);
  const u = rng();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    acc += probs[i]!;
    last = i;
    if (u < acc) return i;
  }
  return last; // rounding left u ≥ the accumulated mass: the last candidate
}

/** One token per row of a [rows, V] logits buffer; rows are independent (each has its own candidate set). */
export function sampleBatch(
  logits: Float32Array,
  rows: number,
  options: SamplingOptions,
  rng: Rng,
  previous?: ReadonlyArray<ArrayLike<number>>,
): number[] {
  const V = logits.length / rows;
  if (!Number.isInteger(V))
    throw new Error(`logits length ${logits.length} is not a multiple of ${rows} rows`);
  const out: number[] = [];
  for (let r = 0; r < rows; r++)
    out.push(sampleToken(logits.subarray(r * V, (r + 1) * V), options, rng, previous?.[r]));
  return out;
}
