/**
 * Synchronous multi-threaded batch encoding and decoding on the worker pool (utils/worker-pool.ts). The
 * texts are cut into contiguous groups (several per worker, since equal lengths are not equal work:
 * cache-friendly text encodes several times faster); an idle worker gets the next group, and each reply
 * is unpacked into rows while the workers go on, so the only serial work left is the last group's.
 * `encodeBatch` keeps its synchronous signature (the pool's `mapSync`). Results are in input order and
 * equal serial encoding.
 */

import { WorkerPool } from '../../utils/worker-pool.js';
import { compiledWorkerUrl } from '../../utils/worker-url.js';
import type { EncodeWorkerInit, WorkerReply, WorkerRequest } from './encode-worker.js';
import type { EncoderData } from './encoder.js';

export interface WorkerPoolOptions {
  /** Default: available parallelism, at most 8 (utils/worker-pool.ts). */
  numWorkers?: number;
  cacheSize?: number;
}

/** Every text's ids back to back: text k's are `ids[offsets[k], offsets[k + 1])`. */
export interface FlatIds {
  ids: Int32Array;
  offsets: Int32Array;
}

/** Groups per worker: small enough to balance uneven work, large enough to amortise messaging. */
const GROUPS_PER_WORKER = 8;

export class BPEWorkerPool {
  readonly numWorkers: number;
  readonly #pool: WorkerPool<WorkerRequest, WorkerReply, EncodeWorkerInit>;

  constructor(data: EncoderData, options: WorkerPoolOptions = {}) {
    this.#pool = new WorkerPool(compiledWorkerUrl(import.meta.url, 'encode-worker.js'), {
      numWorkers: options.numWorkers,
      init: { data, cacheSize: options.cacheSize },
      unref: true,
    });
    this.numWorkers = this.#pool.size;
  }

  /**
   * Encodes every text on the workers, as `encode` does with the specials in `recognised` allowed (null:
   * all of the tokenizer's specials, the default policy; the caller checks disallowed ones).
   */
  encodeMany(texts: readonly string[], recognised: readonly string[] | null = null): number[][] {
    const groups = this.#groups(texts);
    const firstRow = groupStarts(groups);
    const out: number[][] = new Array(texts.length);
    this.#encodeGroups(groups, recognised, ({ ids, lengths }, group) => {
      // A plain loop into a pre-sized array: Array.from on a typed array is about 3x slower here.
      let at = 0;
      let r = firstRow[group]!;
      for (const length of lengths) {
        const row = new Array<number>(length).fill(0);
        for (let i = 0; i < length; i++) row[i] = ids[at + i]!;
        out[r++] = row;
        at += length;
      }
    });
    return out;
  }

  /**
   * `encodeMany` without a JavaScript array per text: every text's ids back to back in one Int32Array,
   * text k's at `ids[offsets[k], offsets[k + 1])`. The workers' replies are copied in whole, so this
   * thread does almost no work per id (building the rows of `encodeMany`, and collecting them, costs it
   * about a tenth of one worker's encoding time, which two workers on two cores must share with it).
   */
  encodeManyFlat(texts: readonly string[], recognised: readonly string[] | null = null): FlatIds {
    const groups = this.#groups(texts);
    const replies: Array<Int32Array> = new Array(groups.length);
    const offsets = new Int32Array(texts.length + 1);
    const firstRow = groupStarts(groups);
    this.#encodeGroups(groups, recognised, ({ ids, lengths }, group) => {
      replies[group] = ids;
      // Row lengths for now; summed into offsets once every group is in.
      offsets.set(lengths, firstRow[group]! + 1);
    });
    for (let k = 0; k < texts.length; k++) offsets[k + 1]! += offsets[k]!;
    const ids = new Int32Array(offsets[texts.length]!);
    replies.forEach((part, group) => {
      ids.set(part, offsets[firstRow[group]!]!);
    });
    return { ids, offsets };
  }

  #groups(texts: readonly string[]): string[][] {
    return splitBalanced(texts, (t) => t.length, this.numWorkers * GROUPS_PER_WORKER);
  }

  /** Sends each group to the workers; `onReply` sees each group's ids as they come back. */
  #encodeGroups(
    groups: string[][],
    recognised: readonly string[] | null,
    onReply: (reply: { ids: Int32Array; lengths: Int32Array }, group: number) => void,
  ): void {
    this.#pool.mapSync(
      groups.map((g): WorkerRequest => ({ kind: 'encode', texts: g, recognised })),
      () => [],
      (reply, group) => {
        if (!('ids' in reply)) throw new Error('encode worker sent a decode reply');
        onReply(reply, group);
      },
    );
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
    const transfer = (r: WorkerRequest) =>
      r.kind === 'decode' ? [r.ids.buffer as ArrayBuffer, r.lengths.buffer as ArrayBuffer] : [];
    return this.#pool.mapSync(requests, transfer).flatMap((reply) => {
      if (!('texts' in reply)) throw new Error('decode worker sent an encode reply');
      return reply.texts;
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/** Index of each group's first item in the whole list. */
function groupStarts<T>(groups: readonly T[][]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const g of groups) {
    starts.push(at);
    at += g.length;
  }
  return starts;
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
