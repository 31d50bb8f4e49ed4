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
import { Tokenizer as HFTokenizer } from 'tokenizers';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { Cl100kTokenizer, encodingOptions, O200kTokenizer } from '../tokenizers/encodings.js';
import { loadTokenizer, resolveTokenizer } from '../tokenizers/registry.js';
import { CORPORA } from './corpora.js';

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
  // \s is Unicode White_Space for tiktoken: U+FEFF is punctuation ("\uFEFF#" is one cl100k token, 43372),
  // U+0085 is whitespace (JavaScript's \s says the opposite for both).
  '\uFEFF#',
  'a\uFEFF#b \uFEFFx hi\uFEFF',
  'x \u0085y a\u0085\u0085 b \u0085 \u0085x a\u0085\n',
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

  test('save → load keeps the encoding and its ids', () => {
    const dir = path.join(tmp, name);
    tok.savePretrained(dir);
    const loaded = loadTokenizer(dir);
    expect(loaded).toBeInstanceOf(Ctor);
    const text = "HELLO world's 1234567 <|endoftext|>\r\n\r\n x";
    expect(loaded.encode(text)).toEqual(tok.encode(text));
    // The vocabulary is the bundled encoding's: the saved directory is its config alone.
    expect(fs.readdirSync(dir)).toEqual(['tokenizer_config.json']);
  });
});

test('a BPE with another pattern saves it: our loader and HF tokenizers give the same ids', async () => {
  const pattern = encodingOptions('cl100k_base').preTokenizer!;
  // Digit runs: GPT-2's pattern keeps ' 12345' whole (so merges learn it), cl100k cuts runs of three.
  const corpus = `${fs.readFileSync(CORPORA[0]!, 'utf8').slice(0, 20_000)}${' 12345'.repeat(300)}`;
  const trained = await trainBPE({ input: corpus, vocabSize: 400, specialTokens: ['<|endoftext|>'] });
  const tok = new BPETokenizer({ ...trained, specialTokens: ['<|endoftext|>'], preTokenizer: pattern });
  const dir = path.join(tmp, 'bpe-regex');
  tok.savePretrained(dir);
  const loaded = loadTokenizer(dir) as BPETokenizer;
  expect(loaded.preTokenizer).toEqual(pattern);
  const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  for (const text of [...ADVERSARIAL.slice(0, 16), corpus.slice(0, 3000)]) {
    const ids = tok.encode(text);
    expect(loaded.encode(text)).toEqual(ids);
    expect({ text, ids: (await hf.encode(text)).getIds() }).toEqual({ text, ids });
  }
  // The same text splits differently under GPT-2's pattern: the pattern is really in use.
  const gpt2Style = new BPETokenizer({ ...trained, specialTokens: ['<|endoftext|>'] });
  expect(gpt2Style.encode(' 12345')).toHaveLength(1);
  expect(tok.encode(' 12345').length).toBeGreaterThan(1);
});

test('an unknown encoding name lists the available ones', () => {
  expect(() => encodingOptions('p50k_base')).toThrow(
    /unknown encoding "p50k_base"; available: cl100k_base, o200k_base/,
  );
  expect(() => resolveTokenizer('r50k')).toThrow(/cl100k_base.*o200k_base/);
});
