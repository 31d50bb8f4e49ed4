/** Shared fixtures of the ByteSpan tokenizer tests: data samples, a vocabulary from frequent pieces, hard strings. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bytesToDisplay } from '../tokenizers/byte-unicode.js';
import { SPACE_CHAR, spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { scanPieces } from '../tokenizers/pre-tokenizers/gpt2-scan.js';

export const DATA = path.join(import.meta.dirname, '..', 'data');
export const MULTI = path.join(DATA, 'multilingual');
export const LANGS = fs.readdirSync(MULTI).filter((f) => f.endsWith('.txt'));
export const SAMPLES = new Map(LANGS.map((f) => [f, fs.readFileSync(path.join(MULTI, f), 'utf8')]));
export const KJV = fs.readFileSync(path.join(DATA, 'kjv.txt'), 'utf8').slice(0, 300_000);
export const utf8 = new TextEncoder();
export const display = (s: string): string => bytesToDisplay(utf8.encode(s));

/** Pieces of `text` by count (descending, ties in first-occurrence order). */
function frequentPieces(text: string): string[] {
  const counts = new Map<string, number>();
  for (const p of scanPieces(text)) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([p]) => p);
}

/**
 * The span base vocabulary plus multi-byte entries derived deterministically from the data: frequent
 * KJV words and suffixes, frequent pieces of each language (and pieces cut inside a UTF-8 character),
 * and entries that make `##` ambiguous.
 */
function buildVocab(): string[] {
  const vocab = spanBaseVocab();
  const seen = new Set(vocab);
  const add = (t: string): void => {
    if (!seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  const kjv = frequentPieces(KJV);
  for (const p of kjv.filter((p) => utf8.encode(p).length >= 2).slice(0, 250)) add(display(p));
  const suffixes = new Map<string, number>();
  for (const p of kjv.slice(0, 2000)) {
    const b = utf8.encode(p);
    if (b.length >= 6) {
      const s = `##${bytesToDisplay(b.subarray(b.length - 3))}`;
      suffixes.set(s, (suffixes.get(s) ?? 0) + 1);
    }
  }
  for (const [s] of [...suffixes].sort((a, b) => b[1] - a[1]).slice(0, 100)) add(s);
  for (const text of SAMPLES.values()) {
    for (const p of frequentPieces(text.slice(0, 100_000)).slice(0, 40)) {
      const b = utf8.encode(p);
      add(bytesToDisplay(b));
      if (b.length >= 4) {
        add(bytesToDisplay(b.subarray(0, 2)));
        add(`##${bytesToDisplay(b.subarray(2, 5))}`);
      }
    }
  }
  const dash = utf8.encode('—');
  for (const t of ['##', '####', '##..', '##!!', '##.#', `##${bytesToDisplay(dash.subarray(0, 2))}`]) add(t);
  add(`${SPACE_CHAR}${bytesToDisplay(dash.subarray(0, 2))}`);
  return vocab;
}

export const VOCAB = buildVocab();
export const ADVERSARIAL = [
  '',
  ' ',
  '   ',
  'hello',
  ' hello',
  '  hello',
  '\nhello',
  'a  b   c    ',
  '\n\n\n',
  ' \n \n',
  '\t\tx',
  'x\u00a0###',
  '12345678901234567890 3.14159',
  '### Heading\n## Sub\n# x\n####',
  'a###b ##c .## ##. (###) #',
  'C## and F## ## ### #### ##### ######',
  "it's ##'s '##",
  '—##— ##—— ——',
  'a##— \n##——',
  '🙂🙂 👍🏽 🇩🇪',
  '漢字かなカナ한국어',
  'naïve café e\u0301',
  'x<|endoftext|>y<|endoftext|> z <|endoftext|>',
  '<|endoftext|><|endoftext|>',
  '<|padding|>a<|unk|>b',
  '<|endoftext|> ##',
  'a'.repeat(99),
  'a'.repeat(100),
  'b'.repeat(300),
  '中'.repeat(40),
];

/** A scratch folder and the tokenizer over VOCAB, made before a test file runs and removed after it. */
export function tokenizerFixture(): { readonly tmp: string; readonly tok: ByteSpanTokenizer } {
  const fixture = { tmp: '', tok: null as unknown as ByteSpanTokenizer };
  beforeAll(() => {
    fixture.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bytespan-tok-'));
    fixture.tok = new ByteSpanTokenizer({ vocab: VOCAB });
  });
  afterAll(() => fs.rmSync(fixture.tmp, { recursive: true, force: true }));
  return fixture;
}
