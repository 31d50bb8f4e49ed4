/**
 * Incremental decoding for streaming: generated token ids in, text deltas out. Byte-level and BPE
 * vocabularies split multi-byte UTF-8 characters across tokens, and decoding such a tail gives U+FFFD;
 * a delta is therefore held back while its text ends in U+FFFD, until a later token completes the
 * character or the stream ends. Each delta decodes only the tokens held since the previous one, so the
 * deltas concatenate to the decoded whole for any tokenizer whose decode concatenates at character
 * boundaries (every tokenizer in this project).
 */
import type { BaseTokenizer } from '../tokenizers/base.js';

const REPLACEMENT_CHARACTER = '\uFFFD';

export class TextDeltaDecoder {
  readonly #tokenizer: BaseTokenizer;
  #held: number[] = [];

  constructor(tokenizer: BaseTokenizer) {
    this.#tokenizer = tokenizer;
  }

  /** Adds one token; returns the text it completes ('' while held back). `last` releases everything held. */
  push(token: number, last = false): string {
    this.#held.push(token);
    const text = this.#tokenizer.decode(this.#held, { skipSpecialTokens: true });
    if (!last && text.endsWith(REPLACEMENT_CHARACTER)) return '';
    this.#held = [];
    return text;
  }
}
