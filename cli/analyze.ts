/**
 * `cleangpt analyze [coverage]`: the tokenizer comparison (bytes/token, fertility, split share, types
 * used, Rényi efficiency, MorphScore) or the token-usage analysis (frequencies, coverage, reduced
 * vocabularies).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { BaseTokenizer } from '../text-api.js';
import {
  addCorpusOptions,
  CORPUS_INPUTS,
  type CorpusFlags,
  collect,
  corpusReadOptions,
  fraction,
  inputFilesOption,
  integerAtLeast,
  quietOption,
  tokenizerOption,
} from './options.js';

interface AnalyzeOptions extends CorpusFlags {
  tokenizer: string[];
  input: string[];
  morph?: string;
  reducedVocab?: number[];
  maxSamples?: number;
  unit: 'documents' | 'lines';
  workers: number;
  quiet?: boolean;
  out: string;
}

type Named = Array<{ name: string; tokenizer: BaseTokenizer }>;

/**
 * `--tokenizer` values → named tokenizers (directory base names; repeated names get a numeric suffix). A
 * character tokenizer given by name has no vocabulary yet, so it gets the characters of the texts the
 * command measures.
 */
async function namedTokenizers(opts: AnalyzeOptions, unit: 'documents' | 'lines'): Promise<Named> {
  const { CharacterTokenizer, corpusTexts, resolveTokenizer } = await import('../text-api.js');
  const seen = new Map<string, number>();
  const named: Named = [];
  for (const spec of opts.tokenizer) {
    const tokenizer = resolveTokenizer(spec);
    const isDirectory = fs.existsSync(spec) && fs.statSync(spec).isDirectory();
    if (tokenizer instanceof CharacterTokenizer && !isDirectory) {
      const chars = new Set<string>();
      for await (const group of corpusTexts(opts.input, corpusReadOptions(opts), unit))
        for (const text of group) for (const c of text) chars.add(c);
      tokenizer.buildVocabFromTexts([[...chars].join('')]);
    }
    const base = path.basename(path.resolve(spec));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    named.push({ name: n === 1 ? base : `${base}-${n}`, tokenizer });
  }
  return named;
}

async function compare(named: Named, opts: AnalyzeOptions): Promise<void> {
  const { compareTokenizers, reportLine } = await import('../text-api.js');
  const report = await compareTokenizers({
    tokenizers: named,
    inputs: opts.input,
    morphCsv: opts.morph,
    unit: opts.unit,
    read: corpusReadOptions(opts),
    numWorkers: opts.workers,
    outDir: opts.out,
    showProgress: !opts.quiet,
  });
  for (const evaluation of report.evaluations) console.log(reportLine(evaluation));
  console.log(`report -> ${path.join(opts.out, 'report.md')}`);
}

async function coverage(named: Named, opts: AnalyzeOptions): Promise<void> {
  const { analyzeDatasetWithTokenizer, plotCoverageCurves } = await import('../text-api.js');
  const curves: Array<{ label: string; cumulative: Float64Array }> = [];
  for (const { name, tokenizer } of named) {
    const dir = named.length === 1 ? opts.out : path.join(opts.out, name);
    const { summary, analyzer, reduced } = await analyzeDatasetWithTokenizer(
      { file: opts.input },
      tokenizer,
      {
        outputDir: dir,
        read: corpusReadOptions(opts),
        numWorkers: opts.workers,
        maxSamples: opts.maxSamples,
        showProgress: !opts.quiet,
        reducedVocabCoverages: opts.reducedVocab,
      },
    );
    curves.push({ label: name, cumulative: analyzer.cumulativeCoverage() });
    const thresholds = [...analyzer.coverageThresholds()].map(([t, k]) => `${t}: ${k}`).join(', ');
    console.log(
      `${name}: ${summary.totalTokens} tokens, ${summary.uniqueTokens} of ${tokenizer.vocabSize} types used; coverage ranks ${thresholds}`,
    );
    for (const r of reduced)
      console.log(
        `  reduced vocabulary at ${r.requestedCoverage}: ${r.vocab.size} tokens (covers ${r.reachedCoverage.toFixed(4)})`,
      );
    console.log(`  analysis -> ${dir}`);
  }
  if (named.length > 1)
    plotCoverageCurves(curves, path.join(opts.out, 'coverage_curves.png'), {
      title: 'Vocabulary coverage by tokenizer',
    });
}

export function registerAnalyzeCommands(program: Command): void {
  addCorpusOptions(
    program
      .command('analyze')
      .description(
        'compare tokenizers (bytes/token, fertility, words split, types used, Rényi efficiency, MorphScore); ' +
          'with "coverage": the cleanGPT token-usage analysis (frequencies, coverage thresholds, reduced vocabularies)',
      )
      .argument('[mode]', '"coverage" for the token-usage analysis; omit for the tokenizer comparison')
      .addOption(
        tokenizerOption('; repeat to compare')
          .argParser(collect((v) => v))
          .makeOptionMandatory(),
      )
      .addOption(inputFilesOption(`${CORPUS_INPUTS} (one per language for per-language metrics)`)),
  )
    .addOption(
      new Option(
        '--unit <unit>',
        'comparison: one text per document (a text file whole, newlines included, unless --document-separator splits it; a JSONL record) or per non-empty line',
      )
        .choices(['documents', 'lines'])
        .default('documents'),
    )
    .option('--morph <csv>', 'MorphScore CSV with columns full_word, pt1, rest')
    .option(
      '--reduced-vocab <fraction...>',
      'coverage mode: write reduced_vocab_{c}.json for each coverage',
      collect(fraction),
    )
    .option('--max-samples <n>', 'coverage mode: analyse at most this many lines', integerAtLeast(1))
    .option(
      '--workers <n>',
      'worker threads measuring documents in parallel (same results)',
      integerAtLeast(1),
      1,
    )
    .addOption(quietOption())
    .requiredOption('--out <dir>', 'output directory for the report and charts')
    .action(async (mode: string | undefined, opts: AnalyzeOptions) => {
      if (mode !== undefined && mode !== 'coverage')
        throw new InvalidArgumentError(`unknown analyze mode "${mode}" (expected "coverage" or nothing)`);
      if (mode === 'coverage' && opts.morph !== undefined)
        throw new InvalidArgumentError('--morph applies to the comparison, not to "analyze coverage"');
      const named = await namedTokenizers(opts, mode === undefined ? opts.unit : 'lines');
      await (mode === undefined ? compare(named, opts) : coverage(named, opts));
    });
}
