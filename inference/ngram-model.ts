/**
 * A byte n-gram language model with interpolated modified Kneser-Ney smoothing (Chen & Goodman, "An
 * Empirical Study of Smoothing Techniques for Language Modeling", 1998): the cheap, strong cue model for
 * ByteSpan on a CPU budget (bytespan-reference.md §3 names a 5-gram alternative to the neural byte LM).
 *
 * Why modified Kneser-Ney rather than Witten-Bell: it is the best-performing classical smoothing in Chen &
 * Goodman's comparison, its lower orders use continuation counts (how many distinct bytes precede a
 * string, not how often it occurs), which is what backing off to a shorter context should estimate, and it
 * needs only counts-of-counts, so training stays one streaming pass.
 *
 * Alphabet: the 256 byte values and EOS (symbol 256), 257 symbols. The model reads one stream: N − 1 EOS
 * of left padding, then each document's bytes followed by EOS, so every position has a full context and
 * context runs across documents as in the transformer's extraction stream.
 *
 * Definition. For a context g of length j (0 ≤ j ≤ N − 1) with counts c(g w) — raw counts when j = N − 1,
 * continuation counts N1+(• g w) below — T(g) = Σ_w c(g w) and n_r(g) the number of w with c(g w) = r:
 *
 *   P_j(w | g) = max(c(g w) − D_j(c(g w)), 0) / T(g) + γ(g) · P_{j−1}(w | g minus its first byte)
 *   γ(g) = (D_j1 n_1(g) + D_j2 n_2(g) + D_j3+ n_3+(g)) / T(g),   P_{−1}(w) = 1 / 257
 *
 * An unseen context uses the longest seen suffix. Discounts per order from counts-of-counts m_1..m_4:
 * Y = m_1 / (m_1 + 2 m_2), D_1 = 1 − 2Y m_2/m_1, D_2 = 2 − 3Y m_3/m_2, D_3+ = 3 − 4Y m_4/m_3; a value that
 * is not finite (tiny corpora) becomes r/2, and each D_r is clamped to [0.05, r] so every symbol keeps a
 * positive probability and each order still sums to 1.
 *
 * Storage: two reversed tries in typed arrays (PairTable). Context node g·x is the child of g's node via
 * the byte x *before* it, so the contexts of one position form a chain walked from the most recent byte
 * back; gram (g, w) is keyed by (node of g, w). Training is one pass with ≤ 2N lookups per byte.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirectoryAtomic } from '../utils/atomic-directory.js';
import { FileError, readJsonFile, writeJsonAtomic } from '../utils/fs.js';
import { PairTable } from './pair-table.js';

export const NGRAM_EOS = 256;
export const NGRAM_ALPHABET = 257;
export const NGRAM_MAX_ORDER = 16;
const ROOT = 0;

export interface NgramModelMeta {
  format: 'cleangpt-ngram';
  version: 1;
  order: number;
  smoothing: 'interpolated-modified-kneser-ney';
  numContexts: number;
  numGrams: number;
  /** Bytes of training text (EOS symbols not counted). */
  trainedBytes: number;
  trainedDocuments: number;
  /** Free-form provenance (training files, prefix-space setting…). */
  producer?: Record<string, unknown>;
}

/** The smoothed model derived from the counts (rebuilt after any new training data). */
export interface NgramTables {
  /** depth[ctx] = context length. */
  readonly depth: Uint8Array;
  /** Interpolation weight γ of each context. */
  readonly gamma: Float64Array;
  /** Successors of context c are succSym/succProb[succStart[c] .. succStart[c + 1]). */
  readonly succStart: Uint32Array;
  readonly succSym: Uint16Array;
  /** Discounted term max(c − D, 0) / T of each successor. */
  readonly succProb: Float64Array;
  /** Order-1 (context-free) distribution, interpolated with uniform. */
  readonly unigram: Float64Array;
  /** discounts[k − 1] = [D_1, D_2, D_3+] of grams of length k. */
  readonly discounts: Array<[number, number, number]>;
}

export function checkOrder(order: number): void {
  if (!Number.isInteger(order) || order < 1 || order > NGRAM_MAX_ORDER) {
    throw new Error(`n-gram order must be an integer from 1 to ${NGRAM_MAX_ORDER}, got ${order}`);
  }
}

function discountsOf(m: readonly number[]): [number, number, number] {
  const [m1 = 0, m2 = 0, m3 = 0, m4 = 0] = m;
  const y = m1 / (m1 + 2 * m2);
  const raw = [1 - (2 * y * m2) / m1, 2 - (3 * y * m3) / m2, 3 - (4 * y * m4) / m3];
  return raw.map((d, i) => {
    const r = i + 1;
    return Math.min(r, Math.max(0.05, Number.isFinite(d) ? d : r / 2));
  }) as [number, number, number];
}

export class NgramByteModel {
  readonly order: number;
  #contexts: PairTable;
  /** Gram store for training; null after loading until more data arrives (the arrays below suffice). */
  #grams: PairTable | null;
  #gramCtx: Int32Array;
  #gramSym: Uint16Array;
  #counts: Uint32Array;
  #numGrams: number;
  #history: Int32Array;
  #chain: Int32Array;
  #trainedBytes = 0;
  #trainedDocuments = 0;
  #tables: NgramTables | null = null;

  private constructor(order: number, contexts: PairTable, grams: PairTable | null) {
    this.order = order;
    this.#contexts = contexts;
    this.#grams = grams;
    this.#gramCtx = grams?.parents ?? new Int32Array(0);
    this.#gramSym = grams?.symbols ?? new Uint16Array(0);
    this.#counts = new Uint32Array(grams?.parents.length ?? 0);
    this.#numGrams = 0;
    this.#history = new Int32Array(Math.max(order - 1, 0)).fill(NGRAM_EOS);
    this.#chain = new Int32Array(order);
  }

  /** An empty model of the given order (1–16). */
  static create(order: number): NgramByteModel {
    checkOrder(order);
    const contexts = new PairTable();
    contexts.getOrAdd(-1, 0); // the root: the empty context
    return new NgramByteModel(order, contexts, new PairTable());
  }

  get numContexts(): number {
    return this.#contexts.size;
  }
  get numGrams(): number {
    return this.#numGrams;
  }
  get trainedBytes(): number {
    return this.#trainedBytes;
  }
  get trainedDocuments(): number {
    return this.#trainedDocuments;
  }
  /** The context store (read by the scorer to walk context chains). */
  get contexts(): PairTable {
    return this.#contexts;
  }

  /** Adds one document: its bytes, then EOS, continuing the stream after the previous document. */
  addDocument(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.#add(bytes[i]!);
    this.#add(NGRAM_EOS);
    this.#trainedBytes += bytes.length;
    this.#trainedDocuments++;
    this.#tables = null;
  }

  #add(symbol: number): void {
    const contexts = this.#contexts;
    const chain = this.#chain;
    const history = this.#history;
    const top = this.order - 1;
    chain[0] = ROOT;
    for (let j = 1; j <= top; j++) chain[j] = contexts.getOrAdd(chain[j - 1]!, history[j - 1]!);
    const grams = this.#gramTable();
    // Raw count at the top order; each newly seen gram adds one continuation count one order down.
    for (let j = top; j >= 0; j--) {
      const g = grams.getOrAdd(chain[j]!, symbol);
      if (g >= this.#counts.length) {
        const grown = new Uint32Array(Math.max(1024, this.#counts.length * 2));
        grown.set(this.#counts);
        this.#counts = grown;
      }
      this.#counts[g]!++;
      if (!grams.added) break;
    }
    this.#numGrams = grams.size;
    for (let k = history.length - 1; k > 0; k--) history[k] = history[k - 1]!;
    if (history.length > 0) history[0] = symbol;
  }

  #gramTable(): PairTable {
    if (this.#grams === null)
      this.#grams = PairTable.fromArrays(this.#gramCtx, this.#gramSym, this.#numGrams);
    return this.#grams;
  }

  /** The smoothed tables (computed on first use after training or loading). */
  tables(): NgramTables {
    this.#tables ??= this.#finalize();
    return this.#tables;
  }

  #finalize(): NgramTables {
    if (this.#trainedDocuments === 0) throw new Error('the n-gram model has no training data');
    const numContexts = this.#contexts.size;
    const numGrams = this.#numGrams;
    const gramCtx = this.#grams?.parents ?? this.#gramCtx;
    const gramSym = this.#grams?.symbols ?? this.#gramSym;
    const counts = this.#counts;
    const parents = this.#contexts.parents;
    // A parent is always created before its child, so one pass in id order gives every depth.
    const depth = new Uint8Array(numContexts);
    for (let c = 1; c < numContexts; c++) depth[c] = depth[parents[c]!]! + 1;
    const countsOfCounts = Array.from({ length: this.order }, () => [0, 0, 0, 0]);
    const total = new Float64Array(numContexts);
    const byCount = new Float64Array(numContexts * 3); // n_1, n_2, n_3+ per context
    const succStart = new Uint32Array(numContexts + 1);
    for (let g = 0; g < numGrams; g++) {
      const c = gramCtx[g]!;
      const n = counts[g]!;
      if (n <= 4) countsOfCounts[depth[c]!]![n - 1]!++;
      total[c]! += n;
      byCount[c * 3 + Math.min(n, 3) - 1]!++;
      succStart[c + 1]!++;
    }
    for (let c = 0; c < numContexts; c++) succStart[c + 1]! += succStart[c]!;
    const discounts = countsOfCounts.map(discountsOf);
    const gamma = new Float64Array(numContexts);
    for (let c = 0; c < numContexts; c++) {
      const [d1, d2, d3] = discounts[depth[c]!]!;
      gamma[c] = (d1 * byCount[c * 3]! + d2 * byCount[c * 3 + 1]! + d3 * byCount[c * 3 + 2]!) / total[c]!;
    }
    const succSym = new Uint16Array(numGrams);
    const succProb = new Float64Array(numGrams);
    const fill = succStart.slice(0, numContexts);
    for (let g = 0; g < numGrams; g++) {
      const c = gramCtx[g]!;
      const n = counts[g]!;
      const at = fill[c]!++;
      succSym[at] = gramSym[g]!;
      succProb[at] = (n - discounts[depth[c]!]![Math.min(n, 3) - 1]!) / total[c]!;
    }
    const unigram = new Float64Array(NGRAM_ALPHABET).fill(gamma[ROOT]! / NGRAM_ALPHABET);
    for (let k = succStart[ROOT]!; k < succStart[ROOT + 1]!; k++) unigram[succSym[k]!]! += succProb[k]!;
    return { depth, gamma, succStart, succSym, succProb, unigram, discounts };
  }

  /**
   * Context node ids for the context ending with `history` (most recent symbol last; shorter histories are
   * padded with EOS as at the stream start): ids[j] is the node of the last j symbols, for j up to the
   * longest context seen in training.
   */
  contextChain(history: ArrayLike<number>): number[] {
    const chain = [ROOT];
    for (let j = 1; j < this.order; j++) {
      const at = history.length - j;
      const symbol = at >= 0 ? history[at]! : NGRAM_EOS;
      const next = this.#contexts.get(chain[j - 1]!, symbol);
      if (next < 0) break;
      chain.push(next);
    }
    return chain;
  }

  /**
   * The next-symbol distribution after `history` (257 probabilities, index 256 = EOS), by the definition's
   * recursion over all 257 symbols at every order: the reference for the fast cue path.
   */
  distribution(history: ArrayLike<number>): Float64Array {
    const t = this.tables();
    const p = new Float64Array(NGRAM_ALPHABET).fill(1 / NGRAM_ALPHABET);
    for (const c of this.contextChain(history)) {
      const gamma = t.gamma[c]!;
      for (let w = 0; w < NGRAM_ALPHABET; w++) p[w]! *= gamma;
      for (let k = t.succStart[c]!; k < t.succStart[c + 1]!; k++) p[t.succSym[k]!]! += t.succProb[k]!;
    }
    return p;
  }

  meta(producer?: Record<string, unknown>): NgramModelMeta {
    return {
      format: 'cleangpt-ngram',
      version: 1,
      order: this.order,
      smoothing: 'interpolated-modified-kneser-ney',
      numContexts: this.numContexts,
      numGrams: this.numGrams,
      trainedBytes: this.#trainedBytes,
      trainedDocuments: this.#trainedDocuments,
      ...(producer === undefined ? {} : { producer }),
    };
  }

  /**
   * Saves the counts (the smoothed tables are derived on load) to `dir`, atomically. An existing model is
   * replaced only with `overwrite`; a directory holding anything else is refused.
   */
  save(dir: string, options: { overwrite?: boolean; producer?: Record<string, unknown> } = {}): void {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      if (!fs.existsSync(path.join(dir, META))) {
        throw new FileError(dir, 'exists and is not an n-gram model directory; refusing to replace it');
      }
      if (!options.overwrite) throw new FileError(dir, 'already holds an n-gram model (pass overwrite)');
    }
    const n = this.#numGrams;
    const c = this.numContexts;
    const parents = this.#contexts.parents.subarray(0, c);
    const arrays: Array<[string, NodeJS.ArrayBufferView]> = [
      ['contexts.parent.i32', parents],
      ['contexts.symbol.u16', this.#contexts.symbols.subarray(0, c)],
      ['grams.context.i32', (this.#grams?.parents ?? this.#gramCtx).subarray(0, n)],
      ['grams.symbol.u16', (this.#grams?.symbols ?? this.#gramSym).subarray(0, n)],
      ['grams.count.u32', this.#counts.subarray(0, n)],
    ];
    writeDirectoryAtomic(
      dir,
      (tmp) => {
        for (const [name, data] of arrays) fs.writeFileSync(path.join(tmp, name), data);
        writeJsonAtomic(path.join(tmp, META), this.meta(options.producer));
      },
      { kind: { name: 'n-gram model', marker: META, files: [META, ...arrays.map(([name]) => name)] } },
    );
  }

  /** Loads a model saved by `save`. */
  static load(dir: string): NgramByteModel {
    const meta = readJsonFile(path.join(dir, META), 'n-gram model metadata') as Partial<NgramModelMeta>;
    if (
      meta.format !== 'cleangpt-ngram' ||
      !Number.isSafeInteger(meta.numContexts) ||
      !Number.isSafeInteger(meta.numGrams)
    ) {
      throw new FileError(
        path.join(dir, META),
        'not a cleangpt n-gram model (format, numContexts, numGrams)',
      );
    }
    checkOrder(meta.order!);
    const read = <T>(name: string, count: number, bytesPer: number, make: (b: ArrayBuffer) => T): T => {
      const file = path.join(dir, name);
      let data: Buffer;
      try {
        data = fs.readFileSync(file);
      } catch {
        throw new FileError(file, 'n-gram model file not found');
      }
      if (data.length !== count * bytesPer) {
        throw new FileError(file, `holds ${data.length} bytes, meta.json implies ${count * bytesPer}`);
      }
      const buffer = new ArrayBuffer(data.length);
      new Uint8Array(buffer).set(data);
      return make(buffer);
    };
    const c = meta.numContexts!;
    const n = meta.numGrams!;
    const parents = read('contexts.parent.i32', c, 4, (b) => new Int32Array(b));
    const symbols = read('contexts.symbol.u16', c, 2, (b) => new Uint16Array(b));
    const model = new NgramByteModel(meta.order!, PairTable.fromArrays(parents, symbols, c), null);
    model.#gramCtx = read('grams.context.i32', n, 4, (b) => new Int32Array(b));
    model.#gramSym = read('grams.symbol.u16', n, 2, (b) => new Uint16Array(b));
    model.#counts = read('grams.count.u32', n, 4, (b) => new Uint32Array(b));
    model.#numGrams = n;
    model.#trainedBytes = meta.trainedBytes ?? 0;
    model.#trainedDocuments = meta.trainedDocuments ?? 0;
    return model;
  }
}

const META = 'meta.json';
