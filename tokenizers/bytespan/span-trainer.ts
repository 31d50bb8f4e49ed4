/**
 * ByteSpan vocabularies under the monotonic and combined constraints (spec §7–§10): one span pass over a
 * cue corpus, then, for every target size, frequency or seeded selection and, where the spans do not
 * fill the vocabulary, the BPE continuation in `##` space. Proportion 0 is BPE-WP (no spans at all).
 */
import { spanBaseVocab } from './base-vocab.js';
import { byteTokenIds, continueWithBPE, tokenIdWords } from './continuation.js';
import type { CueCorpus, CueName, CueUnit } from './cue-corpus.js';
import { checkPercentile, cuePercentile } from './percentile.js';
import {
  balancedOrder,
  checkVocabSizes,
  frequencyOrder,
  normaliseProportion,
  seedQuota,
} from './selection.js';
import { countSpansParallel } from './span-pool.js';
import { CONSTRAINTS, type Constraint, type SpanCounts } from './spans.js';

export const DEFAULT_THRESHOLD_PERCENTILE = 30;

export type ByteSpanProgress =
  | { phase: 'threshold' }
  | { phase: 'spans'; done: number; total: number }
  | { phase: 'bpe'; vocabSize: number; done: number; total: number };

export interface ByteSpanOptions {
  cue: CueName;
  constraint: Constraint;
  /** Percentile q of the cue that gives the combined constraint's θ (default 30); [0, 100]. */
  thresholdPercentile?: number;
  /** Target sizes (each ≥ 770); one vocabulary per size from a single span pass. */
  vocabSizes: readonly number[];
  /**
   * Seeding proportion p: a fraction in [0, 1] or a percentage in (1, 100] (0.5 and 50 both mean half).
   * The top ⌊p·V⌋ − 770 spans seed the vocabulary and BPE completes it; p = 0 is BPE-WP. Omitted:
   * frequency selection (all spans by frequency, BPE only if they run out).
   */
  proportion?: number;
  /** Language-balanced selection over the corpus's document sources (round robin). */
  balanced?: boolean;
  /**
   * Threads for the span pass (1: this thread only). Default: the available cores, at most 8, or 1 for
   * corpora under 4 MiB (see span-pool.ts).
   */
  numWorkers?: number;
  onProgress?: (progress: ByteSpanProgress) => void;
}

export interface ByteSpanVocab {
  /** Tokens in id order: GPT-2 byte characters, `##` marking continuation tokens. */
  tokens: string[];
  /** Span tokens taken after the 770 base entries. */
  spanTokens: number;
  /** Tokens the BPE continuation added. */
  bpeTokens: number;
  /**
   * Merges the continuation performed to reach this size's largest group member, including those that
   * reused an existing token (0 without continuation).
   */
  bpeMerges: number;
  /** False when the corpus ran out of pairs before the target size (then `tokens` is shorter). */
  complete: boolean;
}

export interface ByteSpanResult {
  /** θ of the combined constraint, in the cue's unit (null for monotonic and BPE-WP). */
  threshold: number | null;
  unit: CueUnit;
  /** Seeding proportion as a fraction, or null for frequency selection. */
  proportion: number | null;
  /** Distinct span candidates found (0 for BPE-WP). */
  candidates: number;
  /** Candidate occurrences counted. */
  occurrences: number;
  vocabs: Map<number, ByteSpanVocab>;
}

interface Checked {
  sizes: number[];
  proportion: number | null;
  percentile: number;
}

function check(corpus: CueCorpus, options: ByteSpanOptions, baseSize: number): Checked {
  if (!CONSTRAINTS.includes(options.constraint)) {
    throw new Error(
      `constraint must be one of ${CONSTRAINTS.join(', ')}, got ${JSON.stringify(options.constraint)}`,
    );
  }
  const sizes = checkVocabSizes(options.vocabSizes, baseSize);
  const proportion = options.proportion === undefined ? null : normaliseProportion(options.proportion);
  const percentile = checkPercentile(options.thresholdPercentile ?? DEFAULT_THRESHOLD_PERCENTILE);
  if (corpus.meta.numBytes === 0) throw new Error('the cue corpus is empty');
  if (proportion !== 0 && !corpus.cues.has(options.cue)) {
    throw new Error(
      `the cue corpus has no ${options.cue} cue loaded (it has: ${[...corpus.cues.keys()].join(', ') || 'none'})`,
    );
  }
  return { sizes, proportion, percentile };
}

/** Trains one ByteSpan (or BPE-WP) vocabulary per target size. */
export async function trainByteSpan(corpus: CueCorpus, options: ByteSpanOptions): Promise<ByteSpanResult> {
  const base = spanBaseVocab();
  const { sizes, proportion, percentile } = check(corpus, options, base.length);
  const { onProgress } = options;
  const onSpans = (done: number, total: number) => onProgress?.({ phase: 'spans', done, total });
  const workers = options.numWorkers === undefined ? {} : { numWorkers: options.numWorkers };

  let threshold: number | null = null;
  let counts: SpanCounts;
  let order: Int32Array;
  if (proportion === 0) {
    counts = await countSpansParallel(corpus, {
      ...workers,
      cue: null,
      constraint: options.constraint,
      bytesOnly: true,
      onProgress: onSpans,
    });
    order = new Int32Array(0);
  } else {
    const cue = corpus.cues.get(options.cue)!;
    if (options.constraint === 'combined') {
      onProgress?.({ phase: 'threshold' });
      threshold = cuePercentile(cue, percentile);
    }
    const pass = (words: boolean) =>
      countSpansParallel(corpus, {
        ...workers,
        cue,
        constraint: options.constraint,
        ...(threshold === null ? {} : { threshold }),
        perSource: options.balanced === true,
        words,
        onProgress: onSpans,
      });
    // Seeding below p = 1 always ends in BPE, so the pass keeps the words; frequency selection needs
    // them only when the spans run out, which a second (identical) pass then provides.
    counts = await pass(proportion !== null && proportion < 1);
    order = orderOf(counts, options.balanced === true);
    if (proportion === null && counts.words === null && order.length < sizes.at(-1)! - base.length) {
      counts = await pass(true);
    }
  }

  // Vocabularies that keep the same spans share one continuation (its merges do not depend on the
  // target), so each group runs once, to its largest size.
  const groups = new Map<number, number[]>();
  for (const v of sizes) {
    const quota = proportion === null ? v - base.length : seedQuota(proportion, v, base.length);
    if (proportion === 1 && order.length < quota) {
      throw new Error(
        `proportion 1 needs ${quota} spans for vocabulary size ${v}, but the corpus gave only ${order.length}`,
      );
    }
    const taken = Math.min(quota, order.length);
    groups.set(taken, [...(groups.get(taken) ?? []), v]);
  }

  const vocabs = new Map<number, ByteSpanVocab>();
  const index = new Map<string, number>();
  base.forEach((token, id) => {
    index.set(token, id);
  });
  const byteIds = byteTokenIds(index);
  for (const [taken, targets] of groups) {
    const tokens = [...base];
    const spanIds = new Int32Array(counts.table.size).fill(-1);
    for (let i = 0; i < taken; i++) {
      spanIds[order[i]!] = tokens.length;
      tokens.push(counts.table.spelling(order[i]!));
    }
    const largest = targets[targets.length - 1]!;
    let complete = true;
    let merges = 0;
    if (tokens.length < largest) {
      const words = tokenIdWords(counts.words!, spanIds, (c) => counts.table.spanBytes(c), byteIds);
      const result = continueWithBPE(tokens, words.toSymbolWords(), largest, (done) =>
        onProgress?.({ phase: 'bpe', vocabSize: largest, done, total: largest }),
      );
      complete = result.complete;
      merges = result.merges;
    }
    for (const v of targets) {
      const vocabTokens = tokens.slice(0, v);
      vocabs.set(v, {
        tokens: vocabTokens,
        spanTokens: taken,
        bpeTokens: Math.max(0, vocabTokens.length - base.length - taken),
        bpeMerges: merges,
        complete: complete || vocabTokens.length === v,
      });
    }
  }
  return {
    threshold,
    unit: corpus.meta.unit,
    proportion,
    candidates: counts.table.size,
    occurrences: counts.occurrences,
    vocabs: new Map([...vocabs].sort((a, b) => a[0] - b[0])),
  };
}

/** The order in which candidates enter the vocabulary (§9). */
function orderOf(counts: SpanCounts, balanced: boolean): Int32Array {
  return balanced && counts.bySource !== null
    ? balancedOrder(counts.bySource)
    : frequencyOrder(counts.table.counts, counts.table.size);
}
