/**
 * What a cue model must be worth for ByteSpan at CPU scale: for byte n-gram models of several orders and
 * byte-level transformers trained for several step budgets, the model's bits per byte on S2 (transformer: its first 100 × 32 windows of 64 bytes) against the
 * MorphScore and bytes/token of the combined-entropy frequency tokenizer (Comb-Freq E) built from its cues,
 * next to BPE and BPE-WP. Runs on the split that `npm run demo:bytespan` wrote (DEMO_OUT/data/s{0,1,2}.txt),
 * with the demo's transformer configuration.
 *
 * Prints one JSON line per cue model. Env: DEMO_OUT (default out/bytespan), BUDGET_ORDERS (default
 * 2,3,4,5,6,8), BUDGET_STEPS (default 300,1000; empty: n-gram only), BYTESPAN_SIZES (default 2048,4096).
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
  loadTokenizer,
  ngramBitsPerByteOfFiles,
  trainLanguageModel,
  trainNgramModel,
} from '../index.js';

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
  label: string,
  cues: string,
  bitsPerByte: number | null,
  seconds: number,
): Promise<void> {
  const created = await createByteSpanTokenizers({
    predictions: cues,
    outDir: path.join(work, `tok-${label}`),
    vocabSizes: sizes,
    cue: 'entropy',
    constraint: 'combined',
    progress: false,
  });
  const results = await evaluate(
    created.map((t) => t.dir),
    label,
  );
  console.log(
    JSON.stringify({
      bench: 'bytespan-budget',
      cueModel: label,
      bitsPerByte: bitsPerByte === null ? null : +bitsPerByte.toFixed(4),
      cueModelSeconds: +seconds.toFixed(1),
      combFreqE: results,
      load: os.loadavg().map((l) => +l.toFixed(2)),
    }),
  );
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
      console.log(JSON.stringify({ bench: 'bytespan-budget', baselines: await evaluate(dirs, 'base') }));
      baselinesDone = true;
    }
    await measure(`${order}gram`, cues, bpb, seconds);
  }
  if (budgets.length > 0) await initBackend({ log: null });
  for (const steps of budgets) {
    const t0 = performance.now();
    const tokenizer = new ByteLevelTokenizer();
    const { model } = await trainLanguageModel({
      config: byteCueLmConfig(),
      tokenizer,
      inputs: [s0],
      outDir: path.join(work, `lm-${steps}`),
      ...byteCueLmSchedule(steps),
      evalInterval: steps,
      evalBatches: 1,
      documentSeparator: '\n',
    });
    const onS2 = await evaluateOnFiles(model.eval(), tokenizer, [s2], { batchSize: 32, maxBatches: 100 });
    const cues = path.join(work, `cues-lm-${steps}`);
    await extractCues(model.eval(), tokenizer, [s1], cues, { ...lines, ...BYTE_CUE_LM_EXTRACTION });
    await measure(`transformer-${steps}`, cues, onS2.bitsPerByte ?? null, (performance.now() - t0) / 1000);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
