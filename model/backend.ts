/**
 * Chooses and initialises the TensorFlow.js backend.
 *
 * Preference: `tensorflow` (native libtensorflow, only when the user installed the optional peer
 * `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`), then `wasm`, then `cpu`. `webgpu` is used only
 * when asked for, because in Node it needs a WebGPU implementation (the `webgpu` npm package) and a GPU.
 * Nothing happens at import time; call `initBackend` once before building models.
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { registerThreadedWasm } from './wasm-threads.js';
import { useJsTranspose } from './wasm-transpose.js';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** A backend name or `auto`; defaults to `$CLEANGPT_BACKEND`, then `auto`. */
  backend?: BackendName | 'auto';
  /**
   * Threads of the wasm backend's XNNPACK kernels, or `auto`; defaults to `$CLEANGPT_WASM_THREADS`, then
   * `auto`: every core (at most 8) for models at least `AUTO_THREADS_MIN_WIDTH` wide, one thread for
   * narrower ones or when `modelWidth` is not given (their products are too small to split profitably).
   * More than one loads tfjs's multi-threaded binary (wasm-threads.ts). Fixed by the first wasm start in
   * a process.
   */
  wasmThreads?: number | 'auto';
  /** Width (nEmbd) of the model about to run, for the `auto` thread choice. */
  modelWidth?: number;
  /** Where the one-line choice is reported; defaults to stderr. Pass `null` to stay silent. */
  log?: ((line: string) => void) | null;
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

const require = createRequire(import.meta.url);

// Optional peers are imported through a variable so TypeScript and bundlers do not require them.
async function importOptional(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return false;
    throw new BackendError(`${name} is installed but failed to load: ${(error as Error).message}`);
  }
}

async function prepareTensorflow(): Promise<boolean> {
  // Each package registers the `tensorflow` backend with the tfjs-core it depends on; it must be the same
  // tfjs-core version as cleangpt's, or the registration lands in another engine and is not seen here.
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (await importOptional(name)) return tf.findBackendFactory('tensorflow') !== null;
  }
  return false;
}

/** Narrower models train faster on one wasm thread (bench:model, see the README's profile). */
export const AUTO_THREADS_MIN_WIDTH = 256;
// tfjs's wasm thread pool holds at most 8 threads.
const MAX_WASM_THREADS = 8;

/** The wasm thread count that `options` (or `$CLEANGPT_WASM_THREADS`) ask for, `auto` resolved. */
export function requestedWasmThreads(options: BackendOptions): number {
  const raw = options.wasmThreads ?? process.env.CLEANGPT_WASM_THREADS ?? 'auto';
  const cores = os.availableParallelism();
  if (raw === 'auto') {
    const wide = (options.modelWidth ?? 0) >= AUTO_THREADS_MIN_WIDTH;
    return wide ? Math.min(cores, MAX_WASM_THREADS) : 1;
  }
  const threads = Number(raw);
  const limit = Math.min(cores, MAX_WASM_THREADS);
  if (!Number.isInteger(threads) || threads < 1 || threads > limit) {
    const source = options.wasmThreads !== undefined ? 'wasm threads' : 'CLEANGPT_WASM_THREADS';
    throw new BackendError(
      `${source}: expected auto or an integer from 1 to ${limit} (this machine's ${cores} cores, tfjs's pool of ${MAX_WASM_THREADS}), got "${raw}"`,
    );
  }
  return threads;
}

// tfjs keeps one wasm module per process, so its thread count is decided once (null: not started yet).
let wasmThreads: number | null = null;

async function prepareWasm(options: BackendOptions): Promise<boolean> {
  const threads = requestedWasmThreads(options);
  if (wasmThreads !== null) {
    if (options.wasmThreads !== undefined && threads !== wasmThreads) {
      throw new BackendError(`the wasm backend already runs with ${wasmThreads} thread(s), not ${threads}`);
    }
    return true;
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (threads > 1) await registerThreadedWasm(threads);
  else {
    // In Node the .wasm binaries are read from disk, so the prefix is a directory path, not a URL.
    const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(`${distDir}${path.sep}`);
  }
  wasmThreads = threads;
  return true;
}

async function prepareCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return true;
}

async function prepareWebgpu(): Promise<boolean> {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu === undefined) {
    let webgpu: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
    try {
      webgpu = (await import('webgpu' as string)) as typeof webgpu;
    } catch {
      throw new BackendError('backend "webgpu" needs a WebGPU implementation; install the "webgpu" package');
    }
    // tfjs-backend-webgpu looks for navigator.gpu and the GPU* classes on the global object.
    Object.assign(globalThis, webgpu.globals);
    const gpu = webgpu.create([]);
    if (nav === undefined)
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    else Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  }
  await import('@tensorflow/tfjs-backend-webgpu' as string);
  return true;
}

const PREPARE: Record<BackendName, (options: BackendOptions) => Promise<boolean>> = {
  tensorflow: prepareTensorflow,
  wasm: prepareWasm,
  cpu: prepareCpu,
  webgpu: prepareWebgpu,
};

function requestedBackend(options: BackendOptions): BackendName | 'auto' {
  const raw = options.backend ?? process.env.CLEANGPT_BACKEND ?? 'auto';
  if (raw === 'auto' || (BACKEND_NAMES as readonly string[]).includes(raw))
    return raw as BackendName | 'auto';
  const source = options.backend !== undefined ? 'backend option' : 'CLEANGPT_BACKEND';
  throw new BackendError(`${source}: unknown backend "${raw}"; expected auto, ${BACKEND_NAMES.join(', ')}`);
}

async function activate(name: BackendName, options: BackendOptions): Promise<boolean> {
  if (!(await PREPARE[name](options))) return false;
  if (!(await tf.setBackend(name))) return false;
  if (name === 'wasm') useJsTranspose();
  if (name === 'cpu') {
    // The cpu backend prints a multi-line "install tfjs-node" banner on its first tensor; our own log
    // line already says which backend runs, so the banner is switched off for this instance.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  return true;
}

/**
 * Initialises and selects a backend; returns its name. An explicitly requested backend that cannot be
 * started is an error; `auto` falls through tensorflow → wasm → cpu and logs the choice once.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendName> {
  const requested = requestedBackend(options);
  const log = options.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.log;
  let chosen: BackendName | null = null;
  if (requested !== 'auto') {
    if (!(await activate(requested, options)))
      throw new BackendError(`backend "${requested}" is not available`);
    chosen = requested;
  } else {
    for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
      if (await activate(name, options)) {
        chosen = name;
        break;
      }
    }
    if (chosen === null) throw new BackendError('no TensorFlow.js backend could be initialised');
  }
  if (tf.getBackend() !== chosen) throw new BackendError(`backend "${chosen}" registered but not active`);
  if (log !== null && !loggedChoices.has(chosen)) {
    loggedChoices.add(chosen);
    const threads = chosen === 'wasm' && wasmThreads! > 1 ? `, ${wasmThreads} threads` : '';
    log(`cleangpt: TensorFlow.js backend "${chosen}"${requested === 'auto' ? ' (auto)' : ''}${threads}`);
  }
  return chosen;
}

// Logging "once" is per process and per backend: re-initialising the same backend stays quiet.
const loggedChoices = new Set<BackendName>();
