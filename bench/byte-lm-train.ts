/**
 * One run of the transformer budget sweep (README, ByteSpan: what the cue model must be worth): trains the
 * study's byte LM (BYTE_CUE_LM, optionally with model-size overrides) on S0 for a number of optimiser
 * steps on one wasm thread, measures its bits per byte on the whole of S2 (every byte predicted once, in
 * windows of the model's context), and keeps the trained model folder for `bench:bytespan-budget`
 * (BUDGET_MODELS) to extract cues from. Many of these run side by side on a many-core machine
 * (bench/byte-lm-sweep.sh); steps and bytes seen do not depend on the hardware, CPU seconds do.
 *
 *   node dist/bench/byte-lm-train.js --data out/bytespan/data --steps 300 --seed 1 --out runs/lm-300-s1
 *     [--config '{"nLayer":4,"nEmbd":128}']
 *
 * Prints one JSON line: steps, bytes seen, wall and CPU seconds, bytes/s, validation loss, S2 bits per byte.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BYTE_CUE_LM,
  ByteLevelTokenizer,
  byteCueLmSchedule,
  evaluateOnFiles,
  GPTConfig,
  initBackend,
  trainLanguageModel,
} from '../index.js';
import { arg } from './args.js';

const data = path.resolve(arg('data', path.join('out', 'bytespan', 'data')));
const steps = Number(arg('steps', '300'));
const seed = Number(arg('seed', '1'));
const outDir = path.resolve(arg('out', path.join('out', 'byte-lm', `lm-${steps}-s${seed}`)));
const overrides = JSON.parse(arg('config', '{}')) as Record<string, unknown>;
// A run still training at the deadline stops after its current step (reported with interrupted: true),
// so a sweep on a lent machine always brings back what it measured.
const deadlineSeconds = Number(arg('deadline-s', 'Infinity'));
const [s0, s2] = ['s0', 's2'].map((s) => path.join(data, `${s}.txt`)) as [string, string];
for (const f of [s0, s2])
  if (!fs.existsSync(f)) throw new Error(`${f} not found: run npm run demo:bytespan first`);

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const backend = await initBackend({ backend: 'wasm', wasmThreads: 1, log: null });
const config = GPTConfig.create({ ...BYTE_CUE_LM, ...overrides });
const tokenizer = new ByteLevelTokenizer();
const controller = new AbortController();
if (Number.isFinite(deadlineSeconds)) setTimeout(() => controller.abort(), deadlineSeconds * 1000).unref();
const t0 = performance.now();
const c0 = cpu();
const { model, final, trainer, interrupted } = await trainLanguageModel({
  config,
  tokenizer,
  inputs: [s0],
  outDir,
  ...byteCueLmSchedule(steps),
  evalInterval: steps,
  evalBatches: 20,
  seed,
  documentSeparator: '\n',
  progress: false,
  signal: controller.signal,
});
const trainSeconds = (performance.now() - t0) / 1000;
const trainCpuSeconds = cpu() - c0;
const onS2 = await evaluateOnFiles(model.eval(), tokenizer, [s2], {
  batchSize: config.train.batchSize,
  documentSeparator: '\n',
});
fs.rmSync(path.join(outDir, 'data'), { recursive: true, force: true }); // the token file, rebuilt on demand
const stepsDone = trainer.state.step;
const bytesSeen = stepsDone * config.train.batchSize * config.model.blockSize;
console.log(
  JSON.stringify({
    bench: 'byte-lm-train',
    steps: stepsDone,
    plannedSteps: steps,
    interrupted,
    seed,
    config: {
      nLayer: config.model.nLayer,
      nEmbd: config.model.nEmbd,
      blockSize: config.model.blockSize,
      batchSize: config.train.batchSize,
    },
    bytesSeen,
    trainSeconds: +trainSeconds.toFixed(1),
    trainCpuSeconds: +trainCpuSeconds.toFixed(1),
    bytesPerSecond: Math.round(bytesSeen / trainSeconds),
    validLoss: final?.loss === undefined ? null : +final.loss.toFixed(4),
    bitsPerByteS2: onS2.bitsPerByte === null ? null : +onS2.bitsPerByte.toFixed(4),
    backend,
    out: outDir,
    load: os.loadavg().map((l) => +l.toFixed(2)),
  }),
);
