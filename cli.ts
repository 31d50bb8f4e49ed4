#!/usr/bin/env node
/** The `cleangpt` command line: thin wrappers over the library API in index.ts. */
import { Command } from 'commander';
import { listTokenizers } from './index.js';

const program = new Command();
program
  .name('cleangpt')
  .description(
    'Tokenizer and small-language-model research: train tokenizers and transformers, sample, analyse.',
  )
  .showHelpAfterError();

const tokenizers = program.command('tokenizers').description('train, inspect and apply tokenizers');
tokenizers
  .command('list')
  .description('list the registered tokenizer types')
  .action(() => {
    for (const name of listTokenizers()) console.log(name);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`cleangpt: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
