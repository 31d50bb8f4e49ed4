/** `cleangpt tokenizers train-unigram`: EM-trained byte-level Unigram tokenizers. */
import type { Command } from 'commander';
import {
  addCorpusOptions,
  CORPUS_INPUTS,
  type CorpusFlags,
  corpusReadOptions,
  inputFilesOption,
  integerAtLeast,
  overwriteOption,
  quietOption,
} from './options.js';

interface UnigramOptions extends CorpusFlags {
  input: string[];
  vocabSize: number;
  quiet?: boolean;
  out: string;
  overwrite?: boolean;
}

/** Adds `train-unigram` to the `tokenizers` group. */
export function registerUnigramCommands(tokenizers: Command): void {
  addCorpusOptions(
    tokenizers
      .command('train-unigram')
      .description(
        'train a byte-level Unigram LM tokenizer (EM with pruning, GPT-2 pre-tokenization) and save it',
      )
      .addOption(inputFilesOption(`${CORPUS_INPUTS} (each document independent)`)),
  )
    .requiredOption('--vocab-size <n>', '256 bytes + pieces + the <|endoftext|> special', integerAtLeast(257))
    .requiredOption(
      '--out <dir>',
      'output directory (tokenizer.json with a Unigram model, tokenizer_config.json)',
    )
    .addOption(quietOption())
    .addOption(overwriteOption('replace --out even when it is not a saved tokenizer'))
    .action(async (opts: UnigramOptions) => {
      const { checkOutputDirectory, readCorpus, TOKENIZER_OUTPUT, trainUnigram, writeDirectoryAtomic } =
        await import('../text-api.js');
      const output = { kind: TOKENIZER_OUTPUT, inputs: opts.input, overwrite: opts.overwrite };
      checkOutputDirectory(opts.out, output); // before training rather than after
      const started = performance.now();
      const texts: string[] = [];
      for await (const document of readCorpus(opts.input, {
        ...corpusReadOptions(opts),
        progress: opts.quiet ? undefined : 'reading',
      }))
        texts.push([...document].join(''));
      const { tokenizer, rounds } = trainUnigram(texts, { vocabSize: opts.vocabSize });
      writeDirectoryAtomic(opts.out, (tmp) => tokenizer.savePretrained(tmp), output);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `trained a Unigram vocabulary of ${tokenizer.vocabSize} in ${rounds.length} EM/pruning round(s) in ${seconds} s -> ${opts.out}`,
      );
    });
}
