/**
 * `transferModel`: a copy of a trained model whose token embeddings (input and tied head) are rebuilt for
 * another tokenizer, the body copied unchanged; `saveTransferred` writes it as an ordinary model directory
 * (config.json + model.safetensors + tokenizer/ + transfer.json) that loadModel, generate, eval and
 * continued training use without knowing it was transferred.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MODEL_OUTPUT, saveModel } from '../model/io.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { writeDirectoryAtomic } from '../utils/atomic-directory.js';
import { writeJsonAtomic } from '../utils/fs.js';
import { DEFAULT_MAX_PIECES, type Decomposition, decomposeVocabulary } from './decompose.js';
import { type HeuristicMethod, type InitResult, initEmbeddings, type Matrix } from './heuristics.js';
import { TransferError } from './surface.js';

export const TRANSFER_REPORT_FILE = 'transfer.json';

/** Predicts target rows from a decomposition (the hypernetwork implements it). */
export interface EmbeddingPredictor {
  /** Identifies the source model it was trained for (checked against the model being transferred). */
  readonly sourceFingerprint: string;
  predict(d: Decomposition): Matrix;
}

export interface TransferOptions {
  method: HeuristicMethod | 'hypernet';
  /** Required for `hypernet`. */
  predictor?: EmbeddingPredictor;
  /** Pieces per target token (default 8). */
  maxPieces?: number;
  seed?: number;
  lexicalFallback?: 'random' | 'fvt';
}

export interface TransferReport {
  method: string;
  source: { tokenizer: string; vocabSize: number };
  target: { tokenizer: string; vocabSize: number };
  /** |V_B ∩ V_A| / |V_B| by byte surface (specials excluded from both counts). */
  overlap: number;
  maxPieces: number;
  truncated: number;
  fallback: number;
  unmatchedSpecials: string[];
  examples: Decomposition['examples'];
  copiedRows: number;
  randomRows: number;
  seconds: number;
}

const typeOf = (t: BaseTokenizer): string => (t.constructor as typeof BaseTokenizer).tokenizerType;

/** The error for a model and a tokenizer that do not belong together. */
export function checkPair(model: TransformerModel, tokenizer: BaseTokenizer, where: string): void {
  if (model.vocabSize !== tokenizer.vocabSize) {
    throw new TransferError(
      `${where}: the model has ${model.vocabSize} token rows but the tokenizer (${typeOf(tokenizer)}) has ${tokenizer.vocabSize} ids; they do not belong together`,
    );
  }
}

/** A deterministic identity of a source model: shape and a checksum of its embedding rows. */
export function modelFingerprint(model: TransformerModel): string {
  const data = model.param('transformer.wte.weight').dataSync();
  let h = 0x811c9dc5;
  const view = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < view.length; i += 7) h = Math.imul(h ^ view[i]!, 0x01000193) >>> 0;
  const { nEmbd, nLayer, modelType } = model.config.model;
  return `${modelType}-${model.vocabSize}x${nEmbd}-L${nLayer}-${h.toString(16)}`;
}

export function sourceMatrix(model: TransformerModel): Matrix {
  return {
    data: Float32Array.from(model.param('transformer.wte.weight').dataSync()),
    rows: model.vocabSize,
    cols: model.config.model.nEmbd,
  };
}

/** A new model for `target`: same body, token rows from `options.method`. */
export function transferModel(
  model: TransformerModel,
  source: BaseTokenizer,
  target: BaseTokenizer,
  options: TransferOptions,
): { model: TransformerModel; report: TransferReport; decomposition: Decomposition } {
  const started = performance.now();
  checkPair(model, source, 'source');
  const d = decomposeVocabulary(source, target, options.maxPieces ?? DEFAULT_MAX_PIECES);
  const matrix = sourceMatrix(model);
  let init: InitResult;
  if (options.method === 'hypernet') {
    const predictor = options.predictor;
    if (predictor === undefined) throw new TransferError('method hypernet needs a trained hypernetwork');
    const fingerprint = modelFingerprint(model);
    if (predictor.sourceFingerprint !== fingerprint) {
      throw new TransferError(
        `the hypernetwork was trained for source model ${predictor.sourceFingerprint}, this model is ${fingerprint}`,
      );
    }
    const predicted = predictor.predict(d);
    let copiedRows = 0;
    // Special rows are always the source's (spec §4.1).
    for (let t = 0; t < d.lengths.length; t++) {
      const s = d.specialSource[t]!;
      if (s < 0) continue;
      predicted.data.set(matrix.data.subarray(s * matrix.cols, (s + 1) * matrix.cols), t * matrix.cols);
      copiedRows++;
    }
    init = { ...predicted, copiedRows, randomRows: 0 };
  } else {
    init = initEmbeddings(options.method, matrix, d, {
      seed: options.seed,
      lexicalFallback: options.lexicalFallback,
    });
  }
  const config = model.config.clone();
  config.model.vocabSize = target.vocabSize;
  config.model.paddingIdx = target.padTokenId;
  const out = getModel(config.model.modelType, config, { seed: options.seed ?? 0 });
  for (const [name, variable] of out.namedParameters()) {
    if (name !== 'transformer.wte.weight') variable.assign(model.param(name));
  }
  tf.tidy(() => out.setInputEmbeddings(tf.tensor2d(init.data, [init.rows, init.cols])));
  let shared = 0;
  let ordinary = 0;
  for (let t = 0; t < d.lengths.length; t++) {
    if (d.specialSource[t]! >= 0) continue;
    ordinary++;
    if (d.sameSource[t]! >= 0) shared++;
  }
  const report: TransferReport = {
    method: options.method,
    source: { tokenizer: typeOf(source), vocabSize: source.vocabSize },
    target: { tokenizer: typeOf(target), vocabSize: target.vocabSize },
    overlap: ordinary === 0 ? 0 : shared / ordinary,
    maxPieces: d.maxPieces,
    truncated: d.truncated,
    fallback: d.fallback,
    unmatchedSpecials: d.unmatchedSpecials,
    examples: d.examples,
    copiedRows: init.copiedRows,
    randomRows: init.randomRows,
    seconds: (performance.now() - started) / 1000,
  };
  return { model: out, report, decomposition: d };
}

/** Writes the transferred model as an ordinary model directory, all or nothing; never over an existing one. */
export function saveTransferred(
  dir: string,
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  report: TransferReport,
  options: { overwrite?: boolean } = {},
): void {
  checkPair(model, tokenizer, dir);
  if (!options.overwrite && fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new TransferError(`${dir} exists and is not empty; choose another output directory`);
  }
  const kind = { ...MODEL_OUTPUT, files: [...MODEL_OUTPUT.files, 'tokenizer', TRANSFER_REPORT_FILE] };
  writeDirectoryAtomic(
    dir,
    (tmp) => {
      saveModel(model, tmp);
      tokenizer.savePretrained(path.join(tmp, 'tokenizer'));
      writeJsonAtomic(path.join(tmp, TRANSFER_REPORT_FILE), report);
    },
    { kind, overwrite: options.overwrite },
  );
}
