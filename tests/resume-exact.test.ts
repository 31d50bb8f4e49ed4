/**
 * Exact resume at the default dropout (issue 13): dropout masks come from the run seed and the step, so
 * a run stopped and resumed from its checkpoint matches the uninterrupted run loss for loss.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPTConfig } from '../config.js';
import { getModel } from '../model/registry.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import { AdamW } from '../trainers/adamw.js';
import { AdvancedTrainer } from '../trainers/advanced-trainer.js';
import { DirectoryCheckpointStore } from '../trainers/checkpoint.js';
import { DataLoader } from '../utils/data-loader.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-resume-exact-'));
let tokenFile: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const corpus = path.join(dir, 'corpus.txt');
  fs.writeFileSync(
    corpus,
    fs.readFileSync(path.join(import.meta.dirname, '..', 'data', 'kjv.txt'), 'utf8').slice(0, 6000),
  );
  tokenFile = path.join(dir, 'corpus.bin');
  await tokenizeToFile(new ByteLevelTokenizer(), [corpus], tokenFile);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(modelType: string, seed: number, checkpointDir?: string) {
  // Default dropout (0.1): nothing here turns it off.
  const config = GPTConfig.create({
    modelType,
    vocabSize: 259,
    blockSize: 16,
    nLayer: 1,
    nHead: 2,
    nEmbd: 16,
  });
  expect(config.model.dropout).toBe(0.1);
  const model = getModel(modelType, config, { seed });
  const data = new DataLoader(tokenFile, { blockSize: 16, batchSize: 2, seed, valFraction: 0.1 });
  const optimizer = new AdamW(model.namedParameters(), { learningRate: 1e-2, weightDecay: 0.1 });
  const trainer = new AdvancedTrainer(model, data, optimizer, {
    maxSteps: 4,
    learningRate: 1e-2,
    warmupSteps: 1,
    gradAccum: 2,
    evalInterval: 0,
    checkpoints: checkpointDir === undefined ? undefined : new DirectoryCheckpointStore(checkpointDir),
  });
  return { model, trainer, data };
}

const losses = (t: AdvancedTrainer) => t.history.map((h) => h.trainLoss);
const weights = (m: { namedParameters(): Array<[string, tf.Variable]> }) =>
  m.namedParameters().map(([name, v]) => [name, Array.from(v.dataSync())]);

describe.each(['Vanilla', 'SASP'])('%s at dropout 0.1', (modelType) => {
  test('stopped after step 2 and resumed = uninterrupted, loss for loss and weight for weight', async () => {
    const straight = run(modelType, 7);
    await straight.trainer.train();

    const out = path.join(dir, `${modelType}-resumed`);
    const first = run(modelType, 7, out);
    first.trainer.options.onStep = ({ step }) => {
      if (step === 2) first.trainer.requestStop();
    };
    expect((await first.trainer.train()).step).toBe(2);
    const second = run(modelType, 7, out);
    expect(await second.trainer.resume()).toBe(true);
    await second.trainer.train();
    expect([...losses(first.trainer), ...losses(second.trainer)]).toEqual(losses(straight.trainer));
    expect(weights(second.model)).toEqual(weights(straight.model));

    // Same weights and data, another dropout seed: only the masks differ, and with them the loss.
    const other = run(modelType, 7);
    other.trainer.options.seed = 8;
    other.trainer.options.maxSteps = 1;
    await other.trainer.train();
    expect(losses(other.trainer)[0]).not.toEqual(losses(straight.trainer)[0]);
    // A checkpoint remembers its seed: resuming with another is refused.
    const reseeded = run(modelType, 9, out);
    await expect(reseeded.trainer.resume()).rejects.toThrow(/trained with seed 7, this run has seed 9/);
    for (const r of [straight, first, second, other, reseeded]) r.data.close();
  });
});
