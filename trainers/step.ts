/**
 * The update rule every trainer shares: one optimizer step over `gradAccum` micro-batches (the gradient is
 * their mean), optional clipping of the global gradient norm, then AdamW at the given learning rate.
 *
 * The micro-batch of (step, micro) and its dropout masks are pure functions of the seed, which is what
 * makes a resumed run take exactly the steps of an uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs-core';
// The Node build of tfjs-core ships no gradients; the tfjs umbrella registers them (silently).
import '@tensorflow/tfjs';
import { deriveSeed } from '../model/random.js';
import type { DataLoader } from '../utils/data-loader.js';
import type { AdamW } from './adamw.js';
import type { TrainableModel } from './types.js';

export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

export interface StepOptions {
  learningRate: number;
  /** Micro-batches per optimizer step (default 1). */
  gradAccum?: number;
  /** Clip the global gradient norm to this value (off when undefined). */
  clipGradNorm?: number;
  /** Micro-batch k of step s draws its dropout masks from deriveSeed(seed, s · gradAccum + k) (default: the data's seed). */
  seed?: number;
}

/** The (epoch, index) of micro-batch `micro` of optimizer step `step`. */
export function batchAt(
  data: DataLoader,
  step: number,
  micro: number,
  gradAccum = 1,
): { epoch: number; index: number } {
  const perEpoch = data.batchesPerEpoch('train');
  const k = step * gradAccum + micro;
  return { epoch: Math.floor(k / perEpoch), index: k % perEpoch };
}

/** One optimizer step (0-based `step`); returns the mean micro-batch loss. A non-finite loss stops training. */
export function trainStep(
  model: TrainableModel,
  data: DataLoader,
  optimizer: AdamW,
  step: number,
  options: StepOptions,
): number {
  const accum = options.gradAccum ?? 1;
  const params = model.namedParameters();
  const byVariable = new Map(params.map(([name, variable]) => [variable.name, name]));
  const variables = params.map(([, variable]) => variable);
  let lossSum = 0;
  const summed: Record<string, tf.Tensor> = {};
  const dropoutSeed = model.dropoutSeed;
  try {
    for (let micro = 0; micro < accum; micro++) {
      const { epoch, index } = batchAt(data, step, micro, accum);
      const batch = data.batch('train', epoch, index);
      model.dropoutSeed = deriveSeed(options.seed ?? data.seed, step * accum + micro);
      const { value, grads } = tf.tidy(() => {
        const inputIds = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.blockSize], 'int32');
        const targets = tf.tensor2d(batch.targets, [batch.batchSize, batch.blockSize], 'int32');
        return tf.variableGrads(() => {
          const out = model.forward({ inputIds, targets });
          if (out.loss === undefined) throw new Error('the model returned no loss for a batch with targets');
          return out.loss;
        }, variables);
      });
      const loss = value.dataSync()[0]!;
      value.dispose();
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new TrainingError(`non-finite training loss (${loss}) at step ${step + 1}; stopping`);
      }
      lossSum += loss;
      for (const [variableName, g] of Object.entries(grads)) {
        const name = byVariable.get(variableName)!;
        const scaled = tf.div(g, accum);
        g.dispose();
        const previous = summed[name];
        summed[name] = previous === undefined ? scaled : tf.add(previous, scaled);
        if (previous !== undefined) {
          previous.dispose();
          scaled.dispose();
        }
      }
    }
    if (options.clipGradNorm !== undefined) clipByGlobalNorm(summed, options.clipGradNorm);
    optimizer.learningRate = options.learningRate;
    optimizer.applyGradients(summed);
  } finally {
    tf.dispose(Object.values(summed));
    model.dropoutSeed = dropoutSeed;
  }
  return lossSum / accum;
}

/** Scales every gradient in place so that the global L2 norm is at most `maxNorm`; returns the norm. */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number): number {
  const norm = tf.tidy(
    () => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]!,
  );
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const [name, g] of Object.entries(grads)) {
      grads[name] = tf.mul(g, scale);
      g.dispose();
    }
  }
  return norm;
}
