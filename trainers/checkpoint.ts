/**
 * Checkpoints: `DIR/checkpoint/` holds the weights, the optimizer moments and the trainer counters, plus
 * the model config and a format version (the reference stored none, so evaluation scripts re-typed the
 * config by hand), and the run's seed. Written with writeDirectoryAtomic, so an interrupted save leaves
 * the previous checkpoint or the new one, never a mix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadWeights, saveModel, snapshot } from '../model/io.js';
import { type NamedTensor, readSafetensors, writeSafetensors } from '../model/safetensors.js';
import { type OutputKind, settleDirectory, writeDirectoryAtomic } from '../utils/atomic-directory.js';
import { FileError, readJsonFile, writeJsonAtomic } from '../utils/fs.js';
import type { AdamW } from './adamw.js';
import type { TrainableModel } from './types.js';

export const CHECKPOINT_FORMAT_VERSION = 1;

export interface TrainerCounters {
  step: number;
  bestValLoss: number;
  evalsWithoutImprovement: number;
  /** The run's seed (dropout masks, data order); absent in checkpoints of older versions. */
  seed?: number;
}

const TRAINER_STATE_FILE = 'trainer_state.json';

export const CHECKPOINT_OUTPUT: OutputKind = {
  name: 'checkpoint',
  marker: TRAINER_STATE_FILE,
  files: ['model.safetensors', 'optimizer.safetensors', TRAINER_STATE_FILE],
};

export interface CheckpointStore {
  save(model: TrainableModel, optimizer: AdamW, counters: TrainerCounters): Promise<void>;
  /** Restores model and optimizer; null when there is no checkpoint yet. */
  load(model: TrainableModel, optimizer: AdamW): Promise<TrainerCounters | null>;
  saveBest(model: TrainableModel): Promise<void>;
}

export class DirectoryCheckpointStore implements CheckpointStore {
  /** Checkpoints go to `outDir/name` (default `checkpoint`), the best weights to `outDir/best`. */
  constructor(
    readonly outDir: string,
    readonly name = 'checkpoint',
  ) {}

  get checkpointDir(): string {
    return path.join(this.outDir, this.name);
  }

  async save(model: TrainableModel, optimizer: AdamW, counters: TrainerCounters): Promise<void> {
    const shapes = new Map(model.namedParameters().map(([name, variable]) => [name, [...variable.shape]]));
    const state = optimizer.getState();
    const moments = new Map<string, NamedTensor>();
    for (const [name, { m, v }] of Object.entries(state.moments)) {
      moments.set(`${name}.m`, { data: m, shape: shapes.get(name)! });
      moments.set(`${name}.v`, { data: v, shape: shapes.get(name)! });
    }
    writeDirectoryAtomic(
      this.checkpointDir,
      (tmp) => {
        writeSafetensors(path.join(tmp, 'model.safetensors'), snapshot(model));
        writeSafetensors(path.join(tmp, 'optimizer.safetensors'), moments);
        writeJsonAtomic(path.join(tmp, TRAINER_STATE_FILE), {
          formatVersion: CHECKPOINT_FORMAT_VERSION,
          ...counters,
          bestValLoss: Number.isFinite(counters.bestValLoss) ? counters.bestValLoss : null,
          optimizerStep: state.step,
          config: model.config.toJSON(),
        });
      },
      { kind: CHECKPOINT_OUTPUT },
    );
  }

  async load(model: TrainableModel, optimizer: AdamW): Promise<TrainerCounters | null> {
    const dir = this.checkpointDir;
    settleDirectory(dir);
    if (!fs.existsSync(path.join(dir, TRAINER_STATE_FILE))) return null;
    const state = readJsonFile(path.join(dir, TRAINER_STATE_FILE), 'trainer state') as {
      formatVersion: number;
      step: number;
      bestValLoss: number | null;
      evalsWithoutImprovement: number;
      optimizerStep: number;
      seed?: number;
    };
    if (state.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
      throw new FileError(
        dir,
        `checkpoint format ${state.formatVersion}, this version reads ${CHECKPOINT_FORMAT_VERSION}`,
      );
    }
    loadWeights(
      model,
      readSafetensors(path.join(dir, 'model.safetensors')).tensors,
      path.join(dir, 'model.safetensors'),
    );
    const stored = readSafetensors(path.join(dir, 'optimizer.safetensors')).tensors;
    const moments: Record<string, { m: Float32Array; v: Float32Array }> = {};
    for (const [name] of model.namedParameters()) {
      const m = stored.get(`${name}.m`);
      const v = stored.get(`${name}.v`);
      if (m !== undefined && v !== undefined) moments[name] = { m: m.data, v: v.data };
    }
    optimizer.setState({ step: state.optimizerStep, moments });
    return {
      step: state.step,
      bestValLoss: state.bestValLoss ?? Number.POSITIVE_INFINITY,
      evalsWithoutImprovement: state.evalsWithoutImprovement,
      seed: state.seed,
    };
  }

  async saveBest(model: TrainableModel): Promise<void> {
    saveModel(model, path.join(this.outDir, 'best'));
  }
}
