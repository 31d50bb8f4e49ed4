/**
 * GPT-2's reversible byte ↔ printable-character map, used wherever byte tokens are stored as text
 * (vocab.json, merges.txt, tokenizer.json, `tokenize()` output).
 *
 * The 188 printable bytes map to the character with the same code point; the other 68 bytes, in
 * increasing order, map to U+0100 onwards (space → `Ġ`, newline → `Ċ`).
 */

function isPrintable(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

/** BYTE_TO_CHAR[b] is the display character of byte b. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table = new Array<string>(256);
  let next = 0x100;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(isPrintable(b) ? b : next++);
  return table;
})();

const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/**
 * The 256 bytes in GPT-2's vocabulary order: printable bytes first, then the remapped ones. GPT-2's
 * `encoder.json` gives byte GPT2_BYTE_ORDER[i] the id i.
 */
export const GPT2_BYTE_ORDER: readonly number[] = [
  ...Array.from({ length: 256 }, (_, b) => b).filter(isPrintable),
  ...Array.from({ length: 256 }, (_, b) => b).filter((b) => !isPrintable(b)),
];

/** Display string of a byte sequence. */
export function bytesToDisplay(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_CHAR[bytes[i]!];
  return out;
}

/** Bytes of a display string; throws naming the character when it is not in the byte alphabet. */
export function displayToBytes(display: string): Uint8Array {
  const out = new Uint8Array(display.length);
  for (let i = 0; i < display.length; i++) {
    const b = CHAR_TO_BYTE.get(display[i]!);
    if (b === undefined) {
      throw new Error(
        `character ${JSON.stringify(display[i])} (U+${display.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}) in ${JSON.stringify(display)} is not a byte-level display character`,
      );
    }
    out[i] = b;
  }
  return out;
}
