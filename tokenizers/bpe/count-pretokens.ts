/**
 * Counting pre-tokens, the dominant cost of BPE training. One routine serves the serial path and every
 * counting worker, so both give the same counts.
 *
 * Pieces are found with the GPT-2 scanner (pre-tokenizers/gpt2-scan.ts, the regex's exact equivalent) and tallied in an
 * ArenaTable (../arena-table.ts) hashed straight from the text's code units: no string is allocated per
 * piece, and the distinct pieces live in one UTF-16 arena that workers hand back as transferable buffers.
 */
import { ArenaTable, type ArenaTableData, FNV_OFFSET, FNV_PRIME } from '../arena-table.js';
import { pieceEnd } from '../pre-tokenizers/gpt2-scan.js';

/** The counter's contents as plain typed arrays (what a worker posts back). */
export type PieceCountsData = ArenaTableData<Uint16Array>;

/** Distinct pre-tokens (as UTF-16 code-unit strings) and their counts. */
export class PieceCounter {
  private readonly table = new ArenaTable<Uint16Array>(Uint16Array, 1 << 15);
  /** The piece being counted, as code units (the table compares typed arrays, not strings). */
  private key = new Uint16Array(256);

  get size(): number {
    return this.table.size;
  }

  /** Counts the piece `text[i, e)` once. */
  addRange(text: string, i: number, e: number): void {
    const length = e - i;
    if (length > this.key.length) this.key = new Uint16Array(2 * length);
    const key = this.key;
    let h = FNV_OFFSET;
    for (let k = 0; k < length; k++) {
      const c = text.charCodeAt(i + k);
      key[k] = c;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    this.table.add(h, key, 0, length, 1);
  }

  /** Adds another counter's contents (same hash function, so no piece is rehashed). */
  addAll(data: PieceCountsData): void {
    this.table.addAll(data);
  }

  /** Compact copies of the contents, suitable for transfer to another thread. */
  data(): PieceCountsData {
    return this.table.data();
  }

  /** Calls `visit(arena, start, length, count)` for every distinct piece. */
  forEach(visit: (arena: Uint16Array, start: number, length: number, count: number) => void): void {
    this.table.forEach(visit);
  }

  /** The counts as a Map from piece string (for tests and small inputs). */
  toMap(): Map<string, number> {
    const map = new Map<string, number>();
    this.forEach((arena, start, length, count) => {
      map.set(String.fromCharCode(...arena.subarray(start, start + length)), count);
    });
    return map;
  }
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
