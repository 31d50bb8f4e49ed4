/**
 * A hand-written scanner with exactly the splits of GPT2_PATTERN (gpt2-pattern.ts), used by the encoder
 * because the regex dominates encoding time. tests/gpt2-scan.test.ts checks it against the regex on
 * arbitrary Unicode; the regex stays the definition.
 *
 * Pattern alternatives, tried in order at each position:
 *   '(?:[sdmt]|ll|ve|re) | ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+ | \s+(?!\S) | \s+
 */

import { WHITE_SPACE } from './whitespace.js';

/** Character classes of the pattern: \p{L}, \p{N}, \s (Unicode White_Space, as the peers read it), and everything else. */
export const OTHER = 0;
export const LETTER = 1;
export const NUMBER = 2;
export const SPACE = 3;

const LETTER_RE = /^\p{L}$/u;
const NUMBER_RE = /^\p{N}$/u;

function classifyCodePoint(s: string): number {
  if (LETTER_RE.test(s)) return LETTER;
  if (NUMBER_RE.test(s)) return NUMBER;
  if (WHITE_SPACE.test(s)) return SPACE;
  return OTHER;
}

/** Class of every BMP code unit, computed from the same Unicode properties the regex uses. */
const BMP_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    // Lone surrogates are neither letters, numbers nor spaces (the regex sees them as one code point).
    table[c] = c >= 0xd800 && c <= 0xdfff ? OTHER : classifyCodePoint(String.fromCharCode(c));
  }
  return table;
})();

/** Class of the code point `cp`; a lone surrogate is OTHER (the regex sees it as one code point). */
export function codePointClass(cp: number): number {
  return cp < 0x10000 ? BMP_CLASS[cp]! : classifyCodePoint(String.fromCodePoint(cp));
}

/** Class of the code point at `i` (a surrogate pair counts as one code point). */
function classAt(text: string, i: number, n: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= n) return BMP_CLASS[c]!;
  const d = text.charCodeAt(i + 1);
  if (d < 0xdc00 || d > 0xdfff) return OTHER;
  return classifyCodePoint(text.slice(i, i + 2));
}

/** UTF-16 length of the code point at `i`. */
function widthAt(text: string, i: number, n: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= n) return 1;
  const d = text.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff ? 2 : 1;
}

/** End (exclusive) of the run of class `cls` starting at `j`. */
function runEnd(text: string, j: number, n: number, cls: number): number {
  let k = j;
  while (k < n) {
    const c = text.charCodeAt(k);
    if (c < 0x80) {
      if (BMP_CLASS[c] !== cls) break;
      k++;
    } else {
      if (classAt(text, k, n) !== cls) break;
      k += widthAt(text, k, n);
    }
  }
  return k;
}

/** End (exclusive) of the GPT-2 pre-token that starts at `i` (requires i < n = text.length). */
export function pieceEnd(text: string, i: number, n: number): number {
  const c = text.charCodeAt(i);
  if (c === 39 && i + 1 < n) {
    // ' followed by s, d, m, t, or ll, ve, re
    const d = text.charCodeAt(i + 1);
    if (d === 115 || d === 100 || d === 109 || d === 116) return i + 2;
    if (i + 2 < n) {
      const e = text.charCodeAt(i + 2);
      if ((d === 108 && e === 108) || (d === 118 && e === 101) || (d === 114 && e === 101)) return i + 3;
    }
  }
  let j = i;
  if (c === 32 && i + 1 < n && classAt(text, i + 1, n) !== SPACE) j = i + 1;
  const cls = classAt(text, j, n);
  if (cls !== SPACE) return runEnd(text, j + widthAt(text, j, n), n, cls);
  // Whitespace: the whole run at the end of text, else all but its last character (\s+(?!\S)), else one.
  const k = runEnd(text, i + 1, n, SPACE);
  if (k === n || k - i === 1) return k;
  return k - 1;
}

/** The pieces of `text` by the scanner (same result as `pretokenize(text)`). */
export function scanPieces(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  for (let i = 0; i < n; ) {
    const e = pieceEnd(text, i, n);
    out.push(text.slice(i, e));
    i = e;
  }
  return out;
}
