/** Tokenizers assembled from parts: added tokens → normalizer → pre-tokenizer → model → decoder. */
import { BaseTokenizer } from '../tokenizers/base.js';
import { ByteLevelDecoder } from '../tokenizers/decoders/byte-level.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';
import { ByteModel } from '../tokenizers/models/byte.js';
import { AddedTokens } from '../tokenizers/pipeline/added-tokens.js';
import { TokenizerPipeline } from '../tokenizers/pipeline/pipeline.js';
import { RegexPreTokenizer } from '../tokenizers/pre-tokenizers/pre-tokenizer.js';

/** A new tokenizer from stock parts: one special, words split by a regex, bytes as ids, upper-cased text. */
class ShoutingBytes extends BaseTokenizer {
  static override readonly tokenizerType = 'shouting-bytes-test';
  constructor() {
    super();
    const added = new AddedTokens([['<|sep|>', 256]]);
    const model = new ByteModel(257);
    this.pipeline = new TokenizerPipeline({
      added,
      normalizer: (segment) => segment.toUpperCase(),
      preTokenizer: new RegexPreTokenizer(String.raw`\w+|\W`),
      model,
      decoder: new ByteLevelDecoder(model, added),
    });
  }
  get vocabSize(): number {
    return 257;
  }
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.idToToken(id)!);
  }
  tokenToId(token: string): number | undefined {
    return token === '<|sep|>' ? 256 : token.length === 1 ? token.charCodeAt(0) : undefined;
  }
  idToToken(id: number): string | undefined {
    return id === 256 ? '<|sep|>' : id >= 0 && id < 256 ? String.fromCharCode(id) : undefined;
  }
  getVocab(): Map<string, number> {
    return new Map([['<|sep|>', 256]]);
  }
  protected writeFiles(): void {}
}

test('a tokenizer assembled from parts: specials first, the normalizer per segment, then model and decoder', () => {
  const tok = new ShoutingBytes();
  expect(tok.encode('ab<|sep|>c')).toEqual([65, 66, 256, 67]);
  expect(tok.decode(tok.encode('ab<|sep|>c'))).toBe('AB<|sep|>C');
  expect(tok.decode([65, 256, 66], { skipSpecialTokens: true })).toBe('AB');
  expect(Array.from(tok.decodeBytes([256]))).toEqual(Array.from(Buffer.from('<|sep|>')));
  expect(tok.tokenBytes(66)).toEqual(Uint8Array.of(66));
  expect(tok.tokenBytes(300)).toBeNull();
  // The one special-token policy applies to every tokenizer built from parts.
  expect(tok.encode('a<|sep|>', { allowedSpecial: [] })).toEqual(Array.from(Buffer.from('A<|SEP|>')));
  expect(() => tok.encode('a<|sep|>', { disallowedSpecial: 'all' })).toThrow(/disallowed special token/);
  expect(tok.encodeWithOffsets('AB!').byteOffsets).toEqual(Uint32Array.of(0, 1, 1, 2, 2, 3));
});

test('a subclass with neither parts nor its own encode/decode gets an error naming what to do', () => {
  class Bare extends ShoutingBytes {
    constructor() {
      super();
      this.pipeline = null;
    }
  }
  expect(() => new Bare().encode('x')).toThrow(/Bare is not assembled from parts .* must override encode/);
  expect(() => new Bare().decode([1])).toThrow(/must override decode/);
});

test('the built-in tokenizers are assembled from the stock parts', () => {
  const gpt2 = new GPT2Tokenizer() as unknown as { pipeline: TokenizerPipeline };
  expect(gpt2.pipeline.added.ids.get('<|endoftext|>')).toBe(50256);
  expect(gpt2.pipeline.preTokenizer.spec).toEqual({ type: 'gpt2' });
  expect(gpt2.pipeline.decoder).toBeInstanceOf(ByteLevelDecoder);
});

test('regex pre-tokenizers read \\s as Unicode White_Space, as tiktoken and HF do (not as JavaScript does)', () => {
  const pieces = (pattern: string, text: string): string[] => {
    const pre = new RegexPreTokenizer(pattern);
    const out: string[] = [];
    for (let i = 0; i < text.length; ) {
      const end = pre.pieceEnd(text, i, text.length);
      out.push(text.slice(i, end));
      i = end;
    }
    return out;
  };
  // U+FEFF is not White_Space, U+0085 is.
  expect(pieces(String.raw`\s+|\S+`, 'a\uFEFF\u0085 b')).toEqual(['a\uFEFF', '\u0085 ', 'b']);
  expect(pieces(String.raw`[^\s]+|[\s]+`, '\uFEFF#\u0085')).toEqual(['\uFEFF#', '\u0085']);
  // An escaped backslash followed by "s" is a literal backslash and "s", not whitespace.
  expect(pieces(String.raw`\\s|.`, '\\s ')).toEqual(['\\s', ' ']);
  expect(new RegexPreTokenizer(String.raw`\s+`).spec).toEqual({ type: 'regex', pattern: String.raw`\s+` });
});
