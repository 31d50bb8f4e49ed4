/**
 * Tokenizer evaluation over one or several corpora (e.g. one file per language), pooled and per corpus,
 * with every registered metric (bytespan-reference.md §13). Files are measured by document (the whole
 * text, line breaks included) or, on request, line by line.
 */
import type { BaseTokenizer } from '../tokenizers/base.js';
import type { ReadOptions } from '../utils/corpus.js';
import { FileError } from '../utils/fs.js';
import { TokenByteLengths } from './alignment.js';
import type { Metric, MetricContext } from './metric.js';
import { bytesPerToken } from './metrics/bytes-per-token.js';
import { fertility } from './metrics/fertility.js';
import { type MorphScoreResult, morphScoreOf } from './metrics/morph-score.js';
import { RENYI_ALPHA, renyiEfficiency } from './metrics/renyi.js';
import { splitShare } from './metrics/split-share.js';
import type { MorphItem } from './morph-csv.js';
import { type CorpusInput, feedCorpus, MetricsAccumulator, metricContext } from './pass.js';
import { registeredMetrics } from './registry.js';
import type { UnigramTally } from './tally.js';

/** The built-in metrics of one corpus, typed (reports read every registered metric by key instead). */
export interface CorpusMetrics {
  /** Corpus label (the language, or the file name). */
  name: string;
  /** B: UTF-8 bytes of the analysed text (line breaks of files excluded). */
  bytes: number;
  /** W: whitespace-separated words. */
  words: number;
  /** N: tokens. */
  totalTokens: number;
  /** Words overlapped by two or more tokens. */
  splitWords: number;
  /** U: distinct token ids produced. */
  typesUsed: number;
  vocabSize: number;
  /** B / N. */
  bytesPerToken: number;
  /** N / W. */
  fertility: number;
  /** splitWords / W. */
  propSplit: number;
  /** U / vocabSize. */
  utilization: number;
  /** Rényi efficiency with α = 2.5 (NaN when fewer than two types were used). */
  renyi: number;
  /**
   * Texts whose tokens' bytes did not add up to the text's bytes (a lossy tokenizer, e.g. `<unk>`): their
   * words were matched by tokenizing each word on its own.
   */
  unalignedTexts: number;
}

/** A metrics accumulator over the registered metrics, with the built-in ones as a typed result. */
export class TokenizerMetricsAccumulator extends MetricsAccumulator {
  constructor(
    tokenizer: BaseTokenizer,
    name = 'corpus',
    lengths?: TokenByteLengths,
    metrics: readonly Metric[] = registeredMetrics(),
  ) {
    // Split share keeps per-text state that the typed result needs, so it is always measured.
    super(
      metricContext(tokenizer, { lengths }),
      metrics.includes(splitShare as Metric) ? metrics : [...metrics, splitShare as Metric],
      name,
    );
  }

  get counts(): Float64Array {
    return this.tally.counts;
  }

  get bytes(): number {
    return this.tally.bytes;
  }

  result(): CorpusMetrics {
    const t = this.tally;
    if (t.texts === 0 || t.bytes === 0) throw new Error(`${this.name}: empty corpus (no text to evaluate)`);
    if (t.words === 0) throw new Error(`${this.name}: the corpus has no words (only whitespace)`);
    const vocab = this.tokenizer.vocabSize;
    return {
      name: this.name,
      bytes: t.bytes,
      words: t.words,
      totalTokens: t.tokens,
      splitWords: this.stateOf(splitShare)!.splitWords,
      typesUsed: t.typesSeen,
      vocabSize: vocab,
      bytesPerToken: this.value(bytesPerToken),
      fertility: this.value(fertility),
      propSplit: this.value(splitShare as Metric),
      utilization: t.typesSeen / vocab,
      renyi: renyiEfficiency(t.counts, RENYI_ALPHA),
      unalignedTexts: t.unalignedTexts,
    };
  }
}

/** How a corpus is measured (shared by every evaluation entry point). */
export interface EvaluationOptions {
  showProgress?: boolean;
  /** Metrics to measure (default: every registered metric). */
  metrics?: readonly Metric[];
  /** Files: one text per document (default) or per non-empty line. */
  unit?: 'documents' | 'lines';
  /** How files are read (text field, invalid UTF-8 policy); see utils/corpus.ts. */
  read?: ReadOptions;
  /** Worker threads for the pass (default 1; see analysis/parallel-pass.ts). */
  numWorkers?: number;
}

/** Metrics of one corpus: texts as given, or files by document (default) or by non-empty line. */
export async function evaluateCorpus(
  tokenizer: BaseTokenizer,
  corpus: CorpusInput,
  options: EvaluationOptions & { lengths?: TokenByteLengths } = {},
): Promise<TokenizerMetricsAccumulator> {
  const acc = new TokenizerMetricsAccumulator(tokenizer, corpus.name, options.lengths, options.metrics);
  await feedCorpus(acc, corpus, { ...options, label: `evaluating ${corpus.name}` });
  if (acc.bytes === 0) {
    if ('file' in corpus) throw new FileError(String(corpus.file), 'empty corpus: the file has no text');
    throw new Error(`${corpus.name}: empty corpus (no text to evaluate)`);
  }
  return acc;
}

export interface TokenizerEvaluation {
  name: string;
  /** The metrics measured, in report order. */
  metrics: readonly Metric[];
  context: MetricContext;
  /** Pooled over every corpus. */
  overall: CorpusMetrics;
  /** One entry per corpus, in input order. */
  perCorpus: CorpusMetrics[];
  /** Every metric's pooled value by key (per-tokenizer metrics included). */
  values: Record<string, number>;
  /** Each corpus's metric values by key, in input order. */
  perCorpusValues: Array<{ name: string; values: Record<string, number> }>;
  morph: MorphScoreResult | null;
  /** The pooled unigram tally (counts by id, for coverage curves). */
  tally: UnigramTally;
  /** Pooled token counts by id. */
  counts: Float64Array;
}

/** Evaluates one tokenizer on several corpora (e.g. one file per language), pooled and per corpus. */
export async function evaluateTokenizer(
  name: string,
  tokenizer: BaseTokenizer,
  corpora: readonly CorpusInput[],
  options: EvaluationOptions & { morphItems?: readonly MorphItem[]; prefixSpace?: boolean } = {},
): Promise<TokenizerEvaluation> {
  if (corpora.length === 0) throw new Error('no corpora given: pass at least one input');
  const metrics = options.metrics ?? registeredMetrics();
  const lengths = new TokenByteLengths(tokenizer);
  const accs: TokenizerMetricsAccumulator[] = [];
  for (const c of corpora) {
    accs.push(await evaluateCorpus(tokenizer, c, { ...options, lengths, metrics }));
  }
  const context: MetricContext = {
    ...accs[0]!.context,
    morphItems: options.morphItems,
    prefixSpace: options.prefixSpace,
  };
  const pooled = new TokenizerMetricsAccumulator(tokenizer, 'all', context.lengths, metrics);
  for (const a of accs) pooled.merge(a);
  const values = pooled.values();
  for (const m of pooled.metrics)
    if (m.perTokenizer) values[m.key] = m.value(pooled.tally, pooled.stateOf(m), context);
  return {
    name,
    metrics: pooled.metrics,
    context,
    overall: pooled.result(),
    perCorpus: accs.map((a) => a.result()),
    values,
    perCorpusValues: accs.map((a) => ({ name: a.name, values: a.values() })),
    morph: morphScoreOf(context),
    tally: pooled.tally,
    counts: pooled.counts,
  };
}
