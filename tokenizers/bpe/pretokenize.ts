/**
 * GPT-2 pre-tokenization and special-token splitting: the single source of the regex for training and
 * encoding (merges never cross the pieces produced here).
 */

import { withPeerWhitespace } from '../pre-tokenizers/whitespace.js';

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

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A regex matching any of `specials`, longest alternative first, so that among specials starting at the
 * same position the longest wins; leftmost occurrence wins otherwise (ordinary regex scanning).
 * Returns null for an empty list.
 */
export function specialsRegex(specials: readonly string[]): RegExp | null {
  for (const s of specials) {
    if (typeof s !== 'string' || s.length === 0) throw new Error('special tokens must be non-empty strings');
  }
  if (specials.length === 0) return null;
  const sorted = [...new Set(specials)].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map(escapeRegex).join('|'), 'g');
}

/** A piece of text between specials (`special: false`) or one special token occurrence (`special: true`). */
export interface Segment {
  text: string;
  special: boolean;
}

/** Splits `text` on special-token occurrences; empty ordinary segments are dropped. */
export function splitOnSpecials(text: string, specials: RegExp | null): Segment[] {
  if (specials === null) return text.length > 0 ? [{ text, special: false }] : [];
  const out: Segment[] = [];
  let last = 0;
  specials.lastIndex = 0;
  for (let m = specials.exec(text); m !== null; m = specials.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), special: false });
    out.push({ text: m[0], special: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), special: false });
  return out;
}
