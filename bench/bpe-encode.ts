/**
 * Encoding throughput (bpe-reference.md §12) for GPT-2 (default), cl100k_base or o200k_base
 * (`--encoding`): this project vs tiktoken (WASM), js-tiktoken and gpt-tokenizer on ≥ 10 MB of
 * non-repeating text, then the project's worker pool with 1 and 2 workers (rows as number[] and as one
 * Int32Array), timed on a fresh pool and again once the pool has settled. What two cores give two cold
 * encoders is measured alongside: two single-call encoders, one per core, sharing nothing.
 *
 * Every peer must produce our ids on the whole text before anything is timed. Each timed run is a fresh
 * process (`--run NAME`), implementations interleaved in rounds; single-thread runs are pinned to one
 * core with `taskset` when available. Prints one JSON line per figure.
 *
 *   npm run bench:bpe-encode -- [--mb 10] [--rounds 5] [--encoding gpt2|cl100k_base|o200k_base]
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BPETokenizer } from '../tokenizers/bpe/tokenizer.js';
import { createTokenizer } from '../tokenizers/registry.js';
import { buildBenchCorpus } from './corpus.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), '..', '..');
const OUT_DIR = path.join(ROOT, '.bench-data');

type Encode = (text: string) => ArrayLike<number>;

const ENCODINGS = ['gpt2', 'cl100k_base', 'o200k_base'] as const;
type EncodingName = (typeof ENCODINGS)[number];

/** The project's tokenizer for `encoding` (every one is a registered BPE tokenizer). */
function ourTokenizer(encoding: EncodingName): BPETokenizer {
  return createTokenizer(encoding) as BPETokenizer;
}

/** A loaded encoder for each implementation (imports are dynamic so a run loads only its own). */
async function loadEncoder(name: string, encoding: EncodingName): Promise<Encode> {
  switch (name) {
    case 'cleangpt': {
      const tok = ourTokenizer(encoding);
      return (text) => tok.encode(text);
    }
    case 'tiktoken-wasm': {
      const { get_encoding } = await import('tiktoken');
      const enc = get_encoding(encoding);
      return (text) => enc.encode(text, 'all');
    }
    case 'js-tiktoken': {
      const { Tiktoken } = await import('js-tiktoken/lite');
      const ranks = (await import(`js-tiktoken/ranks/${encoding}`)).default;
      const enc = new Tiktoken(ranks);
      return (text) => enc.encode(text, 'all');
    }
    case 'gpt-tokenizer': {
      const module = encoding === 'gpt2' ? 'r50k_base' : encoding;
      const { encode } = await import(`gpt-tokenizer/encoding/${module}`);
      // Its cl100k also knows ChatML specials (<|im_start|>…), which tiktoken's does not: ordinary text here.
      return (text) => encode(text, { disallowedSpecial: new Set() });
    }
    default:
      throw new Error(`unknown implementation ${name}`);
  }
}

const SINGLE = ['cleangpt', 'tiktoken-wasm', 'js-tiktoken', 'gpt-tokenizer'];
/** `encodeMany` (a number[] per document) and `encodeManyFlat` (one Int32Array), on 1 and 2 workers. */
const POOLED = [
  'cleangpt-workers-1',
  'cleangpt-workers-2',
  'cleangpt-workers-1-flat',
  'cleangpt-workers-2-flat',
];

interface RunResult {
  name: string;
  loadMs: number;
  encodeMs: number;
  tokens: number;
  maxRssMB: number;
}

/**
 * Settled pools: a pool of 1 and one of 2 workers in one process, each having encoded the whole text once
 * (piece caches full, JIT settled: a long-lived pool encoding a corpus in many batches), then timed in
 * alternating passes so that the machine's drift falls on both alike.
 */
const SETTLED_PASSES = 5;
const SETTLED = 'cleangpt-settled-pools-flat';

/** Each pass's milliseconds: with 1 worker, then with 2. */
interface SettledPools {
  ms: [number[], number[]];
}

async function runSettledPools(file: string, encoding: EncodingName): Promise<SettledPools> {
  const docs = documents(fs.readFileSync(file, 'utf8'));
  const tok = ourTokenizer(encoding);
  const pools = [tok.createWorkerPool(1), tok.createWorkerPool(2)];
  for (const pool of pools) pool.encodeManyFlat(docs);
  const ms: [number[], number[]] = [[], []];
  for (let p = 0; p < SETTLED_PASSES; p++) {
    pools.forEach((pool, k) => {
      const start = performance.now();
      pool.encodeManyFlat(docs);
      ms[k]!.push(performance.now() - start);
    });
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return { ms };
}

/** Documents for the worker pool: groups of 1000 lines. */
function documents(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  const docs: string[] = [];
  for (let i = 0; i < lines.length; i += 1000) docs.push(lines.slice(i, i + 1000).join(''));
  return docs;
}

/** One timed run in this (fresh) process: warm up on about the first 1 MB, then encode the whole file once. */
async function runOne(name: string, file: string, encoding: EncodingName): Promise<RunResult> {
  const text = fs.readFileSync(file, 'utf8');
  const t0 = performance.now();
  if (name.startsWith('cleangpt-workers-')) {
    const [workers, flat] = name.slice('cleangpt-workers-'.length).split('-');
    const tok = ourTokenizer(encoding);
    const pool = tok.createWorkerPool(Number(workers));
    const encode = (texts: string[]): number =>
      flat ? pool.encodeManyFlat(texts).ids.length : pool.encodeMany(texts).reduce((n, r) => n + r.length, 0);
    const docs = documents(text);
    // Warm up on about 1 MB per worker, as the single-thread runs do on one thread.
    let warm = 0;
    for (let chars = 0; warm < docs.length && chars < Number(workers) << 20; warm++)
      chars += docs[warm]!.length;
    encode(docs.slice(0, warm));
    const t1 = performance.now();
    const tokens = encode(docs);
    const t2 = performance.now();
    await pool.close();
    return result(name, t1 - t0, t2 - t1, tokens);
  }
  const encode = await loadEncoder(name, encoding);
  encode(text.slice(0, 1 << 20));
  const t1 = performance.now();
  const ids = encode(text);
  const t2 = performance.now();
  return result(name, t1 - t0, t2 - t1, ids.length);
}

function result(name: string, loadMs: number, encodeMs: number, tokens: number): RunResult {
  return { name, loadMs, encodeMs, tokens, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}

/** Runs `name` in a fresh process; pinned to CPU `core` when it is a number and taskset exists. */
async function spawnRun<Result = RunResult>(
  name: string,
  file: string,
  encoding: EncodingName,
  core: number | null,
): Promise<Result> {
  const args = [HERE, '--run', name, '--file', file, '--encoding', encoding];
  const [command, commandArgs] =
    core !== null && hasTaskset()
      ? ['taskset', ['-c', String(core), process.execPath, ...args]]
      : [process.execPath, args];
  try {
    const { stdout } = await promisify(execFile)(command, commandArgs, {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
  } catch (error) {
    throw new Error(`run ${name} failed: ${(error as { stderr?: string }).stderr ?? error}`, {
      cause: error,
    });
  }
}

let tasksetAvailable: boolean | null = null;
function hasTaskset(): boolean {
  if (tasksetAvailable === null) {
    try {
      execFileSync('taskset', ['-c', '0', 'true']);
      tasksetAvailable = true;
    } catch {
      tasksetAvailable = false;
    }
  }
  return tasksetAvailable;
}

/** The first `mb` MiB of the shared benchmark corpus (cut at a line end), written once. */
function benchText(mb: number): { file: string; bytes: number; sha256: string; source: string } {
  const corpus = buildBenchCorpus(ROOT, OUT_DIR);
  const full = fs.readFileSync(corpus.file, 'utf8');
  let text = '';
  let cut = 0;
  while (Buffer.byteLength(text) < mb * 1024 * 1024) {
    const next = full.indexOf('\n', cut + 1024 * 1024);
    cut = next < 0 ? full.length : next + 1;
    text = full.slice(0, cut);
    if (next < 0) break;
  }
  // The peers disagree on special tokens inside text; this benchmark is about ordinary text.
  text = text.replaceAll('<|endoftext|>', '');
  const file = path.join(OUT_DIR, `bpe-encode-${mb}mb.txt`);
  fs.writeFileSync(file, text);
  const bytes = Buffer.byteLength(text);
  return {
    file,
    bytes,
    sha256: createHash('sha256').update(text).digest('hex'),
    source: path.relative(ROOT, corpus.file),
  };
}

/** Median and range of per-round ratios. */
function summary(values: number[]): { median: number; min: number; max: number } {
  const s = stats(values);
  return { median: round3(s.median), min: round3(s.min), max: round3(s.max) };
}

function stats(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const encoding = (arg('--encoding') ?? 'gpt2') as EncodingName;
  if (!ENCODINGS.includes(encoding)) {
    throw new Error(`--encoding ${JSON.stringify(encoding)} is not one of ${ENCODINGS.join(', ')}`);
  }
  const run = arg('--run');
  if (run !== undefined) {
    const file = arg('--file')!;
    const result =
      run === SETTLED ? await runSettledPools(file, encoding) : await runOne(run, file, encoding);
    console.log(JSON.stringify(result));
    return;
  }
  const mb = Number(arg('--mb') ?? 10);
  const rounds = Number(arg('--rounds') ?? 5);
  const input = benchText(mb);
  const env = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    pinned: hasTaskset(),
    versions: Object.fromEntries(
      ['tiktoken', 'js-tiktoken', 'gpt-tokenizer'].map((p) => [
        p,
        (
          JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'), 'utf8')) as {
            version: string;
          }
        ).version,
      ]),
    ),
  };
  console.log(JSON.stringify({ bench: 'bpe-encode', kind: 'input', encoding, ...input, env }));

  // Correctness gate: tiktoken (OpenAI's Rust code) must give exactly our ids on the whole text. The
  // JavaScript peers compile the patterns with JavaScript's \s, which differs from the reference on U+FEFF
  // and U+0085 (tokenizers/pre-tokenizers/whitespace.ts), so a difference there is reported, not fatal.
  const text = fs.readFileSync(input.file, 'utf8');
  const ours = (await loadEncoder('cleangpt', encoding))(text);
  for (const name of SINGLE.slice(1)) {
    const theirs = (await loadEncoder(name, encoding))(text);
    const n = Math.min(theirs.length, ours.length);
    let first = 0;
    while (first < n && theirs[first] === ours[first]) first++;
    const same = first === n && theirs.length === ours.length;
    console.log(
      JSON.stringify({
        bench: 'bpe-encode',
        kind: 'parity',
        peer: name,
        identical: same,
        tokens: theirs.length,
        ...(same ? {} : { firstDifference: first }),
      }),
    );
    if (!same && name === 'tiktoken-wasm') throw new Error(`${name} ids differ from cleangpt's: no timing`);
  }
  const tok = ourTokenizer(encoding);
  const pool = tok.createWorkerPool(2);
  const docs = documents(text);
  const pooled = pool.encodeMany(docs);
  const flat = pool.encodeManyFlat(docs);
  await pool.close();
  const serial = docs.map((d) => tok.encode(d));
  const flatRows = docs.map((_, k) => Array.from(flat.ids.subarray(flat.offsets[k], flat.offsets[k + 1])));
  const poolSame =
    JSON.stringify(pooled) === JSON.stringify(serial) && JSON.stringify(flatRows) === JSON.stringify(serial);
  console.log(
    JSON.stringify({ bench: 'bpe-encode', kind: 'parity', peer: 'cleangpt-workers-2', identical: poolSame }),
  );
  if (!poolSame) throw new Error('worker pool ids differ from serial encoding: no timing');

  const runs = new Map<string, RunResult[]>();
  const add = (name: string, result: RunResult): void => {
    runs.set(name, [...(runs.get(name) ?? []), result]);
  };
  const settledSpeedups: number[] = [];
  const pairSpeedups: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const name of SINGLE) add(name, await spawnRun(name, input.file, encoding, 0));
    for (const name of POOLED) add(name, await spawnRun(name, input.file, encoding, null));
    const { ms } = await spawnRun<SettledPools>(SETTLED, input.file, encoding, null);
    settledSpeedups.push(stats(ms[0]!).median / stats(ms[1]!).median);
    // What two cores give two cold copies of the single-call encoder that share nothing (one process
    // pinned to each core, started together) against one copy run just before: this machine's limit for
    // a cold encode split over two workers (a settled pool, its caches warm, is not bound by it).
    const alone = (await spawnRun('cleangpt', input.file, encoding, 0)).encodeMs;
    const pair = await Promise.all([0, 1].map((core) => spawnRun('cleangpt', input.file, encoding, core)));
    pairSpeedups.push((2 * alone) / Math.max(...pair.map((x) => x.encodeMs)));
  }
  const mbps = new Map<string, number>();
  for (const [name, list] of runs) {
    const s = stats(list.map((x) => input.bytes / 1e6 / (x.encodeMs / 1000)));
    mbps.set(name, s.median);
    console.log(
      JSON.stringify({
        bench: 'bpe-encode',
        kind: 'throughput',
        impl: name,
        mode: !name.startsWith('cleangpt-workers')
          ? 'whole text, one call'
          : name.endsWith('-flat')
            ? 'batch of 1000-line documents, ids in one Int32Array'
            : 'batch of 1000-line documents, a number[] per document',
        runs: list.length,
        mbPerSecMedian: round3(s.median),
        mbPerSecMin: round3(s.min),
        mbPerSecMax: round3(s.max),
        spreadPct: round3(((s.max - s.min) / s.median) * 100),
        tokensPerSecMedian: Math.round((list[0]!.tokens / input.bytes) * s.median * 1e6),
        loadMsMedian: round3(stats(list.map((x) => x.loadMs)).median),
        maxRssMB: round3(Math.max(...list.map((x) => x.maxRssMB))),
      }),
    );
  }
  const ratio = (a: string, b: string): number => round3(mbps.get(a)! / mbps.get(b)!);
  console.log(
    JSON.stringify({
      bench: 'bpe-encode',
      kind: 'ratios',
      encoding,
      cleangptVsTiktokenWasm: ratio('cleangpt', 'tiktoken-wasm'),
      cleangptVsJsTiktoken: ratio('cleangpt', 'js-tiktoken'),
      cleangptVsGptTokenizer: ratio('cleangpt', 'gpt-tokenizer'),
      workers2VsWorkers1: ratio('cleangpt-workers-2', 'cleangpt-workers-1'),
      workers2VsWorkers1Flat: ratio('cleangpt-workers-2-flat', 'cleangpt-workers-1-flat'),
      workers2VsWorkers1FlatSettled: summary(settledSpeedups),
      independentPairVsOne: summary(pairSpeedups),
      loadavg: os.loadavg(),
      targets: { cleangptVsTiktokenWasm: encoding === 'gpt2' ? 2 : 1.5, workers2VsWorkers1: 1.8 },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
