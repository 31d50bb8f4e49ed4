import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPTConfig } from '../config.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import { AdamW } from '../trainers/adamw.js';
import { AdvancedTrainer } from '../trainers/advanced-trainer.js';
import { bitsPerByte } from '../trainers/base-trainer.js';
import { DirectoryCheckpointStore } from '../trainers/checkpoint.js';
import { readMetrics } from '../trainers/metrics-log.js';
import { TrainingError } from '../trainers/step.js';
import type { ForwardInput, TrainableModel } from '../trainers/types.js';
import { DataLoader } from '../utils/data-loader.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A bigram language model: logits of the next token are one row of a V×V table. */
class Bigram implements TrainableModel {
  readonly config: GPTConfig;
  training = true;
  readonly table: tf.Variable;
  static #count = 0;
  poison = false;

  constructor(vocabSize: number, seed = 0) {
    this.config = GPTConfig.create({ vocabSize, modelType: 'Bigram' });
    this.table = tf.variable(
      tf.randomNormal([vocabSize, vocabSize], 0, 0.02, 'float32', seed),
      true,
      `bigram${Bigram.#count++}`,
    );
  }

  forward({ inputIds, targets }: ForwardInput): { logits: tf.Tensor; loss?: tf.Scalar } {
    const V = this.table.shape[0];
    const [B, T] = inputIds.shape;
    const logits = tf.matMul(tf.oneHot(tf.reshape(inputIds, [-1]), V, 1, 0, 'float32'), this.table);
    if (targets === undefined) return { logits: tf.reshape(logits, [B, T, V]) };
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.reshape(targets, [-1]), V, 1, 0, 'float32')), 1);
    let loss = tf.neg(tf.mean(picked)) as tf.Scalar;
    if (this.poison) loss = tf.div(loss, 0) as tf.Scalar;
    return { logits: tf.reshape(logits, [B, T, V]), loss };
  }

  namedParameters(): Array<[string, tf.Variable]> {
    return [['table', this.table]];
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-trainer-'));
let tokenFile: string;
let vocabSize: number;
let tokenBytes: Uint32Array;

beforeAll(async () => {
  const text = fs
    .readFileSync(path.join(import.meta.dirname, '..', 'data', 'kjv.txt'), 'utf8')
    .slice(0, 20000);
  fs.writeFileSync(path.join(dir, 'corpus.txt'), text);
  const tok = new CharacterTokenizer();
  tok.buildVocabFromTexts([text]);
  vocabSize = tok.vocabSize;
  tokenBytes = Uint32Array.from({ length: vocabSize }, (_, id) =>
    id < 4 ? 0 : Buffer.byteLength(tok.idToToken(id)!),
  );
  tokenFile = path.join(dir, 'corpus.bin');
  await tokenizeToFile(tok, [path.join(dir, 'corpus.txt')], tokenFile);
});

function setup(
  batchSize: number,
  gradAccum: number,
  extra: Partial<ConstructorParameters<typeof AdvancedTrainer>[3]> = {},
) {
  const model = new Bigram(vocabSize, 42);
  const data = new DataLoader(tokenFile, { blockSize: 16, batchSize, seed: 3, valFraction: 0.1 });
  const optimizer = new AdamW(model.namedParameters(), { learningRate: 0.05, weightDecay: 0 });
  const trainer = new AdvancedTrainer(model, data, optimizer, {
    maxSteps: 6,
    learningRate: 0.05,
    schedule: 'cosine',
    warmupSteps: 2,
    gradAccum,
    tokenBytes,
    ...extra,
  });
  return { model, data, optimizer, trainer };
}

describe('AdvancedTrainer', () => {
  test('the loss goes down on real text', async () => {
    const { trainer } = setup(4, 1, { maxSteps: 20, schedule: 'constant' });
    const before = await trainer.evaluate('val');
    await trainer.train();
    const after = await trainer.evaluate('val');
    expect(after.loss).toBeLessThan(before.loss - 0.3);
  });

  test('gradient accumulation over k micro-batches equals one k-times larger batch', async () => {
    const big = setup(8, 1);
    const small = setup(4, 2);
    await big.trainer.train();
    await small.trainer.train();
    const a = big.model.table.dataSync();
    const b = small.model.table.dataSync();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(small.trainer.history.map((h) => h.trainLoss)).toEqual(
      big.trainer.history.map((h) => expect.closeTo(h.trainLoss, 5) as unknown as number),
    );
  });

  test('resume from a checkpoint continues exactly like the uninterrupted run', async () => {
    const straight = setup(4, 1, { evalInterval: 2, metricsFile: path.join(dir, 'straight.jsonl') });
    await straight.trainer.train();

    const outDir = path.join(dir, 'resumed');
    const first = setup(4, 1, {
      maxSteps: 6,
      evalInterval: 2,
      checkpoints: new DirectoryCheckpointStore(outDir),
      metricsFile: path.join(outDir, 'metrics.jsonl'),
    });
    first.trainer.options.onStep = ({ step }) => {
      if (step === 3) first.trainer.requestStop();
    };
    const stopped = await first.trainer.train();
    expect(stopped.status).toBe('stopped');
    expect(stopped.step).toBe(3);

    const second = setup(4, 1, {
      maxSteps: 6,
      evalInterval: 2,
      checkpoints: new DirectoryCheckpointStore(outDir),
      metricsFile: path.join(outDir, 'metrics.jsonl'),
    });
    expect(await second.trainer.resume()).toBe(true);
    await second.trainer.train();
    expect(Array.from(second.model.table.dataSync())).toEqual(Array.from(straight.model.table.dataSync()));
    const strip = (rows: Array<Record<string, unknown>>) => rows.map(({ tokPerSec: _, ...rest }) => rest);
    expect(strip(readMetrics(path.join(outDir, 'metrics.jsonl')))).toEqual(
      strip(readMetrics(path.join(dir, 'straight.jsonl'))),
    );
    expect(fs.readdirSync(path.join(outDir, 'checkpoint')).sort()).toEqual([
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
  });

  test('metrics lines carry step, trainLoss, valLoss, valBpb, lr and tokPerSec', async () => {
    const rows = readMetrics(path.join(dir, 'straight.jsonl'));
    expect(rows).toHaveLength(6);
    expect(Object.keys(rows[1]!).sort()).toEqual([
      'lr',
      'step',
      'tokPerSec',
      'trainLoss',
      'valBpb',
      'valLoss',
    ]);
    expect(rows[0]!.valLoss).toBeNull();
    expect(rows[1]!.valBpb).toEqual(expect.any(Number));
  });

  test('a non-finite loss stops training with a message naming the step', async () => {
    const { trainer, model } = setup(4, 1);
    trainer.options.onStep = ({ step }) => {
      if (step === 2) model.poison = true;
    };
    await expect(trainer.train()).rejects.toThrow(TrainingError);
    expect(trainer.state.status).toBe('failed');
    model.poison = true;
    expect(() => trainer.step(4)).toThrow(/non-finite training loss \(Infinity\) at step 5/);
  });

  test('an exception in a callback stops training with that error (unless asked to swallow)', async () => {
    const boom = {
      onBatchEnd: () => {
        throw new Error('callback exploded');
      },
    };
    await expect(setup(4, 1, { callbacks: [boom] }).trainer.train()).rejects.toThrow('callback exploded');
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => {});
    const state = await setup(4, 1, { callbacks: [boom], swallowCallbackErrors: true }).trainer.train();
    expect(state.status).toBe('completed');
    expect(quiet).toHaveBeenCalled();
    quiet.mockRestore();
  });

  test('evaluation is token-weighted and bits per byte is nats / ln 2 / bytes', async () => {
    const { trainer, data } = setup(4, 1);
    const result = await trainer.evaluate('val');
    let bytes = 0;
    for (const batch of data.epoch('val')) for (const id of batch.targets) bytes += tokenBytes[id]!;
    expect(result.tokens).toBe(data.numValBlocks * 16);
    expect(result.bitsPerByte).toBeCloseTo(bitsPerByte(result.loss, result.tokens, bytes), 10);
    expect(result.perplexity).toBeCloseTo(Math.exp(result.loss), 8);
    expect(bitsPerByte(Math.LN2, 10, 10)).toBeCloseTo(1, 12);
  });
});

describe('SimpleTrainer and the trainer registry', () => {
  test('epochs with 1-based hooks, a JSON Lines log and a checkpoint per epoch', async () => {
    const { getTrainer, listTrainers } = await import('../trainers/registry.js');
    expect(listTrainers()).toEqual(['simple', 'advanced']);
    const model = new Bigram(vocabSize, 1);
    const data = new DataLoader(tokenFile, { blockSize: 16, batchSize: 32, seed: 3, valFraction: 0.9 });
    const optimizer = new AdamW(model.namedParameters(), { learningRate: 0.05 });
    const outputDir = path.join(dir, 'simple');
    const epochs: number[] = [];
    const trainer = getTrainer('simple', model, data, optimizer, {
      numEpochs: 2,
      learningRate: 0.05,
      outputDir,
      callbacks: [{ onEpochEnd: (e: number) => void epochs.push(e) }],
    });
    const state = await trainer.train();
    expect(epochs).toEqual([1, 2]);
    expect(state.status).toBe('completed');
    const lines = readMetrics(path.join(outputDir, 'train_log.json'));
    expect(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch)).toEqual([1, 2]);
    expect(fs.existsSync(path.join(outputDir, 'checkpoint_epoch_2', 'model.safetensors'))).toBe(true);
    expect(() => getTrainer('nope', model, data, optimizer, {})).toThrow(
      /unknown trainer "nope"; registered: simple, advanced/,
    );
  });
});
