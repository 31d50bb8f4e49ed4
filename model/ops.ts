/**
 * The model's tensor operations, written so the hot path issues only fast kernels.
 *
 * On tfjs-wasm a plain 2-D (and batched 3-D) `matMul` without transpose flags is far faster than the
 * transposed variants that tfjs's own gradients use, and `tf.gather` has no gradient there (no
 * UnsortedSegmentSum kernel). Each op below therefore carries a custom gradient that transposes
 * explicitly and multiplies without flags. Every custom gradient is checked against `tf.grads` of a
 * plain reference in tests/model-ops.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node build ships no gradient definitions; the union package registers them (and nothing else
// observable: no output, no backend selection).
import '@tensorflow/tfjs';

export const LAYER_NORM_EPS = 1e-5;

type GradientResult = {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
};

// tf.customGrad's declared type wants every argument typed as Tensor | GradSaveFunc; this narrows it once.
function customGradient(f: (...args: never[]) => GradientResult): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (
    ...inputs: tf.Tensor[]
  ) => tf.Tensor;
}

/** x[N, in] · w[in, out] (+ b[out]); gradients as flag-free products with explicit transposes. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const product = customGradient((xs: tf.Tensor, ws: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xs, ws]);
    return {
      value: tf.matMul(xs as tf.Tensor2D, ws as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, wSaved] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [
          tf.matMul(dy as tf.Tensor2D, tf.transpose(wSaved)),
          tf.matMul(tf.transpose(xSaved), dy as tf.Tensor2D),
        ];
      },
    };
  }) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
  const y = product(x, w);
  return b === undefined ? y : tf.add(y, b);
}

/** x[N, in] · wᵀ for w[out, in] (the tied output head); the input gradient needs no transpose at all. */
export function linearTransposed(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const product = customGradient((xs: tf.Tensor, ws: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xs, ws]);
    return {
      value: tf.matMul(xs as tf.Tensor2D, tf.transpose(ws as tf.Tensor2D)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, wSaved] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, wSaved), tf.matMul(tf.transpose(dy as tf.Tensor2D), xSaved)];
      },
    };
  }) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
  return product(x, w);
}

/** Batched a[n, i, k] · b[n, k, j] with a flag-free gradient. */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const product = customGradient((as: tf.Tensor, bs: tf.Tensor, save: tf.GradSaveFunc) => {
    save([as, bs]);
    return {
      value: tf.matMul(as as tf.Tensor3D, bs as tf.Tensor3D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [aSaved, bSaved] = saved as [tf.Tensor3D, tf.Tensor3D];
        return [
          tf.matMul(dy as tf.Tensor3D, tf.transpose(bSaved, [0, 2, 1])),
          tf.matMul(tf.transpose(aSaved, [0, 2, 1]), dy as tf.Tensor3D),
        ];
      },
    };
  }) as (x: tf.Tensor3D, y: tf.Tensor3D) => tf.Tensor3D;
  return product(a, b);
}

const HOST_SCATTER_BACKENDS = new Set(['cpu', 'wasm']);

/**
 * Rows `table[ids]`. The gradient is a scatter-add: an accumulation on the host for the cpu and wasm
 * backends, the backend's UnsortedSegmentSum kernel elsewhere (GPU backends, where a readback costs).
 */
export function embedding(table: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const [rows, width] = table.shape;
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= rows) {
      throw new RangeError(`token id ${id} is outside the embedding table (${rows} rows)`);
    }
  }
  const lookup = customGradient((t: tf.Tensor) => ({
    value: tf.tidy(() => tf.gather(t, tf.tensor1d(ids, 'int32'))),
    gradFunc: (dy: tf.Tensor) => {
      // On cpu the kernel exists but took 9 s of a 16 s tiny-model step (bench:model); on wasm it is
      // missing. Both keep data on the host anyway, so a plain loop is the fast path there.
      const backend = tf.getBackend();
      if (!HOST_SCATTER_BACKENDS.has(backend) && tf.getKernel('UnsortedSegmentSum', backend) !== undefined) {
        return tf.unsortedSegmentSum(dy, tf.tensor1d(ids, 'int32'), rows);
      }
      const upstream = dy.dataSync();
      const grad = new Float32Array(rows * width);
      for (let n = 0; n < ids.length; n++) {
        const dst = ids[n]! * width;
        const src = n * width;
        for (let c = 0; c < width; c++) grad[dst + c]! += upstream[src + c]!;
      }
      return tf.tensor2d(grad, [rows, width]);
    },
  })) as (t: tf.Tensor2D) => tf.Tensor2D;
  return lookup(table);
}

/** LayerNorm over the last axis, eps 1e-5, optional bias. */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor1D, bias?: tf.Tensor1D): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)));
  const scaled = tf.mul(normed, weight);
  return bias === undefined ? scaled : tf.add(scaled, bias);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)) (PyTorch's default, Hugging Face's "gelu"). */
export function gelu(x: tf.Tensor): tf.Tensor {
  // A custom gradient plus tidy keeps only x alive for the backward pass instead of four intermediates
  // of the MLP's widest activation: d/dx = Φ(x) + x·φ(x).
  const f = customGradient((xs: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xs]);
    return {
      value: tf.tidy(() => tf.mul(tf.mul(xs, 0.5), tf.add(tf.erf(tf.mul(xs, Math.SQRT1_2)), 1))),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved] = saved as [tf.Tensor];
        const cdf = tf.mul(tf.add(tf.erf(tf.mul(xSaved, Math.SQRT1_2)), 1), 0.5);
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xSaved), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(cdf, tf.mul(xSaved, pdf)));
      },
    };
  });
  return f(x);
}

/** Inverted dropout; identity when `rate` is 0 or not training. */
export function dropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
  return training && rate > 0 ? tf.dropout(x, rate) : x;
}

/**
 * Mean cross-entropy of logits[N, V] against targets[N], skipping positions whose target is `ignoreIndex`.
 * Returns NaN when every position is ignored (nothing to average), as PyTorch does.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array, ignoreIndex = -100): tf.Scalar {
  const [n, vocab] = logits.shape;
  if (targets.length !== n)
    throw new RangeError(`targets has ${targets.length} entries, logits has ${n} rows`);
  const keep = new Float32Array(n);
  const classes = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const t = targets[i]!;
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t) || t < 0 || t >= vocab) {
      throw new RangeError(
        `target ${t} at position ${i} is outside the vocabulary (size ${vocab}); use ${ignoreIndex} to ignore`,
      );
    }
    keep[i] = 1;
    classes[i] = t;
    count++;
  }
  const loss = customGradient((l: tf.Tensor, save: tf.GradSaveFunc) => {
    const weights = tf.tensor2d(keep, [n, 1]);
    const logProbs = tf.logSoftmax(l as tf.Tensor2D);
    save([logProbs, weights]);
    // Picking logProbs[i, target] by a flat gather keeps the forward free of an [N, V] one-hot.
    const flat = Int32Array.from(classes, (c, i) => i * vocab + c);
    const picked = tf.gather(tf.reshape(logProbs, [n * vocab]), tf.tensor1d(flat, 'int32'));
    const value = tf.div(tf.neg(tf.sum(tf.mul(picked, tf.tensor1d(keep)))), count);
    return {
      value,
      // d/dlogits of the mean CE is (softmax − onehot)·keep / count.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [lp, w] = saved as [tf.Tensor2D, tf.Tensor2D];
        const oneHot = tf.oneHot(tf.tensor1d(classes, 'int32'), vocab);
        return tf.mul(tf.mul(tf.sub(tf.exp(lp), oneHot), w), tf.div(dy, count));
      },
    };
  }) as (l: tf.Tensor2D) => tf.Scalar;
  return loss(logits);
}
