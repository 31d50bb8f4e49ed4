/**
 * Distinct keys (runs of typed-array elements) with a count each, numbered in first-insertion order: the
 * table behind BPE pre-token counting (UTF-16 code units), ByteSpan's spans (bytes) and its words (int32
 * symbols). Keys are looked up straight from the caller's array, so nothing is allocated per lookup; each
 * distinct key is copied once into a compact arena, so comparisons stay in cache instead of revisiting
 * its first occurrence somewhere in a large input, and the whole table is a handful of typed arrays that
 * a worker can hand back as transferable buffers.
 *
 * Callers hash keys themselves (FNV-1a, see `fnv1a`): the hash may fold in more than the elements (a
 * seed), and keys equal only when their hashes, lengths and elements all are.
 */

export type ArenaArray = Uint8Array | Uint16Array | Int32Array;

export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of `key[from, end)`, starting from `seed`. */
export function fnv1a(key: ArenaArray, from: number, end: number, seed = FNV_OFFSET): number {
  let h = seed;
  for (let k = from; k < end; k++) h = Math.imul(h ^ key[k]!, FNV_PRIME);
  return h;
}

/** A table's contents as plain typed arrays (what a worker posts back). */
export interface ArenaTableData<A extends ArenaArray> {
  size: number;
  /** Elements of all distinct keys, back to back. */
  arena: A;
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

/** Arena offsets are int32. */
const MAX_ARENA = 0x7fffffff;

export class ArenaTable<A extends ArenaArray> {
  size = 0;
  /** Count per entry (callers may add and subtract; replaced when the table grows). */
  counts: Float64Array;
  /** Open addressing with linear probing: (hash, entry + 1) per slot, 0 marks an empty one; at most half full. */
  private slots: Int32Array;
  private arena: A;
  private arenaUsed = 0;
  private starts: Int32Array;
  private lengths: Int32Array;
  private hashes: Int32Array;

  /** `Arena` is the element type of the keys; `capacity` entries fit before anything grows. */
  constructor(
    private readonly Arena: new (length: number) => A,
    capacity: number,
  ) {
    this.slots = new Int32Array(4 * capacity);
    this.arena = new Arena(8 * capacity);
    this.starts = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.counts = new Float64Array(capacity);
  }

  /** Entry of the key `key[from, from + length)` hashed to `hash`, or -1 when absent. */
  find(hash: number, key: A, from: number, length: number): number {
    const { slots, lengths, starts, arena } = this;
    const mask = (slots.length >> 1) - 1;
    const end = from + length;
    for (let slot = slotOf(hash, mask); ; slot = (slot + 1) & mask) {
      const entry = slots[2 * slot + 1]! - 1;
      if (entry < 0) return -1;
      if (slots[2 * slot] === hash && lengths[entry] === length) {
        const shift = starts[entry]! - from;
        let k = from;
        while (k < end && arena[shift + k] === key[k]) k++;
        if (k === end) return entry;
      }
    }
  }

  /** Adds `by` to the key's count, inserting it first when new; returns its entry. */
  add(hash: number, key: A, from: number, length: number, by: number): number {
    const entry = this.find(hash, key, from, length);
    if (entry < 0) return this.insert(hash, key, from, length, by);
    this.counts[entry]! += by;
    return entry;
  }

  /** Appends a key that `find` did not find, with count `count`; returns its entry. */
  insert(hash: number, key: A, from: number, length: number, count: number): number {
    const at = this.reserve(length);
    const arena = this.arena;
    for (let k = 0; k < length; k++) arena[at + k] = key[from + k]!;
    const entry = this.size++;
    if (entry === this.starts.length) {
      const cap = entry * 2;
      this.starts = grow(this.starts, new Int32Array(cap));
      this.lengths = grow(this.lengths, new Int32Array(cap));
      this.hashes = grow(this.hashes, new Int32Array(cap));
      this.counts = grow(this.counts, new Float64Array(cap));
    }
    this.starts[entry] = at;
    this.lengths[entry] = length;
    this.hashes[entry] = hash;
    this.counts[entry] = count;
    if (this.size > this.slots.length >> 2) this.rehash();
    else this.place(entry);
    return entry;
  }

  /** Adds another table's contents (same hashing, so no key is rehashed). */
  addAll(data: ArenaTableData<A>): void {
    const { arena, starts, lengths, hashes, counts } = data;
    for (let j = 0; j < data.size; j++) this.add(hashes[j]!, arena, starts[j]!, lengths[j]!, counts[j]!);
  }

  length(entry: number): number {
    return this.lengths[entry]!;
  }

  /** The entry's key (a view that stays valid until the next insertion). */
  key(entry: number): A {
    const at = this.starts[entry]!;
    return this.arena.subarray(at, at + this.lengths[entry]!) as A;
  }

  /** Calls `visit(arena, start, length, count)` for every entry, in insertion order. */
  forEach(visit: (arena: A, start: number, length: number, count: number) => void): void {
    for (let j = 0; j < this.size; j++) visit(this.arena, this.starts[j]!, this.lengths[j]!, this.counts[j]!);
  }

  /** Compact copies of the contents, suitable for transfer to another thread. */
  data(): ArenaTableData<A> {
    const n = this.size;
    return {
      size: n,
      arena: this.arena.slice(0, this.arenaUsed) as A,
      starts: this.starts.slice(0, n),
      lengths: this.lengths.slice(0, n),
      hashes: this.hashes.slice(0, n),
      counts: this.counts.slice(0, n),
    };
  }

  private reserve(length: number): number {
    const at = this.arenaUsed;
    if (at + length > this.arena.length) {
      if (at + length > MAX_ARENA) {
        throw new RangeError(`ArenaTable: distinct keys exceed ${MAX_ARENA} elements`);
      }
      const grown = new this.Arena(Math.min(MAX_ARENA, Math.max(this.arena.length * 2, at + length)));
      grown.set(this.arena.subarray(0, at));
      this.arena = grown;
    }
    this.arenaUsed = at + length;
    return at;
  }

  private place(entry: number): void {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const hash = this.hashes[entry]!;
    let slot = slotOf(hash, mask);
    while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    slots[2 * slot] = hash;
    slots[2 * slot + 1] = entry + 1;
  }

  /** Doubles the slot count and re-places every entry. */
  private rehash(): void {
    this.slots = new Int32Array(2 * this.slots.length);
    for (let j = 0; j < this.size; j++) this.place(j);
  }
}

function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
