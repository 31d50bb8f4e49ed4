/**
 * The main job (`npm run demo`): on the embedded King James Bible corpus, train a byte-level BPE
 * tokenizer, train a small Vanilla transformer for a few minutes on the CPU, report validation loss and
 * bits per byte, print samples, and write token statistics, a tokenizer comparison and plots.
 *
 * Environment knobs: DEMO_STEPS (default 150), DEMO_OUT (default out/demo), CLEANGPT_BACKEND.
 */
import * as path from 'node:path';
import {
  BPETokenizer,
  compareTokenizers,
  createTokenizer,
  dataFile,
  GPTConfig,
  initBackend,
  runGeneration,
  TokenUsageAnalyzer,
  trainBPE,
  trainLanguageModel,
} from '../index.js';

const corpus = dataFile('kjv.txt');
const outDir = path.resolve(process.env.DEMO_OUT ?? path.join('out', 'demo'));
const maxSteps = Number(process.env.DEMO_STEPS ?? 150);
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;

const backend = await initBackend();
console.log(`1/5 training a byte-level BPE tokenizer (vocabulary 2048) on ${path.basename(corpus)}`);
const specials = ['<|endoftext|>'];
const { vocab, merges } = await trainBPE({ input: [corpus], vocabSize: 2048, specialTokens: specials });
const tokenizer = new BPETokenizer({ vocab, merges, specialTokens: specials });
tokenizer.eosToken = '<|endoftext|>';
tokenizer.padToken = '<|endoftext|>';
console.log(`    ${merges.length} merges (${elapsed()})`);

console.log(`2/5 training a 4-layer Vanilla transformer for ${maxSteps} steps on the ${backend} backend`);
const config = GPTConfig.create({
  modelType: 'Vanilla',
  blockSize: 128,
  nLayer: 4,
  nHead: 4,
  nEmbd: 128,
  dropout: 0,
  batchSize: 16,
  learningRate: 2e-3,
  weightDecay: 0.1,
});
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const { model, final } = await trainLanguageModel({
  config,
  tokenizer,
  inputs: [corpus],
  outDir,
  maxSteps,
  warmupSteps: Math.floor(maxSteps / 10),
  evalInterval: Math.max(1, Math.floor(maxSteps / 5)),
  evalBatches: 10,
  documentSeparator: '\n\n',
  signal: controller.signal,
});
console.log(`    done (${elapsed()})`);
if (final !== null) {
  console.log(
    `3/5 validation: loss ${final.loss.toFixed(3)} nats/token, perplexity ${final.perplexity.toFixed(1)}, ` +
      `${final.bitsPerByte?.toFixed(3)} bits per byte over ${final.tokens} tokens`,
  );
}

console.log('4/5 samples (temperature 0.8, top-k 40)');
for (const [i, prompt] of ['In the beginning', 'And the LORD said unto Moses', 'Blessed are the'].entries()) {
  const { text } = runGeneration(model, tokenizer, prompt, {
    maxNewTokens: 48,
    temperature: 0.8,
    topK: 40,
    seed: i,
  });
  console.log(`    > ${text.replace(/\s+/g, ' ').trim()}`);
}

console.log('5/5 token statistics and a tokenizer comparison');
const analyzer = new TokenUsageAnalyzer(tokenizer);
const summary = await analyzer.analyzeTexts({ file: corpus });
analyzer.saveAnalysis(path.join(outDir, 'statistics'));
console.log(
  `    BPE-2048 on KJV: ${summary.totalTokens} tokens, ${summary.uniqueTokens} types used ` +
    `(${(summary.vocabUtilization * 100).toFixed(1)} % of the vocabulary)`,
);
const report = await compareTokenizers({
  tokenizers: [
    { name: 'bpe-2048 (kjv)', tokenizer },
    { name: 'gpt2', tokenizer: createTokenizer('gpt2') },
    { name: 'byte', tokenizer: createTokenizer('byte') },
  ],
  inputs: [corpus],
  outDir: path.join(outDir, 'comparison'),
});
for (const t of report.tokenizers) {
  console.log(
    `    ${t.name.padEnd(16)} ${t.bytesPerToken.toFixed(2)} bytes/token, fertility ${t.fertility.toFixed(2)}`,
  );
}
console.log(
  `\nEverything is in ${outDir} (model, tokenizer, metrics.jsonl, loss.png, statistics/, comparison/) — ${elapsed()}`,
);
