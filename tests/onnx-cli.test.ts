/**
 * `cleangpt export onnx` and `--runtime onnx|tfjs` of generate, eval and extract predictions on one
 * trained byte-level model: both runtimes give the same greedy text, losses and cues.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import onnxProto from 'onnx-proto';

const root = path.resolve(import.meta.dirname, '..');
const cli = (...args: string[]): string =>
  execFileSync(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-onnx-cli-'));
const corpus = path.join(dir, 'small.txt');
const model = path.join(dir, 'run');
beforeAll(() => {
  fs.writeFileSync(corpus, fs.readFileSync(path.join(root, 'data', 'kjv.txt'), 'utf8').slice(0, 6000));
  cli(
    'train',
    ...['--data', corpus, '--out', model, '--model', 'SASP', '--tokenizer', 'byte', '--block-size', '32'],
    ...['--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--batch-size', '4', '--max-steps', '3'],
    ...['--quiet', '--backend', 'cpu', '--document-separator', String.raw`\n`],
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('export onnx writes a cleangpt ONNX file and refuses to replace one without --overwrite', () => {
  const file = path.join(dir, 'model.onnx');
  expect(cli('export', 'onnx', '--model', model, '--out', file)).toMatch(
    /wrote .*model\.onnx \(SASP, opset 17, past/,
  );
  const proto = onnxProto.onnx.ModelProto.decode(fs.readFileSync(file));
  expect(proto.metadataProps.find((p) => p.key === 'cleangpt.format')?.value).toBe('cleangpt-onnx');
  expect(() => cli('export', 'onnx', '--model', model, '--out', file)).toThrow(/exists; pass --overwrite/);
  cli('export', 'onnx', '--model', model, '--out', file, '--overwrite', '--no-past');
  expect(onnxProto.onnx.ModelProto.decode(fs.readFileSync(file)).graph!.input!.map((v) => v.name)).toEqual([
    'input_ids',
    'attention_mask',
  ]);
});

test('generate, eval and extract predictions agree between --runtime onnx and tfjs', () => {
  const generate = (runtime: string) =>
    cli(
      'generate',
      '--model',
      model,
      '--prompt',
      'And God',
      '--max-new-tokens',
      '40',
      '--temperature',
      '0',
      '--runtime',
      runtime,
    );
  expect(generate('onnx')).toBe(generate('tfjs'));
  const evaluate = (runtime: string) =>
    JSON.parse(cli('eval', '--model', model, '--data', corpus, '--runtime', runtime, '--threads', '1'));
  const [onnx, tfjs] = [evaluate('onnx'), evaluate('tfjs')];
  expect(onnx.tokens).toBe(tfjs.tokens);
  expect(Math.abs(onnx.loss - tfjs.loss)).toBeLessThanOrEqual(1e-5);
  for (const runtime of ['onnx', 'tfjs']) {
    cli(
      'extract',
      'predictions',
      '--model',
      model,
      '--input',
      corpus,
      '--out',
      path.join(dir, runtime),
      '--runtime',
      runtime,
      '--quiet',
    );
  }
  const entropy = (runtime: string) =>
    new Float32Array(fs.readFileSync(path.join(dir, runtime, 'entropy.f32')).buffer);
  const [a, b] = [entropy('onnx'), entropy('tfjs')];
  expect(a.length).toBe(6001); // the prefix space, then the text
  expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThanOrEqual(1e-4);
});

test('more threads than cores is refused with what to do', () => {
  const threads = String(os.availableParallelism() + 1);
  expect(() =>
    cli('eval', '--model', model, '--data', corpus, '--runtime', 'onnx', '--threads', threads),
  ).toThrow(/threads must be an integer from 1 to this machine's \d+ cores/);
  expect(() =>
    cli(
      'eval',
      '--model',
      model,
      '--data',
      corpus,
      '--runtime',
      'tfjs',
      '--backend',
      'wasm',
      '--threads',
      threads,
    ),
  ).toThrow(/this machine's \d+ cores/);
});

test('without onnxruntime-node, --runtime onnx says what to install and auto falls back to tfjs', () => {
  // A module hook makes `import('onnxruntime-node')` fail exactly as it does when the optional
  // dependency is not installed (ERR_MODULE_NOT_FOUND), in a real CLI process.
  const hooks = path.join(dir, 'no-onnxruntime.mjs');
  fs.writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  if (specifier !== 'onnxruntime-node') return next(specifier, context);
  const error = new Error("Cannot find package 'onnxruntime-node'");
  error.code = 'ERR_MODULE_NOT_FOUND';
  throw error;
}
`,
  );
  const register = path.join(dir, 'register.mjs');
  fs.writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
  );
  const run = (runtime: string) =>
    spawnSync(
      process.execPath,
      ['--import', register, path.join(root, 'dist', 'cli', 'main.js'), 'eval', '--model', model].concat([
        '--data',
        corpus,
        '--runtime',
        runtime,
        '--backend',
        'cpu',
      ]),
      { encoding: 'utf8' },
    );
  const forced = run('onnx');
  expect(forced.status).not.toBe(0);
  expect(forced.stderr).toMatch(
    /runtime "onnx" needs the optional dependency onnxruntime-node: run `npm install onnxruntime-node` \(or use --runtime tfjs\)/,
  );
  const auto = run('auto');
  expect(auto.stderr).toBe('');
  expect(auto.status).toBe(0);
  expect(JSON.parse(auto.stdout)).toEqual(
    JSON.parse(cli('eval', '--model', model, '--data', corpus, '--runtime', 'tfjs', '--backend', 'cpu')),
  );
});

test('eval --document-separator scores lines as documents joined by EOS, as one file per line does', () => {
  const lines = fs.readFileSync(corpus, 'utf8').split('\n').filter(Boolean).slice(0, 4);
  const joined = path.join(dir, 'lines.txt');
  fs.writeFileSync(joined, lines.join('\n'));
  const single = lines.map((line, i) => {
    const file = path.join(dir, `line-${i}.txt`);
    fs.writeFileSync(file, line);
    return file;
  });
  const evaluate = (...args: string[]) =>
    JSON.parse(cli('eval', '--model', model, '--runtime', 'tfjs', '--backend', 'cpu', '--data', ...args));
  const separated = evaluate(joined, '--document-separator', String.raw`\n`);
  const perFile = evaluate(...single);
  expect(separated.tokens).toBe(perFile.tokens);
  expect(separated.loss).toBeCloseTo(perFile.loss, 5);
  // Without the separator the newlines are scored as text (bytes in place of EOS): another loss.
  expect(Math.abs(evaluate(joined).loss - separated.loss)).toBeGreaterThan(1e-4);
});

test('eval reads any corpus with the reading flags: --text-field, --replace-invalid-utf8', () => {
  const text = fs.readFileSync(corpus, 'utf8').slice(0, 300);
  const evaluate = (...args: string[]) =>
    JSON.parse(cli('eval', '--model', model, '--runtime', 'tfjs', '--backend', 'cpu', '--data', ...args));
  const plain = path.join(dir, 'plain.txt');
  fs.writeFileSync(plain, text);
  const jsonl = path.join(dir, 'record.jsonl');
  fs.writeFileSync(jsonl, `${JSON.stringify({ id: 'r1', body: text })}\n`);
  expect(evaluate(jsonl, '--text-field', 'body')).toEqual(evaluate(plain));
  const bad = path.join(dir, 'bad.txt');
  fs.writeFileSync(bad, Buffer.concat([Buffer.from(text), Buffer.from([0xff])]));
  expect(() => evaluate(bad)).toThrow(`${bad}: not valid UTF-8 (malformed sequence at byte offset 300)`);
  const replaced = path.join(dir, 'replaced.txt');
  fs.writeFileSync(replaced, `${text}\ufffd`);
  expect(evaluate(bad, '--replace-invalid-utf8')).toEqual(evaluate(replaced));
});
