#!/usr/bin/env node
/**
 * The `cleangpt` command line: one file per command group (see program.ts), each a thin wrapper over the
 * public API. Groups import the library inside their actions, so `--help` and the tokenizer commands start
 * without loading TensorFlow.js.
 */
import { createProgram } from './program.js';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(`cleangpt: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
