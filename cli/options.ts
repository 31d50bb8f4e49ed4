/**
 * Option parsers and the options every command group shares, declared once so a flag means the same
 * thing in every command.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';

export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

export function fraction(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1)) throw new InvalidArgumentError(`expected a fraction in (0, 1], got "${value}"`);
  return x;
}

/** A repeatable option's values in order (`--x a --x b` → [a, b]). */
export const collect =
  <T>(parse: (value: string) => T) =>
  (value: string, all: T[] = []): T[] => [...all, parse(value)];

/** Reads `\n`, `\t` and `\\` in a separator given on the command line as the characters they name. */
function unescapeSeparator(value: string | undefined): string | undefined {
  return value?.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/** `--backend`: the TensorFlow.js backend of a command that runs a model. */
export const backendOption = (note = ''): Option =>
  new Option('--backend <name>', `tensorflow, wasm, cpu or webgpu${note}`);

/** `--quiet`: no progress bar on stderr. */
export const quietOption = (what = 'no progress bar'): Option => new Option('--quiet', what);

/** `--overwrite`: replace an output this command wrote before (never anything else). */
export const overwriteOption = (what: string): Option => new Option('--overwrite', what);

/** What every corpus input of a command may be (the one corpus reader, utils/corpus.ts, reads them all). */
export const CORPUS_INPUTS = 'text, JSONL or Parquet files, folders or hf:// paths';

/** `--input <files...>`, required: the corpus files, folders or `hf://` paths of a command. */
export const inputFilesOption = (what = CORPUS_INPUTS): Option =>
  new Option('--input <files...>', what).makeOptionMandatory();

/**
 * The reading flags of every command that reads a corpus, declared here once so they mean the same
 * everywhere: `--document-separator`, `--text-field` and `--replace-invalid-utf8`. `corpusReadOptions`
 * turns them into the reader's options.
 */
export function addCorpusOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--document-separator <text>',
        'split plain-text files into documents on this string (e.g. "\\n"; default: one document per file)',
      ),
    )
    .addOption(
      new Option(
        '--text-field <name>',
        'JSONL/Parquet field holding the text (default: the first of text, story, content)',
      ),
    )
    .addOption(
      new Option(
        '--replace-invalid-utf8',
        'replace malformed UTF-8 with U+FFFD instead of stopping with an error naming the file',
      ),
    );
}

/** The flags `addCorpusOptions` declares, as parsed by commander. */
export interface CorpusFlags {
  documentSeparator?: string;
  textField?: string;
  replaceInvalidUtf8?: boolean;
}

/** The corpus reader's options (utils/corpus.ts ReadOptions) from the flags of `addCorpusOptions`. */
export const corpusReadOptions = (
  o: CorpusFlags,
): { documentSeparator?: string; textField?: string; invalidUtf8: 'error' | 'replace' } => ({
  documentSeparator: unescapeSeparator(o.documentSeparator),
  textField: o.textField,
  invalidUtf8: o.replaceInvalidUtf8 === true ? 'replace' : 'error',
});

/** `--tokenizer <nameOrDir>`: a registered tokenizer or a saved tokenizer directory. */
export const tokenizerOption = (note = ''): Option =>
  new Option(
    '--tokenizer <nameOrDir>',
    `registered tokenizer (gpt2, byte, char, …) or saved tokenizer directory${note}`,
  );

/** A word of a command line as a POSIX shell needs it (for the resume hint). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `resume with: cleangpt …`: this process's command line with --resume instead of --overwrite. */
export function resumeHint(): string {
  const again = process.argv.slice(2).filter((a) => a !== '--resume' && a !== '--overwrite');
  return `resume with: cleangpt ${[...again, '--resume'].map(shellWord).join(' ')}`;
}
