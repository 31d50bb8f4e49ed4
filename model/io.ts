/**
 * Checkpoints: `model.safetensors` + `config.json` (the GPTConfig, camelCase). Linear weights are stored
 * [in, out] as in memory. `exportHuggingFace` writes the Vanilla model as a transformers GPT2LMHeadModel.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { type OutputKind, settleDirectory, writeDirectoryAtomic } from '../utils/atomic-directory.js';
import { readJsonFile, requireDirectory, writeJsonAtomic } from '../utils/fs.js';
import { getModel } from './registry.js';
import { type NamedTensor, readSafetensors, writeSafetensors } from './safetensors.js';
import type { TransformerModel } from './transformer.js';
import { ModelError } from './types.js';
import { VanillaTransformerModel } from './vanilla.js';

export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export const CHECKPOINT_FORMAT = 'cleangpt-model';
export const CHECKPOINT_VERSION = '1';

/** What saving and loading weights needs of a model (any trainable model, not only the built-in two). */
export type WeightedModel = Pick<TransformerModel, 'namedParameters' | 'config'>;

/** The model's weights as named float32 tensors (copies). */
export function snapshot(model: Pick<WeightedModel, 'namedParameters'>): Map<string, NamedTensor> {
  const tensors = new Map<string, NamedTensor>();
  for (const [name, variable] of model.namedParameters()) {
    tensors.set(name, { shape: [...variable.shape], data: Float32Array.from(variable.dataSync()) });
  }
  return tensors;
}

/** A saved model folder (saving over one replaces it; saving over anything else is refused). */
export const MODEL_OUTPUT: OutputKind = {
  name: 'model',
  marker: CONFIG_FILE,
  files: [CONFIG_FILE, WEIGHTS_FILE],
};

/**
 * Saves the model as the folder `dir`, replaced whole or not at all (writeDirectoryAtomic); a folder that
 * is not a saved model is refused unless `overwrite`.
 */
export function saveModel(model: WeightedModel, dir: string, options: { overwrite?: boolean } = {}): void {
  writeDirectoryAtomic(dir, (tmp) => writeModelFiles(model, tmp), {
    kind: MODEL_OUTPUT,
    overwrite: options.overwrite,
  });
}

/**
 * Writes `model.safetensors` and `config.json` into `dir` among other files (a training run's folder),
 * each file atomically.
 */
export function writeModelFiles(model: WeightedModel, dir: string): void {
  writeSafetensors(path.join(dir, WEIGHTS_FILE), snapshot(model), {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    modelType: model.config.model.modelType,
  });
  writeJsonAtomic(path.join(dir, CONFIG_FILE), model.config.toJSON());
}

/**
 * Copies weights into `model`; throws one error listing every missing, unexpected, mis-shaped or
 * non-finite tensor (NaN weights would otherwise give empty generations and null metrics).
 */
export function loadWeights(
  model: Pick<WeightedModel, 'namedParameters'>,
  tensors: Map<string, NamedTensor>,
  source: string,
): void {
  const problems: string[] = [];
  const expected = new Map(model.namedParameters());
  for (const [name, variable] of expected) {
    const tensor = tensors.get(name);
    if (tensor === undefined) problems.push(`missing ${name} [${variable.shape}]`);
    else if (tensor.shape.join(',') !== variable.shape.join(',')) {
      problems.push(`shape of ${name}: file [${tensor.shape}], model [${variable.shape}]`);
    }
  }
  for (const [name, tensor] of tensors)
    if (!expected.has(name)) problems.push(`unexpected ${name} [${tensor.shape}]`);
  for (const [name, tensor] of tensors) {
    const at = tensor.data.findIndex((x) => !Number.isFinite(x));
    if (at >= 0) problems.push(`${name} holds a non-finite value (${tensor.data[at]} at index ${at})`);
  }
  if (problems.length > 0) {
    throw new ModelError(
      `${source}: the weights cannot be loaded into the model (${problems.length} problem(s)):\n  - ${problems.join('\n  - ')}`,
    );
  }
  for (const [name, variable] of expected) {
    const { shape, data } = tensors.get(name)!;
    variable.assign(tf.tensor(data, shape));
  }
}

/** Builds the model described by `dir/config.json` (its modelType) and loads `dir/model.safetensors`. */
export function loadModel(dir: string): TransformerModel {
  settleDirectory(dir);
  requireDirectory(dir, 'model directory');
  const configFile = path.join(dir, CONFIG_FILE);
  const config = GPTConfig.fromJSON(readJsonFile(configFile, 'model config'), configFile);
  if (config.model.vocabSize === null)
    throw new ModelError(`${configFile}: no vocabSize; a saved model's config records its vocabulary size`);
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  const { tensors, metadata } = readSafetensors(weightsFile);
  if (metadata.format !== undefined && metadata.format !== CHECKPOINT_FORMAT) {
    throw new ModelError(
      `${weightsFile}: format "${metadata.format}" is not a cleangpt checkpoint (for Hugging Face exports use transformers)`,
    );
  }
  const model = getModel(config.model.modelType, config);
  try {
    loadWeights(model, tensors, weightsFile);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * Writes a Vanilla model as Hugging Face GPT2LMHeadModel (`model.safetensors` + `config.json`), loadable
 * with `GPT2LMHeadModel.from_pretrained(dir)`. Names gain the `transformer.` prefix they already have;
 * our [in, out] Linear layout is exactly GPT-2's Conv1D layout, so no transpose is needed. GPT-2 always
 * has biases, so zeros are written when config.model.bias is false (same function). Activation "gelu" in
 * transformers is the exact erf GELU used here (GPT-2's own checkpoints use "gelu_new", the tanh form).
 */
export function exportHuggingFace(model: TransformerModel, dir: string): void {
  if (!(model instanceof VanillaTransformerModel)) {
    throw new ModelError(
      `only Vanilla models map onto Hugging Face GPT-2; this is a ${model.config.model.modelType} model`,
    );
  }
  const { nEmbd: d, nLayer, nHead, blockSize, dropout } = model.config.model;
  const tensors = snapshot(model);
  const zeros = (n: number): NamedTensor => ({ shape: [n], data: new Float32Array(n) });
  const biases: Array<[string, number]> = [['transformer.ln_f.bias', d]];
  for (let i = 0; i < nLayer; i++) {
    const p = `transformer.h.${i}`;
    biases.push(
      [`${p}.ln_1.bias`, d],
      [`${p}.attn.c_attn.bias`, 3 * d],
      [`${p}.attn.c_proj.bias`, d],
      [`${p}.ln_2.bias`, d],
      [`${p}.mlp.c_fc.bias`, 4 * d],
      [`${p}.mlp.c_proj.bias`, d],
    );
  }
  for (const [name, size] of biases) if (!tensors.has(name)) tensors.set(name, zeros(size));
  tensors.set('lm_head.weight', tensors.get('transformer.wte.weight')!);
  writeSafetensors(path.join(dir, WEIGHTS_FILE), tensors, { format: 'pt' });
  writeJsonAtomic(path.join(dir, CONFIG_FILE), {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: model.vocabSize,
    n_positions: blockSize,
    n_ctx: blockSize,
    n_embd: d,
    n_layer: nLayer,
    n_head: nHead,
    n_inner: null,
    activation_function: 'gelu',
    resid_pdrop: dropout,
    embd_pdrop: dropout,
    attn_pdrop: dropout,
    layer_norm_epsilon: 1e-5,
    initializer_range: 0.02,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    // GPT2Config otherwise defaults both to GPT-2's 50256, outside a smaller vocabulary; the model alone
    // does not know its tokenizer's special tokens.
    bos_token_id: null,
    eos_token_id: null,
    torch_dtype: 'float32',
  });
}
