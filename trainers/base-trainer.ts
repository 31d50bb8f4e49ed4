/**
 * BaseTrainer: callbacks, stop requests and evaluation, shared by every trainer. Subclasses implement
 * `train()`; the update rule they share lives in `step.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OnnxLanguageModel } from '../model/onnx-runtime.js';
import { IGNORE_INDEX } from '../model/types.js';
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
  /** Set by {@link requestStop}; each trainer's loop checks it between steps. */
  protected stopRequested = false;

  constructor(model: TrainableModel, data: DataLoader, optimizer: AdamW, options: BaseTrainerOptions = {}) {
    this.model = model;
    this.data = data;
    this.optimizer = optimizer;
    this.callbacks = options.callbacks ?? [];
    this.#swallow = options.swallowCallbackErrors ?? false;
    this.#tokenBytes = options.tokenBytes ?? null;
  }

  abstract train(): Promise<TrainerState>;

  /** Ask the loop to stop after the current step (Ctrl-C); a trainer with checkpoints then writes one. */
  requestStop(): void {
    this.stopRequested = true;
  }

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

type EvalOptions = { split?: Split; maxBatches?: number; tokenBytes?: ArrayLike<number> | null };

/** Sums of one evaluation: token-weighted and sample-weighted loss, tokens and their bytes. */
class EvalTally {
  #nll = 0;
  #tokens = 0;
  #bytes = 0;
  #sampleWeighted = 0;
  #samples = 0;
  readonly #tokenBytes: ArrayLike<number> | null;

  constructor(tokenBytes: ArrayLike<number> | null) {
    this.#tokenBytes = tokenBytes;
  }

  /** Batch indices of `split` to evaluate (all when maxBatches is omitted). */
  static batches(data: DataLoader, options: EvalOptions): number[] {
    const total = data.batchesPerEpoch(options.split ?? 'val');
    return Array.from({ length: Math.min(total, options.maxBatches ?? total) }, (_, i) => i);
  }

  /** Adds one batch's mean loss over its `targets`. */
  add(loss: number, targets: ArrayLike<number>, samples: number): void {
    this.#nll += loss * targets.length;
    this.#tokens += targets.length;
    this.#sampleWeighted += loss * samples;
    this.#samples += samples;
    const bytes = this.#tokenBytes;
    if (bytes !== null) for (let i = 0; i < targets.length; i++) this.#bytes += bytes[targets[i]!]!;
  }

  result(): EvalResult {
    const loss = this.#tokens > 0 ? this.#nll / this.#tokens : Number.NaN;
    return {
      loss,
      perplexity: Math.exp(loss),
      bitsPerByte:
        this.#tokenBytes !== null && this.#bytes > 0 ? bitsPerByte(loss, this.#tokens, this.#bytes) : null,
      sampleWeightedLoss: this.#samples > 0 ? this.#sampleWeighted / this.#samples : Number.NaN,
      tokens: this.#tokens,
    };
  }
}

/**
 * Token-weighted loss of `model` over `maxBatches` batches of `split` (all when omitted), with perplexity,
 * bits per byte (when `tokenBytes` is given) and the reference's sample-weighted loss. Runs in eval mode
 * and restores the mode after.
 */
export function evaluateModel(
  model: TrainableModel,
  data: DataLoader,
  options: EvalOptions = {},
): EvalResult {
  const split = options.split ?? 'val';
  const tally = new EvalTally(options.tokenBytes ?? null);
  const wasTraining = model.training;
  model.training = false;
  try {
    for (const i of EvalTally.batches(data, options)) {
      const batch = data.batch(split, 0, i);
      const loss = tf.tidy(() => {
        const inputIds = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.blockSize], 'int32');
        const targets = tf.tensor2d(batch.targets, [batch.batchSize, batch.blockSize], 'int32');
        const out = model.forward({ inputIds, targets });
        if (out.loss === undefined) throw new Error('the model returned no loss for a batch with targets');
        return out.loss.dataSync()[0]!;
      });
      tally.add(loss, batch.targets, batch.batchSize);
    }
  } finally {
    model.training = wasTraining;
  }
  return tally.result();
}

/**
 * `evaluateModel` on onnxruntime: the same batches and sums, each batch's loss the mean of −log p(target)
 * from an `OnnxLanguageModel` opened with output "log_probs" (targets −100 ignored, as in training).
 */
export async function evaluateOnnx(
  model: OnnxLanguageModel,
  data: DataLoader,
  options: EvalOptions = {},
): Promise<EvalResult> {
  if (model.output !== 'log_probs' || model.pastKeyValues) {
    throw new Error('evaluation needs an ONNX session opened with output "log_probs" and no past key/values');
  }
  const split = options.split ?? 'val';
  const tally = new EvalTally(options.tokenBytes ?? null);
  const V = model.vocabSize;
  for (const i of EvalTally.batches(data, options)) {
    const batch = data.batch(split, 0, i);
    const { values } = await model.run(batch.inputIds, batch.batchSize);
    let nll = 0;
    let counted = 0;
    batch.targets.forEach((target, t) => {
      if (target === IGNORE_INDEX) return;
      nll -= values[t * V + target]!;
      counted++;
    });
    tally.add(counted > 0 ? nll / counted : 0, batch.targets, batch.batchSize);
  }
  return tally.result();
}
