/**
 * A faster Transpose for the wasm backend, written in JavaScript over the wasm heap.
 *
 * tfjs-wasm's Transpose kernel is slow on tall matrices: the [2048, 384] → [384, 2048] transpose of a
 * weight gradient's input took 10.9 ms against 1.5 ms for a tiled JS loop over the same heap, [8192, 384]
 * 106 ms against 12 (fastest of 15 alternating runs each, same process), and the small config's training
 * step runs dozens of them. Permutations that are not a 2-D transpose after merging adjacent axes (the
 * attention layouts) keep tfjs's kernel, which is as fast there. `useJsTranspose` swaps the kernel in
 * once the backend has started, so tfjs's own kernels that call their Transpose directly (reductions
 * over leading axes) keep theirs.
 */
import * as tf from '@tensorflow/tfjs-core';

type TypedArray = Float32Array | Int32Array | Uint8Array;

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): TypedArray;
}

/** Drops size-1 axes and merges axes that stay neighbours in order: fewer, longer loops. */
export function simplifyPermutation(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  // Source axes renumbered among the kept (not size-1) ones, so neighbours across a dropped axis merge.
  const kept = shape.map((_, axis) => axis).filter((axis) => shape[axis]! !== 1);
  const keptShape = kept.map((axis) => shape[axis]!);
  const order = perm.filter((axis) => shape[axis]! !== 1).map((axis) => kept.indexOf(axis));
  // Groups of source axes that appear consecutively (in source order) in the output.
  const groups: number[][] = [];
  for (const axis of order) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1]! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const bySource = [...groups].sort((a, b) => a[0]! - b[0]!);
  const merged = bySource.map((g) => g.reduce((size, axis) => size * keptShape[axis]!, 1));
  return { shape: merged, perm: groups.map((g) => bySource.indexOf(g)) };
}

/**
 * out[c][r] = src[r][c] for src [rows, cols]: writes in order within 32-row tiles, so the strided reads
 * of a tile stay in cache (the fastest of the loop orders measured, 3–9× tfjs's kernel on tall matrices).
 */
export function transpose2d(src: TypedArray, out: TypedArray, rows: number, cols: number): void {
  const tile = 32;
  for (let c0 = 0; c0 < cols; c0 += tile) {
    const c1 = Math.min(cols, c0 + tile);
    for (let r0 = 0; r0 < rows; r0 += tile) {
      const r1 = Math.min(rows, r0 + tile);
      for (let c = c0; c < c1; c++) {
        let o = c * rows + r0;
        for (let r = r0, from = r0 * cols + c; r < r1; r++, from += cols) out[o++] = src[from]!;
      }
    }
  }
}

/**
 * The kernel: a permutation that reduces to a 2-D transpose (a matrix, or the [B·T, d] ↔ [d, B·T] of
 * the weight gradients) runs `transpose2d`; any other keeps tfjs's kernel, which is as fast or faster
 * for the attention layouts (measured per shape, see the README's profile).
 */
function transposeKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const perm = (args.attrs as unknown as { perm: number[] }).perm;
    const simple = simplifyPermutation(x.shape, perm);
    if (simple.shape.length !== 2) return original(args);
    const wasm = args.backend as unknown as WasmBackendLike;
    const out = wasm.makeOutput(
      perm.map((axis) => x.shape[axis]!),
      x.dtype,
    );
    transpose2d(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(out), simple.shape[0]!, simple.shape[1]!);
    return out;
  };
}

let installed = false;

/** Puts `transposeKernel` in place of the wasm backend's registered Transpose (once, after it starts). */
export function useJsTranspose(): void {
  if (installed) return;
  const original = tf.getKernel('Transpose', 'wasm');
  if (original === undefined) return;
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel({
    kernelName: 'Transpose',
    backendName: 'wasm',
    kernelFunc: transposeKernel(original.kernelFunc),
  });
  installed = true;
}
