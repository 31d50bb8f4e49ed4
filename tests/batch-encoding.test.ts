import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { CharacterTokenizer } from '../tokenizers/character.js';

describe('encodeBatch padding, truncation and masks', () => {
  const t = new CharacterTokenizer();
  t.buildVocabFromTexts(['abcdef']);
  const texts = ['ab', 'abcd', 'a'];

  test('no padding: rows as encoded, mask all ones', () => {
    expect(t.encodeBatch(texts)).toEqual({
      inputIds: [[4, 5], [4, 5, 6, 7], [4]],
      attentionMask: [[1, 1], [1, 1, 1, 1], [1]],
    });
  });

  test('truncation without padding cuts rows', () => {
    expect(t.encodeBatch(texts, { truncation: true, maxLength: 3 }).inputIds).toEqual([
      [4, 5],
      [4, 5, 6],
      [4],
    ]);
  });

  test('padding true pads right with the pad id to the longest row', () => {
    const { inputIds, attentionMask } = t.encodeBatch(texts, { padding: true });
    expect(inputIds).toEqual([
      [4, 5, 1, 1],
      [4, 5, 6, 7],
      [4, 1, 1, 1],
    ]);
    expect(attentionMask).toEqual([
      [1, 1, 0, 0],
      [1, 1, 1, 1],
      [1, 0, 0, 0],
    ]);
  });

  test('padding true with maxLength but no truncation leaves longer rows long', () => {
    expect(t.encodeBatch(texts, { padding: true, maxLength: 3 }).inputIds).toEqual([
      [4, 5, 1],
      [4, 5, 6, 7],
      [4, 1, 1],
    ]);
  });

  test("padding 'max_length' with truncation gives exactly maxLength per row", () => {
    const { inputIds, attentionMask } = t.encodeBatch(texts, {
      padding: 'max_length',
      truncation: true,
      maxLength: 3,
    });
    expect(inputIds).toEqual([
      [4, 5, 1],
      [4, 5, 6],
      [4, 1, 1],
    ]);
    expect(attentionMask).toEqual([
      [1, 1, 0],
      [1, 1, 1],
      [1, 0, 0],
    ]);
  });

  test("'longest' ignores maxLength for the target", () => {
    expect(t.encodeBatch(['a', 'ab'], { padding: 'longest', maxLength: 5 }).inputIds).toEqual([
      [4, 1],
      [4, 5],
    ]);
  });

  test('encode options are forwarded (the reference drops them)', () => {
    expect(t.encodeBatch(['a'], { addSpecialTokens: true }).inputIds).toEqual([[2, 4, 3]]);
  });

  test('tensors are int32 [batch, length]; unequal rows are a clear error', () => {
    const { inputIds, attentionMask } = t.encodeBatch(texts, { padding: true, returnTensors: 'tf' });
    expect(inputIds.shape).toEqual([3, 4]);
    expect(inputIds.dtype).toBe('int32');
    expect(Array.from(attentionMask.dataSync())).toEqual([1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
    tf.dispose([inputIds, attentionMask]);
    expect(() => t.encodeBatch(texts, { returnTensors: 'tf' })).toThrow(/unequal lengths \(2, 4, 1\)/);
  });

  test('decode accepts tensors', () => {
    const ids = tf.tensor1d([4, 5], 'int32');
    expect(t.decode(ids)).toBe('ab');
    ids.dispose();
  });
});
