/** Types used: the number of distinct token ids the tokenizer produced on the corpus. */
import type { Metric } from '../metric.js';

export const typesUsed: Metric = {
  key: 'typesUsed',
  header: 'types used',
  definition: 'types used = distinct token ids produced.',
  format: 'count',
  value: (tally) => tally.typesSeen,
};
