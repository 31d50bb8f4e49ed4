/** Test helper: reads a PNG's size from its signature and IHDR chunk, failing on anything else. */
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  SIGNATURE.forEach((b, i) => {
    if (bytes[i] !== b) throw new Error(`not a PNG: byte ${i} is ${bytes[i]}, expected ${b}`);
  });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkLength = view.getUint32(8);
  const chunkType = String.fromCharCode(...bytes.subarray(12, 16));
  if (chunkType !== 'IHDR' || chunkLength !== 13)
    throw new Error(`first chunk is ${chunkType} (${chunkLength} bytes), expected IHDR (13)`);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
