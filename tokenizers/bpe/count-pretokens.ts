/**
 * Counting pre-tokens, the dominant cost of BPE training. One routine serves the serial path and every
 * counting worker, so both give the same counts.
 *
 * Pieces are found with the GPT-2 scanner (scan.ts, the regex's exact equivalent) and tallied in an
 * open-addressing table hashed straight from the text's code units: no string is allocated per piece,
 * and the distinct pieces live in one UTF-16 arena that workers hand back as transferable buffers.
 */
import { pieceEnd } from './scan.js';

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** The counter's contents as plain typed arrays (what a worker posts back). */
export interface PieceCountsData {
  size: number;
  /** UTF-16 code units of all distinct pieces, back to back. */
  arena: Uint16Array;
  starts: Int32Array;
  lengths: Int32Array;
  hashes: Int32Array;
  counts: Float64Array;
}

/** Spreads FNV-1a's low bits before they pick a slot (linear probing clusters on weak low bits). */
function slotOf(hash: number, mask: number): number {
  let h = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}

/** Distinct pre-tokens (as UTF-16 code-unit strings) and their counts. */
export class PieceCounter {
  size = 0;
  /** Pairs (hash, entry index + 1) per slot; entry 0 marks an empty slot. */
  private table = new Int32Array(2 << 16);
  private arena = new Uint16Array(1 << 18);
  private arenaUsed = 0;
  private starts = new Int32Array(1 << 15);
  private lengths = new Int32Array(1 << 15);
  private hashes = new Int32Array(1 << 15);
  private counts = new Float64Array(1 << 15);

  /** Counts the piece `text[i, e)` once. */
  addRange(text: string, i: number, e: number): void {
    let h = FNV_OFFSET;
    for (let k = i; k < e; k++) h = Math.imul(h ^ text.charCodeAt(k), FNV_PRIME);
    const len = e - i;
    const { table, lengths, starts, arena } = this;
    const mask = (table.length >> 1) - 1;
    for (let slot = slotOf(h, mask); ; slot = (slot + 1) & mask) {
      const entry = table[2 * slot + 1]! - 1;
      if (entry < 0) break;
      if (table[2 * slot] === h && lengths[entry] === len) {
        const s = starts[entry]! - i;
        let k = i;
        while (k < e && arena[s + k] === text.charCodeAt(k)) k++;
        if (k === e) {
          this.counts[entry]! += 1;
          return;
        }
      }
    }
    const at = this.reserve(len);
    for (let k = 0; k < len; k++) this.arena[at + k] = text.charCodeAt(i + k);
    this.insert(h, at, len, 1);
  }

  /** Adds another counter's contents (same hash function, so no piece is rehashed). */
  addAll(data: PieceCountsData): void {
    const { arena: src, starts: srcStarts, lengths: srcLengths, hashes: srcHashes, counts: srcCounts } = data;
    for (let j = 0; j < data.size; j++) {
      const h = srcHashes[j]!;
      const len = srcLengths[j]!;
      const from = srcStarts[j]!;
      const { table, lengths, starts, arena } = this;
      const mask = (table.length >> 1) - 1;
      let found = -1;
      for (let slot = slotOf(h, mask); ; slot = (slot + 1) & mask) {
        const entry = table[2 * slot + 1]! - 1;
        if (entry < 0) break;
        if (table[2 * slot] === h && lengths[entry] === len) {
          const s = starts[entry]!;
          let k = 0;
          while (k < len && arena[s + k] === src[from + k]) k++;
          if (k === len) {
            found = entry;
            break;
          }
        }
      }
      if (found >= 0) this.counts[found]! += srcCounts[j]!;
      else {
        const at = this.reserve(len);
        this.arena.set(src.subarray(from, from + len), at);
        this.insert(h, at, len, srcCounts[j]!);
      }
    }
  }

  /** Compact copies of the contents, suitable for transfer to another thread. */
  data(): PieceCountsData {
    const n = this.size;
    return {
      size: n,
      arena: this.arena.slice(0, this.arenaUsed),
      starts: this.starts.slice(0, n),
      lengths: this.lengths.slice(0, n),
      hashes: this.hashes.slice(0, n),
      counts: this.counts.slice(0, n),
    };
  }

  /** Calls `visit(arena, start, length, count)` for every distinct piece. */
  forEach(visit: (arena: Uint16Array, start: number, length: number, count: number) => void): void {
    for (let j = 0; j < this.size; j++) visit(this.arena, this.starts[j]!, this.lengths[j]!, this.counts[j]!);
  }

  /** The counts as a Map from piece string (for tests and small inputs). */
  toMap(): Map<string, number> {
    const map = new Map<string, number>();
    this.forEach((arena, start, length, count) => {
      map.set(String.fromCharCode(...arena.subarray(start, start + length)), count);
    });
    return map;
  }

  private reserve(len: number): number {
    if (this.arenaUsed + len > this.arena.length) {
      const grown = new Uint16Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    const at = this.arenaUsed;
    this.arenaUsed += len;
    return at;
  }

  private insert(hash: number, start: number, len: number, count: number): void {
    const entry = this.size++;
    if (entry === this.starts.length) {
      const cap = entry * 2;
      this.starts = grow(this.starts, new Int32Array(cap));
      this.lengths = grow(this.lengths, new Int32Array(cap));
      this.hashes = grow(this.hashes, new Int32Array(cap));
      this.counts = grow(this.counts, new Float64Array(cap));
    }
    this.starts[entry] = start;
    this.lengths[entry] = len;
    this.hashes[entry] = hash;
    this.counts[entry] = count;
    if (this.size > this.table.length >> 2) this.rehash();
    else this.place(entry);
  }

  private place(entry: number): void {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    const h = this.hashes[entry]!;
    let slot = slotOf(h, mask);
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    table[2 * slot] = h;
    table[2 * slot + 1] = entry + 1;
  }

  /** Doubles the slot count (kept at most half full) and re-places every entry. */
  private rehash(): void {
    this.table = new Int32Array(2 * this.table.length);
    for (let j = 0; j < this.size; j++) this.place(j);
  }
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Adds the pre-token counts of `text` to `counter`; occurrences of `specials` split the text and are skipped. */
export function countPretokens(text: string, specials: RegExp | null, counter: PieceCounter): void {
  let from = 0;
  if (specials !== null) {
    specials.lastIndex = 0;
    for (let m = specials.exec(text); m !== null; m = specials.exec(text)) {
      countSegment(text, from, m.index, counter);
      from = m.index + m[0].length;
    }
  }
  countSegment(text, from, text.length, counter);
}

function countSegment(text: string, from: number, to: number, counter: PieceCounter): void {
  for (let i = from; i < to; ) {
    const e = pieceEnd(text, i, to);
    counter.addRange(text, i, e);
    i = e;
  }
}
