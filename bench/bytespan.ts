/**
 * ByteSpan vocabulary benchmark: time and peak memory of the span pass + selection (+ BPE continuation
 * where the configuration needs it) on the ≥ 50 MiB benchmark cue corpus (bench/bytespan-data.ts: the
 * cue is a cheap order-2 byte-model surprisal, not a neural LM's). Each configuration runs in a fresh
 * process (bytespan-run.ts) so peak RSS is its own.
 *
 * Peer: the reference recounts every pair of the whole corpus for each merge of its BPE continuation
 * (Python + torch, not installable here). bytespan_reference_bpe.py is OUR numpy re-implementation of that
 * algorithm (not the reference's code). It runs on subsets of the corpus, on exactly the id stream our
 * continuation starts from, within a time budget; its seconds per merge, scaled to the merges our run
 * needed, gives its estimated time, and the growth of seconds per merge with the stream length gives the
 * estimate for the whole corpus. Both are printed with the assumptions.
 *
 * Prints one JSON line per figure. Env: BENCH_ROUNDS (default 1), BENCH_MB (default 50),
 * BENCH_PEER_SECONDS (budget per peer run, default 90), BENCH_PYTHON (default /usr/bin/python3).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { byteTokenIds, continueWithBPE, tokenIdWords } from '../tokenizers/bytespan/continuation.js';
import { type CueCorpus, readCueCorpus } from '../tokenizers/bytespan/cue-corpus.js';
import { cuePercentile } from '../tokenizers/bytespan/percentile.js';
import { frequencyOrder, seedQuota } from '../tokenizers/bytespan/selection.js';
import { countSpans } from '../tokenizers/bytespan/spans.js';
import { buildCueBenchCorpus } from './bytespan-data.js';
import type { RunConfig } from './bytespan-run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '..', '..');
const PEER_VOCAB = 8064;
const PEER_PROPORTION = 0.5;
const PEER_SUBSETS_MB = [1, 4];

function emit(figure: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'bytespan', ...figure }));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const CONFIGS: Array<{ name: string; config: RunConfig }> = [
  {
    name: 'combined-frequency',
    config: { kind: 'bytespan', constraint: 'combined', vocabSizes: [8064, 16000, 32000, 64000] },
  },
  {
    name: 'monotonic-frequency',
    config: { kind: 'bytespan', constraint: 'monotonic', vocabSizes: [8064, 16000, 32000, 64000] },
  },
  {
    name: 'combined-seeding-0.5',
    config: { kind: 'bytespan', constraint: 'combined', vocabSizes: [8064, 16000, 32000], proportion: 0.5 },
  },
  {
    name: 'bpe-wp',
    config: { kind: 'bytespan', constraint: 'combined', vocabSizes: [8064, 16000, 32000], proportion: 0 },
  },
  { name: 'global', config: { kind: 'global', vocabSizes: [8064, 16000, 32000] } },
];

function runChild(dir: string, config: RunConfig): Record<string, unknown> {
  const out = execFileSync(
    process.execPath,
    [path.join(here, 'bytespan-run.js'), dir, JSON.stringify(config)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 26,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

/** The first documents of `corpus` holding at least `bytes` bytes, as a corpus of their own. */
function prefixCorpus(corpus: CueCorpus, bytes: number): CueCorpus {
  let docs = 0;
  while (docs < corpus.docEnds.length && (docs === 0 || corpus.docEnds[docs - 1]! < bytes)) docs++;
  const end = corpus.docEnds[docs - 1]!;
  return {
    meta: { ...corpus.meta, numDocuments: docs, numBytes: end },
    bytes: corpus.bytes.subarray(0, end),
    docEnds: corpus.docEnds.subarray(0, docs),
    docSources: corpus.docSources.subarray(0, docs),
    cues: new Map([...corpus.cues].map(([name, values]) => [name, values.subarray(0, end)])),
  };
}

/** Seeded continuation on a subset: ours timed in-process, the peer on the same id stream. */
function comparePeer(corpus: CueCorpus, megabytes: number, python: string, budget: number) {
  const subset = prefixCorpus(corpus, megabytes * 2 ** 20);
  const cue = subset.cues.get('surprisal')!;
  const counts = countSpans(subset, {
    cue,
    constraint: 'combined',
    threshold: cuePercentile(cue, 30),
    words: true,
  });
  const base = spanBaseVocab();
  const order = frequencyOrder(counts.table.counts, counts.table.size);
  const taken = Math.min(seedQuota(PEER_PROPORTION, PEER_VOCAB, base.length), order.length);
  const tokens = [...base];
  const spanIds = new Int32Array(counts.table.size).fill(-1);
  for (let i = 0; i < taken; i++) {
    spanIds[order[i]!] = tokens.length;
    tokens.push(counts.table.spelling(order[i]!));
  }
  const index = new Map(tokens.map((t, i) => [t, i]));
  const words = tokenIdWords(counts.words!, spanIds, (c) => counts.table.spanBytes(c), byteTokenIds(index));

  // The peer's input: every word occurrence in turn (pair counts do not depend on the order).
  let streamLength = 0;
  words.forEach((_arena, _start, length, count) => {
    streamLength += length * count;
  });
  const ids = new Int32Array(streamLength);
  const starts = new Uint8Array(streamLength);
  let at = 0;
  words.forEach((arena, start, length, count) => {
    for (let c = 0; c < count; c++) {
      starts[at] = 1;
      ids.set(arena.subarray(start, start + length), at);
      at += length;
    }
  });
  const dir = path.join(projectRoot, '.bench-data', `bytespan-peer-${megabytes}mb`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ids.i32'), ids);
  fs.writeFileSync(path.join(dir, 'starts.u8'), starts);
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(tokens));

  // Ours: best of three (the first run also warms the JIT); every run starts from the same words.
  let ours: string[] = [];
  let result = { complete: false, merges: 0 };
  let oursSeconds = Number.POSITIVE_INFINITY;
  let finalStreamLength = 0;
  for (let run = 0; run < 3; run++) {
    ours = [...tokens];
    const symbols = words.toSymbolWords();
    const began = performance.now();
    result = continueWithBPE(ours, symbols, PEER_VOCAB);
    oursSeconds = Math.min(oursSeconds, (performance.now() - began) / 1000);
    finalStreamLength = 0;
    for (let w = 0; w < symbols.start.length; w++) {
      finalStreamLength += symbols.count[w]! * (symbols.end[w]! - symbols.start[w]!);
    }
  }

  const peer = JSON.parse(
    execFileSync(
      python,
      [path.join(projectRoot, 'bench', 'bytespan_reference_bpe.py'), dir, String(PEER_VOCAB), String(budget)],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    ),
  ) as {
    merges: number;
    seconds: number;
    secondsPerMerge: number;
    earlySecondsPerMerge: number | null;
    vocabSize: number;
    added: string[];
  };
  const oursAdded = ours.slice(tokens.length);
  let samePrefix = 0;
  while (samePrefix < peer.added.length && peer.added[samePrefix] === oursAdded[samePrefix]) samePrefix++;
  // Upper bound: the measured cost per merge, at (nearly) the initial stream length, for every merge.
  // The stream shrinks as merges proceed; with cost ∝ length and a linear shrink, the mean cost is that
  // of the mean length.
  const reached = peer.vocabSize >= PEER_VOCAB;
  const peerEstimate = reached ? peer.seconds : peer.secondsPerMerge * result.merges;
  const shrink = (streamLength + finalStreamLength) / 2 / streamLength;
  return {
    subsetBytes: subset.meta.numBytes,
    streamLength,
    spanTokens: taken,
    oursSeconds,
    oursMerges: result.merges,
    oursComplete: result.complete,
    peerMerges: peer.merges,
    peerSeconds: peer.seconds,
    peerSecondsPerMerge: peer.secondsPerMerge,
    peerEarlySecondsPerMerge: peer.earlySecondsPerMerge,
    peerReachedTarget: reached,
    finalStreamLength,
    peerEstimatedSeconds: peerEstimate,
    peerEstimatedSecondsShrinkAdjusted: reached ? peer.seconds : peerEstimate * shrink,
    ratio: peerEstimate / oursSeconds,
    ratioShrinkAdjusted: (reached ? peer.seconds : peerEstimate * shrink) / oursSeconds,
    tokensCompared: peer.added.length,
    sameTokensInOrder: samePrefix,
  };
}

function pythonVersion(python: string): string | null {
  try {
    return execFileSync(
      python,
      ['-c', 'import sys, numpy; print(sys.version.split()[0], numpy.__version__)'],
      {
        encoding: 'utf8',
      },
    ).trim();
  } catch {
    return null;
  }
}

function main(): void {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const minBytes = Number(process.env.BENCH_MB ?? 50) * 2 ** 20;
  const budget = Number(process.env.BENCH_PEER_SECONDS ?? 90);
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const prepStart = performance.now();
  const data = buildCueBenchCorpus(projectRoot, minBytes);
  const versions = pythonVersion(python);
  emit({
    figure: 'setup',
    corpus: path.relative(projectRoot, data.text.file),
    corpusBytes: data.text.bytes,
    corpusSha256: data.text.sha256,
    documents: data.documents,
    cue: 'surprisal of an adaptive order-2 byte model (nats), see bench/bytespan-data.ts',
    prepareSeconds: (performance.now() - prepStart) / 1000,
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    loadavg: os.loadavg(),
    python: versions,
  });

  let seeded: Record<string, unknown> | null = null;
  for (const { name, config } of CONFIGS) {
    const runs: Array<Record<string, unknown>> = [];
    for (let round = 1; round <= rounds; round++) {
      const r = runChild(data.dir, config);
      runs.push(r);
      emit({ figure: 'run', config: name, round, ...r, loadavg1: os.loadavg()[0] });
    }
    if (name === 'combined-seeding-0.5') seeded = runs[0]!;
    const seconds = runs.map((r) => r.seconds as number);
    const rss = runs.map((r) => r.peakRssMB as number);
    emit({
      figure: 'train_seconds',
      config: name,
      median: median(seconds),
      min: Math.min(...seconds),
      runs: rounds,
    });
    emit({ figure: 'peak_rss_mb', config: name, median: median(rss), min: Math.min(...rss) });
  }

  if (versions === null) {
    emit({ figure: 'peer', skipped: `${python} with numpy not found` });
    return;
  }
  const corpus = readCueCorpus(data.dir, ['surprisal']);
  const peers = PEER_SUBSETS_MB.map((mb) => {
    const r = comparePeer(corpus, mb, python, budget);
    emit({ figure: 'peer_continuation', vocabSize: PEER_VOCAB, proportion: PEER_PROPORTION, ...r });
    return r;
  });
  // Seconds per merge of the recount grow with the stream length n (a sort per merge: ~n log n). Fit the
  // exponent on the first 100 merges of both subsets (both near their initial length) and extrapolate
  // to the whole corpus, assuming the stream grows like the bytes.
  const [small, large] = peers as [(typeof peers)[0], (typeof peers)[0]];
  if (small.peerEarlySecondsPerMerge === null || large.peerEarlySecondsPerMerge === null) {
    emit({ figure: 'peer_extrapolation', skipped: 'a peer run did not reach 100 merges within its budget' });
    return;
  }
  const exponent =
    Math.log(large.peerEarlySecondsPerMerge / small.peerEarlySecondsPerMerge) /
    Math.log(large.streamLength / small.streamLength);
  const fullStream = (large.streamLength * corpus.meta.numBytes) / large.subsetBytes;
  const perMerge = large.peerEarlySecondsPerMerge * (fullStream / large.streamLength) ** exponent;
  const shrink = (large.streamLength + large.finalStreamLength) / 2 / large.streamLength;
  const size = (seeded?.sizes as Record<string, { bpeMerges: number }> | undefined)?.[PEER_VOCAB];
  const oursBpeSeconds = (seeded?.phases as Record<string, number> | undefined)?.[`bpe-${PEER_VOCAB}`];
  const merges = size?.bpeMerges ?? null;
  emit({
    figure: 'peer_extrapolation',
    corpusBytes: corpus.meta.numBytes,
    vocabSize: PEER_VOCAB,
    assumedStreamLength: Math.round(fullStream),
    fittedExponent: exponent,
    peerSecondsPerMergeEstimate: perMerge,
    merges,
    peerSecondsEstimate: merges === null ? null : perMerge * merges,
    peerSecondsEstimateShrinkAdjusted: merges === null ? null : perMerge * merges * shrink,
    oursBpeSeconds: oursBpeSeconds ?? null,
    ratio: merges === null || oursBpeSeconds === undefined ? null : (perMerge * merges) / oursBpeSeconds,
    ratioShrinkAdjusted:
      merges === null || oursBpeSeconds === undefined ? null : (perMerge * merges * shrink) / oursBpeSeconds,
    note: 'per-merge cost at the initial stream length; shrink-adjusted: × mean/initial stream length of the 4 MiB subset',
  });
}

main();
