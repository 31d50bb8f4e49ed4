/**
 * The metrics pass in parallel over documents: texts go in batches to pool workers (utils/worker-pool.ts)
 * that tokenize and measure them with a copy of the tokenizer loaded from a saved folder, and the batch
 * results are merged here in corpus order, so the tally (first-seen order included) and every metric
 * state equal the sequential pass's exactly. Workers find the metrics by key in their own registry: the
 * built-in ones are there, and any other was registered with a module (`registerMetric(metric, { module:
 * import.meta.url })`) that each worker imports first. The tokenizer must save and load (`savePretrained`
 * / `loadTokenizer`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerPool } from '../utils/worker-pool.js';
import { compiledModuleUrl, compiledWorkerUrl } from '../utils/worker-url.js';
import type { Metric } from './metric.js';
import type { MetricsRequest, MetricsWorkerInit } from './metrics-worker.js';
import type { MetricsAccumulator, PassPartial } from './pass.js';
import { BUILT_IN_METRICS, metricModule, metricRegistry } from './registry.js';

/** Characters per batch: large enough to amortise messaging and merging, small enough to balance. */
const BATCH_CHARS = 1 << 18;

/** Feeds `texts` to `acc` on `numWorkers` worker threads; returns the texts fed (at most `maxTexts`). */
export async function feedParallel(
  acc: MetricsAccumulator,
  texts: AsyncIterable<string> | Iterable<string>,
  numWorkers: number,
  maxTexts = Number.POSITIVE_INFINITY,
): Promise<number> {
  const modules = workerModules(acc.metrics);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-metrics-'));
  const tokenizerDir = path.join(dir, 'tokenizer');
  let fed = 0;
  try {
    acc.tokenizer.savePretrained(tokenizerDir);
    const pool = new WorkerPool<MetricsRequest, PassPartial, MetricsWorkerInit>(
      compiledWorkerUrl(import.meta.url, 'metrics-worker.js'),
      { numWorkers, init: { tokenizerDir, modules, metricKeys: acc.metrics.map((m) => m.key) } },
    );
    const batches = async function* (): AsyncGenerator<MetricsRequest> {
      let batch: string[] = [];
      let chars = 0;
      for await (const text of texts) {
        if (fed >= maxTexts) break;
        batch.push(text);
        fed++;
        chars += text.length;
        if (chars >= BATCH_CHARS) {
          yield { texts: batch };
          batch = [];
          chars = 0;
        }
      }
      if (batch.length > 0) yield { texts: batch };
    };
    // Batches finish in any order; each is merged once all before it are.
    const waiting = new Map<number, PassPartial>();
    let next = 0;
    try {
      await pool.dispatch(batches(), (partial, index) => {
        waiting.set(index, partial);
        for (let p = waiting.get(next); p !== undefined; p = waiting.get(next)) {
          acc.mergePartial(p);
          waiting.delete(next++);
        }
      });
    } finally {
      await pool.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return fed;
}

/**
 * The modules a worker imports so that its registry holds every metric of `metrics` that is not built in
 * (compiled URLs, each once), or an error naming the first metric no module registers.
 */
function workerModules(metrics: readonly Metric[]): string[] {
  const modules = new Set<string>();
  for (const metric of metrics) {
    if (BUILT_IN_METRICS.includes(metric)) continue;
    const registered = metricRegistry.has(metric.key) && metricRegistry.get(metric.key) === metric;
    const module = registered ? metricModule(metric.key) : undefined;
    if (module === undefined)
      throw new Error(
        `metric "${metric.key}" ${registered ? 'was registered without a module' : 'is not registered'}: a ` +
          'parallel metrics pass (numWorkers > 1) has it in its worker threads only by importing the module ' +
          'that registers it, so register it there with registerMetric(metric, { module: import.meta.url })',
      );
    modules.add(compiledModuleUrl(module).href);
  }
  return [...modules];
}
