/**
 * File helpers shared by every layer (this module imports nothing from the project).
 *
 * Every write goes to a temporary file in the same directory and is then renamed over the target, so a
 * crash or a full disk never leaves a half-written file that looks complete.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An input/output problem, always naming the file it concerns. */
export class FileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'FileError';
  }
}

/** A hidden, unique name next to `target` for writing it (`.NAME.PID.HEX.tmp`). */
export function temporarySibling(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** Writes `data` to `file` atomically (temp file + rename), creating parent directories. */
export function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = temporarySibling(file);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

/** Writes pretty JSON (indent 2, non-ASCII kept literally, trailing newline) atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a UTF-8 file, turning "not found" and friends into an error that names the file. */
export function readTextFile(file: string, what = 'file'): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileError(file, `${what} not found`);
    if (code === 'EISDIR') throw new FileError(file, `${what} is a directory, expected a file`);
    throw new FileError(file, `cannot read ${what}: ${(error as Error).message}`);
  }
  return decodeUtf8Strict(bytes, file);
}

/**
 * Decodes UTF-8, rejecting malformed input with the byte offset of the first bad sequence. Silent
 * U+FFFD replacement would corrupt a training corpus without anyone noticing.
 */
export function decodeUtf8Strict(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FileError(
      file,
      `not valid UTF-8 (first malformed sequence at byte offset ${firstInvalidUtf8Offset(bytes)})`,
    );
  }
}

/** Offset of the first byte that starts an ill-formed UTF-8 sequence, or -1 when the input is valid. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i;
    const second = bytes[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Parses a JSON file; errors name the file and say whether it is missing or malformed. */
export function readJsonFile(file: string, what = 'JSON file'): unknown {
  const text = readTextFile(file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FileError(file, `${what} is not valid JSON (${(error as Error).message})`);
  }
}

/** Throws a FileError unless `dir` exists and is a directory. */
export function requireDirectory(dir: string, what = 'directory'): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new FileError(dir, `${what} does not exist`);
  }
  if (!stat.isDirectory()) throw new FileError(dir, `${what} is not a directory`);
}
