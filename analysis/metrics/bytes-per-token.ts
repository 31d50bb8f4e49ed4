/** Bytes per token: UTF-8 bytes / tokens (higher = more compression). */
import type { Metric } from '../metric.js';

export const bytesPerToken: Metric = {
  key: 'bytesPerToken',
  header: 'bytes/token',
  definition: 'bytes/token = UTF-8 bytes / tokens.',
  format: 'ratio',
  aligned: true,
  chart: {
    file: 'bytes_per_token.png',
    title: 'Bytes per token (higher = more compression)',
    yLabel: 'bytes / token',
  },
  chartByInput: {
    file: 'bytes_per_token_by_input.png',
    title: 'Bytes per token by input',
    yLabel: 'bytes / token',
  },
  value: (tally) => tally.bytes / tally.tokens,
};
