/**
 * Pool worker of the parallel metrics pass (parallel-pass.ts, utils/pool-worker.ts). Set-up: a saved
 * copy of the tokenizer and the keys of the (built-in) metrics. Each request is a batch of texts; the
 * reply is that batch's partial result (unigram tally and metric states as plain data), which the pool's
 * caller merges in batch order.
 */
import { loadTokenizer } from '../tokenizers/registry.js';
import { serve } from '../utils/pool-worker.js';
import type { Metric } from './metric.js';
import { MetricsAccumulator, metricContext, type PassPartial } from './pass.js';
import { metricRegistry } from './registry.js';

export interface MetricsWorkerInit {
  tokenizerDir: string;
  metricKeys: string[];
}

/** A batch of texts; the pool tells the caller each reply's batch position, the order it merges in. */
export interface MetricsRequest {
  texts: string[];
}

serve<MetricsWorkerInit, MetricsRequest, PassPartial>(
  ({ tokenizerDir, metricKeys }) => {
    const context = metricContext(loadTokenizer(tokenizerDir));
    const metrics: Metric[] = metricKeys.map((key) => metricRegistry.get(key));
    return ({ texts }) => {
      const acc = new MetricsAccumulator(context, metrics);
      for (const text of texts) acc.addText(text);
      return acc.partial();
    };
  },
  ({ tally }) => [tally.counts.buffer as ArrayBuffer, tally.firstSeen.buffer as ArrayBuffer],
);
