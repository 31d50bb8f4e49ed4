/**
 * Comparison reports for several tokenizers: `report.json` (machine-readable), `report.md` (tables) and
 * charts, from {@link evaluateTokenizer} results.
 */
import * as path from 'node:path';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { cumulativeShare } from './coverage.js';
import { writeFileAtomic, writeJsonAtomic } from './fs.js';
import { plotCoverageCurves, plotGroupedBars, plotMetricBars } from './plots.js';
import {
  type CorpusMetrics,
  evaluateTokenizer,
  readMorphCsv,
  type TokenizerEvaluation,
} from './tokenizer-metrics.js';

/** One tokenizer's row in `report.json`; NaN metrics (undefined for the input) are written as null. */
export interface ReportEntry {
  name: string;
  bytesPerToken: number;
  fertility: number;
  propSplit: number;
  typesUsed: number;
  renyi: number | null;
  morphScore: number | null;
  totalTokens: number;
  vocabSize: number;
  utilization: number;
  bytes: number;
  words: number;
  morph: { scored: number; hits: number; excludedSingleToken: number; excludedInvalid: number } | null;
  perCorpus: Array<Omit<ReportEntry, 'morphScore' | 'morph' | 'perCorpus'>>;
}

export interface Report {
  tokenizers: ReportEntry[];
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function metricFields(m: CorpusMetrics): Omit<ReportEntry, 'morphScore' | 'morph' | 'perCorpus'> {
  return {
    name: m.name,
    bytesPerToken: m.bytesPerToken,
    fertility: m.fertility,
    propSplit: m.propSplit,
    typesUsed: m.typesUsed,
    renyi: finite(m.renyi),
    totalTokens: m.totalTokens,
    vocabSize: m.vocabSize,
    utilization: m.utilization,
    bytes: m.bytes,
    words: m.words,
  };
}

export function buildReport(evaluations: readonly TokenizerEvaluation[]): Report {
  return {
    tokenizers: evaluations.map((e) => ({
      ...metricFields(e.overall),
      name: e.name,
      morphScore: e.morph ? finite(e.morph.score) : null,
      morph: e.morph
        ? {
            scored: e.morph.scored,
            hits: e.morph.hits,
            excludedSingleToken: e.morph.excludedSingleToken,
            excludedInvalid: e.morph.excludedInvalid,
          }
        : null,
      perCorpus: e.perCorpus.map(metricFields),
    })),
  };
}

interface Column {
  header: string;
  value: (m: CorpusMetrics, e: TokenizerEvaluation) => string;
}

const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

const COLUMNS: Column[] = [
  { header: 'bytes/token', value: (m) => fmt(m.bytesPerToken) },
  { header: 'fertility', value: (m) => fmt(m.fertility) },
  { header: 'prop. split', value: (m) => fmt(m.propSplit) },
  { header: 'types used', value: (m) => String(m.typesUsed) },
  { header: 'vocab', value: (m) => String(m.vocabSize) },
  { header: 'Rényi (α=2.5)', value: (m) => fmt(m.renyi) },
  { header: 'tokens', value: (m) => String(m.totalTokens) },
];

function table(headers: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [`| ${headers.map(esc).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

export function reportMarkdown(
  evaluations: readonly TokenizerEvaluation[],
  inputs: readonly string[],
): string {
  const parts: string[] = [
    '# Tokenizer comparison',
    '',
    `Inputs: ${inputs.map((i) => `\`${i}\``).join(', ')}`,
    '',
  ];
  const hasMorph = evaluations.some((e) => e.morph !== null);
  parts.push('## All inputs', '');
  const headers = ['tokenizer', ...COLUMNS.map((c) => c.header), ...(hasMorph ? ['MorphScore'] : [])];
  parts.push(
    table(
      headers,
      evaluations.map((e) => [
        e.name,
        ...COLUMNS.map((c) => c.value(e.overall, e)),
        ...(hasMorph ? [e.morph ? `${fmt(e.morph.score)} (${e.morph.scored} items)` : 'n/a'] : []),
      ]),
    ),
    '',
  );
  if (evaluations[0] && evaluations[0].perCorpus.length > 1) {
    parts.push('## Per input', '');
    for (const c of COLUMNS) {
      parts.push(`### ${c.header}`, '');
      const names = evaluations[0].perCorpus.map((m) => m.name);
      parts.push(
        table(
          ['tokenizer', ...names],
          evaluations.map((e) => [e.name, ...e.perCorpus.map((m) => c.value(m, e))]),
        ),
        '',
      );
    }
  }
  parts.push(
    '## Definitions',
    '',
    '- bytes/token = UTF-8 bytes / tokens; fertility = tokens / whitespace-separated words;',
    '  prop. split = share of words overlapped by two or more tokens (matched by byte offsets).',
    '- types used = distinct token ids produced; Rényi = H₂.₅(p) / log₂(types used) (Zouhar et al., 2023).',
    '- MorphScore = share of morpheme boundaries (`pt1 | rest`) that fall on a token boundary, over words',
    '  the tokenizer splits (words kept whole are excluded); offsets compared in bytes.',
    '- Files are read line by line; line breaks are not counted.',
    '',
  );
  return parts.join('\n');
}

/** Writes `report.json`, `report.md` and the comparison charts into `outDir`; returns the files written. */
export function writeTokenizerReport(
  evaluations: readonly TokenizerEvaluation[],
  outDir: string,
  inputs: readonly string[],
): string[] {
  if (evaluations.length === 0) throw new Error('no tokenizer evaluations to report');
  const written: string[] = [];
  const out = (name: string): string => {
    const file = path.join(outDir, name);
    written.push(file);
    return file;
  };
  writeJsonAtomic(out('report.json'), buildReport(evaluations));
  writeFileAtomic(out('report.md'), reportMarkdown(evaluations, inputs));
  const bars = (
    file: string,
    title: string,
    yLabel: string,
    value: (e: TokenizerEvaluation) => number,
  ): void => {
    const values = evaluations
      .map((e) => ({ label: e.name, value: value(e) }))
      .filter((v) => Number.isFinite(v.value));
    if (values.length > 0) plotMetricBars(values, out(file), { title, yLabel });
  };
  bars(
    'bytes_per_token.png',
    'Bytes per token (higher = more compression)',
    'bytes / token',
    (e) => e.overall.bytesPerToken,
  );
  bars('fertility.png', 'Fertility (tokens per word)', 'tokens / word', (e) => e.overall.fertility);
  bars('prop_split.png', 'Proportion of words split', 'share of words', (e) => e.overall.propSplit);
  bars('renyi.png', 'Rényi efficiency (α = 2.5)', 'efficiency', (e) => e.overall.renyi);
  if (evaluations.some((e) => e.morph !== null))
    bars('morph_score.png', 'MorphScore', 'MorphScore', (e) => e.morph?.score ?? Number.NaN);
  const perCorpus = evaluations[0]!.perCorpus;
  if (perCorpus.length > 1) {
    plotGroupedBars(
      perCorpus.map((m) => m.name),
      evaluations.map((e) => ({ label: e.name, values: e.perCorpus.map((m) => m.fertility) })),
      out('fertility_by_input.png'),
      { title: 'Fertility by input', yLabel: 'tokens / word', xLabel: 'Input' },
    );
    plotGroupedBars(
      perCorpus.map((m) => m.name),
      evaluations.map((e) => ({ label: e.name, values: e.perCorpus.map((m) => m.bytesPerToken) })),
      out('bytes_per_token_by_input.png'),
      { title: 'Bytes per token by input', yLabel: 'bytes / token', xLabel: 'Input' },
    );
  }
  plotCoverageCurves(
    evaluations.map((e) => ({ label: e.name, cumulative: cumulativeShare(e.counts) })),
    out('coverage_curves.png'),
    { title: 'Vocabulary coverage by tokenizer', legend: true },
  );
  return written;
}

export interface ComparisonOptions {
  /** Tokenizers to compare, each with the name used in the report. */
  tokenizers: ReadonlyArray<{ name: string; tokenizer: BaseTokenizer }>;
  /** Corpus files; each is one "language" (named after the file, without its extension). */
  inputs: readonly string[];
  /** MorphScore CSV (`full_word, pt1, rest`). */
  morphCsv?: string;
  outDir: string;
  showProgress?: boolean;
}

/** Evaluates every tokenizer on every input and writes the report; returns the report object. */
export function compareTokenizers(options: ComparisonOptions): Report {
  if (options.tokenizers.length === 0)
    throw new Error('no tokenizers to compare: pass --tokenizer at least once');
  if (options.inputs.length === 0) throw new Error('no input files: pass --input');
  const corpora = corpusNames(options.inputs).map((name, i) => ({ name, file: options.inputs[i]! }));
  const morphItems = options.morphCsv === undefined ? undefined : readMorphCsv(options.morphCsv);
  const evaluations = options.tokenizers.map(({ name, tokenizer }) =>
    evaluateTokenizer(name, tokenizer, corpora, { morphItems, showProgress: options.showProgress }),
  );
  writeTokenizerReport(evaluations, options.outDir, options.inputs);
  return buildReport(evaluations);
}

/** Labels for inputs: the file name without extension, made unique with the parent folder when needed. */
export function corpusNames(inputs: readonly string[]): string[] {
  const base = inputs.map((f) => path.basename(f, path.extname(f)));
  return base.map((b, i) =>
    base.indexOf(b) === base.lastIndexOf(b) ? b : `${path.basename(path.dirname(inputs[i]!))}/${b}`,
  );
}
