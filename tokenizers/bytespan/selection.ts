/**
 * Vocabulary selection from span candidates (spec §9): the order in which candidates enter the
 * vocabulary, and how many of them a target size takes.
 *
 * - frequency: descending count, ties in first-occurrence order (a stable sort over insertion order);
 * - balanced: per-source frequency lists taken round robin (the i-th most frequent of each source in
 *   source order, i = 0, 1, …), skipping candidates already taken.
 * A target size V then takes a prefix: V − base for frequency selection, ⌊p·V⌋ − base for seeding.
 */

/** Validates a seeding proportion and returns it as a fraction: [0, 1] is a fraction, (1, 100] a percentage. */
export function normaliseProportion(p: number): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) {
    throw new Error(`proportion must be a fraction in [0, 1] or a percentage in [0, 100], got ${p}`);
  }
  return p > 1 ? p / 100 : p;
}

/** Validates target sizes (integers ≥ the base size); returns them distinct and ascending. */
export function checkVocabSizes(sizes: readonly number[], baseSize: number): number[] {
  if (sizes.length === 0) throw new Error('no vocabulary size given');
  for (const v of sizes) {
    if (!Number.isSafeInteger(v)) throw new Error(`vocabulary size must be an integer, got ${v}`);
    if (v < baseSize) {
      throw new Error(`vocabulary size ${v} is smaller than the base vocabulary (${baseSize} entries)`);
    }
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/**
 * Span tokens a seeded vocabulary of size V takes: ⌊p·V⌋ − base, at least 0. (⌊p·V − base⌋ in the
 * spec; the base is an integer. A 1e-9 tolerance keeps decimal proportions such as 0.1 from losing a
 * token to binary rounding.)
 */
export function seedQuota(p: number, vocabSize: number, baseSize: number): number {
  return Math.max(0, Math.floor(p * vocabSize + 1e-9) - baseSize);
}

/** Candidate ids 0 … n−1 by descending count; equal counts keep id (first-occurrence) order. */
export function frequencyOrder(counts: Float64Array, n: number): Int32Array {
  let max = 0;
  for (let i = 0; i < n; i++) if (counts[i]! > max) max = counts[i]!;
  if ((max + 1) * n < 2 ** 53) {
    // One composite key per candidate, sorted natively: (max − count) · n + id.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (max - counts[i]!) * n + i;
    keys.sort();
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
    return order;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => counts[b]! - counts[a]! || a - b);
}

/**
 * Round-robin order over per-source frequency lists (each list sorted by descending count, ties in the
 * source's first-occurrence order, which is the Map's insertion order).
 */
export function balancedOrder(bySource: ReadonlyArray<ReadonlyMap<number, number>>): Int32Array {
  const lists = bySource.map((counts) => {
    const ids = Int32Array.from(counts.keys());
    const values = Float64Array.from(counts.values());
    const rank = frequencyOrder(values, ids.length);
    return rank.map((r) => ids[r]!);
  });
  const taken = new Set<number>();
  const order: number[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const list of lists) {
      if (i >= list.length) continue;
      const c = list[i]!;
      if (taken.has(c)) continue;
      taken.add(c);
      order.push(c);
    }
  }
  return Int32Array.from(order);
}
