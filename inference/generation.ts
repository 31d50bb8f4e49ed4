/**
 * Text in, text out: `runGeneration` encodes a prompt exactly like training text (no BOS/EOS appended,
 * unlike the reference, whose character prompts ended in EOS), samples with the model's KV-cache
 * `generate`, and decodes. `batchGenerate` batches prompts of equal token length into one `generate` call
 * each and reports per-prompt errors instead of failing the whole batch.
 */
import type { GenerateOptions, TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';

export type GenerationOptions = Omit<GenerateOptions, 'maxNewTokens'> & {
  maxNewTokens?: number;
  /** Stop a sequence at the tokenizer's EOS (default true). */
  stopAtEos?: boolean;
};

export interface GenerationResult {
  /** Prompt and continuation ids. */
  ids: number[];
  /** Decoded text of `ids`, special tokens skipped. */
  text: string;
}

/** Defaults of the reference's `get_generation_args`. */
export const GENERATION_DEFAULTS = { maxNewTokens: 50, temperature: 0.8, topK: 50 } as const;

function promptIds(tokenizer: BaseTokenizer, prompt: string): number[] {
  const ids = tokenizer.encode(prompt);
  if (ids.length > 0) return ids;
  // Training text is documents joined by EOS, so EOS is what precedes a document's first token.
  const start = tokenizer.eosTokenId ?? tokenizer.bosTokenId;
  if (start === null) throw new Error('empty prompt and the tokenizer has no EOS or BOS token to start from');
  return [start];
}

function generateOptions(tokenizer: BaseTokenizer, options: GenerationOptions): GenerateOptions {
  const { stopAtEos = true, ...rest } = options;
  return {
    ...GENERATION_DEFAULTS,
    ...rest,
    eosTokenId: stopAtEos ? (options.eosTokenId ?? tokenizer.eosTokenId) : null,
  };
}

export function runGeneration(
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  prompt: string,
  options: GenerationOptions = {},
): GenerationResult {
  const [ids] = model.generate([promptIds(tokenizer, prompt)], generateOptions(tokenizer, options));
  return { ids: ids!, text: tokenizer.decode(ids!, { skipSpecialTokens: true }) };
}

/**
 * Generates for every prompt; prompts with the same token length share one batched `generate` call. A
 * prompt that fails yields `{ids: [], text: '[Generation Error: …]'}` (the reference's contract).
 */
export function batchGenerate(
  model: TransformerModel,
  tokenizer: BaseTokenizer,
  prompts: readonly string[],
  options: GenerationOptions = {},
): GenerationResult[] {
  const results: GenerationResult[] = prompts.map(() => ({ ids: [], text: '' }));
  const groups = new Map<number, Array<{ index: number; ids: number[] }>>();
  prompts.forEach((prompt, index) => {
    try {
      const ids = promptIds(tokenizer, prompt);
      const group = groups.get(ids.length) ?? [];
      group.push({ index, ids });
      groups.set(ids.length, group);
    } catch (error) {
      results[index] = { ids: [], text: `[Generation Error: ${(error as Error).message}]` };
    }
  });
  for (const group of groups.values()) {
    try {
      const out = model.generate(
        group.map((g) => g.ids),
        generateOptions(tokenizer, options),
      );
      group.forEach((g, i) => {
        results[g.index] = { ids: out[i]!, text: tokenizer.decode(out[i]!, { skipSpecialTokens: true }) };
      });
    } catch (error) {
      for (const g of group)
        results[g.index] = { ids: [], text: `[Generation Error: ${(error as Error).message}]` };
    }
  }
  return results;
}
