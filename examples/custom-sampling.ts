/**
 * Registering a custom sampling strategy. A strategy is a function from a [rows, V] block of logits to
 * one token id per row, drawing from the seeded generator it is given; `registerSampling(name, fn)` makes
 * it available by name next to the built-ins (greedy, temperature, top_k, top_p, min_p, combined).
 *
 * The strategy here is locally typical sampling (Meister et al., 2023): keep the tokens whose surprisal
 * −log p is closest to the distribution's entropy, until they hold `mass` of the probability, and sample
 * among them. The script trains a small model on the KJV corpus, then generates with three strategies,
 * each selected by name through `runGeneration(…, { strategy })`.
 *
 *   npm run build && node dist/examples/custom-sampling.js [--steps N] [--out DIR] [FILE...]
 *
 * FILE...: corpus files, default data/kjv.txt (documents separated by blank lines).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  BPETokenizer,
  dataFile,
  filterLogits,
  GPTConfig,
  initBackend,
  registerSampling,
  runGeneration,
  type SamplingFn,
  type SamplingOptions,
  softmax,
  trainBPE,
  trainLanguageModel,
} from '../index.js';

/** Counts what the strategy did, so the script can show it really ran. */
const typicalStats = { calls: 0, candidates: 0 };

function typicalSampling(mass: number): SamplingFn {
  return (logits, rows, options, rng) => {
    const V = logits.length / rows;
    const ids: number[] = [];
    for (let r = 0; r < rows; r++) {
      // filterLogits applies the temperature (and top-k/top-p/min-p, if the caller asked for them too).
      const probs = softmax(filterLogits(logits.subarray(r * V, (r + 1) * V), options));
      let entropy = 0;
      for (const p of probs) if (p > 0) entropy -= p * Math.log(p);
      const distance = (id: number): number => Math.abs(-Math.log(probs[id]!) - entropy);
      const order = [...probs.keys()]
        .filter((id) => probs[id]! > 0)
        .sort((a, b) => distance(a) - distance(b));
      const kept: number[] = [];
      let keptMass = 0;
      for (const id of order) {
        kept.push(id);
        keptMass += probs[id]!;
        if (keptMass >= mass) break;
      }
      let u = rng() * keptMass;
      let choice = kept[kept.length - 1]!; // where rounding leaves u ≥ the kept mass
      for (const id of kept) {
        u -= probs[id]!;
        if (u < 0) {
          choice = id;
          break;
        }
      }
      ids.push(choice);
      typicalStats.calls++;
      typicalStats.candidates += kept.length;
    }
    return ids;
  };
}

registerSampling('typical', typicalSampling(0.9));

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '150' },
    out: { type: 'string', default: path.join('out', 'examples', 'custom-sampling') },
  },
});
const steps = Number(args.steps);
if (!Number.isInteger(steps) || steps < 1)
  throw new Error(`--steps must be a positive integer, got ${args.steps}`);
const files = positionals.length > 0 ? positionals : [dataFile('kjv.txt')];

await initBackend();
const specialTokens = ['<|endoftext|>'];
const { vocab, merges } = await trainBPE({ input: files, vocabSize: 1024, specialTokens });
const tokenizer = new BPETokenizer({ vocab, merges, specialTokens });
const { model, final } = await trainLanguageModel({
  config: GPTConfig.create({
    modelType: 'Vanilla',
    blockSize: 64,
    nLayer: 2,
    nHead: 4,
    nEmbd: 64,
    dropout: 0,
    batchSize: 16,
    learningRate: 3e-3,
  }),
  tokenizer,
  inputs: files,
  documentSeparator: '\n\n',
  outDir: path.resolve(args.out),
  maxSteps: steps,
  evalInterval: Math.max(1, Math.floor(steps / 2)),
  evalBatches: 5,
});
if (final === null) throw new Error('the corpus is too short to hold out a validation block');
console.log(
  `trained ${steps} steps: validation loss ${final.loss.toFixed(4)} nats/token, ` +
    `bits per byte ${final.bitsPerByte?.toFixed(4)}`,
);

const prompt = 'And God said';
const strategies: Array<[string, SamplingOptions]> = [
  ['greedy', {}],
  ['top_k', { temperature: 0.8, topK: 40 }],
  ['typical', { temperature: 1 }],
];
for (const [strategy, options] of strategies) {
  // runGeneration looks the strategy up by name and calls it for every new token (with the KV cache).
  const { ids, text } = runGeneration(model, tokenizer, prompt, {
    ...options,
    strategy,
    maxNewTokens: 40,
    seed: 1,
  });
  const newTokens = ids.length - tokenizer.encode(prompt).length;
  console.log(`${strategy.padEnd(8)} ${text.replace(/\s+/g, ' ').trim()}`);
  if (strategy === 'typical') {
    console.log(
      `typical: sampler called ${typicalStats.calls} times for ${newTokens} new tokens, ` +
        `keeping ${(typicalStats.candidates / typicalStats.calls).toFixed(1)} of ${model.vocabSize} candidates on average`,
    );
  }
}
