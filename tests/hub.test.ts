import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseHubPath, resolveHubFile, resolveInputs } from '../utils/hub.js';

describe('Hugging Face Hub cache', () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-hub-'));

  test('parses dataset paths with an optional revision', () => {
    expect(parseHubPath('hf://datasets/roneneldan/TinyStories/data/train.parquet@v2')).toEqual({
      kind: 'datasets',
      repo: 'roneneldan/TinyStories',
      file: 'data/train.parquet',
      revision: 'v2',
    });
    expect(() => parseHubPath('hf://nope')).toThrow(/is not a Hub path/);
  });

  test('downloads once into the cache, then works offline from it', async () => {
    const urls: string[] = [];
    const fetchOk = (async (url: string) => {
      urls.push(url);
      return new Response('hello hub');
    }) as typeof fetch;
    const spec = 'hf://datasets/acme/tiny/train.txt';
    const local = await resolveHubFile(spec, { cacheDir, fetch: fetchOk });
    expect(fs.readFileSync(local, 'utf8')).toBe('hello hub');
    expect(urls).toEqual(['https://huggingface.co/datasets/acme/tiny/resolve/main/train.txt']);
    const offline = (async () => {
      throw new Error('network unreachable');
    }) as typeof fetch;
    expect(await resolveInputs([spec, '/local/file.txt'], { cacheDir, fetch: offline })).toEqual([
      local,
      '/local/file.txt',
    ]);
  });

  test('offline without a cached copy names the file and where the cache expects it', async () => {
    const offline = (async () => {
      throw new Error('network unreachable');
    }) as typeof fetch;
    await expect(
      resolveHubFile('hf://datasets/acme/tiny/other.txt', { cacheDir, fetch: offline }),
    ).rejects.toThrow(
      /cannot download hf:\/\/datasets\/acme\/tiny\/other\.txt \(network unreachable\); offline runs need it in the cache at .*other\.txt/,
    );
    const notFound = (async () => new Response('', { status: 404 })) as typeof fetch;
    await expect(
      resolveHubFile('hf://datasets/acme/tiny/x.txt', { cacheDir, fetch: notFound }),
    ).rejects.toThrow(/HTTP 404/);
  });
});
