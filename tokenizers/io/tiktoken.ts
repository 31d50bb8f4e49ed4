/**
 * tiktoken rank files (`.tiktoken`: `base64 rank` per line; the rank of a token is its id) and the rank
 * bundles shipped by the tiktoken npm packages (`bpe_ranks`: "tag startRank b64 b64 …" lines).
 */
import { FileError, readTextFile } from '../../utils/fs.js';
import { type BPEFiles, bytesKey } from './vocab-merges.js';

/** Parses tiktoken ranks text: `base64 rank` per line; ranks become ids. */
export function parseTiktoken(file: string, text: string): Map<number, Uint8Array> {
  const ranks = new Map<number, Uint8Array>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line.length === 0) continue;
    const [b64, rankText, extra] = line.split(' ');
    const rank = Number(rankText);
    if (
      extra !== undefined ||
      b64 === undefined ||
      !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) ||
      !Number.isInteger(rank) ||
      rank < 0
    ) {
      throw new FileError(
        file,
        `line ${n + 1}: expected "base64 rank", got ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    if (ranks.has(rank)) throw new FileError(file, `line ${n + 1}: rank ${rank} appears twice`);
    ranks.set(rank, new Uint8Array(Buffer.from(b64, 'base64')));
  }
  if (ranks.size === 0) throw new FileError(file, 'no ranks found');
  return ranks;
}

export function readTiktoken(file: string): Map<number, Uint8Array> {
  return parseTiktoken(file, readTextFile(file, 'tiktoken ranks file'));
}

/** `.tiktoken` text of the ordinary tokens: a byte string reached twice keeps its lowest id. */
export function formatTiktoken(vocab: ReadonlyMap<number, Uint8Array>): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const id of [...vocab.keys()].sort((a, b) => a - b)) {
    const bytes = vocab.get(id)!;
    const key = bytesKey(bytes);
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`${Buffer.from(bytes).toString('base64')} ${id}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The rank bundles of the tiktoken npm packages: `bpe_ranks` = "tag startRank b64 b64 …" lines. */
export function parseRankBundle(
  source: string,
  bundle: { bpe_ranks: string; special_tokens: Record<string, number> },
): BPEFiles {
  const vocab = new Map<number, Uint8Array>();
  for (const line of bundle.bpe_ranks.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    const start = Number(fields[1]);
    if (!Number.isInteger(start))
      throw new FileError(source, `bad rank line start ${JSON.stringify(fields[1])}`);
    for (let k = 2; k < fields.length; k++)
      vocab.set(start + k - 2, new Uint8Array(Buffer.from(fields[k]!, 'base64')));
  }
  return { vocab, merges: null, specials: Object.entries(bundle.special_tokens) };
}
