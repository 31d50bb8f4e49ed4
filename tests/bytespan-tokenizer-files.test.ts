/** ByteSpanTokenizer files (HF tokenizer.json round trips, reference-published folders, bad files) and the BaseTokenizer API. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer as HFTokenizer } from 'tokenizers';
import { BYTE_TO_CHAR } from '../tokenizers/byte-unicode.js';
import { EOS_TOKEN, PAD_TOKEN, spanBaseVocab, UNK_TOKEN } from '../tokenizers/bytespan/base-vocab.js';
import { BYTESPAN_HUB_COMPATIBLE, ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { NO_WORD_LIMIT } from '../tokenizers/io/index.js';
import { loadTokenizer } from '../tokenizers/registry.js';

import { ADVERSARIAL, KJV, SAMPLES, tokenizerFixture, VOCAB } from './bytespan-fixtures.js';

const fixture = tokenizerFixture();

describe('files: HF tokenizers round trip', () => {
  test('save → HF Tokenizer.fromFile gives identical ids; HF decode is lossless where HF can be', async () => {
    const dir = path.join(fixture.tmp, 'saved');
    fixture.tok.savePretrained(dir);
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
      const ids = fixture.tok.encode(text);
      const theirs = (await hf.encode(text)).getIds();
      if (JSON.stringify(theirs) !== JSON.stringify(ids)) {
        expect([text.slice(0, 200), theirs.slice(0, 50)]).toEqual([text.slice(0, 200), ids.slice(0, 50)]);
      }
      // HF's per-token decoder cannot tell `###` at a pre-token start from a continuation.
      if (!/(^|[\s\p{L}\p{N}])##[^\s\p{L}\p{N}]/u.test(text.replace(/^ /, ''))) {
        expect(await hf.decode(ids, false)).toBe(text);
      }
    }
    expect(await hf.decode(fixture.tok.encode('\n### x'), false)).toBe('\n# x');
  });

  test('load → save → load is the identity; loadTokenizer dispatches on tokenizer_type', () => {
    const hub = new ByteSpanTokenizer({ vocab: VOCAB, ...BYTESPAN_HUB_COMPATIBLE, maxLength: 2048 });
    for (const original of [fixture.tok, hub]) {
      const a = path.join(fixture.tmp, `a-${original.prefixSpaceRule}`);
      const b = path.join(fixture.tmp, `b-${original.prefixSpaceRule}`);
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
    const dir = path.join(fixture.tmp, 'reference');
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
    const bad = path.join(fixture.tmp, 'bad');
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
    expect(() => ByteSpanTokenizer.fromPretrained(path.join(fixture.tmp, 'missing'))).toThrow(
      /does not exist/,
    );
    const edited = path.join(fixture.tmp, 'edited');
    fixture.tok.savePretrained(edited);
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
    expect(() => fixture.tok.decode([VOCAB.length])).toThrow(
      /id \d+ at position 0 is outside the vocabulary/,
    );
  });
});

describe('BaseTokenizer API', () => {
  test('encodeBatch pads with <|padding|> (id 0); tokenize/tokenToId/idToToken agree', () => {
    const batch = fixture.tok.encodeBatch(['In the beginning', 'God'], { padding: true });
    expect(batch.inputIds[1]!.slice(-1)).toEqual([0]);
    expect(batch.attentionMask[1]!.at(-1)).toBe(0);
    expect(batch.inputIds[0]).toEqual(fixture.tok.encode('In the beginning'));
    for (const t of fixture.tok.tokenize('In the beginning God created'))
      expect(fixture.tok.idToToken(fixture.tok.tokenToId(t)!)).toBe(t);
    expect(fixture.tok.idToToken(-1)).toBeUndefined();
    expect(BYTE_TO_CHAR.every((c) => fixture.tok.tokenToId(c) !== undefined)).toBe(true);
  });
});
