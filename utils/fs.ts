/**
 * File helpers shared by every layer (a leaf module: it imports only the UTF-8 helpers beside it).
 *
 * Every write goes to a temporary file in the same directory and is then renamed over the target, so a
 * crash or a full disk never leaves a half-written file that looks complete.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstInvalidUtf8Offset } from './utf8.js';

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
