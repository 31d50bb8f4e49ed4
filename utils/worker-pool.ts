/**
 * The one worker pool: compiled worker scripts (see worker-url.ts) answering typed requests, used by BPE
 * pre-token counting, batch encoding/decoding and the ByteSpan span pass (each a `serve` script, see
 * pool-worker.ts). Every worker replies through its own MessagePort and then bumps one shared counter, so
 * the pool waits on that counter either synchronously (`Atomics.wait`: `mapSync`, which lets
 * `encodeBatch` keep its synchronous signature) or asynchronously (`Atomics.waitAsync`: `request`,
 * `dispatch`, `broadcast`), and reads the replies with `receiveMessageOnPort`, one mechanism for both.
 * Large inputs travel as SharedArrayBuffers (seen by every worker, never copied) and large results as
 * transferred ArrayBuffers. Each worker answers its requests in the order it received them.
 */
import * as os from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** Default worker count cap: beyond it, merging partial results costs more than the extra threads give. */
export const MAX_DEFAULT_WORKERS = 8;

/** The default number of worker threads everywhere: the available cores, at most MAX_DEFAULT_WORKERS. */
export function defaultWorkerCount(): number {
  return Math.min(MAX_DEFAULT_WORKERS, os.availableParallelism());
}

/** `n` when it is a valid worker count, else an error naming the value. */
export function checkWorkerCount(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`numWorkers must be a positive integer, got ${n}`);
  return n;
}

/**
 * What a pool worker posts: progress while it works on a request, then the reply or the error; `failed`
 * when its script could not be loaded or its thread is ending (see BOOTSTRAP).
 */
export type PoolMessage<Reply, Progress> =
  | { reply: Reply }
  | { progress: Progress }
  | { error: string }
  | { failed: string };

/** The workerData of a pool worker (read by BOOTSTRAP and `serve`). */
export interface PoolWorkerData<Init> {
  init: Init;
  port: MessagePort;
  /** signal[0] counts the messages posted by all workers. */
  signal: Int32Array;
  /** URL of the worker script. */
  script: string;
}

/**
 * Every pool worker starts here and imports its script. A script that fails to load (missing, or
 * throwing as it runs), an uncaught exception and a thread that exits are reported through the worker's
 * port and the shared counter like any reply (the pool keeps the first report): the Worker's 'error' and
 * 'exit' events need this thread's event loop, which never runs while `mapSync` blocks in Atomics.wait,
 * so without this a synchronous caller waited forever. Only import(): the code runs as CommonJS or, under
 * an inherited --input-type=module, as an ES module.
 */
const BOOTSTRAP = `
import('node:worker_threads').then(({ workerData }) => {
  const fail = (failed) => {
    workerData.port.postMessage({ failed });
    Atomics.add(workerData.signal, 0, 1);
    Atomics.notify(workerData.signal, 0);
  };
  const text = (error) => String((error && error.stack) || error);
  process.on('uncaughtExceptionMonitor', (error) => fail('failed: ' + text(error)));
  process.on('exit', (code) => fail('exited with code ' + code));
  return import(workerData.script).catch((error) => fail('failed to start: ' + text(error)));
});
`;

export interface WorkerPoolOptions<Init, Progress> {
  /** Default: {@link defaultWorkerCount}. */
  numWorkers?: number;
  /** Every worker's set-up data (structured-cloned, so SharedArrayBuffers in it are shared). */
  init: Init;
  /** Called with the worker's slot for each progress message. */
  onProgress?: (slot: number, progress: Progress) => void;
  /** Let the process exit while the workers are idle (a pool kept for the life of an object). */
  unref?: boolean;
}

interface Waiter<Reply> {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

interface Slot<Reply> {
  worker: Worker;
  port: MessagePort;
  /** Requests sent to this worker and not answered yet, oldest first. */
  waiting: Array<Waiter<Reply>>;
}

export class WorkerPool<Request, Reply, Init = unknown, Progress = never> {
  readonly size: number;
  readonly #slots: Array<Slot<Reply>> = [];
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  readonly #onProgress: ((slot: number, progress: Progress) => void) | undefined;
  readonly #script: string;
  #failure: Error | null = null;
  /** True while an async wait loop is running (one at a time serves every outstanding request). */
  #pumping = false;

  constructor(script: URL, options: WorkerPoolOptions<Init, Progress>) {
    this.size = checkWorkerCount(options.numWorkers ?? defaultWorkerCount());
    this.#onProgress = options.onProgress;
    this.#script = script.pathname.split('/').pop()!;
    for (let i = 0; i < this.size; i++) {
      const { port1, port2 } = new MessageChannel();
      const workerData: PoolWorkerData<Init> = {
        init: options.init,
        port: port2,
        signal: this.#signal,
        script: script.href,
      };
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData, transferList: [port2] });
      if (options.unref) worker.unref();
      const slot: Slot<Reply> = { worker, port: port1, waiting: [] };
      // An error outside a request (the script failed to load, or the thread died) fails what is waiting.
      const fail = (error: Error): void => {
        this.#failure ??= error;
        Atomics.add(this.#signal, 0, 1);
        Atomics.notify(this.#signal, 0);
      };
      // The 'error' event can arrive before the bootstrap's port report: name the script here too.
      worker.on('error', (error) =>
        fail(new Error(`${this.#script} worker ${i} failed: ${error.stack ?? error}`, { cause: error })),
      );
      worker.on('exit', (code) => {
        if (slot.waiting.length > 0) fail(new Error(`${this.#script} worker ${i} exited with code ${code}`));
      });
      this.#slots.push(slot);
    }
  }

  /** Requests sent to worker `slot` and not answered yet. */
  pending(slot: number): number {
    return this.#slots[slot]!.waiting.length;
  }

  /** Sends `request` to worker `slot`; resolves with its reply. */
  request(slot: number, request: Request, transfer: readonly ArrayBuffer[] = []): Promise<Reply> {
    const reply = new Promise<Reply>((resolve, reject) => {
      this.#post(slot, request, transfer, { resolve, reject });
    });
    void this.#pump();
    return reply;
  }

  /** The same request to every worker; the replies in slot order. */
  broadcast(request: Request): Promise<Reply[]> {
    return Promise.all(this.#slots.map((_, slot) => this.request(slot, request)));
  }

  /**
   * Sends each request to the worker with the fewest unanswered ones, waiting while every worker has
   * more than `maxQueued` beyond the one it works on (bounded memory for a stream of any length).
   * `onReply` sees each reply with its request's position in the stream; resolves once all are answered.
   * A request is not kept once posted (the worker has its copy): a block of text sliced from a larger
   * string would keep that string alive on this thread until the reply came.
   */
  async dispatch(
    requests: AsyncIterable<Request> | Iterable<Request>,
    onReply: (reply: Reply, index: number) => void,
    maxQueued = 1,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let index = 0;
    for await (const request of requests) {
      let target: number;
      for (;;) {
        target = 0;
        for (let s = 1; s < this.size; s++) if (this.pending(s) < this.pending(target)) target = s;
        if (this.pending(target) <= maxQueued) break;
        await Promise.race(inFlight);
      }
      const at = index++;
      const answered: Promise<void> = this.request(target, request)
        .then((reply) => onReply(reply, at))
        .finally(() => inFlight.delete(answered));
      // Failures surface through the race above or the final Promise.all, never as unhandled.
      answered.catch(() => {});
      inFlight.add(answered);
    }
    await Promise.all(inFlight);
  }

  /**
   * Sends each request to the next idle worker and blocks this thread until every reply is in; returns
   * them in request order. `onReply(reply, index)` runs as each arrives, while the workers go on with
   * the next requests, so the caller's work on a reply overlaps theirs.
   */
  mapSync(
    requests: readonly Request[],
    transferOf: (request: Request) => readonly ArrayBuffer[] = () => [],
    onReply?: (reply: Reply, index: number) => void,
  ): Reply[] {
    if (this.#pumping) throw new Error('WorkerPool.mapSync called while asynchronous requests are pending');
    const replies: Reply[] = new Array(requests.length);
    let next = 0;
    let done = 0;
    let error: Error | null = null;
    const send = (slot: number): void => {
      if (next >= requests.length) return;
      const index = next++;
      const request = requests[index]!;
      this.#post(slot, request, transferOf(request), {
        resolve: (reply) => {
          replies[index] = reply;
          done++;
          if (error !== null) return;
          send(slot);
          try {
            onReply?.(reply, index);
          } catch (e) {
            error = e instanceof Error ? e : new Error(String(e));
          }
        },
        reject: (e) => {
          error ??= e;
          done++;
        },
      });
    };
    for (let slot = 0; slot < this.size; slot++) send(slot);
    while (done < next) {
      const seen = Atomics.load(this.#signal, 0);
      if (!this.#drain()) Atomics.wait(this.#signal, 0, seen);
    }
    if (error !== null) throw error;
    return replies;
  }

  /** Stops every worker (what is waiting is rejected). */
  async close(): Promise<void> {
    await Promise.all(this.#slots.map(({ worker }) => worker.terminate()));
    for (const slot of this.#slots) {
      slot.port.close();
      for (const waiter of slot.waiting.splice(0)) waiter.reject(new Error(`${this.#script} pool closed`));
    }
  }

  #post(slot: number, request: Request, transfer: readonly ArrayBuffer[], waiter: Waiter<Reply>): void {
    if (this.#failure) {
      waiter.reject(this.#failure);
      return;
    }
    const target = this.#slots[slot]!;
    target.waiting.push(waiter);
    target.worker.postMessage(request, transfer as ArrayBuffer[]);
  }

  /** Handles every message already posted; true when there was any. */
  #drain(): boolean {
    let any = false;
    for (const [s, slot] of this.#slots.entries()) {
      for (let m = receiveMessageOnPort(slot.port); m !== undefined; m = receiveMessageOnPort(slot.port)) {
        any = true;
        const message = m.message as PoolMessage<Reply, Progress>;
        if ('failed' in message) {
          this.#failure ??= new Error(`${this.#script} worker ${s} ${message.failed}`);
          continue;
        }
        if ('progress' in message) {
          this.#onProgress?.(s, message.progress);
          continue;
        }
        const waiter = slot.waiting.shift();
        if (waiter === undefined)
          throw new Error(`${this.#script} worker ${s} sent a reply nobody asked for`);
        if ('error' in message)
          waiter.reject(new Error(`${this.#script} worker ${s} failed: ${message.error}`));
        else waiter.resolve(message.reply);
      }
    }
    if (this.#failure) {
      for (const slot of this.#slots)
        for (const waiter of slot.waiting.splice(0)) waiter.reject(this.#failure);
      any = true;
    }
    return any;
  }

  /** Waits for and handles messages until no request is unanswered. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#slots.some((slot) => slot.waiting.length > 0)) {
        const seen = Atomics.load(this.#signal, 0);
        if (this.#drain()) continue;
        const wait = Atomics.waitAsync(this.#signal, 0, seen);
        if (wait.async) await wait.value;
      }
    } finally {
      this.#pumping = false;
    }
  }
}
