/**
 * What a cue model must be worth for ByteSpan at CPU scale: for byte n-gram models of several orders and
 * byte-level transformers of several step budgets, the model's bits per byte on the whole of S2 against
 * the MorphScore and bytes/token of the combined-entropy frequency tokenizer (Comb-Freq E) built from its
 * cues, next to BPE and BPE-WP. Runs on the split that `npm run demo:bytespan` wrote
 * (DEMO_OUT/data/s{0,1,2}.txt), with the demo's transformer configuration.
 *
 * Prints one JSON line per cue model and keeps them in BUDGET_OUT/budget.jsonl, then plots them
 * (bench/bytespan-budget-plot.ts: BUDGET_OUT/budget-<V>.png). Env: DEMO_OUT (default out/bytespan),
 * BUDGET_OUT (default out/bytespan-budget), BUDGET_ORDERS (default 2,3,4,5,6,8), BUDGET_STEPS (transformers
 * trained here, default 300,1000; empty: none), BUDGET_MODELS (comma-separated folders of transformers
 * trained by bench/byte-lm-train.ts, which records their CPU time), BYTESPAN_SIZES (default 2048,4096).
 *
 *   node dist/bench/bytespan-budget.js --plot FILE.jsonl [--out DIR]   replots saved lines (default: beside FILE)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BYTE_CUE_LM_EXTRACTION,
  ByteLevelTokenizer,
  byteCueLmConfig,
  byteCueLmSchedule,
  compareTokenizers,
  createByteSpanTokenizers,
  createFrequencyTokenizers,
  dataFile,
  evaluateOnFiles,
  extractCues,
  extractNgramCues,
  initBackend,
  loadModel,
  loadTokenizer,
  ngramBitsPerByteOfFiles,
  readJsonFile,
  type TransformerModel,
  trainLanguageModel,
  trainNgramModel,
  writeFileAtomic,
} from '../index.js';
import { arg } from './args.js';
import { type BudgetLine, plotBudget, readBudgetLines } from './bytespan-budget-plot.js';

if (process.argv.includes('--plot')) {
  const input = arg('plot', '');
  if (input === '' || input.startsWith('--')) throw new Error('--plot needs the JSON-lines file to plot');
  for (const file of plotBudget(readBudgetLines(input), path.resolve(arg('out', path.dirname(input)))))
    console.log(file);
  process.exit(0);
}

const demo = path.resolve(process.env.DEMO_OUT ?? path.join('out', 'bytespan'));
const [s0, s1, s2] = ['s0', 's1', 's2'].map((s) => path.join(demo, 'data', `${s}.txt`)) as [
  string,
  string,
  string,
];
if (!fs.existsSync(s2))
  throw new Error(`${s2} not found: run npm run demo:bytespan first (DEMO_OUT=${demo})`);
const orders = (process.env.BUDGET_ORDERS ?? '2,3,4,5,6,8').split(',').filter(Boolean).map(Number);
const budgets = (process.env.BUDGET_STEPS ?? '300,1000').split(',').filter(Boolean).map(Number);
const savedModels = (process.env.BUDGET_MODELS ?? '').split(',').filter(Boolean);
const outDir = path.resolve(process.env.BUDGET_OUT ?? path.join('out', 'bytespan-budget'));
fs.mkdirSync(outDir, { recursive: true });
const jsonl = path.join(outDir, 'budget.jsonl');
const written: BudgetLine[] = [];
/** Prints `line` and rewrites the JSONL file with every line so far (an interrupted run keeps its lines). */
function record(line: BudgetLine): void {
  console.log(JSON.stringify(line));
  written.push(line);
  writeFileAtomic(jsonl, `${written.map((l) => JSON.stringify(l)).join('\n')}\n`);
}
const sizes = (process.env.BYTESPAN_SIZES ?? '2048,4096').split(',').map(Number);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-bytespan-budget-'));
const lines = { documentSeparator: '\n', progress: false };
const morphCsv = dataFile(path.join('morphscore', 'en.csv'));

/** MorphScore and bytes/token of each tokenizer in `dirs` on S2. */
async function evaluate(
  dirs: readonly string[],
  label: string,
): Promise<Record<string, { morph: number | null; bpt: number }>> {
  const report = await compareTokenizers({
    tokenizers: dirs.map((d) => ({ name: path.basename(d), tokenizer: loadTokenizer(d) })),
    inputs: [s2],
    morphCsv,
    outDir: path.join(work, `report-${label}`),
  });
  return Object.fromEntries(
    report.tokenizers.map((t) => [t.name, { morph: t.morphScore, bpt: +t.bytesPerToken.toFixed(4) }]),
  );
}

async function measure(
  cueModel: string,
  family: string,
  size: number,
  cues: string,
  bitsPerByte: number | null,
  seconds: number,
): Promise<void> {
  const created = await createByteSpanTokenizers({
    predictions: cues,
    outDir: path.join(work, `tok-${cueModel}`),
    vocabSizes: sizes,
    cue: 'entropy',
    constraint: 'combined',
    progress: false,
  });
  const combFreqE = await evaluate(
    created.map((t) => t.dir),
    cueModel,
  );
  record({
    bench: 'bytespan-budget',
    cueModel,
    family,
    size,
    bitsPerByte: bitsPerByte === null ? null : +bitsPerByte.toFixed(4),
    combFreqE,
    cueModelSeconds: +seconds.toFixed(1),
    load: os.loadavg().map((l) => +l.toFixed(2)),
  });
}

/** A transformer's point: bits per byte on the whole of S2, cues on S1, the tokenizers they give. */
async function measureTransformer(model: TransformerModel, steps: number, t0: number): Promise<void> {
  const tokenizer = new ByteLevelTokenizer();
  const { nLayer, nEmbd } = model.config.model;
  const onS2 = await evaluateOnFiles(model.eval(), tokenizer, [s2], {
    documentSeparator: lines.documentSeparator,
    batchSize: 32,
  });
  const cueModel = `transformer-${nLayer}x${nEmbd}-${steps}`;
  const cues = path.join(work, `cues-${cueModel}`);
  await extractCues(model.eval(), tokenizer, [s1], cues, { ...lines, ...BYTE_CUE_LM_EXTRACTION });
  const family = `transformer ${nLayer}L×${nEmbd}`;
  await measure(cueModel, family, steps, cues, onS2.bitsPerByte ?? null, (performance.now() - t0) / 1000);
}

try {
  // Baselines: independent of the cues (only S1's bytes matter), built from the first n-gram corpus.
  let baselinesDone = false;
  for (const order of orders) {
    const t0 = performance.now();
    const model = await trainNgramModel([s0], order, lines);
    const bpb = await ngramBitsPerByteOfFiles(model, [s2], lines);
    const cues = path.join(work, `cues-${order}gram`);
    await extractNgramCues(model, [s1], cues, lines);
    const seconds = (performance.now() - t0) / 1000;
    if (!baselinesDone) {
      const base = { predictions: cues, outDir: path.join(work, 'base'), vocabSizes: sizes, progress: false };
      const dirs = [
        ...(await createFrequencyTokenizers(base)),
        ...(await createByteSpanTokenizers({
          ...base,
          cue: 'entropy',
          constraint: 'combined',
          proportion: 0,
        })),
      ].map((t) => t.dir);
      record({ bench: 'bytespan-budget', baselines: await evaluate(dirs, 'base') });
      baselinesDone = true;
    }
    await measure(`${order}gram`, 'ngram', order, cues, bpb, seconds);
  }
  if (budgets.length + savedModels.length > 0) await initBackend({ log: null });
  for (const steps of budgets) {
    const t0 = performance.now();
    const { model } = await trainLanguageModel({
      config: byteCueLmConfig(),
      tokenizer: new ByteLevelTokenizer(),
      inputs: [s0],
      outDir: path.join(work, `lm-${steps}`),
      ...byteCueLmSchedule(steps),
      evalInterval: steps,
      evalBatches: 1,
      documentSeparator: '\n',
    });
    await measureTransformer(model, steps, t0);
  }
  for (const dir of savedModels) {
    const t0 = performance.now();
    const stateFile = path.join(dir, 'checkpoint', 'trainer_state.json');
    const { step } = readJsonFile(stateFile, 'trainer state') as { step?: unknown };
    if (!Number.isInteger(step)) throw new Error(`${stateFile}: step is ${String(step)}, not an integer`);
    await measureTransformer(loadModel(dir), step as number, t0);
  }
  plotBudget(written, outDir);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
