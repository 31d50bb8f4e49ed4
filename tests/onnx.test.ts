/**
 * @jest-environment ./tests/onnx-environment.js
 *
 * ONNX export and the onnxruntime path against the TensorFlow.js model on the same weights: logits
 * (max abs difference ≤ 1e-4, uncached and through the past key/values), greedy and seeded generation,
 * evaluation losses and cue corpora; and the errors for files that are not cleangpt exports.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import onnxProto from 'onnx-proto';
import { GPTConfig, type GPTConfigFields } from '../config.js';
import { extractCues } from '../inference/cues.js';
import { initBackend } from '../model/backend.js';
import { exportOnnx, ONNX_OPSET } from '../model/onnx-export.js';
import { decodeOnnx } from '../model/onnx-graph.js';
import { chooseRuntime, OnnxLanguageModel } from '../model/onnx-runtime.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { readCueCorpus } from '../tokenizers/bytespan/cue-corpus.js';
import { evaluateOnFiles } from '../trainers/text-eval.js';

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: null });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-onnx-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A small model with every weight perturbed, so that no zero-initialised part hides a wrong graph. */
function model(fields: Partial<GPTConfigFields>): TransformerModel {
  const config = GPTConfig.create({
    vocabSize: 40,
    blockSize: 12,
    nLayer: 2,
    nHead: 2,
    nEmbd: 16,
    ...fields,
  });
  const m = getModel(config.model.modelType, config, { seed: 5 });
  let s = 11;
  for (const [, v] of m.namedParameters()) {
    const values = v.dataSync().slice();
    for (let i = 0; i < values.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      values[i]! += (s / 2 ** 32 - 0.5) * 0.4;
    }
    v.assign(tf.tensor(values, v.shape));
  }
  return m.eval();
}

const VARIANTS: Array<[string, Partial<GPTConfigFields>]> = [
  ['Vanilla with biases', { modelType: 'Vanilla', bias: true }],
  ['Vanilla without biases', { modelType: 'Vanilla' }],
  ['SASP per-head', { modelType: 'SASP' }],
  [
    'SASP shared, useV, useProj, gated MLP, biases',
    {
      modelType: 'SASP',
      useV: true,
      useProj: true,
      llamaMlp: true,
      bias: true,
      saspScalars: 'shared',
    },
  ],
];

function ids(batch: number, length: number, vocab: number, seed: number): number[][] {
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length }, (_, t) => (seed + 7 * b + 5 * t * t) % vocab),
  );
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.each(VARIANTS)('%s', (_name, fields) => {
  test('logits match TensorFlow.js, uncached and through past key/values', async () => {
    const m = model(fields);
    const input = ids(3, 12, 40, 1);
    const reference = m.forward({ inputIds: input }).logits.dataSync();
    const plain = await OnnxLanguageModel.fromModel(m, { pastKeyValues: false, threads: 1 });
    expect(maxDiff((await plain.run(input.flat(), 3)).values, reference)).toBeLessThanOrEqual(1e-4);
    // Prefill 5 tokens, then one at a time: every step's logits equal the full pass's row.
    const cached = await OnnxLanguageModel.fromModel(m, { threads: 1 });
    let past = null;
    for (const [from, to] of [
      [0, 5],
      [5, 6],
      [6, 12],
    ] as const) {
      const out = await cached.run(
        input.flatMap((r) => r.slice(from, to)),
        3,
        past,
      );
      past = out.present;
      const expected = input.flatMap((_, b) =>
        Array.from(reference.slice((b * 12 + from) * 40, (b * 12 + to) * 40)),
      );
      expect(maxDiff(out.values, expected)).toBeLessThanOrEqual(1e-4);
    }
    m.dispose();
  });

  test('greedy and seeded generation give the TensorFlow.js tokens, through a sliding window', async () => {
    const m = model(fields);
    const session = await OnnxLanguageModel.fromModel(m, { threads: 1 });
    const prompts = ids(2, 4, 40, 3);
    // 4 + 14 tokens exceed blockSize 12, so the window slides and the cache is rebuilt.
    for (const options of [
      { maxNewTokens: 14, temperature: 0 },
      { maxNewTokens: 10, temperature: 1.5, topK: 20, seed: 9 },
    ]) {
      const expected = m.generate(prompts, options);
      expect(await session.generate(prompts, options)).toEqual(expected);
    }
    m.dispose();
  });

  test('prompts of different lengths: left-padded batches give the TensorFlow.js tokens', async () => {
    const m = model(fields);
    const session = await OnnxLanguageModel.fromModel(m, { threads: 1 });
    // Lengths 2, 7, 1 and 4 in one batch; 7 + 9 tokens exceed blockSize 12, so the padded window slides.
    const prompts = [ids(1, 2, 40, 3)[0]!, ids(1, 7, 40, 4)[0]!, [17], ids(1, 4, 40, 6)[0]!];
    for (const options of [
      { maxNewTokens: 9, temperature: 0 },
      { maxNewTokens: 6, temperature: 1.2, topK: 12, seed: [3, 1, 4, 1] },
    ]) {
      const expected = m.generate(prompts, options);
      expect(await session.generate(prompts, options)).toEqual(expected);
      // And each row is what it would be alone (its own seed), on either runtime.
      for (let b = 0; b < prompts.length; b++) {
        const alone = { ...options, seed: options.seed === undefined ? undefined : [options.seed[b]!] };
        expect(await session.generate([prompts[b]!], alone)).toEqual([expected[b]]);
      }
    }
    m.dispose();
  });
});

test('the exported graph has opset 17, dynamic batch and sequence axes and cleangpt metadata', () => {
  const m = model({ modelType: 'SASP' });
  const proto = decodeOnnx(exportOnnx(m));
  expect(proto.opsetImport.map((o) => Number(o.version))).toEqual([ONNX_OPSET]);
  const dims = (v: onnxProto.onnx.IValueInfoProto) =>
    v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
  expect(proto.graph!.input!.map((v) => [v.name, dims(v)])).toEqual([
    ['input_ids', ['batch', 'sequence']],
    ['attention_mask', ['batch', 'total_sequence']],
    ['past_key.0', ['batch', 2, 'past_sequence', 8]],
    ['past_value.0', ['batch', 2, 'past_sequence', 8]],
    ['past_key.1', ['batch', 2, 'past_sequence', 8]],
    ['past_value.1', ['batch', 2, 'past_sequence', 8]],
  ]);
  expect(dims(proto.graph!.output![0]!)).toEqual(['batch', 'sequence', 40]);
  expect(proto.graph!.output!.map((v) => v.name)).toEqual([
    'logits',
    'present_key.0',
    'present_value.0',
    'present_key.1',
    'present_value.1',
  ]);
  const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
  expect(JSON.parse(meta['cleangpt.config']!)).toEqual(m.config.toJSON());
  m.dispose();
});

test('evaluation losses on onnxruntime equal the TensorFlow.js ones', async () => {
  const text = 'the cat sat on the mat and the dog sat on the log. '.repeat(6);
  const tokenizer = new ByteLevelTokenizer();
  const m = model({ modelType: 'SASP', vocabSize: tokenizer.vocabSize });
  const file = path.join(tmp, 'eval.txt');
  fs.writeFileSync(file, text);
  const expected = await evaluateOnFiles(m, tokenizer, [file], { batchSize: 4 });
  const session = await OnnxLanguageModel.fromModel(m, { output: 'log_probs', pastKeyValues: false });
  const got = await evaluateOnFiles(session, tokenizer, [file], { batchSize: 4 });
  expect(got.tokens).toBe(expected.tokens);
  expect(got.tokens).toBeGreaterThan(0);
  expect(Math.abs(got.loss - expected.loss)).toBeLessThanOrEqual(1e-5);
  expect(Math.abs(got.bitsPerByte! - expected.bitsPerByte!)).toBeLessThanOrEqual(1e-5);
  m.dispose();
});

test('cue extraction on onnxruntime writes the TensorFlow.js cues', async () => {
  const tokenizer = new ByteLevelTokenizer();
  const m = model({ modelType: 'Vanilla', vocabSize: tokenizer.vocabSize, blockSize: 16 });
  const input = path.join(tmp, 'cues.txt');
  fs.writeFileSync(input, 'Über alles, naïve café!\nsecond line of text that runs past one window.\n');
  const options = { stride: 4, batchSize: 3, documentSeparator: '\n', progress: false };
  await extractCues(m, tokenizer, [input], path.join(tmp, 'tfjs'), options);
  const session = await OnnxLanguageModel.fromModel(m, { output: 'log_probs', pastKeyValues: false });
  await extractCues(session, tokenizer, [input], path.join(tmp, 'onnx'), options);
  const a = readCueCorpus(path.join(tmp, 'tfjs'));
  const b = readCueCorpus(path.join(tmp, 'onnx'));
  expect(b.meta).toEqual(a.meta);
  expect(b.bytes).toEqual(a.bytes);
  for (const [name, values] of a.cues) expect(maxDiff(b.cues.get(name)!, values)).toBeLessThanOrEqual(1e-4);
  m.dispose();
});

describe('bad input', () => {
  test('an ONNX file that is not a cleangpt export is refused with what to do', async () => {
    const file = path.join(tmp, 'other.onnx');
    const { onnx } = onnxProto;
    const other = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {},
    });
    fs.writeFileSync(file, onnx.ModelProto.encode(other).finish());
    await expect(OnnxLanguageModel.fromFile(file)).rejects.toThrow(
      /not a cleangpt ONNX export.*cleangpt export onnx/,
    );
  });

  test('an export of another opset is refused', async () => {
    const m = model({ modelType: 'Vanilla' });
    const proto = decodeOnnx(exportOnnx(m));
    proto.opsetImport[0]!.version = 13;
    const file = path.join(tmp, 'old.onnx');
    fs.writeFileSync(file, onnxProto.onnx.ModelProto.encode(proto).finish());
    await expect(OnnxLanguageModel.fromFile(file)).rejects.toThrow(/opset 13.*reads opset 17/);
    m.dispose();
  });

  test('a file that is not ONNX at all, and an unknown runtime name', async () => {
    const file = path.join(tmp, 'text.onnx');
    fs.writeFileSync(file, 'hello, not protobuf');
    await expect(OnnxLanguageModel.fromFile(file)).rejects.toThrow(/text\.onnx: not an ONNX model/);
    await expect(chooseRuntime('torch')).rejects.toThrow(
      /unknown runtime "torch"; expected auto, onnx, tfjs/,
    );
  });

  test('a saved export opens and runs like the in-memory one', async () => {
    const m = model({ modelType: 'SASP' });
    const file = path.join(tmp, 'sasp.onnx');
    fs.writeFileSync(file, exportOnnx(m, { pastKeyValues: false }));
    const session = await OnnxLanguageModel.fromFile(file, { threads: 1 });
    expect(session.config.toJSON()).toEqual(m.config.toJSON());
    const input = ids(1, 6, 40, 2);
    const reference = m.forward({ inputIds: input }).logits.dataSync();
    expect(maxDiff((await session.run(input.flat(), 1)).values, reference)).toBeLessThanOrEqual(1e-4);
    m.dispose();
  });
});
