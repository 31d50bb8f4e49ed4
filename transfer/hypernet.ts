/**
 * The zero-shot tokenizer-transfer hypernetwork (spec zett §4.1) in TensorFlow.js: it maps a target
 * token's decomposition into source pieces to an embedding row for the frozen LM.
 *
 *   rows      frozen source matrix E (tied LM, n_in = d) + learnable fallback rows (256 bytes + pad),
 *             through a frozen per-dimension input scaler (every column mean 0, std 0.02)
 *   project   Dense(d → h) then ProjectorBlock LN(x + GELU(W2·GELU(W1·x)))
 *   embed     + learned positions 0…L−1 + a learned token-type vector, LayerNorm
 *   encoder   `layers` post-LN blocks (masked self-attention, FFN 2h, GELU)
 *   pool      position 0; head: ProjectorBlock + Dense(h → d); frozen output scaler fitted at init so the
 *             fresh network's outputs have E's per-dimension mean and std
 * Specials are overwritten with the source rows by the caller (transferModel / the training loop).
 */
import * as tf from '@tensorflow/tfjs-core';
import { embedding, gelu, layerNorm } from '../model/ops.js';
import { SeededRandom } from '../model/random.js';
import type { Decomposition } from './decompose.js';
import { columnStats, type Matrix } from './heuristics.js';
import { TransferError } from './surface.js';
import type { EmbeddingPredictor } from './transfer.js';

export interface HypernetConfig {
  /** LM width d (= hidden h). */
  nEmbd: number;
  sourceVocabSize: number;
  maxPieces: number;
  layers: number;
  heads: number;
  seed: number;
}

const FROZEN = ['scaler.in.w', 'scaler.in.b', 'scaler.out.w', 'scaler.out.b'];

export class Hypernetwork implements EmbeddingPredictor {
  readonly config: HypernetConfig;
  readonly sourceFingerprint: string;
  readonly #params = new Map<string, tf.Variable>();
  /** The source matrix, constant. */
  readonly #source: tf.Tensor2D;
  static #instances = 0;

  constructor(config: HypernetConfig, source: Matrix, sourceFingerprint: string) {
    Hypernetwork.#instances++;
    const { nEmbd: d, layers, heads } = config;
    if (source.cols !== d || source.rows !== config.sourceVocabSize) {
      throw new TransferError(
        `source matrix [${source.rows}, ${source.cols}] does not match the hypernetwork config`,
      );
    }
    if (d % heads !== 0) throw new TransferError(`nEmbd ${d} is not divisible by heads ${heads}`);
    this.config = config;
    this.sourceFingerprint = sourceFingerprint;
    this.#source = tf.tensor2d(source.data, [source.rows, source.cols]);
    const rng = new SeededRandom(config.seed);
    const normal = (name: string, shape: number[], std = 0.02) =>
      this.#add(
        name,
        tf.tensor(
          rng.normalArray(
            shape.reduce((a, b) => a * b, 1),
            std,
          ),
          shape,
        ),
      );
    const zeros = (name: string, shape: number[]) => this.#add(name, tf.zeros(shape));
    const ones = (name: string, shape: number[]) => this.#add(name, tf.ones(shape));
    const projector = (p: string) => {
      normal(`${p}.w1`, [d, 2 * d]);
      zeros(`${p}.b1`, [2 * d]);
      normal(`${p}.w2`, [2 * d, d]);
      zeros(`${p}.b2`, [d]);
      ones(`${p}.ln.w`, [d]);
      zeros(`${p}.ln.b`, [d]);
    };
    // Input scaler: column mean 0, std 0.02 (frozen).
    const stats = columnStats(source);
    const inW = Float32Array.from(stats.std, (s) => (s > 0 ? 0.02 / s : 1));
    this.#add('scaler.in.w', tf.tensor1d(inW), false);
    this.#add('scaler.in.b', tf.tensor1d(Float32Array.from(stats.mean, (m, c) => -m * inW[c]!)), false);
    normal('fallback', [257, d]);
    normal('in.w', [d, d]);
    zeros('in.b', [d]);
    projector('in.proj');
    normal('pos', [config.maxPieces, d]);
    zeros('type', [d]);
    ones('embed.ln.w', [d]);
    zeros('embed.ln.b', [d]);
    for (let l = 0; l < layers; l++) {
      const p = `layer${l}`;
      normal(`${p}.qkv.w`, [d, 3 * d]);
      zeros(`${p}.qkv.b`, [3 * d]);
      normal(`${p}.o.w`, [d, d]);
      zeros(`${p}.o.b`, [d]);
      ones(`${p}.ln1.w`, [d]);
      zeros(`${p}.ln1.b`, [d]);
      normal(`${p}.ff1.w`, [d, 2 * d]);
      zeros(`${p}.ff1.b`, [2 * d]);
      normal(`${p}.ff2.w`, [2 * d, d]);
      zeros(`${p}.ff2.b`, [d]);
      ones(`${p}.ln2.w`, [d]);
      zeros(`${p}.ln2.b`, [d]);
    }
    projector('head.proj');
    normal('head.w', [d, d]);
    zeros('head.b', [d]);
    this.#add('scaler.out.w', tf.ones([d]), false);
    this.#add('scaler.out.b', tf.zeros([d]), false);
  }

  #add(name: string, value: tf.Tensor, trainable = true): void {
    // tfjs variable names are global: each instance gets its own prefix.
    this.#params.set(name, tf.variable(value, trainable, `hypernet${Hypernetwork.#instances}/${name}`));
    value.dispose();
  }

  #p(name: string): tf.Tensor {
    return this.#params.get(name)!;
  }

  /** Trainable parameters by name (the frozen scalers excluded). */
  trainable(): Array<[string, tf.Variable]> {
    return [...this.#params].filter(([n]) => !FROZEN.includes(n));
  }

  /** Every parameter by name, frozen scalers included (what is saved). */
  namedParameters(): Array<[string, tf.Variable]> {
    return [...this.#params];
  }

  numTrainable(): number {
    return this.trainable().reduce((a, [, v]) => a + v.size, 0);
  }

  #dense(x: tf.Tensor, p: string): tf.Tensor {
    const w = this.#p(`${p}.w`) as tf.Tensor2D;
    const shape = x.shape;
    const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]) as tf.Tensor2D;
    const y = tf.add(tf.matMul(flat, w), this.#p(`${p}.b`));
    return tf.reshape(y, [...shape.slice(0, -1), w.shape[1]]);
  }

  #ln(x: tf.Tensor, p: string): tf.Tensor {
    return layerNorm(x, this.#p(`${p}.w`) as tf.Tensor1D, this.#p(`${p}.b`) as tf.Tensor1D);
  }

  #projector(x: tf.Tensor, p: string): tf.Tensor {
    const d = this.config.nEmbd;
    const w1 = this.#p(`${p}.w1`) as tf.Tensor2D;
    const flat = tf.reshape(x, [-1, d]) as tf.Tensor2D;
    const a = gelu(tf.add(tf.matMul(flat, w1), this.#p(`${p}.b1`)));
    const b = gelu(
      tf.add(tf.matMul(a as tf.Tensor2D, this.#p(`${p}.w2`) as tf.Tensor2D), this.#p(`${p}.b2`)),
    );
    return tf.reshape(this.#ln(tf.add(flat, b), `${p}.ln`), x.shape);
  }

  /** Predicted rows [N, d] for piece ids [N, L] (extended source ids) with `lengths` real pieces each. */
  forward(ids: Int32Array, lengths: Int32Array): tf.Tensor2D {
    const { maxPieces: L, nEmbd: d, heads, sourceVocabSize: V } = this.config;
    const n = lengths.length;
    if (ids.length !== n * L) throw new TransferError(`expected ${n}×${L} piece ids, got ${ids.length}`);
    return tf.tidy(() => {
      const scaled = tf.add(tf.mul(this.#source, this.#p('scaler.in.w')), this.#p('scaler.in.b'));
      const table = tf.concat([scaled, this.#p('fallback')], 0);
      if (ids.some((id) => id < 0 || id > V + 256))
        throw new TransferError('piece id outside the source table');
      let x = tf.reshape(embedding(table as tf.Tensor2D, ids), [n, L, d]);
      x = this.#projector(this.#dense(x, 'in'), 'in.proj');
      x = tf.add(tf.add(x, this.#p('pos')), this.#p('type'));
      x = this.#ln(x, 'embed.ln');
      // Additive key mask [n, 1, 1, L]: 0 for real pieces, −1e9 for padding.
      const maskValues = new Float32Array(n * L);
      for (let t = 0; t < n; t++) for (let k = lengths[t]!; k < L; k++) maskValues[t * L + k] = -1e9;
      const mask = tf.tensor4d(maskValues, [n, 1, 1, L]);
      const hs = d / heads;
      for (let l = 0; l < this.config.layers; l++) {
        const p = `layer${l}`;
        const qkv = this.#dense(x, `${p}.qkv`);
        const split = (i: number) =>
          tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, i * d], [n, L, d]), [n, L, heads, hs]), [0, 2, 1, 3]);
        const scores = tf.add(tf.div(tf.matMul(split(0), split(1), false, true), Math.sqrt(hs)), mask);
        const att = tf.matMul(tf.softmax(scores), split(2));
        const merged = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [n, L, d]);
        x = this.#ln(tf.add(x, this.#dense(merged, `${p}.o`)), `${p}.ln1`);
        const ff = this.#dense(gelu(this.#dense(x, `${p}.ff1`)), `${p}.ff2`);
        x = this.#ln(tf.add(x, ff), `${p}.ln2`);
      }
      const pooled = tf.reshape(tf.slice(x, [0, 0, 0], [n, 1, d]), [n, d]);
      const out = this.#dense(this.#projector(pooled, 'head.proj'), 'head');
      return tf.add(tf.mul(out, this.#p('scaler.out.w')), this.#p('scaler.out.b')) as tf.Tensor2D;
    });
  }

  /** Fits the output scaler: the fresh network's outputs on the first 2,048 source tokens get E's column stats. */
  fitOutputScaler(): void {
    const V = this.config.sourceVocabSize;
    const count = Math.min(2048, V);
    const { ids, lengths } = singlePieces(
      Int32Array.from({ length: count }, (_, i) => i),
      this.config,
    );
    const predicted = this.forward(ids, lengths);
    const p = columnStats({
      data: predicted.dataSync() as Float32Array,
      rows: count,
      cols: this.config.nEmbd,
    });
    predicted.dispose();
    const e = columnStats({
      data: this.#source.dataSync() as Float32Array,
      rows: V,
      cols: this.config.nEmbd,
    });
    const w = Float32Array.from(p.std, (s, c) => (s > 0 ? e.std[c]! / s : 1));
    const b = Float32Array.from(p.mean, (m, c) => e.mean[c]! - m * w[c]!);
    this.#params.get('scaler.out.w')!.assign(tf.tensor1d(w));
    this.#params.get('scaler.out.b')!.assign(tf.tensor1d(b));
  }

  /** Rows for a whole decomposition, in chunks (each token predicted once). */
  predict(d: Decomposition, chunk = 4096): Matrix {
    if (d.maxPieces !== this.config.maxPieces || d.sourceVocabSize !== this.config.sourceVocabSize) {
      throw new TransferError(
        `the decomposition (L ${d.maxPieces}, source ${d.sourceVocabSize}) does not match the hypernetwork (L ${this.config.maxPieces}, source ${this.config.sourceVocabSize})`,
      );
    }
    const n = d.lengths.length;
    const cols = this.config.nEmbd;
    const data = new Float32Array(n * cols);
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const rows = this.forward(
        d.ids.subarray(start * d.maxPieces, end * d.maxPieces),
        d.lengths.subarray(start, end),
      );
      data.set(rows.dataSync(), start * cols);
      rows.dispose();
    }
    return { data, rows: n, cols };
  }

  /** The source rows (a constant) of the given ids. */
  sourceRows(ids: Int32Array): tf.Tensor2D {
    return embedding(this.#source, ids);
  }

  dispose(): void {
    for (const v of this.#params.values()) v.dispose();
    this.#source.dispose();
  }
}

/** Each id as a one-piece decomposition (identity stage, scaler fitting). */
export function singlePieces(
  sourceIds: Int32Array,
  config: Pick<HypernetConfig, 'maxPieces' | 'sourceVocabSize'>,
): { ids: Int32Array; lengths: Int32Array } {
  const L = config.maxPieces;
  const ids = new Int32Array(sourceIds.length * L).fill(config.sourceVocabSize + 256);
  sourceIds.forEach((id, i) => {
    ids[i * L] = id;
  });
  return { ids, lengths: new Int32Array(sourceIds.length).fill(1) };
}
