/**
 * The model stage: one pre-token in, ids out. A model knows nothing of specials, normalization or how
 * text is cut (the pipeline's other stages); each declares the bytes every one of its ids stands for.
 *
 * Models: byte-level BPE (bpe/encoder.ts, ranks or merges), WordPiece (models/wordpiece.ts, ByteSpan's
 * inference), Unigram (models/unigram.ts), one id per byte (models/byte.ts) and one per code point
 * (models/char.ts).
 */
/** Where ids are appended: an array, or a typed list (utils/int32-list.ts, the BPE encode workers'). */
export interface IdSink {
  push(id: number): unknown;
}

export interface TokenModel {
  /**
   * Appends the ids of the pre-token text[start, end) (non-empty) to `out`. Text is passed with bounds,
   * not sliced, so models that cache by content can hash it in place.
   */
  encodePiece(text: string, start: number, end: number, out: IdSink): void;
  /** The bytes id `id` stands for, or null when the model has no such id (specials are not the model's). */
  tokenBytes(id: number): Uint8Array | null;
}

/**
 * Encodes text[start, stop) piece by piece: `pieceEnd` (a pre-tokenizer's scan) cuts it, with the text
 * up to `text.length` as look-ahead, and `model` encodes each piece. `start` and `stop` must be piece
 * boundaries. The one loop every pipeline (and the BPE worker threads) runs.
 */
export function encodePieces(
  model: TokenModel,
  pieceEnd: (text: string, i: number, n: number) => number,
  text: string,
  out: IdSink,
  start = 0,
  stop = text.length,
): void {
  const n = text.length;
  for (let i = start; i < stop; ) {
    const e = pieceEnd(text, i, n);
    model.encodePiece(text, i, e, out);
    i = e;
  }
}
