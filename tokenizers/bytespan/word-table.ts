/**
 * Distinct words (runs of int32 symbols) with counts: the input of the BPE continuation, where a word is
 * one pre-token occurrence segmented into spans and bytes.
 */
import { ArenaTable, type ArenaTableData, fnv1a } from '../arena-table.js';
import type { SymbolWords } from '../bpe/merge-loop.js';

export class WordTable {
  private readonly table = new ArenaTable<Int32Array>(Int32Array, 1 << 13);

  get size(): number {
    return this.table.size;
  }

  /** Counts the word `symbols[from, from + length)` `by` times. */
  add(symbols: Int32Array, from: number, length: number, by = 1): void {
    this.table.add(fnv1a(symbols, from, from + length), symbols, from, length, by);
  }

  /** Calls `visit(arena, start, length, count)` for every distinct word, in insertion order. */
  forEach(visit: (arena: Int32Array, start: number, length: number, count: number) => void): void {
    this.table.forEach(visit);
  }

  /** Compact copies of the contents, suitable for transfer to another thread. */
  data(): ArenaTableData<Int32Array> {
    return this.table.data();
  }

  /** A fresh copy in the merge loop's layout (which it edits in place). */
  toSymbolWords(): SymbolWords {
    const { size: n, arena: syms, starts: start, lengths, counts: count } = this.table.data();
    const end = new Int32Array(n);
    for (let j = 0; j < n; j++) end[j] = start[j]! + lengths[j]!;
    return { syms, start, end, count };
  }
}
