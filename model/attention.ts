/**
 * Pieces shared by the attention layers: head reshapes, the causal score matrix with an offset (so the
 * same code serves training, prompt prefill and one-token cached steps) and the exact I and C matrices
 * of shaped attention.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchMatMul } from './ops.js';
import type { BlockContext } from './transformer.js';

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
function causalMask(queries: number, keys: number, offset: number): tf.Tensor2D {
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

/** softmax(q·kᵀ/√hs + causal mask): [B·H, Tq, Tk]. */
export function causalAttentionWeights(q: tf.Tensor3D, keysT: tf.Tensor3D, offset: number): tf.Tensor3D {
  const [, queries, headSize] = q.shape;
  const keys = keysT.shape[2];
  // Scaling q (hs columns) instead of the scores (Tk columns) is cheaper and saves one score-sized tensor.
  const scores = tf.add(
    batchMatMul(tf.mul(q, 1 / Math.sqrt(headSize)), keysT),
    causalMask(queries, keys, offset),
  );
  return tf.softmax(scores) as tf.Tensor3D;
}
