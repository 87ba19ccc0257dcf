/**
 * The commands that run the server's long jobs and show their results:
 *
 *  - `vpscope.simulate` (vpscope: Simulate Scenario): the active `.vps` editor (or the URI a code
 *    lens / the editor title button passes), a quick pick of base / a variant / all variants from
 *    the server's `vpscope/scenario` answer, then `vpscope/simulate` with `view: true`: the summary
 *    tab and the scenario's timeline tab (`timelinePanel.ts`) show the result;
 *  - `vpscope.showTimeline` (vpscope: Show Timeline): the same run, shown in the timeline tab only
 *    (the tab opens at once and says it is busy; a rerun updates it in place);
 *  - `vpscope.analyzeTrace` (vpscope: Analyze Trace…): a file dialog, then `vpscope/analyzeTrace`
 *    with `view: true` (summary and timeline tabs);
 *  - `vpscope.exportChromeTrace` (vpscope: Export Chrome Trace…): runs the last result's request
 *    again with `exportChromeTrace` set (simulations are deterministic: the same scenario text and
 *    seed give the same timelines) and writes the file the user chose.
 *
 * Progress is a cancellable notification (`window.withProgress`) fed by the server's work-done
 * progress on a token this client passes; cancelling it cancels the request, which stops the
 * server's worker thread. The summary opens in a read-only tab (`results.ts`).
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { LSPErrorCodes, ResponseError, WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import {
  AnalyzeTraceRequest,
  ClientCommands,
  ScenarioRequest,
  SimulateRequest,
  type SimulateCommandOptions,
  type SimulateParams,
  type WrittenFile,
} from '../../server/src/shared/protocol';
import type { ViewDocument, ViewOrigin } from '../../server/src/shared/view';
import { ResultStore, type StoredResult } from './results';
import { TimelinePanels } from './timelinePanel';

export const COMMANDS = {
  simulate: ClientCommands.simulate,
  showTimeline: ClientCommands.showTimeline,
  analyzeTrace: 'vpscope.analyzeTrace',
  exportChromeTrace: 'vpscope.exportChromeTrace',
} as const;

/** Announced to the server (`initializationOptions.clientCommands`): it may put these in code lenses. */
export const CLIENT_COMMANDS: string[] = [ClientCommands.simulate, ClientCommands.showTimeline];

const OPEN_JSON = 'Open JSON';
const EXPORT_CHROME = 'Export Chrome trace (Perfetto)';

/** Registers the commands and the result view; one call from `activate`. */
export function registerCommands(context: vscode.ExtensionContext, client: () => LanguageClient | undefined, log: () => vscode.LogOutputChannel | undefined): void {
  const results = new ResultStore();
  // The serializer must be registered during activation (a restored tab activates the extension).
  const timelines = new TimelinePanels(context.extensionUri, log, (origin) => ui.rerun(origin));
  const ui: Commands = new Commands(client, results, log, timelines);
  context.subscriptions.push(
    results,
    timelines,
    vscode.commands.registerCommand(COMMANDS.simulate, (arg?: unknown, options?: SimulateCommandOptions) => ui.simulate(arg, options)),
    vscode.commands.registerCommand(COMMANDS.showTimeline, (arg?: unknown, options?: SimulateCommandOptions) => ui.simulate(arg, options, 'timeline')),
    vscode.commands.registerCommand(COMMANDS.analyzeTrace, (arg?: unknown) => ui.analyzeTrace(arg)),
    vscode.commands.registerCommand(COMMANDS.exportChromeTrace, () => ui.exportChromeTrace()),
  );
}

function baseName(path: string): string {
  return path.slice(path.replace(/[\\/]+$/, '').search(/[^\\/]*$/));
}

function isCancelled(e: unknown): boolean {
  return (e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled) || e instanceof vscode.CancellationError;
}

function sizeText(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/**
 * What a run is for: `simulate` (summary + timeline + completion message), `timeline` (the
 * timeline tab only), `restore` (a tab restored after a reload: the document only), `chrome`
 * (export the Chrome trace: no view).
 */
type RunMode = 'simulate' | 'timeline' | 'restore' | 'chrome';

function simulationOrigin(uri: string, options: SimulateCommandOptions): Extract<ViewOrigin, { kind: 'simulation' }> {
  const seed = validSeed(options.seed) ? { seed: options.seed } : {};
  return options.allVariants ? { kind: 'simulation', uri, allVariants: true, ...seed } : { kind: 'simulation', uri, variant: options.variant ?? 'base', ...seed };
}

function validSeed(seed: unknown): seed is number {
  return typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0;
}

/** The options that ran `origin` (what a restored or refreshed tab runs again). */
function optionsOf(origin: Extract<ViewOrigin, { kind: 'simulation' }>): SimulateCommandOptions {
  return {
    ...(origin.allVariants ? { allVariants: true } : { variant: origin.variant ?? 'base' }),
    ...(validSeed(origin.seed) ? { seed: origin.seed } : {}),
  };
}

class Commands {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly results: ResultStore,
    private readonly log: () => vscode.LogOutputChannel | undefined,
    private readonly timelines: TimelinePanels,
  ) {}

  private languageClient(): LanguageClient | undefined {
    const c = this.client();
    if (!c) void vscode.window.showErrorMessage('vpscope: the language server is not running (vpscope: Restart Language Server).');
    return c;
  }

  /**
   * Runs a request under a cancellable progress notification. The server reports work-done
   * progress on the token passed here; undefined when the user cancelled.
   */
  private withProgress<T>(c: LanguageClient, title: string, run: (token: vscode.CancellationToken, workDoneToken: string) => Promise<T>): Thenable<T | undefined> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const workDoneToken = `vpscope-${randomUUID()}`;
      let shown = 0;
      const sub = c.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
        if (v.kind === 'end') return;
        const pct = v.percentage ?? shown;
        progress.report({ increment: Math.max(0, pct - shown), message: v.message });
        shown = Math.max(shown, pct);
      });
      try {
        return await run(token, workDoneToken);
      } catch (e) {
        if (isCancelled(e) || token.isCancellationRequested) return undefined;
        throw e;
      } finally {
        sub.dispose();
      }
    });
  }

  private showError(what: string, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.log()?.error(`${what}: ${message}`);
    if (/^the scenario has \d+ error/.test(message)) {
      void vscode.window.showErrorMessage(`vpscope: ${message}`, 'Show Problems').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
    } else void vscode.window.showErrorMessage(`vpscope: ${what} failed: ${message}`);
  }

  // ---- simulate -------------------------------------------------------------------------------

  async simulate(arg?: unknown, options?: SimulateCommandOptions, mode: 'simulate' | 'timeline' = 'simulate'): Promise<void> {
    let target = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg instanceof vscode.Uri ? arg : undefined;
    // From a focused timeline tab: run its scenario again, as it was run.
    const shown = !target && !vscode.window.activeTextEditor ? this.timelines.activeOrigin() : undefined;
    if (shown?.kind === 'simulation') {
      target = vscode.Uri.parse(shown.uri);
      options ??= optionsOf(shown);
    }
    let doc = target ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString()) : vscode.window.activeTextEditor?.document;
    if (!doc && target) doc = await vscode.workspace.openTextDocument(target);
    if (!doc || doc.languageId !== 'vpscope') {
      void vscode.window.showErrorMessage('vpscope: open a .vps scenario to simulate it.');
      return;
    }
    const c = this.languageClient();
    if (!c) return;
    const chosen = options ?? (await this.pickVariants(c, doc));
    if (!chosen) return;
    await this.runSimulation(c, doc, chosen, mode);
  }

  /** Produces a timeline tab's document again (the tab was restored after a window reload). */
  async rerun(origin: ViewOrigin): Promise<ViewDocument | undefined> {
    // A restored tab can activate the extension: give the language client a moment to exist.
    for (let i = 0; i < 50 && !this.client(); i++) await new Promise((r) => setTimeout(r, 200));
    const c = this.languageClient();
    if (!c) return undefined;
    if (origin.kind === 'trace') return (await this.runTrace(c, origin.path, 'restore'))?.view;
    const uri = vscode.Uri.parse(origin.uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === origin.uri) ?? (await vscode.workspace.openTextDocument(uri));
    return (await this.runSimulation(c, doc, optionsOf(origin), 'restore'))?.view;
  }

  /** Base, a variant or all of them, from what the server says about the scenario. */
  private async pickVariants(c: LanguageClient, doc: vscode.TextDocument): Promise<SimulateCommandOptions | undefined> {
    let info;
    try {
      info = await c.sendRequest(ScenarioRequest.type, { textDocument: { uri: doc.uri.toString() } });
    } catch (e) {
      this.showError('reading the scenario', e);
      return undefined;
    }
    const name = baseName(doc.uri.path);
    if (!info || info.errors > 0 || !info.scenario) {
      const n = info?.errors ?? 0;
      void vscode.window
        .showErrorMessage(n > 0 ? `vpscope: ${name} has ${n} error${n === 1 ? '' : 's'}; fix them before simulating.` : `vpscope: ${name} has nothing to simulate.`, 'Show Problems')
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
        });
      return undefined;
    }
    if (info.variants.length === 0) return { variant: 'base' };
    const described = new Map(info.scenario.variants.map((v) => [v.name, v.description]));
    type Item = vscode.QuickPickItem & { options: SimulateCommandOptions };
    const items: Item[] = [
      { label: 'base', description: 'the scenario without variants', options: { variant: 'base' } },
      ...info.variants.map((v): Item => ({ label: v, description: described.get(v) ?? 'variant', options: { variant: v } })),
      { label: 'All variants', description: `base + ${info.variants.join(', ')}, compared`, options: { allVariants: true } },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Simulate ${name}`, placeHolder: 'What to simulate' });
    return picked?.options;
  }

  private async runSimulation(
    c: LanguageClient,
    doc: vscode.TextDocument,
    options: SimulateCommandOptions,
    mode: RunMode,
    exportChromeTrace?: string,
  ): Promise<{ stored: StoredResult; chrome?: WrittenFile; view?: ViewDocument } | undefined> {
    const name = baseName(doc.uri.path);
    const what = options.allVariants ? 'all variants' : options.variant ?? 'base';
    const uri = doc.uri.toString();
    const origin = simulationOrigin(uri, options);
    const view = mode !== 'chrome';
    const params: SimulateParams = {
      textDocument: { uri },
      ...(options.allVariants ? { allVariants: true } : { variant: options.variant ?? 'base' }),
      ...(validSeed(options.seed) ? { seed: options.seed } : {}),
      ...(exportChromeTrace ? { exportChromeTrace } : {}),
      ...(view ? { view: true } : {}),
    };
    // "Show Timeline" opens the tab at once (it says it is busy); a rerun greys the open tab.
    if (mode === 'timeline') this.timelines.open(origin);
    if (view) this.timelines.status(origin, `Simulating ${name} (${what})…`, true);
    let r;
    try {
      r = await this.withProgress(c, exportChromeTrace ? `Exporting the Chrome trace of ${name} (${what})` : `Simulating ${name} (${what})`, (token, workDoneToken) =>
        c.sendRequest(SimulateRequest.type, { ...params, workDoneToken }, token),
      );
    } catch (e) {
      if (view) this.timelines.status(origin, `Simulating ${name} failed: ${e instanceof Error ? e.message : String(e)}`, false);
      this.showError(`simulating ${name}`, e);
      return undefined;
    }
    if (!r) {
      if (view) this.timelines.status(origin, 'Cancelled.', false);
      return undefined;
    }
    const stored = this.results.addSimulation(r, { kind: 'simulation', uri: r.uri, version: r.version, options }, name);
    const viewDoc = r.view ? { ...r.view, sourceUri: r.view.sourceUri ?? uri, origin: r.view.origin ?? origin } : undefined;
    if (mode === 'simulate') await this.results.showSummary(stored);
    if (viewDoc && mode !== 'restore') this.timelines.show(viewDoc, origin);
    if (view && !viewDoc) this.timelines.status(origin, 'The server sent no timeline for this run.', false);
    if (mode !== 'simulate') return { stored, chrome: r.chromeTrace, view: viewDoc };
    const how = r.stoppedEarly ? `stopped early (${r.stoppedEarly.reason}) in ${r.stoppedEarly.variant}` : 'done';
    const n = r.runDiagnostics;
    const notes = n ? `; ${n} note${n === 1 ? '' : 's'} on stalls and findings shown on the scenario's lines (Problems) until the next edit` : '';
    this.offer(stored, `Simulated ${name} (${what}): ${how}${notes}.`);
    return { stored, view: viewDoc };
  }

  /** The completion message, with its buttons. */
  private offer(stored: StoredResult, message: string): void {
    void vscode.window.showInformationMessage(message, OPEN_JSON, EXPORT_CHROME).then((choice) => {
      if (choice === OPEN_JSON) void this.results.showJson(stored);
      if (choice === EXPORT_CHROME) void this.exportChromeTrace(stored);
    });
  }

  // ---- traces ---------------------------------------------------------------------------------

  async analyzeTrace(arg?: unknown): Promise<void> {
    let uri = arg instanceof vscode.Uri ? arg : undefined;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: false,
        canSelectMany: false,
        openLabel: 'Analyze',
        title: 'Analyze a scheduling trace (ftrace, trace-cmd report or .dat, Chrome JSON; .gz accepted)',
        filters: { 'Traces': ['txt', 'gz', 'json', 'trace', 'dat'], 'All files': ['*'] },
      });
      uri = picked?.[0];
    }
    if (!uri) return;
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`vpscope: traces are read from local files; ${uri.toString()} is not one.`);
      return;
    }
    const c = this.languageClient();
    if (!c) return;
    await this.runTrace(c, uri.fsPath, 'simulate');
  }

  private async runTrace(
    c: LanguageClient,
    path: string,
    mode: RunMode,
    exportChromeTrace?: string,
  ): Promise<{ stored: StoredResult; chrome?: WrittenFile; view?: ViewDocument } | undefined> {
    const name = baseName(path);
    const origin: ViewOrigin = { kind: 'trace', path };
    const view = mode !== 'chrome';
    if (view) this.timelines.status(origin, `Analyzing ${name}…`, true);
    let r;
    try {
      r = await this.withProgress(c, exportChromeTrace ? `Exporting the Chrome trace of ${name}` : `Analyzing ${name}`, (token, workDoneToken) =>
        c.sendRequest(AnalyzeTraceRequest.type, { path, workDoneToken, ...(exportChromeTrace ? { exportChromeTrace } : {}), ...(view ? { view: true } : {}) }, token),
      );
    } catch (e) {
      if (view) this.timelines.status(origin, `Analyzing ${name} failed: ${e instanceof Error ? e.message : String(e)}`, false);
      this.showError(`analyzing ${name}`, e);
      return undefined;
    }
    if (!r) {
      if (view) this.timelines.status(origin, 'Cancelled.', false);
      return undefined;
    }
    const stored = this.results.addTrace(r, name);
    const viewDoc = r.view ? { ...r.view, origin: r.view.origin ?? origin } : undefined;
    if (mode === 'simulate') await this.results.showSummary(stored);
    if (viewDoc && mode !== 'restore') this.timelines.show(viewDoc, origin);
    if (mode === 'simulate') {
      const findings = Array.isArray(r.document?.findings) ? (r.document.findings as unknown[]).length : undefined;
      const big = r.documentFile ? ` (JSON ${sizeText(r.documentBytes)}, written to ${r.documentFile.path})` : '';
      this.offer(stored, `Analyzed ${name}${findings !== undefined ? `: ${findings} finding${findings === 1 ? '' : 's'}` : ''}${big}.`);
    }
    return { stored, chrome: r.chromeTrace, view: viewDoc };
  }

  // ---- export ---------------------------------------------------------------------------------

  async exportChromeTrace(which?: StoredResult): Promise<void> {
    const last = which ?? this.results.last;
    if (!last) {
      void vscode.window.showInformationMessage('vpscope: nothing to export yet. Run "vpscope: Simulate Scenario" or "vpscope: Analyze Trace…" first.');
      return;
    }
    const c = this.languageClient();
    if (!c) return;
    const source = last.source;
    const sourceUri = source.kind === 'simulation' ? vscode.Uri.parse(source.uri) : vscode.Uri.file(source.path);
    const stem = last.name.replace(/\.gz$/, '').replace(/\.[^.]+$/, '');
    const folder = sourceUri.scheme === 'file' ? vscode.Uri.joinPath(sourceUri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export Chrome trace (open it in Perfetto)',
      saveLabel: 'Export',
      filters: { 'Chrome trace JSON': ['json'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${stem}.chrome-trace.json`) } : {}),
    });
    if (!target) return;
    if (target.scheme !== 'file') {
      void vscode.window.showErrorMessage('vpscope: the Chrome trace can only be written to a local file.');
      return;
    }
    let written: WrittenFile | undefined;
    let note = '';
    if (source.kind === 'simulation') {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === source.uri) ?? (await vscode.workspace.openTextDocument(sourceUri));
      if (doc.version !== source.version) note = ' The scenario changed since the last run: this is the current text.';
      written = (await this.runSimulation(c, doc, source.options, 'chrome', target.fsPath))?.chrome;
    } else {
      written = (await this.runTrace(c, source.path, 'chrome', target.fsPath))?.chrome;
    }
    if (!written) return;
    void vscode.window
      .showInformationMessage(`Wrote ${baseName(written.path)} (${sizeText(written.bytes)}): open it in Perfetto (ui.perfetto.dev).${note}`, 'Open Perfetto', 'Reveal File')
      .then((choice) => {
        if (choice === 'Open Perfetto') void vscode.env.openExternal(vscode.Uri.parse('https://ui.perfetto.dev'));
        if (choice === 'Reveal File') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(written!.path));
      });
  }
}
