/**
 * Shared body of the GPT-style models: parameters by name, embeddings, final LayerNorm, tied head, loss,
 * generation with a KV cache. Subclasses (Vanilla, SASP) define their blocks.
 *
 * Linear weights are stored [in, out] (the orientation of Hugging Face's GPT-2 Conv1D), so the forward
 * product is a plain non-transposed matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GPTConfig } from '../config.js';
import { KeyPadding } from './attention.js';
import { crossEntropy, dropout, embedding, gelu, layerNorm, linear, linearTransposed } from './ops.js';
import { deriveSeed, SeededRandom } from './random.js';
import { createRng, type Rng, type SamplingOptions, sampleToken } from './sampling.js';

export const IGNORE_INDEX = -100;
export const INIT_STD = 0.02;

/** Hidden width of the gated MLP: ceil8(floor(2.1/3 · 4d)). */
export function llamaHiddenSize(d: number): number {
  return Math.ceil(Math.floor((2.1 / 3) * 4 * d) / 8) * 8;
}

export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

export type TokenBatch = number[][] | Int32Array[] | tf.Tensor2D;

export interface ForwardInput {
  inputIds: TokenBatch;
  /** `targets[b][t]` is the token that follows `inputIds[b][t]`; −100 positions are ignored. */
  targets?: TokenBatch;
  /**
   * 1 for real tokens, 0 for padding. Padded keys are hidden from every query and positions count real
   * tokens only, so a left-padded row gets the logits it would get alone. Right padding (the collators')
   * changes nothing for real tokens. Absent or all ones: the plain causal path, no extra ops.
   */
  attentionMask?: TokenBatch;
  /**
   * An outside token-embedding matrix [rows, nEmbd] used instead of the model's own, for lookup and for
   * the tied head alike (ids are checked against its rows). Gradients flow into whatever produced it,
   * e.g. a hypernetwork predicting embeddings for another tokenizer, while the body stays as it is.
   */
  embeddings?: tf.Tensor2D;
}

export interface ForwardOutput {
  logits: tf.Tensor3D;
  loss?: tf.Scalar;
}

export interface ModelOptions {
  /** Seed of the weight initialisation (default 1337). */
  seed?: number;
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  eosTokenId?: number | null;
  /**
   * Each row draws from its own generator, so its tokens never depend on the other rows: a number seeds
   * row b with seed + b, an array gives one seed per row. Default: the clock.
   */
  seed?: number | readonly number[];
  /** Id written into padded positions; they are never attended to. Default config.paddingIdx, else 0. */
  padTokenId?: number;
  /** Called with each new token of each unfinished row as soon as it is sampled. */
  onToken?: (token: number, row: number, step: number) => void;
  /**
   * Picks the next token of one row from its logits (default: `sampleToken` with these options), e.g. a
   * registered sampling strategy; `previous` is the row so far, prompt included.
   */
  sampler?: (logits: Float32Array, rng: Rng, previous: readonly number[]) => number;
}

/** Per-layer attention cache: keys and values as [batch·heads, cachedLength, headSize]. */
export interface LayerCache {
  keys: tf.Tensor3D | null;
  values: tf.Tensor3D | null;
}

/** What a block needs to know about the current call besides its input. */
export interface BlockContext {
  batch: number;
  /** Query positions in this call. */
  length: number;
  /** Absolute position of the first query (cached tokens before it). */
  offset: number;
  training: boolean;
  cache: LayerCache | null;
  /** Real and padded keys of each row; null when no row is padded. */
  padding: KeyPadding | null;
}

interface Batch {
  ids: Int32Array;
  batch: number;
  length: number;
}

function toBatch(value: TokenBatch, what: string): Batch {
  if (value instanceof tf.Tensor) {
    if (value.rank !== 2)
      throw new ModelError(`${what} must be 2-D [batch, time], got shape [${value.shape}]`);
    return { ids: Int32Array.from(value.dataSync()), batch: value.shape[0], length: value.shape[1] };
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new ModelError(`${what} must be a non-empty batch of rows`);
  const length = value[0]!.length;
  const ids = new Int32Array(value.length * length);
  value.forEach((row, b) => {
    if (row.length !== length)
      throw new ModelError(`${what} rows have different lengths (${length} and ${row.length})`);
    ids.set(row, b * length);
  });
  return { ids, batch: value.length, length };
}

export abstract class TransformerModel {
  readonly config: GPTConfig;
  training = true;
  /**
   * Seed of the dropout masks of the next forward pass (each dropout in it draws from deriveSeed(this,
   * k) for its position k in the pass); trainers set it from the run seed and the step. Null: the
   * init seed and a count of forward passes.
   */
  dropoutSeed: number | null = null;
  #forwardPasses = 0;
  #passSeed = 0;
  #dropoutsInPass = 0;
  readonly #params = new Map<string, tf.Variable>();
  readonly #seed: number;
  protected readonly rng: SeededRandom;

  constructor(config: GPTConfig, options: ModelOptions = {}) {
    config.validate();
    if (config.vocabSize === null) {
      throw new ModelError(
        'config.vocabSize is not set; call config.updateFromTokenizer(tokenizer) or set it',
      );
    }
    if (config.paddingIdx !== null && config.paddingIdx >= config.vocabSize) {
      throw new ModelError(
        `config.paddingIdx (${config.paddingIdx}) is outside the vocabulary (size ${config.vocabSize})`,
      );
    }
    this.config = config;
    this.#seed = options.seed ?? 1337;
    this.rng = new SeededRandom(this.#seed);
    const d = config.nEmbd;
    this.addNormal('transformer.wte.weight', [config.vocabSize, d], INIT_STD);
    this.addNormal('transformer.wpe.weight', [config.blockSize, d], INIT_STD);
    this.buildBlocks();
    this.addLayerNorm('transformer.ln_f');
    for (const [name, variable] of this.#params) {
      if (name.endsWith('c_proj.weight')) {
        variable.assign(this.normal(variable.shape, INIT_STD / Math.sqrt(2 * config.nLayer)));
      }
    }
    this.afterInit();
    // Last of all, so no later init step can undo it (reference defect D12).
    if (config.paddingIdx !== null)
      this.zeroRows('transformer.wte.weight', config.paddingIdx, config.paddingIdx + 1);
  }

  /** Creates the block parameters (names `transformer.h.{i}.…`). */
  protected abstract buildBlocks(): void;
  /** Model-specific init applied after the global init. */
  protected afterInit(): void {}
  /** One block on x[B·T, d]. */
  protected abstract block(layer: number, x: tf.Tensor2D, context: BlockContext): tf.Tensor2D;

  // ---- parameters -------------------------------------------------------------------------------

  protected normal(shape: number[], std: number): tf.Tensor {
    return tf.tensor(
      this.rng.normalArray(
        shape.reduce((a, b) => a * b, 1),
        std,
      ),
      shape,
    );
  }

  protected add(name: string, value: tf.Tensor): tf.Variable {
    if (this.#params.has(name)) throw new ModelError(`parameter ${name} defined twice`);
    const variable = tf.variable(value, true);
    value.dispose();
    this.#params.set(name, variable);
    return variable;
  }

  protected addNormal(name: string, shape: number[], std = INIT_STD): tf.Variable {
    return this.add(name, this.normal(shape, std));
  }

  /** A Linear layer: weight [in, out] ~ N(0, 0.02), bias zeros when config.bias. */
  protected addLinear(prefix: string, inFeatures: number, outFeatures: number): void {
    this.addNormal(`${prefix}.weight`, [inFeatures, outFeatures]);
    if (this.config.bias) this.add(`${prefix}.bias`, tf.zeros([outFeatures]));
  }

  protected addLayerNorm(prefix: string): void {
    this.add(`${prefix}.weight`, tf.ones([this.config.nEmbd]));
    if (this.config.bias) this.add(`${prefix}.bias`, tf.zeros([this.config.nEmbd]));
  }

  /** Sets rows [from, to) of a 2-D parameter to zero. */
  protected zeroRows(name: string, from: number, to: number): void {
    const variable = this.param(name);
    const values = variable.dataSync().slice();
    const width = variable.shape[1] ?? 1;
    values.fill(0, from * width, to * width);
    variable.assign(tf.tensor(values, variable.shape));
  }

  /** Sets columns [from, to) of a 2-D parameter to zero. */
  protected zeroColumns(name: string, from: number, to: number): void {
    const variable = this.param(name);
    const [rows, cols] = variable.shape as [number, number];
    const values = variable.dataSync().slice();
    for (let r = 0; r < rows; r++) values.fill(0, r * cols + from, r * cols + to);
    variable.assign(tf.tensor(values, variable.shape));
  }

  param(name: string): tf.Variable {
    const variable = this.#params.get(name);
    if (variable === undefined) throw new ModelError(`no parameter named ${name}`);
    return variable;
  }

  maybeParam(name: string): tf.Variable | undefined {
    return this.#params.get(name);
  }

  /** Rows of the token-embedding matrix (the tied head has the same rows). */
  get vocabSize(): number {
    return this.param('transformer.wte.weight').shape[0];
  }

  /** A copy of the input embedding matrix [vocabSize, nEmbd]. */
  getInputEmbeddings(): tf.Tensor2D {
    return this.param('transformer.wte.weight').clone() as tf.Tensor2D;
  }

  /** A copy of the output (head) embedding matrix; the head is tied, so these are the input rows. */
  getOutputEmbeddings(): tf.Tensor2D {
    return this.getInputEmbeddings();
  }

  /**
   * Replaces the token embeddings (input and tied head) with a copy of `matrix` [rows, nEmbd]. Another row
   * count resizes the vocabulary: config.vocabSize follows, and `paddingIdx` (default: the current one)
   * must lie inside the new rows. The body is not touched. Optimizer state for the old matrix is stale.
   */
  setInputEmbeddings(matrix: tf.Tensor2D, options: { paddingIdx?: number | null } = {}): void {
    const [rows, width] = matrix.shape;
    if (matrix.rank !== 2 || width !== this.config.nEmbd || !(rows > 0)) {
      throw new ModelError(
        `embedding matrix must be [rows, ${this.config.nEmbd}] with rows > 0, got [${matrix.shape}]`,
      );
    }
    const paddingIdx = options.paddingIdx === undefined ? this.config.paddingIdx : options.paddingIdx;
    if (paddingIdx !== null && (!Number.isInteger(paddingIdx) || paddingIdx < 0 || paddingIdx >= rows)) {
      throw new ModelError(`paddingIdx ${paddingIdx} is outside the new vocabulary (${rows} rows)`);
    }
    const old = this.param('transformer.wte.weight');
    if (rows === old.shape[0]) old.assign(matrix);
    else {
      // Replaced in place in the parameter map, so definition order (and checkpoint layout) is unchanged.
      this.#params.set('transformer.wte.weight', tf.variable(matrix.clone(), true));
      old.dispose();
    }
    this.config.vocabSize = rows;
    this.config.paddingIdx = paddingIdx;
  }

  /** Trainable parameters by checkpoint name, in definition order (the tied head appears once, as wte). */
  namedParameters(): Array<[string, tf.Variable]> {
    return [...this.#params];
  }

  trainableVariables(): tf.Variable[] {
    return [...this.#params.values()];
  }

  /** nanoGPT's weight-decay rule: matrices (rank ≥ 2) decay; biases, norms and gains do not. */
  static isDecayed(variable: tf.Variable): boolean {
    return variable.rank >= 2;
  }

  numParams({ nonEmbedding = true }: { nonEmbedding?: boolean } = {}): number {
    let total = 0;
    for (const [name, variable] of this.#params) {
      if (nonEmbedding && name === 'transformer.wpe.weight') continue;
      total += variable.size;
    }
    return total;
  }

  train(mode = true): this {
    this.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  dispose(): void {
    for (const variable of this.#params.values()) variable.dispose();
    this.#params.clear();
  }

  // ---- forward ----------------------------------------------------------------------------------

  forward(input: ForwardInput): ForwardOutput {
    const batch = toBatch(input.inputIds, 'inputIds');
    const table = input.embeddings ?? (this.param('transformer.wte.weight') as tf.Tensor2D);
    if (table.rank !== 2 || table.shape[1] !== this.config.nEmbd) {
      throw new ModelError(`embeddings must be [rows, ${this.config.nEmbd}], got [${table.shape}]`);
    }
    this.#checkBatch(batch, table.shape[0]);
    let real: Uint8Array | null = null;
    if (input.attentionMask !== undefined) {
      const mask = toBatch(input.attentionMask, 'attentionMask');
      this.#sameShape(mask, batch, 'attentionMask');
      for (const m of mask.ids)
        if (m !== 0 && m !== 1) throw new ModelError(`attentionMask values must be 0 or 1, got ${m}`);
      if (mask.ids.includes(0)) real = Uint8Array.from(mask.ids);
    }
    let targets: Int32Array | null = null;
    if (input.targets !== undefined) {
      const t = toBatch(input.targets, 'targets');
      this.#sameShape(t, batch, 'targets');
      targets = t.ids;
    }
    this.#passSeed = this.dropoutSeed ?? deriveSeed(this.#seed, this.#forwardPasses++);
    this.#dropoutsInPass = 0;
    return tf.tidy(() => {
      const logits2d = this.#logits(batch, 0, null, real, null, table);
      const logits = tf.reshape(logits2d, [batch.batch, batch.length, table.shape[0]]) as tf.Tensor3D;
      if (targets === null) return { logits };
      return { logits, loss: crossEntropy(logits2d, targets, IGNORE_INDEX) };
    });
  }

  #checkBatch({ ids, length }: Batch, vocabSize: number): void {
    if (length === 0) throw new ModelError('inputIds has no tokens');
    if (length > this.config.blockSize) {
      throw new ModelError(`sequence length ${length} exceeds blockSize ${this.config.blockSize}`);
    }
    this.#checkIds(ids, vocabSize);
  }

  #checkIds(ids: ArrayLike<number>, vocabSize = this.vocabSize): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new ModelError(
          `token id ${id} is outside the model vocabulary (vocabSize ${vocabSize}); tokenizer and model config disagree`,
        );
      }
    }
  }

  #sameShape(other: Batch, batch: Batch, what: string): void {
    if (other.batch !== batch.batch || other.length !== batch.length) {
      throw new ModelError(
        `${what} has shape [${other.batch}, ${other.length}], inputIds has [${batch.batch}, ${batch.length}]`,
      );
    }
  }

  /**
   * Logits [B·T, V] for the tokens in columns offset … offset+T−1, extending `caches` when given.
   * `real` ([B, offset+T], 1 = real token) marks padding; then positions count real tokens only.
   */
  #logits(
    batch: Batch,
    offset: number,
    caches: LayerCache[] | null,
    real: Uint8Array | null,
    sampling: { headT: tf.Tensor2D } | null = null,
    table = this.param('transformer.wte.weight') as tf.Tensor2D,
  ): tf.Tensor2D {
    const { ids, length } = batch;
    const padding = real === null ? null : new KeyPadding(real, batch.batch, length, offset);
    let positions: Int32Array;
    if (padding === null) {
      positions = new Int32Array(ids.length);
      for (let i = 0; i < ids.length; i++) positions[i] = offset + (i % length);
    } else {
      positions = padding.positions();
    }
    const tokens = embedding(table, ids);
    const pos = embedding(this.param('transformer.wpe.weight') as tf.Tensor2D, positions);
    let x = this.dropout(tf.add(tokens, pos), this.training) as tf.Tensor2D;
    for (let layer = 0; layer < this.config.nLayer; layer++) {
      x = this.block(layer, x, {
        batch: batch.batch,
        length,
        offset,
        training: this.training,
        cache: caches === null ? null : caches[layer]!,
        padding,
      });
    }
    if (sampling !== null) {
      // Sampling needs each row's last position only, against a head transposed once per generate call.
      const last = Int32Array.from({ length: batch.batch }, (_, b) => b * length + length - 1);
      const h = this.layerNorm('transformer.ln_f', tf.gather(x, tf.tensor1d(last, 'int32'))) as tf.Tensor2D;
      return tf.matMul(h, sampling.headT);
    }
    const h = this.layerNorm('transformer.ln_f', x) as tf.Tensor2D;
    return linearTransposed(h, table);
  }

  /** A Linear layer by name: x[N, in] · weight (+ bias). */
  protected linear(prefix: string, x: tf.Tensor2D): tf.Tensor2D {
    return linear(
      x,
      this.param(`${prefix}.weight`) as tf.Tensor2D,
      this.maybeParam(`${prefix}.bias`) as tf.Tensor1D | undefined,
    );
  }

  /** Parameters of the MLP: 4× GELU, or with `gated` the GELU-gated LLaMA-style variant of hidden width `hidden`. */
  protected addMlp(prefix: string, gated: boolean): void {
    const d = this.config.nEmbd;
    const hidden = gated ? llamaHiddenSize(d) : 4 * d;
    this.addLinear(`${prefix}.c_fc`, d, hidden);
    if (gated) this.addLinear(`${prefix}.c_gate`, d, hidden);
    this.addLinear(`${prefix}.c_proj`, hidden, d);
  }

  protected mlp(prefix: string, h: tf.Tensor2D): tf.Tensor2D {
    const up = this.linear(`${prefix}.c_fc`, h);
    const act =
      this.maybeParam(`${prefix}.c_gate.weight`) === undefined
        ? gelu(up)
        : tf.mul(gelu(this.linear(`${prefix}.c_gate`, h)), up);
    return this.dropout(this.linear(`${prefix}.c_proj`, act as tf.Tensor2D), this.training) as tf.Tensor2D;
  }

  /** Dropout at config.dropout with the next seed of this forward pass (see `dropoutSeed`). */
  protected dropout(x: tf.Tensor, training: boolean): tf.Tensor {
    return dropout(x, this.config.dropout, training, this.nextDropoutSeed());
  }

  /** The seed of the next dropout mask of this forward pass (fused kernels draw their own masks from it). */
  protected nextDropoutSeed(): number {
    return deriveSeed(this.#passSeed, this.#dropoutsInPass++);
  }

  protected layerNorm(prefix: string, x: tf.Tensor): tf.Tensor {
    return layerNorm(
      x,
      this.param(`${prefix}.weight`) as tf.Tensor1D,
      this.maybeParam(`${prefix}.bias`) as tf.Tensor1D | undefined,
    );
  }

  // ---- generation -------------------------------------------------------------------------------

  /**
   * Autoregressive sampling with a KV cache: after the prompt, each step feeds only the new token.
   * Rows may differ in length: they are left-padded to the longest, padded keys are masked out and each
   * row's positions start at 0 at its first real token, so a row gets the tokens it would get alone (with
   * its seed). Positions are learned and absolute, so once the longest row exceeds blockSize the window
   * (the last blockSize columns) slides and every cached key is at the wrong position; the cache is then
   * rebuilt for the cropped window (each row's positions restarting at 0 at its first token inside it),
   * which costs one full forward per token from that point, exactly like uncached generation.
   * `useCache: false` recomputes every step (for tests). Rows stop at `eosTokenId` (included); the
   * model's train/eval mode is restored afterwards.
   */
  generate(prompt: number[][] | number[], options: GenerateOptions, useCache = true): number[][] {
    const rows = (Array.isArray(prompt[0]) ? prompt : [prompt]) as number[][];
    const { maxNewTokens, onToken, sampler } = options;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
      throw new ModelError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
    }
    if (rows.length === 0) throw new ModelError('prompt has no rows');
    rows.forEach((row, b) => {
      if (row.length === 0) throw new ModelError(`prompt row ${b} has no tokens`);
      this.#checkIds(row);
    });
    const padId = options.padTokenId ?? this.config.paddingIdx ?? 0;
    if (!Number.isInteger(padId) || padId < 0 || padId >= this.vocabSize) {
      throw new ModelError(
        `padTokenId ${padId} is outside the model vocabulary (vocabSize ${this.vocabSize})`,
      );
    }
    const rngs = rowSeeds(options.seed, rows.length).map(createRng);
    const eos = options.eosTokenId ?? null;
    const sequences = rows.map((row) => [...row]);
    const finished = rows.map(() => false);
    const wasTraining = this.training;
    this.training = false;
    let caches: LayerCache[] | null = null;
    let cachedStart = 0;
    const headT = tf.tidy(() => tf.transpose(this.param('transformer.wte.weight') as tf.Tensor2D));
    try {
      for (let step = 0; step < maxNewTokens && finished.includes(false); step++) {
        // Every row grows by one token per step, so the padding before each row, and with it the cache
        // layout, stays fixed until the window slides.
        const total = Math.max(...sequences.map((s) => s.length));
        const windowStart = Math.max(0, total - this.config.blockSize);
        const reuse = useCache && caches !== null && windowStart === cachedStart;
        if (!reuse) {
          disposeCaches(caches);
          caches = useCache ? this.#emptyCaches() : null;
          cachedStart = windowStart;
        }
        const offset = reuse ? total - 1 - windowStart : 0;
        const { ids, real } = leftPadded(sequences, total, windowStart, windowStart + offset, padId);
        const fed: Batch = { ids, batch: rows.length, length: total - windowStart - offset };
        const last = tf.tidy(() => {
          const logits = this.#logits(fed, offset, caches, real, { headT });
          if (caches !== null) for (const c of caches) keepCache(c);
          return logits.dataSync() as Float32Array;
        });
        for (let b = 0; b < rows.length; b++) {
          // A finished row gets a placeholder EOS so all rows keep growing together; trimmed on return.
          if (finished[b]) {
            sequences[b]!.push(eos as number);
            continue;
          }
          const logits = last.subarray(b * this.vocabSize, (b + 1) * this.vocabSize);
          if (logits.some(Number.isNaN))
            throw new ModelError(
              `the logits of row ${b} at generation step ${step} are NaN: the weights hold NaN or ∞`,
            );
          const next =
            sampler === undefined
              ? sampleToken(logits, options, rngs[b]!, sequences[b])
              : sampler(logits, rngs[b]!, sequences[b]!);
          if (!Number.isInteger(next) || next < 0 || next >= this.vocabSize) {
            throw new ModelError(
              `the sampler returned ${next}, not a token id below vocabSize ${this.vocabSize}`,
            );
          }
          sequences[b]!.push(next);
          if (next === eos) finished[b] = true;
          onToken?.(next, b, step);
        }
      }
    } finally {
      headT.dispose();
      disposeCaches(caches);
      this.training = wasTraining;
    }
    return sequences.map((s, b) => {
      if (eos === null) return s;
      const stop = s.indexOf(eos, rows[b]!.length);
      return stop < 0 ? s : s.slice(0, stop + 1);
    });
  }

  #emptyCaches(): LayerCache[] {
    return Array.from({ length: this.config.nLayer }, () => ({ keys: null, values: null }));
  }
}

function keepCache(cache: LayerCache): void {
  if (cache.keys !== null) tf.keep(cache.keys);
  if (cache.values !== null) tf.keep(cache.values);
}

function disposeCaches(caches: LayerCache[] | null): void {
  if (caches === null) return;
  for (const c of caches) {
    c.keys?.dispose();
    c.values?.dispose();
  }
}

/** One seed per row: an array as given, a number as seed + row. */
export function rowSeeds(seed: number | readonly number[] | undefined, rows: number): number[] {
  let seeds: number[];
  if (typeof seed === 'object') {
    if (seed.length !== rows) throw new ModelError(`seed has ${seed.length} entries for ${rows} prompt rows`);
    seeds = [...seed];
  } else {
    const base = seed ?? Date.now();
    seeds = Array.from({ length: rows }, (_, b) => base + b);
  }
  for (const s of seeds)
    if (!Number.isFinite(s)) throw new ModelError(`seed must be a finite number, got ${s}`);
  return seeds;
}

/**
 * Rows left-padded to `total` columns (row b's tokens fill its last rows[b].length columns): the ids of
 * columns from … total−1, and which columns of windowStart … total−1 hold real tokens, or null when none
 * of them is padding.
 */
function leftPadded(
  rows: number[][],
  total: number,
  windowStart: number,
  from: number,
  padId: number,
): { ids: Int32Array; real: Uint8Array | null } {
  const width = total - windowStart;
  const fedWidth = total - from;
  const ids = new Int32Array(rows.length * fedWidth);
  const padded = rows.some((row) => row.length < width);
  const real = padded ? new Uint8Array(rows.length * width) : null;
  rows.forEach((row, b) => {
    const first = total - row.length;
    for (let c = windowStart; c < total; c++) {
      const isReal = c >= first;
      if (real !== null && isReal) real[b * width + c - windowStart] = 1;
      if (c >= from) ids[b * fedWidth + c - from] = isReal ? row[c - first]! : padId;
    }
  });
  return { ids, real };
}
