import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { GPTConfig } from '../config.js';
import { initBackend } from '../model/backend.js';
import { loadModel } from '../model/io.js';
import { getModel } from '../model/registry.js';
import type { TransformerModel } from '../model/transformer.js';
import type { BaseTokenizer } from '../tokenizers/base.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';
import { loadTokenizer } from '../tokenizers/registry.js';
import { trainUnigram } from '../tokenizers/unigram/trainer.js';
import { AdamW } from '../trainers/adamw.js';
import { decomposeVocabulary, pieceBytes } from '../transfer/decompose.js';
import { initEmbeddings } from '../transfer/heuristics.js';
import { tokenSurfaces } from '../transfer/surface.js';
import { checkPair, saveTransferred, sourceMatrix, transferModel } from '../transfer/transfer.js';

const root = path.resolve(import.meta.dirname, '..');
const kjv = fs.readFileSync(path.join(root, 'data/kjv.txt'), 'utf8').slice(0, 60_000);
const multi = fs
  .readdirSync(path.join(root, 'data/multilingual'))
  .map((f) => fs.readFileSync(path.join(root, 'data/multilingual', f), 'utf8').slice(0, 1500))
  .join('\n');

let bpe: BPETokenizer;
let bpeOther: BPETokenizer;
let unigram: BaseTokenizer;
let chars: CharacterTokenizer;
let bytespan: ByteSpanTokenizer;

async function bpeOf(text: string, vocabSize: number): Promise<BPETokenizer> {
  const { vocab, merges } = await trainBPE({ input: text, vocabSize, specialTokens: ['<|endoftext|>'] });
  return new BPETokenizer({ vocab, merges, specialTokens: ['<|endoftext|>'] });
}

beforeAll(async () => {
  await initBackend({ log: null });
  bpe = await bpeOf(kjv, 400);
  bpeOther = await bpeOf(kjv + multi, 700);
  unigram = trainUnigram([kjv, multi], { vocabSize: 500 }).tokenizer;
  chars = new CharacterTokenizer();
  chars.buildVocabFromTexts([kjv, multi]);
  bytespan = new ByteSpanTokenizer({ vocab: [...spanBaseVocab(), 'Ġthe', 'ĠLORD', '##ing', '##eth', 'and'] });
});

function tinyModel(vocabSize: number, paddingIdx: number | null): TransformerModel {
  const config = GPTConfig.create({
    modelType: 'Vanilla',
    vocabSize,
    paddingIdx,
    blockSize: 16,
    nEmbd: 16,
    nLayer: 1,
    nHead: 2,
    dropout: 0,
  });
  return getModel('Vanilla', config, { seed: 5 }).eval();
}

describe('decomposition', () => {
  test('round-trips the bytes of every token, for every tokenizer type as target and source', () => {
    const targets: Array<[string, BaseTokenizer]> = [
      ['bpe', bpeOther],
      ['unigram', unigram],
      ['character', chars],
      ['byte', new ByteLevelTokenizer()],
      ['bytespan', bytespan],
      ['gpt2', GPT2Tokenizer.fromPretrained()],
    ];
    for (const source of [bpe, unigram, chars, bytespan]) {
      const sourceSurfaces = tokenSurfaces(source);
      for (const [name, target] of targets) {
        if (name === 'gpt2' && source !== bpe) continue; // one 50k-token run is enough
        const d = decomposeVocabulary(source, target, 128);
        const surfaces = tokenSurfaces(target);
        expect([name, d.truncated, d.examples.truncated]).toEqual([name, 0, []]);
        const wrong: number[] = [];
        for (let t = 0; t < target.vocabSize; t++) {
          const bytes = surfaces[t];
          if (bytes !== null && !Buffer.from(pieceBytes(sourceSurfaces, d, t)).equals(bytes)) wrong.push(t);
        }
        expect([name, wrong]).toEqual([name, []]);
      }
    }
  });

  test('specials map by role, padding is a dedicated id, truncation and fallback are counted', () => {
    const d = decomposeVocabulary(bpe, chars, 2);
    const eos = chars.eosTokenId!;
    expect(d.specialSource[eos]).toBe(bpe.eosTokenId);
    expect(d.ids[eos * 2 + 1]).toBe(d.padId);
    expect(d.padId).toBe(bpe.vocabSize + 256);
    // <unk> has no counterpart in the BPE tokenizer (no unk token): decomposed as text and reported.
    expect(d.unmatchedSpecials).toEqual(['<unk>']);
    const long = decomposeVocabulary(new ByteLevelTokenizer(), bpeOther, 2);
    expect(long.truncated).toBeGreaterThan(0);
    expect(long.examples.truncated.length).toBeGreaterThan(0);
    // A character source covers only its characters: any other byte falls back to a byte row.
    const fromChars = decomposeVocabulary(chars, new ByteLevelTokenizer(), 4);
    expect(fromChars.fallback).toBeGreaterThan(100);
    expect(fromChars.ids[0xff * 4]).toBe(chars.vocabSize + 0xff);
  });
});

describe('heuristic initialisations', () => {
  // Toy source: the byte tokenizer with E[b] = (b, 2b); target tokens "ab" and "abc".
  const source = new ByteLevelTokenizer();
  const data = new Float32Array(source.vocabSize * 2);
  for (let id = 0; id < source.vocabSize; id++) data.set([id, 2 * id], id * 2);
  const matrix = { data, rows: source.vocabSize, cols: 2 };

  test('FVT is the mean of the pieces, first-piece the first row, shared tokens copied', () => {
    const target = new BPETokenizer({
      vocab: new Map([
        ...Array.from({ length: 256 }, (_, b) => [b, Uint8Array.of(b)] as [number, Uint8Array]),
        [256, Uint8Array.of(97, 98)],
        [257, Uint8Array.of(97, 98, 99)],
      ]),
      merges: [
        [Uint8Array.of(97), Uint8Array.of(98)],
        [Uint8Array.of(97, 98), Uint8Array.of(99)],
      ],
      specialTokens: ['<|endoftext|>'],
    });
    const d = decomposeVocabulary(source, target);
    const fvt = initEmbeddings('fvt', matrix, d);
    expect(Array.from(fvt.data.subarray(256 * 2, 258 * 2))).toEqual([97.5, 195, 98, 196]);
    expect(Array.from(fvt.data.subarray(120 * 2, 121 * 2))).toEqual([120, 240]);
    const first = initEmbeddings('first-piece', matrix, d);
    expect(Array.from(first.data.subarray(256 * 2, 258 * 2))).toEqual([97, 194, 97, 194]);
    // <|endoftext|> (eos) takes the byte tokenizer's eos row.
    expect(Array.from(fvt.data.subarray(258 * 2))).toEqual([source.eosTokenId!, 2 * source.eosTokenId!]);
    const random = initEmbeddings('random', matrix, d, { seed: 1 });
    expect(random.randomRows).toBe(258);
    expect(random.copiedRows).toBe(1);
  });

  test('lexical keeps every shared row bit-identical', () => {
    const model = tinyModel(bpe.vocabSize, bpe.padTokenId);
    const { model: moved, decomposition: d } = transferModel(model, bpe, bpeOther, { method: 'lexical' });
    const src = sourceMatrix(model);
    const dst = sourceMatrix(moved);
    let shared = 0;
    for (let t = 0; t < bpeOther.vocabSize; t++) {
      const s = d.sameSource[t]! >= 0 ? d.sameSource[t]! : d.specialSource[t]!;
      if (s < 0) continue;
      shared++;
      expect(dst.data.subarray(t * 16, (t + 1) * 16)).toEqual(src.data.subarray(s * 16, (s + 1) * 16));
    }
    expect(shared).toBeGreaterThan(300);
    model.dispose();
    moved.dispose();
  });
});

describe('transferred models', () => {
  test.each(['lexical', 'fvt'] as const)('A → A with %s reproduces the logits exactly', (method) => {
    const model = tinyModel(bpe.vocabSize, bpe.padTokenId);
    const { model: moved, report } = transferModel(model, bpe, bpe, { method });
    expect(report.overlap).toBe(1);
    const ids = [bpe.encode(' And God said, Let there be light').slice(0, 16)];
    const a = model.forward({ inputIds: ids }).logits.dataSync();
    const b = moved.forward({ inputIds: ids }).logits.dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    model.dispose();
    moved.dispose();
  });

  test('a transferred model saves, loads, generates and continues training', () => {
    const model = tinyModel(bpe.vocabSize, bpe.padTokenId);
    const { model: moved, report } = transferModel(model, bpe, unigram, { method: 'fvt' });
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-')), 'out');
    saveTransferred(dir, moved, unigram, report);
    expect(() => saveTransferred(dir, moved, unigram, report)).toThrow(/exists and is not empty/);
    const loaded = loadModel(dir).eval();
    const tok = loadTokenizer(path.join(dir, 'tokenizer'));
    checkPair(loaded, tok, dir);
    const prompt = tok.encode(' the LORD');
    const [row] = loaded.generate(prompt, { maxNewTokens: 5, seed: 1, temperature: 1 });
    expect(row!.length).toBe(prompt.length + 5);
    expect(typeof tok.decode(row!)).toBe('string');
    const ids = [tok.encode(kjv.slice(0, 400)).slice(0, 16)];
    const targets = [ids[0]!.slice(1).concat([tok.eosTokenId!])];
    const opt = new AdamW(loaded.namedParameters(), { learningRate: 3e-3 });
    loaded.train();
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      const { value, grads } = tf.variableGrads(() => loaded.forward({ inputIds: ids, targets }).loss!);
      losses.push(value.dataSync()[0]!);
      opt.applyGradients(Object.fromEntries(loaded.namedParameters().map(([n, v]) => [n, grads[v.name]!])));
    }
    expect(losses[7]!).toBeLessThan(losses[0]!);
    fs.rmSync(path.dirname(dir), { recursive: true });
    for (const m of [model, moved, loaded]) m.dispose();
  });

  test('a model and a tokenizer that do not belong together are rejected', () => {
    const model = tinyModel(bpe.vocabSize, bpe.padTokenId);
    expect(() => transferModel(model, unigram, bpe, { method: 'fvt' })).toThrow(
      new RegExp(
        `source: the model has ${bpe.vocabSize} token rows but the tokenizer \\(unigram\\) has 500 ids`,
      ),
    );
    expect(() => transferModel(model, bpe, unigram, { method: 'hypernet' })).toThrow(
      /needs a trained hypernetwork/,
    );
    expect(() => transferModel(model, bpe, unigram, { method: 'nearest' as 'fvt' })).toThrow(
      /unknown method "nearest"/,
    );
    model.dispose();
  });
});
