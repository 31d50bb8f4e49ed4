/**
 * One streaming pass of a tokenizer over a corpus, feeding the unigram tally and any list of metrics.
 * Each text is tokenized once (and aligned with its words when a metric needs that); accumulators of parts
 * of a corpus merge exactly, so corpora can be measured in pieces and pooled.
 */
import type { BaseTokenizer } from '../tokenizers/base.js';
import { type Document, type ReadOptions, readCorpus } from '../utils/corpus.js';
import { createProgress, type Progress } from '../utils/progress.js';
import { checkWorkerCount } from '../utils/worker-pool.js';
import { TokenByteLengths, tokenizeAligned, tokenizeOnly } from './alignment.js';
import type { Metric, MetricContext } from './metric.js';
import { feedParallel } from './parallel-pass.js';
import { UnigramTally, type UnigramTallyData } from './tally.js';

/** What a metrics pass over part of a corpus found, as plain data (sent back by a pool worker). */
export interface PassPartial {
  tally: UnigramTallyData;
  states: unknown[];
}

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

  /** This accumulator's counts and states as plain data (hand-off: do not add to it afterwards). */
  partial(): PassPartial {
    return { tally: this.tally.data(), states: this.#states };
  }

  /** Adds a partial result of the same tokenizer and metrics, as `merge` adds an accumulator. */
  mergePartial(partial: PassPartial): void {
    this.tally.merge(UnigramTally.fromData(partial.tally));
    for (let i = 0; i < this.metrics.length; i++)
      this.metrics[i]!.merge?.(this.#states[i], partial.states[i]);
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
 * Texts as given, or inputs of the one corpus reader (utils/corpus.ts: text, JSONL and Parquet files,
 * folders, `hf://` paths): each document one text (a plain-text file is one document, a JSONL file one
 * per record; newlines are text), or with `unit: 'lines'` each non-empty line.
 */
export type CorpusInput = { name: string } & (
  | { texts: Iterable<string> }
  | { file: string | readonly string[] }
);

export interface PassOptions {
  /** Progress bar on stderr (never when stderr is not a terminal). Default true. */
  showProgress?: boolean;
  /** Inputs smaller than this in all get no bar (default 1 MiB). */
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
  /** How files are read (text field, document separator, invalid UTF-8 policy); see utils/corpus.ts. */
  read?: ReadOptions;
  /**
   * Worker threads measuring batches of texts (parallel-pass.ts; same result exactly); default 1: this
   * thread alone.
   */
  numWorkers?: number;
}

const PROGRESS_MIN_BYTES = 1 << 20;

/** Feeds every text of `corpus` (documents or non-empty lines of its files, in order) to `acc`; returns texts fed. */
export async function feedCorpus(
  acc: MetricsAccumulator,
  corpus: CorpusInput,
  options: PassOptions = {},
): Promise<number> {
  const max = options.maxTexts ?? Number.POSITIVE_INFINITY;
  const numWorkers = checkWorkerCount(options.numWorkers ?? 1);
  // Texts arrive in groups, so the sequential pass awaits once per group rather than once per line.
  const feed = async (
    groups: AsyncIterable<Iterable<string>> | Iterable<Iterable<string>>,
  ): Promise<number> => {
    if (numWorkers > 1) return feedParallel(acc, flatten(groups), numWorkers, max);
    let fed = 0;
    for await (const group of groups) {
      for (const text of group) {
        if (fed >= max) return fed;
        acc.addText(text);
        fed++;
      }
    }
    return fed;
  };
  if ('texts' in corpus) return feed([corpus.texts]);
  const inputs = typeof corpus.file === 'string' ? [corpus.file] : [...corpus.file];
  let bar: Progress | null = null;
  const onBytes = (done: number, total: number): void => {
    bar ??= createProgress(total, options.label ?? `measuring ${corpus.name}`, {
      enabled: (options.showProgress ?? true) && total >= (options.progressMinBytes ?? PROGRESS_MIN_BYTES),
    });
    bar.update(done);
  };
  try {
    return await feed(corpusTexts(inputs, { ...options.read, onBytes }, options.unit));
  } finally {
    (bar as Progress | null)?.stop();
  }
}

async function* flatten(
  groups: AsyncIterable<Iterable<string>> | Iterable<Iterable<string>>,
): AsyncGenerator<string> {
  for await (const group of groups) yield* group;
}

/**
 * The texts a pass measures in `inputs`, in groups (in order): each document whole (documents of
 * whitespace only skipped, as the corpus reader skips them between separators), or each non-empty line
 * without its line break.
 */
export async function* corpusTexts(
  inputs: readonly string[],
  options: Parameters<typeof readCorpus>[1] = {},
  unit: 'documents' | 'lines' = 'documents',
): AsyncGenerator<string[]> {
  for await (const document of readCorpus(inputs, options)) {
    if (unit === 'lines') yield* documentLines(document);
    else {
      const text = [...document].join('');
      if (text.trim().length > 0) yield [text];
    }
  }
}

/** The non-empty lines of a document (pieces cut anywhere), without `\n` or a trailing `\r`, per piece. */
function* documentLines(document: Document): Generator<string[]> {
  let pending = '';
  const clean = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);
  for (const piece of document) {
    pending += piece;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    yield lines.map(clean).filter((line) => line.length > 0);
  }
  if (clean(pending).length > 0) yield [clean(pending)];
}

/** A fresh evaluation context for `tokenizer` (token byte lengths cached across every corpus). */
export function metricContext(
  tokenizer: BaseTokenizer,
  extra: Omit<MetricContext, 'tokenizer' | 'lengths'> & { lengths?: TokenByteLengths } = {},
): MetricContext {
  return { ...extra, tokenizer, lengths: extra.lengths ?? new TokenByteLengths(tokenizer) };
}
