/**
 * Synchronous multi-threaded batch encoding and decoding. The texts are cut into contiguous groups (several per
 * worker, since equal lengths are not equal work: cache-friendly text encodes several times faster);
 * an idle worker gets the next group. The caller blocks on shared flags between replies
 * (Atomics.wait + receiveMessageOnPort), so `encodeBatch` keeps its synchronous signature. Results are
 * in input order and equal serial encoding.
 */
import * as os from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { compiledWorkerUrl } from '../../utils/worker-url.js';
import type { EncodeWorkerInit, WorkerReply, WorkerRequest } from './encode-worker.js';
import type { EncoderData } from './encoder.js';

export interface WorkerPoolOptions {
  /** Default: available parallelism, at most 8. */
  numWorkers?: number;
  cacheSize?: number;
}

/** Groups per worker: small enough to balance uneven work, large enough to amortise messaging. */
const GROUPS_PER_WORKER = 8;

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
}

function encodeWorkerUrl(): URL {
  return compiledWorkerUrl(import.meta.url, 'encode-worker.js');
}

export class BPEWorkerPool {
  readonly numWorkers: number;
  readonly #workers: PoolWorker[] = [];
  readonly #signal: Int32Array;

  constructor(data: EncoderData, options: WorkerPoolOptions = {}) {
    const n = options.numWorkers ?? Math.min(8, os.availableParallelism());
    if (!Number.isInteger(n) || n < 1) throw new Error(`numWorkers must be a positive integer, got ${n}`);
    this.numWorkers = n;
    this.#signal = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
    const url = encodeWorkerUrl();
    for (let slot = 0; slot < n; slot++) {
      const { port1, port2 } = new MessageChannel();
      const init: EncodeWorkerInit = {
        data,
        cacheSize: options.cacheSize,
        signal: this.#signal,
        slot,
        eventIndex: n,
        port: port2,
      };
      const worker = new Worker(url, { workerData: init, transferList: [port2] });
      worker.unref();
      this.#workers.push({ worker, port: port1 });
    }
  }

  /**
   * Encodes every text on the workers, as `encode` does with the specials in `recognised` allowed (null:
   * all of the tokenizer's specials, the default policy; the caller checks disallowed ones).
   */
  encodeMany(texts: readonly string[], recognised: readonly string[] | null = null): number[][] {
    const groups = splitBalanced(texts, (t) => t.length, this.numWorkers * GROUPS_PER_WORKER);
    const replies = this.#run(groups.map((g): WorkerRequest => ({ kind: 'encode', texts: g, recognised })));
    return replies.flatMap((reply) => {
      if (!('ids' in reply)) throw new Error('encode worker sent a decode reply');
      // A plain loop: Array.from on a typed array is about 3x slower here.
      const { ids, lengths } = reply;
      const rows: number[][] = [];
      let at = 0;
      for (const length of lengths) {
        const row = new Array<number>(length);
        for (let i = 0; i < length; i++) row[i] = ids[at + i]!;
        rows.push(row);
        at += length;
      }
      return rows;
    });
  }

  /** Decodes every row on the workers, as `decode` does (malformed UTF-8 as U+FFFD). */
  decodeMany(rows: ReadonlyArray<ArrayLike<number>>, skipSpecialTokens = false): string[] {
    const groups = splitBalanced(rows, (r) => r.length, this.numWorkers * GROUPS_PER_WORKER);
    const requests = groups.map((group): WorkerRequest => {
      const lengths = Int32Array.from(group, (r) => r.length);
      const ids = new Int32Array(lengths.reduce((n, l) => n + l, 0));
      let at = 0;
      for (const row of group) {
        for (let i = 0; i < row.length; i++) ids[at + i] = row[i]!;
        at += row.length;
      }
      return { kind: 'decode', ids, lengths, skipSpecialTokens };
    });
    return this.#run(requests).flatMap((reply) => {
      if (!('texts' in reply)) throw new Error('decode worker sent an encode reply');
      return reply.texts;
    });
  }

  /** Sends the requests to idle workers in order and waits (synchronously) for every reply. */
  #run(requests: WorkerRequest[]): WorkerReply[] {
    const results: WorkerReply[] = new Array(requests.length);
    const busy = new Array<number>(this.numWorkers).fill(-1);
    const signal = this.#signal;
    const events = this.numWorkers;
    let next = 0;
    let pending = 0;
    const send = (slot: number): void => {
      if (next >= requests.length) return;
      Atomics.store(signal, slot, 0);
      busy[slot] = next;
      const request = requests[next++]!;
      const transfer = request.kind === 'decode' ? [request.ids.buffer, request.lengths.buffer] : [];
      this.#workers[slot]!.worker.postMessage(request, transfer as ArrayBuffer[]);
      pending++;
    };
    for (let slot = 0; slot < this.numWorkers; slot++) send(slot);
    while (pending > 0) {
      const seen = Atomics.load(signal, events);
      let progressed = false;
      for (let slot = 0; slot < this.numWorkers; slot++) {
        if (busy[slot]! < 0 || Atomics.load(signal, slot) !== 1) continue;
        results[busy[slot]!] = this.#receive(slot);
        busy[slot] = -1;
        pending--;
        progressed = true;
        send(slot);
      }
      if (!progressed) Atomics.wait(signal, events, seen);
    }
    return results;
  }

  #receive(slot: number): WorkerReply {
    const message = receiveMessageOnPort(this.#workers[slot]!.port);
    if (message === undefined) throw new Error(`BPE worker ${slot} signalled but sent no reply`);
    const reply = message.message as WorkerReply | { error: string };
    if ('error' in reply) throw new Error(`BPE worker ${slot} failed: ${reply.error}`);
    return reply;
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map(({ worker }) => worker.terminate()));
    for (const { port } of this.#workers) port.close();
    this.#workers.length = 0;
  }
}

/** At most `n` contiguous groups of roughly equal total size (no empty groups). */
function splitBalanced<T>(items: readonly T[], sizeOf: (item: T) => number, n: number): T[][] {
  let total = 0;
  for (const t of items) total += sizeOf(t);
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const t of items) {
    current.push(t);
    size += sizeOf(t);
    if (size >= total / n && groups.length < n - 1) {
      groups.push(current);
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
