/**
 * Adding a metric: one file exporting a `Metric` plus one `registerMetric` call. Importing this module
 * registers characters per token; every report (report.md, report.json, report.csv, its chart) and the
 * `analyze` lines then include it. Naming the module at registration (`import.meta.url`) lets the worker
 * threads of a parallel pass (`numWorkers > 1`) import it too, so the metric is measured there as well.
 * Each worker imports the module, so it should do nothing on import but define and register. A script
 * imports it once (for its side effect), then measures as usual, e.g. `evaluateCorpus(tokenizer, { name:
 * 'en', file: 'en.txt' }, { numWorkers: 4 })`.
 */
import { type Metric, registerMetric } from '../index.js';

/** Characters per token: a metric with its own per-text state (plain data: states cross threads). */
export const charsPerToken: Metric<{ chars: number }> = {
  key: 'charsPerToken',
  header: 'chars/token',
  definition: 'chars/token = Unicode code points / tokens.',
  format: 'ratio',
  chart: { file: 'chars_per_token.png', title: 'Characters per token', yLabel: 'chars / token' },
  start: () => ({ chars: 0 }),
  add: (state, { text }) => {
    state.chars += [...text].length;
  },
  merge: (into, from) => {
    into.chars += from.chars;
  },
  value: (tally, state) => state.chars / tally.tokens,
};

registerMetric(charsPerToken, { module: import.meta.url });
