/**
 * chart.js, tree-shaken: only the line and bar charts on linear / logarithmic / category scales the
 * panels draw. Colours come from the app's theme (`--vscode-*` variables); animations are off so a
 * chart is drawn once per change.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { fmtNsShort as fmtAxisNs } from '../../../server/src/core/format';
import type { CdfPoint } from './logic';
import { fmtCounterValue, fmtFraction, fmtNs } from '../../../server/src/core/format';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, LogarithmicScale, CategoryScale, Filler, Legend, Tooltip);

export interface Theme {
  fg: string;
  grid: string;
  series: string[];
}

export interface Series {
  label: string;
  points: CdfPoint[];
}

/** A translucent variant of a CSS colour (for filled areas), via canvas colour parsing. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color.trim());
  if (m) {
    const n = parseInt(m[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const r = /^rgba?\(([^)]+)\)$/i.exec(color.trim());
  if (r) {
    const [a, b, c] = r[1].split(/[ ,/]+/);
    return `rgba(${a}, ${b}, ${c}, ${alpha})`;
  }
  return color;
}

/** Tick labels for a ns axis: on a log axis only 1-2-5 values, so labels do not collide. */
function nsTick(log: boolean) {
  return (value: number | string): string | undefined => {
    const v = Number(value);
    if (!Number.isFinite(v)) return undefined;
    if (log) {
      const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
      if (![1, 2, 5].some((k) => Math.abs(m - k) < 1e-6)) return undefined;
    }
    return fmtAxisNs(v);
  };
}

function axes(theme: Theme, log: boolean, xTitle: string, yTitle: string, yMax?: number) {
  return {
    x: {
      type: log ? ('logarithmic' as const) : ('linear' as const),
      title: { display: true, text: xTitle, color: theme.fg },
      ticks: { color: theme.fg, callback: nsTick(log), maxRotation: 0, autoSkip: true },
      grid: { color: theme.grid },
    },
    y: {
      type: 'linear' as const,
      min: 0,
      max: yMax,
      title: { display: true, text: yTitle, color: theme.fg },
      ticks: { color: theme.fg, callback: (v: number | string) => fmtFraction(Number(v)) },
      grid: { color: theme.grid },
    },
  };
}

function base(theme: Theme) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false as const,
    normalized: true,
    interaction: { mode: 'nearest' as const, intersect: false },
    plugins: {
      legend: { labels: { color: theme.fg, boxWidth: 12 } },
      tooltip: {
        callbacks: {
          label: (c: { dataset: { label?: string }; parsed: { x: number | null; y: number | null } }) =>
            `${c.dataset.label ?? ''}: ${fmtNs(c.parsed.x ?? 0)} -> ${fmtFraction(c.parsed.y ?? 0)}`,
        },
      },
    },
  };
}

/** Cumulative distributions (one line per series) on a ns axis. */
export function cdfChart(canvas: HTMLCanvasElement, series: Series[], theme: Theme, log: boolean, xTitle: string): Chart {
  const cfg: ChartConfiguration<'line', CdfPoint[]> = {
    type: 'line',
    data: {
      datasets: series.map((s, i) => {
        const c = theme.series[i % theme.series.length] ?? theme.fg;
        return { label: s.label, data: s.points, borderColor: c, backgroundColor: c, borderWidth: 1.5, pointRadius: 0, pointHitRadius: 4, tension: 0 };
      }),
    },
    options: { ...base(theme), scales: axes(theme, log, xTitle, 'cumulative share', 1) },
  };
  return new Chart(canvas, cfg);
}

/** Histograms drawn as filled outlines (corner points), overlaid when several. */
export function histChart(canvas: HTMLCanvasElement, series: Series[], theme: Theme, log: boolean, xTitle: string): Chart {
  const cfg: ChartConfiguration<'line', CdfPoint[]> = {
    type: 'line',
    data: {
      datasets: series.map((s, i) => {
        const c = theme.series[i % theme.series.length] ?? theme.fg;
        return { label: s.label, data: s.points, borderColor: c, backgroundColor: withAlpha(c, 0.25), fill: 'origin', borderWidth: 1, pointRadius: 0, pointHitRadius: 4, tension: 0 };
      }),
    },
    options: { ...base(theme), scales: axes(theme, log, xTitle, 'share of samples') },
  };
  return new Chart(canvas, cfg);
}

/** Grouped bars of fractions (0..1) per category. */
export function shareChart(canvas: HTMLCanvasElement, categories: string[], datasets: { label: string; values: (number | null)[] }[], theme: Theme): Chart {
  const cfg: ChartConfiguration<'bar', (number | null)[], string> = {
    type: 'bar',
    data: {
      labels: categories,
      datasets: datasets.map((d, i) => {
        const c = theme.series[i % theme.series.length] ?? theme.fg;
        return { label: d.label, data: d.values, backgroundColor: withAlpha(c, 0.7), borderColor: c, borderWidth: 1 };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { labels: { color: theme.fg, boxWidth: 12 } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label ?? ''}: ${fmtFraction(Number(c.parsed.y))}` } },
      },
      scales: {
        x: { ticks: { color: theme.fg }, grid: { color: theme.grid } },
        y: { min: 0, ticks: { color: theme.fg, callback: (v) => fmtFraction(Number(v)) }, grid: { color: theme.grid } },
      },
    },
  };
  return new Chart(canvas, cfg);
}

/**
 * One counter series over time: a stepped line (a value holds until the next sample), x in ns
 * relative to `originNs`, drawn to `endNs` with the last value.
 */
export function counterChart(canvas: HTMLCanvasElement, label: string, points: { x: number; y: number }[], theme: Theme, originNs: number, endNs: number, color: string): Chart {
  const data = points.map((p) => ({ x: p.x - originNs, y: p.y }));
  const last = data[data.length - 1];
  if (last && endNs - originNs > last.x) data.push({ x: endNs - originNs, y: last.y });
  const cfg: ChartConfiguration<'line', { x: number; y: number }[]> = {
    type: 'line',
    data: { datasets: [{ label, data, borderColor: color, backgroundColor: withAlpha(color, 0.2), fill: 'origin', borderWidth: 1.5, pointRadius: 0, pointHitRadius: 4, stepped: 'before', tension: 0 }] },
    options: {
      ...base(theme),
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (c) => `${label}: ${fmtCounterValue(Number(c.parsed.y))} at ${fmtNs(Number(c.parsed.x))}` } },
      },
      scales: {
        x: { type: 'linear', title: { display: true, text: 'time', color: theme.fg }, ticks: { color: theme.fg, callback: nsTick(false), maxRotation: 0, autoSkip: true }, grid: { color: theme.grid } },
        // The series' name is the chart's heading: a y title would be clipped to the chart's height.
        y: { type: 'linear', ticks: { color: theme.fg }, grid: { color: theme.grid } },
      },
    },
  };
  return new Chart(canvas, cfg);
}

export type { Chart };
