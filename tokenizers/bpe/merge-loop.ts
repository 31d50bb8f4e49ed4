/**
 * The BPE merge loop, incremental (spec §5): words are symbol-id runs in one Int32Array, pair counts and
 * pair → words indexes are updated only around each merged occurrence, and a max-heap with lazy
 * invalidation picks the next pair. Cost per merge is proportional to the occurrences of the merged pair.
 *
 * Tokens are kept as binary strings (one UTF-16 unit per byte value), whose built-in comparison is the
 * byte-wise comparison the tie rule needs (§4).
 */
import type { PieceCounter } from './count-pretokens.js';

export type StopReason = 'vocab-size' | 'no-pairs' | 'min-frequency';

export interface MergeLoopResult {
  /** id → token bytes as a binary string; ids 0–255 are the bytes, then one token per merge. */
  tokens: string[];
  /** Merged pairs of token ids, in creation order. */
  merges: Array<[number, number]>;
  stopReason: StopReason;
}

export interface MergeLoopOptions {
  numMerges: number;
  /** Stop once the most frequent pair occurs fewer times than this. */
  minFrequency: number;
  onMerge?: (done: number) => void;
}

interface Words {
  syms: Int32Array;
  start: Int32Array;
  end: Int32Array;
  count: Float64Array;
}

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
function buildWords(pieces: PieceCounter): Words {
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

/** Binary max-heap of (count, pair key) entries, ordered by count, then by the §4 tie rule. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  constructor(
    private readonly tokens: string[],
    private readonly keyBase: number,
  ) {}

  get size(): number {
    return this.counts.length;
  }

  /** True when entry (ca, ka) must come out before (cb, kb). */
  private before(ca: number, ka: number, cb: number, kb: number): boolean {
    if (ca !== cb) return ca > cb;
    const xa = Math.floor(ka / this.keyBase);
    const xb = Math.floor(kb / this.keyBase);
    const ta = this.tokens[xa]!;
    const tb = this.tokens[xb]!;
    if (ta !== tb) return ta > tb;
    return this.tokens[ka - xa * this.keyBase]! > this.tokens[kb - xb * this.keyBase]!;
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

/** Initial pair counts and pair → word lists; all symbols are bytes here, so a flat 256×256 table serves. */
function countInitialPairs(words: Words, keyBase: number) {
  const { syms, start, end, count } = words;
  const table = new Float64Array(65536);
  const lists: number[][] = [];
  for (let w = 0; w < start.length; w++) {
    const c = count[w]!;
    const e = end[w]! - 1;
    for (let j = start[w]!; j < e; j++) {
      const k = (syms[j]! << 8) | syms[j + 1]!;
      table[k]! += c;
      const list = lists[k];
      if (list === undefined) lists[k] = [w];
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let k = 0; k < 65536; k++) {
    if (table[k]! > 0) {
      const key = (k >> 8) * keyBase + (k & 255);
      pairCount.set(key, table[k]!);
      where.set(key, lists[k]!);
    }
  }
  return { pairCount, where };
}

/** Learns up to `numMerges` merges from pre-token counts. */
export function learnMerges(pieceCounts: PieceCounter, options: MergeLoopOptions): MergeLoopResult {
  const { numMerges, minFrequency, onMerge } = options;
  const tokens: string[] = [];
  for (let b = 0; b < 256; b++) tokens.push(String.fromCharCode(b));
  const merges: Array<[number, number]> = [];
  const words = buildWords(pieceCounts);
  const { syms, start, end, count } = words;
  // Pair (x, y) ↦ x * keyBase + y: exact in a double for any vocabulary below 2^26.
  const keyBase = 256 + numMerges;
  const { pairCount, where } = countInitialPairs(words, keyBase);
  const heap = new PairHeap(tokens, keyBase);
  for (const [key, c] of pairCount) heap.push(c, key);

  let stopReason: StopReason = 'vocab-size';
  let merged = 0; // key of the pair being merged, excluded from neighbour updates
  let z = 0;
  let c = 0;
  let w = 0;
  const created: number[] = [];

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
    }
  };

  while (merges.length < numMerges) {
    if (heap.size === 0) {
      stopReason = 'no-pairs';
      break;
    }
    const snapshot = heap.topCount();
    const key = heap.topKey();
    heap.pop();
    const live = pairCount.get(key) ?? 0;
    if (live !== snapshot) {
      if (live > 0) heap.push(live, key);
      continue;
    }
    if (live < minFrequency) {
      stopReason = 'min-frequency';
      break;
    }
    const x = Math.floor(key / keyBase);
    const y = key - x * keyBase;
    z = tokens.length;
    tokens.push(tokens[x]! + tokens[y]!);
    merges.push([x, y]);
    merged = key;
    const list = where.get(key)!;
    pairCount.delete(key);
    where.delete(key);
    created.length = 0;
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
            const next = syms[r + 2]!;
            decrement(y * keyBase + next);
            increment(z * keyBase + next);
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
      const live = pairCount.get(k);
      if (live !== undefined) heap.push(live, k);
    }
    onMerge?.(merges.length);
  }
  return { tokens, merges, stopReason };
}
