/**
 * Evaluation on exactly the given text: every token of the files is predicted once, no block repeated to
 * fill a batch and no partial block dropped (training's DataLoader does both, which is right for
 * training and wrong for a score).
 *
 * The files are one id stream, documents joined by EOS, with an EOS in front so the first token has the
 * context every document start has in training. Windows of blockSize tokens end `stride` apart (default
 * blockSize: adjacent windows, the last input of one being the first of the next); each window scores
 * only the targets after the previous window's, so with a smaller stride every token after the first
 * window sees at least blockSize − stride tokens of context. The last window ends at the end of the
 * stream, overlapping its predecessor rather than running short. The model is a TensorFlow.js model or
 * an `OnnxLanguageModel` opened with output "log_probs" and no past key/values.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { OnnxLanguageModel } from '../model/onnx-runtime.js';
import type { TransformerModel } from '../model/transformer.js';
import { IGNORE_INDEX } from '../model/types.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import type { InvalidUtf8Policy } from '../utils/text-stream.js';
import { TokenFile } from '../utils/token-file.js';
import { bitsPerByte } from './base-trainer.js';
import { tokenByteTable } from './run.js';
import type { EvalResult } from './types.js';

export interface TextEvalOptions {
  /** Windows per forward pass (default 8). */
  batchSize?: number;
  /** Distance between window ends, 1 … blockSize (default blockSize). */
  stride?: number;
  /** Score only the first this many batches of windows, the start of the text (default: all of it). */
  maxBatches?: number;
  /**
   * Splits each file into documents at this string, joined by EOS as in training with the same separator
   * (default: one document per file, its separators scored as text).
   */
  documentSeparator?: string;
  /** JSONL/Parquet field holding the text (default: the first of `text`, `story`, `content`). */
  textField?: string;
  /** Malformed UTF-8 in the files: an error naming the file and offset (default), or U+FFFD. */
  invalidUtf8?: InvalidUtf8Policy;
  /** A progress bar on stderr over the input bytes while they are tokenized (default false). */
  progress?: boolean;
}

/** One window: inputs are stream positions [start, end), its scored targets the positions (from, end]. */
interface Window {
  start: number;
  end: number;
  from: number;
}

/** The windows covering targets 1 … last of a stream whose position `last` is its final token. */
export function evaluationWindows(last: number, blockSize: number, stride: number): Window[] {
  const windows: Window[] = [];
  for (let covered = 0; covered < last; ) {
    const end = Math.min(covered === 0 ? blockSize : covered + stride, last);
    windows.push({ start: Math.max(0, end - blockSize), end, from: covered });
    covered = end;
  }
  return windows;
}

type ScoringModel = TransformerModel | OnnxLanguageModel;

/** Σ −log p(target) over the `count` targets of [rows, length] inputs that are not IGNORE_INDEX. */
async function summedLoss(
  model: ScoringModel,
  inputIds: Int32Array,
  targets: Int32Array,
  rows: number,
  count: number,
): Promise<number> {
  if (model instanceof OnnxLanguageModel) {
    const { values } = await model.run(inputIds, rows);
    const V = model.vocabSize;
    let nll = 0;
    targets.forEach((target, t) => {
      if (target !== IGNORE_INDEX) nll -= values[t * V + target]!;
    });
    return nll;
  }
  const length = inputIds.length / rows;
  const mean = tf.tidy(() => {
    const out = model.forward({
      inputIds: tf.tensor2d(inputIds, [rows, length], 'int32'),
      targets: tf.tensor2d(targets, [rows, length], 'int32'),
    });
    return out.loss!.dataSync()[0]!;
  });
  return mean * count;
}

/** The bytes behind a token stream, for bits per byte. */
export interface StreamBytes {
  /** UTF-8 size of the whole text (the divisor when every token is scored). */
  total: number;
  /** UTF-8 length of each id, specials 0 (the divisor's parts when `maxBatches` scores a prefix). */
  perToken: ArrayLike<number>;
}

/**
 * Loss, perplexity and bits per byte of `model` over every token of a token file (with `eos` as the
 * context of its first token).
 */
export async function evaluateTokenStream(
  model: ScoringModel,
  tokens: TokenFile,
  eos: number,
  bytes: StreamBytes,
  options: TextEvalOptions = {},
): Promise<EvalResult> {
  const onnx = model instanceof OnnxLanguageModel;
  if (onnx && (model.output !== 'log_probs' || model.pastKeyValues))
    throw new Error('evaluation needs an ONNX session opened with output "log_probs" and no past key/values');
  const T = model.config.model.blockSize;
  const batchSize = options.batchSize ?? 8;
  const stride = options.stride ?? T;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > T)
    throw new Error(`stride must be an integer in [1, blockSize = ${T}], got ${stride}`);
  // Stream position 0 is the EOS in front, position i ≥ 1 is token i − 1 of the file.
  const all = evaluationWindows(tokens.length, T, stride);
  const windows = all.slice(0, options.maxBatches === undefined ? undefined : options.maxBatches * batchSize);
  const read = (from: number, to: number): Int32Array => {
    const out = new Int32Array(to - from);
    if (from === 0) {
      out[0] = eos;
      tokens.read(0, out.subarray(1));
    } else tokens.read(from - 1, out);
    return out;
  };
  const wasTraining = onnx ? false : model.training;
  if (!onnx) model.training = false;
  let nll = 0;
  let scored = 0;
  let scoredBytes = 0;
  let windowLossSum = 0;
  try {
    for (let b = 0; b < windows.length; b += batchSize) {
      const batch = windows.slice(b, b + batchSize);
      const length = Math.max(...batch.map((w) => w.end - w.start));
      const inputIds = new Int32Array(batch.length * length);
      const targets = new Int32Array(batch.length * length).fill(IGNORE_INDEX);
      let count = 0;
      batch.forEach((w, r) => {
        const ids = read(w.start, w.end + 1);
        inputIds.set(ids.subarray(0, w.end - w.start), r * length);
        for (let p = w.from + 1; p <= w.end; p++) {
          targets[r * length + p - 1 - w.start] = ids[p - w.start]!;
          scoredBytes += bytes.perToken[ids[p - w.start]!]!;
        }
        count += w.end - w.from;
      });
      const sum = await summedLoss(model, inputIds, targets, batch.length, count);
      if (!Number.isFinite(sum))
        throw new Error(
          `non-finite loss (${sum}) on windows ${b + 1}…${b + batch.length}: check the weights`,
        );
      nll += sum;
      scored += count;
      windowLossSum += (sum / count) * batch.length;
    }
  } finally {
    if (!onnx) model.training = wasTraining;
  }
  const loss = nll / scored;
  const divisor = windows.length === all.length ? bytes.total : scoredBytes;
  return {
    loss,
    perplexity: Math.exp(loss),
    bitsPerByte: divisor > 0 ? bitsPerByte(loss, scored, divisor) : null,
    sampleWeightedLoss: windowLossSum / windows.length,
    tokens: scored,
  };
}

/**
 * Loss, perplexity and bits per byte of `model` on text files (any supported format): every token
 * predicted exactly once, `tokens` their count, bits per byte over the UTF-8 bytes of the text.
 */
export async function evaluateOnFiles(
  model: ScoringModel,
  tokenizer: BaseTokenizer,
  files: string[],
  options: TextEvalOptions = {},
): Promise<EvalResult> {
  if (tokenizer.vocabSize !== model.vocabSize) {
    throw new Error(
      `the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabulary is ${model.vocabSize}`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-eval-'));
  try {
    const file = path.join(dir, 'eval.bin');
    const { numBytes } = await tokenizeToFile(tokenizer, files, file, {
      documentSeparator: options.documentSeparator,
      textField: options.textField,
      invalidUtf8: options.invalidUtf8,
      progress: options.progress === true ? 'tokenizing' : undefined,
    });
    const tokens = new TokenFile(file);
    try {
      const bytes = { total: numBytes, perToken: tokenByteTable(tokenizer) };
      return await evaluateTokenStream(model, tokens, tokenizer.eosTokenId!, bytes, options);
    } finally {
      tokens.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
