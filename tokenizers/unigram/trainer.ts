/**
 * Unigram LM training by EM with pruning, following SentencePiece's `unigram_model_trainer` algorithm
 * (Kudo 2018), on bytes inside GPT-2 pre-tokens:
 *   1. seed pieces: every substring (at UTF-8 character boundaries, up to `maxPieceBytes`) of the
 *      pre-tokens, ranked by frequency × length; all 256 single bytes are always kept;
 *   2. EM: expected piece counts by forward–backward over each pre-token's lattice, then
 *      score = digamma(count) − digamma(total) (SentencePiece's Bayesian M-step), pieces with an expected
 *      count under 0.5 dropped;
 *   3. pruning: each piece's loss is the corpus likelihood lost when its Viterbi occurrences are re-split
 *      into its best alternative segmentation; the lowest-loss pieces go until `shrinkingFactor` of them
 *      remain, and rounds repeat until the vocabulary is within 10% of the target, which the highest
 *      scores then fill exactly.
 */

import { bytesToDisplay } from '../byte-unicode.js';
import { pieceEnd } from '../pre-tokenizers/gpt2-scan.js';
import { UnigramError, UnigramModel } from './model.js';
import { UnigramTokenizer } from './tokenizer.js';

export interface UnigramTrainOptions {
  /** Final vocabulary size, special tokens included. */
  vocabSize: number;
  specialTokens?: readonly string[];
  /** Longest piece in bytes (default 16, SentencePiece's max_sentencepiece_length). */
  maxPieceBytes?: number;
  /** Seed pieces kept before EM (default max(10 × vocabSize, 5000)). */
  seedSize?: number;
  /** Fraction of pieces kept by each pruning round (default 0.75). */
  shrinkingFactor?: number;
  /** EM iterations per round (default 2). */
  emIterations?: number;
}

export interface UnigramTrainResult {
  tokenizer: UnigramTokenizer;
  /** Per-round size and average per-pre-token log-likelihood after EM. */
  rounds: Array<{ size: number; logLikelihood: number }>;
}

const utf8 = new TextEncoder();

interface Corpus {
  words: Uint8Array[];
  counts: Float64Array;
}

function countPretokens(texts: Iterable<string>): Corpus {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (let i = 0, n = text.length; i < n; ) {
      const e = pieceEnd(text, i, n);
      const piece = text.slice(i, e);
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
      i = e;
    }
  }
  const words: Uint8Array[] = [];
  const values: number[] = [];
  for (const [w, c] of counts) {
    words.push(utf8.encode(w));
    values.push(c);
  }
  return { words, counts: Float64Array.from(values) };
}

const isContinuationByte = (b: number): boolean => (b & 0xc0) === 0x80;
const key = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

function seedPieces(corpus: Corpus, maxBytes: number, seedSize: number): Map<string, number> {
  const freq = new Map<string, number>();
  corpus.words.forEach((w, k) => {
    const c = corpus.counts[k]!;
    for (let s = 0; s < w.length; s++) {
      if (isContinuationByte(w[s]!)) continue;
      for (let e = s + 2; e <= Math.min(w.length, s + maxBytes); e++) {
        if (e < w.length && isContinuationByte(w[e]!)) continue;
        const k2 = key(w.subarray(s, e));
        freq.set(k2, (freq.get(k2) ?? 0) + c);
      }
    }
  });
  const ranked = [...freq].sort((a, b) => b[1] * b[0].length - a[1] * a[0].length || (a[0] < b[0] ? -1 : 1));
  const seeds = new Map<string, number>();
  for (let b = 0; b < 256; b++) seeds.set(String.fromCharCode(b), 1);
  for (const [k2, c] of ranked.slice(0, seedSize)) seeds.set(k2, c * k2.length);
  return seeds;
}

/** Digamma by recurrence up to x ≥ 6, then the asymptotic series. */
export function digamma(x: number): number {
  let result = 0;
  let v = x;
  while (v < 6) {
    result -= 1 / v;
    v += 1;
  }
  const f = 1 / (v * v);
  return (
    result + Math.log(v) - 0.5 / v - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))))
  );
}

function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

class Trainer {
  pieces: Uint8Array[];
  scores: Float64Array;
  model: UnigramModel;

  constructor(
    readonly corpus: Corpus,
    seeds: Map<string, number>,
  ) {
    this.pieces = [...seeds.keys()].map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));
    const total = [...seeds.values()].reduce((a, b) => a + b, 0);
    this.scores = Float64Array.from(seeds.values(), (v) => Math.log(v / total));
    this.model = new UnigramModel(this.pieces, this.scores);
  }

  #rebuild(keep: number[], scores: ArrayLike<number>): void {
    this.pieces = keep.map((i) => this.pieces[i]!);
    this.scores = Float64Array.from(keep, (i) => scores[i]!);
    this.model = new UnigramModel(this.pieces, this.scores);
  }

  /** One EM iteration; returns the average log-likelihood per pre-token occurrence. */
  em(): number {
    const expected = new Float64Array(this.pieces.length);
    const { words, counts } = this.corpus;
    let objective = 0;
    let occurrences = 0;
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      const n = w.length;
      const alpha = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
      const edges: number[] = []; // (start, end, id) triples
      alpha[0] = 0;
      for (let i = 0; i < n; i++) {
        this.model.matches(w, i, n, (id, e) => {
          edges.push(i, e, id);
          alpha[e] = logAddExp(alpha[e]!, alpha[i]! + this.scores[id]!);
        });
      }
      const beta = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
      beta[n] = 0;
      for (let x = edges.length - 3; x >= 0; x -= 3) {
        const s = edges[x]!;
        const e = edges[x + 1]!;
        beta[s] = logAddExp(beta[s]!, beta[e]! + this.scores[edges[x + 2]!]!);
      }
      const z = alpha[n]!;
      const c = counts[k]!;
      for (let x = 0; x < edges.length; x += 3) {
        const s = edges[x]!;
        const e = edges[x + 1]!;
        const id = edges[x + 2]!;
        expected[id]! += c * Math.exp(alpha[s]! + this.scores[id]! + beta[e]! - z);
      }
      objective += c * z;
      occurrences += c;
    }
    // M-step: drop rare pieces (never single bytes), Bayesian re-estimate.
    const keep: number[] = [];
    for (let id = 0; id < this.pieces.length; id++) {
      if (this.pieces[id]!.length === 1 || expected[id]! >= 0.5) keep.push(id);
    }
    const total = keep.reduce((a, id) => a + expected[id]!, 0);
    const logTotal = digamma(total);
    const scores = new Float64Array(this.pieces.length);
    let minScore = 0;
    const seen = (id: number) => expected[id]! >= 0.5;
    for (const id of keep) {
      if (seen(id)) {
        scores[id] = digamma(expected[id]!) - logTotal;
        minScore = Math.min(minScore, scores[id]!);
      }
    }
    // Rare single bytes stay available but below every seen piece (digamma diverges near 0).
    for (const id of keep) if (!seen(id)) scores[id] = minScore - 10;
    this.#rebuild(keep, scores);
    return objective / occurrences;
  }

  #viterbi(bytes: Uint8Array, disabled: number): number[] {
    const n = bytes.length;
    const best = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    const from = new Int32Array(n + 1);
    const via = new Int32Array(n + 1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      if (best[i] === Number.NEGATIVE_INFINITY) continue;
      this.model.matches(bytes, i, n, (id, e) => {
        if (id === disabled) return;
        const s = best[i]! + this.scores[id]!;
        if (s > best[e]!) {
          best[e] = s;
          from[e] = i;
          via[e] = id;
        }
      });
    }
    const out: number[] = [];
    for (let j = n; j > 0; j = from[j]!) out.push(via[j]!);
    return out.reverse();
  }

  /** Keeps the `size` pieces whose removal would cost the corpus the most likelihood. */
  prune(size: number): void {
    const m = this.pieces.length;
    const freq = new Float64Array(m);
    const inverted: number[][] = Array.from({ length: m }, () => []);
    let sentenceTotal = 0;
    this.corpus.words.forEach((w, k) => {
      const c = this.corpus.counts[k]!;
      sentenceTotal += c;
      for (const id of this.#viterbi(w, -1)) {
        freq[id]! += c;
        inverted[id]!.push(k);
      }
    });
    const sum = freq.reduce((a, b) => a + b, 0);
    const logSum = Math.log(sum);
    const candidates: Array<[number, number]> = [];
    const required: number[] = [];
    for (let id = 0; id < m; id++) {
      const piece = this.pieces[id]!;
      if (piece.length === 1) {
        required.push(id);
        continue;
      }
      if (freq[id] === 0) {
        candidates.push([id, Number.NEGATIVE_INFINITY]);
        continue;
      }
      const alternatives = this.#viterbi(piece, id);
      let sentences = 0;
      for (const k of new Set(inverted[id])) sentences += this.corpus.counts[k]!;
      const logProb = Math.log(freq[id]!) - logSum;
      const logSumAlt = Math.log(sum + freq[id]! * (alternatives.length - 1));
      let logProbAlt = 0;
      for (const a of alternatives) logProbAlt += Math.log(freq[a]! + freq[id]!) - logSumAlt;
      candidates.push([id, (sentences / sentenceTotal) * (logProb - logProbAlt)]);
    }
    candidates.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const keep = [...required, ...candidates.slice(0, Math.max(0, size - required.length)).map(([id]) => id)];
    keep.sort((a, b) => a - b);
    this.#rebuild(keep, this.scores);
  }

  /** The `size` best pieces by score (bytes always), highest score first. */
  finalVocab(size: number): Array<[string, number]> {
    const order = this.pieces.map((_, id) => id);
    const bytes = order.filter((id) => this.pieces[id]!.length === 1);
    const others = order
      .filter((id) => this.pieces[id]!.length > 1)
      .sort((a, b) => this.scores[b]! - this.scores[a]! || a - b)
      .slice(0, Math.max(0, size - bytes.length));
    return [...bytes, ...others]
      .sort((a, b) => this.scores[b]! - this.scores[a]! || a - b)
      .map((id) => [bytesToDisplay(this.pieces[id]!), this.scores[id]!]);
  }
}

/** Trains a byte-level Unigram tokenizer on `texts` (each string is text, not a file name). */
export function trainUnigram(texts: Iterable<string>, options: UnigramTrainOptions): UnigramTrainResult {
  const specials = options.specialTokens ?? ['<|endoftext|>'];
  const target = options.vocabSize - specials.length;
  if (!Number.isInteger(options.vocabSize) || target < 256) {
    throw new UnigramError(
      `vocabSize must be an integer ≥ 256 + ${specials.length} special token(s), got ${options.vocabSize}`,
    );
  }
  const maxBytes = options.maxPieceBytes ?? 16;
  const shrinking = options.shrinkingFactor ?? 0.75;
  if (!(shrinking > 0 && shrinking < 1))
    throw new UnigramError(`shrinkingFactor must be in (0, 1), got ${shrinking}`);
  const corpus = countPretokens(texts);
  if (corpus.words.length === 0) throw new UnigramError('the training text is empty');
  const trainer = new Trainer(
    corpus,
    seedPieces(corpus, maxBytes, options.seedSize ?? Math.max(10 * target, 5000)),
  );
  const rounds: UnigramTrainResult['rounds'] = [];
  const desired = Math.ceil(target * 1.1);
  for (;;) {
    let logLikelihood = 0;
    for (let it = 0; it < (options.emIterations ?? 2); it++) logLikelihood = trainer.em();
    rounds.push({ size: trainer.pieces.length, logLikelihood });
    if (trainer.pieces.length <= desired) break;
    trainer.prune(Math.max(desired, Math.floor(trainer.pieces.length * shrinking)));
  }
  const tokenizer = new UnigramTokenizer({ vocab: trainer.finalVocab(target), specialTokens: specials });
  return { tokenizer, rounds };
}
