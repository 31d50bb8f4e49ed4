import * as fs from 'node:fs';
import { bytesToDisplay } from '../tokenizers/byte-unicode.js';
import { spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { continueWithBPE } from '../tokenizers/bytespan/continuation.js';
import { type CueCorpus, cueCorpusFromArrays } from '../tokenizers/bytespan/cue-corpus.js';
import { type ByteSpanOptions, trainByteSpan } from '../tokenizers/bytespan/span-trainer.js';
import { type Constraint, countSpans } from '../tokenizers/bytespan/spans.js';
import { pretokenize } from '../tokenizers/pre-tokenizers/gpt2-pattern.js';

const enc = new TextEncoder();
const BASE = spanBaseVocab();
const BASE_SET = new Set(BASE);

/** A deterministic cheap cue: adaptive order-2 byte surprisal (nats), the same recipe as the benchmark's. */
function surprisal(docs: readonly Uint8Array[]): Float32Array[] {
  const counts = new Uint32Array(1 << 24);
  const totals = new Uint32Array(1 << 16);
  return docs.map((doc) => {
    const out = new Float32Array(doc.length);
    let ctx = 0;
    for (let i = 0; i < doc.length; i++) {
      const b = doc[i]!;
      out[i] = -Math.log((counts[(ctx << 8) | b]! + 0.1) / (totals[ctx]! + 25.6));
      counts[(ctx << 8) | b]!++;
      totals[ctx]!++;
      ctx = ((ctx << 8) | b) & 0xffff;
    }
    return out;
  });
}

function lines(file: string, count: number): Uint8Array[] {
  return fs
    .readFileSync(new URL(file, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .slice(0, count)
    .map((l) => enc.encode(` ${l}`));
}

const EN = lines('../data/kjv.txt', 200);
const DE = lines('../data/multilingual/de.txt', 120);
const DOCS = [...EN, ...DE];
const SOURCES = [...EN.map(() => 0), ...DE.map(() => 1)];
const CORPUS: CueCorpus = cueCorpusFromArrays({
  documents: DOCS,
  cues: { entropy: surprisal(DOCS) },
  sources: SOURCES,
  sourceLabels: ['en', 'de'],
});

// ---------------------------------------------------------------------------------------------------
// An independent, deliberately naive implementation of spec §7–§10 (regex pre-tokens, explicit cont
// arrays, string tokens, a full pair recount per merge) to check the library against.

function regexPtb(doc: Uint8Array): Uint8Array {
  const ptb = new Uint8Array(doc.length);
  let at = 0;
  for (const piece of pretokenize(new TextDecoder().decode(doc))) {
    ptb[at] = 1;
    at += enc.encode(piece).length;
  }
  return ptb;
}

interface Occurrence {
  doc: number;
  start: number;
  length: number;
  token: string;
}

function naiveSpans(constraint: Constraint, theta: number) {
  const freq = new Map<string, number>();
  const bySource = [new Map<string, number>(), new Map<string, number>()];
  const occurrences: Occurrence[] = [];
  DOCS.forEach((b, d) => {
    const s = CORPUS.cues.get('entropy')!.subarray(CORPUS.docEnds[d]! - b.length, CORPUS.docEnds[d]!);
    const ptb = regexPtb(b);
    const cont = Array.from(
      { length: b.length },
      (_, t) => t > 0 && (s[t]! < s[t - 1]! || (constraint === 'combined' && s[t]! < theta)),
    );
    const emit = (a: number, e: number) => {
      const text = bytesToDisplay(b.subarray(a, e + 1));
      const token = ptb[a] ? text : `##${text}`;
      if (BASE_SET.has(token) || (ptb[a] && token.startsWith('##'))) return;
      freq.set(token, (freq.get(token) ?? 0) + 1);
      const own = bySource[SOURCES[d]!]!;
      own.set(token, (own.get(token) ?? 0) + 1);
      occurrences.push({ doc: d, start: a, length: e - a + 1, token });
    };
    for (let h = 0; h < b.length; ) {
      let e = h;
      while (e + 1 < b.length && cont[e + 1]) e++;
      const next = e + 1;
      if (e > h) {
        let start = !ptb[h] && b[h - 1] === 0x20 ? h - 1 : h;
        if (ptb[e]) e--;
        if (start < e) {
          for (let m = start + 1; m <= e; m++) {
            if (ptb[m]) {
              emit(start, m - 1);
              start = m;
            }
          }
          if (start !== e) emit(start, e);
        }
      }
      h = next;
    }
  });
  return { freq, bySource, occurrences };
}

function byFrequency(freq: Map<string, number>): string[] {
  return [...freq].sort((a, b) => b[1] - a[1]).map(([t]) => t);
}

function roundRobin(bySource: Array<Map<string, number>>): string[] {
  const lists = bySource.map(byFrequency);
  const out: string[] = [];
  for (let i = 0; i < Math.max(...lists.map((l) => l.length)); i++) {
    for (const list of lists) if (i < list.length && !out.includes(list[i]!)) out.push(list[i]!);
  }
  return out;
}

/** Re-segments with the kept spans, then merges with a full recount per merge until size V. */
function naiveContinue(vocab: string[], kept: Set<string>, occurrences: Occurrence[], V: number): string[] {
  const index = new Map(vocab.map((t, i) => [t, i]));
  const words: number[][] = [];
  DOCS.forEach((b, d) => {
    const ptb = regexPtb(b);
    const spanAt = new Map<number, Occurrence>();
    let cursor = 0;
    for (const o of occurrences) {
      if (o.doc !== d || o.start < cursor) continue;
      cursor = o.start + o.length;
      if (kept.has(o.token)) spanAt.set(o.start, o);
    }
    let word: number[] = [];
    for (let p = 0; p < b.length; ) {
      if (ptb[p] && word.length > 0) {
        words.push(word);
        word = [];
      }
      const o = spanAt.get(p);
      if (o !== undefined) {
        word.push(index.get(o.token)!);
        p += o.length;
      } else {
        const k = bytesToDisplay([b[p]!]);
        word.push(index.get(word.length === 0 ? k : `##${k}`)!);
        p++;
      }
    }
    if (word.length > 0) words.push(word);
  });
  const out = [...vocab];
  for (;;) {
    if (out.length >= V) break;
    const counts = new Map<string, number>();
    for (const w of words) {
      for (let i = 1; i < w.length; i++) {
        const k = `${w[i - 1]},${w[i]}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    let best: [number, number, number] | null = null;
    for (const [k, c] of counts) {
      const [x, y] = k.split(',').map(Number) as [number, number];
      const joined = out[x]! + out[y]!.slice(2);
      if (!out[x]!.startsWith('##') && joined.startsWith('##')) continue;
      if (best === null || c > best[2] || (c === best[2] && (y < best[1] || (y === best[1] && x < best[0]))))
        best = [x, y, c];
    }
    if (best === null) break;
    const [x, y] = best;
    const joined = out[x]! + out[y]!.slice(2);
    let z = index.get(joined);
    if (z === undefined) {
      z = out.length;
      out.push(joined);
      index.set(joined, z);
    }
    for (const w of words) {
      const merged: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === x && w[i + 1] === y) {
          merged.push(z);
          i++;
        } else merged.push(w[i]!);
      }
      w.splice(0, w.length, ...merged);
    }
  }
  return out;
}

function naiveTheta(q: number): number {
  const v = [...CORPUS.cues.get('entropy')!]
    .filter((x) => Number.isFinite(x) && x !== 0)
    .sort((a, b) => a - b);
  const r = (v.length - 1) * (q / 100);
  const lo = Math.floor(r);
  const a = v[lo]!;
  const b = v[Math.min(lo + 1, v.length - 1)]!;
  const t = r - lo;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

function naiveVocab(
  constraint: Constraint,
  V: number,
  proportion: number | null,
  balanced: boolean,
): string[] {
  if (proportion === 0) return naiveContinue(BASE, new Set(), [], V);
  const { freq, bySource, occurrences } = naiveSpans(constraint, naiveTheta(30));
  const order = balanced ? roundRobin(bySource) : byFrequency(freq);
  const quota = proportion === null ? V - 770 : Math.max(0, Math.floor(proportion * V) - 770);
  const kept = order.slice(0, quota);
  return naiveContinue([...BASE, ...kept], new Set(kept), occurrences, V);
}

async function vocabOf(options: Omit<ByteSpanOptions, 'cue'>): Promise<string[]> {
  const result = await trainByteSpan(CORPUS, { cue: 'entropy', ...options });
  return result.vocabs.get(options.vocabSizes[0]!)!.tokens;
}

describe('trainByteSpan against a naive implementation of spec §7–§10', () => {
  test.each([
    ['combined', null, false],
    ['monotonic', null, false],
    ['combined', 0.75, false],
    ['monotonic', 0.8, false],
    ['combined', 0.7, true],
    ['combined', 0, false],
  ] as Array<[Constraint, number | null, boolean]>)(
    '%s, proportion %p, balanced %p',
    async (constraint, p, balanced) => {
      const V = 1150;
      const ours = await vocabOf({
        constraint,
        vocabSizes: [V],
        balanced,
        ...(p === null ? {} : { proportion: p }),
      });
      expect(ours).toEqual(naiveVocab(constraint, V, p, balanced));
    },
  );

  test('frequency selection that runs out of spans is completed by BPE', async () => {
    const probe = await trainByteSpan(CORPUS, { cue: 'entropy', constraint: 'monotonic', vocabSizes: [800] });
    const V = 770 + probe.candidates + 150;
    const result = await trainByteSpan(CORPUS, { cue: 'entropy', constraint: 'monotonic', vocabSizes: [V] });
    const vocab = result.vocabs.get(V)!;
    expect(vocab.spanTokens).toBe(result.candidates);
    expect(vocab.bpeTokens).toBe(150);
    expect(vocab.complete).toBe(true);
    expect(vocab.tokens).toEqual(naiveVocab('monotonic', V, null, false));
  });
});

describe('trainByteSpan', () => {
  test('seeding keeps ⌊p·V⌋ − 770 spans; 0.5 and 50 give the same vocabulary', async () => {
    const half = await trainByteSpan(CORPUS, {
      cue: 'entropy',
      constraint: 'combined',
      vocabSizes: [2000, 1600],
      proportion: 0.5,
    });
    const fifty = await trainByteSpan(CORPUS, {
      cue: 'entropy',
      constraint: 'combined',
      vocabSizes: [2000, 1600],
      proportion: 50,
    });
    expect([...half.vocabs.keys()]).toEqual([1600, 2000]);
    expect(half.vocabs.get(2000)!.spanTokens).toBe(230);
    expect(half.vocabs.get(1600)!.spanTokens).toBe(30);
    expect(half.vocabs.get(2000)!.tokens).toHaveLength(2000);
    expect(fifty.vocabs).toEqual(half.vocabs);
    const frequency = await trainByteSpan(CORPUS, {
      cue: 'entropy',
      constraint: 'combined',
      vocabSizes: [2000],
    });
    // The seeded spans are the most frequent candidates, in order.
    expect(half.vocabs.get(2000)!.tokens.slice(770, 1000)).toEqual(
      frequency.vocabs.get(2000)!.tokens.slice(770, 1000),
    );
    expect(half.threshold).toBe(naiveTheta(30));
  });

  test('several sizes from one pass equal separate runs', async () => {
    const both = await trainByteSpan(CORPUS, {
      cue: 'entropy',
      constraint: 'combined',
      vocabSizes: [900, 1200],
    });
    for (const v of [900, 1200]) {
      const alone = await trainByteSpan(CORPUS, { cue: 'entropy', constraint: 'combined', vocabSizes: [v] });
      expect(both.vocabs.get(v)).toEqual(alone.vocabs.get(v));
    }
    expect(both.vocabs.get(1200)!.tokens.slice(0, 900)).toEqual(both.vocabs.get(900)!.tokens);
  });

  test('p = 0 (BPE-WP) uses no spans and does not need the cue', async () => {
    const noCue = cueCorpusFromArrays({ documents: DOCS, cues: {} });
    const result = await trainByteSpan(noCue, {
      cue: 'entropy',
      constraint: 'combined',
      vocabSizes: [900],
      proportion: 0,
    });
    expect(result.candidates).toBe(0);
    expect(result.vocabs.get(900)!.spanTokens).toBe(0);
    expect(result.vocabs.get(900)!.tokens).toEqual(naiveVocab('combined', 900, 0, false));
  });

  test('a pre-token-initial ## never becomes the plain token "##" (it would read as a continuation)', async () => {
    // Pre-tokens '##', '\n', '##', '\n', '##x': every byte continues its run (strictly decreasing cue),
    // so without the rule '##' would be the most frequent span and the first BPE-WP merge (# + ###).
    const doc = enc.encode('##\n##\n##x');
    const documents = Array.from({ length: 60 }, () => doc);
    const cue = Float32Array.from(doc, (_, i) => doc.length - i);
    const corpus = cueCorpusFromArrays({ documents, cues: { entropy: documents.map(() => cue) } });
    const counts = countSpans(corpus, { cue: corpus.cues.get('entropy')!, constraint: 'monotonic' });
    expect(counts.skippedHashPrefix).toBe(180);
    for (const proportion of [undefined, 0.5, 0]) {
      const result = await trainByteSpan(corpus, {
        cue: 'entropy',
        constraint: 'monotonic',
        vocabSizes: [1600],
        ...(proportion === undefined ? {} : { proportion }),
      });
      const tokens = result.vocabs.get(1600)!.tokens;
      expect(tokens).not.toContain('##');
      expect(new Set(tokens).size).toBe(tokens.length);
    }
  });

  test('bad parameters are clear errors', async () => {
    const train = (options: Partial<ByteSpanOptions>) =>
      trainByteSpan(CORPUS, { cue: 'entropy', constraint: 'combined', vocabSizes: [1000], ...options });
    await expect(train({ vocabSizes: [500] })).rejects.toThrow(
      'vocabulary size 500 is smaller than the base vocabulary (770 entries)',
    );
    await expect(train({ thresholdPercentile: 101 })).rejects.toThrow(
      'threshold percentile must be a number in [0, 100], got 101',
    );
    await expect(train({ proportion: 150 })).rejects.toThrow('got 150');
    await expect(train({ cue: 'surprisal' })).rejects.toThrow('the cue corpus has no surprisal cue loaded');
    await expect(train({ constraint: 'global' as Constraint })).rejects.toThrow(
      'constraint must be one of monotonic, combined, got "global"',
    );
    await expect(train({ proportion: 1, vocabSizes: [100000] })).rejects.toThrow(
      /proportion 1 needs 99230 spans for vocabulary size 100000, but the corpus gave only \d+/,
    );
  });
});

describe('BPE continuation rules', () => {
  const id = (token: string) => BASE.indexOf(token);
  const words = (list: Array<[string[], number]>) => {
    const syms = list.flatMap(([w]) => w.map(id));
    const start = new Int32Array(list.length);
    const end = new Int32Array(list.length);
    let at = 0;
    list.forEach(([w], i) => {
      start[i] = at;
      at += w.length;
      end[i] = at;
    });
    return { syms: Int32Array.from(syms), start, end, count: Float64Array.from(list.map(([, c]) => c)) };
  };
  const decode = (vocab: string[], w: ReturnType<typeof words>, i: number) =>
    [...w.syms.subarray(w.start[i]!, w.end[i]!)].map((s) => vocab[s]!.replace(/^##/, '')).join('');

  test('overlapping occurrences merge left to right and keep every byte (a a a)', () => {
    const vocab = [...BASE];
    const w = words([[['b', '##a', '##a', '##a'], 10]]);
    continueWithBPE(vocab, w, BASE.length + 1);
    expect(vocab.at(-1)).toBe('##aa');
    expect(decode(vocab, w, 0)).toBe('baaa');
    expect(w.end[0]! - w.start[0]!).toBe(3);
  });

  test('a joined string already in the vocabulary reuses its id', () => {
    const vocab = [...BASE];
    const w = words([
      [['Ġ', '##t', '##h', '##e'], 5],
      [['Ġ', '##t', '##o'], 3],
    ]);
    const result = continueWithBPE(vocab, w, BASE.length + 2);
    // (Ġ, ##t) is the most frequent pair; Ġt is a base token, so the vocabulary does not grow for it.
    // Then (Ġt, ##h) and (##h, ##e) tie at 5: the smaller right id (##e) goes first.
    expect(vocab.slice(BASE.length)).toEqual(['##he', 'Ġthe']);
    expect(result.merges).toBe(3);
    expect(decode(vocab, w, 0)).toBe('Ġthe');
    expect(vocab).toHaveLength(BASE.length + 2);
  });

  test('ties: smallest right id, then smallest left id', () => {
    const vocab = [...BASE];
    // All pairs occur once; (x, ##b) has the smallest right id among them; then left c < d.
    continueWithBPE(
      vocab,
      words([
        [['d', '##b'], 1],
        [['c', '##b'], 1],
        [['a', '##c'], 1],
      ]),
      BASE.length + 2,
    );
    expect(vocab.slice(BASE.length)).toEqual(['cb', 'db']);
  });

  test('only the ## prefix of the right token is stripped', () => {
    const vocab = [...BASE, '##a##'];
    const w = words([[['x', '##a##'], 4]]);
    w.syms[1] = BASE.length;
    continueWithBPE(vocab, w, BASE.length + 2);
    expect(vocab.at(-1)).toBe('xa##');
  });

  test('a merge that would make a plain token starting with ## is skipped', () => {
    const vocab = [...BASE];
    const result = continueWithBPE(
      vocab,
      words([
        [['#', '###'], 9],
        [['a', '##b'], 1],
      ]),
      BASE.length + 1,
    );
    expect(vocab.at(-1)).toBe('ab');
    expect(result.complete).toBe(true);
  });

  test('runs out of pairs: incomplete', () => {
    const vocab = [...BASE];
    const result = continueWithBPE(vocab, words([[['a', '##b'], 2]]), BASE.length + 5);
    expect(result.complete).toBe(false);
    expect(vocab.slice(BASE.length)).toEqual(['ab']);
  });
});
