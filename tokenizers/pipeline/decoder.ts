/**
 * The decoder stage: ids back to bytes and text. Byte-level models concatenate their tokens' bytes
 * (decoders/byte-level.ts); WordPiece removes `##` markers and the added prefix space (decoders/wordpiece.ts);
 * the character decoder concatenates code points (decoders/char.ts), so a lone surrogate survives.
 */
export interface Decoder {
  /** The bytes of `ids` (specials as their UTF-8, left out with `skipSpecialTokens`). */
  decodeBytes(ids: ArrayLike<number>, skipSpecialTokens: boolean): Uint8Array;
  /** The text of `ids`. */
  decode(ids: ArrayLike<number>, skipSpecialTokens: boolean): string;
}

/** What a byte-level decoder reads: the bytes of ids back to back, specials supplied by the caller. */
export interface ByteSource {
  /** Throws an error naming the first id outside the vocabulary. */
  decodeBytes(ids: ArrayLike<number>, specialBytes: ReadonlyMap<number, Uint8Array>): Uint8Array;
}
