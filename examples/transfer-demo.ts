/**
 * `npm run demo:transfer`: the tokenizer-transfer study of spec zett §12 on the embedded KJV corpus.
 * Train LM_A with a byte-level BPE tokenizer A, train a hypernetwork for it, then move LM_A to held-out
 * tokenizers B (a BPE of another size, a Unigram, a ByteSpan/WordPiece tokenizer, a character tokenizer)
 * with random, lexical, FVT,
 * first-piece and hypernetwork starts; report bits per byte on the same held-out windows for each, next to
 * the original model on A and a model trained from scratch on B with the same steps, plus short
 * continued-training curves from each start. Writes report.md, report.json, bpb.png and curves.png.
 *
 * Settings (environment): TRANSFER_STEPS (LM steps, default 150), TRANSFER_HN_STEPS (default 60),
 * TRANSFER_CONTINUE (continued-training steps, default 30), TRANSFER_WINDOWS (default 48),
 * TRANSFER_CORPUS_CHARS (default 600000), TRANSFER_VOCAB_A (default 2048), TRANSFER_SEEDS (default "0"),
 * TRANSFER_OUT (default out/transfer).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type BaseTokenizer,
  BPETokenizer,
  ByteSpanTokenizer,
  bootstrapInterval,
  byteWindows,
  CharacterTokenizer,
  continueTraining,
  dataFile,
  GPTConfig,
  initBackend,
  plotGroupedBars,
  plotLines,
  spanBaseVocab,
  type TransformerModel,
  trainBPE,
  trainHypernet,
  trainLanguageModel,
  trainUnigram,
  transferModel,
  type WindowLosses,
  windowBitsPerByte,
  windowLosses,
  writeFileAtomic,
  writeJsonAtomic,
} from '../index.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const outDir = path.resolve(process.env.TRANSFER_OUT ?? path.join('out', 'transfer'));
const lmSteps = env('TRANSFER_STEPS', 150);
const hnSteps = env('TRANSFER_HN_STEPS', 60);
const continueSteps = env('TRANSFER_CONTINUE', 30);
const windowCount = env('TRANSFER_WINDOWS', 48);
const corpusChars = env('TRANSFER_CORPUS_CHARS', 600_000);
const vocabA = env('TRANSFER_VOCAB_A', 2048);
const seeds = (process.env.TRANSFER_SEEDS ?? '0').split(',').map(Number);
const WINDOW_CHARS = 100;

await initBackend({ log: null });
fs.mkdirSync(outDir, { recursive: true });
const corpus = fs.readFileSync(dataFile('kjv.txt'), 'utf8').slice(0, corpusChars);
// Splits: S_lm (LM, HN and tokenizer A) | S_tokB (target tokenizers) | S_eval (held out from everything).
const cut1 = Math.floor(corpus.length * 0.7);
const cut2 = Math.floor(corpus.length * 0.85);
const sLm = corpus.slice(0, cut1);
const sTokB = corpus.slice(cut1, cut2);
const sEval = corpus.slice(cut2);
const windows = byteWindows(sEval, WINDOW_CHARS, windowCount);
const log = (msg: string) => console.log(`[transfer-demo] ${msg}`);

async function bpe(text: string, vocabSize: number): Promise<BPETokenizer> {
  const { vocab, merges } = await trainBPE({ input: text, vocabSize, specialTokens: ['<|endoftext|>'] });
  return new BPETokenizer({ vocab, merges, specialTokens: ['<|endoftext|>'] });
}

const config = (): GPTConfig =>
  GPTConfig.create({
    modelType: 'Vanilla',
    blockSize: 128,
    nEmbd: 64,
    nLayer: 2,
    nHead: 2,
    dropout: 0,
    batchSize: 8,
    learningRate: 3e-3,
  });

async function trainLm(tokenizer: BaseTokenizer, name: string, seed: number): Promise<TransformerModel> {
  const lmText = path.join(outDir, 'S_lm.txt');
  if (!fs.existsSync(lmText)) writeFileAtomic(lmText, sLm);
  const { model } = await trainLanguageModel({
    config: config(),
    tokenizer,
    inputs: [lmText],
    outDir: path.join(outDir, `${name}-seed${seed}`),
    maxSteps: lmSteps,
    evalBatches: 2,
    seed,
    progress: false,
  });
  return model.eval();
}

const nameA = `A (BPE ${vocabA})`;
log(`training tokenizer ${nameA} and the targets on ${corpus.length} characters`);
const tokA = await bpe(sLm, vocabA);
const bpeB = await bpe(sTokB, vocabA / 2);
const targets: Array<[string, BaseTokenizer]> = [[`BPE ${vocabA / 2}`, bpeB]];
targets.push([
  `Unigram ${(vocabA * 3) / 4}`,
  trainUnigram([sTokB], { vocabSize: (vocabA * 3) / 4 }).tokenizer,
]);
// A WordPiece vocabulary in ByteSpan's format (`Ġword` starts, `##piece` continuations) from B's BPE pieces:
// a tokenizer with another segmentation algorithm over related pieces, with no cue model to train.
const wordPiece = [...spanBaseVocab()];
const known = new Set(wordPiece);
for (const [id, bytes] of bpeB.vocab) {
  const display = bpeB.idToToken(id)!;
  const entry = display.startsWith('Ġ') ? display : `##${display}`;
  if (bytes.length > 1 && !known.has(entry)) {
    known.add(entry);
    wordPiece.push(entry);
  }
}
targets.push([`ByteSpan/WordPiece ${wordPiece.length}`, new ByteSpanTokenizer({ vocab: wordPiece })]);
const chars = new CharacterTokenizer();
chars.buildVocabFromTexts([sTokB, sEval], { sorted: true });
targets.push(['character', chars]);

interface Row {
  seed: number;
  target: string;
  condition: string;
  bpb: number;
  ci: [number, number];
  tokensPerByte: number;
  overlap: number | null;
}
const rows: Row[] = [];
const curves: Array<{ label: string; points: Array<{ x: number; y: number }> }> = [];
const evalAt = [0, Math.floor(continueSteps / 3), continueSteps].filter((v, i, a) => a.indexOf(v) === i);

function record(
  seed: number,
  target: string,
  condition: string,
  l: WindowLosses,
  overlap: number | null,
): void {
  const bpb = windowBitsPerByte(l);
  const tokens = l.tokens.reduce((a, b) => a + b, 0);
  const bytes = l.bytes.reduce((a, b) => a + b, 0);
  rows.push({
    seed,
    target,
    condition,
    bpb,
    ci: bootstrapInterval(l, null, seed),
    tokensPerByte: tokens / bytes,
    overlap,
  });
  log(`seed ${seed} ${target} ${condition}: ${bpb.toFixed(3)} bits/byte`);
}

/** Continued training (embeddings and body) from `model`, bits per byte at `evalAt`, added to the curves. */
async function curve(
  label: string,
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  seed: number,
): Promise<void> {
  const points = await continueTraining(
    model,
    tokenizer,
    sLm.slice(0, 200_000),
    { steps: continueSteps, evalAt, batchSize: 8, blockSize: 64, learningRate: 1e-3, seed },
    () => windowBitsPerByte(windowLosses(model, tokenizer, windows)),
  );
  curves.push({ label, points: points.map((p) => ({ x: p.step, y: p.value })) });
}

for (const seed of seeds) {
  log(`seed ${seed}: training LM_A (${lmSteps} steps)`);
  const lmA = await trainLm(tokA, 'lm-A', seed);
  record(seed, nameA, 'original', windowLosses(lmA, tokA, windows), 1);
  if (seed === seeds[0] && continueSteps > 0) {
    // original@N: LM_A continued with A on the same data, so extra data is not credited to a start.
    const copy = transferModel(lmA, tokA, tokA, { method: 'lexical', seed }).model;
    await curve('original@N (A)', copy, tokA, seed);
    copy.dispose();
  }
  log(`seed ${seed}: training the hypernetwork (${hnSteps} steps)`);
  const { hypernet } = await trainHypernet({
    model: lmA,
    tokenizer: tokA,
    text: sLm,
    outDir: path.join(outDir, `hypernet-seed${seed}`),
    steps: hnSteps,
    identitySteps: Math.max(1, Math.floor(hnSteps / 5)),
    batchSize: 4,
    blockSize: 64,
    layers: 3,
    learningRate: 1e-3,
    lmLearningRate: 3e-4,
    seed,
  });
  const selfHn = transferModel(lmA, tokA, tokA, { method: 'hypernet', predictor: hypernet, seed });
  record(seed, nameA, 'hypernet (HN(A), sanity)', windowLosses(selfHn.model, tokA, windows), 1);
  selfHn.model.dispose();
  for (const [name, tokB] of targets) {
    for (const method of ['random', 'lexical', 'fvt', 'first-piece', 'hypernet'] as const) {
      const { model, report } = transferModel(lmA, tokA, tokB, { method, predictor: hypernet, seed });
      record(seed, name, method, windowLosses(model, tokB, windows), report.overlap);
      if (seed === seeds[0] && continueSteps > 0) await curve(`${name}: ${method}`, model, tokB, seed);
      model.dispose();
    }
    const scratch = await trainLm(tokB, `lm-${name.replace(/\s+/g, '-')}`, seed);
    record(seed, name, `scratch on B (${lmSteps} steps)`, windowLosses(scratch, tokB, windows), null);
    scratch.dispose();
  }
  hypernet.dispose();
  lmA.dispose();
}

const conditions = [...new Set(rows.map((r) => r.condition))];
const targetNames = [...new Set(rows.map((r) => r.target))];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cell = (t: string, c: string) => rows.filter((r) => r.target === t && r.condition === c);
const lines = [
  '# Tokenizer transfer on KJV',
  '',
  `LM_A: Vanilla d=64, 2 layers, ${lmSteps} steps on S_lm (${sLm.length} chars); tokenizer A: BPE ${vocabA} on S_lm.`,
  `Targets trained on S_tokB (${sTokB.length} chars). Hypernetwork: ${hnSteps} steps (20% identity), 3 layers, L = 8,`,
  'sampled Unigram tokenizers of size U[0.5·|V_A|, 2·|V_A|] (the stated small-scale deviation), residual: none.',
  `Evaluation: ${windows.length} byte-aligned windows of ${WINDOW_CHARS} characters of S_eval, BOS-prefixed; bits per byte`,
  `(95% bootstrap interval over windows, seed ${seeds[0]}); seeds: ${seeds.join(', ')}.`,
  '',
  '| target | condition | bits/byte (mean over seeds) | 95% CI (first seed) | tokens/byte | overlap with A |',
  '|---|---|---|---|---|---|',
];
for (const t of targetNames) {
  for (const c of conditions) {
    const rs = cell(t, c);
    if (rs.length === 0) continue;
    const ci = rs[0]!.ci;
    const overlap = rs[0]!.overlap === null ? '—' : `${(100 * rs[0]!.overlap!).toFixed(1)}%`;
    lines.push(
      `| ${t} | ${c} | ${mean(rs.map((r) => r.bpb)).toFixed(3)} | ${ci[0].toFixed(3)}–${ci[1].toFixed(3)} | ${rs[0]!.tokensPerByte.toFixed(3)} | ${overlap} |`,
    );
  }
}
const bpbOf = (t: string, c: string) => mean(cell(t, c).map((r) => r.bpb));
lines.push('', '## Gap closed by the hypernetwork over FVT', '');
const original = bpbOf(nameA, 'original');
for (const [t] of targets) {
  const fvt = bpbOf(t, 'fvt');
  const hn = bpbOf(t, 'hypernet');
  lines.push(
    `- ${t}: (FVT − HN) / (FVT − original A) = ${((fvt - hn) / (fvt - original)).toFixed(3)} (HN ${hn.toFixed(3)}, FVT ${fvt.toFixed(3)}, original ${original.toFixed(3)} bits/byte)`,
  );
}
lines.push(
  '',
  `Continued training (${continueSteps} steps, embeddings and body, first seed): curves.png.`,
  '',
);
const reportMd = path.join(outDir, 'report.md');
writeFileAtomic(reportMd, `${lines.join('\n')}\n`);
writeJsonAtomic(path.join(outDir, 'report.json'), {
  settings: { lmSteps, hnSteps, continueSteps, windowCount, corpusChars, seeds },
  rows,
  curves,
});
const barConditions = conditions.filter((c) => !c.startsWith('hypernet (HN(A)') && c !== 'original');
plotGroupedBars(
  targets.map(([t]) => t),
  barConditions.map((c) => ({ label: c, values: targets.map(([t]) => bpbOf(t, c)) })),
  path.join(outDir, 'bpb.png'),
  {
    title: `Zero-shot transfer from BPE 2048 (original: ${original.toFixed(3)} bits/byte)`,
    yLabel: 'bits per byte',
  },
);
if (curves.length > 0) {
  plotLines(curves, path.join(outDir, 'curves.png'), {
    title: 'Continued training from each start',
    xLabel: 'step',
    yLabel: 'bits per byte',
  });
}
log(`report: ${reportMd}`);
