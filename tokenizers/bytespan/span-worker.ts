/**
 * Pool worker for the parallel span pass (utils/pool-worker.ts). A request holds the corpus (bytes and
 * cue on SharedArrayBuffers, so nothing large is copied), the pass options and a document range; the
 * worker reports progress (bytes done in its range) now and then and replies with the range's counts as
 * transferable typed arrays.
 */
import { serve } from '../../utils/pool-worker.js';
import { type SpanCountsData, spanCountsData, spanCountsTransferList } from './span-merge.js';
import { countSpanRange, type SpanCorpus, type SpanPassOptions } from './spans.js';

export interface SpanRequest {
  corpus: SpanCorpus;
  options: Omit<SpanPassOptions, 'onProgress'>;
  firstDoc: number;
  endDoc: number;
}

serve<null, SpanRequest, SpanCountsData, number>(
  () =>
    ({ corpus, options, firstDoc, endDoc }, progress) =>
      spanCountsData(countSpanRange(corpus, options, firstDoc, endDoc, progress)),
  spanCountsTransferList,
);
