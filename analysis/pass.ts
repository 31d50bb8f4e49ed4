/**
 * One streaming pass of a tokenizer over a corpus, feeding the unigram tally and any list of metrics.
 * Each text is tokenized once (and aligned with its words when a metric needs that); accumulators of parts
 * of a corpus merge exactly, so corpora can be measured in pieces and pooled.
 */
import type { BaseTokenizer } from '../tokenizers/base.js';
import { readDocumentsSync } from '../utils/corpus.js';
import { createProgress } from '../utils/progress.js';
import { fileSize, readLines } from '../utils/text-stream.js';
import { TokenByteLengths, tokenizeAligned, tokenizeOnly } from './alignment.js';
import type { Metric, MetricContext } from './metric.js';
import { UnigramTally } from './tally.js';

export class MetricsAccumulator {
  readonly context: MetricContext;
  readonly metrics: readonly Metric[];
  readonly name: string;
  tally: UnigramTally;
  readonly #states: unknown[];
  readonly #aligned: boolean;

  constructor(context: MetricContext, metrics: readonly Metric[], name = 'corpus') {
    this.context = context;
    this.metrics = metrics;
    this.name = name;
    this.tally = new UnigramTally(context.tokenizer.vocabSize);
    this.#states = metrics.map((m) => m.start?.(context));
    this.#aligned = metrics.some((m) => m.aligned === true);
  }

  get tokenizer(): BaseTokenizer {
    return this.context.tokenizer;
  }

  addText(text: string): void {
    const { tokenizer, lengths } = this.context;
    const tokenized = this.#aligned
      ? tokenizeAligned(tokenizer, text, lengths)
      : tokenizeOnly(tokenizer, text);
    this.tally.add(tokenized);
    for (let i = 0; i < this.metrics.length; i++)
      this.metrics[i]!.add?.(this.#states[i], tokenized, this.context);
  }

  /** Adds another accumulator's counts and states (same tokenizer and metrics) into this one. */
  merge(other: MetricsAccumulator): void {
    if (other.metrics !== this.metrics && other.metrics.some((m, i) => m !== this.metrics[i]))
      throw new Error(`cannot merge ${other.name} into ${this.name}: they measure different metrics`);
    this.tally.merge(other.tally);
    for (let i = 0; i < this.metrics.length; i++) this.metrics[i]!.merge?.(this.#states[i], other.#states[i]);
  }

  /** The state `metric` keeps in this accumulator (undefined for metrics that read only the tally). */
  stateOf<State>(metric: Metric<State>): State | undefined {
    const i = this.metrics.indexOf(metric as Metric);
    return i < 0 ? undefined : (this.#states[i] as State);
  }

  value(metric: Metric): number {
    const i = this.metrics.indexOf(metric);
    return metric.value(this.tally, i < 0 ? undefined : this.#states[i], this.context);
  }

  /** Values of the corpus metrics (not the per-tokenizer ones), by key. */
  values(): Record<string, number> {
    return Object.fromEntries(this.metrics.filter((m) => !m.perTokenizer).map((m) => [m.key, this.value(m)]));
  }
}

/**
 * Texts as given, or files: each document of a file one text (a plain-text file is one document, a JSONL
 * file one per record; newlines are text), or with `unit: 'lines'` each non-empty line.
 */
export type CorpusInput = { name: string } & (
  | { texts: Iterable<string> }
  | { file: string | readonly string[] }
);

export interface PassOptions {
  /** Progress bar on stderr (never when stderr is not a terminal). Default true. */
  showProgress?: boolean;
  /** Files smaller than this in all get no bar (default 1 MiB). */
  progressMinBytes?: number;
  /** Progress label (default: "measuring NAME"). */
  label?: string;
  /** Stop after this many texts. */
  maxTexts?: number;
  /**
   * What one text of a file is: `documents` (default; the whole text of a plain-text file, each JSONL
   * record, so token counts equal `encode(fileText).length`) or `lines` (each non-empty line, newlines
   * not counted).
   */
  unit?: 'documents' | 'lines';
}

const PROGRESS_MIN_BYTES = 1 << 20;

/** Feeds every text of `corpus` (documents or non-empty lines of its files, in order) to `acc`; returns texts fed. */
export function feedCorpus(acc: MetricsAccumulator, corpus: CorpusInput, options: PassOptions = {}): number {
  const max = options.maxTexts ?? Number.POSITIVE_INFINITY;
  let fed = 0;
  if ('texts' in corpus) {
    for (const text of corpus.texts) {
      if (fed >= max) break;
      acc.addText(text);
      fed++;
    }
    return fed;
  }
  const files = typeof corpus.file === 'string' ? [corpus.file] : [...corpus.file];
  const sizes = files.map((f) => fileSize(f));
  const total = sizes.reduce((a, b) => a + b, 0);
  const bar = createProgress(total, options.label ?? `measuring ${corpus.name}`, {
    enabled: (options.showProgress ?? true) && total >= (options.progressMinBytes ?? PROGRESS_MIN_BYTES),
  });
  try {
    let done = 0;
    reading: for (const [i, file] of files.entries()) {
      const texts =
        options.unit === 'lines'
          ? readLines(file, (read) => bar.update(done + read))
          : documentTexts(file, (read) => bar.update(done + read));
      for (const text of texts) {
        if (fed >= max) break reading;
        // An empty line, or a document of whitespace only (which the corpus reader skips too).
        if (text.length === 0 || (options.unit !== 'lines' && text.trim().length === 0)) continue;
        acc.addText(text);
        fed++;
      }
      done += sizes[i]!;
    }
  } finally {
    bar.stop();
  }
  return fed;
}

/** The documents of `file` as whole strings; `progress` gets the UTF-8 bytes read so far. */
function* documentTexts(file: string, progress: (bytes: number) => void): Generator<string> {
  let read = 0;
  for (const document of readDocumentsSync(file)) {
    const text = [...document].join('');
    read += Buffer.byteLength(text, 'utf8');
    progress(read);
    yield text;
  }
}

/** A fresh evaluation context for `tokenizer` (token byte lengths cached across every corpus). */
export function metricContext(
  tokenizer: BaseTokenizer,
  extra: Omit<MetricContext, 'tokenizer' | 'lengths'> & { lengths?: TokenByteLengths } = {},
): MetricContext {
  return { ...extra, tokenizer, lengths: extra.lengths ?? new TokenByteLengths(tokenizer) };
}
