/**
 * Hypernetwork files: `hypernet.safetensors` (every parameter, frozen scalers included) and
 * `hypernet.json` (format, config, the source model's fingerprint, training summary). Loading checks the
 * directory, both files and the source model, and names the file at fault.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type NamedTensor, readSafetensors, writeSafetensors } from '../model/safetensors.js';
import type { TransformerModel } from '../model/transformer.js';
import { FileError, readJsonFile, writeJsonAtomic } from '../utils/fs.js';
import { type HypernetConfig, Hypernetwork } from './hypernet.js';
import { TransferError } from './surface.js';
import { modelFingerprint, sourceMatrix } from './transfer.js';

export const HYPERNET_WEIGHTS = 'hypernet.safetensors';
export const HYPERNET_META = 'hypernet.json';
const FORMAT = 'cleangpt-hypernet';

export interface HypernetMeta {
  format: string;
  config: HypernetConfig;
  sourceFingerprint: string;
  [key: string]: unknown;
}

export function hypernetTensors(hn: Hypernetwork): Map<string, NamedTensor> {
  return new Map(
    hn
      .namedParameters()
      .map(([name, v]) => [name, { shape: [...v.shape], data: Float32Array.from(v.dataSync()) }]),
  );
}

/** Copies saved tensors into `hn`; every missing or mis-shaped tensor is named. */
export function loadHypernetTensors(hn: Hypernetwork, tensors: Map<string, NamedTensor>, file: string): void {
  const problems: string[] = [];
  for (const [name, v] of hn.namedParameters()) {
    const t = tensors.get(name);
    if (t === undefined) problems.push(`missing ${name}`);
    else if (t.shape.join() !== v.shape.join()) problems.push(`${name}: [${t.shape}] vs [${v.shape}]`);
  }
  if (problems.length > 0)
    throw new FileError(file, `not this hypernetwork's weights: ${problems.join('; ')}`);
  for (const [name, v] of hn.namedParameters()) {
    const t = tensors.get(name)!;
    v.assign(tf.tensor(t.data, t.shape));
  }
}

/** Writes both files into `dir` (the caller makes `dir` atomic). */
export function writeHypernet(dir: string, hn: Hypernetwork, extra: Record<string, unknown> = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, HYPERNET_WEIGHTS), hypernetTensors(hn), { format: FORMAT });
  const meta: HypernetMeta = {
    format: FORMAT,
    config: hn.config,
    sourceFingerprint: hn.sourceFingerprint,
    ...extra,
  };
  writeJsonAtomic(path.join(dir, HYPERNET_META), meta);
}

/** Loads the hypernetwork in `dir` for `model`, refusing one trained for another source model. */
export function loadHypernet(
  dir: string,
  model: TransformerModel,
): { hypernet: Hypernetwork; meta: HypernetMeta } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new FileError(
      dir,
      'no hypernetwork directory here (train one with `cleangpt transfer train-hypernet`)',
    );
  }
  const metaFile = path.join(dir, HYPERNET_META);
  const meta = readJsonFile(metaFile, 'hypernetwork description') as HypernetMeta;
  if (
    meta === null ||
    typeof meta !== 'object' ||
    meta.format !== FORMAT ||
    typeof meta.config !== 'object'
  ) {
    throw new FileError(metaFile, `not a hypernetwork description (format must be "${FORMAT}")`);
  }
  const fingerprint = modelFingerprint(model);
  if (meta.sourceFingerprint !== fingerprint) {
    throw new TransferError(
      `${metaFile}: the hypernetwork was trained for source model ${meta.sourceFingerprint}, not for this model (${fingerprint})`,
    );
  }
  const weightsFile = path.join(dir, HYPERNET_WEIGHTS);
  const { tensors } = readSafetensors(weightsFile);
  const hypernet = new Hypernetwork(meta.config, sourceMatrix(model), fingerprint);
  try {
    loadHypernetTensors(hypernet, tensors, weightsFile);
  } catch (error) {
    hypernet.dispose();
    throw error;
  }
  return { hypernet, meta };
}
