/**
 * Streaming encode by the carry-over rule (bpe-reference.md §8): text arrives in chunks, and only the
 * part whose ids can no longer change, whatever follows, is encoded; the rest is held for the next chunk.
 * For pipelines without a normalizer (byte-level BPE): the held tail is at most the last two pre-tokens
 * plus a possible special-token prefix, so memory is bounded by the chunk size.
 */
import type { SpecialTokenPolicy } from '../special-policy.js';
import type { TokenizerPipeline } from './pipeline.js';

/**
 * One step of the carry-over rule: the ids of the part of `text` that can no longer change (null: none
 * yet) and the text still held back. The policy is applied to the whole buffer, so a disallowed special
 * raises as in `encode`, and only the specials it recognises split the text.
 */
export function carryOver(
  pipeline: TokenizerPipeline,
  text: string,
  options: SpecialTokenPolicy,
): { ids: number[] | null; held: string } {
  // A normalizer rewrites whole segments, so positions in the text would not be positions it encodes.
  if (pipeline.normalizer !== null)
    throw new Error('carry-over streaming needs a pipeline without a normalizer');
  const specials = pipeline.added.recognised(text, options);
  const { segStart, cut, end } = safeCut(pipeline, text, specials);
  if (cut === 0) return { ids: null, held: text };
  const ids: number[] = [];
  // Up to segStart the text ends with a recognised special, so it encodes as on its own.
  pipeline.encodeInto(text.slice(0, segStart), options, ids);
  // The last ordinary segment's pre-tokens are split with the look-ahead up to `end`: a whitespace run
  // before the cut ends differently when encoded alone ('\n\n' + 'testing' is '\n', '\n', 'testing').
  if (cut > segStart) pipeline.encodeOrdinaryInto(text.slice(0, end), ids, segStart, cut);
  return { ids, held: text.slice(cut) };
}

/**
 * Where `buffer` may be cut: `cut`, the length of the prefix whose ids cannot change whatever text
 * follows; `segStart`, the start of the last ordinary segment (after the last recognised special); and
 * `end`, the end of the text that is final apart from its last two pre-tokens.
 */
function safeCut(
  pipeline: TokenizerPipeline,
  buffer: string,
  specials: RegExp | null,
): { segStart: number; cut: number; end: number } {
  let end = buffer.length;
  // 1. A suffix that could still become a special token.
  for (const s of pipeline.added.ids.keys()) {
    for (let k = Math.min(s.length - 1, buffer.length); k > 0; k--) {
      if (buffer.length - k < end && buffer.endsWith(s.slice(0, k))) {
        end = buffer.length - k;
        break;
      }
    }
  }
  // 2. A high surrogate whose pair is in the next chunk.
  const last = buffer.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  // 3. A complete special that reaches into the held tail is held whole (it may still grow into a longer
  //    one); the last two pre-tokens of the final ordinary segment may still change.
  let segStart = 0;
  if (specials !== null) {
    specials.lastIndex = 0;
    for (let m = specials.exec(buffer); m !== null && m.index < end; m = specials.exec(buffer)) {
      if (m.index + m[0].length > end) {
        end = m.index;
        break;
      }
      segStart = m.index + m[0].length;
    }
  }
  let lastStart = -1;
  let secondLastStart = -1;
  const pieceEnd = pipeline.preTokenizer.pieceEnd;
  for (let i = segStart; i < end; ) {
    secondLastStart = lastStart;
    lastStart = i;
    i = pieceEnd(buffer, i, end);
  }
  if (lastStart < 0) return { segStart, cut: end, end };
  return { segStart, cut: secondLastStart < 0 ? segStart : secondLastStart, end };
}
