/**
 * GPT-2's pre-tokenization pattern: the single source of the regex for training and encoding (merges never
 * cross the pieces it cuts); gpt2-scan.ts is its hand-written equivalent for the hot paths.
 */

import { withPeerWhitespace } from './whitespace.js';

/** GPT-2's pattern in the compact form (identical splits to the original and to tiktoken's r50k). */
export const GPT2_PATTERN = String.raw`'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** GPT2_PATTERN as compiled, `\s` read as the peers read it. */
const GPT2_SOURCE = withPeerWhitespace(GPT2_PATTERN);

/** A fresh global regex for the GPT-2 pattern (a new object per caller, since `lastIndex` is state). */
export function gpt2Regex(): RegExp {
  return new RegExp(GPT2_SOURCE, 'gu');
}

/** The pre-token pieces of `text` (no special-token handling). */
export function pretokenize(text: string, regex: RegExp = gpt2Regex()): string[] {
  return text.match(regex) ?? [];
}
