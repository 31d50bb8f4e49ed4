/**
 * The tokenizer-file module (tokenizers/io/): each format written then read back gives the same data;
 * HF `tokenizers` reading the written files is tested per tokenizer (bpe-encoder, bytespan-tokenizer,
 * unigram tests).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { bundledGpt2Files } from '../tokenizers/gpt2.js';
import {
  configRoles,
  configSpecials,
  formatTiktoken,
  isHubWordPieceDirectory,
  parseTiktoken,
  readBPEDirectory,
  readBPETokenizerJson,
  readHubConfig,
  readTokenizerConfig,
  readUnigramTokenizerJson,
  readVocabAndMerges,
  readWordPieceTokenizerJson,
  unigramTokenizerJson,
  writeHuggingFaceFiles,
} from '../tokenizers/io/index.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-io-'));
const asArrays = (m: ReadonlyMap<number, Uint8Array>): Array<[number, number[]]> =>
  [...m].sort((a, b) => a[0] - b[0]).map(([id, b]) => [id, Array.from(b)]);

test('.tiktoken: GPT-2 ranks formatted and parsed back are the same 50,256 tokens', () => {
  const { vocab } = bundledGpt2Files();
  const back = parseTiktoken('gpt2.tiktoken', formatTiktoken(vocab));
  expect(back.size).toBe(50256);
  expect(asArrays(back)).toEqual(asArrays(vocab));
  expect(() => parseTiktoken('bad.tiktoken', 'IQ== 0\nIQ== 0\n')).toThrow(
    /bad\.tiktoken: line 2: rank 0 appears twice/,
  );
});

test('vocab.json + merges.txt and BPE tokenizer.json: written and read back with the same vocabulary, merges, specials', async () => {
  const trained = await trainBPE({
    input: 'the cat sat on the mat<|endoftext|>the dog sat on the log',
    vocabSize: 280,
    specialTokens: ['<|endoftext|>'],
  });
  const eot = [...trained.vocab].find(([, b]) => Buffer.from(b).toString() === '<|endoftext|>')![0];
  const specials: Array<[string, number]> = [['<|endoftext|>', eot]];
  const vocab = new Map([...trained.vocab].filter(([id]) => id !== eot));
  const dir = tmp();
  writeHuggingFaceFiles(dir, { vocab, merges: trained.merges, specials });
  const pair = readVocabAndMerges(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'), [
    '<|endoftext|>',
  ]);
  const json = readBPETokenizerJson(path.join(dir, 'tokenizer.json'));
  for (const files of [pair, json, readBPEDirectory(dir, ['<|endoftext|>'])]) {
    expect(asArrays(files.vocab)).toEqual(asArrays(vocab));
    expect(files.merges!.map(([a, b]) => [Array.from(a), Array.from(b)])).toEqual(
      trained.merges.map(([a, b]) => [Array.from(a), Array.from(b)]),
    );
    expect(files.specials).toEqual(specials);
  }
  // A merge that the vocabulary cannot make names its line.
  fs.appendFileSync(path.join(dir, 'merges.txt'), 'Ġzz q\n');
  expect(() => readVocabAndMerges(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'))).toThrow(
    /merges\.txt: line \d+: left token "Ġzz" is not in vocab\.json/,
  );
});

test('WordPiece tokenizer.json: a saved ByteSpan tokenizer reads back with the same entries and settings', () => {
  const tok = new ByteSpanTokenizer();
  const dir = tmp();
  tok.savePretrained(path.join(dir, 'ws'));
  const file = readWordPieceTokenizerJson(path.join(dir, 'ws', 'tokenizer.json'));
  expect(file.vocab).toEqual(tok.vocab);
  expect(file).toMatchObject({ addPrefixSpace: true, prefixSpaceRule: 'always', maxInputCharsPerWord: null });
  expect(file.addedTokens.map((t) => t.content)).toEqual(tok.allSpecialTokens);
  // Saved here: tokenizer_type is present, so it is not routed as a reference-published folder.
  expect(isHubWordPieceDirectory(path.join(dir, 'ws'))).toBe(false);
  fs.rmSync(path.join(dir, 'ws', 'tokenizer_config.json'));
  expect(isHubWordPieceDirectory(path.join(dir, 'ws'))).toBe(true);
});

test('Unigram tokenizer.json: pieces with scores and the added tokens read back', () => {
  const dir = tmp();
  const vocab: Array<[string, number]> = [
    ['a', -1.5],
    ['Ġb', -2.25],
    ['<|endoftext|>', 0],
  ];
  fs.writeFileSync(
    path.join(dir, 'tokenizer.json'),
    JSON.stringify(unigramTokenizerJson(vocab, [['<|endoftext|>', 2]])),
  );
  expect(readUnigramTokenizerJson(path.join(dir, 'tokenizer.json'))).toEqual({
    vocab,
    addedTokens: ['<|endoftext|>'],
  });
});

test('tokenizer_config.json is parsed in one place: specials, roles in every spelling, errors name the field', () => {
  const dir = tmp();
  const file = path.join(dir, 'tokenizer_config.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ tokenizer_type: 'bpe', eos_token: '<|e|>', pad_token: null, model_max_length: 64 }),
  );
  const config = readTokenizerConfig(dir, 'bpe');
  expect(configRoles(config, file)).toEqual({
    unkToken: null,
    padToken: null,
    bosToken: null,
    eosToken: '<|e|>',
  });
  expect(configSpecials(config, file)).toMatchObject({
    eosToken: '<|e|>',
    maxLength: 64,
    additionalSpecialTokens: [],
  });
  expect(() => readTokenizerConfig(dir, 'unigram')).toThrow(/tokenizer_type is "bpe", expected "unigram"/);
  fs.writeFileSync(file, JSON.stringify({ bos_token: { content: '<s>' }, unk_token: null }));
  fs.writeFileSync(
    path.join(dir, 'special_tokens_map.json'),
    JSON.stringify({ unk_token: '<unk>', eos_token: '</s>' }),
  );
  const hub = readHubConfig(dir, 'bytespan');
  expect([
    hub.role('bos_token'),
    hub.role('unk_token'),
    hub.role('eos_token'),
    hub.role('pad_token'),
  ]).toEqual(['<s>', null, '</s>', undefined]);
  fs.writeFileSync(file, JSON.stringify({ tokenizer_type: 'bpe', eos_token: 5 }));
  expect(() => configRoles(readTokenizerConfig(dir), file)).toThrow(/"eos_token" must be a string or null/);
});
