/**
 * The byte-level BPE engine (bpe-reference.md §6–7): applies merges to pre-tokens, lowest rank first,
 * ties leftmost, and turns ids back into bytes.
 *
 * Both vocabulary kinds reduce to one table of mergeable pairs (left id, right id) → (rank, merged id):
 * - merge mode: the pairs are the merges, rank = merge index;
 * - rank mode (`.tiktoken` files, no merges): every split of every token into two tokens is a pair whose
 *   rank is the token's rank, which is exactly tiktoken's "rank of the concatenation" rule.
 * Rank mode also emits a piece that is itself a token directly, as tiktoken does.
 *
 * Pieces up to LONG_PIECE bytes use a flat scan over typed arrays; longer ones a heap of pair ranks over
 * a linked list of parts. Results per piece are cached (bounded).
 */

import type { ByteSource } from '../pipeline/decoder.js';
import { encodePieces, type IdSink, type TokenModel } from '../pipeline/model.js';
import { type PreTokenizerSpec, preTokenizerFromSpec } from '../pre-tokenizers/pre-tokenizer.js';
import { ByteTable } from './byte-table.js';
import { hashPiece, MAX_CACHED_PIECE, PieceCache } from './piece-cache.js';

/** Pieces longer than this (bytes) use the heap path. */
export const LONG_PIECE = 100;
const NO_RANK = 0x7fffffff;

/** Plain-data form of an encoder: what a worker thread needs to rebuild it (structured-clone friendly). */
export interface EncoderData {
  /** Concatenated bytes of every ordinary token; token id i spans tokenOffsets[i]..tokenOffsets[i+1]. */
  tokenBytes: Uint8Array;
  /** Length = number of ids + 1; a special or missing id spans zero bytes. */
  tokenOffsets: Int32Array;
  /** Mergeable pairs: (pairLeft[k], pairRight[k]) → merged id pairResult[k] with rank pairRank[k]. */
  pairLeft: Int32Array;
  pairRight: Int32Array;
  pairRank: Int32Array;
  pairResult: Int32Array;
  /** How ordinary text is cut into pieces before merging. */
  preTokenizer: PreTokenizerSpec;
  /** Id emitted for a byte the vocabulary has no token for; -1: such a byte is an error. */
  unkId: number;
  /** Rank mode: a piece that is a token is emitted whole. */
  wholePieceShortcut: boolean;
  /** Special token string → id. */
  specials: Array<[string, number]>;
}

export interface EncoderOptions {
  /** Maximum number of cached pieces (two generations of this size are kept); 0 disables the cache. */
  cacheSize?: number;
}

type CachedIds = number | Int32Array;

/** Open-addressing hash table (left, right) → slot; linear probing over typed arrays. */
class PairTable {
  readonly #mask: number;
  readonly #left: Int32Array;
  readonly #right: Int32Array;
  readonly rank: Int32Array;
  readonly result: Int32Array;

  constructor(data: EncoderData) {
    let capacity = 16;
    while (capacity < data.pairLeft.length * 2) capacity *= 2;
    this.#mask = capacity - 1;
    this.#left = new Int32Array(capacity).fill(-1);
    this.#right = new Int32Array(capacity);
    this.rank = new Int32Array(capacity);
    this.result = new Int32Array(capacity);
    for (let k = 0; k < data.pairLeft.length; k++) {
      const a = data.pairLeft[k]!;
      const b = data.pairRight[k]!;
      let s = this.#hash(a, b);
      while (this.#left[s] !== -1 && (this.#left[s] !== a || this.#right[s] !== b)) s = (s + 1) & this.#mask;
      // Keep the lowest rank when a pair is listed twice (rank mode: two tokens cannot share a split).
      if (this.#left[s] === -1 || data.pairRank[k]! < this.rank[s]!) {
        this.#left[s] = a;
        this.#right[s] = b;
        this.rank[s] = data.pairRank[k]!;
        this.result[s] = data.pairResult[k]!;
      }
    }
  }

  #hash(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) & this.#mask;
  }

  /** Slot of the pair, or -1 when (a, b) is not mergeable. */
  slot(a: number, b: number): number {
    let s = this.#hash(a, b);
    for (;;) {
      const l = this.#left[s]!;
      if (l === -1) return -1;
      if (l === a && this.#right[s] === b) return s;
      s = (s + 1) & this.#mask;
    }
  }

  rankOf(a: number, b: number): number {
    const s = this.slot(a, b);
    return s < 0 ? NO_RANK : this.rank[s]!;
  }
}

export class BPEEncoder implements TokenModel, ByteSource {
  readonly data: EncoderData;
  readonly #pairs: PairTable;
  readonly #byteToId = new Int32Array(256).fill(-1);
  readonly #bytesMissing: boolean;
  /** The pre-tokenizer's scan function (a plain function, so the hot loop calls it directly). */
  readonly pieceEnd: (text: string, i: number, n: number) => number;
  /** Rank mode: token id by bytes, so a piece that is a token is emitted whole. */
  readonly #wholeTokens: ByteTable | null;
  /** Pieces already encoded (null: caching disabled). */
  readonly #cache: PieceCache | null;
  // Scratch buffers reused across pieces (grown on demand).
  #bytes = new Uint8Array(256);
  #parts = new Int32Array(256);
  #ranks = new Int32Array(256);

  constructor(data: EncoderData, options: EncoderOptions = {}) {
    this.data = data;
    this.#pairs = new PairTable(data);
    this.pieceEnd = preTokenizerFromSpec(data.preTokenizer, 'encoder data').pieceEnd;
    const cacheSize = options.cacheSize ?? 65536;
    this.#cache = cacheSize > 0 ? new PieceCache(cacheSize) : null;
    const { tokenBytes, tokenOffsets } = data;
    const idCount = tokenOffsets.length - 1;
    for (let id = 0; id < idCount; id++) {
      const start = tokenOffsets[id]!;
      if (tokenOffsets[id + 1]! - start === 1 && this.#byteToId[tokenBytes[start]!] === -1) {
        this.#byteToId[tokenBytes[start]!] = id;
      }
    }
    // Vocabularies without some single bytes (HF test vocabularies) are valid; such a byte becomes the
    // unk id or an error when it occurs.
    this.#bytesMissing = this.#byteToId.includes(-1);
    this.#wholeTokens = data.wholePieceShortcut ? new ByteTable(data.tokenBytes, data.tokenOffsets) : null;
  }

  /** False when some text cannot be encoded: a byte has no token and there is no unk token. */
  get encodesAnyText(): boolean {
    return !this.#bytesMissing || this.data.unkId >= 0;
  }

  /** Number of ids (specials included). */
  get idCount(): number {
    return this.data.tokenOffsets.length - 1;
  }

  /**
   * Encodes ordinary text (no special-token handling), appending ids to `out`. With `start`/`stop`, only
   * the pre-tokens in text[start..stop) are encoded, split as they are within the whole of `text` (the
   * streaming encoder needs the text after `stop` as look-ahead); both must be pre-token boundaries.
   */
  encodeOrdinaryInto(text: string, out: IdSink, start = 0, stop = text.length): void {
    encodePieces(this, this.pieceEnd, text, out, start, stop);
  }

  /** The model stage: ids of the pre-token text[start, end), through the piece cache. */
  encodePiece(text: string, start: number, end: number, out: IdSink): void {
    const cache = this.#cache;
    const cacheable = cache !== null && end - start <= MAX_CACHED_PIECE;
    const h = cacheable ? hashPiece(text, start, end) : 0;
    if (cacheable && cache.appendTo(text, start, end, h, out)) return;
    const ids = this.#encodePiece(text, start, end);
    if (typeof ids === 'number') {
      out.push(ids);
      if (cacheable) cache.add(text, start, end, h, ids);
    } else {
      for (let k = 0; k < ids.length; k++) out.push(ids[k]!);
      if (cacheable) cache.add(text, start, end, h, ids);
    }
  }

  /** The bytes of an ordinary id (a copy), or null (a special's id, or outside the vocabulary). */
  tokenBytes(id: number): Uint8Array | null {
    const { tokenBytes, tokenOffsets } = this.data;
    if (!(id >= 0 && id < tokenOffsets.length - 1) || !Number.isInteger(id)) return null;
    const s = tokenOffsets[id]!;
    const e = tokenOffsets[id + 1]!;
    return e > s ? tokenBytes.slice(s, e) : null;
  }

  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    this.encodeOrdinaryInto(text, out);
    return out;
  }

  /**
   * BPE merges over raw bytes, with no pre-tokenizer (tokenizer transfer decomposes another vocabulary's
   * tokens this way, spec zett §3). Empty input gives no ids.
   */
  encodeBytes(bytes: Uint8Array): number[] {
    if (bytes.length === 0) return [];
    const copy = Uint8Array.from(bytes);
    let ids = this.#merge(copy, copy.length);
    if (this.#bytesMissing) ids = this.#replaceUnknown(ids, copy, copy.length);
    return typeof ids === 'number' ? [ids] : Array.from(ids);
  }

  /** UTF-8 bytes of text[start..end) into the scratch buffer; lone surrogates become U+FFFD (as TextEncoder). */
  #utf8(text: string, start: number, end: number): number {
    if (this.#bytes.length < (end - start) * 3) this.#bytes = new Uint8Array((end - start) * 3);
    const buf = this.#bytes;
    let k = 0;
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        buf[k++] = c;
      } else if (c < 0x800) {
        buf[k++] = 0xc0 | (c >> 6);
        buf[k++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < end ? text.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            buf[k++] = 0xf0 | (cp >> 18);
            buf[k++] = 0x80 | ((cp >> 12) & 63);
            buf[k++] = 0x80 | ((cp >> 6) & 63);
            buf[k++] = 0x80 | (cp & 63);
            i++;
            continue;
          }
          c = 0xfffd;
        }
        buf[k++] = 0xe0 | (c >> 12);
        buf[k++] = 0x80 | ((c >> 6) & 63);
        buf[k++] = 0x80 | (c & 63);
      }
    }
    return k;
  }

  /** Ids of the pre-token text[start..end): a single number when it is one token, else an Int32Array. */
  #encodePiece(text: string, start: number, end: number): CachedIds {
    const n = this.#utf8(text, start, end);
    if (this.#wholeTokens !== null) {
      const whole = this.#wholeTokens.find(this.#bytes, 0, n);
      if (whole >= 0) return whole;
    }
    const ids = this.#merge(this.#bytes, n);
    return this.#bytesMissing ? this.#replaceUnknown(ids, this.#bytes, n) : ids;
  }

  /**
   * Parts left as -1 (a byte with no token) become the unk id, or an error naming the byte; `bytes[0..n)`
   * are the bytes that were merged.
   */
  #replaceUnknown(ids: CachedIds, bytes: Uint8Array, n: number): CachedIds {
    const parts = typeof ids === 'number' ? Int32Array.of(ids) : ids;
    if (!parts.includes(-1)) return ids;
    const { unkId } = this.data;
    if (unkId < 0) {
      const piece = bytes.subarray(0, n);
      const bad = piece.find((b) => this.#byteToId[b] === -1)!;
      throw new Error(
        `cannot encode ${JSON.stringify(new TextDecoder().decode(piece))}: the vocabulary has no token for byte 0x${bad.toString(16).padStart(2, '0')} and no unk token`,
      );
    }
    const out = parts.map((id) => (id === -1 ? unkId : id));
    return out.length === 1 ? out[0]! : out;
  }

  /** BPE over bytes[0..n): merge the lowest-ranked adjacent pair (leftmost on ties) until none is left. */
  #merge(bytes: Uint8Array, n: number): CachedIds {
    if (n === 1) return this.#byteToId[bytes[0]!]!;
    return n > LONG_PIECE ? this.#mergeLong(bytes, n) : this.#mergeFlat(bytes, n);
  }

  #mergeFlat(bytes: Uint8Array, n: number): CachedIds {
    if (this.#parts.length < n) {
      this.#parts = new Int32Array(n * 2);
      this.#ranks = new Int32Array(n * 2);
    }
    const parts = this.#parts;
    const ranks = this.#ranks;
    const pairs = this.#pairs;
    for (let i = 0; i < n; i++) parts[i] = this.#byteToId[bytes[i]!]!;
    for (let i = 0; i < n - 1; i++) ranks[i] = pairs.rankOf(parts[i]!, parts[i + 1]!);
    let len = n;
    while (len > 1) {
      let best = NO_RANK;
      let at = -1;
      for (let i = 0; i < len - 1; i++) {
        if (ranks[i]! < best) {
          best = ranks[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      parts[at] = pairs.result[pairs.slot(parts[at]!, parts[at + 1]!)]!;
      parts.copyWithin(at + 1, at + 2, len);
      ranks.copyWithin(at, at + 1, len - 1);
      len--;
      if (at > 0) ranks[at - 1] = pairs.rankOf(parts[at - 1]!, parts[at]!);
      if (at < len - 1) ranks[at] = pairs.rankOf(parts[at]!, parts[at + 1]!);
    }
    return len === 1 ? parts[0]! : parts.slice(0, len);
  }

  /**
   * Heap path: parts form a linked list indexed by their first byte; the heap holds (rank, position)
   * keys; stale entries (the pair at that position changed) are skipped when popped.
   */
  #mergeLong(bytes: Uint8Array, n: number): CachedIds {
    const pairs = this.#pairs;
    const ids = new Int32Array(n);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = this.#byteToId[bytes[i]!]!;
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Key = rank * 2^31 + position: ordered by rank, then leftmost (exact in a double below 2^53).
    const SCALE = 0x80000000;
    const heap = new Float64Array(n);
    let size = 0;
    const push = (key: number): void => {
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heap[p]! <= key) break;
        heap[i] = heap[p]!;
        i = p;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap[--size]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && heap[c + 1]! < heap[c]!) c++;
        if (heap[c]! >= last) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
      return top;
    };
    for (let i = 0; i + 1 < n; i++) {
      const r = pairs.rankOf(ids[i]!, ids[i + 1]!);
      if (r !== NO_RANK) push(r * SCALE + i);
    }
    let count = n;
    while (size > 0) {
      const key = pop();
      const rank = Math.floor(key / SCALE);
      const i = key - rank * SCALE;
      const j = next[i]!;
      // Stale: position i was absorbed (prev link cut) or its right neighbour changed.
      if (ids[i]! < 0 || j < 0) continue;
      const s = pairs.slot(ids[i]!, ids[j]!);
      if (s < 0 || pairs.rank[s] !== rank) continue;
      ids[i] = pairs.result[s]!;
      ids[j] = -1;
      const k = next[j]!;
      next[i] = k;
      if (k >= 0) prev[k] = i;
      count--;
      const p = prev[i]!;
      if (p >= 0) {
        const r = pairs.rankOf(ids[p]!, ids[i]!);
        if (r !== NO_RANK) push(r * SCALE + p);
      }
      if (k >= 0) {
        const r = pairs.rankOf(ids[i]!, ids[k]!);
        if (r !== NO_RANK) push(r * SCALE + i);
      }
    }
    if (count === 1) return ids[0]!;
    const out = new Int32Array(count);
    for (let i = 0, k = 0; i >= 0; i = next[i]!) out[k++] = ids[i]!;
    return out;
  }

  /** Raw bytes of `ids` (specials as their UTF-8); throws on an id outside the vocabulary. */
  decodeBytes(ids: ArrayLike<number>, specialBytes: ReadonlyMap<number, Uint8Array>): Uint8Array {
    const { tokenBytes, tokenOffsets } = this.data;
    const idCount = tokenOffsets.length - 1;
    let total = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (!(id >= 0 && id < idCount) || !Number.isInteger(id)) {
        throw new Error(`id ${id} is outside the vocabulary (size ${idCount})`);
      }
      const special = specialBytes.get(id);
      const length = special !== undefined ? special.length : tokenOffsets[id + 1]! - tokenOffsets[id]!;
      // Every token has at least one byte: zero bytes is a gap in the ids.
      if (length === 0 && special === undefined) throw new Error(`id ${id} is not in the vocabulary`);
      total += length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      const special = specialBytes.get(id);
      if (special !== undefined) {
        out.set(special, at);
        at += special.length;
      } else {
        const s = tokenOffsets[id]!;
        const e = tokenOffsets[id + 1]!;
        out.set(tokenBytes.subarray(s, e), at);
        at += e - s;
      }
    }
    return out;
  }
}
