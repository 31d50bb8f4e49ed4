/**
 * The one worker pool (utils/worker-pool.ts) and its three users, each fuzzed against its simple
 * single-thread path: pre-token counting, batch encoding and the pool's own request/reply protocol
 * (errors, order, bounded dispatch), and the compiled URLs workers import. The span pass is compared in
 * bytespan-span-pool.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { countBlocks } from '../tokenizers/bpe/count-pool.js';
import type { CountInit, CountReply, CountRequest } from '../tokenizers/bpe/count-worker.js';
import { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { trainBPE } from '../tokenizers/bpe/trainer.js';
import { checkWorkerCount, defaultWorkerCount, WorkerPool } from '../utils/worker-pool.js';
import { compiledModuleUrl, compiledWorkerUrl } from '../utils/worker-url.js';

const EOT = '<|endoftext|>';
const countScript = () =>
  compiledWorkerUrl(new URL('../tokenizers/bpe/count-pool.ts', import.meta.url).href, 'count-worker.js');

const pieceText = fc
  .array(fc.constantFrom('a', 'bc', ' ', ' d', '\n', '\n\n', '中文', "'s", EOT, '\t', '🙂', ''), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

const sortedCounts = (m: Map<string, number>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('compiled module URLs (what a worker imports)', () => {
  const root = path.resolve(import.meta.dirname, '..');
  test('a .ts source of this package maps to its .js under dist/; other URLs are imported as given', () => {
    expect(compiledModuleUrl(pathToFileURL(path.join(root, 'examples', 'chars-per-token.ts')).href)).toEqual(
      pathToFileURL(path.join(root, 'dist', 'examples', 'chars-per-token.js')),
    );
    for (const url of [
      'file:///elsewhere/metric.ts',
      'file:///elsewhere/metric.js',
      'data:text/javascript,1',
    ])
      expect(compiledModuleUrl(url).href).toBe(url);
    const missing = path.join(root, 'tests', 'no-such-module.ts');
    expect(() => compiledModuleUrl(pathToFileURL(missing).href)).toThrow(
      `compiled module ${path.join(root, 'dist', 'tests', 'no-such-module.js')} not found: run \`npm run build\` first`,
    );
  });
});

describe('worker count', () => {
  test('one default, checked once', () => {
    expect(defaultWorkerCount()).toBeGreaterThanOrEqual(1);
    expect(defaultWorkerCount()).toBeLessThanOrEqual(8);
    expect(checkWorkerCount(3)).toBe(3);
    expect(() => checkWorkerCount(0)).toThrow('numWorkers must be a positive integer, got 0');
    expect(() => checkWorkerCount(1.5)).toThrow('got 1.5');
  });
});

describe('WorkerPool protocol', () => {
  test('a failing request is an error naming the script; the worker goes on serving', async () => {
    const pool = new WorkerPool<CountRequest, CountReply, CountInit>(countScript(), {
      numWorkers: 1,
      init: { specials: [] },
    });
    try {
      const bad = { texts: null } as unknown as CountRequest; // not iterable: the handler throws
      await expect(pool.request(0, bad)).rejects.toThrow(/count-worker\.js worker 0 failed/);
      expect(await pool.request(0, { texts: ['ab ab'] })).toEqual({ chars: 5 });
      // Synchronous waiting sees the same replies, in request order.
      const replies = pool.mapSync([{ texts: ['x'] }, { texts: ['yy', 'zzz'] }, { texts: [] }]);
      expect(replies).toEqual([{ chars: 1 }, { chars: 5 }, { chars: 0 }]);
      expect(() => pool.mapSync([{ texts: ['x'] }, bad])).toThrow(/failed/);
    } finally {
      await pool.close();
    }
  });

  test('dispatch keeps at most maxQueued waiting per worker and answers every request', async () => {
    const pool = new WorkerPool<CountRequest, CountReply, CountInit>(countScript(), {
      numWorkers: 2,
      init: { specials: [] },
    });
    try {
      let most = 0;
      let chars = 0;
      const requests = function* () {
        for (let i = 0; i < 40; i++) {
          most = Math.max(most, pool.pending(0), pool.pending(1));
          yield { texts: ['word '.repeat(i)] };
        }
      };
      await pool.dispatch(requests(), (reply) => {
        if ('chars' in reply) chars += reply.chars;
      });
      expect(most).toBeLessThanOrEqual(2);
      expect(chars).toBe(5 * ((39 * 40) / 2));
    } finally {
      await pool.close();
    }
  });
});

describe('WorkerPool: a worker that cannot start or dies is an error naming its script', () => {
  let dir: string;
  // Each script with the error its pool must report.
  let cases: Array<[URL, RegExp]>;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-pool-'));
    const script = (name: string, text: string): URL => {
      fs.writeFileSync(path.join(dir, name), text);
      return pathToFileURL(path.join(dir, name));
    };
    const onRequest = "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => ";
    cases = [
      [
        pathToFileURL(path.join(dir, 'missing-worker.mjs')),
        /missing-worker\.mjs worker \d failed to start: .*Cannot find module/,
      ],
      [
        script('broken-worker.mjs', "throw new Error('broken at load');\n"),
        /broken-worker\.mjs worker \d failed to start: Error: broken at load/,
      ],
      [
        script('exiting-worker.mjs', `${onRequest}process.exit(7));\n`),
        /exiting-worker\.mjs worker \d exited with code 7/,
      ],
      [
        script(
          'throwing-worker.mjs',
          `${onRequest}setTimeout(() => { throw new Error('thrown later'); }));\n`,
        ),
        /throwing-worker\.mjs worker \d (failed: Error: thrown later|exited with code 1)/,
      ],
    ];
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('asynchronous requests reject', async () => {
    for (const [script, expected] of cases) {
      const pool = new WorkerPool<object, object>(script, { numWorkers: 2, init: {} });
      try {
        await expect(pool.request(0, {})).rejects.toThrow(expected);
      } finally {
        await pool.close();
      }
    }
  });

  test("the Worker's own 'error' event names the script too (it can come before the bootstrap's report)", async () => {
    // The pool's port closed first, so only the 'error' event can report the exception (CI once saw the bare
    // message when the event won the race against the report).
    const script = path.join(dir, 'port-closing-worker.mjs');
    fs.writeFileSync(
      script,
      "import { parentPort, workerData } from 'node:worker_threads';\n" +
        "parentPort.on('message', () => { workerData.port.close(); setTimeout(() => { throw new Error('after the port closed'); }); });\n",
    );
    const pool = new WorkerPool<object, object>(pathToFileURL(script), { numWorkers: 1, init: {} });
    try {
      await expect(pool.request(0, {})).rejects.toThrow(
        /port-closing-worker\.mjs worker 0 failed: Error: after the port closed/,
      );
    } finally {
      await pool.close();
    }
  });

  test('mapSync throws instead of waiting forever (checked in a child process with a time limit)', () => {
    // Blocked in Atomics.wait, a hanging mapSync could not be stopped by Jest's timeout.
    const poolModule = compiledWorkerUrl(
      new URL('../utils/worker-pool.ts', import.meta.url).href,
      'worker-pool.js',
    );
    const program = `
      import { WorkerPool } from ${JSON.stringify(poolModule.href)};
      for (const script of ${JSON.stringify(cases.map(([url]) => url.href))}) {
        const pool = new WorkerPool(new URL(script), { numWorkers: 2, init: {} });
        try {
          pool.mapSync([{}, {}, {}]);
          console.log(JSON.stringify('no error'));
        } catch (error) {
          console.log(JSON.stringify(error.message));
        }
        await pool.close();
      }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    const messages = child.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string);
    expect(messages).toHaveLength(cases.length);
    cases.forEach(([, expected], k) => {
      expect(messages[k]).toMatch(expected);
    });
  });
});

describe('parallel paths equal the simple path', () => {
  test('pre-token counting on 2 workers equals counting here (blocks and batches of documents)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(pieceText, fc.array(pieceText, { maxLength: 4 })), { minLength: 2, maxLength: 8 }),
        fc.constantFrom<string[]>([], [EOT]),
        async (blocks, specials) => {
          const source = async function* () {
            yield* blocks;
          };
          const serial = await countBlocks(source(), specials, 1);
          const parallel = await countBlocks(source(), specials, 2);
          expect(sortedCounts(parallel.toMap())).toEqual(sortedCounts(serial.toMap()));
        },
      ),
      { numRuns: 8 },
    );
  });

  test('encodeMany and encodeManyFlat on 2 workers equal encode, empty texts and specials at the ends included', async () => {
    const trained = await trainBPE({
      input: 'the quick brown fox 中文 jumps over the lazy dog 🙂 '.repeat(20),
      vocabSize: 300,
      specialTokens: [EOT],
      numWorkers: 1,
    });
    const bpe = new BPETokenizer({ vocab: trained.vocab, merges: trained.merges, specialTokens: [EOT] });
    const pool = bpe.createWorkerPool(2);
    try {
      // Long texts too: more ids than a worker's first reply buffer holds (it grows).
      const text = fc.oneof(
        pieceText,
        fc.tuple(pieceText, fc.integer({ min: 1, max: 3000 })).map(([t, n]) => t.repeat(n)),
      );
      fc.assert(
        fc.property(fc.array(text, { maxLength: 30 }), (texts) => {
          const serial = texts.map((t) => bpe.encode(t));
          expect(pool.encodeMany(texts)).toEqual(serial);
          const { ids, offsets } = pool.encodeManyFlat(texts);
          expect(offsets).toHaveLength(texts.length + 1);
          expect(offsets[texts.length]).toBe(ids.length);
          expect(texts.map((_, k) => Array.from(ids.subarray(offsets[k], offsets[k + 1])))).toEqual(serial);
        }),
        { numRuns: 60 },
      );
    } finally {
      await pool.close();
    }
  });
});
