/**
 * `cleangpt transfer …`: move a trained model to another tokenizer (random, lexical, fvt, first-piece or a
 * trained hypernetwork), and `transfer train-hypernet` to train that hypernetwork.
 */
import type { Command } from 'commander';
import {
  addCorpusOptions,
  backendOption,
  CORPUS_INPUTS,
  type CorpusFlags,
  corpusReadOptions,
  integerAtLeast,
  overwriteOption,
  positiveNumber,
  quietOption,
  tokenizerOption,
} from './options.js';

const METHODS = ['random', 'lexical', 'fvt', 'first-piece', 'hypernet'];

export function registerTransferCommands(program: Command): Command {
  const transfer = program
    .command('transfer')
    .description('give a trained model another tokenizer (zero-shot tokenizer transfer); see train-hypernet')
    // Options after `train-hypernet` are its own (both take --model and --out); required ones are checked
    // in the action, since commander would otherwise demand them of the subcommand's callers too.
    .enablePositionalOptions()
    .option(
      '--model <dir>',
      'trained model directory (config.json, model.safetensors, tokenizer/) [required]',
    )
    .addOption(tokenizerOption(' to move the model to [required]'))
    .option('--method <name>', `${METHODS.join(' | ')} [required]`)
    .option('--hypernet <dir>', 'trained hypernetwork directory (for --method hypernet)')
    .option(
      '--max-pieces <n>',
      'source pieces per target token, L (default 8; the hypernetwork sets its own)',
      integerAtLeast(1),
    )
    .option('--seed <n>', 'seed of random rows', integerAtLeast(0), 0)
    .option('--out <dir>', 'output model directory (must not exist unless --overwrite) [required]')
    .addOption(overwriteOption('replace an existing output directory'))
    .addOption(backendOption())
    .action(
      async (opts: {
        model?: string;
        tokenizer?: string;
        method?: string;
        hypernet?: string;
        maxPieces?: number;
        seed: number;
        out?: string;
        overwrite?: boolean;
        backend?: string;
      }) => {
        for (const name of ['model', 'tokenizer', 'method', 'out'] as const) {
          if (opts[name] === undefined)
            throw new Error(`transfer: required option '--${name}' not specified`);
        }
        const o = opts as typeof opts & { model: string; tokenizer: string; method: string; out: string };
        if (!METHODS.includes(o.method)) {
          throw new Error(`--method ${JSON.stringify(o.method)} is not one of ${METHODS.join(', ')}`);
        }
        if ((o.method === 'hypernet') !== (o.hypernet !== undefined)) {
          throw new Error('--hypernet <dir> goes with --method hypernet, and only with it');
        }
        const api = await import('../index.js');
        await api.initBackend({ backend: o.backend as never, log: null });
        const model = api.loadModel(o.model);
        const source = api.loadTokenizer(`${o.model}/tokenizer`);
        api.checkPair(model, source, o.model);
        const target = api.resolveTokenizer(o.tokenizer);
        const hn = o.hypernet === undefined ? null : api.loadHypernet(o.hypernet, model).hypernet;
        const { model: moved, report } = api.transferModel(model, source, target, {
          method: o.method as 'fvt',
          predictor: hn ?? undefined,
          maxPieces: hn?.config.maxPieces ?? o.maxPieces,
          seed: o.seed,
        });
        api.saveTransferred(o.out, moved, target, report, { overwrite: o.overwrite });
        console.log(
          `${report.method}: ${report.source.tokenizer} ${report.source.vocabSize} -> ${report.target.tokenizer} ${report.target.vocabSize} ids, overlap ${(100 * report.overlap).toFixed(1)}%, ${report.copiedRows} rows copied, ${report.randomRows} random, ${report.truncated} truncated at L=${report.maxPieces}, ${report.fallback} with fallback bytes in ${report.seconds.toFixed(2)} s -> ${o.out}`,
        );
        if (report.fallback > 0) {
          console.error(
            `cleangpt: ${report.fallback} target token(s) have bytes no source token covers (fallback byte rows), e.g. ${report.examples.fallback.join(', ')}`,
          );
        }
        if (report.truncated > 0) {
          console.error(
            `cleangpt: ${report.truncated} decomposition(s) cut to ${report.maxPieces} pieces, e.g. ${report.examples.truncated.join(', ')}`,
          );
        }
      },
    );

  addCorpusOptions(
    transfer
      .command('train-hypernet')
      .description(
        'train a hypernetwork that predicts embeddings for any tokenizer of this model (Ctrl-C checkpoints)',
      )
      .requiredOption('--model <dir>', 'trained model directory (config.json, model.safetensors, tokenizer/)')
      .requiredOption('--data <files...>', `training ${CORPUS_INPUTS} (documents joined by newlines)`),
  )
    .requiredOption('--out <dir>', 'output directory (hypernet/, checkpoint/, metrics.jsonl)')
    .option('--steps <n>', 'training steps (default 1000)', integerAtLeast(1), 1000)
    .option('--identity-steps <n>', 'identity (warm-up) steps (default 10% of --steps)', integerAtLeast(0))
    .option('--batch-size <n>', 'sequences per step (default 8)', integerAtLeast(1), 8)
    .option('--lr <rate>', 'identity-stage learning rate (default 3e-4)', positiveNumber)
    .option('--lm-lr <rate>', 'LM-stage learning rate (default 1e-4)', positiveNumber)
    .option('--seed <n>', 'seed (default 0)', integerAtLeast(0), 0)
    .option('--checkpoint-interval <n>', 'steps between checkpoints (default 50)', integerAtLeast(1), 50)
    .option('--resume', 'continue from <out>/checkpoint')
    .addOption(backendOption())
    .addOption(quietOption('no progress bar while reading --data'))
    .action(
      async (
        opts: CorpusFlags & {
          model: string;
          data: string[];
          out: string;
          steps: number;
          identitySteps?: number;
          batchSize: number;
          lr?: number;
          lmLr?: number;
          seed: number;
          checkpointInterval: number;
          resume?: boolean;
          backend?: string;
          quiet?: boolean;
        },
      ) => {
        const api = await import('../index.js');
        await api.initBackend({ backend: opts.backend as never, log: null });
        const model = api.loadModel(opts.model);
        const tokenizer = api.loadTokenizer(`${opts.model}/tokenizer`);
        // The hypernetwork samples spans from one text, so the documents are joined by newlines.
        const documents: string[] = [];
        for await (const document of api.readCorpus(opts.data, {
          ...corpusReadOptions(opts),
          progress: opts.quiet ? undefined : 'reading',
        }))
          documents.push([...document].join(''));
        const text = documents.join('\n');
        const stop = new AbortController();
        const onSigint = () => stop.abort();
        process.once('SIGINT', onSigint);
        try {
          const { history } = await api.trainHypernet({
            model,
            tokenizer,
            text,
            outDir: opts.out,
            steps: opts.steps,
            identitySteps: opts.identitySteps,
            batchSize: opts.batchSize,
            learningRate: opts.lr,
            lmLearningRate: opts.lmLr,
            seed: opts.seed,
            checkpointInterval: opts.checkpointInterval,
            resume: opts.resume,
            signal: stop.signal,
            onStep: (r) => {
              if (r.step % 10 === 0 || r.step === opts.steps)
                console.error(`step ${r.step} ${r.stage} loss ${r.loss.toFixed(4)}`);
            },
          });
          const last = history.at(-1);
          console.log(
            stop.signal.aborted
              ? `stopped at step ${last?.step ?? 0}; checkpoint in ${opts.out}/checkpoint (--resume continues)`
              : `trained ${opts.steps} steps -> ${opts.out}/hypernet`,
          );
        } finally {
          process.off('SIGINT', onSigint);
        }
      },
    );
  return transfer;
}
