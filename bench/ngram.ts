/**
 * Byte n-gram cue model benchmark: training and cue extraction speed (MB/s) and peak memory (max RSS) of
 * NgramByteModel on the mostly-English benchmark corpus (bench/corpus.ts), one document per line. Each
 * order runs in a fresh process (this file with `--run ORDER`) so its peak RSS is its own. The cue corpus
 * is written to a temporary directory and removed.
 *
 * Wall times suffer from other load on the machine; CPU seconds (user + system of this process) are
 * recorded beside them. Prints one JSON line per order. Env: BENCH_MB (default 90: the machine holds about 98 MB of text for the corpus), BENCH_ORDERS (default 3,5,8).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractNgramCues, trainNgramModel } from '../inference/ngram-cues.js';
import { buildBenchCorpus } from './corpus.js';

const here = fileURLToPath(import.meta.url);
const projectRoot = path.resolve(path.dirname(here), '..', '..');
const mb = Number(process.env.BENCH_MB ?? 90);
const corpus = buildBenchCorpus(projectRoot, path.join(projectRoot, '.bench-data'), mb * 1024 * 1024);
const maxRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

if (process.argv[2] === '--run') {
  const order = Number(process.argv[3]);
  const options = { documentSeparator: '\n', progress: false };
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const t0 = performance.now();
  const c0 = cpu();
  const model = await trainNgramModel([corpus.file], order, options);
  const trainSeconds = (performance.now() - t0) / 1000;
  const trainCpuSeconds = cpu() - c0;
  model.tables(); // smoothing tables, counted with training
  const finalizeSeconds = (performance.now() - t0) / 1000 - trainSeconds;
  const rssAfterTraining = maxRssMb();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-bench-ngram-'));
  try {
    const t1 = performance.now();
    const c1 = cpu();
    await extractNgramCues(model, [corpus.file], path.join(out, 'cues'), options);
    const extractSeconds = (performance.now() - t1) / 1000;
    const extractCpuSeconds = cpu() - c1;
    const megabytes = corpus.bytes / 1e6;
    console.log(
      JSON.stringify({
        bench: 'ngram',
        order,
        corpusBytes: corpus.bytes,
        corpusSha256: corpus.sha256,
        contexts: model.numContexts,
        grams: model.numGrams,
        trainSeconds: +trainSeconds.toFixed(2),
        trainMBps: +(megabytes / trainSeconds).toFixed(2),
        trainCpuSeconds: +trainCpuSeconds.toFixed(2),
        finalizeSeconds: +finalizeSeconds.toFixed(2),
        extractSeconds: +extractSeconds.toFixed(2),
        extractMBps: +(megabytes / extractSeconds).toFixed(2),
        extractCpuSeconds: +extractCpuSeconds.toFixed(2),
        peakRssMbTraining: rssAfterTraining,
        peakRssMb: maxRssMb(),
        load: os.loadavg().map((l) => +l.toFixed(2)),
        node: process.version,
      }),
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
} else {
  for (const order of (process.env.BENCH_ORDERS ?? '3,5,8').split(',').map(Number)) {
    execFileSync(process.execPath, ['--max-old-space-size=8192', here, '--run', String(order)], {
      stdio: 'inherit',
    });
  }
}
