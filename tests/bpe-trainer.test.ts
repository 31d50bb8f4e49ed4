import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { lastSafeCut, safeBlocks } from '../tokenizers/bpe/chunking.js';
import { countBlocks } from '../tokenizers/bpe/count-pool.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { type TrainBPEOptions, trainBPE } from '../tokenizers/bpe/trainer.js';
import { specialsRegex, splitOnSpecials } from '../tokenizers/pipeline/split-specials.js';
import { pretokenize } from '../tokenizers/pre-tokenizers/gpt2-pattern.js';

const KJV = fs.readFileSync(new URL('../data/kjv.txt', import.meta.url), 'utf8');
const EOT = '<|endoftext|>';
/** One scratch folder for every test that writes files (file names differ by test). */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpe-trainer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const toBinary = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const utf8Binary = (text: string): string => toBinary(new TextEncoder().encode(text));

/**
 * The naive reference trainer: recounts every pair for every merge, picks the highest count and breaks
 * ties by comparing (bytes(x), bytes(y)) as binary strings. Returns the merges as binary-string pairs.
 */
function naiveTrain(text: string, vocabSize: number, specials: string[]): Array<[string, string]> {
  const wordCounts = new Map<string, number>();
  for (const segment of splitOnSpecials(text, specialsRegex(specials))) {
    if (segment.special) continue;
    for (const piece of pretokenize(segment.text)) {
      const bytes = utf8Binary(piece);
      wordCounts.set(bytes, (wordCounts.get(bytes) ?? 0) + 1);
    }
  }
  let words = [...wordCounts].map(([bytes, count]) => ({ symbols: [...bytes], count }));
  const merges: Array<[string, string]> = [];
  while (256 + merges.length + specials.length < vocabSize) {
    const pairs = new Map<string, { x: string; y: string; count: number }>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const id = JSON.stringify([symbols[i], symbols[i + 1]]);
        const entry = pairs.get(id) ?? { x: symbols[i]!, y: symbols[i + 1]!, count: 0 };
        entry.count += count;
        pairs.set(id, entry);
      }
    }
    let best: { x: string; y: string; count: number } | null = null;
    for (const p of pairs.values()) {
      if (
        best === null ||
        p.count > best.count ||
        (p.count === best.count && (p.x > best.x || (p.x === best.x && p.y > best.y)))
      )
        best = p;
    }
    if (best === null) break;
    const { x, y } = best;
    merges.push([x, y]);
    words = words.map(({ symbols, count }) => {
      const out: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === x && symbols[i + 1] === y) {
          out.push(x + y);
          i++;
        } else out.push(symbols[i]!);
      }
      return { symbols: out, count };
    });
  }
  return merges;
}

async function trainMerges(options: TrainBPEOptions): Promise<Array<[string, string]>> {
  const { merges } = await trainBPE({ numWorkers: 1, ...options });
  return merges.map(([a, b]) => [toBinary(a), toBinary(b)]);
}

/** Pre-token counts by the regex definition (the trainer counts with the scanner and a hash table). */
function regexCounts(text: string, specials: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const segment of splitOnSpecials(text, specialsRegex(specials))) {
    if (segment.special) continue;
    for (const piece of pretokenize(segment.text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  }
  return counts;
}

const sorted = (counts: Map<string, number>) => [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Text from a small alphabet so that pairs repeat and counts tie often. */
const smallText = fc
  .array(fc.constantFrom('a', 'b', 'c', 'ab', ' ', ' a', '\n', 'é', '😀', '1', '!', "'s", EOT, '  '), {
    maxLength: 80,
  })
  .map((parts) => parts.join(''));

describe('trainBPE matches the naive reference merge for merge', () => {
  test('random small corpora, with and without a special token', async () => {
    await fc.assert(
      fc.asyncProperty(
        smallText,
        fc.integer({ min: 0, max: 40 }),
        fc.boolean(),
        async (text, extra, withEot) => {
          const specials = withEot ? [EOT] : [];
          fc.pre(text.replaceAll(EOT, '').length > 0);
          const vocabSize = 256 + specials.length + extra;
          expect(await trainMerges({ input: text, vocabSize, specialTokens: specials })).toEqual(
            naiveTrain(text, vocabSize, specials),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  test('slices of the KJV corpus', async () => {
    for (const [offset, length, vocabSize] of [
      [0, 20_000, 400],
      [1_500_000, 30_000, 360],
    ] as const) {
      const text = KJV.slice(offset, offset + length);
      const expected = naiveTrain(text, vocabSize, [EOT]);
      expect(expected.length).toBe(vocabSize - 257);
      expect(await trainMerges({ input: text, vocabSize, specialTokens: [EOT] })).toEqual(expected);
    }
  });
});

describe('tie-breaking (spec §4)', () => {
  test('(h, e) beats ( , t): raw bytes, not display strings', async () => {
    const result = await trainBPE({ input: 'he\n t', vocabSize: 260, numWorkers: 1 });
    expect(result.merges.map(([a, b]) => [toBinary(a), toBinary(b)])).toEqual([
      ['h', 'e'],
      [' ', 't'],
    ]);
    expect(result.stopReason).toBe('no-pairs');
    expect(result.vocab.size).toBe(258);
  });

  test('(ab, c) beats (a, z): first components compare first and a proper prefix is smaller', async () => {
    // (a,b)=5 is merged first; then (ab,c) and (a,z) both occur twice. Comparing the concatenations
    // ("abc" < "az") or ascending ids (HF rule) would pick (a, z) instead.
    const text = ['abc', 'abc', 'ab', 'ab', 'ab', 'az', 'az'].join('\n');
    expect(await trainMerges({ input: text, vocabSize: 259 })).toEqual([
      ['a', 'b'],
      ['ab', 'c'],
      ['a', 'z'],
    ]);
  });

  test('overlapping runs count every pair and merge left to right', async () => {
    // "aaaa" ×1 and "aaa" ×1: (a,a) = 3 + 2; "aaaa" → [aa, aa], "aaa" → [aa, a]; then (aa,aa) vs (aa,a) tie → (aa,aa).
    expect(await trainMerges({ input: 'aaaa\naaa', vocabSize: 259 })).toEqual([
      ['a', 'a'],
      ['aa', 'aa'],
      ['aa', 'a'],
    ]);
  });
});

describe('special tokens and pre-token boundaries', () => {
  test('no learned token contains "<|" when the special separates documents; specials come last', async () => {
    const docs = KJV.slice(0, 60_000).split('\n\n');
    const text = docs.join(EOT);
    const result = await trainBPE({ input: text, vocabSize: 600, specialTokens: [EOT], numWorkers: 1 });
    expect(result.vocab.size).toBe(600);
    expect(new TextDecoder().decode(result.vocab.get(599))).toBe(EOT);
    for (let id = 0; id < 599; id++) expect(toBinary(result.vocab.get(id)!)).not.toContain('<|');
    // Without registering it the marker is ordinary text and gets merged.
    const plain = await trainBPE({ input: text, vocabSize: 600, numWorkers: 1 });
    expect([...plain.vocab.values()].some((bytes) => toBinary(bytes).includes('<|'))).toBe(true);
  });

  test('every learned token lies inside one pre-token', async () => {
    const text = KJV.slice(10_000, 40_000);
    const pieces = [...new Set(pretokenize(text).map(utf8Binary))];
    const result = await trainBPE({ input: text, vocabSize: 700, numWorkers: 1 });
    for (let id = 256; id < result.vocab.size; id++) {
      const token = toBinary(result.vocab.get(id)!);
      expect(pieces.some((piece) => piece.includes(token))).toBe(true);
    }
    // "a", " b", " a", ...: the pairs (a, space) and (b, space) never exist.
    const result2 = await trainBPE({ input: 'a b a b a b', vocabSize: 300 });
    expect(result2.merges.map(([a, b]) => [toBinary(a), toBinary(b)])).toEqual([
      [' ', 'b'],
      [' ', 'a'],
    ]);
    expect(result2.stopReason).toBe('no-pairs');
  });

  test('vocabulary layout: bytes by value, merges from 256, specials in the given order', async () => {
    const result = await trainBPE({
      input: KJV.slice(0, 5000),
      vocabSize: 300,
      specialTokens: ['<s>', '</s>'],
    });
    for (let b = 0; b < 256; b++) expect([...result.vocab.get(b)!]).toEqual([b]);
    result.merges.forEach(([a, b], i) => {
      expect(toBinary(result.vocab.get(256 + i)!)).toBe(toBinary(a) + toBinary(b));
    });
    expect(new TextDecoder().decode(result.vocab.get(298))).toBe('<s>');
    expect(new TextDecoder().decode(result.vocab.get(299))).toBe('</s>');
  });
});

describe('chunked and parallel counting equal the serial count', () => {
  const specialsSets = [[], [EOT], [EOT, EOT + EOT, 'x y']];
  test('safe blocks of random text and random block sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.constantFrom('a', 'bc', ' ', ' d', '\n', '\n\n', '中文', 'x y', '1', "'s", EOT, '\t'), {
            maxLength: 120,
          })
          .map((parts) => parts.join('')),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...specialsSets),
        async (text, blockSize, specials) => {
          const counts = await countBlocks(safeBlocks([text], specials, blockSize), specials, 1);
          expect(sorted(counts.toMap())).toEqual(sorted(regexCounts(text, specials)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('safe blocks of text streamed in pieces cut anywhere', async () => {
    // A piece starting inside the special 'bc d': its space, one character in, is no safe cut.
    const hidden = await countBlocks(safeBlocks(['a b', 'c d ef'], ['bc d'], 5), ['bc d'], 1);
    expect(sorted(hidden.toMap())).toEqual(sorted(regexCounts('a bc d ef', ['bc d'])));
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.constantFrom('a', 'bc', ' ', ' d', '\n', '\n\n', '中文', 'x y', '1', "'s", EOT, '\t'), {
            maxLength: 120,
          })
          .map((parts) => parts.join('')),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 30 }),
        // 'bc d': a special with two characters before a space, which a piece may start inside.
        fc.constantFrom(...specialsSets, ['bc d']),
        async (text, cutAt, blockSize, specials) => {
          const bounds = [0, ...cutAt.map((c) => c % (text.length + 1)).sort((a, b) => a - b), text.length];
          const pieces = bounds.slice(1).map((end, k) => text.slice(bounds[k], end));
          const blocks: string[] = [];
          for await (const block of safeBlocks(pieces, specials, blockSize)) blocks.push(block);
          expect(blocks.join('')).toBe(text);
          const counts = await countBlocks(safeBlocks(pieces, specials, blockSize), specials, 1);
          expect(sorted(counts.toMap())).toEqual(sorted(regexCounts(text, specials)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a cut never falls inside a special token', () => {
    const text = `ab x y${EOT}c d`;
    const cut = lastSafeCut(text, ['x y']);
    expect(cut).toBeGreaterThan(0);
    expect(text.slice(cut)).not.toMatch(/^ y/);
  });

  test('an async iterable cut anywhere gives the same merges as the whole string', async () => {
    const text = KJV.slice(200_000, 230_000);
    async function* pieces() {
      for (let i = 0; i < text.length; i += 997) yield text.slice(i, i + 997);
    }
    const whole = await trainMerges({ input: text, vocabSize: 500, blockSize: 4096 });
    expect(await trainMerges({ input: pieces(), vocabSize: 500, blockSize: 4096 })).toEqual(whole);
  });

  test('1 and 2 workers give identical results on a KJV file', async () => {
    const one = await trainBPE({ input: ['data/kjv.txt'], vocabSize: 800, numWorkers: 1 });
    const two = await trainBPE({
      input: ['data/kjv.txt'],
      vocabSize: 800,
      numWorkers: 2,
      blockSize: 1 << 18,
    });
    expect(two.distinctPretokens).toBe(one.distinctPretokens);
    expect(two.merges).toEqual(one.merges);
    expect(two.vocab).toEqual(one.vocab);
    // The file path and the in-memory text are the same corpus.
    const fromText = await trainBPE({ input: KJV, vocabSize: 800, numWorkers: 1 });
    expect(fromText.merges).toEqual(one.merges);
  });
});

describe('inputs through the one corpus reader (utils/corpus.ts)', () => {
  test('a folder of text and JSONL files: every document independent, as if split by a special token', async () => {
    const docs = [KJV.slice(0, 6000), KJV.slice(6000, 9000), 'short record', KJV.slice(9000, 15000)];
    const folder = path.join(dir, 'corpus');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a.txt'), docs[0]!);
    fs.writeFileSync(
      path.join(folder, 'b.jsonl'),
      `${docs
        .slice(1)
        .map((text) => JSON.stringify({ id: 1, text }))
        .join('\n')}\n`,
    );
    for (const numWorkers of [1, 2]) {
      const fromFolder = await trainBPE({ input: [folder], vocabSize: 420, numWorkers, blockSize: 2048 });
      const reference = await trainBPE({
        input: docs.join(EOT),
        vocabSize: 421,
        specialTokens: [EOT],
        numWorkers: 1,
      });
      expect(fromFolder.merges).toEqual(reference.merges);
      expect(fromFolder.distinctPretokens).toBe(reference.distinctPretokens);
    }
  });
});

describe('bad input', () => {
  test('vocabSize below 256 + specials', async () => {
    await expect(trainBPE({ input: 'abc', vocabSize: 256, specialTokens: [EOT] })).rejects.toThrow(
      /vocabSize must be an integer >= 256 \+ 1 special token\(s\) = 257, got 256/,
    );
  });

  test('empty corpus, also when it holds only special tokens', async () => {
    await expect(trainBPE({ input: '', vocabSize: 300 })).rejects.toThrow(/corpus is empty/);
    await expect(trainBPE({ input: EOT + EOT, vocabSize: 300, specialTokens: [EOT] })).rejects.toThrow(
      /corpus is empty/,
    );
  });

  test('empty or duplicate special token', async () => {
    await expect(trainBPE({ input: 'abc', vocabSize: 300, specialTokens: [''] })).rejects.toThrow(
      /non-empty/,
    );
    await expect(trainBPE({ input: 'abc', vocabSize: 300, specialTokens: [EOT, EOT] })).rejects.toThrow(
      /listed twice/,
    );
  });

  test('missing file and malformed UTF-8 name the file and the byte offset', async () => {
    const missing = path.join(dir, 'missing.txt');
    await expect(trainBPE({ input: [missing], vocabSize: 300 })).rejects.toThrow(
      `${missing}: data file not found`,
    );
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, Buffer.from([0x61, 0x62, 0x20, 0xff, 0x63]));
    await expect(trainBPE({ input: [bad], vocabSize: 300 })).rejects.toThrow(
      `${bad}: not valid UTF-8 (malformed sequence at byte offset 3)`,
    );
    // A valid 3-byte character straddles the 1 MiB read boundary; the bad byte comes later.
    const far = path.join(dir, 'far.txt');
    const head = Buffer.alloc((1 << 20) - 1, 'a');
    fs.writeFileSync(far, Buffer.concat([head, Buffer.from('中 ok '), Buffer.from([0xc3, 0x28])]));
    await expect(trainBPE({ input: [far], vocabSize: 300 })).rejects.toThrow(
      `byte offset ${(1 << 20) - 1 + 7}`,
    );
  });

  test('replacement of malformed UTF-8 happens only when asked for, and equals training on the U+FFFD text', async () => {
    const bad = path.join(dir, 'bad-replace.txt');
    fs.writeFileSync(bad, Buffer.from('ab ab \xff ab ab cd', 'latin1'));
    const replaced = await trainBPE({ input: [bad], vocabSize: 270, invalidUtf8: 'replace', numWorkers: 1 });
    const reference = await trainBPE({ input: 'ab ab \ufffd ab ab cd', vocabSize: 270, numWorkers: 1 });
    expect(replaced.merges).toEqual(reference.merges);
    await expect(trainBPE({ input: [bad], vocabSize: 270 })).rejects.toThrow(/not valid UTF-8/);
  });

  test('a character split across reads decodes like the whole file', async () => {
    const file = path.join(dir, 'straddle.txt');
    const text = `${'ab '.repeat(349_524)}ab 中文 héllo 😀 end`; // '中' covers bytes 1048575–1048577
    fs.writeFileSync(file, text);
    const fromFile = await trainMerges({ input: [file], vocabSize: 300 });
    expect(fromFile).toEqual(await trainMerges({ input: text, vocabSize: 300 }));
  });
});

describe('cleangpt tokenizers train-bpe (compiled CLI)', () => {
  const cli = path.resolve('dist/cli/main.js');

  const runCli = (...args: string[]) =>
    spawnSync(process.execPath, [cli, 'tokenizers', 'train-bpe', ...args], { encoding: 'utf8' });

  test('writes a directory that loads back with the trained merges and specials', async () => {
    const corpus = path.join(dir, 'corpus.txt');
    fs.writeFileSync(corpus, KJV.slice(0, 50_000).split('\n\n').join(EOT));
    const out = path.join(dir, 'tok');
    const run = runCli(
      '--input',
      corpus,
      '--vocab-size',
      '400',
      '--special-tokens',
      EOT,
      '--quiet',
      '--out',
      out,
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const loaded = BPETokenizer.fromPretrained(out);
    const trained = await trainBPE({ input: [corpus], vocabSize: 400, specialTokens: [EOT], numWorkers: 1 });
    expect(loaded.vocabSize).toBe(400);
    const sample = `In the beginning God created the heaven${EOT}and the earth.`;
    expect(loaded.encode(sample)).toEqual(
      new BPETokenizer({ ...trained, specialTokens: [EOT] }).encode(sample),
    );
    expect(loaded.encode(EOT)).toEqual([399]);
  });

  test('a failed run leaves no output directory', () => {
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, Buffer.from([0x61, 0xc3]));
    const out = path.join(dir, 'never');
    const run = runCli('--input', bad, '--vocab-size', '300', '--out', out);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${bad}: not valid UTF-8 (malformed sequence at byte offset 1)`);
    expect(fs.readdirSync(dir).filter((name) => name.includes('never'))).toEqual([]);
    const replaced = runCli(
      '--input',
      bad,
      '--vocab-size',
      '300',
      '--replace-invalid-utf8',
      '--quiet',
      '--out',
      out,
    );
    expect(replaced.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'tokenizer.json'))).toBe(true);
  });
});
