/**
 * Pieces shared by the attention layers: head reshapes, the causal score matrix with an offset (so the
 * same code serves training, prompt prefill and one-token cached steps), the exact I and C matrices
 * of shaped attention, and their per-row variants for padded batches (`KeyPadding`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMul } from './ops.js';
import type { BlockContext } from './types.js';

// Large enough that exp underflows to exactly 0, finite so 0·mask never makes NaN in gradients.
const MASKED = -1e9;

/** x[B·T, H·hs] → [B·H, T, hs]. */
export function splitHeads(x: tf.Tensor2D, batch: number, length: number, heads: number): tf.Tensor3D {
  const headSize = x.shape[1] / heads;
  return tf.reshape(tf.transpose(tf.reshape(x, [batch, length, heads, headSize]), [0, 2, 1, 3]), [
    batch * heads,
    length,
    headSize,
  ]);
}

/** [B·H, T, hs] → [B·T, H·hs]. */
export function mergeHeads(y: tf.Tensor3D, batch: number, heads: number): tf.Tensor2D {
  const [, length, headSize] = y.shape;
  return tf.reshape(tf.transpose(tf.reshape(y, [batch, heads, length, headSize]), [0, 2, 1, 3]), [
    batch * length,
    heads * headSize,
  ]);
}

/** Additive causal mask [Tq, Tk] for queries at absolute positions offset … offset+Tq−1. */
export function causalMask(queries: number, keys: number, offset: number): tf.Tensor2D {
  const mask = new Float32Array(queries * keys);
  for (let r = 0; r < queries; r++) mask.fill(MASKED, r * keys + offset + r + 1, (r + 1) * keys);
  return tf.tensor2d(mask, [queries, keys]);
}

/** Identity rows I[r][j] = [j = offset + r], shape [Tq, Tk]. */
export function identityRows(queries: number, keys: number, offset: number): tf.Tensor2D {
  const values = new Float32Array(queries * keys);
  for (let r = 0; r < queries; r++) values[r * keys + offset + r] = 1;
  return tf.tensor2d(values, [queries, keys]);
}

/** Uniform causal average C[r][j] = 1/(p+1) for j ≤ p, p = offset + r, shape [Tq, Tk]. */
export function causalAverageRows(queries: number, keys: number, offset: number): tf.Tensor2D {
  const values = new Float32Array(queries * keys);
  for (let r = 0; r < queries; r++) values.fill(1 / (offset + r + 1), r * keys, r * keys + offset + r + 1);
  return tf.tensor2d(values, [queries, keys]);
}

/**
 * Which keys of each row are real tokens in a padded batch (left padding in batched generation, any
 * padding in `forward` with an attention mask). Built per model call; without padding it is null and
 * attention runs the plain causal path, so unpadded calls pay nothing for it.
 */
export class KeyPadding {
  /** Keys per row: every key this call attends to, cached ones first. */
  readonly keys: number;

  /**
   * @param real [batch · keys], 1 where the key is a real token, 0 where it is padding
   * @param offset absolute position (in keys) of this call's first query; queries are the last keys
   */
  constructor(
    readonly real: Uint8Array,
    readonly batch: number,
    readonly queries: number,
    readonly offset: number,
  ) {
    this.keys = real.length / batch;
  }

  /**
   * Position ids [batch · queries]: the number of real tokens before each query in its row, so every row
   * counts from 0 at its first real token whatever padding precedes it.
   */
  positions(): Int32Array {
    const { keys, queries, offset } = this;
    const out = new Int32Array(this.batch * queries);
    for (let b = 0; b < this.batch; b++) {
      let seen = 0;
      for (let j = 0; j < offset + queries; j++) {
        if (j >= offset) out[b * queries + j - offset] = seen;
        seen += this.real[b * keys + j]!;
      }
    }
    return out;
  }

  /** Additive mask [batch, 1, Tq, Tk]: hides later keys and padded keys. */
  additive(): tf.Tensor4D {
    const { keys, queries, offset } = this;
    const mask = new Float32Array(this.batch * queries * keys);
    for (let b = 0; b < this.batch; b++) {
      for (let r = 0; r < queries; r++) {
        const row = (b * queries + r) * keys;
        for (let j = 0; j < keys; j++)
          if (j > offset + r || this.real[b * keys + j] === 0) mask[row + j] = MASKED;
      }
    }
    return tf.tensor4d(mask, [this.batch, 1, queries, keys]);
  }

  /**
   * SASP's uniform causal average over the real keys only, [batch, 1, Tq, Tk]: 1/n on each of the n real
   * keys at or before the query. A padded query sees no real key; its row stays zero (its output is never
   * read by a real token).
   */
  average(): tf.Tensor4D {
    const { keys, queries, offset } = this;
    const values = new Float32Array(this.batch * queries * keys);
    for (let b = 0; b < this.batch; b++) {
      const real = this.real.subarray(b * keys, (b + 1) * keys);
      let visible = 0;
      for (let j = 0; j < offset; j++) visible += real[j]!;
      for (let r = 0; r < queries; r++) {
        visible += real[offset + r]!;
        if (visible === 0) continue;
        const row = (b * queries + r) * keys;
        for (let j = 0; j <= offset + r; j++) if (real[j] === 1) values[row + j] = 1 / visible;
      }
    }
    return tf.tensor4d(values, [this.batch, 1, queries, keys]);
  }
}

/** Appends new entries [B·H, T, hs] to a cached tensor, disposing the old one. */
function appendToCache(cached: tf.Tensor3D | null, fresh: tf.Tensor3D): tf.Tensor3D {
  if (cached === null) return fresh;
  const joined = tf.concat([cached, fresh], 1);
  cached.dispose();
  return joined;
}

/**
 * Extends the layer cache (when present) with this call's keys and values and returns the full ones.
 * Keys come back transposed, [B·H, hs, Tk], ready for a flag-free q·kᵀ.
 */
export function withCache(
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  context: BlockContext,
): [tf.Tensor3D, tf.Tensor3D] {
  let allKeys = keys;
  let allValues = values;
  if (context.cache !== null) {
    context.cache.keys = appendToCache(context.cache.keys, keys);
    context.cache.values = appendToCache(context.cache.values, values);
    allKeys = context.cache.keys;
    allValues = context.cache.values;
  }
  return [tf.transpose(allKeys, [0, 2, 1]), allValues];
}

/** softmax(q·kᵀ/√hs + causal mask, padded keys hidden when `padding` is given): [B·H, Tq, Tk]. */
export function causalAttentionWeights(
  q: tf.Tensor3D,
  keysT: tf.Tensor3D,
  offset: number,
  padding: KeyPadding | null = null,
): tf.Tensor3D {
  const [rows, queries, headSize] = q.shape;
  const keys = keysT.shape[2];
  // Scaling q (hs columns) instead of the scores (Tk columns) is cheaper and saves one score-sized tensor.
  const scores = batchMatMul(tf.mul(q, 1 / Math.sqrt(headSize)), keysT);
  if (padding === null) return tf.softmax(tf.add(scores, causalMask(queries, keys, offset))) as tf.Tensor3D;
  const { batch } = padding;
  const masked = tf.add(tf.reshape(scores, [batch, rows / batch, queries, keys]), padding.additive());
  return tf.reshape(tf.softmax(masked), [rows, queries, keys]);
}
