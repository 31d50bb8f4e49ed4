/**
 * Distinct words (runs of int32 symbols) with counts: the input of the BPE continuation, where a word is
 * one pre-token occurrence segmented into spans and bytes.
 */
import type { SymbolWords } from '../bpe/merge-loop.js';
import { FNV_OFFSET, FNV_PRIME, grow, HashIndex } from './hash-index.js';

export class WordTable {
  size = 0;
  private readonly index = new HashIndex();
  private arena = new Int32Array(1 << 16);
  private arenaUsed = 0;
  private starts = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 12);
  private counts = new Float64Array(1 << 12);

  /** Counts the word `symbols[from, from + length)` `by` times. */
  add(symbols: Int32Array, from: number, length: number, by = 1): void {
    let h = FNV_OFFSET;
    const end = from + length;
    for (let k = from; k < end; k++) h = Math.imul(h ^ symbols[k]!, FNV_PRIME);
    const { index, lengths, starts, arena } = this;
    for (let slot = index.first(h); ; slot = index.next(slot)) {
      const entry = index.entry(slot);
      if (entry < 0) break;
      if (index.hash(slot) === h && lengths[entry] === length) {
        const shift = starts[entry]! - from;
        let k = from;
        while (k < end && arena[shift + k] === symbols[k]) k++;
        if (k === end) {
          this.counts[entry]! += by;
          return;
        }
      }
    }
    const at = this.reserve(length);
    this.arena.set(symbols.subarray(from, end), at);
    this.insert(h, at, length, by);
  }

  /** Calls `visit(arena, start, length, count)` for every distinct word, in insertion order. */
  forEach(visit: (arena: Int32Array, start: number, length: number, count: number) => void): void {
    for (let j = 0; j < this.size; j++) visit(this.arena, this.starts[j]!, this.lengths[j]!, this.counts[j]!);
  }

  /** Total symbols over the distinct words. */
  get symbols(): number {
    return this.arenaUsed;
  }

  /** A fresh copy in the merge loop's layout (which it edits in place). */
  toSymbolWords(): SymbolWords {
    const n = this.size;
    const syms = this.arena.slice(0, this.arenaUsed);
    const start = this.starts.slice(0, n);
    const end = new Int32Array(n);
    for (let j = 0; j < n; j++) end[j] = start[j]! + this.lengths[j]!;
    return { syms, start, end, count: this.counts.slice(0, n) };
  }

  private reserve(len: number): number {
    if (this.arenaUsed + len > this.arena.length) {
      const grown = new Int32Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
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
    this.index.add(entry, this.hashes);
  }
}
