/**
 * Pool worker for parallel pre-token counting (utils/pool-worker.ts). Set-up: the special tokens. Each
 * `{ texts }` request counts every text (independently: a piece never spans two texts) into this
 * worker's running counts and replies with the characters counted; `{ finish: true }` replies with the
 * counts as transferable typed arrays and starts over empty.
 */
import { serve } from '../../utils/pool-worker.js';
import { specialsRegex } from '../pipeline/split-specials.js';
import { countPretokens, PieceCounter, type PieceCountsData } from './count-pretokens.js';

export interface CountInit {
  specials: string[];
}
export type CountRequest = { texts: readonly string[] } | { finish: true };
export type CountReply = { chars: number } | { counts: PieceCountsData };

serve<CountInit, CountRequest, CountReply>(
  (init) => {
    const specials = specialsRegex(init.specials);
    let counter = new PieceCounter();
    return (request) => {
      if ('texts' in request) {
        let chars = 0;
        for (const text of request.texts) {
          countPretokens(text, specials, counter);
          chars += text.length;
        }
        return { chars };
      }
      const counts = counter.data();
      counter = new PieceCounter();
      return { counts };
    };
  },
  (reply) => {
    if (!('counts' in reply)) return [];
    const { arena, starts, lengths, hashes, counts } = reply.counts;
    return [arena, starts, lengths, hashes, counts].map((a) => a.buffer as ArrayBuffer);
  },
);
