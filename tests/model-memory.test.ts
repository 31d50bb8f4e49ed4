import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { initBackend } from '../model/backend.js';
import { getModel } from '../model/registry.js';

beforeAll(async () => {
  await initBackend({ log: null });
});

// tfjs keeps every tensor an op saves for its gradient, and every gradient it computes, until the backward
// pass ends; with unfused ops the bench's small config peaked at 1.17 GB of tensors at batch 2, and at
// batch 8 crashed the wasm heap.
// The budget: per layer 64 activation-sized tensors [B·T, d] and 4 attention-sized [B·H, T, T], 6 of the
// logits' size [B·T, V], 4 copies of the parameters. This step peaks at about 85% of it; plain tfjs
// LayerNorms and residual adds alone (the rest fused) take it to 120%.
test('a training step (forward + backward) peaks within a budget linear in its activations', async () => {
  const [vocab, length, width, layers, heads, batch] = [128, 128, 64, 2, 2, 8];
  const config = GPTConfig.create({
    modelType: 'Vanilla',
    vocabSize: vocab,
    blockSize: length,
    nEmbd: width,
    nLayer: layers,
    nHead: heads,
    dropout: 0,
    bias: false,
  });
  const model = getModel('Vanilla', config, { seed: 1 });
  const ids = Array.from({ length: batch }, (_, b) =>
    Array.from({ length }, (_, t) => (b * 31 + t * 7) % vocab),
  );
  const before = tf.memory().numBytes;
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () => model.forward({ inputIds: ids, targets: ids }).loss!,
      model.trainableVariables(),
    );
    tf.dispose([value, ...Object.values(grads)]);
  });
  expect(tf.memory().numBytes).toBe(before);
  const rows = batch * length;
  const budget =
    4 *
    (layers * (64 * rows * width + 4 * batch * heads * length * length) +
      6 * rows * vocab +
      4 * model.numParams({ nonEmbedding: false }));
  const peak = profile.peakBytes - before;
  expect(peak).toBeGreaterThan(rows * vocab * 4);
  expect(peak).toBeLessThan(budget);
  model.dispose();
});
