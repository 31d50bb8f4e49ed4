/**
 * Generation throughput (new tokens/s, greedy, KV cache): prompts of different lengths generated one
 * after another versus as one left-padded batch, side by side on the same model, and whether both give
 * the same tokens. Prints JSON lines.
 * Usage: node dist/bench/generation.js [--prompts N] [--new-tokens N] [--repeats N] [--backends wasm,cpu]
 *   [--model Vanilla|SASP]
 */
import { GPTConfig } from '../config.js';
import { type BackendName, initBackend } from '../model/backend.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import { arg, median } from './args.js';

// The `tiny` config of bench/model.ts.
const SHAPE = { vocabSize: 256, blockSize: 128, nEmbd: 128, nLayer: 2, nHead: 4 };

/** Prompts of lengths spread over 4 … 64 tokens, from a fixed LCG. */
function promptsOf(count: number): number[][] {
  let s = 7;
  const next = () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s;
  };
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: 4 + Math.round((60 * i) / Math.max(1, count - 1)) }, () => next() % 256),
  );
}

function timed<T>(run: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = run();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const count = Number(arg('prompts', '8'));
  const newTokens = Number(arg('new-tokens', '32'));
  const repeats = Number(arg('repeats', '3'));
  const backends = arg('backends', 'wasm').split(',') as BackendName[];
  const modelType = arg('model', 'Vanilla');
  const prompts = promptsOf(count);
  const options = { maxNewTokens: newTokens, temperature: 0 };
  for (const backend of backends) {
    try {
      await initBackend({ backend, log: null });
    } catch (error) {
      console.log(JSON.stringify({ bench: 'generate', backend, skipped: (error as Error).message }));
      continue;
    }
    const config = GPTConfig.create({ modelType, ...SHAPE, dropout: 0 });
    const model: TransformerModel = getModel(modelType, config, { seed: 1 });
    model.generate(prompts[0]!, { maxNewTokens: 2, temperature: 0 }); // warm-up
    const modes = {
      'one-by-one': () => prompts.map((p) => model.generate([p], options)[0]!),
      batched: () => model.generate(prompts, options),
    };
    const outputs: Record<string, number[][]> = {};
    for (const [mode, run] of Object.entries(modes)) {
      const seconds: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const { value, seconds: s } = timed(run);
        outputs[mode] = value;
        seconds.push(s);
      }
      console.log(
        JSON.stringify({
          bench: 'generate',
          model: modelType,
          backend,
          prompts: count,
          newTokens,
          mode,
          tokensPerSecond: Math.round((count * newTokens) / median(seconds)),
          seconds: seconds.map((s) => +s.toFixed(3)),
        }),
      );
    }
    const same = JSON.stringify(outputs['one-by-one']) === JSON.stringify(outputs.batched);
    console.log(JSON.stringify({ bench: 'generate', model: modelType, backend, identicalOutputs: same }));
    model.dispose();
  }
}

await main();
