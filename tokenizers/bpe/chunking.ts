/**
 * Cutting a text stream into blocks at positions where the cut cannot change special-token splitting or
 * GPT-2 pre-tokenization, so blocks can be counted independently (in parallel) with exactly the counts
 * of the whole text.
 */

import { WHITE_SPACE } from '../pre-tokenizers/whitespace.js';

const LETTER_AT = /\p{L}/uy;

function isWhitespace(text: string, i: number): boolean {
  return WHITE_SPACE.test(text[i]!);
}

/**
 * True when no occurrence of a special token starts before `i` and ends after it. Any occurrence, real
 * or shadowed by an overlapping one, disqualifies `i`; with none spanning it, scanning for specials on
 * either side finds exactly the matches of the whole text.
 */
function outsideSpecials(text: string, i: number, specials: readonly string[]): boolean {
  for (const s of specials) {
    for (let k = 1; k < s.length && k <= i; k++) if (text.startsWith(s, i - k)) return false;
  }
  return true;
}

/**
 * Whether pre-tokenization can restart at `i`:
 * - a special token starts at `i` (the segment boundary is there anyway);
 * - `text[i]` is a space, `text[i-1]` is not whitespace and `text[i+1]` is a letter: the piece before
 *   ends at `i - 1` and ` ?\p{L}+` starts at `i` either way;
 * - `text[i-1]` is a newline between two non-whitespace characters: the newline is a piece of its own
 *   (no pattern attaches a newline to a neighbour), covering text without spaces such as Chinese.
 */
function restartsAt(text: string, i: number, specials: readonly string[]): boolean {
  for (const s of specials) if (text.startsWith(s, i)) return true;
  const c = text[i]!;
  if (c === ' ') {
    if (isWhitespace(text, i - 1)) return false;
    LETTER_AT.lastIndex = i + 1;
    return LETTER_AT.test(text);
  }
  return text[i - 1] === '\n' && i >= 2 && !isWhitespace(text, i - 2) && !isWhitespace(text, i);
}

/**
 * The last position in (0, min(before, text.length)] where `text` may be cut into independently counted parts, or -1.
 * Positions closer to the end than the longest special token are not considered: a special could still
 * continue in text not seen yet.
 */
export function lastSafeCut(text: string, specials: readonly string[], before = text.length): number {
  let longest = 1;
  for (const s of specials) longest = Math.max(longest, s.length);
  for (let i = Math.min(before, text.length - longest); i >= 1; i--) {
    if (restartsAt(text, i, specials) && outsideSpecials(text, i, specials)) return i;
  }
  return -1;
}

/**
 * Re-cuts a stream of text pieces (arbitrary boundaries) into blocks of about `blockSize` characters,
 * each ending at a safe cut or at the end of the stream. Text without any safe position accumulates
 * until one appears.
 */
export async function* safeBlocks(
  pieces: AsyncIterable<string> | Iterable<string>,
  specials: readonly string[],
  blockSize: number,
): AsyncGenerator<string> {
  let buffer = '';
  let nextTry = blockSize;
  for await (const piece of pieces) {
    buffer += piece;
    while (buffer.length >= nextTry) {
      let cut = lastSafeCut(buffer, specials, blockSize);
      if (cut <= 0) cut = lastSafeCut(buffer, specials);
      if (cut <= 0) {
        nextTry = buffer.length * 2;
        break;
      }
      yield buffer.slice(0, cut);
      buffer = buffer.slice(cut);
      nextTry = blockSize;
    }
  }
  if (buffer.length > 0) yield buffer;
}
