import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

test('npm run demo:transfer runs the whole study (tiny settings)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-transfer-demo-'));
  try {
    execFileSync(process.execPath, [path.join(root, 'dist', 'examples', 'transfer-demo.js')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        TRANSFER_OUT: out,
        TRANSFER_STEPS: '1',
        TRANSFER_HN_STEPS: '2',
        TRANSFER_CONTINUE: '1',
        TRANSFER_WINDOWS: '3',
        TRANSFER_CORPUS_CHARS: '12000',
        TRANSFER_VOCAB_A: '600',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    const conditions = ['random', 'lexical', 'fvt', 'first-piece', 'hypernet', 'scratch on B (1 steps)'];
    const targets = [...new Set(report.rows.map((r: { target: string }) => r.target))];
    expect(targets).toHaveLength(5); // A and four targets
    for (const t of targets.slice(1)) {
      const rows = report.rows.filter((r: { target: string }) => r.target === t);
      expect(rows.map((r: { condition: string }) => r.condition)).toEqual(conditions);
      for (const r of rows) expect(r.bpb).toBeGreaterThan(0);
    }
    // One continued-training curve per start plus original@N, each with points at steps 0 and 1.
    expect(report.curves).toHaveLength(1 + 4 * 5);
    for (const c of report.curves) expect(c.points.map((p: { x: number }) => p.x)).toEqual([0, 1]);
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('| A (BPE 600) | original |');
    expect(md).toContain('Gap closed by the hypernetwork');
    for (const png of ['bpb.png', 'curves.png'])
      expect(fs.statSync(path.join(out, png)).size).toBeGreaterThan(1000);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 300_000);
