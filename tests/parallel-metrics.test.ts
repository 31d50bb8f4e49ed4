/**
 * The metrics pass in parallel over documents (analysis/parallel-pass.ts) equals the sequential pass
 * exactly: every metric value, per corpus and pooled, and the unigram tally down to first-seen order.
 * Importing the example metric module registers characters per token, so every pass here measures it too.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { evaluateCorpus, evaluateTokenizer } from '../analysis/evaluate.js';
import type { Metric } from '../analysis/metric.js';
import { listMetrics, registerMetric, unregisterMetric } from '../analysis/registry.js';
import { TokenUsageAnalyzer } from '../analysis/token-usage.js';
import { charsPerToken } from '../examples/chars-per-token.js';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { GPT2Tokenizer } from '../tokenizers/gpt2.js';

const DATA = path.resolve(import.meta.dirname, '..', 'data');
const multilingual = ['de', 'ru'].map((lang) => ({
  name: lang,
  file: path.join(DATA, 'multilingual', `${lang}.txt`),
}));

/** NaN-safe exact comparison of metric values. */
const same = (a: Record<string, number>) => JSON.stringify(a, (_, v) => (Number.isNaN(v) ? 'NaN' : v));

test('GPT-2 on two languages by line (several batches each): every value identical with 1 and 3 workers', async () => {
  const gpt2 = new GPT2Tokenizer();
  const sequential = await evaluateTokenizer('gpt2', gpt2, multilingual, { unit: 'lines' });
  const parallel = await evaluateTokenizer('gpt2', gpt2, multilingual, { unit: 'lines', numWorkers: 3 });
  // the example's metric, registered with its module, is measured in the workers too
  expect(parallel.metrics).toContain(charsPerToken);
  expect(parallel.values.charsPerToken).toBeGreaterThan(1);
  expect(same(parallel.values)).toBe(same(sequential.values));
  expect(parallel.perCorpusValues.map((c) => same(c.values))).toEqual(
    sequential.perCorpusValues.map((c) => same(c.values)),
  );
  expect(parallel.overall).toEqual(sequential.overall);
  expect(parallel.tally.firstSeen).toEqual(sequential.tally.firstSeen);
  expect(parallel.counts).toEqual(sequential.counts);
});

test('token usage (first-seen order decides rank ties) and maxSamples are the same on 2 workers', async () => {
  const file = path.join(DATA, 'kjv.txt');
  const gpt2 = new GPT2Tokenizer();
  const one = new TokenUsageAnalyzer(gpt2);
  const two = new TokenUsageAnalyzer(gpt2);
  const options = { showProgress: false, maxSamples: 8_000 };
  expect(await two.analyzeTexts({ file }, { ...options, numWorkers: 2 })).toEqual(
    await one.analyzeTexts({ file }, options),
  );
  expect(two.rankedIds()).toEqual(one.rankedIds());
});

test('random texts (empty and whitespace-only included) give the same values on 2 workers', async () => {
  const byte = new ByteLevelTokenizer();
  const word = fc.constantFrom('a', 'bc', ' ', '\n', 'é', '中文', '🙂', 'x y', '');
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.array(word, { maxLength: 12 }).map((w) => w.join('')),
        { minLength: 1, maxLength: 30 },
      ),
      async (texts) => {
        const run = (numWorkers: number) => evaluateCorpus(byte, { name: 'x', texts }, { numWorkers });
        const sequential = await run(1).then(
          (acc) => same(acc.values()),
          (error: Error) => error.message,
        );
        const parallel = await run(2).then(
          (acc) => same(acc.values()),
          (error: Error) => error.message,
        );
        expect(parallel).toBe(sequential);
      },
    ),
    { numRuns: 4 },
  );
});

describe('a metric that is not built in', () => {
  const byte = new ByteLevelTokenizer();
  const custom = (key: string): Metric => ({ key, header: key, format: 'count', value: (t) => t.tokens });
  afterEach(() => {
    for (const key of ['custom', 'customNoModule', 'customMissingModule'])
      if (listMetrics().includes(key)) unregisterMetric(key);
  });

  test('passed without being registered, it is refused with an error naming the option', async () => {
    await expect(
      evaluateCorpus(byte, { name: 'x', texts: ['ab'] }, { metrics: [custom('custom')], numWorkers: 2 }),
    ).rejects.toThrow(
      'metric "custom" is not registered: a parallel metrics pass (numWorkers > 1) has it in its worker threads only by importing the module that registers it, so register it there with registerMetric(metric, { module: import.meta.url })',
    );
  });

  test('registered without a module, it is refused with an error naming the option', async () => {
    const metric = custom('customNoModule');
    registerMetric(metric);
    await expect(
      evaluateCorpus(byte, { name: 'x', texts: ['ab'] }, { metrics: [metric], numWorkers: 2 }),
    ).rejects.toThrow(
      'metric "customNoModule" was registered without a module: a parallel metrics pass (numWorkers > 1) has it in its worker threads only by importing the module that registers it, so register it there with registerMetric(metric, { module: import.meta.url })',
    );
    // the sequential pass measures it
    const acc = await evaluateCorpus(byte, { name: 'x', texts: ['ab'] }, { metrics: [metric] });
    expect(acc.values().customNoModule).toBe(2);
  });

  test('registered with a module that does not load, the pass fails naming that module', async () => {
    const metric = custom('customMissingModule');
    const module = pathToFileURL(path.join(os.tmpdir(), 'cleangpt-no-such-metric.js')).href;
    registerMetric(metric, { module });
    await expect(
      evaluateCorpus(byte, { name: 'x', texts: ['ab'] }, { metrics: [metric], numWorkers: 2 }),
    ).rejects.toThrow(/metrics-worker\.js worker \d failed to start: .*cleangpt-no-such-metric\.js/s);
  });

  test('a module that is not a URL is refused at registration', () => {
    expect(() => registerMetric(custom('custom'), { module: './custom.js' })).toThrow(
      'cannot register metric "custom": module "./custom.js" is not a URL (pass import.meta.url)',
    );
    expect(listMetrics()).not.toContain('custom');
  });
});

test('the pass leaves no temporary tokenizer folder behind', async () => {
  const tmp = fs.realpathSync(process.env.TMPDIR ?? '/tmp');
  const before = fs.readdirSync(tmp).filter((n) => n.startsWith('cleangpt-metrics-')).length;
  await evaluateCorpus(new ByteLevelTokenizer(), { name: 'x', texts: ['ab cd'] }, { numWorkers: 2 });
  expect(fs.readdirSync(tmp).filter((n) => n.startsWith('cleangpt-metrics-')).length).toBe(before);
});
