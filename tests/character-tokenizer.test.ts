import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { loadTokenizer } from '../tokenizers/registry.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-char-'));

describe('CharacterTokenizer', () => {
  test('specials are <unk>, <pad>, <bos>, <eos> = 0..3, then additional specials', () => {
    const t = new CharacterTokenizer({ additionalSpecialTokens: ['<sep>'] });
    expect([t.unkTokenId, t.padTokenId, t.bosTokenId, t.eosTokenId]).toEqual([0, 1, 2, 3]);
    expect(t.tokenToId('<sep>')).toBe(4);
    expect(t.vocabSize).toBe(5);
    expect(t.modelMaxLength).toBe(1024);
  });

  test('vocabulary is built in first-seen order, or sorted on request', () => {
    const t = new CharacterTokenizer();
    t.buildVocabFromTexts(['cab', 'bd']);
    expect(t.convertTokensToIds(['c', 'a', 'b', 'd'])).toEqual([4, 5, 6, 7]);
    t.buildVocabFromTexts(['cab', 'bd'], { sorted: true });
    expect(t.convertTokensToIds(['a', 'b', 'c', 'd'])).toEqual([4, 5, 6, 7]);
    expect(t.vocabSize).toBe(8);
  });

  test('iterates by code point: emoji and astral CJK are one token each', () => {
    const t = new CharacterTokenizer();
    t.buildVocabFromTexts(['a😀𠀀']);
    expect(t.tokenize('a😀𠀀')).toEqual(['a', '😀', '𠀀']);
    expect(t.encode('😀')).toEqual([5]);
  });

  test('unknown characters map to unk; BOS/EOS only with addSpecialTokens', () => {
    const t = new CharacterTokenizer();
    t.buildVocabFromTexts(['ab']);
    expect(t.encode('abz')).toEqual([4, 5, 0]);
    expect(t.encode('ab', { addSpecialTokens: true })).toEqual([2, 4, 5, 3]);
    expect(t.decode([2, 4, 0, 5, 3])).toBe('<bos>a<unk>b<eos>');
    // An id outside the vocabulary is an error, as in every other tokenizer (issue 13).
    expect(() => t.decode([2, 99])).toThrow('id 99 is outside the character vocabulary (size 6)');
    expect(() => t.encode(null as unknown as string)).toThrow('encode expects a string, got null');
    expect(t.decode([2, 4, 5, 3, 1], { skipSpecialTokens: true })).toBe('ab');
  });

  test('special token setters keep ids in sync and reject tokens outside the vocabulary', () => {
    const t = new CharacterTokenizer({ additionalSpecialTokens: ['<sep>'] });
    t.padToken = '<sep>';
    expect(t.padTokenId).toBe(4);
    expect(() => {
      t.eosToken = '<nope>';
    }).toThrow(/eosToken "<nope>" is not in the CharacterTokenizer vocabulary/);
  });

  test('converters return a scalar for a scalar and an array for an array', () => {
    const t = new CharacterTokenizer();
    t.buildVocabFromTexts(['xy']);
    expect(t.convertTokensToIds('x')).toBe(4);
    expect(t.convertTokensToIds(['y', '?'])).toEqual([5, 0]);
    expect(t.convertIdsToTokens(5)).toBe('y');
    expect(t.convertIdsToTokens([4, 42])).toEqual(['x', '<unk>']);
  });

  test('getVocab returns a copy', () => {
    const t = new CharacterTokenizer();
    t.getVocab().set('q', 99);
    expect(t.tokenToId('q')).toBeUndefined();
  });

  test('round trip decode(encode(s)) for any string whose characters are in the vocabulary', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const t = new CharacterTokenizer();
        t.buildVocabFromTexts([s]);
        expect(t.decode(t.encode(s))).toBe(s);
      }),
    );
    // combining marks and lone surrogates are code points of their own
    const tricky = 'e\u0301\u0308 \ud800x\udc00 漢字 👩‍👩‍👧';
    const t = new CharacterTokenizer();
    t.buildVocabFromTexts([tricky]);
    expect(t.decode(t.encode(tricky))).toBe(tricky);
    expect(t.encode('\ud800')).toHaveLength(1);
  });

  test('encodeIterable streams with the same ids as encode, even when a cut splits a surrogate pair', () => {
    const text = 'a😀b𠀀c';
    const t = new CharacterTokenizer();
    t.buildVocabFromTexts([text]);
    const pieces = text.split(''); // every UTF-16 unit alone: each astral character is cut in half
    expect([...t.encodeIterable(pieces)].flat()).toEqual(t.encode(text));
  });

  test('savePretrained → fromPretrained reproduces vocabulary, specials and modelMaxLength', () => {
    const t = new CharacterTokenizer({ additionalSpecialTokens: ['<sep>'], maxLength: 256 });
    t.buildVocabFromTexts(['héllo wörld \ud800 😀']);
    const dir = tmp();
    t.savePretrained(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['tokenizer_config.json', 'vocab.json']);
    const back = CharacterTokenizer.fromPretrained(dir);
    expect(back.getVocab()).toEqual(t.getVocab());
    expect(back.modelMaxLength).toBe(256);
    expect(back.additionalSpecialTokens).toEqual(['<sep>']);
    expect([back.unkTokenId, back.padTokenId, back.bosTokenId, back.eosTokenId]).toEqual([0, 1, 2, 3]);
    expect(loadTokenizer(dir)).toBeInstanceOf(CharacterTokenizer);
  });

  test('fromPretrained names the missing or corrupt file', () => {
    const dir = tmp();
    expect(() => CharacterTokenizer.fromPretrained(path.join(dir, 'nope'))).toThrow(
      /nope: tokenizer directory does not exist/,
    );
    expect(() => CharacterTokenizer.fromPretrained(dir)).toThrow(
      /tokenizer_config\.json: tokenizer config not found/,
    );
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"tokenizer_type": "character"');
    expect(() => CharacterTokenizer.fromPretrained(dir)).toThrow(
      /tokenizer_config\.json: tokenizer config is not valid JSON/,
    );
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"tokenizer_type": "byte"}');
    expect(() => CharacterTokenizer.fromPretrained(dir)).toThrow(
      /tokenizer_type is "byte", expected "character"/,
    );
    fs.writeFileSync(
      path.join(dir, 'tokenizer_config.json'),
      '{"tokenizer_type": "character", "vocab_size": 7}',
    );
    expect(() => CharacterTokenizer.fromPretrained(dir)).toThrow(/vocab\.json: vocabulary not found/);
    fs.writeFileSync(
      path.join(dir, 'vocab.json'),
      '{"<unk>": 0, "<pad>": 1, "<bos>": 2, "<eos>": 3, "a": 4}',
    );
    expect(() => CharacterTokenizer.fromPretrained(dir)).toThrow(
      /vocab_size is 7 but vocab\.json has 5 entries/,
    );
    fs.writeFileSync(path.join(dir, 'vocab.json'), '{"<unk>": 0, "<pad>": 1, "<bos>": 2, "a": 3}');
    expect(() => CharacterTokenizer.fromPretrained(dir)).toThrow(
      /vocab\.json: vocabulary is missing the special token "<eos>"/,
    );
  });

  test('saving leaves no temporary files behind', () => {
    const dir = tmp();
    new CharacterTokenizer().savePretrained(dir);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
