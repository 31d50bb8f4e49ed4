/**
 * The byte model: one id per UTF-8 byte (id = byte value). Lone UTF-16 surrogates have no UTF-8 form and
 * become U+FFFD's bytes, as `TextEncoder` does.
 */
import type { ByteSource } from '../pipeline/decoder.js';
import type { TokenModel } from '../pipeline/model.js';

const utf8 = new TextEncoder();

export class ByteModel implements TokenModel, ByteSource {
  /** `size`: the whole vocabulary's id count (named in errors). */
  constructor(readonly size: number) {}

  encodePiece(text: string, start: number, end: number, out: number[]): void {
    const bytes = utf8.encode(start === 0 && end === text.length ? text : text.slice(start, end));
    // Growing the array once and filling it is several times faster than a push per byte.
    let k = out.length;
    out.length = k + bytes.length;
    for (let i = 0; i < bytes.length; i++) out[k++] = bytes[i]!;
  }

  tokenBytes(id: number): Uint8Array | null {
    return Number.isInteger(id) && id >= 0 && id < 256 ? Uint8Array.of(id) : null;
  }

  decodeBytes(ids: ArrayLike<number>, specialBytes: ReadonlyMap<number, Uint8Array>): Uint8Array {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id >= 0 && id < 256 && Number.isInteger(id)) total++;
      else {
        const special = specialBytes.get(id);
        if (special === undefined)
          throw new Error(`id ${id} is outside the byte-level vocabulary (size ${this.size})`);
        total += special.length;
      }
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 256) out[at++] = id;
      else {
        const special = specialBytes.get(id)!;
        out.set(special, at);
        at += special.length;
      }
    }
    return out;
  }
}
