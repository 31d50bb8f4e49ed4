/**
 * How the benchmarks start their PyTorch peers: which interpreter has torch, and the environment that lets
 * it run at its best on this kind of VM.
 */
import { spawnSync } from 'node:child_process';

/** A python3 that imports torch (Debian's python3-torch lives under /usr/bin, which pyenv may shadow), or null. */
export function torchPython(): string | null {
  return (
    ['python3', '/usr/bin/python3'].find(
      (exe) => spawnSync(exe, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0,
    ) ?? null
  );
}

/**
 * The peer's environment on `threads` threads. glibc would hand large buffers back to the OS after every
 * pass and fault them in again on the next (2–2.5× slower inference here), so its mmap and trim thresholds
 * are raised; OpenBLAS ignores torch.set_num_threads, so its own count is set too.
 */
export function torchEnv(threads: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295',
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
  };
}
