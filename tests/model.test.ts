import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, GPTConfig, type GPTConfigFields } from '../config.js';
import { initBackend } from '../model/backend.js';
import { exportHuggingFace, loadModel, saveModel } from '../model/io.js';
import { getModel, listModels, registerModel, unregisterModel } from '../model/registry.js';
import { readSafetensors } from '../model/safetensors.js';
import type { TransformerModel } from '../model/transformer.js';
import { VanillaTransformerModel } from '../model/vanilla.js';

beforeAll(async () => {
  await initBackend({ log: null });
});

const tiny = (values: Partial<GPTConfigFields> = {}) =>
  GPTConfig.create({ vocabSize: 16, blockSize: 8, nEmbd: 16, nLayer: 2, nHead: 2, dropout: 0, ...values });

const VARIANTS: Array<[string, Partial<GPTConfigFields>]> = [
  ['Vanilla', { modelType: 'Vanilla' }],
  ['Vanilla+bias', { modelType: 'Vanilla', bias: true }],
  ['SASP', { modelType: 'SASP' }],
  [
    'SASP useV+useProj+llamaMlp, shared scalars',
    { modelType: 'SASP', useV: true, useProj: true, llamaMlp: true, saspScalars: 'shared' },
  ],
];

function build(values: Partial<GPTConfigFields>, seed = 1): TransformerModel {
  const config = tiny(values);
  return getModel(config.model.modelType, config, { seed });
}

function logitsOf(model: TransformerModel, ids: number[][]): Float32Array {
  return tf.tidy(() => model.forward({ inputIds: ids }).logits.dataSync() as Float32Array);
}

// Random but non-zero K so that attention is not uniform (the zero-KV init makes A = C at step 0).
function perturb(model: TransformerModel, seed: number): void {
  let s = seed;
  for (const [, v] of model.namedParameters()) {
    if (v.rank !== 2) continue;
    const values = v.dataSync().slice();
    for (let i = 0; i < values.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      values[i]! += (s / 2 ** 32 - 0.5) * 0.2;
    }
    v.assign(tf.tensor(values, v.shape));
  }
}

test('registry lists the built-in models', () => {
  expect(listModels()).toEqual(expect.arrayContaining(['Vanilla', 'SASP']));
  expect(() => getModel('Nope', tiny())).toThrow(/unknown model "Nope"/);
});

describe.each(VARIANTS)('%s', (_name, values) => {
  test('logits shape, causality and loss', () => {
    const model = build(values);
    perturb(model, 3);
    const ids = [
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
    ];
    const { logits, loss } = model.forward({
      inputIds: ids,
      targets: [
        [2, 3, 4, 5, 6, -100],
        [5, 4, 3, 2, 1, -100],
      ],
    });
    expect(logits.shape).toEqual([2, 6, 16]);
    expect(Number.isFinite(loss!.dataSync()[0])).toBe(true);
    const changed = [
      [1, 2, 3, 9, 9, 9],
      [6, 5, 4, 3, 2, 1],
    ];
    const a = logitsOf(model, ids);
    const b = logitsOf(model, changed);
    // Positions 0..2 of row 0 and every position of row 1 are unaffected; position 3 of row 0 changes.
    for (let i = 0; i < 3 * 16; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    for (let i = 6 * 16; i < 12 * 16; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    let diff = 0;
    for (let i = 3 * 16; i < 4 * 16; i++) diff += Math.abs(a[i]! - b[i]!);
    expect(diff).toBeGreaterThan(1e-4);
    model.dispose();
  });

  test('overfits one batch (loss < 0.1)', () => {
    const model = build(values);
    const inputIds = [
      [1, 5, 2, 7, 3, 9, 4, 11],
      [8, 6, 4, 2, 0, 15, 13, 12],
    ];
    const targets = inputIds.map((row, b) => [...row.slice(1), b === 0 ? 6 : 14]);
    const optimizer = tf.train.adam(0.02);
    let loss = Number.POSITIVE_INFINITY;
    for (let step = 0; step < 150 && loss >= 0.05; step++) {
      const value = optimizer.minimize(
        () => model.forward({ inputIds, targets }).loss!,
        true,
        model.trainableVariables(),
      );
      loss = value!.dataSync()[0]!;
      value!.dispose();
    }
    expect(loss).toBeLessThan(0.1);
    optimizer.dispose();
    model.dispose();
  });

  test('save → load gives identical logits', () => {
    const model = build(values, 5);
    perturb(model, 9);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-model-'));
    saveModel(model, dir);
    const loaded = loadModel(dir);
    const ids = [[3, 1, 4, 1, 5]];
    expect(Array.from(logitsOf(loaded, ids))).toEqual(Array.from(logitsOf(model, ids)));
    model.dispose();
    loaded.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  test('KV-cache generation equals uncached generation (greedy), also after the window slides', () => {
    const model = build(values, 2);
    perturb(model, 4);
    const prompt = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const options = { maxNewTokens: 10, temperature: 0 };
    const cached = model.generate(prompt, options, true);
    expect(cached[0]!.length).toBe(13);
    expect(cached).toEqual(model.generate(prompt, options, false));
    model.dispose();
  });
});

test('seeded sampling is deterministic and restores the train/eval mode', () => {
  const model = build({ modelType: 'Vanilla' });
  perturb(model, 1);
  const options = { maxNewTokens: 12, temperature: 1.5, topK: 8, topP: 0.95, seed: 42 };
  model.train();
  const first = model.generate([0, 1], options);
  expect(model.training).toBe(true);
  model.eval();
  expect(model.generate([0, 1], options)).toEqual(first);
  expect(model.training).toBe(false);
  const other = model.generate([0, 1], { ...options, seed: 43 });
  expect(other).not.toEqual(first);
  model.dispose();
});

test('generation stops at eosTokenId', () => {
  const model = build({ modelType: 'Vanilla' });
  perturb(model, 1);
  const greedy = model.generate([0, 1], { maxNewTokens: 6, temperature: 0 })[0]!;
  const eos = greedy[3]!;
  const stopped = model.generate([0, 1], { maxNewTokens: 6, temperature: 0, eosTokenId: eos })[0]!;
  expect(stopped).toEqual(greedy.slice(0, greedy.indexOf(eos, 2) + 1));
  model.dispose();
});

test('D1: trained on a repeated sequence, the model predicts the NEXT token', () => {
  const model = build({ modelType: 'SASP' });
  const cycle = [3, 7, 1, 12, 5];
  const seq = Array.from({ length: 9 }, (_, i) => cycle[i % 5]!);
  const inputIds = [seq.slice(0, 8)];
  const targets = [seq.slice(1, 9)];
  const optimizer = tf.train.adam(0.02);
  for (let step = 0; step < 80; step++) {
    optimizer.minimize(() => model.forward({ inputIds, targets }).loss!, false, model.trainableVariables());
  }
  const next = model.generate([cycle.slice(0, 3)], { maxNewTokens: 4, temperature: 0 })[0]!;
  expect(next.slice(3)).toEqual([12, 5, 3, 7]);
  optimizer.dispose();
  model.dispose();
});

test('SASP zero-KV init makes S = I at step 0 (with useV the attention branch outputs zero)', () => {
  const model = build({ modelType: 'SASP', useV: true });
  const w = model.param('transformer.h.0.attn.c_attn.weight');
  const values = w.dataSync();
  for (let r = 0; r < 16; r++) for (let c = 16; c < 48; c++) expect(values[r * 48 + c]).toBe(0);
  expect(model.param('transformer.h.0.attn.alpha').shape).toEqual([2]);
  const reference = build({ modelType: 'SASP', saspInit: 'reference', saspScalars: 'shared' });
  expect(reference.param('transformer.h.0.attn.c_attn.weight').dataSync()[20]).not.toBe(0);
  expect(Array.from(reference.param('transformer.h.0.attn.beta').dataSync())).toEqual([Math.fround(0.1)]);
  expect(() => build({ modelType: 'SASP', saspInit: 'zero' as never })).toThrow(
    /saspInit: saspInit must be one of zero-kv, reference, got zero/,
  );
  model.dispose();
  reference.dispose();
});

test('padding row is zero after init; numParams counts the tied matrix once', () => {
  const model = build({ modelType: 'Vanilla', paddingIdx: 3 });
  const wte = model.param('transformer.wte.weight').dataSync();
  expect(Array.from(wte.slice(3 * 16, 4 * 16)).every((v) => v === 0)).toBe(true);
  // Per layer 12d² without biases + 2 LayerNorm weights; plus wte, ln_f.
  const d = 16;
  const expected = 2 * (12 * d * d + 2 * d) + 16 * d + d;
  expect(model.numParams()).toBe(expected);
  expect(model.numParams({ nonEmbedding: false })).toBe(expected + 8 * d);
  model.dispose();
});

test('bad input: long sequence, vocabulary mismatch, heads, mismatched checkpoint', () => {
  const model = build({ modelType: 'Vanilla' });
  expect(() => model.forward({ inputIds: [[1, 2, 3, 4, 5, 6, 7, 8, 9]] })).toThrow(/exceeds blockSize 8/);
  expect(() => model.forward({ inputIds: [[1, 16]] })).toThrow(/outside the model vocabulary/);
  expect(() => model.forward({ inputIds: [[1, 2]], targets: [[1]] })).toThrow(/targets has shape/);
  expect(() => tiny({ nEmbd: 15 })).toThrow(ConfigError);
  expect(() => getModel('Vanilla', GPTConfig.create({ modelType: 'Vanilla', nEmbd: 16, nHead: 2 }))).toThrow(
    /vocabSize is not set/,
  );
  expect(() => getModel('Vanilla', tiny({ modelType: 'SASP' }))).toThrow(
    /modelType "SASP"; set config.model.modelType/,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-model-'));
  saveModel(build({ modelType: 'Vanilla', bias: true }), dir);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, bias: false, nEmbd: 8 }));
  expect(() => loadModel(dir)).toThrow(
    /shape of transformer\.wte\.weight: file \[16,16\], model \[16,8\][\s\S]*unexpected transformer\.h\.0\.ln_1\.bias/,
  );
  fs.rmSync(dir, { recursive: true });
  model.dispose();
});

test('Hugging Face GPT-2 export: names, Conv1D shapes, config', () => {
  const model = build({ modelType: 'Vanilla' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-hf-'));
  exportHuggingFace(model, dir);
  const { tensors, metadata } = readSafetensors(path.join(dir, 'model.safetensors'));
  expect(metadata.format).toBe('pt');
  const d = 16;
  const expected: Record<string, number[]> = {
    'transformer.wte.weight': [16, d],
    'transformer.wpe.weight': [8, d],
    'transformer.ln_f.weight': [d],
    'transformer.ln_f.bias': [d],
    'lm_head.weight': [16, d],
  };
  for (let i = 0; i < 2; i++) {
    const p = `transformer.h.${i}`;
    Object.assign(expected, {
      [`${p}.ln_1.weight`]: [d],
      [`${p}.ln_1.bias`]: [d],
      [`${p}.ln_2.weight`]: [d],
      [`${p}.ln_2.bias`]: [d],
      [`${p}.attn.c_attn.weight`]: [d, 3 * d],
      [`${p}.attn.c_attn.bias`]: [3 * d],
      [`${p}.attn.c_proj.weight`]: [d, d],
      [`${p}.attn.c_proj.bias`]: [d],
      [`${p}.mlp.c_fc.weight`]: [d, 4 * d],
      [`${p}.mlp.c_fc.bias`]: [4 * d],
      [`${p}.mlp.c_proj.weight`]: [4 * d, d],
      [`${p}.mlp.c_proj.bias`]: [d],
    });
  }
  expect(Object.fromEntries([...tensors].map(([n, t]) => [n, t.shape]))).toEqual(expected);
  expect(tensors.get('transformer.h.0.attn.c_attn.bias')!.data.every((v) => v === 0)).toBe(true);
  const hf = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  expect(hf).toMatchObject({
    model_type: 'gpt2',
    n_embd: 16,
    n_layer: 2,
    n_head: 2,
    n_positions: 8,
    vocab_size: 16,
    activation_function: 'gelu',
  });
  expect(() => exportHuggingFace(build({ modelType: 'SASP' }), dir)).toThrow(/only Vanilla/);
  fs.rmSync(dir, { recursive: true });
  model.dispose();
});

test('a checkpoint written by the previous version (SASP options in extraArgs) loads and gives its logits', () => {
  // tests/fixtures/sasp-checkpoint-v1: saveModel output of cleangpt at commit 7722352 (SASP, useV, shared
  // scalars, reference init, seed 3), with the logits that version computed for [1, 5, 9, 23].
  const fixture = path.join(import.meta.dirname, 'fixtures', 'sasp-checkpoint-v1');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-old-'));
  for (const file of ['config.json', 'model.safetensors'])
    fs.copyFileSync(path.join(fixture, file), path.join(dir, file));
  const model = loadModel(dir);
  expect(model.config.model.sasp).toMatchObject({ useV: true, scalars: 'shared', init: 'reference' });
  const expected = JSON.parse(fs.readFileSync(path.join(fixture, 'logits.json'), 'utf8')) as number[];
  const logits = logitsOf(model.eval(), [[1, 5, 9, 23]]);
  expect(logits.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(logits[i]).toBeCloseTo(expected[i]!, 5);
  // Built afresh from the same config and seed, the model initialises exactly as that version did.
  const fresh = getModel('SASP', model.config.clone(), { seed: 3 });
  for (const [name, variable] of fresh.namedParameters())
    expect(Array.from(variable.dataSync())).toEqual(Array.from(model.param(name).dataSync()));
  fresh.dispose();
  model.dispose();
  fs.rmSync(dir, { recursive: true });
});

test('models are built after construction, so a subclass uses ordinary fields in buildBlocks', () => {
  class Wide extends VanillaTransformerModel {
    // A field initialiser: set before build() runs, which a constructor-time build would have missed.
    readonly extraName = 'transformer.extra.weight';
    protected override buildBlocks(): void {
      super.buildBlocks();
      this.addNormal(this.extraName, [2, 2]);
    }
  }
  registerModel('WideTest', Wide);
  try {
    const model = getModel('WideTest', tiny({ modelType: 'WideTest' }));
    expect(model.param('transformer.extra.weight').shape).toEqual([2, 2]);
    expect(() => model.build()).toThrow(/already built/);
    const unbuilt = new Wide(tiny({ modelType: 'WideTest' }));
    expect(() => unbuilt.forward({ inputIds: [[1]] })).toThrow(/not built yet \(call build\(\)/);
    model.dispose();
  } finally {
    unregisterModel('WideTest');
  }
});
