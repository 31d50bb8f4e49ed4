import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

test('npm run demo:bytespan runs the whole study (tiny settings)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-bytespan-demo-'));
  try {
    const stdout = execFileSync(process.execPath, [path.join(root, 'dist', 'examples', 'bytespan-demo.js')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DEMO_OUT: out,
        DEMO_STEPS: '2',
        DEMO_NGRAM_ORDER: '4',
        BYTESPAN_SPLIT_KB: '24,8,8',
        BYTESPAN_SIZES: '800,900',
        BYTESPAN_LANGS: 'de',
        BYTESPAN_LANG_KB: '16',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const cues of ['cues-4gram', 'cues-transformer', 'cues-multilingual-4gram']) {
      const meta = JSON.parse(fs.readFileSync(path.join(out, cues, 'meta.json'), 'utf8'));
      expect(meta).toMatchObject({ complete: true, unit: 'nats' });
    }
    const sizes = (names: string[]) => names.flatMap((n) => [`${n}_800`, `${n}_900`]).sort();
    expect(fs.readdirSync(path.join(out, 'tokenizers', 'base')).sort()).toEqual(sizes(['BPE', 'BPEWP']));
    const variants = ['Entropy', 'Surprisal'].flatMap((cue) =>
      ['Monotonic', 'Combined'].flatMap((c) => [`ByteSpan${cue}${c}Frequency`, `ByteSpan${cue}${c}Seeding`]),
    );
    for (const source of ['4gram', 'transformer']) {
      expect(fs.readdirSync(path.join(out, 'tokenizers', source)).sort()).toEqual(sizes(variants));
    }
    const report = JSON.parse(fs.readFileSync(path.join(out, 'comparison', 'report.json'), 'utf8'));
    expect(report.tokenizers).toHaveLength(4 + 2 * 16);
    for (const t of report.tokenizers) {
      expect(t.bytesPerToken).toBeGreaterThan(1);
      expect(t.morphScore).toBeGreaterThanOrEqual(0);
      expect(stdout).toContain(t.name);
    }
    expect(stdout).toMatch(/4-gram: \d+ n-grams, [\d.]+ bits per byte on S2/);
    expect(stdout).toMatch(
      /V=900: MorphScore Comb-Freq E [\d.]+ > BPE-WP [\d.]+ > BPE [\d.]+: (holds|does NOT hold)/,
    );
    const german = JSON.parse(fs.readFileSync(path.join(out, 'comparison-de', 'report.json'), 'utf8'));
    expect(german.tokenizers.map((t: { name: string }) => t.name)).toContain('MultiBPE_900');
    expect(german.tokenizers[0].morph.scored).toBeGreaterThan(0);
    expect(
      fs.readdirSync(path.join(out, 'comparison')).filter((f) => f.endsWith('.png')).length,
    ).toBeGreaterThan(0);
    expect(stdout).toMatch(new RegExp(`Everything is in ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
