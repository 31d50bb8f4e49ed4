/**
 * The open-addressing index shared by SpanTable and WordTable: slots hold (hash, entry + 1) pairs, probed
 * linearly, kept at most half full. The tables own their entries and decide equality; this only finds
 * candidate slots.
 */

/** Spreads FNV-1a's low bits before they pick a slot (linear probing clusters on weak low bits). */
function slotOf(hash: number, mask: number): number {
  let h = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}

export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

export class HashIndex {
  private table = new Int32Array(2 << 14);
  private mask = (1 << 14) - 1;

  /** First slot to probe for `hash`; continue with `next` until `entry` is -1. */
  first(hash: number): number {
    return slotOf(hash, this.mask);
  }

  next(slot: number): number {
    return (slot + 1) & this.mask;
  }

  /** Entry stored at `slot`, or -1 when the slot is empty. */
  entry(slot: number): number {
    return this.table[2 * slot + 1]! - 1;
  }

  hash(slot: number): number {
    return this.table[2 * slot]!;
  }

  /** Indexes entry `entry` (= the number of entries so far − 1) under its hash; `hashes[e]` for all e. */
  add(entry: number, hashes: Int32Array): void {
    if (entry + 1 > this.table.length >> 2) {
      this.table = new Int32Array(2 * this.table.length);
      this.mask = (this.table.length >> 1) - 1;
      for (let e = 0; e <= entry; e++) this.place(e, hashes[e]!);
    } else this.place(entry, hashes[entry]!);
  }

  private place(entry: number, hash: number): void {
    const table = this.table;
    let slot = slotOf(hash, this.mask);
    while (table[2 * slot + 1] !== 0) slot = (slot + 1) & this.mask;
    table[2 * slot] = hash;
    table[2 * slot + 1] = entry + 1;
  }
}

/** `to` (a larger array of the same type) holding `from`'s contents first. */
export function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
