/**
 * Option parsers and the options every command group shares, declared once so a flag means the same
 * thing in every command.
 */
import { InvalidArgumentError, Option } from 'commander';

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
export function unescapeSeparator(value: string | undefined): string | undefined {
  return value?.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/** `--document-separator`: plain-text files split into documents (read back with unescapeSeparator). */
export const documentSeparatorOption = (): Option =>
  new Option(
    '--document-separator <text>',
    'split plain-text files into documents on this string (e.g. "\\n"); documents are joined by EOS',
  );

/** `--backend`: the TensorFlow.js backend of a command that runs a model. */
export const backendOption = (note = ''): Option =>
  new Option('--backend <name>', `tensorflow, wasm, cpu or webgpu${note}`);

/** `--quiet`: no progress bar on stderr. */
export const quietOption = (what = 'no progress bar'): Option => new Option('--quiet', what);

/** `--overwrite`: replace an output this command wrote before (never anything else). */
export const overwriteOption = (what: string): Option => new Option('--overwrite', what);

/** `--input <files...>`, required: the corpus files, folders or `hf://` paths of a command. */
export const inputFilesOption = (what: string): Option =>
  new Option('--input <files...>', what).makeOptionMandatory();

/** `--replace-invalid-utf8`: read malformed UTF-8 as U+FFFD instead of stopping with an error. */
export const invalidUtf8Option = (): Option =>
  new Option(
    '--replace-invalid-utf8',
    'replace malformed UTF-8 with U+FFFD instead of stopping with an error',
  );

/** The library's invalid-UTF-8 policy from `--replace-invalid-utf8`. */
export const invalidUtf8Policy = (o: { replaceInvalidUtf8?: boolean }): 'error' | 'replace' =>
  o.replaceInvalidUtf8 === true ? 'replace' : 'error';

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
