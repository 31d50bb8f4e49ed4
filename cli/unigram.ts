/** `cleangpt tokenizers train-unigram`: EM-trained byte-level Unigram tokenizers. */
import type { Command } from 'commander';
import { inputFilesOption, integerAtLeast, overwriteOption } from './options.js';

/** Adds `train-unigram` to the `tokenizers` group. */
export function registerUnigramCommands(tokenizers: Command): void {
  tokenizers
    .command('train-unigram')
    .description(
      'train a byte-level Unigram LM tokenizer (EM with pruning, GPT-2 pre-tokenization) and save it',
    )
    .addOption(inputFilesOption('UTF-8 corpus files (each file is an independent document)'))
    .requiredOption('--vocab-size <n>', '256 bytes + pieces + the <|endoftext|> special', integerAtLeast(257))
    .requiredOption(
      '--out <dir>',
      'output directory (tokenizer.json with a Unigram model, tokenizer_config.json)',
    )
    .addOption(overwriteOption('replace --out even when it is not a saved tokenizer'))
    .action(async (opts: { input: string[]; vocabSize: number; out: string; overwrite?: boolean }) => {
      const { checkOutputDirectory, readTextFile, TOKENIZER_OUTPUT, trainUnigram, writeDirectoryAtomic } =
        await import('../text-api.js');
      const output = { kind: TOKENIZER_OUTPUT, inputs: opts.input, overwrite: opts.overwrite };
      checkOutputDirectory(opts.out, output); // before training rather than after
      const started = performance.now();
      const texts = opts.input.map((file) => readTextFile(file, 'corpus file'));
      const { tokenizer, rounds } = trainUnigram(texts, { vocabSize: opts.vocabSize });
      writeDirectoryAtomic(opts.out, (tmp) => tokenizer.savePretrained(tmp), output);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `trained a Unigram vocabulary of ${tokenizer.vocabSize} in ${rounds.length} EM/pruning round(s) in ${seconds} s -> ${opts.out}`,
      );
    });
}
