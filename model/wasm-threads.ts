/**
 * The multi-threaded build of tfjs-backend-wasm in Node.
 *
 * tfjs 4.22 never picks its threaded binary in Node (the WASM_HAS_MULTITHREAD_SUPPORT flag is false there,
 * tensorflow/tfjs#3830), and its loader could not start the threads anyway: it hands emscripten a Blob URL
 * for the pthread worker script, which worker_threads cannot load. `registerThreadedWasm` registers a
 * `wasm` backend factory that loads the same binary with a worker script on disk
 * (wasm-thread-worker.ts), so XNNPACK's matrix products, convolutions and element-wise kernels run on
 * `threads` threads. Kernels and results are those of the single-threaded build.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { compiledWorkerUrl } from '../utils/worker-url.js';

const require = createRequire(import.meta.url);

// The slice of the emscripten module object used here (tfjs's BackendWasm reads the rest).
interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: Array<{ unref(): void }> };
  tfjs?: Record<string, (...args: number[]) => number>;
}

type Imports = { env: Record<string, unknown> };
type ModuleFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;
type Instantiated = { instance: unknown; module: unknown };
// The WebAssembly JS API is outside this project's TypeScript libs (no DOM lib); this is the one call used.
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: Imports): Promise<Instantiated> };
};

/** Replaces the `wasm` backend factory by one that runs the threaded binary on `threads` threads. */
export async function registerThreadedWasm(threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 2) {
    throw new RangeError(`threaded wasm needs at least 2 threads, got ${threads}`);
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const packageDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const factoryScript = path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const binary = path.join(packageDir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const worker = fileURLToPath(compiledWorkerUrl(import.meta.url, 'wasm-thread-worker.js'));
  const factory = require(factoryScript) as ModuleFactory;

  const instantiate = () =>
    new Promise<EmscriptenModule>((resolve, reject) => {
      factory({
        locateFile: (file: string) => (file.endsWith('.worker.js') ? worker : binary),
        // Each pthread loads the module factory from this path (a string, not tfjs's Blob).
        mainScriptUrlOrBlob: factoryScript,
        instantiateWasm: (imports: Imports, receive: (instance: unknown, module: unknown) => void) => {
          // tfjs caps its pool at half the logical cores (it assumes two hyper-threads per core).
          imports.env.emscripten_num_logical_cores = () => 2 * threads;
          WebAssembly.instantiate(fs.readFileSync(binary), imports).then(
            ({ instance, module }) => receive(instance, module),
            reject,
          );
          return {};
        },
        onAbort: (what: unknown) => reject(new Error(`threaded wasm backend aborted: ${String(what)}`)),
      }).then(resolve, reject);
    });

  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await instantiate();
      // The bridge tfjs's own loader attaches before constructing the backend.
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      wasm.setThreadsCount(threads);
      const backend = new wasm.BackendWasm(module as never);
      // The pool's threads live as long as the process; they must not keep Node from exiting.
      for (const thread of module.PThread.runningWorkers) thread.unref();
      return backend;
    },
    2,
  );
}
