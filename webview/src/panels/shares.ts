/** Per-VM CPU share against its weight share and its capacity share (simulations); per-VM CPU share and steal (traces). */
import { shareChart, type Chart } from './charts';
import type { Panel, PanelCtx } from './context';
import type { Column } from './dom';
import { h, note } from './dom';
import type { CpuRow, VmRow, VpRow } from './source';
import { sortableTable } from './table';
import { fmtFraction, fmtNs } from '../../../server/src/core/format';

/** State columns first in this order, then any other state the run reports. */
const STATE_ORDER = ['running', 'runnable', 'blocked', 'sleeping', 'idle'];

const pct = (x: number | undefined) => (x === undefined ? '-' : fmtFraction(x));
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
    vpTable(per.flatMap((p) => ctx.data(p.v).vps.map((r) => ({ ...r, variant: p.name }))), two);
    cpuTable(per.flatMap((p) => ctx.data(p.v).cpus.map((r) => ({ ...r, variant: p.name }))), two);
  };

  const vpTable = (rows: (VpRow & { variant: string })[], two: boolean) => {
    if (!rows.length) return;
    const states = [...new Set(rows.flatMap((r) => Object.keys(r.states)))].sort((a, b) => {
      const ia = STATE_ORDER.indexOf(a);
      const ib = STATE_ORDER.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
    });
    root.appendChild(h('h3', 'pn-subhead', ctx.isTrace ? 'vCPU threads' : 'VPs (host view of each vCPU)'));
    type R = (typeof rows)[number];
    const cols: Column<R>[] = [
      ...(two ? [{ key: 'variant', title: 'variant', value: (r: R) => r.variant, text: (r: R) => r.variant }] : []),
      { key: 'vm', title: 'VM', value: (r) => r.vm, text: (r) => r.vm },
      { key: 'vp', title: ctx.isTrace ? 'vCPU' : 'VP', value: (r) => r.vp, text: (r) => (r.vp === undefined ? '-' : String(r.vp)), numeric: true },
      ...(ctx.isTrace ? [{ key: 'thread', title: 'thread', value: (r: R) => r.name, text: (r: R) => r.name ?? '-' }] : []),
      ...states.map((st) => ({ key: `s:${st}`, title: st, value: (r: R) => r.states[st], text: (r: R) => ns(r.states[st]), numeric: true, firstDir: 'desc' as const })),
      ctx.isTrace
        ? { key: 'steal', title: 'steal', value: (r: R) => r.stealPct, text: (r: R) => (r.stealPct === undefined ? '-' : pct(r.stealPct / 100)), numeric: true, firstDir: 'desc' as const }
        : { key: 'steal', title: 'steal', value: (r: R) => r.stealNs, text: (r: R) => ns(r.stealNs), numeric: true, firstDir: 'desc' as const },
      ...(ctx.isTrace
        ? [
            { key: 'preempt', title: 'preemptions', value: (r: R) => r.preemptions, text: (r: R) => String(r.preemptions ?? '-'), numeric: true, firstDir: 'desc' as const },
            { key: 'migr', title: 'migrations', value: (r: R) => r.migrations, text: (r: R) => String(r.migrations ?? '-'), numeric: true, firstDir: 'desc' as const },
            { key: 'wake', title: 'wake p99', value: (r: R) => r.wakeP99Ns, text: (r: R) => ns(r.wakeP99Ns), numeric: true, firstDir: 'desc' as const },
          ]
        : []),
    ];
    // Many columns: the table scrolls sideways inside the panel (short: no sticky header needed).
    sortableTable(root, { columns: cols, rows, caption: ctx.isTrace ? 'vCPU threads' : 'VPs' }).el.classList.add('pn-scroll-x');
  };

  const cpuTable = (rows: (CpuRow & { variant: string })[], two: boolean) => {
    if (!rows.length) return;
    root.appendChild(h('h3', 'pn-subhead', ctx.isTrace ? 'CPUs' : 'pCPUs'));
    type R = (typeof rows)[number];
    const busyShare = (r: R) => (r.busyNs !== undefined && r.idleNs !== undefined && r.busyNs + r.idleNs > 0 ? r.busyNs / (r.busyNs + r.idleNs) : undefined);
    const cols: Column<R>[] = [
      ...(two ? [{ key: 'variant', title: 'variant', value: (r: R) => r.variant, text: (r: R) => r.variant }] : []),
      { key: 'cpu', title: 'CPU', value: (r) => r.cpu, text: (r) => String(r.cpu), numeric: true },
      ...(ctx.isTrace ? [] : [{ key: 'pool', title: 'pool', value: (r: R) => r.pool, text: (r: R) => r.pool ?? '-' }]),
      { key: 'busy', title: 'busy', value: (r) => r.busyNs, text: (r) => ns(r.busyNs), numeric: true, firstDir: 'desc' },
      { key: 'idle', title: 'idle', value: (r) => r.idleNs, text: (r) => ns(r.idleNs), numeric: true, firstDir: 'desc' },
      { key: 'util', title: 'busy %', value: busyShare, text: (r) => pct(busyShare(r)), numeric: true, firstDir: 'desc' },
      ...(ctx.isTrace ? [{ key: 'sw', title: 'switches', value: (r: R) => r.switches, text: (r: R) => String(r.switches ?? '-'), numeric: true, firstDir: 'desc' as const }] : []),
    ];
    sortableTable(root, { columns: cols, rows, caption: 'CPUs' }).el.classList.add('pn-scroll-x');
  };

  return { id: 'shares', title: 'Shares', root, render, dispose, dependsOn: ['variants', 'theme'] };
}
