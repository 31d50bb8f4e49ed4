import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

test('npm run demo:bytespan runs the whole pipeline (tiny settings)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-bytespan-demo-'));
  try {
    const stdout = execFileSync(process.execPath, [path.join(root, 'dist', 'examples', 'bytespan-demo.js')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DEMO_OUT: out,
        DEMO_STEPS: '2',
        BYTESPAN_SPLIT_KB: '48,6,12',
        BYTESPAN_SIZES: '800,900',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const predictions = JSON.parse(fs.readFileSync(path.join(out, 'predictions', 'meta.json'), 'utf8'));
    expect(predictions).toMatchObject({ complete: true, unit: 'nats' });
    expect(predictions.numBytes).toBeGreaterThan(6 * 1024);
    const names = [
      'ByteSpanEntropyCombinedFrequency',
      'ByteSpanEntropyCombinedSeeding',
      'BPEWP',
      'ByteSpanEntropyGlobalIncrement',
      'BPE',
    ].flatMap((n) => [`${n}_800`, `${n}_900`]);
    expect(fs.readdirSync(path.join(out, 'tokenizers')).sort()).toEqual([...names].sort());
    const report = JSON.parse(fs.readFileSync(path.join(out, 'comparison', 'report.json'), 'utf8'));
    expect(report.tokenizers.map((t: { name: string }) => t.name)).toEqual(names);
    for (const t of report.tokenizers) {
      expect(t.bytesPerToken).toBeGreaterThan(1);
      expect(stdout).toContain(t.name);
    }
    expect(
      fs.readdirSync(path.join(out, 'comparison')).filter((f) => f.endsWith('.png')).length,
    ).toBeGreaterThan(0);
    expect(stdout).toMatch(new RegExp(`Everything is in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
