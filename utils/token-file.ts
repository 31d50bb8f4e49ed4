/**
 * Binary token files: a flat little-endian uint16 (vocabulary ≤ 65,536) or uint32 array of ids, plus a
 * JSON sidecar (`<file>.json`) with the counts needed later (tokens, documents, UTF-8 bytes for bits
 * per byte). Written through a temporary file and renamed, the sidecar last, so a file that has a
 * sidecar is complete.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileError, readJsonFile, writeJsonAtomic } from './fs.js';

export type TokenDtype = 'uint16' | 'uint32';

export interface TokenFileMeta {
  format: 'cleangpt-tokens';
  version: 1;
  dtype: TokenDtype;
  vocabSize: number;
  numTokens: number;
  numDocuments: number;
  /** UTF-8 bytes of the source text. */
  numBytes: number;
  tokenizer: string;
  eosTokenId: number;
}

function assertLittleEndian(): void {
  // Typed arrays use the platform's byte order; the format is little-endian.
  if (os.endianness() !== 'LE') throw new Error('cleangpt token files require a little-endian platform');
}

export const dtypeFor = (vocabSize: number): TokenDtype => (vocabSize <= 65536 ? 'uint16' : 'uint32');
export const metaPath = (file: string): string => `${file}.json`;

const BUFFER_TOKENS = 1 << 16;

export class TokenFileWriter {
  readonly dtype: TokenDtype;
  numTokens = 0;
  readonly #file: string;
  readonly #tmp: string;
  readonly #fd: number;
  readonly #buffer: Uint16Array | Uint32Array;
  readonly #vocabSize: number;
  #used = 0;

  constructor(file: string, vocabSize: number) {
    assertLittleEndian();
    this.#file = file;
    this.#vocabSize = vocabSize;
    this.dtype = dtypeFor(vocabSize);
    this.#buffer = this.dtype === 'uint16' ? new Uint16Array(BUFFER_TOKENS) : new Uint32Array(BUFFER_TOKENS);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.#tmp = path.join(
      path.dirname(file),
      `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    this.#fd = fs.openSync(this.#tmp, 'w');
  }

  write(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.#vocabSize)) {
        throw new Error(`token id ${id} is outside the vocabulary (size ${this.#vocabSize})`);
      }
      this.#buffer[this.#used++] = id;
      if (this.#used === BUFFER_TOKENS) this.#flush();
    }
    this.numTokens += ids.length;
  }

  #flush(): void {
    const bytes = new Uint8Array(this.#buffer.buffer, 0, this.#used * this.#buffer.BYTES_PER_ELEMENT);
    fs.writeSync(this.#fd, bytes);
    this.#used = 0;
  }

  close(
    meta: Omit<TokenFileMeta, 'format' | 'version' | 'dtype' | 'vocabSize' | 'numTokens'>,
  ): TokenFileMeta {
    this.#flush();
    fs.closeSync(this.#fd);
    fs.renameSync(this.#tmp, this.#file);
    const full: TokenFileMeta = {
      format: 'cleangpt-tokens',
      version: 1,
      dtype: this.dtype,
      vocabSize: this.#vocabSize,
      numTokens: this.numTokens,
      ...meta,
    };
    writeJsonAtomic(metaPath(this.#file), full);
    return full;
  }

  abort(): void {
    fs.closeSync(this.#fd);
    fs.rmSync(this.#tmp, { force: true });
  }
}

/** Random access to a token file without loading it: reads ranges with positioned reads. */
export class TokenFile {
  readonly meta: TokenFileMeta;
  readonly #fd: number;
  readonly #bytesPer: number;

  constructor(readonly file: string) {
    assertLittleEndian();
    const raw = readJsonFile(metaPath(file), 'token file metadata') as Partial<TokenFileMeta>;
    if (
      raw.format !== 'cleangpt-tokens' ||
      (raw.dtype !== 'uint16' && raw.dtype !== 'uint32') ||
      !Number.isInteger(raw.numTokens)
    ) {
      throw new FileError(metaPath(file), 'not a cleangpt token file description (format, dtype, numTokens)');
    }
    this.meta = raw as TokenFileMeta;
    this.#bytesPer = raw.dtype === 'uint16' ? 2 : 4;
    const size = fs.statSync(file).size;
    if (size !== this.meta.numTokens * this.#bytesPer) {
      throw new FileError(
        file,
        `size ${size} bytes does not match ${this.meta.numTokens} ${this.meta.dtype} tokens`,
      );
    }
    this.#fd = fs.openSync(file, 'r');
  }

  get length(): number {
    return this.meta.numTokens;
  }

  /** Copies tokens [start, start + out.length) into `out`. */
  read(start: number, out: Int32Array): Int32Array {
    if (start < 0 || start + out.length > this.length) {
      throw new RangeError(
        `token range [${start}, ${start + out.length}) is outside ${this.file} (${this.length} tokens)`,
      );
    }
    const bytes = new Uint8Array(out.length * this.#bytesPer);
    fs.readSync(this.#fd, bytes, 0, bytes.length, start * this.#bytesPer);
    const view =
      this.#bytesPer === 2
        ? new Uint16Array(bytes.buffer, bytes.byteOffset, out.length)
        : new Uint32Array(bytes.buffer, bytes.byteOffset, out.length);
    out.set(view);
    return out;
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}
