/**
 * The Unigram language model over bytes (Kudo 2018; SentencePiece's `unigram` model): every piece has a
 * log-probability, and a pre-token's bytes are segmented into the sequence of pieces with the highest
 * total score (Viterbi). This is the model component only — bytes of one pre-token in, ids out — so the
 * tokenizer, the trainer, the tokenizer sampler and tokenizer transfer share it.
 *
 * All 256 single bytes must be pieces, so every byte string has a segmentation (the project's byte
 * convention; no UNK is ever produced).
 */

import { concatBytes } from '../../utils/utf8.js';
import type { ByteSource } from '../pipeline/decoder.js';
import type { TokenModel } from '../pipeline/model.js';

export class UnigramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnigramError';
  }
}

/** A byte trie stored as one hash map of edges (node · 256 + byte → child) and per-node terminal ids. */
class ByteTrie {
  readonly #edges = new Map<number, number>();
  readonly #terminal: number[] = [-1];

  add(bytes: Uint8Array, id: number): void {
    let node = 0;
    for (const b of bytes) {
      const key = node * 256 + b;
      let child = this.#edges.get(key);
      if (child === undefined) {
        child = this.#terminal.length;
        this.#terminal.push(-1);
        this.#edges.set(key, child);
      }
      node = child;
    }
    if (this.#terminal[node] === -1) this.#terminal[node] = id;
  }

  /** Calls `visit(id, end)` for every piece that starts at `start` and ends before `end` (exclusive end). */
  prefixes(bytes: Uint8Array, start: number, end: number, visit: (id: number, end: number) => void): void {
    let node = 0;
    for (let i = start; i < end; i++) {
      const child = this.#edges.get(node * 256 + bytes[i]!);
      if (child === undefined) return;
      node = child;
      const id = this.#terminal[node]!;
      if (id >= 0) visit(id, i + 1);
    }
  }
}

const utf8 = new TextEncoder();

export class UnigramModel implements TokenModel, ByteSource {
  /** Bytes of each id; null for ids that are not pieces (special tokens placed among them). */
  readonly pieces: ReadonlyArray<Uint8Array | null>;
  /** Log-probability of each piece (unused for null entries). */
  readonly scores: Float64Array;
  readonly #trie = new ByteTrie();
  readonly #byteId = new Int32Array(256).fill(-1);
  // Viterbi scratch, grown on demand.
  #best = new Float64Array(64);
  #from = new Int32Array(64);
  #via = new Int32Array(64);
  #text = new Uint8Array(256);

  constructor(pieces: ReadonlyArray<Uint8Array | null>, scores: ArrayLike<number>) {
    if (pieces.length !== scores.length) {
      throw new UnigramError(`${pieces.length} pieces but ${scores.length} scores`);
    }
    this.pieces = pieces;
    this.scores = Float64Array.from(scores);
    const seen = new Map<string, number>();
    pieces.forEach((bytes, id) => {
      if (bytes === null) return;
      if (bytes.length === 0) throw new UnigramError(`piece ${id} is empty`);
      if (!Number.isFinite(this.scores[id]!)) {
        throw new UnigramError(`piece ${id} has a non-finite score ${this.scores[id]}`);
      }
      const key = Buffer.from(bytes).toString('latin1');
      const other = seen.get(key);
      if (other !== undefined) throw new UnigramError(`piece ${id} repeats piece ${other}`);
      seen.set(key, id);
      this.#trie.add(bytes, id);
      if (bytes.length === 1) this.#byteId[bytes[0]!] = id;
    });
    const missing = this.#byteId.indexOf(-1);
    if (missing >= 0) {
      throw new UnigramError(
        `no piece for byte 0x${missing.toString(16).padStart(2, '0')}: a byte-level Unigram model needs all 256 single bytes`,
      );
    }
  }

  get size(): number {
    return this.pieces.length;
  }

  /** Bytes of `id`, or null for a non-piece id. */
  tokenBytes(id: number): Uint8Array | null {
    return this.pieces[id] ?? null;
  }

  /** The model stage: the pre-token text[start, end) as UTF-8 (lone surrogates: U+FFFD), segmented. */
  encodePiece(text: string, start: number, end: number, out: number[]): void {
    if (this.#text.length < (end - start) * 3) this.#text = new Uint8Array((end - start) * 3);
    const { written } = utf8.encodeInto(text.slice(start, end), this.#text);
    this.encodeInto(this.#text, 0, written, out);
  }

  /** The pieces' bytes back to back, `specialBytes` for the specials among the ids. */
  decodeBytes(ids: ArrayLike<number>, specialBytes: ReadonlyMap<number, Uint8Array>): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const bytes = specialBytes.get(id) ?? (Number.isInteger(id) ? this.pieces[id] : null);
      if (bytes == null) throw new Error(`id ${id} is outside the vocabulary (size ${this.size})`);
      parts.push(bytes);
    }
    return concatBytes(parts);
  }

  /** Best segmentation of bytes[start, end), appended to `out`. Ties keep the earliest-found path. */
  encodeInto(bytes: Uint8Array, start: number, end: number, out: number[]): void {
    const n = end - start;
    if (n === 0) return;
    if (this.#best.length < n + 1) {
      this.#best = new Float64Array(2 * (n + 1));
      this.#from = new Int32Array(2 * (n + 1));
      this.#via = new Int32Array(2 * (n + 1));
    }
    const best = this.#best;
    const from = this.#from;
    const via = this.#via;
    best.fill(Number.NEGATIVE_INFINITY, 0, n + 1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      const here = best[i]!;
      if (here === Number.NEGATIVE_INFINITY) continue;
      this.#trie.prefixes(bytes, start + i, end, (id, e) => {
        const j = e - start;
        const score = here + this.scores[id]!;
        if (score > best[j]!) {
          best[j] = score;
          from[j] = i;
          via[j] = id;
        }
      });
    }
    const first = out.length;
    for (let j = n; j > 0; j = from[j]!) out.push(via[j]!);
    // Collected back to front.
    for (let a = first, b = out.length - 1; a < b; a++, b--) {
      const t = out[a]!;
      out[a] = out[b]!;
      out[b] = t;
    }
  }

  encodeBytes(bytes: Uint8Array): number[] {
    const out: number[] = [];
    this.encodeInto(bytes, 0, bytes.length, out);
    return out;
  }

  /** Every piece that starts at bytes[start] and ends by `end`: for lattices (training, sampling). */
  matches(bytes: Uint8Array, start: number, end: number, visit: (id: number, end: number) => void): void {
    this.#trie.prefixes(bytes, start, end, visit);
  }
}
