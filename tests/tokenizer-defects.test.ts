/**
 * Regressions for defects found by porting peers' test suites (issue #12): the tiktoken special-token
 * policy, ids with gaps and vocabularies without every byte, a leading byte-order mark, and encoding with
 * an untrained tokenizer. Sources of ported cases are named at each test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { bundledGpt2Files, GPT2Tokenizer } from '../tokenizers/gpt2.js';
import { loadTokenizer, resolveTokenizer } from '../tokenizers/registry.js';

const EOT = '<|endoftext|>';
let gpt2: GPT2Tokenizer;
let tmp: string;
beforeAll(() => {
  gpt2 = new GPT2Tokenizer({ numWorkers: 2 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tok-defects-'));
});
afterAll(async () => {
  await gpt2.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('special-token policy (tiktoken semantics)', () => {
  const text = `${EOT} hello`;

  test('disallowedSpecial alone raises, as tiktoken`s default (allowed: none)', () => {
    // The error names both ways out; the second is checked below (an empty set: ordinary text).
    expect(() => gpt2.encode(text, { disallowedSpecial: 'raise' })).toThrow(
      /disallowed special token .*allowedSpecial .*or disallowedSpecial: \[\] to encode it as ordinary text/,
    );
    expect(() => gpt2.encode(text, { disallowedSpecial: 'all' })).toThrow(/disallowed special token/);
    // Explicitly allowed specials are not disallowed by 'all' (disallowed = all − allowed).
    expect(gpt2.encode(text, { allowedSpecial: 'all', disallowedSpecial: 'all' })).toEqual(gpt2.encode(text));
    expect(gpt2.encode('hello', { disallowedSpecial: 'raise' })).toEqual(gpt2.encode('hello'));
    // An explicit empty set disables the check (tiktoken's disallowed_special=()).
    expect(gpt2.encode(text, { disallowedSpecial: [] })).toEqual(gpt2.encodeOrdinary(text));
  });

  test('encodeBatch forwards the policy, serially and on the worker threads', () => {
    const small = [text, 'x'];
    expect(gpt2.encodeBatch(small, { allowedSpecial: [] }).inputIds).toEqual(
      small.map((t) => gpt2.encodeOrdinary(t)),
    );
    expect(() => gpt2.encodeBatch(small, { disallowedSpecial: 'raise' })).toThrow(/disallowed/);
    // ≥ 1 M characters goes to the workers.
    const big = [`${'In the beginning. '.repeat(30000)}${EOT}`, `${EOT}${'and the earth '.repeat(40000)}`];
    expect(gpt2.encodeBatch(big, { allowedSpecial: [] }).inputIds).toEqual(
      big.map((t) => gpt2.encodeOrdinary(t)),
    );
    expect(gpt2.encodeBatch(big).inputIds).toEqual(big.map((t) => gpt2.encode(t)));
    expect(() => gpt2.encodeBatch(big, { disallowedSpecial: 'raise' })).toThrow(/disallowed/);
  });
});

describe('ids with gaps', () => {
  test('r50k with <|pickle|> = 100000 (tiktoken tests/test_pickle.py)', () => {
    const files = bundledGpt2Files();
    const tok = new BPETokenizer({
      vocab: files.vocab,
      merges: null,
      specialTokenIds: { [EOT]: 50256, '<|pickle|>': 100000 },
    });
    expect(tok.vocabSize).toBe(100001);
    expect(tok.encode('hello <|pickle|>')).toEqual([31373, 220, 100000]);
    expect(tok.decode([31373, 220, 100000])).toBe('hello <|pickle|>');
    expect(() => tok.decode([60000])).toThrow(/id 60000 is not in the vocabulary/);
    expect(() => tok.decode([100001])).toThrow(/id 100001 is outside the vocabulary/);
  });

  test('minbpe specials at 100257… on a small trained vocabulary, saved and loaded', async () => {
    // minbpe tests/test_tokenizer.py: Wikipedia example and the special-token string.
    const trained = await trainBPE({ input: 'aaabdaaabac', vocabSize: 259 });
    const basic = new BPETokenizer({ vocab: trained.vocab, merges: trained.merges });
    expect(basic.encode('aaabdaaabac')).toEqual([258, 100, 258, 97, 99]);
    const specials = {
      '<|endoftext|>': 100257,
      '<|fim_prefix|>': 100258,
      '<|fim_middle|>': 100259,
      '<|fim_suffix|>': 100260,
      '<|endofprompt|>': 100276,
    };
    const tok = new BPETokenizer({ vocab: trained.vocab, merges: trained.merges, specialTokenIds: specials });
    const text =
      '<|endoftext|>Hello world this is one document<|endoftext|>And this is another document<|endoftext|>' +
      '<|fim_prefix|>And this one has<|fim_suffix|> tokens.<|fim_middle|> FIM<|endoftext|>Last document!!! 👋<|endofprompt|>';
    const ids = tok.encode(text);
    expect(ids.filter((id) => id >= 100257)).toEqual([
      100257, 100257, 100257, 100258, 100260, 100259, 100257, 100276,
    ]);
    expect(tok.decode(ids)).toBe(text);
    const dir = path.join(tmp, 'minbpe');
    tok.savePretrained(dir);
    const loaded = loadTokenizer(dir) as BPETokenizer;
    expect(loaded.vocabSize).toBe(100277);
    expect(loaded.encode(text)).toEqual(ids);
  });
});

describe('vocabularies without every byte', () => {
  // transformers tests/models/gpt2/test_tokenization_gpt2.py (setUp and test_full_tokenizer).
  const vocab = [
    'l',
    'o',
    'w',
    'e',
    'r',
    's',
    't',
    'i',
    'd',
    'n',
    '\u0120',
    '\u0120l',
    '\u0120n',
    '\u0120lo',
    '\u0120low',
    'er',
    '\u0120lowest',
    '\u0120newer',
    '\u0120wider',
    '<unk>',
    '<|endoftext|>',
  ];
  const merges = ['#version: 0.2', '\u0120 l', '\u0120l o', '\u0120lo w', 'e r', ''];
  let vocabFile: string;
  let mergesFile: string;
  beforeAll(() => {
    vocabFile = path.join(tmp, 'gpt2-test-vocab.json');
    mergesFile = path.join(tmp, 'gpt2-test-merges.txt');
    fs.writeFileSync(vocabFile, JSON.stringify(Object.fromEntries(vocab.map((t, i) => [t, i]))));
    fs.writeFileSync(mergesFile, merges.join('\n'));
  });

  test('loads with fromFiles; tokens and ids as transformers; unknown bytes become <unk>', () => {
    const tok = BPETokenizer.fromFiles(vocabFile, mergesFile, [EOT], { unkToken: '<unk>' });
    expect(tok.tokenize(' lower newer')).toEqual(['\u0120low', 'er', '\u0120', 'n', 'e', 'w', 'er']);
    expect(tok.encode(' lower newer')).toEqual([14, 15, 10, 9, 3, 2, 15]);
    expect(tok.encode(' lower!')).toEqual([14, 15, 19]);
    expect(tok.encode(EOT)).toEqual([20]);
  });

  test('without an unk token, an unencodable byte is an error naming it', () => {
    const tok = BPETokenizer.fromFiles(vocabFile, mergesFile);
    expect(() => tok.encode('lower!')).toThrow(/no token for byte 0x21 and no unk token/);
  });

  test('encode workers serve vocabularies missing bytes, with and without an unk token', async () => {
    // A worker's warm-up text has every kind of character: it must not stop a worker that cannot encode it.
    for (const tok of [
      BPETokenizer.fromFiles(vocabFile, mergesFile),
      BPETokenizer.fromFiles(vocabFile, mergesFile, [EOT], { unkToken: '<unk>' }),
    ]) {
      const pool = tok.createWorkerPool(1);
      try {
        expect(pool.encodeMany([' lower', 'newer'])).toEqual([tok.encode(' lower'), tok.encode('newer')]);
        if (tok.encoder.encodesAnyText) expect(pool.encodeMany([' lower!'])).toEqual([tok.encode(' lower!')]);
        else expect(() => pool.encodeMany([' lower!'])).toThrow(/no token for byte 0x21 and no unk token/);
      } finally {
        await pool.close();
      }
    }
  });

  test('a merge that disagrees with the vocabulary names its line', () => {
    const bad = path.join(tmp, 'bad-merges.txt');
    fs.writeFileSync(bad, '#version: 0.2\n\u0120 l\nq r\n');
    expect(() => BPETokenizer.fromFiles(vocabFile, bad)).toThrow(/bad-merges\.txt.*line 3: left token "q"/);
  });
});

describe('a leading byte-order mark survives decode', () => {
  const bytespan = new ByteSpanTokenizer({ vocab: spanBaseVocab() });
  test.each([
    ['byte', new ByteLevelTokenizer()],
    ['bpe', new BPETokenizer()],
    ['bytespan', bytespan],
  ])('%s', (_name, tok) => {
    for (const text of ['\uFEFFa', '\uFEFF', '\uFEFF\uFEFFx', 'a\uFEFF']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });
  test('gpt2', () => {
    expect(gpt2.decode(gpt2.encode('\uFEFFa'))).toBe('\uFEFFa');
  });
});

test('resolving an untrained character tokenizer for encoding is an error', () => {
  expect(() => resolveTokenizer('char', { forEncoding: true })).toThrow(/has no vocabulary yet/);
  expect(resolveTokenizer('char').untrained).toBe(true);
  expect(resolveTokenizer('byte', { forEncoding: true }).untrained).toBe(false);
});
