/**
 * The metric registry: every report (markdown, JSON, CSV, charts) is drawn from the registered metrics,
 * in registration order, so a new metric is one file plus one `registerMetric` call.
 */
import { Registry, RegistryError } from '../utils/registry.js';
import type { Metric } from './metric.js';
import { bytesPerToken } from './metrics/bytes-per-token.js';
import { coverage } from './metrics/coverage.js';
import { fertility } from './metrics/fertility.js';
import { morphScoreMetric } from './metrics/morph-score.js';
import { morphScoreReferenceMetric } from './metrics/morph-score-reference.js';
import {
  bytesPerTokenReference,
  fertilityReference,
  propSplitReference,
  renyiReference,
  typesUsedReference,
} from './metrics/reference-mode.js';
import { renyi } from './metrics/renyi.js';
import { bytes, totalTokens, vocabSize, words } from './metrics/sizes.js';
import { splitShare } from './metrics/split-share.js';
import { typesUsed } from './metrics/types-used.js';
import { unkCount } from './metrics/unk-count.js';

export const metricRegistry = new Registry<Metric>({
  kind: 'metric',
  check: (m) => (typeof m?.value === 'function' ? null : 'it has no value() function'),
});

export interface RegisterMetricOptions {
  /**
   * URL of the module whose import makes this registration (`import.meta.url` in the metric's file): the
   * worker threads of a parallel pass (`numWorkers > 1`) import it to have the metric too. Without it the
   * metric is measured in this thread only, and a parallel pass refuses it.
   */
  module?: string;
}

/** Keys of the metrics registered with a module, and that module's URL. */
const metricModules = new Map<string, string>();

export function registerMetric<State>(metric: Metric<State>, options: RegisterMetricOptions = {}): void {
  const { module } = options;
  if (module !== undefined && !URL.canParse(module))
    throw new RegistryError(
      `cannot register metric "${metric.key}": module ${JSON.stringify(module)} is not a URL (pass import.meta.url)`,
    );
  metricRegistry.register(metric.key, metric as Metric);
  if (module !== undefined) metricModules.set(metric.key, module);
}

export function unregisterMetric(key: string): void {
  metricRegistry.unregister(key);
  metricModules.delete(key);
}

/** The module `registerMetric` was given for `key` (undefined for built-ins and metrics registered without). */
export function metricModule(key: string): string | undefined {
  return metricModules.get(key);
}

export function listMetrics(): string[] {
  return metricRegistry.list();
}

/** The registered metrics, in registration order (the order of report columns). */
export function registeredMetrics(): Metric[] {
  return metricRegistry.list().map((key) => metricRegistry.get(key));
}

/** The metrics this module registers (so a parallel pass's worker threads have them without a module). */
export const BUILT_IN_METRICS: readonly Metric[] = [
  bytesPerToken,
  fertility,
  splitShare,
  typesUsed,
  vocabSize,
  renyi,
  totalTokens,
  coverage,
  bytes,
  words,
  unkCount,
  morphScoreMetric,
  fertilityReference,
  propSplitReference,
  bytesPerTokenReference,
  typesUsedReference,
  renyiReference,
  morphScoreReferenceMetric,
] as Metric[];
for (const metric of BUILT_IN_METRICS) registerMetric(metric);
