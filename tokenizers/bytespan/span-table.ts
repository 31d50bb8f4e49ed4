/**
 * Distinct spans keyed by (startsPreToken, bytes), numbered in first-insertion order, with a count each.
 * Spans are looked up straight from the corpus bytes (nothing allocated per lookup); each distinct span's
 * bytes are copied once into a compact arena, so comparisons stay in cache instead of revisiting the
 * span's first occurrence somewhere in a large corpus.
 */
import { bytesToDisplay } from '../byte-unicode.js';
import { CONTINUATION_PREFIX } from './base-vocab.js';
import { FNV_OFFSET, FNV_PRIME, grow, HashIndex } from './hash-index.js';

/** Seed offset that separates pre-token-initial spans from continuations with the same bytes. */
const INITIAL_SEED = 0x5bd1e995;

export class SpanTable {
  size = 0;
  /** Occurrence count per entry (callers may add and subtract). */
  counts = new Float64Array(1 << 12);
  private readonly index = new HashIndex();
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  /** Offset of each entry's bytes in the arena. */
  private offsets = new Float64Array(1 << 12);
  /** Byte length, with the sign bit set when the span starts a pre-token. */
  private lengths = new Int32Array(1 << 12);
  private hashes = new Int32Array(1 << 12);

  constructor(readonly bytes: Uint8Array) {}

  /** Entry id of (startsPreToken, bytes[from, from + length)), inserted with count 0 when new. */
  id(startsPreToken: boolean, from: number, length: number): number {
    const bytes = this.bytes;
    let h = startsPreToken ? FNV_OFFSET ^ INITIAL_SEED : FNV_OFFSET;
    const end = from + length;
    for (let k = from; k < end; k++) h = Math.imul(h ^ bytes[k]!, FNV_PRIME);
    const tagged = startsPreToken ? length | 0x80000000 : length;
    const { index, lengths, offsets, arena } = this;
    for (let slot = index.first(h); ; slot = index.next(slot)) {
      const entry = index.entry(slot);
      if (entry < 0) break;
      if (index.hash(slot) === h && lengths[entry] === tagged) {
        const shift = offsets[entry]! - from;
        let k = from;
        while (k < end && arena[shift + k] === bytes[k]) k++;
        if (k === end) return entry;
      }
    }
    return this.insert(h, from, tagged);
  }

  /** Adds `by` to the count of (startsPreToken, bytes[from, from + length)); returns its id. */
  add(startsPreToken: boolean, from: number, length: number, by = 1): number {
    const entry = this.id(startsPreToken, from, length);
    this.counts[entry]! += by;
    return entry;
  }

  startsPreToken(entry: number): boolean {
    return this.lengths[entry]! < 0;
  }

  length(entry: number): number {
    return this.lengths[entry]! & 0x7fffffff;
  }

  /** The span's bytes (a view that stays valid until the next insertion). */
  spanBytes(entry: number): Uint8Array {
    const at = this.offsets[entry]!;
    return this.arena.subarray(at, at + this.length(entry));
  }

  /** Display spelling: GPT-2 byte characters, with `##` unless the span starts a pre-token. */
  spelling(entry: number): string {
    const text = bytesToDisplay(this.spanBytes(entry));
    return this.startsPreToken(entry) ? text : CONTINUATION_PREFIX + text;
  }

  private insert(hash: number, from: number, tagged: number): number {
    const entry = this.size++;
    if (entry === this.lengths.length) {
      const cap = entry * 2;
      this.lengths = grow(this.lengths, new Int32Array(cap));
      this.hashes = grow(this.hashes, new Int32Array(cap));
      this.offsets = grow(this.offsets, new Float64Array(cap));
      this.counts = grow(this.counts, new Float64Array(cap));
    }
    const length = tagged & 0x7fffffff;
    if (this.arenaUsed + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    this.arena.set(this.bytes.subarray(from, from + length), this.arenaUsed);
    this.offsets[entry] = this.arenaUsed;
    this.arenaUsed += length;
    this.lengths[entry] = tagged;
    this.hashes[entry] = hash;
    this.index.add(entry, this.hashes);
    return entry;
  }
}
