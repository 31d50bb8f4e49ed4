/**
 * Shared body of the GPT-style models: embeddings, final LayerNorm, tied head, loss, generation with a
 * KV cache. Subclasses (Vanilla, SASP) define their blocks; the parameters live in `ParameterStore`.
 *
 * A model is built in a step after construction (`build()`, which `getModel` calls), so a subclass's
 * ordinary fields are set before its `buildBlocks` runs.
 *
 * Linear weights are stored [in, out] (the orientation of Hugging Face's GPT-2 Conv1D), so the forward
 * product is a plain non-transposed matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GPTConfig, ModelConfig } from '../config.js';
import { KeyPadding } from './attention.js';
import { disposeCaches, emptyCaches, keepCache, leftPadded, rowSeeds } from './kv-cache.js';
import { crossEntropy, dropout, embedding, gelu, layerNorm, linear, linearTransposed } from './ops.js';
import { INIT_STD, ParameterStore } from './parameters.js';
import { deriveSeed } from './random.js';
import { createRng, sampleToken } from './sampling.js';
import {
  type Batch,
  type BlockContext,
  type ForwardInput,
  type ForwardOutput,
  type GenerateOptions,
  IGNORE_INDEX,
  type LayerCache,
  ModelError,
  type ModelOptions,
  toBatch,
} from './types.js';

/** Hidden width of the gated MLP: ceil8(floor(2.1/3 · 4d)). */
export function llamaHiddenSize(d: number): number {
  return Math.ceil(Math.floor((2.1 / 3) * 4 * d) / 8) * 8;
}

export abstract class TransformerModel extends ParameterStore {
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
  #built = false;
  readonly #seed: number;

  constructor(config: GPTConfig, options: ModelOptions = {}) {
    config.validate();
    const { vocabSize, paddingIdx } = config.model;
    if (vocabSize === null) {
      throw new ModelError(
        'config.model.vocabSize is not set; call config.updateFromTokenizer(tokenizer) or set it',
      );
    }
    if (paddingIdx !== null && paddingIdx >= vocabSize) {
      throw new ModelError(
        `config.model.paddingIdx (${paddingIdx}) is outside the vocabulary (size ${vocabSize})`,
      );
    }
    const seed = options.seed ?? 1337;
    super(config.model, seed);
    this.config = config;
    this.#seed = seed;
  }

  /** The architecture section of the config. */
  get arch(): ModelConfig {
    return this.config.model;
  }

  /**
   * Creates and initialises every parameter: embeddings, the subclass's blocks, the final LayerNorm, the
   * scaled init of the residual projections, the subclass's own init, and the zero padding row. Once.
   */
  build(): this {
    if (this.#built) throw new ModelError('the model is already built');
    this.#built = true;
    const { vocabSize, blockSize, nEmbd: d, nLayer, paddingIdx } = this.arch;
    this.addNormal('transformer.wte.weight', [vocabSize!, d], INIT_STD);
    this.addNormal('transformer.wpe.weight', [blockSize, d], INIT_STD);
    this.buildBlocks();
    this.addLayerNorm('transformer.ln_f');
    for (const [name, variable] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) {
        variable.assign(this.normal(variable.shape, INIT_STD / Math.sqrt(2 * nLayer)));
      }
    }
    this.afterInit();
    // Last of all, so no later init step can undo it (reference defect D12).
    if (paddingIdx !== null) this.zeroRows('transformer.wte.weight', paddingIdx, paddingIdx + 1);
    return this;
  }

  /** Creates the block parameters (names `transformer.h.{i}.…`). */
  protected abstract buildBlocks(): void;
  /** Model-specific init applied after the global init. */
  protected afterInit(): void {}
  /** One block on x[B·T, d]. */
  protected abstract block(layer: number, x: tf.Tensor2D, context: BlockContext): tf.Tensor2D;

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
   * count resizes the vocabulary: config.model.vocabSize follows, and `paddingIdx` (default: the current one)
   * must lie inside the new rows. The body is not touched. Optimizer state for the old matrix is stale.
   */
  setInputEmbeddings(matrix: tf.Tensor2D, options: { paddingIdx?: number | null } = {}): void {
    const [rows, width] = matrix.shape;
    if (matrix.rank !== 2 || width !== this.arch.nEmbd || !(rows > 0)) {
      throw new ModelError(
        `embedding matrix must be [rows, ${this.arch.nEmbd}] with rows > 0, got [${matrix.shape}]`,
      );
    }
    const paddingIdx = options.paddingIdx === undefined ? this.arch.paddingIdx : options.paddingIdx;
    if (paddingIdx !== null && (!Number.isInteger(paddingIdx) || paddingIdx < 0 || paddingIdx >= rows)) {
      throw new ModelError(`paddingIdx ${paddingIdx} is outside the new vocabulary (${rows} rows)`);
    }
    const old = this.param('transformer.wte.weight');
    if (rows === old.shape[0]) old.assign(matrix);
    else this.replace('transformer.wte.weight', tf.variable(matrix.clone(), true));
    this.arch.vocabSize = rows;
    this.arch.paddingIdx = paddingIdx;
  }

  train(mode = true): this {
    this.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  // ---- forward ----------------------------------------------------------------------------------

  forward(input: ForwardInput): ForwardOutput {
    const batch = toBatch(input.inputIds, 'inputIds');
    const table = input.embeddings ?? (this.param('transformer.wte.weight') as tf.Tensor2D);
    if (table.rank !== 2 || table.shape[1] !== this.arch.nEmbd) {
      throw new ModelError(`embeddings must be [rows, ${this.arch.nEmbd}], got [${table.shape}]`);
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
    if (length > this.arch.blockSize) {
      throw new ModelError(`sequence length ${length} exceeds blockSize ${this.arch.blockSize}`);
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
    for (let layer = 0; layer < this.arch.nLayer; layer++) {
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
    const d = this.arch.nEmbd;
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

  /** Dropout at config.model.dropout with the next seed of this forward pass (see `dropoutSeed`). */
  protected dropout(x: tf.Tensor, training: boolean): tf.Tensor {
    return dropout(x, this.arch.dropout, training, this.nextDropoutSeed());
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
    const padId = options.padTokenId ?? this.arch.paddingIdx ?? 0;
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
        const windowStart = Math.max(0, total - this.arch.blockSize);
        const reuse = useCache && caches !== null && windowStart === cachedStart;
        if (!reuse) {
          disposeCaches(caches);
          caches = useCache ? emptyCaches(this.arch.nLayer) : null;
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
}
