/**
 * BPE training benchmark: this project's trainer vs HF `tokenizers` (npm, Rust) on the same ≥ 40 MB
 * corpus at vocab 30000 (HF's node API trains only with its defaults: vocab 30000, no specials). Every
 * run is a fresh child process, peers interleaved in rounds, so peak RSS is per run and load drifts hit
 * both. Prints one JSON line per figure. `BENCH_ROUNDS` (default 3) sets the rounds.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBenchCorpus } from './corpus.js';

interface RunResult {
  impl: string;
  seconds: number;
  countSeconds: number | null;
  peakRssMB: number;
  vocab: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '..', '..');
const VOCAB = 30000;

function emit(figure: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'bpe-train', ...figure }));
}

function run(impl: 'cleangpt' | 'hf', file: string, workers?: number): RunResult {
  const args = [path.join(here, 'bpe-train-run.js'), impl, file, String(VOCAB)];
  if (workers !== undefined) args.push(String(workers));
  // HF's trainer draws progress on stdout; the result is the last line.
  const out = execFileSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = out.trim().split('\n').at(-1)!;
  return JSON.parse(last) as RunResult;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function main(): void {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const corpus = buildBenchCorpus(projectRoot, path.join(projectRoot, '.bench-data'));
  const hfVersion = JSON.parse(
    execFileSync(process.execPath, ['-p', 'JSON.stringify(require("tokenizers/package.json").version)'], {
      cwd: projectRoot,
      encoding: 'utf8',
    }),
  ) as string;
  emit({
    figure: 'setup',
    corpus: path.relative(projectRoot, corpus.file),
    corpusBytes: corpus.bytes,
    corpusSha256: corpus.sha256,
    corpusSources: corpus.sources,
    vocabSize: VOCAB,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    loadavg: os.loadavg(),
    tokenizersVersion: hfVersion,
  });
  const peers: Array<{ name: string; impl: 'cleangpt' | 'hf'; workers?: number }> = [
    { name: 'cleangpt', impl: 'cleangpt' },
    { name: 'cleangpt-1-worker', impl: 'cleangpt', workers: 1 },
    { name: 'hf-tokenizers', impl: 'hf' },
  ];
  const results = new Map<string, RunResult[]>(peers.map((p) => [p.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const peer of peers) {
      const r = run(peer.impl, corpus.file, peer.workers);
      results.get(peer.name)!.push(r);
      emit({ figure: 'run', peer: peer.name, round, ...r, loadavg1: os.loadavg()[0] });
    }
  }
  const summary = new Map<string, { seconds: number; peakRssMB: number }>();
  for (const [name, runs] of results) {
    const seconds = runs.map((r) => r.seconds);
    const rss = runs.map((r) => r.peakRssMB);
    summary.set(name, { seconds: median(seconds), peakRssMB: median(rss) });
    emit({
      figure: 'train_seconds',
      peer: name,
      median: median(seconds),
      min: Math.min(...seconds),
      max: Math.max(...seconds),
      runs: runs.length,
    });
    emit({
      figure: 'peak_rss_mb',
      peer: name,
      median: median(rss),
      min: Math.min(...rss),
      max: Math.max(...rss),
    });
  }
  const hf = summary.get('hf-tokenizers')!;
  for (const name of ['cleangpt', 'cleangpt-1-worker']) {
    const ours = summary.get(name)!;
    emit({ figure: 'time_ratio_vs_hf', peer: name, value: ours.seconds / hf.seconds, target: '<= 1.0' });
    emit({ figure: 'rss_ratio_vs_hf', peer: name, value: ours.peakRssMB / hf.peakRssMB, target: '<= 1.0' });
  }
}

main();
