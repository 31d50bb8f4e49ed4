import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPTConfig } from '../config.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { AdvancedTrainer } from '../trainers/advanced-trainer.js';
import { listTrainers, registerTrainer, trainerRegistry } from '../trainers/registry.js';
import { trainLanguageModel } from '../trainers/run.js';
import { SimpleTrainer } from '../trainers/simple-trainer.js';
import type { TrainerState } from '../trainers/types.js';

const root = path.resolve(import.meta.dirname, '..');
const texts = fs
  .readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8')
  .slice(0, 2500)
  .split('\n\n')
  .filter((t) => t.length > 0);
const tiny = (): GPTConfig =>
  GPTConfig.create({
    modelType: 'Vanilla',
    blockSize: 16,
    nLayer: 1,
    nHead: 2,
    nEmbd: 16,
    batchSize: 8,
    numEpochs: 1,
    dropout: 0,
  });
let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-train-run-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the simple trainer trains in-memory texts for config.train.numEpochs epochs, calling the callbacks', async () => {
  const epochs: number[] = [];
  let batches = 0;
  const outDir = path.join(dir, 'simple');
  const { trainer, final } = await trainLanguageModel({
    config: tiny(),
    tokenizer: new ByteLevelTokenizer(),
    texts,
    outDir,
    trainer: 'simple',
    maxSteps: 1,
    callbacks: [{ onEpochEnd: (e) => void epochs.push(e), onBatchEnd: () => void batches++ }],
    progress: false,
  });
  expect(trainer).toBeInstanceOf(SimpleTrainer);
  expect(trainer).not.toBeInstanceOf(AdvancedTrainer);
  expect(epochs).toEqual([1]);
  // One epoch is every training batch once, whatever maxSteps says (that is the advanced trainer's).
  expect(batches).toBe(trainer.data.batchesPerEpoch('train'));
  expect(batches).toBeGreaterThan(1);
  expect(trainer.state.status).toBe('completed');
  expect(Number.isFinite(final?.loss)).toBe(true);
  expect(fs.existsSync(path.join(outDir, 'checkpoint_epoch_1', 'model.safetensors'))).toBe(true);
  expect(fs.existsSync(path.join(outDir, 'model.safetensors'))).toBe(true);
  // The token file holds exactly the texts, joined by EOS: its byte count is theirs.
  const meta = JSON.parse(fs.readFileSync(path.join(outDir, 'data', 'train.bin.json'), 'utf8'));
  expect(meta.numDocuments).toBe(texts.length);
  expect(meta.numBytes).toBe(texts.reduce((n, t) => n + Buffer.byteLength(t), 0));
});

test('a registered trainer is chosen by name and gets the run options', async () => {
  const seen: Array<Record<string, unknown>> = [];
  class CountingTrainer extends SimpleTrainer {
    constructor(...args: ConstructorParameters<typeof SimpleTrainer>) {
      super(...args);
      seen.push(args[3] as unknown as Record<string, unknown>);
    }
    override async train(): Promise<TrainerState> {
      this.state.status = 'completed';
      return this.state;
    }
  }
  registerTrainer('counting', CountingTrainer);
  try {
    expect(listTrainers()).toContain('counting');
    const { trainer } = await trainLanguageModel({
      config: tiny(),
      tokenizer: new ByteLevelTokenizer(),
      texts,
      outDir: path.join(dir, 'counting'),
      trainer: 'counting',
      maxSteps: 3,
      progress: false,
    });
    expect(trainer).toBeInstanceOf(CountingTrainer);
    expect(seen[0]).toMatchObject({ maxSteps: 3, numEpochs: 1, outputDir: path.join(dir, 'counting') });
  } finally {
    trainerRegistry.unregister('counting');
  }
  await expect(
    trainLanguageModel({
      config: tiny(),
      tokenizer: new ByteLevelTokenizer(),
      texts,
      inputs: ['x.txt'],
      outDir: path.join(dir, 'both'),
      maxSteps: 1,
    }),
  ).rejects.toThrow('either inputs (files) or texts, not both or neither');
});
