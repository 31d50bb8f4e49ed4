import * as os from 'node:os';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { AUTO_THREADS_MIN_WIDTH, initBackend, requestedWasmThreads } from '../model/backend.js';
import { getModel } from '../model/registry.js';

// tfjs keeps one wasm module per process: this file starts it with two threads (its own jest module
// registry), the other model tests with one.

afterEach(() => {
  delete process.env.CLEANGPT_WASM_THREADS;
});

test('thread counts are checked before anything starts', async () => {
  const cores = os.availableParallelism();
  await expect(initBackend({ backend: 'wasm', wasmThreads: 0, log: null })).rejects.toThrow(
    /wasm threads: expected auto or an integer from 1 to \d .*got "0"/,
  );
  // More threads than cores would only wait on each other.
  await expect(initBackend({ backend: 'wasm', wasmThreads: cores + 1, log: null })).rejects.toThrow(
    new RegExp(`this machine's ${cores} cores.*got "${cores + 1}"`),
  );
  process.env.CLEANGPT_WASM_THREADS = 'two';
  await expect(initBackend({ backend: 'wasm', log: null })).rejects.toThrow(
    /CLEANGPT_WASM_THREADS: .*got "two"/,
  );
});

test('auto threads: every core (at most 8) for wide models, one for narrow ones or an unknown width', () => {
  const all = Math.min(os.availableParallelism(), 8);
  expect(requestedWasmThreads({ modelWidth: AUTO_THREADS_MIN_WIDTH })).toBe(all);
  expect(requestedWasmThreads({ wasmThreads: 'auto', modelWidth: 384 })).toBe(all);
  expect(requestedWasmThreads({ modelWidth: AUTO_THREADS_MIN_WIDTH - 1 })).toBe(1);
  expect(requestedWasmThreads({})).toBe(1);
  process.env.CLEANGPT_WASM_THREADS = '1';
  expect(requestedWasmThreads({ modelWidth: 384 })).toBe(1);
});

test('the threaded wasm binary runs on two threads and gives the single-threaded results', async () => {
  const lines: string[] = [];
  await initBackend({ backend: 'wasm', wasmThreads: 2, log: (l) => lines.push(l) });
  expect(getThreadsCount()).toBe(2);
  expect(lines).toEqual(['cleangpt: TensorFlow.js backend "wasm", 2 threads']);
  await expect(initBackend({ backend: 'wasm', wasmThreads: 1, log: null })).rejects.toThrow(
    /already runs with 2 thread\(s\), not 1/,
  );

  const config = GPTConfig.create({
    modelType: 'Vanilla',
    vocabSize: 64,
    blockSize: 32,
    nEmbd: 64,
    nLayer: 2,
    nHead: 4,
    dropout: 0,
  });
  const inputIds = [Array.from({ length: 32 }, (_, i) => (i * 7) % 64)];
  const run = () => {
    const model = getModel('Vanilla', config, { seed: 3 });
    const { logits, loss } = model.forward({ inputIds, targets: inputIds });
    const grads = tf.variableGrads(() => model.forward({ inputIds, targets: inputIds }).loss!);
    // The gradient of the first block's attention projection goes through every fused kernel.
    const attn = model.param('transformer.h.0.attn.c_attn.weight');
    const out = {
      logits: Array.from(logits.dataSync()),
      loss: loss!.dataSync()[0]!,
      grad: Array.from(grads.grads[attn.name]!.dataSync()),
    };
    tf.dispose([logits, loss!, grads.value, ...Object.values(grads.grads)]);
    model.dispose();
    return out;
  };
  const threaded = run();
  await initBackend({ backend: 'cpu', log: null });
  const reference = run();
  await initBackend({ backend: 'wasm', log: null });
  expect(Math.abs(threaded.loss - reference.loss)).toBeLessThan(1e-4);
  const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
  expect(maxDiff(threaded.logits, reference.logits)).toBeLessThan(1e-4);
  expect(maxDiff(threaded.grad, reference.grad)).toBeLessThan(1e-4);
});
