/** Fertility: tokens per whitespace-separated word. */
import type { Metric } from '../metric.js';

export const fertility: Metric = {
  key: 'fertility',
  header: 'fertility',
  definition: 'fertility = tokens / whitespace-separated words.',
  format: 'ratio',
  aligned: true,
  chart: { file: 'fertility.png', title: 'Fertility (tokens per word)', yLabel: 'tokens / word' },
  chartByInput: { file: 'fertility_by_input.png', title: 'Fertility by input', yLabel: 'tokens / word' },
  value: (tally) => tally.tokens / tally.words,
};
