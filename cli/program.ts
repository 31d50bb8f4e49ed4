/**
 * The `cleangpt` program: every command group, each registered by one call. Adding a command is one file
 * in cli/ exporting a `register…Commands(program)` function, plus its call here.
 */
import { Command } from 'commander';
import { registerAnalyzeCommands } from './analyze.js';
import { registerByteSpanCommands } from './bytespan.js';
import { registerExportCommands } from './export.js';
import { registerExtractCommands } from './extract.js';
import { registerModelCommands } from './model.js';
import { registerTokenizerCommands } from './tokenizers.js';
import { registerTransferCommands } from './transfer.js';
import { registerUnigramCommands } from './unigram.js';

export function createProgram(): Command {
  const program = new Command();
  program
    .name('cleangpt')
    .description(
      'Tokenizer and small-language-model research: train tokenizers and transformers, sample, analyse.',
    )
    .showHelpAfterError()
    // A group's options come before its subcommand (`transfer --model …` vs `transfer train-hypernet --model …`).
    .enablePositionalOptions();

  program.commandsGroup('Tokenizers:');
  const tokenizers = registerTokenizerCommands(program);
  registerByteSpanCommands(tokenizers);
  registerUnigramCommands(tokenizers);
  program.commandsGroup('Analysis:');
  registerAnalyzeCommands(program);
  program.commandsGroup('Language models:');
  registerModelCommands(program);
  registerExportCommands(program);
  registerTransferCommands(program);
  program.commandsGroup('ByteSpan cues:');
  registerExtractCommands(program);
  return program;
}
