/**
 * Inference throughput on the CPU: the forward pass of cue extraction and evaluation (batch × full
 * context, log-softmax included) in TensorFlow.js, in onnxruntime-node and in PyTorch on the same weights
 * (all cores and one thread), and cached greedy generation (tokens/s at batch 1 and 8) in TensorFlow.js
 * and onnxruntime. Prints JSON lines with ratios. The tfjs backend is wasm on its default thread count for
 * inference (one, as `extract predictions` and `eval` start it).
 * Usage: node dist/bench/inference.js [--configs tiny,small] [--repeats N] [--new-tokens N] [--threads N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { initBackend } from '../model/backend.js';
import { loadOnnxRuntime, OnnxLanguageModel } from '../model/onnx-runtime.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import { packageRoot } from '../utils/paths.js';
import { arg, median } from './args.js';
import { torchEnv, torchPython } from './torch-peer.js';

const CONFIGS = {
  tiny: { vocabSize: 256, blockSize: 128, nEmbd: 128, nLayer: 2, nHead: 4, batch: 8 },
  small: { vocabSize: 8192, blockSize: 256, nEmbd: 384, nLayer: 6, nHead: 6, batch: 8 },
};

async function timed(repeats: number, run: () => Promise<unknown> | unknown): Promise<number[]> {
  await run(); // warm-up
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    seconds.push((performance.now() - t0) / 1000);
  }
  return seconds;
}

function randomIds(count: number, vocab: number, seed: number): Int32Array {
  let s = seed;
  return Int32Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s % vocab;
  });
}

/** PyTorch's forward on the model's weights, through bench/inference_torch.py. */
function torchForward(
  model: TransformerModel,
  ids: Int32Array,
  batch: number,
  reference: Float32Array,
  threads: number,
  repeats: number,
): { seconds: number[]; maxAbsDiff: number; torch: string } | string {
  const python = torchPython();
  if (python === null) return 'python3 cannot import torch; install a CPU PyTorch to compare';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-bench-inference-'));
  try {
    const tensors: Array<{ name: string; shape: number[]; offset: number }> = [];
    const parts: Float32Array[] = [];
    let offset = 0;
    for (const [name, v] of model.namedParameters()) {
      tensors.push({ name, shape: [...v.shape], offset });
      parts.push(v.dataSync() as Float32Array);
      offset += v.size;
    }
    const weights = new Float32Array(offset);
    tensors.forEach((t, i) => {
      weights.set(parts[i]!, t.offset);
    });
    fs.writeFileSync(path.join(dir, 'weights.f32'), weights);
    fs.writeFileSync(path.join(dir, 'ids.i32'), ids);
    fs.writeFileSync(path.join(dir, 'reference.f32'), reference);
    const manifest = { config: model.config.toJSON(), tensors, batch, length: ids.length / batch };
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const script = path.join(packageRoot(), 'bench', 'inference_torch.py');
    const run = spawnSync(python, [script, dir, String(threads), String(repeats)], {
      encoding: 'utf8',
      env: torchEnv(threads),
    });
    if (run.status !== 0) return `PyTorch run failed: ${run.stderr.trim().split('\n').pop()}`;
    return JSON.parse(run.stdout.trim().split('\n').pop()!);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const wanted = arg('configs', 'tiny,small').split(',') as Array<keyof typeof CONFIGS>;
  const repeats = Number(arg('repeats', '5'));
  const newTokens = Number(arg('new-tokens', '32'));
  const threads = Number(arg('threads', String(os.availableParallelism())));
  await initBackend({ backend: 'wasm', log: null });
  const onnxAvailable = (await loadOnnxRuntime()) !== null;
  const load = () => os.loadavg().map((l) => +l.toFixed(2));
  for (const name of wanted) {
    const { batch, ...shape } = CONFIGS[name];
    const model = getModel('Vanilla', GPTConfig.create({ modelType: 'Vanilla', ...shape, dropout: 0 }), {
      seed: 1,
    }).eval();
    const tokens = batch * shape.blockSize;
    const ids = randomIds(tokens, shape.vocabSize, 3);
    const rows = Array.from({ length: batch }, (_, b) =>
      ids.subarray(b * shape.blockSize, (b + 1) * shape.blockSize),
    );
    const tfjsForward = () =>
      tf.tidy(() => tf.logSoftmax(model.forward({ inputIds: rows }).logits).dataSync() as Float32Array);
    const reference = tfjsForward();
    const results: Record<string, number> = {};
    const line = (fields: Record<string, unknown>) =>
      console.log(JSON.stringify({ bench: 'inference', config: name, batch, ...fields, load: load() }));

    const tfjsSeconds = await timed(repeats, tfjsForward);
    results.tfjs = tokens / median(tfjsSeconds);
    line({
      runtime: 'tfjs-wasm',
      tokensPerSecond: Math.round(results.tfjs),
      seconds: tfjsSeconds.map((s) => +s.toFixed(3)),
    });
    // Evaluation's tfjs path reads back only the mean loss (trainers/text-eval.ts), not every log-probability:
    // timed on its own, so onnx's ratio against the path `eval --runtime tfjs` really takes is printed too.
    const targets = tf.tensor2d(randomIds(tokens, shape.vocabSize, 5), [batch, shape.blockSize], 'int32');
    const tfjsEvalSeconds = await timed(repeats, () =>
      tf.tidy(() => model.forward({ inputIds: rows, targets }).loss!.dataSync()),
    );
    targets.dispose();
    results.tfjsEval = tokens / median(tfjsEvalSeconds);
    line({
      runtime: 'tfjs-wasm',
      path: 'evaluation (mean loss only)',
      tokensPerSecond: Math.round(results.tfjsEval),
      seconds: tfjsEvalSeconds.map((s) => +s.toFixed(3)),
    });

    for (const [peer, peerThreads] of [
      ['pytorch', os.availableParallelism()],
      ['pytorch1Thread', 1],
    ] as const) {
      const torch = torchForward(model, ids, batch, reference, peerThreads, repeats);
      if (typeof torch === 'string') {
        line({ runtime: peer, skipped: torch });
        continue;
      }
      results[peer] = tokens / median(torch.seconds);
      line({
        runtime: peer,
        version: torch.torch,
        threads: peerThreads,
        tokensPerSecond: Math.round(results[peer]),
        seconds: torch.seconds.map((s) => +s.toFixed(3)),
        maxAbsDiffFromTfjs: torch.maxAbsDiff,
      });
    }

    if (!onnxAvailable) {
      line({ runtime: 'onnx', skipped: 'onnxruntime-node is not installed' });
      model.dispose();
      continue;
    }
    const scorer = await OnnxLanguageModel.fromModel(model, {
      output: 'log_probs',
      pastKeyValues: false,
      threads,
    });
    let maxDiff = 0;
    const { values } = await scorer.run(ids, batch);
    for (let i = 0; i < values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(values[i]! - reference[i]!));
    const onnxSeconds = await timed(repeats, () => scorer.run(ids, batch));
    const onnx = tokens / median(onnxSeconds);
    line({
      runtime: 'onnx',
      threads,
      tokensPerSecond: Math.round(onnx),
      seconds: onnxSeconds.map((s) => +s.toFixed(3)),
      maxAbsDiffFromTfjs: +maxDiff.toExponential(2),
      ratios: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, +(onnx / v).toFixed(2)])),
    });
    await scorer.dispose();

    // Cached greedy generation from 16-token prompts, batch 1 and 8, both runtimes; same tokens expected.
    const generator = await OnnxLanguageModel.fromModel(model, { threads });
    for (const rowsPerBatch of [1, 8]) {
      const prompts = Array.from({ length: rowsPerBatch }, (_, b) =>
        Array.from(ids.subarray(b * 16, b * 16 + 16)),
      );
      const options = { maxNewTokens: newTokens, temperature: 0 };
      let onnxOut: number[][] = [];
      let tfjsOut: number[][] = [];
      const onnxGen = await timed(Math.min(repeats, 3), async () => {
        onnxOut = await generator.generate(prompts, options);
      });
      const tfjsGen = await timed(Math.min(repeats, 3), () => {
        tfjsOut = model.generate(prompts, options);
      });
      const rate = (s: number[]) => Math.round((rowsPerBatch * newTokens) / median(s));
      line({
        runtime: 'generate',
        batch: rowsPerBatch,
        newTokens,
        onnxTokensPerSecond: rate(onnxGen),
        tfjsTokensPerSecond: rate(tfjsGen),
        ratio: +(median(tfjsGen) / median(onnxGen)).toFixed(2),
        identicalTokens: JSON.stringify(onnxOut) === JSON.stringify(tfjsOut),
      });
    }
    await generator.dispose();
    model.dispose();
  }
}

await main();
