/**
 * An open-addressing hash map from (parent id, symbol) pairs to dense ids 0, 1, 2, … in insertion order:
 * the node store of a trie whose children are looked up by (node, symbol). The pairs themselves live in
 * two typed arrays indexed by id, so a table of tens of millions of nodes costs about 14 bytes a node
 * (4 parent + 2 symbol + ≤ 8 for slots at load factor ≥ 1/2) and no JS objects.
 */
export class PairTable {
  /** parents[id], symbols[id]: the pair of node `id` (valid below `size`). */
  parents: Int32Array;
  symbols: Uint16Array;
  size = 0;
  /** Whether the last `getOrAdd` created its node. */
  added = false;
  #slots: Int32Array; // id + 1, or 0 for an empty slot
  #mask: number;

  constructor(capacity = 1 << 10) {
    const slots = 1 << Math.max(4, Math.ceil(Math.log2(Math.max(capacity, 8) * 2)));
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    this.parents = new Int32Array(slots >>> 1);
    this.symbols = new Uint16Array(slots >>> 1);
  }

  /** A table holding the first `size` pairs of the arrays given, with ids equal to their indices. */
  static fromArrays(parents: Int32Array, symbols: Uint16Array, size: number): PairTable {
    const table = new PairTable(size);
    for (let id = 0; id < size; id++) table.getOrAdd(parents[id]!, symbols[id]!);
    return table;
  }

  #hash(parent: number, symbol: number): number {
    let h = Math.imul(parent ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(symbol + 1, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h & this.#mask;
  }

  /** Id of the pair, or −1 when absent. */
  get(parent: number, symbol: number): number {
    const slots = this.#slots;
    for (let s = this.#hash(parent, symbol); ; s = (s + 1) & this.#mask) {
      const v = slots[s]!;
      if (v === 0) return -1;
      if (this.parents[v - 1] === parent && this.symbols[v - 1] === symbol) return v - 1;
    }
  }

  /** Id of the pair, creating it (id = size) when absent; sets `added`. */
  getOrAdd(parent: number, symbol: number): number {
    const slots = this.#slots;
    let s = this.#hash(parent, symbol);
    for (; ; s = (s + 1) & this.#mask) {
      const v = slots[s]!;
      if (v === 0) break;
      if (this.parents[v - 1] === parent && this.symbols[v - 1] === symbol) {
        this.added = false;
        return v - 1;
      }
    }
    const id = this.size++;
    if (id >= this.parents.length) this.#growEntries();
    this.parents[id] = parent;
    this.symbols[id] = symbol;
    slots[s] = id + 1;
    this.added = true;
    if (this.size * 2 > slots.length) this.#rehash();
    return id;
  }

  #growEntries(): void {
    const parents = new Int32Array(this.parents.length * 2);
    parents.set(this.parents);
    this.parents = parents;
    const symbols = new Uint16Array(this.symbols.length * 2);
    symbols.set(this.symbols);
    this.symbols = symbols;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    this.#slots = slots;
    this.#mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let s = this.#hash(this.parents[id]!, this.symbols[id]!);
      while (slots[s] !== 0) s = (s + 1) & this.#mask;
      slots[s] = id + 1;
    }
  }
}
