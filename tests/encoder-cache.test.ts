/** The encoder cache of the bundled encodings (tokenizers/io/encoder-cache.ts). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEncoderData } from '../tokenizers/bpe/encoder-data.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { bundledGpt2Files, GPT2_EOT_ID, GPT2Tokenizer } from '../tokenizers/gpt2.js';
import { encoderCacheKey, readEncoderCache, writeEncoderCache } from '../tokenizers/io/encoder-cache.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-encoder-cache-'));
process.env.CLEANGPT_CACHE_DIR = dir;
const TEXT = "Hello world! It's 2024 — naïve café, 日本語, emoji 🙂\n\n  spaces<|endoftext|>end";

test('tables written and read back are identical, and a tokenizer built on them encodes identically', () => {
  const files = bundledGpt2Files();
  const { data } = buildEncoderData({
    vocab: files.vocab,
    merges: null,
    specialTokenIds: { '<|endoftext|>': GPT2_EOT_ID },
  });
  const key = encoderCacheKey('gpt2-test', 'ranks', '1');
  expect(readEncoderCache(key)).toBeNull();
  writeEncoderCache(key, data);
  const back = readEncoderCache(key)!;
  for (const k of [
    'tokenBytes',
    'tokenOffsets',
    'pairLeft',
    'pairRight',
    'pairRank',
    'pairResult',
  ] as const) {
    const bytes = (a: Uint8Array | Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(back[k]).equals(bytes(data[k]))).toBe(true);
  }
  expect({
    ...back,
    tokenBytes: 0,
    tokenOffsets: 0,
    pairLeft: 0,
    pairRight: 0,
    pairRank: 0,
    pairResult: 0,
  }).toEqual({
    ...data,
    tokenBytes: 0,
    tokenOffsets: 0,
    pairLeft: 0,
    pairRight: 0,
    pairRank: 0,
    pairResult: 0,
  });
  const fromRanks = new BPETokenizer({
    vocab: files.vocab,
    merges: null,
    specialTokenIds: { '<|endoftext|>': 50256 },
  });
  const fromCache = new BPETokenizer({ encoderData: back });
  expect(fromCache.encode(TEXT)).toEqual(fromRanks.encode(TEXT));
  expect(fromCache.decode(fromCache.encode(TEXT))).toBe(TEXT);
  // The ordinary vocabulary is derived from the tables on demand, equal to the parsed one.
  expect(fromCache.vocab.size).toBe(fromRanks.vocab.size);
  expect(fromCache.getVocab().get('Ġworld')).toBe(fromRanks.getVocab().get('Ġworld'));
  // Another key (another package version) does not read it.
  expect(readEncoderCache(encoderCacheKey('gpt2-test', 'ranks', '2'))).toBeNull();
});

test('GPT-2 writes its cache on first load and reads it afterwards; a damaged cache is rebuilt', () => {
  const first = new GPT2Tokenizer();
  const file = path.join(dir, 'gpt2.encoder.bin');
  expect(fs.existsSync(file)).toBe(true);
  const ids = first.encode(TEXT);
  expect(new GPT2Tokenizer().encode(TEXT)).toEqual(ids);
  fs.truncateSync(file, 1000);
  expect(new GPT2Tokenizer().encode(TEXT)).toEqual(ids);
  expect(fs.statSync(file).size).toBeGreaterThan(1000);
  fs.writeFileSync(file, 'not a cache');
  expect(new GPT2Tokenizer().encode(TEXT)).toEqual(ids);
});
