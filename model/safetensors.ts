/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * {dtype, shape, data_offsets} (plus optional string `__metadata__`), then the raw little-endian data.
 * Only F32 is written; F32 is also the only dtype read, other dtypes are reported by name.
 */
import * as fs from 'node:fs';
import { FileError, writeFileAtomic } from '../utils/fs.js';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/** Serialises tensors (sorted by name, 8-byte aligned data) and writes them atomically. */
export function writeSafetensors(
  file: string,
  tensors: Map<string, NamedTensor>,
  metadata: Record<string, string> = {},
): void {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors.get(name)!;
    const expected = shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected)
      throw new FileError(file, `tensor ${name}: ${data.length} values for shape [${shape}]`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = tensors.get(name)!;
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, position);
    position += data.byteLength;
  }
  writeFileAtomic(file, out);
}

export function readSafetensors(file: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new FileError(file, `cannot read safetensors file (${(error as Error).message})`);
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
    throw new FileError(file, `safetensors header is not valid JSON (${(error as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: offsets,
    } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32')
      throw new FileError(file, `tensor ${name} has dtype ${dtype}; only F32 is supported`);
    const [begin, end] = offsets;
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || dataStart + end > bytes.length || begin < 0) {
      throw new FileError(
        file,
        `tensor ${name}: data_offsets [${begin}, ${end}] do not fit shape [${shape}] and the file`,
      );
    }
    // Copy into an aligned buffer; the slice in the file need not be 4-byte aligned in memory.
    const data = new Float32Array(count);
    Buffer.from(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape, data });
  }
  return { tensors, metadata };
}
