/**
 * Latency: per task (simulations: the run's latency summary and histogram) or per lane (runnable
 * waits, computed from the decoded lane columns, lazily, once per lane), a histogram and a CDF;
 * with two variants the series are overlaid.
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { cdfChart, histChart, type Chart, type Series } from './charts';
import type { Panel, PanelCtx } from './context';
import { ce, h, note } from './dom';
import { empiricalCdf, hasState, histOutline, histToCdf, logHistogram, percentileStepCdf, stateDurations, summarize, type Latency } from './logic';
import { fmtNs } from '../../../server/src/core/format';

interface Source {
  key: string;
  label: string;
  /** What the x axis measures. */
  xTitle: string;
  /** Per shown variant: the distribution, or undefined when the variant lacks it. */
  get(v: number): Dist | undefined;
}

interface Dist {
  lat: Latency;
  /** Histogram outline (shares), when recorded. */
  hist?: Series['points'];
  cdf: Series['points'];
  /** True when the CDF only goes through the percentiles. */
  stepOnly: boolean;
}

const RUNNABLE = 'runnable';

export function latencyPanel(ctx: PanelCtx): Panel {
  const root = h('div', 'pn-panel-body');
  let charts: Chart[] = [];
  let selected: string | undefined;
  const waitCache = new Map<string, Float64Array>();
  const laneListCache = new Map<number, { id: string; label: string }[]>();

  const dispose = () => {
    for (const c of charts) c.destroy();
    charts = [];
  };

  /** Lanes of variant v that have runnable intervals (scanned once per variant). */
  const waitLanes = (v: number) => {
    let l = laneListCache.get(v);
    if (!l) {
      const vm = ctx.app.model.variants[v];
      const si = vm ? vm.states.indexOf(RUNNABLE) : -1;
      l = si < 0 || !vm ? [] : vm.lanes.filter((lane) => hasState(lane.cols, si)).map((lane) => ({ id: lane.id, label: lane.label }));
      laneListCache.set(v, l);
    }
    return l;
  };

  const laneWaits = (v: number, id: string): Float64Array | undefined => {
    const k = `${v}\u0000${id}`;
    let w = waitCache.get(k);
    if (!w) {
      const vm = ctx.app.model.variants[v];
      const lane = vm?.lanes.find((l) => l.id === id);
      const si = vm ? vm.states.indexOf(RUNNABLE) : -1;
      if (!vm || !lane || si < 0) return undefined;
      w = stateDurations(lane.cols, si);
      waitCache.set(k, w);
    }
    return w.length ? w : undefined;
  };

  const sources = (): Source[] => {
    const shown = ctx.shown();
    const out: Source[] = [];
    const seen = new Set<string>();
    for (const v of shown) {
      for (const t of ctx.data(v).tasks) {
        const key = `task:${t.vm ?? ''}\u0000${t.name}`;
        if (seen.has(key) || !t.latency) continue;
        seen.add(key);
        out.push({
          key,
          label: `task ${t.name}${t.vm ? ` (${t.vm})` : ''}: ${t.measures}`,
          // `latency`: release -> done; `pass`: one loop pass; `round`: one parallel round (docs/sim.md).
          xTitle: t.measures === 'latency' ? 'latency (release -> done)' : `${t.measures} time`,
          get: (w) => {
            const tt = ctx.data(w).tasks.find((x) => x.name === t.name && x.vm === t.vm);
            const lat = tt?.latency;
            if (!lat || lat.count <= 0) return undefined;
            if (lat.hist) return { lat, hist: histOutline(lat.hist), cdf: histToCdf(lat.hist), stepOnly: false };
            return { lat, cdf: percentileStepCdf(lat), stepOnly: true };
          },
        });
      }
    }
    for (const v of shown) {
      for (const l of waitLanes(v)) {
        const key = `lane:${l.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          key,
          label: `runnable waits: ${l.label}`,
          xTitle: 'runnable wait',
          get: (w) => {
            const s = laneWaits(w, l.id);
            if (!s) return undefined;
            const hist = logHistogram(s);
            return { lat: summarize(s), hist: hist && histOutline(hist), cdf: empiricalCdf(s), stepOnly: false };
          },
        });
      }
    }
    return out;
  };

  const render = () => {
    dispose();
    root.textContent = '';
    const list = sources();
    if (!list.length) {
      note(root, ctx.isTrace ? 'No vCPU or thread of this trace was ever runnable: no waits to show.' : 'No task measures a latency in this run, and no lane has runnable intervals.');
      return;
    }
    if (!selected || !list.some((s) => s.key === selected)) selected = list[0].key;
    const src = list.find((s) => s.key === selected)!;

    const bar = h('div', 'pn-controls');
    const lab = h('label', 'pn-label', ctx.isTrace ? 'Lane' : 'Task or lane');
    const pick = ce('vscode-single-select', 'pn-picker');
    pick.id = 'pn-latency-source';
    lab.htmlFor = pick.id;
    pick.setAttribute('aria-label', 'Distribution to show');
    for (const s of list) {
      const o = ce('vscode-option', undefined, s.label);
      o.setAttribute('value', s.key);
      if (s.key === selected) o.setAttribute('selected', '');
      pick.appendChild(o);
    }
    pick.addEventListener('change', () => {
      const v = (pick as unknown as { value: string }).value;
      if (v && v !== selected) {
        selected = v;
        render();
      }
    });
    const log = ce('vscode-checkbox', 'pn-log');
    log.setAttribute('label', 'log scale');
    if (ctx.logScale) log.setAttribute('checked', '');
    log.addEventListener('change', () => {
      ctx.logScale = !!(log as unknown as { checked: boolean }).checked;
      ctx.persist({ logScale: ctx.logScale });
      render();
    });
    bar.append(lab, pick, log);
    root.appendChild(bar);

    const shown = ctx.shown();
    const two = shown.length > 1;
    const per = shown.map((v) => ({ v, name: ctx.variantName(v), d: src.get(v) }));
    const isLane = src.key.startsWith('lane:');

    // Numbers first: one row per variant.
    const t = h('table', 'pn-table pn-compact');
    const hr = h('tr');
    for (const c of [...(two ? ['variant'] : []), 'count', 'p50', 'p90', 'p99', 'max', 'mean']) hr.appendChild(h('th', c === 'variant' ? undefined : 'pn-num', c));
    t.appendChild(h('thead')).appendChild(hr);
    const tb = h('tbody');
    for (const p of per) {
      const tr = h('tr');
      if (two) tr.appendChild(h('td', undefined, p.name));
      const l = p.d?.lat;
      const cells = l ? [String(l.count), fmtNs(l.p50), fmtNs(l.p90), fmtNs(l.p99), fmtNs(l.max), Number.isFinite(l.mean) ? fmtNs(l.mean) : '-'] : ['0', '-', '-', '-', '-', '-'];
      for (const c of cells) tr.appendChild(h('td', 'pn-num', c));
      tb.appendChild(tr);
    }
    t.appendChild(tb);
    root.appendChild(t);

    const notes: string[] = [];
    if (isLane) notes.push('A runnable wait is a spell in which the thread or vCPU was ready to run but not running (back-to-back runnable intervals count as one). Computed from the timeline in this view.');
    for (const p of per) {
      const pre = two ? `${p.name}: ` : '';
      if (!p.d) notes.push(`${pre}no samples.`);
      else if (p.d.stepOnly) notes.push(`${pre}histogram not recorded; the CDF is a step function through p50, p90, p99 and max (a lower bound of the true CDF).`);
      const unf = p.d?.lat.unfinished;
      if (unf) notes.push(`${pre}${unf} unfinished at the end of the run (not in the distribution).`);
    }
    for (const n of notes) note(root, n);

    const theme = ctx.theme();
    const x = src.xTitle;
    const histSeries = per.filter((p) => p.d?.hist && p.d.hist.length).map((p) => ({ label: p.name, points: p.d!.hist! }));
    const cdfSeries = per.filter((p) => p.d && p.d.cdf.length).map((p) => ({ label: p.name, points: p.d!.cdf }));
    if (histSeries.length) {
      const box = h('div', 'pn-chart');
      const c = h('canvas');
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', `Histogram of ${src.label}`);
      box.appendChild(c);
      root.appendChild(h('h3', 'pn-subhead', 'Histogram'));
      root.appendChild(box);
      charts.push(histChart(c, histSeries, theme, ctx.logScale, x));
    }
    if (cdfSeries.length) {
      const box = h('div', 'pn-chart');
      const c = h('canvas');
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', `Cumulative distribution of ${src.label}`);
      box.appendChild(c);
      root.appendChild(h('h3', 'pn-subhead', two ? 'CDF (variants overlaid)' : 'CDF'));
      root.appendChild(box);
      charts.push(cdfChart(c, cdfSeries, theme, ctx.logScale, x));
    }
  };

  return { id: 'latency', title: 'Latency', root, render, dispose, dependsOn: ['variants', 'theme'] };
}
