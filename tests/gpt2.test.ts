import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { Tokenizer as HFTokenizer } from 'tokenizers';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';
import { createTokenizer, loadTokenizer } from '../tokenizers/registry.js';
import { CORPORA } from './corpora.js';

const ADVERSARIAL = [
  '',
  'a',
  ' ',
  '   ',
  'hello   world',
  'trailing newline\n',
  'two trailing\n\n',
  '\n\n',
  'line\n\nnext',
  '\t\t x \u00a0\u3000y  ',
  "I'm you're we've they'll she'd it's don't",
  "I'M YOU'RE WE'VE THEY'LL SHE'D IT'S DON'T",
  "'s 'S ''ll '''",
  '12345 3.14159 1,000,000 ٣٤٥ ⅷ',
  '🙂 👩‍👩‍👧‍👦 🇩🇪 emoji🙂🙂',
  '漢字かな交じり文、中文句子。한국어 문장',
  'Здравствуй, мир! Ελληνικά',
  '<|endoftext|>',
  'before<|endoftext|>after',
  '<|endoftext|><|endoftext|>',
  ' <|endoftext|> ',
  '<|endoftext|>\n\ntesting!',
  '<|endoftext|>\n\n',
  'Héllo <|endoftext|> wörld <|endoftext|>',
  '<|endoftext',
  '    leading spaces and trailing spaces    ',
  'a\r\nb\r\n',
  // Lone surrogates: both sides encode them as U+FFFD.
  '\ud800x',
  'a\udc00 b',
  '🙂\ud83d',
  // \s is Unicode White_Space for the peers: U+FEFF is punctuation, U+0085 is whitespace (not so in JS).
  '\uFEFF#',
  'a\uFEFF#b \uFEFFx hi\uFEFF',
  'x \u0085y a\u0085\u0085 b \u0085 \u0085x a\u0085\n',
  `${'x'.repeat(5000)} ${' '.repeat(3000)}y`,
];

let tiktoken: Tiktoken;
let gpt2: GPT2Tokenizer;
let tmp: string;

beforeAll(() => {
  tiktoken = get_encoding('gpt2');
  gpt2 = new GPT2Tokenizer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt2-test-'));
});

afterAll(() => {
  tiktoken.free();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function reference(text: string): number[] {
  return Array.from(tiktoken.encode(text, 'all'));
}

/** Index of the first differing id (-1 when equal); far faster than toEqual on million-id arrays. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe('GPT2Tokenizer', () => {
  test('has the GPT-2 special ids and sizes', () => {
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.eosTokenId).toBe(50256);
    expect(gpt2.bosTokenId).toBe(50256);
    expect(gpt2.padTokenId).toBe(50256);
    expect(gpt2.modelMaxLength).toBe(1024);
    expect(gpt2.tokenize(' the cat')).toEqual(['Ġthe', 'Ġcat']);
    expect(createTokenizer('gpt2')).toBeInstanceOf(GPT2Tokenizer);
    expect(GPT2Tokenizer.fromPretrained('gpt2').encode('hi there')).toEqual(reference('hi there'));
    expect(() => GPT2Tokenizer.fromPretrained('gpt2-medium')).toThrow(
      /gpt2-medium: GPT-2 tokenizer directory or file does not exist/,
    );
  });

  test.each(CORPORA.map((f) => [path.basename(f), f]))('ids equal tiktoken gpt2 on %s', (_, file) => {
    const text = fs.readFileSync(file as string, 'utf8');
    const ids = gpt2.encode(text);
    expect(firstDifference(ids, tiktoken.encode(text, 'all'))).toBe(-1);
    expect(gpt2.decode(ids)).toBe(text);
  });

  test('ids equal tiktoken gpt2 on adversarial strings', () => {
    for (const text of ADVERSARIAL) {
      expect({ text, ids: gpt2.encode(text) }).toEqual({ text, ids: reference(text) });
      expect(gpt2.decode(gpt2.encode(text))).toBe(text.toWellFormed());
    }
  });

  test('without caching and with tiny caches the ids are the same', () => {
    const text = fs.readFileSync(CORPORA[1]!, 'utf8').slice(0, 50_000);
    const expected = reference(text);
    expect(firstDifference(new GPT2Tokenizer({ cacheSize: 0 }).encode(text), expected)).toBe(-1);
    expect(firstDifference(new GPT2Tokenizer({ cacheSize: 3 }).encode(text), expected)).toBe(-1);
  });

  test('tiktoken-style disallowed specials raise; ordinary encoding splits the special', () => {
    expect(() => gpt2.encode('x<|endoftext|>', { allowedSpecial: [], disallowedSpecial: 'all' })).toThrow(
      /disallowed special/,
    );
    expect(gpt2.encode('x<|endoftext|>', { allowedSpecial: [] })).toEqual(
      Array.from(tiktoken.encode_ordinary('x<|endoftext|>')),
    );
    expect(gpt2.encodeOrdinary('<|endoftext|>')).toEqual(
      Array.from(tiktoken.encode_ordinary('<|endoftext|>')),
    );
  });

  test('save → HF tokenizers loads the same ids; save → load and .tiktoken round trips', async () => {
    const dir = path.join(tmp, 'gpt2');
    gpt2.savePretrained(dir);
    const text = `${fs.readFileSync(CORPORA[0]!, 'utf8').slice(0, 20_000)} Über 🙂 漢字 \uFEFF# x \u0085y <|endoftext|>\n\ntesting!`;
    const expected = gpt2.encode(text);
    const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    expect((await hf.encode(text)).getIds()).toEqual(expected);
    expect(await hf.decode(expected, false)).toBe(text);

    const loaded = loadTokenizer(dir);
    expect(loaded).toBeInstanceOf(GPT2Tokenizer);
    expect(loaded.encode(text)).toEqual(expected);

    // HF-only directory (no tokenizer_config.json): vocab.json + merges.txt, then tokenizer.json.
    const hfDir = path.join(tmp, 'hf-only');
    fs.mkdirSync(hfDir);
    fs.copyFileSync(path.join(dir, 'vocab.json'), path.join(hfDir, 'vocab.json'));
    fs.copyFileSync(path.join(dir, 'merges.txt'), path.join(hfDir, 'merges.txt'));
    const fromMerges = GPT2Tokenizer.fromPretrained(hfDir);
    expect(fromMerges.merges).not.toBeNull();
    expect(fromMerges.encode(text)).toEqual(expected);
    fs.copyFileSync(path.join(dir, 'tokenizer.json'), path.join(hfDir, 'tokenizer.json'));
    expect(GPT2Tokenizer.fromPretrained(hfDir).encode(text)).toEqual(expected);

    const tiktokenFile = path.join(tmp, 'gpt2.tiktoken');
    gpt2.saveTiktoken(tiktokenFile);
    const fromRanks = GPT2Tokenizer.fromPretrained(tiktokenFile);
    expect(fromRanks.encode(text)).toEqual(expected);
  });

  test('missing and corrupt files give errors naming the file', () => {
    const bad = path.join(tmp, 'bad');
    fs.mkdirSync(bad);
    expect(() => GPT2Tokenizer.fromPretrained(bad)).toThrow(/no BPE files found/);
    fs.writeFileSync(path.join(bad, 'vocab.json'), '{"a": 0');
    fs.writeFileSync(path.join(bad, 'merges.txt'), '');
    expect(() => GPT2Tokenizer.fromPretrained(bad)).toThrow(/vocab\.json.*not valid JSON/);
    fs.writeFileSync(path.join(bad, 'vocab.json'), '{"a": 0}');
    fs.rmSync(path.join(bad, 'merges.txt'));
    expect(() => GPT2Tokenizer.fromPretrained(bad)).toThrow(/merges\.txt: merges file not found/);
    fs.writeFileSync(path.join(bad, 'merges.txt'), 'a b c\n');
    expect(() => GPT2Tokenizer.fromPretrained(bad)).toThrow(/merges\.txt: line 1/);
    const badTiktoken = path.join(tmp, 'bad.tiktoken');
    fs.writeFileSync(badTiktoken, 'IQ== 0\nnot-base64! 1\n');
    expect(() => GPT2Tokenizer.fromPretrained(badTiktoken)).toThrow(/bad\.tiktoken: line 2/);
  });
});
