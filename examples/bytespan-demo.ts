/**
 * The ByteSpan reproduction study (`npm run demo:bytespan`), at CPU scale:
 *
 *   1. English: the embedded King James Bible cut into disjoint S0 (cue models), S1 (cues, tokenizers)
 *      and S2 (evaluation);
 *   2. cue models on S0: a byte n-gram model (interpolated modified Kneser-Ney) and, when DEMO_STEPS > 0, a
 *      small byte-level Vanilla transformer; their validation bits per byte on S2;
 *   3. entropy / surprisal / space / EOS cues on S1 from each;
 *   4. tokenizers at two sizes, all from S1: BPE, BPE-WP, and ByteSpan {monotonic, combined} ×
 *      {entropy, surprisal} × {frequency, seeding 0.5} for each cue model;
 *   5. comparison on S2: bytes/token, fertility, proportion of words split, Rényi efficiency, types used
 *      and MorphScore (data/morphscore/en.csv), with the paper's claims checked;
 *   6. multilingual (the data/multilingual samples): one n-gram model and one tokenizer set over all
 *      languages, compared per language (MorphScore for German and Spanish).
 *
 * Environment knobs: DEMO_OUT (default out/bytespan), DEMO_STEPS (transformer steps, default 0: no
 * transformer; at CPU budgets its cues are weaker than the n-gram's, see the README), DEMO_NGRAM_ORDER
 * (default 8), BYTESPAN_SIZES (default 2048,4096), BYTESPAN_SPLIT_KB
 * (S0, S1, S2 in KiB, default 2048,1024,400), BYTESPAN_LANGS (default de,es,it,pt,pl,cs,ru; empty skips
 * step 6), BYTESPAN_LANG_KB (KiB of each language file used, default all), CLEANGPT_BACKEND.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BYTE_CUE_LM_EXTRACTION,
  ByteLevelTokenizer,
  byteCueLmConfig,
  byteCueLmSchedule,
  type CreatedTokenizer,
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
  type Report,
  readCueCorpus,
  trainLanguageModel,
  trainNgramModel,
} from '../index.js';

const outDir = path.resolve(process.env.DEMO_OUT ?? path.join('out', 'bytespan'));
const steps = Number(process.env.DEMO_STEPS ?? 0);
const order = Number(process.env.DEMO_NGRAM_ORDER ?? 8);
const sizes = (process.env.BYTESPAN_SIZES ?? '2048,4096').split(',').map(Number);
const [s0Kb, s1Kb, s2Kb] = (process.env.BYTESPAN_SPLIT_KB ?? '2048,1024,400').split(',').map(Number) as [
  number,
  number,
  number,
];
const langs = (process.env.BYTESPAN_LANGS ?? 'de,es,it,pt,pl,cs,ru').split(',').filter((l) => l !== '');
const langKb = Number(process.env.BYTESPAN_LANG_KB ?? Number.POSITIVE_INFINITY);
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const lines = { documentSeparator: '\n', progress: false };

// 1. Consecutive, disjoint line ranges: the cue models, the tokenizers and the evaluation share no text.
const kjv = fs.readFileSync(dataFile('kjv.txt'), 'utf8').split('\n');
let cursor = 0;
/** The next lines of the corpus, up to `kb` KiB. */
function take(kb: number): string {
  const out: string[] = [];
  for (let bytes = 0; cursor < kjv.length && bytes < kb * 1024; cursor++) {
    out.push(kjv[cursor]!);
    bytes += Buffer.byteLength(kjv[cursor]!) + 1;
  }
  return out.join('\n');
}
const dataDir = path.join(outDir, 'data');
fs.mkdirSync(dataDir, { recursive: true });
const file = (name: string, text: string): string => {
  const f = path.join(dataDir, `${name}.txt`);
  fs.writeFileSync(f, text);
  return f;
};
const s0 = file('s0', take(s0Kb));
const s1 = file('s1', take(s1Kb));
const s2 = file('s2', take(s2Kb));
console.log(
  `1/6 KJV split: S0 ${kb(s0)} (cue models), S1 ${kb(s1)} (cues, tokenizers), S2 ${kb(s2)} (evaluation)`,
);

// 2–3. Cue models and their cues on S1.
interface CueSource {
  label: string;
  dir: string;
  bitsPerByte: number | undefined;
}
const sources: CueSource[] = [];
console.log(
  `2/6 cue models: a ${order}-gram byte model${steps > 0 ? ` and a byte-level transformer (${steps} steps)` : ''}`,
);
const ngram = await trainNgramModel([s0], order, lines);
const ngramBpb = await ngramBitsPerByteOfFiles(ngram, [s2], lines);
console.log(
  `    ${order}-gram: ${ngram.numGrams} n-grams, ${ngramBpb.toFixed(3)} bits per byte on S2 (${elapsed()})`,
);
const ngramDir = path.join(outDir, `cues-${order}gram`);
await extractNgramCues(ngram, [s1], ngramDir, { ...lines, overwrite: true });
sources.push({ label: `${order}gram`, dir: ngramDir, bitsPerByte: ngramBpb });
if (steps > 0) sources.push(await transformerCues());
console.log(`3/6 cues on S1 from ${sources.map((s) => s.label).join(' and ')} (${elapsed()})`);

// 4. Tokenizers: the baselines once, ByteSpan variants per cue source.
console.log(`4/6 tokenizers at sizes ${sizes.join(', ')}`);
const named = (label: string, created: CreatedTokenizer[]) =>
  created.map((t) => ({
    label: `${label}/${path.basename(t.dir)}`,
    dir: t.dir,
    short: t.actualSize < t.vocabSize,
  }));
const tokenizers = [
  ...named(
    'base',
    await createFrequencyTokenizers({
      predictions: ngramDir,
      outDir: tokDir('base'),
      vocabSizes: sizes,
      progress: false,
    }),
  ),
  ...named(
    'base',
    await createByteSpanTokenizers({
      predictions: ngramDir,
      outDir: tokDir('base'),
      vocabSizes: sizes,
      cue: 'entropy',
      constraint: 'combined',
      proportion: 0,
      progress: false,
    }),
  ),
];
for (const source of sources) {
  for (const cue of ['entropy', 'surprisal'] as const) {
    const corpus = readCueCorpus(source.dir, [cue]);
    for (const constraint of ['monotonic', 'combined'] as const) {
      for (const proportion of [undefined, 0.5]) {
        const created = await createByteSpanTokenizers({
          predictions: corpus,
          outDir: tokDir(source.label),
          vocabSizes: sizes,
          cue,
          constraint,
          proportion,
          progress: false,
        });
        tokenizers.push(...named(source.label, created));
      }
    }
  }
}
const short = tokenizers.filter((t) => t.short).map((t) => t.label);
if (short.length > 0) console.log(`    S1 ran out of spans and pairs for: ${short.join(', ')}`);
console.log(`    ${tokenizers.length} tokenizers (${elapsed()})`);

// 5. Comparison on S2.
console.log('5/6 comparing on S2 (MorphScore: data/morphscore/en.csv)');
const english = await compareTokenizers({
  tokenizers: tokenizers.map((t) => ({ name: t.label, tokenizer: loadTokenizer(t.dir) })),
  inputs: [s2],
  morphCsv: dataFile(path.join('morphscore', 'en.csv')),
  outDir: path.join(outDir, 'comparison'),
});
printTable(english);
for (const source of sources) {
  console.log(`\n    claims with ${source.label} cues (${source.bitsPerByte?.toFixed(3) ?? '?'} bits/byte):`);
  for (const size of sizes) checkClaims(english, source.label, size);
}

// 6. Multilingual.
if (langs.length > 0) await multilingual();
console.log(
  `\nEverything is in ${outDir} (data/, cues-*/, tokenizers/, comparison*/ with report.md and plots) — ${elapsed()}`,
);

function tokDir(label: string): string {
  return path.join(outDir, 'tokenizers', label);
}

async function transformerCues(): Promise<CueSource> {
  const backend = await initBackend();
  const tokenizer = new ByteLevelTokenizer();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const { model, final } = await trainLanguageModel({
    config: byteCueLmConfig(),
    tokenizer,
    inputs: [s0],
    outDir: path.join(outDir, 'byte-lm'),
    ...byteCueLmSchedule(steps),
    evalInterval: Math.max(1, Math.floor(steps / 4)),
    evalBatches: 10,
    documentSeparator: '\n',
    signal: controller.signal,
  });
  const onS2 = await evaluateOnFiles(model.eval(), tokenizer, [s2], {
    documentSeparator: lines.documentSeparator,
    batchSize: 32,
    maxBatches: 100,
  });
  const bpb = onS2.bitsPerByte ?? undefined;
  console.log(
    `    transformer on ${backend}: ${final?.bitsPerByte?.toFixed(3) ?? '?'} bits per byte on S0's validation split, ${bpb?.toFixed(3) ?? '?'} on S2 (${elapsed()})`,
  );
  const dir = path.join(outDir, 'cues-transformer');
  await extractCues(model.eval(), tokenizer, [s1], dir, {
    ...lines,
    ...BYTE_CUE_LM_EXTRACTION,
    overwrite: true,
  });
  return { label: 'transformer', dir, bitsPerByte: bpb };
}

function printTable(report: Report): void {
  console.log(`    ${'tokenizer'.padEnd(52)} bytes/tok  fertility  split  Rényi  types  MorphScore`);
  for (const t of report.tokenizers) {
    console.log(
      `    ${t.name.padEnd(52)} ${t.bytesPerToken.toFixed(3).padStart(9)}  ${t.fertility.toFixed(3).padStart(9)}` +
        `  ${t.propSplit.toFixed(3)}  ${t.renyi?.toFixed(3) ?? '  n/a'}  ${String(t.typesUsed).padStart(5)}  ${t.morphScore?.toFixed(3) ?? 'n/a'}`,
    );
  }
}

/** The paper's English claims (spec §14.1) at one size, checked on this run's numbers. */
function checkClaims(report: Report, label: string, size: number): void {
  const row = (name: string) => report.tokenizers.find((t) => t.name === name);
  const bpe = row(`base/BPE_${size}`);
  const wp = row(`base/BPEWP_${size}`);
  const comb = row(`${label}/ByteSpanEntropyCombinedFrequency_${size}`);
  const seed = row(`${label}/ByteSpanEntropyCombinedSeeding_${size}`);
  if (!bpe || !wp || !comb || !seed) return;
  const m = (t: typeof bpe) => t.morphScore ?? Number.NaN;
  const verdict = (ok: boolean) => (ok ? 'holds' : 'does NOT hold');
  const cost = 1 - comb.bytesPerToken / bpe.bytesPerToken;
  const spans = report.tokenizers.filter(
    (t) => t.name.startsWith(`${label}/ByteSpan`) && t.name.endsWith(`_${size}`),
  );
  const renyiAbove = spans.every((t) => (t.renyi ?? 0) > (bpe.renyi ?? 0));
  console.log(
    `      V=${size}: MorphScore Comb-Freq E ${m(comb).toFixed(3)} > BPE-WP ${m(wp).toFixed(3)} > BPE ${m(bpe).toFixed(3)}: ${verdict(m(comb) > m(wp) && m(wp) > m(bpe))};` +
      ` compression cost ${(100 * cost).toFixed(1)} % (paper ≈ 4 %); seeding keeps BPE compression (${seed.bytesPerToken.toFixed(2)} vs ${bpe.bytesPerToken.toFixed(2)} bytes/token) with MorphScore ${m(seed).toFixed(3)}: ${verdict(seed.bytesPerToken >= 0.97 * bpe.bytesPerToken && m(seed) > m(bpe))};` +
      ` every ByteSpan variant has a higher Rényi efficiency than BPE (${(bpe.renyi ?? 0).toFixed(3)}): ${verdict(renyiAbove)}`,
  );
}

/** Step 6: one n-gram model, cue corpus and tokenizer set over all languages; per-language comparison. */
async function multilingual(): Promise<void> {
  console.log(`6/6 multilingual (${langs.join(', ')}): ${order}-gram cues, tokenizers over all languages`);
  const parts = { s0: [] as string[], s1: [] as string[], s2: [] as string[] };
  for (const lang of langs) {
    const docs = fs
      .readFileSync(dataFile(path.join('multilingual', `${lang}.txt`)), 'utf8')
      .slice(0, langKb * 1024);
    // Sayings separated by blank lines, one per line here; 60 % / 20 % / 20 % by position.
    const sayings = docs
      .split(/\n\s*\n/)
      .map((d) => d.replace(/\s+/g, ' ').trim())
      .filter((d) => d.length > 0);
    const cut = (a: number, b: number) =>
      sayings.slice(Math.floor(a * sayings.length), Math.floor(b * sayings.length)).join('\n');
    const dir = path.join(dataDir, 'multilingual');
    fs.mkdirSync(path.join(dir, 's1'), { recursive: true });
    fs.mkdirSync(path.join(dir, 's2'), { recursive: true });
    parts.s0.push(file(`multilingual/${lang}-s0`, cut(0, 0.6)));
    parts.s1.push(file(`multilingual/s1/${lang}`, cut(0.6, 0.8)));
    parts.s2.push(file(`multilingual/s2/${lang}`, cut(0.8, 1)));
  }
  const model = await trainNgramModel(parts.s0, order, lines);
  const cues = path.join(outDir, `cues-multilingual-${order}gram`);
  await extractNgramCues(model, parts.s1, cues, { ...lines, overwrite: true });
  const out = tokDir('multilingual');
  const common = { predictions: cues, outDir: out, vocabSizes: sizes, multilingual: true, progress: false };
  const created = [
    ...(await createFrequencyTokenizers(common)),
    ...(await createByteSpanTokenizers({ ...common, cue: 'entropy', constraint: 'combined', proportion: 0 })),
    ...(await createByteSpanTokenizers({ ...common, cue: 'entropy', constraint: 'combined' })),
    ...(await createByteSpanTokenizers({
      ...common,
      cue: 'entropy',
      constraint: 'combined',
      proportion: 0.5,
    })),
    ...(await createByteSpanTokenizers({ ...common, cue: 'entropy', constraint: 'monotonic' })),
  ];
  const loaded = created.map((t) => ({ name: path.basename(t.dir), tokenizer: loadTokenizer(t.dir) }));
  for (const [i, lang] of langs.entries()) {
    const morph = dataFile(path.join('morphscore', `${lang}.csv`));
    const report = await compareTokenizers({
      tokenizers: loaded,
      inputs: [parts.s2[i]!],
      ...(fs.existsSync(morph) ? { morphCsv: morph } : {}),
      outDir: path.join(outDir, `comparison-${lang}`),
    });
    console.log(`\n    ${lang}${fs.existsSync(morph) ? ` (MorphScore: data/morphscore/${lang}.csv)` : ''}`);
    printTable(report);
  }
}

function kb(f: string): string {
  return `${(fs.statSync(f).size / 1024).toFixed(0)} KB`;
}
