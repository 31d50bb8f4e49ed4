/**
 * WordPiece longest-prefix matching on bytes (bytespan-reference.md §11), with exactly the choices HF
 * `tokenizers` makes on the GPT-2 display string of a pre-token (one display character = one byte):
 * the first piece is the longest vocabulary entry that is a prefix of the pre-token — any entry, compared
 * literally, so a `##…` entry can start a pre-token that begins with `##` — and every later piece is the
 * longest entry `##X` whose X is a prefix of the rest.
 *
 * Entries sit in one byte trie with two roots, PLAIN (the literal bytes of every entry) and CONTINUATION
 * (the bytes after `##`); edges are an open-addressing hash over typed arrays, so matching allocates
 * nothing and touches each byte once per walk.
 */

const HASH = 0x23; // '#', the continuation marker's byte

const PLAIN = 0;
const CONTINUATION = 1;
/** Node ids are packed with the edge byte into one int32 key (node << 8 | byte). */
const MAX_NODES = 1 << 23;

export interface WordPieceOptions {
  /**
   * Pre-tokens longer than this many bytes become one UNK (the reference and HF: 100). null: no limit
   * (every pre-token is segmented; the default of new tokenizers, fixing defect B3).
   */
  maxInputCharsPerWord: number | null;
  /**
   * Single bytes match like any entry (`k` first, `##k` later), so with every byte in the vocabulary (the
   * base vocabularies) matching never fails. For other vocabularies, true: a later position without
   * `##k` falls back to the plain byte `k`, and a byte with no token at all becomes one UNK for that byte,
   * the rest of the pre-token being segmented; false: the whole pre-token becomes one UNK, as in HF.
   */
  byteFallback: boolean;
  /** Id of the UNK token, or null when the vocabulary has none (then a needed UNK is an error). */
  unkId: number | null;
}

/** True when `bytes` is a continuation entry: `##` followed by at least one byte. */
export function isContinuationEntry(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === HASH && bytes[1] === HASH;
}

export class WordPieceMatcher {
  readonly options: Readonly<WordPieceOptions>;
  /** Token id ending at each trie node, or -1. */
  readonly #terminal: Int32Array;
  readonly #mask: number;
  /** Multiplicative hashing keeps the top bits: slot = (key · φ) >>> shift. */
  readonly #shift: number;
  /** Edge keys (parent << 8 | byte), -1 for an empty slot. */
  readonly #keys: Int32Array;
  readonly #children: Int32Array;
  /** Plain single-byte tokens by byte value (-1 when absent), the fallback at later positions. */
  readonly #plainByte = new Int32Array(256).fill(-1);

  /** `entries[id]` is the literal bytes of token `id`, or null for ids that never match (specials). */
  constructor(entries: ReadonlyArray<Uint8Array | null>, options: WordPieceOptions) {
    const limit = options.maxInputCharsPerWord;
    if (limit !== null && (!Number.isSafeInteger(limit) || limit < 1)) {
      throw new Error(`maxInputCharsPerWord must be a positive integer or null, got ${limit}`);
    }
    this.options = { ...options };
    // Build with a Map, then freeze into typed arrays.
    const edges = new Map<number, number>();
    const terminal: number[] = [-1, -1];
    const insert = (root: number, bytes: Uint8Array, from: number, id: number): void => {
      let node = root;
      for (let i = from; i < bytes.length; i++) {
        const key = (node << 8) | bytes[i]!;
        let child = edges.get(key);
        if (child === undefined) {
          child = terminal.length;
          if (child >= MAX_NODES) {
            throw new Error(`vocabulary too large for the WordPiece trie (over ${MAX_NODES} nodes)`);
          }
          terminal.push(-1);
          edges.set(key, child);
        }
        node = child;
      }
      terminal[node] = id;
    };
    entries.forEach((bytes, id) => {
      if (bytes === null) return;
      if (bytes.length === 0) throw new Error(`token ${id} is empty`);
      insert(PLAIN, bytes, 0, id);
      if (bytes.length === 1) this.#plainByte[bytes[0]!] = id;
      if (isContinuationEntry(bytes)) insert(CONTINUATION, bytes, 2, id);
    });
    this.#terminal = Int32Array.from(terminal);
    let bits = 4;
    while (1 << bits < edges.size * 2) bits++;
    const capacity = 1 << bits;
    this.#mask = capacity - 1;
    this.#shift = 32 - bits;
    this.#keys = new Int32Array(capacity).fill(-1);
    this.#children = new Int32Array(capacity);
    for (const [key, child] of edges) {
      let s = this.#slot(key);
      while (this.#keys[s] !== -1) s = (s + 1) & this.#mask;
      this.#keys[s] = key;
      this.#children[s] = child;
    }
  }

  #slot(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.#shift;
  }

  #child(node: number, byte: number): number {
    const key = (node << 8) | byte;
    const keys = this.#keys;
    const mask = this.#mask;
    for (let s = this.#slot(key); ; s = (s + 1) & mask) {
      const k = keys[s]!;
      if (k === key) return this.#children[s]!;
      if (k === -1) return -1;
    }
  }

  #unk(bytes: Uint8Array, at: number): number {
    if (this.options.unkId === null) {
      throw new Error(
        `no vocabulary entry matches byte 0x${bytes[at]!.toString(16).padStart(2, '0')} and the vocabulary has no UNK token`,
      );
    }
    return this.options.unkId;
  }

  /** Appends the ids of the pre-token `bytes[start, end)` (non-empty) to `out`. */
  segment(bytes: Uint8Array, start: number, end: number, out: number[]): void {
    const limit = this.options.maxInputCharsPerWord;
    if (limit !== null && end - start > limit) {
      out.push(this.#unk(bytes, start));
      return;
    }
    const terminal = this.#terminal;
    const mark = out.length;
    let root = PLAIN;
    for (let p = start; p < end; ) {
      let node = root;
      let best = -1;
      let bestEnd = p;
      for (let q = p; q < end; q++) {
        node = this.#child(node, bytes[q]!);
        if (node < 0) break;
        const id = terminal[node]!;
        if (id >= 0) {
          best = id;
          bestEnd = q + 1;
        }
      }
      if (best < 0) {
        if (!this.options.byteFallback) {
          out.length = mark;
          out.push(this.#unk(bytes, p));
          return;
        }
        // Nothing matched, so at the first position even `k` is missing; later, `k` may stand in for `##k`.
        best = root === PLAIN ? -1 : this.#plainByte[bytes[p]!]!;
        if (best < 0) best = this.#unk(bytes, p);
        bestEnd = p + 1;
      }
      out.push(best);
      p = bestEnd;
      root = CONTINUATION;
    }
  }
}
