/**
 * safetensors files (the Hugging Face tensor format): an 8-byte little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets}}` and the raw little-endian data. float32 and int32 only,
 * which is all cleangpt stores. Leaf module: imports nothing from the project but fs helpers.
 */
import * as fs from 'node:fs';
import { FileError, writeFileAtomic } from './fs.js';

export interface StoredTensor {
  data: Float32Array | Int32Array;
  shape: number[];
}

const DTYPES = { F32: Float32Array, I32: Int32Array } as const;

/** Writes `tensors` (sorted by name, as the reference writers do) with optional string metadata. */
export function writeSafetensors(
  file: string,
  tensors: Record<string, StoredTensor>,
  metadata?: Record<string, string>,
): void {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { data, shape } = tensors[name]!;
    const expected = shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new Error(`tensor ${name}: ${data.length} values for shape [${shape.join(', ')}]`);
    header[name] = {
      dtype: data instanceof Float32Array ? 'F32' : 'I32',
      shape,
      data_offsets: [offset, offset + data.byteLength],
    };
    offset += data.byteLength;
  }
  // Pad the header with spaces so the data starts 8-byte aligned (allowed by the format).
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors[name]!;
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, at);
    at += data.byteLength;
  }
  writeFileAtomic(file, out);
}

export interface SafetensorsFile {
  tensors: Record<string, StoredTensor>;
  metadata: Record<string, string>;
}

export function readSafetensors(file: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new FileError(file, 'safetensors file not found');
  }
  if (bytes.length < 8) throw new FileError(file, 'too short to be a safetensors file');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (8 + headerLength > bytes.length)
    throw new FileError(file, `header length ${headerLength} exceeds the file size`);
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  } catch (error) {
    throw new FileError(file, `corrupt safetensors header (${(error as Error).message})`);
  }
  const base = 8 + headerLength;
  const tensors: Record<string, StoredTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const Ctor = DTYPES[dtype as keyof typeof DTYPES];
    if (Ctor === undefined)
      throw new FileError(file, `tensor ${name}: unsupported dtype ${dtype} (F32 and I32 are supported)`);
    const [start, end] = offsets;
    if (base + end > bytes.length || end < start)
      throw new FileError(file, `tensor ${name}: data range outside the file`);
    // Copy into a fresh, aligned buffer (the header length need not be aligned in files written elsewhere).
    const copy = new Uint8Array(end - start);
    copy.set(bytes.subarray(base + start, base + end));
    const data = new Ctor(copy.buffer);
    if (data.length !== shape.reduce((a, b) => a * b, 1))
      throw new FileError(file, `tensor ${name}: size does not match its shape`);
    tensors[name] = { data, shape };
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string> | undefined) ?? {} };
}
