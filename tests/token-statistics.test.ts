import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { COVERAGE_THRESHOLDS, TokenUsageAnalyzer } from '../analysis/token-usage.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { pngSize } from './png-size.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-stats-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function charTokenizer(texts: string[]): CharacterTokenizer {
  const t = new CharacterTokenizer();
  t.buildVocabFromTexts(texts);
  return t;
}

// "aaaab bc": a×4, b×2, ' '×1, c×1 → N = 8; first occurrence order a, b, ' ', c
const TEXTS = ['aaaab', ' bc'];

describe('TokenUsageAnalyzer.analyzeTexts', () => {
  test('summary fields on a hand-counted corpus', async () => {
    const t = charTokenizer(TEXTS); // 4 specials + a, b, ' ', c = 8
    const a = new TokenUsageAnalyzer(t);
    const s = await a.analyzeTexts(TEXTS);
    expect(s.totalTokens).toBe(8);
    expect(s.uniqueTokens).toBe(4);
    expect(s.numSamples).toBe(2);
    expect(s.avgSequenceLength).toBe(4);
    expect(s.vocabUtilization).toBe(0.5);
    expect(s.vocabCoverage).toBe(s.vocabUtilization);
    expect(s.mostCommon.map((e) => [e.token, e.count])).toEqual([
      ['a', 4],
      ['b', 2],
      [' ', 1], // tie with c: first occurrence wins
      ['c', 1],
    ]);
  });

  test('frequencies, as counts and as fractions, in rank order', async () => {
    const a = new TokenUsageAnalyzer(charTokenizer(TEXTS));
    await a.analyzeTexts(TEXTS);
    expect([...a.getTokenFrequencies()]).toEqual([
      ['a', 4],
      ['b', 2],
      [' ', 1],
      ['c', 1],
    ]);
    expect([...a.getTokenFrequencies({ asPercentage: true }).values()]).toEqual([0.5, 0.25, 0.125, 0.125]);
  });

  test('coverage thresholds: first rank reaching each threshold', async () => {
    const a = new TokenUsageAnalyzer(charTokenizer(TEXTS));
    await a.analyzeTexts(TEXTS);
    // cumulative: 0.5, 0.75, 0.875, 1
    expect(Object.fromEntries(a.coverageThresholds())).toEqual({
      0.5: 1,
      0.8: 3,
      0.9: 4,
      0.95: 4,
      0.98: 4,
      0.99: 4,
      0.999: 4,
    });
    expect(COVERAGE_THRESHOLDS).toEqual([0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999]);
    // unreached thresholds are omitted
    expect([...a.coverageThresholds([0.5, 1.5])]).toEqual([[0.5, 1]]);
  });

  test('maxSamples, streaming a file line by line, and a file cut across chunk boundaries', async () => {
    const file = path.join(tmp, 'big.txt');
    // ~2.5 MB so the 1 MiB chunks cut lines; multi-byte characters straddle chunk edges
    const line = 'é漢字 abc😀\n';
    const lines = 120_000;
    fs.writeFileSync(file, line.repeat(lines));
    const t = new ByteLevelTokenizer();
    const a = new TokenUsageAnalyzer(t);
    const s = await a.analyzeTexts({ file }, { showProgress: false });
    const perLine = Buffer.byteLength(line) - 1;
    expect(s.numSamples).toBe(lines);
    expect(s.totalTokens).toBe(perLine * lines);
    expect(a.countOf(0x20)).toBe(lines);
    const firstLines = await new TokenUsageAnalyzer(t).analyzeTexts(
      { file: [file, file] },
      { maxSamples: 3, showProgress: false },
    );
    expect(firstLines).toMatchObject({ numSamples: 3, totalTokens: 3 * perLine });
    const first = await new TokenUsageAnalyzer(t).analyzeTexts(['x', 'yy', 'zzz'], { maxSamples: 2 });
    expect(first).toMatchObject({ numSamples: 2, totalTokens: 3 });
  });

  test('empty inputs are errors that say so', async () => {
    const a = new TokenUsageAnalyzer(new ByteLevelTokenizer());
    await expect(a.analyzeTexts([])).rejects.toThrow(/empty corpus/);
    const file = path.join(tmp, 'empty.txt');
    fs.writeFileSync(file, '\n');
    await expect(a.analyzeTexts({ file })).rejects.toThrow(/empty\.txt: empty corpus/);
    await expect(a.analyzeTexts({ file: path.join(tmp, 'missing.txt') })).rejects.toThrow(
      /missing\.txt: data file not found/,
    );
  });
});

describe('createReducedVocab', () => {
  test('character tokenizer: specials 0…3 in id order, then top-k, unique ids, id map, pruned tokenizer', async () => {
    const t = charTokenizer(TEXTS);
    const a = new TokenUsageAnalyzer(t);
    await a.analyzeTexts(TEXTS);
    const r = a.createReducedVocab(0.8);
    expect(r.k).toBe(3);
    expect(r.reachedCoverage).toBe(0.875);
    expect([...r.vocab]).toEqual([
      ['<unk>', 0],
      ['<pad>', 1],
      ['<bos>', 2],
      ['<eos>', 3],
      ['a', 4],
      ['b', 5],
      [' ', 6],
    ]);
    const ids = [...r.vocab.values()];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(ids.map((_, i) => i));
    for (const [oldId, newId] of r.idMap) expect(r.vocab.get(t.idToToken(oldId)!)).toBe(newId);
    expect(r.idMap.size).toBe(7);
    const pruned = r.tokenizer!;
    expect(pruned).toBeInstanceOf(CharacterTokenizer);
    expect(pruned.vocabSize).toBe(7);
    // 'c' was pruned: it becomes <unk>
    expect(pruned.encode('abc')).toEqual([4, 5, 0]);
  });

  test('specials sharing one string (GPT-2 style) get one id; ids contiguous and unique (D5)', async () => {
    // byte tokenizer whose pad/bos/eos share a string: the reference would assign ids twice (D5)
    const t = new ByteLevelTokenizer({
      padToken: '<|endoftext|>',
      bosToken: '<|endoftext|>',
      eosToken: '<|endoftext|>',
    });
    expect(t.allSpecialTokens).toEqual(['<|endoftext|>']);
    const a = new TokenUsageAnalyzer(t);
    await a.analyzeTexts(['aab']);
    const r = a.createReducedVocab(1);
    expect([...r.vocab]).toEqual([
      ['<|endoftext|>', 0],
      ['a', 1],
      ['b', 2],
    ]);
    expect([...r.idMap]).toEqual([
      [256, 0],
      [97, 1],
      [98, 2],
    ]);
    expect(r.tokenizer).toBeNull();
    expect(() => a.createReducedVocab(0)).toThrow(/coverage must be in/);
  });
});

test('GPT-2: <|endoftext|> (pad = bos = eos) gets id 0 once; the rest follow by frequency (D5)', async () => {
  const { GPT2Tokenizer } = await import('../tokenizers/gpt2.js');
  const t = new GPT2Tokenizer();
  const a = new TokenUsageAnalyzer(t);
  await a.analyzeTexts(['the cat and the dog and the bird']);
  const r = a.createReducedVocab(1);
  const entries = [...r.vocab];
  expect(entries[0]).toEqual(['<|endoftext|>', 0]);
  // tokens: the Ġcat Ġand Ġthe Ġdog Ġand Ġthe Ġbird — Ġand and Ġthe both ×2, Ġand seen first;
  // ids are 0…n−1 with no repeats
  expect(entries.slice(1, 3)).toEqual([
    ['Ġand', 1],
    ['Ġthe', 2],
  ]);
  expect(entries.map(([, id]) => id)).toEqual(entries.map((_, i) => i));
  expect(r.idMap.get(50256)).toBe(0);
  expect(r.idMap.get(t.tokenToId('Ġthe')!)).toBe(2);
  expect(r.vocab.size).toBe(7);
  expect(r.tokenizer).toBeNull();
});

describe('saveAnalysis', () => {
  test('writes the four files; summary has reference keys and coverage thresholds', async () => {
    const a = new TokenUsageAnalyzer(charTokenizer(TEXTS));
    await a.analyzeTexts(TEXTS);
    const dir = path.join(tmp, 'analysis');
    a.saveAnalysis(dir);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'analysis_summary.json',
      'coverage_curve.png',
      'token_distribution.png',
      'token_frequencies.json',
    ]);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'analysis_summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      total_tokens: 8,
      unique_tokens: 4,
      num_samples: 2,
      avg_sequence_length: 4,
      vocab_coverage: 0.5,
      vocab_utilisation: 0.5,
      coverage_thresholds: { '0.5': 1, '0.8': 3, '0.9': 4, '0.95': 4, '0.98': 4, '0.99': 4, '0.999': 4 },
    });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'token_frequencies.json'), 'utf8'))).toEqual({
      a: 4,
      b: 2,
      ' ': 1,
      c: 1,
    });
    expect(pngSize(fs.readFileSync(path.join(dir, 'coverage_curve.png')))).toEqual({
      width: 1200,
      height: 600,
    });
  });
});
