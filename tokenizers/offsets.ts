/**
 * Token offsets: where each token of an encoding lies in the input, in UTF-8 bytes and in UTF-16 units
 * (JavaScript string indices), from the tokens' bytes alone. A token whose bytes end inside a character
 * (byte-level BPE splits an emoji) spans that whole character in UTF-16 units.
 */

/** Spans as flat pairs: token k covers [offsets[2k], offsets[2k+1]). */
export interface TokenOffsets {
  ids: number[];
  byteOffsets: Uint32Array;
  charOffsets: Uint32Array;
}

/** What `computeOffsets` needs from a tokenizer. */
export interface OffsetSource {
  tokenBytes(id: number): Uint8Array | null;
  /** Ids that may stand for no input text (BOS/EOS added around it): they get an empty span. */
  readonly allSpecialIds: readonly number[];
  /** Tokenizers that put a space in front of each segment: a token's leading space may be absent from the text. */
  readonly insertsPrefixSpace?: boolean;
}

const utf8 = new TextEncoder();

/** The offsets of `ids` in `text`; an error names the first token whose bytes are not the text's next bytes. */
export function computeOffsets(text: string, ids: number[], source: OffsetSource): TokenOffsets {
  const bytes = utf8.encode(text);
  const specials = new Set(source.allSpecialIds);
  const byteOffsets = new Uint32Array(ids.length * 2);
  let at = 0;
  ids.forEach((id, k) => {
    const token = source.tokenBytes(id);
    if (token === null) throw new Error(`id ${id} is not in the vocabulary`);
    let start = 0;
    if (!matches(bytes, at, token, 0)) {
      if (source.insertsPrefixSpace && token[0] === 0x20 && matches(bytes, at, token, 1)) start = 1;
      else if (specials.has(id)) start = token.length;
      else
        throw new Error(
          `token ${k} (id ${id}) does not spell the input at byte ${at}: the tokenizer's ids do not map onto the text`,
        );
    }
    byteOffsets[2 * k] = at;
    at += token.length - start;
    byteOffsets[2 * k + 1] = at;
  });
  if (at !== bytes.length) throw new Error(`the tokens cover ${at} of the input's ${bytes.length} bytes`);
  return { ids, byteOffsets, charOffsets: bytesToChars(text, bytes.length, byteOffsets) };
}

/**
 * The offsets of `ids` in `text` from the end of each token in the decoded bytes (for decoders whose
 * output for a token depends on its neighbours); the decoded bytes must be the text's.
 */
export function offsetsFromEnds(text: string, ids: number[], ends: Uint32Array): TokenOffsets {
  const byteCount = utf8.encode(text).length;
  const total = ends.length > 0 ? ends[ends.length - 1]! : 0;
  if (total !== byteCount) throw new Error(`the tokens decode to ${total} bytes, the input has ${byteCount}`);
  const byteOffsets = new Uint32Array(ids.length * 2);
  for (let k = 0; k < ids.length; k++) {
    byteOffsets[2 * k] = k > 0 ? ends[k - 1]! : 0;
    byteOffsets[2 * k + 1] = ends[k]!;
  }
  return { ids, byteOffsets, charOffsets: bytesToChars(text, byteCount, byteOffsets) };
}

function matches(bytes: Uint8Array, at: number, token: Uint8Array, from: number): boolean {
  if (at + token.length - from > bytes.length) return false;
  for (let i = from; i < token.length; i++) if (bytes[at + i - from] !== token[i]) return false;
  return true;
}

/** Byte spans to UTF-16 spans: a start rounds down and an end up to a character boundary. */
function bytesToChars(text: string, byteCount: number, byteOffsets: Uint32Array): Uint32Array {
  // charStart[b]: index of the character holding byte b; charEnd[b]: index just after it.
  const charStart = new Uint32Array(byteCount + 1);
  const charEnd = new Uint32Array(byteCount + 1);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const isPair = cp > 0xffff;
    const width = isPair ? 2 : 1;
    // Lone surrogates are written as U+FFFD (3 bytes), as TextEncoder does.
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : isPair ? 4 : 3;
    for (let k = 0; k < n; k++) {
      charStart[b + k] = i;
      charEnd[b + k] = i + width;
    }
    b += n;
    i += width;
  }
  charStart[byteCount] = text.length;
  const out = new Uint32Array(byteOffsets.length);
  for (let k = 0; k < byteOffsets.length; k += 2) {
    const s = byteOffsets[k]!;
    const e = byteOffsets[k + 1]!;
    out[k] = charStart[s]!;
    out[k + 1] = e === s ? out[k]! : charEnd[e - 1]!;
  }
  return out;
}
