/**
 * Surface-form decomposition (spec zett §3): every target token's bytes run through the source
 * tokenizer's model, no pre-tokenizer, truncated to L pieces and right-padded with a dedicated pad id.
 *
 * Piece ids index an extended source table: 0 … |V_A|−1 are source tokens, |V_A| + b is the fallback
 * row of byte b (a byte no source token covers), and `padId` = |V_A| + 256 marks padding (mask 0).
 * A target special token maps to the source special of the same role (bos, eos, pad, unk), or of the same
 * string; a special with no counterpart is decomposed as its text and reported.
 */
import type { BaseTokenizer } from '../tokenizers/base.js';
import { roleIds, sourceSegmenter, specialRoles, TransferError, tokenSurfaces } from './surface.js';

export const DEFAULT_MAX_PIECES = 8;

export interface Decomposition {
  /** L: pieces per target token. */
  maxPieces: number;
  sourceVocabSize: number;
  /** Padding id: sourceVocabSize + 256. */
  padId: number;
  /** [targetVocabSize × L] piece ids, padded with padId. */
  ids: Int32Array;
  /** Pieces kept per target token (1 … L). */
  lengths: Int32Array;
  /** Source id of a target special token's counterpart, else −1. */
  specialSource: Int32Array;
  /** Source id whose bytes equal the target token's (lexical overlap), else −1. */
  sameSource: Int32Array;
  /** Tokens whose decomposition was cut to L pieces, and examples of them. */
  truncated: number;
  /** Tokens needing fallback byte rows (bytes no source token covers). */
  fallback: number;
  /** Target specials with no source counterpart (decomposed as text). */
  unmatchedSpecials: string[];
  examples: { truncated: string[]; fallback: string[] };
}

const EXAMPLES = 5;
const key = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

export function decomposeVocabulary(
  source: BaseTokenizer,
  target: BaseTokenizer,
  maxPieces = DEFAULT_MAX_PIECES,
): Decomposition {
  if (!Number.isInteger(maxPieces) || maxPieces < 1) {
    throw new TransferError(`maxPieces (L) must be a positive integer, got ${maxPieces}`);
  }
  const segment = sourceSegmenter(source);
  const sourceSize = source.vocabSize;
  const sourceIndex = new Map<string, number>();
  tokenSurfaces(source).forEach((bytes, id) => {
    if (bytes !== null && !sourceIndex.has(key(bytes))) sourceIndex.set(key(bytes), id);
  });
  const sourceRoles = roleIds(source);
  const targetRoles = specialRoles(target);
  const surfaces = tokenSurfaces(target);
  const n = target.vocabSize;
  const padId = sourceSize + 256;
  const out: Decomposition = {
    maxPieces,
    sourceVocabSize: sourceSize,
    padId,
    ids: new Int32Array(n * maxPieces).fill(padId),
    lengths: new Int32Array(n),
    specialSource: new Int32Array(n).fill(-1),
    sameSource: new Int32Array(n).fill(-1),
    truncated: 0,
    fallback: 0,
    unmatchedSpecials: [],
    examples: { truncated: [], fallback: [] },
  };
  const utf8 = new TextEncoder();
  for (let t = 0; t < n; t++) {
    let bytes = surfaces[t]!;
    if (bytes === null) {
      const text = target.idToToken(t) ?? '';
      const role = targetRoles.get(t);
      const match = (role !== undefined ? sourceRoles.get(role) : undefined) ?? source.tokenToId(text);
      if (match !== undefined && source.allSpecialIds.includes(match)) {
        out.specialSource[t] = match;
        out.ids[t * maxPieces] = match;
        out.lengths[t] = 1;
        continue;
      }
      out.unmatchedSpecials.push(text);
      bytes = utf8.encode(text);
      if (bytes.length === 0) throw new TransferError(`target token ${t} has no text and no role`);
    }
    const same = sourceIndex.get(key(bytes));
    if (same !== undefined) out.sameSource[t] = same;
    // A token A has verbatim is its own single piece (the source model usually agrees; this makes it exact).
    const pieces = same !== undefined ? [same] : segment(bytes);
    if (pieces.some((p) => p >= sourceSize)) {
      out.fallback++;
      if (out.examples.fallback.length < EXAMPLES)
        out.examples.fallback.push(JSON.stringify(target.idToToken(t)));
    }
    if (pieces.length > maxPieces) {
      out.truncated++;
      if (out.examples.truncated.length < EXAMPLES)
        out.examples.truncated.push(JSON.stringify(target.idToToken(t)));
    }
    const kept = Math.min(pieces.length, maxPieces);
    for (let k = 0; k < kept; k++) out.ids[t * maxPieces + k] = pieces[k]!;
    out.lengths[t] = kept;
  }
  return out;
}

/** Bytes of the pieces of target token t concatenated (fallback pieces as their byte). */
export function pieceBytes(
  sourceSurfaces: ReadonlyArray<Uint8Array | null>,
  d: Decomposition,
  t: number,
): Uint8Array {
  const parts: number[] = [];
  for (let k = 0; k < d.lengths[t]!; k++) {
    const id = d.ids[t * d.maxPieces + k]!;
    if (id >= d.sourceVocabSize) parts.push(id - d.sourceVocabSize);
    else parts.push(...(sourceSurfaces[id] ?? []));
  }
  return Uint8Array.from(parts);
}
