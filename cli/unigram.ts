/** `cleangpt tokenizers train-unigram`: EM-trained byte-level Unigram tokenizers. */
import type { Command } from 'commander';
import {
  inputFilesOption,
  integerAtLeast,
  invalidUtf8Option,
  invalidUtf8Policy,
  overwriteOption,
} from './options.js';

interface UnigramOptions {
  input: string[];
  vocabSize: number;
  replaceInvalidUtf8?: boolean;
  out: string;
  overwrite?: boolean;
}

/** Adds `train-unigram` to the `tokenizers` group. */
export function registerUnigramCommands(tokenizers: Command): void {
  tokenizers
    .command('train-unigram')
    .description(
      'train a byte-level Unigram LM tokenizer (EM with pruning, GPT-2 pre-tokenization) and save it',
    )
    .addOption(
      inputFilesOption('text, JSONL or Parquet files, folders or hf:// paths (each document independent)'),
    )
    .requiredOption('--vocab-size <n>', '256 bytes + pieces + the <|endoftext|> special', integerAtLeast(257))
    .requiredOption(
      '--out <dir>',
      'output directory (tokenizer.json with a Unigram model, tokenizer_config.json)',
    )
    .addOption(invalidUtf8Option())
    .addOption(overwriteOption('replace --out even when it is not a saved tokenizer'))
    .action(async (opts: UnigramOptions) => {
      const { checkOutputDirectory, readCorpus, TOKENIZER_OUTPUT, trainUnigram, writeDirectoryAtomic } =
        await import('../text-api.js');
      const output = { kind: TOKENIZER_OUTPUT, inputs: opts.input, overwrite: opts.overwrite };
      checkOutputDirectory(opts.out, output); // before training rather than after
      const started = performance.now();
      const texts: string[] = [];
      for await (const document of readCorpus(opts.input, { invalidUtf8: invalidUtf8Policy(opts) }))
        texts.push([...document].join(''));
      const { tokenizer, rounds } = trainUnigram(texts, { vocabSize: opts.vocabSize });
      writeDirectoryAtomic(opts.out, (tmp) => tokenizer.savePretrained(tmp), output);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `trained a Unigram vocabulary of ${tokenizer.vocabSize} in ${rounds.length} EM/pruning round(s) in ${seconds} s -> ${opts.out}`,
      );
    });
}
