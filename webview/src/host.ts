/**
 * The two hosts the app runs in, behind the {@link Host} seam of contract.ts:
 * - VS Code: `acquireVsCodeApi()`; messages arrive as `message` events and are checked with
 *   `isHostToView`; state goes to `setState` as a {@link PersistedView} (with the document's
 *   `origin`, so the serializer can re-run the view after a reload) and is also posted as `state`.
 * - The HTML report: the document is inlined in the page; state lives in `location.hash`
 *   (URI-encoded JSON); a `reveal` shows "line L" in the status line (exports are downloaded
 *   by the export panel itself, panels/exporter.ts). Every post is kept in `window.vpscopeView.messages`
 *   and dispatched as a `vpscope:post` CustomEvent (what the browser tests listen to).
 */
import { isHostToView, VIEW_PROTOCOL_VERSION, type HostToView, type PersistedView, type ViewOrigin, type ViewState, type ViewToHost } from '../../server/src/shared/view';
import type { Host } from './contract';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

/** The test API's message list (created early so posts before the first drawing are kept). */
export function postedMessages(): ViewToHost[] {
  const w = window as unknown as { vpscopeView?: { messages?: ViewToHost[] } };
  w.vpscopeView ??= {};
  w.vpscopeView.messages ??= [];
  return w.vpscopeView.messages;
}

function record(msg: ViewToHost): void {
  postedMessages().push(msg);
  window.dispatchEvent(new CustomEvent('vpscope:post', { detail: msg }));
}

function validState(x: unknown): ViewState | undefined {
  // Reuse the protocol's validator: a state is valid when a `load` carrying it would be.
  if (typeof x !== 'object' || x === null) return undefined;
  const ok = isHostToView({
    type: 'load',
    version: VIEW_PROTOCOL_VERSION,
    doc: { schema: 'vpscope.view/1', kind: 'trace', title: '', source: '', timelines: [] },
    state: x,
  });
  return ok ? (x as ViewState) : undefined;
}

export class VsCodeHost implements Host {
  readonly kind = 'vscode' as const;
  private readonly api: VsCodeApi;
  private origin: ViewOrigin | undefined;
  private state: ViewState | undefined;

  constructor() {
    this.api = acquireVsCodeApi();
    const saved = this.api.getState() as PersistedView | undefined;
    if (saved && typeof saved === 'object') {
      this.origin = saved.origin;
      this.state = validState(saved.view);
    }
  }

  /** Remembers how to rebuild the document (kept with every state). */
  setOrigin(o: ViewOrigin | undefined): void {
    this.origin = o;
    this.api.setState({ origin: this.origin, view: this.state } satisfies PersistedView);
  }

  post(msg: ViewToHost): void {
    record(msg);
    this.api.postMessage(msg);
  }

  onMessage(fn: (msg: HostToView) => void): void {
    window.addEventListener('message', (ev: MessageEvent) => {
      const m = ev.data;
      if (isHostToView(m)) fn(m);
      else if (m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string') {
        this.post({ type: 'log', version: VIEW_PROTOCOL_VERSION, level: 'warn', message: `ignored an invalid message of type ${String((m as { type: unknown }).type).slice(0, 100)}` });
      }
    });
  }

  getState(): ViewState | undefined {
    return this.state;
  }

  setState(s: ViewState): void {
    this.state = s;
    this.api.setState({ origin: this.origin, view: s } satisfies PersistedView);
    this.post({ type: 'state', version: VIEW_PROTOCOL_VERSION, state: s });
  }
}

export class ReportHost implements Host {
  readonly kind = 'report' as const;
  private listeners: ((msg: HostToView) => void)[] = [];
  /** Shows a line of text to the user (the app's status line). */
  status: (text: string) => void = () => {};

  post(msg: ViewToHost): void {
    record(msg);
    if (msg.type === 'reveal') this.status(`${msg.source ? msg.source + ': ' : ''}line ${msg.range.start.line + 1}`);
    // `export`: the export panel downloads the file itself in the report (panels/exporter.ts).
    else if (msg.type === 'log' && msg.level === 'error') console.warn(`vpscope: ${msg.message}`);
  }

  onMessage(fn: (msg: HostToView) => void): void {
    this.listeners.push(fn);
  }

  /** Delivers a message as if the host had sent it (validated like the VS Code side). */
  deliver(msg: unknown): void {
    if (!isHostToView(msg)) return;
    for (const l of this.listeners) l(msg);
  }

  /** The state the page opens with while its address has none (`#vpscope-view-state`, written by the extension's export). */
  initialState(): ViewState | undefined {
    const el = document.getElementById('vpscope-view-state');
    if (!el) return undefined;
    try {
      return validState(JSON.parse(el.textContent ?? ''));
    } catch {
      return undefined;
    }
  }

  getState(): ViewState | undefined {
    const h = location.hash.replace(/^#/, '');
    if (!h) return undefined;
    try {
      return validState(JSON.parse(decodeURIComponent(h)));
    } catch {
      return undefined;
    }
  }

  setState(s: ViewState): void {
    const hash = '#' + encodeURIComponent(JSON.stringify(s));
    try {
      history.replaceState(null, '', hash);
    } catch {
      location.hash = hash;
    }
  }
}

/** The host of this page: VS Code when `acquireVsCodeApi` exists, else the HTML report. */
export function createHost(): VsCodeHost | ReportHost {
  return typeof (globalThis as { acquireVsCodeApi?: unknown }).acquireVsCodeApi === 'function' ? new VsCodeHost() : new ReportHost();
}
