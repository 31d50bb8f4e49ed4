/**
 * Comparison reports for several tokenizers, drawn from the metric list of their evaluations:
 * `report.json` (machine-readable), `report.md` (tables), `report.csv` (one row per tokenizer and input)
 * and the charts the metrics declare.
 */
import * as path from 'node:path';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { writeFileAtomic, writeJsonAtomic } from '../utils/fs.js';
import { type EvaluationOptions, evaluateTokenizer, type TokenizerEvaluation } from './evaluate.js';
import type { Metric } from './metric.js';
import { readMorphCsv } from './morph-csv.js';
import { plotGroupedBars, plotMetricBars } from './plots.js';

/** The built-in metrics of one input in `report.json` (NaN, undefined for the input, written as null). */
export interface ReportCorpusEntry {
  name: string;
  bytesPerToken: number;
  fertility: number;
  propSplit: number;
  typesUsed: number;
  renyi: number | null;
  totalTokens: number;
  vocabSize: number;
  utilization: number;
  bytes: number;
  words: number;
  /** Metrics registered beyond the built-in ones, by key. */
  [metric: string]: unknown;
}

/** One tokenizer's entry in `report.json`: every metric by key, pooled, then per input. */
export interface ReportEntry extends ReportCorpusEntry {
  morphScore: number | null;
  morph: { scored: number; hits: number; excludedSingleToken: number; excludedInvalid: number } | null;
  perCorpus: ReportCorpusEntry[];
}

export interface Report {
  tokenizers: ReportEntry[];
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function jsonValues(
  metrics: readonly Metric[],
  values: Record<string, number>,
): Record<string, number | null> {
  return Object.fromEntries(
    metrics.filter((m) => m.key in values).map((m) => [m.key, finite(values[m.key]!)]),
  );
}

export function buildReport(evaluations: readonly TokenizerEvaluation[]): Report {
  return {
    tokenizers: evaluations.map((e) => {
      // Typed by the built-in keys; a metric unregistered by the caller is simply absent.
      const entry: Record<string, unknown> = { name: e.name, ...jsonValues(e.metrics, e.values) };
      for (const m of e.metrics)
        if (m.detailKey !== undefined) entry[m.detailKey] = m.detail?.(e.context)?.json ?? null;
      entry.perCorpus = e.perCorpusValues.map((c) => ({ name: c.name, ...jsonValues(e.metrics, c.values) }));
      return entry as ReportEntry;
    }),
  };
}

const fmt = (m: Metric, x: number): string =>
  !Number.isFinite(x) ? 'n/a' : m.format === 'count' ? String(x) : x.toFixed(3);

/** The metrics that get a column: per-tokenizer ones only when some tokenizer has a value or detail. */
function columns(evaluations: readonly TokenizerEvaluation[]): Metric[] {
  const first = evaluations[0]!;
  return first.metrics.filter(
    (m) =>
      m.column !== false &&
      (!m.perTokenizer ||
        evaluations.some(
          (e) => Number.isFinite(e.values[m.key]) || (m.detail?.(e.context) ?? null) !== null,
        )),
  );
}

function cell(m: Metric, e: TokenizerEvaluation): string {
  const note = m.detail?.(e.context)?.note;
  return note === undefined ? fmt(m, e.values[m.key]!) : `${fmt(m, e.values[m.key]!)} ${note}`;
}

function table(headers: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [`| ${headers.map(esc).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

export function reportMarkdown(
  evaluations: readonly TokenizerEvaluation[],
  inputs: readonly string[],
  unit: 'documents' | 'lines' = 'documents',
): string {
  const cols = columns(evaluations);
  const parts: string[] = [
    '# Tokenizer comparison',
    '',
    `Inputs: ${inputs.map((i) => `\`${i}\``).join(', ')}`,
    '',
  ];
  parts.push('## All inputs', '');
  parts.push(
    table(
      ['tokenizer', ...cols.map((c) => c.header)],
      evaluations.map((e) => [e.name, ...cols.map((c) => cell(c, e))]),
    ),
    '',
  );
  const perCorpus = evaluations[0]!.perCorpusValues;
  if (perCorpus.length > 1) {
    parts.push('## Per input', '');
    for (const c of cols.filter((m) => !m.perTokenizer)) {
      parts.push(`### ${c.header}`, '');
      parts.push(
        table(
          ['tokenizer', ...perCorpus.map((p) => p.name)],
          evaluations.map((e) => [e.name, ...e.perCorpusValues.map((p) => fmt(c, p.values[c.key]!))]),
        ),
        '',
      );
    }
  }
  parts.push('## Definitions', '');
  for (const m of cols) if (m.definition !== undefined) parts.push(`- ${m.definition}`);
  parts.push(
    unit === 'lines'
      ? '- Files are read line by line; line breaks are not counted.'
      : '- Each document is measured whole (a text file, a JSONL record), line breaks included.',
    '',
  );
  return parts.join('\n');
}

/** One row per tokenizer and input (`all` first: the pooled values), one column per metric key. */
export function reportCsv(evaluations: readonly TokenizerEvaluation[]): string {
  const metrics = evaluations[0]!.metrics;
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : String(x));
  const rows = [['tokenizer', 'input', ...metrics.map((m) => m.key)].join(',')];
  for (const e of evaluations) {
    rows.push([quote(e.name), 'all', ...metrics.map((m) => num(e.values[m.key]))].join(','));
    for (const c of e.perCorpusValues)
      rows.push([quote(e.name), quote(c.name), ...metrics.map((m) => num(c.values[m.key]))].join(','));
  }
  return `${rows.join('\n')}\n`;
}

/** One line per tokenizer for a terminal: each column metric's header and value. */
export function reportLine(e: TokenizerEvaluation): string {
  return `${e.name}: ${columns([e])
    .map((m) => `${m.header} ${cell(m, e)}`)
    .join(', ')}`;
}

/** Writes report.json, report.md, report.csv and the metrics' charts into `outDir`; returns the files. */
export function writeTokenizerReport(
  evaluations: readonly TokenizerEvaluation[],
  outDir: string,
  inputs: readonly string[],
  unit: 'documents' | 'lines' = 'documents',
): string[] {
  if (evaluations.length === 0) throw new Error('no tokenizer evaluations to report');
  const written: string[] = [];
  const out = (name: string): string => {
    const file = path.join(outDir, name);
    written.push(file);
    return file;
  };
  writeJsonAtomic(out('report.json'), buildReport(evaluations));
  writeFileAtomic(out('report.md'), reportMarkdown(evaluations, inputs, unit));
  writeFileAtomic(out('report.csv'), reportCsv(evaluations));
  const inputNames = evaluations[0]!.perCorpusValues.map((c) => c.name);
  for (const m of evaluations[0]!.metrics) {
    if (m.chart !== undefined) {
      const values = evaluations
        .map((e) => ({ label: e.name, value: e.values[m.key]! }))
        .filter((v) => Number.isFinite(v.value));
      if (values.length > 0)
        plotMetricBars(values, out(m.chart.file), { title: m.chart.title, yLabel: m.chart.yLabel });
    }
    if (m.chartByInput !== undefined && inputNames.length > 1)
      plotGroupedBars(
        inputNames,
        evaluations.map((e) => ({ label: e.name, values: e.perCorpusValues.map((c) => c.values[m.key]!) })),
        out(m.chartByInput.file),
        { title: m.chartByInput.title, yLabel: m.chartByInput.yLabel, xLabel: 'Input' },
      );
    if (m.plot !== undefined)
      written.push(
        ...m.plot(
          evaluations.map((e) => ({ name: e.name, tally: e.tally })),
          outDir,
        ),
      );
  }
  return written;
}

export interface ComparisonOptions extends EvaluationOptions {
  /** Tokenizers to compare, each with the name used in the report. */
  tokenizers: ReadonlyArray<{ name: string; tokenizer: BaseTokenizer }>;
  /** Corpus files; each is one "language" (named after the file, without its extension). */
  inputs: readonly string[];
  /** MorphScore CSV (`full_word, pt1, rest`). */
  morphCsv?: string;
  outDir: string;
}

/** Evaluates every tokenizer on every input and writes the report; returns the evaluations and report. */
export async function compareTokenizers(
  options: ComparisonOptions,
): Promise<Report & { evaluations: TokenizerEvaluation[] }> {
  if (options.tokenizers.length === 0)
    throw new Error('no tokenizers to compare: pass --tokenizer at least once');
  if (options.inputs.length === 0) throw new Error('no input files: pass --input');
  const corpora = corpusNames(options.inputs).map((name, i) => ({ name, file: options.inputs[i]! }));
  const morphItems = options.morphCsv === undefined ? undefined : readMorphCsv(options.morphCsv);
  const evaluations: TokenizerEvaluation[] = [];
  for (const { name, tokenizer } of options.tokenizers) {
    evaluations.push(await evaluateTokenizer(name, tokenizer, corpora, { ...options, morphItems }));
  }
  writeTokenizerReport(evaluations, options.outDir, options.inputs, options.unit);
  return { ...buildReport(evaluations), evaluations };
}

/** Labels for inputs: the file name without extension, made unique with the parent folder when needed. */
export function corpusNames(inputs: readonly string[]): string[] {
  const base = inputs.map((f) => path.basename(f, path.extname(f)));
  return base.map((b, i) =>
    base.indexOf(b) === base.lastIndexOf(b) ? b : `${path.basename(path.dirname(inputs[i]!))}/${b}`,
  );
}
