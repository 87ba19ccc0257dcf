/**
 * The run's counters (one column per shown variant), or the trace's import statistics, with a
 * Chrome trace's counter series first (a table and one stepped chart per series).
 */
import { counterChart, type Chart } from './charts';
import type { Panel, PanelCtx } from './context';
import { h, note } from './dom';
import { fmtCounterValue, fmtNs } from '../../../server/src/core/format';

const NUM = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** A counter's value with its unit: names ending in `Ns` / `_ns` are durations. */
export function counterText(name: string, value: number): string {
  if (/(Ns|_ns)$/.test(name)) return `${fmtNs(value)} (${NUM.format(value)} ns)`;
  return NUM.format(value);
}

/** Charts drawn for a trace's counter series (the table lists every series). */
export const MAX_SERIES_CHARTS = 12;

export function countersPanel(ctx: PanelCtx): Panel {
  const root = h('div', 'pn-panel-body');
  let charts: Chart[] = [];
  const dispose = () => {
    for (const c of charts) c.destroy();
    charts = [];
  };

  const renderSeries = () => {
    const d = ctx.data(0);
    const series = d.series ?? [];
    if (!series.length) return;
    root.appendChild(h('h3', 'pn-subhead', 'Counter series'));
    const more = d.seriesOmitted ? ` ${NUM.format(d.seriesOmitted)} more series are not in the document (it lists 64).` : '';
    note(root, `The trace's counter events ("ph":"C"), one series per process and name. A value holds until the next sample; the mean weighs each value by how long it held.${more}`);
    const t = h('table', 'pn-table pn-compact pn-series');
    const hr = h('tr');
    for (const [k, num] of [['process', false], ['counter', false], ['samples', true], ['min', true], ['mean', true], ['max', true], ['last', true]] as const) hr.appendChild(h('th', num ? 'pn-num' : undefined, k));
    t.appendChild(h('thead')).appendChild(hr);
    const tb = h('tbody');
    for (const s of series) {
      const tr = h('tr');
      tr.appendChild(h('td', undefined, s.process));
      tr.appendChild(h('td', 'pn-mono', s.name));
      tr.appendChild(h('td', 'pn-num', NUM.format(s.samples)));
      // As the text summary writes them: 1e300 was 301 digits wide here, and 5e-324 read "-0".
      for (const v of [s.min, s.mean, s.max, s.last]) tr.appendChild(h('td', 'pn-num', fmtCounterValue(v)));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    root.appendChild(h('div', 'pn-table-wrap pn-scroll-x')).appendChild(t);
    const theme = ctx.theme();
    const origin = ctx.app.originNs();
    const endNs = d.seriesEndNs ?? Math.max(...series.map((s) => s.points[s.points.length - 1]?.x ?? 0));
    series.slice(0, MAX_SERIES_CHARTS).forEach((s, i) => {
      const title = `${s.process ? `${s.process}: ` : ''}${s.name}`;
      root.appendChild(h('h4', 'pn-subhead', title));
      const box = h('div', 'pn-chart pn-chart-small');
      box.dataset.series = String(i);
      const c = h('canvas');
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', `Counter ${title} over time`);
      box.appendChild(c);
      root.appendChild(box);
      charts.push(counterChart(c, s.name, s.points, theme, origin, endNs, theme.series[i % theme.series.length] ?? theme.fg));
    });
    if (series.length > MAX_SERIES_CHARTS) note(root, `Charts of the first ${MAX_SERIES_CHARTS} series; the table lists all ${series.length}.`);
    root.appendChild(h('h3', 'pn-subhead', 'Import statistics'));
  };

  const render = () => {
    dispose();
    root.textContent = '';
    if (ctx.isTrace) renderSeries();
    const shown = ctx.isTrace ? [0] : ctx.shown();
    const per = shown.map((v) => ({ name: ctx.variantName(v), counters: new Map(ctx.data(v).counters.map((c) => [c.name, c])) }));
    const names: string[] = [];
    for (const v of shown) for (const c of ctx.data(v).counters) if (!names.includes(c.name)) names.push(c.name);
    if (!names.length) {
      note(root, 'No counters.');
      return;
    }
    if (ctx.isTrace) note(root, 'Import statistics of the trace: lines and events read, events by name, and what had to be inferred (data-loss counters mean the trace missed events; the timeline marks such spans as inferred/unknown).');
    else note(root, 'Event counters of the simulated run (after the warmup where the simulator says so).');
    const t = h('table', 'pn-table pn-compact');
    const hr = h('tr');
    hr.appendChild(h('th', undefined, 'counter'));
    for (const p of per) hr.appendChild(h('th', 'pn-num', ctx.isTrace ? 'value' : p.name));
    t.appendChild(h('thead')).appendChild(hr);
    const tb = h('tbody');
    for (const n of names) {
      const tr = h('tr');
      tr.appendChild(h('td', 'pn-mono', n));
      for (const p of per) {
        const c = p.counters.get(n);
        tr.appendChild(h('td', 'pn-num', c ? counterText(n, c.value) : '-'));
      }
      tb.appendChild(tr);
      // A counter's note (what a data-loss counter means) on its own full-width row below it,
      // so that the table stays as narrow as its numbers.
      const noteText = ctx.isTrace ? per[0].counters.get(n)?.note : undefined;
      if (noteText) {
        tr.classList.add('pn-has-note');
        const nr = h('tr', 'pn-note-row');
        const td = h('td', 'pn-note-cell', noteText);
        td.colSpan = 1 + per.length;
        nr.appendChild(td);
        tb.appendChild(nr);
      }
    }
    t.appendChild(tb);
    root.appendChild(t);
  };

  return { id: 'counters', title: ctx.isTrace ? 'Stats' : 'Counters', root, render, dispose, dependsOn: ['variants', 'theme'] };
}
