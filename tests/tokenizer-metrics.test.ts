import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  evaluateCorpus,
  evaluateTokenizer,
  morphScore,
  morphScoreReference,
  pretokenByteBounds,
  readMorphCsv,
  renyiEfficiency,
  TokenizerMetricsAccumulator,
} from '../text-api.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { CharacterTokenizer } from '../tokenizers/character.js';

function charTokenizer(texts: string[]): CharacterTokenizer {
  const t = new CharacterTokenizer();
  t.buildVocabFromTexts(texts);
  return t;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-metrics-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('corpus metrics on hand-computed examples', () => {
  test('byte tokenizer on "ab cde": B=6, N=6, W=2, both words split, 6 types', async () => {
    const m = (await evaluateCorpus(new ByteLevelTokenizer(), { name: 'x', texts: ['ab cde'] })).result();
    expect(m).toMatchObject({ bytes: 6, totalTokens: 6, words: 2, splitWords: 2, typesUsed: 6 });
    expect(m.bytesPerToken).toBe(1);
    expect(m.fertility).toBe(3);
    expect(m.propSplit).toBe(1);
    expect(m.utilization).toBeCloseTo(6 / 259, 12);
    // six equally frequent types: efficiency 1
    expect(m.renyi).toBeCloseTo(1, 12);
  });

  test('character tokenizer on "a bb é": words are GPT-2 pre-tokens (leading space included); é is 2 bytes', async () => {
    const text = 'a bb é';
    const m = (await evaluateCorpus(charTokenizer([text]), { name: 'x', texts: [text] })).result();
    // tokens: a, ' ', b, b, ' ', é  → N = 6; bytes = 7; pre-tokens a | ␣bb | ␣é, the last two split
    expect(m).toMatchObject({ bytes: 7, totalTokens: 6, words: 3, splitWords: 2, typesUsed: 4 });
    expect(m.bytesPerToken).toBeCloseTo(7 / 6, 12);
    expect(m.fertility).toBe(2);
    expect(m.propSplit).toBeCloseTo(2 / 3, 12);
    // counts a:1 ' ':2 b:2 é:1 → p = [1/6, 1/3, 1/3, 1/6]
    const p = [1 / 6, 1 / 3, 1 / 3, 1 / 6];
    const h = Math.log2(p.reduce((s, x) => s + x ** 2.5, 0)) / (1 - 2.5);
    expect(m.renyi).toBeCloseTo(h / 2, 12);
  });

  test('byte tokenizer splits multi-byte words by bytes: "é" alone is split (2 tokens), so is " x"', async () => {
    const m = (await evaluateCorpus(new ByteLevelTokenizer(), { name: 'x', texts: ['é x'] })).result();
    expect(m).toMatchObject({ bytes: 4, totalTokens: 4, words: 2, splitWords: 2 });
  });

  test('lossy tokenization (<unk>) falls back to per-word tokenization and is counted', async () => {
    const t = charTokenizer(['ab']);
    const acc = new TokenizerMetricsAccumulator(t, 'x');
    acc.addText('ab zz q');
    const m = acc.result();
    expect(m.unalignedTexts).toBe(1);
    // pre-tokens: ab (2 tokens), ␣zz (3 unk), ␣q (2 unk) → all 3 split
    expect(m.splitWords).toBe(3);
    expect(m.totalTokens).toBe(7);
  });

  test('pooled metrics equal the metrics of the concatenated corpora', async () => {
    const t = new ByteLevelTokenizer();
    const ev = await evaluateTokenizer('byte', t, [
      { name: 'en', texts: ['hello world'] },
      { name: 'de', texts: ['grüße'] },
    ]);
    expect(ev.perCorpus.map((c) => c.name)).toEqual(['en', 'de']);
    expect(ev.perCorpus[1]!.bytes).toBe(7);
    expect(ev.overall.bytes).toBe(18);
    expect(ev.overall.words).toBe(3);
    expect(ev.overall.totalTokens).toBe(18);
    const single = (await evaluateCorpus(t, { name: 'all', texts: ['hello world', 'grüße'] })).result();
    expect(ev.overall.renyi).toBeCloseTo(single.renyi, 12);
    expect(ev.overall.typesUsed).toBe(single.typesUsed);
  });

  test('empty corpus is an error naming the corpus; an empty file names the file', async () => {
    await expect(evaluateCorpus(new ByteLevelTokenizer(), { name: 'english', texts: [] })).rejects.toThrow(
      /english: empty corpus/,
    );
    const empty = path.join(tmp, 'empty.txt');
    fs.writeFileSync(empty, '\n\n');
    await expect(evaluateCorpus(new ByteLevelTokenizer(), { name: 'e', file: empty })).rejects.toThrow(
      /empty\.txt: empty corpus/,
    );
  });

  test('file corpora are read whole (line breaks are text and pre-tokens), or line by line', async () => {
    const file = path.join(tmp, 'two-lines.txt');
    fs.writeFileSync(file, 'ab c\r\nd\n');
    // pre-tokens: ab | ␣c | \r | \n | d | \n
    const whole = (await evaluateCorpus(new ByteLevelTokenizer(), { name: 'f', file })).result();
    expect(whole).toMatchObject({ bytes: 8, totalTokens: 8, words: 6, splitWords: 2 });
    const lines = (
      await evaluateCorpus(new ByteLevelTokenizer(), { name: 'f', file }, { unit: 'lines' })
    ).result();
    expect(lines).toMatchObject({ bytes: 5, totalTokens: 5, words: 3, splitWords: 2 });
  });
});

describe('pretokenByteBounds and renyiEfficiency', () => {
  test('words are the GPT-2 pre-tokens in byte offsets, whitespace runs included', () => {
    expect(pretokenByteBounds('  é ab\tc ')).toEqual({
      // ␣ | ␣é | ␣ab | \t | c | ␣
      bounds: Uint32Array.from([0, 1, 1, 4, 4, 7, 7, 8, 8, 9, 9, 10]),
      bytes: 10,
    });
    expect(pretokenByteBounds('')).toEqual({ bounds: new Uint32Array(0), bytes: 0 });
    // agrees with the GPT-2 regex (bytespan-reference.md §5) on a mixed string
    const text = " Grüße,\tworld's 42!  食べた 😀 \n\nend";
    const gpt2 = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
    const viaRegex = [...text.matchAll(gpt2)].flatMap((m) => {
      const start = Buffer.byteLength(text.slice(0, m.index));
      return [start, start + Buffer.byteLength(m[0])];
    });
    expect(Array.from(pretokenByteBounds(text).bounds)).toEqual(viaRegex);
  });

  test('uniform distribution has efficiency 1; a skewed one less; one type is NaN', () => {
    expect(renyiEfficiency([5, 5, 5, 5])).toBeCloseTo(1, 12);
    // p = [0.75, 0.25]: H_2.5 = log2(0.75^2.5 + 0.25^2.5) / (1 − 2.5); log2 U = 1
    const expected = Math.log2(0.75 ** 2.5 + 0.25 ** 2.5) / -1.5;
    expect(renyiEfficiency([3, 0, 1])).toBeCloseTo(expected, 12);
    // 0.75^2.5 = 0.48714, 0.25^2.5 = 0.03125, log2(0.51839) = −0.94788, ÷ −1.5 = 0.63192
    expect(expected).toBeCloseTo(0.63192, 4);
    expect(renyiEfficiency([7])).toBeNaN();
    expect(() => renyiEfficiency([1, 1], 1)).toThrow(/alpha/);
  });
});

describe('MorphScore', () => {
  test('byte offsets: boundary hits, single-token exclusion, multi-byte pt1', () => {
    // A character tokenizer splits every character, so every boundary exists: score 1.
    const items = [
      { fullWord: 'walked', pt1: 'walk', rest: 'ed' },
      { fullWord: 'größer', pt1: 'größ', rest: 'er' },
      { fullWord: 'a', pt1: 'a', rest: '' },
    ];
    const t = charTokenizer(items.map((i) => i.fullWord).concat([' ']));
    const r = morphScore(t, items);
    expect(r).toMatchObject({ scored: 2, hits: 2, score: 1, excludedInvalid: 1 });
  });

  test('a tokenizer whose boundaries miss the morpheme boundary scores 0; whole words are excluded', () => {
    // Vocabulary with multi-character tokens is not available for the character tokenizer, so use
    // a tiny custom tokenizer: splits "walked" as "wal|ked" and keeps "cat" whole.
    const pieces: Record<number, string> = { 10: ' ', 11: 'wal', 12: 'ked', 13: 'cats' };
    class Fixed extends CharacterTokenizer {
      override encode(text: string): number[] {
        const table: Record<string, number[]> = { ' walked': [10, 11, 12], ' cats': [10, 13] };
        return table[text] ?? [];
      }
      override decode(ids: ArrayLike<number>): string {
        return Array.from(ids, (id) => pieces[id] ?? '').join('');
      }
      override tokenBytes(id: number): Uint8Array | null {
        return id in pieces ? new TextEncoder().encode(pieces[id]) : null;
      }
    }
    const r = morphScore(new Fixed(), [
      { fullWord: 'walked', pt1: 'walk', rest: 'ed' },
      { fullWord: 'cats', pt1: 'cat', rest: 's' },
    ]);
    expect(r).toMatchObject({ scored: 1, hits: 0, score: 0, excludedSingleToken: 1 });
  });

  test('byte tokenizer: boundary of a multi-byte pt1 is at its byte length', async () => {
    const r = morphScore(new ByteLevelTokenizer(), [{ fullWord: '食べた', pt1: '食べ', rest: 'た' }]);
    expect(r).toMatchObject({ scored: 1, hits: 1 });
  });

  test('CSV: quoted fields, extra columns; a missing column is named', async () => {
    const good = path.join(tmp, 'morph.csv');
    fs.writeFileSync(good, 'lang,full_word,pt1,rest\nen,"walked",walk,ed\nen,"a,b","a,",b\n');
    expect(readMorphCsv(good)).toEqual([
      { fullWord: 'walked', pt1: 'walk', rest: 'ed' },
      { fullWord: 'a,b', pt1: 'a,', rest: 'b' },
    ]);
    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(bad, 'full_word,rest\nwalked,ed\n');
    expect(() => readMorphCsv(bad)).toThrow(/bad\.csv: missing column "pt1"/);
  });
});

describe('GPT-2 (byte-level BPE with Ġ display forms)', () => {
  test('tokens are matched to pre-tokens by bytes: "earth." is two pre-tokens, none split', async () => {
    const { GPT2Tokenizer } = await import('../tokenizers/gpt2.js');
    const t = new GPT2Tokenizer();
    const text = 'In the beginning God created the heaven and the earth.';
    // In | Ġthe | Ġbeginning | ĠGod | Ġcreated | Ġthe | Ġheaven | Ġand | Ġthe | Ġearth | .
    expect(t.tokenize(text)).toHaveLength(11);
    const m = (await evaluateCorpus(t, { name: 'en', texts: [text] })).result();
    expect(m).toMatchObject({
      totalTokens: 11,
      words: 11,
      splitWords: 0,
      bytes: 54,
      typesUsed: 9,
      unalignedTexts: 0,
    });
  });

  test('multi-byte text stays aligned (tokens holding part of a character), MorphScore by bytes', async () => {
    const { GPT2Tokenizer } = await import('../tokenizers/gpt2.js');
    const t = new GPT2Tokenizer();
    const m = (await evaluateCorpus(t, { name: 'zh', texts: ['你好 世界', '食べた'] })).result();
    expect(m.unalignedTexts).toBe(0);
    const r = morphScore(t, [{ fullWord: 'walked', pt1: 'walk', rest: 'ed' }]);
    // " walked" is Ġwalked (one token) in GPT-2: excluded
    expect(r.excludedSingleToken + r.scored).toBe(1);
  });
});

describe("the reference's metric mode (bytespan-reference.md §13.1, §14) and the UNK count", () => {
  /** Adds a space before text that lacks one, as the reference's tokenizers do (add_prefix_space). */
  class PrefixSpaceBytes extends ByteLevelTokenizer {
    override encode(text: string): number[] {
      return super.encode(text.startsWith(' ') ? text : ` ${text}`);
    }
  }

  test('each pre-token tokenized alone, the prefix-space artefact included; corrected values beside', async () => {
    // pre-tokens: ab | , | ␣c  (5 bytes)
    const plain = (await evaluateCorpus(new ByteLevelTokenizer(), { name: 'x', texts: ['ab, c'] })).values();
    expect(plain).toMatchObject({
      fertilityReference: 5 / 3,
      propSplitReference: 2 / 3,
      bytesPerTokenReference: 1,
    });
    expect(plain).toMatchObject({ fertility: 5 / 3, propSplit: 2 / 3, bytesPerToken: 1 });
    // With a prefix space per pre-token: ␣ab (3) | ␣, (2) | ␣c (2) → 7 tokens for 5 bytes.
    const prefixed = (await evaluateCorpus(new PrefixSpaceBytes(), { name: 'x', texts: ['ab, c'] })).values();
    expect(prefixed).toMatchObject({
      fertilityReference: 7 / 3,
      propSplitReference: 1,
      bytesPerTokenReference: 5 / 7,
    });
  });

  test("types used and Rényi in the reference's mode count the pre-tokens' tokens, prefix spaces included", async () => {
    const plain = (await evaluateCorpus(new ByteLevelTokenizer(), { name: 'x', texts: ['ab, c'] })).values();
    // a, b, ',', ' ', c once each: five types, uniform (efficiency 1), as in the corrected mode.
    expect(plain).toMatchObject({ typesUsedReference: 5, typesUsed: 5 });
    expect(plain.renyiReference).toBeCloseTo(1, 12);
    // ␣ab | ␣, | ␣c: the space 3 times, a, b, ',', c once: N = 7 over 5 types.
    const prefixed = (await evaluateCorpus(new PrefixSpaceBytes(), { name: 'x', texts: ['ab, c'] })).values();
    expect(prefixed.typesUsedReference).toBe(5);
    const p = [3 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7];
    const expected = Math.log2(p.reduce((sum, x) => sum + x ** 2.5, 0)) / (1 - 2.5) / Math.log2(5);
    expect(prefixed.renyiReference).toBeCloseTo(expected, 12);
    expect(prefixed.renyiReference).toBeLessThan(0.99);
  });

  test("MorphScore in upstream's mode: per-token decoded strings; a character cut between tokens never matches", async () => {
    const bytes = new ByteLevelTokenizer();
    const walked = { fullWord: 'walked', pt1: 'walk', rest: 'ed' };
    const ate = { fullWord: '食べた', pt1: '食べ', rest: 'た' };
    // One byte per token: "walk|ed" is spelled by the first four decoded bytes and the rest.
    expect(morphScoreReference(bytes, [walked])).toBe(1);
    expect(morphScore(bytes, [walked]).score).toBe(1);
    // Each byte of a CJK character decodes alone to U+FFFD: upstream scores 0 where the byte offsets give 1.
    expect(morphScoreReference(bytes, [ate])).toBe(0);
    expect(morphScore(bytes, [ate]).score).toBe(1);
    const { GPT2Tokenizer } = await import('../tokenizers/gpt2.js');
    // " walked" is one GPT-2 token: excluded, so no item is scored.
    expect(morphScoreReference(new GPT2Tokenizer(), [walked])).toBeNaN();
    const evaluation = await evaluateTokenizer('bytes', bytes, [{ name: 'x', texts: ['ab'] }], {
      morphItems: [walked, ate],
    });
    expect(evaluation.values).toMatchObject({ morphScore: 1, morphScoreReference: 0.5 });
  });

  test('UNK count is the number of unknown-token ids produced', async () => {
    const t = charTokenizer(['ab']);
    expect((await evaluateCorpus(t, { name: 'x', texts: ['ab zz q'] })).values().unkCount).toBe(5);
    expect(
      (await evaluateCorpus(new ByteLevelTokenizer(), { name: 'x', texts: ['ab'] })).values().unkCount,
    ).toBe(0);
  });
});
