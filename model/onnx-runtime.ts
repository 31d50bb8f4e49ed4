/**
 * The onnxruntime inference path: a cleangpt model exported to ONNX (onnx-export.ts) and run by
 * `onnxruntime-node`, an optional dependency (its CPU runtime ships inside the npm package). Cue
 * extraction, evaluation and generation use it through `OnnxLanguageModel`; its results match the
 * TensorFlow.js forward pass to float tolerance (tests/onnx.test.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { GPTConfig } from '../config.js';
import { leftPadded, rowSeeds } from './kv-cache.js';
import {
  exportOnnx,
  ONNX_FORMAT,
  ONNX_FORMAT_VERSION,
  ONNX_OPSET,
  type OnnxExportOptions,
} from './onnx-export.js';
import { decodeOnnx } from './onnx-graph.js';
import { createRng, sampleToken } from './sampling.js';
import type { TransformerModel } from './transformer.js';
import { type GenerateOptions, ModelError } from './types.js';

export const RUNTIME_NAMES = ['auto', 'onnx', 'tfjs'] as const;
export type RuntimeChoice = (typeof RUNTIME_NAMES)[number];

type OrtModule = typeof Ort;
let ort: OrtModule | null | undefined;

/** onnxruntime-node when it is installed and loads, else null (imported once, on first use). */
export async function loadOnnxRuntime(): Promise<OrtModule | null> {
  if (ort !== undefined) return ort;
  try {
    // Through a variable, so that a build without the optional dependency still type-checks its callers.
    const name = 'onnxruntime-node';
    const module = (await import(name)) as OrtModule & { default?: OrtModule };
    ort = module.default ?? module;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
      throw new ModelError(`onnxruntime-node is installed but failed to load: ${(error as Error).message}`);
    }
    ort = null;
  }
  return ort;
}

/** Resolves `--runtime`: `auto` is onnx when onnxruntime-node is installed, else tfjs. */
export async function chooseRuntime(requested: string = 'auto'): Promise<'onnx' | 'tfjs'> {
  if (!(RUNTIME_NAMES as readonly string[]).includes(requested)) {
    throw new ModelError(`unknown runtime "${requested}"; expected ${RUNTIME_NAMES.join(', ')}`);
  }
  if (requested === 'tfjs') return 'tfjs';
  const available = (await loadOnnxRuntime()) !== null;
  if (requested === 'onnx' && !available) {
    throw new ModelError(
      'runtime "onnx" needs the optional dependency onnxruntime-node: run `npm install onnxruntime-node` (or use --runtime tfjs)',
    );
  }
  return available ? 'onnx' : 'tfjs';
}

export interface OnnxSessionOptions {
  /** Threads of onnxruntime's CPU kernels (default: every core). */
  threads?: number;
}

function metadataOf(bytes: Uint8Array, source: string): { config: GPTConfig; past: boolean; output: string } {
  let model: ReturnType<typeof decodeOnnx>;
  try {
    model = decodeOnnx(bytes);
  } catch (error) {
    throw new ModelError(`${source}: not an ONNX model (${(error as Error).message})`);
  }
  const meta = new Map(model.metadataProps.map((p) => [p.key, p.value]));
  const hint = 'export one with `cleangpt export onnx --model DIR --out FILE.onnx`';
  if (meta.get('cleangpt.format') !== ONNX_FORMAT) {
    throw new ModelError(`${source}: not a cleangpt ONNX export (no "cleangpt.format" metadata); ${hint}`);
  }
  const opset = model.opsetImport.find((o) => (o.domain ?? '') === '')?.version;
  if (Number(opset) !== ONNX_OPSET || meta.get('cleangpt.version') !== ONNX_FORMAT_VERSION) {
    throw new ModelError(
      `${source}: opset ${opset}, export format ${meta.get('cleangpt.version')}; this cleangpt reads opset ${ONNX_OPSET}, format ${ONNX_FORMAT_VERSION}: ${hint}`,
    );
  }
  const config = GPTConfig.fromJSON(JSON.parse(meta.get('cleangpt.config') ?? 'null'), `${source} metadata`);
  return {
    config,
    past: meta.get('cleangpt.past_key_values') === 'true',
    output: meta.get('cleangpt.output')!,
  };
}

/** A cleangpt model running in onnxruntime. */
export class OnnxLanguageModel {
  readonly vocabSize: number;
  readonly #heads: number;
  readonly #headSize: number;

  private constructor(
    readonly config: GPTConfig,
    readonly pastKeyValues: boolean,
    /** `logits` or `log_probs`: what `run` returns. */
    readonly output: string,
    readonly session: Ort.InferenceSession,
    readonly ort: OrtModule,
  ) {
    this.vocabSize = config.model.vocabSize!;
    this.#heads = config.model.nHead;
    this.#headSize = config.model.nEmbd / config.model.nHead;
  }

  static async #open(
    bytes: Uint8Array,
    source: string,
    options: OnnxSessionOptions,
  ): Promise<OnnxLanguageModel> {
    const { config, past, output } = metadataOf(bytes, source);
    const runtime = await loadOnnxRuntime();
    if (runtime === null) {
      throw new ModelError('onnxruntime-node is not installed: run `npm install onnxruntime-node`');
    }
    const cores = os.availableParallelism();
    const threads = options.threads ?? cores;
    if (!Number.isInteger(threads) || threads < 1 || threads > cores) {
      throw new ModelError(
        `threads must be an integer from 1 to this machine's ${cores} cores, got ${threads}; more threads than cores only wait on each other`,
      );
    }
    const session = await runtime.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new OnnxLanguageModel(config, past, output, session, runtime);
  }

  /** Exports `model` in memory (`exportOnnx` options) and opens it. */
  static fromModel(
    model: TransformerModel,
    options: OnnxExportOptions & OnnxSessionOptions = {},
  ): Promise<OnnxLanguageModel> {
    return OnnxLanguageModel.#open(
      exportOnnx(model, options),
      `${model.config.model.modelType} model`,
      options,
    );
  }

  /** Opens an ONNX file written by `exportOnnx` / `cleangpt export onnx`; any other file is refused. */
  static fromFile(file: string, options: OnnxSessionOptions = {}): Promise<OnnxLanguageModel> {
    return OnnxLanguageModel.#open(new Uint8Array(fs.readFileSync(file)), file, options);
  }

  /**
   * One forward call on `ids` [batch · length] (row-major), after the cached `past` when the export has
   * past key/values. `real` [batch · (past + length)] marks real tokens (1) and padding (0) over the
   * cached and the new columns; null: every token is real. Returns the output [batch, length, vocab] and
   * the presents.
   */
  async run(
    ids: ArrayLike<number>,
    batch: number,
    past: Ort.Tensor[] | null = null,
    real: Uint8Array | null = null,
  ): Promise<{ values: Float32Array; present: Ort.Tensor[] }> {
    const length = ids.length / batch;
    if (!Number.isInteger(length) || length < 1)
      throw new ModelError(`${ids.length} ids do not form ${batch} rows`);
    const total = (past === null ? 0 : (past[0]!.dims[2] as number)) + length;
    if (real !== null && real.length !== batch * total) {
      throw new ModelError(
        `the padding mask has ${real.length} entries for ${batch} rows of ${total} tokens`,
      );
    }
    const mask = new BigInt64Array(batch * total);
    for (let i = 0; i < mask.length; i++) mask[i] = real === null || real[i] === 1 ? 1n : 0n;
    const ints = new BigInt64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new ModelError(`token id ${id} is outside the model vocabulary (vocabSize ${this.vocabSize})`);
      }
      ints[i] = BigInt(id);
    }
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new this.ort.Tensor('int64', ints, [batch, length]),
      attention_mask: new this.ort.Tensor('int64', mask, [batch, total]),
    };
    const layers = this.config.model.nLayer;
    if (this.pastKeyValues) {
      const empty = new this.ort.Tensor('float32', new Float32Array(0), [
        batch,
        this.#heads,
        0,
        this.#headSize,
      ]);
      for (let i = 0; i < layers; i++) {
        feeds[`past_key.${i}`] = past?.[2 * i] ?? empty;
        feeds[`past_value.${i}`] = past?.[2 * i + 1] ?? empty;
      }
    }
    const out = await this.session.run(feeds);
    const present: Ort.Tensor[] = [];
    if (this.pastKeyValues)
      for (let i = 0; i < layers; i++) present.push(out[`present_key.${i}`]!, out[`present_value.${i}`]!);
    return { values: out[this.output]!.data as Float32Array, present };
  }

  /**
   * Cached generation with the options and results of `TransformerModel.generate` (greedy tokens and
   * seeded samples match it). Prompts of different lengths are left-padded to the longest, with the
   * padding masked (`attention_mask`) and positions counted from each row's first real token. Past
   * blockSize the window slides and the cache is rebuilt from the cropped window, as in TensorFlow.js.
   */
  async generate(prompts: number[][], options: GenerateOptions): Promise<number[][]> {
    if (!this.pastKeyValues || this.output !== 'logits') {
      throw new ModelError('generation needs an ONNX export with past key/values and logits');
    }
    const { maxNewTokens, onToken, sampler } = options;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
      throw new ModelError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
    }
    if (prompts.length === 0) throw new ModelError('prompt has no rows');
    prompts.forEach((row, b) => {
      if (row.length === 0) throw new ModelError(`prompt row ${b} has no tokens`);
    });
    const padId = options.padTokenId ?? this.config.model.paddingIdx ?? 0;
    if (!Number.isInteger(padId) || padId < 0 || padId >= this.vocabSize) {
      throw new ModelError(
        `padTokenId ${padId} is outside the model vocabulary (vocabSize ${this.vocabSize})`,
      );
    }
    const rngs = rowSeeds(options.seed, prompts.length).map(createRng);
    const eos = options.eosTokenId ?? null;
    const sequences = prompts.map((row) => [...row]);
    const finished = prompts.map(() => false);
    const V = this.vocabSize;
    const batch = prompts.length;
    let past: Ort.Tensor[] | null = null;
    let cachedStart = 0;
    for (let step = 0; step < maxNewTokens && finished.includes(false); step++) {
      // Every row grows by one token per step, so each row's padding (and the cache layout) stays fixed
      // until the window slides.
      const total = Math.max(...sequences.map((s) => s.length));
      const windowStart = Math.max(0, total - this.config.model.blockSize);
      if (past !== null && windowStart !== cachedStart) past = null;
      cachedStart = windowStart;
      const from = past === null ? windowStart : total - 1;
      const { ids, real } = leftPadded(sequences, total, windowStart, from, padId);
      const { values, present } = await this.run(ids, batch, past, real);
      past = present;
      const width = total - from;
      for (let b = 0; b < batch; b++) {
        if (finished[b]) {
          sequences[b]!.push(eos as number);
          continue;
        }
        const row = (b * width + width - 1) * V;
        const logits = values.subarray(row, row + V);
        const next =
          sampler === undefined
            ? sampleToken(logits, options, rngs[b]!, sequences[b])
            : sampler(logits, rngs[b]!, sequences[b]!);
        if (!Number.isInteger(next) || next < 0 || next >= V) {
          throw new ModelError(`the sampler returned ${next}, not a token id below vocabSize ${V}`);
        }
        sequences[b]!.push(next);
        if (next === eos) finished[b] = true;
        onToken?.(next, b, step);
      }
    }
    return sequences.map((s, b) => {
      if (eos === null) return s;
      const stop = s.indexOf(eos, prompts[b]!.length);
      return stop < 0 ? s : s.slice(0, stop + 1);
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
