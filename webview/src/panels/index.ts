/**
 * The panels beside the timeline: Latency (histogram + CDF per task or per lane's runnable waits),
 * Stalls (sortable; a click selects the stall on the timeline and reveals its source), Findings,
 * Shares (per-VM share vs weight), Counters (or the trace's stats) and Export (PNG, CSV).
 *
 * Tabs are `vscode-tabs`; a panel is built when first shown and rebuilt only when a change it
 * depends on happened (variants, theme), so hidden charts cost nothing. The Stalls and Findings
 * rows are built at once (their `data-stall-index` / `data-finding-index` rows are part of the test API).
 */
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import type { AppApi, ChangeKind } from '../contract';
import { PanelCtx, safe, type Panel } from './context';
import { countersPanel } from './counters';
import { ce } from './dom';
import { exportPanel } from './exporter';
import { findingsPanel } from './findings';
import { latencyPanel } from './latency';
import './panels.css';
import { sharesPanel } from './shares';
import { stallsPanel } from './stalls';

/** Built eagerly: their rows are what tests and users click first. */
const EAGER = new Set(['stalls', 'findings']);

export function mountPanels(container: HTMLElement, app: AppApi): void {
  container.textContent = '';
  container.classList.add('pn-panels');
  const ctx = new PanelCtx(app);
  const panels: Panel[] = [latencyPanel(ctx), stallsPanel(ctx), findingsPanel(ctx), sharesPanel(ctx), countersPanel(ctx), exportPanel(ctx)];
  const dirty = new Set(panels.map((p) => p.id));

  const tabs = ce('vscode-tabs', 'pn-tabs') as HTMLElement & { selectedIndex: number };
  tabs.setAttribute('panel', '');
  tabs.setAttribute('aria-label', 'Run details');
  for (const p of panels) {
    const head = ce('vscode-tab-header', 'pn-tab', p.title);
    head.setAttribute('slot', 'header');
    head.dataset.panel = p.id;
    const body = ce('vscode-tab-panel', 'pn-tab-panel');
    body.dataset.panel = p.id;
    body.appendChild(p.root);
    tabs.append(head, body);
  }

  const build = (p: Panel) => {
    dirty.delete(p.id);
    try {
      p.render();
    } catch (e) {
      // A panel must never take the view down: say what failed, in the panel and to the host.
      p.root.textContent = `This panel could not be drawn: ${e instanceof Error ? e.message : String(e)}`;
      safe(() => app.host.post({ type: 'log', version: 1, level: 'error', message: `panel ${p.id}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` }));
    }
  };

  let current = initialPanel(ctx, panels);
  const show = (id: string) => {
    current = id;
    const p = panels.find((x) => x.id === id);
    if (p && dirty.has(p.id)) build(p);
  };

  tabs.addEventListener('vsc-tabs-select', (e) => {
    const i = (e as CustomEvent<{ selectedIndex: number }>).detail?.selectedIndex;
    const p = panels[i];
    if (!p || p.id === current) return;
    ctx.persist({ panel: p.id });
    // After the tab panel is visible, so charts measure a real size.
    requestAnimationFrame(() => show(p.id));
  });

  container.appendChild(tabs);
  const idx = Math.max(0, panels.findIndex((p) => p.id === current));
  tabs.selectedIndex = idx;
  for (const p of panels) if (EAGER.has(p.id)) build(p);
  requestAnimationFrame(() => show(current));

  app.onChange((what: ChangeKind) => {
    if (what === 'selection') {
      for (const p of panels) safe(() => p.onSelection?.());
      return;
    }
    let any = false;
    for (const p of panels) {
      if (!p.dependsOn.includes(what)) continue;
      dirty.add(p.id);
      any = true;
    }
    if (!any) return;
    for (const p of panels) if (dirty.has(p.id) && (p.id === current || EAGER.has(p.id))) build(p);
  });
}

/** The panel restored from the view state, else Stalls when there are any, else Findings, else Latency. */
function initialPanel(ctx: PanelCtx, panels: Panel[]): string {
  const st = safe(() => ctx.app.host.getState());
  if (st?.panel && panels.some((p) => p.id === st.panel)) return st.panel;
  const shown = ctx.shown();
  if (!ctx.isTrace && shown.some((v) => ctx.data(v).stalls.length)) return 'stalls';
  if (shown.some((v) => ctx.data(v).findings.length)) return 'findings';
  return 'latency';
}
