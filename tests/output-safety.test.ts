/**
 * Output folders are replaced whole or refused (issue 13): the guards of writeDirectoryAtomic, the swap
 * and its recovery after a kill, tokenizer and model saves through it, the run lock, the metrics log on
 * resume. Each finding of the issue has a test here or in tests/fault-injection.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteLevelTokenizer } from '../tokenizers/byte-level.js';
import { CharacterTokenizer } from '../tokenizers/character.js';
import { loadTokenizer } from '../tokenizers/registry.js';
import { MetricsLog, readMetrics } from '../trainers/metrics-log.js';
import {
  checkOutputDirectory,
  type OutputKind,
  settleDirectory,
  writeDirectoryAtomic,
} from '../utils/atomic-directory.js';
import { RunLock } from '../utils/run-lock.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-output-safety-'));
const kind: OutputKind = { name: 'thing', marker: 'thing.json', files: ['thing.json', 'part.txt'] };
const writeThing =
  (label: string) =>
  (dir: string): void => {
    fs.writeFileSync(path.join(dir, 'part.txt'), label);
    fs.writeFileSync(path.join(dir, 'thing.json'), JSON.stringify({ label }));
  };
const listing = (dir: string): string[] => fs.readdirSync(dir).sort();
/** The pid of a process that has exited (what a SIGKILLed writer leaves behind). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('output guards', () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  test('the empty name, the current folder and its parents are refused, even with overwrite', () => {
    const inner = path.join(root, 'here', 'deeper');
    fs.mkdirSync(inner, { recursive: true });
    fs.writeFileSync(path.join(inner, 'keep.txt'), 'precious');
    process.chdir(inner);
    for (const dir of ['', '.', '..', './', inner, path.dirname(inner)]) {
      for (const overwrite of [false, true]) {
        expect(() => writeDirectoryAtomic(dir, writeThing('x'), { kind, overwrite })).toThrow(
          dir === '' ? /cannot be empty/ : /current folder or one of its parents/,
        );
      }
    }
    expect(fs.readFileSync(path.join(inner, 'keep.txt'), 'utf8')).toBe('precious');
  });

  test('an input file, or a folder holding one, is refused even with overwrite', () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    const corpus = path.join(data, 'corpus.txt');
    fs.writeFileSync(corpus, 'the corpus');
    for (const dir of [corpus, data]) {
      expect(() =>
        writeDirectoryAtomic(dir, writeThing('x'), { kind, inputs: [corpus], overwrite: true }),
      ).toThrow(/over the input/);
    }
    expect(fs.readFileSync(corpus, 'utf8')).toBe('the corpus');
  });

  test('a folder that is not a previous output of the kind, or a file, needs overwrite', () => {
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine');
    expect(() => writeDirectoryAtomic(other, writeThing('x'), { kind })).toThrow(
      /is not empty and is not a saved thing \(no thing\.json\).*--overwrite/,
    );
    fs.writeFileSync(path.join(other, 'thing.json'), '{}');
    expect(() => writeDirectoryAtomic(other, writeThing('x'), { kind })).toThrow(
      /holds files a thing does not write \(notes\.txt\)/,
    );
    expect(listing(other)).toEqual(['notes.txt', 'thing.json']);
    const file = path.join(root, 'plain-file');
    fs.writeFileSync(file, 'x');
    expect(() => checkOutputDirectory(file, { kind })).toThrow(/exists and is not a folder/);
    writeDirectoryAtomic(other, writeThing('new'), { kind, overwrite: true });
    expect(listing(other)).toEqual(['part.txt', 'thing.json']);
  });

  test('a previous output of the same kind is replaced whole; a failed write leaves it untouched', () => {
    const out = path.join(root, 'out');
    writeDirectoryAtomic(out, writeThing('old'), { kind });
    writeDirectoryAtomic(
      out,
      (dir) => fs.writeFileSync(path.join(dir, 'thing.json'), JSON.stringify({ label: 'new' })),
      { kind },
    );
    expect(listing(out)).toEqual(['thing.json']); // old part.txt gone: no mix of old and new
    expect(() =>
      writeDirectoryAtomic(
        out,
        (dir) => {
          writeThing('broken')(dir);
          throw new Error('disk full');
        },
        { kind },
      ),
    ).toThrow('disk full');
    expect(JSON.parse(fs.readFileSync(path.join(out, 'thing.json'), 'utf8')).label).toBe('new');
    expect(listing(root).filter((e) => e.startsWith('.out.'))).toEqual([]);
  });
});

describe('a swap interrupted by a kill is finished by the next reader or writer', () => {
  const staged = (name: string, pid: number, states: Record<'target' | 'new' | 'old', string | null>) => {
    const parent = path.join(root, name);
    fs.mkdirSync(parent);
    const target = path.join(parent, 'tok');
    const at = {
      target,
      new: path.join(parent, `.tok.${pid}-abcd.new`),
      old: path.join(parent, `.tok.${pid}-abcd.old`),
    };
    for (const key of ['target', 'new', 'old'] as const) {
      if (states[key] === null) continue;
      fs.mkdirSync(at[key]);
      writeThing(states[key])(at[key]);
    }
    return { parent, target };
  };
  const label = (dir: string): string =>
    JSON.parse(fs.readFileSync(path.join(dir, 'thing.json'), 'utf8')).label;

  test('killed between the two renames: the complete new folder goes into place', () => {
    const { parent, target } = staged('k1', deadPid(), { target: null, new: 'new', old: 'old' });
    settleDirectory(target);
    expect(label(target)).toBe('new');
    expect(listing(parent)).toEqual(['tok']);
  });

  test('killed while writing: the unfinished folder is removed, the old one stays', () => {
    const { parent, target } = staged('k2', deadPid(), { target: 'old', new: 'half', old: null });
    settleDirectory(target);
    expect(label(target)).toBe('old');
    expect(listing(parent)).toEqual(['tok']);
  });

  test('killed after the swap: the old folder is removed', () => {
    const { parent, target } = staged('k3', deadPid(), { target: 'new', new: null, old: 'old' });
    settleDirectory(target);
    expect(label(target)).toBe('new');
    expect(listing(parent)).toEqual(['tok']);
  });

  test("a live process's swap is left alone", () => {
    const { parent, target } = staged('k4', process.ppid, { target: null, new: 'new', old: 'old' });
    settleDirectory(target);
    expect(listing(parent)).toHaveLength(2);
  });
});

describe('savePretrained goes through the directory swap', () => {
  test('saving over a previous tokenizer replaces it whole; a foreign folder is refused', () => {
    const dir = path.join(root, 'tok');
    const chars = new CharacterTokenizer();
    chars.buildVocabFromTexts(['abc']);
    new ByteLevelTokenizer().savePretrained(dir);
    chars.savePretrained(dir);
    expect(listing(dir)).toEqual(['tokenizer_config.json', 'vocab.json']);
    expect(loadTokenizer(dir)).toBeInstanceOf(CharacterTokenizer);
    new ByteLevelTokenizer().savePretrained(dir);
    expect(listing(dir)).toEqual(['tokenizer_config.json']); // no stale vocab.json from the character tokenizer

    const mixed = path.join(root, 'model-and-notes');
    fs.mkdirSync(mixed);
    fs.writeFileSync(path.join(mixed, 'model.safetensors'), 'weights');
    expect(() => chars.savePretrained(mixed)).toThrow(
      /model-and-notes: is not empty and is not a saved tokenizer/,
    );
    chars.savePretrained(mixed, { overwrite: true });
    expect(listing(mixed)).toEqual(['tokenizer_config.json', 'vocab.json']);
  });
});

describe('run lock', () => {
  test('a second holder is refused with the pid and host; a stale lock is taken over', () => {
    const dir = path.join(root, 'run');
    const lock = RunLock.acquire(dir);
    expect(() => RunLock.acquire(dir)).toThrow(
      new RegExp(`in use by process ${process.pid} on ${os.hostname()}`),
    );
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
    fs.writeFileSync(lock.file, JSON.stringify({ pid: deadPid(), host: os.hostname(), started: 'then' }));
    const again = RunLock.acquire(dir);
    expect(JSON.parse(fs.readFileSync(again.file, 'utf8')).pid).toBe(process.pid);
    again.release();
    expect(listing(dir)).toEqual([]);
  });
});

describe('metrics.jsonl', () => {
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => `{"step":${i + 1},"trainLoss":${i}}\n`).join('');

  test('a resumed run keeps only the rows up to its checkpoint and drops a torn last line', () => {
    const file = path.join(root, 'metrics.jsonl');
    fs.writeFileSync(file, `${rows(5)}{"step":6,"trai`);
    expect(readMetrics(file).map((r) => r.step)).toEqual([1, 2, 3, 4, 5]);
    const log = new MetricsLog(file, 3);
    log.write({ step: 4, trainLoss: 9 });
    log.close();
    expect(readMetrics(file)).toEqual([
      { step: 1, trainLoss: 0 },
      { step: 2, trainLoss: 1 },
      { step: 3, trainLoss: 2 },
      { step: 4, trainLoss: 9 },
    ]);
  });

  test('a malformed line before the last is an error naming the file and line', () => {
    const file = path.join(root, 'bad.jsonl');
    fs.writeFileSync(file, `${rows(1)}{"step":2,"x":1}{"step":3}\n${rows(1)}`);
    expect(() => readMetrics(file)).toThrow(/bad\.jsonl: line 2 is not valid JSON/);
  });
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});
