/**
 * Train a Vanilla or SASP transformer on top of any of four tokenizers — character, byte, GPT-2, or a
 * byte-level BPE trained on the corpus first — and report bits per byte: unlike loss per token, it does
 * not depend on how the text was cut into tokens, so runs with different tokenizers compare directly.
 *
 *   npm run build
 *   node dist/examples/train-language-model.js --tokenizer bpe --model SASP
 *   node dist/examples/train-language-model.js --tokenizer char data/multilingual/*.txt
 *
 * Arguments: corpus files (default data/kjv.txt; documents are separated by blank lines). Flags:
 *   --tokenizer char|byte|gpt2|bpe   default bpe
 *   --model Vanilla|SASP             default DEFAULT_MODEL_TYPE, Vanilla (or any name given to registerModel)
 *   --steps N                        optimizer steps, default 200 (gpt2: 40, see RUN_SIZE)
 *   --batch-size N                   sequences of 64 tokens per step, default 16 (gpt2: 8)
 *   --bpe-vocab N                    vocabulary of the trained BPE, default 1024
 *   --prompt TEXT                    start of the printed sample, default "And God said"
 *   --out DIR                        default out/examples/<tokenizer>-<model>
 * CLEANGPT_BACKEND=wasm|cpu|… picks the TensorFlow.js backend.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BaseTokenizer,
  BPETokenizer,
  ByteLevelTokenizer,
  CharacterTokenizer,
  DEFAULT_MODEL_TYPE,
  dataFile,
  GPT2Tokenizer,
  GPTConfig,
  initBackend,
  runGeneration,
  trainBPE,
  trainLanguageModel,
} from '../index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tokenizer: { type: 'string', default: 'bpe' },
    model: { type: 'string', default: DEFAULT_MODEL_TYPE },
    steps: { type: 'string' },
    'batch-size': { type: 'string' },
    'bpe-vocab': { type: 'string' },
    prompt: { type: 'string', default: 'And God said' },
    out: { type: 'string' },
  },
});

type TokenizerKind = 'char' | 'byte' | 'gpt2' | 'bpe';
// About a minute or two each on two CPU cores. GPT-2's 50257-wide output layer makes a token ~15× as
// costly as with the others, so its run takes fewer, smaller steps.
const RUN_SIZE: Record<TokenizerKind, { steps: number; batchSize: number }> = {
  char: { steps: 200, batchSize: 16 },
  byte: { steps: 200, batchSize: 16 },
  bpe: { steps: 200, batchSize: 16 },
  gpt2: { steps: 40, batchSize: 8 },
};
if (!Object.hasOwn(RUN_SIZE, args.tokenizer))
  throw new Error(`--tokenizer must be char, byte, gpt2 or bpe, got "${args.tokenizer}"`);
const kind = args.tokenizer as TokenizerKind;
const runSize = RUN_SIZE[kind];
function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got ${value}`);
  return n;
}
const steps = positiveInteger('steps', args.steps, runSize.steps);
const batchSize = positiveInteger('batch-size', args['batch-size'], runSize.batchSize);
const files = positionals.length > 0 ? positionals : [dataFile('kjv.txt')];

/** The four ways to turn text into ids; only the character and BPE tokenizers learn from the corpus. */
async function buildTokenizer(kind: TokenizerKind, corpus: string[]): Promise<BaseTokenizer> {
  switch (kind) {
    case 'char': {
      // One id per code point seen in the corpus (plus <unk>/<pad>/<bos>/<eos>).
      const tokenizer = new CharacterTokenizer();
      tokenizer.buildVocabFromTexts(corpus.map((f) => fs.readFileSync(f, 'utf8')));
      return tokenizer;
    }
    case 'byte':
      // 256 byte ids plus specials: every string is representable, sequences are longest.
      return new ByteLevelTokenizer();
    case 'gpt2':
      // GPT-2's 50257-id vocabulary, learned on web text (bundled, works offline).
      return new GPT2Tokenizer();
    case 'bpe': {
      // Byte-level BPE learned on this corpus; <|endoftext|> separates documents and is the EOS.
      const specialTokens = ['<|endoftext|>'];
      const { vocab, merges } = await trainBPE({
        input: corpus,
        vocabSize: positiveInteger('bpe-vocab', args['bpe-vocab'], 1024),
        specialTokens,
      });
      return new BPETokenizer({ vocab, merges, specialTokens });
    }
  }
}

await initBackend();
const tokenizer = await buildTokenizer(kind, files);
const outDir = path.resolve(args.out ?? path.join('out', 'examples', `${args.tokenizer}-${args.model}`));
console.log(
  `${args.tokenizer} tokenizer: ${tokenizer.vocabSize} ids; training ${args.model} for ${steps} steps`,
);

// Small enough for a laptop CPU; vocabSize and the padding id are filled in from the tokenizer.
const config = GPTConfig.create({
  modelType: args.model,
  blockSize: 64,
  nLayer: 2,
  nHead: 4,
  nEmbd: 64,
  dropout: 0,
  batchSize,
  learningRate: 3e-3,
});
const { model, final } = await trainLanguageModel({
  config,
  tokenizer,
  inputs: files,
  documentSeparator: '\n\n', // each document ends with the tokenizer's EOS
  outDir,
  maxSteps: steps,
  evalInterval: Math.max(1, Math.floor(steps / 2)),
  evalBatches: 5,
});
if (final === null) throw new Error('the corpus is too short to hold out a validation block');
console.log(
  `validation loss ${final.loss.toFixed(4)} nats/token, ` +
    `bits per byte ${final.bitsPerByte?.toFixed(4)} (${model.numParams()} parameters)`,
);

const { text } = runGeneration(model, tokenizer, args.prompt, {
  maxNewTokens: 60,
  temperature: 0.8,
  topK: 40,
  seed: 1,
});
console.log(`sample: ${text.replace(/\s+/g, ' ').trim()}`);
console.log(`model, tokenizer, metrics.jsonl and loss.png in ${outDir}`);
