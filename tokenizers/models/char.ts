/**
 * The character model: one id per Unicode code point (a lone surrogate is a code point of its own), an
 * unknown one the unk id. Its decoder is decoders/char.ts.
 */
import type { TokenModel } from '../pipeline/model.js';

const utf8 = new TextEncoder();

/** The vocabulary the model and its decoder read: token ↔ id, the unk id, and the specials. */
export interface CharVocab {
  idOf(token: string): number | undefined;
  tokenOf(id: number): string | undefined;
  /** Id of the unknown character (null: none yet, before the roles are set). */
  unkId(): number | null;
  isSpecial(token: string): boolean;
  size(): number;
}

export class CharModel implements TokenModel {
  constructor(readonly vocab: CharVocab) {}

  encodePiece(text: string, start: number, end: number, out: number[]): void {
    const vocab = this.vocab;
    const unk = vocab.unkId()!;
    for (let i = start; i < end; ) {
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      out.push(vocab.idOf(text.slice(i, i + width)) ?? unk);
      i += width;
    }
  }

  tokenBytes(id: number): Uint8Array | null {
    const token = this.vocab.tokenOf(id);
    return token === undefined ? null : utf8.encode(token);
  }
}
