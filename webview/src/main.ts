/**
 * Entry of the webview bundle (`dist/webview.js`): picks the host (VS Code when
 * `acquireVsCodeApi` exists, else the HTML report), gets the {@link ViewDocument} (a `load`
 * message, or the JSON inlined in `#vpscope-view-data`), decodes it, builds the timeline and the
 * panels, restores the saved view state, and installs the test API `window.vpscopeView`.
 */
import './style.css';
import './report-theme.css';
import { isViewDocument, VIEW_PROTOCOL_VERSION, type HighlightTarget, type HostToView, type ViewDocument, type ViewState, type ViewToHost } from '../../server/src/shared/view';
import { decodeDocument } from './data';
import { createHost, postedMessages, ReportHost, VsCodeHost } from './host';
import { mountPanels } from './panels/index';
import { mountSeedsView, type SeedsView } from './panels/seeds';
import { mountSplitter } from './splitter';
import { onThemeChange, readTheme } from './theme';
import { Timeline, type TestCounter, type TestLane } from './timeline/timeline';

/** The test API (see webview/README.md); H2's browser tests and the benchmark read it. */
interface TestApi {
  ready: boolean;
  firstDrawMs: number;
  redraws: number;
  lastDrawMs: number;
  countersReady: boolean;
  viewRange(): [number, number];
  lanes(): TestLane[];
  counters(): TestCounter[];
  timeToX(ns: number): number;
  messages: ViewToHost[];
  /** A seeds/sweep view: the chart's category labels and datasets as drawn (undefined otherwise). */
  seedsChart(): { labels: string[]; datasets: { label: string; data: unknown[] }[]; yScale: string } | undefined;
  /** The app, for debugging (not part of the stable test API). */
  app?: Timeline;
}

const host = createHost();
let timeline: Timeline | undefined;
/** The chart view of a seeds/sweep document (no timeline). */
let seedsView: SeedsView | undefined;
let loadSeq = 0;
/** The last highlight from the host: it may arrive while a document is still decoding. */
let lastHighlight: HighlightTarget[] = [];

function testApi(): TestApi {
  const messages = postedMessages();
  const w = window as unknown as { vpscopeView: TestApi };
  const api = w.vpscopeView as Partial<TestApi>;
  if (api.viewRange) return w.vpscopeView;
  Object.assign(api, {
    ready: false,
    firstDrawMs: 0,
    messages,
    viewRange: () => (timeline ? timeline.visibleRange() : [0, 0]),
    lanes: () => (timeline ? timeline.testLanes() : []),
    counters: () => (timeline ? timeline.testCounters() : []),
    timeToX: (ns: number) => (timeline ? timeline.timeToX(ns) : 0),
    seedsChart: () => {
      const c = seedsView?.chart();
      if (!c) return undefined;
      const y = (c.options.scales as { y?: { type?: string } } | undefined)?.y?.type;
      return { labels: (c.data.labels ?? []).map(String), datasets: c.data.datasets.map((d) => ({ label: d.label ?? '', data: [...(d.data as unknown[])] })), yScale: y ?? 'linear' };
    },
  });
  Object.defineProperty(api, 'redraws', { get: () => timeline?.metrics.redraws ?? 0, enumerable: true });
  Object.defineProperty(api, 'countersReady', { get: () => timeline?.metrics.countersReady ?? false, enumerable: true });
  Object.defineProperty(api, 'lastDrawMs', { get: () => timeline?.metrics.lastDrawMs ?? 0, enumerable: true });
  return w.vpscopeView;
}

function log(level: 'error' | 'warn' | 'info', message: string): void {
  host.post({ type: 'log', version: VIEW_PROTOCOL_VERSION, level, message });
}

function appRoot(): HTMLElement {
  let app = document.getElementById('app');
  if (!app) {
    app = document.createElement('div');
    app.id = 'app';
    document.body.append(app);
  }
  return app;
}

/** Replaces the page with a message (loading, an error). */
function showMessage(text: string, error = false): void {
  const app = appRoot();
  app.textContent = '';
  const box = document.createElement('div');
  box.className = error ? 'vps-message vps-error' : 'vps-message';
  box.setAttribute('role', error ? 'alert' : 'status');
  box.textContent = text;
  app.append(box);
}

function themeToggle(toolbar: HTMLElement, tl: Timeline): void {
  const b = tl.addToolbarButton(toolbar, 'Light/Dark', 'Switch between the light and the dark theme', () => {
    const dark = document.body.classList.contains('vscode-dark');
    document.body.classList.toggle('vscode-dark', !dark);
    document.body.classList.toggle('vscode-light', dark);
  });
  b.classList.add('tb-theme');
}

async function load(doc: ViewDocument, state: ViewState | undefined): Promise<void> {
  const seq = ++loadSeq;
  const api = testApi();
  if (timeline) {
    // Drop every reference to the old model before decoding the new one (two 4 M-interval
    // models would double the memory at the peak).
    timeline.dispose();
    timeline = undefined;
    api.app = undefined;
    appRoot().textContent = '';
  }
  api.ready = false;
  document.body.removeAttribute('data-ready');
  seedsView?.dispose();
  seedsView = undefined;
  if (doc.seeds) {
    // Seeds/sweep aggregate: charts and tables only (the runs record no timeline).
    if (host instanceof VsCodeHost) host.setOrigin(doc.origin);
    const app = appRoot();
    app.textContent = '';
    app.classList.remove('vps-app');
    try {
      seedsView = mountSeedsView(app, doc.seeds, doc.title, () => readTheme(), { get: () => host.getState() ?? state, set: (s) => host.setState(s) });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      showMessage(`Cannot show this view: ${msg}`, true);
      log('error', msg);
      return;
    }
    api.ready = true;
    api.firstDrawMs = performance.now();
    document.body.setAttribute('data-ready', '1');
    return;
  }
  showMessage(`Loading ${doc.title}\u2026`);
  if (host instanceof VsCodeHost) host.setOrigin(doc.origin);
  let model;
  try {
    performance.mark('vpscope:decode-start');
    model = await decodeDocument(doc);
    performance.mark('vpscope:decoded');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    showMessage(`Cannot show this view: ${msg}`, true);
    log('error', msg);
    return;
  }
  if (seq !== loadSeq) return; // a newer load won
  const app = appRoot();
  app.textContent = '';
  app.classList.add('vps-app');
  const toolbar = document.createElement('div');
  toolbar.id = 'toolbar';
  const pane = document.createElement('div');
  pane.id = 'timeline-pane';
  const panels = document.createElement('div');
  panels.id = 'panel-pane';
  const split = document.createElement('div');
  split.id = 'pane-split';
  app.append(toolbar, pane, split, panels);
  mountSplitter(app, split, {
    initial: state?.sideWidth,
    onChange: (sideWidth) => host.setState({ ...(host.getState() ?? {}), sideWidth }),
  });
  if (model.variants.length === 0 || model.variants.every((v) => v.lanes.length === 0)) {
    log('warn', 'the document has no timeline lanes (was the run recorded with a timeline?)');
  }
  try {
    const tl = new Timeline(model, host, toolbar, pane, state);
    timeline = tl;
    api.app = tl;
    if (host instanceof ReportHost) {
      host.status = (t) => tl.setStatus(t);
      themeToggle(toolbar, tl);
    }
    tl.onFirstDraw = () => {
      performance.mark('vpscope:first-draw');
      api.firstDrawMs = performance.now();
    };
    // Ready once the derived counter tracks are in (they add rows after the first drawing).
    tl.onCountersReady = () => {
      api.ready = true;
      document.body.setAttribute('data-ready', '1');
    };
    try {
      mountPanels(panels, tl);
    } catch (e) {
      const msg = `panels failed: ${e instanceof Error ? e.message : String(e)}`;
      panels.textContent = msg;
      log('error', msg);
    }
    tl.start();
    if (lastHighlight.length) tl.highlight(lastHighlight);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    showMessage(`Cannot show this view: ${msg}`, true);
    log('error', msg);
  }
}

function onHostMessage(m: HostToView): void {
  switch (m.type) {
    case 'load':
      // The host's state for this document (the tab's, or the vpscope.timeline.* defaults of a
      // new tab) becomes the app's, so the panels start from it too (they read host.getState()).
      if (m.state) host.setState(m.state);
      void load(m.doc, m.state ?? host.getState());
      break;
    case 'highlight':
      lastHighlight = m.targets;
      timeline?.highlight(m.targets);
      break;
    case 'status':
      document.body.classList.toggle('vps-busy', m.busy);
      if (timeline) timeline.setStatus(m.text);
      else showMessage(m.text, !m.busy);
      break;
  }
}

function bootReport(h: ReportHost): void {
  document.body.classList.add('vpscope-report');
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  if (![...document.body.classList].some((c) => c.startsWith('vscode-'))) document.body.classList.add(dark ? 'vscode-dark' : 'vscode-light');
  h.onMessage(onHostMessage);
  const el = document.getElementById('vpscope-view-data');
  if (!el) {
    showMessage('No view data in this page (#vpscope-view-data is missing).', true);
    log('error', 'no #vpscope-view-data element');
    return;
  }
  let doc: unknown;
  try {
    performance.mark('vpscope:parse-start');
    doc = JSON.parse(el.textContent ?? '');
  } catch (e) {
    showMessage(`The view data is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, true);
    log('error', 'view data is not valid JSON');
    return;
  }
  if (!isViewDocument(doc)) {
    showMessage('The view data is not a vpscope.view/1 document.', true);
    log('error', 'view data failed validation (isViewDocument)');
    return;
  }
  let state = h.getState();
  if (!state) {
    // The page's own defaults (the extension's export): into the address, so the panels read them too.
    state = h.initialState();
    if (state) h.setState(state);
  }
  void load(doc, state);
}

function boot(): void {
  testApi();
  onThemeChange(() => {
    timeline?.themeChanged();
    seedsView?.rerender();
  });
  window.addEventListener('error', (ev) => log('error', `uncaught: ${ev.message}`));
  window.addEventListener('unhandledrejection', (ev) => log('error', `unhandled: ${String(ev.reason)}`));
  if (host instanceof VsCodeHost) {
    host.onMessage(onHostMessage);
    showMessage('Waiting for the run\u2026');
    host.post({ type: 'ready', version: VIEW_PROTOCOL_VERSION });
  } else bootReport(host);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
