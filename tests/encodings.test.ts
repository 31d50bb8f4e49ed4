/**
 * cl100k_base and o200k_base against the `tiktoken` npm package (WASM build of OpenAI's tiktoken): ids on
 * the corpora in data/ and on adversarial strings, the special-token policy (cases ported from tiktoken's
 * tests/test_encoding.py), streaming, save/load and name errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { get_encoding, type Tiktoken, type TiktokenEncoding } from 'tiktoken';
import type { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { Cl100kTokenizer, encodingOptions, O200kTokenizer } from '../tokenizers/encodings.js';
import { loadTokenizer, resolveTokenizer } from '../tokenizers/registry.js';

const DATA = path.join(import.meta.dirname, '..', 'data');
const CORPORA = [
  path.join(DATA, 'kjv.txt'),
  ...fs
    .readdirSync(path.join(DATA, 'multilingual'))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(DATA, 'multilingual', f)),
];

const ADVERSARIAL = [
  '',
  ' ',
  'hello world',
  'hello   world  ',
  '\n\n',
  'a\n\ntesting!',
  'line\r\n\r\nnext\r\n',
  '\t\t x \u00a0\u3000y  ',
  "I'm you're we've they'll she'd it's don't",
  "I'M YOU'RE WE'VE THEY'LL SHE'D IT'S DON'T",
  "'s 'S ''ll ''' 'x",
  'HelloWorld ABCdef camelCaseWord XMLHttpRequest',
  '12345678 3.14159 1,000,000 ٣٤٥٦ ⅷ',
  'a/b/c //path/to\n/x',
  '🙂 👩‍👩‍👧‍👦 🇩🇪 emoji🙂🙂',
  '漢字かな交じり文、中文句子。한국어 문장',
  'Здравствуй, мир! Ελληνικά naïve e\u0301',
  '<|endoftext|>',
  'before<|endoftext|>after<|fim_prefix|>x<|endofprompt|>',
  '<|endoftext',
  '\ud800x',
  'a\udc00 b',
  `${'x'.repeat(3000)} ${' '.repeat(2000)}y${'9'.repeat(1000)}`,
  // tiktoken tests/test_encoding.py
  'hello <|endoftext|>',
  '<|endoftext|> hello <|fim_prefix|>',
  ' \u0850',
  '\u0850',
];

/** Index of the first differing id (-1 when equal); far faster than toEqual on long arrays. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'encodings-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each([
  ['cl100k_base', Cl100kTokenizer, 100277, '<|fim_prefix|>'],
  ['o200k_base', O200kTokenizer, 200019, '<|endofprompt|>'],
] as const)('%s', (name, Ctor, nVocab, second) => {
  let tok: BPETokenizer;
  let ref: Tiktoken;
  beforeAll(() => {
    tok = new Ctor();
    ref = get_encoding(name as TiktokenEncoding);
  });
  afterAll(() => ref.free());

  test('sizes and special ids as tiktoken', () => {
    expect(tok.vocabSize).toBe(nVocab);
    expect(ref.decode(Uint32Array.of(nVocab - 1)).length).toBeGreaterThan(0);
    expect(tok.eosTokenId).toBe(ref.encode('<|endoftext|>', 'all')[0]);
    for (const [s] of tok.specialTokens)
      expect([s, tok.encode(s)]).toEqual([s, Array.from(ref.encode(s, 'all'))]);
  });

  test.each(CORPORA.map((f) => [path.basename(f), f]))('ids equal tiktoken on %s', (_, file) => {
    const text = fs.readFileSync(file, 'utf8').slice(0, 100_000);
    const ids = tok.encode(text);
    expect(firstDifference(ids, ref.encode(text, 'all'))).toBe(-1);
    expect(tok.decode(ids)).toBe(text);
  });

  test('ids equal tiktoken on adversarial strings', () => {
    for (const text of ADVERSARIAL) {
      expect({ text, ids: tok.encode(text) }).toEqual({ text, ids: Array.from(ref.encode(text, 'all')) });
      expect({ text, ids: tok.encodeOrdinary(text) }).toEqual({
        text,
        ids: Array.from(ref.encode_ordinary(text)),
      });
      expect(tok.decode(tok.encode(text))).toBe(text.toWellFormed());
    }
  });

  test('special-token policy as tiktoken (test_special_token)', () => {
    const text = `<|endoftext|> hello ${second}`;
    const eot = tok.eosTokenId!;
    expect(() => tok.encode(text, { disallowedSpecial: 'all' })).toThrow(/disallowed special token/);
    expect(() => tok.encode(text, { allowedSpecial: [], disallowedSpecial: 'all' })).toThrow(/disallowed/);
    expect(tok.encode(text, { allowedSpecial: [], disallowedSpecial: [] })).not.toContain(eot);
    expect(tok.encode(text, { allowedSpecial: ['<|endoftext|>'], disallowedSpecial: [] })).toEqual(
      Array.from(ref.encode(text, ['<|endoftext|>'], [])),
    );
    expect(() => tok.encode(text, { allowedSpecial: ['<|endoftext|>'], disallowedSpecial: 'all' })).toThrow(
      new RegExp(`"${second.replace(/\|/g, '\\|')}"`),
    );
  });

  test('streaming equals encode on random texts and chunkings', () => {
    const part = fc.constantFrom(
      ' ',
      '  ',
      '\n',
      '\r\n',
      '\t',
      'Hello',
      'wORLD',
      'ABC',
      'def',
      "'s",
      "'LL",
      "'",
      '1',
      '2345',
      '/',
      '!?',
      '漢字',
      '🙂',
      '<|endoftext|>',
      '<|endof',
      'text|>',
    );
    const chunks = fc.array(
      fc.array(part, { maxLength: 5 }).map((p) => p.join('')),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(chunks, (cs) => {
        expect([...tok.encodeIterable(cs)].flat()).toEqual(tok.encode(cs.join('')));
      }),
      { numRuns: 100 },
    );
  });

  test('save → load keeps ids and the pattern; the name resolves everywhere', () => {
    const dir = path.join(tmp, name);
    tok.savePretrained(dir);
    const loaded = loadTokenizer(dir);
    expect(loaded).toBeInstanceOf(Ctor);
    const text = "HELLO world's 1234567 <|endoftext|>\r\n\r\n x";
    expect(loaded.encode(text)).toEqual(tok.encode(text));
    expect(resolveTokenizer(name).encode(text)).toEqual(tok.encode(text));
  });
});

test('an unknown encoding name lists the available ones', () => {
  expect(() => encodingOptions('p50k_base')).toThrow(
    /unknown encoding "p50k_base"; available: cl100k_base, o200k_base/,
  );
  expect(() => resolveTokenizer('r50k')).toThrow(/cl100k_base.*o200k_base/);
});
