/**
 * A small seeded random source (mulberry32 + Box–Muller). Weight init and sampling draw from it instead
 * of tfjs's backend RNG so that a seed gives the same numbers on every backend.
 */
/**
 * Seed of stream `index` of `seed` (two rounds of a 32-bit integer hash): the dropout masks of training
 * step n come from deriveSeed(runSeed, n), so they depend on nothing but the seed and the step.
 */
export function deriveSeed(seed: number, index: number): number {
  let h = (Math.floor(seed) ^ Math.imul(index >>> 0, 0x9e3779b9)) >>> 0;
  for (let round = 0; round < 2; round++) {
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
    h = (h ^ (h >>> 16) ^ Math.floor(index / 2 ** 32)) >>> 0;
  }
  return h;
}

export class SeededRandom {
  #state: number;
  #spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    this.#state = Math.floor(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal. */
  normal(): number {
    if (this.#spare !== null) {
      const value = this.#spare;
      this.#spare = null;
      return value;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  normalArray(size: number, std: number): Float32Array {
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = this.normal() * std;
    return out;
  }
}
