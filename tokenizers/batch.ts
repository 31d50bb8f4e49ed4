/**
 * Batch encoding (the reference's `__call__`): padding, truncation, attention masks and tensors, the one
 * implementation for every tokenizer.
 */
import { createRequire } from 'node:module';
import type * as tf from '@tensorflow/tfjs-core';
import type { EncodeOptions } from './base.js';
import type { SpecialTokenPolicy } from './special-policy.js';

export type PaddingStrategy = boolean | 'longest' | 'max_length' | 'do_not_pad';

/** Encode options forwarded by `encodeBatch`: the policy applies to tokenizers that find specials in text. */
export type BatchItemOptions = EncodeOptions & SpecialTokenPolicy;

export interface BatchEncodeOptions extends BatchItemOptions {
  /**
   * Right padding with the pad id. `true`: to `maxLength` when given, else to the longest row (the
   * reference rule); `'longest'`: to the longest row; `'max_length'`: to `maxLength` (default
   * `modelMaxLength`). Rows already longer than the target are left as they are unless truncated.
   */
  padding?: PaddingStrategy;
  /** Cut every row to `maxLength` (defaults to `modelMaxLength` when truncating without a length). */
  truncation?: boolean;
  maxLength?: number;
  /** `'tf'` returns int32 tensors of shape [batch, length] instead of nested arrays. */
  returnTensors?: 'tf';
}

export interface BatchEncoding {
  inputIds: number[][];
  attentionMask: number[][];
}

export interface TensorBatchEncoding {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
}

/**
 * TensorFlow.js, loaded on the first request for a tensor rather than at import, so programs that only
 * tokenize (most of the CLI) start without it. The same module instance the model layer imports.
 */
const tfjs = (): typeof tf => createRequire(import.meta.url)('@tensorflow/tfjs-core') as typeof tf;

/** Pads/truncates encoded rows per the BatchEncodeOptions rules; the one implementation for every tokenizer. */
export function padBatch(
  rows: number[][],
  options: BatchEncodeOptions,
  tokenizer: { readonly padTokenId: number | null; readonly modelMaxLength: number },
): BatchEncoding | TensorBatchEncoding {
  const { padding = false, truncation = false, returnTensors, maxLength } = options;
  if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength <= 0)) {
    throw new Error(`maxLength must be a positive integer, got ${maxLength}`);
  }
  const cut = truncation ? rows.map((r) => r.slice(0, maxLength ?? tokenizer.modelMaxLength)) : rows;
  const longest = cut.reduce((m, r) => Math.max(m, r.length), 0);
  // `true` keeps the reference rule (pad to maxLength when given, else the longest row).
  let target: number | null = null;
  if (padding === true) target = maxLength ?? longest;
  else if (padding === 'longest') target = longest;
  else if (padding === 'max_length') target = maxLength ?? tokenizer.modelMaxLength;
  let inputIds = cut;
  let attentionMask = cut.map((r) => r.map(() => 1));
  if (target !== null && cut.some((r) => r.length < target)) {
    const pad = tokenizer.padTokenId;
    if (pad === null) throw new Error('padding requested but the tokenizer has no pad token (set padToken)');
    inputIds = cut.map((r) =>
      r.length < target ? r.concat(new Array<number>(target - r.length).fill(pad)) : r,
    );
    attentionMask = cut.map((r) =>
      r.length < target
        ? r.map(() => 1).concat(new Array<number>(target - r.length).fill(0))
        : r.map(() => 1),
    );
  }
  if (returnTensors === 'tf') {
    const lengths = new Set(inputIds.map((r) => r.length));
    if (lengths.size > 1) {
      throw new Error(
        `cannot build a tensor from rows of unequal lengths (${[...lengths].join(', ')}); use padding: true or truncation`,
      );
    }
    const width = inputIds[0]?.length ?? 0;
    const tf = tfjs();
    return {
      inputIds: tf.tensor2d(inputIds.flat(), [inputIds.length, width], 'int32'),
      attentionMask: tf.tensor2d(attentionMask.flat(), [attentionMask.length, width], 'int32'),
    };
  }
  return { inputIds, attentionMask };
}
