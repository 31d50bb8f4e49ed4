/**
 * The span pass on several threads: the corpus is cut at document boundaries into ranges of about equal
 * bytes; this thread counts the first range while pool workers (utils/worker-pool.ts) count the others, and the results are
 * merged in range order (span-merge.ts), so they equal the single-thread pass exactly. Bytes and cue are
 * shared with the workers, not copied: a corpus read by `readCueCorpus` already lives on
 * SharedArrayBuffers; any other is copied onto them once.
 */

import { checkWorkerCount, defaultWorkerCount, WorkerPool } from '../../utils/worker-pool.js';
import { compiledWorkerUrl } from '../../utils/worker-url.js';
import type { CueCorpus } from './cue-corpus.js';
import { mergeSpanCounts, type SpanCountsData } from './span-merge.js';
import type { SpanRequest } from './span-worker.js';
import {
  checkSpanPass,
  countSpanRange,
  countSpans,
  type SpanCorpus,
  type SpanCounts,
  type SpanPassOptions,
  spanCorpusOf,
} from './spans.js';

/** Below this many bytes the default is one thread: starting workers would cost more than it saves. */
export const MIN_PARALLEL_BYTES = 4 << 20;

export interface ParallelSpanPassOptions extends SpanPassOptions {
  /**
   * Threads sharing the pass (this one included); 1 runs it here alone. Default: the available cores,
   * at most 8, or 1 for corpora under MIN_PARALLEL_BYTES.
   */
  numWorkers?: number;
}

export function defaultSpanWorkers(numBytes: number): number {
  return numBytes < MIN_PARALLEL_BYTES ? 1 : defaultWorkerCount();
}

/** Runs the span pass, on `numWorkers` threads where that applies; the result equals `countSpans`'s. */
export async function countSpansParallel(
  corpus: CueCorpus,
  options: ParallelSpanPassOptions,
): Promise<SpanCounts> {
  const { numWorkers = defaultSpanWorkers(corpus.bytes.length), ...pass } = options;
  checkWorkerCount(numWorkers);
  const ranges = numWorkers === 1 ? [] : documentRanges(corpus.docEnds, numWorkers);
  if (ranges.length < 2) return countSpans(corpus, pass);

  const shared = spanCorpusOf(corpus);
  checkSpanPass(shared, pass);
  const { onProgress, ...workerOptions } = pass;
  const sharedCorpus: SpanCorpus = { ...shared, bytes: onShared(shared.bytes) };
  if (workerOptions.cue !== null) workerOptions.cue = onShared(workerOptions.cue);

  const total = corpus.bytes.length;
  const done = new Float64Array(ranges.length);
  const report = (range: number, bytes: number) => {
    done[range] = bytes;
    onProgress?.(
      done.reduce((a, b) => a + b, 0),
      total,
    );
  };
  onProgress?.(0, total);
  const pool = new WorkerPool<SpanRequest, SpanCountsData, null, number>(
    compiledWorkerUrl(import.meta.url, 'span-worker.js'),
    { numWorkers: ranges.length - 1, init: null, onProgress: (slot, bytes) => report(slot + 1, bytes) },
  );
  try {
    const results = ranges
      .slice(1)
      .map(([firstDoc, endDoc], slot) =>
        pool.request(slot, { corpus: sharedCorpus, options: workerOptions, firstDoc, endDoc }),
      );
    // Rejections are awaited below in range order; this keeps a later range's failure from being
    // reported as unhandled while an earlier one is still awaited.
    for (const result of results) result.catch(() => {});
    const [firstDoc, endDoc] = ranges[0]!;
    const counts = countSpanRange(sharedCorpus, workerOptions, firstDoc, endDoc, (bytes) => report(0, bytes));
    for (const result of results) mergeSpanCounts(counts, await result);
    onProgress?.(total, total);
    return counts;
  } finally {
    await pool.close();
  }
}

/**
 * Cuts documents [0, n) into at most `parts` non-empty ranges [firstDoc, endDoc) of about equal bytes
 * (a range never splits a document, so one huge document makes fewer ranges).
 */
export function documentRanges(docEnds: Float64Array, parts: number): Array<[number, number]> {
  const n = docEnds.length;
  const total = n === 0 ? 0 : docEnds[n - 1]!;
  const ranges: Array<[number, number]> = [];
  let first = 0;
  for (let k = 1; k <= parts && first < n; k++) {
    const target = (total * k) / parts;
    let end = first + 1;
    while (end < n && docEnds[end - 1]! < target) end++;
    if (k === parts) end = n;
    ranges.push([first, end]);
    first = end;
  }
  return ranges;
}

/** The same values on a SharedArrayBuffer (the array itself when it already is on one). */
function onShared<T extends Uint8Array | Float32Array>(values: T): T {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new (values.constructor as new (buffer: SharedArrayBuffer) => T)(
    new SharedArrayBuffer(values.byteLength),
  );
  copy.set(values);
  return copy;
}
