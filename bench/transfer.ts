/**
 * `npm run bench:transfer`: tokenizer-transfer costs, as JSON lines (with the load average, since the
 * machine is shared).
 *   fvt-50k         FVT transfer of a model to GPT-2's 50,257-token vocabulary (decomposition + rows + copy)
 *   hypernet-32k    hypernetwork transfer to a 32,000-token vocabulary (GPT-2's first 32,000 ranks)
 *   hypernet-train  hypernetwork training throughput: LM tokens/s and HN positions (|V_T| × L) per second
 * Options: --d N (model width, default 64), --steps N (HN training steps timed, default 4).
 * The source is a Vanilla model (2 layers) with a BPE 2048 tokenizer trained on KJV; its weights are
 * random, which does not change any cost measured here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BPETokenizer,
  dataFile,
  GPT2Tokenizer,
  GPTConfig,
  getModel,
  Hypernetwork,
  initBackend,
  modelFingerprint,
  trainBPE,
  trainHypernet,
  transferModel,
} from '../index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const d = arg('d', 64);
const steps = arg('steps', 4);
const load = () => os.loadavg()[0]!.toFixed(1);
const emit = (row: object) => console.log(JSON.stringify({ bench: 'transfer', d, ...row, load1: load() }));

await initBackend({ log: null });
const kjv = fs.readFileSync(dataFile('kjv.txt'), 'utf8');
const { vocab, merges } = await trainBPE({
  input: kjv.slice(0, 1_000_000),
  vocabSize: 2048,
  specialTokens: ['<|endoftext|>'],
});
const source = new BPETokenizer({ vocab, merges, specialTokens: ['<|endoftext|>'] });
const config = GPTConfig.create({
  modelType: 'Vanilla',
  vocabSize: source.vocabSize,
  paddingIdx: source.padTokenId,
  blockSize: 128,
  nEmbd: d,
  nLayer: 2,
  nHead: 2,
});
const model = getModel('Vanilla', config, { seed: 1 }).eval();

const gpt2 = GPT2Tokenizer.fromPretrained();
let started = performance.now();
const fvt = transferModel(model, source, gpt2, { method: 'fvt' });
emit({
  case: 'fvt-50k',
  targetVocab: gpt2.vocabSize,
  seconds: (performance.now() - started) / 1000,
  truncated: fvt.report.truncated,
});
fvt.model.dispose();

const ranks = new Map([...gpt2.vocab].filter(([id]) => id < 32_000));
const target32k = new BPETokenizer({ vocab: ranks, merges: null, specialTokens: ['<|endoftext|>'] });
const hn = new Hypernetwork(
  {
    nEmbd: d,
    sourceVocabSize: source.vocabSize,
    maxPieces: 8,
    layers: 3,
    heads: Math.max(2, d / 64),
    seed: 0,
  },
  { data: model.getInputEmbeddings().dataSync() as Float32Array, rows: source.vocabSize, cols: d },
  modelFingerprint(model),
);
hn.fitOutputScaler();
started = performance.now();
const predicted = transferModel(model, source, target32k, { method: 'hypernet', predictor: hn });
emit({
  case: 'hypernet-32k',
  targetVocab: target32k.vocabSize,
  seconds: (performance.now() - started) / 1000,
});
predicted.model.dispose();
hn.dispose();

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-transfer-'));
const times: number[] = [];
let last = performance.now();
const { history } = await trainHypernet({
  model,
  tokenizer: source,
  text: kjv.slice(0, 400_000),
  outDir: out,
  steps: steps + 1,
  identitySteps: 1,
  batchSize: 8,
  blockSize: 64,
  seed: 0,
  onStep: () => {
    const now = performance.now();
    times.push((now - last) / 1000);
    last = now;
  },
});
const lm = history.filter((h) => h.stage === 'lm');
const seconds = times.slice(1).reduce((a, b) => a + b, 0);
const tokens = lm.reduce((a, h) => a + h.tokens, 0);
const positions = lm.reduce((a, h) => a + h.vocabSize! * 8, 0);
emit({
  case: 'hypernet-train',
  steps: lm.length,
  secondsPerStep: seconds / lm.length,
  lmTokensPerSecond: tokens / seconds,
  hnPositionsPerSecond: positions / seconds,
  meanSampledVocab: positions / 8 / lm.length,
});
fs.rmSync(out, { recursive: true, force: true });
