/**
 * Throughput of the token-usage analysis and of the tokenizer metrics, next to a bare encode loop over the
 * same lines, so the cost of counting and word alignment on top of tokenization is visible. One JSON line
 * per figure (median of the rounds).
 *
 *   npm run bench:token-stats -- [--file data/kjv.txt] [--tokenizer gpt2] [--rounds 5]
 */
import * as fs from 'node:fs';
import { evaluateCorpus } from '../analysis/evaluate.js';
import { TokenUsageAnalyzer } from '../analysis/token-usage.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { resolveTokenizer } from '../tokenizers/registry.js';
import { readLines } from '../utils/text-stream.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const file = arg('file', 'data/kjv.txt');
const tokenizerName = arg('tokenizer', 'gpt2');
const rounds = Number(arg('rounds', '5'));
const bytes = fs.statSync(file).size;
const tokenizer = resolveTokenizer(tokenizerName);
// A character tokenizer made by name has no vocabulary yet: give it the file's characters.
if (tokenizer instanceof CharacterTokenizer) tokenizer.buildVocabFromTexts(readLines(file));

const tasks: Record<string, () => unknown> = {
  'encode-lines': () => {
    for (const line of readLines(file)) if (line.length > 0) tokenizer.encode(line);
  },
  'token-usage-analyzer': () => {
    return new TokenUsageAnalyzer(tokenizer).analyzeTexts({ file }, { showProgress: false });
  },
  'tokenizer-metrics': async () => {
    (await evaluateCorpus(tokenizer, { name: 'bench', file }, { showProgress: false })).result();
  },
};

// Warm-up: one untimed run of each task fills the tokenizer's caches and lets the JIT settle.
for (const run of Object.values(tasks)) await run();
const times: Record<string, number[]> = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(tasks)) {
    const t0 = performance.now();
    await run();
    times[name]!.push(performance.now() - t0);
  }
}
for (const [name, ms] of Object.entries(times)) {
  const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
  console.log(
    JSON.stringify({
      bench: 'token-statistics',
      task: name,
      tokenizer: tokenizerName,
      file,
      bytes,
      rounds,
      medianMs: Number(median.toFixed(1)),
      mbPerSecond: Number((bytes / 1e6 / (median / 1000)).toFixed(2)),
      node: process.version,
    }),
  );
}
