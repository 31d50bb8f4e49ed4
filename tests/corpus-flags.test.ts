/**
 * Every command that reads a corpus reads it through the one corpus reader with the same flags: a folder
 * holding a text file (split by --document-separator) and a JSONL file (its --text-field) gives the result
 * of the same documents as separate text files; malformed UTF-8 is an error naming the file, and
 * --replace-invalid-utf8 reads it as U+FFFD. The model commands (train, eval, train-hypernet) are tested
 * in train-cli, onnx-cli and transfer-cli, where a model already exists.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { createProgram } from '../cli/program.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';

const CLI = path.resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-corpus-flags-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

const TEXTS = ['the walked dog walking cats', 'größer Häuser größer', 'cats walked the dog'];
// One folder: the first two texts in a text file split on newlines, the third a JSONL record's `body`
// (its first string field, `id`, is what the reader would take without --text-field).
const folder = path.join(dir, 'mixed');
write('mixed/a.txt', `${TEXTS[0]}\n${TEXTS[1]}\n`);
write('mixed/b.jsonl', `${JSON.stringify({ id: 'r1', body: TEXTS[2] })}\n`);
const separate = TEXTS.map((text, i) => write(`separate/${i}.txt`, text));
const bad = write('bad.txt', Buffer.from('ab cd \xff ef gh', 'latin1'));
const replaced = write('replaced.txt', 'ab cd \ufffd ef gh');
const folderFlags = ['--document-separator', String.raw`\n`, '--text-field', 'body'];

/** A corpus command: how to run it on `inputs` into `out`, and what of its output to compare. */
interface CorpusCommand {
  name: string;
  run: (inputs: string[], out: string, ...flags: string[]) => ReturnType<typeof run>;
  result: (out: string) => unknown;
}

const read = (file: string): string => fs.readFileSync(file, 'latin1');

const COMMANDS: CorpusCommand[] = [
  {
    name: 'tokenizers train-bpe',
    run: (inputs, out, ...flags) =>
      run(
        'tokenizers',
        'train-bpe',
        '--input',
        ...inputs,
        '--vocab-size',
        '270',
        '--workers',
        '1',
        '--quiet',
        '--out',
        out,
        ...flags,
      ),
    result: (out) => read(path.join(out, 'tokenizer.json')),
  },
  {
    name: 'tokenizers train-unigram',
    run: (inputs, out, ...flags) =>
      run(
        'tokenizers',
        'train-unigram',
        '--input',
        ...inputs,
        '--vocab-size',
        '270',
        '--quiet',
        '--out',
        out,
        ...flags,
      ),
    result: (out) => read(path.join(out, 'tokenizer.json')),
  },
  {
    name: 'tokenizers encode',
    run: (inputs, out, ...flags) =>
      run(
        'tokenizers',
        'encode',
        '--tokenizer',
        'gpt2',
        '--input',
        ...inputs,
        '--quiet',
        '--out',
        `${out}.bin`,
        ...flags,
      ),
    result: (out) => [read(`${out}.bin`), read(`${out}.bin.json`)],
  },
  {
    name: 'analyze',
    run: (inputs, out, ...flags) =>
      run('analyze', '--tokenizer', 'gpt2', '--input', ...inputs, '--quiet', '--out', out, ...flags),
    result: (out) => {
      const [gpt2] = JSON.parse(read(path.join(out, 'report.json'))).tokenizers;
      return ['bytesPerToken', 'fertility', 'propSplit', 'typesUsed', 'renyi'].map((key) => gpt2[key]);
    },
  },
  {
    name: 'extract ngram',
    run: (inputs, out, ...flags) =>
      run('extract', 'ngram', '--order', '2', '--input', ...inputs, '--quiet', '--out', out, ...flags),
    // Everything but the source labels (one per input file) and meta.json, which names them.
    result: (out) =>
      fs
        .readdirSync(out)
        .filter((f) => f !== 'meta.json' && f !== 'doc-sources.u16')
        .sort()
        .map((f) => [f, read(path.join(out, f))]),
  },
];

describe.each(COMMANDS)('$name', (command) => {
  const out = (name: string) => path.join(dir, command.name.replace(/ /g, '-'), name);

  test('a folder of a text file (--document-separator) and a JSONL file (--text-field) equals the documents as separate files', () => {
    const fromFolder = command.run([folder], out('folder'), ...folderFlags);
    expect(fromFolder.stderr).toBe('');
    expect(fromFolder.status).toBe(0);
    const fromFiles = command.run(separate, out('files'));
    expect(fromFiles.status).toBe(0);
    expect(command.result(out('folder'))).toEqual(command.result(out('files')));
  });

  test('malformed UTF-8 is an error naming the file; --replace-invalid-utf8 reads U+FFFD', () => {
    const refused = command.run([bad], out('bad'));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`${bad}: not valid UTF-8 (malformed sequence at byte offset 6)`);
    // (stderr may hold a warning: BPE runs out of pairs in so short a text.)
    expect(command.run([bad], out('replaced-bad'), '--replace-invalid-utf8').status).toBe(0);
    expect(command.run([replaced], out('replaced')).status).toBe(0);
    expect(command.result(out('replaced-bad'))).toEqual(command.result(out('replaced')));
  });
});

test('tokenize-to-file: documents are joined by EOS; one text file is encoded whole, as before', () => {
  const gpt2 = new GPT2Tokenizer();
  const out = path.join(dir, 'joined.json');
  const encoded = run(
    'tokenizers',
    'encode',
    '--tokenizer',
    'gpt2',
    '--input',
    folder,
    '--out',
    out,
    ...folderFlags,
  );
  expect(encoded.status).toBe(0);
  const eos = gpt2.eosTokenId!;
  const expected = TEXTS.flatMap((text, i) => [...(i > 0 ? [eos] : []), ...gpt2.encode(text)]);
  expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(expected);
  const whole = path.join(dir, 'whole.json');
  expect(
    run('tokenizers', 'encode', '--tokenizer', 'gpt2', '--input', path.join(folder, 'a.txt'), '--out', whole)
      .status,
  ).toBe(0);
  expect(JSON.parse(fs.readFileSync(whole, 'utf8'))).toEqual(gpt2.encode(`${TEXTS[0]}\n${TEXTS[1]}\n`));
});

/** Every command and subcommand of `program`, with its full name. */
function* allCommands(command: Command, prefix = ''): Generator<[string, Command]> {
  for (const sub of command.commands) {
    const name = `${prefix}${sub.name()}`;
    yield [name, sub];
    yield* allCommands(sub, `${name} `);
  }
}

test('every command that reads a corpus declares the same reading flags, and --quiet', () => {
  const flags = ['--document-separator', '--text-field', '--replace-invalid-utf8'];
  const readers: string[] = [];
  for (const [name, command] of allCommands(createProgram())) {
    const declared = command.options.map((o) => o.long);
    const has = flags.filter((flag) => declared.includes(flag));
    if (has.length === 0) continue;
    expect([name, has]).toEqual([name, flags]);
    expect([name, declared]).toEqual([name, expect.arrayContaining(['--quiet'])]);
    readers.push(name);
  }
  expect(readers.sort()).toEqual([
    'analyze',
    'eval',
    'extract ngram',
    'extract predictions',
    'tokenizers encode',
    'tokenizers train-bpe',
    'tokenizers train-unigram',
    'train',
    'transfer train-hypernet',
  ]);
});
