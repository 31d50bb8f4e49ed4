/**
 * The Metric interface: what a tokenizer metric computes from a corpus, and how it appears in reports.
 *
 * A metrics pass tokenizes each text once and keeps the unigram distribution ({@link UnigramTally}: token
 * counts by id, texts, bytes, words); each metric reads that, and a metric that needs more per text keeps
 * its own state (`start`/`add`/`merge`), so partial results of a corpus split in parts merge exactly.
 * Adding a metric is one file exporting a `Metric` plus one `registerMetric(metric, { module:
 * import.meta.url })` call; the module lets a parallel pass's worker threads import it (registry.ts).
 */
import type { BaseTokenizer } from '../tokenizers/base.js';
import type { TokenByteLengths, TokenizedText } from './alignment.js';
import type { MorphItem } from './morph-csv.js';
import type { UnigramTally } from './tally.js';

/** What a metric may read besides the corpus: the tokenizer, and inputs that are not corpus text. */
export interface MetricContext {
  tokenizer: BaseTokenizer;
  lengths: TokenByteLengths;
  /** MorphScore items (`full_word, pt1, rest`), when the evaluation was given some. */
  morphItems?: readonly MorphItem[];
  /** MorphScore: tokenize each word after a space, as in the ByteSpan setup (default true). */
  prefixSpace?: boolean;
}

/** A bar chart of one value per tokenizer (or per tokenizer and input), drawn into a report folder. */
export interface MetricChart {
  file: string;
  title: string;
  yLabel: string;
}

export interface Metric<State = unknown> {
  /** Key in report.json / report.csv and in {@link CorpusMetrics}: the reference's camelCased name. */
  readonly key: string;
  /** Column header in report.md and report.csv. */
  readonly header: string;
  /** One line for the Definitions section of report.md (omit for self-explanatory counts). */
  readonly definition?: string;
  /** `ratio`: three decimals in report.md; `count`: an integer. */
  readonly format: 'ratio' | 'count';
  /** Shown as a column of report.md (default true). */
  readonly column?: boolean;
  /** One value per tokenizer, not per input (MorphScore runs on a word list, not on the corpus). */
  readonly perTokenizer?: boolean;
  /** Needs word bounds and token byte offsets (so the pass aligns tokens with words). */
  readonly aligned?: boolean;
  /** Bar chart of the pooled values, one bar per tokenizer. */
  readonly chart?: MetricChart;
  /** Grouped bar chart of the per-input values (drawn when there are several inputs). */
  readonly chartByInput?: MetricChart;
  /** Extra charts drawn from the tallies (e.g. coverage curves); returns the files written. */
  plot?(tallies: ReadonlyArray<{ name: string; tally: UnigramTally }>, outDir: string): string[];
  /**
   * Numbers behind a per-tokenizer value (MorphScore: items scored, hits, exclusions), written to
   * report.json under `detailKey` and summarised after the value in report.md.
   */
  detail?(context: MetricContext): { json: Record<string, number>; note: string } | null;
  readonly detailKey?: string;
  /**
   * Fresh per-corpus state, for metrics that need more than the unigram tally. A parallel pass sends
   * states from its worker threads by structured clone, so keep them plain data (no class instances).
   */
  start?(context: MetricContext): State;
  add?(state: State, text: TokenizedText, context: MetricContext): void;
  merge?(into: State, from: State): void;
  /** The final value (NaN when undefined for this input; reported as null / n/a). */
  value(tally: UnigramTally, state: State, context: MetricContext): number;
}
