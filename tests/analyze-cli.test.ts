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
  // Whole files, newlines included. en: 28 bytes, 7 GPT-2 pre-tokens (the, ␣walked, ␣dog, \n, walking,
  // ␣cats, \n); de: 17 bytes ("größer Häuser\n": ö, ß, ä take 2 bytes), 3 pre-tokens. Every pre-token
  // but the three newlines has two or more bytes, so it is split by the byte tokenizer.
  expect(byte).toMatchObject({
    bytesPerToken: 1,
    totalTokens: 45,
    fertility: 45 / 10,
    propSplit: 7 / 10,
    morphScore: 1,
    unkCount: 0,
  });
  // the character tokenizer got its vocabulary from the inputs: every character is a type
  expect(report.tokenizers[1].totalTokens).toBe(42);
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  expect(md).toContain('| tokenizer | bytes/token | fertility |');
  expect(md).toContain('| byte | 1.000 | 4.500 |');
  const csv = fs.readFileSync(path.join(out, 'report.csv'), 'utf8').split('\n');
  expect(csv[0]).toMatch(/^tokenizer,input,/);
  expect(csv.filter((l) => l.startsWith('byte,'))).toHaveLength(3); // en, de, all
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

test('analyze counts the whole text of each document (blank lines, no final newline); --unit lines counts lines', async () => {
  const { resolveTokenizer } = await import('../text-api.js');
  const gpt2 = resolveTokenizer('gpt2');
  const text = 'First line,\n\nsecond  line\n\n\n  indented last';
  const file = write('doc.txt', text);
  const records = ['one record\n\nwith a blank line', 'two'];
  const jsonl = write('docs.jsonl', `${records.map((t) => JSON.stringify({ text: t })).join('\n')}\n`);
  const run = (input: string, ...extra: string[]) => {
    const out = path.join(tmp, `unit-${path.basename(input)}-${extra.length}`);
    execFileSync(process.execPath, [
      CLI,
      'analyze',
      '--tokenizer',
      'gpt2',
      '--input',
      input,
      '--out',
      out,
      '--quiet',
      ...extra,
    ]);
    return JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).tokenizers[0];
  };
  const whole = run(file);
  expect(whole.totalTokens).toBe(gpt2.encode(text).length);
  expect(whole.bytesPerToken).toBeCloseTo(Buffer.byteLength(text) / gpt2.encode(text).length, 12);
  const lines = text.split('\n').filter((l) => l.length > 0);
  expect(run(file, '--unit', 'lines').totalTokens).toBe(lines.reduce((n, l) => n + gpt2.encode(l).length, 0));
  expect(run(jsonl).totalTokens).toBe(records.reduce((n, t) => n + gpt2.encode(t).length, 0));
});

test('analyze reads through the one corpus reader: a folder of text and JSONL equals the same documents as files; --replace-invalid-utf8', () => {
  const folder = path.join(tmp, 'mixed');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'a.txt'), 'the walked dog\nwalking cats\n');
  fs.writeFileSync(
    path.join(folder, 'b.jsonl'),
    `${JSON.stringify({ text: 'größer Häuser' })}\n${JSON.stringify({ text: 'cats walked' })}\n`,
  );
  const separate = [
    write('sa.txt', 'the walked dog\nwalking cats\n'),
    write('sb.txt', 'größer Häuser'),
    write('sc.txt', 'cats walked'),
  ];
  const run = (input: string[], out: string, ...extra: string[]) => {
    execFileSync(process.execPath, [
      CLI,
      'analyze',
      '--tokenizer',
      'byte',
      '--input',
      ...input,
      '--out',
      out,
      '--quiet',
      ...extra,
    ]);
    const [byte] = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).tokenizers;
    return byte;
  };
  const fromFolder = run([folder], path.join(tmp, 'r-folder'));
  const fromFiles = run(separate, path.join(tmp, 'r-files'));
  for (const key of ['bytesPerToken', 'fertility', 'propSplit', 'typesUsed', 'renyi'])
    expect(fromFolder[key]).toBe(fromFiles[key]);

  const bad = path.join(tmp, 'bad.txt');
  fs.writeFileSync(bad, Buffer.from('ab cd \xff ef', 'latin1'));
  const failed = spawnSync(
    process.execPath,
    [CLI, 'analyze', '--tokenizer', 'byte', '--input', bad, '--out', path.join(tmp, 'r-bad'), '--quiet'],
    { encoding: 'utf8' },
  );
  expect(failed.status).not.toBe(0);
  expect(failed.stderr).toContain(`${bad}: not valid UTF-8`);
  const replaced = run([bad], path.join(tmp, 'r-replaced'), '--replace-invalid-utf8');
  // "ab cd \ufffd ef": 4 words, 12 bytes (U+FFFD is 3 bytes), one token per byte.
  expect(replaced.bytesPerToken).toBe(1);
  expect(replaced.fertility).toBe(12 / 4);
});
