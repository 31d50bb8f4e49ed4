import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { initBackend } from '../model/backend.js';
import { crossEntropy } from '../model/ops.js';
import { SeededRandom } from '../model/random.js';
import { getModel } from '../model/registry.js';
import { readSafetensors } from '../model/safetensors.js';
import type { TransformerModel } from '../model/transformer.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { decomposeVocabulary } from '../transfer/decompose.js';
import { columnStats } from '../transfer/heuristics.js';
import { Hypernetwork, singlePieces } from '../transfer/hypernet.js';
import { loadHypernet } from '../transfer/hypernet-io.js';
import { trainHypernet } from '../transfer/hypernet-train.js';
import { TokenizerSampler } from '../transfer/sampler.js';
import { modelFingerprint, sourceMatrix, transferModel } from '../transfer/transfer.js';

const root = path.resolve(import.meta.dirname, '..');
const text = fs.readFileSync(path.join(root, 'data/kjv.txt'), 'utf8').slice(0, 40_000);
let bpe: BPETokenizer;
let model: TransformerModel;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hypernet-'));

beforeAll(async () => {
  await initBackend({ log: null });
  const { vocab, merges } = await trainBPE({ input: text, vocabSize: 300, specialTokens: ['<|endoftext|>'] });
  bpe = new BPETokenizer({ vocab, merges, specialTokens: ['<|endoftext|>'] });
  const config = GPTConfig.create({
    modelType: 'Vanilla',
    vocabSize: bpe.vocabSize,
    paddingIdx: bpe.padTokenId,
    blockSize: 32,
    nEmbd: 16,
    nLayer: 1,
    nHead: 2,
    dropout: 0,
  });
  model = getModel('Vanilla', config, { seed: 2 }).eval();
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const hnConfig = () => ({
  nEmbd: 16,
  sourceVocabSize: bpe.vocabSize,
  maxPieces: 6,
  layers: 2,
  heads: 2,
  seed: 4,
});

test('the fitted output scaler gives the source matrix column statistics', () => {
  const hn = new Hypernetwork(hnConfig(), sourceMatrix(model), modelFingerprint(model));
  hn.fitOutputScaler();
  const all = Int32Array.from({ length: bpe.vocabSize }, (_, i) => i);
  const { ids, lengths } = singlePieces(all, hn.config);
  const rows = hn.forward(ids, lengths);
  const p = columnStats({ data: rows.dataSync() as Float32Array, rows: all.length, cols: 16 });
  const e = columnStats(sourceMatrix(model));
  for (let c = 0; c < 16; c++) {
    expect(Math.abs(p.mean[c]! - e.mean[c]!)).toBeLessThan(1e-4);
    expect(Math.abs(p.std[c]! / e.std[c]! - 1)).toBeLessThan(1e-3);
  }
  hn.dispose();
});

test('the LM gradient reaches a hypernetwork weight (finite difference through the frozen LM)', () => {
  const hn = new Hypernetwork(hnConfig(), sourceMatrix(model), modelFingerprint(model));
  const sampler = new TokenizerSampler({ sourceVocabSize: bpe.vocabSize, specialTokens: ['<|endoftext|>'] });
  sampler.push([text.slice(0, 5000)]);
  const target = sampler.sample(new SeededRandom(1));
  const d = decomposeVocabulary(bpe, target, 6);
  const ids = [target.encode(text.slice(100, 400)).slice(0, 17)];
  const inputs = [ids[0]!.slice(0, 16)];
  const targets = Int32Array.from(ids[0]!.slice(1));
  const loss = () =>
    crossEntropy(
      tf.reshape(model.forward({ inputIds: inputs, embeddings: hn.forward(d.ids, d.lengths) }).logits, [
        16,
        target.vocabSize,
      ]) as tf.Tensor2D,
      targets,
    );
  const [name, weight] = hn.trainable().find(([n]) => n === 'layer0.ff2.w')!;
  const { grads } = tf.variableGrads(loss, [weight]);
  const analytic = grads[weight.name]!.dataSync();
  const original = weight.dataSync().slice();
  const eps = 1e-2;
  for (const index of [0, 7, 100]) {
    const at = (delta: number) => {
      const v = original.slice();
      v[index]! += delta;
      weight.assign(tf.tensor(v, weight.shape));
      return tf.tidy(() => loss().dataSync()[0]!);
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    weight.assign(tf.tensor(original, weight.shape));
    expect(Math.abs(analytic[index]!)).toBeGreaterThan(1e-6);
    expect(Math.abs(analytic[index]! - numeric)).toBeLessThan(2e-3 + 0.05 * Math.abs(numeric));
  }
  expect(name).toBe('layer0.ff2.w');
  hn.dispose();
});

describe('training', () => {
  const base = () => ({
    model,
    tokenizer: bpe,
    text,
    steps: 8,
    identitySteps: 4,
    batchSize: 2,
    blockSize: 16,
    maxPieces: 6,
    layers: 1,
    learningRate: 3e-3,
    seed: 9,
  });

  test('warm-up reproduces the source rows, training runs, resume is exact', async () => {
    const full = await trainHypernet({ ...base(), outDir: path.join(tmp, 'full') });
    const identity = full.history.filter((h) => h.stage === 'identity').map((h) => h.loss);
    expect(identity[identity.length - 1]!).toBeLessThan(identity[0]!);
    const lm = full.history.filter((h) => h.stage === 'lm');
    expect(lm).toHaveLength(4);
    for (const h of lm) expect(Number.isFinite(h.lmLoss!) && h.vocabSize! >= 150).toBe(true);
    // Interrupted after step 5, then resumed: the same weights as the uninterrupted run.
    const stop = new AbortController();
    await trainHypernet({
      ...base(),
      outDir: path.join(tmp, 'split'),
      signal: stop.signal,
      onStep: (r) => r.step === 5 && stop.abort(),
    });
    expect(fs.existsSync(path.join(tmp, 'split', 'hypernet'))).toBe(false);
    await trainHypernet({ ...base(), outDir: path.join(tmp, 'split'), resume: true });
    const a = readSafetensors(path.join(tmp, 'full', 'hypernet', 'hypernet.safetensors')).tensors;
    const b = readSafetensors(path.join(tmp, 'split', 'hypernet', 'hypernet.safetensors')).tensors;
    for (const [name, t] of a)
      expect([name, Array.from(b.get(name)!.data)]).toEqual([name, Array.from(t.data)]);
    full.hypernet.dispose();
  }, 60_000);

  test('a longer warm-up reproduces source embeddings within tolerance', async () => {
    const { hypernet } = await trainHypernet({
      ...base(),
      outDir: path.join(tmp, 'warm'),
      steps: 150,
      identitySteps: 150,
      learningRate: 1e-2,
    });
    const all = Int32Array.from({ length: bpe.vocabSize }, (_, i) => i);
    const { ids, lengths } = singlePieces(all, hypernet.config);
    const rows = hypernet.forward(ids, lengths).dataSync();
    const src = sourceMatrix(model).data;
    let err = 0;
    let norm = 0;
    for (let i = 0; i < src.length; i++) {
      err += (rows[i]! - src[i]!) ** 2;
      norm += src[i]! ** 2;
    }
    // Relative squared error ‖HN(V_A) − E‖² / ‖E‖² (a fresh network is ≈ 2).
    expect(err / norm).toBeLessThan(0.25);
    hypernet.dispose();
  }, 120_000);

  test('transfer with a trained hypernetwork; wrong, missing and corrupt hypernetworks are errors', async () => {
    const dir = path.join(tmp, 'full', 'hypernet');
    const { hypernet } = loadHypernet(dir, model);
    const sampler = new TokenizerSampler({
      sourceVocabSize: bpe.vocabSize,
      specialTokens: ['<|endoftext|>'],
    });
    sampler.push([text]);
    const target = sampler.sample(new SeededRandom(3));
    const { model: moved, report } = transferModel(model, bpe, target, {
      method: 'hypernet',
      predictor: hypernet,
      maxPieces: 6,
    });
    expect(report.copiedRows).toBe(1);
    const eos = target.eosTokenId!;
    const rows = moved.getInputEmbeddings().dataSync();
    const src = sourceMatrix(model).data;
    expect(Array.from(rows.subarray(eos * 16, eos * 16 + 16))).toEqual(
      Array.from(src.subarray(bpe.eosTokenId! * 16, bpe.eosTokenId! * 16 + 16)),
    );
    const other = getModel('Vanilla', model.config.clone(), { seed: 77 });
    expect(() => loadHypernet(dir, other)).toThrow(/trained for source model .* not for this model/);
    expect(() => transferModel(other, bpe, target, { method: 'hypernet', predictor: hypernet })).toThrow(
      /the hypernetwork was trained for source model/,
    );
    expect(() => loadHypernet(path.join(tmp, 'nowhere'), model)).toThrow(
      /nowhere: no hypernetwork directory/,
    );
    const broken = path.join(tmp, 'broken');
    fs.cpSync(dir, broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'hypernet.json'), '{"format": ');
    expect(() => loadHypernet(broken, model)).toThrow(/broken\/hypernet.json/);
    fs.writeFileSync(path.join(broken, 'hypernet.json'), fs.readFileSync(path.join(dir, 'hypernet.json')));
    fs.writeFileSync(path.join(broken, 'hypernet.safetensors'), 'garbage');
    expect(() => loadHypernet(broken, model)).toThrow(/broken\/hypernet.safetensors/);
    for (const m of [moved, other]) m.dispose();
    hypernet.dispose();
  });
});

test('the sampler is deterministic and every vocabulary has all bytes and the specials', () => {
  const make = () => {
    const s = new TokenizerSampler({ sourceVocabSize: 400, specialTokens: ['<|endoftext|>'] });
    s.push([text.slice(0, 8000)]);
    return s;
  };
  const a = make().sample(new SeededRandom(5));
  const b = make().sample(new SeededRandom(5));
  expect([...a.getVocab()]).toEqual([...b.getVocab()]);
  expect(a.vocabSize).toBeGreaterThanOrEqual(200);
  expect(a.vocabSize).toBeLessThanOrEqual(800);
  expect(a.eosTokenId).toBe(a.vocabSize - 1);
  // σ = 0 gives the top substrings by score.
  const s = new TokenizerSampler({ sourceVocabSize: 400, specialTokens: ['<|endoftext|>'], sigma: 0 });
  s.push([text.slice(0, 8000)]);
  const top = s.sample(new SeededRandom(1));
  expect(top.tokenToId('Ġthe')).toBeDefined();
  expect(top.scores[256]).toBeGreaterThanOrEqual(top.scores[257]!);
});
