import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import { readDocuments } from '../utils/corpus.js';
import { DataLoader, IndexPermutation } from '../utils/data-loader.js';
import { TokenFile } from '../utils/token-file.js';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-data-'));

async function collect(inputs: string[], options = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const doc of readDocuments(inputs, options)) out.push([...doc].join(''));
  return out;
}

describe('reading documents', () => {
  test('plain text (one document per file, or split on a separator), JSONL with field detection, folders', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.txt'), 'first doc\n\nsecond doc\n');
    fs.writeFileSync(path.join(dir, 'b.jsonl'), '{"id": 1, "story": "once"}\n\n{"id": 2, "story": "upon"}\n');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'c.jsonl'), '{"body": "x", "content": "a time"}\n');
    expect(await collect([dir])).toEqual(['first doc\n\nsecond doc\n', 'once', 'upon', 'a time']);
    expect(await collect([path.join(dir, 'a.txt')], { documentSeparator: '\n\n' })).toEqual([
      'first doc',
      'second doc\n',
    ]);
    expect(await collect([path.join(dir, 'sub', 'c.jsonl')], { textField: 'body' })).toEqual(['x']);
  });

  test('Parquet shards (Hugging Face datasets) are read column by column', async () => {
    const dir = tmp();
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [1, 2, 3], type: 'INT32' },
        { name: 'text', data: ['alpha', 'beta', 'gamma'], type: 'STRING' },
      ],
      rowGroupSize: 2,
    });
    fs.writeFileSync(path.join(dir, 'train.parquet'), Buffer.from(buffer));
    expect(await collect([path.join(dir, 'train.parquet')])).toEqual(['alpha', 'beta', 'gamma']);
    await expect(collect([path.join(dir, 'train.parquet')], { textField: 'nope' })).rejects.toThrow(
      /train\.parquet: no text column "nope"; columns: id, text/,
    );
  });

  test('streamed chunks decode multi-byte characters cut at chunk boundaries', async () => {
    const dir = tmp();
    const text = 'añ😀漢'.repeat(50);
    fs.writeFileSync(path.join(dir, 'u.txt'), text);
    expect(await collect([path.join(dir, 'u.txt')], { chunkBytes: 7 })).toEqual([text]);
  });

  test('bad input names the file and the problem', async () => {
    const dir = tmp();
    await expect(collect([path.join(dir, 'missing.txt')])).rejects.toThrow(
      /missing\.txt: data file not found/,
    );
    fs.writeFileSync(path.join(dir, 'bad.txt'), Buffer.from([0x61, 0x62, 0x63, 0xff, 0x64]));
    await expect(collect([path.join(dir, 'bad.txt')], { chunkBytes: 2 })).rejects.toThrow(
      /bad\.txt: not valid UTF-8 \(malformed sequence at byte offset 3\)/,
    );
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"text": "ok"}\n{oops\n');
    await expect(collect([path.join(dir, 'bad.jsonl')])).rejects.toThrow(
      /bad\.jsonl: line 2 is not valid JSON/,
    );
    // Any other extension is text (source code, CSV as text); a binary one fails the UTF-8 check.
    fs.writeFileSync(path.join(dir, 'x.csv'), 'a,b\n1,2');
    fs.writeFileSync(path.join(dir, 'tokens.bin'), Buffer.from([0x01, 0xfe, 0x00, 0xff]));
    fs.writeFileSync(path.join(dir, 'x.json'), '{"text": "a"}');
    expect(await collect([path.join(dir, 'x.csv')])).toEqual(['a,b\n1,2']);
    await expect(collect([path.join(dir, 'tokens.bin')])).rejects.toThrow(/tokens\.bin: not valid UTF-8/);
    await expect(collect([path.join(dir, 'x.json')])).rejects.toThrow(
      /x\.json: JSON files are not a text source/,
    );
  });
});

describe('token files', () => {
  test('documents are joined by EOS; uint16 for small vocabularies; metadata records bytes', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'd.jsonl'), '{"text": "hé"}\n{"text": "yo"}\n');
    const tok = new ByteLevelTokenizer();
    const result = await tokenizeToFile(tok, [path.join(dir, 'd.jsonl')], path.join(dir, 'out', 'train.bin'));
    expect(result).toMatchObject({ numTokens: 6, numDocuments: 2, numBytes: 5 });
    const file = new TokenFile(path.join(dir, 'out', 'train.bin'));
    expect(file.meta.dtype).toBe('uint16');
    expect(Array.from(file.read(0, new Int32Array(6)))).toEqual([
      0x68,
      0xc3,
      0xa9,
      tok.eosTokenId!,
      0x79,
      0x6f,
    ]);
    expect(fs.statSync(path.join(dir, 'out', 'train.bin')).size).toBe(12);
    file.close();
  });

  test('an empty dataset is an error and leaves no token file', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'empty.jsonl'), '\n');
    await expect(
      tokenizeToFile(new ByteLevelTokenizer(), [path.join(dir, 'empty.jsonl')], path.join(dir, 't.bin')),
    ).rejects.toThrow(/the dataset is empty/);
    expect(fs.readdirSync(dir)).toEqual(['empty.jsonl']);
  });
});

describe('DataLoader', () => {
  async function makeFile(n: number): Promise<string> {
    const dir = tmp();
    const tok = new CharacterTokenizer();
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    tok.buildVocabFromTexts([alphabet]);
    const text = Array.from({ length: n }, (_, i) => alphabet[i % 26]).join('');
    fs.writeFileSync(path.join(dir, 'c.txt'), text);
    await tokenizeToFile(tok, [path.join(dir, 'c.txt')], path.join(dir, 'c.bin'));
    return path.join(dir, 'c.bin');
  }

  test('targets are the next tokens; validation blocks come from the end and never overlap training', async () => {
    const file = await makeFile(101);
    const loader = new DataLoader(file, { blockSize: 10, batchSize: 3, valFraction: 0.2, seed: 1 });
    expect([loader.numTrainBlocks, loader.numValBlocks]).toEqual([8, 2]);
    const seen = new Set<number>();
    for (const batch of loader.epoch('train', 0)) {
      for (let r = 0; r < batch.batchSize; r++) {
        const row = batch.inputIds.subarray(r * 10, r * 10 + 10);
        const next = batch.targets.subarray(r * 10, r * 10 + 10);
        for (let t = 0; t < 9; t++) expect(next[t]).toBe(row[t + 1]);
        seen.add(row[0]!);
      }
    }
    const val = [...loader.epoch('val')];
    expect(val.map((b) => b.batchSize)).toEqual([2]);
    expect(Array.from(val[0]!.inputIds.subarray(0, 3))).toEqual([
      4 + (80 % 26),
      4 + (81 % 26),
      4 + (82 % 26),
    ]);
    loader.close();
  });

  test('shuffling is seeded: same seed and epoch give the same batches, other epochs differ', async () => {
    const file = await makeFile(2001);
    const a = new DataLoader(file, { blockSize: 8, batchSize: 4, seed: 7 });
    const b = new DataLoader(file, { blockSize: 8, batchSize: 4, seed: 7 });
    expect(a.batch('train', 3, 5)).toEqual(b.batch('train', 3, 5));
    expect(a.batch('train', 3, 5).inputIds).not.toEqual(a.batch('train', 4, 5).inputIds);
    a.close();
    b.close();
  });

  test('data shorter than one block is reported', async () => {
    const file = await makeFile(5);
    expect(() => new DataLoader(file, { blockSize: 8, batchSize: 1 })).toThrow(
      /5 tokens is shorter than one block \(blockSize 8 needs 9\)/,
    );
  });

  test('the index permutation is a bijection for any size and seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer(), (n, seed) => {
        const p = new IndexPermutation(n, seed);
        const seen = new Uint8Array(n);
        for (let i = 0; i < n; i++) seen[p.at(i)]! += 1;
        expect(seen.every((c) => c === 1)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
