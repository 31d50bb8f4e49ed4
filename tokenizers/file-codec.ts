/**
 * Text files to token ids and back: `.json` (a JSON array of ids) or `.bin` (a token file: little-endian
 * uint16 when the vocabulary fits, else uint32, with the `.bin.json` description beside it); and whole
 * corpora tokenized once into a token file for training.
 */
import * as fs from 'node:fs';
import { type CorpusOptions, readCorpus } from '../utils/corpus.js';
import { FileError, readJsonFile, readTextFile, writeFileAtomic } from '../utils/fs.js';
import { createProgress } from '../utils/progress.js';
import { dtypeFor, metaPath, type TokenDtype, TokenFile, TokenFileWriter } from '../utils/token-file.js';
import type { BaseTokenizer } from './base.js';

/** Text is encoded in pieces of this many UTF-16 units: bounds the progress granularity. */
const ENCODE_CHUNK = 1 << 20;

/** `.json` or `.bin` by file extension; anything else is an error naming the file. */
export function tokenFileFormat(file: string): 'json' | 'bin' {
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.bin')) return 'bin';
  throw new FileError(file, 'expected a .json or .bin file name');
}

export interface EncodeFileOptions {
  /** Recorded as `tokenizer` in a `.bin` file's description (default: the tokenizer's type). */
  tokenizerName?: string;
  /** A progress bar on stderr (default false). */
  progress?: boolean;
}

export interface EncodeFileResult {
  numTokens: number;
  /** The id width of a `.bin` output; null for `.json`. */
  dtype: TokenDtype | null;
}

/** Encodes the UTF-8 file `input` into `out` (the tokenizer's own special tokens are recognised). */
export function encodeFile(
  tokenizer: BaseTokenizer,
  input: string,
  out: string,
  options: EncodeFileOptions = {},
): EncodeFileResult {
  const format = tokenFileFormat(out);
  const text = readTextFile(input, 'input text');
  const chunks = function* (): Generator<string> {
    for (let i = 0; i < text.length; i += ENCODE_CHUNK) yield text.slice(i, i + ENCODE_CHUNK);
  };
  const bar = createProgress(text.length, 'encoding', { enabled: options.progress === true });
  let done = 0;
  const ids: number[] = [];
  const writer = format === 'bin' ? new TokenFileWriter(out, tokenizer.vocabSize) : null;
  try {
    for (const part of tokenizer.encodeIterable(chunks())) {
      if (writer !== null) writer.write(part);
      else for (const id of part) ids.push(id);
      done = Math.min(text.length, done + ENCODE_CHUNK);
      bar.update(done);
    }
    if (writer !== null)
      writer.close({
        numDocuments: 1,
        numBytes: Buffer.byteLength(text),
        tokenizer:
          options.tokenizerName ??
          (tokenizer.constructor as { tokenizerType?: string }).tokenizerType ??
          'unknown',
        eosTokenId: tokenizer.eosTokenId ?? -1,
      });
    else writeFileAtomic(out, `${JSON.stringify(ids)}\n`);
  } catch (error) {
    writer?.abort();
    throw error;
  } finally {
    bar.stop();
  }
  return { numTokens: writer?.numTokens ?? ids.length, dtype: writer?.dtype ?? null };
}

/** The ids of a `.json` or `.bin` token file; a `.bin` is read through its description when it has one. */
export function readTokenIds(input: string, vocabSize: number): ArrayLike<number> {
  if (tokenFileFormat(input) === 'json') {
    const json = readJsonFile(input, 'token ids');
    if (!Array.isArray(json) || json.some((v) => !Number.isInteger(v)))
      throw new FileError(input, 'expected a JSON array of integer token ids');
    return json as number[];
  }
  if (fs.existsSync(metaPath(input))) {
    const file = new TokenFile(input);
    try {
      if (file.meta.vocabSize > vocabSize)
        throw new FileError(
          input,
          `written for a vocabulary of ${file.meta.vocabSize} ids, the tokenizer has ${vocabSize}`,
        );
      return file.read(0, new Int32Array(file.length));
    } finally {
      file.close();
    }
  }
  // A bare id array (no description): the width follows from the vocabulary, as `encodeFile` chose it.
  const bytes = fs.readFileSync(input);
  const dtype = dtypeFor(vocabSize);
  const width = dtype === 'uint16' ? 2 : 4;
  if (bytes.length % width !== 0)
    throw new FileError(input, `size ${bytes.length} bytes is not a multiple of ${width} (${dtype} ids)`);
  const copy = new Uint8Array(bytes);
  return width === 2 ? new Uint16Array(copy.buffer) : new Uint32Array(copy.buffer);
}

/** Decodes the token file `input` (as written by `encodeFile`) into the UTF-8 text file `out`. */
export function decodeFile(tokenizer: BaseTokenizer, input: string, out: string): { numTokens: number } {
  const ids = readTokenIds(input, tokenizer.vocabSize);
  writeFileAtomic(out, tokenizer.decode(ids));
  return { numTokens: ids.length };
}

export interface TokenizeToFileOptions extends CorpusOptions {
  /** Called after each document with the running token count. */
  onProgress?: (tokens: number, documents: number) => void;
}

export interface TokenizeToFileResult {
  file: string;
  numTokens: number;
  numDocuments: number;
  /** UTF-8 bytes of the text that was tokenized (for bits per byte). */
  numBytes: number;
}

/** In-memory texts as documents, one each (the reference's `prepare_causal_lm_dataset(texts)`). */
function* textDocuments(texts: Iterable<string>): Generator<string[]> {
  for (const text of texts) if (text.length > 0) yield [text];
}

/**
 * Tokenizes every document once into `outFile` (uint16 when the vocabulary fits, else uint32), with
 * documents joined by the tokenizer's EOS id, and writes the metadata beside it.
 */
export async function tokenizeToFile(
  tokenizer: BaseTokenizer,
  inputs: readonly string[] | { texts: Iterable<string> },
  outFile: string,
  options: TokenizeToFileOptions = {},
): Promise<TokenizeToFileResult> {
  const eos = tokenizer.eosTokenId;
  if (eos === null) throw new Error('the tokenizer has no EOS token to separate documents; set eosToken');
  const writer = new TokenFileWriter(outFile, tokenizer.vocabSize);
  let numDocuments = 0;
  let numBytes = 0;
  try {
    const documents = 'texts' in inputs ? textDocuments(inputs.texts) : readCorpus(inputs, options);
    for await (const doc of documents) {
      const counted = (function* () {
        for (const piece of doc) {
          numBytes += Buffer.byteLength(piece, 'utf8');
          yield piece;
        }
      })();
      if (numDocuments > 0) writer.write([eos]);
      for (const ids of tokenizer.encodeIterable(counted)) writer.write(ids);
      numDocuments++;
      options.onProgress?.(writer.numTokens, numDocuments);
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  if (writer.numTokens === 0) {
    writer.abort();
    throw new Error(
      `the dataset is empty: no text found in ${'texts' in inputs ? 'the texts given' : inputs.join(', ')}`,
    );
  }
  writer.close({
    numDocuments,
    numBytes,
    tokenizer: (tokenizer.constructor as { tokenizerType?: string }).tokenizerType ?? 'unknown',
    eosTokenId: eos,
  });
  return { file: outFile, numTokens: writer.numTokens, numDocuments, numBytes };
}
