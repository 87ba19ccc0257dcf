/**
 * The stall list: sortable; a click selects the stall on the timeline and reveals its source. A
 * checkbox groups the listed stalls by variant, task, VP, VM and cause (one row per group: how
 * many, the longest, the total, the first start; a click selects the group's longest stall).
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { formatTime } from '../format';
import type { Panel, PanelCtx } from './context';
import type { Column } from './dom';
import { ce, h, note } from './dom';
import { groupStalls, stallLane, stallSummaryText, type StallGroup } from './logic';
import type { StallRow } from './source';
import { sortableTable } from './table';
import { fmtCount, fmtNs } from '../../../server/src/core/format';

/** Rows rendered at most (sorted first); the CSV export has every stall. */
const MAX_ROWS = 2000;

interface Row extends StallRow {
  variant: number;
  variantName: string;
  lane?: string;
}

export function stallsPanel(ctx: PanelCtx): Panel {
  const root = h('div', 'pn-panel-body');
  let rendered: { tr: HTMLTableRowElement; row: Row }[] = [];

  const markSelection = () => {
    const sel = ctx.app.selection();
    for (const { tr, row } of rendered) {
      const on = !!sel && sel.variant === row.variant && sel.lane === row.lane && sel.startNs === row.startNs && sel.endNs === row.startNs + row.durationNs;
      tr.classList.toggle('pn-selected', on);
      tr.setAttribute('aria-selected', on ? 'true' : 'false');
    }
  };

  const render = () => {
    root.textContent = '';
    rendered = [];
    if (ctx.isTrace) {
      note(root, 'Traces have no stall list: long runnable waits are reported as findings (Findings tab), and their distribution per vCPU/thread is in the Latency tab.');
      return;
    }
    const shown = ctx.shown();
    const rows: Row[] = [];
    for (const v of shown) {
      for (const s of ctx.data(v).stalls) rows.push({ ...s, variant: v, variantName: ctx.variantName(v), lane: stallLane(s, (id) => ctx.hasLane(v, id)) });
    }
    // Summary: every stall of the run (its stallSummary), not only the listed longest ones.
    const summary = stallSummaryText(
      shown.map((v) => ({ name: ctx.variantName(v), listed: ctx.data(v).stalls, totals: ctx.data(v).stallTotals })),
      fmtNs,
      fmtCount,
    );
    root.appendChild(h('p', 'pn-summary', rows.length ? `${summary} Click a row to select it on the timeline and reveal its source line.` : summary));
    if (!rows.length) return;
    const two = shown.length > 1;
    const bar = h('div', 'pn-controls');
    const groupBox = ce('vscode-checkbox', 'pn-group');
    groupBox.id = 'st-group';
    groupBox.setAttribute('label', 'group by task, VP and cause');
    if (ctx.stallsGrouped) groupBox.setAttribute('checked', '');
    groupBox.addEventListener('change', () => {
      const on = !!(groupBox as unknown as { checked: boolean }).checked;
      if (on === ctx.stallsGrouped) return;
      ctx.stallsGrouped = on;
      ctx.persist({ stallsGrouped: on });
      render();
    });
    bar.appendChild(groupBox);
    root.appendChild(bar);
    /** Selects the stall on its lane (else shows its time span) and reveals its source line. */
    const go = (row: Row) => {
      const endNs = row.startNs + row.durationNs;
      if (row.lane !== undefined) ctx.app.select({ variant: row.variant, lane: row.lane, startNs: row.startNs, endNs });
      else {
        // No lane of the stall in this timeline: show its time span at least.
        const pad = Math.max(1000, row.durationNs * 0.1);
        ctx.app.setVisibleRange(row.startNs - pad, endNs + pad);
      }
      ctx.app.reveal(row.range);
    };
    /** Click and Enter/Space on a row select `row` (a stall, or a group's longest). */
    const clickable = (tr: HTMLTableRowElement, row: Row) => {
      tr.dataset.stallIndex = String(row.index);
      tr.dataset.variant = String(row.variant);
      tr.tabIndex = 0;
      tr.className = 'pn-clickable';
      if (row.causes.length) tr.title = row.causes.join('\n');
      tr.addEventListener('click', () => go(row));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          go(row);
        }
      });
    };
    const variantCol = <T>(name: (r: T) => string): Column<T>[] => (two ? [{ key: 'variant', title: 'variant', value: name, text: name }] : []);
    const onDraw = <T>(drawn: { tr: HTMLTableRowElement; row: T }[], rowOf: (r: T) => Row) => {
      rendered = drawn.map(({ tr, row }) => ({ tr, row: rowOf(row) }));
      markSelection();
    };
    if (ctx.stallsGrouped) {
      const groups = groupStalls(rows);
      note(root, `${groups.length} group${groups.length === 1 ? '' : 's'} of the ${rows.length} listed stall${rows.length === 1 ? '' : 's'} (the headline counts every stall of the run by cause). A click selects the group's longest stall.`);
      type G = StallGroup<Row>;
      const gcols: Column<G>[] = [
        ...variantCol<G>((g) => g.longest.variantName),
        { key: 'task', title: 'task', value: (g) => g.longest.task, text: (g) => g.longest.task ?? '-' },
        { key: 'vp', title: 'VP', value: (g) => g.longest.vp, text: (g) => (g.longest.vp === undefined ? '-' : String(g.longest.vp)), numeric: true },
        { key: 'vm', title: 'VM', value: (g) => g.longest.vm, text: (g) => g.longest.vm ?? '-' },
        { key: 'cause', title: 'cause', value: (g) => g.longest.cause, text: (g) => g.longest.cause },
        { key: 'count', title: 'listed', value: (g) => g.count, text: (g) => fmtCount(g.count), numeric: true, firstDir: 'desc' },
        { key: 'longest', title: 'longest', value: (g) => g.longest.durationNs, text: (g) => fmtNs(g.longest.durationNs), numeric: true, firstDir: 'desc' },
        { key: 'total', title: 'total', value: (g) => g.totalNs, text: (g) => fmtNs(g.totalNs), numeric: true, firstDir: 'desc' },
        { key: 'start', title: 'first', value: (g) => g.firstStartNs, text: (g) => formatTime(g.firstStartNs, ctx.app.originNs(), 1e3), numeric: true },
      ];
      sortableTable(root, {
        columns: gcols,
        rows: groups,
        sortKey: 'total',
        sortDir: 'desc',
        maxRows: MAX_ROWS,
        caption: 'Stalls grouped by task, VP and cause',
        decorate: (tr, g) => {
          clickable(tr, g.longest);
          tr.dataset.stallGroup = String(g.count);
        },
        onDraw: (drawn) => onDraw(drawn, (g) => g.longest),
      });
      return;
    }
    const cols: Column<Row>[] = [
      ...variantCol<Row>((r) => r.variantName),
      { key: 'task', title: 'task', value: (r) => r.task, text: (r) => r.task ?? '-' },
      { key: 'vp', title: 'VP', value: (r) => r.vp, text: (r) => (r.vp === undefined ? '-' : String(r.vp)), numeric: true },
      { key: 'vm', title: 'VM', value: (r) => r.vm, text: (r) => r.vm ?? '-' },
      { key: 'cause', title: 'cause', value: (r) => r.cause, text: (r) => r.cause },
      { key: 'start', title: 'start', value: (r) => r.startNs, text: (r) => formatTime(r.startNs, ctx.app.originNs(), 1e3), numeric: true },
      { key: 'duration', title: 'duration', value: (r) => r.durationNs, text: (r) => fmtNs(r.durationNs), numeric: true, firstDir: 'desc' },
    ];
    sortableTable(root, {
      columns: cols,
      rows,
      sortKey: 'duration',
      sortDir: 'desc',
      maxRows: MAX_ROWS,
      caption: 'Stalls',
      decorate: clickable,
      onDraw: (drawn) => onDraw(drawn, (r) => r),
    });
  };

  return { id: 'stalls', title: 'Stalls', root, render, dependsOn: ['variants'], onSelection: markSelection };
}
