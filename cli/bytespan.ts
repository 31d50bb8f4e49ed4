/**
 * `cleangpt tokenizers create-bytespan | create-threshold | create-frequency`: ByteSpan tokenizers (and
 * their BPE baseline) from a cue corpus written by `cleangpt extract predictions`.
 */
import type { Command } from 'commander';
import type { CreatedTokenizer } from '../text-api.js';
import { collect, integerAtLeast, quietOption } from './options.js';

function printCreated(created: readonly CreatedTokenizer[]): void {
  for (const t of created) {
    const short = t.actualSize < t.vocabSize ? ` (only ${t.actualSize} entries: the corpus ran out)` : '';
    console.log(`${t.name} ${t.vocabSize}${short} → ${t.dir}`);
  }
}

/** The creators' shared options as the library names them. */
const shared = (o: {
  predictions: string;
  vocabSize: number[];
  multilingual?: boolean;
  out: string;
  quiet?: boolean;
}) => ({
  predictions: o.predictions,
  vocabSizes: o.vocabSize,
  multilingual: o.multilingual === true,
  outDir: o.out,
  progress: !o.quiet,
});

/** The options every creator shares: the cue corpus, the sizes, the naming, the output, --quiet. */
function creator(tokenizers: Command, name: string, description: string, out: string): Command {
  return tokenizers
    .command(name)
    .description(description)
    .requiredOption('--predictions <dir>', 'cue corpus written by `cleangpt extract predictions`')
    .requiredOption(
      '--vocab-size <n...>',
      'target vocabulary sizes (one folder each)',
      collect(integerAtLeast(1)),
    )
    .option('--multilingual', 'prefix names with Multi')
    .requiredOption('--out <dir>', out)
    .addOption(quietOption());
}

const CUE = ['--cue <name>', 'entropy, surprisal, space or eos'] as const;

/** Adds the ByteSpan creators to the `tokenizers` group. */
export function registerByteSpanCommands(tokenizers: Command): void {
  creator(
    tokenizers,
    'create-bytespan',
    'ByteSpan tokenizers from per-byte cues (monotonic or combined constraint; frequency or seeding)',
    'parent folder (one <Name>_<V> subfolder per size)',
  )
    .requiredOption(...CUE)
    .requiredOption('--constraint <name>', 'monotonic or combined')
    .option('--threshold-percentile <q>', 'combined: θ is the q-th percentile of the cue', Number, 30)
    .option(
      '--proportion-bytespan <p>',
      'seeding share of spans, 0.5 or 50 (omit: frequency; 0: BPE-WP)',
      Number,
    )
    .option('--balanced', 'language-balanced selection over the corpus sources')
    .option(
      '--workers <n>',
      'threads for the span pass (default: available cores up to 8; 1 under 4 MiB)',
      integerAtLeast(1),
    )
    .action(async (o) => {
      const { createByteSpanTokenizers, parseCueName } = await import('../text-api.js');
      printCreated(
        await createByteSpanTokenizers({
          ...shared(o),
          cue: parseCueName(o.cue),
          constraint: o.constraint,
          thresholdPercentile: o.thresholdPercentile,
          proportion: o.proportionBytespan,
          balanced: o.balanced === true,
          numWorkers: o.workers,
        }),
      );
    });

  creator(
    tokenizers,
    'create-threshold',
    'ByteSpan tokenizers under the global constraint (rising threshold, incremental union)',
    'parent folder (one <Name>_<V> subfolder per size, with stats.csv)',
  )
    .requiredOption(...CUE)
    .option('--left-shift', 'the LeftShift variant: take in the high-information head byte')
    .option('--counting <mode>', 'exact, or reference (its approximate decrements)', 'exact')
    .option('--min-frequency <n>', 'segments need this count to enter the vocabulary', integerAtLeast(1), 20)
    .action(async (o) => {
      const { createGlobalTokenizers, parseCueName } = await import('../text-api.js');
      printCreated(
        createGlobalTokenizers({
          ...shared(o),
          cue: parseCueName(o.cue),
          leftShift: o.leftShift === true,
          counting: o.counting,
          minFrequency: o.minFrequency,
        }),
      );
    });

  creator(
    tokenizers,
    'create-frequency',
    'the BPE baseline on the documents of a cue corpus (one merge list, cut per size)',
    'parent folder (one BPE_<V> subfolder per size)',
  )
    .option(
      '--min-frequency <n>',
      'stop merging when the best pair is rarer (default 0; 20 with --reference)',
      integerAtLeast(0),
    )
    .option(
      '--reference',
      "the reference's layout: PAD 0, EOS 1, bytes 2–257, merges from 258, pairs seen < 20 times never merged, merges_data.csv",
    )
    .action(async (o) => {
      const { createFrequencyTokenizers } = await import('../text-api.js');
      printCreated(
        await createFrequencyTokenizers({
          ...shared(o),
          minFrequency: o.minFrequency,
          reference: o.reference === true,
        }),
      );
    });
}
