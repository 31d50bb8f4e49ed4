/**
 * Streaming large UTF-8 files, line by line or chunk by chunk: memory stays bounded by the chunk size (plus
 * the longest line) however large the corpus is, and malformed UTF-8 is an error naming the file and the
 * byte offset. Leaf module: every layer may use it.
 */
import * as fs from 'node:fs';
import { decodeUtf8Strict, FileError } from './fs.js';
import { firstInvalidUtf8Offset } from './utf8.js';

const CHUNK_BYTES = 1 << 20;

/** Opens `file` for reading; a missing file or a directory is a FileError naming it. */
function openTextFile(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileError(
      file,
      code === 'ENOENT' ? 'input file not found' : `cannot open: ${(error as Error).message}`,
    );
  }
  if (fs.fstatSync(fd).isDirectory()) {
    fs.closeSync(fd);
    throw new FileError(file, 'is a directory, expected a text file');
  }
  return fd;
}
const NEWLINE = 0x0a;

/**
 * Yields every line of `file` (without its `\n`; a trailing `\r` is dropped too) and reports the bytes
 * consumed so far through `onProgress`. Chunks are cut at newline bytes, which never fall inside a UTF-8
 * sequence, so each line decodes on its own; malformed UTF-8 is an error naming the file.
 */
export function* readLines(
  file: string,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): Generator<string> {
  const fd = openTextFile(file);
  try {
    const stat = fs.fstatSync(fd);
    const total = stat.size;
    let carry = Buffer.alloc(0);
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let consumed = 0;
    const decode = (bytes: Buffer): string => {
      const text = decodeUtf8Strict(bytes, file);
      return text.endsWith('\r') ? text.slice(0, -1) : text;
    };
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      // Copy the unfinished line before yielding: `chunk` is reused by the next read.
      const lastNewline = data.lastIndexOf(NEWLINE);
      carry = Buffer.from(data.subarray(lastNewline + 1));
      consumed += n;
      if (lastNewline >= 0) {
        const complete = Buffer.from(data.subarray(0, lastNewline));
        let start = 0;
        for (let nl = complete.indexOf(NEWLINE, start); nl !== -1; nl = complete.indexOf(NEWLINE, start)) {
          yield decode(complete.subarray(start, nl));
          start = nl + 1;
        }
        yield decode(complete.subarray(start));
      }
      onProgress?.(consumed, total);
    }
    if (carry.length > 0) yield decode(carry);
  } finally {
    fs.closeSync(fd);
  }
}

/** Calls `onLine` for every line of `file`; see {@link readLines}. */
export function forEachLine(
  file: string,
  onLine: (line: string) => void,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
): void {
  for (const line of readLines(file, onProgress)) onLine(line);
}

/** Size of `file` in bytes (for deciding whether to show progress), with a clear error when missing. */
export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    throw new FileError(file, 'input file not found');
  }
}

/** Lines of several files in order (see {@link readLines}). */
export function* readLinesOfFiles(files: readonly string[]): Generator<string> {
  for (const file of files) yield* readLines(file);
}

/** What to do with malformed UTF-8: stop with an error naming the file and byte offset, or read U+FFFD. */
export type InvalidUtf8Policy = 'error' | 'replace';

/**
 * Where the trailing incomplete UTF-8 sequence of `bytes` starts (bytes.length when the bytes end on a
 * character boundary). A lead byte always starts a new sequence, so cutting there decodes the same as the
 * whole text, malformed sequences included.
 */
function completePrefixLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * Streams the UTF-8 text of a file in chunks; malformed UTF-8 is an error with the byte offset, or U+FFFD
 * under the `replace` policy. A byte-order mark at the start of the file is dropped.
 *
 * Each chunk is cut before a trailing incomplete sequence (carried into the next read) and decoded whole,
 * not with `stream: true`: Node's streaming decoder returns every chunk as an external two-byte string,
 * even for ASCII, so every string made from it (counting blocks, the copies posted to workers) took twice
 * the memory, freed late as external memory (BPE training peak RSS 346 MB vs 257 MB this way).
 */
export function* readTextChunks(
  file: string,
  chunkBytes = CHUNK_BYTES,
  invalidUtf8: InvalidUtf8Policy = 'error',
): Generator<string> {
  const fd = openTextFile(file);
  const decoder = new TextDecoder('utf-8', { fatal: invalidUtf8 === 'error', ignoreBOM: true });
  // Room for up to 3 carried bytes of an incomplete sequence before each read.
  const buffer = Buffer.allocUnsafe(chunkBytes + 3);
  let carried = 0;
  let offset = 0; // file offset of buffer[0]
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, carried, chunkBytes, offset + carried);
      const filled = buffer.subarray(0, carried + n);
      const bytes = filled.subarray(0, n === 0 ? filled.length : completePrefixLength(filled));
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        const at = offset + Math.max(0, firstInvalidUtf8Offset(bytes));
        throw new FileError(file, `not valid UTF-8 (malformed sequence at byte offset ${at})`);
      }
      if (offset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length > 0) yield text;
      if (n === 0) return;
      buffer.copyWithin(0, bytes.length, filled.length);
      carried = filled.length - bytes.length;
      offset += bytes.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}
