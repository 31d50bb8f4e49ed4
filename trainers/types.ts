/**
 * What the trainers need from a model and what they tell callbacks. Structural types, so any model that
 * has these members (the built-in Vanilla and SASP, or a user's registered model) trains unchanged.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { GPTConfig } from '../config.js';
import type { NamedVariable } from './adamw.js';

export interface ForwardInput {
  inputIds: tf.Tensor2D;
  /** targets[b][t] is the token after inputIds[b][t]; −100 is ignored. */
  targets?: tf.Tensor2D;
  attentionMask?: tf.Tensor2D;
}

export interface TrainableModel {
  readonly config: GPTConfig;
  forward(input: ForwardInput): { logits: tf.Tensor; loss?: tf.Scalar };
  /** Trainable parameters under their checkpoint names. */
  namedParameters(): NamedVariable[];
  dispose?(): void;
  /** Dropout is active only in training mode. */
  training: boolean;
  /** Seed of the next forward pass's dropout masks (set by the trainers for exact resume). */
  dropoutSeed?: number | null;
}

/** The eight hooks of the reference's Callback; every hook is optional. */
export interface Callback {
  onTrainBegin?(logs: TrainerState): void | Promise<void>;
  onTrainEnd?(logs: TrainerState): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: TrainerState): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: TrainerState): void | Promise<void>;
  onBatchBegin?(batch: number, logs: TrainerState): void | Promise<void>;
  onBatchEnd?(batch: number, logs: TrainerState & { loss: number }): void | Promise<void>;
  onEvaluateBegin?(logs: TrainerState): void | Promise<void>;
  onEvaluateEnd?(logs: TrainerState & EvalResult): void | Promise<void>;
}

/** Shared, JSON-friendly state the trainer updates and hands to every hook. */
export interface TrainerState {
  /** 1-based epoch, as in the reference's logs. */
  epoch: number;
  /** Optimizer steps taken so far. */
  step: number;
  status: 'running' | 'completed' | 'stopped' | 'failed';
  [key: string]: unknown;
}

export interface EvalResult {
  /** Token-weighted mean negative log-likelihood (nats). */
  loss: number;
  perplexity: number;
  /** Bits per byte of the source text, when the byte count is known. */
  bitsPerByte: number | null;
  /** The reference's sample-weighted mean, kept for comparison. */
  sampleWeightedLoss: number;
  tokens: number;
}
