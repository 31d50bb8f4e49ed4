/**
 * The GPU run of bench:model, bundled into one file for a GPU machine without Node.js packages (recipe:
 * ../shared/gpu/README.md, script: bench/gpu-run.sh): gives TensorFlow.js the WebGPU implementation of
 * Dawn's `dawn.node` (path in $DAWN_NODE), then runs bench/model.ts with the arguments given, e.g.
 * `--backends webgpu --torch-device cuda`. Never run by the tests.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const dawnPath = process.env.DAWN_NODE;
if (dawnPath === undefined)
  throw new Error('set DAWN_NODE to the path of dawn.node (from the webgpu package)');
const dawn = require(path.resolve(dawnPath)) as {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
};
// tfjs-backend-webgpu registers itself only when navigator.gpu exists as it is imported.
Object.assign(globalThis, dawn.globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]) }, configurable: true });
await import('./model.js');
