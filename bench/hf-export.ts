/**
 * Dev check, not part of CI (driven by bench/hf-load-check.py): trains a small Vanilla model for a few
 * steps, writes it with `exportHuggingFace` to OUT_DIR and our logits for a few inputs to
 * OUT_DIR/expected.json, for transformers' GPT2LMHeadModel to reproduce.
 * Usage: node dist/bench/hf-export.js OUT_DIR [--bias]
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { initBackend } from '../model/backend.js';
import { exportHuggingFace } from '../model/io.js';
import { getModel } from '../model/registry.js';
import { writeJsonAtomic } from '../utils/fs.js';

const VOCAB = 97;
const CONTEXT = 32;

function sequence(length: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s % VOCAB;
  });
}

async function main(): Promise<void> {
  const outDir = process.argv[2];
  if (outDir === undefined || outDir.startsWith('--')) {
    throw new Error('usage: node dist/bench/hf-export.js OUT_DIR [--bias]');
  }
  await initBackend({ log: null });
  const config = GPTConfig.create({
    modelType: 'Vanilla',
    vocabSize: VOCAB,
    blockSize: CONTEXT,
    nEmbd: 48,
    nLayer: 2,
    nHead: 4,
    dropout: 0,
    bias: process.argv.includes('--bias'),
  });
  const model = getModel('Vanilla', config, { seed: 7 });
  // A few Adam steps move every weight (biases and LayerNorm gains included) away from its initial value.
  const optimizer = tf.train.adam(1e-2);
  const inputIds = [1, 2, 3, 4].map((seed) => sequence(CONTEXT, seed));
  const targets = [5, 6, 7, 8].map((seed) => sequence(CONTEXT, seed));
  for (let step = 0; step < 20; step++) {
    optimizer.minimize(() => model.forward({ inputIds, targets }).loss!, false, model.trainableVariables());
  }
  model.eval();
  const inputs = [sequence(CONTEXT, 11), sequence(17, 12), sequence(1, 13)];
  const logits = inputs.map((ids) =>
    tf.tidy(() => Array.from(model.forward({ inputIds: [ids] }).logits.dataSync())),
  );
  exportHuggingFace(model, outDir);
  writeJsonAtomic(path.join(outDir, 'expected.json'), { inputs, logits });
  optimizer.dispose();
  model.dispose();
}

await main();
