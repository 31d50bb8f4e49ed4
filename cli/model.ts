/** `cleangpt train | generate | eval`: language models on TensorFlow.js (loaded only by these commands). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { BaseTokenizer } from '../index.js';
import { loadInferenceModel, runtimeOption, threadsOption } from './inference-model.js';
import {
  addCorpusOptions,
  backendOption,
  CORPUS_INPUTS,
  corpusReadOptions,
  fraction,
  integerAtLeast,
  overwriteOption,
  positiveNumber,
  quietOption,
  resumeHint,
} from './options.js';

/** `--temperature`: finite and ≥ 0 (0 = greedy). */
function temperature(value: string): number {
  const x = Number(value);
  if (!(Number.isFinite(x) && x >= 0))
    throw new InvalidArgumentError(`expected a finite number >= 0 (0 = greedy), got "${value}"`);
  return x;
}

/** `--min-p`: in [0, 1). */
function minP(value: string): number {
  const x = Number(value);
  if (!(x >= 0 && x < 1)) throw new InvalidArgumentError(`expected a number in [0, 1), got "${value}"`);
  return x;
}

/** The flags that set a step-based run, which the simple trainer's epoch loop does not read. */
const STEP_FLAGS: Record<string, string> = {
  maxSteps: '--max-steps',
  evalInterval: '--eval-interval',
  warmupSteps: '--warmup-steps',
  schedule: '--schedule',
  gradAccum: '--grad-accum',
};

/**
 * Refuses flags the chosen trainer would ignore: the simple trainer runs whole epochs at a constant rate,
 * the advanced one a number of steps (a plugin receives both, so both are allowed).
 */
function checkTrainerFlags(
  trainer: string,
  epochs: number | undefined,
  given: (key: string) => boolean,
): void {
  if (trainer === 'simple') {
    const ignored = Object.keys(STEP_FLAGS).filter(given);
    if (ignored.length > 0)
      throw new Error(
        `${ignored.map((k) => STEP_FLAGS[k]).join(', ')}: not read by --trainer simple, which runs whole epochs at a constant rate (--epochs)`,
      );
  } else if (trainer === 'advanced' && epochs !== undefined)
    throw new Error('--epochs: not read by --trainer advanced, which runs --max-steps');
}

function registerTrain(program: Command): void {
  addCorpusOptions(
    program
      .command('train')
      .description(
        'train a Vanilla or SASP model on a corpus; writes the model, tokenizer, metrics.jsonl and loss.png',
      )
      .requiredOption('--data <files...>', CORPUS_INPUTS),
  )
    .requiredOption('--out <dir>', 'output directory')
    .option(
      '--model <type>',
      "model type: Vanilla, SASP or a registered plugin (default: --config's modelType, else GPTConfig's default, Vanilla)",
    )
    .option(
      '--trainer <name>',
      'advanced (steps, schedules, checkpoints), simple (the reference epoch loop) or a registered plugin',
      'advanced',
    )
    .option(
      '--tokenizer <name|dir>',
      'char, byte, bpe, gpt2, cl100k_base, o200k_base, bytespan, unigram, or a saved tokenizer directory; trainable types (char, bpe, bytespan, unigram, registered ones) are trained on --data',
      'byte',
    )
    .option(
      '--vocab-size <n>',
      'vocabulary size of a tokenizer trained on --data (bpe, bytespan, unigram)',
      integerAtLeast(1),
    )
    .option('--config <file>', 'GPTConfig JSON (camelCase or snake_case keys); flags override it')
    .option('--block-size <n>', 'context length', integerAtLeast(1))
    .option('--n-layer <n>', 'layers', integerAtLeast(1))
    .option('--n-head <n>', 'attention heads', integerAtLeast(1))
    .option('--n-embd <n>', 'width', integerAtLeast(1))
    .option('--batch-size <n>', 'sequences per micro-batch', integerAtLeast(1))
    .option('--lr <x>', 'peak learning rate', positiveNumber)
    .option('--max-steps <n>', 'optimizer steps (step-based trainers)', integerAtLeast(1), 1000)
    .option(
      '--epochs <n>',
      "--trainer simple: whole passes over the data (default: --config's numEpochs, else 5)",
      integerAtLeast(1),
    )
    .option('--eval-interval <n>', 'evaluate every N steps', integerAtLeast(1))
    .option('--warmup-steps <n>', 'linear warm-up steps', integerAtLeast(0))
    .option('--schedule <name>', 'constant, cosine or wsd', 'cosine')
    .option('--grad-accum <n>', 'micro-batches per step', integerAtLeast(1), 1)
    .option('--seed <n>', 'seed for init and data order', integerAtLeast(0), 1337)
    .addOption(backendOption(' (default: best available)'))
    .addOption(threadsOption())
    .option('--resume', 'continue from OUT/checkpoint')
    .addOption(
      overwriteOption('start afresh in an --out that holds a previous run (replaces only its files)'),
    )
    .addOption(quietOption('no progress bars'))
    .action(async (o, command: Command) => {
      checkTrainerFlags(o.trainer, o.epochs, (key) => command.getOptionValueSource(key) === 'cli');
      const {
        GPTConfig,
        initBackend,
        listTrainableTokenizers,
        loadTokenizer,
        readCorpus,
        readJsonFile,
        resolveTokenizer,
        trainLanguageModel,
        trainTokenizer,
      } = await import('../index.js');
      const canonicalName = (name: string): string => (name === 'char' ? 'character' : name);
      const base = o.config
        ? GPTConfig.fromJSON(readJsonFile(o.config, 'config'), o.config)
        : new GPTConfig();
      const config = base.with(
        {
          modelType: o.model,
          blockSize: o.blockSize,
          nLayer: o.nLayer,
          nHead: o.nHead,
          nEmbd: o.nEmbd,
          batchSize: o.batchSize,
          learningRate: o.lr,
          numEpochs: o.epochs,
        },
        o.config ?? 'command-line config',
      );
      // The model's width decides whether the wasm backend trains on every core (`--threads` overrides).
      await initBackend({ backend: o.backend, wasmThreads: o.threads, modelWidth: config.model.nEmbd });
      let tokenizer: BaseTokenizer;
      if (o.resume) tokenizer = loadTokenizer(path.join(o.out, 'tokenizer'));
      else if (
        !fs.existsSync(o.tokenizer) &&
        listTrainableTokenizers().includes(canonicalName(o.tokenizer))
      ) {
        tokenizer = await trainTokenizer(o.tokenizer, {
          documents: () => readCorpus(o.data, corpusReadOptions(o)),
          vocabSize: o.vocabSize,
        });
      } else if (o.vocabSize !== undefined) {
        throw new Error(
          `--vocab-size applies to a tokenizer trained on --data (${listTrainableTokenizers().join(', ')}), not to ${o.tokenizer}`,
        );
      } else tokenizer = resolveTokenizer(o.tokenizer);
      // The first Ctrl-C stops after the current step with a checkpoint. The handler is then gone, so a
      // second Ctrl-C gets the default action: the process ends at once, even inside a step.
      const controller = new AbortController();
      process.once('SIGINT', () => {
        console.error(
          '\ncleangpt: stopping after this step and writing a checkpoint (Ctrl-C again to quit at once)',
        );
        controller.abort();
      });
      const { final, outDir, interrupted, trainer } = await trainLanguageModel({
        config,
        trainer: o.trainer,
        tokenizer,
        inputs: o.data,
        outDir: o.out,
        maxSteps: o.maxSteps,
        evalInterval: o.evalInterval,
        warmupSteps: o.warmupSteps,
        schedule: o.schedule,
        gradAccum: o.gradAccum,
        seed: o.seed,
        ...corpusReadOptions(o),
        resume: o.resume === true,
        overwrite: o.overwrite === true,
        signal: controller.signal,
        progress: o.quiet !== true,
      });
      if (interrupted) {
        console.error(
          `cleangpt: interrupted at step ${trainer.state.step}; checkpoint in ${path.join(outDir, 'checkpoint')}\n` +
            resumeHint(),
        );
        process.exitCode = 130;
        return;
      }
      if (final !== null) {
        console.log(
          `validation loss ${final.loss.toFixed(4)}, perplexity ${final.perplexity.toFixed(2)}, bits per byte ${final.bitsPerByte?.toFixed(4) ?? 'n/a'}`,
        );
      }
      const written =
        o.trainer === 'advanced' ? 'model, tokenizer, metrics.jsonl and loss.png' : 'model and tokenizer';
      console.log(`${written} in ${outDir}`);
    });
}

function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('sample a continuation from a trained model directory')
    .requiredOption('--model <dir>', 'directory written by `cleangpt train`')
    .requiredOption('--prompt <text>', 'prompt text')
    // Unset sampling flags take the model's own defaults (its config's generation section).
    .option(
      '--max-new-tokens <n>',
      "tokens to generate (default: the model config's generationMaxLen)",
      integerAtLeast(0),
    )
    .option(
      '--temperature <x>',
      "sampling temperature, finite, >= 0 (0 = greedy; default: the model config's)",
      temperature,
    )
    .option(
      '--top-k <n>',
      "keep the k most likely tokens (default: the model config's topK; a k of the vocabulary size keeps all)",
      integerAtLeast(1),
    )
    .option('--top-p <x>', 'nucleus mass in (0, 1]', fraction)
    .option('--min-p <x>', 'drop tokens below this fraction of the best one, in [0, 1)', minP)
    .option('--seed <n>', 'sampling seed', integerAtLeast(0), 0)
    .addOption(backendOption())
    .addOption(runtimeOption())
    .addOption(threadsOption())
    .action(async (o) => {
      const { loadTokenizer, runGeneration, runOnnxGeneration, TransformerModel } = await import(
        '../index.js'
      );
      const model = await loadInferenceModel(o, 'generate');
      const tokenizer = loadTokenizer(path.join(o.model, 'tokenizer'));
      // Streams: the decoded prompt, then each token's text as it is sampled.
      process.stdout.write(tokenizer.decode(tokenizer.encode(o.prompt), { skipSpecialTokens: true }));
      const options = {
        maxNewTokens: o.maxNewTokens,
        temperature: o.temperature,
        topK: o.topK,
        topP: o.topP ?? null,
        minP: o.minP ?? null,
        seed: o.seed,
        onToken: ({ text }: { text: string }) => process.stdout.write(text),
      };
      if (model instanceof TransformerModel) runGeneration(model, tokenizer, o.prompt, options);
      else await runOnnxGeneration(model, tokenizer, o.prompt, options);
      process.stdout.write('\n');
    });
}

function registerEval(program: Command): void {
  addCorpusOptions(
    program
      .command('eval')
      .description('loss, perplexity and bits per byte of a trained model on a corpus')
      .requiredOption('--model <dir>', 'directory written by `cleangpt train`')
      .requiredOption('--data <files...>', `${CORPUS_INPUTS} to evaluate on`),
  )
    .option('--batch-size <n>', 'windows per forward pass', integerAtLeast(1), 8)
    .option(
      '--stride <n>',
      'distance between windows; smaller gives each token more context (default: the block size)',
      integerAtLeast(1),
    )
    .addOption(backendOption())
    .addOption(runtimeOption())
    .addOption(threadsOption())
    .addOption(quietOption())
    .action(async (o) => {
      const { evaluateOnFiles, loadTokenizer } = await import('../index.js');
      const model = await loadInferenceModel(o, 'score');
      const tokenizer = loadTokenizer(path.join(o.model, 'tokenizer'));
      const result = await evaluateOnFiles(model, tokenizer, o.data, {
        batchSize: o.batchSize,
        stride: o.stride,
        ...corpusReadOptions(o),
        progress: o.quiet !== true,
      });
      console.log(JSON.stringify(result));
    });
}

export function registerModelCommands(program: Command): void {
  registerTrain(program);
  registerGenerate(program);
  registerEval(program);
}
