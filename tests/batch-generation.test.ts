import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig, type GPTConfigFields } from '../config.js';
import {
  batchGenerate,
  type GenerationOptions,
  runGeneration,
  type TokenEvent,
} from '../inference/generation.js';
import { registerSampling, unregisterSampling } from '../inference/sampling.js';
import { TextDeltaDecoder } from '../inference/text-delta.js';
import { initBackend } from '../model/backend.js';
import { SeededRandom } from '../model/random.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';

beforeAll(async () => {
  await initBackend({ log: null });
});

const VOCAB = 16;
const BLOCK = 8;

function build(values: Partial<GPTConfigFields>, vocabSize = VOCAB): TransformerModel {
  const config = GPTConfig.create({
    vocabSize,
    blockSize: BLOCK,
    nEmbd: 16,
    nLayer: 2,
    nHead: 2,
    dropout: 0,
    ...values,
  });
  const model = getModel(config.model.modelType, config, { seed: 5 });
  // Noise on every matrix so attention is far from uniform (SASP's zero-KV init starts with A = C).
  const rng = new SeededRandom(11);
  for (const [, v] of model.namedParameters()) {
    if (v.rank === 2) v.assign(tf.tidy(() => tf.add(v, tf.tensor(rng.normalArray(v.size, 0.3), v.shape))));
  }
  return model;
}

const VARIANTS: Array<[string, Partial<GPTConfigFields>]> = [
  ['Vanilla', { modelType: 'Vanilla' }],
  ['SASP', { modelType: 'SASP' }],
  [
    'SASP useV+useProj, shared scalars',
    { modelType: 'SASP', useV: true, useProj: true, saspScalars: 'shared' },
  ],
];

// Lengths 1 to 10: the longest exceeds blockSize 8 from the start, the others cross it while generating.
const PROMPTS = [[3], [1, 2, 3], [4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]];

function logitsOf(model: TransformerModel, inputIds: number[][], attentionMask?: number[][]): Float32Array {
  return tf.tidy(() => model.forward({ inputIds, attentionMask }).logits.dataSync() as Float32Array);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe.each(VARIANTS)('%s', (_name, values) => {
  let model: TransformerModel;
  beforeAll(() => {
    model = build(values);
  });
  afterAll(() => model.dispose());

  test('a left-padded forward gives each row its own logits; padding ids have no influence', () => {
    const rows = [
      [1, 2, 3, 4, 5, 6],
      [7, 8],
      [9, 10, 11, 12],
    ];
    const width = 6;
    const padded = (pad: number) => rows.map((r) => [...Array(width - r.length).fill(pad), ...r]);
    const mask = rows.map((r) => [...Array(width - r.length).fill(0), ...Array(r.length).fill(1)]);
    const withPad0 = logitsOf(model, padded(0), mask);
    const withPad13 = logitsOf(model, padded(13), mask);
    const unmasked = logitsOf(model, padded(0));
    let unmaskedDiffers = false;
    rows.forEach((row, b) => {
      const alone = logitsOf(model, [row]);
      const real = (l: Float32Array) =>
        Array.from(l.subarray((b * width + width - row.length) * VOCAB, (b + 1) * width * VOCAB));
      expect(real(withPad13)).toEqual(real(withPad0));
      expect(maxDifference(real(withPad0), alone)).toBeLessThan(1e-4);
      if (maxDifference(real(unmasked), alone) > 1e-3) unmaskedDiffers = true;
    });
    // Without the mask the padded rows see padding and sit at shifted positions.
    expect(unmaskedDiffers).toBe(true);
  });

  test('batched greedy generation equals per-prompt generation, cached or not, across the window slide', () => {
    const options = { maxNewTokens: 9, temperature: 0 };
    const batched = model.generate(PROMPTS, options);
    expect(batched.map((s) => s.length)).toEqual(PROMPTS.map((p) => p.length + 9));
    expect(batched).toEqual(PROMPTS.map((p) => model.generate([p], options)[0]));
    expect(model.generate(PROMPTS, options, false)).toEqual(batched);
    expect(model.generate(PROMPTS, { ...options, padTokenId: 15 })).toEqual(batched);
  });

  test('seeded sampling: each row draws from its own generator', () => {
    const options = { maxNewTokens: 9, temperature: 1.3, topK: 12, topP: 0.97 };
    const seeded = model.generate(PROMPTS, { ...options, seed: 7 });
    expect(seeded).toEqual(PROMPTS.map((p, b) => model.generate([p], { ...options, seed: 7 + b })[0]));
    const sameSeed = model.generate(PROMPTS, { ...options, seed: PROMPTS.map(() => 3) });
    expect(sameSeed).toEqual(PROMPTS.map((p) => model.generate([p], { ...options, seed: 3 })[0]));
    expect(sameSeed).not.toEqual(seeded);
    expect(() => model.generate(PROMPTS, { ...options, seed: [1, 2] })).toThrow(/seed has 2 entries for 4/);
  });

  test('rows stop at EOS independently', () => {
    const greedy = model.generate(PROMPTS, { maxNewTokens: 9, temperature: 0 });
    const eos = greedy[2]![PROMPTS[2]!.length + 2]!;
    const options = { maxNewTokens: 9, temperature: 0, eosTokenId: eos };
    const stopped = model.generate(PROMPTS, options);
    expect(stopped[2]!.length).toBeLessThanOrEqual(PROMPTS[2]!.length + 3);
    expect(stopped).toEqual(PROMPTS.map((p) => model.generate([p], options)[0]));
  });
});

test('bad prompts and pad ids are reported', () => {
  const model = build({ modelType: 'Vanilla' });
  expect(() => model.generate([[1], []], { maxNewTokens: 1 })).toThrow(/prompt row 1 has no tokens/);
  expect(() => model.generate([[1], [99]], { maxNewTokens: 1 })).toThrow(/token id 99 is outside/);
  expect(() => model.generate([[1], [2, 3]], { maxNewTokens: 1, padTokenId: 16 })).toThrow(
    /padTokenId 16 is outside/,
  );
  expect(() => model.forward({ inputIds: [[1, 2]], attentionMask: [[1, 2]] })).toThrow(/0 or 1, got 2/);
  model.dispose();
});

describe('text generation and streaming (byte tokenizer)', () => {
  const tokenizer = new ByteLevelTokenizer();
  const prompts = ['a', 'héllo', '€ and more', ''];

  function streamed(events: TokenEvent[], index: number): TokenEvent[] {
    return events.filter((e) => e.index === index);
  }

  test('batchGenerate equals runGeneration per prompt and streams every token with its text', () => {
    const model = build({ modelType: 'SASP' }, tokenizer.vocabSize);
    // Temperature 1 over 259 random logits: the bytes include many incomplete or invalid UTF-8 sequences.
    const options: GenerationOptions = { maxNewTokens: 12, temperature: 1, topK: null, seed: 21 };
    const events: TokenEvent[] = [];
    const results = batchGenerate(model, tokenizer, prompts, { ...options, onToken: (e) => events.push(e) });
    let heldBack = 0;
    prompts.forEach((prompt, index) => {
      const aloneEvents: TokenEvent[] = [];
      const alone = runGeneration(model, tokenizer, prompt, {
        ...options,
        onToken: (e) => aloneEvents.push(e),
      });
      expect(results[index]).toEqual(alone);
      const mine = streamed(events, index);
      expect(mine).toEqual(aloneEvents.map((e) => ({ ...e, index })));
      const promptIds = prompt === '' ? [tokenizer.eosTokenId!] : tokenizer.encode(prompt);
      expect(mine.map((e) => e.token)).toEqual(alone.ids.slice(promptIds.length));
      expect(mine.map((e) => e.step)).toEqual(mine.map((_, i) => i));
      const deltas = mine.map((e) => e.text).join('');
      expect(tokenizer.decode(promptIds, { skipSpecialTokens: true }) + deltas).toBe(alone.text);
      heldBack += mine.filter((e) => e.text === '').length;
    });
    expect(heldBack).toBeGreaterThan(0); // the hold-back path was exercised
    model.dispose();
  });

  test('a multi-byte character split across byte tokens streams once it is complete', () => {
    // Teach a tiny model the byte cycle of "aé€" (61 | C3 A9 | E2 82 AC) so greedy decoding splits
    // characters across tokens deterministically.
    const model = build({ modelType: 'Vanilla' }, tokenizer.vocabSize);
    const cycle = tokenizer.encode('aé€');
    const at = (i: number) => cycle[i % cycle.length]!;
    const inputIds = cycle.map((_, s) => Array.from({ length: BLOCK }, (_, t) => at(s + t)));
    const targets = cycle.map((_, s) => Array.from({ length: BLOCK }, (_, t) => at(s + t + 1)));
    const optimizer = tf.train.adam(0.03);
    for (let step = 0; step < 60; step++) {
      optimizer.minimize(() => model.forward({ inputIds, targets }).loss!, false, model.trainableVariables());
    }
    optimizer.dispose();
    const events: TokenEvent[] = [];
    const options = { temperature: 0, stopAtEos: false, onToken: (e: TokenEvent) => events.push(e) };
    const full = runGeneration(model, tokenizer, 'a', { ...options, maxNewTokens: 8 });
    expect(full.text).toBe('aé€aé');
    expect(events.map((e) => e.text)).toEqual(['', 'é', '', '', '€', 'a', '', 'é']);
    // Ending inside a character: the held byte is released at the last step, as decode renders it.
    events.length = 0;
    const cut = runGeneration(model, tokenizer, 'a', { ...options, maxNewTokens: 7 });
    expect(cut.text).toBe('aé€a\uFFFD');
    expect(events.map((e) => e.text)).toEqual(['', 'é', '', '', '€', 'a', '\uFFFD']);
    model.dispose();
  });

  test('TextDeltaDecoder holds back incomplete characters', () => {
    const decoder = new TextDeltaDecoder(tokenizer);
    const ids = tokenizer.encode('x😀y');
    expect(ids.map((id) => decoder.push(id))).toEqual(['x', '', '', '', '😀', 'y']);
  });

  test('per-prompt errors; a streaming callback error propagates', () => {
    const model = build({ modelType: 'Vanilla' }, 100); // byte ids ≥ 100 do not fit
    const results = batchGenerate(model, tokenizer, ['A', 'z', 'BC'], { maxNewTokens: 3, temperature: 0 });
    expect(results[1]!.text).toMatch(/^\[Generation Error: token id 122 is outside the model vocabulary/);
    expect(results[0]).toEqual(runGeneration(model, tokenizer, 'A', { maxNewTokens: 3, temperature: 0 }));
    expect(results[2]).toEqual(runGeneration(model, tokenizer, 'BC', { maxNewTokens: 3, temperature: 0 }));
    const onToken = () => {
      throw new Error('consumer failed');
    };
    expect(() => batchGenerate(model, tokenizer, ['A', 'BC'], { maxNewTokens: 3, onToken })).toThrow(
      'consumer failed',
    );
    model.dispose();
  });
});

describe('sampling strategies by name', () => {
  const tokenizer = new ByteLevelTokenizer();
  const model = build({ modelType: 'Vanilla' }, tokenizer.vocabSize);

  test('a registered strategy drives runGeneration and batchGenerate; greedy by name equals temperature 0', () => {
    const seen: number[] = [];
    registerSampling('test-always-a', (logits, rows, options, _rng, previous) => {
      expect(rows).toBe(1);
      expect(logits.length).toBe(tokenizer.vocabSize);
      expect(options.temperature).toBe(0.3); // the run's options reach the strategy
      seen.push(previous![0]!.length);
      return [0x61];
    });
    try {
      const alone = runGeneration(model, tokenizer, 'xy', {
        maxNewTokens: 5,
        temperature: 0.3,
        strategy: 'test-always-a',
      });
      expect(alone.text).toBe('xyaaaaa');
      expect(seen).toEqual([2, 3, 4, 5, 6]); // the row so far, prompt included
      const batch = batchGenerate(model, tokenizer, ['x', 'long prompt'], {
        maxNewTokens: 5,
        temperature: 0.3,
        strategy: 'test-always-a',
      });
      expect(batch.map((r) => r.text)).toEqual(['xaaaaa', 'long promptaaaaa']);
    } finally {
      unregisterSampling('test-always-a');
    }
    const byName = runGeneration(model, tokenizer, 'ab', {
      maxNewTokens: 6,
      strategy: 'greedy',
      stopAtEos: false,
    });
    const greedy = runGeneration(model, tokenizer, 'ab', {
      maxNewTokens: 6,
      temperature: 0,
      stopAtEos: false,
    });
    expect(byName.ids).toEqual(greedy.ids);
    expect(() => runGeneration(model, tokenizer, 'ab', { strategy: 'nope' })).toThrow(/nope/);
  });
});
