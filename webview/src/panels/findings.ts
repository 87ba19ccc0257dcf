/** Findings (simulation hazards, trace analysis): a click selects the finding's lane/time and reveals its source. */
import { formatTime } from '../format';
import type { Panel, PanelCtx } from './context';
import { h, note } from './dom';
import type { FindingRow } from './source';
import { fmtNs } from '../../../server/src/core/format';

const SEVERITY_ORDER: Record<string, number> = { error: 0, warning: 1, info: 2, hint: 3 };

export function findingsPanel(ctx: PanelCtx): Panel {
  const root = h('div', 'pn-panel-body');
  let items: { el: HTMLElement; v: number; f: FindingRow }[] = [];

  const markSelection = () => {
    const sel = ctx.app.selection();
    for (const { el, v, f } of items) {
      const on = !!sel && f.lane !== undefined && f.startNs !== undefined && sel.variant === v && sel.lane === f.lane && sel.startNs === f.startNs;
      el.classList.toggle('pn-selected', on);
    }
  };

  const go = (v: number, f: FindingRow) => {
    if (f.startNs !== undefined) {
      const end = f.startNs + Math.max(0, f.durationNs ?? 0);
      if (f.lane !== undefined && ctx.hasLane(v, f.lane)) ctx.app.select({ variant: v, lane: f.lane, startNs: f.startNs, endNs: end });
      else {
        // No lane to outline: show the time span, with a margin.
        const pad = Math.max(1000, (end - f.startNs) * 0.1);
        ctx.app.setVisibleRange(f.startNs - pad, end + pad);
      }
    }
    ctx.app.reveal(f.range);
  };

  const render = () => {
    root.textContent = '';
    items = [];
    const shown = ctx.isTrace ? [0] : ctx.shown();
    const two = shown.length > 1;
    for (const v of shown) {
      const list = [...ctx.data(v).findings].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || a.index - b.index);
      if (two) root.appendChild(h('h3', 'pn-subhead', `${ctx.variantName(v)}: ${list.length} finding${list.length === 1 ? '' : 's'}`));
      if (!list.length) {
        note(root, two ? 'No findings.' : ctx.isTrace ? 'The analysis found nothing above its thresholds in this trace.' : 'No findings in this run.');
        continue;
      }
      const ul = h('ul', 'pn-findings');
      ul.setAttribute('aria-label', `Findings of ${ctx.variantName(v)}`);
      for (const f of list) {
        const li = h('li', `pn-finding pn-clickable pn-sev-${/^[a-z]+$/.test(f.severity) ? f.severity : 'info'}`);
        li.dataset.findingIndex = String(f.index);
        li.dataset.variant = String(v);
        li.tabIndex = 0;
        const head = h('div', 'pn-finding-head');
        head.appendChild(h('span', 'pn-sev', f.severity));
        head.appendChild(h('span', 'pn-code', f.code));
        head.appendChild(h('span', 'pn-title', f.title));
        const where: string[] = [];
        if (f.range) where.push(`line ${f.range.start.line + 1}`);
        if (f.startNs !== undefined) {
          // Relative to the axis' origin, as the timeline reads it; "from the start" rather than "at 0 ns".
          const rel = f.startNs - ctx.app.originNs();
          const at = rel <= 0 ? 'from the start' : `at ${formatTime(f.startNs, ctx.app.originNs(), 1e5)}`;
          where.push(`${at}${f.durationNs ? ` for ${fmtNs(f.durationNs)}` : ''}`);
        }
        if (where.length) head.appendChild(h('span', 'pn-where', where.join(', ')));
        li.appendChild(head);
        li.appendChild(h('div', 'pn-message', f.message));
        if (f.causes.length) {
          const c = h('ul', 'pn-causes');
          for (const x of f.causes) c.appendChild(h('li', undefined, x));
          li.appendChild(c);
        }
        if (f.fix) li.appendChild(h('div', 'pn-fix', `Fix: ${f.fix}`));
        li.addEventListener('click', () => go(v, f));
        li.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            go(v, f);
          }
        });
        ul.appendChild(li);
        items.push({ el: li, v, f });
      }
      root.appendChild(ul);
    }
    markSelection();
  };

  return { id: 'findings', title: 'Findings', root, render, dependsOn: ['variants'], onSelection: markSelection };
}
