import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../model/backend.js';
import { causalSelfAttention } from '../model/fused-attention.js';
import {
  addSame,
  batchMatMul,
  channelProduct,
  crossEntropy,
  embedding,
  gelu,
  layerNorm,
  linear,
  linearTransposed,
} from '../model/ops.js';
import { SeededRandom } from '../model/random.js';

beforeAll(async () => {
  await initBackend({ log: null });
});

const rng = new SeededRandom(7);
const randn = (shape: number[]) =>
  tf.tensor(
    rng.normalArray(
      shape.reduce((a, b) => a * b, 1),
      1,
    ),
    shape,
  );

/** Asserts that f and g have the same value and the same gradients w.r.t. every input. */
function expectSameGradients(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  g: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
) {
  // A random projection of the output makes the upstream gradient non-uniform.
  const out = f(...inputs);
  const probe = randn(out.shape);
  const ours = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), probe)))(inputs);
  const reference = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(g(...xs), probe)))(inputs);
  expect(maxAbsDiff(out, g(...inputs))).toBeLessThan(1e-4);
  ours.forEach((grad, i) => {
    expect(grad.shape).toEqual(inputs[i]!.shape);
    expect(maxAbsDiff(grad, reference[i]!)).toBeLessThan(1e-4);
  });
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
}

test('linear (with bias) matches matMul + add, values and gradients', () => {
  expectSameGradients(
    (x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
    (x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b!),
    [randn([5, 3]), randn([3, 4]), randn([4])],
  );
});

test('linearTransposed matches matMul(x, w, false, true)', () => {
  expectSameGradients(
    (x, w) => linearTransposed(x as tf.Tensor2D, w as tf.Tensor2D),
    (x, w) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D, false, true),
    [randn([5, 3]), randn([6, 3])],
  );
});

test('embedding gradient is the scatter-add of one-hot rows (repeated ids accumulate)', () => {
  const ids = Int32Array.from([1, 3, 1, 0]);
  expectSameGradients(
    (t) => embedding(t as tf.Tensor2D, ids),
    (t) => tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), 5), t as tf.Tensor2D),
    [randn([5, 3])],
  );
  expect(() => embedding(randn([5, 3]) as tf.Tensor2D, Int32Array.from([5]))).toThrow(
    /outside the embedding table/,
  );
});

test('layerNorm matches the textbook formula (eps 1e-5), gradients included', () => {
  expectSameGradients(
    (x, w, b) => layerNorm(x!, w as tf.Tensor1D, b as tf.Tensor1D),
    (x, w, b) => {
      const mean = tf.mean(x!, -1, true);
      const variance = tf.mean(tf.square(tf.sub(x!, mean)), -1, true);
      return tf.add(tf.mul(tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, 1e-5))), w!), b!);
    },
    [randn([4, 6]), randn([6]), randn([6])],
  );
});

test('layerNorm without bias, on a rank-3 input, matches the formula with gradients', () => {
  expectSameGradients(
    (x, w) => layerNorm(x!, w as tf.Tensor1D),
    (x, w) => {
      const mean = tf.mean(x!, -1, true);
      const variance = tf.mean(tf.square(tf.sub(x!, mean)), -1, true);
      return tf.mul(tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, 1e-5))), w!);
    },
    [randn([2, 3, 8]), randn([8])],
  );
});

test('addSame matches add, gradients included', () => {
  expectSameGradients(
    (a, b) => addSame(a!, b!),
    (a, b) => tf.add(a!, b!),
    [randn([3, 4]), randn([3, 4])],
  );
  expect(() => addSame(randn([3, 4]), randn([4]))).toThrow(/shapes \[3,4\] and \[4\] differ/);
});

test('gelu custom gradient matches autodiff of the erf formula', () => {
  expectSameGradients(
    (x) => gelu(x!),
    (x) => tf.mul(tf.mul(x!, 0.5), tf.add(tf.erf(tf.mul(x!, Math.SQRT1_2)), 1)),
    [randn([3, 7])],
  );
});

test('gelu is the exact erf form', () => {
  const x = tf.tensor1d([-3, -1, 0, 0.5, 2]);
  const expected = [-0.0040496, -0.1586553, 0, 0.3457312, 1.9544997];
  const got = Array.from(gelu(x).dataSync());
  got.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i]!, 5);
  });
});

test('crossEntropy matches log-softmax reference, ignores -100, gradient included', () => {
  const targets = Int32Array.from([2, -100, 0, 4]);
  const keep = [0, 2, 3];
  expectSameGradients(
    (l) => crossEntropy(l as tf.Tensor2D, targets),
    (l) => {
      const lp = tf.logSoftmax(l as tf.Tensor2D);
      const picked = keep.map((row) => tf.slice(lp, [row, targets[row]!], [1, 1]));
      return tf.neg(tf.div(tf.addN(picked.map((t) => tf.sum(t))), keep.length));
    },
    [randn([4, 5])],
  );
  expect(
    Number.isNaN(crossEntropy(randn([2, 5]) as tf.Tensor2D, Int32Array.from([-100, -100])).dataSync()[0]),
  ).toBe(true);
  expect(() => crossEntropy(randn([1, 5]) as tf.Tensor2D, Int32Array.from([5]))).toThrow(
    /outside the vocabulary/,
  );
});

/** Multi-head causal attention from plain tfjs ops, heads as [B, H, T, hs]; `keep` is the dropout factor. */
function referenceAttention(
  h: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor | null,
  shape: { batch: number; length: number; heads: number },
  keep: tf.Tensor | null = null,
): tf.Tensor {
  const { batch, length, heads } = shape;
  const d = h.shape[1]!;
  const hs = d / heads;
  const projected = tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D);
  const qkv = b === null ? projected : tf.add(projected, b);
  const head = (i: number) =>
    tf.transpose(
      tf.reshape(tf.slice(qkv, [0, i * d], [batch * length, d]), [batch, length, heads, hs]),
      [0, 2, 1, 3],
    ) as tf.Tensor4D;
  const later = tf.tensor2d(
    Array.from({ length: length * length }, (_, i) => (i % length > Math.floor(i / length) ? -1e9 : 0)),
    [length, length],
  );
  const scores = tf.add(tf.div(tf.matMul(head(0), head(1), false, true), Math.sqrt(hs)), later);
  const probs = keep === null ? tf.softmax(scores) : tf.mul(tf.softmax(scores), keep);
  return tf.reshape(tf.transpose(tf.matMul(probs as tf.Tensor4D, head(2)), [0, 2, 1, 3]), [
    batch * length,
    d,
  ]);
}

describe.each(['wasm', 'cpu'] as const)('on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ backend, log: null });
  });
  afterAll(async () => {
    await initBackend({ log: null });
  });

  test('channelProduct is the per-channel matrix product', () => {
    const x = randn([3, 4, 5]);
    const f = randn([4, 5, 2]);
    const expected = tf.transpose(
      tf.matMul(tf.transpose(x, [2, 0, 1]), tf.transpose(f, [1, 0, 2])),
      [1, 0, 2],
    );
    const got = channelProduct(x as tf.Tensor3D, f as tf.Tensor3D);
    expect(got.shape).toEqual([3, 5, 2]);
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);
    expect(() => channelProduct(x as tf.Tensor3D, randn([5, 4, 2]) as tf.Tensor3D)).toThrow(/do not match/);
  });

  test('batchMatMul gradients match tf.matMul', () => {
    expectSameGradients(
      (a, b) => batchMatMul(a as tf.Tensor3D, b as tf.Tensor3D),
      (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
      [randn([6, 5, 3]), randn([6, 3, 7])],
    );
  });

  const shape = { batch: 2, length: 5, heads: 3 };
  test.each([true, false])(
    'causalSelfAttention (bias %s) matches plain attention, gradients included',
    (bias) => {
      const inputs = [randn([10, 12]), randn([12, 36]), ...(bias ? [randn([36])] : [])];
      expectSameGradients(
        (h, w, b) =>
          causalSelfAttention(h as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D | undefined, {
            ...shape,
            dropout: 0.5,
            training: false,
          }),
        (h, w, b) => referenceAttention(h!, w!, b ?? null, shape),
        inputs,
      );
    },
  );

  test('causalSelfAttention dropout drops and rescales the attention weights, gradients included', () => {
    const rate = 0.4;
    const seed = 11;
    // The op draws its mask as uniform [T, B·H, T] ≥ rate; the reference lays the same draw out as [B, H, T, T].
    const uniform = tf.randomUniform([5, 6, 5], 0, 1, 'float32', seed);
    const keep = tf.div(
      tf.cast(
        tf.greaterEqual(tf.transpose(tf.reshape(uniform, [5, 2, 3, 5]), [1, 2, 0, 3]), rate),
        'float32',
      ),
      1 - rate,
    );
    expectSameGradients(
      (h, w) =>
        causalSelfAttention(h as tf.Tensor2D, w as tf.Tensor2D, undefined, {
          ...shape,
          dropout: rate,
          training: true,
          seed,
        }),
      (h, w) => referenceAttention(h!, w!, null, shape, keep),
      [randn([10, 12]), randn([12, 36])],
    );
  });

  test('embedding lookup and gradient agree with a one-hot product', () => {
    const ids = Int32Array.from([2, 0, 2]);
    expectSameGradients(
      (t) => embedding(t as tf.Tensor2D, ids),
      (t) => tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), 4), t as tf.Tensor2D),
      [randn([4, 3])],
    );
  });
});
