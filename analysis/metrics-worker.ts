/**
 * Pool worker of the parallel metrics pass (parallel-pass.ts, utils/pool-worker.ts). Set-up: a saved
 * copy of the tokenizer, the modules that register the metrics that are not built in, and the keys of the
 * metrics. Each request is a batch of texts; the reply is that batch's partial result (unigram tally and
 * metric states as plain data), which the pool's caller merges in batch order.
 */
import { workerData } from 'node:worker_threads';
import { loadTokenizer } from '../tokenizers/registry.js';
import { serve } from '../utils/pool-worker.js';
import type { PoolWorkerData } from '../utils/worker-pool.js';
import type { Metric } from './metric.js';
import { MetricsAccumulator, metricContext, type PassPartial } from './pass.js';
import { metricRegistry } from './registry.js';

export interface MetricsWorkerInit {
  tokenizerDir: string;
  /** URLs of the modules whose import registers the metrics that are not built in. */
  modules: string[];
  metricKeys: string[];
}

/** A batch of texts; the pool tells the caller each reply's batch position, the order it merges in. */
export interface MetricsRequest {
  texts: string[];
}

// Imported before serve() because set-up is synchronous; requests wait in the port meanwhile. A module
// that fails to load fails the worker's start, which the pool reports with the import's error.
for (const module of (workerData as PoolWorkerData<MetricsWorkerInit>).init.modules) await import(module);

serve<MetricsWorkerInit, MetricsRequest, PassPartial>(
  ({ tokenizerDir, modules, metricKeys }) => {
    const context = metricContext(loadTokenizer(tokenizerDir));
    const metrics: Metric[] = metricKeys.map((key) => {
      if (metricRegistry.has(key)) return metricRegistry.get(key);
      throw new Error(
        `metric "${key}" is not registered in a worker after importing ${modules.join(', ') || 'no module'}`,
      );
    });
    return ({ texts }) => {
      const acc = new MetricsAccumulator(context, metrics);
      for (const text of texts) acc.addText(text);
      return acc.partial();
    };
  },
  ({ tally }) => [tally.counts.buffer as ArrayBuffer, tally.firstSeen.buffer as ArrayBuffer],
);
