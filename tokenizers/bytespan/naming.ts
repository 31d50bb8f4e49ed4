/**
 * Tokenizer names of the reference (spec §12), so that trained folders match the published ones:
 *   ByteSpan{Cue}{Monotonic | Combined[q]}{Frequency | Seeding[p]}[Balanced]
 *   ByteSpan{Cue}GlobalIncrement[LeftShift], BPE, BPEWP
 * `[q]` appears only when the percentile is not 30 and `[p]` only when the proportion is not 0.5, with
 * `.` written `-` (`Seeding0-25`); multilingual (Common Corpus) tokenizers get the prefix `Multi`.
 * Folders are `<Name>_<V>`.
 */
import type { CueName } from './cue-corpus.js';
import { normaliseProportion } from './selection.js';
import { DEFAULT_THRESHOLD_PERCENTILE } from './span-trainer.js';
import type { Constraint } from './spans.js';

/** The reference's cue names (its CLI alias `SpaceProbability` for the `Space Probability` column). */
const CUE_LABELS: Record<CueName, string> = {
  entropy: 'Entropy',
  surprisal: 'Surprisal',
  space: 'SpaceProbability',
  eos: 'EOSProbability',
};

const DEFAULT_PROPORTION = 0.5;

/** A number as a name part: shortest decimal form, `.` written `-`. */
function numberPart(value: number): string {
  return String(value).replace('.', '-');
}

export type TokenizerKind =
  | {
      kind: 'bytespan';
      cue: CueName;
      constraint: Constraint;
      thresholdPercentile?: number;
      /** Seeding proportion (fraction or percentage); omitted for frequency selection; 0 is BPE-WP. */
      proportion?: number;
      balanced?: boolean;
    }
  | { kind: 'global'; cue: CueName; leftShift?: boolean }
  | { kind: 'bpe' };

/** The reference's name of a tokenizer (without the size). */
export function tokenizerName(spec: TokenizerKind, options: { multilingual?: boolean } = {}): string {
  const prefix = options.multilingual ? 'Multi' : '';
  if (spec.kind === 'bpe') return `${prefix}BPE`;
  if (spec.kind === 'global') {
    return `${prefix}ByteSpan${CUE_LABELS[spec.cue]}GlobalIncrement${spec.leftShift ? 'LeftShift' : ''}`;
  }
  const p = spec.proportion === undefined ? null : normaliseProportion(spec.proportion);
  if (p === 0) return `${prefix}BPEWP`;
  const q = spec.thresholdPercentile ?? DEFAULT_THRESHOLD_PERCENTILE;
  const constraint =
    spec.constraint === 'monotonic'
      ? 'Monotonic'
      : `Combined${q === DEFAULT_THRESHOLD_PERCENTILE ? '' : numberPart(q)}`;
  const selection = p === null ? 'Frequency' : `Seeding${p === DEFAULT_PROPORTION ? '' : numberPart(p)}`;
  return `${prefix}ByteSpan${CUE_LABELS[spec.cue]}${constraint}${selection}${spec.balanced ? 'Balanced' : ''}`;
}

/** The folder of one trained size: `<Name>_<V>`. */
export function tokenizerFolder(name: string, vocabSize: number): string {
  return `${name}_${vocabSize}`;
}
