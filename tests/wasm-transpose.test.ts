/**
 * The wasm backend's Transpose (a JS loop for permutations that reduce to a 2-D transpose, tfjs's
 * kernel otherwise) against an index-by-index reference, fuzzed over shapes with size-1 axes, every
 * rank up to 5, and the dtypes the models use.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../model/backend.js';
import { simplifyPermutation } from '../model/wasm-transpose.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

/** out[i] = x[source index of output position i], computed from strides one element at a time. */
function reference(values: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((axis) => shape[axis]!);
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const size = values.length;
  for (let i = 0; i < size; i++) {
    let rest = i;
    let source = 0;
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      source += (rest % outShape[axis]!) * strides[perm[axis]!]!;
      rest = Math.floor(rest / outShape[axis]!);
    }
    out.push(values[source]!);
  }
  return out;
}

function shuffled(n: number, next: () => number): number[] {
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return perm;
}

test('tf.transpose on wasm equals the reference for random shapes, permutations and dtypes', () => {
  let s = 7;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s >>> 8;
  };
  let twoD = 0;
  for (let trial = 0; trial < 300; trial++) {
    const rank = 1 + (next() % 5);
    // Sizes 1–3 (size-1 axes are dropped, neighbours merged) and at most one tall axis (the tiles).
    const tall = next() % 2 === 0 ? next() % rank : -1;
    const shape = Array.from({ length: rank }, (_, axis) =>
      axis === tall ? 33 + (next() % 70) : 1 + (next() % 3),
    );
    const perm = shuffled(rank, next);
    if (simplifyPermutation(shape, perm).shape.length === 2) twoD++;
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, (_, i) => (i * 37) % 101);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const data = dtype === 'bool' ? values.map((v) => v % 2) : values;
      const got = tf.tidy(() => Array.from(tf.transpose(tf.tensor(data, shape, dtype), perm).dataSync()));
      expect([shape, perm, dtype, got]).toEqual([shape, perm, dtype, reference(data, shape, perm)]);
    }
  }
  expect(twoD).toBeGreaterThan(50); // the JS path was exercised, not only tfjs's kernel
});

test('simplifyPermutation drops size-1 axes and merges axes that stay neighbours', () => {
  expect(simplifyPermutation([8, 256, 6, 64], [1, 0, 2, 3])).toEqual({
    shape: [8, 256, 384],
    perm: [1, 0, 2],
  });
  expect(simplifyPermutation([2048, 384], [1, 0])).toEqual({ shape: [2048, 384], perm: [1, 0] });
  expect(simplifyPermutation([4, 1, 5], [2, 1, 0])).toEqual({ shape: [4, 5], perm: [1, 0] });
  expect(simplifyPermutation([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
  expect(simplifyPermutation([5, 1, 7], [0, 1, 2])).toEqual({ shape: [35], perm: [0] });
  expect(simplifyPermutation([6, 4, 5], [1, 2, 0])).toEqual({ shape: [6, 20], perm: [1, 0] });
});
