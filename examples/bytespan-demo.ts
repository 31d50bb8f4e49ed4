/**
 * The ByteSpan pipeline (`npm run demo:bytespan`) on the embedded King James Bible corpus:
 *
 *   1. split the corpus into S0 (byte LM training), S1 (cues, tokenizer training) and S2 (evaluation);
 *   2. train a small byte-level Vanilla transformer on S0;
 *   3. extract per-byte entropy / surprisal / space / EOS cues on S1;
 *   4. build ByteSpan tokenizers (combined constraint on entropy, frequency and seeding selection), BPE-WP
 *      and the global constraint, and the plain BPE baseline, all at the same sizes and from the same S1;
 *   5. compare them on S2 (bytes per token, fertility, words split, Rényi efficiency, and MorphScore on
 *      data/morph-en-kjv.csv, a small hand-made list, or the `full_word,pt1,rest` file BYTESPAN_MORPH_CSV
 *      names), writing report.md, report.json and plots.
 *
 * Environment knobs: DEMO_STEPS (byte-LM steps, default 300), DEMO_OUT (default out/bytespan),
 * BYTESPAN_SIZES (comma-separated, default 2048,4096), BYTESPAN_SPLIT_KB (sizes of S0, S1, S2 in KiB,
 * default 2048,100,400), BYTESPAN_MORPH_CSV, CLEANGPT_BACKEND.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ByteLevelTokenizer,
  type CreatedTokenizer,
  compareTokenizers,
  createByteSpanTokenizers,
  createFrequencyTokenizers,
  createGlobalTokenizers,
  dataFile,
  extractCues,
  GPTConfig,
  initBackend,
  loadTokenizer,
  readCueCorpus,
  trainLanguageModel,
} from '../index.js';

const outDir = path.resolve(process.env.DEMO_OUT ?? path.join('out', 'bytespan'));
const steps = Number(process.env.DEMO_STEPS ?? 300);
const sizes = (process.env.BYTESPAN_SIZES ?? '2048,4096').split(',').map(Number);
const morphCsv = process.env.BYTESPAN_MORPH_CSV ?? dataFile('morph-en-kjv.csv');
const [s0Kb, s1Kb, s2Kb] = (process.env.BYTESPAN_SPLIT_KB ?? '2048,100,400').split(',').map(Number) as [
  number,
  number,
  number,
];
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;

// 1. Disjoint line ranges of the corpus: the LM, the tokenizers and the evaluation never share text.
const lines = fs.readFileSync(dataFile('kjv.txt'), 'utf8').split('\n');
const n = lines.length;
/** Lines from `from` on, up to `kb` KiB of text. */
function take(from: number, kb: number): string {
  const out: string[] = [];
  for (let i = from, bytes = 0; i < n && bytes < kb * 1024; i++) {
    out.push(lines[i]!);
    bytes += Buffer.byteLength(lines[i]!) + 1;
  }
  return out.join('\n');
}
const splits = {
  s0: take(0, s0Kb),
  s1: take(Math.floor(n * 0.7), s1Kb),
  s2: take(Math.floor(n * 0.85), s2Kb),
};
const dataDir = path.join(outDir, 'data');
fs.mkdirSync(dataDir, { recursive: true });
for (const [name, text] of Object.entries(splits)) fs.writeFileSync(path.join(dataDir, `${name}.txt`), text);
const file = (name: keyof typeof splits): string => path.join(dataDir, `${name}.txt`);
console.log(
  `1/5 corpus split: S0 ${kb(splits.s0)} (byte LM), S1 ${kb(splits.s1)} (cues, tokenizers), S2 ${kb(splits.s2)} (evaluation)`,
);

// 2. A byte-level LM: one id per byte, so its predictions give a value for every byte of S1.
const backend = await initBackend();
console.log(`2/5 training a byte-level Vanilla transformer for ${steps} steps on the ${backend} backend`);
const byteTokenizer = new ByteLevelTokenizer();
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const { model, final } = await trainLanguageModel({
  config: GPTConfig.create({
    modelType: 'Vanilla',
    blockSize: 64,
    nLayer: 2,
    nHead: 4,
    nEmbd: 96,
    dropout: 0,
    batchSize: 32,
    learningRate: 3e-3,
    weightDecay: 0.1,
  }),
  tokenizer: byteTokenizer,
  inputs: [file('s0')],
  outDir: path.join(outDir, 'byte-lm'),
  maxSteps: steps,
  warmupSteps: Math.floor(steps / 10),
  evalInterval: Math.max(1, Math.floor(steps / 4)),
  evalBatches: 10,
  documentSeparator: '\n',
  signal: controller.signal,
});
if (final !== null) {
  console.log(
    `    validation ${final.loss.toFixed(3)} nats/byte, ${final.bitsPerByte?.toFixed(3)} bits per byte (${elapsed()})`,
  );
}

// 3. Cues for every byte of S1, one document per line (each gets the prefix space the tokenizers add).
console.log('3/5 extracting entropy, surprisal, space and EOS cues on S1');
const predictions = path.join(outDir, 'predictions');
const meta = await extractCues(model.eval(), byteTokenizer, [file('s1')], predictions, {
  documentSeparator: '\n',
  batchSize: 32,
  overwrite: true,
});
console.log(`    ${meta.numBytes} bytes in ${meta.numDocuments} documents (${elapsed()})`);

// 4. Tokenizers at the same sizes, all trained on S1.
console.log(`4/5 building tokenizers at sizes ${sizes.join(', ')}`);
const corpus = readCueCorpus(predictions, ['entropy']);
const tokenizerDir = path.join(outDir, 'tokenizers');
const common = { predictions: corpus, outDir: tokenizerDir, vocabSizes: sizes };
const created: CreatedTokenizer[] = [
  ...(await createByteSpanTokenizers({ ...common, cue: 'entropy', constraint: 'combined' })),
  ...(await createByteSpanTokenizers({ ...common, cue: 'entropy', constraint: 'combined', proportion: 0.5 })),
  ...(await createByteSpanTokenizers({ ...common, cue: 'entropy', constraint: 'combined', proportion: 0 })),
  ...createGlobalTokenizers({ ...common, cue: 'entropy' }),
  ...(await createFrequencyTokenizers(common)),
];
for (const t of created) {
  const short = t.actualSize < t.vocabSize ? ` (${t.actualSize} entries: S1 ran out of spans and pairs)` : '';
  console.log(`    ${path.basename(t.dir)}${short}`);
}
console.log(`    (${elapsed()})`);

// 5. Intrinsic comparison on the held-out S2.
console.log('5/5 comparing on S2');
const report = compareTokenizers({
  tokenizers: created.map((t) => ({ name: path.basename(t.dir), tokenizer: loadTokenizer(t.dir) })),
  inputs: [file('s2')],
  morphCsv,
  outDir: path.join(outDir, 'comparison'),
});
console.log(`    ${'tokenizer'.padEnd(44)} bytes/token  fertility  split  Rényi  MorphScore`);
for (const t of report.tokenizers) {
  console.log(
    `    ${t.name.padEnd(44)} ${t.bytesPerToken.toFixed(3).padStart(11)}  ${t.fertility.toFixed(3).padStart(9)}` +
      `  ${t.propSplit.toFixed(3)}  ${t.renyi?.toFixed(3) ?? '  n/a'}  ${t.morphScore?.toFixed(3) ?? 'n/a'}`,
  );
}
console.log(
  `\nEverything is in ${outDir} (byte-lm/, predictions/, tokenizers/, comparison/report.md and plots) — ${elapsed()}`,
);

function kb(text: string): string {
  return `${(Buffer.byteLength(text) / 1024).toFixed(0)} KB`;
}
