/** A plain sortable HTML table (header click toggles the order; aria-sort tells screen readers). */
import type { Column } from './dom';
import { h } from './dom';
import { sortedOrder, type SortDir } from './logic';

export interface TableOptions<T> {
  columns: Column<T>[];
  rows: T[];
  sortKey?: string;
  sortDir?: SortDir;
  /** At most this many rows are rendered (after sorting); a note says how many were left out. */
  maxRows?: number;
  /** Called for each rendered row (attributes, click handlers). */
  decorate?: (tr: HTMLTableRowElement, row: T) => void;
  caption?: string;
  /** Called after every (re)draw with the rendered rows, in order. */
  onDraw?: (rows: { tr: HTMLTableRowElement; row: T }[]) => void;
}

export function sortableTable<T>(parent: HTMLElement, opt: TableOptions<T>): { el: HTMLElement; rows(): HTMLTableRowElement[] } {
  const wrap = h('div', 'pn-table-wrap');
  parent.appendChild(wrap);
  let key = opt.sortKey;
  let dir: SortDir = opt.sortDir ?? 'asc';
  let trs: HTMLTableRowElement[] = [];
  let drawn: { tr: HTMLTableRowElement; row: T }[] = [];

  const draw = () => {
    wrap.textContent = '';
    const table = h('table', 'pn-table');
    if (opt.caption) table.appendChild(h('caption', 'pn-sr-only', opt.caption));
    const thead = h('thead');
    const hr = h('tr');
    for (const c of opt.columns) {
      const th = h('th', c.numeric ? 'pn-num' : undefined);
      th.scope = 'col';
      const b = h('button', 'pn-sort', c.title);
      b.type = 'button';
      b.dataset.sortKey = c.key;
      const active = c.key === key;
      th.setAttribute('aria-sort', active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none');
      if (active) b.textContent = `${c.title} ${dir === 'asc' ? '\u25B2' : '\u25BC'}`;
      b.addEventListener('click', () => {
        if (key === c.key) dir = dir === 'asc' ? 'desc' : 'asc';
        else {
          key = c.key;
          dir = c.firstDir ?? 'asc';
        }
        draw();
      });
      th.appendChild(b);
      hr.appendChild(th);
    }
    thead.appendChild(hr);
    table.appendChild(thead);
    const col = opt.columns.find((c) => c.key === key);
    const order = col ? sortedOrder(opt.rows, col.value, dir) : opt.rows.map((_, i) => i);
    const max = opt.maxRows ?? Infinity;
    const tbody = h('tbody');
    trs = [];
    drawn = [];
    for (let k = 0; k < order.length && k < max; k++) {
      const r = opt.rows[order[k]];
      const tr = h('tr');
      for (const c of opt.columns) tr.appendChild(h('td', c.numeric ? 'pn-num' : undefined, c.text(r)));
      opt.decorate?.(tr, r);
      tbody.appendChild(tr);
      trs.push(tr);
      drawn.push({ tr, row: r });
    }
    table.appendChild(tbody);
    wrap.appendChild(table);
    if (order.length > max) wrap.appendChild(h('p', 'pn-note', `Showing ${max} of ${order.length} rows in this order; the CSV export has all of them.`));
    opt.onDraw?.(drawn);
  };
  draw();
  return { el: wrap, rows: () => trs };
}
