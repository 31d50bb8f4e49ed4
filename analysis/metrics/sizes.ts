/** The sizes reported beside the metrics: tokens, vocabulary, UTF-8 bytes and words of each input. */
import type { Metric } from '../metric.js';

export const totalTokens: Metric = {
  key: 'totalTokens',
  header: 'tokens',
  format: 'count',
  value: (tally) => tally.tokens,
};

export const vocabSize: Metric = {
  key: 'vocabSize',
  header: 'vocab',
  format: 'count',
  value: (_tally, _state, { tokenizer }) => tokenizer.vocabSize,
};

export const bytes: Metric = {
  key: 'bytes',
  header: 'bytes',
  format: 'count',
  column: false,
  aligned: true,
  value: (tally) => tally.bytes,
};

export const words: Metric = {
  key: 'words',
  header: 'words',
  format: 'count',
  column: false,
  aligned: true,
  value: (tally) => tally.words,
};
