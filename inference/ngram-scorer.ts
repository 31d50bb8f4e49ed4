/**
 * Per-byte cues from an n-gram model in a few operations per byte instead of 257 × order: the fast path of
 * NgramByteModel.distribution (same numbers, tested against it).
 *
 * Every successor of a longer context is also a successor of each shorter one (Kneser-Ney counting creates
 * a gram's lower orders with it), so all non-trivial mass sits on S₁, the successors of the one-byte
 * context. Outside S₁ the probability is M · P_uni(w), with M the product of the interpolation weights of
 * the contexts of length ≥ 1. The entropy over those symbols is −M (Z ln M + L), where
 * Z = Σ_{w∉S₁} P_uni(w) and L = Σ_{w∉S₁} P_uni(w) ln P_uni(w) depend only on the previous byte and are
 * precomputed for all 257 of them.
 */
import { NGRAM_ALPHABET, NGRAM_EOS, type NgramByteModel, type NgramTables } from './ngram-model.js';
import type { PairTable } from './pair-table.js';

/** Cue values of one position, in nats (bytespan-reference.md §3). */
export interface NgramCues {
  entropy: number;
  surprisal: number;
  /** −ln P(space byte). */
  space: number;
  /** −ln P(EOS). */
  eos: number;
}

export class NgramScorer {
  readonly #order: number;
  readonly #t: NgramTables;
  readonly #contexts: PairTable;
  readonly #history: Int32Array;
  readonly #chain: Int32Array;
  /** Node of each one-byte context (−1 when that byte never preceded anything in training). */
  readonly #ctx1 = new Int32Array(NGRAM_ALPHABET);
  readonly #z1 = new Float64Array(NGRAM_ALPHABET);
  readonly #l1 = new Float64Array(NGRAM_ALPHABET);
  readonly #uniEntropy: number;
  readonly #p = new Float64Array(NGRAM_ALPHABET);
  readonly #mark = new Int32Array(NGRAM_ALPHABET);
  #stamp = 0;

  constructor(model: NgramByteModel) {
    this.#order = model.order;
    this.#t = model.tables();
    this.#contexts = model.contexts;
    this.#history = new Int32Array(Math.max(model.order - 1, 0)).fill(NGRAM_EOS);
    this.#chain = new Int32Array(model.order);
    const { unigram, succStart, succSym } = this.#t;
    let uniEntropy = 0;
    let zAll = 0;
    let lAll = 0;
    for (const q of unigram) {
      uniEntropy -= q * Math.log(q);
      zAll += q;
      lAll += q * Math.log(q);
    }
    this.#uniEntropy = uniEntropy;
    for (let b = 0; b < NGRAM_ALPHABET; b++) {
      const c = model.order > 1 ? this.#contexts.get(0, b) : -1;
      this.#ctx1[b] = c;
      if (c < 0) continue;
      let z = zAll;
      let l = lAll;
      for (let k = succStart[c]!; k < succStart[c + 1]!; k++) {
        const q = unigram[succSym[k]!]!;
        z -= q;
        l -= q * Math.log(q);
      }
      this.#z1[b] = Math.max(z, 0);
      this.#l1[b] = Math.min(l, 0);
    }
  }

  /** Starts a new stream (history = EOS padding, as at the start of training). */
  reset(): void {
    this.#history.fill(NGRAM_EOS);
  }

  /** Appends `symbol` to the history without scoring it. */
  advance(symbol: number): void {
    const h = this.#history;
    for (let k = h.length - 1; k > 0; k--) h[k] = h[k - 1]!;
    if (h.length > 0) h[0] = symbol;
  }

  /** The cues for `symbol` given the history, written into `out`; then appends `symbol`. */
  next(symbol: number, out: NgramCues): NgramCues {
    const { gamma, succStart, succSym, succProb, unigram } = this.#t;
    const prev = this.#history.length > 0 ? this.#history[0]! : -1;
    const c1 = prev < 0 ? -1 : this.#ctx1[prev]!;
    if (c1 < 0) {
      out.entropy = this.#uniEntropy;
      out.surprisal = -Math.log(unigram[symbol]!);
      out.space = -Math.log(unigram[0x20]!);
      out.eos = -Math.log(unigram[NGRAM_EOS]!);
      this.advance(symbol);
      return out;
    }
    const chain = this.#chain;
    chain[1] = c1;
    let m = 1;
    while (m < this.#order - 1) {
      const next = this.#contexts.get(chain[m]!, this.#history[m]!);
      if (next < 0) break;
      chain[++m] = next;
    }
    const p = this.#p;
    const mark = this.#mark;
    // Stamps stay below 2³¹ (the mark array is Int32): on wrap-around every old mark is cleared once.
    if (this.#stamp === 0x7fffffff) {
      mark.fill(0);
      this.#stamp = 0;
    }
    const stamp = ++this.#stamp;
    let weight = 1; // product of the interpolation weights of the contexts above the current one
    for (let j = m; j >= 2; j--) {
      const c = chain[j]!;
      for (let k = succStart[c]!; k < succStart[c + 1]!; k++) {
        const w = succSym[k]!;
        if (mark[w] !== stamp) {
          mark[w] = stamp;
          p[w] = 0;
        }
        p[w]! += weight * succProb[k]!;
      }
      weight *= gamma[c]!;
    }
    // The one-byte context last, in the same pass as the entropy over its successors S₁ (which hold every
    // successor of the longer contexts); M = weight afterwards.
    const above = weight;
    weight *= gamma[c1]!;
    let entropy = 0;
    for (let k = succStart[c1]!; k < succStart[c1 + 1]!; k++) {
      const w = succSym[k]!;
      const pw = (mark[w] === stamp ? p[w]! : 0) + above * succProb[k]! + weight * unigram[w]!;
      mark[w] = stamp;
      p[w] = pw;
      entropy -= pw * Math.log(pw);
    }
    if (weight > 0) entropy -= weight * (this.#z1[prev]! * Math.log(weight) + this.#l1[prev]!);
    // Symbols outside S₁ were not marked: their probability is the scaled unigram.
    out.entropy = Math.max(entropy, 0);
    out.surprisal = -Math.log(mark[symbol] === stamp ? p[symbol]! : weight * unigram[symbol]!);
    out.space = -Math.log(mark[0x20] === stamp ? p[0x20]! : weight * unigram[0x20]!);
    out.eos = -Math.log(mark[NGRAM_EOS] === stamp ? p[NGRAM_EOS]! : weight * unigram[NGRAM_EOS]!);
    this.advance(symbol);
    return out;
  }
}

/** Validation bits per byte of `model` on `documents` (each followed by EOS, which is not counted). */
export function ngramBitsPerByte(model: NgramByteModel, documents: Iterable<Uint8Array>): number {
  const scorer = new NgramScorer(model);
  const cues: NgramCues = { entropy: 0, surprisal: 0, space: 0, eos: 0 };
  let nats = 0;
  let bytes = 0;
  for (const doc of documents) {
    for (const b of doc) nats += scorer.next(b, cues).surprisal;
    scorer.advance(NGRAM_EOS);
    bytes += doc.length;
  }
  return nats / Math.LN2 / bytes;
}
