/** UNK count: how many `<unk>` tokens the tokenizer produced (bytespan-reference.md §13.1, B7). */
import type { Metric } from '../metric.js';

export const unkCount: Metric = {
  key: 'unkCount',
  header: 'UNK',
  definition: 'UNK = number of unknown-token ids produced (0 for tokenizers without one).',
  format: 'count',
  value: (tally, _state, { tokenizer }) => {
    const id = tokenizer.unkTokenId;
    return id === null ? 0 : (tally.counts[id] ?? 0);
  },
};
