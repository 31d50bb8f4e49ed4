import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { createProgram } from '../cli/program.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { decodeFile, encodeFile } from '../tokenizers/file-codec.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';

const root = path.resolve(import.meta.dirname, '..');
const CLI = path.join(root, 'dist', 'cli', 'main.js');
let dir: string;
let probe: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-cli-'));
  // Preloaded into a run: on exit, prints how many TensorFlow.js modules the process loaded.
  probe = path.join(dir, 'probe.mjs');
  fs.writeFileSync(
    probe,
    "import { createRequire } from 'node:module';\n" +
      'const cache = createRequire(import.meta.url).cache;\n' +
      "const count = () => Object.keys(cache).filter((k) => k.includes('@tensorflow')).length;\n" +
      "process.on('exit', () => process.stderr.write('tfjs modules: ' + count() + '\\n'));\n",
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], nodeArgs: string[] = []) =>
  spawnSync(process.execPath, [...nodeArgs, CLI, ...args], { encoding: 'utf8' });

test('--help lists the command groups and their commands', () => {
  const help = run(['--help']);
  expect(help.status).toBe(0);
  const headings = help.stdout.split('\n').filter((line) => /^\S.*:$/.test(line));
  expect(headings).toEqual([
    'Options:',
    'Tokenizers:',
    'Analysis:',
    'Language models:',
    'ByteSpan cues:',
    'Commands:',
  ]);
  for (const command of ['tokenizers', 'analyze', 'train', 'generate', 'eval', 'extract'])
    expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
});

test('adding a command is one register function (a new file in cli/) plus one call', async () => {
  // What a new cli/hello.ts would export.
  const said: string[] = [];
  function registerHelloCommands(program: Command): void {
    program.commandsGroup('Greetings:');
    program
      .command('hello')
      .description('say hello')
      .requiredOption('--name <who>', 'whom to greet')
      .action((o: { name: string }) => void said.push(`hello ${o.name}`));
  }
  const program = createProgram();
  registerHelloCommands(program);
  await program.parseAsync(['hello', '--name', 'Ada'], { from: 'user' });
  expect(said).toEqual(['hello Ada']);
  expect(program.helpInformation()).toMatch(/\nGreetings:\n {2}hello /);
});

test('tokenizer commands start without TensorFlow.js; model commands load it', () => {
  const text = path.join(dir, 'probe.txt');
  fs.writeFileSync(text, 'In the beginning');
  const list = run(['tokenizers', 'list'], ['--import', probe]);
  expect(list.stdout.split('\n')).toContain('gpt2');
  expect(list.stderr).toBe('tfjs modules: 0\n');
  const encode = run(
    ['tokenizers', 'encode', '--tokenizer', 'byte', '--input', text, '--out', path.join(dir, 'p.bin')],
    ['--import', probe],
  );
  expect(encode.stderr).toBe('tfjs modules: 0\n');
  // The probe does see TensorFlow.js when a model command loads it (the bad backend fails after loading).
  const evalRun = run(['eval', '--model', dir, '--data', text, '--backend', 'nonesuch'], ['--import', probe]);
  expect(evalRun.status).toBe(1);
  expect(evalRun.stderr).toMatch(/tfjs modules: [1-9]/);
});

describe('encode / decode files', () => {
  const sample = 'In the beginning<|endoftext|> héllo wörld 中文 😀\nend';

  test.each(['ids.json', 'ids.bin'])('the CLI round-trips a text through %s', (name) => {
    const input = path.join(dir, `in-${name}.txt`);
    fs.writeFileSync(input, sample);
    const ids = path.join(dir, name);
    const back = path.join(dir, `back-${name}.txt`);
    const encoded = run([
      'tokenizers',
      'encode',
      '--tokenizer',
      'gpt2',
      '--input',
      input,
      '--out',
      ids,
      '--quiet',
    ]);
    expect(encoded.stderr).toBe('');
    const expected = new GPT2Tokenizer().encode(sample);
    expect(encoded.stdout).toMatch(new RegExp(`^${expected.length} tokens`));
    const decoded = run(['tokenizers', 'decode', '--tokenizer', 'gpt2', '--input', ids, '--out', back]);
    expect(decoded.stderr).toBe('');
    expect(fs.readFileSync(back, 'utf8')).toBe(sample);
  });

  test('a .bin is read through the description encode wrote; a smaller vocabulary is refused', async () => {
    const input = path.join(dir, 'meta.txt');
    fs.writeFileSync(input, sample);
    const ids = path.join(dir, 'meta.bin');
    const gpt2 = new GPT2Tokenizer();
    expect(await encodeFile(gpt2, input, ids)).toEqual({
      numTokens: gpt2.encode(sample).length,
      dtype: 'uint16',
    });
    const meta = JSON.parse(fs.readFileSync(`${ids}.json`, 'utf8'));
    expect(meta).toMatchObject({ dtype: 'uint16', vocabSize: gpt2.vocabSize, tokenizer: 'gpt2' });
    expect(() => decodeFile(new ByteLevelTokenizer(), ids, path.join(dir, 'never.txt'))).toThrow(
      `${ids}: written for a vocabulary of ${gpt2.vocabSize} ids, the tokenizer has`,
    );
    expect(fs.existsSync(path.join(dir, 'never.txt'))).toBe(false);
    await expect(encodeFile(gpt2, input, path.join(dir, 'ids.txt'))).rejects.toThrow(
      'expected a .json or .bin file name',
    );
  });
});

test('encode refuses a new char tokenizer (no vocabulary) and accepts cl100k_base by name', () => {
  const input = path.join(dir, 'char.txt');
  fs.writeFileSync(input, 'abc');
  const out = path.join(dir, 'char.json');
  const refused = run(['tokenizers', 'encode', '--tokenizer', 'char', '--input', input, '--out', out]);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toMatch(/has no vocabulary yet/);
  expect(fs.existsSync(out)).toBe(false);
  const cl = run([
    'tokenizers',
    'encode',
    '--tokenizer',
    'cl100k_base',
    '--input',
    input,
    '--out',
    out,
    '--quiet',
  ]);
  expect(cl.stderr).toBe('');
  expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual([13997]);
});
