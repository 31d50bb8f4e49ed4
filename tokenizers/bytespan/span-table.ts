/**
 * Distinct spans keyed by (startsPreToken, bytes), numbered in first-insertion order, with a count each.
 * Spans are looked up straight from the corpus bytes in an ArenaTable (../arena-table.ts), which copies
 * each distinct span's bytes once into a compact arena.
 */
import { ArenaTable, type ArenaTableData, FNV_OFFSET, fnv1a } from '../arena-table.js';
import { bytesToDisplay } from '../byte-unicode.js';
import { CONTINUATION_PREFIX } from './base-vocab.js';

/**
 * Seed offset that separates pre-token-initial spans from continuations with the same bytes. Each FNV-1a
 * step is a bijection of the state, so the same bytes from different seeds never share a hash, and the
 * table (equal hash, length and bytes) never confuses the two.
 */
const INITIAL_SEED = FNV_OFFSET ^ 0x5bd1e995;

/** A table's contents as plain typed arrays (what a worker posts back). */
export interface SpanTableData extends ArenaTableData<Uint8Array> {
  /** 1 where the entry starts a pre-token. */
  initial: Uint8Array;
}

export class SpanTable {
  private readonly table = new ArenaTable<Uint8Array>(Uint8Array, 1 << 13);
  /** 1 where the entry starts a pre-token. */
  private initial = new Uint8Array(1 << 13);

  constructor(readonly bytes: Uint8Array) {}

  get size(): number {
    return this.table.size;
  }

  /** Occurrence count per entry (callers may add and subtract; replaced when the table grows). */
  get counts(): Float64Array {
    return this.table.counts;
  }

  /** Entry id of (startsPreToken, bytes[from, from + length)), inserted with count 0 when new. */
  id(startsPreToken: boolean, from: number, length: number): number {
    return this.add(startsPreToken, from, length, 0);
  }

  /** Adds `by` to the count of (startsPreToken, bytes[from, from + length)); returns its id. */
  add(startsPreToken: boolean, from: number, length: number, by = 1): number {
    const bytes = this.bytes;
    const hash = fnv1a(bytes, from, from + length, startsPreToken ? INITIAL_SEED : FNV_OFFSET);
    return this.addKey(hash, startsPreToken, bytes, from, length, by);
  }

  /**
   * Adds another table's entries in their order (so first-occurrence order carries over when tables of
   * consecutive corpus ranges are merged in range order); returns the id here of each of its entries.
   */
  merge(data: SpanTableData): Int32Array {
    const { arena, starts, lengths, hashes, counts, initial } = data;
    const ids = new Int32Array(data.size);
    for (let j = 0; j < data.size; j++) {
      ids[j] = this.addKey(hashes[j]!, initial[j] === 1, arena, starts[j]!, lengths[j]!, counts[j]!);
    }
    return ids;
  }

  /** Compact copies of the contents, suitable for transfer to another thread. */
  data(): SpanTableData {
    return { ...this.table.data(), initial: this.initial.slice(0, this.size) };
  }

  private addKey(
    hash: number,
    startsPreToken: boolean,
    key: Uint8Array,
    from: number,
    length: number,
    by: number,
  ): number {
    const table = this.table;
    const found = table.find(hash, key, from, length);
    if (found >= 0) {
      table.counts[found]! += by;
      return found;
    }
    const entry = table.insert(hash, key, from, length, by);
    if (entry === this.initial.length) {
      const grown = new Uint8Array(2 * entry);
      grown.set(this.initial);
      this.initial = grown;
    }
    this.initial[entry] = startsPreToken ? 1 : 0;
    return entry;
  }

  startsPreToken(entry: number): boolean {
    return this.initial[entry] === 1;
  }

  length(entry: number): number {
    return this.table.length(entry);
  }

  /** The span's bytes (a view that stays valid until the next insertion). */
  spanBytes(entry: number): Uint8Array {
    return this.table.key(entry);
  }

  /** Display spelling: GPT-2 byte characters, with `##` unless the span starts a pre-token. */
  spelling(entry: number): string {
    const text = bytesToDisplay(this.spanBytes(entry));
    return this.startsPreToken(entry) ? text : CONTINUATION_PREFIX + text;
  }
}
