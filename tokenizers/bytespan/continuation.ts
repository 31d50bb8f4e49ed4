/**
 * BPE continuation in WordPiece (`##`) space (spec §10), after seeding or when frequency selection runs
 * short, and on its own for BPE-WP.
 *
 * Input: the pre-token occurrences re-segmented with the recorded spans that survived selection (a span
 * not selected stays bytes), each unit at a non-initial position spelled with `##`. The merge loop is the
 * project's incremental one (bpe/merge-loop.ts) with this rule:
 * - pairs never cross pre-tokens (words are pre-tokens);
 * - most frequent pair first; ties: smallest right id, then smallest left id (the reference's smallest
 *   `right·(N+1) + left`);
 * - joined = left + right without the right's `##` prefix (only the prefix, B4); a joined string already
 *   in the vocabulary reuses its id and the vocabulary does not grow (B4);
 * - occurrences are replaced left to right without overlap (`a a a` → `aa a`, B4);
 * - a merge whose joined string would be a plain token starting with `##` (`#` + `###`) is skipped, for
 *   the same reason as in the span pass;
 * - until the vocabulary holds the target size or no pair is left.
 */

import { type MergeRule, mergeWords, SKIP_PAIR, type SymbolWords } from '../bpe/merge-loop.js';
import { BYTE_TO_CHAR } from '../byte-unicode.js';
import { CONTINUATION_PREFIX } from './base-vocab.js';
import { UNIT_SPAN } from './spans.js';
import { WordTable } from './word-table.js';

/** Ids of the byte tokens in a vocabulary: plain `k` and continuation `##k`, per byte value. */
export interface ByteTokenIds {
  plain: Int32Array;
  continuation: Int32Array;
}

export function byteTokenIds(index: ReadonlyMap<string, number>): ByteTokenIds {
  const plain = new Int32Array(256);
  const continuation = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const k = BYTE_TO_CHAR[b]!;
    const p = index.get(k);
    const c = index.get(CONTINUATION_PREFIX + k);
    if (p === undefined || c === undefined) {
      throw new Error(`the base vocabulary lacks the byte token ${JSON.stringify(k)} or its ## form`);
    }
    plain[b] = p;
    continuation[b] = c;
  }
  return { plain, continuation };
}

/**
 * Maps unit words (bytes and span candidates, see spans.ts) to token-id words: candidate c becomes
 * `spanIds[c]` when that is ≥ 0, else its bytes. Words that end up identical are merged.
 */
export function tokenIdWords(
  units: WordTable,
  spanIds: Int32Array,
  spanBytes: (c: number) => Uint8Array,
  bytes: ByteTokenIds,
): WordTable {
  const out = new WordTable();
  let buffer = new Int32Array(256);
  let n = 0;
  const need = (k: number) => {
    if (n + k > buffer.length) {
      const grown = new Int32Array(Math.max(buffer.length * 2, n + k));
      grown.set(buffer.subarray(0, n));
      buffer = grown;
    }
  };
  units.forEach((arena, start, length, count) => {
    n = 0;
    for (let j = start; j < start + length; j++) {
      const unit = arena[j]!;
      if (unit < UNIT_SPAN) {
        need(1);
        buffer[n] = n === 0 ? bytes.plain[unit]! : bytes.continuation[unit]!;
        n++;
        continue;
      }
      const c = unit - UNIT_SPAN;
      const id = spanIds[c]!;
      if (id >= 0) {
        need(1);
        buffer[n++] = id;
        continue;
      }
      const span = spanBytes(c);
      need(span.length);
      for (let k = 0; k < span.length; k++) {
        buffer[n] = n === 0 ? bytes.plain[span[k]!]! : bytes.continuation[span[k]!]!;
        n++;
      }
    }
    out.add(buffer, 0, n, count);
  });
  return out;
}

export interface ContinuationResult {
  /** True when the target size was reached; false when the corpus ran out of pairs first. */
  complete: boolean;
  /** Merges performed, including those that reused an existing id. */
  merges: number;
}

/**
 * Extends `vocab` (tokens in id order, edited in place) by merges over `words` until it holds
 * `targetSize` tokens. `onToken` reports the size after each new token.
 */
export function continueWithBPE(
  vocab: string[],
  words: SymbolWords,
  targetSize: number,
  onToken?: (size: number) => void,
): ContinuationResult {
  const index = new Map<string, number>();
  vocab.forEach((token, id) => {
    index.set(token, id);
  });
  let merges = 0;
  const rule: MergeRule = {
    keyBase: Math.max(targetSize, vocab.length) + 1,
    full: () => vocab.length >= targetSize,
    before: (xa, ya, xb, yb) => (ya !== yb ? ya < yb : xa < xb),
    merge: (x, y) => {
      const left = vocab[x]!;
      const right = vocab[y]!;
      if (!right.startsWith(CONTINUATION_PREFIX)) {
        throw new Error(`internal: the right token ${JSON.stringify(right)} of a pair is not a continuation`);
      }
      const joined = left + right.slice(CONTINUATION_PREFIX.length);
      if (!left.startsWith(CONTINUATION_PREFIX) && joined.startsWith(CONTINUATION_PREFIX)) return SKIP_PAIR;
      merges++;
      const existing = index.get(joined);
      if (existing !== undefined) return existing;
      const id = vocab.length;
      vocab.push(joined);
      index.set(joined, id);
      onToken?.(vocab.length);
      return id;
    },
  };
  const end = mergeWords(words, rule);
  return { complete: end === 'full', merges };
}
