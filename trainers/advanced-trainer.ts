/**
 * AdvancedTrainer: step-based training with gradient accumulation, AdamW with weight-decay groups,
 * learning-rate schedules, periodic evaluation, early stopping, best-model tracking and atomic
 * checkpoints with exact resume.
 *
 * Exactness of resume rests on four facts: the batch for (step, micro-step) is a pure function of the
 * seed (DataLoader.batch), so are the dropout masks (step.ts), the learning rate is a pure function of
 * the step (schedules.ts), and the optimizer moments, step count and seed are saved with the weights.
 *
 * The loop yields to the event loop between steps, so a stop request (Ctrl-C) is seen after the current
 * step rather than after the last one.
 */
import type { DataLoader } from '../utils/data-loader.js';
import type { AdamW } from './adamw.js';
import { BaseTrainer, type BaseTrainerOptions } from './base-trainer.js';
import type { CheckpointStore } from './checkpoint.js';
import { MetricsLog } from './metrics-log.js';
import { learningRateAt, type ScheduleName } from './schedules.js';
import { batchAt, trainStep } from './step.js';
import type { EvalResult, TrainableModel, TrainerState } from './types.js';

export interface AdvancedTrainerOptions extends BaseTrainerOptions {
  maxSteps: number;
  learningRate: number;
  schedule?: ScheduleName;
  warmupSteps?: number;
  minLrRatio?: number;
  /** Micro-batches per optimizer step; the gradient is their mean (equal to one batch that many times larger). */
  gradAccum?: number;
  /** Clip the global gradient norm to this value (off when undefined). */
  clipGradNorm?: number;
  /** Evaluate every N steps (and at the end); 0 disables periodic evaluation. */
  evalInterval?: number;
  /** Validation batches per evaluation (default: all). */
  evalBatches?: number;
  /** Stop after this many evaluations without improvement of the validation loss. */
  earlyStoppingPatience?: number;
  /** Checkpoint every N steps (and at the end) when a store is given. */
  checkpointInterval?: number;
  checkpoints?: CheckpointStore;
  /** JSON Lines metrics file (`{"step","trainLoss","valLoss","valBpb","lr","tokPerSec"}`). */
  metricsFile?: string;
  /** Seed of the dropout masks (default: the data loader's seed); saved in checkpoints. */
  seed?: number;
  /** Called after every optimizer step (progress bars). */
  onStep?: (info: { step: number; maxSteps: number; loss: number; lr: number; tokPerSec: number }) => void;
}

export class AdvancedTrainer extends BaseTrainer {
  readonly options: AdvancedTrainerOptions;
  bestValLoss = Number.POSITIVE_INFINITY;
  readonly history: Array<{
    step: number;
    trainLoss: number;
    valLoss: number | null;
    valBpb: number | null;
  }> = [];
  #evalsWithoutImprovement = 0;

  constructor(model: TrainableModel, data: DataLoader, optimizer: AdamW, options: AdvancedTrainerOptions) {
    super(model, data, optimizer, options);
    if (!Number.isInteger(options.maxSteps) || options.maxSteps < 1)
      throw new Error(`maxSteps must be a positive integer, got ${options.maxSteps}`);
    const accum = options.gradAccum ?? 1;
    if (!Number.isInteger(accum) || accum < 1)
      throw new Error(`gradAccum must be a positive integer, got ${accum}`);
    this.options = options;
  }

  /** Restores weights, optimizer state and counters from the store's latest checkpoint. */
  async resume(): Promise<boolean> {
    const store = this.options.checkpoints;
    if (store === undefined) throw new Error('resume needs a checkpoint store');
    const saved = await store.load(this.model, this.optimizer);
    if (saved === null) return false;
    if (saved.seed !== undefined && saved.seed !== this.seed) {
      throw new Error(
        `the checkpoint was trained with seed ${saved.seed}, this run has seed ${this.seed}; resume with the same seed`,
      );
    }
    this.state.step = saved.step;
    this.bestValLoss = saved.bestValLoss;
    this.#evalsWithoutImprovement = saved.evalsWithoutImprovement;
    return true;
  }

  /** Seed of the dropout masks and of every other random choice of the run. */
  get seed(): number {
    return this.options.seed ?? this.data.seed;
  }

  /** One optimizer step (the shared update rule of step.ts at this step's learning rate). */
  step(step: number): number {
    const o = this.options;
    return trainStep(this.model, this.data, this.optimizer, step, {
      learningRate: this.learningRate(step),
      gradAccum: o.gradAccum,
      clipGradNorm: o.clipGradNorm,
      seed: this.seed,
    });
  }

  learningRate(step: number): number {
    const o = this.options;
    return learningRateAt(step, {
      schedule: o.schedule ?? 'cosine',
      learningRate: o.learningRate,
      maxSteps: o.maxSteps,
      warmupSteps: o.warmupSteps ?? 0,
      minLrRatio: o.minLrRatio,
    });
  }

  async train(): Promise<TrainerState> {
    const o = this.options;
    const log = o.metricsFile ? new MetricsLog(o.metricsFile, this.state.step) : null;
    const tokensPerStep = (o.gradAccum ?? 1) * this.data.batchSize * this.data.blockSize;
    this.state.status = 'running';
    this.model.training = true;
    try {
      await this.fire('onTrainBegin', this.state);
      while (this.state.step < o.maxSteps) {
        // Lets signal handlers run (and ask for a stop) between steps.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.stopRequested) break;
        const step = this.state.step;
        this.state.epoch = batchAt(this.data, step, 0, o.gradAccum).epoch + 1;
        await this.fire('onBatchBegin', step, this.state);
        const started = performance.now();
        const loss = this.step(step);
        const tokPerSec = tokensPerStep / ((performance.now() - started) / 1000);
        this.state.step = step + 1;
        const lr = this.learningRate(step);
        await this.fire('onBatchEnd', step, { ...this.state, loss });
        o.onStep?.({ step: this.state.step, maxSteps: o.maxSteps, loss, lr, tokPerSec });
        const last = this.state.step === o.maxSteps;
        let val: EvalResult | null = null;
        if (
          (o.evalInterval ?? 0) > 0 &&
          (this.state.step % o.evalInterval! === 0 || last) &&
          this.data.numValBlocks > 0
        ) {
          val = await this.evaluate('val', o.evalBatches);
          this.#track(val);
        }
        this.history.push({
          step: this.state.step,
          trainLoss: loss,
          valLoss: val?.loss ?? null,
          valBpb: val?.bitsPerByte ?? null,
        });
        log?.write({
          step: this.state.step,
          trainLoss: loss,
          valLoss: val?.loss ?? null,
          valBpb: val?.bitsPerByte ?? null,
          lr,
          tokPerSec,
        });
        if (val !== null && o.checkpoints !== undefined && val.loss === this.bestValLoss) {
          await o.checkpoints.saveBest(this.model);
        }
        if (
          o.checkpoints !== undefined &&
          (o.checkpointInterval ?? 0) > 0 &&
          this.state.step % o.checkpointInterval! === 0
        ) {
          await this.#checkpoint();
        }
        if (
          o.earlyStoppingPatience !== undefined &&
          this.#evalsWithoutImprovement >= o.earlyStoppingPatience
        ) {
          this.state.status = 'stopped';
          this.state.stopReason = `early stopping: no validation improvement in ${o.earlyStoppingPatience} evaluations`;
          break;
        }
      }
      if (this.stopRequested) {
        this.state.status = 'stopped';
        this.state.stopReason ??= 'stop requested';
      }
      if (this.state.status === 'running') this.state.status = 'completed';
      if (o.checkpoints !== undefined) await this.#checkpoint();
      await this.fire('onTrainEnd', this.state);
      return this.state;
    } catch (error) {
      this.state.status = 'failed';
      throw error;
    } finally {
      log?.close();
    }
  }

  #track(val: EvalResult): void {
    if (val.loss < this.bestValLoss) {
      this.bestValLoss = val.loss;
      this.#evalsWithoutImprovement = 0;
    } else this.#evalsWithoutImprovement++;
  }

  async #checkpoint(): Promise<void> {
    await this.options.checkpoints!.save(this.model, this.optimizer, {
      step: this.state.step,
      bestValLoss: this.bestValLoss,
      evalsWithoutImprovement: this.#evalsWithoutImprovement,
      seed: this.seed,
    });
  }
}
