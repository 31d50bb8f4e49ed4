/**
 * The BPE merge loop, incremental (spec §5): words are symbol-id runs in one Int32Array, pair counts and
 * pair → words indexes are updated only around each merged occurrence, and a max-heap with lazy
 * invalidation picks the next pair. Cost per merge is proportional to the occurrences of the merged pair.
 *
 * The loop itself (`mergeWords`) knows nothing about token strings: a `MergeRule` breaks count ties,
 * names the symbol that replaces a pair (a new id, or an existing one when the joined token is already in
 * the vocabulary) and says when to stop. `learnMerges` is the CS336 byte-level rule; the ByteSpan
 * continuation (bytespan/continuation.ts) has its own.
 */
import type { PieceCounter } from './count-pretokens.js';

export type StopReason = 'vocab-size' | 'no-pairs' | 'min-frequency';

export interface MergeLoopResult {
  /** id → token bytes as a binary string; ids 0–255 are the bytes, then one token per merge. */
  tokens: string[];
  /** Merged pairs of token ids, in creation order. */
  merges: Array<[number, number]>;
  /** How often each merged pair occurred when it was merged. */
  mergeCounts: number[];
  stopReason: StopReason;
}

export interface MergeLoopOptions {
  numMerges: number;
  /** Stop once the most frequent pair occurs fewer times than this. */
  minFrequency: number;
  onMerge?: (done: number) => void;
}

/** Distinct words as symbol-id runs: word w is `syms[start[w], end[w])`, occurring `count[w]` times. */
export interface SymbolWords {
  syms: Int32Array;
  start: Int32Array;
  /** Shrinks as merges replace pairs in place. */
  end: Int32Array;
  count: Float64Array;
}

/** `MergeRule.merge` result: drop this pair for good (it is never merged). */
export const SKIP_PAIR = -1;
/** `MergeRule.merge` result: end the loop now. */
export const STOP_MERGING = -2;

export interface MergeRule {
  /** Pair (x, y) has key x · keyBase + y, so every symbol id, present or future, must be below keyBase. */
  readonly keyBase: number;
  /** Checked before each merge: true ends the loop. */
  full(): boolean;
  /** For two pairs of equal count: true when (xa, ya) is merged before (xb, yb). Must be a strict order. */
  before(xa: number, ya: number, xb: number, yb: number): boolean;
  /**
   * Called with the best pair and its count: returns the id of the symbol that replaces every
   * (left-to-right, non-overlapping) occurrence — which may be an id already in use — or SKIP_PAIR or
   * STOP_MERGING.
   */
  merge(x: number, y: number, count: number): number;
}

/** Why `mergeWords` ended: the rule said full or stop, or no pair was left. */
export type MergeLoopEnd = 'full' | 'stopped' | 'no-pairs';

/** UTF-8 length of the UTF-16 units `units[start, start + length)` (lone surrogates become U+FFFD). */
function utf8Length(units: Uint16Array, start: number, length: number): number {
  let bytes = 0;
  const end = start + length;
  for (let i = start; i < end; i++) {
    const c = units[i]!;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < end &&
      units[i + 1]! >= 0xdc00 &&
      units[i + 1]! <= 0xdfff
    ) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Writes the UTF-8 bytes of `units[start, start + length)` to `out` at `at`; returns the new end. */
function writeUtf8(units: Uint16Array, start: number, length: number, out: Int32Array, at: number): number {
  const end = start + length;
  for (let i = start; i < end; i++) {
    let c = units[i]!;
    if (c < 0x80) {
      out[at++] = c;
      continue;
    }
    if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 63);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < end ? units[i + 1]! : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[at++] = 0xf0 | (cp >> 18);
        out[at++] = 0x80 | ((cp >> 12) & 63);
        out[at++] = 0x80 | ((cp >> 6) & 63);
        out[at++] = 0x80 | (cp & 63);
        continue;
      }
      c = 0xfffd;
    }
    out[at++] = 0xe0 | (c >> 12);
    out[at++] = 0x80 | ((c >> 6) & 63);
    out[at++] = 0x80 | (c & 63);
  }
  return at;
}

/** Lays out the UTF-8 bytes of every distinct pre-token as a symbol run. */
function buildWords(pieces: PieceCounter): SymbolWords {
  const n = pieces.size;
  let total = 0;
  pieces.forEach((units, start, length) => {
    total += utf8Length(units, start, length);
  });
  const syms = new Int32Array(total);
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  const count = new Float64Array(n);
  let at = 0;
  let w = 0;
  pieces.forEach((units, from, length, c) => {
    start[w] = at;
    count[w] = c;
    at = writeUtf8(units, from, length, syms, at);
    end[w] = at;
    w++;
  });
  return { syms, start, end, count };
}

/** Binary max-heap of (count, pair key) entries, ordered by count, then by the rule's tie order. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  constructor(
    private readonly keyBase: number,
    private readonly tie: MergeRule['before'],
  ) {}

  get size(): number {
    return this.counts.length;
  }

  /** True when entry (ca, ka) must come out before (cb, kb). */
  private before(ca: number, ka: number, cb: number, kb: number): boolean {
    if (ca !== cb) return ca > cb;
    const base = this.keyBase;
    const xa = Math.floor(ka / base);
    const xb = Math.floor(kb / base);
    return this.tie(xa, ka - xa * base, xb, kb - xb * base);
  }

  push(count: number, key: number): void {
    const counts = this.counts;
    const keys = this.keys;
    let i = counts.length;
    counts.push(count);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(count, key, counts[parent]!, keys[parent]!)) break;
      counts[i] = counts[parent]!;
      keys[i] = keys[parent]!;
      i = parent;
    }
    counts[i] = count;
    keys[i] = key;
  }

  topCount(): number {
    return this.counts[0]!;
  }

  topKey(): number {
    return this.keys[0]!;
  }

  pop(): void {
    const counts = this.counts;
    const keys = this.keys;
    const lastCount = counts.pop()!;
    const lastKey = keys.pop()!;
    const n = counts.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.before(counts[child + 1]!, keys[child + 1]!, counts[child]!, keys[child]!))
        child++;
      if (!this.before(counts[child]!, keys[child]!, lastCount, lastKey)) break;
      counts[i] = counts[child]!;
      keys[i] = keys[child]!;
      i = child;
    }
    counts[i] = lastCount;
    keys[i] = lastKey;
  }
}

/** Largest symbol for which initial pairs are tallied in a flat (n × n) table rather than a Map. */
const FLAT_TABLE_MAX_SYMBOL = 1023;

/** Initial pair counts and pair → word lists (word indexes, ascending, each listed once). */
function countInitialPairs(words: SymbolWords, keyBase: number, maxSym: number) {
  const { syms, start, end, count } = words;
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  if (maxSym <= FLAT_TABLE_MAX_SYMBOL) {
    // Small alphabets (bytes, the ByteSpan base): a flat table is much faster than Map lookups.
    const n = maxSym + 1;
    const table = new Float64Array(n * n);
    const lists: number[][] = [];
    for (let w = 0; w < start.length; w++) {
      const c = count[w]!;
      const e = end[w]! - 1;
      for (let j = start[w]!; j < e; j++) {
        const k = syms[j]! * n + syms[j + 1]!;
        table[k]! += c;
        const list = lists[k];
        if (list === undefined) lists[k] = [w];
        else if (list[list.length - 1] !== w) list.push(w);
      }
    }
    for (let k = 0; k < table.length; k++) {
      if (table[k]! > 0) {
        const x = Math.floor(k / n);
        const key = x * keyBase + (k - x * n);
        pairCount.set(key, table[k]!);
        where.set(key, lists[k]!);
      }
    }
    return { pairCount, where };
  }
  for (let w = 0; w < start.length; w++) {
    const c = count[w]!;
    const e = end[w]! - 1;
    for (let j = start[w]!; j < e; j++) {
      const key = syms[j]! * keyBase + syms[j + 1]!;
      const old = pairCount.get(key);
      if (old === undefined) {
        pairCount.set(key, c);
        where.set(key, [w]);
      } else {
        pairCount.set(key, old + c);
        const list = where.get(key)!;
        if (list[list.length - 1] !== w) list.push(w);
      }
    }
  }
  return { pairCount, where };
}

/**
 * Runs merges on `words` (in place) until the rule is full or stops, or no pair is left. Pairs never
 * cross words. Each merge replaces occurrences left to right without overlap, so `a a a` with (a, a)
 * becomes `aa a`.
 */
export function mergeWords(words: SymbolWords, rule: MergeRule): MergeLoopEnd {
  const { syms, start, end, count } = words;
  const keyBase = rule.keyBase;
  let maxSym = 0;
  for (let j = 0; j < syms.length; j++) if (syms[j]! > maxSym) maxSym = syms[j]!;
  const { pairCount, where } = countInitialPairs(words, keyBase, maxSym);
  const heap = new PairHeap(keyBase, rule.before);
  for (const [key, c] of pairCount) heap.push(c, key);

  let merged = 0; // key of the pair being merged, excluded from neighbour updates
  // Ids above every symbol seen so far are fresh: no pair holds them yet, so their pairs only appear
  // (as `created`). A reused id's pairs may already exist and grow (as `raised`).
  let fresh = maxSym + 1;
  let reused = false;
  let z = 0;
  let c = 0;
  let w = 0;
  const created: number[] = [];
  const raised = new Set<number>();

  const decrement = (key: number) => {
    if (key === merged) return;
    const left = pairCount.get(key)! - c;
    if (left > 0) pairCount.set(key, left);
    else {
      pairCount.delete(key);
      where.delete(key);
    }
  };
  const increment = (key: number) => {
    const old = pairCount.get(key);
    if (old === undefined) {
      pairCount.set(key, c);
      where.set(key, [w]);
      created.push(key);
    } else {
      pairCount.set(key, old + c);
      const list = where.get(key)!;
      if (list[list.length - 1] !== w) list.push(w);
      // A grown count would sit too low in the heap: re-queue it after this merge.
      if (reused) raised.add(key);
    }
  };

  for (;;) {
    if (rule.full()) return 'full';
    if (heap.size === 0) return 'no-pairs';
    const snapshot = heap.topCount();
    const key = heap.topKey();
    heap.pop();
    const live = pairCount.get(key) ?? 0;
    if (live !== snapshot) {
      if (live > 0) heap.push(live, key);
      continue;
    }
    const x = Math.floor(key / keyBase);
    const y = key - x * keyBase;
    const next = rule.merge(x, y, live);
    if (next === STOP_MERGING) return 'stopped';
    if (next === SKIP_PAIR) continue;
    reused = next < fresh;
    if (!reused) fresh = next + 1;
    z = next;
    merged = key;
    const list = where.get(key)!;
    pairCount.delete(key);
    where.delete(key);
    created.length = 0;
    raised.clear();
    for (let i = 0; i < list.length; i++) {
      w = list[i]!;
      c = count[w]!;
      const s = start[w]!;
      const e = end[w]!;
      let r = s;
      let out = s;
      while (r < e) {
        const t = syms[r]!;
        if (t === x && r + 1 < e && syms[r + 1] === y) {
          if (out > s) {
            const p = syms[out - 1]!;
            decrement(p * keyBase + x);
            increment(p * keyBase + z);
          }
          if (r + 2 < e) {
            const after = syms[r + 2]!;
            decrement(y * keyBase + after);
            increment(z * keyBase + after);
          }
          syms[out++] = z;
          r += 2;
        } else {
          syms[out++] = t;
          r++;
        }
      }
      end[w] = out;
    }
    for (const k of created) {
      const count = pairCount.get(k);
      if (count !== undefined) heap.push(count, k);
    }
    for (const k of raised) {
      const count = pairCount.get(k);
      if (count !== undefined) heap.push(count, k);
    }
  }
}

/**
 * Learns up to `numMerges` byte-level merges from pre-token counts (spec §4): the most frequent pair
 * wins, ties go to the lexicographically greater pair of byte strings, every merge makes a new token.
 */
export function learnMerges(pieceCounts: PieceCounter, options: MergeLoopOptions): MergeLoopResult {
  const { numMerges, minFrequency, onMerge } = options;
  // Tokens are binary strings (one UTF-16 unit per byte value), whose built-in comparison is the
  // byte-wise comparison the tie rule needs.
  const tokens: string[] = [];
  for (let b = 0; b < 256; b++) tokens.push(String.fromCharCode(b));
  const merges: Array<[number, number]> = [];
  const mergeCounts: number[] = [];
  let stopReason: StopReason = 'vocab-size';
  const rule: MergeRule = {
    // Exact in a double for any vocabulary below 2^26.
    keyBase: 256 + numMerges,
    full: () => merges.length >= numMerges,
    before: (xa, ya, xb, yb) => {
      const ta = tokens[xa]!;
      const tb = tokens[xb]!;
      if (ta !== tb) return ta > tb;
      return tokens[ya]! > tokens[yb]!;
    },
    merge: (x, y, count) => {
      if (count < minFrequency) {
        stopReason = 'min-frequency';
        return STOP_MERGING;
      }
      tokens.push(tokens[x]! + tokens[y]!);
      merges.push([x, y]);
      mergeCounts.push(count);
      onMerge?.(merges.length);
      return tokens.length - 1;
    },
  };
  if (mergeWords(buildWords(pieceCounts), rule) === 'no-pairs') stopReason = 'no-pairs';
  return { tokens, merges, mergeCounts, stopReason };
}
