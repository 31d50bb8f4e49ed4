/** Tokenizer training by type: each trainable class's static `train`, reached through the registry. */
import type { BaseTokenizer } from '../tokenizers/base.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import {
  listTrainableTokenizers,
  registerTokenizer,
  trainTokenizer,
  unregisterTokenizer,
} from '../tokenizers/registry.js';
import type { TokenizerTrainingData } from '../tokenizers/training.js';

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
