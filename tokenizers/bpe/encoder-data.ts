/**
 * From BPETokenizer options to the encoder's plain data (EncoderData): ids checked, specials placed
 * (fixed id, the vocabulary's id for their bytes, or appended), token bytes flattened, and the table of
 * mergeable pairs built from the merges or, in rank mode, from every split of every token.
 */
import { bytesToDisplay } from '../byte-unicode.js';
import { ByteTable } from './byte-table.js';
import type { EncoderData } from './encoder.js';
import type { BPETokenizerOptions } from './tokenizer.js';

const utf8 = new TextEncoder();

/** The bytes of ids 0…size−1 back to back (`skip`ped and missing ids span zero bytes). */
function flatten(
  vocab: ReadonlyMap<number, Uint8Array>,
  size: number,
  skip: ReadonlySet<number> | null,
): { tokenBytes: Uint8Array; tokenOffsets: Int32Array } {
  const tokenOffsets = new Int32Array(size + 1);
  let total = 0;
  for (let id = 0; id < size; id++) {
    tokenOffsets[id] = total;
    if (skip?.has(id)) continue;
    total += vocab.get(id)?.length ?? 0;
  }
  tokenOffsets[size] = total;
  const tokenBytes = new Uint8Array(total);
  for (const [id, bytes] of vocab) if (!skip?.has(id)) tokenBytes.set(bytes, tokenOffsets[id]!);
  return { tokenBytes, tokenOffsets };
}

/** Everything the constructor derives from its options, in the plain form workers can rebuild from. */
export function buildEncoderData(options: BPETokenizerOptions): {
  data: EncoderData;
  ordinary: Map<number, Uint8Array>;
} {
  const vocab =
    options.vocab ?? new Map(Array.from({ length: 256 }, (_, b) => [b, Uint8Array.of(b)] as const));
  const merges = options.merges ?? null;
  const specialNames = [...new Set(options.specialTokens ?? Object.keys(options.specialTokenIds ?? {}))];
  for (const s of specialNames)
    if (typeof s !== 'string' || s.length === 0) throw new Error('special tokens must be non-empty strings');
  let size = 0;
  for (const id of vocab.keys()) {
    if (!Number.isInteger(id) || id < 0)
      throw new Error(`vocabulary ids must be non-negative integers, got ${id}`);
    size = Math.max(size, id + 1);
  }
  // Specials: fixed id, else the vocabulary's id for their bytes, else appended.
  const everyToken = flatten(vocab, size, null);
  const everyTable = new ByteTable(everyToken.tokenBytes, everyToken.tokenOffsets);
  const specials: Array<[string, number]> = [];
  for (const name of specialNames) {
    let id = options.specialTokenIds?.[name];
    if (id === undefined) {
      const found = everyTable.find(utf8.encode(name));
      id = found >= 0 ? found : size++;
    }
    size = Math.max(size, id + 1);
    specials.push([name, id]);
  }
  const specialIds = new Set(specials.map(([, id]) => id));
  const ordinary = new Map<number, Uint8Array>();
  for (const [id, bytes] of vocab) if (!specialIds.has(id)) ordinary.set(id, bytes);
  // Ids may leave gaps (cl100k's specials, r50k + a special at 100000): a gap spans zero bytes and
  // decoding it is an error.
  const { tokenBytes, tokenOffsets } = flatten(vocab, size, specialIds);
  const table = new ByteTable(tokenBytes, tokenOffsets);
  let pairs: { left: Int32Array; right: Int32Array; rank: Int32Array; result: Int32Array };
  if (merges !== null) {
    const n = merges.length;
    pairs = {
      left: new Int32Array(n),
      right: new Int32Array(n),
      rank: new Int32Array(n),
      result: new Int32Array(n),
    };
    const idOf = (bytes: Uint8Array, k: number, what: string): number => {
      const id = table.find(bytes);
      if (id < 0)
        throw new Error(
          `merge ${k}: ${what} ${JSON.stringify(bytesToDisplay(bytes))} is not in the vocabulary`,
        );
      return id;
    };
    merges.forEach(([a, b], k) => {
      const joined = new Uint8Array(a.length + b.length);
      joined.set(a);
      joined.set(b, a.length);
      pairs.left[k] = idOf(a, k, 'left token');
      pairs.right[k] = idOf(b, k, 'right token');
      pairs.rank[k] = k;
      pairs.result[k] = idOf(joined, k, 'merged token');
    });
  } else {
    // Rank mode: every split of a token into two tokens merges with the token's rank.
    const found = table.rankPairs();
    pairs = { ...found, rank: found.result };
  }
  const unk = options.unkToken ?? null;
  let unkId = -1;
  if (unk !== null) {
    unkId = specials.find(([s]) => s === unk)?.[1] ?? table.find(utf8.encode(unk));
    if (unkId < 0) throw new Error(`unkToken ${JSON.stringify(unk)} is not in the vocabulary`);
  }
  const data: EncoderData = {
    tokenBytes,
    tokenOffsets,
    unkId,
    preTokenizer: options.preTokenizer ?? { type: 'gpt2' },
    pairLeft: pairs.left,
    pairRight: pairs.right,
    pairRank: pairs.rank,
    pairResult: pairs.result,
    wholePieceShortcut: merges === null,
    specials,
  };
  return { data, ordinary };
}
