/**
 * One training run from corpus files to a saved model: tokenize once into a token file, build the model
 * from the registry, train with AdvancedTrainer (checkpoints, metrics, exact resume), save weights, the
 * tokenizer and a loss plot. The CLI's `train` command and the demo are thin wrappers over this.
 *
 * Output directory:
 *   config.json, model.safetensors   the final model (loadModel(dir))
 *   tokenizer/                        the tokenizer (loadTokenizer(dir + '/tokenizer'))
 *   run.json                          the run's options (what --resume continues)
 *   data/train.bin(.json)             the token file
 *   metrics.jsonl, loss.png           per-step metrics and their plot
 *   checkpoint/, best/                latest checkpoint (resume) and best validation weights
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TokenByteLengths } from '../analysis/alignment.js';
import { plotLossCurves } from '../analysis/plots.js';
import type { GPTConfig } from '../config.js';
import { saveModel } from '../model/io.js';
import { OnnxLanguageModel } from '../model/onnx-runtime.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import { DataLoader } from '../utils/data-loader.js';
import { readJsonFile, writeJsonAtomic } from '../utils/fs.js';
import { resolveInputs } from '../utils/hub.js';
import { createProgress } from '../utils/progress.js';
import { AdamW } from './adamw.js';
import { AdvancedTrainer } from './advanced-trainer.js';
import { evaluateModel, evaluateOnnx } from './base-trainer.js';
import { DirectoryCheckpointStore } from './checkpoint.js';
import { readMetrics } from './metrics-log.js';
import type { ScheduleName } from './schedules.js';
import type { EvalResult } from './types.js';

export interface TrainRunOptions {
  /** Model, sizes, batch size, learning rate and weight decay; vocabSize/paddingIdx come from the tokenizer. */
  config: GPTConfig;
  tokenizer: BaseTokenizer;
  /** Corpus files, folders or hf:// paths. */
  inputs: string[];
  outDir: string;
  maxSteps: number;
  evalInterval?: number;
  /** Validation batches per evaluation, including the final one (default 20). */
  evalBatches?: number;
  warmupSteps?: number;
  schedule?: ScheduleName;
  gradAccum?: number;
  clipGradNorm?: number;
  earlyStoppingPatience?: number;
  checkpointInterval?: number;
  valFraction?: number;
  seed?: number;
  /** Split plain-text inputs into documents on this separator. */
  documentSeparator?: string;
  /** Continue from `outDir/checkpoint` (the token file and tokenizer are reused). */
  resume?: boolean;
  /** Stops the run after the current step, writing a checkpoint (wire Ctrl-C to it). */
  signal?: AbortSignal;
  /** Progress bars on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

export interface TrainRunResult {
  model: TransformerModel;
  trainer: AdvancedTrainer;
  final: EvalResult | null;
  outDir: string;
}

/** Per-id UTF-8 byte counts with special tokens at 0 (they stand for no corpus text), for bits per byte. */
export function tokenByteTable(tokenizer: BaseTokenizer): Uint32Array {
  const lengths = new TokenByteLengths(tokenizer);
  const specials = new Set(tokenizer.allSpecialIds);
  return Uint32Array.from({ length: tokenizer.vocabSize }, (_, id) =>
    specials.has(id) ? 0 : lengths.get(id),
  );
}

export async function trainLanguageModel(options: TrainRunOptions): Promise<TrainRunResult> {
  const { config, tokenizer, outDir } = options;
  fs.mkdirSync(outDir, { recursive: true });
  const tokenFile = path.join(outDir, 'data', 'train.bin');
  const runFile = path.join(outDir, 'run.json');
  const resuming =
    options.resume === true && fs.existsSync(path.join(outDir, 'checkpoint', 'trainer_state.json'));
  if (options.resume && !resuming)
    throw new Error(`${outDir}: nothing to resume (no checkpoint/trainer_state.json)`);

  config.updateFromTokenizer(tokenizer);
  config.validate();
  if (resuming) {
    const previous = readJsonFile(runFile, 'run description') as { config: Record<string, unknown> };
    const now = config.toJSON() as unknown as Record<string, unknown>;
    const changed = Object.keys(now).filter(
      (k) => JSON.stringify(now[k]) !== JSON.stringify(previous.config[k]),
    );
    if (changed.length > 0)
      throw new Error(`${runFile}: cannot resume with a different model config (${changed.join(', ')})`);
  } else {
    const inputs = await resolveInputs(options.inputs);
    await tokenizeToFile(tokenizer, inputs, tokenFile, { documentSeparator: options.documentSeparator });
    tokenizer.savePretrained(path.join(outDir, 'tokenizer'));
  }

  const data = new DataLoader(tokenFile, {
    blockSize: config.blockSize,
    batchSize: config.batchSize,
    valFraction: options.valFraction ?? 0.1,
    seed: options.seed ?? 1337,
  });
  if (data.tokens.meta.vocabSize !== tokenizer.vocabSize) {
    throw new Error(
      `${tokenFile} was written for a vocabulary of ${data.tokens.meta.vocabSize}, the tokenizer has ${tokenizer.vocabSize}`,
    );
  }
  const model = getModel(config.modelType, config, { seed: options.seed ?? 1337 });
  const optimizer = new AdamW(model.namedParameters(), {
    learningRate: config.learningRate,
    weightDecay: config.weightDecay,
  });
  const steps = createProgress(options.maxSteps, 'training', {
    enabled: options.progress,
    fields: ['loss', 'tokPerSec'],
  });
  const trainer = new AdvancedTrainer(model, data, optimizer, {
    maxSteps: options.maxSteps,
    learningRate: config.learningRate,
    schedule: options.schedule ?? 'cosine',
    warmupSteps: options.warmupSteps ?? Math.min(100, Math.floor(options.maxSteps / 10)),
    gradAccum: options.gradAccum,
    clipGradNorm: options.clipGradNorm ?? 1,
    evalInterval: options.evalInterval ?? Math.max(1, Math.floor(options.maxSteps / 10)),
    evalBatches: options.evalBatches ?? 20,
    earlyStoppingPatience: options.earlyStoppingPatience,
    checkpointInterval: options.checkpointInterval ?? Math.max(1, Math.floor(options.maxSteps / 10)),
    checkpoints: new DirectoryCheckpointStore(outDir),
    metricsFile: path.join(outDir, 'metrics.jsonl'),
    tokenBytes: tokenByteTable(tokenizer),
    onStep: ({ step, loss, tokPerSec }) =>
      steps.update(step, { loss: loss.toFixed(3), tokPerSec: Math.round(tokPerSec) }),
  });
  writeJsonAtomic(runFile, {
    config: config.toJSON(),
    tokenizer: (tokenizer.constructor as typeof BaseTokenizer).tokenizerType,
    options: { ...options, config: undefined, tokenizer: undefined, signal: undefined },
  });
  const stop = (): void => trainer.requestStop();
  options.signal?.addEventListener('abort', stop);
  try {
    if (resuming) await trainer.resume();
    await trainer.train();
  } finally {
    options.signal?.removeEventListener('abort', stop);
    steps.stop();
  }
  saveModel(model, outDir);
  // The metrics log spans resumed runs, so the plot is drawn from it rather than from this run's history.
  const rows = readMetrics(path.join(outDir, 'metrics.jsonl')) as Array<{
    step: number;
    trainLoss: number;
    valLoss: number | null;
  }>;
  const train = rows.map((r) => ({ step: r.step, loss: r.trainLoss }));
  const val = rows.filter((r) => r.valLoss !== null).map((r) => ({ step: r.step, loss: r.valLoss! }));
  if (train.length > 0) plotLossCurves({ train, val }, path.join(outDir, 'loss.png'));
  const final = data.numValBlocks > 0 ? await trainer.evaluate('val', options.evalBatches ?? 20) : null;
  data.close();
  return { model, trainer, final, outDir };
}

/**
 * Loss, perplexity and bits per byte of `model` on text files (tokenized into a temporary token file),
 * in TensorFlow.js or, for an `OnnxLanguageModel`, in onnxruntime.
 */
export async function evaluateOnFiles(
  model: TransformerModel | OnnxLanguageModel,
  tokenizer: BaseTokenizer,
  files: string[],
  options: { batchSize?: number; maxBatches?: number } = {},
): Promise<EvalResult> {
  if (tokenizer.vocabSize !== model.vocabSize) {
    throw new Error(
      `the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabulary is ${model.vocabSize}`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-eval-'));
  try {
    const file = path.join(dir, 'eval.bin');
    await tokenizeToFile(tokenizer, await resolveInputs(files), file);
    const data = new DataLoader(file, {
      blockSize: model.config.blockSize,
      batchSize: options.batchSize ?? 8,
      valFraction: 0,
      shuffle: false,
    });
    try {
      const evalOptions = {
        split: 'train',
        maxBatches: options.maxBatches,
        tokenBytes: tokenByteTable(tokenizer),
      } as const;
      return model instanceof OnnxLanguageModel
        ? await evaluateOnnx(model, data, evalOptions)
        : evaluateModel(model, data, evalOptions);
    } finally {
      data.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
