/**
 * The model's tensor operations, written so the hot path issues only fast kernels and the backward pass
 * keeps little memory alive.
 *
 * Facts about tfjs 4.22 that shape this file (measured on the wasm backend, see bench/model.ts):
 * - Only a 2-D `matMul` without transpose flags reaches XNNPACK; a batched or transposed one runs a
 *   scalar loop (1–2 GFLOP/s). Batched products therefore go through `channelProduct` below.
 * - `tf.gather` has no gradient on wasm (no UnsortedSegmentSum kernel), and `tf.slice` copies its whole
 *   input before cutting, so neither is used on large tensors here.
 * - Every tensor a kernel saves for its gradient is cloned, which on wasm is a copy, and every gradient
 *   computed during backprop stays alive until the whole backward pass ends. So each op below is one
 *   custom-gradient node that saves only what its gradient needs, and computes that gradient inside
 *   `tf.tidy` so its temporaries are freed at once.
 * Every custom gradient is checked against `tf.grads` of a plain reference in tests/model-ops.test.ts.
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

/** Sum over every axis but the last: the gradient of a [.., d] broadcast operand of shape [d]. */
function sumToLastAxis(t: tf.Tensor): tf.Tensor1D {
  return tf.sum(
    t,
    Array.from({ length: t.rank - 1 }, (_, i) => i),
  ) as tf.Tensor1D;
}

/**
 * xᵀ·dy for x[N, in], dy[N, out], transposing whichever side is smaller: x (N·in values), or dy and the
 * [out, in] result (N·out + in·out). The wasm Transpose kernel is a plain strided loop (10–20 ns a value
 * measured here), so a transpose can cost as much as the product it feeds.
 */
function transposedProduct(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const [n, inF] = x.shape;
  const outF = dy.shape[1];
  return tf.tidy(() =>
    n * inF <= n * outF + inF * outF
      ? tf.matMul(tf.transpose(x), dy)
      : tf.transpose(tf.matMul(tf.transpose(dy), x)),
  );
}

/** x[N, in] · w[in, out] (+ b[out]); gradients as flag-free products with explicit transposes. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const gradients = (dy: tf.Tensor2D, xSaved: tf.Tensor2D, wSaved: tf.Tensor2D) =>
    tf.tidy(() => [tf.matMul(dy, tf.transpose(wSaved)), transposedProduct(xSaved, dy)]);
  if (b === undefined) {
    const product = customGradient((xs: tf.Tensor2D, ws: tf.Tensor2D, save: tf.GradSaveFunc) => {
      save([xs, ws]);
      return {
        value: tf.matMul(xs, ws),
        gradFunc: (dy, [xSaved, wSaved]) =>
          gradients(dy as tf.Tensor2D, xSaved as tf.Tensor2D, wSaved as tf.Tensor2D),
      };
    });
    return product(x, w) as tf.Tensor2D;
  }
  // The bias is added inside the node: a separate Add would save (copy) both of its inputs.
  const affine = customGradient(
    (xs: tf.Tensor2D, ws: tf.Tensor2D, bs: tf.Tensor1D, save: tf.GradSaveFunc) => {
      save([xs, ws]);
      return {
        value: tf.tidy(() => tf.add(tf.matMul(xs, ws), bs)),
        gradFunc: (dy, [xSaved, wSaved]) => [
          ...gradients(dy as tf.Tensor2D, xSaved as tf.Tensor2D, wSaved as tf.Tensor2D),
          tf.sum(dy, 0),
        ],
      };
    },
  );
  return affine(x, w, b) as tf.Tensor2D;
}

/** x[N, in] · wᵀ for w[out, in] (the tied output head); the input gradient needs no transpose at all. */
export function linearTransposed(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const product = customGradient((xs: tf.Tensor2D, ws: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([xs, ws]);
    return {
      value: tf.tidy(() => tf.matMul(xs, tf.transpose(ws))),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xSaved, wSaved] = saved as [tf.Tensor2D, tf.Tensor2D];
          const g = dy as tf.Tensor2D;
          // dW = (dyᵀ·x) = (xᵀ·dy)ᵀ.
          return [tf.matMul(g, wSaved), tf.transpose(transposedProduct(xSaved, g))];
        }),
    };
  });
  return product(x, w) as tf.Tensor2D;
}

/**
 * Per-channel products out[m, c, n] = Σ_k x[m, k, c] · f[k, c, n] of x[M, K, C] and f[K, C, N].
 *
 * On wasm this is one depthwise convolution: x as an image of height M, width K and C channels, f as a
 * 1×K filter with channel multiplier N. XNNPACK runs it as a grouped convolution on its SIMD GEMM kernels
 * (several times faster than the batched matMul loop, and threaded like the other XNNPACK operators);
 * the sums are the same products. Elsewhere it is a batched matMul between layout changes.
 */
export function channelProduct(x: tf.Tensor3D, f: tf.Tensor3D): tf.Tensor3D {
  const [m, k, c] = x.shape;
  const n = f.shape[2];
  if (f.shape[0] !== k || f.shape[1] !== c) {
    throw new RangeError(`channelProduct: x [${x.shape}] and f [${f.shape}] do not match`);
  }
  return tf.tidy(() => {
    if (tf.getBackend() === 'wasm') {
      const image = tf.reshape(x, [1, m, k, c]) as tf.Tensor4D;
      const filter = tf.reshape(f, [1, k, c, n]) as tf.Tensor4D;
      return tf.reshape(tf.depthwiseConv2d(image, filter, 1, 'valid'), [m, c, n]) as tf.Tensor3D;
    }
    const product = tf.matMul(tf.transpose(x, [2, 0, 1]), tf.transpose(f, [1, 0, 2]));
    return tf.transpose(product, [1, 0, 2]) as tf.Tensor3D;
  });
}

/** a[n, i, k] · b[n, k, j] with optional transposes of either operand, by the fastest kernel available. */
function batchedProduct(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  transposeA: boolean,
  transposeB: boolean,
): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => {
    // channelProduct wants a as [i, k, n] and b as [k, n, j]; a flag only changes the permutation.
    const x = tf.transpose(a, transposeA ? [2, 1, 0] : [1, 2, 0]) as tf.Tensor3D;
    const f = tf.transpose(b, transposeB ? [2, 0, 1] : [1, 0, 2]) as tf.Tensor3D;
    return tf.transpose(channelProduct(x, f), [1, 0, 2]) as tf.Tensor3D;
  });
}

/** Batched a[n, i, k] · b[n, k, j]. */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const product = customGradient((as: tf.Tensor3D, bs: tf.Tensor3D, save: tf.GradSaveFunc) => {
    save([as, bs]);
    return {
      value: batchedProduct(as, bs, false, false),
      gradFunc: (dy, saved) => {
        const [aSaved, bSaved] = saved as [tf.Tensor3D, tf.Tensor3D];
        const g = dy as tf.Tensor3D;
        return [batchedProduct(g, bSaved, false, true), batchedProduct(aSaved, g, true, false)];
      },
    };
  });
  return product(a, b) as tf.Tensor3D;
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
  // On cpu and wasm the data lives on the host, so lookup and scatter are plain loops there: the cpu
  // UnsortedSegmentSum took 9 s of a 16 s tiny-model step (bench:model), wasm has no such kernel, and the
  // wasm Gather kernel costs a heap allocation per element.
  const onHost = HOST_SCATTER_BACKENDS.has(tf.getBackend());
  const lookup = customGradient((t: tf.Tensor) => ({
    value: onHost ? gatherRows(t, ids) : tf.tidy(() => tf.gather(t, tf.tensor1d(ids, 'int32'))),
    gradFunc: (dy: tf.Tensor) => {
      const backend = tf.getBackend();
      if (!onHost && tf.getKernel('UnsortedSegmentSum', backend) !== undefined) {
        return tf.tidy(() => tf.unsortedSegmentSum(dy, tf.tensor1d(ids, 'int32'), rows));
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

/** Rows `table[ids]` copied on the host. */
function gatherRows(table: tf.Tensor, ids: Int32Array): tf.Tensor2D {
  const width = table.shape[1]!;
  const values = table.dataSync();
  const out = new Float32Array(ids.length * width);
  for (let n = 0; n < ids.length; n++)
    out.set(values.subarray(ids[n]! * width, (ids[n]! + 1) * width), n * width);
  return tf.tensor2d(out, [ids.length, width]);
}

/**
 * LayerNorm over the last axis, eps 1e-5, optional bias. One node that saves the normalised input and
 * the inverse deviation; its gradient is the closed form
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·weight.
 */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor1D, bias?: tf.Tensor1D): tf.Tensor {
  const axis = x.rank - 1;
  const normalise = (xs: tf.Tensor, ws: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const [normed, rstd] = tf.tidy(() => {
      const { mean, variance } = tf.moments(xs, axis, true);
      const r = tf.rsqrt(tf.add(variance, LAYER_NORM_EPS));
      return [tf.mul(tf.sub(xs, mean), r), r];
    });
    save([normed!, rstd!, ws]);
    const gradients = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xHat, r, w] = saved as [tf.Tensor, tf.Tensor, tf.Tensor1D];
        const g = tf.mul(dy, w);
        const dx = tf.mul(
          r,
          tf.sub(tf.sub(g, tf.mean(g, axis, true)), tf.mul(xHat, tf.mean(tf.mul(g, xHat), axis, true))),
        );
        return [dx, sumToLastAxis(tf.mul(dy, xHat))];
      });
    return { normed: normed!, gradients };
  };
  if (bias === undefined) {
    const f = customGradient((xs: tf.Tensor, ws: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const { normed, gradients } = normalise(xs, ws, save);
      return { value: tf.mul(normed, ws), gradFunc: gradients };
    });
    return f(x, weight);
  }
  const f = customGradient((xs: tf.Tensor, ws: tf.Tensor1D, bs: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const { normed, gradients } = normalise(xs, ws, save);
    return {
      value: tf.tidy(() => tf.add(tf.mul(normed, ws), bs)),
      gradFunc: (dy, saved) => [...gradients(dy, saved), sumToLastAxis(dy)],
    };
  });
  return f(x, weight, bias);
}

/** Exact GELU, x·Φ(x) with Φ(x) = 0.5·(1 + erf(x/√2)) (PyTorch's default, Hugging Face's "gelu"). */
export function gelu(x: tf.Tensor): tf.Tensor {
  // One node that keeps x and Φ(x) (erf is the costly kernel) for d/dx = Φ(x) + x·φ(x).
  const f = customGradient((xs: tf.Tensor, save: tf.GradSaveFunc) => {
    const cdf = tf.tidy(() => tf.mul(tf.add(tf.erf(tf.mul(xs, Math.SQRT1_2)), 1), 0.5));
    save([xs, cdf]);
    return {
      value: tf.mul(xs, cdf),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xSaved, cdfSaved] = saved as [tf.Tensor, tf.Tensor];
          const pdf = tf.mul(tf.exp(tf.mul(tf.square(xSaved), -0.5)), 1 / Math.sqrt(2 * Math.PI));
          return tf.mul(dy, tf.add(cdfSaved, tf.mul(xSaved, pdf)));
        }),
    };
  });
  return f(x);
}

/** a + b of the same shape (a residual connection): a node that saves nothing, where Add saves both. */
export function addSame(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.shape.join(',') !== b.shape.join(',')) {
    throw new RangeError(`addSame: shapes [${a.shape}] and [${b.shape}] differ`);
  }
  const f = customGradient((as: tf.Tensor, bs: tf.Tensor) => ({
    value: tf.add(as, bs),
    // Two tensor objects over the same data (reshape copies nothing): tfjs may dispose either one.
    gradFunc: (dy: tf.Tensor) => [tf.reshape(dy, dy.shape), tf.reshape(dy, dy.shape)],
  }));
  return f(a, b);
}

/** Inverted dropout with the mask drawn from `seed`; identity when `rate` is 0 or not training. */
export function dropout(x: tf.Tensor, rate: number, training: boolean, seed: number): tf.Tensor {
  return training && rate > 0 ? tf.dropout(x, rate, undefined, seed) : x;
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
  const loss = customGradient((l: tf.Tensor2D, save: tf.GradSaveFunc) => {
    // One exp pass: e = exp(l − max) gives both the softmax (saved for the gradient, so the backward pass
    // needs no exp) and log Σ exp(l) = max + log Σ e. With a large vocabulary these are the widest tensors.
    const [value, probs] = tf.tidy(() => {
      const max = tf.max(l, 1, true);
      const e = tf.exp(tf.sub(l, max));
      const sum = tf.sum(e, 1, true);
      const logSumExp = tf.reshape(tf.add(tf.log(sum), max), [n]);
      // Picking logits[i, target] by a flat gather keeps the forward free of an [N, V] one-hot.
      const flat = Int32Array.from(classes, (c, i) => i * vocab + c);
      const picked = tf.gather(tf.reshape(l, [n * vocab]), tf.tensor1d(flat, 'int32'));
      const perRow = tf.sub(logSumExp, picked);
      return [tf.div(tf.sum(tf.mul(perRow, tf.tensor1d(keep))), count), tf.div(e, sum)];
    });
    save([probs!]);
    return {
      value: value!,
      // d/dlogits of the mean CE is (softmax − onehot)·keep / count.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [p] = saved as [tf.Tensor2D];
          const oneHot = tf.oneHot(tf.tensor1d(classes, 'int32'), vocab);
          const diff = tf.sub(p, oneHot);
          oneHot.dispose();
          return tf.mul(diff, tf.mul(tf.tensor2d(keep, [n, 1]), tf.div(dy, count)));
        }),
    };
  });
  return loss(logits) as tf.Scalar;
}
