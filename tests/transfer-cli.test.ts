import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GPTConfig } from '../config.js';
import { initBackend } from '../model/backend.js';
import { saveModel } from '../model/io.js';
import { getModel } from '../model/registry.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { trainUnigram } from '../tokenizers/unigram/trainer.js';

const root = path.resolve(import.meta.dirname, '..');
const run = (...args: string[]): { out: string; err: string; status: number } => {
  try {
    const out = execFileSync(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { out, err: '', status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { out: e.stdout, err: e.stderr, status: e.status };
  }
};

/** `cleangpt transfer --model M --tokenizer T --method X --out DIR …extra`. */
const transfer = (model: string, tokenizer: string, method: string, out: string, ...extra: string[]) =>
  run('transfer', '--model', model, '--tokenizer', tokenizer, '--method', method, '--out', out, ...extra);

describe('cleangpt transfer / transfer train-hypernet / tokenizers train-unigram', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-transfer-cli-'));
  const corpus = path.join(dir, 'small.txt');
  fs.writeFileSync(corpus, fs.readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8').slice(0, 20_000));
  const modelDir = path.join(dir, 'lm');
  const unigramDir = path.join(dir, 'unigram');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    await initBackend({ log: null });
    const tokenizer = new ByteLevelTokenizer();
    const config = GPTConfig.create({
      modelType: 'Vanilla',
      vocabSize: tokenizer.vocabSize,
      paddingIdx: tokenizer.padTokenId,
      blockSize: 32,
      nEmbd: 16,
      nLayer: 1,
      nHead: 2,
    });
    const model = getModel('Vanilla', config, { seed: 1 });
    saveModel(model, modelDir);
    tokenizer.savePretrained(path.join(modelDir, 'tokenizer'));
    model.dispose();
  });

  test('train-unigram, transfer fvt, train-hypernet, transfer hypernet; the results generate', () => {
    const trained = run(
      'tokenizers',
      'train-unigram',
      '--input',
      corpus,
      '--vocab-size',
      '400',
      '--out',
      unigramDir,
    );
    expect(trained.out).toMatch(/Unigram vocabulary of 400/);
    const fvt = transfer(modelDir, unigramDir, 'fvt', path.join(dir, 'fvt'));
    expect(fvt.out).toMatch(/fvt: byte 259 -> unigram 400 ids/);
    const gen = run('generate', '--model', path.join(dir, 'fvt'), '--prompt', 'And', '--max-new-tokens', '3');
    expect(gen.status).toBe(0);
    const again = transfer(modelDir, unigramDir, 'fvt', path.join(dir, 'fvt'));
    expect(again.err).toMatch(/exists and is not empty/);
    const hnOut = path.join(dir, 'hn');
    const hn = run(
      'transfer',
      'train-hypernet',
      '--model',
      modelDir,
      '--data',
      corpus,
      '--out',
      hnOut,
      '--steps',
      '3',
      '--batch-size',
      '2',
    );
    expect(hn.out).toMatch(/trained 3 steps/);
    const moved = transfer(
      modelDir,
      unigramDir,
      'hypernet',
      path.join(dir, 'hn-model'),
      '--hypernet',
      path.join(hnOut, 'hypernet'),
    );
    expect(moved.out).toMatch(/hypernet: byte 259 -> unigram 400/);
    expect(fs.existsSync(path.join(dir, 'hn-model', 'tokenizer', 'tokenizer.json'))).toBe(true);
  }, 120_000);

  test('train-hypernet reads any corpus with the reading flags (folder, JSONL --text-field, --replace-invalid-utf8)', () => {
    // Too short alone (the hypernetwork needs a few hundred characters); the JSONL record's `body` is enough,
    // its `id` (what the reader takes without --text-field) is not.
    const folder = path.join(dir, 'hn-data');
    fs.mkdirSync(folder);
    const bad = path.join(folder, 'a.txt');
    fs.writeFileSync(bad, Buffer.from('ab \xff cd', 'latin1'));
    const body = fs.readFileSync(corpus, 'utf8').slice(0, 2000);
    fs.writeFileSync(path.join(folder, 'b.jsonl'), `${JSON.stringify({ id: 'r1', body })}\n`);
    const train = (out: string, ...flags: string[]) =>
      run(
        'transfer',
        'train-hypernet',
        '--model',
        modelDir,
        '--data',
        folder,
        '--out',
        path.join(dir, out),
        '--steps',
        '1',
        '--batch-size',
        '2',
        ...flags,
      );
    expect(train('hn-bad', '--text-field', 'body').err).toContain(`${bad}: not valid UTF-8`);
    expect(train('hn-id', '--replace-invalid-utf8').err).toMatch(
      /the training text has \d+ characters; need more/,
    );
    expect(train('hn-ok', '--replace-invalid-utf8', '--text-field', 'body').out).toMatch(/trained 1 steps/);
  }, 60_000);

  test('bad inputs are clear errors and write nothing', () => {
    // A model directory whose tokenizer does not belong to the model.
    const mixed = path.join(dir, 'mixed');
    fs.cpSync(modelDir, mixed, { recursive: true });
    trainUnigram([fs.readFileSync(corpus, 'utf8')], { vocabSize: 300 }).tokenizer.savePretrained(
      path.join(mixed, 'tokenizer'),
    );
    const r1 = transfer(mixed, 'byte', 'fvt', path.join(dir, 'x1'));
    expect(r1.err).toMatch(/mixed: the model has 259 token rows but the tokenizer \(unigram\) has 300 ids/);
    const r2 = transfer(
      modelDir,
      'byte',
      'hypernet',
      path.join(dir, 'x2'),
      '--hypernet',
      path.join(dir, 'none'),
    );
    expect(r2.err).toMatch(/none: no hypernetwork directory/);
    const r3 = transfer(modelDir, 'byte', 'nearest', path.join(dir, 'x3'));
    expect(r3.err).toMatch(/--method "nearest" is not one of/);
    const r4 = transfer(modelDir, 'byte', 'fvt', path.join(dir, 'x4'), '--hypernet', path.join(dir, 'hn'));
    expect(r4.err).toMatch(/--hypernet <dir> goes with --method hypernet/);
    for (const x of ['x1', 'x2', 'x3', 'x4']) expect(fs.existsSync(path.join(dir, x))).toBe(false);
  }, 60_000);
});
