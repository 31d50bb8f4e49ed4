import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { tokenizeToFile } from '../tokenizers/file-codec.js';
import { readCorpus } from '../utils/corpus.js';

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
