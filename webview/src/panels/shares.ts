/** Per-VM CPU share against its weight share and its capacity share (simulations); per-VM CPU share and steal (traces). */
import { fmtNs, fmtPct } from '../../../server/src/sim/util';
import { shareChart, type Chart } from './charts';
import type { Panel, PanelCtx } from './context';
import { h, note } from './dom';
import type { VmRow } from './source';

const pct = (x: number | undefined) => (x === undefined ? '-' : fmtPct(x));
const ns = (x: number | undefined) => (x === undefined ? '-' : fmtNs(x));

export function sharesPanel(ctx: PanelCtx): Panel {
  const root = h('div', 'pn-panel-body');
  let charts: Chart[] = [];
  const dispose = () => {
    for (const c of charts) c.destroy();
    charts = [];
  };

  const render = () => {
    dispose();
    root.textContent = '';
    const shown = ctx.isTrace ? [0] : ctx.shown();
    const two = shown.length > 1;
    const per = shown.map((v) => ({ v, name: ctx.variantName(v), vms: ctx.data(v).vms }));
    const names: string[] = [];
    for (const p of per) for (const m of p.vms) if (!names.includes(m.name)) names.push(m.name);
    if (!names.length) {
      note(root, 'No VMs in this view.');
      return;
    }
    const suffix = (p: { name: string }) => (two ? ` (${p.name})` : '');
    const find = (vms: VmRow[], n: string) => vms.find((m) => m.name === n);
    const datasets: { label: string; values: (number | null)[] }[] = [];
    if (ctx.isTrace) {
      const vms = per[0].vms;
      datasets.push({ label: 'CPU share', values: names.map((n) => find(vms, n)?.share ?? null) });
      datasets.push({ label: 'steal', values: names.map((n) => (find(vms, n)?.stealPct ?? NaN) / 100).map((x) => (Number.isFinite(x) ? x : null)) });
      note(root, 'CPU share: the VM\'s vCPU threads\' running time over the trace\'s CPU time (window x CPUs); steal = runnable / (running + runnable) of its vCPU threads, the time they wanted a CPU and did not get one (as the trace analysis computes them).');
    } else {
      for (const p of per) {
        datasets.push({ label: `share${suffix(p)}`, values: names.map((n) => find(p.vms, n)?.share ?? null) });
        datasets.push({ label: `weight share${suffix(p)}`, values: names.map((n) => find(p.vms, n)?.weightShare ?? null) });
        datasets.push({ label: `capacity share${suffix(p)}`, values: names.map((n) => find(p.vms, n)?.capacityShare ?? null) });
      }
      note(root, 'Within each competition group (VMs of a pool whose vCPUs can run on the same pCPUs): share = the VM\'s part of the group\'s CPU time; weight share = what weight x vCPUs would give it; capacity share = its CPU time over the group\'s capacity (pCPUs x time). Measured after the warmup.');
    }
    const box = h('div', 'pn-chart');
    const c = h('canvas');
    c.setAttribute('role', 'img');
    c.setAttribute('aria-label', 'CPU share per VM');
    box.appendChild(c);
    root.appendChild(box);
    charts.push(shareChart(c, names, datasets, ctx.theme()));

    const t = h('table', 'pn-table pn-compact');
    const cols = ctx.isTrace ? ['VM', 'vCPUs', 'running', 'runnable', 'CPU share', 'steal'] : [...(two ? ['variant'] : []), 'VM', 'pool', 'vCPUs', 'weight', 'CPU', 'steal', 'share', 'weight share', 'capacity share'];
    const hr = h('tr');
    for (const x of cols) hr.appendChild(h('th', ['VM', 'pool', 'variant'].includes(x) ? undefined : 'pn-num', x));
    t.appendChild(h('thead')).appendChild(hr);
    const tb = h('tbody');
    for (const p of per) {
      for (const m of p.vms) {
        const cells = ctx.isTrace
          ? [m.name, String(m.vcpus ?? '-'), ns(m.cpuNs), ns(m.runnableNs), pct(m.share), m.stealPct === undefined ? '-' : pct(m.stealPct / 100)]
          : [...(two ? [p.name] : []), m.name, m.pool ?? '-', String(m.vcpus ?? '-'), String(m.weight ?? '-'), ns(m.cpuNs), ns(m.stealNs), pct(m.share), pct(m.weightShare), pct(m.capacityShare)];
        const tr = h('tr');
        cells.forEach((x, i) => tr.appendChild(h('td', ['VM', 'pool', 'variant'].includes(cols[i]) ? undefined : 'pn-num', x)));
        tb.appendChild(tr);
      }
    }
    t.appendChild(tb);
    root.appendChild(t);
  };

  return { id: 'shares', title: 'Shares', root, render, dispose, dependsOn: ['variants', 'theme'] };
}
