/**
 * Checkpoints: `DIR/checkpoint/` holds the weights, the optimizer moments and the trainer counters, plus
 * the model config and a format version (the reference stored none, so evaluation scripts re-typed the
 * config by hand). Written with writeDirectoryAtomic, so an interrupted save never leaves a half-written
 * checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FileError, readJsonFile, writeDirectoryAtomic, writeJsonAtomic } from '../utils/fs.js';
import { readSafetensors, type StoredTensor, writeSafetensors } from '../utils/safetensors.js';
import type { AdamW } from './adamw.js';
import type { TrainableModel } from './types.js';

export const CHECKPOINT_FORMAT_VERSION = 1;

export interface TrainerCounters {
  step: number;
  bestValLoss: number;
  evalsWithoutImprovement: number;
}

export interface CheckpointStore {
  save(model: TrainableModel, optimizer: AdamW, counters: TrainerCounters): Promise<void>;
  /** Restores model and optimizer; null when there is no checkpoint yet. */
  load(model: TrainableModel, optimizer: AdamW): Promise<TrainerCounters | null>;
  saveBest(model: TrainableModel): Promise<void>;
}

/** Model weights as named float32 arrays. */
export function modelTensors(model: TrainableModel): Record<string, StoredTensor> {
  const out: Record<string, StoredTensor> = {};
  for (const [name, variable] of model.namedParameters()) {
    out[name] = { data: variable.dataSync() as Float32Array, shape: [...variable.shape] };
  }
  return out;
}

/** Assigns stored weights to the model; every missing, unexpected or mis-shaped name is listed in one error. */
export function assignModelTensors(
  model: TrainableModel,
  tensors: Record<string, StoredTensor>,
  source: string,
): void {
  const problems: string[] = [];
  const params = model.namedParameters();
  const known = new Set(params.map(([name]) => name));
  for (const [name, variable] of params) {
    const t = tensors[name];
    if (t === undefined) problems.push(`missing ${name} [${variable.shape.join(', ')}]`);
    else if (t.shape.join(',') !== variable.shape.join(',')) {
      problems.push(
        `${name}: shape [${t.shape.join(', ')}] in file, [${variable.shape.join(', ')}] in model`,
      );
    }
  }
  for (const name of Object.keys(tensors)) if (!known.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length > 0)
    throw new FileError(source, `weights do not match the model:\n  ${problems.join('\n  ')}`);
  tf.tidy(() => {
    for (const [name, variable] of params)
      variable.assign(tf.tensor(tensors[name]!.data, variable.shape, 'float32'));
  });
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
    const moments: Record<string, StoredTensor> = {};
    for (const [name, { m, v }] of Object.entries(state.moments)) {
      moments[`${name}.m`] = { data: m, shape: shapes.get(name)! };
      moments[`${name}.v`] = { data: v, shape: shapes.get(name)! };
    }
    writeDirectoryAtomic(this.checkpointDir, (tmp) => {
      writeSafetensors(path.join(tmp, 'model.safetensors'), modelTensors(model));
      writeSafetensors(path.join(tmp, 'optimizer.safetensors'), moments);
      writeJsonAtomic(path.join(tmp, 'trainer_state.json'), {
        formatVersion: CHECKPOINT_FORMAT_VERSION,
        ...counters,
        bestValLoss: Number.isFinite(counters.bestValLoss) ? counters.bestValLoss : null,
        optimizerStep: state.step,
        config: model.config.toJSON(),
      });
    });
  }

  async load(model: TrainableModel, optimizer: AdamW): Promise<TrainerCounters | null> {
    const dir = this.checkpointDir;
    if (!fs.existsSync(path.join(dir, 'trainer_state.json'))) return null;
    const state = readJsonFile(path.join(dir, 'trainer_state.json'), 'trainer state') as {
      formatVersion: number;
      step: number;
      bestValLoss: number | null;
      evalsWithoutImprovement: number;
      optimizerStep: number;
    };
    if (state.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
      throw new FileError(
        dir,
        `checkpoint format ${state.formatVersion}, this version reads ${CHECKPOINT_FORMAT_VERSION}`,
      );
    }
    assignModelTensors(
      model,
      readSafetensors(path.join(dir, 'model.safetensors')).tensors,
      path.join(dir, 'model.safetensors'),
    );
    const stored = readSafetensors(path.join(dir, 'optimizer.safetensors')).tensors;
    const moments: Record<string, { m: Float32Array; v: Float32Array }> = {};
    for (const [name] of model.namedParameters()) {
      const m = stored[`${name}.m`];
      const v = stored[`${name}.v`];
      if (m !== undefined && v !== undefined)
        moments[name] = { m: m.data as Float32Array, v: v.data as Float32Array };
    }
    optimizer.setState({ step: state.optimizerStep, moments });
    return {
      step: state.step,
      bestValLoss: state.bestValLoss ?? Number.POSITIVE_INFINITY,
      evalsWithoutImprovement: state.evalsWithoutImprovement,
    };
  }

  async saveBest(model: TrainableModel): Promise<void> {
    writeSafetensors(path.join(this.outDir, 'best', 'model.safetensors'), modelTensors(model));
    writeJsonAtomic(path.join(this.outDir, 'best', 'config.json'), model.config.toJSON());
  }
}
