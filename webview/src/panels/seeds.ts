/**
 * Seeds and sweeps (`vpscope simulate --seeds N | --sweep`, or a file with `sweep { ... }` /
 * `seeds N`): the view of a `vpscope.seeds/1` aggregate, which has no timeline. For the metric
 * picked (every metric of the aggregate: latency percentiles per task, steal per VM, region finish
 * times, stalls), a chart.js chart:
 *
 * - with a sweep: the mean against the swept value, one line per variant, and its 95% interval as
 *   a filled band (two invisible line datasets, the upper one filled down to the lower one);
 * - with crossed sweeps (several settings): the same chart against the first setting, one line
 *   per (variant, value of the other settings);
 * - seeds only: per variant, the interval as a floating bar and the mean as a point.
 *
 * The value axis is logarithmic when the user ticks "log scale", or, until they choose, when every
 * value drawn is positive and the largest is at least LOG_AUTO_SPREAD times the smallest (a p99
 * of 20 ms beside one of 50 us would otherwise sit on the axis). Values <= 0 are not drawn on a
 * log scale; a note counts them. The metric and the choice survive a reload (view state).
 *
 * Below it, the same numbers as a table (the chart's accessible form; its cells carry the exact
 * values in `data-*` attributes for tests). Colours from the theme (`--vscode-*`), classes only
 * (strict CSP: no inline style attributes).
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { Chart, type ChartConfiguration } from 'chart.js';
import './charts';
import { withAlpha, type Theme } from './charts';
import { ce, h, note } from './dom';
import { autoLog, drawnValues, logFloor, lowOnScale } from './logic';
import { fmtMetric, sweepAxes, type CellAggregate, type MetricAggregate, type MetricUnit, type SeedsDoc } from '../../../server/src/report/seeds';
import { crossPoints, pointLabel } from '../../../server/src/core/cross';
import { fmtNsShort } from '../../../server/src/core/format';
import type { ViewState } from '../../../server/src/shared/view';

/** A metric's value as text, in its unit (as the CLI's table prints it). */
export function fmtValue(v: number, unit: MetricUnit): string {
  return Number.isFinite(v) ? fmtMetric(v, unit) : '-';
}

function fmtTick(v: number, unit: MetricUnit): string {
  if (unit === 'ns') return v < 0 ? '-' + fmtNsShort(-v) : fmtNsShort(v);
  return fmtValue(v, unit);
}

/** Metric names in the order of the aggregate, the first `p99` first (what users ask for first). */
export function metricNames(doc: SeedsDoc): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const c of doc.aggregate) for (const k of Object.keys(c.metrics)) if (!seen.has(k)) (seen.add(k), out.push(k));
  const p99 = out.findIndex((k) => k.endsWith(' p99'));
  if (p99 > 0) out.unshift(...out.splice(p99, 1));
  return out;
}

/** One row of the chart's data: a (point, variant) cell's aggregate of the metric, if it has one. */
export interface SeedsRow {
  point?: string;
  /** With crossed sweeps: the value of each swept setting. */
  at?: string[];
  variant: string;
  m?: MetricAggregate;
}

/** The rows of a metric, in plan order (point, then variant). */
export function metricRows(doc: SeedsDoc, metric: string): SeedsRow[] {
  return doc.aggregate.map((c: CellAggregate) => ({ ...(c.point !== undefined ? { point: c.point } : {}), ...(c.at !== undefined ? { at: c.at } : {}), variant: c.variant, m: c.metrics[metric] }));
}

/** Where the view keeps its state (the webview's getState/setState, or the report's). */
export interface SeedsStore {
  get(): ViewState | undefined;
  set(s: ViewState): void;
}

export interface SeedsView {
  /** The chart drawn, for the test API. */
  chart(): Chart | undefined;
  rerender(): void;
  dispose(): void;
}

export function mountSeedsView(parent: HTMLElement, doc: SeedsDoc, title: string, theme: () => Theme, store?: SeedsStore): SeedsView {
  parent.textContent = '';
  // A container of its own: the page's root keeps its classes for a timeline loaded later.
  const root = h('div', 'pn-panels sd-view');
  parent.appendChild(root);
  const metrics = metricNames(doc);
  const axes = sweepAxes(doc);
  /** A row's value of each swept setting (one table column each). */
  const coords = (r: SeedsRow): string[] => (axes.length > 1 ? r.at ?? axes.map(() => '') : axes.length ? [r.point ?? ''] : []);
  const saved = (() => {
    try {
      return store?.get();
    } catch {
      return undefined;
    }
  })();
  let selected = saved?.seedsMetric !== undefined && metrics.includes(saved.seedsMetric) ? saved.seedsMetric : metrics[0];
  /** The user's choice of scale; undefined: automatic (autoLog). */
  let logChoice: boolean | undefined = saved?.seedsLog;
  const persist = (patch: ViewState) => {
    try {
      store?.set({ ...(store.get() ?? {}), ...patch });
    } catch {
      // A host without state: the choice lasts until the page closes.
    }
  };
  let chart: Chart | undefined;

  const render = () => {
    chart?.destroy();
    chart = undefined;
    root.textContent = '';
    root.appendChild(h('h2', 'sd-title', title));
    const n = doc.seeds.length;
    const parts = [`${n} seed${n === 1 ? '' : 's'}`, ...axes.map((a) => `${a.values.length} values of ${a.path}`), `${doc.variants.length} variant${doc.variants.length === 1 ? '' : 's'}`];
    note(root, `${parts.join(' x ')}${axes.length > 1 ? ' (every combination)' : ''}. Method: ${doc.method}.`);
    if (axes.length > 1) note(root, `The chart: against ${axes[0].path}, one line per variant and value of ${axes.slice(1).map((a) => a.path).join(' and ')}; the table below has every point.`);
    if (doc.notRun) note(root, `${doc.notRun.runs.length} run(s) not run (${doc.notRun.reason}): left out of the aggregate.`);
    if (!selected) {
      note(root, 'No metric: no run completed.');
      return;
    }
    const bar = h('div', 'pn-controls');
    const lab = h('label', 'pn-label', 'Metric');
    const pick = ce('vscode-single-select', 'pn-picker');
    pick.id = 'sd-metric';
    lab.htmlFor = pick.id;
    pick.setAttribute('aria-label', 'Metric to show');
    for (const k of metrics) {
      const o = ce('vscode-option', undefined, k);
      o.setAttribute('value', k);
      if (k === selected) o.setAttribute('selected', '');
      pick.appendChild(o);
    }
    pick.addEventListener('change', () => {
      const v = (pick as unknown as { value: string }).value;
      if (v && v !== selected && metrics.includes(v)) {
        selected = v;
        persist({ seedsMetric: v });
        render();
      }
    });
    const rows = metricRows(doc, selected);
    const unit = rows.find((r) => r.m)?.m?.unit ?? 'ns';
    const log = logChoice ?? autoLog(rows);
    const logBox = ce('vscode-checkbox', 'pn-log');
    logBox.id = 'sd-log';
    logBox.setAttribute('label', 'log scale');
    if (log) logBox.setAttribute('checked', '');
    logBox.addEventListener('change', () => {
      logChoice = !!(logBox as unknown as { checked: boolean }).checked;
      persist({ seedsLog: logChoice });
      render();
    });
    bar.append(lab, pick, logBox);
    root.appendChild(bar);
    if (log) {
      // Interval lows <= 0 under a positive high are drawn from the bottom of the axis (`logFloor`);
      // other values <= 0 cannot be drawn.
      const floored = rows.filter((r) => r.m && r.m.n > 1 && !(r.m.lo > 0) && r.m.hi > 0).length;
      const hidden = drawnValues(rows).filter((x) => x <= 0).length - floored;
      if (floored) note(root, `${floored} interval${floored === 1 ? ' reaches' : 's reach'} 0 or below: drawn from the bottom of the log scale (the table has the values).`);
      if (hidden) note(root, `${hidden} value${hidden === 1 ? '' : 's'} <= 0 not drawn on the log scale (the table has them).`);
    }
    const box = h('div', 'pn-chart sd-chart');
    const canvas = h('canvas');
    canvas.id = 'sd-chart';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', axes.length > 1 ? `${selected} against ${axes[0].path}, mean and 95% interval per variant and value of ${axes.slice(1).map((a) => a.path).join(' and ')}` : axes.length ? `${selected} against ${axes[0].path}, mean and 95% interval per variant` : `${selected} per variant, mean and 95% interval`);
    box.appendChild(canvas);
    root.appendChild(box);
    chart = axes.length ? sweepChart(canvas, doc, rows, unit, theme(), log) : seedsChart(canvas, doc, rows, unit, theme(), log);
    table(rows, unit);
  };

  const table = (rows: SeedsRow[], unit: MetricUnit) => {
    const t = h('table', 'pn-table pn-compact sd-table');
    t.appendChild(h('caption', 'pn-sr-only', `${selected}: mean and 95% interval`));
    const cols = [...axes.map((a) => a.path), 'variant', 'mean', '95% low', '95% high', 'seeds'];
    const hr = h('tr');
    for (const c of cols) {
      const th = h('th', ['mean', '95% low', '95% high', 'seeds'].includes(c) ? 'pn-num' : undefined, c);
      th.scope = 'col';
      hr.appendChild(th);
    }
    t.appendChild(h('thead')).appendChild(hr);
    const tb = h('tbody');
    for (const r of rows) {
      const tr = h('tr');
      tr.dataset.variant = r.variant;
      if (r.point !== undefined) tr.dataset.point = r.point;
      r.at?.forEach((v, k) => (tr.dataset[`at${k}`] = v));
      if (r.m) {
        tr.dataset.mean = String(r.m.mean);
        tr.dataset.lo = String(r.m.lo);
        tr.dataset.hi = String(r.m.hi);
        tr.dataset.n = String(r.m.n);
      }
      const cells = [...coords(r), r.variant, r.m ? fmtValue(r.m.mean, unit) : '-', r.m && r.m.n > 1 ? fmtValue(r.m.lo, unit) : '-', r.m && r.m.n > 1 ? fmtValue(r.m.hi, unit) : '-', r.m ? String(r.m.n) : '0'];
      cells.forEach((x, i) => tr.appendChild(h('td', i >= cells.length - 4 ? 'pn-num' : undefined, x)));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    root.appendChild(t);
  };

  render();
  return {
    chart: () => chart,
    rerender: render,
    dispose: () => {
      chart?.destroy();
      chart = undefined;
      root.remove();
    },
  };
}

function yAxis(theme: Theme, unit: MetricUnit, title: string, log: boolean) {
  return {
    type: log ? ('logarithmic' as const) : ('linear' as const),
    title: { display: true, text: title, color: theme.fg },
    // On a log scale chart.js puts a tick at every 1..9 x 10^n: label 1, 2, 3 and 5 only (the others
    // overlap when the axis spans less than a decade).
    ticks: { color: theme.fg, callback: (v: number | string) => (log && !isRoundTick(Number(v)) ? '' : fmtTick(Number(v), unit)) },
    grid: { color: theme.grid },
  };
}

function tooltipLabel(unit: MetricUnit, rowOf: (dataset: number, index: number) => SeedsRow | undefined) {
  return (c: { datasetIndex: number; dataIndex: number; dataset: { label?: string } }) => {
    const r = rowOf(c.datasetIndex, c.dataIndex);
    if (!r?.m) return `${c.dataset.label ?? ''}: -`;
    const m = r.m;
    return `${r.at ? c.dataset.label ?? r.variant : r.variant}: ${fmtValue(m.mean, unit)}${m.n > 1 ? ` [${fmtValue(m.lo, unit)}, ${fmtValue(m.hi, unit)}]` : ''} (${m.n} seed${m.n === 1 ? '' : 's'})`;
  };
}

/** Whether v is 1, 2, 3 or 5 times a power of ten (to rounding). */
function isRoundTick(v: number): boolean {
  if (!(v > 0)) return false;
  const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  return [1, 2, 3, 5].some((k) => Math.abs(m - k) < 1e-6 * k);
}

/** A value as drawn: on a log scale, values <= 0 (and non-finite ones) are left out. */
function onScale(v: number, log: boolean): number | null {
  return log && !(v > 0) ? null : v;
}


const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot', 'rectRounded', 'cross'] as const;

/**
 * Mean per value of the first swept setting, a line per variant (crossed sweeps: per variant and
 * value of the other settings), with its 95% interval as a band.
 */
function sweepChart(canvas: HTMLCanvasElement, doc: SeedsDoc, rows: SeedsRow[], unit: MetricUnit, theme: Theme, log: boolean): Chart {
  const axes = sweepAxes(doc);
  const values = axes[0].values;
  const crossed = axes.length > 1;
  const byKey = new Map<string, SeedsRow>();
  for (const r of rows) byKey.set(`${r.variant}\u0000${crossed ? pointLabel(r.at ?? []) : r.point}`, r);
  const cell = (variant: string, point: string) => byKey.get(`${variant}\u0000${point}`);
  // The other settings' combinations (none crossed: one, empty).
  const rest = crossed ? crossPoints(axes.slice(1)) : [[]];
  const floor = log ? logFloor(rows) : undefined;
  type DS = ChartConfiguration<'line', (number | null)[], string>['data']['datasets'][number];
  const datasets: DS[] = [];
  /** Dataset index -> (variant, the other settings' values) (band datasets included). */
  const seriesOf: { variant: string; rest: string[] }[] = [];
  let i = 0;
  for (const v of doc.variants) {
    for (const o of rest) {
      const c = theme.series[i % theme.series.length] ?? theme.fg;
      const label = crossed ? `${v}, ${axes.slice(1).map((a, k) => `${a.path}=${o[k]}`).join(', ')}` : v;
      const col = (f: (m: MetricAggregate) => number) => values.map((p) => {
        const m = cell(v, crossed ? pointLabel([p, ...o]) : p)?.m;
        return m ? onScale(f(m), log) : null;
      });
      datasets.push({ label: `${label} 95% low`, data: col((m) => lowOnScale(m, log, floor) ?? Number.NaN), borderColor: 'rgba(0,0,0,0)', backgroundColor: 'rgba(0,0,0,0)', pointRadius: 0, pointHitRadius: 0, fill: false, tension: 0 });
      datasets.push({ label: `${label} 95% interval`, data: col((m) => m.hi), borderColor: 'rgba(0,0,0,0)', backgroundColor: withAlpha(c, crossed ? 0.12 : 0.2), pointRadius: 0, pointHitRadius: 0, fill: '-1', tension: 0 });
      // A marker shape per line as well as a colour: two theme colours can be close (charts.orange
      // and charts.yellow in Light+), and the legend must not rely on colour alone.
      const pointStyle = POINT_STYLES[i % POINT_STYLES.length];
      datasets.push({ label, data: col((m) => m.mean), borderColor: c, backgroundColor: c, borderWidth: 2, pointRadius: 4, pointStyle, tension: 0, fill: false });
      for (let k = 0; k < 3; k++) seriesOf.push({ variant: v, rest: o });
      i++;
    }
  }
  const cfg: ChartConfiguration<'line', (number | null)[], string> = {
    type: 'line',
    data: { labels: values, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', intersect: false },
      plugins: {
        legend: { labels: { color: theme.fg, boxWidth: 12, usePointStyle: true, filter: (item) => item.datasetIndex !== undefined && item.datasetIndex % 3 === 2 } },
        tooltip: { filter: (item) => item.datasetIndex % 3 === 2, callbacks: { label: tooltipLabel(unit, (d, x) => cell(seriesOf[d].variant, crossed ? pointLabel([values[x], ...seriesOf[d].rest]) : values[x])) } },
      },
      scales: {
        x: { type: 'category', title: { display: true, text: axes[0].path, color: theme.fg }, ticks: { color: theme.fg }, grid: { color: theme.grid } },
        y: yAxis(theme, unit, unit === 'fraction' ? 'share' : unit === 'count' ? 'count' : 'time', log),
      },
    },
  };
  return new Chart(canvas, cfg);
}

/** Seeds without a sweep: per variant, the 95% interval as a floating bar and the mean as a point. */
function seedsChart(canvas: HTMLCanvasElement, doc: SeedsDoc, rows: SeedsRow[], unit: MetricUnit, theme: Theme, log: boolean): Chart {
  const labels = rows.map((r) => r.variant);
  const colors = rows.map((_, i) => theme.series[i % theme.series.length] ?? theme.fg);
  const floor = log ? logFloor(rows) : undefined;
  const bar = (m: MetricAggregate): [number, number] | null => {
    const lo = lowOnScale(m, log, floor);
    return lo !== null && onScale(m.hi, log) !== null ? [lo, m.hi] : null;
  };
  const cfg: ChartConfiguration<'bar' | 'line', ([number, number] | number | null)[], string> = {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { type: 'bar', label: '95% interval', data: rows.map((r) => (r.m ? bar(r.m) : null)), backgroundColor: colors.map((c) => withAlpha(c, 0.3)), borderColor: colors, borderWidth: 1 },
        { type: 'line', label: 'mean', data: rows.map((r) => (r.m ? onScale(r.m.mean, log) : null)), showLine: false, pointRadius: 5, pointStyle: 'rectRot', borderColor: theme.fg, backgroundColor: theme.fg },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { labels: { color: theme.fg, boxWidth: 12 } },
        tooltip: { callbacks: { label: tooltipLabel(unit, (_d, i) => rows[i]) } },
      },
      scales: {
        x: { type: 'category', ticks: { color: theme.fg }, grid: { color: theme.grid } },
        y: yAxis(theme, unit, unit === 'fraction' ? 'share' : unit === 'count' ? 'count' : 'time', log),
      },
    },
  };
  return new Chart(canvas, cfg as ChartConfiguration);
}
