import * as fs from 'node:fs';
import fc from 'fast-check';
import { type CueCorpus, cueCorpusFromArrays } from '../tokenizers/bytespan/cue-corpus.js';
import { tokenizerFolder, tokenizerName } from '../tokenizers/bytespan/naming.js';
import { cuePercentile } from '../tokenizers/bytespan/percentile.js';
import { markPreTokenStarts, preTokenStarts } from '../tokenizers/bytespan/pretoken-starts.js';
import {
  balancedOrder,
  checkVocabSizes,
  frequencyOrder,
  normaliseProportion,
  seedQuota,
} from '../tokenizers/bytespan/selection.js';
import { type Constraint, countSpans } from '../tokenizers/bytespan/spans.js';
import { pretokenize } from '../tokenizers/pre-tokenizers/gpt2-pattern.js';

const enc = new TextEncoder();

function corpusOf(docs: ReadonlyArray<{ text: string; cue: number[] }>, sources?: number[]): CueCorpus {
  return cueCorpusFromArrays({
    documents: docs.map((d) => enc.encode(d.text)),
    cues: { entropy: docs.map((d) => Float32Array.from(d.cue)) },
    ...(sources === undefined ? {} : { sources, sourceLabels: ['en', 'de'] }),
  });
}

/** Counted span candidates as [spelling, count] in first-occurrence order. */
function spans(
  docs: ReadonlyArray<{ text: string; cue: number[] }>,
  constraint: Constraint,
  threshold?: number,
): Array<[string, number]> {
  const corpus = corpusOf(docs);
  const { table } = countSpans(corpus, {
    cue: corpus.cues.get('entropy')!,
    constraint,
    ...(threshold === undefined ? {} : { threshold }),
  });
  return Array.from({ length: table.size }, (_, i): [string, number] => [
    table.spelling(i),
    table.counts[i]!,
  ]);
}

/** Pre-token starts by the regex definition (pre-tokenizers/gpt2-pattern.ts), from each piece's UTF-8 length. */
function regexStarts(text: string): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const piece of pretokenize(text)) {
    starts.push(at);
    at += enc.encode(piece).length;
  }
  return starts;
}

function startsOf(ptb: Uint8Array): number[] {
  return [...ptb.keys()].filter((i) => ptb[i] === 1);
}

describe('pre-token boundaries', () => {
  test('true at the first byte of each GPT-2 pre-token, with byte offsets', () => {
    const text = " Hello, world! It's 42 naïve 日本語  \n\n x";
    const bytes = enc.encode(text);
    const ptb = new Uint8Array(bytes.length);
    markPreTokenStarts(bytes, ptb);
    expect(startsOf(ptb)).toEqual(regexStarts(text));
    expect(ptb[0]).toBe(1);
  });

  test('equal to the regex on every multilingual sample and on arbitrary Unicode', () => {
    for (const file of fs.readdirSync(new URL('../data/multilingual/', import.meta.url))) {
      const text = fs
        .readFileSync(new URL(`../data/multilingual/${file}`, import.meta.url), 'utf8')
        .slice(0, 20000);
      const bytes = enc.encode(text);
      const ptb = new Uint8Array(bytes.length);
      markPreTokenStarts(bytes, ptb);
      expect(startsOf(ptb)).toEqual(regexStarts(text));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const bytes = enc.encode(text);
        const ptb = new Uint8Array(bytes.length);
        markPreTokenStarts(bytes, ptb);
        expect(startsOf(ptb)).toEqual(regexStarts(text));
      }),
      { numRuns: 300 },
    );
  });

  test('every document starts a pre-token; no prefix space is added', () => {
    const docs = ['ab cd', 'x', '  y'].map((t) => enc.encode(t));
    const bytes = new Uint8Array([...docs[0]!, ...docs[1]!, ...docs[2]!]);
    // 'ab' ' cd' | 'x' | ' ' ' y'
    expect(startsOf(preTokenStarts(bytes, [5, 6, 9]))).toEqual([0, 2, 5, 6, 7]);
  });

  test('malformed UTF-8: each bad byte is one symbol and offsets stay exact', () => {
    // " a" 0xFF "b" 0xE2 0x82 (truncated) " c"
    const bytes = new Uint8Array([0x20, 0x61, 0xff, 0x62, 0xe2, 0x82, 0x20, 0x63]);
    const ptb = new Uint8Array(bytes.length);
    markPreTokenStarts(bytes, ptb);
    // ' a' | U+FFFD | 'b' | U+FFFD U+FFFD | ' c'
    expect(startsOf(ptb)).toEqual([0, 2, 3, 4, 6]);
  });
});

describe('span constraints (hand-made cues)', () => {
  test('monotonic: a strictly decreasing run is one span, closed at the document end', () => {
    // The reference's flip parity drops a run that reaches the document's end (B1).
    expect(spans([{ text: 'abcd', cue: [3, 2, 1, 0.5] }], 'monotonic')).toEqual([['abcd', 1]]);
  });

  test('monotonic: equal values break a run', () => {
    expect(spans([{ text: 'abcd', cue: [3, 2, 2, 1] }], 'monotonic')).toEqual([
      ['ab', 1],
      ['##cd', 1],
    ]);
  });

  test('combined: below θ continues even when rising; a value equal to θ does not', () => {
    expect(spans([{ text: 'abc', cue: [1, 1, 1.5] }], 'combined', 2)).toEqual([['abc', 1]]);
    expect(spans([{ text: 'abc', cue: [2, 2, 2] }], 'combined', 2)).toEqual([]);
    expect(spans([{ text: 'abc', cue: [2, 2, 2] }], 'monotonic')).toEqual([]);
  });

  test('combined: a document-initial value below θ is still a head (B1 parity case)', () => {
    // ' cat sat' with s0 < θ: the reference's parity inverts and yields Ġc, t, Ġs.
    const cue = [0.1, 5, 1, 0.5, 0.2, 6, 1, 0.5];
    expect(spans([{ text: ' cat sat', cue }], 'combined', 0.3)).toEqual([
      ['Ġcat', 1],
      ['Ġsat', 1],
    ]);
  });

  test('document boundaries: a run never continues into the next document', () => {
    // 'c' (0.5) is below 'b' (1) but starts a new document, so it is a head: 'cd' is plain.
    const docs = [
      { text: 'ab', cue: [2, 1] },
      { text: 'cd', cue: [0.5, 0.1] },
    ];
    expect(spans(docs, 'monotonic')).toEqual([
      ['ab', 1],
      ['cd', 1],
    ]);
  });

  test('clean-up 1: a head inside a pre-token takes in the preceding space', () => {
    expect(spans([{ text: ' hello', cue: [1, 9, 5, 4, 3, 2] }], 'monotonic')).toEqual([['Ġhello', 1]]);
  });

  test('clean-up 2 and 4: a span is cut at pre-token starts and never ends on one', () => {
    expect(spans([{ text: 'ab cd', cue: [9, 8, 7, 6, 5] }], 'monotonic')).toEqual([
      ['ab', 1],
      ['Ġcd', 1],
    ]);
    expect(spans([{ text: 'ab c', cue: [9, 8, 7, 20] }], 'monotonic')).toEqual([['ab', 1]]);
    // 'ab c' with 'c' continuing: the run [0, 3] is cut into 'ab' and ' c' (a base token, not counted).
    expect(spans([{ text: 'ab c', cue: [9, 8, 7, 6] }], 'monotonic')).toEqual([['ab', 1]]);
  });

  test('base tokens are not candidates, but a double space is', () => {
    expect(spans([{ text: ' a', cue: [2, 1] }], 'monotonic')).toEqual([]);
    // 'x' then the final whitespace run '  ' (one pre-token): ĠĠ is not in the base vocabulary.
    expect(spans([{ text: 'x  ', cue: [9, 8, 7] }], 'monotonic')).toEqual([['ĠĠ', 1]]);
  });

  test('a pre-token-initial span starting with ## is skipped; a continuation of # is kept', () => {
    const corpus = corpusOf([{ text: '##', cue: [9, 8] }]);
    const counts = countSpans(corpus, { cue: corpus.cues.get('entropy')!, constraint: 'monotonic' });
    expect(counts.table.size).toBe(0);
    expect(counts.skippedHashPrefix).toBe(1);
    expect(spans([{ text: '!##', cue: [1, 9, 8] }], 'monotonic')).toEqual([['####', 1]]);
  });

  test('NaN breaks a run', () => {
    expect(spans([{ text: 'abcd', cue: [4, 3, Number.NaN, 1] }], 'monotonic')).toEqual([['ab', 1]]);
  });

  test('counts accumulate in first-occurrence order across documents', () => {
    const docs = [
      { text: ' to be', cue: [1, 9, 5, 1, 9, 5] },
      { text: ' be to', cue: [1, 9, 5, 1, 9, 5] },
    ];
    expect(spans(docs, 'monotonic')).toEqual([
      ['Ġto', 2],
      ['Ġbe', 2],
    ]);
  });

  test('a cue of the wrong length and a combined pass without θ are errors', () => {
    const corpus = corpusOf([{ text: 'abc', cue: [1, 2, 3] }]);
    expect(() => countSpans(corpus, { cue: new Float32Array(2), constraint: 'monotonic' })).toThrow(
      'the cue has 2 values but the corpus has 3 bytes',
    );
    expect(() => countSpans(corpus, { cue: corpus.cues.get('entropy')!, constraint: 'combined' })).toThrow(
      'needs a finite threshold',
    );
  });
});

describe('combined threshold θ (numpy linear percentile)', () => {
  // Expected values from /usr/bin/python3 with numpy 1.24.2:
  //   v = np.array(VALUES, dtype=np.float32).astype(np.float64)
  //   np.percentile(v[np.isfinite(v) & (v != 0)], q)
  const VALUES = [3.5, 0, -1.25, Number.NaN, 2, Infinity, 7.75, 0.001, -Infinity, 2, -0, 0.3];
  const EXPECTED: Array<[number, number]> = [
    [0, -1.25],
    [10, -0.4993999999715014],
    [30, 0.2402000095462426],
    [33.3, 0.299402011897182],
    [50, 2.0],
    [62.5, 2.0],
    [99.9, 7.724500000000003],
    [100, 7.75],
  ];
  test.each(EXPECTED)('q = %p on a small array with 0, ±∞ and NaN', (q, expected) => {
    expect(cuePercentile(Float32Array.from(VALUES), q)).toBe(expected);
  });

  // v_i = ((i · 7919) mod 1000 − 500) / 8 for i < 2000 (exact in float32; two zeros dropped), same recipe.
  const LONG = Float32Array.from({ length: 2000 }, (_, i) => (((i * 7919) % 1000) - 500) / 8);
  test.each([
    [30, -25.112499999999997],
    [12.5, -46.921875],
    [77.7, 34.58362500000001],
    [99.99, 62.375],
  ])('q = %p on a 2,000-value sequence', (q, expected) => {
    expect(cuePercentile(LONG, q)).toBe(expected);
  });

  test('equals the sort-based formula on random float32 arrays', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noDefaultInfinity: false }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (values, q) => {
          const f32 = Float32Array.from(values);
          const kept = [...f32].filter((v) => Number.isFinite(v) && v !== 0).sort((a, b) => a - b);
          if (kept.length === 0) {
            expect(() => cuePercentile(f32, q)).toThrow('no cue value is finite and non-zero');
            return;
          }
          const r = (kept.length - 1) * (q / 100);
          const lo = Math.floor(r);
          const a = kept[lo]!;
          const b = kept[Math.min(lo + 1, kept.length - 1)]!;
          const t = r - lo;
          const expected = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
          expect(cuePercentile(f32, q)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('q outside [0, 100] is an error', () => {
    const v = Float32Array.of(1, 2, 3);
    expect(() => cuePercentile(v, -1)).toThrow('threshold percentile must be a number in [0, 100], got -1');
    expect(() => cuePercentile(v, 100.5)).toThrow('got 100.5');
    expect(() => cuePercentile(v, Number.NaN)).toThrow('got NaN');
  });
});

describe('selection', () => {
  test('proportions: 0.5 and 50 are the same; outside [0, 100] is an error', () => {
    expect(normaliseProportion(0.5)).toBe(0.5);
    expect(normaliseProportion(50)).toBe(0.5);
    expect(normaliseProportion(0)).toBe(0);
    expect(normaliseProportion(1)).toBe(1);
    expect(normaliseProportion(25)).toBe(0.25);
    for (const bad of [-0.1, 100.5, Number.NaN]) {
      expect(() => normaliseProportion(bad)).toThrow(
        `proportion must be a fraction in [0, 1] or a percentage in [0, 100], got ${bad}`,
      );
    }
  });

  test('seeding quota is ⌊p·V − 770⌋ spans, never negative', () => {
    expect(seedQuota(0.5, 64000, 770)).toBe(31230);
    expect(seedQuota(0.25, 8064, 770)).toBe(1246);
    expect(seedQuota(0.1, 16000, 770)).toBe(830);
    expect(seedQuota(0.5, 1000, 770)).toBe(0);
    expect(seedQuota(1, 2000, 770)).toBe(1230);
  });

  test('vocabulary sizes below the base are errors naming the size', () => {
    expect(checkVocabSizes([2000, 1000, 2000], 770)).toEqual([1000, 2000]);
    expect(() => checkVocabSizes([1000, 700], 770)).toThrow(
      'vocabulary size 700 is smaller than the base vocabulary (770 entries)',
    );
    expect(() => checkVocabSizes([1000.5], 770)).toThrow('vocabulary size must be an integer, got 1000.5');
    expect(() => checkVocabSizes([], 770)).toThrow('no vocabulary size given');
  });

  test('frequency order: descending count, ties in first-occurrence order', () => {
    const counts = Float64Array.of(2, 5, 2, 7, 5, 1);
    expect([...frequencyOrder(counts, 6)]).toEqual([3, 1, 4, 0, 2, 5]);
  });

  test('balanced order: i-th most frequent of each source in turn, skipping ones taken', () => {
    const en = new Map([
      [0, 3], // A
      [1, 2], // B
    ]);
    const de = new Map([
      [2, 5], // C
      [0, 1], // A
      [3, 1], // D
    ]);
    expect([...balancedOrder([en, de])]).toEqual([0, 2, 1, 3]);
  });

  test('the span pass keeps per-source counts for balanced selection', () => {
    const corpus = corpusOf(
      [
        { text: ' to be', cue: [1, 9, 5, 1, 9, 5] },
        { text: ' be', cue: [1, 9, 5] },
      ],
      [0, 1],
    );
    const counts = countSpans(corpus, {
      cue: corpus.cues.get('entropy')!,
      constraint: 'monotonic',
      perSource: true,
    });
    const named = counts.bySource!.map((m) => [...m].map(([c, n]) => [counts.table.spelling(c), n]));
    expect(named).toEqual([
      [
        ['Ġto', 1],
        ['Ġbe', 1],
      ],
      [['Ġbe', 1]],
    ]);
  });
});

describe('naming (spec §12)', () => {
  test('reference names and folders', () => {
    const combined = { kind: 'bytespan', cue: 'entropy', constraint: 'combined' } as const;
    expect(tokenizerName(combined)).toBe('ByteSpanEntropyCombinedFrequency');
    expect(tokenizerFolder(tokenizerName(combined), 64000)).toBe('ByteSpanEntropyCombinedFrequency_64000');
    expect(tokenizerName({ ...combined, cue: 'surprisal', proportion: 0.5 })).toBe(
      'ByteSpanSurprisalCombinedSeeding',
    );
    expect(tokenizerName({ ...combined, proportion: 50 })).toBe('ByteSpanEntropyCombinedSeeding');
    expect(tokenizerName({ ...combined, proportion: 0.25 })).toBe('ByteSpanEntropyCombinedSeeding0-25');
    expect(tokenizerName({ ...combined, thresholdPercentile: 40 })).toBe(
      'ByteSpanEntropyCombined40Frequency',
    );
    expect(tokenizerName({ ...combined, thresholdPercentile: 12.5, proportion: 1 })).toBe(
      'ByteSpanEntropyCombined12-5Seeding1',
    );
    expect(tokenizerName({ ...combined, constraint: 'monotonic', thresholdPercentile: 40 })).toBe(
      'ByteSpanEntropyMonotonicFrequency',
    );
    expect(tokenizerName({ ...combined, proportion: 0.5, balanced: true }, { multilingual: true })).toBe(
      'MultiByteSpanEntropyCombinedSeedingBalanced',
    );
    expect(tokenizerName({ ...combined, proportion: 0 })).toBe('BPEWP');
    expect(tokenizerName({ ...combined, proportion: 0 }, { multilingual: true })).toBe('MultiBPEWP');
    expect(tokenizerName({ kind: 'global', cue: 'surprisal' })).toBe('ByteSpanSurprisalGlobalIncrement');
    expect(tokenizerName({ kind: 'global', cue: 'entropy', leftShift: true })).toBe(
      'ByteSpanEntropyGlobalIncrementLeftShift',
    );
    expect(tokenizerName({ kind: 'bpe' })).toBe('BPE');
    expect(tokenizerName({ kind: 'bpe' }, { multilingual: true })).toBe('MultiBPE');
  });
});
