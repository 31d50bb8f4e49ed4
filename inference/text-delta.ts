/**
 * Incremental decoding for streaming: generated token ids in, text deltas out.
 *
 * Each delta is the difference between decoding the whole sequence so far (prompt included) and what was
 * already emitted, so the prompt's decoded text followed by the deltas equals the decoded whole even for
 * tokenizers whose decoding of a token depends on its neighbours (WordPiece `##` markers, a prefix space
 * removed only at the start). Byte-level vocabularies split multi-byte UTF-8 characters across tokens, and
 * decoding such a tail gives U+FFFD, so a delta is held back while the text ends in U+FFFD, until a later
 * token completes the character or the stream ends. Decoding the whole sequence per token costs
 * O(length) per step, small next to a model forward.
 */
import type { BaseTokenizer } from '../tokenizers/base.js';

const REPLACEMENT_CHARACTER = '\uFFFD';

export class TextDeltaDecoder {
  readonly #tokenizer: BaseTokenizer;
  readonly #ids: number[];
  #emitted: string;

  /** `context`: the ids before the first pushed token (the prompt), whose text is not emitted. */
  constructor(tokenizer: BaseTokenizer, context: readonly number[] = []) {
    this.#tokenizer = tokenizer;
    this.#ids = [...context];
    this.#emitted = this.#decode();
  }

  #decode(): string {
    return this.#tokenizer.decode(this.#ids, { skipSpecialTokens: true });
  }

  /** Adds one token; returns the text it completes ('' while held back). `last` releases everything held. */
  push(token: number, last = false): string {
    this.#ids.push(token);
    const text = this.#decode();
    if (!last && text.endsWith(REPLACEMENT_CHARACTER)) return '';
    // A tokenizer could in principle rewrite earlier text; what was emitted cannot be taken back, so the
    // delta is whatever follows the emitted length.
    const delta = text.slice(this.#emitted.length);
    this.#emitted = text;
    return delta;
  }
}
