/** The byte-level decoder: token bytes back to back (byte, byte-level BPE and Unigram tokenizers). */
import type { ByteSource, Decoder } from '../pipeline/decoder.js';

const utf8Replace = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Token bytes back to back; text is their UTF-8 with U+FFFD for each maximal ill-formed subsequence
 * (WHATWG / Python "replace"), a leading byte-order mark kept.
 */
export class ByteLevelDecoder implements Decoder {
  constructor(
    readonly source: ByteSource,
    readonly added: {
      readonly bytes: ReadonlyMap<number, Uint8Array>;
      withoutSpecials(ids: ArrayLike<number>): number[];
    },
  ) {}

  decodeBytes(ids: ArrayLike<number>, skipSpecialTokens: boolean): Uint8Array {
    return this.source.decodeBytes(
      skipSpecialTokens ? this.added.withoutSpecials(ids) : ids,
      this.added.bytes,
    );
  }

  decode(ids: ArrayLike<number>, skipSpecialTokens: boolean): string {
    return utf8Replace.decode(this.decodeBytes(ids, skipSpecialTokens));
  }
}
