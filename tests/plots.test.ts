import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImage } from '@napi-rs/canvas';
import {
  plotCoverageCurve,
  plotCoverageCurves,
  plotGroupedBars,
  plotLossCurves,
  plotMetricBars,
  plotTokenDistribution,
} from '../analysis/plots.js';
import { pngSize } from './png-size.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cleangpt-plots-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cumulative = Float64Array.from([0.4, 0.6, 0.8, 0.9, 0.95, 0.99, 1]);
const loss = {
  train: Array.from({ length: 60 }, (_, i) => ({ step: i * 10, loss: 5 * Math.exp(-i / 20) + 1 })),
  val: [0, 200, 400].map((step) => ({ step, loss: 5 * Math.exp(-step / 200) + 1.2 })),
};

async function expectPng(file: string, width: number, height: number): Promise<void> {
  const bytes = fs.readFileSync(file);
  expect(pngSize(bytes)).toEqual({ width, height });
  // a full decode, not just the header
  const image = await loadImage(bytes);
  expect([image.width, image.height]).toEqual([width, height]);
}

describe('PNG charts', () => {
  test('every chart kind writes a PNG of the requested size', async () => {
    const size = { width: 640, height: 360 };
    plotTokenDistribution([100, 50, 20, 5, 1], path.join(tmp, 'dist.png'), size);
    plotCoverageCurve(cumulative, path.join(tmp, 'cov.png'), size);
    plotCoverageCurves(
      [
        { label: 'a', cumulative },
        { label: 'b', cumulative: Float64Array.from([0.2, 0.5, 1]) },
      ],
      path.join(tmp, 'covs.png'),
      size,
    );
    plotMetricBars(
      [
        { label: 'gpt2', value: 4.2 },
        { label: 'byte', value: 1 },
      ],
      path.join(tmp, 'bars.png'),
      {
        ...size,
        title: 'Bytes per token',
        yLabel: 'bytes / token',
      },
    );
    plotGroupedBars(['en', 'de'], [{ label: 'gpt2', values: [1.3, 2.1] }], path.join(tmp, 'grouped.png'), {
      ...size,
      title: 'Fertility',
      yLabel: 'tokens / word',
    });
    plotLossCurves(loss, path.join(tmp, 'loss.png'), size);
    for (const f of ['dist', 'cov', 'covs', 'bars', 'grouped', 'loss'])
      await expectPng(path.join(tmp, `${f}.png`), 640, 360);
  });

  test('default size is 1200×600 with an opaque white background', async () => {
    const file = path.join(tmp, 'default.png');
    plotTokenDistribution([3, 2, 1], file);
    await expectPng(file, 1200, 600);
    const { createCanvas } = await import('@napi-rs/canvas');
    const image = await loadImage(fs.readFileSync(file));
    const ctx = createCanvas(1200, 600).getContext('2d');
    ctx.drawImage(image, 0, 0);
    expect(Array.from(ctx.getImageData(2, 2, 1, 1).data)).toEqual([255, 255, 255, 255]);
  });
});

describe('SVG charts', () => {
  test('a .svg file name gives an SVG document with the chart size and its title as text', () => {
    const file = path.join(tmp, 'loss.svg');
    plotLossCurves(loss, file, { width: 800, height: 400, title: 'Training run 7' });
    const svg = fs.readFileSync(file, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/^<svg[^>]* width="800" height="400"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('>Training run 7');
  });
});

describe('bad input', () => {
  test('empty data is an error naming the chart', () => {
    expect(() => plotTokenDistribution([], path.join(tmp, 'x.png'))).toThrow(
      /plotTokenDistribution: no counts/,
    );
    expect(() => plotLossCurves({ train: [] }, path.join(tmp, 'x.png'))).toThrow(/plotLossCurves/);
    expect(() =>
      plotGroupedBars(['en'], [{ label: 't', values: [1, 2] }], path.join(tmp, 'x.png'), {
        title: 't',
        yLabel: 'y',
      }),
    ).toThrow(/2 values for 1 categories/);
    expect(fs.existsSync(path.join(tmp, 'x.png'))).toBe(false);
  });
});
