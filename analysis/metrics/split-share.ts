/**
 * Proportion of words split: the share of words (GPT-2 pre-tokens) overlapped by two or more tokens,
 * matched by byte offsets. A text whose tokens' bytes do not add up to its own (a lossy tokenizer, e.g.
 * `<unk>`) has its words matched by tokenizing each word on its own.
 */
import { scanPieces } from '../../tokenizers/pre-tokenizers/gpt2-scan.js';
import type { Metric } from '../metric.js';

export interface SplitState {
  splitWords: number;
}

export const splitShare: Metric<SplitState> = {
  key: 'propSplit',
  header: 'prop. split',
  definition: 'prop. split = share of words overlapped by two or more tokens (matched by byte offsets).',
  format: 'ratio',
  aligned: true,
  chart: { file: 'prop_split.png', title: 'Proportion of words split', yLabel: 'share of words' },
  start: () => ({ splitWords: 0 }),
  add(state, { text, words, ends }, { tokenizer }) {
    if (ends === null) {
      for (const word of scanPieces(text)) if (tokenizer.encode(word).length >= 2) state.splitWords++;
      return;
    }
    // Two pointers: tokens and words are both in byte order.
    let t = 0;
    for (let w = 0; w < words.length / 2; w++) {
      const ws = words[2 * w]!;
      const we = words[2 * w + 1]!;
      while (t < ends.length && ends[t]! <= ws) t++;
      let overlapping = 0;
      for (let u = t; u < ends.length; u++) {
        const start = u === 0 ? 0 : ends[u - 1]!;
        if (start >= we) break;
        if (ends[u]! > start && ++overlapping === 2) break;
      }
      if (overlapping >= 2) state.splitWords++;
    }
  },
  merge(into, from) {
    into.splitWords += from.splitWords;
  },
  value: (tally, state) => state.splitWords / tally.words,
};
