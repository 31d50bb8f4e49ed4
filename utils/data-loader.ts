/**
 * DataLoader over a token file: fixed blocks of `blockSize` tokens (packed across documents), split into
 * training and validation blocks, shuffled per epoch with a seed, batched.
 *
 * Memory is constant in the file size: blocks are read on demand with positioned reads, and the shuffle
 * is a keyed bijection on block indices (a Feistel network) rather than a stored permutation. Any batch is
 * addressable as (epoch, index), which is what makes resuming a run exact.
 */
import { TokenFile } from './token-file.js';

export interface DataLoaderOptions {
  blockSize: number;
  batchSize: number;
  /** Fraction of blocks held out for validation (taken from the end of the file). Default 0.1. */
  valFraction?: number;
  seed?: number;
  /** Shuffle training blocks every epoch (default true). Validation is never shuffled. */
  shuffle?: boolean;
}

export interface Batch {
  /** [batchSize · blockSize] row-major ids. */
  inputIds: Int32Array;
  /** targets[t] is the token after inputIds[t]. */
  targets: Int32Array;
  batchSize: number;
  blockSize: number;
}

export type Split = 'train' | 'val';

/** A keyed pseudo-random permutation of [0, n): Feistel rounds on a power-of-two domain with cycle walking. */
export class IndexPermutation {
  readonly #n: number;
  readonly #halfBits: number;
  readonly #keys: Uint32Array;

  constructor(n: number, seed: number) {
    this.#n = n;
    const bits = Math.max(2, Math.ceil(Math.log2(Math.max(n, 2))));
    this.#halfBits = Math.ceil(bits / 2);
    this.#keys = new Uint32Array(4);
    let s = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      s = (Math.imul(s ^ (s >>> 16), 0x45d9f3b) + 0x9e3779b9 + i) >>> 0;
      this.#keys[i] = s;
    }
  }

  #round(x: number, key: number): number {
    let h = Math.imul(x ^ key, 0x2c1b3c6d) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x297a2d39) >>> 0;
    return (h ^ (h >>> 13)) & ((1 << this.#halfBits) - 1);
  }

  #encrypt(i: number): number {
    const mask = (1 << this.#halfBits) - 1;
    let left = Math.floor(i / (mask + 1)) & mask;
    let right = i & mask;
    for (const key of this.#keys) {
      const next = left ^ this.#round(right, key);
      left = right;
      right = next;
    }
    return left * (mask + 1) + right;
  }

  /** The image of i; a bijection on [0, n). */
  at(i: number): number {
    if (i < 0 || i >= this.#n) throw new RangeError(`index ${i} outside [0, ${this.#n})`);
    let x = this.#encrypt(i);
    while (x >= this.#n) x = this.#encrypt(x);
    return x;
  }
}

export class DataLoader {
  readonly tokens: TokenFile;
  readonly blockSize: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly numTrainBlocks: number;
  readonly numValBlocks: number;

  constructor(file: string | TokenFile, options: DataLoaderOptions) {
    const { blockSize, batchSize, valFraction = 0.1, seed = 1337, shuffle = true } = options;
    if (!Number.isInteger(blockSize) || blockSize < 1)
      throw new Error(`blockSize must be a positive integer, got ${blockSize}`);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    if (!(valFraction >= 0 && valFraction < 1))
      throw new Error(`valFraction must be in [0, 1), got ${valFraction}`);
    this.tokens = typeof file === 'string' ? new TokenFile(file) : file;
    this.blockSize = blockSize;
    this.batchSize = batchSize;
    this.seed = seed;
    this.shuffle = shuffle;
    // Each block needs blockSize + 1 tokens (inputs plus the next token); blocks overlap by that one token.
    const blocks = Math.floor((this.tokens.length - 1) / blockSize);
    if (blocks < 1) {
      throw new Error(
        `${this.tokens.file}: ${this.tokens.length} tokens is shorter than one block (blockSize ${blockSize} needs ${blockSize + 1})`,
      );
    }
    this.numValBlocks = valFraction > 0 ? Math.max(1, Math.floor(blocks * valFraction)) : 0;
    this.numTrainBlocks = blocks - this.numValBlocks;
    if (this.numTrainBlocks < 1) {
      throw new Error(
        `${this.tokens.file}: too little data for a train/validation split (${blocks} block(s) of ${blockSize})`,
      );
    }
  }

  /** Number of full batches per epoch (a final partial batch is dropped for training). */
  batchesPerEpoch(split: Split = 'train'): number {
    const blocks = split === 'train' ? this.numTrainBlocks : this.numValBlocks;
    return split === 'train'
      ? Math.max(1, Math.floor(blocks / this.batchSize))
      : Math.ceil(blocks / this.batchSize);
  }

  /** Batch `index` of `epoch` (deterministic; validation batches may be shorter at the end). */
  batch(split: Split, epoch: number, index: number): Batch {
    const total = split === 'train' ? this.numTrainBlocks : this.numValBlocks;
    const first = index * this.batchSize;
    const rows = split === 'train' ? this.batchSize : Math.min(this.batchSize, total - first);
    if (rows <= 0)
      throw new RangeError(
        `${split} batch ${index} is past the end (${this.batchesPerEpoch(split)} batches)`,
      );
    const T = this.blockSize;
    const inputIds = new Int32Array(rows * T);
    const targets = new Int32Array(rows * T);
    const window = new Int32Array(T + 1);
    const permutation =
      split === 'train' && this.shuffle
        ? new IndexPermutation(this.numTrainBlocks, this.seed * 1_000_003 + epoch)
        : null;
    for (let r = 0; r < rows; r++) {
      const i = (first + r) % total;
      const block = split === 'val' ? this.numTrainBlocks + i : permutation ? permutation.at(i) : i;
      this.tokens.read(block * T, window);
      inputIds.set(window.subarray(0, T), r * T);
      targets.set(window.subarray(1), r * T);
    }
    return { inputIds, targets, batchSize: rows, blockSize: T };
  }

  /** All batches of one pass over `split` in order. */
  *epoch(split: Split, epoch = 0): Generator<Batch> {
    const n = this.batchesPerEpoch(split);
    for (let i = 0; i < n; i++) yield this.batch(split, epoch, i);
  }

  close(): void {
    this.tokens.close();
  }
}
