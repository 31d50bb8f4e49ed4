/**
 * Byte n-gram cues for ByteSpan: train an NgramByteModel on text files in one streaming pass, and write
 * the same cue corpus as transformer extraction (inference/cues.ts): entropy, surprisal, space and EOS
 * cues in nats for every byte, documents with the prefix space the ByteSpan tokenizers add, resumable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CUE_NAMES,
  type CueCorpusMeta,
  CueCorpusWriter,
  type CueName,
  docStart,
  documentBytes,
  ExtractionInterrupted,
  readCueCorpus,
} from '../tokenizers/bytespan/cue-corpus.js';
import { corpusFiles, type ReadOptions, readCorpus, readOptionsOf } from '../utils/corpus.js';
import { FileError } from '../utils/fs.js';
import { createProgress, type Progress } from '../utils/progress.js';
import { checkOrder, NGRAM_EOS, NgramByteModel } from './ngram-model.js';
import { type NgramCues, NgramScorer, ngramBitsPerByte } from './ngram-scorer.js';

export interface NgramStreamOptions extends ReadOptions {
  /** Prepend a space to documents that do not start with one, as the ByteSpan tokenizers do (default true). */
  addPrefixSpace?: boolean;
  /** Show a progress bar on stderr (default true; silent without a TTY). */
  progress?: boolean;
  /** Stops between documents: training throws NgramTrainingInterrupted; extraction commits and throws ExtractionInterrupted. */
  signal?: AbortSignal;
}

const YIELD_BYTES = 1 << 16;

/** The non-empty documents of `files` as bytes, with the source index of each, and a progress bar. */
async function* documentsOf(
  files: readonly string[],
  options: NgramStreamOptions,
  label: string,
): AsyncGenerator<{ bytes: Uint8Array; source: number; bar: Progress; done: number }> {
  const total = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const bar = createProgress(total, label, { enabled: options.progress, fields: ['bytesPerSec'] });
  const started = performance.now();
  let done = 0;
  let sinceYield = 0;
  try {
    for (let f = 0; f < files.length; f++) {
      for await (const document of readCorpus([files[f]!], readOptionsOf(options))) {
        const bytes = documentBytes(document, options.addPrefixSpace ?? true);
        if (bytes.length === 0) continue;
        done += bytes.length;
        sinceYield += bytes.length;
        // Documents may all come from memory; let Ctrl-C (and other events) in every 64 KiB or so.
        if (sinceYield >= YIELD_BYTES) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        bar.update(done, { bytesPerSec: Math.round(done / ((performance.now() - started) / 1000)) });
        yield { bytes, source: f, bar, done };
      }
    }
  } finally {
    bar.stop();
  }
}

/** Thrown when `signal` stopped training (nothing was written). */
export class NgramTrainingInterrupted extends Error {
  constructor() {
    super('n-gram training interrupted');
    this.name = 'NgramTrainingInterrupted';
  }
}

/** Trains an order-`order` model on every document of `inputs` (files or folders). */
export async function trainNgramModel(
  inputs: readonly string[],
  order: number,
  options: NgramStreamOptions = {},
): Promise<NgramByteModel> {
  checkOrder(order);
  const files = await corpusFiles(inputs);
  const model = NgramByteModel.create(order);
  for await (const { bytes } of documentsOf(files, options, `${order}-gram`)) {
    if (options.signal?.aborted) throw new NgramTrainingInterrupted();
    model.addDocument(bytes);
  }
  if (model.trainedBytes === 0) {
    throw new FileError(files.join(', '), 'the n-gram training data holds no text');
  }
  return model;
}

/** Bits per byte of `model` on the documents of `inputs` (validation text the model was not trained on). */
export async function ngramBitsPerByteOfFiles(
  model: NgramByteModel,
  inputs: readonly string[],
  options: NgramStreamOptions = {},
): Promise<number> {
  const documents: Uint8Array[] = [];
  for await (const { bytes } of documentsOf(await corpusFiles(inputs), options, 'validation'))
    documents.push(bytes);
  if (documents.length === 0) throw new FileError(inputs.join(', '), 'the validation data holds no text');
  return ngramBitsPerByte(model, documents);
}

export interface ExtractNgramCuesOptions extends NgramStreamOptions {
  /** Continue an interrupted extraction in `outDir`. */
  resume?: boolean;
  /** Replace a complete cue corpus already in `outDir`. */
  overwrite?: boolean;
  /** Commit (fsync + meta.json) after at least this many new bytes (default 1 MiB). */
  commitBytes?: number;
  /** Extra provenance for meta.json (e.g. the training files). */
  producer?: Record<string, unknown>;
}

/**
 * Scores every byte of `inputs` with `model` and writes a cue corpus to `outDir`, one source label per
 * input file (its name without extension). The stream is scored as it was trained: EOS padding, then each
 * document followed by EOS, context carried across documents.
 */
export async function extractNgramCues(
  model: NgramByteModel,
  inputs: readonly string[],
  outDir: string,
  options: ExtractNgramCuesOptions = {},
): Promise<CueCorpusMeta> {
  const files = await corpusFiles(inputs);
  const addPrefixSpace = options.addPrefixSpace ?? true;
  const cueNames: CueName[] = [...CUE_NAMES];
  const writer = new CueCorpusWriter(
    outDir,
    {
      unit: 'nats',
      cues: cueNames,
      sources: files.map((f) => path.basename(f, path.extname(f))),
      producer: {
        model: 'ngram',
        order: model.order,
        smoothing: 'interpolated-modified-kneser-ney',
        trainedBytes: model.trainedBytes,
        addPrefixSpace,
        ...options.producer,
      },
    },
    { resume: options.resume, overwrite: options.overwrite },
  );
  const skip = writer.numDocuments;
  // A resumed run must see the very bytes it committed, or its cues would describe another stream.
  const committed = skip > 0 ? readCueCorpus(outDir, []) : null;
  const commitBytes = options.commitBytes ?? 1 << 20;
  const scorer = new NgramScorer(model);
  const cue: NgramCues = { entropy: 0, surprisal: 0, space: 0, eos: 0 };
  // One set of cue arrays reused for every document (grown for a longer one).
  let scratch = cueNames.map(() => new Float32Array(1 << 12));
  const values = new Map<CueName, Float32Array>();
  let documents = 0;
  let uncommitted = 0;
  for await (const { bytes, source } of documentsOf(files, options, 'n-gram cues')) {
    if (documents < skip) {
      if (
        !sameBytes(committed!.bytes, docStart(committed!, documents), committed!.docEnds[documents]!, bytes)
      ) {
        throw new FileError(
          outDir,
          `cannot resume: committed document ${documents} differs from the input's (the cue corpus comes from another byte stream)`,
        );
      }
      for (const b of bytes) scorer.advance(b);
    } else {
      if (options.signal?.aborted) {
        writer.commit();
        throw new ExtractionInterrupted(outDir, writer.numDocuments);
      }
      if (scratch[0]!.length < bytes.length) {
        const size = Math.max(bytes.length, 2 * scratch[0]!.length);
        scratch = cueNames.map(() => new Float32Array(size));
      }
      const [entropy, surprisal, space, eos] = scratch as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      for (let i = 0; i < bytes.length; i++) {
        scorer.next(bytes[i]!, cue);
        entropy[i] = cue.entropy;
        surprisal[i] = cue.surprisal;
        space[i] = cue.space;
        eos[i] = cue.eos;
      }
      for (const [c, name] of cueNames.entries()) values.set(name, scratch[c]!.subarray(0, bytes.length));
      writer.append(bytes, values, source);
      uncommitted += bytes.length;
      if (uncommitted >= commitBytes) {
        writer.commit();
        uncommitted = 0;
      }
    }
    scorer.advance(NGRAM_EOS);
    documents++;
  }
  if (documents < skip) {
    throw new FileError(outDir, `cannot resume: it holds ${skip} documents but the input has ${documents}`);
  }
  return writer.close();
}

function sameBytes(stored: Uint8Array, from: number, to: number, bytes: Uint8Array): boolean {
  if (to - from !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (stored[from + i] !== bytes[i]) return false;
  return true;
}
