/**
 * SimpleTrainer: the reference's epoch loop (constant learning rate, optional gradient clipping, stop on a
 * non-finite loss, a checkpoint per epoch, a JSON Lines log), built on AdvancedTrainer's step so both
 * share one update rule.
 */
import * as path from 'node:path';
import type { DataLoader } from '../utils/data-loader.js';
import type { AdamW } from './adamw.js';
import { AdvancedTrainer } from './advanced-trainer.js';
import type { BaseTrainerOptions } from './base-trainer.js';
import { DirectoryCheckpointStore } from './checkpoint.js';
import { MetricsLog } from './metrics-log.js';
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

export class SimpleTrainer extends AdvancedTrainer {
  readonly epochLosses: number[] = [];
  readonly #numEpochs: number;
  readonly #outputDir: string | undefined;
  readonly #logInterval: number;

  constructor(model: TrainableModel, data: DataLoader, optimizer: AdamW, options: SimpleTrainerOptions) {
    const numEpochs = options.numEpochs ?? 5;
    super(model, data, optimizer, {
      ...options,
      maxSteps: numEpochs * data.batchesPerEpoch('train'),
      schedule: 'constant',
    });
    this.#numEpochs = numEpochs;
    this.#outputDir = options.outputDir;
    this.#logInterval = options.logInterval ?? 0;
  }

  override async train(): Promise<TrainerState> {
    const log = this.#outputDir ? new MetricsLog(path.join(this.#outputDir, 'train_log.json')) : null;
    const perEpoch = this.data.batchesPerEpoch('train');
    this.model.training = true;
    this.state.status = 'running';
    const started = performance.now();
    try {
      await this.fire('onTrainBegin', this.state);
      for (let epoch = 1; epoch <= this.#numEpochs; epoch++) {
        this.state.epoch = epoch;
        await this.fire('onEpochBegin', epoch, this.state);
        const epochStart = performance.now();
        let sum = 0;
        for (let b = 0; b < perEpoch; b++) {
          await this.fire('onBatchBegin', b, this.state);
          const loss = this.step(this.state.step);
          this.state.step++;
          sum += loss;
          await this.fire('onBatchEnd', b, { ...this.state, loss });
          log?.write({ type: 'batch', epoch, batch_idx: b, loss, timestamp: Date.now() / 1000 });
          if (this.#logInterval > 0 && b % this.#logInterval === 0)
            console.log(`Epoch ${epoch}, Batch ${b}, Loss: ${loss.toFixed(4)}`);
        }
        const avg = sum / perEpoch;
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
        status: 'completed',
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
