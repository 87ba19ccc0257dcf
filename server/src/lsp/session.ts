/**
 * The language server's handlers: LSP in, plain core calls, LSP out. Each handler finds the
 * document, gets its analysis for the current version from the cache, converts the position with
 * `fromLsp`, calls one function of `ide/` and converts the answer with `toLsp`. Nothing here
 * knows the language; everything here knows the protocol.
 */
import {
  DiagnosticSeverity,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  PublishDiagnosticsNotification,
  type CancellationToken,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentDiagnosticReport,
  type InitializeParams,
  type InitializeResult,
  type PublishDiagnosticsParams,
  type SymbolInformation,
  type WorkspaceSymbol,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Codes, codeHref } from '../model/codes';
import { documentLength, editableDocuments } from './editableDocument';
import { blocksSimulation, type Diagnostic } from '../core/diagnostic';
import { clipLabel } from '../core/text';
import { quickFixes } from '../ide/codeActions';
import { limitLenses, measuredLenses, simulateLenses, variantName, type MeasuredSummary } from '../ide/codeLens';
import { completions } from '../ide/completion';
import { foldingLimited } from '../ide/folding';
import { MAX_CODE_LENSES, MAX_FOLDING_REGIONS, MAX_OUTLINE_ITEMS, MAX_REFERENCES } from '../ide/limits';
import { formatEdits } from '../ide/format';
import { hoverAt } from '../ide/hover';
import { definitionAt, highlightsLimited, prepareRename, referencesLimited, renameAt } from '../ide/navigation';
import { outlineLimited, workspaceSymbols, type WorkspaceSymbolEntry } from '../ide/outline';
import { selectionChain } from '../ide/selection';
import type { VariantResult } from '../sim/result';
import { reconcileWithRun } from '../analysis/reconcile';
import { runDiagnostics as computeRunDiagnostics } from '../report/runDiagnostics';
import { withStallRelated } from '../report/runRelated';
import type { SeverityOverrides, SeverityThresholds } from '../model/findingSettings';
import {
  AnalyzeTraceRequest,
  BACKGROUND_SIMULATION_DEFAULTS,
  BackgroundSimulationNotification,
  ScenarioRequest,
  SimulateRequest,
  type AnalyzeTraceParams,
  type AnalyzeTraceResult,
  type BackgroundSimulationParams,
  type BackgroundSimulationSettings,
  type ScenarioResult,
  type SimulateParams,
  type SimulateResult,
} from '../shared/protocol';
import { readClientFeatures, serverCapabilities, type ClientFeatures } from './capabilities';
import { fromLsp, toLsp, type PositionMapper } from './convert';
import { registerEditing } from './editing';
import { AnalysisCache, type AnalyzedDocument, type Depth, type Prepare } from './documents';
import { internalError, RunManager, type WorkerFiles } from './runs';
import { simulationDefaults, traceDefaults, type SimulationDefaults, type TraceDefaults } from './runSettings';
import { MAX_FILE_BYTES, WorkspaceFiles } from './workspaceFiles';

/** What completion, hover, navigation and the other requests about the text need (not the lowering). */
const SYNTAX = { depth: 'syntax' } as const;

/** Quiet time after the last keystroke before diagnostics are recomputed and pushed. */
export const DIAGNOSTICS_DEBOUNCE_MS = 150;
/** Bounds on `initializationOptions.diagnosticsQuietMs`, the quiet time a client may ask for instead. */
export const DIAGNOSTICS_QUIET_LIMITS = [20, 10_000] as const;

/** The quiet time `initializationOptions.diagnosticsQuietMs` asks for (a whole number of ms within bounds), else the default. */
export function diagnosticsQuietMs(init: unknown): number {
  const v = init && typeof init === 'object' ? (init as { diagnosticsQuietMs?: unknown }).diagnosticsQuietMs : undefined;
  return typeof v === 'number' && Number.isInteger(v) && v >= DIAGNOSTICS_QUIET_LIMITS[0] && v <= DIAGNOSTICS_QUIET_LIMITS[1] ? v : DIAGNOSTICS_DEBOUNCE_MS;
}
/** Bounds on the background-simulation settings (a typo must not turn it into a busy loop or a 1-hour run). */
const BACKGROUND_LIMITS = { debounceMs: [0, 60_000], maxSimulatedMs: [1, 3_600_000], wallMs: [50, 600_000] } as const;

/** The settings merged over the defaults; anything not a number/boolean of range is ignored. */
export function backgroundSettings(raw: unknown, base: Required<BackgroundSimulationSettings> = BACKGROUND_SIMULATION_DEFAULTS): Required<BackgroundSimulationSettings> {
  const out = { ...base };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  if (typeof r.enabled === 'boolean') out.enabled = r.enabled;
  for (const k of ['debounceMs', 'maxSimulatedMs', 'wallMs'] as const) {
    const v = r[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = Math.min(BACKGROUND_LIMITS[k][1], Math.max(BACKGROUND_LIMITS[k][0], v));
  }
  return out;
}

/** `vpscope.diagnostics.*` as the server applies it (static and run diagnostics). */
export interface DiagnosticsSettings {
  /** Code -> severity or `off` (`information` read as `info`). */
  severities: SeverityOverrides;
  /** Stall thresholds (ns, shares 0-1); missing ones stay at DEFAULT_THRESHOLDS. */
  thresholds: Partial<SeverityThresholds>;
  /** `maxDocumentMB`: documents longer than this many characters are not analysed live (VPS148). */
  maxDocumentChars: number;
}

/** `vpscope.diagnostics.maxDocumentMB` by default: the bound of the workspace symbol index (workspaceFiles.ts, 4 MB per file). */
export const DEFAULT_MAX_DOCUMENT_MB = MAX_FILE_BYTES / (1024 * 1024);
const MAX_DOCUMENT_MB_LIMITS = [0.001, 1024] as const;

const SEVERITY_SETTING: Readonly<Record<string, SeverityOverrides[string]>> = { error: 'error', warning: 'warning', information: 'info', info: 'info', hint: 'hint', off: 'off' };

/**
 * `{ severity: { CODE: level }, stallThresholds: { warnLongestMs, warnSharePercent, hintLongestMs,
 * hintSharePercent } }` read leniently: unknown codes or levels, non-numbers, negative or
 * non-finite numbers, times above an hour and shares above 100% are ignored (the default stays).
 */
export function diagnosticsSettings(raw: unknown): DiagnosticsSettings {
  const out: DiagnosticsSettings = { severities: {}, thresholds: {}, maxDocumentChars: DEFAULT_MAX_DOCUMENT_MB * 1024 * 1024 };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  const mb = r.maxDocumentMB;
  if (typeof mb === 'number' && mb >= MAX_DOCUMENT_MB_LIMITS[0] && mb <= MAX_DOCUMENT_MB_LIMITS[1]) out.maxDocumentChars = Math.round(mb * 1024 * 1024);
  const sev: Record<string, SeverityOverrides[string]> = {};
  if (r.severity && typeof r.severity === 'object') {
    for (const [k, v] of Object.entries(r.severity as Record<string, unknown>)) {
      const code = k.trim().toUpperCase();
      if (!/^VPS\d{3}$/.test(code) || typeof v !== 'string') continue;
      const name = v.trim().toLowerCase();
      if (Object.hasOwn(SEVERITY_SETTING, name)) sev[code] = SEVERITY_SETTING[name];
    }
  }
  out.severities = sev;
  const t = r.stallThresholds;
  if (t && typeof t === 'object') {
    const num = (v: unknown, max = Number.POSITIVE_INFINITY) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : undefined);
    const o = t as Record<string, unknown>;
    // At most an hour (no stall is longer than a run the editor makes).
    const wl = num(o.warnLongestMs, 3_600_000);
    const ws = num(o.warnSharePercent, 100);
    const hl = num(o.hintLongestMs, 3_600_000);
    const hs = num(o.hintSharePercent, 100);
    if (wl !== undefined) out.thresholds.warnLongestNs = Math.round(wl * 1e6);
    if (ws !== undefined) out.thresholds.warnShare = ws / 100;
    if (hl !== undefined) out.thresholds.hintLongestNs = Math.round(hl * 1e6);
    if (hs !== undefined) out.thresholds.hintShare = hs / 100;
  }
  return out;
}

/** Per variant: worst p99 over latency tasks, stall count, simulated time, the bound hit. */
export function measuredSummaries(results: readonly VariantResult[], declaredNs: ReadonlyMap<string, number>): MeasuredSummary[] {
  return results.map((r) => {
    let worst: { ns: number; name?: string } = { ns: 0 };
    for (const t of r.tasks) if (t.measures === 'latency' && t.latency.count > 0 && t.latency.p99 >= worst.ns) worst = { ns: t.latency.p99, name: t.name };
    return { variant: r.name, worstP99Ns: worst.ns, worstTask: worst.name, stalls: r.stallSummary.count, simulatedNs: r.stop.simulatedNs, bound: boundHit(r, declaredNs.get(r.name)) };
  });
}

/** What stopped a background run short of the scenario's own duration, if anything. */
function boundHit(r: VariantResult, declaredNs: number | undefined): string | undefined {
  if (r.stop.reason === 'wall_limit') return 'wall time';
  if (r.stop.reason === 'max_events') return 'max_events';
  if (r.stop.reason === 'timeline_limit') return 'timeline size';
  if (r.stop.reason !== 'completed') return r.stop.reason;
  if (declaredNs !== undefined && r.durationNs < declaredNs) return 'simulated time';
  return undefined;
}

/** Workspace symbols: at most this many answers (the editor filters further as the user types). */
const MAX_WORKSPACE_SYMBOLS = 500;

export interface SessionOptions {
  version: string;
  /** The worker bundles for simulations and trace analysis (`dist/simWorker.js`, `dist/traceWorker.js`). */
  workers: WorkerFiles;
  /** `file://` URI (trailing `/`) of the folder with docs/codes.md: `codeDescription.href` base. */
  docsBase?: string;
  /**
   * Encodes a notification ahead of time (transport.ts `PreparedEncoder`, over a byte stream): the
   * diagnostics of a version are encoded during the quiet time, so that only the write is left
   * when it ends. Without it they are encoded when sent (node IPC serialises messages itself).
   */
  prepareNotification?: (method: string, params: object) => void;
}

export interface Session {
  /** Stops everything (jobs, indexing); true when every worker stopped within `timeoutMs`. */
  stop(timeoutMs: number): Promise<boolean>;
}

export function startSession(connection: Connection, options: SessionOptions): Session {
  // Our document model: an edit costs O(change + chunk), not a copy of the text (editableDocument.ts).
  const documents = new TextDocuments(editableDocuments);
  const cache = new AnalysisCache((uri) => ({ uri, severities: diagSettings.severities }));
  // Indexed in the trace worker (a large file is analysed off this thread).
  const workspace = new WorkspaceFiles(options.workers.trace);
  let features: ClientFeatures | undefined;
  let shuttingDown = false;
  /**
   * Diagnostics of the last simulation of each document (stalls and findings on source lines),
   * valid for the version that was simulated: shown with the static ones until the next edit,
   * and the results, which the static ones of that version are reconciled with.
   */
  const runDiagnostics = new Map<string, { version: number; diagnostics: Diagnostic[]; results: readonly VariantResult[]; seq: number; explicit: boolean }>();
  /** Per document: its diagnostics converted for the client, and what they were made from (`lspDiagnostics`). */
  const converted = new Map<string, { a: AnalyzedDocument; statics: readonly Diagnostic[]; runSeq: number; caps: ClientFeatures['convert']; items: LspDiagnostic[]; params?: PublishDiagnosticsParams }>();
  /** `vpscope.diagnostics.*`; `settingsSeq` changes with them (pull result ids). */
  let diagSettings = diagnosticsSettings(undefined);
  /** The diagnostics' quiet time (`initializationOptions.diagnosticsQuietMs`, read once). */
  let quietMs = DIAGNOSTICS_DEBOUNCE_MS;
  let settingsSeq = 0;
  let runSeq = 0;
  /** `vpscope.backgroundSimulation.*`, from initializationOptions, then didChangeConfiguration. */
  let background = BACKGROUND_SIMULATION_DEFAULTS;
  /** `vpscope.simulation.*` and `vpscope.traceAnalysis.*` (read by each run: changes apply to the next one). */
  let simDefaults: SimulationDefaults = {};
  let traceSettings: TraceDefaults = {};
  /** Per document: the pending debounce timer and the running background simulation. */
  const backgroundJobs = new Map<string, { timer?: ReturnType<typeof setTimeout>; stop?: () => void }>();
  /** Per document: what the last background simulation measured (for the code lenses). */
  const measured = new Map<string, { version: number; summaries: MeasuredSummary[] }>();

  const feat = (): ClientFeatures => {
    if (!features) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'server not initialized');
    return features;
  };

  const runs = new RunManager({
    connection,
    features: feat,
    analyzed: (uri, token) => analyzed(uri, token),
    notAnalyzedBecause: (uri) => {
      const doc = documents.get(uri);
      return doc && tooLarge(doc) ? `this document (${sizes(doc)[0]} MB) is larger than vpscope.diagnostics.maxDocumentMB (${sizes(doc)[1]} MB): raise the setting to simulate it here, or run \`vpscope simulate\` on the file` : undefined;
    },
    runOptions: () => ({ thresholds: diagSettings.thresholds, severities: diagSettings.severities }),
    setRunDiagnostics: (uri, version, diagnostics, results) => setRunDiagnostics(uri, version, diagnostics, results, true),
    workers: options.workers,
    simulationDefaults: () => simDefaults,
    traceDefaults: () => traceSettings,
  });

  /**
   * The open document and its analysis, or undefined for a URI the client did not open. `full`:
   * the hazard checks are needed (diagnostics, quick fixes); `depth: 'syntax'`: the parse,
   * statements and symbols are enough (completion, hover, navigation...); otherwise `light`
   * (everything but the hazard checks: inlay hints, code lenses, runs).
   */
  async function analyzed(uri: string, token?: CancellationToken, options: { full?: boolean; depth?: Depth } = {}): Promise<AnalyzedDocument | undefined> {
    const doc = documents.get(uri);
    if (!doc || tooLarge(doc)) return undefined;
    if (cache.isStale(doc, options) && token) {
      // Analysing a large file takes a while: let a pending $/cancelRequest arrive first.
      await new Promise((r) => setImmediate(r));
      checkCancelled(token);
    }
    const a = cache.get(documents.get(uri) ?? doc, options);
    cache.postpone(uri);
    return a;
  }

  /**
   * Longer than `vpscope.diagnostics.maxDocumentMB`: not analysed as it is typed. Every feature
   * answers as for a document that is not open, the diagnostics are the one warning of
   * `tooLargeDiagnostic`, no background simulation runs.
   */
  function tooLarge(doc: TextDocument): boolean {
    return documentLength(doc) > diagSettings.maxDocumentChars;
  }
  /** The document's size and the bound, in MB, for the messages saying it is too large. */
  function sizes(doc: TextDocument): [string, string] {
    return [sizeMb(documentLength(doc)), sizeMb(diagSettings.maxDocumentChars)];
  }
  function tooLargeDiagnostic(doc: TextDocument): LspDiagnostic {
    const caps = feat().convert;
    const d: LspDiagnostic = {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Warning,
      code: Codes.tooLargeForLiveAnalysis,
      source: 'vpscope',
      message: `This document (${sizes(doc)[0]} MB) is larger than the ${sizes(doc)[1]} MB vpscope analyses as you type: no diagnostics, completion or hover for it. Raise the setting \`vpscope.diagnostics.maxDocumentMB\` to analyse it, or run \`vpscope check\` on the file.`,
    };
    if (caps.codeDescriptionBase) d.codeDescription = { href: caps.codeDescriptionBase + codeHref(Codes.tooLargeForLiveAnalysis) };
    return d;
  }

  const cancelledError = () => new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
  function checkCancelled(token: CancellationToken | undefined): void {
    if (token?.isCancellationRequested) throw cancelledError();
  }

  /** Longest stack logged for a handler's exception (an assumption: V8's 10 frames fit in 2 KB; the rest is a message quoting the request). */
  const MAX_LOGGED_STACK = 16 * 1024;

  /** Wraps a handler so that a programmer error is logged with its stack and answered as an error. */
  function guarded<P, R>(name: string, fn: (params: P, token: CancellationToken) => R | Promise<R>) {
    return async (params: P, token: CancellationToken): Promise<R> => {
      try {
        return await fn(params, token);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        // The log keeps the stack, bounded too (a message may quote a 10 MB request).
        const stack = `vpscope ${name}: ${(e as Error)?.stack ?? String(e)}`;
        connection.console.error(stack.length > MAX_LOGGED_STACK ? `${stack.slice(0, MAX_LOGGED_STACK)}... (${stack.length} characters)` : stack);
        throw internalError(`vpscope ${name}`, e);
      }
    };
  }

  /**
   * A whole-file answer cut at its bound (ide/limits.ts): said once per document and kind in the
   * server's log, so that a missing tail of the outline or of the folding has an explanation.
   */
  const limitedNoted = new Set<string>();
  function noteLimited(kind: string, uri: string, bound: string): void {
    const key = `${kind} ${uri}`;
    if (limitedNoted.has(key)) return;
    limitedNoted.add(key);
    connection.console.info(`vpscope: the ${kind} of ${uri} is limited to its first ${bound} (docs/lsp.md, "Huge documents")`);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    features = readClientFeatures(params, options.docsBase);
    const init = params.initializationOptions as { backgroundSimulation?: unknown; diagnostics?: unknown; simulation?: unknown; traceAnalysis?: unknown; inlayHints?: unknown } | undefined;
    background = backgroundSettings(init?.backgroundSimulation);
    simDefaults = simulationDefaults(init?.simulation);
    traceSettings = traceDefaults(init?.traceAnalysis);
    editing.applyInlayHintSettings(init?.inlayHints, { refresh: false });
    diagSettings = diagnosticsSettings(init?.diagnostics);
    quietMs = diagnosticsQuietMs(init);
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspace.setFolders(folders);
    return { capabilities: serverCapabilities(features), serverInfo: { name: 'vpscope', version: options.version } };
  });

  connection.onInitialized(() => {
    if (features?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) workspace.removeFolder(f.uri);
        for (const f of e.added) workspace.addFolder(f.uri);
      });
    }
  });

  // Push (`settings.vpscope.backgroundSimulation` / `.diagnostics`, what VS Code sends with
  // `synchronize.configurationSection`) or, when the push carries neither and the client has
  // `workspace/configuration`, pull the sections.
  connection.onDidChangeConfiguration((change) => {
    const pushed = (change?.settings as { vpscope?: { backgroundSimulation?: unknown; diagnostics?: unknown; simulation?: unknown; traceAnalysis?: unknown; inlayHints?: unknown } } | undefined)?.vpscope;
    if (pushed?.simulation !== undefined) applySimulationSettings(pushed.simulation);
    if (pushed?.traceAnalysis !== undefined) traceSettings = traceDefaults(pushed.traceAnalysis);
    if (pushed?.backgroundSimulation !== undefined) applyBackgroundSettings(pushed.backgroundSimulation);
    if (pushed?.diagnostics !== undefined) applyDiagnosticsSettings(pushed.diagnostics);
    if (pushed?.inlayHints !== undefined) editing.applyInlayHintSettings(pushed.inlayHints);
    const none = [pushed?.backgroundSimulation, pushed?.diagnostics, pushed?.inlayHints, pushed?.simulation, pushed?.traceAnalysis].every((x) => x === undefined);
    if (none && features?.configuration) {
      connection.workspace.getConfiguration('vpscope.inlayHints').then(
        (v: unknown) => v != null && editing.applyInlayHintSettings(v),
        () => undefined,
      );
      connection.workspace.getConfiguration('vpscope.backgroundSimulation').then(
        (v: unknown) => v != null && applyBackgroundSettings(v),
        () => undefined,
      );
      connection.workspace.getConfiguration('vpscope.diagnostics').then(
        (v: unknown) => v != null && applyDiagnosticsSettings(v),
        () => undefined,
      );
      connection.workspace.getConfiguration('vpscope.simulation').then(
        (v: unknown) => v != null && applySimulationSettings(v),
        () => undefined,
      );
      connection.workspace.getConfiguration('vpscope.traceAnalysis').then(
        (v: unknown) => {
          if (v != null) traceSettings = traceDefaults(v);
        },
        () => undefined,
      );
    }
  });

  /** New `vpscope.simulation.*`: the next runs use it; the background simulation runs again when it changed. */
  function applySimulationSettings(raw: unknown): void {
    const next = simulationDefaults(raw);
    if (JSON.stringify(next) === JSON.stringify(simDefaults)) return;
    simDefaults = next;
    if (!background.enabled || shuttingDown) return;
    for (const doc of documents.all()) scheduleBackground(doc.uri);
  }

  /**
   * New `vpscope.diagnostics.*`: analyses are redone with the new severities, the kept run
   * diagnostics recomputed from their results with the new thresholds, and all republished.
   */
  function applyDiagnosticsSettings(raw: unknown): void {
    const next = diagnosticsSettings(raw);
    if (JSON.stringify(next) === JSON.stringify(diagSettings)) return;
    diagSettings = next;
    settingsSeq++;
    cache.invalidate();
    for (const [uri, run] of runDiagnostics) {
      const doc = documents.get(uri);
      if (!doc || doc.version !== run.version || tooLarge(doc)) continue;
      const suppressions = cache.get(doc, { full: true }).ide.analysis.suppressions;
      run.diagnostics = withStallRelated(computeRunDiagnostics(run.results, { suppressions, ...diagSettings }), run.results);
      run.seq = ++runSeq;
    }
    const f = feat();
    if (!f.pullDiagnostics) for (const doc of documents.all()) publishDiagnostics(doc.uri);
    else if (f.diagnosticRefresh) void connection.languages.diagnostics.refresh();
  }

  connection.onShutdown(() => {
    shuttingDown = true;
    for (const uri of [...backgroundJobs.keys()]) cancelBackground(uri);
    for (const uri of [...quietWaiters.keys()]) endQuiet(uri);
    runs.dispose();
    cache.dispose();
    workspace.dispose();
  });

  // ---- documents and diagnostics ----------------------------------------------------------

  function publishDiagnostics(uri: string): void {
    const doc = documents.get(uri);
    if (!doc || shuttingDown) return;
    if (tooLarge(doc)) {
      void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [tooLargeDiagnostic(doc)] });
      return;
    }
    try {
      const a = cache.get(doc, { full: true });
      void connection.sendDiagnostics(publication(uri, a));
    } catch (e) {
      connection.console.error(`vpscope diagnostics: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /**
   * Half-way through the debounce: the analysis short of the hazard checks; then, each in a later
   * turn of the event loop, the hazard checks, the conversion of the diagnostics for the client
   * and (push, over a byte stream) the encoding of their notification, so that only its write is
   * left when the quiet time ends. Each edit restarts the timers and drops the
   * step not run yet (no work while typing); a request does too (`postpone`), so a completion
   * asked between the two steps does not wait behind the hazards.
   */
  function prepareDiagnostics(uri: string): Prepare | void {
    const doc = documents.get(uri);
    if (!doc || shuttingDown || tooLarge(doc)) return;
    try {
      cache.get(doc, { depth: 'light' });
    } catch (e) {
      connection.console.error(`vpscope diagnostics: ${(e as Error)?.stack ?? String(e)}`);
      return;
    }
    return () => {
      const now = documents.get(uri);
      if (!now || now.version !== doc.version || shuttingDown) return;
      let a: AnalyzedDocument;
      try {
        a = cache.get(now, { full: true });
      } catch (e) {
        connection.console.error(`vpscope diagnostics: ${(e as Error)?.stack ?? String(e)}`);
        return;
      }
      // Then the conversion, and (push, over a byte stream) the encoding, each in a later turn.
      return () => {
        if (documents.get(uri) !== now || now.version !== a.version || shuttingDown) return;
        const f = feat();
        if (f.pullDiagnostics) {
          lspDiagnostics(uri, a);
          return;
        }
        const params = publication(uri, a);
        const encode = options.prepareNotification;
        if (!encode) return;
        return () => {
          const c = converted.get(uri);
          if (c?.params === params && documents.get(uri) === now && !shuttingDown) encode(PublishDiagnosticsNotification.method, params);
        };
      };
    };
  }

  /**
   * The diagnostics of the analysed version `a` converted for the client, kept per document for
   * as long as nothing they are made of changes (the version's analysis object and its list of
   * diagnostics, which each stage replaces, the run diagnostics shown with it, the client's
   * capabilities): the quiet time after an edit converts
   * them (`prepareDiagnostics`), the publication or the pull at its end uses them.
   */
  function lspDiagnostics(uri: string, a: AnalyzedDocument): LspDiagnostic[] {
    const caps = feat().convert;
    const run = runDiagnostics.get(uri);
    const runSeq = run && run.version === a.version ? run.seq : -1;
    const statics = a.ide.analysis.diagnostics;
    const c = converted.get(uri);
    if (c && c.a === a && c.statics === statics && c.runSeq === runSeq && c.caps === caps) return c.items;
    const items = withRunDiagnostics(uri, a).map((d) => toLsp.diagnostic(a.doc, uri, d, caps));
    converted.set(uri, { a, statics, runSeq, caps, items });
    return items;
  }

  /** The `publishDiagnostics` params of `a` (the same object while its diagnostics are, so that one encoded ahead is used). */
  function publication(uri: string, a: AnalyzedDocument): PublishDiagnosticsParams {
    const items = lspDiagnostics(uri, a);
    const c = converted.get(uri)!;
    if (c.params && c.params.diagnostics === items) return c.params;
    c.params = { uri, version: a.version, diagnostics: items };
    return c.params;
  }

  /**
   * The static diagnostics of the analysed version, plus the run diagnostics of that version; with
   * a simulation of that version, the static ones are reconciled with it (docs/hazards.md:
   * confirmed ones carry the measured number, ones a completed run never shows step down).
   */
  function withRunDiagnostics(uri: string, a: AnalyzedDocument): Diagnostic[] {
    const run = runDiagnostics.get(uri);
    if (!run || run.version !== a.version) return a.ide.analysis.diagnostics;
    const statics = reconcileWithRun(a.ide.analysis.diagnostics, run.results, a.ide.analysis.scenario).map((r) => r.diagnostic);
    return [...statics, ...run.diagnostics];
  }

  /**
   * A simulation finished: show what it found on the lines of the version it simulated.
   * `explicit`: from a command the user ran (Simulate, Show Timeline...). A background result never
   * replaces an explicit run's diagnostics of the same version: the user asked for that run (e.g.
   * one variant) and sees its stalls until the next edit, even when a background run of the same
   * version (all variants), started before or after it, ends later.
   */
  function setRunDiagnostics(uri: string, version: number, diagnostics: Diagnostic[], results: readonly VariantResult[], explicit: boolean): void {
    const doc = documents.get(uri);
    if (!doc || doc.version !== version || shuttingDown) return; // Edited meanwhile: stale already.
    if (diagnostics.length === 0 && results.length === 0 && !runDiagnostics.has(uri)) return;
    const shown = runDiagnostics.get(uri);
    if (!explicit && shown?.explicit && shown.version === version) return;
    // Kept for reconciling only: without the timelines (a Simulate command's can be large).
    const kept = results.map(({ timeline: _t, ...r }) => r as VariantResult);
    runDiagnostics.set(uri, { version, diagnostics, results: kept, seq: ++runSeq, explicit });
    const f = feat();
    if (!f.pullDiagnostics) publishDiagnostics(uri);
    else if (f.diagnosticRefresh) void connection.languages.diagnostics.refresh();
  }

  // ---- background simulation (simulated findings while typing) --------------------------------

  function applyBackgroundSettings(raw: unknown): void {
    const was = background.enabled;
    background = backgroundSettings(raw, background);
    if (was && !background.enabled) {
      for (const doc of documents.all()) {
        cancelBackground(doc.uri);
        notifyBackground({ uri: doc.uri, version: doc.version, state: 'off', message: 'background simulation is off (vpscope.backgroundSimulation.enabled)' });
        measured.delete(doc.uri);
      }
    } else if (!was && background.enabled) {
      for (const doc of documents.all()) scheduleBackground(doc.uri);
    }
  }

  function notifyBackground(p: BackgroundSimulationParams): void {
    if (!shuttingDown) void connection.sendNotification(BackgroundSimulationNotification.method, p);
  }

  /** Drops the pending run of `uri` and terminates the running one (its result is never published). */
  function cancelBackground(uri: string): void {
    const j = backgroundJobs.get(uri);
    if (!j) return;
    clearTimeout(j.timer);
    j.stop?.();
    backgroundJobs.delete(uri);
  }

  /** After `debounceMs` of quiet, simulates the current version of `uri` (an edit restarts the wait). */
  function scheduleBackground(uri: string): void {
    cancelBackground(uri);
    if (!background.enabled || shuttingDown) return;
    const entry: { timer?: ReturnType<typeof setTimeout>; stop?: () => void } = {};
    entry.timer = setTimeout(() => void runBackground(uri, entry), background.debounceMs);
    backgroundJobs.set(uri, entry);
  }

  async function runBackground(uri: string, entry: { stop?: () => void }): Promise<void> {
    const doc = documents.get(uri);
    if (!doc || backgroundJobs.get(uri) !== entry || shuttingDown) return;
    if (tooLarge(doc)) {
      backgroundJobs.delete(uri);
      notifyBackground({ uri, version: doc.version, state: 'skipped', message: 'not simulated: the document is larger than vpscope.diagnostics.maxDocumentMB' });
      return;
    }
    const a = cache.get(doc, { full: true });
    const version = a.version;
    const analysis = a.ide.analysis;
    const errors = analysis.diagnostics.filter(blocksSimulation).length;
    if (errors > 0 || !analysis.scenario) {
      backgroundJobs.delete(uri);
      notifyBackground({ uri, version, state: 'skipped', message: errors > 0 ? `not simulated: ${errors} error${errors === 1 ? '' : 's'}` : 'not simulated: no host' });
      return;
    }
    const scenario = analysis.scenario;
    const declared = new Map<string, number>([['base', scenario.settings.durationNs], ...scenario.variants.map((v): [string, number] => [v.name, v.scenario.settings.durationNs])]);
    // The scenario's own `wall_limit` still applies when it is the smaller.
    const budget = { maxDurationNs: Math.round(background.maxSimulatedMs * 1e6), wallMs: Math.round(Math.min(background.wallMs, scenario.settings.wallLimitMs)) };
    const job = runs.background(uri, a.ide.text, budget, analysis.suppressions);
    entry.stop = job.stop;
    notifyBackground({ uri, version, state: 'simulating', message: `simulating ${declared.size} variant${declared.size === 1 ? '' : 's'} (budget ${background.maxSimulatedMs} ms simulated, ${background.wallMs} ms wall)` });
    let answer: Awaited<typeof job.promise>;
    try {
      answer = await job.promise;
    } catch (e) {
      if (backgroundJobs.get(uri) === entry) {
        backgroundJobs.delete(uri);
        const message = (e as Error)?.message ?? String(e);
        if (!/cancel|superseded|shutting down/.test(message)) notifyBackground({ uri, version, state: 'failed', message: `background simulation failed: ${message}` });
      }
      return;
    }
    if (backgroundJobs.get(uri) !== entry) return; // Cancelled by an edit after the result was on its way.
    backgroundJobs.delete(uri);
    const current = documents.get(uri);
    if (!current || current.version !== version) return; // Stale: never published.
    const summaries = measuredSummaries(answer.results, declared);
    measured.set(uri, { version, summaries });
    setRunDiagnostics(uri, version, answer.runDiagnostics, answer.results, false);
    const bounds = [...new Set(summaries.map((m) => m.bound).filter((b): b is string => b !== undefined))];
    const n = answer.runDiagnostics.length;
    const found = `${n} finding${n === 1 ? '' : 's'}`;
    notifyBackground(
      bounds.length > 0
        ? { uri, version, state: 'budget', findings: n, budget: bounds.join(', '), message: `budget hit (${bounds.join(', ')}): ${found} in the part simulated` }
        : { uri, version, state: 'done', findings: n, message: `simulated: ${found}` },
    );
    if (feat().codeLensRefresh) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  // `TextDocuments` fires onDidChangeContent right after onDidOpen; the opening publishes at once
  // (a freshly opened file wants its diagnostics now, not after a typing pause), so that first
  // content event is not debounced again.
  const justOpened = new Set<string>();
  documents.onDidOpen((e) => {
    justOpened.add(e.document.uri);
    if (feat().pullDiagnostics) return;
    cache.debounce(e.document.uri, 0, () => publishDiagnostics(e.document.uri));
  });

  documents.onDidChangeContent((e) => {
    converted.delete(e.document.uri);
    // An edit ends the run diagnostics (their lines may have moved); the next publication or
    // pull leaves them out, as it is for a newer version.
    runDiagnostics.delete(e.document.uri);
    // Also after the opening: the first run starts after the same quiet time.
    scheduleBackground(e.document.uri);
    if (justOpened.delete(e.document.uri)) return;
    if (feat().pullDiagnostics) {
      // The client pulls after each change itself: the pull waits for the same quiet time (see
      // the diagnostic handler), and the analysis short of the hazards is prepared half-way.
      cache.debounce(e.document.uri, quietMs, () => endQuiet(e.document.uri), () => prepareDiagnostics(e.document.uri));
      return;
    }
    cache.debounce(
      e.document.uri,
      quietMs,
      () => publishDiagnostics(e.document.uri),
      () => prepareDiagnostics(e.document.uri),
    );
  });

  documents.onDidClose((e) => {
    justOpened.delete(e.document.uri);
    endQuiet(e.document.uri);
    runDiagnostics.delete(e.document.uri);
    cancelBackground(e.document.uri);
    measured.delete(e.document.uri);
    cache.drop(e.document.uri);
    converted.delete(e.document.uri);
    if (features && !features.pullDiagnostics) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  /**
   * Pulls waiting for the quiet time after an edit. A pull client (VS Code) asks for diagnostics
   * after every change: answered at once, each keystroke would run the hazard checks and make the
   * next completion wait behind them. Instead a pull for a version still being typed waits until
   * the user pauses (or the client cancels it, as it does when the next change comes).
   */
  const quietWaiters = new Map<string, (() => void)[]>();
  function endQuiet(uri: string): void {
    const w = quietWaiters.get(uri);
    quietWaiters.delete(uri);
    if (w) for (const f of w) f();
  }
  function waitQuiet(uri: string, token: CancellationToken): Promise<void> {
    return new Promise<void>((resolve) => {
      const list = quietWaiters.get(uri) ?? [];
      list.push(resolve);
      quietWaiters.set(uri, list);
      token.onCancellationRequested(() => resolve());
    });
  }

  connection.languages.diagnostics.on(
    guarded('diagnostic', async (params, token): Promise<DocumentDiagnosticReport> => {
      const open = documents.get(params.textDocument.uri);
      // Only in pull mode is the pending debounce the one that ends the quiet time (in push mode
      // it publishes; a pull then is answered at once, as before).
      if (open && !shuttingDown && feat().pullDiagnostics && cache.isPending(open.uri) && cache.isStale(open, { full: true })) {
        await waitQuiet(open.uri, token);
        checkCancelled(token);
      }
      if (open && tooLarge(open)) return { kind: 'full', resultId: `${open.version}:large:s${settingsSeq}`, items: [tooLargeDiagnostic(open)] };
      const a = await analyzed(params.textDocument.uri, token, { full: true });
      if (!a) return { kind: 'full', items: [] };
      const run = runDiagnostics.get(params.textDocument.uri);
      const resultId = `${run && run.version === a.version ? `${a.version}:run${run.seq}` : `${a.version}`}:s${settingsSeq}`;
      if (params.previousResultId === resultId) return { kind: 'unchanged', resultId };
      return { kind: 'full', resultId, items: lspDiagnostics(params.textDocument.uri, a) };
    }),
  );

  // ---- features ---------------------------------------------------------------------------------

  connection.onCompletion(
    guarded('completion', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const f = feat();
      const offset = fromLsp.offset(a.doc, params.position);
      const items = completions(a.ide, offset, { snippets: f.snippets });
      return { isIncomplete: false, items: items.map((c) => toLsp.completionItem(a.doc, c, f.convert)) };
    }),
  );

  connection.onHover(
    guarded('hover', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const h = hoverAt(a.ide, fromLsp.offset(a.doc, params.position));
      return h ? toLsp.hover(a.doc, h, feat().convert) : null;
    }),
  );

  connection.onDefinition(
    guarded('definition', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const uri = params.textDocument.uri;
      return definitionAt(a.ide, fromLsp.offset(a.doc, params.position)).map((r) => toLsp.location(a.doc, uri, r));
    }),
  );

  connection.onReferences(
    guarded('references', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const uri = params.textDocument.uri;
      const { ranges, truncated } = referencesLimited(a.ide, fromLsp.offset(a.doc, params.position), { includeDeclaration: !!params.context?.includeDeclaration });
      if (truncated) noteLimited('list of references', uri, `${MAX_REFERENCES} locations`);
      return ranges.map((r) => toLsp.location(a.doc, uri, r));
    }),
  );

  connection.onDocumentHighlight(
    guarded('documentHighlight', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const { highlights, truncated } = highlightsLimited(a.ide, fromLsp.offset(a.doc, params.position));
      if (truncated) noteLimited('set of highlights', params.textDocument.uri, `${MAX_REFERENCES} ranges`);
      return highlights.map((h) => toLsp.highlight(a.doc, h));
    }),
  );

  connection.onPrepareRename(
    guarded('prepareRename', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const r = prepareRename(a.ide, fromLsp.offset(a.doc, params.position));
      if (!r.ok) throw new ResponseError(ErrorCodes.InvalidRequest, r.message);
      return { range: toLsp.range(a.doc, r.range), placeholder: r.placeholder };
    }),
  );

  connection.onRenameRequest(
    guarded('rename', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      if (typeof params.newName !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'newName must be a string');
      const r = renameAt(a.ide, fromLsp.offset(a.doc, params.position), params.newName);
      if (!r.ok) throw new ResponseError(ErrorCodes.InvalidRequest, r.message);
      return toLsp.workspaceEdit(a.doc, params.textDocument.uri, r.edits);
    }),
  );

  connection.onDocumentSymbol(
    guarded('documentSymbol', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const { symbols: roots, truncated } = outlineLimited(a.ide);
      if (truncated) noteLimited('outline', params.textDocument.uri, `${MAX_OUTLINE_ITEMS} items`);
      const f = feat();
      if (f.convert.hierarchicalSymbols) return roots.map((s) => toLsp.documentSymbol(a.doc, s));
      return toLsp.symbolInformation(a.doc, params.textDocument.uri, roots);
    }),
  );

  connection.onWorkspaceSymbol(
    guarded('workspaceSymbol', async (params, token): Promise<SymbolInformation[] | WorkspaceSymbol[]> => {
      const query = typeof params.query === 'string' ? params.query : '';
      const out: SymbolInformation[] = [];
      const add = (uri: string, mapper: PositionMapper, entries: WorkspaceSymbolEntry[]) => {
        for (const e of entries) {
          if (out.length >= MAX_WORKSPACE_SYMBOLS) return;
          out.push({
            name: clipLabel(e.name),
            kind: toLsp.symbolKind(e.kind),
            location: toLsp.location(mapper, uri, e.range),
            ...(e.container ? { containerName: clipLabel(e.container) } : {}),
          });
        }
      };
      const open = new Set<string>();
      for (const doc of documents.all()) {
        open.add(doc.uri);
        // Yields (and checks for a cancellation) before analysing a changed document.
        const a = await analyzed(doc.uri, token, SYNTAX);
        if (a) add(doc.uri, a.doc, workspaceSymbols(a.ide, query));
      }
      checkCancelled(token);
      const rest = await workspace.symbols(query, open, MAX_WORKSPACE_SYMBOLS - out.length, token, cancelledError);
      return [...out, ...rest];
    }),
  );

  connection.onFoldingRanges(
    guarded('foldingRange', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      // The client's `rangeLimit` when it states one, else MAX_FOLDING_REGIONS (ide/limits.ts).
      const asked = feat().foldingRangeLimit;
      const limit = asked !== undefined && asked >= 0 ? asked : MAX_FOLDING_REGIONS;
      const { regions, truncated } = foldingLimited(a.ide, limit);
      if (truncated && limit === MAX_FOLDING_REGIONS) noteLimited('folding', params.textDocument.uri, `${MAX_FOLDING_REGIONS} regions`);
      return regions.map(toLsp.foldingRange);
    }),
  );

  connection.onSelectionRanges(
    guarded('selectionRange', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      if (!Array.isArray(params.positions)) throw new ResponseError(ErrorCodes.InvalidParams, 'positions must be an array');
      return params.positions.map((p) => toLsp.selectionRange(a.doc, selectionChain(a.ide, fromLsp.offset(a.doc, p))));
    }),
  );

  // The editor's tab size is ignored on purpose: the layout is canonical (2 spaces per block), so a
  // file looks the same whoever formatted it, in any editor or in CI.
  connection.onDocumentFormatting(
    guarded('formatting', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const edits = formatEdits(a.ide.text, a.ide.analysis.parse.tokens);
      return edits.map((e) => toLsp.textEdit(a.doc, e));
    }),
  );

  connection.onDocumentRangeFormatting(
    guarded('rangeFormatting', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, SYNTAX);
      if (!a) return null;
      const range = fromLsp.range(a.doc, params.range);
      const edits = formatEdits(a.ide.text, a.ide.analysis.parse.tokens, { range });
      return edits.map((e) => toLsp.textEdit(a.doc, e));
    }),
  );

  // Signature help, inlay hints, on-type formatting, semantic tokens (full, range, delta).
  const editing = registerEditing({ connection, documents, analyzed: (uri, token, depth) => analyzed(uri, token, { depth }), features: feat, guarded });

  connection.onCodeAction(
    guarded('codeAction', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, { full: true });
      const f = feat();
      if (!a || !f.codeActionLiterals) return null;
      const only = params.context?.only;
      if (only && !only.some((k) => k === 'quickfix' || 'quickfix'.startsWith(k + '.') || k === '')) return [];
      const range = fromLsp.range(a.doc, params.range);
      return quickFixes(a.ide, range).map((q) => toLsp.codeAction(a.doc, params.textDocument.uri, q, f.convert));
    }),
  );

  // ---- custom protocol --------------------------------------------------------------------------

  connection.onRequest(
    ScenarioRequest.method,
    guarded('scenario', async (params: { textDocument?: { uri?: unknown } }, token): Promise<ScenarioResult | null> => {
      const uri = params?.textDocument?.uri;
      if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument.uri must be a string');
      const a = await analyzed(uri, token, { full: true });
      if (!a) return null;
      const analysis = a.ide.analysis;
      const variants = analysis.statements.filter((s) => s.parents.length === 0 && s.node.keyword.name === 'variant').map((s) => variantName(s.node));
      return {
        uri,
        version: a.version,
        scenario: analysis.scenario,
        errors: analysis.diagnostics.filter(blocksSimulation).length,
        variants: variants.filter((v) => v !== ''),
      };
    }),
  );

  connection.onRequest(
    SimulateRequest.method,
    guarded('simulate', (params: SimulateParams, token): Promise<SimulateResult> => {
      if (shuttingDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down');
      return runs.simulate(params, token);
    }),
  );

  connection.onRequest(
    AnalyzeTraceRequest.method,
    guarded('analyzeTrace', (params: AnalyzeTraceParams, token): Promise<AnalyzeTraceResult> => {
      if (shuttingDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down');
      return runs.analyzeTrace(params, token);
    }),
  );

  connection.onCodeLens(
    guarded('codeLens', async (params, token) => {
      const f = feat();
      if (!f.simulateCommand && !f.timelineCommand) return null;
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const m = measured.get(params.textDocument.uri);
      const all = simulateLenses(a.ide, { simulate: f.simulateCommand, timeline: f.timelineCommand });
      if (m) for (const l of measuredLenses(a.ide, m.summaries, m.version !== a.version)) all.push(l);
      const { lenses, truncated } = limitLenses(all);
      if (truncated) noteLimited('set of code lenses', params.textDocument.uri, `${MAX_CODE_LENSES} lenses by position`);
      return lenses.map((l) => toLsp.codeLens(a.doc, params.textDocument.uri, l));
    }),
  );

  documents.listen(connection);
  connection.listen();

  return {
    stop(timeoutMs) {
      shuttingDown = true;
      for (const uri of [...backgroundJobs.keys()]) cancelBackground(uri);
      for (const uri of [...quietWaiters.keys()]) endQuiet(uri);
      cache.dispose();
      workspace.dispose();
      return runs.stopAll(timeoutMs);
    },
  };
}

/** A length in characters as MB (one decimal), for the size-bound messages. */
function sizeMb(n: number): string {
  return (n / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 1 });
}
