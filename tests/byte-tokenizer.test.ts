import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { loadTokenizer } from '../tokenizers/registry.js';

describe('ByteLevelTokenizer', () => {
  const t = new ByteLevelTokenizer();

  test('one id per byte, specials after them', () => {
    expect(t.encode('aé')).toEqual([0x61, 0xc3, 0xa9]);
    expect([t.padTokenId, t.bosTokenId, t.eosTokenId]).toEqual([256, 257, 258]);
    expect(t.vocabSize).toBe(259);
    expect(t.encode('a', { addSpecialTokens: true })).toEqual([257, 0x61, 258]);
    expect(t.tokenize('a b')).toEqual(['a', 'Ġ', 'b']);
  });

  test('lossless for every well-formed string (lone surrogates become U+FFFD, as TextEncoder does)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(t.decode(t.encode(s))).toBe(s.toWellFormed());
      }),
      { numRuns: 500 },
    );
    for (const s of ['', 'e\u0301', '😀👩‍👩‍👧', '漢字かな', '\u0000\n\t', 'x\ud800y']) {
      expect(t.decode(t.encode(s))).toBe(s.toWellFormed());
    }
  });

  test('malformed UTF-8 decodes to U+FFFD per maximal ill-formed subsequence', () => {
    expect(t.decode([0xe2, 0x82])).toBe('\ufffd'); // truncated 3-byte sequence
    expect(t.decode([0x80, 0x61])).toBe('\ufffda'); // stray continuation
    expect(t.decode([0xc0, 0xaf])).toBe('\ufffd\ufffd'); // overlong
    expect(t.decode([0xed, 0xa0, 0x80])).toBe('\ufffd\ufffd\ufffd'); // encoded surrogate
    expect(t.decode([0xf5, 0xff])).toBe('\ufffd\ufffd');
  });

  test('specials decode as text unless skipped; bytes on both sides decode independently', () => {
    expect(t.decode([257, 0x68, 0x69, 258])).toBe('<bos>hi<eos>');
    expect(t.decode([257, 0x68, 0x69, 258], { skipSpecialTokens: true })).toBe('hi');
    expect(() => t.decode([300])).toThrow(/id 300 is outside the byte-level vocabulary/);
  });

  test('encodeIterable equals encode for any cut, including inside surrogate pairs', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 7 }), (s, k) => {
        const pieces: string[] = [];
        for (let i = 0; i < s.length; i += k) pieces.push(s.slice(i, i + k));
        const streamed = [...t.encodeIterable(pieces, { addSpecialTokens: true })].flat();
        expect(streamed).toEqual(t.encode(s, { addSpecialTokens: true }));
      }),
    );
  });

  test('save and load through the registry', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-byte-'));
    const custom = new ByteLevelTokenizer({ additionalSpecialTokens: ['<mask>'], maxLength: 512 });
    custom.savePretrained(dir);
    const back = loadTokenizer(dir) as ByteLevelTokenizer;
    expect(back).toBeInstanceOf(ByteLevelTokenizer);
    expect(back.getVocab()).toEqual(custom.getVocab());
    expect(back.modelMaxLength).toBe(512);
    expect(back.tokenToId('<mask>')).toBe(259);
  });
});
