/**
 * Where simulation and trace-analysis results show up in the editor: read-only virtual documents
 * (scheme `vpscope-result`) holding the text summary the server rendered, and the JSON document
 * (`vpscope.run/1`, `vpscope.trace/1`) beside it on request. One summary tab per source (a
 * scenario or a trace file): running it again updates that tab in place.
 *
 * The client only stores and shows what the server answered; it computes nothing.
 */
import * as vscode from 'vscode';
import type { AnalyzeTraceResult, SimulateCommandOptions, SimulateResult } from '../../server/src/shared/protocol';
import type { TraceOrigin } from '../../server/src/shared/view';

export const RESULT_SCHEME = 'vpscope-result';
/** Context key: a result exists (enables "Export Chrome Trace…" in the command palette). */
export const HAS_RESULT_CONTEXT = 'vpscope.hasResult';
/** Results kept for their tabs (the oldest are forgotten; their tabs then say so). */
const MAX_RESULTS = 20;

/** What produced a result, so that it can be run again (to export its Chrome trace). */
export type ResultSource =
  | { kind: 'simulation'; uri: string; version: number; options: SimulateCommandOptions; seed?: number }
  | TraceOrigin;

export interface StoredResult {
  source: ResultSource;
  /** "openhcl-blocking-syscall.vps" or the trace's file name. */
  name: string;
  summary: string;
  /** The JSON document, when the server sent it inline. */
  json?: unknown;
  /** Or the file the server wrote it to (large traces). */
  jsonFile?: string;
  summaryUri: vscode.Uri;
  jsonUri: vscode.Uri;
}

/** The editor group already showing `uri` (so a rerun does not open a second copy). */
function openIn(uri: vscode.Uri): vscode.ViewColumn | undefined {
  const key = uri.toString();
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs) if (t.input instanceof vscode.TabInputText && t.input.uri.toString() === key) return g.viewColumn;
  }
  return undefined;
}

export class ResultStore implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  /** Slot per source key; results by slot (insertion order = age). */
  private readonly slots = new Map<string, number>();
  private readonly results = new Map<number, StoredResult>();
  private nextSlot = 1;
  private lastSlot: number | undefined;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, this);
  }

  /** The most recent result (what "Export Chrome Trace…" exports). */
  get last(): StoredResult | undefined {
    return this.lastSlot === undefined ? undefined : this.results.get(this.lastSlot);
  }

  addSimulation(r: SimulateResult, source: Extract<ResultSource, { kind: 'simulation' }>, name: string): StoredResult {
    return this.add(`sim:${source.uri}`, `Simulation: ${name}`, {
      source,
      name,
      summary: r.summary,
      // With several seeds or a sweep: the vpscope.seeds/1 aggregate (`run` is then only its first seed).
      json: r.seeds ?? r.run,
    });
  }

  addTrace(r: AnalyzeTraceResult, name: string, origin: TraceOrigin): StoredResult {
    return this.add(`trace:${r.path}${origin.guestPath ? `\u0000${origin.guestPath}` : ''}`, `Trace: ${name}`, {
      source: { ...origin, path: r.path },
      name,
      summary: r.summary,
      json: r.document,
      jsonFile: r.documentFile?.path,
    });
  }

  private add(key: string, title: string, r: Omit<StoredResult, 'summaryUri' | 'jsonUri'>): StoredResult {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.nextSlot++;
      this.slots.set(key, slot);
    }
    // The tab title is the last path segment.
    const summaryUri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${slot}/${title}` });
    const jsonUri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${slot}/${title}.json` });
    const stored: StoredResult = { ...r, summaryUri, jsonUri };
    this.results.delete(slot);
    this.results.set(slot, stored);
    while (this.results.size > MAX_RESULTS) this.results.delete(this.results.keys().next().value as number);
    this.lastSlot = slot;
    void vscode.commands.executeCommand('setContext', HAS_RESULT_CONTEXT, true);
    this.changed.fire(summaryUri);
    this.changed.fire(jsonUri);
    return stored;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const slot = Number(/^\/(\d+)\//.exec(uri.path)?.[1]);
    const r = this.results.get(slot);
    if (!r) return 'This result is no longer kept: run the simulation or the trace analysis again.\n';
    if (uri.path.endsWith('.json')) return r.json === undefined ? '' : JSON.stringify(r.json, null, 1) + '\n';
    return r.summary;
  }

  /** Opens (or brings forward and refreshes) the summary tab, beside the active editor. */
  async showSummary(r: StoredResult): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(r.summaryUri);
    // The title ends in `.vps`: without this the tab would get the scenario language.
    const shown = doc.languageId === 'plaintext' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'plaintext');
    await vscode.window.showTextDocument(shown, { viewColumn: openIn(r.summaryUri) ?? vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
  }

  /** Opens the JSON document: the virtual one, or the file the server wrote. */
  async showJson(r: StoredResult): Promise<void> {
    const uri = r.jsonFile ? vscode.Uri.file(r.jsonFile) : r.jsonUri;
    const doc = await vscode.workspace.openTextDocument(uri);
    const shown = doc.languageId === 'json' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(shown, { viewColumn: openIn(uri) ?? vscode.ViewColumn.Beside, preview: false });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
