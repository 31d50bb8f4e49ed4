/**
 * From a cue corpus to saved tokenizers, one folder per target size named as the reference names them
 * (`<Name>_<V>`, spec §12): ByteSpan under the monotonic or combined constraint (frequency or seeded
 * selection, BPE-WP at proportion 0), the global constraint, and the plain BPE baseline trained on the
 * same documents. The CLI's `tokenizers create-*` commands and the ByteSpan pipeline call these.
 */
import * as path from 'node:path';
import { writeDirectoryAtomic } from '../../utils/atomic-directory.js';
import { writeFileAtomic } from '../../utils/fs.js';
import { createProgress } from '../../utils/progress.js';
import { BPETokenizer } from '../bpe/tokenizer.js';
import { trainBPE } from '../bpe/trainer.js';
import { BYTE_TO_CHAR } from '../byte-unicode.js';
import { TOKENIZER_OUTPUT } from '../io/index.js';
import { EOS_TOKEN, PAD_TOKEN } from './base-vocab.js';
import { type CueCorpus, type CueName, docStart, readCueCorpus } from './cue-corpus.js';
import { type GlobalOptions, globalStatsCsv, trainGlobal } from './global.js';
import { tokenizerFolder, tokenizerName } from './naming.js';
import { checkVocabSizes } from './selection.js';
import { type ByteSpanOptions, trainByteSpan } from './span-trainer.js';
import { ByteSpanTokenizer } from './tokenizer.js';

/** One saved tokenizer. */
export interface CreatedTokenizer {
  name: string;
  vocabSize: number;
  /** Entries actually in the vocabulary (smaller than `vocabSize` when the corpus ran out). */
  actualSize: number;
  dir: string;
}

interface Common {
  /** Cue corpus directory (from `extract predictions`) or an already loaded corpus. */
  predictions: string | CueCorpus;
  /** Parent folder; each size goes to `<outDir>/<Name>_<V>`. */
  outDir: string;
  /** Prefix names with `Multi` (the reference's Common Corpus tokenizers). */
  multilingual?: boolean;
  /** Progress bar on stderr (default true; silent without a TTY). */
  progress?: boolean;
}

export type CreateByteSpanOptions = Common & Omit<ByteSpanOptions, 'onProgress'>;
export type CreateGlobalOptions = Common & Omit<GlobalOptions, 'onProgress'>;
export interface CreateFrequencyOptions extends Common {
  vocabSizes: readonly number[];
  /** Stop merging when the best pair is rarer than this (default 0; 20 with `reference`). */
  minFrequency?: number;
  /**
   * The reference's id layout (spec §10): PAD 0, EOS 1, the 256 bytes at 2–257 (byte order), merges from
   * 258, pairs seen fewer than 20 times never merged, and `merges_data.csv` written beside the files.
   */
  reference?: boolean;
}

/** The reference baseline's minimum pair count. */
export const REFERENCE_MIN_PAIR_COUNT = 20;

function loadCorpus(predictions: string | CueCorpus, cues: readonly CueName[]): CueCorpus {
  return typeof predictions === 'string' ? readCueCorpus(predictions, cues) : predictions;
}

/** Saves `tokenizer` as `dir` with the files `extra` adds, all in one directory swap. */
function save(tokenizer: ByteSpanTokenizer | BPETokenizer, dir: string, extra?: (tmp: string) => void): void {
  if (extra === undefined) {
    tokenizer.savePretrained(dir);
    return;
  }
  writeDirectoryAtomic(
    dir,
    (tmp) => {
      tokenizer.savePretrained(tmp);
      extra(tmp);
    },
    { kind: TOKENIZER_OUTPUT },
  );
}

/** ByteSpan (monotonic / combined) or BPE-WP tokenizers, one per size. */
export async function createByteSpanTokenizers(options: CreateByteSpanOptions): Promise<CreatedTokenizer[]> {
  const corpus = loadCorpus(options.predictions, [options.cue]);
  const name = tokenizerName({ kind: 'bytespan', ...options }, options);
  const bar = createProgress(1, name, { enabled: options.progress, fields: ['phase'] });
  try {
    const result = await trainByteSpan(corpus, {
      ...options,
      onProgress: (p) => {
        const fraction = p.phase === 'threshold' ? 0 : p.done / Math.max(1, p.total);
        bar.update(fraction, { phase: p.phase === 'bpe' ? `bpe → ${p.vocabSize}` : p.phase });
      },
    });
    return [...result.vocabs].map(([vocabSize, vocab]) => {
      const dir = path.join(options.outDir, tokenizerFolder(name, vocabSize));
      save(new ByteSpanTokenizer({ vocab: vocab.tokens }), dir);
      return { name, vocabSize, actualSize: vocab.tokens.length, dir };
    });
  } finally {
    bar.stop();
  }
}

/** Global-constraint tokenizers (`ByteSpan{Cue}GlobalIncrement[LeftShift]`), each with its `stats.csv`. */
export function createGlobalTokenizers(options: CreateGlobalOptions): CreatedTokenizer[] {
  const corpus = loadCorpus(options.predictions, [options.cue]);
  const name = tokenizerName({ kind: 'global', cue: options.cue, leftShift: options.leftShift }, options);
  const bar = createProgress(1, name, { enabled: options.progress });
  try {
    const result = trainGlobal(corpus, {
      ...options,
      onProgress: (p) => bar.update(p.phase === 'sort' ? 0 : p.done / Math.max(1, p.total)),
    });
    return [...result.vocabs].map(([vocabSize, vocab]) => {
      const dir = path.join(options.outDir, tokenizerFolder(name, vocabSize));
      const stats = globalStatsCsv(result.stats.slice(0, vocab.statsRows));
      save(new ByteSpanTokenizer({ vocab: vocab.tokens }), dir, (tmp) =>
        writeFileAtomic(path.join(tmp, 'stats.csv'), stats),
      );
      return { name, vocabSize, actualSize: vocab.tokens.length, dir };
    });
  } finally {
    bar.stop();
  }
}

/** The documents of a cue corpus as text, each followed by `<|endoftext|>` so no merge crosses two. */
async function* corpusText(corpus: CueCorpus): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for (let d = 0; d < corpus.meta.numDocuments; d++) {
    yield decoder.decode(corpus.bytes.subarray(docStart(corpus, d), corpus.docEnds[d]!)) + EOS_TOKEN;
  }
}

/**
 * The BPE baseline (`BPE_<V>`, the reference's frequency trainer) on the corpus's documents: one merge
 * list trained to the largest size, cut for the smaller ones (the merges of a smaller size are a prefix
 * of a larger one's). Special tokens `<|padding|>` and `<|endoftext|>` follow the merges, as in every
 * BPE tokenizer of this project.
 */
export async function createFrequencyTokenizers(
  options: CreateFrequencyOptions,
): Promise<CreatedTokenizer[]> {
  const corpus = loadCorpus(options.predictions, []);
  const specials = [PAD_TOKEN, EOS_TOKEN];
  const sizes = checkVocabSizes(options.vocabSizes, 256 + specials.length);
  const name = tokenizerName({ kind: 'bpe' }, options);
  const bar = createProgress(1, name, { enabled: options.progress, fields: ['phase'] });
  let trained: Awaited<ReturnType<typeof trainBPE>>;
  try {
    trained = await trainBPE({
      input: corpusText(corpus),
      vocabSize: sizes.at(-1)!,
      specialTokens: specials,
      minFrequency: options.minFrequency ?? (options.reference ? REFERENCE_MIN_PAIR_COUNT : 0),
      onProgress: (p) => bar.update(p.phase === 'merge' ? p.done / p.total : 0, { phase: p.phase }),
    });
  } finally {
    bar.stop();
  }
  return sizes.map((vocabSize) => {
    const numMerges = Math.min(trained.merges.length, vocabSize - 256 - specials.length);
    // Project layout: bytes 0–255, merges, then the specials; reference layout: specials, bytes, merges.
    const shift = options.reference ? specials.length : 0;
    const vocab = new Map<number, Uint8Array>();
    for (let id = 0; id < 256 + numMerges; id++) vocab.set(id + shift, trained.vocab.get(id)!);
    const tokenizer = new BPETokenizer({
      vocab,
      merges: trained.merges.slice(0, numMerges),
      specialTokens: specials,
      ...(options.reference ? { specialTokenIds: { [PAD_TOKEN]: 0, [EOS_TOKEN]: 1 } } : {}),
      eosToken: EOS_TOKEN,
      bosToken: EOS_TOKEN,
      padToken: PAD_TOKEN,
    });
    const dir = path.join(options.outDir, tokenizerFolder(name, vocabSize));
    save(tokenizer, dir, (tmp) => {
      if (options.reference) {
        const rows = trained.merges.slice(0, numMerges).map(([l, r], i) => ({
          left: l,
          right: r,
          count: trained.mergeCounts[i]!,
        }));
        writeFileAtomic(path.join(tmp, 'merges_data.csv'), mergesDataCsv(rows));
      }
    });
    return { name, vocabSize, actualSize: tokenizer.vocabSize, dir };
  });
}

/** A token's GPT-2 display string (the reference's vocab.json spelling). */
const display = (bytes: Uint8Array): string => Array.from(bytes, (b) => BYTE_TO_CHAR[b]!).join('');
const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * The reference's `merges_data.csv`: left, right and joined token (display strings) and how often the pair
 * occurred when it was merged (the reference counts overlapping positions, B4; here non-overlapping).
 */
export function mergesDataCsv(
  rows: ReadonlyArray<{ left: Uint8Array; right: Uint8Array; count: number }>,
): string {
  const lines = ['left_token,right_token,joined_token,num_merges'];
  for (const { left, right, count } of rows) {
    const [l, r] = [display(left), display(right)];
    lines.push([csvField(l), csvField(r), csvField(l + r), String(count)].join(','));
  }
  return `${lines.join('\n')}\n`;
}
