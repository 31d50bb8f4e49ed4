import fc from 'fast-check';
import {
  createRng,
  filterLogits,
  getSamplingFn,
  listSamplingStrategies,
  registerSampling,
  samplingRegistry,
  softmax,
} from '../inference/sampling.js';
import { sampleToken } from '../model/sampling.js';

const logits = Float32Array.from([2, 1, 3, 0.5, 3, -1]); // ids 2 and 4 tie for the top

const support = (row: Float32Array): number[] =>
  [...row.keys()].filter((i) => row[i] !== Number.NEGATIVE_INFINITY);

describe('filters', () => {
  test('top-k threshold keeps ties; exact keeps k with ties broken by ascending id; k is clamped', () => {
    expect(support(filterLogits(logits, { topK: 1 }))).toEqual([2, 4]);
    expect(support(filterLogits(logits, { topK: 1, topKMode: 'exact' }))).toEqual([2]);
    expect(support(filterLogits(logits, { topK: 3, topKMode: 'exact' }))).toEqual([0, 2, 4]);
    expect(support(filterLogits(logits, { topK: 100 }))).toHaveLength(6);
  });

  test('top-p keeps the smallest prefix whose mass reaches p, including the crossing token', () => {
    const probs = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    expect(support(filterLogits(probs, { topP: 0.5 }))).toEqual([0]);
    expect(support(filterLogits(probs, { topP: 0.6 }))).toEqual([0, 1]);
    expect(support(filterLogits(probs, { topP: 0.81 }))).toEqual([0, 1, 2]);
    expect(support(filterLogits(probs, { topP: 1 }))).toEqual([0, 1, 2, 3]);
  });

  test('parameters outside their ranges are errors naming the parameter (issue 13)', () => {
    const row = Float32Array.from([1, 2, 3]);
    const cases: Array<[object, RegExp]> = [
      [{ temperature: Number.NaN }, /temperature must be a finite number ≥ 0 \(0 = greedy\), got NaN/],
      [{ temperature: -1 }, /temperature must be/],
      [{ temperature: Number.POSITIVE_INFINITY }, /temperature must be/],
      [{ topP: -1 }, /topP must be in \(0, 1\], got -1/],
      [{ topP: 0 }, /topP must be in \(0, 1\], got 0/],
      [{ topP: Number.NaN }, /topP must be in \(0, 1\], got NaN/],
      [{ topP: 1.5 }, /topP must be/],
      [{ topK: 0 }, /topK must be an integer ≥ 1, got 0/],
      [{ topK: 2.5 }, /topK must be an integer ≥ 1/],
      [{ minP: 1 }, /minP must be in \[0, 1\), got 1/],
      [{ minP: -0.1 }, /minP must be/],
      [{ repetitionPenalty: 0 }, /repetitionPenalty must be a finite number > 0/],
    ];
    for (const [options, message] of cases) expect(() => filterLogits(row, options)).toThrow(message);
  });

  test('a temperature so small that the logits overflow samples the arg-max; NaN logits are an error', () => {
    const row = Float32Array.from([0.5, 2, -3, 1]);
    for (const temperature of [1e-39, 1e-45, Number.MIN_VALUE]) {
      expect(support(filterLogits(row, { temperature }))).toEqual([1]);
      expect(sampleToken(row, { temperature }, createRng(1))).toBe(1);
    }
    const negative = Float32Array.from([-5, -2, -9]); // max / T → −∞ for a tiny T
    expect(sampleToken(negative, { temperature: 1e-45 }, createRng(1))).toBe(1);
    expect(() => filterLogits(Float32Array.from([0, Number.NaN]), {})).toThrow(/logit 1 is NaN/);
  });

  test('top-p support always reaches mass p (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (values, p) => {
          const row = Float32Array.from(values);
          const kept = support(filterLogits(row, { topP: p }));
          const probs = softmax(row);
          const mass = kept.reduce((s, i) => s + probs[i]!, 0);
          expect(mass).toBeGreaterThanOrEqual(p - 1e-6);
          // minimal: dropping the least likely kept token falls below p
          const least = Math.min(...kept.map((i) => probs[i]!));
          if (kept.length > 1) expect(mass - least).toBeLessThan(p + 1e-6);
        },
      ),
    );
  });

  test('min-p, temperature 0 and repetition penalty', () => {
    const probs = Float32Array.from([Math.log(0.6), Math.log(0.25), Math.log(0.1), Math.log(0.05)]);
    expect(support(filterLogits(probs, { minP: 0.2 }))).toEqual([0, 1]);
    expect(support(filterLogits(logits, { temperature: 0 }))).toEqual([2]);
    const penalised = filterLogits(Float32Array.from([2, -2, 1]), { repetitionPenalty: 2 }, [0, 1]);
    expect(Array.from(penalised)).toEqual([1, -4, 1]);
  });

  test('inputs are never mutated', () => {
    const copy = Float32Array.from(logits);
    filterLogits(logits, { topK: 2, topP: 0.5, temperature: 0.5, repetitionPenalty: 1.3 }, [0]);
    expect(logits).toEqual(copy);
  });
});

describe('strategies', () => {
  test('registry lists the built-ins; unknown names list them', () => {
    expect(listSamplingStrategies()).toEqual([
      'greedy',
      'temperature',
      'top_k',
      'top_p',
      'min_p',
      'combined',
    ]);
    expect(() => getSamplingFn('beam')).toThrow(
      /unknown sampling strategy "beam"; registered: greedy, temperature/,
    );
  });

  test('greedy takes the first maximum of each row', () => {
    expect(getSamplingFn('greedy')(Float32Array.from([0, 5, 5, 1, 9, 2]), 2, {}, createRng(0))).toEqual([
      1, 1,
    ]);
  });

  test('top-k draws only from the k best and seeds reproduce draws', () => {
    const fn = getSamplingFn('top_k');
    const seen = new Set<number>();
    const rng = createRng(7);
    for (let i = 0; i < 300; i++) seen.add(fn(logits, 1, { topK: 3 }, rng)[0]!);
    expect([...seen].sort()).toEqual([0, 2, 4]);
    const a = Array.from(
      { length: 20 },
      (
        (r) => () =>
          fn(logits, 1, { topK: 3 }, r)[0]
      )(createRng(11)),
    );
    const b = Array.from(
      { length: 20 },
      (
        (r) => () =>
          fn(logits, 1, { topK: 3 }, r)[0]
      )(createRng(11)),
    );
    expect(a).toEqual(b);
  });

  test('batch-safe: rows with different nucleus sizes are filtered independently', () => {
    const rows = Float32Array.from([10, 0, 0, 0, /* row 2: flat */ 1, 1, 1, 1]);
    const rng = createRng(3);
    const second = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const [a, b] = getSamplingFn('top_p')(rows, 2, { topP: 0.9 }, rng);
      expect(a).toBe(0);
      second.add(b!);
    }
    expect(second.size).toBe(4);
  });

  test('users register their own strategy', () => {
    registerSampling('always-zero', (_l, rows) => new Array(rows).fill(0));
    expect(getSamplingFn('always-zero')(logits, 1, {}, createRng(0))).toEqual([0]);
    expect(() => registerSampling('greedy', () => [])).toThrow(/already registered/);
    samplingRegistry.unregister('always-zero');
  });
});

test('top-k (heap selection) and top-p keep exactly what a full sort would, ties included', () => {
  /** The definition, with one full sort: rank by value descending, ties by ascending id. */
  function byFullSort(
    row: Float32Array,
    k: number | null,
    mode: 'threshold' | 'exact',
    p: number | null,
  ): number[] {
    const order = [...row.keys()].sort((a, b) => row[b]! - row[a]! || a - b);
    let kept = order;
    if (k !== null) {
      const kk = Math.min(k, row.length);
      kept = mode === 'exact' ? order.slice(0, kk) : order.filter((i) => row[i]! >= row[order[kk - 1]!]!);
    }
    if (p !== null && p < 1) {
      const masked = Float32Array.from(row, (v, i) => (kept.includes(i) ? v : Number.NEGATIVE_INFINITY));
      const probs = softmax(masked);
      const out: number[] = [];
      let mass = 0;
      for (const id of kept) {
        if (out.length > 0 && mass >= p) break;
        out.push(id);
        mass += probs[id]!;
      }
      kept = out;
    }
    return [...kept].sort((a, b) => a - b);
  }
  fc.assert(
    fc.property(
      // Few distinct values, so ties are common.
      fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 40 }),
      fc.option(fc.integer({ min: 1, max: 45 }), { nil: null }),
      fc.constantFrom('threshold' as const, 'exact' as const),
      fc.option(fc.double({ min: 0.05, max: 1, noNaN: true }), { nil: null }),
      (values, k, mode, p) => {
        const row = Float32Array.from(values, (v) => v / 2);
        const got = support(filterLogits(row, { topK: k, topKMode: mode, topP: p }));
        expect(got).toEqual(byFullSort(row, k, mode, p));
      },
    ),
    { numRuns: 500 },
  );
});
