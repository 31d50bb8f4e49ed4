/**
 * Bookkeeping of cached generation: the per-layer KV caches kept across `tf.tidy` calls, one seed per
 * prompt row, and the left-padded window of rows that grow one token per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type LayerCache, ModelError } from './types.js';

/** One empty cache per layer. */
export function emptyCaches(layers: number): LayerCache[] {
  return Array.from({ length: layers }, () => ({ keys: null, values: null }));
}

export function keepCache(cache: LayerCache): void {
  if (cache.keys !== null) tf.keep(cache.keys);
  if (cache.values !== null) tf.keep(cache.values);
}

export function disposeCaches(caches: LayerCache[] | null): void {
  if (caches === null) return;
  for (const c of caches) {
    c.keys?.dispose();
    c.values?.dispose();
  }
}

/** One seed per row: an array as given, a number as seed + row. */
export function rowSeeds(seed: number | readonly number[] | undefined, rows: number): number[] {
  let seeds: number[];
  if (typeof seed === 'object') {
    if (seed.length !== rows) throw new ModelError(`seed has ${seed.length} entries for ${rows} prompt rows`);
    seeds = [...seed];
  } else {
    const base = seed ?? Date.now();
    seeds = Array.from({ length: rows }, (_, b) => base + b);
  }
  for (const s of seeds)
    if (!Number.isFinite(s)) throw new ModelError(`seed must be a finite number, got ${s}`);
  return seeds;
}

/**
 * Rows left-padded to `total` columns (row b's tokens fill its last rows[b].length columns): the ids of
 * columns from … total−1, and which columns of windowStart … total−1 hold real tokens, or null when none
 * of them is padding.
 */
export function leftPadded(
  rows: number[][],
  total: number,
  windowStart: number,
  from: number,
  padId: number,
): { ids: Int32Array; real: Uint8Array | null } {
  const width = total - windowStart;
  const fedWidth = total - from;
  const ids = new Int32Array(rows.length * fedWidth);
  const padded = rows.some((row) => row.length < width);
  const real = padded ? new Uint8Array(rows.length * width) : null;
  rows.forEach((row, b) => {
    const first = total - row.length;
    for (let c = windowStart; c < total; c++) {
      const isReal = c >= first;
      if (real !== null && isReal) real[b * width + c - windowStart] = 1;
      if (c >= from) ids[b * fedWidth + c - from] = isReal ? row[c - first]! : padId;
    }
  });
  return { ids, real };
}
