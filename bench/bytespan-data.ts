/**
 * The ByteSpan benchmark's cue corpus: the ≥ 50 MiB benchmark text (bench/corpus.ts) cut into documents
 * of about 4 KiB (at line ends, each given a leading space like the reference's byte tokenizer), with a
 * surprisal cue per byte.
 *
 * A byte LM cannot run over 50 MB on this CPU in reasonable time, so the cue comes from a cheap model:
 * an adaptive order-2 byte model (counts of (previous two bytes, byte) seen so far in the stream, add-0.1
 * smoothing over 256 symbols), cue = −ln p(byte | two previous bytes) in nats, before the byte is counted.
 * Like an LM's surprisal it is high at word starts and low inside frequent words, which is what the span
 * trainers consume; its absolute values and θ are of course not those of a neural LM.
 *
 * Written once with CueCorpusWriter into `.bench-data/bytespan-cues-<bytes>/` and reused while the text's
 * sha256 (recorded in meta.json's producer) matches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CueCorpusWriter, readCueCorpus } from '../tokenizers/bytespan/cue-corpus.js';
import { buildBenchCorpus, type CorpusInfo } from './corpus.js';

export const BENCH_DOC_BYTES = 4096;
const SMOOTHING = 0.1;

/** Adaptive order-2 byte surprisal (nats) of one document; `counts`/`totals` carry the model's state. */
export function order2Surprisal(doc: Uint8Array, counts: Uint32Array, totals: Uint32Array): Float32Array {
  const out = new Float32Array(doc.length);
  let ctx = 0;
  for (let i = 0; i < doc.length; i++) {
    const b = doc[i]!;
    const k = (ctx << 8) | b;
    out[i] = -Math.log((counts[k]! + SMOOTHING) / (totals[ctx]! + 256 * SMOOTHING));
    counts[k]!++;
    totals[ctx]!++;
    ctx = ((ctx << 8) | b) & 0xffff;
  }
  return out;
}

/** Builds (or reuses) the benchmark cue corpus; returns its directory and the text's description. */
export function buildCueBenchCorpus(
  projectRoot: string,
  minBytes: number,
): { dir: string; text: CorpusInfo; documents: number } {
  const outDir = path.join(projectRoot, '.bench-data');
  const text = buildBenchCorpus(projectRoot, outDir, minBytes);
  const dir = path.join(outDir, `bytespan-cues-${minBytes}`);
  if (fs.existsSync(path.join(dir, 'meta.json'))) {
    try {
      const existing = readCueCorpus(dir, []);
      if (existing.meta.complete && existing.meta.producer?.corpusSha256 === text.sha256) {
        return { dir, text, documents: existing.meta.numDocuments };
      }
    } catch {
      // Unreadable or stale: rebuilt below.
    }
  }
  const raw = fs.readFileSync(text.file);
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  const writer = new CueCorpusWriter(
    dir,
    {
      unit: 'nats',
      cues: ['surprisal'],
      sources: ['bench'],
      producer: { model: 'adaptive order-2 byte model, add-0.1', corpusSha256: text.sha256 },
    },
    { overwrite: true },
  );
  const counts = new Uint32Array(1 << 24);
  const totals = new Uint32Array(1 << 16);
  for (let at = 0; at < bytes.length; ) {
    let end = Math.min(bytes.length, at + BENCH_DOC_BYTES);
    while (end < bytes.length && bytes[end - 1] !== 0x0a) end++;
    const body = bytes.subarray(at, end);
    const doc = body[0] === 0x20 ? body : Uint8Array.of(0x20, ...body);
    writer.append(doc, new Map([['surprisal', order2Surprisal(doc, counts, totals)]]), 0);
    at = end;
  }
  const meta = writer.close();
  return { dir, text, documents: meta.numDocuments };
}
