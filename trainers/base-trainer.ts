/**
 * BaseTrainer: callbacks, metrics log, evaluation and checkpoints shared by every trainer. Subclasses
 * implement `train()`; the step arithmetic lives in `step.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataLoader, Split } from '../utils/data-loader.js';
import type { AdamW } from './adamw.js';
import type { Callback, EvalResult, TrainableModel, TrainerState } from './types.js';

export interface BaseTrainerOptions {
  callbacks?: Callback[];
  /** Restore the reference's behaviour of logging and ignoring callback errors (off: errors stop training). */
  swallowCallbackErrors?: boolean;
  /**
   * UTF-8 byte length of each token id (specials 0); with it, evaluation reports bits per byte, the
   * measure that compares models across tokenizers.
   */
  tokenBytes?: ArrayLike<number> | null;
}

export abstract class BaseTrainer {
  readonly model: TrainableModel;
  readonly data: DataLoader;
  readonly optimizer: AdamW;
  readonly callbacks: Callback[];
  readonly state: TrainerState = { epoch: 1, step: 0, status: 'running' };
  readonly #swallow: boolean;
  readonly #tokenBytes: ArrayLike<number> | null;

  constructor(model: TrainableModel, data: DataLoader, optimizer: AdamW, options: BaseTrainerOptions = {}) {
    this.model = model;
    this.data = data;
    this.optimizer = optimizer;
    this.callbacks = options.callbacks ?? [];
    this.#swallow = options.swallowCallbackErrors ?? false;
    this.#tokenBytes = options.tokenBytes ?? null;
  }

  abstract train(): Promise<TrainerState>;

  /** Calls `hook` on every callback; an error stops training unless swallowing was asked for. */
  protected async fire<K extends keyof Callback>(
    hook: K,
    ...args: Parameters<NonNullable<Callback[K]>>
  ): Promise<void> {
    for (const callback of this.callbacks) {
      const fn = callback[hook] as ((...a: typeof args) => void | Promise<void>) | undefined;
      if (fn === undefined) continue;
      try {
        await fn.apply(callback, args);
      } catch (error) {
        if (!this.#swallow) throw error;
        console.error(`cleangpt: callback ${hook} failed (ignored): ${(error as Error).message}`);
      }
    }
  }

  /**
   * Token-weighted loss over `maxBatches` batches of `split` (all when omitted), with perplexity, bits
   * per byte and the reference's sample-weighted loss. Runs in eval mode and restores the mode after.
   */
  async evaluate(split: Split = 'val', maxBatches?: number): Promise<EvalResult> {
    await this.fire('onEvaluateBegin', this.state);
    const result = evaluateModel(this.model, this.data, { split, maxBatches, tokenBytes: this.#tokenBytes });
    await this.fire('onEvaluateEnd', { ...this.state, ...result });
    return result;
  }
}

/** Bits per byte from a mean loss in nats over `tokens` tokens covering `bytes` bytes of text. */
export function bitsPerByte(meanLossNats: number, tokens: number, bytes: number): number {
  return (meanLossNats * tokens) / Math.LN2 / bytes;
}

/**
 * Token-weighted loss of `model` over `maxBatches` batches of `split` (all when omitted), with perplexity,
 * bits per byte (when `tokenBytes` is given) and the reference's sample-weighted loss. Runs in eval mode
 * and restores the mode after.
 */
export function evaluateModel(
  model: TrainableModel,
  data: DataLoader,
  options: { split?: Split; maxBatches?: number; tokenBytes?: ArrayLike<number> | null } = {},
): EvalResult {
  const split = options.split ?? 'val';
  const tokenBytes = options.tokenBytes ?? null;
  const wasTraining = model.training;
  model.training = false;
  let nll = 0;
  let tokens = 0;
  let bytes = 0;
  let sampleWeighted = 0;
  let samples = 0;
  try {
    const total = data.batchesPerEpoch(split);
    const n = Math.min(total, options.maxBatches ?? total);
    for (let i = 0; i < n; i++) {
      const batch = data.batch(split, 0, i);
      const loss = tf.tidy(() => {
        const inputIds = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.blockSize], 'int32');
        const targets = tf.tensor2d(batch.targets, [batch.batchSize, batch.blockSize], 'int32');
        const out = model.forward({ inputIds, targets });
        if (out.loss === undefined) throw new Error('the model returned no loss for a batch with targets');
        return out.loss.dataSync()[0]!;
      });
      const count = batch.targets.length;
      nll += loss * count;
      tokens += count;
      sampleWeighted += loss * batch.batchSize;
      samples += batch.batchSize;
      if (tokenBytes !== null) for (const id of batch.targets) bytes += tokenBytes[id]!;
    }
  } finally {
    model.training = wasTraining;
  }
  const loss = tokens > 0 ? nll / tokens : Number.NaN;
  return {
    loss,
    perplexity: Math.exp(loss),
    bitsPerByte: tokenBytes !== null && bytes > 0 ? bitsPerByte(loss, tokens, bytes) : null,
    sampleWeightedLoss: samples > 0 ? sampleWeighted / samples : Number.NaN,
    tokens,
  };
}
