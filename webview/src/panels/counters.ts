/** The run's counters (one column per shown variant), or the trace's import statistics. */
import type { Panel, PanelCtx } from './context';
import { h, note } from './dom';
import { fmtNs } from '../../../server/src/core/format';

const NUM = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** A counter's value with its unit: names ending in `Ns` / `_ns` are durations. */
export function counterText(name: string, value: number): string {
  if (/(Ns|_ns)$/.test(name)) return `${fmtNs(value)} (${NUM.format(value)} ns)`;
  return NUM.format(value);
}

export function countersPanel(ctx: PanelCtx): Panel {
  const root = h('div', 'pn-panel-body');

  const render = () => {
    root.textContent = '';
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

  return { id: 'counters', title: ctx.isTrace ? 'Stats' : 'Counters', root, render, dependsOn: ['variants'] };
}
