import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import { readCorpus } from '../utils/corpus.js';
import { readTextChunks } from '../utils/text-stream.js';
import { firstInvalidUtf8Offset } from '../utils/utf8.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-corpus-'));
  fs.mkdirSync(path.join(dir, 'folder'));
  fs.writeFileSync(path.join(dir, 'folder', 'a.txt'), 'first document\nstill the first');
  fs.writeFileSync(path.join(dir, 'folder', 'b.jsonl'), '{"text": "second"}\n{"text": "third é"}\n');
  fs.writeFileSync(path.join(dir, 'bad.txt'), Buffer.from('ab \xff cd', 'latin1'));
  fs.writeFileSync(
    path.join(dir, 'bad.jsonl'),
    Buffer.concat([Buffer.from('{"text": "x'), Buffer.from([0xc3]), Buffer.from('"}\n')]),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function documents(
  inputs: string[],
  options: Parameters<typeof readCorpus>[1] = {},
): Promise<string[]> {
  const out: string[] = [];
  for await (const doc of readCorpus(inputs, options)) out.push([...doc].join(''));
  return out;
}

test('folders, text and JSONL in one reader; the progress bar changes nothing read', async () => {
  const plain = await documents([path.join(dir, 'folder')]);
  expect(plain).toEqual(['first document\nstill the first', 'second', 'third é']);
  expect(await documents([path.join(dir, 'folder')], { progress: 'reading', chunkBytes: 4 })).toEqual(plain);
  expect(await documents([path.join(dir, 'folder')], { documentSeparator: '\n' })).toEqual([
    'first document',
    'still the first',
    'second',
    'third é',
  ]);
});

test('malformed UTF-8: an error naming the file and offset, or U+FFFD when asked', async () => {
  const bad = path.join(dir, 'bad.txt');
  await expect(documents([bad])).rejects.toThrow(
    `${bad}: not valid UTF-8 (malformed sequence at byte offset 3)`,
  );
  expect(await documents([bad], { invalidUtf8: 'replace' })).toEqual(['ab \ufffd cd']);
  const badJsonl = path.join(dir, 'bad.jsonl');
  await expect(documents([badJsonl])).rejects.toThrow(`${badJsonl}: not valid UTF-8`);
  expect(await documents([badJsonl], { invalidUtf8: 'replace' })).toEqual(['x\ufffd']);
});

test('tokenizeToFile reads through it (the policy included)', async () => {
  const out = path.join(dir, 'bad.bin');
  await expect(tokenizeToFile(new ByteLevelTokenizer(), [path.join(dir, 'bad.txt')], out)).rejects.toThrow(
    'not valid UTF-8',
  );
  const result = await tokenizeToFile(new ByteLevelTokenizer(), [path.join(dir, 'bad.txt')], out, {
    invalidUtf8: 'replace',
  });
  expect(result.numBytes).toBe(Buffer.byteLength('ab \ufffd cd'));
});

test('chunked decoding equals decoding the whole file, at any chunk size (BOM, bad and cut sequences)', () => {
  // Valid characters of 1–4 bytes, a BOM, lone continuation bytes, truncated and invalid lead bytes.
  const piece = fc.constantFrom(
    [0x61],
    [0x0a],
    [0xc3, 0xa9],
    [0xe6, 0xbc, 0xa2],
    [0xf0, 0x9f, 0x98, 0x80],
    [0xef, 0xbb, 0xbf],
    [0x80],
    [0xe6, 0xbc],
    [0xf0, 0x9f],
    [0xff],
    [0xc0, 0xaf],
  );
  const file = path.join(dir, 'fuzz.txt');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 9 }), (pieces, chunkBytes) => {
      const bytes = Uint8Array.from(pieces.flat());
      fs.writeFileSync(file, bytes);
      // The whole-file decoders drop a BOM at the start only, as the reader does.
      const replaced = new TextDecoder('utf-8').decode(bytes);
      expect([...readTextChunks(file, chunkBytes, 'replace')].join('')).toBe(replaced);
      const bad = firstInvalidUtf8Offset(bytes);
      if (bad < 0) expect([...readTextChunks(file, chunkBytes)].join('')).toBe(replaced);
      else
        expect(() => [...readTextChunks(file, chunkBytes)]).toThrow(
          `${file}: not valid UTF-8 (malformed sequence at byte offset ${bad})`,
        );
    }),
    { numRuns: 300 },
  );
});
