/** `cleangpt tokenizers …`: list, train-bpe, encode, decode (the ByteSpan creators are in bytespan.ts). */
import type { Command } from 'commander';
import type { TrainProgress } from '../text-api.js';
import {
  addCorpusOptions,
  CORPUS_INPUTS,
  type CorpusFlags,
  corpusReadOptions,
  inputFilesOption,
  integerAtLeast,
  overwriteOption,
  quietOption,
  tokenizerOption,
} from './options.js';

/** One stderr bar per BPE training phase (counting, then merging). */
async function trainingProgress(
  enabled: boolean,
): Promise<{ report: (p: TrainProgress) => void; stop: () => void }> {
  const { createProgress } = await import('../text-api.js');
  let phase: TrainProgress['phase'] | null = null;
  let bar: ReturnType<typeof createProgress> | null = null;
  return {
    report: (p) => {
      if (p.phase !== phase) {
        bar?.stop();
        phase = p.phase;
        const label = p.phase === 'count' ? 'counting pre-tokens' : 'merging';
        bar = p.total === null ? null : createProgress(p.total, label, { enabled });
      }
      bar?.update(p.done);
    },
    stop: () => bar?.stop(),
  };
}

/** Adds the `tokenizers` group to `program` and returns it (other groups add their own creators). */
export function registerTokenizerCommands(program: Command): Command {
  const tokenizers = program
    .command('tokenizers')
    .description('train, inspect and apply tokenizers (and create ByteSpan ones)');

  tokenizers
    .command('list')
    .description('list the registered tokenizer types')
    .action(async () => {
      const { listTokenizers } = await import('../text-api.js');
      for (const name of listTokenizers()) console.log(name);
    });

  addCorpusOptions(
    tokenizers
      .command('train-bpe')
      .description('train a byte-level BPE tokenizer (GPT-2 pre-tokenization, CS336 tie rule) and save it')
      .addOption(inputFilesOption(`${CORPUS_INPUTS} (each document independent)`)),
  )
    .requiredOption('--vocab-size <n>', '256 bytes + merges + special tokens', integerAtLeast(256))
    .option('--special-tokens <list>', 'comma-separated special tokens, e.g. "<|endoftext|>"')
    .option('--min-frequency <n>', 'stop when the most frequent pair occurs fewer times', integerAtLeast(0))
    .option(
      '--workers <n>',
      'worker threads for pre-token counting (default: available cores)',
      integerAtLeast(1),
    )
    .addOption(quietOption())
    .requiredOption(
      '--out <dir>',
      'output directory (tokenizer.json, vocab.json, merges.txt, tokenizer_config.json)',
    )
    .addOption(overwriteOption('replace --out even when it is not a saved tokenizer'))
    .action(
      async (
        opts: CorpusFlags & {
          input: string[];
          vocabSize: number;
          specialTokens?: string;
          minFrequency?: number;
          workers?: number;
          quiet?: boolean;
          out: string;
          overwrite?: boolean;
        },
      ) => {
        const { BPETokenizer, checkOutputDirectory, TOKENIZER_OUTPUT, trainBPE, writeDirectoryAtomic } =
          await import('../text-api.js');
        const output = { kind: TOKENIZER_OUTPUT, inputs: opts.input, overwrite: opts.overwrite };
        checkOutputDirectory(opts.out, output); // before training rather than after
        const specialTokens = opts.specialTokens === undefined ? [] : opts.specialTokens.split(',');
        const read = corpusReadOptions(opts);
        const progress = await trainingProgress(!opts.quiet);
        const started = performance.now();
        let result: Awaited<ReturnType<typeof trainBPE>>;
        try {
          result = await trainBPE({
            input: opts.input,
            vocabSize: opts.vocabSize,
            specialTokens,
            minFrequency: opts.minFrequency,
            numWorkers: opts.workers,
            invalidUtf8: read.invalidUtf8,
            read,
            onProgress: progress.report,
          });
        } finally {
          progress.stop();
        }
        const { vocab, merges } = result;
        writeDirectoryAtomic(
          opts.out,
          (tmp) => new BPETokenizer({ vocab, merges, specialTokens }).savePretrained(tmp),
          output,
        );
        if (result.stopReason !== 'vocab-size') {
          const why = result.stopReason === 'no-pairs' ? 'no pair left to merge' : 'min-frequency reached';
          console.error(
            `cleangpt: stopped early (${why}): vocabulary ${vocab.size} of ${result.requestedVocabSize} requested`,
          );
        }
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        console.log(
          `trained ${merges.length} merges, vocabulary ${vocab.size}, from ${result.distinctPretokens} distinct pre-tokens in ${seconds} s -> ${opts.out}`,
        );
      },
    );

  addCorpusOptions(
    tokenizers
      .command('encode')
      .description(
        "encode a corpus to token ids, documents joined by EOS (the tokenizer's own special tokens are recognised)",
      )
      .addOption(tokenizerOption().makeOptionMandatory())
      .addOption(inputFilesOption()),
  )
    .requiredOption(
      '--out <file>',
      '.json: a JSON array of ids; .bin: little-endian uint16 (vocabulary ≤ 65536) else uint32',
    )
    .addOption(quietOption())
    .action(
      async (opts: CorpusFlags & { tokenizer: string; input: string[]; out: string; quiet?: boolean }) => {
        const { encodeFile, resolveTokenizer } = await import('../text-api.js');
        const tokenizer = resolveTokenizer(opts.tokenizer, { forEncoding: true });
        const { numTokens, dtype } = await encodeFile(tokenizer, opts.input, opts.out, {
          ...corpusReadOptions(opts),
          tokenizerName: opts.tokenizer,
          progress: opts.quiet ? undefined : 'encoding',
        });
        console.log(`${numTokens} tokens${dtype === null ? '' : ` (${dtype})`} -> ${opts.out}`);
      },
    );

  tokenizers
    .command('decode')
    .description('decode token ids (.json array or .bin from `tokenizers encode`) back to UTF-8 text')
    .addOption(tokenizerOption().makeOptionMandatory())
    .requiredOption(
      '--input <file>',
      'ids.json (JSON array of integers) or ids.bin (little-endian, width from its .bin.json or the vocabulary)',
    )
    .requiredOption('--out <file>', 'output text file')
    .action(async (opts: { tokenizer: string; input: string; out: string }) => {
      const { decodeFile, resolveTokenizer } = await import('../text-api.js');
      const { numTokens } = decodeFile(
        resolveTokenizer(opts.tokenizer, { forEncoding: true }),
        opts.input,
        opts.out,
      );
      console.log(`${numTokens} tokens -> ${opts.out}`);
    });

  return tokenizers;
}
