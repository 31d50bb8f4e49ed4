/**
 * The parameters of a model by checkpoint name, in definition order, with the initialisers the models
 * build them with (Linear, LayerNorm, normal draws from the model's seeded generator) and the edits that
 * init and vocabulary surgery need. A checkpoint is this map, so names and order are the file layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config.js';
import { SeededRandom } from './random.js';
import { ModelError } from './types.js';

/** Standard deviation of the normal init of every matrix (GPT-2's). */
export const INIT_STD = 0.02;

export abstract class ParameterStore {
  readonly #params = new Map<string, tf.Variable>();
  /** Read for `bias` and `nEmbd` by the Linear and LayerNorm initialisers. */
  readonly #shape: ModelConfig;
  protected readonly rng: SeededRandom;

  constructor(shape: ModelConfig, seed: number) {
    this.#shape = shape;
    this.rng = new SeededRandom(seed);
  }

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

  /** A Linear layer: weight [in, out] ~ N(0, 0.02), bias zeros when config.model.bias. */
  protected addLinear(prefix: string, inFeatures: number, outFeatures: number): void {
    this.addNormal(`${prefix}.weight`, [inFeatures, outFeatures]);
    if (this.#shape.bias) this.add(`${prefix}.bias`, tf.zeros([outFeatures]));
  }

  protected addLayerNorm(prefix: string): void {
    this.add(`${prefix}.weight`, tf.ones([this.#shape.nEmbd]));
    if (this.#shape.bias) this.add(`${prefix}.bias`, tf.zeros([this.#shape.nEmbd]));
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

  /**
   * Puts `variable` in place of the parameter `name` (disposing the old one), keeping its position in
   * the definition order and so the checkpoint layout.
   */
  protected replace(name: string, variable: tf.Variable): void {
    const old = this.param(name);
    this.#params.set(name, variable);
    old.dispose();
  }

  param(name: string): tf.Variable {
    const variable = this.#params.get(name);
    if (variable === undefined) {
      throw new ModelError(
        this.#params.size === 0
          ? `no parameter named ${name}: the model is not built yet (call build(); getModel does)`
          : `no parameter named ${name}`,
      );
    }
    return variable;
  }

  maybeParam(name: string): tf.Variable | undefined {
    return this.#params.get(name);
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

  dispose(): void {
    for (const variable of this.#params.values()) variable.dispose();
    this.#params.clear();
  }
}
