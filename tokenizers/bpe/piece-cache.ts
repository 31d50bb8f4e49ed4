/**
 * The encoder's piece → ids cache without a string per piece: pieces are looked up by a hash of their
 * UTF-16 units in the text they sit in and compared unit by unit against a copy kept in an arena, so the
 * hot loop neither slices the text nor hashes new strings (the Map-of-substrings cache spent most of
 * encoding time allocating and collecting them). Bounded: when `capacity` pieces are held, it starts
 * over empty, two generations deep (a full table becomes the old one, still consulted, then dropped).
 */

import type { IdSink } from '../pipeline/model.js';

/** Pieces longer than this (UTF-16 units) are not cached: rare, and they would crowd the arena. */
export const MAX_CACHED_PIECE = 64;

class Generation {
  readonly mask: number;
  readonly hashes: Int32Array;
  /** Per slot: start in `chars` (−1: empty), length, start in `ids`, id count. */
  readonly keyStart: Int32Array;
  readonly keyLength: Uint8Array;
  readonly valueStart: Int32Array;
  readonly valueLength: Int32Array;
  chars: Uint16Array;
  ids: Int32Array;
  charsUsed = 0;
  idsUsed = 0;
  count = 0;

  constructor(capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.hashes = new Int32Array(slots);
    this.keyStart = new Int32Array(slots).fill(-1);
    this.keyLength = new Uint8Array(slots);
    this.valueStart = new Int32Array(slots);
    this.valueLength = new Int32Array(slots);
    this.chars = new Uint16Array(Math.min(capacity * 8, 1 << 22));
    this.ids = new Int32Array(Math.min(capacity * 4, 1 << 22));
  }

  /** Slot holding text[start..end) (hash h), or −1. */
  find(text: string, start: number, end: number, h: number): number {
    const length = end - start;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const k = this.keyStart[s]!;
      if (k < 0) return -1;
      if (this.hashes[s] !== h || this.keyLength[s] !== length) continue;
      const chars = this.chars;
      let i = 0;
      while (i < length && chars[k + i] === text.charCodeAt(start + i)) i++;
      if (i === length) return s;
    }
  }

  /** Adds text[start..end) (hash h) with the ids `ids[from, from + count)`. */
  add(
    text: string,
    start: number,
    end: number,
    h: number,
    ids: Int32Array,
    from: number,
    count: number,
  ): void {
    const length = end - start;
    if (this.charsUsed + length > this.chars.length) this.chars = grow16(this.chars, this.charsUsed + length);
    if (this.idsUsed + count > this.ids.length) this.ids = grow32(this.ids, this.idsUsed + count);
    let s = h & this.mask;
    while (this.keyStart[s]! >= 0) s = (s + 1) & this.mask;
    this.hashes[s] = h;
    this.keyStart[s] = this.charsUsed;
    this.keyLength[s] = length;
    for (let i = 0; i < length; i++) this.chars[this.charsUsed + i] = text.charCodeAt(start + i);
    this.charsUsed += length;
    this.valueStart[s] = this.idsUsed;
    this.valueLength[s] = count;
    for (let i = 0; i < count; i++) this.ids[this.idsUsed + i] = ids[from + i]!;
    this.idsUsed += count;
    this.count++;
  }
}

function grow16(a: Uint16Array, need: number): Uint16Array {
  const out = new Uint16Array(Math.max(need, a.length * 2));
  out.set(a);
  return out;
}

function grow32(a: Int32Array, need: number): Int32Array {
  const out = new Int32Array(Math.max(need, a.length * 2));
  out.set(a);
  return out;
}

/** Hash of text[start..end) (FNV-style over UTF-16 units, mixed for the table index). */
export function hashPiece(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
}

/** A single id as an array, for `add` (no array allocated per one-token piece). */
const ONE = new Int32Array(1);

export class PieceCache {
  readonly #capacity: number;
  #current: Generation;
  #old: Generation | null = null;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#current = new Generation(capacity);
  }

  /**
   * Appends the cached ids of text[start..end) (hash h) to `out` and returns true, or returns false when
   * the piece is not cached. A hit in the old generation is copied into the current one.
   */
  appendTo(text: string, start: number, end: number, h: number, out: IdSink): boolean {
    const cur = this.#current;
    let s = cur.find(text, start, end, h);
    if (s >= 0) {
      const v = cur.valueStart[s]!;
      const n = cur.valueLength[s]!;
      for (let k = 0; k < n; k++) out.push(cur.ids[v + k]!);
      return true;
    }
    const old = this.#old;
    if (old === null) return false;
    s = old.find(text, start, end, h);
    if (s < 0) return false;
    // Read in place (no view per hit: this runs for every piece first seen again after a roll-over).
    const v = old.valueStart[s]!;
    const n = old.valueLength[s]!;
    for (let k = 0; k < n; k++) out.push(old.ids[v + k]!);
    this.#writable().add(text, start, end, h, old.ids, v, n);
    return true;
  }

  /** Caches the ids of text[start..end) (hash h): one id, or all of `ids`. */
  add(text: string, start: number, end: number, h: number, ids: number | Int32Array): void {
    if (typeof ids === 'number') {
      ONE[0] = ids;
      this.#writable().add(text, start, end, h, ONE, 0, 1);
    } else this.#writable().add(text, start, end, h, ids, 0, ids.length);
  }

  /** The generation new pieces go to; a full one becomes the old one first. */
  #writable(): Generation {
    if (this.#current.count >= this.#capacity) {
      this.#old = this.#current;
      this.#current = new Generation(this.#capacity);
    }
    return this.#current;
  }
}
