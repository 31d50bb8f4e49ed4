/**
 * One training run from corpus files (or in-memory texts) to a saved model: tokenize once into a token
 * file, build the model and the trainer from their registries (AdvancedTrainer by default: checkpoints,
 * metrics, exact resume), save weights, the tokenizer and a loss plot. The CLI's `train` command and the
 * demo are thin wrappers over this.
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
import { createProgress } from '../utils/progress.js';
import type { InvalidUtf8Policy } from '../utils/text-stream.js';
import { AdamW } from './adamw.js';
import { AdvancedTrainer, type AdvancedTrainerOptions } from './advanced-trainer.js';
import { type BaseTrainer, evaluateModel, evaluateOnnx } from './base-trainer.js';
import { DirectoryCheckpointStore } from './checkpoint.js';
import { readMetrics } from './metrics-log.js';
import { getTrainer } from './registry.js';
import type { ScheduleName } from './schedules.js';
import type { SimpleTrainerOptions } from './simple-trainer.js';
import type { Callback, EvalResult } from './types.js';

export interface TrainRunOptions {
  /** Model, sizes, batch size, learning rate and weight decay; vocabSize/paddingIdx come from the tokenizer. */
  config: GPTConfig;
  tokenizer: BaseTokenizer;
  /** Corpus files, folders or hf:// paths (or give `texts`). */
  inputs?: string[];
  /** In-memory documents, one per string, instead of `inputs` (no corpus file needed). */
  texts?: readonly string[];
  outDir: string;
  /**
   * A registered trainer: `advanced` (default; steps, schedules, checkpoints, exact resume), `simple`
   * (the reference's epoch loop: `config.numEpochs` epochs at a constant rate) or a user's plugin, which
   * receives the advanced options plus `numEpochs` and `outputDir`.
   */
  trainer?: string;
  /** Hooks called by the trainer (the reference's Callback). */
  callbacks?: Callback[];
  /** Optimizer steps of the advanced trainer. */
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
  /** Malformed UTF-8 in the inputs: an error naming the file and offset (default), or U+FFFD. */
  invalidUtf8?: InvalidUtf8Policy;
  /** Continue from `outDir/checkpoint` (the token file and tokenizer are reused). */
  resume?: boolean;
  /** Stops the run after the current step, writing a checkpoint (wire Ctrl-C to it). */
  signal?: AbortSignal;
  /** Progress bars on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

export interface TrainRunResult {
  model: TransformerModel;
  trainer: BaseTrainer;
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
  if ((options.inputs === undefined) === (options.texts === undefined))
    throw new Error('give the training data as either inputs (files) or texts, not both or neither');
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
    const source = options.texts !== undefined ? { texts: options.texts } : options.inputs!;
    await tokenizeToFile(tokenizer, source, tokenFile, {
      documentSeparator: options.documentSeparator,
      invalidUtf8: options.invalidUtf8,
    });
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
  const trainerName = options.trainer ?? 'advanced';
  const gradAccum = options.gradAccum ?? 1;
  const numEpochs = config.numEpochs;
  const totalSteps = trainerName === 'simple' ? numEpochs * data.batchesPerEpoch('train') : options.maxSteps;
  const progress = progressCallback(
    totalSteps,
    gradAccum * data.batchSize * data.blockSize,
    options.progress,
  );
  const advanced: AdvancedTrainerOptions = {
    maxSteps: options.maxSteps,
    learningRate: config.learningRate,
    schedule: options.schedule ?? 'cosine',
    warmupSteps: options.warmupSteps ?? Math.min(100, Math.floor(options.maxSteps / 10)),
    gradAccum,
    clipGradNorm: options.clipGradNorm ?? 1,
    evalInterval: options.evalInterval ?? Math.max(1, Math.floor(options.maxSteps / 10)),
    evalBatches: options.evalBatches ?? 20,
    earlyStoppingPatience: options.earlyStoppingPatience,
    checkpointInterval: options.checkpointInterval ?? Math.max(1, Math.floor(options.maxSteps / 10)),
    checkpoints: new DirectoryCheckpointStore(outDir),
    metricsFile: path.join(outDir, 'metrics.jsonl'),
    tokenBytes: tokenByteTable(tokenizer),
    callbacks: [...(options.callbacks ?? []), progress.callback],
  };
  const simple: Omit<SimpleTrainerOptions, keyof AdvancedTrainerOptions> = { numEpochs, outputDir: outDir };
  const trainer = getTrainer(trainerName, model, data, optimizer, { ...advanced, ...simple });
  if (resuming && !(trainer instanceof AdvancedTrainer))
    throw new Error(`${outDir}: only the advanced trainer resumes from a checkpoint, not "${trainerName}"`);
  writeJsonAtomic(runFile, {
    config: config.toJSON(),
    tokenizer: (tokenizer.constructor as typeof BaseTokenizer).tokenizerType,
    options: {
      ...options,
      config: undefined,
      tokenizer: undefined,
      signal: undefined,
      callbacks: undefined,
      texts: options.texts === undefined ? undefined : `${options.texts.length} texts`,
    },
  });
  const stop = (): void => trainer.requestStop();
  options.signal?.addEventListener('abort', stop);
  try {
    if (resuming) await (trainer as AdvancedTrainer).resume();
    await trainer.train();
  } finally {
    options.signal?.removeEventListener('abort', stop);
    progress.stop();
  }
  saveModel(model, outDir);
  // The metrics log spans resumed runs, so the plot is drawn from it rather than from this run's history.
  // Trainers that keep no metrics.jsonl (the simple one logs train_log.json) get no loss plot.
  const metricsFile = path.join(outDir, 'metrics.jsonl');
  const rows = (fs.existsSync(metricsFile) ? readMetrics(metricsFile) : []) as Array<{
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

/** A progress bar over the trainer's steps (loss and tokens per second), as a callback any trainer calls. */
function progressCallback(
  totalSteps: number,
  tokensPerStep: number,
  enabled: boolean | undefined,
): { callback: Callback; stop: () => void } {
  const bar = createProgress(totalSteps, 'training', { enabled, fields: ['loss', 'tokPerSec'] });
  let started = 0;
  return {
    callback: {
      onBatchBegin: () => {
        started = performance.now();
      },
      onBatchEnd: (_batch, { step, loss }) => {
        const tokPerSec = tokensPerStep / ((performance.now() - started) / 1000);
        bar.update(step, { loss: loss.toFixed(3), tokPerSec: Math.round(tokPerSec) });
      },
    },
    stop: () => bar.stop(),
  };
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
    await tokenizeToFile(tokenizer, files, file);
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
