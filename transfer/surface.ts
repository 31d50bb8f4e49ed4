/**
 * Byte surfaces of a tokenizer's vocabulary and its model applied to raw bytes: the two views tokenizer
 * transfer needs (spec zett §2–3). Every project tokenizer already shares one byte convention, so the
 * canonicalisation of the reference reduces to reading each token's bytes:
 *   BPE / GPT-2  the token's bytes;       byte        the byte (ids 0–255);
 *   character    the code point's UTF-8;  ByteSpan    the entry's bytes, a `##` continuation marker removed;
 *   Unigram      the piece's bytes.
 * Special tokens have no surface (null); they are matched by role instead.
 */
import type { BaseTokenizer, SpecialTokenName } from '../tokenizers/base.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { displayToBytes } from '../tokenizers/byte-unicode.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { UnigramTokenizer } from '../tokenizers/unigram/tokenizer.js';

export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

const utf8 = new TextEncoder();
// A token with several roles (GPT-2's <|endoftext|>) is matched by the first: eos before bos and pad.
const ROLES: SpecialTokenName[] = ['eosToken', 'bosToken', 'padToken', 'unkToken'];

/** Bytes of every id (null for specials and ids with no text). */
export function tokenSurfaces(tokenizer: BaseTokenizer): Array<Uint8Array | null> {
  const specials = new Set(tokenizer.allSpecialIds);
  const n = tokenizer.vocabSize;
  const out: Array<Uint8Array | null> = new Array(n).fill(null);
  const type = (tokenizer.constructor as typeof BaseTokenizer).tokenizerType;
  for (let id = 0; id < n; id++) {
    if (specials.has(id)) continue;
    if (tokenizer instanceof BPETokenizer) out[id] = tokenizer.vocab.get(id) ?? null;
    else if (tokenizer instanceof UnigramTokenizer) out[id] = tokenizer.tokenBytes(id);
    else if (tokenizer instanceof ByteLevelTokenizer) out[id] = id < 256 ? Uint8Array.of(id) : null;
    else if (tokenizer instanceof CharacterTokenizer) {
      const token = tokenizer.idToToken(id);
      out[id] = token === undefined ? null : utf8.encode(token);
    } else if (tokenizer instanceof ByteSpanTokenizer) {
      const bytes = displayToBytes(tokenizer.idToToken(id)!);
      const continuation = bytes.length > 2 && bytes[0] === 0x23 && bytes[1] === 0x23;
      out[id] = continuation ? bytes.subarray(2) : bytes;
    } else {
      throw new TransferError(
        `tokenizer type "${type}" has no byte surface for its tokens; transfer supports bpe, gpt2, unigram, byte, character and bytespan`,
      );
    }
  }
  return out;
}

/** The special role (eos, bos, pad, unk) of each special id, first role wins. */
export function specialRoles(tokenizer: BaseTokenizer): Map<number, SpecialTokenName> {
  const roles = new Map<number, SpecialTokenName>();
  for (const [role, id] of roleIds(tokenizer)) if (!roles.has(id)) roles.set(id, role);
  return roles;
}

/** The id holding each role the tokenizer defines. */
export function roleIds(tokenizer: BaseTokenizer): Map<SpecialTokenName, number> {
  const ids = new Map<SpecialTokenName, number>();
  for (const role of ROLES) {
    const id = tokenizer[`${role}Id` as `${SpecialTokenName}Id`];
    if (id !== null) ids.set(role, id);
  }
  return ids;
}

/**
 * The source tokenizer's own model on raw bytes, no pre-tokenizer: BPE merges, Unigram Viterbi; for the
 * others (byte, character, ByteSpan) greedy longest match over the vocabulary's surfaces, which is exactly
 * their model (per byte, per code point, WordPiece longest prefix). Bytes no source token covers give
 * fallback ids `vocabSize + byte`.
 */
export function sourceSegmenter(tokenizer: BaseTokenizer): (bytes: Uint8Array) => number[] {
  if (tokenizer instanceof BPETokenizer) return (bytes) => tokenizer.encoder.encodeBytes(bytes);
  if (tokenizer instanceof UnigramTokenizer) return (bytes) => tokenizer.model.encodeBytes(bytes);
  const surfaces = tokenSurfaces(tokenizer);
  const continuation = tokenizer instanceof ByteSpanTokenizer ? continuationIds(tokenizer) : null;
  // Longest match by trie: one map of (node, byte) edges; first-position and continuation tries differ
  // for WordPiece (`##` entries match only after the first piece).
  const build = (accept: (id: number) => boolean) => {
    const edges = new Map<number, number>();
    const terminal: number[] = [-1];
    surfaces.forEach((bytes, id) => {
      if (bytes === null || bytes.length === 0 || !accept(id)) return;
      let node = 0;
      for (const b of bytes) {
        let child = edges.get(node * 256 + b);
        if (child === undefined) {
          child = terminal.length;
          terminal.push(-1);
          edges.set(node * 256 + b, child);
        }
        node = child;
      }
      if (terminal[node] === -1) terminal[node] = id;
    });
    return { edges, terminal };
  };
  const first = build((id) => continuation === null || !continuation.has(id));
  const later = continuation === null ? first : build((id) => continuation.has(id));
  const fallback = tokenizer.vocabSize;
  return (bytes) => {
    const out: number[] = [];
    for (let i = 0; i < bytes.length; ) {
      const trie = out.length === 0 ? first : later;
      let node = 0;
      let bestId = -1;
      let bestEnd = i;
      for (let j = i; j < bytes.length; j++) {
        const child = trie.edges.get(node * 256 + bytes[j]!);
        if (child === undefined) break;
        node = child;
        if (trie.terminal[node]! >= 0) {
          bestId = trie.terminal[node]!;
          bestEnd = j + 1;
        }
      }
      if (bestId < 0) {
        out.push(fallback + bytes[i]!);
        i++;
      } else {
        out.push(bestId);
        i = bestEnd;
      }
    }
    return out;
  };
}

function continuationIds(tokenizer: ByteSpanTokenizer): Set<number> {
  const ids = new Set<number>();
  tokenizer.vocab.forEach((entry, id) => {
    if (entry.length > 2 && entry.startsWith('##')) ids.add(id);
  });
  return ids;
}
