/**
 * A cue corpus: the byte stream a byte-level LM was run over, its document boundaries, and one Float32
 * value per byte for each cue (spec §3). It is the hand-off between cue extraction (which needs the
 * model) and the span trainers (which must not), so it lives here as plain files:
 *
 *   meta.json        format, unit, counts, cue names, source labels (written last: a directory whose
 *                    meta.json counts N documents holds at least N complete documents)
 *   bytes.bin        the documents' UTF-8 bytes, concatenated (no separators)
 *   doc-ends.f64     cumulative end offset of each document (Float64: exact far beyond 4 GiB)
 *   doc-sources.u16  index into `sources` of each document (language label for balanced selection)
 *   <cue>.f32        one little-endian float32 per byte, aligned with bytes.bin
 *
 * Appending is resumable: a writer reopened on a partial directory truncates every file to the counts
 * in meta.json and continues from the next document.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileError, readJsonFile, writeJsonAtomic } from '../../utils/fs.js';

export const CUE_NAMES = ['entropy', 'surprisal', 'space', 'eos'] as const;
export type CueName = (typeof CUE_NAMES)[number];

/** Cues from a neural LM are natural-log based; the 5-gram alternative of the reference uses bits. */
export type CueUnit = 'nats' | 'bits';

export interface CueCorpusMeta {
  format: 'cleangpt-cues';
  version: 1;
  unit: CueUnit;
  cues: CueName[];
  /** Labels of the input sources (file stems), indexed by doc-sources.u16. */
  sources: string[];
  numDocuments: number;
  numBytes: number;
  /** Whether the producer finished; false while an extraction is running or was interrupted. */
  complete: boolean;
  /** Free-form provenance (model directory, block size, stride…). */
  producer?: Record<string, unknown>;
}

export interface CueCorpus {
  readonly meta: CueCorpusMeta;
  readonly bytes: Uint8Array;
  /** docEnds[d] is the end offset of document d; document d spans [docEnds[d − 1] ?? 0, docEnds[d]). */
  readonly docEnds: Float64Array;
  readonly docSources: Uint16Array;
  /** The cue arrays loaded, by name. */
  readonly cues: ReadonlyMap<CueName, Float32Array>;
}

export const META_FILE = 'meta.json';
const BYTES_FILE = 'bytes.bin';
const ENDS_FILE = 'doc-ends.f64';
const SOURCES_FILE = 'doc-sources.u16';
const cueFile = (cue: CueName): string => `${cue}.f32`;

/** Accepts the reference's column names and CLI aliases as well as ours. */
export function parseCueName(name: string): CueName {
  const key = name.toLowerCase().replace(/[\s_-]+/g, '');
  const aliases: Record<string, CueName> = {
    entropy: 'entropy',
    surprisal: 'surprisal',
    space: 'space',
    spaceprobability: 'space',
    eos: 'eos',
    eosprobability: 'eos',
  };
  const cue = aliases[key];
  if (cue === undefined) {
    throw new Error(`unknown cue ${JSON.stringify(name)} (expected one of: ${CUE_NAMES.join(', ')})`);
  }
  return cue;
}

function assertLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('cleangpt cue files require a little-endian platform');
}

function readMeta(dir: string): CueCorpusMeta {
  const file = path.join(dir, META_FILE);
  const raw = readJsonFile(file, 'cue corpus metadata') as Partial<CueCorpusMeta>;
  const countsOk = Number.isSafeInteger(raw.numDocuments) && Number.isSafeInteger(raw.numBytes);
  if (
    raw.format !== 'cleangpt-cues' ||
    !countsOk ||
    !Array.isArray(raw.cues) ||
    !Array.isArray(raw.sources)
  ) {
    throw new FileError(
      file,
      'not a cleangpt cue corpus description (format, numDocuments, numBytes, cues, sources)',
    );
  }
  if (raw.unit !== 'nats' && raw.unit !== 'bits') {
    throw new FileError(file, `unit must be "nats" or "bits", got ${JSON.stringify(raw.unit)}`);
  }
  for (const cue of raw.cues) parseCueName(cue);
  return raw as CueCorpusMeta;
}

/** Reads `count` elements of a typed array from the start of `file`, checking it holds at least that many. */
function readTyped<T extends Uint8Array | Uint16Array | Float32Array | Float64Array>(
  file: string,
  make: (buffer: SharedArrayBuffer) => T,
  bytesPer: number,
  count: number,
  exact: boolean,
): T {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new FileError(file, 'cue corpus file not found');
  }
  const want = count * bytesPer;
  if (exact ? size !== want : size < want) {
    throw new FileError(
      file,
      `size ${size} bytes does not match ${count} values of ${bytesPer} bytes (${want})`,
    );
  }
  // Shared, so worker threads (the parallel span pass) read the arrays without copying them.
  const buffer = new SharedArrayBuffer(want);
  const view = new Uint8Array(buffer);
  const fd = fs.openSync(file, 'r');
  try {
    for (let done = 0; done < want; ) {
      const n = fs.readSync(fd, view, done, Math.min(want - done, 1 << 30), done);
      if (n === 0) throw new FileError(file, `unexpected end of file at byte ${done}`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return make(buffer);
}

/**
 * Loads a cue corpus with the cues named (default: all it has). File sizes must match meta.json exactly
 * for a complete corpus; a partial one (interrupted extraction) is read up to its committed counts.
 */
export function readCueCorpus(dir: string, cues?: readonly CueName[]): CueCorpus {
  assertLittleEndian();
  const meta = readMeta(dir);
  const exact = meta.complete;
  const bytes = readTyped(path.join(dir, BYTES_FILE), (b) => new Uint8Array(b), 1, meta.numBytes, exact);
  const docEnds = readTyped(
    path.join(dir, ENDS_FILE),
    (b) => new Float64Array(b),
    8,
    meta.numDocuments,
    exact,
  );
  const docSources = readTyped(
    path.join(dir, SOURCES_FILE),
    (b) => new Uint16Array(b),
    2,
    meta.numDocuments,
    exact,
  );
  if (meta.numDocuments > 0 && docEnds[meta.numDocuments - 1] !== meta.numBytes) {
    throw new FileError(
      path.join(dir, ENDS_FILE),
      `last document ends at ${docEnds[meta.numDocuments - 1]}, but the corpus has ${meta.numBytes} bytes`,
    );
  }
  const loaded = new Map<CueName, Float32Array>();
  for (const cue of cues ?? meta.cues) {
    if (!meta.cues.includes(cue)) {
      throw new FileError(path.join(dir, META_FILE), `has no ${cue} cue (it has: ${meta.cues.join(', ')})`);
    }
    loaded.set(
      cue,
      readTyped(path.join(dir, cueFile(cue)), (b) => new Float32Array(b), 4, meta.numBytes, exact),
    );
  }
  return { meta, bytes, docEnds, docSources, cues: loaded };
}

/** Builds an in-memory cue corpus (tests, synthetic benchmarks, callers with their own cue source). */
export function cueCorpusFromArrays(options: {
  documents: readonly Uint8Array[];
  cues: Partial<Record<CueName, readonly Float32Array[]>>;
  sources?: readonly number[];
  sourceLabels?: readonly string[];
  unit?: CueUnit;
}): CueCorpus {
  const { documents } = options;
  const numBytes = documents.reduce((n, d) => n + d.length, 0);
  const bytes = new Uint8Array(numBytes);
  const docEnds = new Float64Array(documents.length);
  let at = 0;
  documents.forEach((doc, d) => {
    bytes.set(doc, at);
    at += doc.length;
    docEnds[d] = at;
  });
  const cues = new Map<CueName, Float32Array>();
  for (const name of CUE_NAMES) {
    const perDoc = options.cues[name];
    if (perDoc === undefined) continue;
    if (perDoc.length !== documents.length) {
      throw new Error(`${name}: ${perDoc.length} cue arrays for ${documents.length} documents`);
    }
    const values = new Float32Array(numBytes);
    let offset = 0;
    perDoc.forEach((v, d) => {
      if (v.length !== documents[d]!.length) {
        throw new Error(
          `${name}: document ${d} has ${documents[d]!.length} bytes but ${v.length} cue values`,
        );
      }
      values.set(v, offset);
      offset += v.length;
    });
    cues.set(name, values);
  }
  const labels = options.sourceLabels ?? ['corpus'];
  const docSources = Uint16Array.from(options.sources ?? documents.map(() => 0));
  for (const s of docSources) {
    if (s >= labels.length) throw new Error(`document source ${s} has no label (${labels.length} labels)`);
  }
  return {
    meta: {
      format: 'cleangpt-cues',
      version: 1,
      unit: options.unit ?? 'nats',
      cues: [...cues.keys()],
      sources: [...labels],
      numDocuments: documents.length,
      numBytes,
      complete: true,
    },
    bytes,
    docEnds,
    docSources,
    cues,
  };
}

/** Thrown when `signal` stopped an extraction; the committed documents stay, and `resume` continues. */
export class ExtractionInterrupted extends Error {
  constructor(
    readonly outDir: string,
    readonly numDocuments: number,
  ) {
    super(`${outDir}: extraction interrupted after ${numDocuments} committed documents; resume continues it`);
    this.name = 'ExtractionInterrupted';
  }
}

const utf8 = new TextEncoder();
/** Bytes each output file collects before a write. */
const STAGE_BYTES = 1 << 18;

/** The bytes of one document, with the optional prefix space as every cue producer stores it. */
export function documentBytes(pieces: Iterable<string>, addPrefixSpace: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    if (parts.length === 0 && addPrefixSpace && !piece.startsWith(' ')) parts.push(Uint8Array.of(0x20));
    parts.push(utf8.encode(piece));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Start offset of document d. */
export const docStart = (corpus: Pick<CueCorpus, 'docEnds'>, d: number): number =>
  d === 0 ? 0 : corpus.docEnds[d - 1]!;

/**
 * Appends documents with their cues to a cue corpus directory. Data goes to the files first and
 * meta.json (the commit record) is rewritten after each `commit()`, so an interrupted run loses at most
 * the uncommitted documents; reopening with `resume` truncates to the committed state.
 */
export class CueCorpusWriter {
  readonly meta: CueCorpusMeta;
  readonly #dir: string;
  readonly #fds: Map<string, number> = new Map();
  /** Next write offset per file (explicit, since a reopened file's descriptor starts at 0). */
  readonly #ends: Map<string, number> = new Map();
  /** Appended data not yet written, per file. */
  readonly #staged: Map<string, { buffer: Uint8Array; length: number }> = new Map();

  /**
   * Opens `dir` for appending. With `resume` and an existing incomplete corpus whose cues, unit and
   * sources match, continues after its committed documents; otherwise starts empty. Existing data, complete
   * or interrupted, is never replaced without `overwrite`.
   */
  constructor(
    dir: string,
    init: {
      unit: CueUnit;
      cues: readonly CueName[];
      sources: readonly string[];
      producer?: Record<string, unknown>;
    },
    options: { resume?: boolean; overwrite?: boolean } = {},
  ) {
    assertLittleEndian();
    this.#dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    const metaFile = path.join(dir, META_FILE);
    let previous: CueCorpusMeta | undefined;
    if (fs.existsSync(metaFile)) {
      previous = readMeta(dir);
      if (previous.complete && !options.overwrite) {
        throw new FileError(dir, 'already holds a complete cue corpus (pass overwrite to replace it)');
      }
      if (!previous.complete && !options.resume && !options.overwrite) {
        throw new FileError(
          dir,
          `holds an interrupted extraction (${previous.numDocuments} documents committed); pass resume to continue it or overwrite to start over`,
        );
      }
      const same =
        previous.unit === init.unit &&
        JSON.stringify(previous.cues) === JSON.stringify(init.cues) &&
        JSON.stringify(previous.sources) === JSON.stringify(init.sources);
      if (options.resume && !previous.complete && !same) {
        throw new FileError(metaFile, 'cannot resume: the cues, unit or sources differ from this run');
      }
      if (!options.resume || previous.complete) previous = undefined;
    }
    this.meta = {
      format: 'cleangpt-cues',
      version: 1,
      unit: init.unit,
      cues: [...init.cues],
      sources: [...init.sources],
      numDocuments: previous?.numDocuments ?? 0,
      numBytes: previous?.numBytes ?? 0,
      complete: false,
      ...(init.producer === undefined ? {} : { producer: init.producer }),
    };
    const sizes: Array<[string, number]> = [
      [BYTES_FILE, this.meta.numBytes],
      [ENDS_FILE, this.meta.numDocuments * 8],
      [SOURCES_FILE, this.meta.numDocuments * 2],
      ...this.meta.cues.map((c): [string, number] => [cueFile(c), this.meta.numBytes * 4]),
    ];
    for (const [name, size] of sizes) {
      const file = path.join(dir, name);
      const fd = fs.openSync(file, previous === undefined ? 'w' : 'r+');
      if (previous !== undefined) {
        if (fs.fstatSync(fd).size < size) {
          fs.closeSync(fd);
          throw new FileError(file, `shorter than the ${size} bytes meta.json commits; cannot resume`);
        }
        fs.ftruncateSync(fd, size);
      }
      this.#fds.set(name, fd);
      this.#ends.set(name, size);
    }
    this.#writeMeta();
  }

  /** Documents already committed (a resumed run skips this many input documents). */
  get numDocuments(): number {
    return this.meta.numDocuments;
  }

  /**
   * Stages `data` for file `name`: documents are often a line of text, so each file collects them in a
   * buffer and is written in large pieces (by `#flush`, at the latest at `commit`).
   */
  #append(name: string, data: ArrayBufferView): void {
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let staged = this.#staged.get(name);
    if (staged === undefined) {
      staged = { buffer: new Uint8Array(STAGE_BYTES), length: 0 };
      this.#staged.set(name, staged);
    }
    if (staged.length + view.length > staged.buffer.length) this.#flush(name);
    if (view.length >= staged.buffer.length) this.#write(name, view);
    else {
      staged.buffer.set(view, staged.length);
      staged.length += view.length;
    }
  }

  #flush(name: string): void {
    const staged = this.#staged.get(name);
    if (staged === undefined || staged.length === 0) return;
    this.#write(name, staged.buffer.subarray(0, staged.length));
    staged.length = 0;
  }

  #write(name: string, view: Uint8Array): void {
    const fd = this.#fds.get(name)!;
    const at = this.#ends.get(name)!;
    for (let done = 0; done < view.length; )
      done += fs.writeSync(fd, view, done, view.length - done, at + done);
    this.#ends.set(name, at + view.length);
  }

  /** Appends one document; `cues` must hold one array of the document's length per corpus cue. */
  append(bytes: Uint8Array, cues: ReadonlyMap<CueName, Float32Array>, source: number): void {
    if (source < 0 || source >= this.meta.sources.length) {
      throw new Error(`document source ${source} is outside the ${this.meta.sources.length} sources`);
    }
    for (const cue of this.meta.cues) {
      const values = cues.get(cue);
      if (values === undefined || values.length !== bytes.length) {
        throw new Error(
          `document ${this.meta.numDocuments}: ${cue} has ${values?.length ?? 0} values for ${bytes.length} bytes`,
        );
      }
    }
    this.#append(BYTES_FILE, bytes);
    for (const cue of this.meta.cues) this.#append(cueFile(cue), cues.get(cue)!);
    this.meta.numBytes += bytes.length;
    this.meta.numDocuments += 1;
    this.#append(ENDS_FILE, Float64Array.of(this.meta.numBytes));
    this.#append(SOURCES_FILE, Uint16Array.of(source));
  }

  /** Makes the appended documents durable and records them in meta.json. */
  commit(): void {
    for (const name of this.#fds.keys()) this.#flush(name);
    for (const fd of this.#fds.values()) fs.fsyncSync(fd);
    this.#writeMeta();
  }

  /** Commits, marks the corpus complete and closes the files. */
  close(): CueCorpusMeta {
    this.meta.complete = true;
    this.commit();
    for (const fd of this.#fds.values()) fs.closeSync(fd);
    this.#fds.clear();
    return this.meta;
  }

  #writeMeta(): void {
    writeJsonAtomic(path.join(this.#dir, META_FILE), this.meta);
  }
}
