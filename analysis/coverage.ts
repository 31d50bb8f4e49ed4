/** Rank lookups on cumulative coverage curves, shared by the analyzer and the coverage plots. */

/**
 * Smallest 1-based rank k with `cumulative[k − 1] ≥ threshold`, or null when the curve never reaches it.
 * `cumulative` must be non-decreasing (a cumulative share by frequency rank is).
 */
export function firstRankReaching(cumulative: ArrayLike<number>, threshold: number): number | null {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! >= threshold) hi = mid;
    else lo = mid + 1;
  }
  return lo < cumulative.length ? lo + 1 : null;
}

/** Cumulative share at each rank of counts already sorted in descending order. */
export function cumulativeShareOfRanked(ranked: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < ranked.length; i++) total += ranked[i]!;
  const out = new Float64Array(ranked.length);
  let sum = 0;
  for (let i = 0; i < ranked.length; i++) {
    sum += ranked[i]!;
    out[i] = sum / total;
  }
  return out;
}

/** Counts by id (zeros allowed) → cumulative share by frequency rank. */
export function cumulativeShare(counts: ArrayLike<number>): Float64Array {
  const ranked = Float64Array.from(counts).filter((c) => c > 0);
  ranked.sort((a, b) => b - a);
  return cumulativeShareOfRanked(ranked);
}
