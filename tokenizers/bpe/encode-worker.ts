/**
 * Worker thread for BPEWorkerPool: rebuilds the encoder from its plain data, then encodes batches of
 * texts. Replies go through a MessagePort and a shared flag, so the pool can wait synchronously.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { BPEEncoder, type EncoderData } from './encoder.js';
import { specialsRegex, splitOnSpecials } from './pretokenize.js';

export interface EncodeWorkerInit {
  data: EncoderData;
  cacheSize: number | undefined;
  /** Shared flags: signal[slot] is set to 1 after each reply, and signal[eventIndex] counts replies. */
  signal: Int32Array;
  slot: number;
  eventIndex: number;
  port: MessagePort;
}

/** A group of texts, and the specials to recognise in them (null: all of the tokenizer's). */
export interface EncodeRequest {
  texts: string[];
  recognised: readonly string[] | null;
}

/** Reply: all ids of the batch back to back, and each text's id count. */
export type EncodeReply = { ids: Int32Array; lengths: Int32Array } | { error: string };

const init = workerData as EncodeWorkerInit;

/** Built on the first batch, inside the handler, so a failure becomes an error reply instead of a hang. */
let state: { encoder: BPEEncoder; specialId: Map<string, number>; all: RegExp | null } | null = null;

function encodeBatch({ texts, recognised }: EncodeRequest): EncodeReply {
  state ??= {
    encoder: new BPEEncoder(init.data, { cacheSize: init.cacheSize }),
    specialId: new Map(init.data.specials),
    all: specialsRegex(init.data.specials.map(([s]) => s)),
  };
  const { encoder, specialId } = state;
  const specials = recognised === null ? state.all : specialsRegex(recognised);
  const lengths = new Int32Array(texts.length);
  const rows: number[][] = [];
  let total = 0;
  texts.forEach((text, k) => {
    const row: number[] = [];
    for (const seg of splitOnSpecials(text, specials)) {
      if (seg.special) row.push(specialId.get(seg.text)!);
      else encoder.encodeOrdinaryInto(seg.text, row);
    }
    rows.push(row);
    lengths[k] = row.length;
    total += row.length;
  });
  const ids = new Int32Array(total);
  let at = 0;
  for (const row of rows) {
    ids.set(row, at);
    at += row.length;
  }
  return { ids, lengths };
}

parentPort!.on('message', (request: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    reply = encodeBatch(request);
  } catch (error) {
    reply = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  init.port.postMessage(
    reply,
    'ids' in reply ? [reply.ids.buffer as ArrayBuffer, reply.lengths.buffer as ArrayBuffer] : [],
  );
  Atomics.store(init.signal, init.slot, 1);
  Atomics.add(init.signal, init.eventIndex, 1);
  Atomics.notify(init.signal, init.eventIndex);
});
