/**
 * Corpus reading: every document of every input, whatever its format.
 *
 * Sources: plain text (one document per file, or split on a separator), JSONL (text field found
 * automatically), Parquet (Hugging Face dataset shards, via hyparquet) and folders of such files. Text is
 * streamed in chunks, so corpora larger than memory are read in constant memory. Leaf module: every layer
 * may use it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { FileError } from './fs.js';
import { resolveInputs } from './hub.js';
import { createProgress } from './progress.js';
import { fileSize, type InvalidUtf8Policy, readTextChunks } from './text-stream.js';

/** Text fields tried in order when a JSONL/Parquet source does not name one. */
export const TEXT_FIELDS = ['text', 'story', 'content'] as const;

const JSONL_EXTENSIONS = new Set(['.jsonl', '.ndjson']);

export interface ReadOptions {
  /** JSONL/Parquet field holding the text (default: the first of `text`, `story`, `content`). */
  textField?: string;
  /** Split plain-text files into documents on this string (default: each file is one document). */
  documentSeparator?: string;
  /** Chunk size in bytes for streaming plain text (default 1 MiB). */
  chunkBytes?: number;
  /** Malformed UTF-8 in text and JSONL files: an error naming the file and offset (default), or U+FFFD. */
  invalidUtf8?: InvalidUtf8Policy;
}

/** Just the reading options of `options` (which may carry a command's other settings). */
export function readOptionsOf(options: ReadOptions): ReadOptions {
  const { textField, documentSeparator, chunkBytes, invalidUtf8 } = options;
  return { textField, documentSeparator, chunkBytes, invalidUtf8 };
}

/** A document as a sequence of text pieces, so a huge document never has to be one string. */
export type Document = Iterable<string>;

/** Files under `inputs` (folders expanded recursively, sorted), each checked to exist. */
export function expandInputs(inputs: readonly string[]): string[] {
  if (inputs.length === 0) throw new Error('no data files given');
  const out: string[] = [];
  const visit = (p: string): void => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new FileError(p, 'data file not found');
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) {
        if (!name.startsWith('.')) visit(path.join(p, name));
      }
    } else out.push(p);
  };
  for (const input of inputs) visit(input);
  return out;
}

/**
 * The files behind `inputs` in reading order: `hf://` paths fetched into the cache, folders expanded
 * (for commands that label or count per file; `readCorpus` reads them).
 */
export async function corpusFiles(inputs: readonly string[]): Promise<string[]> {
  return expandInputs(await resolveInputs(inputs));
}

/** Splits streamed text on `separator`, yielding each document as its own piece iterable. */
function* splitDocuments(chunks: Iterable<string>, separator: string): Generator<string[]> {
  let pending = '';
  for (const chunk of chunks) {
    pending += chunk;
    let at = pending.indexOf(separator);
    while (at >= 0) {
      const doc = pending.slice(0, at);
      if (doc.trim().length > 0) yield [doc];
      pending = pending.slice(at + separator.length);
      at = pending.indexOf(separator);
    }
  }
  if (pending.trim().length > 0) yield [pending];
}

function pickField(row: Record<string, unknown>, requested: string | undefined, where: string): string {
  if (requested !== undefined) {
    if (!(requested in row))
      throw new Error(`${where}: no field "${requested}" (fields: ${Object.keys(row).join(', ')})`);
    return requested;
  }
  for (const field of TEXT_FIELDS) if (typeof row[field] === 'string') return field;
  const firstString = Object.keys(row).find((k) => typeof row[k] === 'string');
  if (firstString !== undefined) return firstString;
  throw new Error(
    `${where}: no text field found (tried ${TEXT_FIELDS.join(', ')}; fields: ${Object.keys(row).join(', ')})`,
  );
}

function* readJsonl(file: string, options: ReadOptions): Generator<Document> {
  let field = options.textField;
  let lineNo = 0;
  let pending = '';
  const handle = function* (line: string): Generator<Document> {
    lineNo++;
    if (line.trim().length === 0) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new FileError(file, `line ${lineNo} is not valid JSON (${(error as Error).message})`);
    }
    if (row === null || typeof row !== 'object')
      throw new FileError(file, `line ${lineNo} is not a JSON object`);
    field ??= pickField(row as Record<string, unknown>, undefined, `${file} line ${lineNo}`);
    const text = (row as Record<string, unknown>)[field];
    if (typeof text !== 'string')
      throw new FileError(file, `line ${lineNo}: field "${field}" is not a string`);
    yield [text];
  };
  for (const chunk of readTextChunks(file, options.chunkBytes, options.invalidUtf8)) {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) yield* handle(line);
  }
  yield* handle(pending);
}

async function* readParquet(file: string, options: ReadOptions): AsyncGenerator<Document> {
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  const buffer = await asyncBufferFromFile(file);
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new FileError(file, `not a readable Parquet file (${(error as Error).message})`);
  }
  const names = metadata.schema.slice(1).map((s) => s.name);
  const field = options.textField ?? TEXT_FIELDS.find((f) => names.includes(f));
  if (field === undefined || !names.includes(field)) {
    throw new FileError(
      file,
      `no text column ${options.textField ? `"${options.textField}"` : `(tried ${TEXT_FIELDS.join(', ')})`}; columns: ${names.join(', ')}`,
    );
  }
  // One row group at a time keeps memory bounded by the shard's largest row group.
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, columns: [field], rowStart, rowEnd });
    for (const row of rows) {
      const text = (row as Record<string, unknown>)[field];
      if (typeof text === 'string' && text.length > 0) yield [text];
    }
    rowStart = rowEnd;
  }
}

/** Every document of every input, in order (folders sorted by path). */
export async function* readDocuments(
  inputs: readonly string[],
  options: ReadOptions = {},
): AsyncGenerator<Document> {
  for (const file of expandInputs(inputs)) {
    if (path.extname(file).toLowerCase() === '.parquet') yield* readParquet(file, options);
    else yield* readDocumentsSync(file, options);
  }
}

/**
 * The documents of one text or JSONL file, read synchronously (Parquet needs `readDocuments`). Any
 * extension but JSONL's, JSON and Parquet is UTF-8 text (.txt, .md, source code, .csv read as text): a
 * binary file fails the UTF-8 check naming it.
 */
export function* readDocumentsSync(file: string, options: ReadOptions = {}): Generator<Document> {
  const ext = path.extname(file).toLowerCase();
  if (JSONL_EXTENSIONS.has(ext)) yield* readJsonl(file, options);
  else if (ext === '.json') {
    throw new FileError(file, 'JSON files are not a text source; use JSONL (one object per line)');
  } else if (ext === '.parquet') {
    throw new FileError(file, '.parquet is read only where documents are read asynchronously (readCorpus)');
  } else {
    const chunks = readTextChunks(file, options.chunkBytes, options.invalidUtf8);
    if (options.documentSeparator) yield* splitDocuments(chunks, options.documentSeparator);
    else yield chunks;
  }
}

export interface CorpusOptions extends ReadOptions {
  /** A progress bar on stderr over the input bytes, with this label (none when omitted). */
  progress?: string;
  /** Told the input bytes read so far and the total, as the documents are read. */
  onBytes?: (done: number, total: number) => void;
}

/**
 * The one corpus reader: every document of `inputs` — text, JSONL and Parquet files, folders of them and
 * `hf://` paths (fetched once into the cache) — with one invalid-UTF-8 policy and one progress measure
 * over the input bytes. Trainers, analyzers, extractors, tokenize-to-file and the CLI read through it, so
 * every command accepts the same inputs.
 */
export async function* readCorpus(
  inputs: readonly string[],
  options: CorpusOptions = {},
): AsyncGenerator<Document> {
  const files = await corpusFiles(inputs);
  if (options.progress === undefined && options.onBytes === undefined) {
    yield* readDocuments(files, options);
    return;
  }
  const sizes = files.map((f) => fileSize(f));
  const total = sizes.reduce((a, b) => a + b, 0);
  const bar = options.progress === undefined ? null : createProgress(total, options.progress);
  const update = (done: number): void => {
    bar?.update(done);
    options.onBytes?.(done, total);
  };
  let done = 0;
  try {
    for (const [i, file] of files.entries()) {
      let read = 0;
      for await (const document of readDocuments([file], options)) {
        yield (function* () {
          for (const piece of document) {
            yield piece;
            read += Buffer.byteLength(piece, 'utf8');
            update(done + Math.min(read, sizes[i]!));
          }
        })();
      }
      done += sizes[i]!;
      update(done);
    }
  } finally {
    bar?.stop();
  }
}
