/**
 * AdamW (decoupled weight decay, Loshchilov & Hutter) over named tfjs variables, with parameter groups:
 * by default no decay on norms, biases and embeddings. Written here rather than taken from tf.train
 * because tfjs has no AdamW, and because exact resume needs the moments and step count as plain
 * serialisable state.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A trainable parameter under its checkpoint name (the models' `namedParameters()` entries). */
export type NamedVariable = [name: string, variable: tf.Variable];

export interface AdamWOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** Which parameters decay; default: 2-D+ weights that are not embeddings (names containing wte/wpe). */
  decays?: (name: string, variable: tf.Variable) => boolean;
}

/** nanoGPT's rule: matrices in linear layers decay; biases, norm gains, scalars and embeddings do not. */
export function defaultDecays(name: string, variable: tf.Variable): boolean {
  return variable.rank >= 2 && !/(^|\.)(wte|wpe)(\.|$)/.test(name);
}

export interface AdamWState {
  step: number;
  /** Per variable name: first and second moments, flattened. */
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

export class AdamW {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  step = 0;
  readonly #params: NamedVariable[];
  readonly #decay: Set<string>;
  readonly #m = new Map<string, tf.Variable>();
  readonly #v = new Map<string, tf.Variable>();

  constructor(params: NamedVariable[], options: AdamWOptions) {
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.95;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.#params = params;
    const decays = options.decays ?? defaultDecays;
    this.#decay = new Set(params.filter(([name, variable]) => decays(name, variable)).map(([name]) => name));
    for (const [name, variable] of params) {
      this.#m.set(name, tf.variable(tf.zerosLike(variable), false));
      this.#v.set(name, tf.variable(tf.zerosLike(variable), false));
    }
  }

  /** Names of the parameters that receive weight decay. */
  get decayed(): string[] {
    return this.#params.filter(([name]) => this.#decay.has(name)).map(([name]) => name);
  }

  /** One update from gradients keyed by parameter name (missing gradients leave a parameter untouched). */
  applyGradients(grads: Record<string, tf.Tensor>): void {
    this.step += 1;
    const t = this.step;
    const lr = this.learningRate;
    const c1 = 1 - this.beta1 ** t;
    const c2 = 1 - this.beta2 ** t;
    for (const [name, variable] of this.#params) {
      const g = grads[name];
      if (g === undefined) continue;
      // One tidy per parameter: the temporaries of an update are freed before the next one starts, so
      // the peak is a few copies of the largest parameter rather than of all of them.
      tf.tidy(() => {
        const m = this.#m.get(name)!;
        const v = this.#v.get(name)!;
        const mNew = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNew = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(mNew);
        v.assign(vNew);
        const denominator = tf.add(tf.sqrt(tf.div(vNew, c2)), this.epsilon);
        const update = tf.mul(tf.div(tf.div(mNew, c1), denominator), lr);
        const decayed = this.#decay.has(name) ? tf.mul(variable, 1 - lr * this.weightDecay) : variable;
        variable.assign(tf.sub(decayed, update));
      });
    }
  }

  getState(): AdamWState {
    const moments: AdamWState['moments'] = {};
    for (const [name] of this.#params) {
      moments[name] = {
        m: this.#m.get(name)!.dataSync() as Float32Array,
        v: this.#v.get(name)!.dataSync() as Float32Array,
      };
    }
    return { step: this.step, moments };
  }

  setState(state: AdamWState): void {
    const problems: string[] = [];
    for (const [name, variable] of this.#params) {
      const s = state.moments[name];
      if (s === undefined) problems.push(`${name}: missing`);
      else if (s.m.length !== variable.size || s.v.length !== variable.size) {
        problems.push(`${name}: ${s.m.length} values, expected ${variable.size}`);
      }
    }
    if (problems.length > 0)
      throw new Error(`optimizer state does not match the model:\n  ${problems.join('\n  ')}`);
    tf.tidy(() => {
      for (const [name, variable] of this.#params) {
        const s = state.moments[name]!;
        this.#m.get(name)!.assign(tf.tensor(s.m, variable.shape));
        this.#v.get(name)!.assign(tf.tensor(s.v, variable.shape));
      }
    });
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.#m.values(), ...this.#v.values()]) t.dispose();
  }
}
