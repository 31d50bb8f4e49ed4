/** `cleangpt extract predictions|ngram`: per-byte information cues from a byte-level model, for ByteSpan. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { registerExtractNgram } from './extract-ngram.js';
import { loadInferenceModel, runtimeOption, threadsOption } from './inference-model.js';
import {
  addCorpusOptions,
  backendOption,
  CORPUS_INPUTS,
  corpusReadOptions,
  inputFilesOption,
  integerAtLeast,
  overwriteOption,
  quietOption,
  resumeHint,
} from './options.js';

export function registerExtractCommands(program: Command): void {
  const extract = program
    .command('extract')
    .description('extract per-byte information cues for ByteSpan tokenizers');
  registerExtractNgram(extract);
  addCorpusOptions(
    extract
      .command('predictions')
      .description(
        'run a byte-level model over text and store entropy, surprisal, space and EOS cues (nats) per byte',
      )
      .requiredOption(
        '--model <dir>',
        'byte-level model directory written by `cleangpt train --tokenizer byte`',
      )
      .addOption(inputFilesOption(`${CORPUS_INPUTS} (one source label per file)`)),
  )
    .requiredOption('--out <dir>', 'cue corpus directory to write')
    .option('--block-size <n>', 'window length (default: the model blockSize)', integerAtLeast(2))
    .option('--stride <n>', 'distance between windows (default blockSize / 4)', integerAtLeast(1))
    .option('--batch-size <n>', 'windows per forward pass', integerAtLeast(1), 8)
    .option('--no-prefix-space', 'do not prepend a space to documents that lack one')
    .option('--resume', 'continue an interrupted extraction in --out')
    .addOption(overwriteOption('replace an existing cue corpus in --out'))
    .addOption(backendOption())
    .addOption(runtimeOption())
    .addOption(threadsOption())
    .addOption(quietOption())
    .action(async (o) => {
      const { ExtractionInterrupted, extractCues, loadTokenizer } = await import('../index.js');
      const model = await loadInferenceModel(o, 'score');
      const tokenizer = loadTokenizer(path.join(o.model, 'tokenizer'));
      // The first Ctrl-C commits the documents done and exits 130; the handler is then gone, so a second
      // one ends the process at once (the corpus keeps its last commit).
      const controller = new AbortController();
      process.once('SIGINT', () => {
        console.error(
          '\ncleangpt: stopping after this document and committing (Ctrl-C again to quit at once)',
        );
        controller.abort();
      });
      const extraction = extractCues(model, tokenizer, o.input, o.out, {
        blockSize: o.blockSize,
        stride: o.stride,
        batchSize: o.batchSize,
        ...corpusReadOptions(o),
        addPrefixSpace: o.prefixSpace,
        resume: o.resume,
        overwrite: o.overwrite,
        progress: !o.quiet,
        signal: controller.signal,
      });
      const meta = await extraction.catch((error: unknown) => {
        if (!(error instanceof ExtractionInterrupted)) throw error;
        console.error(`cleangpt: ${error.message}\n${resumeHint()}`);
        process.exitCode = 130;
        return null;
      });
      if (meta === null) return;
      console.log(
        `wrote ${meta.numBytes} bytes in ${meta.numDocuments} documents with cues ${meta.cues.join(', ')} (${meta.unit}) to ${o.out}`,
      );
    });
}
