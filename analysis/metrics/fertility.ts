/** Fertility: tokens per word, words being GPT-2 pre-tokens (bytespan-reference.md §13.1). */
import type { Metric } from '../metric.js';

export const fertility: Metric = {
  key: 'fertility',
  header: 'fertility',
  definition: 'fertility = tokens / words (GPT-2 pre-tokens, leading space included).',
  format: 'ratio',
  aligned: true,
  chart: { file: 'fertility.png', title: 'Fertility (tokens per word)', yLabel: 'tokens / word' },
  chartByInput: { file: 'fertility_by_input.png', title: 'Fertility by input', yLabel: 'tokens / word' },
  value: (tally) => tally.tokens / tally.words,
};
