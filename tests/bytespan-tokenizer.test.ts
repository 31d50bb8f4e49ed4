import fc from 'fast-check';
import { evaluateTokenizer, morphScore } from '../text-api.js';
import { bytesToDisplay } from '../tokenizers/byte-unicode.js';
import { EOS_TOKEN, PAD_TOKEN, spanBaseVocab, UNK_TOKEN } from '../tokenizers/bytespan/base-vocab.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';

import { ADVERSARIAL, KJV, SAMPLES, tokenizerFixture, utf8, VOCAB } from './bytespan-fixtures.js';

const fixture = tokenizerFixture();

describe('WordPiece longest-prefix inference', () => {
  const small = new ByteSpanTokenizer({
    vocab: [...spanBaseVocab(), 'Ġfil', '##led', 'Ġwith', 'Ġpr', '##isti', '##ne', 'Ġpri', '##st'],
  });

  test('greedy longest prefix, plain first piece then ## pieces (spec §11 example)', () => {
    expect(small.tokenize('filled with pristine')).toEqual([
      'Ġfil',
      '##led',
      'Ġwith',
      'Ġpri',
      '##st',
      '##i',
      '##ne',
    ]);
    expect(small.decode(small.encode('filled with pristine'))).toBe('filled with pristine');
    // Without `Ġpri` the spec's segmentation comes out.
    const spec = new ByteSpanTokenizer({
      vocab: [...spanBaseVocab(), 'Ġfil', '##led', 'Ġwith', 'Ġpr', '##isti', '##ne'],
    });
    expect(spec.tokenize(' filled with pristine')).toEqual([
      'Ġ',
      'Ġfil',
      '##led',
      'Ġwith',
      'Ġpr',
      '##isti',
      '##ne',
    ]);
  });

  test('specials have the §6 ids and roles; no BOS/EOS is added', () => {
    expect([small.padTokenId, small.eosTokenId, small.bosTokenId, small.unkTokenId]).toEqual([0, 1, 1, 258]);
    expect(small.allSpecialTokens).toEqual([PAD_TOKEN, EOS_TOKEN, UNK_TOKEN]);
    expect(small.encode('x', { addSpecialTokens: true })).toEqual([small.tokenToId('Ġx')]);
    expect(small.vocabSize).toBe(778);
    expect(small.getVocab().size).toBe(778);
  });

  test('a ## entry matches literally at the start of a pre-token, as in HF', () => {
    // "\n###": pre-tokens Ġ, Ċ, ### — the last one begins with ## and is the entry `###` (= "##" + "#").
    expect(small.tokenize('\n###')).toEqual(['Ġ', 'Ċ', '###']);
    expect(small.tokenize('a.###')).toEqual(['Ġa', '.', '###', '###', '###']);
    expect(small.decode(small.encode('\n###'))).toBe('\n###');
    expect(small.decode(small.encode('a.###'))).toBe('a.###');
  });

  test('a ## entry ending inside a character is read from the character it completes', () => {
    // "##" + the first two bytes of "—" starts the pre-token "##—" literally; "—" is punctuation.
    const dash = bytesToDisplay(utf8.encode('—'));
    expect(fixture.tok.tokenize('a##—')).toEqual(['Ġa', `##${dash.slice(0, 2)}`, `##${dash.slice(2)}`]);
    expect(fixture.tok.decode(fixture.tok.encode('a##—'))).toBe('a##—');
    // The same entry as a continuation inside a punctuation run.
    expect(fixture.tok.tokenize('.—')).toEqual(['Ġ.', `##${dash.slice(0, 2)}`, `##${dash.slice(2)}`]);
    expect(fixture.tok.decode(fixture.tok.encode('.—'))).toBe('.—');
  });

  test('byte fallback: missing ##k falls back to k; a byte with no token is one UNK', () => {
    const vocab = spanBaseVocab().filter((t) => t !== '##b' && t !== 'Ġc' && t !== 'c' && t !== '##c');
    const fallback = new ByteSpanTokenizer({ vocab });
    expect(fallback.tokenize('ab')).toEqual(['Ġa', 'b']);
    expect(fallback.decode(fallback.encode('ab'))).toBe('ab');
    expect(fallback.tokenize('acd')).toEqual(['Ġa', UNK_TOKEN, '##d']);
    expect(fallback.tokenize('c')).toEqual(['Ġ', UNK_TOKEN]);
    const hf = new ByteSpanTokenizer({ vocab, byteFallback: false });
    expect(hf.tokenize('ab acd x')).toEqual([UNK_TOKEN, UNK_TOKEN, 'Ġx']);
  });

  test('no length limit by default; maxInputCharsPerWord: 100 gives UNK above 100 bytes', () => {
    const long = 'x'.repeat(500);
    expect(fixture.tok.encode(long)).not.toContain(fixture.tok.unkTokenId);
    expect(fixture.tok.decode(fixture.tok.encode(long))).toBe(long);
    const hub = new ByteSpanTokenizer({ vocab: VOCAB, maxInputCharsPerWord: 100 });
    // " " + 99 letters = 100 bytes: segmented; " " + 100 letters = 101 bytes: one UNK.
    expect(hub.encode('q'.repeat(99))).toEqual(fixture.tok.encode('q'.repeat(99)));
    expect(hub.encode('q'.repeat(99))).not.toContain(hub.unkTokenId);
    expect(hub.encode('q'.repeat(100))).toEqual([hub.unkTokenId]);
    // Bytes, not characters: 33 CJK characters + space = 100 bytes, 34 = 103.
    expect(hub.encode('中'.repeat(33))).not.toContain(hub.unkTokenId);
    expect(hub.encode(`a ${'中'.repeat(34)} b`)).toEqual([
      hub.tokenToId('Ġa'),
      hub.unkTokenId,
      hub.tokenToId('Ġb'),
    ]);
  });

  test('special tokens in text: recognised by default, policy as in BPETokenizer', () => {
    const text = 'x<|endoftext|>y';
    expect(fixture.tok.tokenize(text)).toEqual(['Ġx', EOS_TOKEN, 'Ġy']);
    const plain = fixture.tok.encode(text, { allowedSpecial: [] });
    expect(plain).not.toContain(fixture.tok.eosTokenId);
    expect(fixture.tok.decode(plain)).toBe(text);
    expect(() => fixture.tok.encode(text, { allowedSpecial: [], disallowedSpecial: 'all' })).toThrow(
      /disallowed special token "<\|endoftext\|>" at index 1/,
    );
    expect(() => fixture.tok.encode(text, { allowedSpecial: ['<|nope|>'] })).toThrow(/not a special token/);
    expect(fixture.tok.decode(fixture.tok.encode(text), { skipSpecialTokens: true })).toBe('xy');
  });
});

describe('lossless decoding', () => {
  test('decode(encode(x)) === x on every multilingual sample and the KJV', () => {
    for (const [name, text] of [...SAMPLES, ['kjv', KJV] as const]) {
      const ids = fixture.tok.encode(text);
      const back = fixture.tok.decode(ids);
      if (back !== text) throw new Error(`${name}: round trip differs`);
      expect(Buffer.from(fixture.tok.decodeBytes(ids)).equals(Buffer.from(text, 'utf8'))).toBe(true);
    }
  });

  test('adversarial strings round-trip (both prefix-space rules for texts not starting with a space)', () => {
    const hub = new ByteSpanTokenizer({ vocab: VOCAB, prefixSpaceRule: 'hub' });
    const none = new ByteSpanTokenizer({ vocab: VOCAB, addPrefixSpace: false });
    for (const text of ADVERSARIAL) {
      expect(fixture.tok.decode(fixture.tok.encode(text))).toBe(text);
      expect(none.decode(none.encode(text))).toBe(text);
      if (!text.startsWith(' ') && !/<\|\w+\|> /.test(text)) expect(hub.decode(hub.encode(text))).toBe(text);
    }
    // The hub rule encodes "x" and " x" alike (the reason 'always' is the default).
    expect(hub.encode(' hello')).toEqual(hub.encode('hello'));
    expect(fixture.tok.encode(' hello')).not.toEqual(fixture.tok.encode('hello'));
  });

  test('fast-check: every string round-trips (ill-formed UTF-16 as its well-formed form)', () => {
    const pieces = fc.constantFrom(
      ' ',
      '  ',
      '\n',
      '\t',
      '\u00a0',
      '#',
      '##',
      '###',
      '.',
      '..',
      "'",
      "'s",
      'a',
      'Z',
      '7',
      'é',
      'e\u0301',
      '—',
      '中',
      '🙂',
      '<|endoftext|>',
      '<|unk|>',
      '<|padding|>',
      'the',
      ' the',
      'ing',
    );
    const text = fc.oneof(
      fc.array(pieces, { maxLength: 30 }).map((p) => p.join('')),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    const all = [fixture.tok, new ByteSpanTokenizer({ vocab: VOCAB, addPrefixSpace: false })];
    fc.assert(
      fc.property(text, (s) => {
        for (const t of all) {
          if (t.decode(t.encode(s)) !== s.toWellFormed()) return false;
          if (t.decode(t.encode(s, { allowedSpecial: [] })) !== s.toWellFormed()) return false;
        }
        return true;
      }),
      { numRuns: 1500 },
    );
  });

  test('a vocabulary entry exactly "##" is a plain token', () => {
    const t = new ByteSpanTokenizer({ vocab: [...spanBaseVocab(), '##'] });
    expect(t.tokenize('a\n## b')).toEqual(['Ġa', 'Ċ', '##', 'Ġb']);
    expect(t.decode(t.encode('a\n## b'))).toBe('a\n## b');
  });
});

describe('byte offsets and the statistics code', () => {
  test('token spans tile the text and hold the token bytes', () => {
    for (const text of [...ADVERSARIAL, SAMPLES.get('zh.txt')!.slice(0, 3000)]) {
      const { ids, starts, ends } = fixture.tok.encodeWithByteOffsets(text);
      expect(ids).toEqual(fixture.tok.encode(text));
      const bytes = Buffer.from(text, 'utf8');
      let at = 0;
      for (let i = 0; i < ids.length; i++) {
        expect(starts[i]).toBe(at);
        at = ends[i]!;
      }
      expect(at).toBe(bytes.length);
    }
    // The added prefix space has no width: "Ġhello" covers bytes 0–5 of "hello".
    const { starts, ends } = fixture.tok.encodeWithByteOffsets('hello');
    expect([starts[0], ends[ends.length - 1]]).toEqual([0, 5]);
  });

  test('metrics align every text (no per-word fallback) and MorphScore uses the true boundaries', async () => {
    const t = new ByteSpanTokenizer({ vocab: [...spanBaseVocab(), 'Ġwalk', '##ing', 'Ġ###', 'Ġrun'] });
    const result = await evaluateTokenizer('bytespan', t, [
      { name: 'en', texts: ['walking ### run', 'a.### b'] },
    ]);
    expect(result.overall.unalignedTexts).toBe(0);
    // Words: walking(2 tokens) ###(1) run(1) a.###(5) b(1) → 2 of 5 split.
    expect(result.overall.splitWords).toBe(2);
    const morph = morphScore(t, [
      { fullWord: 'walking', pt1: 'walk', rest: 'ing' },
      { fullWord: 'walking', pt1: 'wal', rest: 'king' },
    ]);
    expect(morph).toMatchObject({ scored: 2, hits: 1, excludedInvalid: 0 });
  });
});
