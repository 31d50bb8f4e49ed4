/**
 * One training run in a fresh process (spawned by bpe-train.ts so each peer's peak RSS is its own):
 * `node dist/bench/bpe-train-run.js cleangpt|hf FILE VOCAB [WORKERS]`. Prints one JSON object.
 */
import { createRequire } from 'node:module';
import { trainBPE } from '../tokenizers/bpe/trainer.js';

interface HfTokenizers {
  Tokenizer: new (
    model: unknown,
  ) => {
    setPreTokenizer(p: unknown): void;
    train(files: string[]): void;
    getVocabSize(withAddedTokens?: boolean): number;
  };
  BPE: { empty(): unknown };
  byteLevelPreTokenizer(addPrefixSpace?: boolean, useRegex?: boolean): unknown;
}

async function main(): Promise<void> {
  const [impl, file, vocabArg, workersArg] = process.argv.slice(2);
  if ((impl !== 'cleangpt' && impl !== 'hf') || file === undefined) {
    throw new Error('usage: bpe-train-run.js cleangpt|hf FILE VOCAB [WORKERS]');
  }
  const vocabSize = Number(vocabArg ?? 30000);
  let vocab = 0;
  let countSeconds: number | null = null;
  const started = performance.now();
  if (impl === 'hf') {
    // The npm package trains only with its default trainer (vocab 30000, no specials).
    const hf = createRequire(import.meta.url)('tokenizers') as HfTokenizers;
    const tokenizer = new hf.Tokenizer(hf.BPE.empty());
    tokenizer.setPreTokenizer(hf.byteLevelPreTokenizer(false, true));
    tokenizer.train([file]);
    vocab = tokenizer.getVocabSize(true);
  } else {
    const result = await trainBPE({
      input: [file],
      vocabSize,
      numWorkers: workersArg === undefined ? undefined : Number(workersArg),
      onProgress: (p) => {
        if (p.phase === 'merge' && countSeconds === null) countSeconds = (performance.now() - started) / 1000;
      },
    });
    vocab = result.vocab.size;
  }
  const seconds = (performance.now() - started) / 1000;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ impl, seconds, countSeconds, peakRssMB, vocab }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
