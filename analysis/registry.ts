/**
 * The metric registry: every report (markdown, JSON, CSV, charts) is drawn from the registered metrics,
 * in registration order, so a new metric is one file plus one `registerMetric` call.
 */
import { Registry } from '../utils/registry.js';
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

export function registerMetric<State>(metric: Metric<State>): void {
  metricRegistry.register(metric.key, metric as Metric);
}

export function unregisterMetric(key: string): void {
  metricRegistry.unregister(key);
}

export function listMetrics(): string[] {
  return metricRegistry.list();
}

/** The registered metrics, in registration order (the order of report columns). */
export function registeredMetrics(): Metric[] {
  return metricRegistry.list().map((key) => metricRegistry.get(key));
}

/** The metrics this module registers (the ones a parallel pass's worker threads know too). */
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
