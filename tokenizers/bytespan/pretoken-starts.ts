/**
 * Per-byte pre-token boundaries (spec §5): `ptb[i] = 1` iff byte i is the first byte of a GPT-2
 * pre-token of its document. A document is decoded to text and split by the GPT-2 scanner (pre-tokenizers/gpt2-scan.ts, the
 * regex's exact equivalent); byte offsets come from the UTF-8 length of each piece. No prefix space is
 * added: a cue corpus already holds whatever its producer wrote.
 *
 * Malformed UTF-8 (a cue corpus is raw bytes) decodes to one U+FFFD per offending byte, which the
 * scanner treats like any other symbol; every replacement maps back to its own byte, so offsets stay
 * exact.
 */
import { isUtf8 } from 'node:buffer';
import { utf8Length } from '../../utils/utf8.js';
import { pieceEnd } from '../pre-tokenizers/gpt2-scan.js';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes malformed UTF-8 with one U+FFFD per byte that does not belong to a well-formed sequence;
 * `offsets[u]` is the byte offset of UTF-16 unit u.
 */
function decodeLenient(bytes: Uint8Array): { text: string; offsets: Int32Array } {
  const to = bytes.length;
  const units = new Uint16Array(to);
  const offsets = new Int32Array(to + 1);
  let u = 0;
  for (let i = 0; i < to; ) {
    const b = bytes[i]!;
    let cp = 0xfffd;
    let len = 1;
    if (b < 0x80) cp = b;
    else {
      const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
      if (need > 0 && i + need < to) {
        let v = b & (0x3f >> need);
        let k = 1;
        for (; k <= need; k++) {
          const c = bytes[i + k]!;
          if ((c & 0xc0) !== 0x80) break;
          v = (v << 6) | (c & 0x3f);
        }
        const minimum = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
        if (k > need && v >= minimum && v <= 0x10ffff && (v < 0xd800 || v > 0xdfff)) {
          cp = v;
          len = need + 1;
        }
      }
    }
    const at = i;
    if (cp >= 0x10000) {
      offsets[u] = at;
      units[u++] = 0xd800 + ((cp - 0x10000) >> 10);
      offsets[u] = at;
      units[u++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else {
      offsets[u] = at;
      units[u++] = cp;
    }
    i += len;
  }
  offsets[u] = to;
  let text = '';
  for (let k = 0; k < u; k += 8192) text += String.fromCharCode(...units.subarray(k, Math.min(u, k + 8192)));
  return { text, offsets: offsets.subarray(0, u + 1) };
}

/**
 * Marks the pre-token starts of the document `doc` in `out[0, doc.length)` (1 = start, 0 = not); returns
 * the number of pre-tokens.
 */
export function markPreTokenStarts(doc: Uint8Array, out: Uint8Array): number {
  const n = doc.length;
  if (n === 0) return 0;
  out.fill(0, 0, n);
  let pieces = 0;
  if (isUtf8(doc)) {
    const text = decoder.decode(doc);
    const units = text.length;
    let at = 0;
    for (let i = 0; i < units; ) {
      const e = pieceEnd(text, i, units);
      out[at] = 1;
      pieces++;
      at += utf8Length(text, i, e);
      i = e;
    }
    return pieces;
  }
  const { text, offsets } = decodeLenient(doc);
  const units = text.length;
  for (let i = 0; i < units; ) {
    out[offsets[i]!] = 1;
    pieces++;
    i = pieceEnd(text, i, units);
  }
  return pieces;
}

/** Pre-token starts of every document of a byte stream (`docEnds[d]` = end offset of document d). */
export function preTokenStarts(bytes: Uint8Array, docEnds: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let from = 0;
  for (let d = 0; d < docEnds.length; d++) {
    const to = docEnds[d]!;
    markPreTokenStarts(bytes.subarray(from, to), out.subarray(from, to));
    from = to;
  }
  return out;
}
