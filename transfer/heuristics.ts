/**
 * Heuristic embedding initialisations for a target vocabulary (spec zett §7), on the source matrix E
 * [|V_A|, d] and a decomposition of the target vocabulary:
 *   random       per-dimension N(mean_j, std_j) of E (the control);
 *   fvt          E[t] when t's bytes are a source token, else the mean of its pieces' rows (Gee et al. 2022);
 *   lexical      E[t] for tokens in both vocabularies; the rest random as in the spec's default
 *                (`lexicalFallback: 'fvt'` gives FVT for them instead, which makes lexical equal to fvt);
 *   first-piece  the row of the first piece.
 * Special tokens always get their source counterpart's row. Fallback byte pieces have no row in E: they are
 * skipped in the FVT mean, and a token left with no row at all gets a random row (counted in `randomRows`).
 */
import { SeededRandom } from '../model/random.js';
import type { Decomposition } from './decompose.js';
import { TransferError } from './surface.js';

export const HEURISTIC_METHODS = ['random', 'lexical', 'fvt', 'first-piece'] as const;
export type HeuristicMethod = (typeof HEURISTIC_METHODS)[number];

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export interface InitResult extends Matrix {
  /** Rows copied verbatim from a source token (lexical overlap and specials). */
  copiedRows: number;
  /** Rows drawn at random (the random method, or tokens with no usable piece). */
  randomRows: number;
}

/** Per-column mean and (population) standard deviation. */
export function columnStats(m: Matrix): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(m.cols);
  const sq = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[r * m.cols + c]!;
      mean[c]! += v;
      sq[c]! += v * v;
    }
  }
  const std = new Float64Array(m.cols);
  for (let c = 0; c < m.cols; c++) {
    mean[c]! /= m.rows;
    std[c] = Math.sqrt(Math.max(0, sq[c]! / m.rows - mean[c]! ** 2));
  }
  return { mean, std };
}

export function initEmbeddings(
  method: HeuristicMethod,
  source: Matrix,
  d: Decomposition,
  options: { seed?: number; lexicalFallback?: 'random' | 'fvt' } = {},
): InitResult {
  if (!HEURISTIC_METHODS.includes(method)) {
    throw new TransferError(
      `unknown method ${JSON.stringify(method)} (${HEURISTIC_METHODS.join(', ')}, or hypernet)`,
    );
  }
  if (source.rows !== d.sourceVocabSize) {
    throw new TransferError(
      `the source matrix has ${source.rows} rows but the decomposition was made for ${d.sourceVocabSize} source tokens`,
    );
  }
  const { cols } = source;
  const n = d.lengths.length;
  const out = new Float32Array(n * cols);
  const stats = columnStats(source);
  const rng = new SeededRandom(options.seed ?? 0);
  let copiedRows = 0;
  let randomRows = 0;
  const copy = (t: number, s: number) => out.set(source.data.subarray(s * cols, (s + 1) * cols), t * cols);
  const random = (t: number) => {
    for (let c = 0; c < cols; c++) out[t * cols + c] = stats.mean[c]! + stats.std[c]! * rng.normal();
    randomRows++;
  };
  for (let t = 0; t < n; t++) {
    const special = d.specialSource[t]!;
    if (special >= 0) {
      copy(t, special);
      copiedRows++;
      continue;
    }
    if (method === 'random') {
      random(t);
      continue;
    }
    const same = d.sameSource[t]!;
    if (same >= 0 && method !== 'first-piece') {
      copy(t, same);
      copiedRows++;
      continue;
    }
    if (method === 'lexical' && (options.lexicalFallback ?? 'random') === 'random') {
      random(t);
      continue;
    }
    const base = t * d.maxPieces;
    if (method === 'first-piece') {
      const first = d.ids[base]!;
      if (first < source.rows) copy(t, first);
      else random(t);
      continue;
    }
    // FVT mean over the pieces that have a source row, accumulated in float64.
    const sum = new Float64Array(cols);
    let count = 0;
    for (let k = 0; k < d.lengths[t]!; k++) {
      const p = d.ids[base + k]!;
      if (p >= source.rows) continue;
      for (let c = 0; c < cols; c++) sum[c]! += source.data[p * cols + c]!;
      count++;
    }
    if (count === 0) random(t);
    else for (let c = 0; c < cols; c++) out[t * cols + c] = sum[c]! / count;
  }
  return { data: out, rows: n, cols, copiedRows, randomRows };
}
