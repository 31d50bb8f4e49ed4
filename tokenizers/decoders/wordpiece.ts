/**
 * Lossless decoding of ByteSpan ids (fixes defect B2 of bytespan-reference.md §15): the `##` marker of a
 * continuation token is removed before the byte mapping, and the space the encoder added in front of each
 * segment is removed again.
 *
 * One entry can stand for two texts. As in HF WordPiece, the first piece of a pre-token is matched
 * literally against every entry, so a pre-token that begins with `##` (`###` at the start of a Markdown
 * line) can be encoded by the entry `###` that elsewhere means "continue with `#`". Which reading the
 * encoder used follows from the GPT-2 pre-tokenizer (tokenizers/pre-tokenizers/gpt2-scan.ts): inside a pre-token every
 * character has the class of its neighbours, so
 * - the literal reading `##X` is possible only when X begins with a punctuation-class character (not a
 *   letter, number or whitespace) and a pre-token starts here: at a segment start, or after a letter,
 *   number or whitespace other than U+0020 (a single space attaches to the punctuation after it);
 * - the continuation reading is possible only when no pre-token starts here.
 * Exactly one of the two holds for any encoder output, so decoding picks it from the previous character.
 */

import { isContinuationEntry } from '../models/wordpiece-matcher.js';
import type { Decoder } from '../pipeline/decoder.js';
import {
  SPACE as GPT2_WHITESPACE,
  codePointClass as gpt2Class,
  LETTER,
  NUMBER,
} from '../pre-tokenizers/gpt2-scan.js';

const SPACE_BYTE = 0x20;

// Classes of the previous character, as far as the decision above needs them.
/** Punctuation class: neither letter, number nor whitespace (GPT-2's `[^\s\p{L}\p{N}]`). */
const OTHER = 0;
const WORD = 1; // \p{L} or \p{N}
const SPACE = 2; // U+0020 only
const WHITESPACE = 3; // any other \s

/** The class of `cp`, from the scanner's classes. */
function codePointClass(cp: number): number {
  if (cp === SPACE_BYTE) return SPACE;
  const c = gpt2Class(cp);
  if (c === LETTER || c === NUMBER) return WORD;
  return c === GPT2_WHITESPACE ? WHITESPACE : OTHER;
}

/** Length of the UTF-8 sequence a lead byte announces; 0 for a continuation or invalid byte. */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Code point of the well-formed sequence bytes[0, n) (n from its lead byte), or -1 when malformed. */
function codePointOf(bytes: ArrayLike<number>, n: number): number {
  if (n === 1) return bytes[0]!;
  let cp = bytes[0]! & (n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
  for (let k = 1; k < n; k++) {
    const b = bytes[k]!;
    if ((b & 0xc0) !== 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return -1;
  if (n === 4 && (cp < 0x10000 || cp > 0x10ffff)) return -1;
  return cp;
}

function isContinuationByte(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/** What decoding needs to know about an entry `##X`. */
const PLAIN_ONLY = 0;
/** X starts with a letter, number, whitespace or a UTF-8 continuation byte: always the continuation reading. */
const ALWAYS_CONTINUATION = 1;
/** X starts with a punctuation-class character: the reading depends on the previous character. */
const AMBIGUOUS = 2;
/** X ends inside its first character: the class comes from the following tokens. */
const NEEDS_NEXT = 3;

export interface WordPieceDecodeOptions {
  /** Remove one leading U+0020 from each segment (the start, and after each special token). */
  stripPrefixSpace: boolean;
  skipSpecialTokens: boolean;
  /** When given, ends[i] is set to the output length after token i (token offsets). */
  ends?: Uint32Array;
}

const utf8Replace = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export class ByteSpanDecoder implements Decoder {
  /** Bytes of every id (an entry's literal bytes, a special's UTF-8) back to back; id i spans offsets[i]…offsets[i+1]. */
  readonly #bytes: Uint8Array;
  readonly #offsets: Int32Array;
  readonly #special: Uint8Array;
  readonly #kind: Uint8Array;
  /** Scratch for one UTF-8 character. */
  readonly #char = new Uint8Array(4);

  /**
   * `literal[id]`: the bytes of an ordinary entry (with `##` for continuation entries), null for a
   * special; `specialText[id]`: the UTF-8 of a special token, null otherwise; `stripPrefixSpace`: the
   * encoder adds a space in front of each segment (removed again here).
   */
  constructor(
    literal: ReadonlyArray<Uint8Array | null>,
    specialText: ReadonlyArray<Uint8Array | null>,
    readonly stripPrefixSpace: boolean,
  ) {
    const count = literal.length;
    this.#offsets = new Int32Array(count + 1);
    this.#special = new Uint8Array(count);
    this.#kind = new Uint8Array(count);
    let total = 0;
    for (let id = 0; id < count; id++) {
      this.#offsets[id] = total;
      total += (literal[id] ?? specialText[id]!).length;
    }
    this.#offsets[count] = total;
    this.#bytes = new Uint8Array(total);
    for (let id = 0; id < count; id++) {
      const bytes = literal[id];
      if (bytes === null) {
        this.#special[id] = 1;
        this.#bytes.set(specialText[id]!, this.#offsets[id]!);
      } else {
        this.#kind[id] = entryKind(bytes);
        this.#bytes.set(bytes, this.#offsets[id]!);
      }
    }
  }

  decodeWith(ids: ArrayLike<number>, options: WordPieceDecodeOptions): Uint8Array {
    const count = this.#special.length;
    const offsets = this.#offsets;
    const bytes = this.#bytes;
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      // (id | 0) === id: an integer (ids are below 2^31); cheaper than Number.isInteger in hot loops.
      if (!(id >= 0 && id < count && (id | 0) === id)) {
        throw new Error(`id ${id} at position ${i} is outside the vocabulary (size ${count})`);
      }
      total += offsets[id + 1]! - offsets[id]!;
    }
    const out = new Uint8Array(total);
    const special = this.#special;
    const kinds = this.#kind;
    let n = 0;
    let segmentStart = true;
    // The last character was the stripped prefix space (the segment so far is that space alone).
    let afterStrippedSpace = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let from = offsets[id]!;
      const end = offsets[id + 1]!;
      if (special[id] === 1) {
        if (!options.skipSpecialTokens) for (; from < end; from++) out[n++] = bytes[from]!;
        segmentStart = true;
        afterStrippedSpace = false;
        if (options.ends) options.ends[i] = n;
        continue;
      }
      const kind = kinds[id]!;
      if (kind !== PLAIN_ONLY) {
        let literalReading = false;
        if (kind !== ALWAYS_CONTINUATION) {
          const previous = segmentStart ? WORD : afterStrippedSpace ? SPACE : this.#lastClass(out, n);
          if (previous === WORD || previous === WHITESPACE) {
            literalReading = kind === AMBIGUOUS || this.#completedIsOther(ids, i);
          }
        }
        if (!literalReading) from += 2;
      }
      if (segmentStart && options.stripPrefixSpace && bytes[from] === SPACE_BYTE) from++;
      afterStrippedSpace = from === end;
      for (; from < end; from++) out[n++] = bytes[from]!;
      segmentStart = false;
      if (options.ends) options.ends[i] = n;
    }
    return out.subarray(0, n);
  }

  decodeBytes(ids: ArrayLike<number>, skipSpecialTokens: boolean): Uint8Array {
    return this.decodeWith(ids, { stripPrefixSpace: this.stripPrefixSpace, skipSpecialTokens });
  }

  /** UTF-8 text of the bytes; malformed byte sequences (a cut character) become U+FFFD. */
  decode(ids: ArrayLike<number>, skipSpecialTokens: boolean): string {
    return utf8Replace.decode(this.decodeBytes(ids, skipSpecialTokens));
  }

  /** For a NEEDS_NEXT token at `i`: whether its first character, completed by the next tokens, is OTHER. */
  #completedIsOther(ids: ArrayLike<number>, i: number): boolean {
    const bytes = this.#bytes;
    const offsets = this.#offsets;
    const char = this.#char;
    let from = offsets[ids[i]!]! + 2;
    let end = offsets[ids[i]! + 1]!;
    const need = sequenceLength(bytes[from]!);
    let have = 0;
    for (let j = i + 1; ; j++) {
      while (from < end && have < need) char[have++] = bytes[from++]!;
      if (have === need || j >= ids.length) break;
      const next = ids[j]!;
      if (this.#kind[next] === PLAIN_ONLY || this.#special[next] === 1) break;
      from = offsets[next]! + 2;
      end = offsets[next + 1]!;
      if (!isContinuationByte(bytes[from]!)) break;
    }
    if (have < need) return true; // never completed: U+FFFD
    const cp = codePointOf(char, need);
    return cp < 0 || codePointClass(cp) === OTHER;
  }

  /** Class of the last character of out[0, n) (malformed or empty: OTHER, like U+FFFD). */
  #lastClass(out: Uint8Array, n: number): number {
    if (n > 0 && out[n - 1]! < 0x80) return codePointClass(out[n - 1]!);
    let start = n - 1;
    while (start > 0 && start > n - 4 && isContinuationByte(out[start]!)) start--;
    if (start < 0 || sequenceLength(out[start]!) !== n - start) return OTHER;
    const cp = codePointOf(out.subarray(start, n), n - start);
    return cp < 0 ? OTHER : codePointClass(cp);
  }
}

function entryKind(bytes: Uint8Array): number {
  if (!isContinuationEntry(bytes)) return PLAIN_ONLY;
  const first = bytes[2]!;
  const need = sequenceLength(first);
  if (need === 0) return isContinuationByte(first) ? ALWAYS_CONTINUATION : AMBIGUOUS;
  if (bytes.length - 2 < need) return NEEDS_NEXT;
  const cp = codePointOf(bytes.subarray(2), need);
  return cp < 0 || codePointClass(cp) === OTHER ? AMBIGUOUS : ALWAYS_CONTINUATION;
}
