/**
 * The reference's own word-level metrics (bytespan-reference.md §13.1, §14), reproduced with their
 * artefacts so published numbers can be checked, and reported beside the corrected ones, never instead:
 * each GPT-2 pre-token is tokenized on its own, so a tokenizer that adds a prefix space gives every
 * pre-token without a leading space (`,`, `\n`) an extra `Ġ`; n_w is the token count of pre-token w.
 *
 *   fertility (ref.)    Σ n_w / W
 *   prop. split (ref.)  #{w : n_w ≥ 2} / W
 *   bytes/token (ref.)  B / Σ n_w   (B: the text's bytes; the reference stores B as "total_tokens")
 *   types used (ref.)   distinct ids among the pre-tokens' tokens
 *   Rényi (ref.)        Rényi efficiency (α = 2.5) of those tokens' counts
 *
 * The reference's UNK count is always 0 (it compares an id with a string, B7), so it has no mode here.
 */
import { scanPieces } from '../../tokenizers/pre-tokenizers/gpt2-scan.js';
import type { TokenizedText } from '../alignment.js';
import type { Metric, MetricContext } from '../metric.js';
import { RENYI_ALPHA, renyiEfficiency } from './renyi.js';

export interface ReferenceState {
  /** Σ n_w over the corpus. */
  tokens: number;
  /** W: pre-tokens. */
  words: number;
  /** #{w : n_w ≥ 2}. */
  split: number;
  /** B: UTF-8 bytes of the texts. */
  bytes: number;
  /** Count of each id among the pre-tokens' tokens (by id); kept only by the metrics that read it. */
  counts: Float64Array | null;
}

const start = (): ReferenceState => ({ tokens: 0, words: 0, split: 0, bytes: 0, counts: null });
const startCounting = ({ tokenizer }: MetricContext): ReferenceState => ({
  ...start(),
  counts: new Float64Array(tokenizer.vocabSize),
});

/** One text's pre-tokens tokenized alone: the counts, and every id produced. */
interface TextCounts {
  tokens: number;
  words: number;
  split: number;
  bytes: number;
  ids: number[];
}

/** Per-text counts, computed once for all the reference-mode metrics (they receive the same text object). */
const perText = new WeakMap<object, TextCounts>();

function add(state: ReferenceState, text: TokenizedText, { tokenizer }: MetricContext): void {
  let counts = perText.get(text);
  if (counts === undefined) {
    counts = { tokens: 0, words: 0, split: 0, bytes: Buffer.byteLength(text.text, 'utf8'), ids: [] };
    for (const piece of scanPieces(text.text)) {
      const ids = tokenizer.encode(piece);
      counts.tokens += ids.length;
      counts.words++;
      if (ids.length >= 2) counts.split++;
      for (const id of ids) counts.ids.push(id);
    }
    perText.set(text, counts);
  }
  state.tokens += counts.tokens;
  state.words += counts.words;
  state.split += counts.split;
  state.bytes += counts.bytes;
  const byId = state.counts;
  if (byId !== null) for (const id of counts.ids) byId[id]!++;
}

function merge(into: ReferenceState, from: ReferenceState): void {
  into.tokens += from.tokens;
  into.words += from.words;
  into.split += from.split;
  into.bytes += from.bytes;
  const [to, by] = [into.counts, from.counts];
  if (to !== null && by !== null) for (let id = 0; id < by.length; id++) to[id]! += by[id]!;
}

/** The reference-mode metrics share one per-pre-token pass through this state. */
const shared = { format: 'ratio', column: false, start, add, merge } as const;
/** The two that read the id counts keep them (the others skip a loop over every token). */
const counting = { ...shared, start: startCounting } as const;

export const fertilityReference: Metric<ReferenceState> = {
  ...shared,
  key: 'fertilityReference',
  header: 'fertility (ref.)',
  definition:
    "fertility (ref.) = the reference's: each pre-token tokenized alone (prefix-space artefact included) / pre-tokens.",
  value: (_tally, s) => s.tokens / s.words,
};

export const propSplitReference: Metric<ReferenceState> = {
  ...shared,
  key: 'propSplitReference',
  header: 'prop. split (ref.)',
  definition:
    "prop. split (ref.) = the reference's: pre-tokens tokenized alone into two or more tokens / pre-tokens.",
  value: (_tally, s) => s.split / s.words,
};

export const bytesPerTokenReference: Metric<ReferenceState> = {
  ...shared,
  key: 'bytesPerTokenReference',
  header: 'bytes/token (ref.)',
  definition: "bytes/token (ref.) = the reference's: bytes / tokens of the pre-tokens tokenized alone.",
  value: (_tally, s) => s.bytes / s.tokens,
};

export const typesUsedReference: Metric<ReferenceState> = {
  ...counting,
  format: 'count',
  key: 'typesUsedReference',
  header: 'types used (ref.)',
  definition:
    "types used (ref.) = the reference's: distinct ids among the tokens of the pre-tokens tokenized alone.",
  value: (_tally, s) => s.counts!.reduce((n, c) => (c > 0 ? n + 1 : n), 0),
};

export const renyiReference: Metric<ReferenceState> = {
  ...counting,
  key: 'renyiReference',
  header: 'Rényi (ref.)',
  definition:
    "Rényi (ref.) = the reference's: Rényi efficiency (α = 2.5) of the pre-tokens' tokens tokenized alone.",
  value: (_tally, s) => renyiEfficiency(s.counts!, RENYI_ALPHA),
};
