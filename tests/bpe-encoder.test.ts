import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Tokenizer as HFTokenizer } from 'tokenizers';
import { LONG_PIECE } from '../tokenizers/bpe/encoder.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { pretokenize } from '../tokenizers/pre-tokenizers/gpt2-pattern.js';
import { loadTokenizer } from '../tokenizers/registry.js';
import { trickyText } from './tokenizer-fixtures.js';

const DATA = path.join(import.meta.dirname, '..', 'data');
const utf8 = new TextEncoder();
const EOT = '<|endoftext|>';

type Merge = [Uint8Array, Uint8Array];

const key = (b: Uint8Array): string => String.fromCharCode(...b);
const fromKey = (k: string): Uint8Array => Uint8Array.from(k, (c) => c.charCodeAt(0));

/** Naive reference trainer (bpe-reference.md §4): full recount per merge, ties to the greater byte pair. */
function trainNaive(
  text: string,
  vocabSize: number,
  specials: string[],
): { vocab: Map<number, Uint8Array>; merges: Merge[] } {
  const words = new Map<string, number>();
  for (const part of specials.length > 0
    ? text.split(new RegExp(specials.map((s) => s.replace(/[|]/g, '\\|')).join('|')))
    : [text]) {
    for (const piece of pretokenize(part)) {
      const k = key(utf8.encode(piece));
      words.set(k, (words.get(k) ?? 0) + 1);
    }
  }
  let split = [...words].map(([w, c]) => ({ parts: [...w], count: c }));
  const merges: Merge[] = [];
  while (256 + merges.length + specials.length < vocabSize) {
    const counts = new Map<string, number>();
    for (const { parts, count } of split) {
      for (let i = 0; i + 1 < parts.length; i++) {
        const pair = `${parts[i]}\u0000${parts[i + 1]}`;
        counts.set(pair, (counts.get(pair) ?? 0) + count);
      }
    }
    let best: [string, string] | null = null;
    let bestCount = 0;
    for (const [pair, c] of counts) {
      const [a, b] = pair.split('\u0000') as [string, string];
      if (
        c > bestCount ||
        (c === bestCount && best !== null && (a > best[0] || (a === best[0] && b > best[1])))
      ) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (best === null) break;
    const [a, b] = best;
    merges.push([fromKey(a), fromKey(b)]);
    split = split.map(({ parts, count }) => {
      const out: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(parts[i]!);
      }
      return { parts: out, count };
    });
  }
  const vocab = new Map<number, Uint8Array>();
  for (let b = 0; b < 256; b++) vocab.set(b, Uint8Array.of(b));
  for (const [k, [a, b]] of merges.entries()) vocab.set(256 + k, fromKey(key(a) + key(b)));
  for (const [k, s] of specials.entries()) vocab.set(256 + merges.length + k, utf8.encode(s));
  return { vocab, merges };
}

/** Naive reference encoder: apply every merge in order, left to right, inside each piece. */
function encodeNaive(text: string, vocab: Map<number, Uint8Array>, merges: Merge[]): number[] {
  const idOf = new Map([...vocab].map(([id, b]) => [key(b), id]));
  const out: number[] = [];
  for (const piece of pretokenize(text)) {
    let parts = [...key(utf8.encode(piece))];
    for (const [a, b] of merges) {
      const ka = key(a);
      const kb = key(b);
      const next: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === ka && parts[i + 1] === kb) {
          next.push(ka + kb);
          i++;
        } else next.push(parts[i]!);
      }
      parts = next;
    }
    for (const p of parts) out.push(idOf.get(p)!);
  }
  return out;
}

const CORPUS = `${fs.readFileSync(path.join(DATA, 'kjv.txt'), 'utf8').slice(0, 6000)}${EOT}${fs
  .readFileSync(path.join(DATA, 'multilingual', 'de.txt'), 'utf8')
  .slice(0, 3000)}${EOT}Ünïcödé 漢字 🙂🙂 aaaa aaaa`;
const trained = trainNaive(CORPUS, 420, [EOT]);
const bpe = new BPETokenizer({ vocab: trained.vocab, merges: trained.merges, specialTokens: [EOT] });

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpe-encoder-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('BPETokenizer encoding', () => {
  test('equals the naive merge-order encoder on the training text and random text', () => {
    expect(bpe.encode(CORPUS.replaceAll(EOT, ''))).toEqual(
      encodeNaive(CORPUS.replaceAll(EOT, ''), trained.vocab, trained.merges),
    );
    fc.assert(
      fc.property(trickyText, (s) => {
        const plain = s.replaceAll('<|', '');
        expect(bpe.encode(plain)).toEqual(encodeNaive(plain, trained.vocab, trained.merges));
      }),
      { numRuns: 300 },
    );
  });

  test('long pieces (heap path) and cache off give the same ids as the flat path', () => {
    const letters = 'the and of in to is aaa '.replace(/ /g, '');
    let rng = 7;
    const next = (): number => {
      rng = (rng * 1103515245 + 12345) & 0x7fffffff;
      return rng;
    };
    const long = Array.from({ length: 10_000 }, () => letters[next() % letters.length]).join('');
    expect(long.length).toBeGreaterThan(LONG_PIECE);
    const expected = encodeNaive(long, trained.vocab, trained.merges);
    expect(bpe.encode(long)).toEqual(expected);
    const uncached = new BPETokenizer({
      vocab: trained.vocab,
      merges: trained.merges,
      specialTokens: [EOT],
      cacheSize: 0,
    });
    expect(uncached.encode(long)).toEqual(expected);
    expect(uncached.encode(CORPUS)).toEqual(bpe.encode(CORPUS));
    const spaces = `${' '.repeat(10_000)}x${'\n'.repeat(5000)}`;
    expect(bpe.encode(spaces)).toEqual(encodeNaive(spaces, trained.vocab, trained.merges));
  });

  test('specials: own id, never merged, overlapping ones resolve to the longest', () => {
    const eot = bpe.tokenToId(EOT)!;
    expect(eot).toBe(419);
    expect(bpe.encode(`a${EOT}b`)).toEqual([...bpe.encode('a'), eot, ...bpe.encode('b')]);
    const double = `${EOT}${EOT}`;
    const both = new BPETokenizer({
      vocab: trained.vocab,
      merges: trained.merges,
      specialTokens: [EOT, double],
    });
    const doubleId = both.tokenToId(double)!;
    expect(doubleId).toBe(420);
    expect(both.encode(`x${double}y`)).toEqual([...both.encode('x'), doubleId, ...both.encode('y')]);
    expect(both.encode(`${EOT}${EOT}${EOT}`)).toEqual([doubleId, eot]);
    expect(both.decode(both.encode(`x${double}${EOT}y`))).toBe(`x${double}${EOT}y`);
    // A string that merely looks like a special is ordinary text.
    expect(bpe.encode('<|notaspecial|>')).toEqual(bpe.encodeOrdinary('<|notaspecial|>'));
    expect(() => bpe.encode(EOT, { allowedSpecial: [], disallowedSpecial: 'raise' })).toThrow(
      /disallowed special token "<\|endoftext\|>"/,
    );
    expect(bpe.encode(EOT, { allowedSpecial: [] })).toEqual(bpe.encodeOrdinary(EOT));
    expect(() => bpe.encode('x', { allowedSpecial: ['<nope>'] })).toThrow(/not a special token/);
  });

  test('encodeIterable equals encode for every cut size (inside \\n\\n, specials, surrogate pairs)', () => {
    const text = `Hello  world\n\nI'll go.${EOT}${EOT}\n\ntesting! 🙂🙂 漢字  \n\n 'll 've${EOT}<|endof tail   \n`;
    const doubleTok = new BPETokenizer({
      vocab: trained.vocab,
      merges: trained.merges,
      specialTokens: [EOT, `${EOT}${EOT}`],
    });
    for (const tok of [bpe, doubleTok]) {
      const expected = tok.encode(text);
      for (const k of [1, 2, 3, 7, 64, 4096]) {
        const chunks: string[] = [];
        for (let i = 0; i < text.length; i += k) chunks.push(text.slice(i, i + k));
        expect({ k, ids: [...tok.encodeIterable(chunks)].flat() }).toEqual({ k, ids: expected });
      }
    }
    fc.assert(
      fc.property(fc.array(trickyText, { maxLength: 8 }), (chunks) => {
        expect([...bpe.encodeIterable(chunks)].flat()).toEqual(bpe.encode(chunks.join('')));
      }),
      { numRuns: 300 },
    );
  });

  test('encodeIterable holds back only a short tail', () => {
    const line = 'In the beginning God created the heaven and the earth. ';
    let maxHeld = 0;
    let produced = 0;
    function* chunks(): Generator<string> {
      for (let i = 0; i < 2000; i++) yield line;
    }
    for (const ids of bpe.encodeIterable(chunks())) {
      produced += ids.length;
      maxHeld = Math.max(maxHeld, ids.length);
    }
    expect(produced).toBe(bpe.encode(line.repeat(2000)).length);
    // Each yield covers about one chunk: nothing accumulates.
    expect(maxHeld).toBeLessThan(2 * bpe.encode(line).length);
  });

  test('encodeIterable streams 12 MB in 4 KB chunks with bounded heap (buffering would not)', () => {
    // Run in a child with --expose-gc so heap figures are after collection; the compiled module is used.
    const module = path.join(import.meta.dirname, '..', 'dist', 'tokenizers', 'bpe', 'tokenizer.js');
    const script = `
      const { BPETokenizer } = await import(${JSON.stringify(module)});
      const tok = new BPETokenizer({ specialTokens: ['<|endoftext|>'] });
      const line = 'In the beginning God created the heaven and the earth.<|endoftext|>\\n';
      const chunk = line.repeat(Math.ceil(4096 / line.length)).slice(0, 4096);
      const total = 3 * 1024;  // chunks: 12 MB
      function* chunks() { for (let i = 0; i < total; i++) yield (i + ' ' + chunk).slice(0, 4096); }
      const buffered = process.argv.includes('buffered');
      globalThis.gc();
      const base = process.memoryUsage().heapUsed;
      let peak = 0, ids = 0, n = 0;
      const sample = () => { globalThis.gc(); peak = Math.max(peak, process.memoryUsage().heapUsed - base); };
      if (buffered) {
        let all = '';
        for (const c of chunks()) { all += c; if (++n % 256 === 0) sample(); }
        sample();
        ids = tok.encode(all).length;
      } else {
        for (const part of tok.encodeIterable(chunks())) { ids += part.length; if (++n % 256 === 0) sample(); }
      }
      console.log(JSON.stringify({ peakMB: peak / 2 ** 20, ids }));`;
    const run = (mode: string): { peakMB: number; ids: number } => {
      const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script, mode], {
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(child.stderr);
      return JSON.parse(child.stdout) as { peakMB: number; ids: number };
    };
    const streamed = run('streamed');
    const buffered = run('buffered');
    expect(streamed.ids).toBe(buffered.ids);
    expect(buffered.peakMB).toBeGreaterThan(10); // the measurement sees a held text
    expect(streamed.peakMB).toBeLessThan(2);
  });

  test('decode replaces malformed UTF-8 like Python errors="replace"', () => {
    const byteTokens = (bytes: number[]): number[] => bytes; // ids 0..255 are the bytes in this vocabulary
    const cases: Array<[number[], string]> = [
      [[0xe2, 0x82], '\ufffd'], // truncated 3-byte sequence
      [[0x61, 0x80, 0x62], 'a\ufffdb'], // stray continuation byte
      [[0xc0, 0xaf], '\ufffd\ufffd'], // overlong '/'
      [[0xe0, 0x80, 0xaf], '\ufffd\ufffd\ufffd'], // overlong 3-byte
      [[0xed, 0xa0, 0x80], '\ufffd\ufffd\ufffd'], // encoded surrogate
      [[0xf5, 0xff, 0x41], '\ufffd\ufffdA'], // bytes that never occur
      [[0xf0, 0x9f, 0x99], '\ufffd'], // truncated emoji
      [[0xf0, 0x9f, 0x99, 0x82], '🙂'],
    ];
    for (const [bytes, text] of cases) expect(bpe.decode(byteTokens(bytes))).toBe(text);
    expect(Array.from(bpe.decodeBytes([0xed, 0xa0, 0x80]))).toEqual([0xed, 0xa0, 0x80]);
    expect(() => bpe.decode([bpe.vocabSize])).toThrow(/outside the vocabulary/);
  });

  test('decode(encode(s)) is s made well-formed, for arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(trickyText, fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' })),
        (s) => {
          expect(bpe.decode(bpe.encode(s))).toBe(s.toWellFormed());
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('tokenize gives display strings; vocabulary lookups agree', () => {
    const tokens = bpe.tokenize(' the\n');
    expect(tokens.join('')).toBe('Ġthe' + 'Ċ');
    for (const t of tokens) expect(bpe.idToToken(bpe.tokenToId(t)!)).toBe(t);
    expect(bpe.getVocab().size).toBe(bpe.vocabSize);
    expect(bpe.eosTokenId).toBe(419);
  });
});

describe('BPETokenizer files', () => {
  test('save → load gives the same tokenizer; HF tokenizers loads the same ids', async () => {
    const dir = path.join(tmp, 'small');
    bpe.savePretrained(dir);
    for (const f of ['tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer_config.json']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    const loaded = loadTokenizer(dir) as BPETokenizer;
    expect(loaded).toBeInstanceOf(BPETokenizer);
    expect(loaded.vocabSize).toBe(bpe.vocabSize);
    expect(loaded.getVocab()).toEqual(bpe.getVocab());
    expect(loaded.eosToken).toBe(EOT);
    const sample = `${CORPUS} Zürich ${EOT}\n\ntesting! 'LL 123 🙂`;
    expect(loaded.encode(sample)).toEqual(bpe.encode(sample));
    const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    expect((await hf.encode(sample)).getIds()).toEqual(bpe.encode(sample));
    expect(await hf.decode(bpe.encode(sample), false)).toBe(sample);
  });

  test('.tiktoken export → rank-mode import round trip', () => {
    const file = path.join(tmp, 'small.tiktoken');
    bpe.saveTiktoken(file);
    const ranks = BPETokenizer.fromTiktoken(file, { [EOT]: 419 });
    expect(ranks.merges).toBeNull();
    expect(ranks.getVocab()).toEqual(bpe.getVocab());
    expect(ranks.encode(CORPUS)).toEqual(bpe.encode(CORPUS));
    // A rank-mode tokenizer saves derived merges that reproduce the original ones.
    const dir = path.join(tmp, 'ranks');
    ranks.savePretrained(dir);
    const back = loadTokenizer(dir) as BPETokenizer;
    expect(back.encode(CORPUS)).toEqual(bpe.encode(CORPUS));
    const merges = fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8');
    expect(merges).toBe(fs.readFileSync(path.join(tmp, 'small', 'merges.txt'), 'utf8'));
  });

  test('corrupt files give errors naming the file and problem', () => {
    const dir = path.join(tmp, 'corrupt');
    bpe.savePretrained(dir);
    const tj = path.join(dir, 'tokenizer.json');
    const json = JSON.parse(fs.readFileSync(tj, 'utf8'));
    json.model.merges[3] = ['only-one'];
    fs.writeFileSync(tj, JSON.stringify(json));
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer\.json: model\.merges\[3\]/);
    fs.writeFileSync(tj, '{');
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer\.json.*not valid JSON/);
    fs.rmSync(tj);
    fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify({ 'a b': 0 }));
    expect(() => loadTokenizer(dir)).toThrow(/vocab\.json: token "a b"/);
  });
});

describe('BPETokenizer worker threads', () => {
  test('the worker pool and a large encodeBatch give the same ids as serial encoding', async () => {
    const lines = fs.readFileSync(path.join(DATA, 'multilingual', 'ru.txt'), 'utf8').split('\n');
    const texts = [...lines, `${EOT} x ${EOT}`];
    const pool = bpe.createWorkerPool(2);
    try {
      expect(pool.encodeMany(texts)).toEqual(texts.map((t) => bpe.encode(t)));
    } finally {
      await pool.close();
    }
    // Over the 1 MB threshold, so encodeBatch goes to the workers.
    const big = fs.readFileSync(path.join(DATA, 'kjv.txt'), 'utf8').split('\n').slice(0, 15_000);
    expect(big.join('').length).toBeGreaterThan(1 << 20);
    const tok = new BPETokenizer({
      vocab: trained.vocab,
      merges: trained.merges,
      specialTokens: [EOT],
      numWorkers: 2,
    });
    try {
      const batch = tok.encodeBatch(big);
      expect(JSON.stringify(batch.inputIds)).toBe(JSON.stringify(big.map((t) => bpe.encode(t))));
      // Decoding the same rows (≥ 1 Mi ids) goes to the workers too.
      expect(batch.inputIds.flat().length).toBeGreaterThan(1 << 20);
      expect(tok.decodeBatch(batch.inputIds)).toEqual(big);
    } finally {
      await tok.close();
    }
  });

  test('decodeMany equals decode on random rows (cut characters, specials, empty rows)', async () => {
    const pool = bpe.createWorkerPool(2);
    const specialId = bpe.tokenToId(EOT)!;
    const id = fc.oneof(fc.integer({ min: 0, max: bpe.vocabSize - 1 }), fc.constant(specialId));
    try {
      fc.assert(
        fc.property(
          fc.array(fc.array(id, { maxLength: 12 }), { maxLength: 20 }),
          fc.boolean(),
          (rows, skip) => {
            const expected = rows.map((r) => bpe.decode(r, { skipSpecialTokens: skip }));
            expect(pool.decodeMany(rows, skip)).toEqual(expected);
          },
        ),
        { numRuns: 50 },
      );
      expect(() => pool.decodeMany([[0], [bpe.vocabSize]])).toThrow(/outside the vocabulary/);
    } finally {
      await pool.close();
    }
  });
});
