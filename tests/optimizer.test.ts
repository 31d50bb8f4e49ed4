import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AdamW } from '../trainers/adamw.js';
import { learningRateAt } from '../trainers/schedules.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** PyTorch's AdamW update written out for one scalar parameter. */
function referenceAdamW(
  p0: number,
  grads: number[],
  lr: number,
  wd: number,
  b1 = 0.9,
  b2 = 0.95,
  eps = 1e-8,
): number {
  let p = p0;
  let m = 0;
  let v = 0;
  grads.forEach((g, i) => {
    const t = i + 1;
    p *= 1 - lr * wd;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    p -= (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
  });
  return p;
}

describe('AdamW', () => {
  test('matches the reference update, with decay only on matrices that are not embeddings', () => {
    const w = tf.variable(tf.tensor2d([[0.5, -1]]), true, 'w');
    const bias = tf.variable(tf.tensor1d([0.5]), true, 'b');
    const wte = tf.variable(tf.tensor2d([[0.5]]), true, 'wte');
    const opt = new AdamW(
      [
        ['h.0.mlp.c_fc.weight', w],
        ['h.0.mlp.c_fc.bias', bias],
        ['transformer.wte.weight', wte],
      ],
      { learningRate: 0.1, weightDecay: 0.5 },
    );
    expect(opt.decayed).toEqual(['h.0.mlp.c_fc.weight']);
    const gs = [0.3, -0.2, 0.7];
    for (const g of gs) {
      opt.applyGradients({
        'h.0.mlp.c_fc.weight': tf.tensor2d([[g, g]]),
        'h.0.mlp.c_fc.bias': tf.tensor1d([g]),
        'transformer.wte.weight': tf.tensor2d([[g]]),
      });
    }
    const [w0, w1] = Array.from(w.dataSync());
    expect(w0).toBeCloseTo(referenceAdamW(0.5, gs, 0.1, 0.5), 5);
    expect(w1).toBeCloseTo(referenceAdamW(-1, gs, 0.1, 0.5), 5);
    expect(bias.dataSync()[0]).toBeCloseTo(referenceAdamW(0.5, gs, 0.1, 0), 5);
    expect(wte.dataSync()[0]).toBeCloseTo(referenceAdamW(0.5, gs, 0.1, 0), 5);
  });

  test('state round trip continues exactly like the uninterrupted optimizer', () => {
    const make = (): [tf.Variable, AdamW] => {
      const v = tf.variable(
        tf.tensor2d([
          [1, 2],
          [3, 4],
        ]),
      );
      return [v, new AdamW([['w', v]], { learningRate: 0.05 })];
    };
    const g = (k: number): Record<string, tf.Tensor> => ({
      w: tf.tensor2d([
        [k, -k],
        [0.5 * k, 1],
      ]),
    });
    const [a, optA] = make();
    for (let k = 1; k <= 4; k++) optA.applyGradients(g(k));
    const [b, optB] = make();
    for (let k = 1; k <= 2; k++) optB.applyGradients(g(k));
    const [c, optC] = make();
    c.assign(b);
    optC.setState(optB.getState());
    for (let k = 3; k <= 4; k++) optC.applyGradients(g(k));
    expect(Array.from(c.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => optC.setState({ step: 1, moments: {} })).toThrow(
      /optimizer state does not match the model:\n {2}w: missing/,
    );
  });
});

describe('learning-rate schedules', () => {
  const base = { learningRate: 1, maxSteps: 100, warmupSteps: 10, minLrRatio: 0.1 };

  test('constant', () => {
    expect([0, 50, 99].map((s) => learningRateAt(s, { ...base, schedule: 'constant' }))).toEqual([1, 1, 1]);
  });

  test('warmup + cosine: linear ramp, half-way value, floor at the end', () => {
    const lr = (s: number): number => learningRateAt(s, { ...base, schedule: 'cosine' });
    expect(lr(0)).toBeCloseTo(0.1);
    expect(lr(9)).toBeCloseTo(1);
    expect(lr(10)).toBeCloseTo(1);
    expect(lr(55)).toBeCloseTo(0.1 + 0.5 * 0.9); // progress 0.5 → cos = 0
    expect(lr(100)).toBeCloseTo(0.1);
  });

  test('warmup-stable-decay: flat until the last 20 %, then linear to the floor', () => {
    const lr = (s: number): number => learningRateAt(s, { ...base, schedule: 'wsd' });
    expect(lr(5)).toBeCloseTo(0.6);
    expect(lr(79)).toBe(1);
    expect(lr(80)).toBeCloseTo(1 - 0.9 / 20);
    expect(lr(99)).toBeCloseTo(0.1);
  });
});
