/**
 * The model's call contract: what `forward`, `generate` and a block receive and return, and the error
 * they throw. Shared by the transformer, its blocks, the KV-cache helpers and the onnxruntime path.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KeyPadding } from './attention.js';
import type { Rng, SamplingOptions } from './sampling.js';

/** Targets at this value are ignored by the loss (PyTorch's convention). */
export const IGNORE_INDEX = -100;

export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

export type TokenBatch = number[][] | Int32Array[] | tf.Tensor2D;

export interface ForwardInput {
  inputIds: TokenBatch;
  /** `targets[b][t]` is the token that follows `inputIds[b][t]`; −100 positions are ignored. */
  targets?: TokenBatch;
  /**
   * 1 for real tokens, 0 for padding. Padded keys are hidden from every query and positions count real
   * tokens only, so a left-padded row gets the logits it would get alone. Right padding (the collators')
   * changes nothing for real tokens. Absent or all ones: the plain causal path, no extra ops.
   */
  attentionMask?: TokenBatch;
  /**
   * An outside token-embedding matrix [rows, nEmbd] used instead of the model's own, for lookup and for
   * the tied head alike (ids are checked against its rows). Gradients flow into whatever produced it,
   * e.g. a hypernetwork predicting embeddings for another tokenizer, while the body stays as it is.
   */
  embeddings?: tf.Tensor2D;
}

export interface ForwardOutput {
  logits: tf.Tensor3D;
  loss?: tf.Scalar;
}

export interface ModelOptions {
  /** Seed of the weight initialisation (default 1337). */
  seed?: number;
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  eosTokenId?: number | null;
  /**
   * Each row draws from its own generator, so its tokens never depend on the other rows: a number seeds
   * row b with seed + b, an array gives one seed per row. Default: the clock.
   */
  seed?: number | readonly number[];
  /** Id written into padded positions; they are never attended to. Default config.model.paddingIdx, else 0. */
  padTokenId?: number;
  /** Called with each new token of each unfinished row as soon as it is sampled. */
  onToken?: (token: number, row: number, step: number) => void;
  /**
   * Picks the next token of one row from its logits (default: `sampleToken` with these options), e.g. a
   * registered sampling strategy; `previous` is the row so far, prompt included.
   */
  sampler?: (logits: Float32Array, rng: Rng, previous: readonly number[]) => number;
}

/** Per-layer attention cache: keys and values as [batch·heads, cachedLength, headSize]. */
export interface LayerCache {
  keys: tf.Tensor3D | null;
  values: tf.Tensor3D | null;
}

/** What a block needs to know about the current call besides its input. */
export interface BlockContext {
  batch: number;
  /** Query positions in this call. */
  length: number;
  /** Absolute position of the first query (cached tokens before it). */
  offset: number;
  training: boolean;
  cache: LayerCache | null;
  /** Real and padded keys of each row; null when no row is padded. */
  padding: KeyPadding | null;
}

export interface Batch {
  ids: Int32Array;
  batch: number;
  length: number;
}

export function toBatch(value: TokenBatch, what: string): Batch {
  if (value instanceof tf.Tensor) {
    if (value.rank !== 2)
      throw new ModelError(`${what} must be 2-D [batch, time], got shape [${value.shape}]`);
    return { ids: Int32Array.from(value.dataSync()), batch: value.shape[0], length: value.shape[1] };
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new ModelError(`${what} must be a non-empty batch of rows`);
  const length = value[0]!.length;
  const ids = new Int32Array(value.length * length);
  value.forEach((row, b) => {
    if (row.length !== length)
      throw new ModelError(`${what} rows have different lengths (${length} and ${row.length})`);
    ids.set(row, b * length);
  });
  return { ids, batch: value.length, length };
}
