import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Tokenizer as HFTokenizer } from 'tokenizers';
import { bytesToDisplay } from '../tokenizers/byte-unicode.js';
import { loadTokenizer, trainTokenizer } from '../tokenizers/registry.js';
import { UnigramModel } from '../tokenizers/unigram/model.js';
import { UnigramTokenizer } from '../tokenizers/unigram/tokenizer.js';
import { digamma, trainUnigram } from '../tokenizers/unigram/trainer.js';

const root = path.resolve(import.meta.dirname, '..');
const kjv = fs.readFileSync(path.join(root, 'data/kjv.txt'), 'utf8');
const multilingual = fs
  .readdirSync(path.join(root, 'data/multilingual'))
  .map((f) => fs.readFileSync(path.join(root, 'data/multilingual', f), 'utf8').slice(0, 3000));

/** Every segmentation of `bytes` by brute force; returns the best total score. */
function bruteBest(pieces: Uint8Array[], scores: number[], bytes: Uint8Array, from = 0): number {
  if (from === bytes.length) return 0;
  let best = Number.NEGATIVE_INFINITY;
  pieces.forEach((p, id) => {
    if (p.length > bytes.length - from) return;
    for (let k = 0; k < p.length; k++) if (p[k] !== bytes[from + k]) return;
    best = Math.max(best, scores[id]! + bruteBest(pieces, scores, bytes, from + p.length));
  });
  return best;
}

const ALL_BYTES = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));

describe('Viterbi', () => {
  test('finds the brute-force optimum on small random vocabularies', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ minLength: 2, maxLength: 4 }).map((a) => a.map((b) => 97 + (b % 3))),
          {
            maxLength: 12,
          },
        ),
        fc.array(fc.double({ min: -8, max: -0.1, noNaN: true }), { minLength: 268, maxLength: 268 }),
        fc.uint8Array({ minLength: 1, maxLength: 9 }).map((a) => a.map((b) => 97 + (b % 3))),
        (extra, rawScores, text) => {
          const seen = new Set<string>();
          const pieces = [...ALL_BYTES];
          for (const p of extra) {
            if (seen.has(p.join())) continue;
            seen.add(p.join());
            pieces.push(p);
          }
          const scores = rawScores.slice(0, pieces.length);
          const model = new UnigramModel(pieces, scores);
          const ids = model.encodeBytes(text);
          const total = ids.reduce((a, id) => a + scores[id]!, 0);
          expect(total).toBeCloseTo(bruteBest(pieces, scores, text), 9);
          expect(Buffer.concat(ids.map((id) => pieces[id]!))).toEqual(Buffer.from(text));
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });

  test('a model without every single byte is rejected, naming the byte', () => {
    expect(() => new UnigramModel(ALL_BYTES.slice(1), new Array(255).fill(-1))).toThrow(
      /no piece for byte 0x00/,
    );
  });
});

describe('trained Unigram tokenizer', () => {
  const text = kjv.slice(0, 200_000);
  const { tokenizer, rounds } = trainUnigram([text], { vocabSize: 600 });
  const samples = [kjv.slice(500_000, 503_000), ...multilingual, 'emoji 👋🏽 and a lone \ud800 surrogate'];

  test('reaches the vocabulary size with all bytes and the special last', () => {
    expect(tokenizer.vocabSize).toBe(600);
    expect(tokenizer.eosTokenId).toBe(599);
    for (let b = 0; b < 256; b++) expect(tokenizer.tokenToId(bytesToDisplay([b]))).toBeDefined();
    expect(rounds.length).toBeGreaterThan(2);
    // Each pruning round shrinks the vocabulary.
    for (let r = 1; r < rounds.length; r++) expect(rounds[r]!.size).toBeLessThan(rounds[r - 1]!.size);
    expect(tokenizer.tokenize(' the LORD')).toEqual(['Ġthe', 'ĠLORD']);
  });

  test('decodes losslessly, multilingual text and specials included', () => {
    for (const s of samples) {
      const wellFormed = s.toWellFormed();
      expect(tokenizer.decode(tokenizer.encode(s))).toBe(wellFormed);
    }
    const ids = tokenizer.encode('a<|endoftext|>b');
    expect(ids).toContain(599);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('ab');
  });

  test('compresses better than bytes on held-out text', () => {
    const held = kjv.slice(1_000_000, 1_050_000);
    expect(tokenizer.encode(held).length).toBeLessThan(Buffer.byteLength(held) / 2);
  });

  test('tokenizer.json round trip: HF tokenizers (Unigram model) gives the same ids', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unigram-'));
    tokenizer.savePretrained(dir);
    const again = loadTokenizer(dir);
    expect(again).toBeInstanceOf(UnigramTokenizer);
    const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    for (const s of samples.map((x) => x.toWellFormed())) {
      const ours = tokenizer.encode(s);
      expect(again.encode(s)).toEqual(ours);
      expect((await hf.encode(s)).getIds()).toEqual(ours);
      expect(await hf.decode(ours, false)).toBe(s);
    }
    fs.rmSync(dir, { recursive: true });
  });
});

test('single bytes with a vanishing expected count keep finite scores (regression)', () => {
  // This slice and size once drove a byte's expected count to ~1e-320, where digamma is −∞.
  const { tokenizer } = trainUnigram([kjv.slice(420_000, 510_000)], { vocabSize: 1536 });
  expect(tokenizer.vocabSize).toBe(1536);
  expect(tokenizer.scores.every(Number.isFinite)).toBe(true);
});

test('trains by type through the registry (cleangpt train --tokenizer unigram)', async () => {
  const documents = async function* () {
    yield [kjv.slice(0, 30_000)];
    yield [kjv.slice(30_000, 60_000)];
  };
  const tokenizer = await trainTokenizer('unigram', { documents, vocabSize: 400 });
  expect(tokenizer).toBeInstanceOf(UnigramTokenizer);
  expect(tokenizer.vocabSize).toBe(400);
  await expect(trainTokenizer('unigram', { documents })).rejects.toThrow(/needs a vocabulary size/);
});

test('digamma matches known values', () => {
  expect(digamma(1)).toBeCloseTo(-0.5772156649, 9);
  expect(digamma(0.5)).toBeCloseTo(-1.963510026, 9);
  expect(digamma(10)).toBeCloseTo(2.2517525891, 9);
});

test('bad training input is a clear error', () => {
  expect(() => trainUnigram(['abc'], { vocabSize: 100 })).toThrow(/vocabSize must be an integer ≥ 256 \+ 1/);
  expect(() => trainUnigram([''], { vocabSize: 300 })).toThrow(/training text is empty/);
});
