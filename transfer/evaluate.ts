/**
 * The transfer evaluation protocol (spec zett §12): bits per byte on the same held-out documents for every
 * condition, byte-aligned windows (the text is cut at the same character offsets before each tokenizer
 * sees it, so no tokenizer gets a longer context), each window prefixed with BOS so that its first
 * content token is predicted and every byte counts; paired bootstrap intervals over windows; and short
 * continued-training curves from any start.
 *   BPB = Σ_windows Σ_tokens NLL_nats / (ln 2 · Σ_windows UTF-8 bytes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../model/random.js';
import type { TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { AdamW } from '../trainers/adamw.js';
import { TransferError } from './surface.js';

export interface WindowLosses {
  /** Per window: summed NLL (nats), UTF-8 bytes, tokens. */
  nll: Float64Array;
  bytes: Float64Array;
  tokens: Float64Array;
}

const utf8 = new TextEncoder();

/** `count` windows of `chars` characters, evenly spaced over `text` (the same for every condition). */
export function byteWindows(text: string, chars: number, count: number): string[] {
  const stride = Math.floor((text.length - chars) / Math.max(1, count - 1));
  if (stride < 0)
    throw new TransferError(`the evaluation text (${text.length} characters) is shorter than one window`);
  return Array.from({ length: count }, (_, i) => text.slice(i * stride, i * stride + chars));
}

function bosOf(tokenizer: BaseTokenizer): number {
  const id = tokenizer.bosTokenId ?? tokenizer.eosTokenId;
  if (id === null)
    throw new TransferError('the tokenizer has neither a BOS nor an EOS token to start each window with');
  return id;
}

export function windowLosses(
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  windows: readonly string[],
  batch = 8,
): WindowLosses {
  const n = windows.length;
  const out: WindowLosses = {
    nll: new Float64Array(n),
    bytes: new Float64Array(n),
    tokens: new Float64Array(n),
  };
  const bos = bosOf(tokenizer);
  const wasTraining = model.training;
  model.eval();
  for (let start = 0; start < n; start += batch) {
    const rows = windows.slice(start, start + batch).map((w) => [bos, ...tokenizer.encode(w)]);
    const width = Math.max(...rows.map((r) => r.length)) - 1;
    if (width > model.config.model.blockSize) {
      throw new TransferError(
        `a window needs ${width} tokens but the model's context is ${model.config.model.blockSize}; use shorter windows so that no condition truncates`,
      );
    }
    const inputs = rows.map((r) => [...r.slice(0, -1), ...new Array(width - r.length + 1).fill(bos)]);
    const targets = rows.map((r) => [...r.slice(1), ...new Array(width - r.length + 1).fill(-100)]);
    const logProbs = tf.tidy(
      () => tf.logSoftmax(model.forward({ inputIds: inputs }).logits).arraySync() as number[][][],
    );
    rows.forEach((r, b) => {
      let nll = 0;
      for (let t = 0; t < r.length - 1; t++) nll -= logProbs[b]![t]![targets[b]![t]!]!;
      out.nll[start + b] = nll;
      out.tokens[start + b] = r.length - 1;
      out.bytes[start + b] = utf8.encode(windows[start + b]!).length;
    });
  }
  model.train(wasTraining);
  return out;
}

export function bitsPerByte(l: WindowLosses, pick?: ArrayLike<number>): number {
  let nll = 0;
  let bytes = 0;
  const n = pick?.length ?? l.nll.length;
  for (let i = 0; i < n; i++) {
    const w = pick === undefined ? i : pick[i]!;
    nll += l.nll[w]!;
    bytes += l.bytes[w]!;
  }
  return nll / (Math.LN2 * bytes);
}

/** 95% percentile interval of BPB (or of BPB(a) − BPB(b), paired, when `b` is given) over resampled windows. */
export function bootstrapInterval(
  a: WindowLosses,
  b: WindowLosses | null,
  seed = 0,
  resamples = 500,
): [number, number] {
  const rng = new SeededRandom(seed);
  const n = a.nll.length;
  const values: number[] = [];
  const pick = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) pick[i] = Math.floor(rng.next() * n);
    values.push(bitsPerByte(a, pick) - (b === null ? 0 : bitsPerByte(b, pick)));
  }
  values.sort((x, y) => x - y);
  return [values[Math.floor(0.025 * resamples)]!, values[Math.ceil(0.975 * resamples) - 1]!];
}

export interface ContinueOptions {
  steps: number;
  /** Steps after which `evaluate` runs (0 = before training). */
  evalAt: readonly number[];
  batchSize: number;
  blockSize: number;
  learningRate: number;
  /** Train only the token embeddings (curve (a) of the protocol) instead of everything. */
  embeddingsOnly?: boolean;
  seed?: number;
}

/** Continues training `model` on `text` tokenized with `tokenizer`, returning (step, evaluate()) points. */
export async function continueTraining(
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  text: string,
  options: ContinueOptions,
  evaluate: () => number,
): Promise<Array<{ step: number; value: number }>> {
  const ids = tokenizer.encode(text);
  const { blockSize, batchSize } = options;
  if (ids.length < blockSize + 2) throw new TransferError(`the training text has only ${ids.length} tokens`);
  const params = model
    .namedParameters()
    .filter(([n]) => !options.embeddingsOnly || n === 'transformer.wte.weight');
  const optimizer = new AdamW(params, { learningRate: options.learningRate, weightDecay: 0.01 });
  const rng = new SeededRandom(options.seed ?? 0);
  const points: Array<{ step: number; value: number }> = [];
  if (options.evalAt.includes(0)) points.push({ step: 0, value: evaluate() });
  for (let step = 1; step <= options.steps; step++) {
    const starts = Array.from({ length: batchSize }, () =>
      Math.floor(rng.next() * (ids.length - blockSize - 1)),
    );
    const inputs = starts.map((s) => ids.slice(s, s + blockSize));
    const targets = starts.map((s) => ids.slice(s + 1, s + blockSize + 1));
    model.train();
    const { value, grads } = tf.variableGrads(
      () => model.forward({ inputIds: inputs, targets }).loss!,
      params.map(([, v]) => v),
    );
    value.dispose();
    optimizer.applyGradients(Object.fromEntries(params.map(([n, v]) => [n, grads[v.name]!])));
    for (const g of Object.values(grads)) g.dispose();
    if (options.evalAt.includes(step)) points.push({ step, value: evaluate() });
    await new Promise((resolve) => setImmediate(resolve));
  }
  model.eval();
  optimizer.dispose();
  return points;
}
