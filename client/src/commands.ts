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
import { traceLinkOptions, type TraceLinkOptions, type TraceOrigin, type ViewDocument, type ViewOrigin } from '../../server/src/shared/view';
import { parseOffsetNs } from './traceLink';
import { targetArgument } from './args';
import { loadWebviewAssets, renderHtmlReport } from '../../server/src/io/htmlReport';
import { timelineDefaults } from './timelineDefaults';
import { reportFileName, runStallsCsv, traceFindingsCsv, type ReportFormat } from './reportExport';
import { ResultStore, type StoredResult } from './results';
import { listTemplates, type Template, type TemplateFile } from './templates';
import { TimelinePanels } from './timelinePanel';

export const COMMANDS = {
  simulate: ClientCommands.simulate,
  showTimeline: ClientCommands.showTimeline,
  analyzeTrace: 'vpscope.analyzeTrace',
  exportChromeTrace: 'vpscope.exportChromeTrace',
  newFromTemplate: 'vpscope.newFromTemplate',
  generateScenario: 'vpscope.generateScenario',
  compareVariants: 'vpscope.compareVariants',
  exportReport: 'vpscope.exportReport',
} as const;

/** Trace files the explorer offers *Analyze Trace…* and *Generate Scenario from Trace…* on. */
const TRACE_FILTERS = { 'Traces': ['txt', 'gz', 'json', 'trace', 'dat'], 'All files': ['*'] };

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
    vscode.commands.registerCommand(COMMANDS.analyzeTrace, (arg?: unknown, selected?: unknown) => ui.analyzeTrace(arg, selected)),
    vscode.commands.registerCommand(COMMANDS.exportChromeTrace, () => ui.exportChromeTrace()),
    vscode.commands.registerCommand(COMMANDS.newFromTemplate, (label?: unknown) => ui.newFromTemplate(context.extensionUri, label)),
    vscode.commands.registerCommand(COMMANDS.generateScenario, (arg?: unknown) => ui.generateScenario(arg)),
    vscode.commands.registerCommand(COMMANDS.compareVariants, (arg?: unknown, names?: unknown) => ui.compareVariants(arg, names)),
    vscode.commands.registerCommand(COMMANDS.exportReport, (format?: unknown) => ui.exportReport(context.extensionUri, format)),
  );
}

/** The URI a command got from the explorer (`(uri, uris)`), an editor title button, or as a string. */
export function uriArgument(arg: unknown): vscode.Uri | undefined {
  const t = targetArgument(arg);
  if (!t) return undefined;
  if (t.kind === 'uri') return t.uri instanceof vscode.Uri ? t.uri : vscode.Uri.from(t.uri as vscode.Uri);
  return t.kind === 'uriString' ? vscode.Uri.parse(t.text) : vscode.Uri.file(t.path);
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
type RunMode = 'simulate' | 'timeline' | 'restore' | 'chrome' | 'html';

function simulationOrigin(uri: string, options: SimulateCommandOptions): Extract<ViewOrigin, { kind: 'simulation' }> {
  const seed = validSeed(options.seed) ? { seed: options.seed } : {};
  if (options.allVariants) return { kind: 'simulation', uri, allVariants: true, ...seed };
  if (options.variants?.length) return { kind: 'simulation', uri, variants: options.variants, ...seed };
  return { kind: 'simulation', uri, variant: options.variant ?? 'base', ...seed };
}

function validSeed(seed: unknown): seed is number {
  return typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0;
}

/** The options that ran `origin` (what a restored or refreshed tab runs again). */
function optionsOf(origin: Extract<ViewOrigin, { kind: 'simulation' }>): SimulateCommandOptions {
  return {
    ...(origin.allVariants ? { allVariants: true } : origin.variants?.length ? { variants: origin.variants } : { variant: origin.variant ?? 'base' }),
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
    let target = uriArgument(arg);
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
    if (origin.kind === 'trace') return (await this.runTrace(c, origin, 'restore'))?.view;
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
    const what = options.allVariants ? 'all variants' : options.variants?.length ? options.variants.join(' vs ') : options.variant ?? 'base';
    const uri = doc.uri.toString();
    const origin = simulationOrigin(uri, options);
    const view = mode !== 'chrome';
    const params: SimulateParams = {
      textDocument: { uri },
      ...(options.allVariants ? { allVariants: true } : options.variants?.length ? { variants: options.variants } : { variant: options.variant ?? 'base' }),
      ...(validSeed(options.seed) ? { seed: options.seed } : {}),
      ...(exportChromeTrace ? { exportChromeTrace } : {}),
      ...(view ? { view: true } : {}),
    };
    // "Show Timeline" opens the tab at once (it says it is busy); a rerun greys the open tab.
    // An HTML export runs in the background of an open tab: it leaves the tab alone.
    const tab = view && mode !== 'html';
    if (mode === 'timeline') this.timelines.open(origin);
    if (tab) this.timelines.status(origin, `Simulating ${name} (${what})…`, true);
    let r;
    try {
      r = await this.withProgress(c, exportChromeTrace ? `Exporting the Chrome trace of ${name} (${what})` : `Simulating ${name} (${what})`, (token, workDoneToken) =>
        c.sendRequest(SimulateRequest.type, { ...params, workDoneToken }, token),
      );
    } catch (e) {
      if (tab) this.timelines.status(origin, `Simulating ${name} failed: ${e instanceof Error ? e.message : String(e)}`, false);
      this.showError(`simulating ${name}`, e);
      return undefined;
    }
    if (!r) {
      if (tab) this.timelines.status(origin, 'Cancelled.', false);
      return undefined;
    }
    const stored = this.results.addSimulation(r, { kind: 'simulation', uri: r.uri, version: r.version, options }, name);
    const viewDoc = r.view ? { ...r.view, sourceUri: r.view.sourceUri ?? uri, origin: r.view.origin ?? origin } : undefined;
    if (mode === 'simulate') await this.results.showSummary(stored);
    // Compared variants are stacked in the tab (the view has one timeline per variant run).
    const stack = options.variants && options.variants.length > 1 ? { variants: options.variants.map((_, i) => i) } : undefined;
    if (viewDoc && mode !== 'restore' && mode !== 'html') this.timelines.show(viewDoc, origin, undefined, stack);
    if (tab && !viewDoc) this.timelines.status(origin, 'The server sent no timeline for this run.', false);
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

  /** The trace a command got from the explorer (or as a path), else the one the user picks. */
  private async traceArgument(arg: unknown, openLabel: string, title: string): Promise<vscode.Uri | undefined> {
    let uri = uriArgument(arg);
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: false, canSelectMany: false, openLabel, title, filters: TRACE_FILTERS });
      uri = picked?.[0];
    }
    if (!uri) return undefined;
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`vpscope: traces are read from local files; ${uri.toString()} is not one.`);
      return undefined;
    }
    return uri;
  }

  /**
   * One trace, or two (a host's and its guest's, linked as by `vpscope analyze HOST GUEST`): two
   * files selected in the Explorer, or picked together in the dialog; the user says which is the host.
   */
  async analyzeTrace(arg?: unknown, selected?: unknown): Promise<void> {
    let uris: vscode.Uri[] = [];
    if (Array.isArray(selected) && selected.length > 1) uris = selected.map(uriArgument).filter((u): u is vscode.Uri => !!u);
    else {
      const one = uriArgument(arg);
      if (one) uris = [one];
      else {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: false,
          canSelectMany: true,
          openLabel: 'Analyze',
          title: 'Analyze a scheduling trace, or two: a host trace and its guest\'s (ftrace, trace-cmd report or .dat, perf script, Chrome JSON; .gz accepted)',
          filters: TRACE_FILTERS,
        });
        uris = picked ?? [];
      }
    }
    if (uris.length === 0) return;
    if (uris.length > 2) {
      void vscode.window.showErrorMessage(`vpscope: select one trace, or two (a host trace and its guest's); ${uris.length} were selected.`);
      return;
    }
    const local = uris.find((u) => u.scheme !== 'file');
    if (local) {
      void vscode.window.showErrorMessage(`vpscope: traces are read from local files; ${local.toString()} is not one.`);
      return;
    }
    let host = uris[0];
    let guest: vscode.Uri | undefined;
    if (uris.length === 2) {
      type Item = vscode.QuickPickItem & { host: vscode.Uri; guest: vscode.Uri };
      const items: Item[] = [
        { label: baseName(uris[0].fsPath), description: `host; guest: ${baseName(uris[1].fsPath)}`, host: uris[0], guest: uris[1] },
        { label: baseName(uris[1].fsPath), description: `host; guest: ${baseName(uris[0].fsPath)}`, host: uris[1], guest: uris[0] },
      ];
      const pick = await vscode.window.showQuickPick(items, { title: 'Link host and guest traces', placeHolder: 'Which is the host trace (the one with the vCPU threads)?' });
      if (!pick) return;
      host = pick.host;
      guest = pick.guest;
    }
    const c = this.languageClient();
    if (!c) return;
    let origin: TraceOrigin = { kind: 'trace', path: host.fsPath };
    if (guest) {
      const timing = await this.askLinkTiming(host, guest);
      if (!timing) return;
      origin = { ...origin, guestPath: guest.fsPath, ...timing };
    }
    await this.runTrace(c, origin, 'simulate');
  }

  /**
   * How the guest's time relates to the host's (`vpscope analyze HOST GUEST` options): found by
   * the analysis, both on the x86-tsc clock (text traces do not record their clock), or an offset
   * the user knows. Undefined when the user cancels.
   */
  private async askLinkTiming(host: vscode.Uri, guest: vscode.Uri): Promise<TraceLinkOptions | undefined> {
    type Item = vscode.QuickPickItem & { id: 'find' | 'tsc' | 'offset' };
    const items: Item[] = [
      { id: 'find', label: 'Find the alignment', detail: "From the .dat's time-sync data or its x86-tsc clock when the files have them, else from the guest's own events (the summary says which)." },
      { id: 'tsc', label: 'Both traces were recorded with the x86-tsc clock', detail: 'trace-cmd record -C x86-tsc (text traces do not say so): the host\'s kvm_write_tsc_offset events then align the guest exactly.' },
      { id: 'offset', label: 'I know the offset…', detail: 'host time = guest time + N ns (vpscope analyze --guest-offset-ns).' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Align ${baseName(guest.fsPath)} with ${baseName(host.fsPath)}`, placeHolder: 'How do the two traces\' clocks relate?', matchOnDetail: true });
    if (!pick) return undefined;
    if (pick.id === 'find') return {};
    if (pick.id === 'tsc') return { hostClock: 'x86-tsc', guestClock: 'x86-tsc' };
    const text = await vscode.window.showInputBox({
      title: `Offset of ${baseName(guest.fsPath)}`,
      prompt: 'host time = guest time + this many nanoseconds (an integer, may be negative)',
      validateInput: (v) => (parseOffsetNs(v) === undefined ? 'An integer number of nanoseconds, e.g. -1500000' : undefined),
    });
    const ns = text === undefined ? undefined : parseOffsetNs(text);
    return ns === undefined ? undefined : { guestOffsetNs: ns };
  }

  // ---- new scenarios ----------------------------------------------------------------------------

  /** A quick pick over the bundled examples; the chosen one opens as a new untitled scenario. */
  async newFromTemplate(extensionUri: vscode.Uri, label?: unknown): Promise<void> {
    const dir = vscode.Uri.joinPath(extensionUri, 'examples');
    const files: TemplateFile[] = [];
    try {
      for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
        if (type !== vscode.FileType.File || !name.endsWith('.vps')) continue;
        files.push({ name, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name))) });
      }
    } catch (e) {
      this.showError('reading the templates', e);
      return;
    }
    const templates = listTemplates(files);
    let chosen = typeof label === 'string' ? templates.find((t) => t.label === label) : undefined;
    if (!chosen) {
      type Item = vscode.QuickPickItem & { template: Template };
      const items = templates.map((t): Item => ({ label: t.label, description: t.title, detail: t.summary, template: t }));
      chosen = (await vscode.window.showQuickPick(items, { title: 'New Scenario from Template', placeHolder: 'A bundled example to start from', matchOnDescription: true, matchOnDetail: true }))?.template;
    }
    if (!chosen) return;
    const doc = await vscode.workspace.openTextDocument({ language: 'vpscope', content: chosen.text });
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  /** `vpscope analyze --scenario` in the editor: a scenario measured from a trace, in a new untitled editor. */
  async generateScenario(arg?: unknown): Promise<void> {
    const uri = await this.traceArgument(arg, 'Generate', 'Generate a scenario from a scheduling trace');
    if (!uri) return;
    const c = this.languageClient();
    if (!c) return;
    const r = await this.runTrace(c, { kind: 'trace', path: uri.fsPath }, 'skeleton');
    if (!r) return;
    if (!r.skeleton) {
      void vscode.window.showErrorMessage(`vpscope: the server sent no scenario for ${baseName(uri.fsPath)}.`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'vpscope', content: r.skeleton });
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  // ---- compare ----------------------------------------------------------------------------------

  /** Two of base / the variants, simulated together and stacked in the scenario's timeline tab. */
  async compareVariants(arg?: unknown, names?: unknown): Promise<void> {
    const target = uriArgument(arg);
    let doc = target ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString()) : vscode.window.activeTextEditor?.document;
    if (!doc && target) doc = await vscode.workspace.openTextDocument(target);
    if (!doc || doc.languageId !== 'vpscope') {
      void vscode.window.showErrorMessage('vpscope: open a .vps scenario with variants to compare them.');
      return;
    }
    const c = this.languageClient();
    if (!c) return;
    let chosen = Array.isArray(names) && names.length === 2 && names.every((n) => typeof n === 'string') ? (names as string[]) : undefined;
    if (!chosen) {
      let info;
      try {
        info = await c.sendRequest(ScenarioRequest.type, { textDocument: { uri: doc.uri.toString() } });
      } catch (e) {
        this.showError('reading the scenario', e);
        return;
      }
      const name = baseName(doc.uri.path);
      if (!info || info.errors > 0 || !info.scenario) {
        void vscode.window.showErrorMessage(`vpscope: ${name} has ${info?.errors ?? 0} error(s) or nothing to simulate; fix it before comparing.`, 'Show Problems').then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
        });
        return;
      }
      if (info.variants.length === 0) {
        void vscode.window.showInformationMessage(`vpscope: ${name} declares no variant to compare with base (add a \`variant NAME { ... }\` block).`);
        return;
      }
      const described = new Map(info.scenario.variants.map((v) => [v.name, v.description]));
      const items: vscode.QuickPickItem[] = [
        { label: 'base', description: 'the scenario without variants', picked: true },
        ...info.variants.map((v, i): vscode.QuickPickItem => ({ label: v, description: described.get(v) ?? 'variant', picked: i === 0 })),
      ];
      const picked = await vscode.window.showQuickPick(items, { title: `Compare variants of ${name}`, placeHolder: 'Pick two: they are stacked in the timeline (in the order the scenario declares them)', canPickMany: true });
      if (!picked) return;
      if (picked.length !== 2) {
        void vscode.window.showErrorMessage(`vpscope: pick exactly two to compare (${picked.length} picked).`);
        return;
      }
      chosen = picked.map((p) => p.label);
    }
    await this.runSimulation(c, doc, { variants: chosen }, 'timeline');
  }

  // ---- report ---------------------------------------------------------------------------------

  /** HTML (as `--html`), Chrome trace (as `--chrome-trace`) or CSV of the last result, where the user says. */
  async exportReport(extensionUri: vscode.Uri, format?: unknown): Promise<void> {
    const last = this.results.last;
    if (!last) {
      void vscode.window.showInformationMessage('vpscope: nothing to export yet. Run "vpscope: Simulate Scenario" or "vpscope: Analyze Trace…" first.');
      return;
    }
    const kind = last.source.kind;
    type Item = vscode.QuickPickItem & { format: ReportFormat };
    const items: Item[] = [
      { label: 'HTML report', description: 'the timeline view in one offline file (as --html)', format: 'html' },
      { label: 'Chrome trace', description: 'JSON for Perfetto / chrome://tracing (as --chrome-trace)', format: 'chrome' },
      { label: 'CSV', description: kind === 'simulation' ? 'every stall of the run' : 'every finding of the trace', format: 'csv' },
    ];
    const chosen = items.find((i) => i.format === format)?.format ?? (await vscode.window.showQuickPick(items, { title: `Export a report of ${last.name}`, placeHolder: 'Format' }))?.format;
    if (!chosen) return;
    if (chosen === 'chrome') return this.exportChromeTrace(last);
    const source = last.source;
    const sourceUri = source.kind === 'simulation' ? vscode.Uri.parse(source.uri) : vscode.Uri.file(source.path);
    const folder = sourceUri.scheme === 'file' ? vscode.Uri.joinPath(sourceUri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = reportFileName(last.name, chosen, kind);
    const target = await vscode.window.showSaveDialog({
      title: chosen === 'html' ? 'Export an HTML report (opens offline in a browser)' : 'Export CSV',
      saveLabel: 'Export',
      filters: chosen === 'html' ? { 'HTML': ['html'] } : { 'CSV': ['csv'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {}),
    });
    if (!target) return;
    let bytes: Uint8Array;
    let note = '';
    if (chosen === 'csv') {
      if (last.json === undefined) {
        void vscode.window.showErrorMessage(`vpscope: the result of ${last.name} is too large to keep in the editor (its JSON is in ${last.jsonFile ?? 'a file'}); use vpscope analyze on the command line.`);
        return;
      }
      const csv = kind === 'simulation' ? runStallsCsv(last.json) : traceFindingsCsv(last.json);
      if (csv.omitted) note = ` ${csv.omitted} more rows left out (cap).`;
      bytes = new TextEncoder().encode(csv.text);
    } else {
      const c = this.languageClient();
      if (!c) return;
      let view: ViewDocument | undefined;
      if (source.kind === 'simulation') {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === source.uri) ?? (await vscode.workspace.openTextDocument(sourceUri));
        if (doc.version !== source.version) note = ' The scenario changed since the last run: this is the current text.';
        view = (await this.runSimulation(c, doc, source.options, 'html'))?.view;
      } else {
        view = (await this.runTrace(c, source, 'html'))?.view;
      }
      if (!view) return;
      try {
        // The report opens as a new tab would (vpscope.timeline.*: derived tracks, panel, log scale).
        const initial = timelineDefaults(vscode.workspace.getConfiguration('vpscope.timeline'));
        bytes = new TextEncoder().encode(renderHtmlReport(view, loadWebviewAssets([vscode.Uri.joinPath(extensionUri, 'dist').fsPath]), initial));
      } catch (e) {
        this.showError('writing the HTML report', e);
        return;
      }
    }
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
    } catch (e) {
      void vscode.window.showErrorMessage(`vpscope: cannot write ${target.toString(true)}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    void vscode.window.showInformationMessage(`Wrote ${baseName(target.path)} (${sizeText(bytes.length)}).${note}`, 'Open').then((choice) => {
      if (choice === 'Open') void (chosen === 'html' ? vscode.env.openExternal(target) : vscode.commands.executeCommand('vscode.open', target));
    });
  }

  private async runTrace(
    c: LanguageClient,
    origin: TraceOrigin,
    mode: RunMode | 'skeleton',
    exportChromeTrace?: string,
  ): Promise<{ stored: StoredResult; chrome?: WrittenFile; view?: ViewDocument; skeleton?: string } | undefined> {
    const { path, guestPath } = origin;
    const name = guestPath ? `${baseName(path)} + ${baseName(guestPath)}` : baseName(path);
    // The link options travel with the origin, so a restored tab or an export runs the same link.
    const link = guestPath ? { guestPath, ...traceLinkOptions(origin) } : {};
    const skeleton = mode === 'skeleton';
    const view = mode !== 'chrome' && !skeleton;
    const tab = view && mode !== 'html';
    if (tab) this.timelines.status(origin, `Analyzing ${name}…`, true);
    let r;
    try {
      const title = exportChromeTrace ? `Exporting the Chrome trace of ${name}` : skeleton ? `Measuring a scenario from ${name}` : `Analyzing ${name}`;
      r = await this.withProgress(c, title, (token, workDoneToken) =>
        c.sendRequest(
          AnalyzeTraceRequest.type,
          { path, workDoneToken, ...link, ...(exportChromeTrace ? { exportChromeTrace } : {}), ...(view ? { view: true } : {}), ...(skeleton ? { skeleton: true } : {}) },
          token,
        ),
      );
    } catch (e) {
      if (tab) this.timelines.status(origin, `Analyzing ${name} failed: ${e instanceof Error ? e.message : String(e)}`, false);
      this.showError(`analyzing ${name}`, e);
      return undefined;
    }
    if (!r) {
      if (tab) this.timelines.status(origin, 'Cancelled.', false);
      return undefined;
    }
    if (skeleton) return { stored: this.results.addTrace(r, name, origin), skeleton: r.skeleton };
    const stored = this.results.addTrace(r, name, origin);
    const viewDoc = r.view ? { ...r.view, origin: r.view.origin ?? origin } : undefined;
    if (mode === 'simulate') await this.results.showSummary(stored);
    if (viewDoc && mode !== 'restore' && mode !== 'html') this.timelines.show(viewDoc, origin);
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
      written = (await this.runTrace(c, source, 'chrome', target.fsPath))?.chrome;
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

