/**
 * Worker thread for parallel pre-token counting (run from the compiled dist/ file). Protocol: the
 * specials arrive in workerData; each `{ text }` message is counted and acknowledged with `{ done }`
 * (its length); `{ finish: true }` replies with the accumulated counts as transferable typed arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { countPretokens, PieceCounter, type PieceCountsData } from './count-pretokens.js';
import { specialsRegex } from './pretokenize.js';

export type CountRequest = { text: string } | { finish: true };
export type CountReply = { done: number } | { counts: PieceCountsData };

const port = parentPort;
if (port === null) throw new Error('count-worker.js must run as a worker thread');
const specials = specialsRegex((workerData as { specials: string[] }).specials);
const counter = new PieceCounter();

port.on('message', (message: CountRequest) => {
  if ('text' in message) {
    countPretokens(message.text, specials, counter);
    port.postMessage({ done: message.text.length } satisfies CountReply);
    return;
  }
  const counts = counter.data();
  const { arena, starts, lengths, hashes, counts: values } = counts;
  port.postMessage({ counts } satisfies CountReply, [
    arena.buffer as ArrayBuffer,
    starts.buffer as ArrayBuffer,
    lengths.buffer as ArrayBuffer,
    hashes.buffer as ArrayBuffer,
    values.buffer as ArrayBuffer,
  ]);
});
