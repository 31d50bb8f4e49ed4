/**
 * Enforces the design's dependency direction:
 * cli/, examples, bench → index.ts (and its TensorFlow.js-free part text-api.ts) → analysis, trainers,
 * inference → model, tokenizers → config.ts, utils/.
 * utils/ holds leaf helpers only: it imports nothing else of the project, so every layer may use it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const LAYER_DIRS = [
  'analysis',
  'cli',
  'tokenizers',
  'model',
  'trainers',
  'inference',
  'transfer',
  'utils',
  'examples',
  'bench',
];

function sourceFiles(): string[] {
  const out = ['config.ts', 'index.ts', 'text-api.ts'];
  const walk = (dir: string): void => {
    if (!fs.existsSync(path.join(root, dir))) return;
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts')) out.push(rel);
    }
  };
  for (const d of LAYER_DIRS) walk(d);
  return out;
}

/** Project-relative paths of the project modules a file imports (static and dynamic imports). */
function projectImports(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  return specs.map((s) => path.normalize(path.join(path.dirname(file), s)).replace(/\.js$/, '.ts'));
}

const files = sourceFiles();
const imports = new Map(files.map((f) => [f, projectImports(f)]));
const topFolder = (f: string): string => (f.includes(path.sep) ? f.split(path.sep)[0]! : f);
function violations(layer: string, allowed: (target: string) => boolean): string[] {
  return files
    .filter((f) => topFolder(f) === layer)
    .flatMap((f) =>
      imports
        .get(f)!
        .filter((t) => !allowed(t))
        .map((t) => `${f} imports ${t}`),
    );
}

describe('dependency direction', () => {
  test('config.ts imports nothing from the project', () => {
    expect(imports.get('config.ts')).toEqual([]);
  });

  test('utils/ is leaf helpers only: it imports nothing else of the project', () => {
    expect(violations('utils', (t) => topFolder(t) === 'utils')).toEqual([]);
  });

  test('tokenizers import only tokenizers, config.ts and utils', () => {
    expect(
      violations('tokenizers', (t) => ['tokenizers', 'utils'].includes(topFolder(t)) || t === 'config.ts'),
    ).toEqual([]);
  });

  test('the model imports only model, config.ts and utils', () => {
    expect(
      violations('model', (t) => ['model', 'utils'].includes(topFolder(t)) || t === 'config.ts'),
    ).toEqual([]);
  });

  test('analysis imports only analysis, tokenizers, config.ts and utils (never the model)', () => {
    expect(
      violations(
        'analysis',
        (t) => ['analysis', 'tokenizers', 'utils'].includes(topFolder(t)) || t === 'config.ts',
      ),
    ).toEqual([]);
  });

  test('transfer imports only transfer, the model, tokenizers, the optimizer, config.ts and utils', () => {
    const allowed = ['transfer', 'model', 'tokenizers'];
    expect(
      violations(
        'transfer',
        (t) =>
          allowed.includes(topFolder(t)) ||
          t === 'trainers/adamw.ts' ||
          t === 'config.ts' ||
          topFolder(t) === 'utils',
      ),
    ).toEqual([]);
  });

  test('nothing in the library imports the CLI, examples or benchmarks', () => {
    const library = files.filter((f) => !['cli', 'examples', 'bench'].includes(topFolder(f)));
    const bad = library.flatMap((f) =>
      imports
        .get(f)!
        .filter((t) => ['cli', 'examples', 'bench'].includes(topFolder(t)))
        .map((t) => `${f} imports ${t}`),
    );
    expect(bad).toEqual([]);
  });

  test('the library never imports its public API files', () => {
    for (const layer of ['analysis', 'transfer', 'trainers', 'inference', 'utils', 'model', 'tokenizers']) {
      expect(violations(layer, (t) => t !== 'index.ts' && t !== 'text-api.ts')).toEqual([]);
    }
  });

  test('examples use only the public API', () => {
    expect(violations('examples', (t) => t === 'index.ts')).toEqual([]);
  });

  test('the CLI uses only the public API (and its own files)', () => {
    expect(
      violations('cli', (t) => t === 'index.ts' || t === 'text-api.ts' || topFolder(t) === 'cli'),
    ).toEqual([]);
  });

  test('text-api.ts, the TensorFlow.js-free API, reaches neither the model, trainers nor inference', () => {
    const reached = new Set<string>();
    const visit = (f: string): void => {
      if (reached.has(f)) return;
      reached.add(f);
      for (const t of imports.get(f) ?? []) visit(t);
    };
    visit('text-api.ts');
    expect([...reached].filter((f) => ['model', 'trainers', 'inference'].includes(topFolder(f)))).toEqual([]);
  });
});
