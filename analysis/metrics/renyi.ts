/** Rényi efficiency (Zouhar et al. 2023) of the unigram distribution, α = 2.5. */
import type { Metric } from '../metric.js';

export const RENYI_ALPHA = 2.5;

/**
 * Rényi efficiency: H_α(p) / log₂ U with H_α = log₂(Σ pᵢ^α) / (1 − α), pᵢ = countᵢ / N over the observed
 * types, U = number of observed types. NaN when U < 2 (log₂ U = 0).
 */
export function renyiEfficiency(counts: ArrayLike<number>, alpha = RENYI_ALPHA): number {
  if (!(alpha > 0) || alpha === 1) throw new Error(`Rényi alpha must be positive and not 1, got ${alpha}`);
  let total = 0;
  let types = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) {
      total += c;
      types++;
    }
  }
  if (types < 2) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0) sum += (c / total) ** alpha;
  }
  return Math.log2(sum) / (1 - alpha) / Math.log2(types);
}

export const renyi: Metric = {
  key: 'renyi',
  header: 'Rényi (α=2.5)',
  definition: 'Rényi = H₂.₅(p) / log₂(types used) (Zouhar et al., 2023).',
  format: 'ratio',
  chart: { file: 'renyi.png', title: 'Rényi efficiency (α = 2.5)', yLabel: 'efficiency' },
  value: (tally) => renyiEfficiency(tally.counts, RENYI_ALPHA),
};
