import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pngSize } from './png-size.js';

// Runs the compiled CLI (`npm test` builds dist/ first).
const CLI = path.resolve('dist/cli/main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-analyze-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const en = write('en.txt', 'the walked dog\nwalking cats\n');
const de = write('de.txt', 'größer Häuser\n');
const morph = write('morph.csv', 'full_word,pt1,rest\nwalked,walk,ed\ncats,cat,s\n');

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
});

test('analyze writes report.json with one entry per tokenizer, report.md and the charts', () => {
  const out = path.join(tmp, 'report');
  execFileSync(
    process.execPath,
    [
      CLI,
      'analyze',
      '--tokenizer',
      'byte',
      '--tokenizer',
      'char',
      '--input',
      en,
      de,
      '--morph',
      morph,
      '--out',
      out,
      '--quiet',
    ],
    {
      encoding: 'utf8',
    },
  );
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  expect(report.tokenizers.map((t: { name: string }) => t.name)).toEqual(['byte', 'char']);
  for (const t of report.tokenizers) {
    for (const key of [
      'name',
      'bytesPerToken',
      'fertility',
      'propSplit',
      'typesUsed',
      'renyi',
      'morphScore',
      'totalTokens',
    ]) {
      expect(t).toHaveProperty(key);
    }
    expect(t.perCorpus.map((c: { name: string }) => c.name)).toEqual(['en', 'de']);
  }
  const byte = report.tokenizers[0];
  // en: 26 bytes, 5 words; de: 16 bytes ("größer Häuser": ö, ß, ä take 2 bytes), 2 words
  expect(byte).toMatchObject({
    bytesPerToken: 1,
    totalTokens: 42,
    fertility: 42 / 7,
    propSplit: 1,
    morphScore: 1,
  });
  // the character tokenizer got its vocabulary from the inputs: every character is a type
  expect(report.tokenizers[1].totalTokens).toBe(39);
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  expect(md).toContain('| tokenizer | bytes/token | fertility |');
  expect(md).toContain('| byte | 1.000 | 6.000 |');
  for (const png of [
    'bytes_per_token.png',
    'fertility.png',
    'renyi.png',
    'morph_score.png',
    'coverage_curves.png',
    'fertility_by_input.png',
  ]) {
    expect(pngSize(fs.readFileSync(path.join(out, png)))).toEqual({ width: 1200, height: 600 });
  }
});

test('analyze coverage writes the cleanGPT analysis files and reduced vocabularies', () => {
  const out = path.join(tmp, 'coverage');
  execFileSync(process.execPath, [
    CLI,
    'analyze',
    'coverage',
    '--tokenizer',
    'byte',
    '--input',
    en,
    '--reduced-vocab',
    '0.5',
    '--out',
    out,
    '--quiet',
  ]);
  expect(fs.readdirSync(out).sort()).toEqual([
    'analysis_summary.json',
    'coverage_curve.png',
    'reduced_vocab_0.50.json',
    'token_distribution.png',
    'token_frequencies.json',
  ]);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'analysis_summary.json'), 'utf8'));
  expect(summary).toMatchObject({ total_tokens: 26, num_samples: 2 });
  const reduced = JSON.parse(fs.readFileSync(path.join(out, 'reduced_vocab_0.50.json'), 'utf8'));
  const ids = Object.values(reduced) as number[];
  expect(ids).toEqual(ids.map((_, i) => i));
});

test('bad input: a CSV missing a column and an empty corpus fail with messages naming them', () => {
  const bad = write('bad.csv', 'full_word,pt1\nwalked,walk\n');
  const r1 = spawnSync(
    process.execPath,
    [CLI, 'analyze', '--tokenizer', 'byte', '--input', en, '--morph', bad, '--out', path.join(tmp, 'x')],
    { encoding: 'utf8' },
  );
  expect(r1.status).toBe(1);
  expect(r1.stderr).toContain('bad.csv: missing column "rest"');
  const empty = write('empty.txt', '\n');
  const r2 = spawnSync(
    process.execPath,
    [CLI, 'analyze', '--tokenizer', 'byte', '--input', empty, '--out', path.join(tmp, 'y')],
    { encoding: 'utf8' },
  );
  expect(r2.status).toBe(1);
  expect(r2.stderr).toContain('empty.txt: empty corpus');
});
