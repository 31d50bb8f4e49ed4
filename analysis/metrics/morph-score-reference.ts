/**
 * MorphScore as the upstream implementation computes it (bytespan-reference.md §13.2), beside the
 * byte-offset MorphScore (morph-score.ts), never instead: each token of the word is decoded on its own and
 * an item scores 1 when, for some k, the first k decoded tokens spell `pt1` and the rest spell `rest`.
 * The prefix space is stripped from the first token and `##` is not part of a decoded token (the authors'
 * fork, which the paper used, fixes both); decoding a token alone still turns the bytes of a character
 * split across tokens into U+FFFD, so such words never match: the artefact behind the published Japanese
 * and Korean scores (§14.3), reproduced here on purpose.
 */
import type { BaseTokenizer } from '../../tokenizers/base.js';
import type { Metric, MetricContext } from '../metric.js';
import type { MorphItem } from '../morph-csv.js';

/** The upstream score: mean over items split into two or more non-empty decoded tokens (NaN: none). */
export function morphScoreReference(
  tokenizer: BaseTokenizer,
  items: readonly MorphItem[],
  options: { prefixSpace?: boolean } = {},
): number {
  const prefix = (options.prefixSpace ?? true) ? ' ' : '';
  const specials = new Set(tokenizer.allSpecialIds);
  let scored = 0;
  let hits = 0;
  for (const item of items) {
    const pieces = tokenizer
      .encode(prefix + item.fullWord)
      .filter((id) => !specials.has(id))
      .map((id) => tokenizer.decode([id]));
    if (prefix !== '' && pieces.length > 0) pieces[0] = pieces[0]!.replace(/^ /, '');
    // A token that was only the prefix space decodes to nothing: it is not part of the word.
    const word = pieces.filter((p) => p.length > 0);
    if (word.length <= 1) continue;
    scored++;
    let left = '';
    for (let k = 1; k < word.length; k++) {
      left += word[k - 1];
      if (left === item.pt1 && word.slice(k).join('') === item.rest) {
        hits++;
        break;
      }
    }
  }
  return scored === 0 ? Number.NaN : hits / scored;
}

/** One score per evaluation context (a per-tokenizer value, read once per report). */
const results = new WeakMap<MetricContext, number>();

export const morphScoreReferenceMetric: Metric = {
  key: 'morphScoreReference',
  header: 'MorphScore (ref.)',
  definition:
    "MorphScore (ref.) = upstream's: tokens decoded one by one, an item scores when some split of them " +
    'spells `pt1 | rest` exactly (prefix space and `##` stripped; a character cut between tokens never matches).',
  format: 'ratio',
  column: false,
  perTokenizer: true,
  value(_tally, _state, context) {
    if (context.morphItems === undefined) return Number.NaN;
    let score = results.get(context);
    if (score === undefined) {
      score = morphScoreReference(context.tokenizer, context.morphItems, {
        prefixSpace: context.prefixSpace,
      });
      results.set(context, score);
    }
    return score;
  },
};
