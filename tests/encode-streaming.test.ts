/**
 * Streaming encode (`encodeIterable`, `encodeAsyncIterable`) against plain `encode`: random texts built
 * from the parts that decide pre-token boundaries (whitespace runs, letters, digits, contractions,
 * specials and their prefixes, CJK, emoji, lone surrogates), cut into random chunks, ends included.
 */
import fc from 'fast-check';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';

const EOT = '<|endoftext|>';
const part = fc.constantFrom(
  ' ',
  '  ',
  '\n',
  '\n\n',
  '\t',
  '\r\n',
  '\u00a0',
  '\u3000',
  'a',
  'testing',
  'Hello',
  '!',
  '...',
  '1',
  '2024',
  "'s",
  "'ll",
  "'",
  '漢字',
  '한',
  '🙂',
  '\ud83d',
  '\ude42',
  EOT,
  '<|endof',
  'text|>',
  '<|',
  '<|fim_prefix|>',
);
const text = fc.array(part, { maxLength: 14 }).map((parts) => parts.join(''));
/** A text and cut points inside it (sorted, repeats allowed: empty chunks are legal input). */
const chunked = text.chain((t) =>
  fc.array(fc.integer({ min: 0, max: t.length }), { maxLength: 6 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), t.length];
    return points.slice(1).map((end, k) => t.slice(points[k], end));
  }),
);

const gpt2 = new GPT2Tokenizer();
const withSpecials = new BPETokenizer({ specialTokens: [EOT, `${EOT}${EOT}`, '<|fim_prefix|>'] });
const char = new CharacterTokenizer();
char.buildVocabFromTexts(['abcdefghijklmnopqrstuvwxyzH!.12 \n\t\r']);
const tokenizers: Array<[string, BaseTokenizer]> = [
  ['gpt2', gpt2],
  ['bpe with nested specials', withSpecials],
  ['byte', new ByteLevelTokenizer()],
  ['character', char],
];

describe.each(tokenizers)('%s', (_name, tok) => {
  test('encodeIterable equals encode for random texts and chunkings', () => {
    fc.assert(
      fc.property(chunked, (chunks) => {
        expect([...tok.encodeIterable(chunks)].flat()).toEqual(tok.encode(chunks.join('')));
      }),
      { numRuns: 400 },
    );
  });
});

describe('BPE streaming', () => {
  test('a whitespace run before the final word (regression: [64, 628, 33407, 0])', () => {
    expect(gpt2.encode('a\n\ntesting!')).toEqual([64, 198, 198, 33407, 0]);
    expect([...gpt2.encodeIterable(['a\n\ntesting!'])].flat()).toEqual([64, 198, 198, 33407, 0]);
    expect([...gpt2.encodeIterable(['a\n', '\ntest', 'ing!'])].flat()).toEqual([64, 198, 198, 33407, 0]);
  });

  test('the special-token policy applies to the stream as to encode', () => {
    const policies = [{ allowedSpecial: [] as string[] }, { allowedSpecial: [EOT] }];
    fc.assert(
      fc.property(chunked, fc.constantFrom(...policies), (chunks, policy) => {
        const streamed = [...withSpecials.encodeIterable(chunks, policy)].flat();
        expect(streamed).toEqual(withSpecials.encode(chunks.join(''), policy));
      }),
      { numRuns: 300 },
    );
    expect(() => [
      ...withSpecials.encodeIterable(['x<|endof', 'text|>'], { disallowedSpecial: 'raise' }),
    ]).toThrow(/disallowed special token "<\|endoftext\|>"/);
  });

  test('encodeAsyncIterable equals encode', async () => {
    const samples = fc.sample(chunked, { numRuns: 100, seed: 12 });
    for (const chunks of samples) {
      const source = (async function* () {
        yield* chunks;
      })();
      const out: number[] = [];
      for await (const ids of gpt2.encodeAsyncIterable(source)) out.push(...ids);
      expect(out).toEqual(gpt2.encode(chunks.join('')));
    }
  });
});
