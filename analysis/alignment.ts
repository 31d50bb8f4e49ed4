/**
 * Tokens matched to the text they came from, in UTF-8 byte offsets: each token's byte length, the byte
 * bounds of the words, and each token's end offset. Texts are tokenized whole (no per-word re-tokenization
 * with spurious prefix spaces), so multi-byte scripts and display markers (`Ġ`, `##`) never shift the
 * alignment. A "word" is a GPT-2 pre-token, as the reference counts words (bytespan-reference.md §13).
 */
import type { BaseTokenizer } from '../tokenizers/base.js';
import { gpt2PreTokenizer } from '../tokenizers/pre-tokenizers/pre-tokenizer.js';
import { utf8Length } from '../utils/utf8.js';

const utf8 = new TextEncoder();

/**
 * Tokenizers whose token bytes depend on context report each token's byte span themselves (ByteSpan: a
 * `##` entry is one or two readings, and the prefix space it adds is not in the text).
 */
interface ByteOffsetEncoder {
  encodeWithByteOffsets(text: string): { ids: number[]; ends: Uint32Array };
}

function hasByteOffsets(t: BaseTokenizer): t is BaseTokenizer & ByteOffsetEncoder {
  return typeof (t as Partial<ByteOffsetEncoder>).encodeWithByteOffsets === 'function';
}

/**
 * Byte length of each token id, cached per id: the tokenizer's `tokenBytes` (exact for byte-level tokens
 * that hold part of a UTF-8 character); for an id it has no bytes for (outside its vocabulary, or an empty
 * special), the UTF-8 length of `decode([id])`.
 */
export class TokenByteLengths {
  readonly #tokenizer: BaseTokenizer;
  #lengths: Int32Array;

  constructor(tokenizer: BaseTokenizer) {
    this.#tokenizer = tokenizer;
    this.#lengths = new Int32Array(Math.max(tokenizer.vocabSize, 1)).fill(-1);
  }

  get(id: number): number {
    if (id >= this.#lengths.length) {
      const grown = new Int32Array(Math.max(id + 1, this.#lengths.length * 2)).fill(-1);
      grown.set(this.#lengths);
      this.#lengths = grown;
    }
    let n = this.#lengths[id]!;
    if (n < 0) {
      const t = this.#tokenizer;
      n = t.tokenBytes(id)?.length ?? 0;
      // An id without bytes stands in the input for its text form.
      if (n === 0) n = utf8.encode(t.decode([id])).length;
      this.#lengths[id] = n;
    }
    return n;
  }

  /** End byte offset of each token, or null when the tokens do not cover exactly `textBytes` bytes. */
  ends(ids: readonly number[], textBytes: number): Float64Array | null {
    const ends = new Float64Array(ids.length);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      at += this.get(ids[i]!);
      ends[i] = at;
    }
    return at === textBytes ? ends : null;
  }
}

/** Ids of `text` and each token's end byte offset (null when the tokens do not cover exactly its bytes). */
export function encodeWithEnds(
  tokenizer: BaseTokenizer,
  text: string,
  textBytes: number,
  lengths: TokenByteLengths,
): { ids: number[]; ends: ArrayLike<number> | null } {
  if (hasByteOffsets(tokenizer)) {
    const { ids, ends } = tokenizer.encodeWithByteOffsets(text);
    return { ids, ends: (ends.length === 0 ? 0 : ends[ends.length - 1]) === textBytes ? ends : null };
  }
  const ids = tokenizer.encode(text);
  return { ids, ends: lengths.ends(ids, textBytes) };
}

export interface WordBounds {
  /** Byte offsets of the words (GPT-2 pre-tokens): [start₀, end₀, start₁, end₁, …]. */
  bounds: Uint32Array;
  /** UTF-8 length of the whole text. */
  bytes: number;
}

/**
 * The words of `text` as bytespan-reference.md §13 counts them: its GPT-2 pre-tokens (the leading space
 * belongs to the word after it; runs of whitespace are pre-tokens too), as UTF-8 byte offsets.
 */
export function pretokenByteBounds(text: string): WordBounds {
  const n = text.length;
  const bounds = new Uint32Array(2 * n);
  let k = 0;
  let byteAt = 0;
  for (let i = 0; i < n; ) {
    const end = gpt2PreTokenizer.pieceEnd(text, i, n);
    bounds[k++] = byteAt;
    byteAt += utf8Length(text, i, end);
    bounds[k++] = byteAt;
    i = end;
  }
  return { bounds: bounds.subarray(0, k), bytes: byteAt };
}

/** One text as every metric sees it: its ids, its words and the tokens' end offsets, all in bytes. */
export interface TokenizedText {
  text: string;
  ids: readonly number[];
  /** UTF-8 length of the text. */
  bytes: number;
  /** Word bounds, as {@link pretokenByteBounds} gives them. */
  words: Uint32Array;
  /** End byte offset of each token; null when the tokens' bytes do not add up to the text's. */
  ends: ArrayLike<number> | null;
  /** False when the pass only tokenized (no metric needed bytes, words or offsets): all three are empty. */
  aligned: boolean;
}

const NO_WORDS = new Uint32Array(0);

/** Tokenizes `text` and aligns its tokens with its words (the per-text work of a metrics pass). */
export function tokenizeAligned(
  tokenizer: BaseTokenizer,
  text: string,
  lengths: TokenByteLengths,
): TokenizedText {
  const { bounds, bytes } = pretokenByteBounds(text);
  const { ids, ends } = encodeWithEnds(tokenizer, text, bytes, lengths);
  return { text, ids, bytes, words: bounds, ends, aligned: true };
}

/** Tokenizes `text` only (for passes whose metrics read nothing but the token counts). */
export function tokenizeOnly(tokenizer: BaseTokenizer, text: string): TokenizedText {
  return { text, ids: tokenizer.encode(text), bytes: 0, words: NO_WORDS, ends: null, aligned: false };
}
