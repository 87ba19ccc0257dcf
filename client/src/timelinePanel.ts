/**
 * The timeline tab: a webview panel (viewType `vpscope.timeline`) running the webview app
 * (`dist/webview.js`, `dist/webview.css`, built from `webview/src`) on a view document the server
 * built (`vpscope/simulate` or `vpscope/analyzeTrace` with `view: true`).
 *
 * One tab per scenario (or trace file): running it again updates that tab in place, keeping its
 * zoom and selection. The tab is not kept alive while hidden (no `retainContextWhenHidden`): the
 * app reloads when shown again, says `ready`, and gets the document and its last state back from
 * here. After a window reload, {@link TimelinePanels.deserializeWebviewPanel} gets the state the
 * app saved with `setState` ({@link PersistedView}: its origin and view state), runs the
 * simulation or analysis again (documents are too large for webview state) and loads the result
 * with the saved view state.
 *
 * Every message from the app is checked with `isViewToHost`; invalid ones are logged and dropped.
 * `reveal` selects the source range in the editor column showing the scenario; `export` asks
 * where to save and writes the PNG or CSV; moving the cursor in the scenario sends `highlight`.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  isViewState,
  isViewToHost,
  VIEW_PROTOCOL_VERSION,
  type HighlightTarget,
  type HostToView,
  type PersistedView,
  type ViewDocument,
  type ViewOrigin,
  type ViewState,
  type ViewToHost,
} from '../../server/src/shared/view';
import { highlightTargets, sameTargets } from './highlight';
import { revealTarget } from './revealTarget';
import { timelineDefaults } from './timelineDefaults';

export const TIMELINE_VIEW_TYPE = 'vpscope.timeline';
/** Cursor moves closer together than this send one highlight. */
const HIGHLIGHT_DELAY_MS = 80;
/** How long after a reveal a re-activation of the view counts as the click's own focus (an assumption: VS Code reports a webview's focus within a few frames; 500 ms leaves margin on a loaded machine). */
const REFOCUS_WINDOW_MS = 500;

/** Produces the document again (a tab restored after a reload); undefined when it cannot. */
export type Rerun = (origin: ViewOrigin) => Promise<ViewDocument | undefined>;

/** One tab per scenario / trace file. */
export function originKey(o: ViewOrigin): string {
  return o.kind === 'simulation' ? `sim:${o.uri}` : `trace:${o.path}${o.guestPath ? `\u0000${o.guestPath}` : ''}`;
}

export function isViewOrigin(x: unknown): x is ViewOrigin {
  const o = x as Record<string, unknown> | undefined;
  if (!o || typeof o !== 'object') return false;
  if (o.kind === 'trace') {
    const optClock = (c: unknown) => c === undefined || (typeof c === 'string' && c !== '');
    return (
      typeof o.path === 'string' &&
      o.path !== '' &&
      (o.guestPath === undefined || (typeof o.guestPath === 'string' && o.guestPath !== '')) &&
      (o.guestOffsetNs === undefined || Number.isSafeInteger(o.guestOffsetNs)) &&
      optClock(o.hostClock) &&
      optClock(o.guestClock)
    );
  }
  return (
    o.kind === 'simulation' &&
    typeof o.uri === 'string' &&
    o.uri !== '' &&
    (o.variant === undefined || typeof o.variant === 'string') &&
    (o.allVariants === undefined || typeof o.allVariants === 'boolean') &&
    (o.variants === undefined || (Array.isArray(o.variants) && o.variants.length > 0 && o.variants.every((v) => typeof v === 'string'))) &&
    (o.seed === undefined || (typeof o.seed === 'number' && Number.isSafeInteger(o.seed) && o.seed >= 0))
  );
}

function baseName(path: string): string {
  return path.slice(path.replace(/[\\/]+$/, '').search(/[^\\/]*$/));
}

function tabTitle(o: ViewOrigin | undefined, doc?: ViewDocument): string {
  const name = o ? (o.kind === 'simulation' ? baseName(vscode.Uri.parse(o.uri).path) : baseName(o.path)) : doc ? baseName(doc.source) : 'vpscope';
  return `Timeline: ${name}`;
}

/** The view state to hand a new document: variant indices it does not have are dropped. */
function stateFor(doc: ViewDocument, s: ViewState | undefined): ViewState | undefined {
  if (!s) return undefined;
  if (!s.variants) return s;
  const variants = s.variants.filter((i) => Number.isInteger(i) && i >= 0 && i < doc.timelines.length);
  const { variants: _drop, ...rest } = s;
  return variants.length ? { ...rest, variants } : rest;
}

function sizeText(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** The editor group showing `uri` (a visible editor first, then any tab). */
function columnShowing(uri: vscode.Uri): vscode.ViewColumn | undefined {
  const key = uri.toString();
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === key);
  if (visible?.viewColumn) return visible.viewColumn;
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs) if (t.input instanceof vscode.TabInputText && t.input.uri.toString() === key) return g.viewColumn;
  }
  return undefined;
}

class TimelinePanel {
  doc: ViewDocument | undefined;
  /** The last view state the app reported (or the one restored after a reload). */
  state: ViewState | undefined;
  private ready = false;
  private lastStatus: { text: string; busy: boolean } | undefined;
  private lastHighlight: HighlightTarget[] = [];
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    public origin: ViewOrigin | undefined,
    private readonly owner: TimelinePanels,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [owner.distUri] };
    panel.webview.html = owner.html(panel.webview);
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      // Hidden tabs are torn down (no retainContextWhenHidden); shown again, the app reloads and
      // says `ready` before it can take messages.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get key(): string | undefined {
    return this.origin ? originKey(this.origin) : undefined;
  }

  private post(msg: HostToView): void {
    if (this.ready) void this.panel.webview.postMessage(msg);
  }

  load(doc: ViewDocument): void {
    this.doc = doc;
    // The run is no longer busy: ungrey the old drawing before the new one replaces it.
    if (this.lastStatus?.busy) this.post({ type: 'status', version: VIEW_PROTOCOL_VERSION, text: '', busy: false });
    this.lastStatus = undefined;
    this.panel.title = tabTitle(this.origin, doc);
    this.post({ type: 'load', version: VIEW_PROTOCOL_VERSION, doc, state: stateFor(doc, this.state) });
  }

  status(text: string, busy: boolean): void {
    this.lastStatus = { text, busy };
    this.post({ type: 'status', version: VIEW_PROTOCOL_VERSION, text, busy });
  }

  highlight(targets: HighlightTarget[]): void {
    if (sameTargets(targets, this.lastHighlight)) return;
    this.lastHighlight = targets;
    this.post({ type: 'highlight', version: VIEW_PROTOCOL_VERSION, targets });
  }

  private async receive(m: unknown): Promise<void> {
    if (!isViewToHost(m)) {
      let text: string;
      try {
        text = JSON.stringify(m)?.slice(0, 200) ?? String(m);
      } catch {
        text = String(m);
      }
      this.owner.log()?.warn(`timeline view: dropped an invalid message: ${text}`);
      return;
    }
    const msg: ViewToHost = m;
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        if (this.doc) this.post({ type: 'load', version: VIEW_PROTOCOL_VERSION, doc: this.doc, state: stateFor(this.doc, this.state) });
        if (this.lastStatus) this.post({ type: 'status', version: VIEW_PROTOCOL_VERSION, ...this.lastStatus });
        if (this.lastHighlight.length) this.post({ type: 'highlight', version: VIEW_PROTOCOL_VERSION, targets: this.lastHighlight });
        return;
      case 'state':
        this.state = msg.state;
        return;
      case 'reveal':
        await this.owner.reveal(this, msg.range, msg.source);
        return;
      case 'export':
        await this.owner.export(this, msg.format, msg.fileName, msg.data);
        return;
      case 'log': {
        const log = this.owner.log();
        const text = `timeline view: ${msg.message}`;
        if (msg.level === 'error') log?.error(text);
        else if (msg.level === 'warn') log?.warn(text);
        else log?.info(text);
        return;
      }
    }
  }

  private disposed = false;
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.owner.forget(this);
    for (const s of this.subs) s.dispose();
  }
}

/** Every timeline tab, by scenario / trace; the panel serializer; the cursor -> highlight link. */
export class TimelinePanels implements vscode.WebviewPanelSerializer<unknown>, vscode.Disposable {
  readonly distUri: vscode.Uri;
  private readonly panels = new Set<TimelinePanel>();
  private readonly subs: vscode.Disposable[] = [];
  private highlightTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    extensionUri: vscode.Uri,
    readonly log: () => vscode.LogOutputChannel | undefined,
    private readonly rerun: Rerun,
  ) {
    this.distUri = vscode.Uri.joinPath(extensionUri, 'dist');
    this.subs.push(
      vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, this),
      vscode.window.onDidChangeTextEditorSelection((e) => this.cursorMoved(e.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((e) => this.cursorMoved(e)),
    );
  }

  /** The app page: strict CSP, nonce script, resources from dist/ only. */
  html(webview: vscode.Webview): string {
    const nonce = randomBytes(18).toString('base64');
    const src = webview.cspSource;
    const js = webview.asWebviewUri(vscode.Uri.joinPath(this.distUri, 'webview.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(this.distUri, 'webview.css'));
    const csp = [
      `default-src 'none'`,
      `img-src ${src} data: blob:`,
      `style-src ${src}`,
      `font-src ${src}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${css}">
<title>vpscope timeline</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>
`;
  }

  private find(key: string): TimelinePanel | undefined {
    for (const p of this.panels) if (p.key === key) return p;
    return undefined;
  }

  /**
   * The tab of `origin`, created (beside the active editor) or brought forward, without taking
   * the focus from the editor.
   */
  open(origin: ViewOrigin, column?: vscode.ViewColumn): TimelinePanel {
    const existing = this.find(originKey(origin));
    if (existing) {
      existing.origin = origin;
      if (!existing.panel.visible) existing.panel.reveal(existing.panel.viewColumn, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      TIMELINE_VIEW_TYPE,
      tabTitle(origin),
      { viewColumn: column ?? vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [this.distUri], enableFindWidget: false },
    );
    const p = new TimelinePanel(panel, origin, this);
    // A new tab starts from the `vpscope.timeline.*` settings; an existing one keeps its state.
    p.state = timelineDefaults(vscode.workspace.getConfiguration('vpscope.timeline'));
    this.panels.add(p);
    return p;
  }

  /** The origin of the timeline tab that is active (focused), if any. */
  activeOrigin(): ViewOrigin | undefined {
    for (const p of this.panels) if (p.panel.active) return p.origin;
    return undefined;
  }

  /** The tab of `origin` if one is open. */
  get(origin: ViewOrigin): TimelinePanel | undefined {
    return this.find(originKey(origin));
  }

  /** Shows `doc` in its tab (created when needed); `state` overrides parts of its view state (e.g. stacked variants). */
  show(doc: ViewDocument, origin: ViewOrigin, column?: vscode.ViewColumn, state?: ViewState): void {
    const p = this.open(origin, column);
    if (state) p.state = { ...p.state, ...state };
    p.load({ ...doc, origin: doc.origin ?? origin });
    this.cursorMoved(vscode.window.activeTextEditor);
  }

  /** Sets the busy / failure line of the tab of `origin`, if open. */
  status(origin: ViewOrigin, text: string, busy: boolean): void {
    this.get(origin)?.status(text, busy);
  }

  forget(p: TimelinePanel): void {
    this.panels.delete(p);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = (state && typeof state === 'object' ? state : {}) as PersistedView;
    const origin = isViewOrigin(saved.origin) ? saved.origin : undefined;
    const p = new TimelinePanel(panel, origin, this);
    if (origin) {
      // A second restored tab of the same source: keep the first.
      const other = this.find(originKey(origin));
      if (other) {
        this.log()?.info(`timeline view: a second restored tab of ${originKey(origin)} was closed`);
        panel.dispose();
        return;
      }
    }
    this.panels.add(p);
    // A saved state the view would refuse (another version's, or damaged) is dropped: the tab
    // still opens, at its defaults, instead of a load message the view rejects whole.
    p.state = isViewState(saved.view) ? saved.view : undefined;
    panel.title = tabTitle(origin);
    if (!origin) {
      p.status('Nothing to restore here: run "vpscope: Show Timeline" again.', false);
      return;
    }
    p.status(origin.kind === 'simulation' ? 'Simulating again after the reload…' : 'Analyzing the trace again after the reload…', true);
    try {
      const doc = await this.rerun(origin);
      if (doc) p.load({ ...doc, origin: doc.origin ?? origin });
      else p.status('Could not run it again (see the notification); run "vpscope: Show Timeline" to retry.', false);
    } catch (e) {
      this.log()?.error(`timeline view: restoring ${originKey(origin)}: ${e instanceof Error ? e.message : String(e)}`);
      p.status(`Could not run it again: ${e instanceof Error ? e.message : String(e)}`, false);
    }
  }

  // ---- reveal, export, highlight ------------------------------------------------------------

  /** The file `p` refers to, or, with `source` (a reveal from its webview), the one it asks for if the view refers to it. */
  private sourceUri(p: TimelinePanel, source?: string): vscode.Uri | undefined {
    const t = revealTarget(p.doc, p.origin, source);
    if (!t) return undefined;
    if ('uri' in t) return vscode.Uri.parse(t.uri);
    if ('path' in t) return vscode.Uri.file(t.path);
    // A path the view does not refer to: a hostile or broken webview; never opened.
    this.log()?.warn(`timeline view: refused to reveal ${JSON.stringify(t.refused.slice(0, 200))} (not a file this view was built from)`);
    return undefined;
  }

  /** Selects `range` of the source in the editor column that shows it (cursor at its start). */
  async reveal(p: TimelinePanel, r: { start: { line: number; character: number }; end: { line: number; character: number } }, source?: string): Promise<void> {
    const uri = this.sourceUri(p, source);
    if (!uri) {
      this.log()?.info('timeline view: nothing to reveal (this view has no source file)');
      return;
    }
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(uri);
    } catch (e) {
      void vscode.window.showErrorMessage(`vpscope: cannot open ${uri.toString(true)}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const range = document.validateRange(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character));
    const panelColumn = p.panel.viewColumn;
    const column = columnShowing(uri) ?? (panelColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One);
    // Anchor at the end, cursor at the start: the status bar and the eye land on the first line.
    const selection = new vscode.Selection(range.end, range.start);
    const show = async (): Promise<vscode.TextEditor> => {
      const editor = await vscode.window.showTextDocument(document, { viewColumn: column, preserveFocus: false, preview: false, selection });
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      // A range wider than a narrow editor is revealed by its end (scrolled sideways, the line's
      // start hidden): reveal its start last, where the cursor is.
      editor.revealRange(new vscode.Range(range.start, range.start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return editor;
    };
    await show();
    // The click that asked for this reveal also focused the webview, and VS Code may report that
    // focus after our showTextDocument ran (seen in code-server: the cursor on the line, the
    // view's group still the active one). If the view becomes active again within a moment of the
    // reveal, give the focus back to the editor, once; later activations are the user's.
    if (p.panel.active) {
      await show();
      return;
    }
    let done = false;
    const sub = p.panel.onDidChangeViewState((e) => {
      if (done || !e.webviewPanel.active) return;
      done = true;
      sub.dispose();
      void show();
    });
    setTimeout(() => {
      done = true;
      sub.dispose();
    }, REFOCUS_WINDOW_MS);
  }

  /** Asks where to save the PNG / CSV the app made and writes it. */
  async export(p: TimelinePanel, format: 'png' | 'csv', fileName: string, data: string): Promise<void> {
    const src = this.sourceUri(p);
    const folder = src?.scheme === 'file' ? vscode.Uri.joinPath(src, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: format === 'png' ? 'Save the timeline as PNG' : 'Save as CSV',
      saveLabel: 'Save',
      filters: format === 'png' ? { 'PNG image': ['png'] } : { 'CSV': ['csv'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {}),
    });
    if (!target) return;
    const bytes = format === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
    } catch (e) {
      void vscode.window.showErrorMessage(`vpscope: cannot write ${target.toString(true)}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    void vscode.window.showInformationMessage(`Wrote ${baseName(target.path)} (${sizeText(bytes.length)}).`, 'Open').then((choice) => {
      if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', target);
    });
  }

  /** The cursor moved in an editor: highlight what is under it in that scenario's timeline. */
  private cursorMoved(editor: vscode.TextEditor | undefined): void {
    if (!editor || editor.document.languageId !== 'vpscope' || this.panels.size === 0) return;
    const key = `sim:${editor.document.uri.toString()}`;
    if (!this.find(key)) return;
    if (this.highlightTimer) clearTimeout(this.highlightTimer);
    this.highlightTimer = setTimeout(() => {
      this.highlightTimer = undefined;
      const p = this.find(key);
      if (!p?.doc) return;
      const pos = editor.selection.active;
      const line = pos.line < editor.document.lineCount ? editor.document.lineAt(pos.line).text : '';
      p.highlight(highlightTargets(p.doc, { line: pos.line, character: pos.character }, line));
    }, HIGHLIGHT_DELAY_MS);
  }

  dispose(): void {
    if (this.highlightTimer) clearTimeout(this.highlightTimer);
    for (const p of [...this.panels]) p.panel.dispose();
    for (const s of this.subs) s.dispose();
  }
}
