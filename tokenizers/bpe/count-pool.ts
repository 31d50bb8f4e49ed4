/**
 * Pre-token counting over a stream of blocks, serially or on the worker pool (utils/worker-pool.ts).
 * Each worker keeps its own piece → count map; the maps are summed at the end, so the result equals the
 * serial count whatever the worker count or the order in which blocks finish.
 */

import { WorkerPool } from '../../utils/worker-pool.js';
import { compiledWorkerUrl } from '../../utils/worker-url.js';
import { specialsRegex } from '../pipeline/split-specials.js';
import { countPretokens, PieceCounter } from './count-pretokens.js';
import type { CountInit, CountReply, CountRequest } from './count-worker.js';

/**
 * A unit of counting: one text, or several texts counted independently (a pre-token never spans two;
 * many small documents travel together).
 */
export type CountBlock = string | readonly string[];

/** Blocks queued per worker beyond the one it is counting: enough to keep it busy, few enough to bound memory. */
const QUEUE_PER_WORKER = 1;

const textsOf = (block: CountBlock): readonly string[] => (typeof block === 'string' ? [block] : block);

/**
 * Counts the pre-tokens of all `blocks`. With `numWorkers` > 1 and more than one block, the blocks are
 * spread over that many worker threads; otherwise they are counted on this thread. `onBlock` receives
 * each block's length in characters once it has been counted.
 */
export async function countBlocks(
  blocks: AsyncIterable<CountBlock>,
  specials: readonly string[],
  numWorkers: number,
  onBlock?: (chars: number) => void,
): Promise<PieceCounter> {
  const iterator = blocks[Symbol.asyncIterator]();
  // The first two blocks, read ahead to see whether there is more than one; each is let go once yielded
  // (held to the end, they and the larger strings they were sliced from stayed alive all through counting).
  const head: CountBlock[] = [];
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
  }
  const single = head.length < 2;
  const all = (async function* () {
    for (let block = head.shift(); block !== undefined; block = head.shift()) yield block;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  // A single block is not worth starting threads for.
  if (numWorkers <= 1 || single) {
    const counts = new PieceCounter();
    const specialsRe = specialsRegex(specials);
    for await (const block of all) {
      let chars = 0;
      for (const text of textsOf(block)) {
        countPretokens(text, specialsRe, counts);
        chars += text.length;
      }
      onBlock?.(chars);
    }
    return counts;
  }
  const pool = new WorkerPool<CountRequest, CountReply, CountInit>(
    compiledWorkerUrl(import.meta.url, 'count-worker.js'),
    { numWorkers, init: { specials: [...specials] } },
  );
  try {
    const requests = (async function* () {
      for await (const block of all) yield { texts: textsOf(block) };
    })();
    await pool.dispatch(
      requests,
      (reply) => {
        if ('chars' in reply) onBlock?.(reply.chars);
      },
      QUEUE_PER_WORKER,
    );
    const counts = new PieceCounter();
    for (const reply of await pool.broadcast({ finish: true })) {
      if (!('counts' in reply)) throw new Error('count worker answered finish without its counts');
      counts.addAll(reply.counts);
    }
    return counts;
  } finally {
    await pool.close();
  }
}
