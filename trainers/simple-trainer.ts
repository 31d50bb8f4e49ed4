/**
 * SimpleTrainer: the reference's epoch loop (constant learning rate, optional gradient clipping, stop on a
 * non-finite loss, a checkpoint per epoch, a JSON Lines log). It shares the update rule of step.ts with
 * AdvancedTrainer, and nothing else of it.
 */

import * as path from 'node:path';
import { TrainConfig } from '../config.js';
import type { DataLoader } from '../utils/data-loader.js';
import type { AdamW } from './adamw.js';
import { BaseTrainer, type BaseTrainerOptions } from './base-trainer.js';
import { DirectoryCheckpointStore } from './checkpoint.js';
import { MetricsLog } from './metrics-log.js';
import { trainStep } from './step.js';
import type { TrainableModel, TrainerState } from './types.js';

export interface SimpleTrainerOptions extends BaseTrainerOptions {
  numEpochs?: number;
  learningRate: number;
  clipGradNorm?: number;
  /** When set: `train_log.json` (JSON Lines, the reference's name) and `checkpoint_epoch_{e}/` per epoch. */
  outputDir?: string;
  /** Console line every N batches (0: quiet). */
  logInterval?: number;
}

export class SimpleTrainer extends BaseTrainer {
  readonly epochLosses: number[] = [];
  readonly #numEpochs: number;
  readonly #learningRate: number;
  readonly #clipGradNorm: number | undefined;
  readonly #outputDir: string | undefined;
  readonly #logInterval: number;

  constructor(model: TrainableModel, data: DataLoader, optimizer: AdamW, options: SimpleTrainerOptions) {
    super(model, data, optimizer, options);
    const numEpochs = options.numEpochs ?? new TrainConfig().numEpochs;
    if (!Number.isInteger(numEpochs) || numEpochs < 1)
      throw new Error(`numEpochs must be a positive integer, got ${numEpochs}`);
    if (data.batchesPerEpoch('train') < 1)
      throw new Error('the training split has no batch: nothing to train');
    this.#numEpochs = numEpochs;
    this.#learningRate = options.learningRate;
    this.#clipGradNorm = options.clipGradNorm;
    this.#outputDir = options.outputDir;
    this.#logInterval = options.logInterval ?? 0;
  }

  /** One optimizer step at the constant learning rate. */
  step(step: number): number {
    return trainStep(this.model, this.data, this.optimizer, step, {
      learningRate: this.#learningRate,
      clipGradNorm: this.#clipGradNorm,
    });
  }

  override async train(): Promise<TrainerState> {
    const log = this.#outputDir ? new MetricsLog(path.join(this.#outputDir, 'train_log.json')) : null;
    const perEpoch = this.data.batchesPerEpoch('train');
    this.model.training = true;
    this.state.status = 'running';
    const started = performance.now();
    try {
      await this.fire('onTrainBegin', this.state);
      for (let epoch = 1; epoch <= this.#numEpochs && !this.stopRequested; epoch++) {
        this.state.epoch = epoch;
        await this.fire('onEpochBegin', epoch, this.state);
        const epochStart = performance.now();
        let sum = 0;
        let batches = 0;
        for (let b = 0; b < perEpoch && !this.stopRequested; b++) {
          // Lets signal handlers run (and ask for a stop) between steps.
          await new Promise((resolve) => setImmediate(resolve));
          if (this.stopRequested) break;
          await this.fire('onBatchBegin', b, this.state);
          const loss = this.step(this.state.step);
          this.state.step++;
          sum += loss;
          batches++;
          await this.fire('onBatchEnd', b, { ...this.state, loss });
          log?.write({ type: 'batch', epoch, batch_idx: b, loss, timestamp: Date.now() / 1000 });
          if (this.#logInterval > 0 && b % this.#logInterval === 0)
            console.log(`Epoch ${epoch}, Batch ${b}, Loss: ${loss.toFixed(4)}`);
        }
        const avg = sum / batches;
        this.epochLosses.push(avg);
        const duration = (performance.now() - epochStart) / 1000;
        Object.assign(this.state, { loss: avg, epochDuration: duration });
        await this.fire('onEpochEnd', epoch, this.state);
        log?.write({ type: 'epoch', epoch, avg_loss: avg, duration, timestamp: Date.now() / 1000 });
        if (this.#logInterval > 0)
          console.log(`Epoch ${epoch} completed, Avg Training Loss: ${avg.toFixed(4)}`);
        if (this.#outputDir) {
          await new DirectoryCheckpointStore(this.#outputDir, `checkpoint_epoch_${epoch}`).save(
            this.model,
            this.optimizer,
            {
              step: this.state.step,
              bestValLoss: Number.POSITIVE_INFINITY,
              evalsWithoutImprovement: 0,
            },
          );
        }
      }
      Object.assign(this.state, {
        status: this.stopRequested ? 'stopped' : 'completed',
        epochLosses: this.epochLosses,
        finalLoss: this.epochLosses.at(-1),
        trainingTime: (performance.now() - started) / 1000,
      });
      await this.fire('onTrainEnd', this.state);
      return this.state;
    } catch (error) {
      this.state.status = 'failed';
      throw error;
    } finally {
      log?.close();
    }
  }
}
