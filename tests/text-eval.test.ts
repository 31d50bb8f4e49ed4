/**
 * Evaluation on exactly the given text (issue 13): every token predicted once, no repeated blocks, no
 * dropped partial batch; `tokens` is the file's token count and bits per byte divides by its bytes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { GPTConfig } from '../config.js';
import { getModel } from '../model/registry.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { evaluateOnFiles, evaluationWindows } from '../trainers/text-eval.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-text-eval-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const tokenizer = new ByteLevelTokenizer();
const T = 8;
const model = getModel(
  'Vanilla',
  GPTConfig.create({
    modelType: 'Vanilla',
    vocabSize: tokenizer.vocabSize,
    blockSize: T,
    nLayer: 1,
    nHead: 2,
    nEmbd: 8,
  }),
  { seed: 3 },
).eval();
const kjv = fs.readFileSync(path.join(import.meta.dirname, '..', 'data', 'kjv.txt'), 'utf8');
const fileOf = (name: string, text: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

/** Mean −log p of `ids` with EOS in front, scored in one forward pass (the text fits one window). */
function oneWindowLoss(ids: number[]): number {
  const inputs = [tokenizer.eosTokenId!, ...ids.slice(0, -1)];
  return tf.tidy(() => model.forward({ inputIds: [inputs], targets: [ids] }).loss!.dataSync()[0]!);
}

test('windows cover every target once, within blockSize, with at least blockSize − stride of context', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 16 }), fc.nat(), (last, t, s) => {
      const stride = (s % t) + 1;
      const windows = evaluationWindows(last, t, stride);
      let covered = 0;
      for (const w of windows) {
        expect(w.from).toBe(covered); // scored targets are (from, end]: adjacent, disjoint
        expect(w.end).toBeGreaterThan(w.from);
        expect(w.end - w.start).toBeLessThanOrEqual(t);
        expect(w.start).toBeGreaterThanOrEqual(0);
        if (w.from > 0) expect(w.from - w.start).toBeGreaterThanOrEqual(Math.min(t - stride, w.from));
        covered = w.end;
      }
      expect(covered).toBe(last);
    }),
    { numRuns: 60 },
  );
});

test('a 17-byte file scores 17 tokens; a text within one window scores exactly its own tokens', async () => {
  const result = await evaluateOnFiles(model, tokenizer, [fileOf('short.txt', 'In the beginning.')]);
  expect(result.tokens).toBe(17); // not 128: no block repeated to fill a batch
  expect(result.bitsPerByte).toBeCloseTo(result.loss / Math.LN2, 6); // one byte per token
  const fits = await evaluateOnFiles(model, tokenizer, [fileOf('fits.txt', 'In the')]);
  expect(fits.tokens).toBe(6);
  expect(fits.loss).toBeCloseTo(oneWindowLoss(tokenizer.encode('In the')), 5);
});

test('a file of 10 blocks scores 10 · blockSize tokens; the partial last batch counts; batch size changes nothing', async () => {
  const file = fileOf('ten.txt', kjv.slice(0, 10 * T));
  const runs = await Promise.all(
    [1, 3, 8].map((batchSize) => evaluateOnFiles(model, tokenizer, [file], { batchSize })),
  );
  for (const r of runs) {
    expect(r.tokens).toBe(10 * T);
    expect(r.loss).toBeCloseTo(runs[0]!.loss, 5);
  }
});

test('every stride scores the same tokens; a prefix by maxBatches divides by its own bytes', async () => {
  const file = fileOf('stride.txt', kjv.slice(0, 100));
  for (const stride of [1, 3, T]) {
    const r = await evaluateOnFiles(model, tokenizer, [file], { stride });
    expect(r.tokens).toBe(100);
  }
  const prefix = await evaluateOnFiles(model, tokenizer, [file], { batchSize: 2, maxBatches: 1 });
  expect(prefix.tokens).toBe(2 * T);
  expect(prefix.bitsPerByte).toBeCloseTo(prefix.loss / Math.LN2, 6);
  await expect(evaluateOnFiles(model, tokenizer, [file], { stride: T + 1 })).rejects.toThrow(
    /stride must be an integer in \[1, blockSize = 8\], got 9/,
  );
});

test('documentSeparator scores a file of lines as documents joined by EOS, as training reads it', async () => {
  const lines = kjv.split('\n').slice(0, 3);
  const file = fileOf('lines.txt', lines.join('\n'));
  const asDocuments = await evaluateOnFiles(model, tokenizer, [file], { documentSeparator: '\n' });
  const asFiles = await evaluateOnFiles(
    model,
    tokenizer,
    lines.map((line, i) => fileOf(`line-${i}.txt`, line)),
  );
  expect(asDocuments).toEqual(asFiles);
  // Bits per byte divides by the documents' bytes (the two EOS are scored but are not text); without a
  // separator the newlines are text, scored and counted.
  const bytes = Buffer.byteLength(lines.join(''));
  const bits = (r: { loss: number; tokens: number }): number => (r.loss * r.tokens) / Math.LN2;
  expect(asDocuments.bitsPerByte).toBeCloseTo(bits(asDocuments) / bytes, 6);
  const asText = await evaluateOnFiles(model, tokenizer, [file]);
  expect(asText.tokens).toBe(asDocuments.tokens);
  expect(asText.bitsPerByte).toBeCloseTo(bits(asText) / (bytes + 2), 6);
});
