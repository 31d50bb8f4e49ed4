/**
 * Text in, text out: `runGeneration` encodes a prompt exactly like training text (no BOS/EOS appended,
 * unlike the reference, whose character prompts ended in EOS), samples with the model's KV-cache
 * `generate`, and decodes. `batchGenerate` runs all prompts as one left-padded batch (the model masks the
 * padding), and each prompt gets exactly what `runGeneration` would give it. Both stream through
 * `onToken`.
 */
import type { GenerationConfig } from '../config.js';
import type { OnnxLanguageModel } from '../model/onnx-runtime.js';
import type { TransformerModel } from '../model/transformer.js';
import type { GenerateOptions } from '../model/types.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { getSamplingFn } from './sampling.js';
import { TextDeltaDecoder } from './text-delta.js';

/** One streamed token. */
export interface TokenEvent {
  /** Which prompt (its index in `batchGenerate`'s list; 0 for `runGeneration`). */
  index: number;
  token: number;
  /** 0 for the first new token. */
  step: number;
  /**
   * The text this token completes, '' while it ends inside a multi-byte character. A prompt's deltas
   * concatenate to the decoded continuation: `result.text` is the decoded prompt followed by them.
   */
  text: string;
}

/**
 * Sampling options; `maxNewTokens`, `temperature` and `topK` default to the model config's generation
 * section (`generationMaxLen`, `temperature`, `topK` in its JSON).
 */
export type GenerationOptions = Omit<GenerateOptions, 'maxNewTokens' | 'seed' | 'onToken' | 'sampler'> & {
  maxNewTokens?: number;
  /**
   * A registered sampling strategy by name (`greedy`, `top_k`, … or one added with `registerSampling`),
   * given these options; default: the model's built-in sampler with them.
   */
  strategy?: string;
  /** Stop a sequence at the tokenizer's EOS (default true). */
  stopAtEos?: boolean;
  /** Sampling seed; every prompt of a batch uses it, as it would alone. Default: the clock. */
  seed?: number;
  /** Called for each new token of each prompt, in order, as soon as it is sampled. */
  onToken?: (event: TokenEvent) => void;
};

export interface GenerationResult {
  /** Prompt and continuation ids. */
  ids: number[];
  /** Decoded text of `ids`, special tokens skipped. */
  text: string;
}

function promptIds(tokenizer: BaseTokenizer, prompt: string): number[] {
  const ids = tokenizer.encode(prompt);
  if (ids.length > 0) return ids;
  // Training text is documents joined by EOS, so EOS is what precedes a document's first token.
  const start = tokenizer.eosTokenId ?? tokenizer.bosTokenId;
  if (start === null) throw new Error('empty prompt and the tokenizer has no EOS or BOS token to start from');
  return [start];
}

/**
 * The model's options for the prompts `indices` (batch row r is prompt indices[r]): the caller's, else
 * the model config's generation section (`GenerationConfig`, whose defaults are the reference's).
 */
function generateOptions(
  defaults: GenerationConfig,
  tokenizer: BaseTokenizer,
  options: GenerationOptions,
  indices: readonly number[],
  prompts: readonly (readonly number[])[],
): GenerateOptions {
  const { stopAtEos = true, seed, onToken, strategy, ...rest } = options;
  const resolved: GenerateOptions = {
    maxNewTokens: defaults.maxNewTokens,
    temperature: defaults.temperature,
    topK: defaults.topK,
    // An option given as undefined (an unset command-line flag) keeps the model's default.
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    eosTokenId: stopAtEos ? (options.eosTokenId ?? tokenizer.eosTokenId) : null,
  };
  if (strategy !== undefined) {
    const sample = getSamplingFn(strategy);
    const settings = { ...resolved };
    resolved.sampler = (logits, rng, previous) => sample(logits, 1, settings, rng, [previous])[0]!;
  }
  if (seed !== undefined) resolved.seed = indices.map(() => seed);
  if (onToken !== undefined) {
    const decoders = prompts.map((ids) => new TextDeltaDecoder(tokenizer, ids));
    const { maxNewTokens, eosTokenId } = resolved;
    resolved.onToken = (token, row, step) => {
      const last = token === eosTokenId || step === maxNewTokens - 1;
      onToken({ index: indices[row]!, token, step, text: decoders[row]!.push(token, last) });
    };
  }
  return resolved;
}

export function runGeneration(
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  prompt: string,
  options: GenerationOptions = {},
): GenerationResult {
  const prompted = promptIds(tokenizer, prompt);
  const [ids] = model.generate(
    [prompted],
    generateOptions(model.config.generation, tokenizer, options, [0], [prompted]),
  );
  return { ids: ids!, text: tokenizer.decode(ids!, { skipSpecialTokens: true }) };
}

/** `runGeneration` on onnxruntime: the same options, and the same greedy tokens and seeded samples. */
export async function runOnnxGeneration(
  model: OnnxLanguageModel,
  tokenizer: BaseTokenizer,
  prompt: string,
  options: GenerationOptions = {},
): Promise<GenerationResult> {
  const prompted = promptIds(tokenizer, prompt);
  const [ids] = await model.generate(
    [prompted],
    generateOptions(model.config.generation, tokenizer, options, [0], [prompted]),
  );
  return { ids: ids!, text: tokenizer.decode(ids!, { skipSpecialTokens: true }) };
}

/**
 * Generates for every prompt in one batched `generate` call. A prompt that cannot be encoded or holds ids
 * outside the model's vocabulary yields `{ids: [], text: '[Generation Error: …]'}` (the reference's
 * contract), as does every prompt when generation itself fails; an exception from `onToken` propagates.
 */
export function batchGenerate(
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  prompts: readonly string[],
  options: GenerationOptions = {},
): GenerationResult[] {
  const failed = (error: unknown): GenerationResult => ({
    ids: [],
    text: `[Generation Error: ${(error as Error).message}]`,
  });
  const results: GenerationResult[] = prompts.map(() => ({ ids: [], text: '' }));
  const batch: Array<{ index: number; ids: number[] }> = [];
  prompts.forEach((prompt, index) => {
    try {
      const ids = promptIds(tokenizer, prompt);
      const outside = ids.find((id) => id >= model.vocabSize);
      if (outside !== undefined) {
        throw new Error(`token id ${outside} is outside the model vocabulary (vocabSize ${model.vocabSize})`);
      }
      batch.push({ index, ids });
    } catch (error) {
      results[index] = failed(error);
    }
  });
  if (batch.length === 0) return results;
  const { onToken } = options;
  let callbackFailed = false;
  const guarded: GenerationOptions = { ...options };
  if (onToken !== undefined) {
    guarded.onToken = (event) => {
      try {
        onToken(event);
      } catch (error) {
        callbackFailed = true;
        throw error;
      }
    };
  }
  try {
    const out = model.generate(
      batch.map((p) => p.ids),
      generateOptions(
        model.config.generation,
        tokenizer,
        guarded,
        batch.map((p) => p.index),
        batch.map((p) => p.ids),
      ),
    );
    batch.forEach((p, row) => {
      results[p.index] = { ids: out[row]!, text: tokenizer.decode(out[row]!, { skipSpecialTokens: true }) };
    });
  } catch (error) {
    if (callbackFailed) throw error;
    for (const p of batch) results[p.index] = failed(error);
  }
  return results;
}
