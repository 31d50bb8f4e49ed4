import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetrics } from '../trainers/metrics-log.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = (...args: string[]): string =>
  execFileSync(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('cleangpt train / generate / eval', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-train-cli-'));
  const corpus = path.join(dir, 'small.txt');
  fs.writeFileSync(corpus, fs.readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8').slice(0, 30000));
  const out = path.join(dir, 'run');
  const common = [
    '--data',
    corpus,
    '--out',
    out,
    '--model',
    'Vanilla',
    '--tokenizer',
    'byte',
    '--block-size',
    '16',
  ];
  const sizes = [
    '--n-layer',
    '1',
    '--n-head',
    '2',
    '--n-embd',
    '16',
    '--batch-size',
    '4',
    '--eval-interval',
    '2',
    '--quiet',
    '--backend',
    'cpu',
  ];

  test('train writes the model, tokenizer, metrics and plot; resume continues to more steps; generate and eval load it', () => {
    expect(cli('train', ...common, ...sizes, '--max-steps', '2')).toMatch(
      /validation loss \d+\.\d+, perplexity .*bits per byte \d/,
    );
    for (const f of [
      'config.json',
      'model.safetensors',
      'metrics.jsonl',
      'loss.png',
      'tokenizer',
      'checkpoint',
    ]) {
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    }
    expect(() => cli('train', ...common, ...sizes, '--max-steps', '4', '--resume', '--n-embd', '32')).toThrow(
      /cannot resume with a different model config \(nEmbd\)/,
    );
    cli('train', ...common, ...sizes, '--max-steps', '4', '--resume');
    expect(readMetrics(path.join(out, 'metrics.jsonl')).map((r) => r.step)).toEqual([1, 2, 3, 4]);
    const text = cli(
      'generate',
      '--model',
      out,
      '--prompt',
      'In the',
      '--max-new-tokens',
      '5',
      '--temperature',
      '0',
    );
    expect(text.startsWith('In the')).toBe(true);
    const result = JSON.parse(cli('eval', '--model', out, '--data', corpus));
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.bitsPerByte).toBeCloseTo(result.loss / Math.LN2, 6); // byte tokenizer: one byte per token
  });

  test('a character tokenizer built by train covers every character of the data, newlines included', () => {
    const charOut = path.join(dir, 'char');
    const args = common.map((a) => (a === out ? charOut : a === 'byte' ? 'char' : a));
    cli('train', ...args, ...sizes, '--max-steps', '1');
    const vocab = JSON.parse(fs.readFileSync(path.join(charOut, 'tokenizer', 'vocab.json'), 'utf8'));
    expect(Object.keys(vocab)).toEqual(expect.arrayContaining(['\n', 'I', 'n', ' ', ':']));
  });

  test('--tokenizer bpe --vocab-size N trains a BPE tokenizer of N ids on the data', () => {
    const bpeOut = path.join(dir, 'bpe');
    const args = common.map((a) => (a === out ? bpeOut : a === 'byte' ? 'bpe' : a));
    cli('train', ...args, ...sizes, '--max-steps', '1', '--vocab-size', '300');
    const config = JSON.parse(
      fs.readFileSync(path.join(bpeOut, 'tokenizer', 'tokenizer_config.json'), 'utf8'),
    );
    expect(config).toMatchObject({ tokenizer_type: 'bpe', vocab_size: 300 });
    const merges = fs
      .readFileSync(path.join(bpeOut, 'tokenizer', 'merges.txt'), 'utf8')
      .trim()
      .split('\n');
    expect(merges.length - 1).toBe(300 - 256 - 1); // after the #version line; <|endoftext|> is the last id
    expect(() => cli('train', ...args, ...sizes, '--max-steps', '1')).toThrow(/needs a vocabulary size/);
    const gpt2Args = common.map((a) => (a === 'byte' ? 'gpt2' : a));
    expect(() => cli('train', ...gpt2Args, ...sizes, '--max-steps', '1', '--vocab-size', '300')).toThrow(
      /--vocab-size applies to a tokenizer trained on --data \(character, bpe, bytespan, unigram\), not to gpt2/,
    );
  });

  test('--tokenizer bytespan --vocab-size N trains a ByteSpan tokenizer of N entries on the data', () => {
    const spanOut = path.join(dir, 'bytespan');
    const args = common.map((a) => (a === out ? spanOut : a === 'byte' ? 'bytespan' : a));
    cli('train', ...args, ...sizes, '--max-steps', '1', '--vocab-size', '800');
    const config = JSON.parse(
      fs.readFileSync(path.join(spanOut, 'tokenizer', 'tokenizer_config.json'), 'utf8'),
    );
    expect(config).toMatchObject({ tokenizer_type: 'bytespan', vocab_size: 800 });
  });

  test('--trainer simple runs --epochs whole epochs; flags the chosen trainer would not read are refused', () => {
    const tiny = path.join(dir, 'tiny.txt');
    fs.writeFileSync(tiny, fs.readFileSync(corpus, 'utf8').slice(0, 3000));
    const simpleOut = path.join(dir, 'simple');
    const args = ['--data', tiny, '--out', simpleOut, '--tokenizer', 'byte', '--block-size', '16'];
    const model = ['--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--batch-size', '4', '--quiet'];
    cli('train', ...args, ...model, '--backend', 'cpu', '--trainer', 'simple', '--epochs', '2');
    const entries = fs.readdirSync(simpleOut);
    expect(entries.filter((e) => e.startsWith('checkpoint_epoch_')).sort()).toEqual([
      'checkpoint_epoch_1',
      'checkpoint_epoch_2',
    ]);
    expect(entries).toContain('model.safetensors');
    expect(() => cli('train', ...args, ...model, '--trainer', 'simple', '--max-steps', '2')).toThrow(
      /--max-steps: not read by --trainer simple, which runs whole epochs/,
    );
    expect(() => cli('train', ...args, ...model, '--trainer', 'simple', '--schedule', 'wsd')).toThrow(
      /--schedule: not read by --trainer simple/,
    );
    expect(() => cli('train', ...args, ...model, '--epochs', '1')).toThrow(
      /--epochs: not read by --trainer advanced, which runs --max-steps/,
    );
    const fresh = args.map((a) => (a === simpleOut ? path.join(dir, 'unknown-trainer') : a));
    expect(() => cli('train', ...fresh, ...model, '--backend', 'cpu', '--trainer', 'nope')).toThrow(
      /unknown trainer "nope"; registered: simple, advanced/,
    );
  });

  test('--text-field reads a JSONL field, for the trained tokenizer and the token file alike', () => {
    const bodies = [
      'In the beginning God created',
      'the heaven and the earth.',
      'And the earth was without form',
    ];
    const jsonl = path.join(dir, 'records.jsonl');
    // `id` comes first: without --text-field the reader would take it.
    fs.writeFileSync(jsonl, bodies.map((body, i) => `${JSON.stringify({ id: `r${i}`, body })}\n`).join(''));
    const files = bodies.map((body, i) => {
      const file = path.join(dir, `body-${i}.txt`);
      fs.writeFileSync(file, body);
      return file;
    });
    const train = (name: string, ...data: string[]) => {
      const runOut = path.join(dir, name);
      cli(
        'train',
        '--data',
        ...data,
        '--out',
        runOut,
        '--tokenizer',
        'char',
        '--block-size',
        '16',
        ...sizes,
        '--max-steps',
        '1',
      );
      return ['data/train.bin', 'data/train.bin.json', 'tokenizer/vocab.json'].map((f) =>
        fs.readFileSync(path.join(runOut, f), 'latin1'),
      );
    };
    expect(train('field', jsonl, '--text-field', 'body')).toEqual(train('bodies', ...files));
  });

  test('a missing data file is reported before training', () => {
    expect(() =>
      cli(
        'train',
        '--data',
        path.join(dir, 'nope.txt'),
        '--out',
        path.join(dir, 'x'),
        ...sizes,
        '--max-steps',
        '1',
      ),
    ).toThrow(/nope\.txt: data file not found/);
  });
});
