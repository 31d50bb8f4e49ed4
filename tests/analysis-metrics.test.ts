import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MetricsAccumulator, metricContext } from '../analysis/pass.js';
import { registeredMetrics } from '../analysis/registry.js';
import { compareTokenizers } from '../analysis/report.js';
import '../examples/chars-per-token.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';

const root = path.resolve(import.meta.dirname, '..');
const lines = fs
  .readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .slice(0, 150);
const gpt2 = new GPT2Tokenizer();

/** A deterministic stream of cut points (no Math.random: failures must reproduce). */
function* cuts(seed: number, n: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield x % n;
  }
}

describe('a metrics pass', () => {
  test.each([1, 2, 3])('merging the parts of a corpus gives the values of the whole (split %i)', (seed) => {
    const metrics = registeredMetrics();
    const context = metricContext(gpt2);
    const whole = new MetricsAccumulator(context, metrics, 'whole');
    for (const l of lines) whole.addText(l);
    const at = cuts(seed, lines.length);
    const bounds = [
      0,
      ...[at.next().value!, at.next().value!, at.next().value!].sort((a, b) => a - b),
      lines.length,
    ];
    const parts = bounds.slice(1).map((end, i) => {
      const part = new MetricsAccumulator(context, metrics, `part ${i}`);
      for (const l of lines.slice(bounds[i], end)) part.addText(l);
      return part;
    });
    const merged = new MetricsAccumulator(context, metrics, 'merged');
    for (const p of parts) merged.merge(p);
    expect(merged.values()).toEqual(whole.values());
    expect(merged.tally.counts).toEqual(whole.tally.counts);
    expect(merged.tally.firstSeen).toEqual(whole.tally.firstSeen);
  });

  test('accumulators of different metric lists refuse to merge', () => {
    const context = metricContext(new ByteLevelTokenizer());
    const a = new MetricsAccumulator(context, registeredMetrics(), 'a');
    const b = new MetricsAccumulator(context, registeredMetrics().slice(1), 'b');
    expect(() => a.merge(b)).toThrow('cannot merge b into a: they measure different metrics');
  });
});

// Importing the example registers characters per token (with its module, so parallel passes have it too:
// tests/parallel-metrics.test.ts).
describe('adding a metric is one file plus one registration (examples/chars-per-token.ts)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-metric-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('measured on 2 worker threads, it appears in report.json, report.md, report.csv and as a chart', async () => {
    const input = path.join(dir, 'en.txt');
    fs.writeFileSync(input, 'héllo world\nsecond line\n');
    const out = path.join(dir, 'report');
    await compareTokenizers({
      tokenizers: [{ name: 'byte', tokenizer: new ByteLevelTokenizer() }],
      inputs: [input],
      outDir: out,
      showProgress: false,
      numWorkers: 2,
    });
    // byte tokenizer on the whole file: "héllo world\n" is 13 bytes (é is two), "second line\n" 12: 24 code
    // points, 25 tokens
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.tokenizers[0].charsPerToken).toBeCloseTo(24 / 25, 12);
    expect(report.tokenizers[0].perCorpus[0].charsPerToken).toBeCloseTo(24 / 25, 12);
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/\| tokens \| UNK \| chars\/token \|/);
    expect(md).toContain(`| ${(24 / 25).toFixed(3)} |`);
    expect(md).toContain('- chars/token = Unicode code points / tokens.');
    const csv = fs.readFileSync(path.join(out, 'report.csv'), 'utf8').trim().split('\n');
    expect(csv[0]!.split(',')).toContain('charsPerToken');
    expect(csv).toHaveLength(3);
    expect(fs.existsSync(path.join(out, 'chars_per_token.png'))).toBe(true);
  });
});
