/**
 * Streaming a corpus as text: files are read in fixed-size chunks and decoded strictly as UTF-8, so a
 * corpus larger than memory can be counted and a malformed byte is reported with its file offset.
 */
import * as fs from 'node:fs';
import { FileError } from '../../utils/fs.js';
import { firstInvalidUtf8Offset } from '../../utils/utf8.js';

const READ_CHUNK_BYTES = 1 << 20;

/** Start of the trailing incomplete UTF-8 sequence of `bytes` (bytes.length when it ends complete). */
function completePrefixLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * Yields the text of `file` chunk by chunk. `onBytes` is told how many bytes each chunk consumed.
 * Throws a FileError naming the file (missing, unreadable, or the byte offset of malformed UTF-8).
 */
export async function* readUtf8Chunks(
  file: string,
  onBytes?: (bytes: number) => void,
  invalidUtf8: 'error' | 'replace' = 'error',
): AsyncGenerator<string> {
  // 'replace' (only when asked for) turns each maximal ill-formed sequence into U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: invalidUtf8 === 'error', ignoreBOM: true });
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileError(
      file,
      code === 'ENOENT' ? 'corpus file not found' : `cannot open: ${(error as Error).message}`,
    );
  }
  try {
    const buffer = new Uint8Array(READ_CHUNK_BYTES + 3);
    let carried = 0; // bytes of an incomplete sequence kept from the previous read
    let offset = 0; // file offset of buffer[0]
    for (;;) {
      let read: number;
      try {
        ({ bytesRead: read } = await handle.read(buffer, carried, READ_CHUNK_BYTES, null));
      } catch (error) {
        throw new FileError(file, `cannot read: ${(error as Error).message}`);
      }
      const filled = buffer.subarray(0, carried + read);
      const usable = read === 0 ? filled.length : completePrefixLength(filled);
      const bytes = filled.subarray(0, usable);
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        const bad = firstInvalidUtf8Offset(bytes);
        throw new FileError(
          file,
          `not valid UTF-8 (first malformed sequence at byte offset ${offset + Math.max(bad, 0)})`,
        );
      }
      if (text.length > 0) yield text;
      onBytes?.(read);
      if (read === 0) return;
      buffer.copyWithin(0, usable, filled.length);
      carried = filled.length - usable;
      offset += usable;
    }
  } finally {
    await handle.close();
  }
}

/** Total size in bytes of `files` (for progress), with a FileError for a missing or unreadable one. */
export function totalFileBytes(files: readonly string[]): number {
  let total = 0;
  for (const file of files) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new FileError(file, 'corpus file not found');
    }
    if (!stat.isFile()) throw new FileError(file, 'corpus path is not a file');
    total += stat.size;
  }
  return total;
}
