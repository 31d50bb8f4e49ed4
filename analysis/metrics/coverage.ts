/**
 * Vocabulary coverage: the share of the vocabulary used at least once (the reference's `vocab_coverage`,
 * honestly named utilization), and the coverage curves: the share of the corpus tokens covered by the k
 * most frequent types, for every k.
 */
import * as path from 'node:path';
import { cumulativeShare } from '../coverage.js';
import type { Metric } from '../metric.js';
import { plotCoverageCurves } from '../plots.js';

export const coverage: Metric = {
  key: 'utilization',
  header: 'vocab used',
  format: 'ratio',
  column: false,
  value: (tally, _state, { tokenizer }) => tally.typesSeen / tokenizer.vocabSize,
  plot(tallies, outDir) {
    const file = path.join(outDir, 'coverage_curves.png');
    plotCoverageCurves(
      tallies.map(({ name, tally }) => ({ label: name, cumulative: cumulativeShare(tally.counts) })),
      file,
      { title: 'Vocabulary coverage by tokenizer', legend: true },
    );
    return [file];
  },
};
