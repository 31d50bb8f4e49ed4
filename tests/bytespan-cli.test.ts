import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CueCorpusWriter } from '../tokenizers/bytespan/cue-corpus.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { loadTokenizer } from '../tokenizers/registry.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = (...args: string[]): string =>
  execFileSync(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...args, '--quiet'], {
    encoding: 'utf8',
  });

let tmp: string;
let predictions: string;
const lines = fs
  .readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .slice(100, 700);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-bytespan-cli-'));
  predictions = path.join(tmp, 'predictions');
  // A synthetic cue: high at the first letter of a word, falling inside it (a stand-in for a byte LM).
  const writer = new CueCorpusWriter(predictions, { unit: 'nats', cues: ['entropy'], sources: ['kjv'] });
  for (const line of lines) {
    const bytes = Buffer.from(` ${line}`, 'utf8');
    const cue = new Float32Array(bytes.length);
    let sinceSpace = 0;
    for (let i = 0; i < bytes.length; i++) {
      sinceSpace = bytes[i] === 0x20 ? 0 : sinceSpace + 1;
      cue[i] = sinceSpace === 0 ? 2 : 3 / sinceSpace + ((i * 7919) % 13) / 100;
    }
    writer.append(new Uint8Array(bytes), new Map([['entropy', cue]]), 0);
  }
  writer.close();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('create-bytespan, create-threshold and create-frequency write loadable tokenizers named as the reference', () => {
  const out = path.join(tmp, 'tok');
  const common = ['--predictions', predictions, '--out', out];
  expect(
    cli(
      'tokenizers',
      'create-bytespan',
      ...common,
      '--cue',
      'Entropy',
      '--constraint',
      'combined',
      '--vocab-size',
      '900',
      '1000',
    ),
  ).toMatch(/ByteSpanEntropyCombinedFrequency 900 → .*ByteSpanEntropyCombinedFrequency_900/);
  cli(
    'tokenizers',
    'create-bytespan',
    ...common,
    '--cue',
    'entropy',
    '--constraint',
    'monotonic',
    '--proportion-bytespan',
    '50',
    '--vocab-size',
    '2000',
  );
  cli(
    'tokenizers',
    'create-bytespan',
    ...common,
    '--cue',
    'entropy',
    '--constraint',
    'combined',
    '--proportion-bytespan',
    '0',
    '--vocab-size',
    '1000',
  );
  cli(
    'tokenizers',
    'create-threshold',
    ...common,
    '--cue',
    'entropy',
    '--vocab-size',
    '720',
    '--min-frequency',
    '5',
  );
  cli('tokenizers', 'create-frequency', ...common, '--vocab-size', '400', '600');
  expect(fs.readdirSync(out).sort()).toEqual([
    'BPEWP_1000',
    'BPE_400',
    'BPE_600',
    'ByteSpanEntropyCombinedFrequency_1000',
    'ByteSpanEntropyCombinedFrequency_900',
    'ByteSpanEntropyGlobalIncrement_720',
    'ByteSpanEntropyMonotonicSeeding_2000',
  ]);
  expect(fs.readFileSync(path.join(out, 'ByteSpanEntropyGlobalIncrement_720', 'stats.csv'), 'utf8')).toMatch(
    /^num_moves,vocab_size,unique_segments,threshold\n\d+,/,
  );

  const text = lines.slice(0, 50).join('\n');
  const small = loadTokenizer(path.join(out, 'ByteSpanEntropyCombinedFrequency_900'));
  const large = loadTokenizer(path.join(out, 'ByteSpanEntropyCombinedFrequency_1000'));
  expect(small).toBeInstanceOf(ByteSpanTokenizer);
  expect(small.vocabSize).toBe(900);
  // The smaller vocabulary is the prefix of the larger one (one span pass, the most frequent spans first).
  expect([...small.getVocab()].every(([token, id]) => large.tokenToId(token) === id)).toBe(true);
  expect(large.encode(text).length).toBeLessThan(small.encode(text).length);
  expect(small.encode(text).length).toBeLessThan(Buffer.byteLength(text));
  for (const dir of fs.readdirSync(out)) {
    const tokenizer = loadTokenizer(path.join(out, dir));
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  }
  const bpe400 = loadTokenizer(path.join(out, 'BPE_400'));
  const bpe600 = loadTokenizer(path.join(out, 'BPE_600'));
  expect(bpe600.encode(text).length).toBeLessThan(bpe400.encode(text).length);
});

test('bad parameters are refused with the value named', () => {
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [path.join(root, 'dist', 'cli', 'main.js'), 'tokenizers', ...args, '--quiet'],
      {
        encoding: 'utf8',
      },
    );
  const out = path.join(tmp, 'bad');
  const base = ['--predictions', predictions, '--out', out, '--cue', 'entropy'];
  const combined = (...extra: string[]) =>
    run('create-bytespan', ...base, '--constraint', 'combined', ...extra).stderr;
  expect(combined('--vocab-size', '500')).toMatch(/500/);
  expect(combined('--vocab-size', '1000', '--threshold-percentile', '120')).toMatch(/120/);
  expect(combined('--vocab-size', '1000', '--proportion-bytespan', '150')).toMatch(/150/);
  expect(combined('--vocab-size', '1000', '--cue', 'loudness')).toMatch(/unknown cue "loudness"/);
  expect(run('create-bytespan', ...base, '--constraint', 'diagonal', '--vocab-size', '1000').stderr).toMatch(
    /diagonal/,
  );
  expect(run('create-threshold', ...base, '--vocab-size', '600').stderr).toMatch(/600/);
  expect(fs.existsSync(out)).toBe(false);

  // A cue file that does not match the byte stream is named.
  const broken = path.join(tmp, 'broken');
  fs.cpSync(predictions, broken, { recursive: true });
  fs.truncateSync(path.join(broken, 'entropy.f32'), 40);
  const result = run(
    'create-bytespan',
    '--predictions',
    broken,
    '--out',
    out,
    '--cue',
    'entropy',
    '--constraint',
    'combined',
    '--vocab-size',
    '1000',
  );
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(/entropy\.f32: size 40 bytes does not match/);
});

test('create-frequency --reference: PAD 0, EOS 1, bytes 2–257, merges from 258, pairs under 20 rejected, merges_data.csv', () => {
  const out = path.join(tmp, 'reference');
  cli(
    'tokenizers',
    'create-frequency',
    '--predictions',
    predictions,
    '--out',
    out,
    '--vocab-size',
    '800',
    '--reference',
  );
  // 800 entries need pairs seen fewer than 20 times in this corpus: the cutoff stops the merges first.
  const [folder] = fs.readdirSync(out).filter((f) => f.startsWith('BPE_'));
  const dir = path.join(out, folder!);
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  expect(Object.keys(vocab).length).toBeGreaterThan(300);
  expect(Object.keys(vocab).length).toBeLessThan(800);
  const id = (token: string): number | undefined => vocab[token];
  expect(['<|padding|>', '<|endoftext|>', 'Ġ', 'a', 'Ċ'].map(id)).toEqual([
    0,
    1,
    2 + 0x20,
    2 + 0x61,
    2 + 0x0a,
  ]);
  const csv = fs.readFileSync(path.join(dir, 'merges_data.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toBe('left_token,right_token,joined_token,num_merges');
  const rows = csv.slice(1).map((line) => line.split(','));
  expect(rows.length).toBe(Object.keys(vocab).length - 258);
  for (const [left, right, joined, count] of rows) {
    expect(joined).toBe(left! + right!);
    expect(vocab[joined!]).toBeGreaterThanOrEqual(258);
    expect(Number(count)).toBeGreaterThanOrEqual(20);
  }
  const merges = fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8').trim().split('\n');
  expect(merges.slice(1)).toEqual(rows.map(([l, r]) => `${l} ${r}`));
  const text = lines.slice(0, 40).join('\n');
  const reference = loadTokenizer(dir);
  expect(reference.decode(reference.encode(text))).toBe(text);
  expect(Math.max(...reference.encode(text))).toBeLessThan(Object.keys(vocab).length);
});
