#!/usr/bin/env node
/** The `cleangpt` command line: thin wrappers over the library API in index.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  analyzeDatasetWithTokenizer,
  type BaseTokenizer,
  BPETokenizer,
  CharacterTokenizer,
  type CreatedTokenizer,
  type CueName,
  compareTokenizers,
  createByteSpanTokenizers,
  createFrequencyTokenizers,
  createGlobalTokenizers,
  evaluateOnFiles,
  extractCues,
  GPTConfig,
  initBackend,
  listTokenizers,
  loadModel,
  loadTokenizer,
  parseCueName,
  plotCoverageCurves,
  readDocuments,
  readLinesOfFiles,
  resolveInputs,
  resolveTokenizer,
  runGeneration,
  type TrainProgress,
  trainBPE,
  trainLanguageModel,
} from './index.js';
import { FileError, readJsonFile, readTextFile, writeDirectoryAtomic, writeFileAtomic } from './utils/fs.js';
import { createProgress, type Progress } from './utils/progress.js';
import { dtypeFor, TokenFileWriter } from './utils/token-file.js';

const program = new Command();
program
  .name('cleangpt')
  .description(
    'Tokenizer and small-language-model research: train tokenizers and transformers, sample, analyse.',
  )
  .showHelpAfterError();

const tokenizers = program.command('tokenizers').description('train, inspect and apply tokenizers');
tokenizers
  .command('list')
  .description('list the registered tokenizer types')
  .action(() => {
    for (const name of listTokenizers()) console.log(name);
  });

function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

/** Reads `\n`, `\t` and `\\` in a separator given on the command line as the characters they name. */
function unescapeSeparator(value: string | undefined): string | undefined {
  return value?.replace(/\\([nt\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));
}

/**
 * The distinct characters of the training inputs (any supported format, newlines included), in
 * first-seen order, for a character vocabulary.
 */
async function corpusCharacters(inputs: readonly string[]): Promise<string> {
  const seen = new Set<string>();
  for await (const document of readDocuments(await resolveInputs(inputs))) {
    for (const piece of document) for (const ch of piece) seen.add(ch);
  }
  return [...seen].join('');
}

/** One stderr bar per training phase (counting, then merging). */
function trainingProgress(enabled: boolean): { report: (p: TrainProgress) => void; stop: () => void } {
  let phase: TrainProgress['phase'] | null = null;
  let bar: Progress | null = null;
  return {
    report: (p) => {
      if (p.phase !== phase) {
        bar?.stop();
        phase = p.phase;
        const label = p.phase === 'count' ? 'counting pre-tokens' : 'merging';
        bar = p.total === null ? null : createProgress(p.total, label, { enabled });
      }
      bar?.update(p.done);
    },
    stop: () => bar?.stop(),
  };
}

tokenizers
  .command('train-bpe')
  .description('train a byte-level BPE tokenizer (GPT-2 pre-tokenization, CS336 tie rule) and save it')
  .requiredOption('--input <files...>', 'UTF-8 corpus files (each file is an independent document)')
  .requiredOption('--vocab-size <n>', '256 bytes + merges + special tokens', integerAtLeast(256))
  .option('--special-tokens <list>', 'comma-separated special tokens, e.g. "<|endoftext|>"')
  .option('--min-frequency <n>', 'stop when the most frequent pair occurs fewer times', integerAtLeast(0))
  .option(
    '--workers <n>',
    'worker threads for pre-token counting (default: available cores)',
    integerAtLeast(1),
  )
  .option('--replace-invalid-utf8', 'replace malformed UTF-8 with U+FFFD instead of stopping with an error')
  .option('--quiet', 'no progress bar')
  .requiredOption(
    '--out <dir>',
    'output directory (tokenizer.json, vocab.json, merges.txt, tokenizer_config.json)',
  )
  .action(
    async (opts: {
      input: string[];
      vocabSize: number;
      specialTokens?: string;
      minFrequency?: number;
      workers?: number;
      replaceInvalidUtf8?: boolean;
      quiet?: boolean;
      out: string;
    }) => {
      const specialTokens = opts.specialTokens === undefined ? [] : opts.specialTokens.split(',');
      const progress = trainingProgress(!opts.quiet);
      const started = performance.now();
      let result: Awaited<ReturnType<typeof trainBPE>>;
      try {
        result = await trainBPE({
          input: opts.input,
          vocabSize: opts.vocabSize,
          specialTokens,
          minFrequency: opts.minFrequency,
          numWorkers: opts.workers,
          invalidUtf8: opts.replaceInvalidUtf8 ? 'replace' : 'error',
          onProgress: progress.report,
        });
      } finally {
        progress.stop();
      }
      const { vocab, merges } = result;
      writeDirectoryAtomic(opts.out, (tmp) =>
        new BPETokenizer({ vocab, merges, specialTokens }).savePretrained(tmp),
      );
      if (result.stopReason !== 'vocab-size') {
        const why = result.stopReason === 'no-pairs' ? 'no pair left to merge' : 'min-frequency reached';
        console.error(
          `cleangpt: stopped early (${why}): vocabulary ${vocab.size} of ${result.requestedVocabSize} requested`,
        );
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      console.log(
        `trained ${merges.length} merges, vocabulary ${vocab.size}, from ${result.distinctPretokens} distinct pre-tokens in ${seconds} s -> ${opts.out}`,
      );
    },
  );

/** Chunk size for streaming encode in the CLI (UTF-16 units): bounds the progress granularity. */
const ENCODE_CHUNK = 1 << 20;

function cueOption(value: string): CueName {
  try {
    return parseCueName(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function printCreated(created: readonly CreatedTokenizer[]): void {
  for (const t of created) {
    const short = t.actualSize < t.vocabSize ? ` (only ${t.actualSize} entries: the corpus ran out)` : '';
    console.log(`${t.name} ${t.vocabSize}${short} → ${t.dir}`);
  }
}

const vocabSizesOption = ['--vocab-size <n...>', 'target vocabulary sizes (one folder each)'] as const;
const collectSizes = (v: string, all: number[] = []): number[] => [...all, integerAtLeast(1)(v)];

tokenizers
  .command('create-bytespan')
  .description(
    'ByteSpan tokenizers from per-byte cues (monotonic or combined constraint; frequency or seeding)',
  )
  .requiredOption('--predictions <dir>', 'cue corpus written by `cleangpt extract predictions`')
  .requiredOption('--cue <name>', 'entropy, surprisal, space or eos', cueOption)
  .requiredOption('--constraint <name>', 'monotonic or combined')
  .requiredOption(...vocabSizesOption, collectSizes)
  .option('--threshold-percentile <q>', 'combined: θ is the q-th percentile of the cue', Number, 30)
  .option(
    '--proportion-bytespan <p>',
    'seeding share of spans, 0.5 or 50 (omit: frequency; 0: BPE-WP)',
    Number,
  )
  .option('--balanced', 'language-balanced selection over the corpus sources')
  .option('--multilingual', 'prefix names with Multi')
  .option(
    '--workers <n>',
    'threads for the span pass (default: available cores up to 8; 1 under 4 MiB)',
    integerAtLeast(1),
  )
  .requiredOption('--out <dir>', 'parent folder (one <Name>_<V> subfolder per size)')
  .option('--quiet', 'no progress bar')
  .action(async (o) => {
    printCreated(
      await createByteSpanTokenizers({
        predictions: o.predictions,
        cue: o.cue,
        constraint: o.constraint,
        vocabSizes: o.vocabSize,
        thresholdPercentile: o.thresholdPercentile,
        proportion: o.proportionBytespan,
        balanced: o.balanced === true,
        multilingual: o.multilingual === true,
        numWorkers: o.workers,
        outDir: o.out,
        progress: !o.quiet,
      }),
    );
  });

tokenizers
  .command('create-threshold')
  .description('ByteSpan tokenizers under the global constraint (rising threshold, incremental union)')
  .requiredOption('--predictions <dir>', 'cue corpus written by `cleangpt extract predictions`')
  .requiredOption('--cue <name>', 'entropy, surprisal, space or eos', cueOption)
  .requiredOption(...vocabSizesOption, collectSizes)
  .option('--left-shift', 'the LeftShift variant: take in the high-information head byte')
  .option('--counting <mode>', 'exact, or reference (its approximate decrements)', 'exact')
  .option('--min-frequency <n>', 'segments need this count to enter the vocabulary', integerAtLeast(1), 20)
  .option('--multilingual', 'prefix names with Multi')
  .requiredOption('--out <dir>', 'parent folder (one <Name>_<V> subfolder per size, with stats.csv)')
  .option('--quiet', 'no progress bar')
  .action((o) => {
    printCreated(
      createGlobalTokenizers({
        predictions: o.predictions,
        cue: o.cue,
        vocabSizes: o.vocabSize,
        leftShift: o.leftShift === true,
        counting: o.counting,
        minFrequency: o.minFrequency,
        multilingual: o.multilingual === true,
        outDir: o.out,
        progress: !o.quiet,
      }),
    );
  });

tokenizers
  .command('create-frequency')
  .description('the BPE baseline on the documents of a cue corpus (one merge list, cut per size)')
  .requiredOption('--predictions <dir>', 'cue corpus written by `cleangpt extract predictions`')
  .requiredOption(...vocabSizesOption, collectSizes)
  .option('--min-frequency <n>', 'stop merging when the best pair is rarer', integerAtLeast(0))
  .option('--multilingual', 'prefix names with Multi')
  .requiredOption('--out <dir>', 'parent folder (one BPE_<V> subfolder per size)')
  .option('--quiet', 'no progress bar')
  .action(async (o) => {
    printCreated(
      await createFrequencyTokenizers({
        predictions: o.predictions,
        vocabSizes: o.vocabSize,
        minFrequency: o.minFrequency,
        multilingual: o.multilingual === true,
        outDir: o.out,
        progress: !o.quiet,
      }),
    );
  });

tokenizers
  .command('encode')
  .description("encode a UTF-8 text file to token ids (the tokenizer's own special tokens are recognised)")
  .requiredOption(
    '--tokenizer <nameOrDir>',
    'registered tokenizer (gpt2, byte, char, …) or saved tokenizer directory',
  )
  .requiredOption('--input <file>', 'UTF-8 text file')
  .requiredOption(
    '--out <file>',
    '.json: a JSON array of ids; .bin: little-endian uint16 (vocabulary ≤ 65536) else uint32',
  )
  .option('--quiet', 'no progress bar')
  .action((opts: { tokenizer: string; input: string; out: string; quiet?: boolean }) => {
    const format = tokenFileFormat(opts.out);
    const tokenizer = resolveTokenizer(opts.tokenizer);
    const text = readTextFile(opts.input, 'input text');
    const chunks = function* (): Generator<string> {
      for (let i = 0; i < text.length; i += ENCODE_CHUNK) yield text.slice(i, i + ENCODE_CHUNK);
    };
    const bar = createProgress(text.length, 'encoding', { enabled: !opts.quiet });
    let done = 0;
    const ids: number[] = [];
    const writer = format === 'bin' ? new TokenFileWriter(opts.out, tokenizer.vocabSize) : null;
    try {
      for (const part of tokenizer.encodeIterable(chunks())) {
        if (writer !== null) writer.write(part);
        else for (const id of part) ids.push(id);
        done = Math.min(text.length, done + ENCODE_CHUNK);
        bar.update(done);
      }
      if (writer !== null)
        writer.close({
          numDocuments: 1,
          numBytes: Buffer.byteLength(text),
          tokenizer: opts.tokenizer,
          eosTokenId: tokenizer.eosTokenId ?? -1,
        });
      else writeFileAtomic(opts.out, `${JSON.stringify(ids)}\n`);
    } catch (error) {
      writer?.abort();
      throw error;
    } finally {
      bar.stop();
    }
    const count = writer?.numTokens ?? ids.length;
    console.log(`${count} tokens${writer === null ? '' : ` (${writer.dtype})`} -> ${opts.out}`);
  });

tokenizers
  .command('decode')
  .description('decode token ids (.json array or .bin from `tokenizers encode`) back to UTF-8 text')
  .requiredOption(
    '--tokenizer <nameOrDir>',
    'registered tokenizer (gpt2, byte, char, …) or saved tokenizer directory',
  )
  .requiredOption(
    '--input <file>',
    'ids.json (JSON array of integers) or ids.bin (little-endian, width from the vocabulary size)',
  )
  .requiredOption('--out <file>', 'output text file')
  .action((opts: { tokenizer: string; input: string; out: string }) => {
    const tokenizer = resolveTokenizer(opts.tokenizer);
    let ids: ArrayLike<number>;
    if (tokenFileFormat(opts.input) === 'json') {
      const json = readJsonFile(opts.input, 'token ids');
      if (!Array.isArray(json) || json.some((v) => !Number.isInteger(v))) {
        throw new FileError(opts.input, 'expected a JSON array of integer token ids');
      }
      ids = json as number[];
    } else {
      const bytes = fs.readFileSync(opts.input);
      const width = dtypeFor(tokenizer.vocabSize) === 'uint16' ? 2 : 4;
      if (bytes.length % width !== 0) {
        throw new FileError(
          opts.input,
          `size ${bytes.length} bytes is not a multiple of ${width} (${dtypeFor(tokenizer.vocabSize)} ids)`,
        );
      }
      const copy = new Uint8Array(bytes);
      ids = width === 2 ? new Uint16Array(copy.buffer) : new Uint32Array(copy.buffer);
    }
    writeFileAtomic(opts.out, tokenizer.decode(ids));
    console.log(`${ids.length} tokens -> ${opts.out}`);
  });

/** `.json` or `.bin` by file extension; anything else is a usage error. */
function tokenFileFormat(file: string): 'json' | 'bin' {
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.bin')) return 'bin';
  throw new InvalidArgumentError(`${file}: expected a .json or .bin file name`);
}

/**
 * `--tokenizer` values → named tokenizers (directory base names; repeated names get a numeric suffix). A
 * character tokenizer given by name has no vocabulary yet, so it gets the characters of `inputs`.
 */
function namedTokenizers(
  specs: readonly string[],
  inputs: readonly string[],
): Array<{ name: string; tokenizer: BaseTokenizer }> {
  const seen = new Map<string, number>();
  return specs.map((spec) => {
    const tokenizer = resolveTokenizer(spec);
    const isDirectory = fs.existsSync(spec) && fs.statSync(spec).isDirectory();
    if (tokenizer instanceof CharacterTokenizer && !isDirectory)
      tokenizer.buildVocabFromTexts(readLinesOfFiles(inputs));
    const base = path.basename(path.resolve(spec));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { name: n === 1 ? base : `${base}-${n}`, tokenizer };
  });
}

function fraction(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1)) throw new InvalidArgumentError(`expected a fraction in (0, 1], got "${value}"`);
  return x;
}

program
  .command('analyze')
  .description(
    'compare tokenizers (bytes/token, fertility, words split, types used, Rényi efficiency, MorphScore); ' +
      'with "coverage": the cleanGPT token-usage analysis (frequencies, coverage thresholds, reduced vocabularies)',
  )
  .argument('[mode]', '"coverage" for the token-usage analysis; omit for the tokenizer comparison')
  .requiredOption(
    '--tokenizer <nameOrDir>',
    'registered tokenizer (gpt2, byte, char, …) or saved tokenizer directory; repeat to compare',
    (v: string, all: string[] = []) => [...all, v],
  )
  .requiredOption(
    '--input <files...>',
    'UTF-8 corpus files, read line by line (one per language for per-language metrics)',
  )
  .option('--morph <csv>', 'MorphScore CSV with columns full_word, pt1, rest')
  .option(
    '--reduced-vocab <fraction...>',
    'coverage mode: write reduced_vocab_{c}.json for each coverage',
    (v: string, all: number[] = []) => [...all, fraction(v)],
  )
  .option('--max-samples <n>', 'coverage mode: analyse at most this many lines', integerAtLeast(1))
  .option('--quiet', 'no progress bar')
  .requiredOption('--out <dir>', 'output directory for the report and charts')
  .action(
    (
      mode: string | undefined,
      opts: {
        tokenizer: string[];
        input: string[];
        morph?: string;
        reducedVocab?: number[];
        maxSamples?: number;
        quiet?: boolean;
        out: string;
      },
    ) => {
      const named = namedTokenizers(opts.tokenizer, opts.input);
      if (mode === undefined) {
        const report = compareTokenizers({
          tokenizers: named,
          inputs: opts.input,
          morphCsv: opts.morph,
          outDir: opts.out,
          showProgress: !opts.quiet,
        });
        for (const t of report.tokenizers) {
          console.log(
            `${t.name}: ${t.bytesPerToken.toFixed(3)} bytes/token, fertility ${t.fertility.toFixed(3)}, ` +
              `split ${t.propSplit.toFixed(3)}, types ${t.typesUsed}, Rényi ${t.renyi?.toFixed(3) ?? 'n/a'}` +
              (t.morphScore === null ? '' : `, MorphScore ${t.morphScore.toFixed(3)}`),
          );
        }
        console.log(`report -> ${path.join(opts.out, 'report.md')}`);
        return;
      }
      if (mode !== 'coverage')
        throw new InvalidArgumentError(`unknown analyze mode "${mode}" (expected "coverage" or nothing)`);
      if (opts.morph !== undefined)
        throw new InvalidArgumentError('--morph applies to the comparison, not to "analyze coverage"');
      const curves: Array<{ label: string; cumulative: Float64Array }> = [];
      for (const { name, tokenizer } of named) {
        const dir = named.length === 1 ? opts.out : path.join(opts.out, name);
        const { summary, analyzer, reduced } = analyzeDatasetWithTokenizer({ file: opts.input }, tokenizer, {
          outputDir: dir,
          maxSamples: opts.maxSamples,
          showProgress: !opts.quiet,
          reducedVocabCoverages: opts.reducedVocab,
        });
        curves.push({ label: name, cumulative: analyzer.cumulativeCoverage() });
        const thresholds = [...analyzer.coverageThresholds()].map(([t, k]) => `${t}: ${k}`).join(', ');
        console.log(
          `${name}: ${summary.totalTokens} tokens, ${summary.uniqueTokens} of ${tokenizer.vocabSize} types used; coverage ranks ${thresholds}`,
        );
        for (const r of reduced)
          console.log(
            `  reduced vocabulary at ${r.requestedCoverage}: ${r.vocab.size} tokens (covers ${r.reachedCoverage.toFixed(4)})`,
          );
        console.log(`  analysis -> ${dir}`);
      }
      if (named.length > 1)
        plotCoverageCurves(curves, path.join(opts.out, 'coverage_curves.png'), {
          title: 'Vocabulary coverage by tokenizer',
        });
    },
  );

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

program
  .command('train')
  .description(
    'train a Vanilla or SASP model on text files; writes the model, tokenizer, metrics.jsonl and loss.png',
  )
  .requiredOption('--data <files...>', 'corpus files, folders or hf:// paths')
  .requiredOption('--out <dir>', 'output directory')
  .option('--model <type>', 'model type (Vanilla, SASP or a registered plugin)', 'Vanilla')
  .option('--tokenizer <name|dir>', 'char, byte, gpt2, or a saved tokenizer directory', 'byte')
  .option('--config <file>', 'GPTConfig JSON (camelCase or snake_case keys); flags override it')
  .option('--block-size <n>', 'context length', integerAtLeast(1))
  .option('--n-layer <n>', 'layers', integerAtLeast(1))
  .option('--n-head <n>', 'attention heads', integerAtLeast(1))
  .option('--n-embd <n>', 'width', integerAtLeast(1))
  .option('--batch-size <n>', 'sequences per micro-batch', integerAtLeast(1))
  .option('--lr <x>', 'peak learning rate', positiveNumber)
  .option('--max-steps <n>', 'optimizer steps', integerAtLeast(1), 1000)
  .option('--eval-interval <n>', 'evaluate every N steps', integerAtLeast(1))
  .option('--warmup-steps <n>', 'linear warm-up steps', integerAtLeast(0))
  .option('--schedule <name>', 'constant, cosine or wsd', 'cosine')
  .option('--grad-accum <n>', 'micro-batches per step', integerAtLeast(1), 1)
  .option('--seed <n>', 'seed for init and data order', integerAtLeast(0), 1337)
  .option('--backend <name>', 'tensorflow, wasm, cpu or webgpu (default: best available)')
  .option('--resume', 'continue from OUT/checkpoint')
  .option('--quiet', 'no progress bars')
  .action(async (o) => {
    await initBackend({ backend: o.backend });
    const base = o.config ? GPTConfig.fromJSON(readJsonFile(o.config, 'config'), o.config) : new GPTConfig();
    const overrides: Record<string, unknown> = {
      modelType: o.model,
      blockSize: o.blockSize,
      nLayer: o.nLayer,
      nHead: o.nHead,
      nEmbd: o.nEmbd,
      batchSize: o.batchSize,
      learningRate: o.lr,
    };
    for (const [k, v] of Object.entries(overrides))
      if (v !== undefined) (base as unknown as Record<string, unknown>)[k] = v;
    base.validate(o.config ?? 'command-line config');
    const tokenizer = o.resume ? loadTokenizer(path.join(o.out, 'tokenizer')) : resolveTokenizer(o.tokenizer);
    if (
      !o.resume &&
      tokenizer instanceof CharacterTokenizer &&
      o.tokenizer !== undefined &&
      !fs.existsSync(o.tokenizer)
    ) {
      tokenizer.buildVocabFromTexts([await corpusCharacters(o.data)]);
    }
    const controller = new AbortController();
    process.once('SIGINT', () => {
      console.error('\ncleangpt: stopping after this step and writing a checkpoint (Ctrl-C again to abort)');
      controller.abort();
    });
    const { final, outDir } = await trainLanguageModel({
      config: base,
      tokenizer,
      inputs: o.data,
      outDir: o.out,
      maxSteps: o.maxSteps,
      evalInterval: o.evalInterval,
      warmupSteps: o.warmupSteps,
      schedule: o.schedule,
      gradAccum: o.gradAccum,
      seed: o.seed,
      resume: o.resume === true,
      signal: controller.signal,
      progress: o.quiet !== true,
    });
    if (final !== null) {
      console.log(
        `validation loss ${final.loss.toFixed(4)}, perplexity ${final.perplexity.toFixed(2)}, bits per byte ${final.bitsPerByte?.toFixed(4) ?? 'n/a'}`,
      );
    }
    console.log(`model, tokenizer, metrics.jsonl and loss.png in ${outDir}`);
  });

program
  .command('generate')
  .description('sample a continuation from a trained model directory')
  .requiredOption('--model <dir>', 'directory written by `cleangpt train`')
  .requiredOption('--prompt <text>', 'prompt text')
  .option('--max-new-tokens <n>', 'tokens to generate', integerAtLeast(0), 50)
  .option('--temperature <x>', 'sampling temperature (0 = greedy)', Number, 0.8)
  .option('--top-k <n>', 'keep the k most likely tokens', integerAtLeast(1))
  .option('--top-p <x>', 'nucleus mass', Number)
  .option('--seed <n>', 'sampling seed', integerAtLeast(0), 0)
  .option('--backend <name>', 'tensorflow, wasm, cpu or webgpu')
  .action(async (o) => {
    await initBackend({ backend: o.backend, log: null });
    const model = loadModel(o.model);
    const tokenizer = loadTokenizer(path.join(o.model, 'tokenizer'));
    // Streams: the decoded prompt, then each token's text as it is sampled.
    process.stdout.write(tokenizer.decode(tokenizer.encode(o.prompt), { skipSpecialTokens: true }));
    runGeneration(model, tokenizer, o.prompt, {
      maxNewTokens: o.maxNewTokens,
      temperature: o.temperature,
      topK: o.topK ?? null,
      topP: o.topP ?? null,
      seed: o.seed,
      onToken: ({ text }) => process.stdout.write(text),
    });
    process.stdout.write('\n');
  });

program
  .command('eval')
  .description('loss, perplexity and bits per byte of a trained model on text files')
  .requiredOption('--model <dir>', 'directory written by `cleangpt train`')
  .requiredOption('--data <files...>', 'text files to evaluate on')
  .option('--batch-size <n>', 'sequences per batch', integerAtLeast(1), 8)
  .option('--backend <name>', 'tensorflow, wasm, cpu or webgpu')
  .action(async (o) => {
    await initBackend({ backend: o.backend, log: null });
    const model = loadModel(o.model);
    const tokenizer = loadTokenizer(path.join(o.model, 'tokenizer'));
    const result = await evaluateOnFiles(model, tokenizer, o.data, { batchSize: o.batchSize });
    console.log(JSON.stringify(result));
  });

program
  .command('extract')
  .description('extract per-byte information cues for ByteSpan tokenizers')
  .command('predictions')
  .description(
    'run a byte-level model over text and store entropy, surprisal, space and EOS cues (nats) per byte',
  )
  .requiredOption('--model <dir>', 'byte-level model directory written by `cleangpt train --tokenizer byte`')
  .requiredOption('--input <files...>', 'text, JSONL or Parquet files or folders (one source label per file)')
  .requiredOption('--out <dir>', 'cue corpus directory to write')
  .option('--block-size <n>', 'window length (default: the model blockSize)', integerAtLeast(2))
  .option('--stride <n>', 'distance between windows (default blockSize / 4)', integerAtLeast(1))
  .option('--batch-size <n>', 'windows per forward pass', integerAtLeast(1), 8)
  .option('--document-separator <text>', 'split plain-text files into documents on this string (e.g. "\\n")')
  .option('--text-field <name>', 'JSONL/Parquet text field')
  .option('--no-prefix-space', 'do not prepend a space to documents that lack one')
  .option('--resume', 'continue an interrupted extraction in --out')
  .option('--overwrite', 'replace an existing cue corpus in --out')
  .option('--backend <name>', 'tensorflow, wasm, cpu or webgpu')
  .option('--quiet', 'no progress bar')
  .action(async (o) => {
    await initBackend({ backend: o.backend, log: null });
    const model = loadModel(o.model).eval();
    const tokenizer = loadTokenizer(path.join(o.model, 'tokenizer'));
    const meta = await extractCues(model, tokenizer, o.input, o.out, {
      blockSize: o.blockSize,
      stride: o.stride,
      batchSize: o.batchSize,
      documentSeparator: unescapeSeparator(o.documentSeparator),
      textField: o.textField,
      addPrefixSpace: o.prefixSpace,
      resume: o.resume,
      overwrite: o.overwrite,
      progress: !o.quiet,
    });
    console.log(
      `wrote ${meta.numBytes} bytes in ${meta.numDocuments} documents with cues ${meta.cues.join(', ')} (${meta.unit}) to ${o.out}`,
    );
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`cleangpt: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
