/**
 * Causal multi-head self-attention over a whole batch (training, or any call without a KV cache or
 * padding) as one autodiff node, from the normalised input h[B·T, d] and the fused projection
 * c_attn (weight [d, 3d], optional bias [3d]) to the merged heads y[B·T, d].
 *
 * Why one node: every plain tfjs op would save (on wasm: copy) its inputs and leave a gradient alive until
 * the backward pass ends. This node saves h, q, k, v and the attention weights, nothing else. q, k and v
 * come from the weight's three column blocks: cutting the [d, 3d] weight is cheap, while cutting the
 * [B·T, 3d] activations costs a copy of all of them per piece on wasm (tf.slice) or a slow per-element
 * loop (tf.gather).
 *
 * Layout: with C = B·H channels (c = b·H + h), every product is a `channelProduct` (one XNNPACK
 * convolution on wasm) and the tensors are laid out so that the scores come out as [t, c, s], the layout
 * softmax over keys wants, and the backward products read them without transposing:
 *   S[t, c, s]  = Σ_e Q[t, e, c]·K[e, c, s]        P = softmax(S/√hs + mask) over s
 *   Y[t, c, e]  = Σ_s P[t, s, c]·V[s, c, e]          (the one transpose of P)
 *   dP[t, c, s] = Σ_e dY[t, e, c]·V[e, c, s]         dS = P·(dP − Σ_s dP·P)/√hs
 *   dQ[t, c, e] = Σ_s dS[t, s, c]·K[s, c, e]         (the one transpose of dS)
 *   dKᵀ[e, c, s] = Σ_t Q[e, t, c]·dS[t, c, s]        dVᵀ[e, c, s] = Σ_t dY[e, t, c]·P[t, c, s]
 * Checked against plain tfjs attention and its autodiff gradients in tests/model-ops.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { causalMask } from './attention.js';
import { channelProduct } from './ops.js';

export interface SelfAttentionOptions {
  batch: number;
  length: number;
  heads: number;
  /** Dropout on the attention weights, applied when `training`. */
  dropout: number;
  training: boolean;
  /** Seed of the dropout mask (the model's dropout stream); random when absent. */
  seed?: number;
}

type Forward = (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
};

/** Causal self-attention: y = Attention(h·W (+ b)) for h[B·T, d], W[d, 3d] (q | k | v columns). */
export function causalSelfAttention(
  h: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  options: SelfAttentionOptions,
): tf.Tensor2D {
  const { batch: b, length: t, heads } = options;
  const [rows, d] = h.shape;
  const hs = d / heads;
  if (rows !== b * t || !Number.isInteger(hs) || weight.shape[0] !== d || weight.shape[1] !== 3 * d) {
    throw new RangeError(
      `attention: h [${h.shape}] and weight [${weight.shape}] do not fit batch ${b}, length ${t}, ${heads} heads`,
    );
  }
  const c = b * heads;
  const scale = 1 / Math.sqrt(hs);
  const rate = options.training ? options.dropout : 0;
  /** [B·T, d] → the layout `perm` of [B, T, H, hs], flattened to 3-D `shape`. */
  const lay = (x: tf.Tensor, perm: number[], shape: [number, number, number]) =>
    tf.reshape(tf.transpose(tf.reshape(x, [b, t, heads, hs]), perm), shape) as tf.Tensor3D;
  /** [T, C, hs] (t, c, e) → [B·T, d]. */
  const fromRowsFirst = (x: tf.Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(x, [t, b, d]), [1, 0, 2]), [rows, d]);
  /** [hs, C, T] (e, c, s) → [B·T, d]. */
  const fromTransposed = (x: tf.Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(x, [hs, b, heads, t]), [1, 3, 2, 0]), [rows, d]);

  const forward: Forward = (...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [hIn, w, bs] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    const kept = tf.tidy(() => {
      const [q, k, v] = [0, 1, 2].map((i) => {
        const projected = tf.matMul(hIn, tf.slice(w, [0, i * d], [d, d]));
        return bs === undefined ? projected : tf.add(projected, tf.slice(bs, [i * d], [d]));
      }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const scores = channelProduct(
        lay(tf.mul(q, scale), [1, 3, 0, 2], [t, hs, c]),
        lay(k, [3, 0, 2, 1], [hs, c, t]),
      );
      const probs = tf.softmax(tf.add(scores, tf.reshape(causalMask(t, t, 0), [t, 1, t])));
      if (rate === 0) return [q, k, v, probs];
      const uniform = tf.randomUniform(probs.shape, 0, 1, 'float32', options.seed);
      const keep = tf.div(tf.cast(tf.greaterEqual(uniform, rate), 'float32'), 1 - rate);
      return [q, k, v, tf.mul(probs, keep), probs, keep];
    });
    save([hIn, w, ...kept]);
    const value = tf.tidy(() =>
      fromRowsFirst(
        channelProduct(
          tf.transpose(kept[3]!, [0, 2, 1]) as tf.Tensor3D,
          lay(kept[2]!, [1, 0, 2, 3], [t, c, hs]),
        ),
      ),
    );
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [hSaved, wSaved, q, k, v, weights, probs = weights, keep] = saved as tf.Tensor3D[];
        const dWeights = channelProduct(lay(dy, [1, 3, 0, 2], [t, hs, c]), lay(v!, [3, 0, 2, 1], [hs, c, t]));
        const dProbs = keep === undefined ? dWeights : tf.mul(dWeights, keep);
        const dScores = tf.mul(
          tf.mul(probs!, tf.sub(dProbs, tf.sum(tf.mul(dProbs, probs!), 2, true))),
          scale,
        );
        const dq = channelProduct(
          tf.transpose(dScores, [0, 2, 1]) as tf.Tensor3D,
          lay(k!, [1, 0, 2, 3], [t, c, hs]),
        );
        const dkT = channelProduct(lay(q!, [3, 1, 0, 2], [hs, t, c]), dScores as tf.Tensor3D);
        const dvT = channelProduct(lay(dy, [3, 1, 0, 2], [hs, t, c]), weights!);
        const dqkv = tf.concat(
          [fromRowsFirst(dq), fromTransposed(dkT), fromTransposed(dvT)],
          1,
        ) as tf.Tensor2D;
        const dh = tf.matMul(dqkv, tf.transpose(wSaved as unknown as tf.Tensor2D));
        const dw = tf.matMul(tf.transpose(hSaved as unknown as tf.Tensor2D), dqkv);
        return bs === undefined ? [dh, dw] : [dh, dw, tf.sum(dqkv, 0)];
      });
    return { value, gradFunc };
  };
  const attend = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  return (bias === undefined ? attend(h, weight) : attend(h, weight, bias)) as tf.Tensor2D;
}
