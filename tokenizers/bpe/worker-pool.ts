/**
 * Synchronous multi-threaded batch encoding. The texts are cut into contiguous groups (several per
 * worker, since equal lengths are not equal work: cache-friendly text encodes several times faster);
 * an idle worker gets the next group. The caller blocks on shared flags between replies
 * (Atomics.wait + receiveMessageOnPort), so `encodeBatch` keeps its synchronous signature. Results are
 * in input order and equal serial encoding.
 */
import * as os from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { compiledWorkerUrl } from '../../utils/worker-url.js';
import type { EncodeReply, EncodeRequest, EncodeWorkerInit } from './encode-worker.js';
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
    const groups = splitBalanced(texts, this.numWorkers * GROUPS_PER_WORKER);
    const results: number[][][] = new Array(groups.length);
    const busy = new Array<number>(this.numWorkers).fill(-1);
    const signal = this.#signal;
    const events = this.numWorkers;
    let next = 0;
    let pending = 0;
    const send = (slot: number): void => {
      if (next >= groups.length) return;
      Atomics.store(signal, slot, 0);
      busy[slot] = next;
      const request: EncodeRequest = { texts: groups[next++]!, recognised };
      this.#workers[slot]!.worker.postMessage(request);
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
    return results.flat();
  }

  #receive(slot: number): number[][] {
    const message = receiveMessageOnPort(this.#workers[slot]!.port);
    if (message === undefined) throw new Error(`encode worker ${slot} signalled but sent no reply`);
    const reply = message.message as EncodeReply;
    if ('error' in reply) throw new Error(`encode worker ${slot} failed: ${reply.error}`);
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
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map(({ worker }) => worker.terminate()));
    for (const { port } of this.#workers) port.close();
    this.#workers.length = 0;
  }
}

/** At most `n` contiguous groups of roughly equal total length (no empty groups). */
function splitBalanced(texts: readonly string[], n: number): string[][] {
  let total = 0;
  for (const t of texts) total += t.length;
  const groups: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const t of texts) {
    current.push(t);
    size += t.length;
    if (size >= total / n && groups.length < n - 1) {
      groups.push(current);
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
