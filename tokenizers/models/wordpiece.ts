/**
 * The WordPiece model (ByteSpan's inference): longest-prefix matching of each pre-token's bytes
 * (wordpiece-matcher.ts), with a two-generation cache of pre-token → ids, since natural text repeats
 * its words.
 */
import type { TokenModel } from '../pipeline/model.js';
import { WordPieceMatcher, type WordPieceOptions } from './wordpiece-matcher.js';

type CachedIds = number | Int32Array;

const utf8 = new TextEncoder();

export class WordPieceModel implements TokenModel {
  readonly #literal: ReadonlyArray<Uint8Array | null>;
  readonly #matcher: WordPieceMatcher;
  readonly #cacheSize: number;
  #cache = new Map<string, CachedIds>();
  #oldCache = new Map<string, CachedIds>();
  #bytes = new Uint8Array(1024);
  #scratch: number[] = [];

  /**
   * `literal[id]`: the bytes of entry `id` (`##` included), null for ids that never match (specials);
   * `cacheSize`: pre-tokens per cache generation (0 disables the cache).
   */
  constructor(literal: ReadonlyArray<Uint8Array | null>, options: WordPieceOptions & { cacheSize: number }) {
    this.#literal = literal;
    this.#matcher = new WordPieceMatcher(literal, options);
    this.#cacheSize = options.cacheSize;
  }

  get options(): Readonly<WordPieceOptions> {
    return this.#matcher.options;
  }

  /** Ids of the pre-token text[start, end), through the two-generation cache. */
  encodePiece(text: string, start: number, end: number, out: number[]): void {
    if (this.#cacheSize === 0) {
      this.#match(text, start, end, out);
      return;
    }
    const piece = text.slice(start, end);
    let ids = this.#cache.get(piece);
    if (ids === undefined) {
      ids = this.#oldCache.get(piece);
      if (ids === undefined) {
        const scratch = this.#scratch;
        scratch.length = 0;
        this.#match(text, start, end, scratch);
        ids = scratch.length === 1 ? scratch[0]! : Int32Array.from(scratch);
      }
      if (this.#cache.size >= this.#cacheSize) {
        this.#oldCache = this.#cache;
        this.#cache = new Map();
      }
      this.#cache.set(piece, ids);
    }
    if (typeof ids === 'number') out.push(ids);
    else for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
  }

  #match(text: string, start: number, end: number, out: number[]): void {
    if (this.#bytes.length < (end - start) * 3) this.#bytes = new Uint8Array((end - start) * 3);
    const { written } = utf8.encodeInto(text.slice(start, end), this.#bytes);
    this.#matcher.segment(this.#bytes, 0, written, out);
  }

  /** The entry's literal bytes (`##` included: how it reads is the decoder's business). */
  tokenBytes(id: number): Uint8Array | null {
    return (Number.isInteger(id) ? this.#literal[id] : null) ?? null;
  }
}
