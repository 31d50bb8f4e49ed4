import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { plotLines } from '../analysis/plots.js';
import { type BudgetLine, budgetSeries, plotBudget, readBudgetLines } from '../bench/bytespan-budget-plot.js';
import { pngSize } from './png-size.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-budget-plot-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const score = (m2048: number | null, m4096: number) => ({
  ByteSpanEntropyCombinedFrequency_2048: { morph: m2048, bpt: 3 },
  ByteSpanEntropyCombinedFrequency_4096: { morph: m4096, bpt: 3.4 },
});
const point = (family: string, size: number, bitsPerByte: number | null, m2048: number | null) =>
  ({
    bench: 'bytespan-budget',
    cueModel: `${family}-${size}`,
    family,
    size,
    bitsPerByte,
    combFreqE: score(m2048, 0.5),
  }) as const;
const lines: BudgetLine[] = [
  {
    bench: 'bytespan-budget',
    baselines: {
      BPE_2048: { morph: 0.48, bpt: 3.3 },
      BPEWP_2048: { morph: 0.616, bpt: 3.2 },
      BPE_4096: { morph: 0.43, bpt: 3.6 },
      BPEWP_4096: { morph: 0.616, bpt: 3.5 },
    },
  },
  point('ngram', 5, 1.9, 0.655),
  point('ngram', 2, 3.3, 0.302),
  point('transformer 2L×96', 300, 3.02, 0.375),
  point('transformer 2L×96', 1200, 2.6, 0.517),
  point('transformer 2L×96', 600, null, 0.4), // no bits per byte: not plotted
  point('transformer 4L×96', 1200, 2.5, null), // no MorphScore at 2048: not plotted there
];

describe('bench:bytespan-budget plot', () => {
  test('one series per cue-model family, points in bits-per-byte order with their sizes, baselines across', () => {
    const series = budgetSeries(lines, 2048);
    expect(series.map((s) => s.label)).toEqual([
      'n-gram cues (order)',
      'transformer 2L×96 cues (steps)',
      'BPE-WP (no cues): 0.616',
      'BPE (no cues): 0.480',
    ]);
    expect(series[0]!.points).toEqual([
      { x: 1.9, y: 0.655 },
      { x: 3.3, y: 0.302 },
    ]);
    expect(series[0]!.labels).toEqual(['5-gram', '2-gram']);
    expect(series[1]!.labels).toEqual(['1200', '300']);
    expect(series[2]!.points).toEqual([
      { x: 1.9, y: 0.616 },
      { x: 3.3, y: 0.616 },
    ]);
    expect(series.map((s) => s.dashed)).toEqual([false, false, true, true]);
    // At 4096 the 4-layer model has a MorphScore: a third family.
    expect(budgetSeries(lines, 4096)).toHaveLength(5);
  });

  test('JSON lines round-trip to one PNG per vocabulary size', () => {
    const file = path.join(tmp, 'budget.jsonl');
    fs.writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n\n`);
    expect(readBudgetLines(file)).toEqual(lines);
    const written = plotBudget(readBudgetLines(file), tmp);
    expect(written).toEqual([path.join(tmp, 'budget-2048.png'), path.join(tmp, 'budget-4096.png')]);
    for (const png of written) expect(pngSize(fs.readFileSync(png))).toEqual({ width: 1200, height: 600 });
  });

  test('bad lines are refused with the file, the line and the field named', () => {
    const file = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(file, `${JSON.stringify(lines[1])}\n{"bench":"bytespan-budget","cueModel":"x"}\n`);
    expect(() => readBudgetLines(file)).toThrow(`${file}:2: field "family" missing`);
    fs.writeFileSync(file, '{"bench":"ngram"}\n');
    expect(() => readBudgetLines(file)).toThrow(`${file}:1: bench is not "bytespan-budget"`);
    fs.writeFileSync(file, '{oops\n');
    expect(() => readBudgetLines(file)).toThrow(`${file}:1: not JSON`);
    expect(() => plotBudget([lines[0]!], tmp)).toThrow('no cue-model lines');
  });

  test('plotLines draws point labels and refuses labels that do not match the points', () => {
    const points = [
      { x: 1, y: 1 },
      { x: 2, y: 3 },
    ];
    const size = { width: 400, height: 300, title: 't', xLabel: 'x', yLabel: 'y' };
    const plain = plotLines([{ label: 'a', points }], path.join(tmp, 'plain.png'), size);
    const labelled = plotLines(
      [{ label: 'a', points, labels: ['one', 'two'] }],
      path.join(tmp, 'l.png'),
      size,
    );
    expect(labelled.equals(plain)).toBe(false);
    expect(() =>
      plotLines([{ label: 'a', points, labels: ['one'] }], path.join(tmp, 'bad.png'), size),
    ).toThrow('series "a" has 1 labels for 2 points');
  });
});
