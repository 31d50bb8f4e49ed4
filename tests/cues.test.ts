import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { extractCues } from '../inference/cues.js';
import { initBackend } from '../model/backend.js';
import { saveModel } from '../model/io.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import {
  CueCorpusWriter,
  cueCorpusFromArrays,
  parseCueName,
  readCueCorpus,
} from '../tokenizers/bytespan/cue-corpus.js';
import { CharacterTokenizer } from '../tokenizers/character.js';

const tokenizer = new ByteLevelTokenizer(); // <pad> 256, <bos> 257, <eos> 258
const EOS = tokenizer.eosTokenId!;
let tmp: string;

beforeAll(async () => {
  await initBackend({ log: null });
});
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-cues-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function byteModel(blockSize: number): TransformerModel {
  const config = GPTConfig.create({
    modelType: 'Vanilla',
    vocabSize: 259,
    blockSize,
    nEmbd: 16,
    nLayer: 1,
    nHead: 2,
    dropout: 0,
  });
  const model = getModel('Vanilla', config, { seed: 3 });
  // Perturbed weights so that the predictions differ from position to position.
  let s = 7;
  for (const [, v] of model.namedParameters()) {
    const values = v.dataSync().slice();
    for (let i = 0; i < values.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      values[i]! += (s / 2 ** 32 - 0.5) * 0.5;
    }
    v.assign(tf.tensor(values, v.shape));
  }
  return model.eval();
}

function writeInputs(texts: Record<string, string>): string[] {
  return Object.entries(texts).map(([name, text]) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  });
}

/** Reference values straight from the definition: log-softmax of the kept window's row for `pos`. */
function expectedCues(
  model: TransformerModel,
  stream: number[],
  blockSize: number,
  stride: number,
  pos: number,
) {
  // The window whose kept predictions contain pos: k = 0 for pos ≤ blockSize, else the smallest k with
  // k·stride + blockSize ≥ pos.
  const k = pos <= blockSize ? 0 : Math.ceil((pos - blockSize) / stride);
  const window = stream.slice(k * stride, k * stride + blockSize);
  while (window.length < blockSize) window.push(0);
  const row = pos - k * stride - 1;
  const logp = tf.tidy(() => tf.logSoftmax(model.forward({ inputIds: [window] }).logits).dataSync());
  const p = Array.from(logp.slice(row * 259, (row + 1) * 259));
  const entropy = -p.reduce((sum, lp) => sum + Math.exp(lp) * lp, 0);
  return { entropy, surprisal: -p[stream[pos]!]!, space: -p[0x20]!, eos: -p[EOS]! };
}

describe('extractCues', () => {
  test('every byte gets the cues of its window from the definition, documents split at EOS', async () => {
    const blockSize = 16;
    const stride = 4;
    const model = byteModel(blockSize);
    const texts = { 'a.txt': 'the cat sat on the mat, then the dog sat.', 'b.txt': ' héllo wörld' };
    const inputs = writeInputs(texts);
    const out = path.join(tmp, 'cues');
    const meta = await extractCues(model, tokenizer, inputs, out, { stride, batchSize: 3, progress: false });
    expect(meta).toMatchObject({ numDocuments: 2, unit: 'nats', complete: true, sources: ['a', 'b'] });
    const corpus = readCueCorpus(out);
    // a.txt gets a prefix space, b.txt already starts with one.
    const docs = [` ${texts['a.txt']}`, texts['b.txt']].map((t) => Buffer.from(t, 'utf8'));
    expect(Buffer.from(corpus.bytes)).toEqual(Buffer.concat(docs));
    expect(Array.from(corpus.docEnds)).toEqual([docs[0]!.length, docs[0]!.length + docs[1]!.length]);
    expect(Array.from(corpus.docSources)).toEqual([0, 1]);

    const stream: number[] = [];
    const bytePositions: number[] = [];
    for (const doc of docs) {
      stream.push(EOS);
      for (const b of doc) {
        bytePositions.push(stream.length);
        stream.push(b);
      }
    }
    expect(stream.length).toBeGreaterThan(3 * blockSize); // several windows, not one
    bytePositions.forEach((pos, i) => {
      const want = expectedCues(model, stream, blockSize, stride, pos);
      expect(corpus.cues.get('entropy')![i]).toBeCloseTo(want.entropy, 4);
      expect(corpus.cues.get('surprisal')![i]).toBeCloseTo(want.surprisal, 4);
      expect(corpus.cues.get('space')![i]).toBeCloseTo(want.space, 4);
      expect(corpus.cues.get('eos')![i]).toBeCloseTo(want.eos, 4);
    });
  });

  test('an interrupted extraction resumes to the same result', async () => {
    const blockSize = 16;
    const model = byteModel(blockSize);
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}: ${'abcdefghij'.slice(0, (i * 7) % 11)}`);
    const inputs = writeInputs({ 'lines.txt': lines.join('\n') });
    const options = { documentSeparator: '\n', progress: false, commitBytes: 1, batchSize: 2 };

    const whole = path.join(tmp, 'whole');
    await extractCues(model, tokenizer, inputs, whole, options);

    const part = path.join(tmp, 'part');
    let calls = 0;
    // The crash is injected on the model itself: a prototype wrapper cannot reach the model's #private fields.
    const forward = model.forward;
    const crashing = jest.spyOn(model, 'forward').mockImplementation((input) => {
      if (++calls > 12) throw new Error('simulated crash');
      return forward.call(model, input);
    });
    try {
      await expect(extractCues(model, tokenizer, inputs, part, options)).rejects.toThrow('simulated crash');
    } finally {
      crashing.mockRestore();
    }
    const partial = JSON.parse(fs.readFileSync(path.join(part, 'meta.json'), 'utf8'));
    expect(partial.complete).toBe(false);
    expect(partial.numDocuments).toBeGreaterThan(0);
    expect(partial.numDocuments).toBeLessThan(30);
    await expect(extractCues(model, tokenizer, inputs, part, options)).rejects.toThrow(
      /interrupted extraction \(\d+ documents committed\)/,
    );

    await extractCues(model, tokenizer, inputs, part, { ...options, resume: true });
    const a = readCueCorpus(whole);
    const b = readCueCorpus(part);
    expect(b.meta.numDocuments).toBe(30);
    expect(Buffer.from(b.bytes)).toEqual(Buffer.from(a.bytes));
    expect(Array.from(b.docEnds)).toEqual(Array.from(a.docEnds));
    for (const cue of a.meta.cues) {
      const x = a.cues.get(cue)!;
      const y = b.cues.get(cue)!;
      for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(x[i]!, 5);
    }
  });

  test('bad settings and non-byte models are refused', async () => {
    const model = byteModel(16);
    const inputs = writeInputs({ 'x.txt': 'abc' });
    const out = path.join(tmp, 'o');
    await expect(extractCues(model, tokenizer, inputs, out, { stride: 16 })).rejects.toThrow(/stride 16/);
    await expect(extractCues(model, tokenizer, inputs, out, { blockSize: 32 })).rejects.toThrow(
      /blockSize 32/,
    );
    const chars = new CharacterTokenizer();
    await expect(extractCues(model, chars, inputs, out)).rejects.toThrow(/byte-level model/);
    await expect(extractCues(model, tokenizer, [path.join(tmp, 'missing.txt')], out)).rejects.toThrow(
      /missing\.txt/,
    );
  });
});

test('cleangpt extract predictions writes the same cue corpus as the library', async () => {
  const model = byteModel(16);
  const modelDir = path.join(tmp, 'model');
  saveModel(model, modelDir);
  tokenizer.savePretrained(path.join(modelDir, 'tokenizer'));
  const inputs = writeInputs({ 'en.txt': 'one\ntwo three\nfour', 'de.txt': 'eins zwei' });
  const viaCli = path.join(tmp, 'cli');
  const root = path.resolve(import.meta.dirname, '..');
  // The library call below runs the TensorFlow.js model, so the CLI does too (onnx: tests/onnx-cli.test.ts).
  const args = [
    'extract',
    'predictions',
    '--model',
    modelDir,
    '--input',
    ...inputs,
    '--out',
    viaCli,
    '--runtime',
    'tfjs',
  ];
  const stdout = execFileSync(
    process.execPath,
    [path.join(root, 'dist', 'cli', 'main.js'), ...args, '--document-separator', '\\n', '--quiet'],
    { encoding: 'utf8' },
  );
  expect(stdout).toMatch(/wrote 29 bytes in 4 documents/);
  const viaLibrary = path.join(tmp, 'lib');
  await extractCues(model, tokenizer, inputs, viaLibrary, { documentSeparator: '\n', progress: false });
  const a = readCueCorpus(viaCli);
  const b = readCueCorpus(viaLibrary);
  expect(a.meta.sources).toEqual(['en', 'de']);
  expect(Array.from(a.docSources)).toEqual([0, 0, 0, 1]);
  expect(Buffer.from(a.bytes).toString()).toBe(' one two three four eins zwei');
  for (const cue of a.meta.cues) {
    expect(Array.from(a.cues.get(cue)!)).toEqual(Array.from(b.cues.get(cue)!));
  }
});

test('extract ngram writes a corpus interchangeable with extract predictions for create-bytespan', () => {
  const model = byteModel(16);
  const modelDir = path.join(tmp, 'model');
  saveModel(model, modelDir);
  tokenizer.savePretrained(path.join(modelDir, 'tokenizer'));
  const text = Array.from({ length: 30 }, (_, i) => `the ${['cat', 'dog', 'bird'][i % 3]} sat on mat ${i}`);
  const inputs = writeInputs({ 'en.txt': text.join('\n') });
  const root = path.resolve(import.meta.dirname, '..');
  const cli = (...args: string[]): string =>
    execFileSync(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...args, '--quiet'], {
      encoding: 'utf8',
    });
  const common = ['--input', ...inputs, '--document-separator', '\\n'];
  const lm = path.join(tmp, 'lm');
  const ngram = path.join(tmp, 'ngram');
  cli('extract', 'predictions', '--model', modelDir, ...common, '--out', lm);
  expect(cli('extract', 'ngram', '--order', '4', ...common, '--out', ngram)).toMatch(
    /4-gram model: .*\nwrote \d+ bytes in 30 documents/,
  );
  const a = readCueCorpus(lm);
  const b = readCueCorpus(ngram);
  expect({ ...b.meta, producer: undefined }).toEqual({ ...a.meta, producer: undefined });
  expect(Buffer.from(b.bytes)).toEqual(Buffer.from(a.bytes));
  expect(Array.from(b.docEnds)).toEqual(Array.from(a.docEnds));
  for (const dir of [lm, ngram]) {
    const out = path.join(dir, 'tok');
    const args = ['--predictions', dir, '--out', out, '--cue', 'entropy', '--constraint', 'combined'];
    expect(cli('tokenizers', 'create-bytespan', ...args, '--vocab-size', '800')).toMatch(
      /ByteSpanEntropyCombinedFrequency_800/,
    );
  }
  const bad = spawnSync(
    process.execPath,
    [
      path.join(root, 'dist', 'cli', 'main.js'),
      'extract',
      'ngram',
      '--order',
      '17',
      ...common,
      '--out',
      path.join(tmp, 'x'),
    ],
    { encoding: 'utf8' },
  );
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/--order.*from 1 to 16, got "17"/);
});

describe('cue corpus files', () => {
  test('in-memory corpora check lengths; read rejects files that do not match meta.json', () => {
    expect(() =>
      cueCorpusFromArrays({ documents: [Uint8Array.of(1, 2)], cues: { entropy: [Float32Array.of(1)] } }),
    ).toThrow(/document 0 has 2 bytes but 1 cue values/);

    const dir = path.join(tmp, 'c');
    const writer = new CueCorpusWriter(dir, { unit: 'nats', cues: ['entropy'], sources: ['en'] });
    writer.append(Uint8Array.of(65, 66), new Map([['entropy', Float32Array.of(0.5, 1.5)]]), 0);
    expect(() => writer.append(Uint8Array.of(65), new Map([['entropy', Float32Array.of()]]), 0)).toThrow(
      /entropy has 0 values for 1 bytes/,
    );
    writer.close();
    const corpus = readCueCorpus(dir);
    expect(Array.from(corpus.cues.get('entropy')!)).toEqual([0.5, 1.5]);
    expect(() => readCueCorpus(dir, ['surprisal'])).toThrow(/has no surprisal cue/);
    expect(() => new CueCorpusWriter(dir, { unit: 'nats', cues: ['entropy'], sources: ['en'] })).toThrow(
      /already holds a complete cue corpus/,
    );

    fs.truncateSync(path.join(dir, 'entropy.f32'), 4);
    expect(() => readCueCorpus(dir)).toThrow(/entropy\.f32: size 4 bytes does not match 2 values/);
  });

  test('cue names accept the reference column names', () => {
    expect(parseCueName('Space Probability')).toBe('space');
    expect(parseCueName('SpaceProbability')).toBe('space');
    expect(parseCueName('EOS Probability')).toBe('eos');
    expect(parseCueName('Entropy')).toBe('entropy');
    expect(() => parseCueName('loudness')).toThrow(/unknown cue "loudness"/);
  });
});
