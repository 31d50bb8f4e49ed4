/**
 * The combined constraint's threshold θ (spec §7): the q-th percentile of all cue values after dropping
 * 0, ±∞ and NaN, with numpy's default linear interpolation. Cue arrays are large (one float32 per byte),
 * so the two order statistics are found by a two-pass radix select on the float bit patterns — O(n) time,
 * O(1) extra memory — instead of a sort.
 *
 * The result is computed in float64 from the float32 values: it equals
 * `numpy.percentile(values.astype(float64)[mask], q)` exactly, including numpy's interpolation formula.
 */

/** Maps float32 bits to an unsigned key with the same order as the floats (for non-NaN values). */
export function sortableKey(bits: number): number {
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

/** Inverse of sortableKey. */
function keyToFloat(key: number): number {
  const bits = key & 0x80000000 ? key & 0x7fffffff : ~key;
  const view = new DataView(new ArrayBuffer(4));
  view.setInt32(0, bits);
  return view.getFloat32(0);
}

/** True for the values the percentile ignores: ±0, ±∞ and NaN. */
function excluded(bits: number): boolean {
  const magnitude = bits & 0x7fffffff;
  return magnitude === 0 || magnitude >= 0x7f800000;
}

/** Validates a percentile q ∈ [0, 100]. */
export function checkPercentile(q: number, what = 'threshold percentile'): number {
  if (typeof q !== 'number' || !Number.isFinite(q) || q < 0 || q > 100) {
    throw new Error(`${what} must be a number in [0, 100], got ${q}`);
  }
  return q;
}

/**
 * numpy's "linear" interpolation between order statistics a ≤ b at fraction t (numpy's `_lerp`, which
 * switches formula at t = 0.5 so the result stays monotonic and exact at both ends).
 */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * The q-th percentile (q ∈ [0, 100]) of the values that are neither 0, ±∞ nor NaN. Throws when no such
 * value exists.
 */
export function cuePercentile(values: Float32Array, q: number): number {
  checkPercentile(q);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  // Pass 1: histogram of the high 16 key bits.
  const high = new Float64Array(65536);
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if (excluded(b)) continue;
    high[sortableKey(b) >>> 16]! += 1;
    n++;
  }
  if (n === 0) throw new Error('cannot take a percentile: no cue value is finite and non-zero');
  const r = (n - 1) * (q / 100);
  const lo = Math.floor(r);
  const hi = Math.min(lo + 1, n - 1);
  const [a, b] = selectRanks(bits, high, lo, hi);
  return lerp(a, b, r - lo);
}

/** The values of ranks lo ≤ hi (0-based, ascending) among the non-excluded values. */
function selectRanks(bits: Uint32Array, high: Float64Array, lo: number, hi: number): [number, number] {
  const bucketOf = (rank: number): { bucket: number; below: number } => {
    let below = 0;
    for (let k = 0; k < 65536; k++) {
      if (below + high[k]! > rank) return { bucket: k, below };
      below += high[k]!;
    }
    throw new Error('rank outside the histogram');
  };
  const first = bucketOf(lo);
  const second = bucketOf(hi);
  // Pass 2: histograms of the low 16 bits inside the (at most two) buckets that hold the ranks.
  const lowFirst = new Float64Array(65536);
  const lowSecond = second.bucket === first.bucket ? lowFirst : new Float64Array(65536);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if (excluded(b)) continue;
    const key = sortableKey(b);
    const bucket = key >>> 16;
    if (bucket === first.bucket) lowFirst[key & 0xffff]! += 1;
    else if (bucket === second.bucket) lowSecond[key & 0xffff]! += 1;
  }
  const valueAt = (rank: number, bucket: number, below: number, low: Float64Array): number => {
    let seen = below;
    for (let k = 0; k < 65536; k++) {
      seen += low[k]!;
      if (seen > rank) return keyToFloat(((bucket << 16) | k) >>> 0);
    }
    throw new Error('rank outside the bucket');
  };
  return [
    valueAt(lo, first.bucket, first.below, lowFirst),
    valueAt(hi, second.bucket, second.below, lowSecond),
  ];
}
