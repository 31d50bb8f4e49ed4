import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Tokenizer as HFTokenizer } from 'tokenizers';
import { evaluateTokenizer, morphScore } from '../text-api.js';
import { scanPieces } from '../tokenizers/bpe/scan.js';
import { BYTE_TO_CHAR, bytesToDisplay } from '../tokenizers/byte-unicode.js';
import {
  EOS_TOKEN,
  PAD_TOKEN,
  SPACE_CHAR,
  spanBaseVocab,
  UNK_TOKEN,
} from '../tokenizers/bytespan/base-vocab.js';
import { BYTESPAN_HUB_COMPATIBLE, ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { NO_WORD_LIMIT } from '../tokenizers/io/index.js';
import { loadTokenizer } from '../tokenizers/registry.js';

const DATA = path.join(import.meta.dirname, '..', 'data');
const MULTI = path.join(DATA, 'multilingual');
const LANGS = fs.readdirSync(MULTI).filter((f) => f.endsWith('.txt'));
const SAMPLES = new Map(LANGS.map((f) => [f, fs.readFileSync(path.join(MULTI, f), 'utf8')]));
const KJV = fs.readFileSync(path.join(DATA, 'kjv.txt'), 'utf8').slice(0, 300_000);
const utf8 = new TextEncoder();
const display = (s: string): string => bytesToDisplay(utf8.encode(s));

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

const VOCAB = buildVocab();
const ADVERSARIAL = [
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

let tmp: string;
let tok: ByteSpanTokenizer;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bytespan-tok-'));
  tok = new ByteSpanTokenizer({ vocab: VOCAB });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

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
    expect(tok.tokenize('a##—')).toEqual(['Ġa', `##${dash.slice(0, 2)}`, `##${dash.slice(2)}`]);
    expect(tok.decode(tok.encode('a##—'))).toBe('a##—');
    // The same entry as a continuation inside a punctuation run.
    expect(tok.tokenize('.—')).toEqual(['Ġ.', `##${dash.slice(0, 2)}`, `##${dash.slice(2)}`]);
    expect(tok.decode(tok.encode('.—'))).toBe('.—');
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
    expect(tok.encode(long)).not.toContain(tok.unkTokenId);
    expect(tok.decode(tok.encode(long))).toBe(long);
    const hub = new ByteSpanTokenizer({ vocab: VOCAB, maxInputCharsPerWord: 100 });
    // " " + 99 letters = 100 bytes: segmented; " " + 100 letters = 101 bytes: one UNK.
    expect(hub.encode('q'.repeat(99))).toEqual(tok.encode('q'.repeat(99)));
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
    expect(tok.tokenize(text)).toEqual(['Ġx', EOS_TOKEN, 'Ġy']);
    const plain = tok.encode(text, { allowedSpecial: [] });
    expect(plain).not.toContain(tok.eosTokenId);
    expect(tok.decode(plain)).toBe(text);
    expect(() => tok.encode(text, { allowedSpecial: [], disallowedSpecial: 'all' })).toThrow(
      /disallowed special token "<\|endoftext\|>" at index 1/,
    );
    expect(() => tok.encode(text, { allowedSpecial: ['<|nope|>'] })).toThrow(/not a special token/);
    expect(tok.decode(tok.encode(text), { skipSpecialTokens: true })).toBe('xy');
  });
});

describe('lossless decoding', () => {
  test('decode(encode(x)) === x on every multilingual sample and the KJV', () => {
    for (const [name, text] of [...SAMPLES, ['kjv', KJV] as const]) {
      const ids = tok.encode(text);
      const back = tok.decode(ids);
      if (back !== text) throw new Error(`${name}: round trip differs`);
      expect(Buffer.from(tok.decodeBytes(ids)).equals(Buffer.from(text, 'utf8'))).toBe(true);
    }
  });

  test('adversarial strings round-trip (both prefix-space rules for texts not starting with a space)', () => {
    const hub = new ByteSpanTokenizer({ vocab: VOCAB, prefixSpaceRule: 'hub' });
    const none = new ByteSpanTokenizer({ vocab: VOCAB, addPrefixSpace: false });
    for (const text of ADVERSARIAL) {
      expect(tok.decode(tok.encode(text))).toBe(text);
      expect(none.decode(none.encode(text))).toBe(text);
      if (!text.startsWith(' ') && !/<\|\w+\|> /.test(text)) expect(hub.decode(hub.encode(text))).toBe(text);
    }
    // The hub rule encodes "x" and " x" alike (the reason 'always' is the default).
    expect(hub.encode(' hello')).toEqual(hub.encode('hello'));
    expect(tok.encode(' hello')).not.toEqual(tok.encode('hello'));
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
    const all = [tok, new ByteSpanTokenizer({ vocab: VOCAB, addPrefixSpace: false })];
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
      const { ids, starts, ends } = tok.encodeWithByteOffsets(text);
      expect(ids).toEqual(tok.encode(text));
      const bytes = Buffer.from(text, 'utf8');
      let at = 0;
      for (let i = 0; i < ids.length; i++) {
        expect(starts[i]).toBe(at);
        at = ends[i]!;
      }
      expect(at).toBe(bytes.length);
    }
    // The added prefix space has no width: "Ġhello" covers bytes 0–5 of "hello".
    const { starts, ends } = tok.encodeWithByteOffsets('hello');
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

describe('files: HF tokenizers round trip', () => {
  test('save → HF Tokenizer.fromFile gives identical ids; HF decode is lossless where HF can be', async () => {
    const dir = path.join(tmp, 'saved');
    tok.savePretrained(dir);
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.json']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
    expect(json.model).toMatchObject({
      type: 'WordPiece',
      unk_token: UNK_TOKEN,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: NO_WORD_LIMIT,
    });
    expect(json.pre_tokenizer).toMatchObject({ type: 'ByteLevel', use_regex: true });
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    expect(config).toMatchObject({
      tokenizer_type: 'bytespan',
      pad_token: PAD_TOKEN,
      unk_token: UNK_TOKEN,
      bos_token: EOS_TOKEN,
      eos_token: EOS_TOKEN,
      vocab_size: VOCAB.length,
    });
    const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    // The first 100 kB of each sample keep the test fast (HF's N-API encode is the slow part).
    for (const text of [...[...SAMPLES.values(), KJV].map((s) => s.slice(0, 100_000)), ...ADVERSARIAL]) {
      const ids = tok.encode(text);
      const theirs = (await hf.encode(text)).getIds();
      if (JSON.stringify(theirs) !== JSON.stringify(ids)) {
        expect([text.slice(0, 200), theirs.slice(0, 50)]).toEqual([text.slice(0, 200), ids.slice(0, 50)]);
      }
      // HF's per-token decoder cannot tell `###` at a pre-token start from a continuation.
      if (!/(^|[\s\p{L}\p{N}])##[^\s\p{L}\p{N}]/u.test(text.replace(/^ /, ''))) {
        expect(await hf.decode(ids, false)).toBe(text);
      }
    }
    expect(await hf.decode(tok.encode('\n### x'), false)).toBe('\n# x');
  });

  test('load → save → load is the identity; loadTokenizer dispatches on tokenizer_type', () => {
    const hub = new ByteSpanTokenizer({ vocab: VOCAB, ...BYTESPAN_HUB_COMPATIBLE, maxLength: 2048 });
    for (const original of [tok, hub]) {
      const a = path.join(tmp, `a-${original.prefixSpaceRule}`);
      const b = path.join(tmp, `b-${original.prefixSpaceRule}`);
      original.savePretrained(a);
      const loaded = loadTokenizer(a) as ByteSpanTokenizer;
      expect(loaded).toBeInstanceOf(ByteSpanTokenizer);
      expect(loaded.vocab).toEqual(original.vocab);
      for (const key of [
        'addPrefixSpace',
        'prefixSpaceRule',
        'maxInputCharsPerWord',
        'byteFallback',
        'modelMaxLength',
      ] as const) {
        expect(loaded[key]).toBe(original[key]);
      }
      expect([loaded.padToken, loaded.unkToken, loaded.bosToken, loaded.eosToken]).toEqual([
        original.padToken,
        original.unkToken,
        original.bosToken,
        original.eosToken,
      ]);
      for (const text of ADVERSARIAL) expect(loaded.encode(text)).toEqual(original.encode(text));
      loaded.savePretrained(b);
      for (const f of fs.readdirSync(a)) {
        expect(fs.readFileSync(path.join(b, f), 'utf8')).toBe(fs.readFileSync(path.join(a, f), 'utf8'));
      }
    }
  });

  test('a reference-published folder loads with its own ids, Hub-compatible, identical to HF', async () => {
    // The reference's base block order comes from a hash map: simulate it with a fixed permutation.
    const base = spanBaseVocab();
    const block = base.slice(259);
    const permuted = block.map((_, i) => block[(i * 37) % block.length]!);
    const vocab = [...base.slice(0, 259), ...permuted, ...VOCAB.slice(base.length)];
    const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
    const dir = path.join(tmp, 'reference');
    fs.mkdirSync(dir);
    const byteLevel = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    fs.writeFileSync(
      path.join(dir, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [0, 1, 258].map((id) => ({
          id,
          content: vocab[id],
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        })),
        normalizer: null,
        pre_tokenizer: byteLevel,
        post_processor: byteLevel,
        decoder: byteLevel,
        model: {
          type: 'WordPiece',
          unk_token: UNK_TOKEN,
          continuing_subword_prefix: '##',
          max_input_chars_per_word: 100,
          vocab: ids,
        },
      }),
    );
    const added = (content: string) => ({
      content,
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
    });
    fs.writeFileSync(
      path.join(dir, 'tokenizer_config.json'),
      JSON.stringify({
        add_prefix_space: true,
        bos_token: EOS_TOKEN,
        eos_token: added(EOS_TOKEN),
        pad_token: PAD_TOKEN,
        unk_token: UNK_TOKEN,
        model_max_length: 1e30,
        tokenizer_class: 'PreTrainedTokenizerFast',
      }),
    );
    fs.writeFileSync(path.join(dir, 'special_tokens_map.json'), JSON.stringify({ pad_token: PAD_TOKEN }));
    const ref = loadTokenizer(dir) as ByteSpanTokenizer;
    expect(ref).toBeInstanceOf(ByteSpanTokenizer);
    expect(ref.getVocab()).toEqual(new Map(Object.entries(ids)));
    expect([ref.prefixSpaceRule, ref.maxInputCharsPerWord, ref.byteFallback]).toEqual(['hub', 100, false]);
    expect([ref.padTokenId, ref.eosTokenId, ref.bosTokenId, ref.unkTokenId]).toEqual([0, 1, 1, 258]);
    const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    for (const text of [...ADVERSARIAL, ...[...SAMPLES.values()].map((s) => s.slice(0, 30_000))]) {
      expect((await hf.encode(text)).getIds()).toEqual(ref.encode(text));
    }
    // Without any config file the roles fall back to the §11 defaults.
    fs.rmSync(path.join(dir, 'tokenizer_config.json'));
    fs.rmSync(path.join(dir, 'special_tokens_map.json'));
    const bare = loadTokenizer(dir) as ByteSpanTokenizer;
    expect([bare.padTokenId, bare.eosTokenId, bare.unkTokenId]).toEqual([0, 1, 258]);
    expect(bare.encode(' ### x\n##. y')).toEqual(ref.encode(' ### x\n##. y'));
    // Overrides lift the limit (B3) on a reference tokenizer.
    const fixed = ByteSpanTokenizer.fromPretrained(dir, { maxInputCharsPerWord: null });
    expect(fixed.encode('q'.repeat(150))).not.toContain(fixed.unkTokenId);
  });

  test('bad files and vocabularies give clear errors', () => {
    const bad = path.join(tmp, 'bad');
    fs.mkdirSync(bad);
    const write = (model: object, extra: object = {}) =>
      fs.writeFileSync(
        path.join(bad, 'tokenizer.json'),
        JSON.stringify({ pre_tokenizer: { type: 'ByteLevel' }, ...extra, model }),
      );
    write({ type: 'BPE', vocab: {}, merges: [] });
    expect(() => ByteSpanTokenizer.fromPretrained(bad)).toThrow(
      /tokenizer\.json: model\.type is "BPE", expected "WordPiece"/,
    );
    write({ type: 'WordPiece', unk_token: 'u', vocab: { u: 0, a: 2 } });
    expect(() => ByteSpanTokenizer.fromPretrained(bad)).toThrow(/id of "a" must be an integer in \[0, 2\)/);
    write({ type: 'WordPiece', unk_token: 'x', vocab: { u: 0 } });
    expect(() => ByteSpanTokenizer.fromPretrained(bad)).toThrow(/unk_token "x" is not in model\.vocab/);
    write({ type: 'WordPiece', unk_token: 'u', continuing_subword_prefix: '@@', vocab: { u: 0 } });
    expect(() => ByteSpanTokenizer.fromPretrained(bad)).toThrow(/only "##" is supported/);
    write({ type: 'WordPiece', unk_token: 'u', vocab: { u: 0 } }, { normalizer: { type: 'Lowercase' } });
    expect(() => ByteSpanTokenizer.fromPretrained(bad)).toThrow(/normalizer .* is not supported/);
    expect(() => ByteSpanTokenizer.fromPretrained(path.join(tmp, 'missing'))).toThrow(/does not exist/);
    const edited = path.join(tmp, 'edited');
    tok.savePretrained(edited);
    const configFile = path.join(edited, 'tokenizer_config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, 'utf8')), max_input_chars_per_word: 100 }),
    );
    expect(() => loadTokenizer(edited)).toThrow(
      /tokenizer_config\.json: "max_input_chars_per_word" is 100 but tokenizer\.json gives null/,
    );
    expect(() => new ByteSpanTokenizer({ vocab: ['a', 'b', 'a'] })).toThrow(
      /vocab\[2\] "a" repeats vocab\[0\]/,
    );
    expect(() => new ByteSpanTokenizer({ vocab: ['a', ' b'] })).toThrow(/vocab\[1\]: character " "/);
    expect(() => new ByteSpanTokenizer({ vocab: ['a'], unkToken: '<|unk|>' })).toThrow(
      /is not in the vocabulary/,
    );
    expect(() => tok.decode([VOCAB.length])).toThrow(/id \d+ at position 0 is outside the vocabulary/);
  });
});

describe('BaseTokenizer API', () => {
  test('encodeBatch pads with <|padding|> (id 0); tokenize/tokenToId/idToToken agree', () => {
    const batch = tok.encodeBatch(['In the beginning', 'God'], { padding: true });
    expect(batch.inputIds[1]!.slice(-1)).toEqual([0]);
    expect(batch.attentionMask[1]!.at(-1)).toBe(0);
    expect(batch.inputIds[0]).toEqual(tok.encode('In the beginning'));
    for (const t of tok.tokenize('In the beginning God created'))
      expect(tok.idToToken(tok.tokenToId(t)!)).toBe(t);
    expect(tok.idToToken(-1)).toBeUndefined();
    expect(BYTE_TO_CHAR.every((c) => tok.tokenToId(c) !== undefined)).toBe(true);
  });
});
