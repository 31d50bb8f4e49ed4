/**
 * A pthread of tfjs-backend-wasm's multi-threaded build, run by Node's worker_threads (see
 * wasm-threads.ts). Emscripten's own worker script ships as a string inside the package and expects the
 * CommonJS globals `require` and `__filename`, which an ES module worker lacks; it then loads the module
 * factory from the path it is sent (`mainScriptUrlOrBlob`).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { wasmWorkerContents } =
  require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
Object.assign(globalThis, { require, __filename: fileURLToPath(import.meta.url) });
// The string holds literal newlines inside its string literals (tfjs escapes them the same way before
// making a Blob of it); it must run at global scope, where it defines the worker's message handler.
// Called through another name, eval runs its code at global scope (an indirect eval).
// biome-ignore lint/security/noGlobalEval: emscripten's worker is only shipped as source text
const globalEval = eval;
globalEval(wasmWorkerContents.replace(/\n/g, '\\n'));
