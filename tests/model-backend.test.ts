import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../model/backend.js';

afterEach(() => {
  delete process.env.CLEANGPT_BACKEND;
});

test('auto picks wasm when no native TensorFlow is installed, and logs the choice once', async () => {
  const lines: string[] = [];
  const chosen = await initBackend({ log: (l) => lines.push(l) });
  expect(['tensorflow', 'wasm']).toContain(chosen);
  expect(tf.getBackend()).toBe(chosen);
  await initBackend({ log: (l) => lines.push(l) });
  expect(lines.length).toBeLessThanOrEqual(1);
  // The wasm binaries load from disk in Node: a real product must come out.
  expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
});

test('CLEANGPT_BACKEND selects cpu without the tfjs-node banner; the option wins over the variable', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  process.env.CLEANGPT_BACKEND = 'cpu';
  expect(await initBackend({ log: null })).toBe('cpu');
  tf.tensor1d([1, 2, 3]).dataSync();
  expect(warn.mock.calls.flat().join(' ')).not.toMatch(/tfjs-node/);
  warn.mockRestore();
  expect(await initBackend({ backend: 'wasm', log: null })).toBe('wasm');
});

test('unknown backend names are clear errors', async () => {
  process.env.CLEANGPT_BACKEND = 'tpu';
  await expect(initBackend({ log: null })).rejects.toThrow(/CLEANGPT_BACKEND: unknown backend "tpu"/);
  await expect(initBackend({ backend: 'gpu' as never, log: null })).rejects.toThrow(
    /backend option: unknown backend "gpu"/,
  );
});
