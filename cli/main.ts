#!/usr/bin/env node
/**
 * The `cleangpt` command line: one file per command group, each a thin wrapper over the public API.
 * Groups import the library inside their actions, so `--help` and the tokenizer commands start without
 * loading TensorFlow.js.
 */
import { Command } from 'commander';
import { registerAnalyzeCommands } from './analyze.js';
import { registerByteSpanCommands } from './bytespan.js';
import { registerExportCommands } from './export.js';
import { registerExtractCommands } from './extract.js';
import { registerModelCommands } from './model.js';
import { registerTokenizerCommands } from './tokenizers.js';

const program = new Command();
program
  .name('cleangpt')
  .description(
    'Tokenizer and small-language-model research: train tokenizers and transformers, sample, analyse.',
  )
  .showHelpAfterError();

program.commandsGroup('Tokenizers:');
registerByteSpanCommands(registerTokenizerCommands(program));
program.commandsGroup('Analysis:');
registerAnalyzeCommands(program);
program.commandsGroup('Language models:');
registerModelCommands(program);
registerExportCommands(program);
program.commandsGroup('ByteSpan cues:');
registerExtractCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`cleangpt: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
