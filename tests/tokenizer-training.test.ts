/** Tokenizer training by type: each trainable class's static `train` or registered trainer, reached through the registry. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { Cl100kTokenizer } from '../tokenizers/encodings.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';
import {
  listTrainableTokenizers,
  registerTokenizer,
  trainTokenizer,
  unregisterTokenizer,
} from '../tokenizers/registry.js';
import type { TokenizerTrainingData } from '../tokenizers/training.js';
import { BYTESPAN_TRAINING_DEFAULTS, trainByteSpanTokenizer } from '../trainers/bytespan-tokenizer.js';

const DOCS = ['the cat sat on the mat', 'the dog sat on the log\nand the cat ran'];
const data = (vocabSize?: number): TokenizerTrainingData => ({
  documents: async function* () {
    for (const d of DOCS) yield [d];
  },
  vocabSize,
});

test('bpe: the same merges as trainBPE on the documents joined by <|endoftext|>', async () => {
  const tok = (await trainTokenizer('bpe', data(270))) as BPETokenizer;
  expect(tok).toBeInstanceOf(BPETokenizer);
  const direct = await trainBPE({
    input: DOCS.join('<|endoftext|>'),
    vocabSize: 270,
    specialTokens: ['<|endoftext|>'],
  });
  expect(tok.vocabSize).toBe(270);
  expect(tok.merges).toEqual(direct.merges);
  expect(tok.encode('the cat<|endoftext|>')).toEqual(
    new BPETokenizer({ ...direct, specialTokens: ['<|endoftext|>'] }).encode('the cat<|endoftext|>'),
  );
  await expect(trainTokenizer('bpe', data())).rejects.toThrow(/needs a vocabulary size/);
});

test('documents as plain texts (string[]) train the same tokenizer as the function form; anything else is named', async () => {
  const fromTexts = (await trainTokenizer('bpe', { documents: DOCS, vocabSize: 270 })) as BPETokenizer;
  const fromFunction = (await trainTokenizer('bpe', data(270))) as BPETokenizer;
  expect(fromTexts.merges).toEqual(fromFunction.merges);
  expect(fromTexts.merges?.length).toBeGreaterThan(0);
  const bad = { documents: 'one long text' } as unknown as TokenizerTrainingData;
  await expect(trainTokenizer('char', bad)).rejects.toThrow(
    /documents must be a string\[\] \(one text per document\) or a function/,
  );
});

test('char: every character of the documents, in first-seen order, after the specials', async () => {
  const tok = (await trainTokenizer('char', data())) as CharacterTokenizer;
  expect(tok.untrained).toBe(false);
  expect([...tok.getVocab().keys()].slice(4).join('')).toBe('the casonmdgl\nr');
  expect(tok.decode(tok.encode(DOCS[1]!))).toBe(DOCS[1]);
  await expect(trainTokenizer('char', data(100))).rejects.toThrow(/vocabulary size does not apply/);
});

test('types without a trainer are named; a registered plugin brings its own', async () => {
  expect(listTrainableTokenizers()).toEqual(expect.arrayContaining(['bpe', 'character']));
  await expect(trainTokenizer('gpt2', data(10))).rejects.toThrow(
    /"gpt2" cannot be trained from data \(trainable: .*bpe/,
  );

  class Words extends CharacterTokenizer {
    static override readonly tokenizerType = 'words-test';
    static override async train(d: TokenizerTrainingData): Promise<CharacterTokenizer> {
      const tok = await super.train({ ...d, vocabSize: undefined });
      return tok;
    }
  }
  registerTokenizer('words-test', Words);
  try {
    expect(listTrainableTokenizers()).toContain('words-test');
    const tok: BaseTokenizer = await trainTokenizer('words-test', data(5));
    expect(tok).toBeInstanceOf(Words);
  } finally {
    unregisterTokenizer('words-test');
  }
});

test('fixed encodings cannot be trained: their inherited train is a clear error', async () => {
  await expect(GPT2Tokenizer.train(data(300))).rejects.toThrow(
    /GPT2Tokenizer\.train: "gpt2" is a fixed encoding .* train a "bpe" tokenizer instead/,
  );
  await expect(Cl100kTokenizer.train(data(300))).rejects.toThrow(/"cl100k_base" is a fixed encoding/);
  expect(listTrainableTokenizers()).not.toEqual(expect.arrayContaining(['gpt2']));
  expect(listTrainableTokenizers()).not.toEqual(expect.arrayContaining(['cl100k_base']));
});

test('bytespan: n-gram cues on the documents, then spans; ids round-trip and spans enter the vocabulary', async () => {
  const text = fs
    .readFileSync(path.join(import.meta.dirname, '..', 'data', 'kjv.txt'), 'utf8')
    .slice(0, 60_000);
  const lines = text.split('\n').filter((l) => l.length > 0);
  const docs: TokenizerTrainingData = {
    documents: async function* () {
      for (const l of lines) yield [l];
    },
    vocabSize: 900,
  };
  expect(listTrainableTokenizers()).toContain('bytespan');
  const tok = (await trainTokenizer('bytespan', docs)) as ByteSpanTokenizer;
  expect(tok).toBeInstanceOf(ByteSpanTokenizer);
  expect(tok.vocabSize).toBe(900);
  // The same as the pipeline by hand with the documented defaults (order 8, entropy, combined).
  const again = await trainByteSpanTokenizer(docs, BYTESPAN_TRAINING_DEFAULTS);
  expect(again.vocab).toEqual(tok.vocab);
  const other = await trainByteSpanTokenizer(docs, { order: 3, constraint: 'monotonic' });
  expect(other.vocab).not.toEqual(tok.vocab);
  // Beyond the 770 base entries: multi-byte spans such as the corpus's most common words.
  expect(tok.vocab.slice(770).some((t) => t === 'Ġthe' || t === 'Ġand')).toBe(true);
  const sample = lines[3]!;
  expect(tok.decode(tok.encode(sample))).toBe(sample);
  expect(tok.encode(sample).length).toBeLessThan(Buffer.byteLength(sample));
  await expect(trainTokenizer('bytespan', { ...docs, vocabSize: 700 })).rejects.toThrow(
    /smaller than the base vocabulary \(770 entries\)/,
  );
  await expect(trainTokenizer('bytespan', { ...docs, vocabSize: undefined })).rejects.toThrow(
    /needs a vocabulary size/,
  );
});
