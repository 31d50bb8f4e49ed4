/**
 * Byte surfaces of a tokenizer's vocabulary and its model applied to raw bytes: the two views tokenizer
 * transfer needs (spec zett §2–3). Every project tokenizer already shares one byte convention and reports
 * each token's exact bytes (`tokenBytes`: a ByteSpan `##` continuation without its marker, a character's
 * UTF-8), so the canonicalisation of the reference reduces to reading them; no vocabulary is edited.
 * Special tokens have no surface (null); they are matched by role instead.
 */
import type { BaseTokenizer, SpecialTokenName } from '../tokenizers/base.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { UnigramTokenizer } from '../tokenizers/unigram/tokenizer.js';

export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

// A token with several roles (GPT-2's <|endoftext|>) is matched by the first: eos before bos and pad.
const ROLES: SpecialTokenName[] = ['eosToken', 'bosToken', 'padToken', 'unkToken'];

/** Bytes of every id (null for specials and ids with no bytes). */
export function tokenSurfaces(tokenizer: BaseTokenizer): Array<Uint8Array | null> {
  const specials = new Set(tokenizer.allSpecialIds);
  return Array.from({ length: tokenizer.vocabSize }, (_, id) => {
    if (specials.has(id)) return null;
    const bytes = tokenizer.tokenBytes(id);
    return bytes === null || bytes.length === 0 ? null : bytes;
  });
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
