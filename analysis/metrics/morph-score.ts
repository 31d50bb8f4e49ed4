/**
 * MorphScore (bytespan-reference.md §13.2): the share of morpheme boundaries (`pt1 | rest`) that fall on a
 * token boundary, over the words the tokenizer splits. A word-list metric: one value per tokenizer.
 */
import type { BaseTokenizer } from '../../tokenizers/base.js';
import { encodeWithEnds, TokenByteLengths } from '../alignment.js';
import type { Metric, MetricContext } from '../metric.js';
import type { MorphItem } from '../morph-csv.js';

export interface MorphScoreResult {
  /** Mean over scored items (NaN when every item was excluded). */
  score: number;
  /** Items tokenized into two or more tokens (the denominator). */
  scored: number;
  /** Items with a token boundary exactly at the end of pt1. */
  hits: number;
  /** Items kept whole (one token): excluded, as in the reference. */
  excludedSingleToken: number;
  /** Items where pt1 is not a prefix of full_word, or the tokens' bytes do not spell the word: excluded. */
  excludedInvalid: number;
}

/**
 * MorphScore with byte offsets (bytespan-reference.md §13.2): tokenize each word (after a space when
 * `prefixSpace`, as in the ByteSpan setup), drop tokens that lie wholly in the prefix, exclude words kept
 * as one token, and score 1 when a token boundary falls at byte |utf8(pt1)| of the word.
 */
export function morphScore(
  tokenizer: BaseTokenizer,
  items: readonly MorphItem[],
  options: { prefixSpace?: boolean; lengths?: TokenByteLengths } = {},
): MorphScoreResult {
  const lengths = options.lengths ?? new TokenByteLengths(tokenizer);
  const prefix = (options.prefixSpace ?? true) ? ' ' : '';
  let hits = 0;
  let scored = 0;
  let single = 0;
  let invalid = 0;
  for (const item of items) {
    if (
      !item.fullWord.startsWith(item.pt1) ||
      item.pt1.length === 0 ||
      item.pt1.length === item.fullWord.length
    ) {
      invalid++;
      continue;
    }
    const text = prefix + item.fullWord;
    const { ends } = encodeWithEnds(tokenizer, text, Buffer.byteLength(text, 'utf8'), lengths);
    if (ends === null) {
      invalid++;
      continue;
    }
    const offset = prefix.length;
    // Tokens of the word: those ending after the prefix.
    let first = 0;
    while (first < ends.length && ends[first]! <= offset) first++;
    const inWord = ends.length - first;
    if (inWord <= 1) {
      single++;
      continue;
    }
    scored++;
    const boundary = offset + Buffer.byteLength(item.pt1, 'utf8');
    for (let u = first; u < ends.length - 1; u++) {
      if (ends[u] === boundary) {
        hits++;
        break;
      }
    }
  }
  return {
    score: scored === 0 ? Number.NaN : hits / scored,
    scored,
    hits,
    excludedSingleToken: single,
    excludedInvalid: invalid,
  };
}

/** One MorphScore per evaluation context: its value, its detail and the evaluation read the same result. */
const results = new WeakMap<MetricContext, MorphScoreResult | null>();

export function morphScoreOf(context: MetricContext): MorphScoreResult | null {
  if (!results.has(context))
    results.set(
      context,
      context.morphItems === undefined
        ? null
        : morphScore(context.tokenizer, context.morphItems, {
            prefixSpace: context.prefixSpace,
            lengths: context.lengths,
          }),
    );
  return results.get(context)!;
}

export const morphScoreMetric: Metric = {
  key: 'morphScore',
  header: 'MorphScore',
  definition:
    'MorphScore = share of morpheme boundaries (`pt1 | rest`) that fall on a token boundary, over words ' +
    'the tokenizer splits (words kept whole are excluded); offsets compared in bytes.',
  format: 'ratio',
  perTokenizer: true,
  chart: { file: 'morph_score.png', title: 'MorphScore', yLabel: 'MorphScore' },
  value: (_tally, _state, context) => morphScoreOf(context)?.score ?? Number.NaN,
  detailKey: 'morph',
  detail(context) {
    const r = morphScoreOf(context);
    if (r === null) return null;
    return {
      json: {
        scored: r.scored,
        hits: r.hits,
        excludedSingleToken: r.excludedSingleToken,
        excludedInvalid: r.excludedInvalid,
      },
      note: `(${r.scored} items)`,
    };
  },
};
