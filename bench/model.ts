/**
 * Training throughput (tokens/s of forward + backward + Adam step) for fixed configs on every available
 * TensorFlow.js backend, and the same model and step in PyTorch when `python3 -c 'import torch'` works.
 * Prints JSON lines. Usage: node dist/bench/model.js [--steps N] [--configs tiny,small] [--backends wasm,cpu]
 *   [--model Vanilla|SASP] [--batch N] [--wasm-threads N] [--torch-device cpu|cuda]
 * PyTorch runs twice, with one thread per core and with one thread; the wasm backend with `--wasm-threads`
 * (default $CLEANGPT_WASM_THREADS, else auto from the first config's width), fixed for the whole process.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { type BackendName, initBackend } from '../model/backend.js';
import { getModel } from '../model/registry.js';
import { packageRoot } from '../utils/paths.js';
import { arg, median } from './args.js';
import { torchEnv, torchPython } from './torch-peer.js';

interface BenchConfig {
  name: string;
  vocab: number;
  ctx: number;
  width: number;
  layers: number;
  heads: number;
  batch: number;
}

const CONFIGS: BenchConfig[] = [
  { name: 'tiny', vocab: 256, ctx: 128, width: 128, layers: 2, heads: 4, batch: 8 },
  { name: 'small', vocab: 8192, ctx: 256, width: 384, layers: 6, heads: 6, batch: 8 },
];

// Where the PyTorch peer runs: cpu, or cuda on a GPU machine (bench/gpu.ts).
const torchDevice = arg('torch-device', 'cpu');

function batchOf(c: BenchConfig, seed: number): number[][] {
  let s = seed;
  return Array.from({ length: c.batch }, () =>
    Array.from({ length: c.ctx }, () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s % c.vocab;
    }),
  );
}

/** Times `steps` training steps after one warm-up; returns per-step seconds. */
async function timeTfjs(
  c: BenchConfig,
  modelType: string,
  steps: number,
): Promise<{ stepSeconds: number[]; kernels: Array<[string, number]> }> {
  const config = GPTConfig.create({
    modelType,
    vocabSize: c.vocab,
    blockSize: c.ctx,
    nEmbd: c.width,
    nLayer: c.layers,
    nHead: c.heads,
    dropout: 0,
    bias: false,
  });
  const model = getModel(modelType, config, { seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const inputIds = batchOf(c, 1);
  const targets = batchOf(c, 2);
  // The loss is read asynchronously: webgpu's synchronous read needs OffscreenCanvas, which Node lacks.
  const step = async () => {
    const loss = optimizer.minimize(
      () => model.forward({ inputIds, targets }).loss!,
      true,
      model.trainableVariables(),
    )!;
    await loss.data();
    loss.dispose();
  };
  await step();
  const stepSeconds: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    stepSeconds.push((performance.now() - t0) / 1000);
  }
  const kernels = await profileKernels(step);
  optimizer.dispose();
  model.dispose();
  return { stepSeconds, kernels };
}

/** Milliseconds per kernel name over one profiled step, largest first. */
async function profileKernels(step: () => Promise<void>): Promise<Array<[string, number]>> {
  const profile = await tf.profile(step);
  const byName = new Map<string, number>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, (byName.get(k.name) ?? 0) + ms);
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([n, ms]) => [n, Math.round(ms)]);
}

interface TorchRun {
  stepSeconds: number[];
  version: string;
  threads: number;
}

/** PyTorch's step times on `threads` threads (its OpenMP pool and OpenBLAS's own). */
function timeTorch(c: BenchConfig, steps: number, threads: number): TorchRun | string {
  const python = torchPython();
  if (python === null) return 'python3 cannot import torch; install a CPU PyTorch to compare';
  const script = path.join(packageRoot(), 'bench', 'model_torch.py');
  const run = spawnSync(python, [script, JSON.stringify(c), String(steps), String(threads), torchDevice], {
    encoding: 'utf8',
    env: torchEnv(threads),
  });
  if (run.status !== 0) return `PyTorch run failed: ${run.stderr.trim().split('\n').pop()}`;
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
  return { stepSeconds: out.stepSeconds, version: out.torch, threads: out.threads };
}

async function main(): Promise<void> {
  const steps = Number(arg('steps', '3'));
  const wanted = arg('configs', 'tiny,small').split(',');
  const backends = arg('backends', 'wasm,cpu').split(',') as BackendName[];
  const threadsArg = arg('wasm-threads', '');
  const wasmThreads = threadsArg === '' ? undefined : Number(threadsArg);
  const modelType = arg('model', 'Vanilla');
  // --batch overrides the batch size of every selected config.
  const batchOverride = arg('batch', '');
  const selected = CONFIGS.filter((x) => wanted.includes(x.name)).map((x) =>
    batchOverride === '' ? x : { ...x, batch: Number(batchOverride) },
  );
  for (const c of selected) {
    const tokens = c.batch * c.ctx;
    // PyTorch on every core (its default use of the machine) and on one thread: on a shared 2-core machine a
    // busy core makes its two threads wait on each other, so the one-thread figure is the steadier peer.
    const peers = new Map<string, { median: number; best: number }>();
    for (const [peer, threads] of [
      ['pytorch', os.availableParallelism()],
      ['pytorch1Thread', 1],
    ] as const) {
      const torch = timeTorch(c, steps, threads);
      if (typeof torch === 'string') {
        console.log(JSON.stringify({ bench: 'model-train', config: c.name, peer, skipped: torch }));
        continue;
      }
      peers.set(peer, {
        median: tokens / median(torch.stepSeconds),
        // On a shared machine the fastest step of each side is the least disturbed one.
        best: tokens / Math.min(...torch.stepSeconds),
      });
      console.log(
        JSON.stringify({
          bench: 'model-train',
          config: c.name,
          peer,
          version: torch.version,
          threads: torch.threads,
          tokensPerSecond: Math.round(peers.get(peer)!.median),
          stepSeconds: torch.stepSeconds.map((s) => +s.toFixed(3)),
        }),
      );
    }
    for (const backend of backends) {
      try {
        // Threads are fixed by the first wasm start: run one config per process for each its own auto choice.
        await initBackend({ backend, wasmThreads, modelWidth: c.width, log: null });
      } catch (error) {
        console.log(
          JSON.stringify({
            bench: 'model-train',
            config: c.name,
            backend,
            skipped: (error as Error).message,
          }),
        );
        continue;
      }
      const { stepSeconds, kernels } = await timeTfjs(c, modelType, steps);
      const tokS = tokens / median(stepSeconds);
      console.log(
        JSON.stringify({
          bench: 'model-train',
          config: c.name,
          batch: c.batch,
          model: modelType,
          backend,
          ...(backend === 'wasm' ? { threads: getThreadsCount() } : {}),
          tokensPerSecond: Math.round(tokS),
          spread: [
            Math.round(tokens / Math.max(...stepSeconds)),
            Math.round(tokens / Math.min(...stepSeconds)),
          ],
          stepSeconds: stepSeconds.map((s) => +s.toFixed(3)),
          // Median step against median step, and fastest against fastest, for each PyTorch peer.
          ratios: Object.fromEntries(
            [...peers].map(([peer, t]) => [
              peer,
              {
                median: +(tokS / t.median).toFixed(3),
                best: +(tokens / Math.min(...stepSeconds) / t.best).toFixed(3),
              },
            ]),
          ),
          topKernelsMs: Object.fromEntries(kernels),
        }),
      );
    }
  }
}

await main();
