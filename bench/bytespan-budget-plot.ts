/**
 * The figure of `bench:bytespan-budget`: for each vocabulary size, the Comb-Freq E MorphScore against the
 * cue model's bits per byte on S2, one labelled series per cue-model family (the n-gram orders, each
 * transformer shape's step budgets) and the cue-free baselines BPE-WP and BPE as horizontal lines. Drawn
 * from the bench's JSON lines, so a saved run is replotted without recomputing anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { plotLines, type Series } from '../index.js';

/** A Comb-Freq E or baseline tokenizer's scores on S2. */
export interface BudgetScore {
  morph: number | null;
  bpt: number;
}

/** One cue model's line: its family, its size (n-gram order or optimiser steps), its bits per byte on S2. */
export interface BudgetPoint {
  bench: 'bytespan-budget';
  cueModel: string;
  /** `ngram` or a transformer shape such as `transformer 2L×96`. */
  family: string;
  /** n-gram order or optimiser steps: the point's label on the chart. */
  size: number;
  bitsPerByte: number | null;
  combFreqE: Record<string, BudgetScore>;
  /** Wall seconds of training (n-gram, or transformer trained in the bench) and cue extraction. */
  cueModelSeconds?: number;
  load?: number[];
}

export interface BudgetBaselines {
  bench: 'bytespan-budget';
  baselines: Record<string, BudgetScore>;
}

export type BudgetLine = BudgetPoint | BudgetBaselines;

/** The bench's JSON lines in `file` (blank lines skipped); a line of another shape is an error naming it. */
export function readBudgetLines(file: string): BudgetLine[] {
  const lines: BudgetLine[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      const where = `${file}:${i + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new Error(`${where}: not JSON (${(error as Error).message})`);
      }
      const line = value as Partial<BudgetPoint & BudgetBaselines>;
      if (line.bench !== 'bytespan-budget') throw new Error(`${where}: bench is not "bytespan-budget"`);
      if (line.baselines === undefined) {
        for (const field of ['cueModel', 'family', 'size', 'bitsPerByte', 'combFreqE'] as const)
          if (line[field] === undefined) throw new Error(`${where}: field "${field}" missing`);
      }
      lines.push(line as BudgetLine);
    });
  return lines;
}

/**
 * The chart's series for vocabulary size `vocabSize`: one per cue-model family, its points labelled with
 * the model size, then BPE-WP and BPE dashed.
 */
export function budgetSeries(lines: readonly BudgetLine[], vocabSize: number): Series[] {
  const families = new Map<string, Array<{ x: number; y: number; size: number }>>();
  let baselines: Record<string, BudgetScore> = {};
  for (const line of lines) {
    if ('baselines' in line) {
      baselines = line.baselines;
      continue;
    }
    const morph = line.combFreqE[`ByteSpanEntropyCombinedFrequency_${vocabSize}`]?.morph;
    if (line.bitsPerByte === null || morph === undefined || morph === null) continue;
    const points = families.get(line.family) ?? [];
    points.push({ x: line.bitsPerByte, y: morph, size: line.size });
    families.set(line.family, points);
  }
  const series = [...families].map(([family, points]): Series => {
    points.sort((a, b) => a.x - b.x);
    const ngram = family === 'ngram';
    return {
      label: ngram ? 'n-gram cues (order)' : `${family} cues (steps)`,
      points: points.map(({ x, y }) => ({ x, y })),
      labels: points.map((p) => (ngram ? `${p.size}-gram` : String(p.size))),
      dashed: false,
    };
  });
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  for (const [name, label] of [
    ['BPEWP', 'BPE-WP (no cues)'],
    ['BPE', 'BPE (no cues)'],
  ] as const) {
    const morph = baselines[`${name}_${vocabSize}`]?.morph;
    if (morph === undefined || morph === null || xs.length === 0) continue;
    const ends = [Math.min(...xs), Math.max(...xs)];
    series.push({
      label: `${label}: ${morph.toFixed(3)}`,
      points: ends.map((x) => ({ x, y: morph })),
      dashed: true,
    });
  }
  return series;
}

/** One PNG per vocabulary size found in `lines`, `budget-<V>.png` in `dir`; returns the files written. */
export function plotBudget(lines: readonly BudgetLine[], dir: string): string[] {
  const sizes = new Set<number>();
  for (const line of lines)
    if (!('baselines' in line))
      for (const name of Object.keys(line.combFreqE)) sizes.add(Number(name.split('_').at(-1)));
  if (sizes.size === 0) throw new Error('plotBudget: no cue-model lines to plot');
  return [...sizes]
    .sort((a, b) => a - b)
    .map((vocabSize) => {
      const file = path.join(dir, `budget-${vocabSize}.png`);
      plotLines(budgetSeries(lines, vocabSize), file, {
        title: `ByteSpan Comb-Freq E at V = ${vocabSize}: MorphScore against the cue model's bits per byte`,
        xLabel: 'cue model: bits per byte on S2 (lower is better)',
        yLabel: 'MorphScore (en)',
      });
      return file;
    });
}
