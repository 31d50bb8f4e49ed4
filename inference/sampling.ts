/**
 * Named sampling strategies in a registry, so generation code and users pick one by name and plugins
 * add their own. Each strategy maps a [rows, V] logits buffer to one token id per row; the arithmetic is
 * the model's (model/sampling.ts), so `generate` and these functions cannot disagree.
 */
import { GenerationConfig } from '../config.js';
import { argmax, type Rng, type SamplingOptions, sampleBatch } from '../model/sampling.js';
import { Registry } from '../utils/registry.js';

export { createRng, filterLogits, softmax } from '../model/sampling.js';
export type { Rng, SamplingOptions };

/** A strategy: logits [rows·V] → ids (one per row). `previous` holds each row's earlier tokens. */
export type SamplingFn = (
  logits: Float32Array,
  rows: number,
  options: SamplingOptions,
  rng: Rng,
  previous?: ReadonlyArray<ArrayLike<number>>,
) => number[];

export const samplingRegistry = new Registry<SamplingFn>({
  kind: 'sampling strategy',
  check: (fn) => (typeof fn === 'function' ? null : 'it is not a function'),
});

const greedy: SamplingFn = (logits, rows) => {
  const V = logits.length / rows;
  return Array.from({ length: rows }, (_, r) => argmax(logits.subarray(r * V, (r + 1) * V)));
};

/**
 * A strategy that samples after the filters `settings` picks from the caller's options (with the
 * strategy's defaults); the repetition penalty always applies as given.
 */
function filtered(settings: (o: SamplingOptions) => SamplingOptions): SamplingFn {
  return (logits, rows, o, rng, previous) =>
    sampleBatch(logits, rows, { ...settings(o), repetitionPenalty: o.repetitionPenalty }, rng, previous);
}

// The generation defaults (temperature, top-k) where a strategy is called without them.
const DEFAULTS = new GenerationConfig();

samplingRegistry.register('greedy', greedy);
samplingRegistry.register(
  'temperature',
  filtered((o) => ({ temperature: o.temperature ?? 1 })),
);
samplingRegistry.register(
  'top_k',
  filtered((o) => ({ temperature: o.temperature ?? 1, topK: o.topK ?? DEFAULTS.topK, topKMode: 'exact' })),
);
samplingRegistry.register(
  'top_p',
  filtered((o) => ({ temperature: o.temperature ?? 1, topP: o.topP ?? 0.9 })),
);
samplingRegistry.register(
  'min_p',
  filtered((o) => ({ temperature: o.temperature ?? 1, minP: o.minP ?? 0.05 })),
);
samplingRegistry.register(
  'combined',
  filtered((o) => ({
    temperature: o.temperature ?? DEFAULTS.temperature,
    topK: o.topK ?? DEFAULTS.topK,
    topP: o.topP ?? 0.9,
    minP: o.minP,
  })),
);

export function getSamplingFn(name: string): SamplingFn {
  return samplingRegistry.get(name);
}

export function registerSampling(name: string, fn: SamplingFn): void {
  samplingRegistry.register(name, fn);
}

export function unregisterSampling(name: string): void {
  samplingRegistry.unregister(name);
}

export function listSamplingStrategies(): string[] {
  return samplingRegistry.list();
}
