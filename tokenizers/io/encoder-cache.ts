/**
 * A binary cache of a bundled encoding's encoder tables (EncoderData), so `gpt2`, `cl100k_base` and
 * `o200k_base` load without parsing their rank bundles again.
 *
 * Why: building o200k_base from js-tiktoken means requiring a multi-MB JavaScript string, decoding
 * 200k base64 tokens into as many small arrays (most of the garbage collector's work), and deriving every
 * mergeable pair of every token (rank mode) — seconds on a loaded machine. The tables that come out are a
 * handful of typed arrays, which a file holds as they are in memory and reads back in milliseconds.
 *
 * Format (native byte order, checked to be little-endian): the magic `CLEANGPT-ENC\0\0\0\x01`, a uint32 header length, the JSON header
 * (key, specials, pre-tokenizer, unk id, shortcut flag, array lengths), zero padding to 4 bytes, then
 * tokenBytes (padded to 4), tokenOffsets, pairLeft, pairRight, pairRank, pairResult. The key names the
 * encoding, the version of the package its ranks came from and this format's version, so an upgrade
 * rebuilds. The file is written to a temporary name and renamed, so a reader sees a whole file or none;
 * one that is short, from another key or malformed is ignored and rewritten.
 *
 * Location: `$CLEANGPT_CACHE_DIR`, else `$XDG_CACHE_HOME/cleangpt`, else `~/.cache/cleangpt`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../utils/fs.js';
import type { EncoderData } from '../bpe/encoder.js';

const MAGIC = Buffer.from('CLEANGPT-ENC\0\0\0\x01', 'latin1');
const FORMAT_VERSION = 1;

interface Header {
  key: string;
  specials: Array<[string, number]>;
  preTokenizer: EncoderData['preTokenizer'];
  unkId: number;
  wholePieceShortcut: boolean;
  tokenBytes: number;
  tokenOffsets: number;
  pairs: number;
}

/** The folder encoder caches live in. */
export function encoderCacheDir(): string {
  const env = process.env.CLEANGPT_CACHE_DIR;
  if (env !== undefined && env.length > 0) return env;
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg !== undefined && xdg.length > 0 ? xdg : path.join(os.homedir(), '.cache'), 'cleangpt');
}

/** The cache key of `encoding` built from ranks of `source` at `version`. */
export function encoderCacheKey(encoding: string, source: string, version: string): string {
  return `${encoding}|${source}@${version}|format ${FORMAT_VERSION}`;
}

function cacheFile(key: string): string {
  const name = key.split('|')[0]!.replace(/[^A-Za-z0-9_.-]/g, '_');
  return path.join(encoderCacheDir(), `${name}.encoder.bin`);
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** The cached tables for `key`, or null when there is no usable cache file. */
export function readEncoderCache(key: string): EncoderData | null {
  if (os.endianness() !== 'LE') return null;
  let buffer: Buffer;
  try {
    buffer = fs.readFileSync(cacheFile(key));
  } catch {
    return null; // no cache yet (or unreadable): the caller builds the tables
  }
  if (buffer.length < MAGIC.length + 4 || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const headerStart = MAGIC.length + 4;
  if (headerStart + headerLength > buffer.length) return null;
  let header: Header;
  try {
    header = JSON.parse(buffer.toString('utf8', headerStart, headerStart + headerLength)) as Header;
  } catch {
    return null; // malformed header: rebuilt and rewritten by the caller
  }
  if (header.key !== key) return null;
  let at = pad4(headerStart + headerLength);
  const { tokenBytes: nb, tokenOffsets: no, pairs } = header;
  if (at + pad4(nb) + 4 * (no + 4 * pairs) !== buffer.length) return null;
  // One aligned copy, so every array is a view of it (the read buffer may not be 4-byte aligned).
  const copy = new ArrayBuffer(buffer.length - at);
  new Uint8Array(copy).set(buffer.subarray(at));
  at = 0;
  const tokenBytes = new Uint8Array(copy, at, nb);
  at += pad4(nb);
  const int32 = (n: number): Int32Array => {
    const view = new Int32Array(copy, at, n);
    at += 4 * n;
    return view;
  };
  const tokenOffsets = int32(no);
  const data: EncoderData = {
    tokenBytes,
    tokenOffsets,
    pairLeft: int32(pairs),
    pairRight: int32(pairs),
    pairRank: int32(pairs),
    pairResult: int32(pairs),
    preTokenizer: header.preTokenizer,
    unkId: header.unkId,
    wholePieceShortcut: header.wholePieceShortcut,
    specials: header.specials,
  };
  return tokenOffsets[no - 1] === nb ? data : null;
}

/**
 * Writes the tables for `key` (atomically). A cache that cannot be written (read-only home, full disk)
 * costs only speed, so it is reported as a process warning and the tokenizer is used as built.
 */
export function writeEncoderCache(key: string, data: EncoderData): void {
  if (os.endianness() !== 'LE') return;
  const header: Header = {
    key,
    specials: data.specials,
    preTokenizer: data.preTokenizer,
    unkId: data.unkId,
    wholePieceShortcut: data.wholePieceShortcut,
    tokenBytes: data.tokenBytes.length,
    tokenOffsets: data.tokenOffsets.length,
    pairs: data.pairLeft.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = pad4(MAGIC.length + 4 + json.length);
  const out = Buffer.alloc(start + pad4(header.tokenBytes) + 4 * (header.tokenOffsets + 4 * header.pairs));
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  let at = start;
  out.set(data.tokenBytes, at);
  at += pad4(header.tokenBytes);
  for (const a of [data.tokenOffsets, data.pairLeft, data.pairRight, data.pairRank, data.pairResult]) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  try {
    writeFileAtomic(cacheFile(key), out);
  } catch (error) {
    process.emitWarning(
      `cannot write the encoder cache ${cacheFile(key)} (${(error as Error).message}); the encoding is rebuilt on each load`,
    );
  }
}
