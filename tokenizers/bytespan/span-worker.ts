/**
 * Worker thread for the parallel span pass (run from the compiled dist/ file). Protocol: workerData holds
 * the corpus (bytes and cue on SharedArrayBuffers, so nothing large is copied), the pass options and a
 * document range; the worker posts `{ done }` (bytes done in its range) now and then, and finally
 * `{ counts }` as transferable typed arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type SpanCountsData, spanCountsData, spanCountsTransferList } from './span-merge.js';
import { countSpanRange, type SpanCorpus, type SpanPassOptions } from './spans.js';

export interface SpanWorkerData {
  corpus: SpanCorpus;
  options: Omit<SpanPassOptions, 'onProgress'>;
  firstDoc: number;
  endDoc: number;
}

export type SpanWorkerReply = { done: number } | { counts: SpanCountsData };

const port = parentPort;
if (port === null) throw new Error('span-worker.js must run as a worker thread');
const { corpus, options, firstDoc, endDoc } = workerData as SpanWorkerData;
const counts = spanCountsData(
  countSpanRange(corpus, options, firstDoc, endDoc, (done) =>
    port.postMessage({ done } satisfies SpanWorkerReply),
  ),
);
port.postMessage({ counts } satisfies SpanWorkerReply, spanCountsTransferList(counts));
