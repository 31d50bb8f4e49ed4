/**
 * `encodeWithOffsets`, `tokenBytes` and `decodeBytes` on every built-in tokenizer: spans tile the input,
 * the bytes under each span are the token's bytes, and GPT-2's character offsets equal those of the HF
 * `tokenizers` package on the same tokenizer.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Tokenizer as HFTokenizer } from 'tokenizers';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';

const TEXTS = [
  '',
  'hello world',
  '  two  spaces\n\nand lines\r\n',
  "don't stop 12345",
  'naïve café — 漢字かな 한국어',
  '🙂 emoji👩‍👩‍👧 mixed',
  'x<|endoftext|>y',
  '\uFEFFbom',
];

const utf8 = new TextEncoder();
const gpt2 = new GPT2Tokenizer();
const char = new CharacterTokenizer();
char.buildVocabFromTexts(['helo wrd']);
const tokenizers: Array<[string, BaseTokenizer]> = [
  ['gpt2', gpt2],
  ['bpe', new BPETokenizer({ specialTokens: ['<|endoftext|>'] })],
  ['byte', new ByteLevelTokenizer()],
  ['character (unknowns included)', char],
  ['bytespan', new ByteSpanTokenizer({ vocab: spanBaseVocab() })],
];

describe.each(tokenizers)('%s', (_name, tok) => {
  test.each(TEXTS)('spans tile %j and hold the tokens', (text) => {
    for (const addSpecialTokens of [false, true]) {
      const { ids, byteOffsets, charOffsets } = tok.encodeWithOffsets(text, { addSpecialTokens });
      expect(ids).toEqual(tok.encode(text, { addSpecialTokens }));
      const bytes = utf8.encode(text);
      let at = 0;
      for (let k = 0; k < ids.length; k++) {
        const [s, e] = [byteOffsets[2 * k]!, byteOffsets[2 * k + 1]!];
        expect(s).toBe(at);
        at = e;
        const [cs, ce] = [charOffsets[2 * k]!, charOffsets[2 * k + 1]!];
        expect(cs).toBeLessThanOrEqual(ce);
        // The characters under the char span contain the bytes under the byte span.
        expect(utf8.encode(text.slice(0, cs)).length).toBeLessThanOrEqual(s);
        expect(utf8.encode(text.slice(0, ce)).length).toBeGreaterThanOrEqual(e);
        if (tok instanceof CharacterTokenizer || e === s) continue;
        const token = tok.tokenBytes(ids[k]!)!;
        // A prefix space the tokenizer inserted is the only difference allowed.
        expect(
          Buffer.from(token.subarray(token.length - (e - s))).equals(Buffer.from(bytes.subarray(s, e))),
        ).toBe(true);
      }
      expect(at).toBe(bytes.length);
    }
  });

  test('decodeBytes is the tokens` bytes back to back; an unknown id is named', () => {
    const ids = tok.encode('hello world');
    const joined = Buffer.concat(ids.map((id) => tok.tokenBytes(id)!));
    if (!tok.insertsPrefixSpace) expect(Buffer.from(tok.decodeBytes(ids)).equals(joined)).toBe(true);
    expect(tok.tokenBytes(10_000_000)).toBeNull();
    expect(() => tok.decodeBytes([10_000_000])).toThrow(/10000000/);
  });
});

test('GPT-2 character offsets equal HF tokenizers` on its saved tokenizer.json', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offsets-'));
  try {
    gpt2.savePretrained(dir);
    const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    // HF counts offsets in code points: texts without astral characters compare directly.
    for (const text of [
      'hello world',
      '  two  spaces\n\nand lines\r\n',
      "don't stop 12345",
      'naïve café x',
    ]) {
      const ours = gpt2.encodeWithOffsets(text);
      const theirs = await hf.encode(text);
      expect(ours.ids).toEqual(theirs.getIds());
      expect(Array.from(ours.charOffsets)).toEqual(theirs.getOffsets().flat());
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
