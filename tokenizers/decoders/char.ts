/**
 * The character decoder: concatenates the tokens' strings, so every string — lone surrogates included —
 * round trips (a byte-level decode would turn a lone surrogate into U+FFFD).
 */

import { concatBytes } from '../../utils/utf8.js';
import type { CharVocab } from '../models/char.js';
import type { Decoder } from '../pipeline/decoder.js';

const utf8 = new TextEncoder();

export class CharDecoder implements Decoder {
  constructor(readonly vocab: CharVocab) {}

  decode(ids: ArrayLike<number>, skipSpecialTokens: boolean): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = this.vocab.tokenOf(id);
      if (token === undefined)
        throw new RangeError(`id ${id} is outside the character vocabulary (size ${this.vocab.size()})`);
      if (skipSpecialTokens && this.vocab.isSpecial(token)) continue;
      out += token;
    }
    return out;
  }

  /** Each token's UTF-8 back to back (the concatenation of `tokenBytes`). */
  decodeBytes(ids: ArrayLike<number>, skipSpecialTokens: boolean): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < ids.length; i++) {
      const token = this.decode([ids[i]!], skipSpecialTokens);
      const bytes = utf8.encode(token);
      parts.push(bytes);
    }
    return concatBytes(parts);
  }
}
