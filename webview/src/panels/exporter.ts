/**
 * Exports: PNG of the timeline, CSV of the visible intervals, CSV of the stalls. Each is posted as
 * an `export` message (the VS Code host saves it); in the HTML report the page also downloads it
 * itself (an <a download> of a blob URL, no network).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { VIEW_PROTOCOL_VERSION } from '../../../server/src/shared/view';
import type { Panel, PanelCtx } from './context';
import { safe } from './context';
import { ce, h, note } from './dom';
import { CSV_MAX_ROWS, exportFileName, intervalsCsv, stallsCsv, type CsvLane, type CsvStall } from './logic';

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function download(fileName: string, format: 'png' | 'csv', data: string): void {
  const blob = format === 'png' ? new Blob([base64ToBytes(data)], { type: 'image/png' }) : new Blob([data], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.className = 'pn-hidden';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportPanel(ctx: PanelCtx): Panel {
  const root = h('div', 'pn-panel-body');
  const status = h('p', 'pn-status');
  status.setAttribute('role', 'status');

  const send = (format: 'png' | 'csv', suffix: string, data: string) => {
    const fileName = exportFileName(ctx.app.model.doc.title || ctx.app.model.doc.source, suffix);
    ctx.app.host.post({ type: 'export', version: VIEW_PROTOCOL_VERSION, format, fileName, data });
    if (ctx.app.host.kind === 'report') download(fileName, format, data);
    return fileName;
  };

  const png = () => {
    const url = safe(() => ctx.app.toPng()) ?? '';
    const i = url.indexOf('base64,');
    if (!url.startsWith('data:image/png') || i < 0) {
      status.textContent = 'The timeline could not be captured as PNG.';
      return;
    }
    const f = send('png', 'timeline.png', url.slice(i + 7));
    status.textContent = `PNG sent: ${f}.`;
  };

  const intervals = () => {
    const [start, end] = ctx.app.visibleRange();
    const vis = ctx.app.visibleLanes();
    const two = new Set(vis.map((x) => x.variant)).size > 1;
    // Lanes are per variant; states/causes are per variant too: one CSV pass per variant, joined.
    const parts: string[] = [];
    let rows = 0;
    let omitted = 0;
    const byVariant = new Map<number, CsvLane[]>();
    for (const { variant, lane } of vis) {
      const l = byVariant.get(variant) ?? [];
      l.push({ id: lane.id, label: lane.label, cols: lane.cols, variant: two ? ctx.variantName(variant) : undefined });
      byVariant.set(variant, l);
    }
    for (const [v, lanes] of byVariant) {
      const m = ctx.app.model.variants[v];
      if (!m) continue;
      const r = intervalsCsv(lanes, start, end, m.states, m.causes, CSV_MAX_ROWS - rows);
      // Keep the header of the first part only.
      parts.push(parts.length ? r.text.slice(r.text.indexOf('\r\n') + 2) : r.text);
      rows += r.rows;
      omitted += r.omitted;
    }
    if (!parts.length) {
      status.textContent = 'No lane is visible: nothing to export.';
      return;
    }
    const f = send('csv', 'intervals.csv', parts.join(''));
    status.textContent = `CSV sent: ${f}, ${rows} intervals on ${vis.length} visible lanes${omitted ? `; ${omitted} more left out (at most ${CSV_MAX_ROWS} rows: zoom in or filter lanes)` : ''}.`;
  };

  const stalls = () => {
    const list: CsvStall[] = [];
    for (const v of ctx.shown()) {
      const run = (ctx.app.model.variants[v]?.run ?? ctx.app.model.doc.run?.variants[v]) as Record<string, unknown> | undefined;
      const raw = Array.isArray(run?.stalls) ? (run!.stalls as unknown[]) : [];
      for (const s of raw) if (typeof s === 'object' && s !== null) list.push({ ...(s as CsvStall), variant: ctx.variantName(v) });
    }
    const r = stallsCsv(list);
    const f = send('csv', 'stalls.csv', r.text);
    status.textContent = `CSV sent: ${f}, ${r.rows} stalls${r.omitted ? `; ${r.omitted} more left out (cap ${CSV_MAX_ROWS})` : ''}.`;
  };

  const render = () => {
    root.textContent = '';
    const bar = h('div', 'pn-controls');
    const mk = (label: string, id: string, fn: () => void) => {
      const b = ce('vscode-button', undefined, label);
      b.dataset.export = id;
      b.addEventListener('click', fn);
      bar.appendChild(b);
    };
    mk('PNG of the timeline', 'png', png);
    mk('CSV of visible intervals', 'intervals', intervals);
    if (!ctx.isTrace) mk('CSV of stalls', 'stalls', stalls);
    root.appendChild(bar);
    note(root, `Visible intervals: every interval that overlaps the visible time range on the lanes shown (filter and collapsed groups applied), not clipped, at most ${CSV_MAX_ROWS} rows. Columns: ${'lane, label, state, start_ns, end_ns, duration_ns, cause'}${ctx.shown().length > 1 ? ' (with a leading variant column)' : ''}.`);
    root.appendChild(status);
  };

  return { id: 'export', title: 'Export', root, render, dependsOn: ['variants'] };
}
