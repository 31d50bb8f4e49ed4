/**
 * TokenUsageAnalyzer: how a tokenizer's vocabulary is used on a corpus — token counts, frequency ranks,
 * how many token types cover a given share of the text, and a reduced vocabulary at a chosen coverage.
 *
 * Port of cleanGPT's analyzer (spec: cleangpt-reference.md §10) with its defects fixed: counts are kept by
 * id in typed arrays rather than by token string, files are streamed through the one corpus reader, and the reduced
 * vocabulary has unique, contiguous ids plus the old → new id map (§12 D5). The counting is a metrics pass
 * with no metrics: the unigram tally alone.
 */
import * as path from 'node:path';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import type { ReadOptions } from '../utils/corpus.js';
import { FileError, writeJsonAtomic } from '../utils/fs.js';
import { cumulativeShareOfRanked, firstRankReaching } from './coverage.js';
import { feedCorpus, MetricsAccumulator, metricContext } from './pass.js';
import { plotCoverageCurve, plotTokenDistribution } from './plots.js';
import { UnigramTally } from './tally.js';

/** Thresholds reported by {@link TokenUsageAnalyzer.coverageThresholds} (the reference's list). */
export const COVERAGE_THRESHOLDS: readonly number[] = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999];

/** Files at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 8 << 20;

export interface TokenCount {
  token: string;
  id: number;
  count: number;
}

export interface AnalysisSummary {
  totalTokens: number;
  /** Distinct token ids seen. */
  uniqueTokens: number;
  /** Texts analysed (for a file: its non-empty lines). */
  numSamples: number;
  avgSequenceLength: number;
  /** uniqueTokens / vocabSize: the share of the vocabulary that was used at least once. */
  vocabUtilization: number;
  /**
   * Same value as `vocabUtilization`, under the reference's name. It is NOT corpus coverage (the share of
   * the text covered by some set of tokens); see `coverageThresholds` for that.
   */
  vocabCoverage: number;
  /** Top 20 tokens, count descending, ties in order of first occurrence. */
  mostCommon: TokenCount[];
}

/** Texts, or one or more files read line by line (each non-empty line is one sample). */
export type AnalysisInput = Iterable<string> | { file: string | readonly string[] };

export interface AnalyzeOptions {
  /** Analyse at most this many texts (lines for a file). */
  maxSamples?: number;
  /** Progress bar on stderr for large inputs (never when stderr is not a terminal). Default true. */
  showProgress?: boolean;
  /** How files are read (text field, invalid UTF-8 policy); see utils/corpus.ts. */
  read?: ReadOptions;
  /** Worker threads for the pass (default 1; see analysis/parallel-pass.ts). */
  numWorkers?: number;
}

export interface ReducedVocab {
  /** token → new id: specials first (ids 0…s−1, in the tokenizer's id order), then the top-k tokens. */
  vocab: Map<string, number>;
  /** old id → new id for every kept token. */
  idMap: Map<number, number>;
  requestedCoverage: number;
  /** Number of frequency-ranked tokens needed to reach the requested coverage (the crossing one included). */
  k: number;
  /** Cumulative share of the corpus tokens covered by those k tokens (≥ the requested coverage). */
  reachedCoverage: number;
  /**
   * A tokenizer restricted to `vocab`: for the character tokenizer, a new CharacterTokenizer (characters
   * outside the kept set encode as `<unk>`). Other tokenizers cannot be pruned without retraining their
   * merges (a byte-level vocabulary cannot drop bytes and stay lossless), so this is `null` and callers
   * remap ids with `idMap`.
   */
  tokenizer: BaseTokenizer | null;
}

export class TokenUsageAnalyzer {
  readonly tokenizer: BaseTokenizer;
  #tally: UnigramTally;
  #ranked: Int32Array | null = null;

  constructor(tokenizer: BaseTokenizer) {
    this.tokenizer = tokenizer;
    this.#tally = new UnigramTally(tokenizer.vocabSize);
  }

  /** Resets all counts, then counts the tokens of every text (or every non-empty line of a file). */
  async analyzeTexts(input: AnalysisInput, options: AnalyzeOptions = {}): Promise<AnalysisSummary> {
    const max = options.maxSamples ?? Number.POSITIVE_INFINITY;
    if (!(max >= 0)) throw new Error(`maxSamples must be a non-negative number, got ${options.maxSamples}`);
    const acc = new MetricsAccumulator(metricContext(this.tokenizer), [], 'corpus');
    this.#ranked = null;
    if (isFileInput(input)) {
      const files = typeof input.file === 'string' ? [input.file] : [...input.file];
      if (files.length === 0) throw new Error('empty corpus: no input files');
      const pass = {
        showProgress: options.showProgress,
        progressMinBytes: PROGRESS_MIN_BYTES,
        maxTexts: max,
        numWorkers: options.numWorkers,
      };
      await feedCorpus(
        acc,
        { name: 'corpus', file: files },
        { ...pass, unit: 'lines', label: 'analysing tokens', read: options.read },
      );
      this.#tally = acc.tally;
      if (this.#tally.texts === 0) throw new FileError(files.join(', '), 'empty corpus: no non-empty lines');
    } else {
      await feedCorpus(
        acc,
        { name: 'corpus', texts: input },
        { maxTexts: max, numWorkers: options.numWorkers },
      );
      this.#tally = acc.tally;
      if (this.#tally.texts === 0) throw new Error('empty corpus: no texts to analyse');
    }
    return this.summary();
  }

  /** Ids seen at least once, count descending, ties by first occurrence. */
  rankedIds(): Int32Array {
    if (this.#ranked !== null) return this.#ranked;
    const { counts, firstSeen: first } = this.#tally;
    const ids = new Int32Array(this.#tally.typesSeen);
    let k = 0;
    for (let id = 0; id < counts.length; id++) if (counts[id]! > 0) ids[k++] = id;
    ids.sort((a, b) => counts[b]! - counts[a]! || first[a]! - first[b]!);
    this.#ranked = ids;
    return ids;
  }

  /** Counts in rank order (index 0 = most frequent). */
  rankedCounts(): Float64Array {
    const ids = this.rankedIds();
    const out = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.#tally.counts[ids[i]!]!;
    return out;
  }

  /** Cumulative share of all tokens covered by the top-k types, at index k − 1. */
  cumulativeCoverage(): Float64Array {
    return cumulativeShareOfRanked(this.rankedCounts());
  }

  countOf(id: number): number {
    return this.#tally.counts[id] ?? 0;
  }

  summary(): AnalysisSummary {
    this.#requireAnalysed();
    const ids = this.rankedIds();
    const { typesSeen, tokens, texts } = this.#tally;
    const utilization = typesSeen / this.tokenizer.vocabSize;
    return {
      totalTokens: tokens,
      uniqueTokens: typesSeen,
      numSamples: texts,
      avgSequenceLength: texts === 0 ? 0 : tokens / texts,
      vocabUtilization: utilization,
      vocabCoverage: utilization,
      mostCommon: Array.from(ids.subarray(0, 20), (id) => this.#entry(id)),
    };
  }

  #entry(id: number): TokenCount {
    return { token: this.#tokenString(id), id, count: this.#tally.counts[id]! };
  }

  #tokenString(id: number): string {
    return this.tokenizer.idToToken(id) ?? `<id ${id}>`;
  }

  #requireAnalysed(): void {
    if (this.#tally.tokens === 0) {
      throw new Error(
        this.#tally.texts === 0
          ? 'no texts analysed: call analyzeTexts with a non-empty corpus'
          : 'the corpus produced no tokens',
      );
    }
  }

  /**
   * token → count (or count / totalTokens with `asPercentage`, a fraction in [0, 1] as in the reference),
   * in rank order.
   */
  getTokenFrequencies(options: { asPercentage?: boolean } = {}): Map<string, number> {
    this.#requireAnalysed();
    const out = new Map<string, number>();
    for (const id of this.rankedIds()) {
      const c = this.#tally.counts[id]!;
      out.set(this.#tokenString(id), options.asPercentage ? c / this.#tally.tokens : c);
    }
    return out;
  }

  /** For each threshold, the smallest 1-based rank k whose cumulative share reaches it; unreached omitted. */
  coverageThresholds(thresholds: readonly number[] = COVERAGE_THRESHOLDS): Map<number, number> {
    this.#requireAnalysed();
    const cumulative = this.cumulativeCoverage();
    const out = new Map<number, number>();
    for (const t of thresholds) {
      const k = firstRankReaching(cumulative, t);
      if (k !== null) out.set(t, k);
    }
    return out;
  }

  /**
   * The smallest vocabulary covering `coverage` of the analysed tokens: the tokenizer's special tokens
   * (de-duplicated by string, in id order) get ids 0…s−1, then the top-k tokens in rank order get the next
   * ids, skipping any already present, so every id is used exactly once.
   */
  createReducedVocab(coverage = 0.95): ReducedVocab {
    if (!(coverage > 0 && coverage <= 1)) throw new Error(`coverage must be in (0, 1], got ${coverage}`);
    this.#requireAnalysed();
    const cumulative = this.cumulativeCoverage();
    const k = firstRankReaching(cumulative, coverage) ?? cumulative.length;
    const vocab = new Map<string, number>();
    const idMap = new Map<number, number>();
    const specials = [...new Set(this.tokenizer.allSpecialTokens)]
      .map((token) => ({ token, id: this.tokenizer.tokenToId(token) }))
      .filter((s): s is { token: string; id: number } => s.id !== undefined)
      .sort((a, b) => a.id - b.id);
    for (const { token, id } of specials) {
      idMap.set(id, vocab.size);
      vocab.set(token, vocab.size);
    }
    const ranked = this.rankedIds();
    for (let i = 0; i < k; i++) {
      const id = ranked[i]!;
      if (idMap.has(id)) continue;
      const token = this.#tokenString(id);
      if (vocab.has(token)) continue;
      idMap.set(id, vocab.size);
      vocab.set(token, vocab.size);
    }
    return {
      vocab,
      idMap,
      k,
      requestedCoverage: coverage,
      reachedCoverage: cumulative[k - 1]!,
      tokenizer: this.#prunedTokenizer(vocab),
    };
  }

  #prunedTokenizer(vocab: Map<string, number>): BaseTokenizer | null {
    const t = this.tokenizer;
    if (!(t instanceof CharacterTokenizer)) return null;
    const pruned = new CharacterTokenizer({
      vocab,
      unkToken: t.unkToken ?? undefined,
      padToken: t.padToken ?? undefined,
      bosToken: t.bosToken ?? undefined,
      eosToken: t.eosToken ?? undefined,
      additionalSpecialTokens: [...t.additionalSpecialTokens],
      maxLength: t.modelMaxLength,
    });
    return pruned;
  }

  /**
   * Writes `token_frequencies.json` (token → count, rank order), `analysis_summary.json` (the summary in
   * the reference's snake_case keys plus `coverage_thresholds`), `token_distribution.png` (top 100) and
   * `coverage_curve.png` into `dir`.
   */
  saveAnalysis(dir: string, options: { topN?: number } = {}): void {
    const summary = this.summary();
    writeJsonAtomic(path.join(dir, 'token_frequencies.json'), Object.fromEntries(this.getTokenFrequencies()));
    writeJsonAtomic(path.join(dir, 'analysis_summary.json'), this.summaryJson(summary));
    const counts = this.rankedCounts();
    plotTokenDistribution(counts.subarray(0, options.topN ?? 100), path.join(dir, 'token_distribution.png'), {
      title: `Token frequency distribution (top ${Math.min(options.topN ?? 100, counts.length)} of ${counts.length} types)`,
    });
    plotCoverageCurve(this.cumulativeCoverage(), path.join(dir, 'coverage_curve.png'));
  }

  /** The summary as written to `analysis_summary.json` (reference key names, plus the `vocab_utilisation` alias of
   * cleangpt-reference.md §12 D23). */
  summaryJson(summary: AnalysisSummary = this.summary()): Record<string, unknown> {
    return {
      total_tokens: summary.totalTokens,
      unique_tokens: summary.uniqueTokens,
      num_samples: summary.numSamples,
      avg_sequence_length: summary.avgSequenceLength,
      vocab_coverage: summary.vocabCoverage,
      vocab_utilisation: summary.vocabUtilization,
      vocab_size: this.tokenizer.vocabSize,
      most_common_tokens: summary.mostCommon.map((e) => [e.token, e.count]),
      coverage_thresholds: Object.fromEntries([...this.coverageThresholds()].map(([t, k]) => [String(t), k])),
    };
  }
}

function isFileInput(input: AnalysisInput): input is { file: string | readonly string[] } {
  const file = (input as { file?: unknown }).file;
  return typeof file === 'string' || Array.isArray(file);
}

export interface DatasetAnalysisOptions extends AnalyzeOptions {
  /** Writes the analysis files here (see {@link TokenUsageAnalyzer.saveAnalysis}). */
  outputDir?: string;
  /** Also writes `reduced_vocab_{coverage:.2f}.json` (token → new id) for each coverage given. */
  reducedVocabCoverages?: readonly number[];
}

/**
 * The reference's `analyze_dataset_with_tokenizer`: analyse, save when a folder is given, and return the
 * summary (plus the reduced vocabularies asked for).
 */
export async function analyzeDatasetWithTokenizer(
  input: AnalysisInput,
  tokenizer: BaseTokenizer,
  options: DatasetAnalysisOptions = {},
): Promise<{ summary: AnalysisSummary; analyzer: TokenUsageAnalyzer; reduced: ReducedVocab[] }> {
  const analyzer = new TokenUsageAnalyzer(tokenizer);
  const summary = await analyzer.analyzeTexts(input, options);
  const reduced = (options.reducedVocabCoverages ?? []).map((c) => analyzer.createReducedVocab(c));
  if (options.outputDir !== undefined) {
    analyzer.saveAnalysis(options.outputDir);
    for (const r of reduced) {
      const file = path.join(options.outputDir, `reduced_vocab_${r.requestedCoverage.toFixed(2)}.json`);
      writeJsonAtomic(file, Object.fromEntries(r.vocab));
    }
  }
  return { summary, analyzer, reduced };
}
