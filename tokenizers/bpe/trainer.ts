/**
 * Byte-level BPE training with the CS336 semantics (spec §4): specials split the corpus first and are
 * never merged, GPT-2 pre-tokenization, ids 0–255 = byte values, merges from 256, specials appended
 * after the merges, the most frequent pair wins and ties go to the lexicographically greater pair of
 * byte strings. Counting streams the corpus in safe blocks (optionally on worker threads); the merge
 * loop is incremental (merge-loop.ts).
 */

import { type CorpusOptions, readCorpus } from '../../utils/corpus.js';
import { checkWorkerCount, defaultWorkerCount } from '../../utils/worker-pool.js';
import { safeBlocks } from './chunking.js';
import { type CountBlock, countBlocks } from './count-pool.js';
import { learnMerges, type StopReason } from './merge-loop.js';

/**
 * The corpus: a string is the text itself; an array lists inputs of the one corpus reader
 * (utils/corpus.ts: text, JSONL and Parquet files, folders, `hf://` paths), each document independent
 * (no pre-token spans two) and streamed, never held whole; an async iterable yields consecutive pieces
 * of one text, cut anywhere.
 */
export type TrainInput = string | readonly string[] | AsyncIterable<string>;

export type TrainProgress =
  | { phase: 'count'; done: number; total: number | null; unit: 'bytes' | 'chars' }
  | { phase: 'merge'; done: number; total: number };

export interface TrainBPEOptions {
  input: TrainInput;
  /** Final vocabulary size: 256 bytes + merges + special tokens. */
  vocabSize: number;
  specialTokens?: readonly string[];
  /** Stop merging once the most frequent pair occurs fewer times than this (default 0: never). */
  minFrequency?: number;
  /** Malformed UTF-8 in input files: `error` (default; names the file and byte offset) or `replace` with U+FFFD. */
  invalidUtf8?: 'error' | 'replace';
  /** How input files are read (JSONL/Parquet text field, document separator); see utils/corpus.ts. */
  read?: Pick<CorpusOptions, 'textField' | 'documentSeparator'>;
  /** Worker threads for pre-token counting (default: available cores, capped at 8); 1 counts in-thread. */
  numWorkers?: number;
  /** Characters per counting block (default 1 Mi); smaller blocks spread small inputs over workers. */
  blockSize?: number;
  onProgress?: (progress: TrainProgress) => void;
}

export interface TrainBPEResult {
  vocab: Map<number, Uint8Array>;
  merges: Array<[Uint8Array, Uint8Array]>;
  /** How often each merged pair occurred in the corpus when it was merged. */
  mergeCounts: number[];
  /** Why the merge loop ended: the requested size was reached, no pair was left, or minFrequency. */
  stopReason: StopReason;
  /** The vocabulary size asked for; larger than `vocab.size` when the loop stopped early. */
  requestedVocabSize: number;
  /** Distinct pre-tokens counted. */
  distinctPretokens: number;
}

const DEFAULT_BLOCK_SIZE = 1 << 20;

function binaryToBytes(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function validate(options: TrainBPEOptions): {
  specials: string[];
  minFrequency: number;
  numWorkers: number;
} {
  const specials = [...(options.specialTokens ?? [])];
  const seen = new Set<string>();
  for (const s of specials) {
    if (typeof s !== 'string' || s.length === 0) throw new Error('special tokens must be non-empty strings');
    if (seen.has(s)) throw new Error(`special token ${JSON.stringify(s)} is listed twice`);
    seen.add(s);
  }
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 256 + specials.length) {
    throw new Error(
      `vocabSize must be an integer >= 256 + ${specials.length} special token(s) = ${256 + specials.length}, got ${vocabSize}`,
    );
  }
  const minFrequency = options.minFrequency ?? 0;
  if (!Number.isFinite(minFrequency) || minFrequency < 0) {
    throw new Error(`minFrequency must be a non-negative number, got ${minFrequency}`);
  }
  const numWorkers = checkWorkerCount(options.numWorkers ?? defaultWorkerCount());
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize < 1)
    throw new Error(`blockSize must be a positive integer, got ${blockSize}`);
  return { specials, minFrequency, numWorkers };
}

/** The corpus as blocks to count, plus how progress is measured for it. */
function corpusBlocks(
  options: TrainBPEOptions,
  specials: readonly string[],
  blockSize: number,
  report: (done: number, total: number) => void,
): { blocks: AsyncIterable<CountBlock>; total: number | null; unit: 'bytes' | 'chars' } {
  const { input } = options;
  if (typeof input === 'string') {
    return { blocks: safeBlocks([input], specials, blockSize), total: input.length, unit: 'chars' };
  }
  if (Array.isArray(input)) {
    const inputs = input as readonly string[];
    if (inputs.length === 0) throw new Error('no corpus files given');
    const documents = readCorpus(inputs, {
      ...options.read,
      invalidUtf8: options.invalidUtf8 ?? 'error',
      onBytes: report,
    });
    return { blocks: documentBlocks(documents, specials, blockSize), total: null, unit: 'bytes' };
  }
  return {
    blocks: safeBlocks(input as AsyncIterable<string>, specials, blockSize),
    total: null,
    unit: 'chars',
  };
}

/**
 * Each document cut into safe blocks (never spanning two documents); small documents travel together,
 * so a corpus of many short records makes blocks of at most about `blockSize` characters too. A batch
 * goes before it would pass `blockSize`, so a large document's blocks (each just under `blockSize`) go
 * one by one, not two to a batch (twice the text held per request, on this thread and in the workers).
 */
async function* documentBlocks(
  documents: AsyncIterable<Iterable<string>>,
  specials: readonly string[],
  blockSize: number,
): AsyncGenerator<CountBlock> {
  let batch: string[] = [];
  let chars = 0;
  for await (const document of documents) {
    for await (const block of safeBlocks(document, specials, blockSize)) {
      if (batch.length > 0 && chars + block.length > blockSize) {
        yield batch;
        batch = [];
        chars = 0;
      }
      batch.push(block);
      chars += block.length;
    }
  }
  if (batch.length > 0) yield batch;
}

/** Trains a byte-level BPE vocabulary and merge list (see the module comment for the exact rules). */
export async function trainBPE(options: TrainBPEOptions): Promise<TrainBPEResult> {
  const { specials, minFrequency, numWorkers } = validate(options);
  const { vocabSize, onProgress } = options;
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;

  let countedChars = 0;
  const source = corpusBlocks(options, specials, blockSize, (done, total) =>
    onProgress?.({ phase: 'count', done, total, unit: 'bytes' }),
  );
  const pieceCounts = await countBlocks(source.blocks, specials, numWorkers, (chars) => {
    countedChars += chars;
    if (source.unit === 'chars')
      onProgress?.({ phase: 'count', done: countedChars, total: source.total, unit: 'chars' });
  });
  if (pieceCounts.size === 0) throw new Error('the corpus is empty: no text outside special tokens');

  const numMerges = vocabSize - 256 - specials.length;
  const progressEvery = Math.max(1, Math.floor(numMerges / 200));
  const learned = learnMerges(pieceCounts, {
    numMerges,
    minFrequency,
    onMerge: (done) => {
      if (done % progressEvery === 0 || done === numMerges)
        onProgress?.({ phase: 'merge', done, total: numMerges });
    },
  });

  const vocab = new Map<number, Uint8Array>();
  learned.tokens.forEach((token, id) => {
    vocab.set(id, binaryToBytes(token));
  });
  const encoder = new TextEncoder();
  for (const special of specials) vocab.set(vocab.size, encoder.encode(special));
  const merges = learned.merges.map(([x, y]): [Uint8Array, Uint8Array] => [vocab.get(x)!, vocab.get(y)!]);
  return {
    vocab,
    merges,
    mergeCounts: learned.mergeCounts,
    stopReason: learned.stopReason,
    requestedVocabSize: vocabSize,
    distinctPretokens: pieceCounts.size,
  };
}
