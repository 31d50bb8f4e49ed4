/** The hand-written GPT-2 scanner (tokenizers/pre-tokenizers/gpt2-scan.ts) against the pattern it implements. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { pretokenize } from '../tokenizers/pre-tokenizers/gpt2-pattern.js';
import { scanPieces } from '../tokenizers/pre-tokenizers/gpt2-scan.js';
import { trickyText } from './tokenizer-fixtures.js';

const DATA = path.join(import.meta.dirname, '..', 'data');

describe('pre-tokenizer scanner', () => {
  test('equals the GPT-2 regex on arbitrary text', () => {
    fc.assert(
      fc.property(trickyText, (s) => expect(scanPieces(s)).toEqual(pretokenize(s))),
      { numRuns: 3000 },
    );
    const corpus = fs.readFileSync(path.join(DATA, 'multilingual', 'zh.txt'), 'utf8');
    expect(scanPieces(corpus)).toEqual(pretokenize(corpus));
  });
});
