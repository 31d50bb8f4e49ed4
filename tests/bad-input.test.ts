/**
 * The unclear errors of issue 13, each now naming its file or argument: a corrupt Parquet file, a
 * config.json without a vocabulary size, `encode(null)`, an unknown character id, NaN weights and logits,
 * and out-of-range sampling flags on the command line.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GPTConfig } from '../config.js';
import { loadModel, saveModel } from '../model/io.js';
import { getModel } from '../model/registry.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { readDocuments } from '../utils/corpus.js';

const root = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-bad-input-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const tinyModel = () =>
  getModel(
    'Vanilla',
    GPTConfig.create({ modelType: 'Vanilla', vocabSize: 16, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 }),
  );

test('a corrupt Parquet file is an error naming the file', async () => {
  const file = path.join(dir, 'broken.parquet');
  fs.writeFileSync(file, 'not parquet at all');
  const read = async () => {
    for await (const _ of readDocuments([file])) {
      // reading is the test
    }
  };
  await expect(read()).rejects.toThrow(`${file}: not a readable Parquet file`);
});

test('a model config.json of {} is an error naming the file', () => {
  const model = tinyModel();
  const out = path.join(dir, 'model');
  saveModel(model, out);
  fs.writeFileSync(path.join(out, 'config.json'), '{}');
  expect(() => loadModel(out)).toThrow(`${path.join(out, 'config.json')}: no vocabSize`);
});

test('encode(null) is a TypeError saying what encode expects, for every tokenizer', () => {
  const chars = new CharacterTokenizer();
  chars.buildVocabFromTexts(['ab']);
  const bpe = new BPETokenizer({
    vocab: new Map(Array.from({ length: 256 }, (_, b) => [b, Uint8Array.of(b)])),
    merges: [],
  });
  for (const tokenizer of [chars, new ByteLevelTokenizer(), bpe])
    expect(() => tokenizer.encode(null as unknown as string)).toThrow('encode expects a string, got null');
});

test('NaN weights are refused at load naming the tensor; NaN logits stop generation naming the step', () => {
  const model = tinyModel();
  const out = path.join(dir, 'nan-model');
  const weight = model.param('transformer.ln_f.weight');
  weight.assign(tf.fill(weight.shape, Number.NaN));
  saveModel(model, out);
  expect(() => loadModel(out)).toThrow(
    /transformer\.ln_f\.weight holds a non-finite value \(NaN at index 0\)/,
  );
  expect(() => model.generate([[1, 2]], { maxNewTokens: 2, temperature: 0 })).toThrow(
    /the logits of row 0 at generation step 0 are NaN/,
  );
});

test('the CLI refuses out-of-range sampling flags before loading anything', () => {
  const generate = (...flags: string[]) =>
    execFileSync(
      process.execPath,
      [path.join(root, 'dist', 'cli', 'main.js'), 'generate', '--model', dir, '--prompt', 'x', ...flags],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  for (const [flag, value, message] of [
    ['--temperature', 'NaN', /finite number >= 0/],
    ['--temperature', '-1', /finite number >= 0/],
    ['--top-p', '0', /fraction in \(0, 1\]/],
    ['--top-p', '-1', /fraction in \(0, 1\]/],
    ['--top-p', 'NaN', /fraction in \(0, 1\]/],
    ['--min-p', '1', /in \[0, 1\)/],
    ['--top-k', '0', /integer >= 1/],
  ] as const)
    expect(() => generate(flag, value)).toThrow(message);
});
