/**
 * The tokenizer sampler of hypernetwork training (spec zett §5.2): Unigram tokenizers drawn from the
 * substring statistics of recent batches with noise and a random size.
 *   statistics  inside each GPT-2 pre-token of " " + text, substrings of 1–15 code points starting at every
 *               4th code point; score = count × UTF-8 length; one map per batch, FIFO of the last Q maps
 *   noise       σ ~ LogNormal(ln 1e−5, 4); p' = score/Σscore + N(0, σ²); log-probability ln p' (−1e5 if ≤ 0)
 *   assembly    all 256 bytes at the minimum log-probability, then substrings by decreasing p' (skipping
 *               single characters and strings with ≥ 2 whitespace characters) up to the size, the source's
 *               specials last. Size ~ U[0.5·V_A, 2·V_A] (the spec's stated small-scale deviation).
 * Whitespace-run tokens are not added (the project's tokenizers have none). Seeded and deterministic.
 */
import type { SeededRandom } from '../model/random.js';
import { bytesToDisplay } from '../tokenizers/byte-unicode.js';
import { pieceEnd } from '../tokenizers/pre-tokenizers/gpt2-scan.js';
import { UnigramTokenizer } from '../tokenizers/unigram/tokenizer.js';

const utf8 = new TextEncoder();
const STRIDE = 4;
const MAX_CHARS = 15;

/** Substring → length-weighted count over the pre-tokens of `texts`. */
export function substringScores(texts: readonly string[]): Map<string, number> {
  const scores = new Map<string, number>();
  for (const raw of texts) {
    const text = ` ${raw}`;
    for (let i = 0, n = text.length; i < n; ) {
      const e = pieceEnd(text, i, n);
      const chars = Array.from(text.slice(i, e));
      for (let s = 0; s < chars.length; s += STRIDE) {
        let sub = '';
        for (let k = s; k < Math.min(chars.length, s + MAX_CHARS); k++) {
          sub += chars[k];
          scores.set(sub, (scores.get(sub) ?? 0) + utf8.encode(sub).length);
        }
      }
      i = e;
    }
  }
  return scores;
}

export interface SamplerOptions {
  /** Source vocabulary size V_A (the sampled size is U[0.5·V_A, 2·V_A]). */
  sourceVocabSize: number;
  specialTokens: readonly string[];
  /** Batches kept in the FIFO (default 16). */
  queue?: number;
  /** Fixed noise σ (the `no_noise` ablation uses 0); default: drawn per tokenizer. */
  sigma?: number;
}

const whitespaceCount = (s: string): number => (s.match(/\s/gu) ?? []).length;

export class TokenizerSampler {
  readonly #queue: Array<Map<string, number>> = [];
  constructor(readonly options: SamplerOptions) {}

  /** Adds a batch's statistics, dropping the oldest beyond the queue length. */
  push(texts: readonly string[]): void {
    this.#queue.push(substringScores(texts));
    while (this.#queue.length > (this.options.queue ?? 16)) this.#queue.shift();
  }

  /** A Unigram tokenizer drawn with `rng` from the current queue. */
  sample(rng: SeededRandom): UnigramTokenizer {
    const merged = new Map<string, number>();
    for (const m of this.#queue) for (const [k, v] of m) merged.set(k, (merged.get(k) ?? 0) + v);
    let total = 0;
    for (const v of merged.values()) total += v;
    const sigma = this.options.sigma ?? Math.exp(Math.log(1e-5) + 4 * rng.normal());
    const V = this.options.sourceVocabSize;
    const size = Math.floor(V * (0.5 + 1.5 * rng.next()));
    const candidates: Array<[string, number]> = [];
    for (const [k, v] of [...merged].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (Array.from(k).length < 2 || whitespaceCount(k) >= 2) continue;
      candidates.push([k, v / total + sigma * rng.normal()]);
    }
    candidates.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const vocab: Array<[string, number]> = [];
    const seen = new Set<string>();
    let minLog = 0;
    for (const [k, p] of candidates) {
      if (vocab.length >= size - 256 - this.options.specialTokens.length) break;
      const display = bytesToDisplay(utf8.encode(k));
      if (seen.has(display)) continue;
      seen.add(display);
      const logP = p > 0 ? Math.log(p) : -1e5;
      minLog = Math.min(minLog, logP);
      vocab.push([display, logP]);
    }
    const bytes = Array.from({ length: 256 }, (_, b) => [bytesToDisplay([b]), minLog] as [string, number]);
    return new UnigramTokenizer({
      vocab: [...bytes, ...vocab],
      specialTokens: this.options.specialTokens,
    });
  }
}
