/** The stall list: sortable; a click selects the stall on the timeline and reveals its source. */
import { formatTime } from '../format';
import type { Panel, PanelCtx } from './context';
import type { Column } from './dom';
import { h, note } from './dom';
import { stallLane, stallSummaryText } from './logic';
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
    const cols: Column<Row>[] = [
      ...(two ? [{ key: 'variant', title: 'variant', value: (r: Row) => r.variantName, text: (r: Row) => r.variantName }] : []),
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
      decorate: (tr, row) => {
        tr.dataset.stallIndex = String(row.index);
        tr.dataset.variant = String(row.variant);
        tr.tabIndex = 0;
        tr.className = 'pn-clickable';
        if (row.causes.length) tr.title = row.causes.join('\n');
        const go = () => {
          const endNs = row.startNs + row.durationNs;
          if (row.lane !== undefined) ctx.app.select({ variant: row.variant, lane: row.lane, startNs: row.startNs, endNs });
          else {
            // No lane of the stall in this timeline: show its time span at least.
            const pad = Math.max(1000, row.durationNs * 0.1);
            ctx.app.setVisibleRange(row.startNs - pad, endNs + pad);
          }
          ctx.app.reveal(row.range);
        };
        tr.addEventListener('click', go);
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            go();
          }
        });
      },
      onDraw: (drawn) => {
        rendered = drawn;
        markSelection();
      },
    });
  };

  return { id: 'stalls', title: 'Stalls', root, render, dependsOn: ['variants'], onSelection: markSelection };
}
