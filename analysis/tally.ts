/**
 * The unigram distribution every metrics pass keeps: token counts by id (with the order in which ids were
 * first seen, for deterministic ties), plus the sizes of what was read (texts, tokens, and for aligned
 * passes UTF-8 bytes and words).
 */
import type { TokenizedText } from './alignment.js';

/** A tally as plain data (structured-cloneable; the typed arrays can be transferred). */
export interface UnigramTallyData {
  counts: Float64Array;
  firstSeen: Int32Array;
  typesSeen: number;
  texts: number;
  tokens: number;
  bytes: number;
  words: number;
  unalignedTexts: number;
}

export class UnigramTally {
  #counts: Float64Array;
  /** Order of first occurrence per id (−1: never seen). */
  #firstSeen: Int32Array;
  typesSeen = 0;
  texts = 0;
  tokens = 0;
  /** UTF-8 bytes of the texts (aligned passes only; line breaks of files excluded). */
  bytes = 0;
  /** Words: GPT-2 pre-tokens (aligned passes only). */
  words = 0;
  /** Texts whose tokens' bytes did not add up to the text's bytes (a lossy tokenizer, e.g. `<unk>`). */
  unalignedTexts = 0;

  constructor(vocabSize: number) {
    const size = Math.max(vocabSize, 1);
    this.#counts = new Float64Array(size);
    this.#firstSeen = new Int32Array(size).fill(-1);
  }

  /** Counts by id (ids beyond the vocabulary size included, when a tokenizer produced them). */
  get counts(): Float64Array {
    return this.#counts;
  }

  get firstSeen(): Int32Array {
    return this.#firstSeen;
  }

  add(text: TokenizedText): void {
    for (const id of text.ids) {
      // Vocabularies supplied by users may have ids beyond vocabSize (gaps); grow rather than fail.
      if (id >= this.#counts.length) this.#grow(id + 1);
      if (this.#firstSeen[id] === -1) this.#firstSeen[id] = this.typesSeen++;
      this.#counts[id]! += 1;
    }
    this.texts++;
    this.tokens += text.ids.length;
    this.bytes += text.bytes;
    this.words += text.words.length / 2;
    if (text.aligned && text.ends === null) this.unalignedTexts++;
  }

  #grow(minSize: number): void {
    const size = Math.max(minSize, this.#counts.length * 2);
    const counts = new Float64Array(size);
    counts.set(this.#counts);
    const first = new Int32Array(size).fill(-1);
    first.set(this.#firstSeen);
    this.#counts = counts;
    this.#firstSeen = first;
  }

  /** This tally as plain data (the arrays are this tally's own: hand them off only when done with it). */
  data(): UnigramTallyData {
    const { typesSeen, texts, tokens, bytes, words, unalignedTexts } = this;
    return {
      counts: this.#counts,
      firstSeen: this.#firstSeen,
      typesSeen,
      texts,
      tokens,
      bytes,
      words,
      unalignedTexts,
    };
  }

  static fromData(data: UnigramTallyData): UnigramTally {
    const tally = new UnigramTally(1);
    tally.#counts = data.counts;
    tally.#firstSeen = data.firstSeen;
    Object.assign(tally, {
      typesSeen: data.typesSeen,
      texts: data.texts,
      tokens: data.tokens,
      bytes: data.bytes,
      words: data.words,
      unalignedTexts: data.unalignedTexts,
    });
    return tally;
  }

  /** Adds another tally of the same tokenizer; ids new to this one are first seen after all of its own. */
  merge(other: UnigramTally): void {
    if (other.#counts.length > this.#counts.length) this.#grow(other.#counts.length);
    const fresh: number[] = [];
    for (let id = 0; id < other.#counts.length; id++) {
      if (other.#counts[id]! === 0) continue;
      if (this.#firstSeen[id] === -1) fresh.push(id);
      this.#counts[id]! += other.#counts[id]!;
    }
    fresh.sort((a, b) => other.#firstSeen[a]! - other.#firstSeen[b]!);
    for (const id of fresh) this.#firstSeen[id] = this.typesSeen++;
    this.texts += other.texts;
    this.tokens += other.tokens;
    this.bytes += other.bytes;
    this.words += other.words;
    this.unalignedTexts += other.unalignedTexts;
  }
}
