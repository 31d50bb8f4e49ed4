/**
 * The worker side of the pool (worker-pool.ts): a worker script calls `serve` once with a set-up
 * function; each request is answered with the handler's reply (its `transfer` buffers moved, not
 * copied), and any error (set-up included, which runs on the first request) becomes an error reply
 * naming it, so the pool never waits for a reply that cannot come.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PoolMessage, PoolWorkerData } from './worker-pool.js';

/** A request handler: `progress` posts a progress message to the pool while the request runs. */
export type PoolHandler<Request, Reply, Progress> = (
  request: Request,
  progress: (p: Progress) => void,
) => Reply;

export function serve<Init, Request, Reply, Progress = never>(
  setup: (init: Init) => PoolHandler<Request, Reply, Progress>,
  transferOf: (reply: Reply) => readonly ArrayBuffer[] = () => [],
): void {
  if (parentPort === null) throw new Error('a pool worker script must run as a worker thread');
  const { init, port, signal } = workerData as PoolWorkerData<Init>;
  const post = (message: PoolMessage<Reply, Progress>, transfer: readonly ArrayBuffer[] = []): void => {
    port.postMessage(message, transfer as ArrayBuffer[]);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  const progress = (p: Progress): void => post({ progress: p });
  let handler: PoolHandler<Request, Reply, Progress> | null = null;
  parentPort.on('message', (request: Request) => {
    let reply: Reply;
    try {
      handler ??= setup(init);
      reply = handler(request, progress);
    } catch (error) {
      post({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      return;
    }
    post({ reply }, transferOf(reply));
  });
}
