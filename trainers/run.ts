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
 *   .lock                             while a run works in the folder (pid and host)
 *
 * A new run refuses a folder that is not empty unless `overwrite` (which removes only the entries above);
 * an input inside the folder, the current folder and its parents are refused always.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TokenByteLengths } from '../analysis/alignment.js';
import { plotLossCurves } from '../analysis/plots.js';
import { GPTConfig } from '../config.js';
import { writeModelFiles } from '../model/io.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import { checkOutputDirectory, type OutputKind, ownedBy } from '../utils/atomic-directory.js';
import { DataLoader } from '../utils/data-loader.js';
import { readJsonFile, writeJsonAtomic } from '../utils/fs.js';
import { createProgress } from '../utils/progress.js';
import { LOCK_FILE, RunLock } from '../utils/run-lock.js';
import type { InvalidUtf8Policy } from '../utils/text-stream.js';
import { AdamW } from './adamw.js';
import { AdvancedTrainer, type AdvancedTrainerOptions } from './advanced-trainer.js';
import type { BaseTrainer } from './base-trainer.js';
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
   * (the reference's epoch loop: `config.train.numEpochs` epochs at a constant rate) or a user's plugin, which
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
  /** JSONL/Parquet field holding the text (default: the first of `text`, `story`, `content`). */
  textField?: string;
  /** Malformed UTF-8 in the inputs: an error naming the file and offset (default), or U+FFFD. */
  invalidUtf8?: InvalidUtf8Policy;
  /** Continue from `outDir/checkpoint` (the token file and tokenizer are reused). */
  resume?: boolean;
  /** Start a new run in a folder that is not empty, replacing a previous run's files (nothing else). */
  overwrite?: boolean;
  /** Stops the run after the current step, writing a checkpoint (wire Ctrl-C to it). */
  signal?: AbortSignal;
  /** Progress bars on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

export interface TrainRunResult {
  model: TransformerModel;
  trainer: BaseTrainer;
  /** Validation result at the end; null without validation data or when the run was stopped early. */
  final: EvalResult | null;
  outDir: string;
  /** True when `signal` stopped the run early (a checkpoint was written; resume continues it). */
  interrupted: boolean;
}

/** The entries a training run writes into its folder (`checkpoint_epoch_*`: the simple trainer's). */
export const RUN_OUTPUT: OutputKind = {
  name: 'training run',
  marker: 'run.json',
  files: [
    'run.json',
    'config.json',
    'model.safetensors',
    'tokenizer',
    'data',
    'metrics.jsonl',
    'train_log.json',
    'loss.png',
    'checkpoint',
    'checkpoint_epoch_*',
    'best',
    LOCK_FILE,
  ],
};

/** Per-id UTF-8 byte counts with special tokens at 0 (they stand for no corpus text), for bits per byte. */
export function tokenByteTable(tokenizer: BaseTokenizer): Uint32Array {
  const lengths = new TokenByteLengths(tokenizer);
  const specials = new Set(tokenizer.allSpecialIds);
  return Uint32Array.from({ length: tokenizer.vocabSize }, (_, id) =>
    specials.has(id) ? 0 : lengths.get(id),
  );
}

export async function trainLanguageModel(options: TrainRunOptions): Promise<TrainRunResult> {
  const { outDir } = options;
  if ((options.inputs === undefined) === (options.texts === undefined))
    throw new Error('give the training data as either inputs (files) or texts, not both or neither');
  // With resume or overwrite a previous run's folder is expected; checked here without replacing it.
  checkOutputDirectory(outDir, {
    kind: RUN_OUTPUT,
    inputs: (options.inputs ?? []).filter((input) => !input.startsWith('hf://')),
    overwrite: options.overwrite === true,
  });
  if (options.resume !== true && options.overwrite !== true && fs.existsSync(outDir)) {
    if (fs.readdirSync(outDir).length > 0)
      throw new Error(
        `${outDir}: holds a previous run; pass --resume to continue it or --overwrite to replace it`,
      );
  }
  const lock = RunLock.acquire(outDir);
  try {
    if (options.resume !== true)
      for (const entry of fs.readdirSync(outDir))
        if (entry !== LOCK_FILE && ownedBy(RUN_OUTPUT, entry))
          fs.rmSync(path.join(outDir, entry), { recursive: true, force: true });
    return await trainLocked(options);
  } finally {
    lock.release();
  }
}

async function trainLocked(options: TrainRunOptions): Promise<TrainRunResult> {
  const { config, tokenizer, outDir } = options;
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
    // Read back through GPTConfig so a run written by an earlier version (extraArgs) compares field by field.
    const before = GPTConfig.fromJSON(previous.config, `${runFile} config`).toJSON() as unknown as Record<
      string,
      unknown
    >;
    const changed = Object.keys(now).filter((k) => JSON.stringify(now[k]) !== JSON.stringify(before[k]));
    if (changed.length > 0)
      throw new Error(`${runFile}: cannot resume with a different model config (${changed.join(', ')})`);
  } else {
    const source = options.texts !== undefined ? { texts: options.texts } : options.inputs!;
    await tokenizeToFile(tokenizer, source, tokenFile, {
      documentSeparator: options.documentSeparator,
      textField: options.textField,
      invalidUtf8: options.invalidUtf8,
    });
    tokenizer.savePretrained(path.join(outDir, 'tokenizer'));
  }

  const data = new DataLoader(tokenFile, {
    blockSize: config.model.blockSize,
    batchSize: config.train.batchSize,
    valFraction: options.valFraction ?? 0.1,
    seed: options.seed ?? 1337,
  });
  if (data.tokens.meta.vocabSize !== tokenizer.vocabSize) {
    throw new Error(
      `${tokenFile} was written for a vocabulary of ${data.tokens.meta.vocabSize}, the tokenizer has ${tokenizer.vocabSize}`,
    );
  }
  const model = getModel(config.model.modelType, config, { seed: options.seed ?? 1337 });
  const optimizer = new AdamW(model.namedParameters(), {
    learningRate: config.train.learningRate,
    weightDecay: config.train.weightDecay,
  });
  const trainerName = options.trainer ?? 'advanced';
  const gradAccum = options.gradAccum ?? 1;
  const numEpochs = config.train.numEpochs;
  const totalSteps = trainerName === 'simple' ? numEpochs * data.batchesPerEpoch('train') : options.maxSteps;
  const progress = progressCallback(
    totalSteps,
    gradAccum * data.batchSize * data.blockSize,
    options.progress,
  );
  const advanced: AdvancedTrainerOptions = {
    maxSteps: options.maxSteps,
    learningRate: config.train.learningRate,
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
  if (options.signal?.aborted) stop();
  try {
    if (resuming) await (trainer as AdvancedTrainer).resume();
    await trainer.train();
  } finally {
    options.signal?.removeEventListener('abort', stop);
    progress.stop();
  }
  const interrupted = options.signal?.aborted === true && trainer.state.step < totalSteps;
  writeModelFiles(model, outDir);
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
  const final =
    data.numValBlocks > 0 && !interrupted ? await trainer.evaluate('val', options.evalBatches ?? 20) : null;
  data.close();
  return { model, trainer, final, outDir, interrupted };
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
