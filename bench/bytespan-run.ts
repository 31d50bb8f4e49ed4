/**
 * One ByteSpan training run in a fresh process (spawned by bytespan.ts, so its peak RSS is its own):
 * `node dist/bench/bytespan-run.js CUE_DIR CONFIG_JSON`. Loads the cue corpus, trains, prints one JSON
 * object with the load and training seconds, the phases' seconds, RSS after loading and peak RSS.
 */
import { readCueCorpus } from '../tokenizers/bytespan/cue-corpus.js';
import { trainGlobal } from '../tokenizers/bytespan/global.js';
import { type ByteSpanOptions, trainByteSpan } from '../tokenizers/bytespan/span-trainer.js';

export type RunConfig =
  | ({ kind: 'bytespan' } & Omit<ByteSpanOptions, 'cue' | 'onProgress'>)
  | { kind: 'global'; vocabSizes: number[]; leftShift?: boolean };

const mb = (bytes: number) => bytes / 2 ** 20;

async function main(): Promise<void> {
  const [dir, json] = process.argv.slice(2);
  if (dir === undefined || json === undefined) throw new Error('usage: bytespan-run.js CUE_DIR CONFIG_JSON');
  const config = JSON.parse(json) as RunConfig;
  const began = performance.now();
  const corpus = readCueCorpus(dir, ['surprisal']);
  const loadSeconds = (performance.now() - began) / 1000;
  const rssAfterLoadMB = mb(process.memoryUsage().rss);
  const phases: Record<string, number> = {};
  let phase = 'start';
  let phaseStart = performance.now();
  const enter = (name: string) => {
    if (name === phase) return;
    const now = performance.now();
    phases[phase] = (phases[phase] ?? 0) + (now - phaseStart) / 1000;
    phase = name;
    phaseStart = now;
  };
  const started = performance.now();
  let summary: Record<string, unknown>;
  if (config.kind === 'global') {
    const result = trainGlobal(corpus, {
      cue: 'surprisal',
      vocabSizes: config.vocabSizes,
      leftShift: config.leftShift === true,
      onProgress: (p) => enter(p.phase),
    });
    summary = {
      sizes: Object.fromEntries(
        [...result.vocabs].map(([v, x]) => [v, { tokens: x.tokens.length, complete: x.complete }]),
      ),
      checkpoints: result.stats.length,
    };
  } else {
    const { kind: _kind, ...options } = config;
    const result = await trainByteSpan(corpus, {
      ...options,
      cue: 'surprisal',
      onProgress: (p) => enter(p.phase === 'bpe' ? `bpe-${p.vocabSize}` : p.phase),
    });
    summary = {
      threshold: result.threshold,
      candidates: result.candidates,
      occurrences: result.occurrences,
      sizes: Object.fromEntries(
        [...result.vocabs].map(([v, x]) => [
          v,
          { spanTokens: x.spanTokens, bpeTokens: x.bpeTokens, bpeMerges: x.bpeMerges, complete: x.complete },
        ]),
      ),
    };
  }
  enter('done');
  const seconds = (performance.now() - started) / 1000;
  const memory = process.memoryUsage();
  console.log(
    JSON.stringify({
      seconds,
      loadSeconds,
      phases,
      rssAfterLoadMB,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      heapUsedMB: mb(memory.heapUsed),
      arrayBuffersMB: mb(memory.arrayBuffers),
      bytes: corpus.meta.numBytes,
      documents: corpus.meta.numDocuments,
      ...summary,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
