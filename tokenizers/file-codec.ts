/**
 * Corpora (read by `readCorpus`) to token ids and back: `.json` (a JSON array of ids) or `.bin` (a token file: little-endian
 * uint16 when the vocabulary fits, else uint32, with the `.bin.json` description beside it); and whole
 * corpora tokenized once into a token file for training.
 */
import * as fs from 'node:fs';
import { type CorpusOptions, type Document, readCorpus } from '../utils/corpus.js';
import { FileError, readJsonFile, writeFileAtomic } from '../utils/fs.js';
import { dtypeFor, metaPath, type TokenDtype, TokenFile, TokenFileWriter } from '../utils/token-file.js';
import type { BaseTokenizer } from './base.js';

/** `.json` or `.bin` by file extension; anything else is an error naming the file. */
export function tokenFileFormat(file: string): 'json' | 'bin' {
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.bin')) return 'bin';
  throw new FileError(file, 'expected a .json or .bin file name');
}

export interface EncodeFileOptions extends Omit<CorpusOptions, 'onBytes'> {
  /** Recorded as `tokenizer` in a `.bin` file's description (default: the tokenizer's type). */
  tokenizerName?: string;
}

export interface EncodeFileResult {
  numTokens: number;
  /** The id width of a `.bin` output; null for `.json`. */
  dtype: TokenDtype | null;
}

const NO_EOS = 'the tokenizer has no EOS token to separate documents; set eosToken';

/** The tokenizer's registered type, recorded in a token file's description. */
const tokenizerType = (tokenizer: BaseTokenizer): string =>
  (tokenizer.constructor as { tokenizerType?: string }).tokenizerType ?? 'unknown';

/**
 * Encodes `documents` one after another into `write`, the tokenizer's EOS id between two documents (the
 * one encoding loop of `encodeFile` and `tokenizeToFile`). A second document without an EOS id is an error.
 */
async function encodeDocuments(
  tokenizer: BaseTokenizer,
  documents: AsyncIterable<Document> | Iterable<Document>,
  write: (ids: readonly number[] | Int32Array) => void,
  onDocument?: (documents: number) => void,
): Promise<{ numDocuments: number; numBytes: number }> {
  const eos = tokenizer.eosTokenId;
  let numDocuments = 0;
  let numBytes = 0;
  for await (const document of documents) {
    const counted = (function* () {
      for (const piece of document) {
        numBytes += Buffer.byteLength(piece, 'utf8');
        yield piece;
      }
    })();
    if (numDocuments > 0) {
      if (eos === null) throw new Error(NO_EOS);
      write([eos]);
    }
    for (const ids of tokenizer.encodeIterable(counted)) write(ids);
    numDocuments++;
    onDocument?.(numDocuments);
  }
  return { numDocuments, numBytes };
}

/**
 * Encodes the corpus `inputs` (one or more text, JSONL or Parquet files, folders or `hf://` paths, read by
 * `readCorpus`) into `out`, documents joined by the tokenizer's EOS id; the tokenizer's own special tokens
 * are recognised. One plain-text file is one document, encoded whole.
 */
export async function encodeFile(
  tokenizer: BaseTokenizer,
  inputs: string | readonly string[],
  out: string,
  options: EncodeFileOptions = {},
): Promise<EncodeFileResult> {
  const format = tokenFileFormat(out);
  const { tokenizerName, ...read } = options;
  const ids: number[] = [];
  const writer = format === 'bin' ? new TokenFileWriter(out, tokenizer.vocabSize) : null;
  try {
    const documents = readCorpus(typeof inputs === 'string' ? [inputs] : inputs, read);
    const { numDocuments, numBytes } = await encodeDocuments(tokenizer, documents, (part) => {
      if (writer !== null) writer.write(part);
      else for (const id of part) ids.push(id);
    });
    if (writer !== null)
      writer.close({
        numDocuments,
        numBytes,
        tokenizer: tokenizerName ?? tokenizerType(tokenizer),
        eosTokenId: tokenizer.eosTokenId ?? -1,
      });
    else writeFileAtomic(out, `${JSON.stringify(ids)}\n`);
  } catch (error) {
    writer?.abort();
    throw error;
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
  if (eos === null) throw new Error(NO_EOS);
  const writer = new TokenFileWriter(outFile, tokenizer.vocabSize);
  let counts: { numDocuments: number; numBytes: number };
  try {
    const documents = 'texts' in inputs ? textDocuments(inputs.texts) : readCorpus(inputs, options);
    counts = await encodeDocuments(
      tokenizer,
      documents,
      (ids) => writer.write(ids),
      (n) => options.onProgress?.(writer.numTokens, n),
    );
  } catch (error) {
    writer.abort();
    throw error;
  }
  const { numDocuments, numBytes } = counts;
  if (writer.numTokens === 0) {
    writer.abort();
    throw new Error(
      `the dataset is empty: no text found in ${'texts' in inputs ? 'the texts given' : inputs.join(', ')}`,
    );
  }
  writer.close({
    numDocuments,
    numBytes,
    tokenizer: tokenizerType(tokenizer),
    eosTokenId: eos,
  });
  return { file: outFile, numTokens: writer.numTokens, numDocuments, numBytes };
}
