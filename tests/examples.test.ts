import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSafetensors } from '../model/safetensors.js';
import { readMetrics } from '../trainers/metrics-log.js';

// Runs the compiled examples (`npm test` builds dist/ first) with tiny settings on a 30 kB corpus.
const root = path.resolve(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-examples-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const corpus = path.join(tmp, 'small.txt');
fs.writeFileSync(corpus, fs.readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8').slice(0, 30000));
const tiny = ['--steps', '2', corpus];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The examples are CPU-bound: run at most two at once. Every run is queued now, in test order, so the
// next one is already going while a test checks the previous one's output.
const PARALLEL = 2;
const waiting: Array<() => void> = [];
let running = 0;

// Generous per-run limits: the machine is shared, and a run killed for time reports exit code null.
const RUN_TIMEOUT_MS = 120_000;

function runExample(name: string, args: string[]): Promise<Run> {
  const script = path.join(root, 'dist', 'examples', `${name}.js`);
  return new Promise<void>((ready) => {
    if (running < PARALLEL) ready();
    else waiting.push(ready);
  }).then(() => {
    running++;
    return new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [script, ...args],
        { cwd: tmp, timeout: RUN_TIMEOUT_MS },
        (error, stdout, stderr) => {
          running--;
          waiting.shift()?.();
          resolve({
            code: error === null ? 0 : ((error.code as number | undefined) ?? null),
            stdout,
            stderr,
          });
        },
      );
    });
  });
}

function succeeded(run: Run): string {
  if (run.code !== 0) throw new Error(`exit code ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** The `validation loss X nats/token, bits per byte Y` an example prints, both checked to be finite. */
function validation(stdout: string): { loss: number; bpb: number } {
  const match = /validation loss (\S+) nats\/token, bits per byte (\S+)/.exec(stdout);
  expect(match).not.toBeNull();
  const [loss, bpb] = [Number(match![1]), Number(match![2])];
  expect(Number.isFinite(loss) && loss > 0).toBe(true);
  expect(Number.isFinite(bpb) && bpb > 0).toBe(true);
  return { loss, bpb };
}

function expectTrainingOutput(dir: string, modelType: string): void {
  for (const file of ['model.safetensors', 'tokenizer/tokenizer_config.json', 'metrics.jsonl', 'loss.png'])
    expect(fs.existsSync(path.join(dir, file))).toBe(true);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).modelType).toBe(modelType);
  expect(readMetrics(path.join(dir, 'metrics.jsonl')).map((r) => r.step)).toEqual([1, 2]);
}

// A GPT-2 run costs as much CPU as five of the others (its output layer is 50257 wide), so it runs with
// one model; SASP is covered by the other three tokenizers.
const TOKENIZERS = [
  { kind: 'char', models: ['Vanilla', 'SASP'], ids: (n: number) => n > 40 && n < 100, bytesPerToken: 'one' },
  { kind: 'byte', models: ['Vanilla', 'SASP'], ids: (n: number) => n === 259, bytesPerToken: 'one' },
  { kind: 'gpt2', models: ['Vanilla'], ids: (n: number) => n === 50257, bytesPerToken: 'several' },
  { kind: 'bpe', models: ['Vanilla', 'SASP'], ids: (n: number) => n === 1024, bytesPerToken: 'several' },
] as const;

const trainRuns = TOKENIZERS.flatMap(({ models, ...t }) =>
  models.map((model) => {
    const out = path.join(tmp, `${t.kind}-${model}`);
    const args = ['--tokenizer', t.kind, '--model', model, ...tiny, '--out', out];
    if (t.kind === 'gpt2') args.push('--batch-size', '2');
    return { ...t, model, out, run: runExample('train-language-model', args) };
  }),
);
const customModelOut = path.join(tmp, 'custom-model');
const customModel = runExample('custom-model', [...tiny, '--out', customModelOut]);
const customSampling = runExample('custom-sampling', [...tiny, '--out', path.join(tmp, 'sampling')]);
const customTokenizer = runExample('custom-tokenizer', []);

describe('train-language-model', () => {
  test.each(trainRuns)(
    '$kind tokenizer, $model',
    async ({ run, kind, model, out, ids, bytesPerToken }) => {
      const stdout = succeeded(await run);
      const vocab = Number(
        new RegExp(`^${kind} tokenizer: (\\d+) ids; training ${model} for 2 steps`, 'm').exec(stdout)?.[1],
      );
      expect(ids(vocab)).toBe(true);
      const { loss, bpb } = validation(stdout);
      // Bits per byte is loss / ln 2 spread over the bytes each token stands for (KJV is ASCII).
      // Document-ending EOS tokens stand for no bytes, so one-byte tokens give slightly more than loss / ln 2.
      if (bytesPerToken === 'one') {
        expect(bpb).toBeGreaterThanOrEqual(loss / Math.LN2 - 1e-3);
        expect(bpb).toBeLessThan((loss / Math.LN2) * 1.01);
      } else expect(bpb).toBeLessThan(loss / Math.LN2 / 1.5);
      expect(stdout).toMatch(/^sample: And God said.+$/m);
      expectTrainingOutput(out, model);
    },
    2 * RUN_TIMEOUT_MS,
  );
});

test(
  'custom-model trains the registered MlpOnly model by name and reloads it as that class',
  async () => {
    const stdout = succeeded(await customModel);
    expect(stdout).toMatch(/^MlpOnly: \d+ parameters, /m);
    validation(stdout);
    expect(stdout).toMatch(/^reloaded from .* as MlpOnlyModel$/m);
    expectTrainingOutput(customModelOut, 'MlpOnly');
    const names = [...readSafetensors(path.join(customModelOut, 'model.safetensors')).tensors.keys()];
    expect(names).toContain('transformer.h.1.mlp.c_fc.weight');
    expect(names.some((n) => n.includes('attn'))).toBe(false);
  },
  2 * RUN_TIMEOUT_MS,
);

test(
  'custom-sampling generates through the registered strategy, looked up by name',
  async () => {
    const stdout = succeeded(await customSampling);
    validation(stdout);
    for (const strategy of ['greedy', 'top_k', 'typical'])
      expect(stdout).toMatch(new RegExp(`^${strategy} +And God said`, 'm'));
    const match = /^typical: sampler called (\d+) times for (\d+) new tokens/m.exec(stdout);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
    expect(Number(match![1])).toBe(Number(match![2]));
  },
  2 * RUN_TIMEOUT_MS,
);

test(
  'custom-tokenizer registers, saves and reloads its tokenizer',
  async () => {
    const stdout = succeeded(await customTokenizer);
    expect(stdout).toMatch(/^decoded: in the beginning$/m);
    const saved = /^reloaded from (\S+) as LowercaseCharTokenizer: god$/m.exec(stdout);
    expect(saved).not.toBeNull();
    expect(fs.existsSync(path.join(saved![1]!, 'tokenizer_config.json'))).toBe(true);
    fs.rmSync(saved![1]!, { recursive: true, force: true });
  },
  2 * RUN_TIMEOUT_MS,
);
