import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { initBackend } from '../model/backend.js';
import { loadModel, saveModel } from '../model/io.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';

beforeAll(async () => {
  await initBackend({ log: null });
});

function build(modelType = 'Vanilla', vocabSize = 12): TransformerModel {
  const config = GPTConfig.create({
    modelType,
    vocabSize,
    blockSize: 8,
    nEmbd: 8,
    nLayer: 1,
    nHead: 2,
    dropout: 0,
  });
  return getModel(modelType, config, { seed: 3 }).eval();
}

const IDS = [
  [1, 4, 7, 2],
  [0, 11, 5, 5],
];

describe.each(['Vanilla', 'SASP'])('%s embedding surgery', (modelType) => {
  test('an outside copy of the own matrix gives bit-identical logits and loss', () => {
    const model = build(modelType);
    const own = model.forward({ inputIds: IDS, targets: IDS });
    const table = model.getInputEmbeddings();
    const outside = model.forward({ inputIds: IDS, targets: IDS, embeddings: table });
    expect(Array.from(outside.logits.dataSync())).toEqual(Array.from(own.logits.dataSync()));
    expect(outside.loss!.dataSync()[0]).toBe(own.loss!.dataSync()[0]);
    model.dispose();
  });

  test('gradients reach the producer of an outside matrix (finite difference)', () => {
    const model = build(modelType);
    const base = model.getInputEmbeddings();
    // The "producer": one trainable per-row scale applied to the frozen source rows.
    const scale = tf.variable(tf.fill([12, 1], 1.3), true);
    const lossOf = () =>
      model.forward({ inputIds: IDS, targets: IDS, embeddings: tf.mul(base, scale) as tf.Tensor2D }).loss!;
    const { grads, value } = tf.variableGrads(lossOf, [scale]);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const analytic = grads[scale.name]!.dataSync();
    const eps = 1e-2;
    for (const row of [1, 5, 11]) {
      const shifted = (delta: number) =>
        tf.tidy(() => {
          const s = scale.clone().bufferSync();
          s.set(1.3 + delta, row, 0);
          const m = tf.mul(base, s.toTensor()) as tf.Tensor2D;
          return model.forward({ inputIds: IDS, targets: IDS, embeddings: m }).loss!.dataSync()[0]!;
        });
      const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
      expect(Math.abs(analytic[row]!)).toBeGreaterThan(1e-5);
      expect(analytic[row]!).toBeCloseTo(numeric, 3);
    }
    // Row 3 is in no input and no target: it still gets a gradient, through the tied head's softmax.
    expect(analytic[3]).not.toBe(0);
    model.dispose();
  });

  test('resizing the vocabulary keeps the body and saves/loads as an ordinary model', () => {
    const model = build(modelType);
    const body = model
      .namedParameters()
      .filter(([n]) => n !== 'transformer.wte.weight')
      .map(([n, v]) => [n, Array.from(v.dataSync())] as const);
    const wider = tf.randomNormal([20, 8], 0, 0.02, 'float32', 9) as tf.Tensor2D;
    model.setInputEmbeddings(wider, { paddingIdx: 19 });
    expect(model.vocabSize).toBe(20);
    expect(model.config.model.vocabSize).toBe(20);
    expect(model.config.model.paddingIdx).toBe(19);
    expect(Array.from(model.getInputEmbeddings().dataSync())).toEqual(Array.from(wider.dataSync()));
    for (const [n, values] of body) expect(Array.from(model.param(n).dataSync())).toEqual(values);
    const logits = model.forward({ inputIds: [[19, 15, 3]] }).logits;
    expect(logits.shape).toEqual([1, 3, 20]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'surgery-'));
    saveModel(model, dir);
    const again = loadModel(dir).eval();
    expect(Array.from(again.forward({ inputIds: [[19, 15, 3]] }).logits.dataSync())).toEqual(
      Array.from(logits.dataSync()),
    );
    fs.rmSync(dir, { recursive: true });
    model.dispose();
    again.dispose();
  });
});

test('bad embedding matrices are clear errors', () => {
  const model = build();
  expect(() => model.setInputEmbeddings(tf.zeros([12, 5]) as tf.Tensor2D)).toThrow(/must be \[rows, 8\]/);
  expect(() => model.setInputEmbeddings(tf.zeros([4, 8]) as tf.Tensor2D, { paddingIdx: 4 })).toThrow(
    /paddingIdx 4 is outside the new vocabulary \(4 rows\)/,
  );
  expect(() => model.forward({ inputIds: [[11]], embeddings: tf.zeros([6, 8]) as tf.Tensor2D })).toThrow(
    /token id 11 is outside the model vocabulary \(vocabSize 6\)/,
  );
  expect(() => model.forward({ inputIds: [[1]], embeddings: tf.zeros([6, 7]) as tf.Tensor2D })).toThrow(
    /embeddings must be \[rows, 8\]/,
  );
  expect(model.vocabSize).toBe(12);
  model.dispose();
});
