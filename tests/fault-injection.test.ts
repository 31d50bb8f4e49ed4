/**
 * Fault injection (issue 13): `cleangpt train`, `tokenizers train-bpe`, `extract predictions` and
 * `savePretrained` are killed with SIGKILL at pseudo-random moments (seeded, so a failure replays), and
 * the output must be the complete old state or the complete new one; a run resumed after any number of
 * kills ends exactly where the uninterrupted run ends. Ctrl-C: the first SIGINT finishes the step,
 * checkpoints and exits 130 with a resume command; a second ends the process at once. Small settings, so
 * the whole file stays within the suite's time budget.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { extractCues } from '../inference/cues.js';
import { loadModel } from '../model/io.js';
import { createRng } from '../model/sampling.js';
import { ExtractionInterrupted } from '../tokenizers/bytespan/cue-corpus.js';
import { loadTokenizer } from '../tokenizers/registry.js';
import { readMetrics } from '../trainers/metrics-log.js';

const root = path.resolve(import.meta.dirname, '..');
const main = path.join(root, 'dist', 'cli', 'main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-faults-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const corpus = path.join(tmp, 'corpus.txt');
fs.writeFileSync(corpus, fs.readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8').slice(0, 12000));
const rng = createRng(13);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a node script in `cwd`; `control` may signal it while it runs. */
function run(
  args: string[],
  control?: (child: ChildProcess, output: () => string) => void,
  cwd = tmp,
): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    control?.(child, () => stdout + stderr);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
const cli = (args: string[], control?: Parameters<typeof run>[1], cwd?: string) =>
  run([main, ...args], control, cwd);
/** SIGKILL after `ms` milliseconds (if still running). */
const killAfter =
  (ms: number) =>
  (child: ChildProcess): void => {
    setTimeout(() => child.kill('SIGKILL'), ms);
  };
const ok = (e: Exit): Exit => {
  if (e.code !== 0) throw new Error(`exit ${e.code} ${e.signal}\n${e.stdout}\n${e.stderr}`);
  return e;
};

const trainArgs = (out: string, maxSteps = 6) => [
  'train',
  '--data',
  corpus,
  '--out',
  out,
  '--tokenizer',
  'byte',
  '--block-size',
  '16',
  '--n-layer',
  '1',
  '--n-head',
  '2',
  '--n-embd',
  '16',
  '--batch-size',
  '2',
  '--max-steps',
  String(maxSteps),
  '--eval-interval',
  '2',
  '--backend',
  'cpu',
  '--quiet',
];
const losses = (out: string) =>
  readMetrics(path.join(out, 'metrics.jsonl')).map(({ step, trainLoss, valLoss }) => ({
    step,
    trainLoss,
    valLoss,
  }));
const straight = path.join(tmp, 'straight');

describe('cleangpt train', () => {
  test('killed at random moments and resumed: the same metrics and weights as one uninterrupted run', async () => {
    ok(await cli(trainArgs(straight)));
    const out = path.join(tmp, 'killed');
    const delays: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const delay = 1500 + Math.floor(rng() * 4000);
      delays.push(delay);
      const resumable = fs.existsSync(path.join(out, 'checkpoint', 'trainer_state.json'));
      const e = await cli([...trainArgs(out), resumable ? '--resume' : '--overwrite'], killAfter(delay));
      if (e.code === 0) break; // finished before the kill
      expect(e.signal).toBe('SIGKILL');
    }
    const resumable = fs.existsSync(path.join(out, 'checkpoint', 'trainer_state.json'));
    ok(await cli([...trainArgs(out), resumable ? '--resume' : '--overwrite']));
    expect({ delays, losses: losses(out) }).toEqual({ delays, losses: losses(straight) });
    expect(fs.readFileSync(path.join(out, 'model.safetensors'))).toEqual(
      fs.readFileSync(path.join(straight, 'model.safetensors')),
    );
    expect(fs.existsSync(path.join(out, '.lock'))).toBe(false);
  }, 300_000);

  test('a run folder is refused without --resume or --overwrite; a second run in it meets the lock', async () => {
    const refused = await cli(trainArgs(straight));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/holds a previous run; pass --resume to continue it or --overwrite/);
    // A live process (this one) holds the lock.
    const lock = path.join(straight, '.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), started: 'now' }));
    const locked = await cli([...trainArgs(straight), '--resume']);
    fs.rmSync(lock);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(new RegExp(`in use by process ${process.pid} on ${os.hostname()}`));
  }, 120_000);

  test('the first Ctrl-C checkpoints and exits 130 with a resume command; the second ends it at once', async () => {
    const out = path.join(tmp, 'interrupted');
    const metrics = path.join(out, 'metrics.jsonl');
    // SIGINT once training has written a metrics row; with `again`, a second one as soon as the first
    // is acknowledged (the process is then still finishing its step or writing the checkpoint).
    const interrupt = (again: boolean) => (child: ChildProcess, output: () => string) => {
      let sent = false;
      const poll = setInterval(() => {
        if (!sent && fs.existsSync(metrics) && fs.readFileSync(metrics, 'utf8').length > 0) {
          sent = true;
          child.kill('SIGINT');
        }
        if (again && output().includes('stopping after this step')) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 5);
      child.on('close', () => clearInterval(poll));
    };
    const first = await cli(trainArgs(out, 400), interrupt(false));
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/stopping after this step and writing a checkpoint/);
    const hint = /resume with: cleangpt (.+)$/m.exec(first.stderr)?.[1];
    expect(hint).toContain('--resume');
    const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'trainer_state.json'), 'utf8'));
    expect(state.step).toBeLessThan(400);
    expect(losses(out).map((r) => r.step)).toEqual(Array.from({ length: state.step }, (_, i) => i + 1));

    fs.rmSync(metrics);
    const twice = await cli([...trainArgs(out, 400), '--resume'], interrupt(true));
    expect(twice.signal).toBe('SIGINT');
  }, 180_000);
});

describe('cleangpt tokenizers train-bpe', () => {
  const args = (out: string, vocab: number) => [
    'tokenizers',
    'train-bpe',
    '--input',
    corpus,
    '--vocab-size',
    String(vocab),
    '--out',
    out,
    '--quiet',
  ];

  test('killed while replacing a tokenizer: the folder is the old tokenizer or the new one, whole', async () => {
    const out = path.join(tmp, 'bpe');
    ok(await cli(args(out, 300)));
    const sizes = new Set<number>();
    for (let kill = 0; kill < 4; kill++) {
      await cli(args(out, 400), killAfter(200 + Math.floor(rng() * 1200)));
      const tok = loadTokenizer(out); // finishes a swap the kill interrupted
      expect([300, 400]).toContain(tok.vocabSize);
      sizes.add(tok.vocabSize);
      expect(fs.readdirSync(out).sort()).toEqual([
        'merges.txt',
        'tokenizer.json',
        'tokenizer_config.json',
        'vocab.json',
      ]);
      expect(fs.readdirSync(tmp).filter((e) => e.startsWith('.bpe.'))).toEqual([]);
    }
  }, 120_000);

  test('the current folder and the input are refused; nothing is deleted', async () => {
    const here = path.join(tmp, 'here');
    fs.mkdirSync(here);
    fs.writeFileSync(path.join(here, 'keep.txt'), 'mine');
    const why = {
      '.': /current folder or one of its parents/,
    };
    for (const [out, message] of [...Object.entries(why), [corpus, /over the input/] as const]) {
      const e = await cli(args(out, 300), undefined, here);
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(message);
    }
    const foreign = path.join(tmp, 'notes');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'a.txt'), 'x');
    const e = await cli(args(foreign, 300));
    expect(e.stderr).toMatch(/is not empty and is not a saved tokenizer.*--overwrite/);
    ok(await cli([...args(foreign, 300), '--overwrite']));
    expect(fs.readFileSync(path.join(here, 'keep.txt'), 'utf8')).toBe('mine');
    expect(fs.readFileSync(corpus, 'utf8').length).toBe(12000);
  }, 120_000);
});

describe('savePretrained', () => {
  test('killed while saving over a tokenizer: the old one or the new one, whole', async () => {
    const dir = path.join(tmp, 'saved');
    const script = `
      const { CharacterTokenizer } = await import(${JSON.stringify(path.join(root, 'dist', 'text-api.js'))});
      const a = new CharacterTokenizer(); a.buildVocabFromTexts(['abc']);
      const b = new CharacterTokenizer(); b.buildVocabFromTexts(['${'xyz'.repeat(1)}0123456789']);
      a.savePretrained(${JSON.stringify(dir)});
      console.log('ready');
      for (let i = 0; ; i++) (i % 2 ? a : b).savePretrained(${JSON.stringify(dir)});
    `;
    for (let kill = 0; kill < 3; kill++) {
      await run(['--input-type=module', '-e', script], (child, output) => {
        const wait = setInterval(() => {
          if (output().includes('ready')) {
            clearInterval(wait);
            setTimeout(() => child.kill('SIGKILL'), Math.floor(rng() * 300));
          }
        }, 10);
      });
      expect([7, 17]).toContain(loadTokenizer(dir).vocabSize);
      expect(fs.readdirSync(dir).sort()).toEqual(['tokenizer_config.json', 'vocab.json']);
    }
  }, 120_000);
});

describe('cleangpt extract predictions', () => {
  test('killed and resumed: the same cue corpus as one uninterrupted extraction', async () => {
    const args = (out: string) => [
      'extract',
      'predictions',
      '--model',
      straight,
      '--input',
      corpus,
      '--out',
      out,
      '--document-separator',
      '\\n',
      '--backend',
      'cpu',
      '--quiet',
    ];
    const whole = path.join(tmp, 'cues-whole');
    ok(await cli(args(whole)));
    const out = path.join(tmp, 'cues-killed');
    const again = () => [
      ...args(out),
      fs.existsSync(path.join(out, 'meta.json')) ? '--resume' : '--overwrite',
    ];
    for (let kill = 0; kill < 2; kill++) await cli(again(), killAfter(1000 + Math.floor(rng() * 2000)));
    const last = await cli(again());
    // A kill after the final commit leaves a complete corpus, which --resume reports instead of redoing.
    if (last.code !== 0) expect(last.stderr).toMatch(/already holds a complete cue corpus/);
    for (const file of fs.readdirSync(whole).filter((f) => f !== 'meta.json'))
      expect(fs.readFileSync(path.join(out, file))).toEqual(fs.readFileSync(path.join(whole, file)));
  }, 180_000);

  test('a stop request (Ctrl-C) commits, throws ExtractionInterrupted, and resume completes the same corpus', async () => {
    await tf.setBackend('cpu');
    const model = loadModel(straight).eval();
    const tokenizer = loadTokenizer(path.join(straight, 'tokenizer'));
    const tiny = path.join(tmp, 'tiny.txt');
    fs.writeFileSync(tiny, fs.readFileSync(corpus, 'utf8').slice(0, 400));
    const options = { documentSeparator: '\n', progress: false, commitBytes: 1 };
    const whole = path.join(tmp, 'cues-tiny');
    await extractCues(model, tokenizer, [tiny], whole, options);
    const out = path.join(tmp, 'cues-stopped');
    const stop = new AbortController();
    stop.abort();
    const stopped = extractCues(model, tokenizer, [tiny], out, { ...options, signal: stop.signal });
    await expect(stopped).rejects.toThrow(ExtractionInterrupted);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8')).complete).toBe(false);
    await extractCues(model, tokenizer, [tiny], out, { ...options, resume: true });
    for (const file of fs.readdirSync(whole))
      expect(fs.readFileSync(path.join(out, file))).toEqual(fs.readFileSync(path.join(whole, file)));
    model.dispose();
  }, 60_000);
});
