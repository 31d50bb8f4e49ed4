/**
 * Charts for token statistics, tokenizer comparisons and training curves: chart.js drawing onto an
 * `@napi-rs/canvas` canvas (prebuilt binaries, no Cairo or browser needed), written as PNG or SVG.
 *
 * Every chart has a white background, a title and named axes. The output format follows the file
 * extension (`.svg` → SVG with text kept as text, so files stay small and searchable; anything else →
 * PNG).
 */

import * as path from 'node:path';
import { createCanvas, SvgExportFlag } from '@napi-rs/canvas';
import { Chart, type ChartConfiguration, type Plugin, registerables } from 'chart.js';
import { writeFileAtomic } from '../utils/fs.js';
import { firstRankReaching } from './coverage.js';

export interface PlotSize {
  width?: number;
  height?: number;
}

export interface Series {
  label: string;
  /** Points in x order. */
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Text drawn beside each point (same order as `points`), e.g. the model size a point measures. */
  labels?: readonly string[];
  /** A dashed line, for reference levels drawn beside measured series. */
  dashed?: boolean;
}

export interface LossPoint {
  step: number;
  loss: number;
}

/** Cumulative-share thresholds marked on coverage curves (the reference's list, without 0.999). */
export const COVERAGE_MARKERS: readonly number[] = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99];

const DEFAULT_WIDTH = 1200;
const DEFAULT_HEIGHT = 600;
const FONT_FAMILY = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";
/** Colour-blind-safe palette (Okabe–Ito), cycled for multiple series. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

let registered = false;
/** chart.js needs its controllers, elements and scales registered once before the first chart. */
function ensureRegistered(): void {
  if (registered) return;
  Chart.register(...registerables);
  registered = true;
}

/** Fills the canvas white before anything is drawn (a transparent PNG is unreadable in dark viewers). */
const whiteBackground: Plugin = {
  id: 'cleangptWhiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { display: true, text: title, font: { size: 16, family: FONT_FAMILY } },
    ticks: { font: { size: 13, family: FONT_FAMILY } },
    grid: { color: '#dddddd' },
    ...extra,
  };
}

function baseOptions(title: string, showLegend: boolean): Record<string, unknown> {
  return {
    responsive: false,
    animation: false,
    devicePixelRatio: 1,
    plugins: {
      title: {
        display: true,
        text: title,
        font: { size: 20, weight: 'bold', family: FONT_FAMILY },
        color: '#111111',
      },
      legend: { display: showLegend, labels: { font: { size: 14, family: FONT_FAMILY } } },
      tooltip: { enabled: false },
    },
  };
}

/** Renders a chart configuration to `file` (PNG, or SVG when the name ends in `.svg`); returns the bytes written. */
export function renderChart(config: ChartConfiguration, file: string, size: PlotSize = {}): Buffer {
  ensureRegistered();
  const width = size.width ?? DEFAULT_WIDTH;
  const height = size.height ?? DEFAULT_HEIGHT;
  const svg = path.extname(file).toLowerCase() === '.svg';
  const canvas = svg ? createCanvas(width, height, SvgExportFlag.NoPrettyXML) : createCanvas(width, height);
  const plugins = [whiteBackground, ...(config.plugins ?? [])];
  // chart.js accepts any object with getContext('2d'); the napi canvas satisfies it at run time.
  const chart = new Chart(canvas as unknown as HTMLCanvasElement, { ...config, plugins });
  let bytes: Buffer;
  try {
    chart.draw();
    // The SVG canvas is finalised when its content is read; the chart must be drawn before that.
    bytes = svg
      ? stripXmlDeclaration((canvas as ReturnType<typeof createCanvas>).getContent())
      : toPng(canvas);
  } finally {
    chart.destroy();
  }
  writeFileAtomic(file, bytes);
  return bytes;
}

function toPng(canvas: unknown): Buffer {
  return (canvas as { toBuffer(mime: 'image/png'): Buffer }).toBuffer('image/png');
}

/** Drops the `<?xml …?>` prolog so the file starts with the `<svg>` element (UTF-8 is the default anyway). */
function stripXmlDeclaration(svg: Buffer): Buffer {
  const text = svg.toString('utf8');
  return Buffer.from(text.replace(/^<\?xml[^>]*\?>\s*/, ''), 'utf8');
}

export interface TokenDistributionOptions extends PlotSize {
  title?: string;
  logScale?: boolean;
}

/** Bar chart of token counts by frequency rank (1-based), log y by default. */
export function plotTokenDistribution(
  counts: ArrayLike<number>,
  file: string,
  options: TokenDistributionOptions = {},
): Buffer {
  const values = Array.from(counts);
  if (values.length === 0) throw new Error('plotTokenDistribution: no counts to plot');
  const logScale = options.logScale ?? true;
  const config = {
    type: 'bar',
    data: {
      labels: values.map((_, i) => String(i + 1)),
      datasets: [
        {
          label: 'count',
          data: values,
          backgroundColor: seriesColor(0),
          categoryPercentage: 1,
          barPercentage: 0.9,
        },
      ],
    },
    options: {
      ...baseOptions(options.title ?? `Token frequency distribution (top ${values.length})`, false),
      scales: {
        x: axis('Token rank', {
          ticks: { maxTicksLimit: 10, autoSkip: true, maxRotation: 0, font: { size: 13 } },
        }),
        y: axis(logScale ? 'Count (log scale)' : 'Count', { type: logScale ? 'logarithmic' : 'linear' }),
      },
    },
  } as unknown as ChartConfiguration;
  return renderChart(config, file, options);
}

export interface CoverageCurveOptions extends PlotSize {
  title?: string;
  /** Thresholds to mark and label (default: {@link COVERAGE_MARKERS}). */
  markers?: readonly number[];
}

/**
 * Cumulative share of all tokens covered by the top-k token types, for k = 1…n (`cumulative[k-1]`),
 * with red markers labelled `"95%: 1234 tokens"` at the first rank reaching each threshold.
 */
export function plotCoverageCurve(
  cumulative: ArrayLike<number>,
  file: string,
  options: CoverageCurveOptions = {},
): Buffer {
  return plotCoverageCurves([{ label: 'coverage', cumulative }], file, { ...options, legend: false });
}

export interface CoverageSeries {
  label: string;
  /** Cumulative share at rank k = index + 1. */
  cumulative: ArrayLike<number>;
}

/** Several tokenizers' coverage curves on one chart (x on a log axis when they span different sizes). */
export function plotCoverageCurves(
  series: readonly CoverageSeries[],
  file: string,
  options: CoverageCurveOptions & { legend?: boolean } = {},
): Buffer {
  if (series.length === 0) throw new Error('plotCoverageCurves: no series to plot');
  const markers = options.markers ?? COVERAGE_MARKERS;
  const datasets: Record<string, unknown>[] = [];
  const annotations: Array<{ x: number; y: number; text: string }> = [];
  series.forEach((s, i) => {
    const points = downsampleCurve(s.cumulative);
    datasets.push({
      label: s.label,
      data: points,
      borderColor: seriesColor(i),
      backgroundColor: seriesColor(i),
      pointRadius: 0,
      borderWidth: 2,
      showLine: true,
    });
    const marks: Array<{ x: number; y: number }> = [];
    for (const t of markers) {
      const k = firstRankReaching(s.cumulative, t);
      if (k === null) continue;
      marks.push({ x: k, y: s.cumulative[k - 1]! });
      if (series.length === 1)
        annotations.push({ x: k, y: s.cumulative[k - 1]!, text: `${formatPercent(t)}: ${k} tokens` });
    }
    datasets.push({
      label: `${s.label} thresholds`,
      data: marks,
      borderColor: series.length === 1 ? '#cc0000' : seriesColor(i),
      backgroundColor: series.length === 1 ? '#cc0000' : seriesColor(i),
      pointRadius: 5,
      showLine: false,
    });
  });
  const config = {
    type: 'scatter',
    data: { datasets },
    options: {
      ...baseOptions(options.title ?? 'Vocabulary coverage curve', options.legend ?? series.length > 1),
      scales: {
        x: axis('Number of token types (by frequency rank)', { type: 'linear', min: 0 }),
        y: axis('Cumulative share of tokens', {
          min: 0,
          max: 1.05,
          // Headroom above 1 for the markers, without a misleading "1.1" tick at the 1.05 edge.
          afterBuildTicks: (scale: { ticks: Array<{ value: number }> }) => {
            scale.ticks = scale.ticks.filter((t) => t.value <= 1);
          },
        }),
      },
    },
    plugins: [pointLabels(annotations)],
  } as unknown as ChartConfiguration;
  // Legend entries for the threshold markers would only add noise.
  (config.options!.plugins!.legend as Record<string, unknown>).labels = {
    font: { size: 14, family: FONT_FAMILY },
    filter: (item: { text: string }) => !item.text.endsWith(' thresholds'),
  };
  return renderChart(config, file, options);
}

/** Draws text labels next to data points (chart.js has no annotation support without a plugin). */
function pointLabels(labels: ReadonlyArray<{ x: number; y: number; text: string; color?: string }>): Plugin {
  return {
    id: 'cleangptPointLabels',
    afterDatasetsDraw(chart) {
      const { ctx, scales } = chart;
      const xScale = scales.x!;
      const yScale = scales.y!;
      ctx.save();
      ctx.font = `13px ${FONT_FAMILY}`;
      ctx.textBaseline = 'middle';
      labels.forEach(({ x, y, text, color }, i) => {
        ctx.fillStyle = color ?? '#990000';
        const px = xScale.getPixelForValue(x);
        const py = yScale.getPixelForValue(y);
        const w = ctx.measureText(text).width;
        // Keep the label inside the plot area: flip to the left of the marker near the right edge.
        const left = px + 8 + w > chart.chartArea.right ? px - 8 - w : px + 8;
        // Alternate two rows so labels of nearby thresholds (98%, 99%) do not overprint each other.
        ctx.fillText(text, left, py + 12 + (i % 2) * 16);
      });
      ctx.restore();
    },
  };
}

/** At most ~2000 points keep large-vocabulary curves fast to draw without visible change. */
function downsampleCurve(cumulative: ArrayLike<number>): Array<{ x: number; y: number }> {
  const n = cumulative.length;
  const step = Math.max(1, Math.floor(n / 2000));
  const points: Array<{ x: number; y: number }> = [{ x: 0, y: 0 }];
  for (let i = 0; i < n; i += step) points.push({ x: i + 1, y: cumulative[i]! });
  if ((n - 1) % step !== 0) points.push({ x: n, y: cumulative[n - 1]! });
  return points;
}

function formatPercent(t: number): string {
  return `${Number((t * 100).toFixed(1))}%`;
}

export interface MetricBarOptions extends PlotSize {
  title: string;
  yLabel: string;
  xLabel?: string;
}

/** Bar chart of one metric across tokenizers (or languages): one bar per label. */
export function plotMetricBars(
  values: ReadonlyArray<{ label: string; value: number }>,
  file: string,
  options: MetricBarOptions,
): Buffer {
  if (values.length === 0) throw new Error('plotMetricBars: no values to plot');
  const config = {
    type: 'bar',
    data: {
      labels: values.map((v) => v.label),
      datasets: [
        {
          label: options.yLabel,
          data: values.map((v) => v.value),
          backgroundColor: values.map((_, i) => seriesColor(i)),
        },
      ],
    },
    options: {
      ...baseOptions(options.title, false),
      scales: { x: axis(options.xLabel ?? 'Tokenizer'), y: axis(options.yLabel, { beginAtZero: true }) },
    },
  } as unknown as ChartConfiguration;
  return renderChart(config, file, options);
}

export interface GroupedBarOptions extends MetricBarOptions {}

/** Grouped bars: one group per category (e.g. language), one bar per series (e.g. tokenizer). */
export function plotGroupedBars(
  categories: readonly string[],
  series: ReadonlyArray<{ label: string; values: readonly number[] }>,
  file: string,
  options: GroupedBarOptions,
): Buffer {
  if (categories.length === 0 || series.length === 0) throw new Error('plotGroupedBars: nothing to plot');
  for (const s of series) {
    if (s.values.length !== categories.length) {
      throw new Error(
        `plotGroupedBars: series "${s.label}" has ${s.values.length} values for ${categories.length} categories`,
      );
    }
  }
  const config = {
    type: 'bar',
    data: {
      labels: [...categories],
      datasets: series.map((s, i) => ({
        label: s.label,
        data: [...s.values],
        backgroundColor: seriesColor(i),
      })),
    },
    options: {
      ...baseOptions(options.title, true),
      scales: { x: axis(options.xLabel ?? 'Language'), y: axis(options.yLabel, { beginAtZero: true }) },
    },
  } as unknown as ChartConfiguration;
  return renderChart(config, file, options);
}

/** Line chart of several series sharing numeric x (e.g. metrics against vocabulary size). */
export function plotLines(
  series: readonly Series[],
  file: string,
  options: PlotSize & { title: string; xLabel: string; yLabel: string; logX?: boolean; logY?: boolean },
): Buffer {
  if (series.length === 0) throw new Error('plotLines: no series to plot');
  for (const s of series)
    if (s.labels !== undefined && s.labels.length !== s.points.length)
      throw new Error(
        `plotLines: series "${s.label}" has ${s.labels.length} labels for ${s.points.length} points`,
      );
  const config = {
    type: 'scatter',
    data: {
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.points.map((p) => ({ x: p.x, y: p.y })),
        borderColor: seriesColor(i),
        backgroundColor: seriesColor(i),
        showLine: true,
        pointRadius: s.points.length > 50 || s.dashed ? 0 : 3,
        borderWidth: 2,
        borderDash: s.dashed ? [8, 6] : [],
      })),
    },
    options: {
      ...baseOptions(options.title, series.length > 1),
      scales: {
        x: axis(options.xLabel, { type: options.logX ? 'logarithmic' : 'linear' }),
        y: axis(options.yLabel, { type: options.logY ? 'logarithmic' : 'linear' }),
      },
    },
    plugins: [
      pointLabels(
        series.flatMap((s, k) =>
          (s.labels ?? []).map((text, i) => ({ ...s.points[i]!, text, color: seriesColor(k) })),
        ),
      ),
    ],
  } as unknown as ChartConfiguration;
  return renderChart(config, file, options);
}

/** Training (and validation) loss against optimiser step. */
export function plotLossCurves(
  curves: { train: readonly LossPoint[]; val?: readonly LossPoint[] },
  file: string,
  options: PlotSize & { title?: string; yLabel?: string; logY?: boolean } = {},
): Buffer {
  if (curves.train.length === 0 && (curves.val?.length ?? 0) === 0)
    throw new Error('plotLossCurves: no loss values to plot');
  const series: Series[] = [{ label: 'train', points: curves.train.map((p) => ({ x: p.step, y: p.loss })) }];
  if (curves.val && curves.val.length > 0)
    series.push({ label: 'validation', points: curves.val.map((p) => ({ x: p.step, y: p.loss })) });
  return plotLines(series, file, {
    ...options,
    title: options.title ?? 'Loss curves',
    xLabel: 'Step',
    yLabel: options.yLabel ?? 'Loss (cross-entropy, nats per token)',
  });
}
