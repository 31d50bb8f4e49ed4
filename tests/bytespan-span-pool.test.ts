import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ArenaArray } from '../tokenizers/arena-table.js';
import {
  type CueCorpus,
  CueCorpusWriter,
  cueCorpusFromArrays,
  readCueCorpus,
} from '../tokenizers/bytespan/cue-corpus.js';
import { cuePercentile } from '../tokenizers/bytespan/percentile.js';
import { countSpansParallel, documentRanges } from '../tokenizers/bytespan/span-pool.js';
import { trainByteSpan } from '../tokenizers/bytespan/span-trainer.js';
import { type Constraint, countSpans, type SpanCounts } from '../tokenizers/bytespan/spans.js';

const enc = new TextEncoder();
const dataDir = new URL('../data/multilingual/', import.meta.url);
const languages = fs.readdirSync(dataDir).sort();

/**
 * The start of every multilingual sample cut into paragraphs (many documents, eight sources), with a synthetic cue: a
 * deterministic pseudo-random walk that falls within words and jumps at spaces, so spans of all lengths
 * occur and the combined threshold matters.
 */
function multilingualCorpus(): CueCorpus {
  const documents: Uint8Array[] = [];
  const cues: Float32Array[] = [];
  const sources: number[] = [];
  let state = 12345;
  languages.forEach((file, s) => {
    const text = fs.readFileSync(new URL(file, dataDir), 'utf8').slice(0, 40000);
    for (const paragraph of text.split(/\n\s*\n/)) {
      if (paragraph.length === 0) continue;
      const bytes = enc.encode(paragraph);
      const cue = new Float32Array(bytes.length);
      let value = 4;
      for (let i = 0; i < bytes.length; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        const r = state / 2 ** 32;
        value = bytes[i] === 0x20 || r < 0.15 ? 2 + 4 * r : value - r;
        cue[i] = value;
      }
      documents.push(bytes);
      cues.push(cue);
      sources.push(s);
    }
  });
  return cueCorpusFromArrays({
    documents,
    cues: { entropy: cues },
    sources,
    sourceLabels: languages.map((f) => f.replace(/\.txt$/, '')),
  });
}

/** Index of the first difference between two typed arrays, or -1. */
function firstDifference(a: ArenaArray | Float64Array, b: ArenaArray | Float64Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function expectSameCounts(actual: SpanCounts, expected: SpanCounts): void {
  expect(actual.table.size).toBe(expected.table.size);
  const spell = (t: SpanCounts['table']) => Array.from({ length: t.size }, (_, c) => t.spelling(c));
  expect(spell(actual.table)).toEqual(spell(expected.table));
  expect(
    firstDifference(
      actual.table.counts.subarray(0, actual.table.size),
      expected.table.counts.subarray(0, expected.table.size),
    ),
  ).toBe(-1);
  expect(actual.occurrences).toBe(expected.occurrences);
  expect(actual.skippedHashPrefix).toBe(expected.skippedHashPrefix);
  expect(actual.bySource?.map((m) => [...m])).toEqual(expected.bySource?.map((m) => [...m]));
  expect(actual.words === null).toBe(expected.words === null);
  if (actual.words !== null && expected.words !== null) {
    const a = actual.words.data();
    const e = expected.words.data();
    expect(a.size).toBe(e.size);
    for (const key of ['arena', 'starts', 'lengths', 'counts'] as const) {
      expect([key, firstDifference(a[key], e[key])]).toEqual([key, -1]);
    }
  }
}

describe('parallel span pass', () => {
  const corpus = multilingualCorpus();
  const cue = corpus.cues.get('entropy')!;

  test('the test corpus has many documents and sources, and spans of every kind', () => {
    expect(corpus.docEnds.length).toBeGreaterThan(100);
    expect(new Set(corpus.docSources).size).toBe(languages.length);
  });

  test.each<[Constraint, number]>([
    ['combined', 2],
    ['monotonic', 3],
  ])(
    '%s on %i threads equals the single-thread pass (per-source counts and words on)',
    async (constraint, numWorkers) => {
      const options = {
        cue,
        constraint,
        ...(constraint === 'combined' ? { threshold: cuePercentile(cue, 30) } : {}),
        perSource: true,
        words: true,
      };
      const single = countSpans(corpus, options);
      expect(single.table.size).toBeGreaterThan(1000);
      expect(single.words!.size).toBeGreaterThan(1000);
      expect(single.skippedHashPrefix + single.occurrences).toBeGreaterThan(0);
      const progress: number[] = [];
      const parallel = await countSpansParallel(corpus, {
        ...options,
        numWorkers,
        onProgress: (done, total) => {
          expect(total).toBe(corpus.bytes.length);
          progress.push(done);
        },
      });
      expectSameCounts(parallel, single);
      expect(progress.at(-1)).toBe(corpus.bytes.length);
    },
  );

  test('bytes-only words (BPE-WP) are the same too', async () => {
    const options = { cue: null, constraint: 'combined' as const, bytesOnly: true };
    expectSameCounts(
      await countSpansParallel(corpus, { ...options, numWorkers: 2 }),
      countSpans(corpus, options),
    );
  });

  test('a corpus read from disk is shared with the workers, not copied', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'span-pool-'));
    try {
      const writer = new CueCorpusWriter(dir, { unit: 'nats', cues: ['entropy'], sources: ['all'] });
      for (let d = 0; d < 60; d++) {
        const start = d === 0 ? 0 : corpus.docEnds[d - 1]!;
        const end = corpus.docEnds[d]!;
        writer.append(corpus.bytes.subarray(start, end), new Map([['entropy', cue.subarray(start, end)]]), 0);
      }
      writer.close();
      const read = readCueCorpus(dir);
      expect(read.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
      const options = { cue: read.cues.get('entropy')!, constraint: 'monotonic' as const, words: true };
      expectSameCounts(
        await countSpansParallel(read, { ...options, numWorkers: 3 }),
        countSpans(read, options),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('trainByteSpan gives the same vocabulary on one and on two threads', async () => {
    const options = {
      cue: 'entropy' as const,
      constraint: 'combined' as const,
      vocabSizes: [1200],
      proportion: 0.5,
    };
    const one = await trainByteSpan(corpus, { ...options, numWorkers: 1 });
    const two = await trainByteSpan(corpus, { ...options, numWorkers: 2 });
    expect(two.vocabs.get(1200)!.tokens).toEqual(one.vocabs.get(1200)!.tokens);
    expect(two.occurrences).toBe(one.occurrences);
  });

  test('numWorkers must be a positive integer', async () => {
    await expect(countSpansParallel(corpus, { cue, constraint: 'monotonic', numWorkers: 0 })).rejects.toThrow(
      'numWorkers must be a positive integer, got 0',
    );
  });
});

describe('document ranges', () => {
  test('cover every document once, in order, with about equal bytes', () => {
    const ends = Float64Array.from({ length: 100 }, (_, d) => 10 * (d + 1));
    expect(documentRanges(ends, 4)).toEqual([
      [0, 25],
      [25, 50],
      [50, 75],
      [75, 100],
    ]);
  });

  test('a document is never split, so one huge document makes fewer ranges', () => {
    expect(documentRanges(Float64Array.of(5, 1000, 1003), 3)).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(documentRanges(Float64Array.of(1000), 4)).toEqual([[0, 1]]);
    expect(documentRanges(new Float64Array(0), 4)).toEqual([]);
  });
});
