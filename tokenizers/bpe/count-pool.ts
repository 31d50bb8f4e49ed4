/**
 * Pre-token counting over a stream of safe blocks, serially or on worker threads. Each worker keeps its
 * own piece → count map; the maps are summed at the end, so the result equals the serial count whatever
 * the worker count or the order in which blocks finish.
 */
import { Worker } from 'node:worker_threads';
import { compiledWorkerUrl } from '../../utils/worker-url.js';
import { countPretokens, PieceCounter, type PieceCountsData } from './count-pretokens.js';
import type { CountReply } from './count-worker.js';
import { specialsRegex } from './pretokenize.js';

/** Blocks queued per worker beyond the one it is counting: enough to keep it busy, few enough to bound memory. */
const QUEUE_PER_WORKER = 1;

/** The compiled worker script (workers cannot run TypeScript; see utils/worker-url.ts). */
function countWorkerUrl(): URL {
  return compiledWorkerUrl(import.meta.url, 'count-worker.js');
}

/**
 * Counts the pre-tokens of all `blocks`. With `numWorkers` > 1 and more than one block, the blocks are
 * spread over that many worker threads; otherwise they are counted on this thread. `onBlock` receives each block's length
 * once it has been counted.
 */
export async function countBlocks(
  blocks: AsyncIterable<string>,
  specials: readonly string[],
  numWorkers: number,
  onBlock?: (chars: number) => void,
): Promise<PieceCounter> {
  const iterator = blocks[Symbol.asyncIterator]();
  const first = await iterator.next();
  const second = first.done ? first : await iterator.next();
  const all = (async function* () {
    if (!first.done) yield first.value;
    if (!second.done) yield second.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  // A single block is not worth starting threads for.
  if (numWorkers <= 1 || second.done) {
    const counts = new PieceCounter();
    const specialsRe = specialsRegex(specials);
    for await (const block of all) {
      countPretokens(block, specialsRe, counts);
      onBlock?.(block.length);
    }
    return counts;
  }
  return countOnWorkers(all, specials, numWorkers, onBlock);
}

interface PoolWorker {
  worker: Worker;
  /** Blocks posted and not yet acknowledged. */
  pending: number;
  result: Promise<PieceCountsData>;
}

async function countOnWorkers(
  blocks: AsyncIterable<string>,
  specials: readonly string[],
  numWorkers: number,
  onBlock?: (chars: number) => void,
): Promise<PieceCounter> {
  const url = countWorkerUrl();
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const pool: PoolWorker[] = [];
  for (let i = 0; i < numWorkers; i++) {
    const worker = new Worker(url, { workerData: { specials: [...specials] } });
    const entry = { worker, pending: 0 } as PoolWorker;
    entry.result = new Promise((resolve, reject) => {
      worker.on('message', (reply: CountReply) => {
        if ('counts' in reply) return resolve(reply.counts);
        entry.pending--;
        onBlock?.(reply.done);
        notify();
      });
      worker.on('error', (error) => {
        failure ??= error;
        reject(error);
        notify();
      });
    });
    // Rejections are collected below; this keeps an early failure from being reported as unhandled.
    entry.result.catch(() => {});
    pool.push(entry);
  }
  try {
    for await (const block of blocks) {
      let target = pool[0]!;
      for (;;) {
        if (failure) throw failure;
        for (const entry of pool) if (entry.pending < target.pending) target = entry;
        if (target.pending <= QUEUE_PER_WORKER) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      target.pending++;
      target.worker.postMessage({ text: block });
    }
    for (const entry of pool) entry.worker.postMessage({ finish: true });
    const counts = new PieceCounter();
    for (const entry of pool) counts.addAll(await entry.result);
    return counts;
  } finally {
    await Promise.all(pool.map((entry) => entry.worker.terminate()));
  }
}
