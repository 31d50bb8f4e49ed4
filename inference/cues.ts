/**
 * Cue extraction (ByteSpan spec §3–4): run a byte-level LM over a corpus and store, for every byte, the
 * entropy of the model's prediction for it, its surprisal, and the negative log-probabilities of a space
 * and of end-of-text, in nats, as a cue corpus (tokenizers/bytespan/cue-corpus.ts).
 *
 * The corpus is one id stream — `EOS doc₀ EOS doc₁ EOS …` — cut into windows of `blockSize` every
 * `stride` positions. The first window keeps all its predictions; every later one keeps only its last
 * `stride`, so each byte after the first window is predicted with at least `blockSize − stride` bytes of
 * left context. Unlike the reference there is no wrap-around warm-up and no byte of a document is
 * overwritten by the separator (B12): every document starts right after an EOS.
 *
 * Resuming is exact: committed documents are re-read only to rebuild the stream (no forward passes), and
 * the window containing the first uncommitted byte is recomputed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { OnnxLanguageModel } from '../model/onnx-runtime.js';
import type { TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import {
  CUE_NAMES,
  type CueCorpusMeta,
  CueCorpusWriter,
  type CueName,
  documentBytes,
  ExtractionInterrupted,
} from '../tokenizers/bytespan/cue-corpus.js';
import { corpusFiles, type ReadOptions, readCorpus, readOptionsOf } from '../utils/corpus.js';
import { createProgress } from '../utils/progress.js';

export interface ExtractCuesOptions extends ReadOptions {
  /** Window length (default and maximum: the model's blockSize). */
  blockSize?: number;
  /** Distance between windows (default blockSize / 4). */
  stride?: number;
  /** Windows per forward pass (default 8). */
  batchSize?: number;
  /** Prepend a space to documents that do not start with one, as the ByteSpan tokenizers do (default true). */
  addPrefixSpace?: boolean;
  /** Continue an interrupted extraction in `outDir`. */
  resume?: boolean;
  /** Replace a complete cue corpus already in `outDir`. */
  overwrite?: boolean;
  /** Commit (fsync + meta.json) after at least this many new bytes (default 1 MiB). */
  commitBytes?: number;
  /** Show a progress bar on stderr (default true; silent without a TTY). */
  progress?: boolean;
  /** Stops the extraction between documents with a commit (wire Ctrl-C to it); it then throws ExtractionInterrupted. */
  signal?: AbortSignal;
}

/** Per-byte cue values for one kept prediction row of log-probabilities. */
function cuesOfRow(
  logp: Float32Array,
  row: number,
  vocab: number,
  target: number,
  eosId: number,
): [number, number, number, number] {
  const base = row * vocab;
  let entropy = 0;
  for (let v = 0; v < vocab; v++) {
    const lp = logp[base + v]!;
    // exp(−∞)·(−∞) is NaN; a zero-probability symbol contributes nothing.
    if (lp > -Infinity) entropy -= Math.exp(lp) * lp;
  }
  return [entropy, -logp[base + target]!, -logp[base + 0x20]!, -logp[base + eosId]!];
}

/** Log-probabilities [rows · blockSize · vocab] of windows, from either runtime. */
function logProbsOf(
  model: TransformerModel | OnnxLanguageModel,
): (rows: Int32Array[]) => Promise<Float32Array> {
  if (model instanceof OnnxLanguageModel) {
    if (model.output !== 'log_probs' || model.pastKeyValues) {
      throw new Error(
        'cue extraction needs an ONNX session opened with output "log_probs" and no past key/values',
      );
    }
    return async (rows) => {
      const ids = new Int32Array(rows.length * rows[0]!.length);
      rows.forEach((row, r) => {
        ids.set(row, r * row.length);
      });
      return (await model.run(ids, rows.length)).values;
    };
  }
  return async (rows) => {
    const logp = tf.tidy(() => tf.logSoftmax(model.forward({ inputIds: rows }).logits));
    const values = logp.dataSync() as Float32Array;
    logp.dispose();
    return values;
  };
}

/**
 * Runs `model` (trained with the byte-level `tokenizer`) over `inputs` and writes a cue corpus to
 * `outDir`, one source label per input file (its name without extension). The model runs in
 * TensorFlow.js, or in onnxruntime when it is an `OnnxLanguageModel` (same cues to float tolerance).
 */
export async function extractCues(
  model: TransformerModel | OnnxLanguageModel,
  tokenizer: BaseTokenizer,
  inputs: readonly string[],
  outDir: string,
  options: ExtractCuesOptions = {},
): Promise<CueCorpusMeta> {
  if (!(tokenizer instanceof ByteLevelTokenizer)) {
    throw new Error(
      `cue extraction needs a byte-level model (tokenizer type "byte"), got a ${tokenizer.constructor.name}`,
    );
  }
  const eosId = tokenizer.eosTokenId;
  if (eosId === null) throw new Error('the byte tokenizer has no EOS token');
  const vocab = model.vocabSize;
  if (vocab < tokenizer.vocabSize) {
    throw new Error(`model vocabSize ${vocab} is smaller than the tokenizer's ${tokenizer.vocabSize}`);
  }
  const blockSize = options.blockSize ?? model.config.model.blockSize;
  if (!Number.isInteger(blockSize) || blockSize < 2 || blockSize > model.config.model.blockSize) {
    throw new Error(
      `blockSize ${blockSize} must be an integer in [2, ${model.config.model.blockSize}] (the model's)`,
    );
  }
  const stride = options.stride ?? Math.max(1, Math.floor(blockSize / 4));
  if (!Number.isInteger(stride) || stride < 1 || stride >= blockSize) {
    throw new Error(`stride ${stride} must be an integer in [1, blockSize − 1 = ${blockSize - 1}]`);
  }
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batchSize ${batchSize} must be a positive integer`);
  const addPrefixSpace = options.addPrefixSpace ?? true;
  const files = await corpusFiles(inputs);
  const sources = files.map((f) => path.basename(f, path.extname(f)));
  const cueNames: CueName[] = [...CUE_NAMES];
  const writer = new CueCorpusWriter(
    outDir,
    {
      unit: 'nats',
      cues: cueNames,
      sources,
      producer: { blockSize, stride, addPrefixSpace, modelType: model.config.model.modelType },
    },
    { resume: options.resume, overwrite: options.overwrite },
  );
  const skipDocuments = writer.numDocuments;
  const commitBytes = options.commitBytes ?? 1 << 20;

  // The id stream lives in a sliding buffer: `stream[i]` is absolute position `base + i`.
  let stream = new Int32Array(1 << 16);
  let base = 0;
  let filled = 0;
  const push = (ids: ArrayLike<number>): void => {
    if (filled + ids.length > stream.length) {
      const grown = new Int32Array(Math.max(stream.length * 2, filled + ids.length));
      grown.set(stream.subarray(0, filled));
      stream = grown;
    }
    stream.set(ids, filled);
    filled += ids.length;
  };

  /** A document whose cues are (partly) still to come; `start` is the stream position of its first byte. */
  interface Pending {
    start: number;
    bytes: Uint8Array;
    source: number;
    cues: Map<CueName, Float32Array> | null;
  }
  const pending: Pending[] = [];
  let cursor = 0; // index in `pending` of the document receiving the next values
  let nextWindow = 0;
  // Positions before this are committed already (resume) and get no forward pass.
  let resumeFrom = skipDocuments > 0 ? Number.POSITIVE_INFINITY : 0;

  // Window k reads positions [k·stride, k·stride + blockSize); its row j predicts position k·stride + j + 1.
  // It keeps the predictions of positions [first, stop): all of them for k = 0, the last `stride` after.
  const firstTarget = (k: number): number => (k === 0 ? 1 : k * stride + blockSize - stride + 1);
  const stopTarget = (k: number): number => k * stride + blockSize + 1;

  const assign = (pos: number, cue: readonly number[]): void => {
    while (cursor < pending.length) {
      const doc = pending[cursor]!;
      if (pos < doc.start) return; // the EOS before this document
      if (pos < doc.start + doc.bytes.length) {
        const at = pos - doc.start;
        cueNames.forEach((name, c) => {
          doc.cues!.get(name)![at] = cue[c]!;
        });
        return;
      }
      cursor++;
    }
  };

  const logProbs = logProbsOf(model);
  const forwardWindows = async (windows: readonly number[], end: number): Promise<void> => {
    const ids = windows.map((k) => {
      const row = new Int32Array(blockSize); // right padding (id 0) never reaches earlier logits
      const from = k * stride;
      row.set(stream.subarray(from - base, Math.min(from + blockSize, end) - base));
      return row;
    });
    const values = await logProbs(ids);
    windows.forEach((k, w) => {
      const stop = Math.min(stopTarget(k), end);
      for (let pos = Math.max(firstTarget(k), resumeFrom); pos < stop; pos++) {
        const target = stream[pos - base]!;
        assign(pos, cuesOfRow(values, w * blockSize + pos - k * stride - 1, vocab, target, eosId));
      }
    });
  };

  /** Runs every window whose inputs and targets are all in the stream (at the end: every remaining one). */
  const runWindows = async (final: boolean): Promise<void> => {
    const end = base + filled;
    const ready: number[] = [];
    for (; firstTarget(nextWindow) < end; nextWindow++) {
      if (!final && stopTarget(nextWindow) > end) break;
      if (stopTarget(nextWindow) > resumeFrom) ready.push(nextWindow);
    }
    for (let i = 0; i < ready.length; i += batchSize)
      await forwardWindows(ready.slice(i, i + batchSize), end);
  };

  const totalBytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const bar = createProgress(totalBytes, 'cues', { enabled: options.progress, fields: ['bytesPerSec'] });
  const started = performance.now();
  let bytesDone = 0;
  let uncommitted = 0;

  /** Writes out the documents before stream position `done`, then drops stream data no window needs. */
  const flushDocuments = (done: number): void => {
    while (pending.length > 0 && pending[0]!.start + pending[0]!.bytes.length <= done) {
      const doc = pending.shift()!;
      cursor = Math.max(0, cursor - 1);
      if (doc.cues !== null) {
        writer.append(doc.bytes, doc.cues, doc.source);
        uncommitted += doc.bytes.length;
      }
      bytesDone += doc.bytes.length;
    }
    if (uncommitted >= commitBytes) {
      writer.commit();
      uncommitted = 0;
    }
    bar.update(bytesDone, { bytesPerSec: Math.round(bytesDone / ((performance.now() - started) / 1000)) });
    const keepFrom = nextWindow * stride;
    if (keepFrom - base > stream.length / 2) {
      stream.copyWithin(0, keepFrom - base, filled);
      filled -= keepFrom - base;
      base = keepFrom;
    }
  };

  let documents = 0;
  let yielded = performance.now();
  try {
    for (let f = 0; f < files.length; f++) {
      for await (const document of readCorpus([files[f]!], readOptionsOf(options))) {
        const bytes = documentBytes(document, addPrefixSpace);
        if (bytes.length === 0) continue;
        push([eosId]);
        const start = base + filled;
        push(bytes);
        const skip = documents < skipDocuments;
        if (!skip && resumeFrom === Number.POSITIVE_INFINITY) resumeFrom = start;
        const cues = skip
          ? null
          : new Map(cueNames.map((n): [CueName, Float32Array] => [n, new Float32Array(bytes.length)]));
        pending.push({ start, bytes, source: f, cues });
        documents++;
        await runWindows(false);
        flushDocuments(firstTarget(nextWindow));
        // Lets signal handlers run (Ctrl-C) every 50 ms or so; a stop commits what is done.
        if (performance.now() - yielded > 50) {
          await new Promise((resolve) => setImmediate(resolve));
          yielded = performance.now();
        }
        if (options.signal?.aborted) {
          writer.commit();
          throw new ExtractionInterrupted(outDir, writer.numDocuments);
        }
      }
    }
    if (documents < skipDocuments) {
      throw new Error(
        `cannot resume: ${outDir} holds ${skipDocuments} documents but the input has ${documents}`,
      );
    }
    await runWindows(true);
    flushDocuments(Number.POSITIVE_INFINITY);
    return writer.close();
  } finally {
    bar.stop();
  }
}
