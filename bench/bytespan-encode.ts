/**
 * ByteSpan (WordPiece longest-prefix) encode and decode throughput, next to HF `tokenizers` (N-API, Rust)
 * loading the very `tokenizer.json` we save, and this project's GPT-2 BPE for scale, on one text file.
 *
 * The vocabulary is derived from the file itself, deterministically: the 770-entry span base plus its most
 * frequent pre-tokens and `##` suffixes, up to `--vocab` entries. HF must produce our ids on the whole file
 * and our decode must give the file back before anything is timed. Rounds interleave the tasks; one JSON
 * line per figure (median of the rounds). Ours runs on one thread; HF's `encodeBatch` (the `-lines`
 * figure) uses its own thread pool. Throughput counts the file's bytes.
 *
 *   npm run bench:bytespan-encode -- [--file data/kjv.txt] [--vocab 16000] [--rounds 5]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Tokenizer as HFTokenizer } from 'tokenizers';
import { bytesToDisplay } from '../tokenizers/byte-unicode.js';
import { spanBaseVocab } from '../tokenizers/bytespan/base-vocab.js';
import { ByteSpanTokenizer } from '../tokenizers/bytespan/tokenizer.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';
import { scanPieces } from '../tokenizers/pre-tokenizers/gpt2-scan.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** Base vocabulary + frequent pre-tokens (with the word-initial space) + frequent 2–4-byte `##` suffixes. */
function vocabFrom(text: string, size: number): string[] {
  const utf8 = new TextEncoder();
  const vocab = spanBaseVocab();
  const seen = new Set(vocab);
  const words = new Map<string, number>();
  const suffixes = new Map<string, number>();
  for (const piece of scanPieces(` ${text}`)) {
    const bytes = utf8.encode(piece);
    const display = bytesToDisplay(bytes);
    words.set(display, (words.get(display) ?? 0) + 1);
    for (let k = 2; k <= 4 && k < bytes.length; k++) {
      const suffix = `##${display.slice(display.length - k)}`;
      suffixes.set(suffix, (suffixes.get(suffix) ?? 0) + 1);
    }
  }
  const byCount = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([t]) => t);
  const candidates = [byCount(suffixes).slice(0, Math.floor(size / 4)), byCount(words)].flat();
  for (const t of candidates) {
    if (vocab.length >= size) break;
    if (!seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  }
  return vocab;
}

const file = arg('file', 'data/kjv.txt');
const vocabSize = Number(arg('vocab', '16000'));
const rounds = Number(arg('rounds', '5'));
const text = fs.readFileSync(file, 'utf8');
const bytes = Buffer.byteLength(text, 'utf8');

const bytespan = new ByteSpanTokenizer({ vocab: vocabFrom(text, vocabSize) });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bytespan-'));
bytespan.savePretrained(dir);
const hf = HFTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
fs.rmSync(dir, { recursive: true, force: true });
const gpt2 = new GPT2Tokenizer();

// Correctness before speed; also the warm-up of every task.
const ids = bytespan.encode(text);
const hfIds = (await hf.encode(text)).getIds();
if (hfIds.length !== ids.length || hfIds.some((id, i) => id !== ids[i])) {
  throw new Error('HF tokenizers and ByteSpanTokenizer disagree on the benchmark text');
}
if (bytespan.decode(ids) !== text) throw new Error('ByteSpanTokenizer decode does not give the text back');
await hf.decode(ids, false);
gpt2.encode(text);
// Per line (each line its own text, so its own prefix space): HF's encodeBatch uses its thread pool.
const lines = text.split('\n').filter((l) => l.length > 0);
const lineIds = lines.map((l) => bytespan.encode(l));
const hfLineIds = (await hf.encodeBatch(lines)).map((e) => e.getIds());
if (
  hfLineIds.some((row, i) => row.length !== lineIds[i]!.length || row.some((id, k) => id !== lineIds[i]![k]))
) {
  throw new Error('HF tokenizers and ByteSpanTokenizer disagree on a line of the benchmark text');
}
const lineTokens = lineIds.reduce((n, row) => n + row.length, 0);

const tasks: Record<string, { run: () => unknown; tokens: number }> = {
  'cleangpt-bytespan-encode': { run: () => bytespan.encode(text), tokens: ids.length },
  'hf-tokenizers-wordpiece-encode': { run: () => hf.encode(text), tokens: ids.length },
  'cleangpt-bytespan-encode-lines': { run: () => lines.map((l) => bytespan.encode(l)), tokens: lineTokens },
  'hf-tokenizers-wordpiece-encodeBatch-lines': { run: () => hf.encodeBatch(lines), tokens: lineTokens },
  'cleangpt-bytespan-decode': { run: () => bytespan.decode(ids), tokens: ids.length },
  'hf-tokenizers-wordpiece-decode': { run: () => hf.decode(ids, false), tokens: ids.length },
  'cleangpt-gpt2-bpe-encode': { run: () => gpt2.encode(text), tokens: 0 },
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, task] of Object.entries(tasks)) {
    const t0 = performance.now();
    await task.run();
    times[name]!.push(performance.now() - t0);
  }
}
for (const [name, ms] of Object.entries(times)) {
  const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
  console.log(
    JSON.stringify({
      bench: 'bytespan-encode',
      task: name,
      file,
      bytes,
      vocabSize: bytespan.vocabSize,
      tokens: tasks[name]!.tokens || undefined,
      rounds,
      medianMs: Number(median.toFixed(1)),
      mbPerSecond: Number((bytes / 1e6 / (median / 1000)).toFixed(2)),
    }),
  );
}
