import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractNgramCues, trainNgramModel } from '../inference/ngram-cues.js';
import { NGRAM_ALPHABET, NGRAM_EOS, NgramByteModel } from '../inference/ngram-model.js';
import { type NgramCues, NgramScorer, ngramBitsPerByte } from '../inference/ngram-scorer.js';
import { ExtractionInterrupted, readCueCorpus } from '../tokenizers/bytespan/cue-corpus.js';

const utf8 = new TextEncoder();
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-ngram-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * Interpolated modified Kneser-Ney written from the definition with string-keyed maps: every n-gram of
 * the padded stream counted directly, continuation counts as sets of left neighbours.
 */
function bruteForce(order: number, docs: readonly Uint8Array[]) {
  const stream: number[] = new Array(order - 1).fill(NGRAM_EOS);
  for (const d of docs) stream.push(...d, NGRAM_EOS);
  const key = (s: readonly number[]): string => s.join(',');
  // counts[j]: context key (length j) → (symbol → count)
  const counts = Array.from({ length: order }, () => new Map<string, Map<number, number>>());
  const left = Array.from({ length: order }, () => new Map<string, Set<number>>());
  for (let i = order - 1; i < stream.length; i++) {
    for (let j = 0; j < order; j++) {
      const ctx = stream.slice(i - j, i);
      const gram = key([...ctx, stream[i]!]);
      if (j === order - 1) {
        const m = counts[j]!.get(key(ctx)) ?? new Map<number, number>();
        m.set(stream[i]!, (m.get(stream[i]!) ?? 0) + 1);
        counts[j]!.set(key(ctx), m);
      }
      if (j < order - 1) {
        // left neighbour of the (j+1)-gram ending at i
        const s = left[j]!.get(gram) ?? new Set<number>();
        s.add(stream[i - j - 1]!);
        left[j]!.set(gram, s);
      }
    }
  }
  for (let j = 0; j < order - 1; j++) {
    for (const [gram, s] of left[j]!) {
      const parts = gram.split(',').map(Number);
      const ctx = key(parts.slice(0, -1));
      const m = counts[j]!.get(ctx) ?? new Map<number, number>();
      m.set(parts[parts.length - 1]!, s.size);
      counts[j]!.set(ctx, m);
    }
  }
  const discounts = counts.map((level) => {
    const n = [0, 0, 0, 0, 0];
    for (const m of level.values()) for (const c of m.values()) if (c <= 4) n[c]!++;
    const y = n[1]! / (n[1]! + 2 * n[2]!);
    return [1 - (2 * y * n[2]!) / n[1]!, 2 - (3 * y * n[3]!) / n[2]!, 3 - (4 * y * n[4]!) / n[3]!].map(
      (d, r) => Math.min(r + 1, Math.max(0.05, Number.isFinite(d) ? d : (r + 1) / 2)),
    );
  });
  return (history: readonly number[]): number[] => {
    const padded = [...new Array(order).fill(NGRAM_EOS), ...history];
    let p: number[] = new Array(NGRAM_ALPHABET).fill(1 / NGRAM_ALPHABET);
    for (let j = 0; j < order; j++) {
      const m = counts[j]!.get(key(padded.slice(padded.length - j)));
      if (m === undefined) break;
      const total = [...m.values()].reduce((a, b) => a + b, 0);
      let gamma = 0;
      for (const c of m.values()) gamma += discounts[j]![Math.min(c, 3) - 1]!;
      gamma /= total;
      p = p.map((q, w) => {
        const c = m.get(w) ?? 0;
        return gamma * q + (c === 0 ? 0 : (c - discounts[j]![Math.min(c, 3) - 1]!) / total);
      });
    }
    return p;
  };
}

const docsOf = (...texts: string[]): Uint8Array[] => texts.map((t) => utf8.encode(t));
const TEXTS = [' the cat sat on the mat', ' a cat, the hat', ' that is that; thé ünïcode', ' mat mat mat'];

describe('NgramByteModel', () => {
  test.each([1, 2, 3, 5])('order %i matches a brute-force count model and sums to 1', (order) => {
    const docs = docsOf(...TEXTS);
    const model = NgramByteModel.create(order);
    for (const d of docs) model.addDocument(d);
    const reference = bruteForce(order, docs);
    const histories = [[], [...utf8.encode(' the')], [...utf8.encode('zz q')], [...utf8.encode(' mat')]];
    histories.push([...docs[2]!.subarray(0, 12)], [NGRAM_EOS, 0x20]);
    for (const h of histories) {
      const p = model.distribution(h);
      const q = reference(h);
      for (let w = 0; w < NGRAM_ALPHABET; w++) expect(p[w]).toBeCloseTo(q[w]!, 12);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  test('every context in the model gives a distribution that sums to 1 with no zero', () => {
    const model = NgramByteModel.create(4);
    for (const d of docsOf(...TEXTS)) model.addDocument(d);
    const { contexts } = model;
    for (let c = 0; c < contexts.size; c++) {
      const history: number[] = [];
      for (let at = c; at > 0; at = contexts.parents[at]!) history.unshift(contexts.symbols[at]!);
      const p = model.distribution(history);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
      expect(Math.min(...p)).toBeGreaterThan(0);
    }
  });

  test('the fast scorer equals the dense distribution, unseen bytes included', () => {
    const model = NgramByteModel.create(5);
    for (const d of docsOf(...TEXTS)) model.addDocument(d);
    const scorer = new NgramScorer(model);
    const text = [...docsOf(' the ünseen cat; xyz mat')[0]!, NGRAM_EOS, ...docsOf(' at')[0]!];
    const out: NgramCues = { entropy: 0, surprisal: 0, space: 0, eos: 0 };
    const history: number[] = [];
    for (const symbol of text) {
      const p = model.distribution(history);
      scorer.next(symbol, out);
      const entropy = -p.reduce((a, q) => a + q * Math.log(q), 0);
      expect(out.entropy).toBeCloseTo(entropy, 10);
      expect(out.surprisal).toBeCloseTo(-Math.log(p[symbol]!), 10);
      expect(out.space).toBeCloseTo(-Math.log(p[0x20]!), 10);
      expect(out.eos).toBeCloseTo(-Math.log(p[NGRAM_EOS]!), 10);
      history.push(symbol);
    }
  });

  test('save and load give the same model; orders outside 1–16 are refused', () => {
    const model = NgramByteModel.create(3);
    for (const d of docsOf(...TEXTS)) model.addDocument(d);
    const dir = path.join(tmp, 'model');
    model.save(dir);
    expect(() => model.save(dir)).toThrow(/already holds an n-gram model/);
    const loaded = NgramByteModel.load(dir);
    expect(loaded.numGrams).toBe(model.numGrams);
    const h = [...utf8.encode(' th')];
    expect([...loaded.distribution(h)]).toEqual([...model.distribution(h)]);
    loaded.addDocument(utf8.encode(' more text'));
    expect(loaded.trainedDocuments).toBe(TEXTS.length + 1);
    for (const bad of [0, 17, 2.5]) expect(() => NgramByteModel.create(bad)).toThrow(/from 1 to 16/);
    fs.writeFileSync(path.join(tmp, 'other.txt'), 'x');
    expect(() => model.save(tmp)).toThrow(/not an n-gram model directory/);
  });

  test('higher orders fit repetitive text better (bits per byte)', () => {
    const docs = docsOf(...Array.from({ length: 20 }, (_, i) => ` the cat number ${i % 4} sat on the mat`));
    const bpb = [1, 3, 5].map((order) => {
      const model = NgramByteModel.create(order);
      for (const d of docs) model.addDocument(d);
      return ngramBitsPerByte(model, docs);
    });
    expect(bpb[1]).toBeLessThan(bpb[0]!);
    expect(bpb[2]).toBeLessThan(bpb[1]!);
  });
});

describe('n-gram cue extraction', () => {
  const write = (name: string, text: string | Uint8Array): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };

  test('writes one cue per byte equal to the scorer, resumes exactly, refuses another byte stream', async () => {
    const a = write('a.txt', 'the cat sat\non the mat\n\nthe end');
    const b = write('b.txt', 'ünïcode line\nlast');
    const opts = { documentSeparator: '\n', progress: false };
    const model = await trainNgramModel([a, b], 3, opts);
    const full = path.join(tmp, 'full');
    const meta = await extractNgramCues(model, [a, b], full, opts);
    expect(meta).toMatchObject({ unit: 'nats', sources: ['a', 'b'], numDocuments: 5, complete: true });
    const corpus = readCueCorpus(full);
    expect(corpus.bytes.length).toBe(meta.numBytes);
    // Document 0 is " the cat sat": its cues are the scorer's on the padded stream.
    const scorer = new NgramScorer(model);
    const out: NgramCues = { entropy: 0, surprisal: 0, space: 0, eos: 0 };
    [...utf8.encode(' the cat sat')].forEach((byte, i) => {
      scorer.next(byte, out);
      expect(corpus.cues.get('surprisal')![i]).toBeCloseTo(out.surprisal, 5);
      expect(corpus.cues.get('entropy')![i]).toBeCloseTo(out.entropy, 5);
    });

    // Interrupted after two documents (signal), then resumed: byte-identical files.
    const part = path.join(tmp, 'part');
    let seen = 0;
    const signalAfterTwo = {
      get aborted() {
        return ++seen > 2;
      },
    } as AbortSignal;
    await expect(extractNgramCues(model, [a, b], part, { ...opts, signal: signalAfterTwo })).rejects.toThrow(
      ExtractionInterrupted,
    );
    expect(readCueCorpus(part, []).meta).toMatchObject({ numDocuments: 2, complete: false });
    await extractNgramCues(model, [a, b], part, { ...opts, resume: true });
    for (const f of ['bytes.bin', 'entropy.f32', 'surprisal.f32', 'space.f32', 'eos.f32', 'doc-ends.f64']) {
      expect(fs.readFileSync(path.join(part, f))).toEqual(fs.readFileSync(path.join(full, f)));
    }

    const other = path.join(tmp, 'other');
    seen = 0;
    await expect(extractNgramCues(model, [a, b], other, { ...opts, signal: signalAfterTwo })).rejects.toThrow(
      /interrupted after 2 committed documents/,
    );
    fs.mkdirSync(path.join(tmp, 'changed'));
    const changed = write('changed/a.txt', 'the cat sat\non a different mat');
    await expect(extractNgramCues(model, [changed, b], other, { ...opts, resume: true })).rejects.toThrow(
      /another byte stream/,
    );
  });

  test('training files that are empty or not UTF-8 are refused', async () => {
    await expect(trainNgramModel([write('empty.txt', '')], 3, { progress: false })).rejects.toThrow(
      /holds no text/,
    );
    const bad = write('bad.txt', Uint8Array.of(0x61, 0xff, 0x62));
    await expect(trainNgramModel([bad], 3, { progress: false })).rejects.toThrow(/not valid UTF-8/);
    await expect(trainNgramModel([bad], 0)).rejects.toThrow(/from 1 to 16/);
  });
});

test('cleangpt extract ngram: Ctrl-C commits and exits 130 with a resume command that completes the same corpus', async () => {
  const root = path.resolve(import.meta.dirname, '..');
  // Enough lines that extraction is still running when the signal arrives (it is checked per document).
  const input = path.join(tmp, 'kjv.txt');
  fs.writeFileSync(input, fs.readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8').slice(0, 500_000));
  const read = { documentSeparator: '\n', progress: false };
  const model = await trainNgramModel([input], 3, read);
  const modelDir = path.join(tmp, 'model');
  model.save(modelDir);
  const whole = path.join(tmp, 'whole');
  await extractNgramCues(model, [input], whole, read);
  const out = path.join(tmp, 'interrupted');
  const args = ['extract', 'ngram', '--model', modelDir, '--input', input, '--out', out];
  const run = (more: string[], interrupt: boolean) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const main = path.join(root, 'dist', 'cli', 'main.js');
      const child = spawn(process.execPath, [
        main,
        ...args,
        '--document-separator',
        '\\n',
        '--quiet',
        ...more,
      ]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
        // The model line is printed when the model is loaded, just before extraction starts.
        if (interrupt && /-gram model:/.test(stdout)) {
          interrupt = false;
          child.kill('SIGINT');
        }
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const stopped = await run([], true);
  expect(stopped.code).toBe(130);
  expect(stopped.stderr).toMatch(/stopping after this document/);
  expect(/resume with: cleangpt (.+)$/m.exec(stopped.stderr)?.[1]).toMatch(/^extract ngram .* --resume$/);
  expect(JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8')).complete).toBe(false);
  const resumed = await run(['--resume'], false);
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toMatch(/wrote \d+ bytes/);
  for (const file of fs.readdirSync(whole).filter((f) => f !== 'meta.json'))
    expect(fs.readFileSync(path.join(out, file))).toEqual(fs.readFileSync(path.join(whole, file)));
}, 60_000);
