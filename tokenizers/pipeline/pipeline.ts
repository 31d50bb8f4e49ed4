/**
 * A tokenizer assembled from parts, as in HF `tokenizers` (small): added tokens → normalizer →
 * pre-tokenizer → model → decoder.
 *
 *   encode: specials are found first (AddedTokens, one policy implementation); each stretch of text
 *           between them is normalized (ByteSpan's prefix space), cut into pre-tokens, and each
 *           pre-token encoded by the model.
 *   decode: the decoder turns ids back into bytes or text.
 *
 * BaseTokenizer runs `encode`, `decode`, `decodeBytes` and `tokenBytes` through the pipeline of a
 * tokenizer built from parts; the tokenizer classes keep only their vocabulary lookups and files.
 */
import type { DecodeOptions } from '../base.js';
import type { PreTokenizer } from '../pre-tokenizers/pre-tokenizer.js';
import type { SpecialTokenPolicy } from '../special-policy.js';
import type { AddedTokens } from './added-tokens.js';
import type { Decoder } from './decoder.js';
import { encodePieces, type TokenModel } from './model.js';

/** A segment-level rewrite before pre-tokenization (null: text unchanged). */
export type Normalizer = ((segment: string) => string) | null;

export interface PipelineParts {
  added: AddedTokens;
  normalizer?: Normalizer;
  preTokenizer: PreTokenizer;
  model: TokenModel;
  decoder: Decoder;
}

export class TokenizerPipeline {
  readonly added: AddedTokens;
  readonly normalizer: Normalizer;
  readonly preTokenizer: PreTokenizer;
  readonly model: TokenModel;
  readonly decoder: Decoder;

  constructor(parts: PipelineParts) {
    this.added = parts.added;
    this.normalizer = parts.normalizer ?? null;
    this.preTokenizer = parts.preTokenizer;
    this.model = parts.model;
    this.decoder = parts.decoder;
  }

  /** Ids of `text` (specials recognised under `policy`), appended to `out`. */
  encodeInto(text: string, policy: SpecialTokenPolicy, out: number[]): void {
    this.added.encode(text, policy, this.encodeOrdinaryInto, out);
  }

  /**
   * Ids of ordinary text (no special-token recognition), appended to `out`. With `start`/`stop` (piece
   * boundaries of the normalized text), only the pieces in between, cut as within the whole text.
   */
  readonly encodeOrdinaryInto = (segment: string, out: number[], start?: number, stop?: number): void => {
    const text = this.normalizer === null ? segment : this.normalizer(segment);
    encodePieces(this.model, this.preTokenizer.pieceEnd, text, out, start, stop);
  };

  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    return this.decoder.decode(ids, options.skipSpecialTokens ?? false);
  }

  decodeBytes(ids: ArrayLike<number>, options: DecodeOptions = {}): Uint8Array {
    return this.decoder.decodeBytes(ids, options.skipSpecialTokens ?? false);
  }

  /** The bytes id `id` stands for (a special: its UTF-8), or null outside the vocabulary. */
  tokenBytes(id: number): Uint8Array | null {
    return this.added.bytes.get(id) ?? this.model.tokenBytes(id);
  }
}
