/** `cleangpt extract ngram`: per-byte information cues from a byte n-gram model, for ByteSpan. */
import { type Command, InvalidArgumentError } from 'commander';
import {
  addCorpusOptions,
  CORPUS_INPUTS,
  corpusReadOptions,
  inputFilesOption,
  overwriteOption,
  quietOption,
  resumeHint,
} from './options.js';

function ngramOrder(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new InvalidArgumentError(`expected an integer from 1 to 16, got "${value}"`);
  return n;
}

export function registerExtractNgram(extract: Command): void {
  addCorpusOptions(
    extract
      .command('ngram')
      .description(
        'train a byte n-gram model (interpolated modified Kneser-Ney) and store entropy, surprisal, space and EOS cues (nats) per byte, as `extract predictions` does',
      )
      .addOption(inputFilesOption(`${CORPUS_INPUTS} to score (one source label per file)`)),
  )
    .requiredOption('--out <dir>', 'cue corpus directory to write')
    .option('--order <n>', 'n-gram order (1–16)', ngramOrder, 5)
    .option('--train <files...>', `training ${CORPUS_INPUTS} (default: the --input files)`)
    .option('--model <dir>', 'use an n-gram model saved with --save-model instead of training one')
    .option('--save-model <dir>', 'also save the trained n-gram model here')
    .option('--valid <files...>', `report the model’s bits per byte on these held-out ${CORPUS_INPUTS}`)
    .option('--no-prefix-space', 'do not prepend a space to documents that lack one')
    .option('--resume', 'continue an interrupted extraction in --out')
    .addOption(overwriteOption('replace an existing cue corpus (and --save-model model)'))
    .addOption(quietOption())
    .action(async (o) => {
      const {
        ExtractionInterrupted,
        extractNgramCues,
        NgramByteModel,
        NgramTrainingInterrupted,
        ngramBitsPerByteOfFiles,
        trainNgramModel,
      } = await import('../index.js');
      // The first Ctrl-C stops between documents (committing the cues written so far) and exits 130; the
      // handler is then gone, so a second one ends the process at once (the corpus keeps its last commit).
      const controller = new AbortController();
      process.once('SIGINT', () => {
        console.error('\ncleangpt: stopping after this document (Ctrl-C again to quit at once)');
        controller.abort();
      });
      const read = {
        ...corpusReadOptions(o),
        addPrefixSpace: o.prefixSpace,
        progress: !o.quiet,
        signal: controller.signal,
      };
      try {
        const started = performance.now();
        const model =
          o.model !== undefined
            ? NgramByteModel.load(o.model)
            : await trainNgramModel(o.train ?? o.input, o.order, read);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.log(
          `${model.order}-gram model: ${model.trainedBytes} training bytes, ${model.numContexts} contexts, ${model.numGrams} n-grams (${seconds} s)`,
        );
        if (o.saveModel !== undefined) {
          model.save(o.saveModel, { overwrite: o.overwrite, producer: { train: o.train ?? o.input } });
        }
        let validBitsPerByte: number | undefined;
        if (o.valid !== undefined) {
          validBitsPerByte = await ngramBitsPerByteOfFiles(model, o.valid, read);
          console.log(`validation: ${validBitsPerByte.toFixed(4)} bits per byte`);
        }
        const meta = await extractNgramCues(model, o.input, o.out, {
          ...read,
          resume: o.resume,
          overwrite: o.overwrite,
          producer: { train: o.model ?? o.train ?? o.input, validBitsPerByte },
        });
        console.log(
          `wrote ${meta.numBytes} bytes in ${meta.numDocuments} documents with cues ${meta.cues.join(', ')} (${meta.unit}) to ${o.out}`,
        );
      } catch (error) {
        if (error instanceof ExtractionInterrupted) {
          console.error(`cleangpt: ${error.message}\n${resumeHint()}`);
        } else if (error instanceof NgramTrainingInterrupted) {
          console.error('cleangpt: interrupted while training the n-gram model; nothing was written');
        } else throw error;
        process.exitCode = 130;
      }
    });
}
