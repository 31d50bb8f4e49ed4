/** `cleangpt tokenizers train-unigram`: EM-trained byte-level Unigram tokenizers. */
import type { Command } from 'commander';
import { inputFilesOption, integerAtLeast } from './options.js';

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
    .action(async (opts: { input: string[]; vocabSize: number; out: string }) => {
      const { readTextFile, trainUnigram, writeDirectoryAtomic } = await import('../text-api.js');
      const started = performance.now();
      const texts = opts.input.map((file) => readTextFile(file, 'corpus file'));
      const { tokenizer, rounds } = trainUnigram(texts, { vocabSize: opts.vocabSize });
      writeDirectoryAtomic(opts.out, (tmp) => tokenizer.savePretrained(tmp));
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `trained a Unigram vocabulary of ${tokenizer.vocabSize} in ${rounds.length} EM/pruning round(s) in ${seconds} s -> ${opts.out}`,
      );
    });
}
