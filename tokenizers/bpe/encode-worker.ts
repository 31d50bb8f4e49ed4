/**
 * Worker thread for BPEWorkerPool: rebuilds the encoder from its plain data, then encodes batches of
 * texts or decodes batches of id rows. Replies go through a MessagePort and a shared flag, so the pool can wait synchronously.
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

/**
 * Encode: a group of texts, and the specials to recognise in them (null: all of the tokenizer's).
 * Decode: rows of ids back to back with each row's length.
 */
export type WorkerRequest =
  | { kind: 'encode'; texts: string[]; recognised: readonly string[] | null }
  | { kind: 'decode'; ids: Int32Array; lengths: Int32Array; skipSpecialTokens: boolean };

/** Encode: all ids of the batch back to back, and each text's id count. Decode: the texts. */
export type WorkerReply = { ids: Int32Array; lengths: Int32Array } | { texts: string[] };

const init = workerData as EncodeWorkerInit;

/** Built on the first request, inside the handler, so a failure becomes an error reply instead of a hang. */
let state: {
  encoder: BPEEncoder;
  specialId: Map<string, number>;
  specialBytes: Map<number, Uint8Array>;
  all: RegExp | null;
} | null = null;

function getState(): NonNullable<typeof state> {
  const utf8 = new TextEncoder();
  state ??= {
    encoder: new BPEEncoder(init.data, { cacheSize: init.cacheSize }),
    specialId: new Map(init.data.specials),
    specialBytes: new Map(init.data.specials.map(([s, id]) => [id, utf8.encode(s)])),
    all: specialsRegex(init.data.specials.map(([s]) => s)),
  };
  return state;
}

function encodeBatch(texts: readonly string[], recognised: readonly string[] | null): WorkerReply {
  const { encoder, specialId, all } = getState();
  const specials = recognised === null ? all : specialsRegex(recognised);
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

const utf8Replace = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function decodeBatch(ids: Int32Array, lengths: Int32Array, skipSpecialTokens: boolean): WorkerReply {
  const { encoder, specialBytes } = getState();
  const texts: string[] = [];
  let at = 0;
  for (const length of lengths) {
    let row: ArrayLike<number> = ids.subarray(at, at + length);
    if (skipSpecialTokens) row = Array.from(row).filter((id) => !specialBytes.has(id));
    texts.push(utf8Replace.decode(encoder.decodeBytes(row, specialBytes)));
    at += length;
  }
  return { texts };
}

parentPort!.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply | { error: string };
  try {
    reply =
      request.kind === 'encode'
        ? encodeBatch(request.texts, request.recognised)
        : decodeBatch(request.ids, request.lengths, request.skipSpecialTokens);
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
