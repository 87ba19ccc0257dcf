/**
 * The language server's handlers: LSP in, plain core calls, LSP out. Each handler finds the
 * document, gets its analysis for the current version from the cache, converts the position with
 * `fromLsp`, calls one function of `ide/` and converts the answer with `toLsp`. Nothing here
 * knows the language; everything here knows the protocol.
 */
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  type CancellationToken,
  type Connection,
  type DocumentDiagnosticReport,
  type InitializeParams,
  type InitializeResult,
  type SymbolInformation,
  type WorkspaceSymbol,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from '../core/diagnostic';
import { quickFixes } from '../ide/codeActions';
import { simulateLenses, variantName } from '../ide/codeLens';
import { completions } from '../ide/completion';
import { foldingRegions } from '../ide/folding';
import { formatEdits } from '../ide/format';
import { hoverAt } from '../ide/hover';
import { definitionAt, highlightsAt, prepareRename, referencesAt, renameAt } from '../ide/navigation';
import { outline, workspaceSymbols, type WorkspaceSymbolEntry } from '../ide/outline';
import { selectionChain } from '../ide/selection';
import { semanticTokens } from '../ide/semanticTokens';
import {
  AnalyzeTraceRequest,
  ScenarioRequest,
  SimulateRequest,
  type AnalyzeTraceParams,
  type AnalyzeTraceResult,
  type ScenarioResult,
  type SimulateParams,
  type SimulateResult,
} from '../shared/protocol';
import { readClientFeatures, serverCapabilities, type ClientFeatures } from './capabilities';
import { fromLsp, toLsp, type PositionMapper } from './convert';
import { AnalysisCache, type AnalyzeFn, type AnalyzedDocument } from './documents';
import { RunManager, type WorkerFiles } from './runs';
import { WorkspaceFiles } from './workspaceFiles';

/** Quiet time after the last keystroke before diagnostics are recomputed and pushed. */
export const DIAGNOSTICS_DEBOUNCE_MS = 150;
/** Workspace symbols: at most this many answers (the editor filters further as the user types). */
const MAX_WORKSPACE_SYMBOLS = 500;

export interface SessionOptions {
  analyze: AnalyzeFn;
  version: string;
  /** The worker bundles for simulations and trace analysis (`dist/simWorker.js`, `dist/traceWorker.js`). */
  workers: WorkerFiles;
}

export interface Session {
  /** Stops everything (jobs, indexing); true when every worker stopped within `timeoutMs`. */
  stop(timeoutMs: number): Promise<boolean>;
}

export function startSession(connection: Connection, options: SessionOptions): Session {
  const documents = new TextDocuments(TextDocument);
  const cache = new AnalysisCache(options.analyze);
  // Indexed in the trace worker (a large file is analysed off this thread).
  const workspace = new WorkspaceFiles(options.workers.trace);
  let features: ClientFeatures | undefined;
  let shuttingDown = false;
  /**
   * Diagnostics of the last simulation of each document (stalls and findings on source lines),
   * valid for the version that was simulated: shown with the static ones until the next edit.
   */
  const runDiagnostics = new Map<string, { version: number; diagnostics: Diagnostic[]; seq: number }>();
  let runSeq = 0;

  const feat = (): ClientFeatures => {
    if (!features) throw new ResponseError(ErrorCodes.ServerNotInitialized, 'server not initialized');
    return features;
  };

  const runs = new RunManager({
    connection,
    features: feat,
    analyzed: (uri, token) => analyzed(uri, token),
    setRunDiagnostics: (uri, version, diagnostics) => setRunDiagnostics(uri, version, diagnostics),
    workers: options.workers,
  });

  /**
   * The open document and its analysis, or undefined for a URI the client did not open. `full`:
   * the hazard checks are needed (diagnostics, quick fixes); otherwise a lighter analysis will do.
   */
  async function analyzed(uri: string, token?: CancellationToken, options = { full: false }): Promise<AnalyzedDocument | undefined> {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    if (cache.isStale(doc, options) && token) {
      // Analysing a large file takes a while: let a pending $/cancelRequest arrive first.
      await new Promise((r) => setImmediate(r));
      checkCancelled(token);
    }
    const a = cache.get(documents.get(uri) ?? doc, options);
    cache.postpone(uri);
    return a;
  }

  const cancelledError = () => new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
  function checkCancelled(token: CancellationToken | undefined): void {
    if (token?.isCancellationRequested) throw cancelledError();
  }

  /** Wraps a handler so that a programmer error is logged with its stack and answered as an error. */
  function guarded<P, R>(name: string, fn: (params: P, token: CancellationToken) => R | Promise<R>) {
    return async (params: P, token: CancellationToken): Promise<R> => {
      try {
        return await fn(params, token);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        connection.console.error(`vpscope ${name}: ${(e as Error)?.stack ?? String(e)}`);
        throw new ResponseError(ErrorCodes.InternalError, `vpscope ${name} failed: ${(e as Error)?.message ?? String(e)}`);
      }
    };
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    features = readClientFeatures(params);
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

  connection.onShutdown(() => {
    shuttingDown = true;
    runs.dispose();
    cache.dispose();
    workspace.dispose();
  });

  // ---- documents and diagnostics ----------------------------------------------------------

  function publishDiagnostics(uri: string): void {
    const doc = documents.get(uri);
    if (!doc || shuttingDown) return;
    try {
      const a = cache.get(doc, { full: true });
      const caps = feat().convert;
      void connection.sendDiagnostics({
        uri,
        version: a.version,
        diagnostics: withRunDiagnostics(uri, a).map((d) => toLsp.diagnostic(a.doc, uri, d, caps)),
      });
    } catch (e) {
      connection.console.error(`vpscope diagnostics: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /** The static diagnostics of the analysed version, plus the run diagnostics of that version. */
  function withRunDiagnostics(uri: string, a: AnalyzedDocument): Diagnostic[] {
    const run = runDiagnostics.get(uri);
    return run && run.version === a.version ? [...a.ide.analysis.diagnostics, ...run.diagnostics] : a.ide.analysis.diagnostics;
  }

  /** A simulation finished: show what it found on the lines of the version it simulated. */
  function setRunDiagnostics(uri: string, version: number, diagnostics: Diagnostic[]): void {
    const doc = documents.get(uri);
    if (!doc || doc.version !== version || shuttingDown) return; // Edited meanwhile: stale already.
    if (diagnostics.length === 0 && !runDiagnostics.has(uri)) return;
    runDiagnostics.set(uri, { version, diagnostics, seq: ++runSeq });
    const f = feat();
    if (!f.pullDiagnostics) publishDiagnostics(uri);
    else if (f.diagnosticRefresh) void connection.languages.diagnostics.refresh();
  }

  // `TextDocuments` fires onDidChangeContent right after onDidOpen; the opening publishes at once
  // (a freshly opened file wants its diagnostics now, not after a typing pause), so that first
  // content event is not debounced again.
  const justOpened = new Set<string>();
  documents.onDidOpen((e) => {
    if (feat().pullDiagnostics) return;
    justOpened.add(e.document.uri);
    cache.debounce(e.document.uri, 0, () => publishDiagnostics(e.document.uri));
  });

  documents.onDidChangeContent((e) => {
    // An edit ends the run diagnostics (their lines may have moved); the next publication or
    // pull leaves them out, as it is for a newer version.
    runDiagnostics.delete(e.document.uri);
    if (justOpened.delete(e.document.uri)) return;
    if (feat().pullDiagnostics) return; // The client pulls after each change itself.
    cache.debounce(e.document.uri, DIAGNOSTICS_DEBOUNCE_MS, () => publishDiagnostics(e.document.uri));
  });

  documents.onDidClose((e) => {
    justOpened.delete(e.document.uri);
    runDiagnostics.delete(e.document.uri);
    cache.drop(e.document.uri);
    if (features && !features.pullDiagnostics) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.languages.diagnostics.on(
    guarded('diagnostic', async (params, token): Promise<DocumentDiagnosticReport> => {
      const a = await analyzed(params.textDocument.uri, token, { full: true });
      if (!a) return { kind: 'full', items: [] };
      const run = runDiagnostics.get(params.textDocument.uri);
      const resultId = run && run.version === a.version ? `${a.version}:run${run.seq}` : `${a.version}`;
      if (params.previousResultId === resultId) return { kind: 'unchanged', resultId };
      const caps = feat().convert;
      const items = withRunDiagnostics(params.textDocument.uri, a).map((d) => toLsp.diagnostic(a.doc, params.textDocument.uri, d, caps));
      return { kind: 'full', resultId, items };
    }),
  );

  // ---- features ---------------------------------------------------------------------------------

  connection.onCompletion(
    guarded('completion', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const f = feat();
      const offset = fromLsp.offset(a.doc, params.position);
      const items = completions(a.ide, offset, { snippets: f.snippets });
      return { isIncomplete: false, items: items.map((c) => toLsp.completionItem(a.doc, c, f.convert)) };
    }),
  );

  connection.onHover(
    guarded('hover', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const h = hoverAt(a.ide, fromLsp.offset(a.doc, params.position));
      return h ? toLsp.hover(a.doc, h, feat().convert) : null;
    }),
  );

  connection.onDefinition(
    guarded('definition', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const uri = params.textDocument.uri;
      return definitionAt(a.ide, fromLsp.offset(a.doc, params.position)).map((r) => toLsp.location(a.doc, uri, r));
    }),
  );

  connection.onReferences(
    guarded('references', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const uri = params.textDocument.uri;
      const ranges = referencesAt(a.ide, fromLsp.offset(a.doc, params.position), { includeDeclaration: !!params.context?.includeDeclaration });
      return ranges.map((r) => toLsp.location(a.doc, uri, r));
    }),
  );

  connection.onDocumentHighlight(
    guarded('documentHighlight', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      return highlightsAt(a.ide, fromLsp.offset(a.doc, params.position)).map((h) => toLsp.highlight(a.doc, h));
    }),
  );

  connection.onPrepareRename(
    guarded('prepareRename', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const r = prepareRename(a.ide, fromLsp.offset(a.doc, params.position));
      if (!r.ok) throw new ResponseError(ErrorCodes.InvalidRequest, r.message);
      return { range: toLsp.range(a.doc, r.range), placeholder: r.placeholder };
    }),
  );

  connection.onRenameRequest(
    guarded('rename', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      if (typeof params.newName !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'newName must be a string');
      const r = renameAt(a.ide, fromLsp.offset(a.doc, params.position), params.newName);
      if (!r.ok) throw new ResponseError(ErrorCodes.InvalidRequest, r.message);
      return toLsp.workspaceEdit(a.doc, params.textDocument.uri, r.edits);
    }),
  );

  connection.onDocumentSymbol(
    guarded('documentSymbol', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const roots = outline(a.ide);
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
            name: e.name,
            kind: toLsp.symbolKind(e.kind),
            location: toLsp.location(mapper, uri, e.range),
            ...(e.container ? { containerName: e.container } : {}),
          });
        }
      };
      const open = new Set<string>();
      for (const doc of documents.all()) {
        open.add(doc.uri);
        // Yields (and checks for a cancellation) before analysing a changed document.
        const a = await analyzed(doc.uri, token);
        if (a) add(doc.uri, a.doc, workspaceSymbols(a.ide, query));
      }
      checkCancelled(token);
      const rest = await workspace.symbols(query, open, MAX_WORKSPACE_SYMBOLS - out.length, token, cancelledError);
      return [...out, ...rest];
    }),
  );

  connection.onFoldingRanges(
    guarded('foldingRange', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      let regions = foldingRegions(a.ide);
      const limit = feat().foldingRangeLimit;
      if (limit !== undefined && regions.length > limit) regions = regions.slice(0, limit);
      return regions.map(toLsp.foldingRange);
    }),
  );

  connection.onSelectionRanges(
    guarded('selectionRange', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      if (!Array.isArray(params.positions)) throw new ResponseError(ErrorCodes.InvalidParams, 'positions must be an array');
      return params.positions.map((p) => toLsp.selectionRange(a.doc, selectionChain(a.ide, fromLsp.offset(a.doc, p))));
    }),
  );

  // The editor's tab size is ignored on purpose: the layout is canonical (2 spaces per block), so a
  // file looks the same whoever formatted it, in any editor or in CI.
  connection.onDocumentFormatting(
    guarded('formatting', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const edits = formatEdits(a.ide.text, a.ide.analysis.parse.tokens);
      return edits.map((e) => toLsp.textEdit(a.doc, e));
    }),
  );

  connection.onDocumentRangeFormatting(
    guarded('rangeFormatting', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const range = fromLsp.range(a.doc, params.range);
      const edits = formatEdits(a.ide.text, a.ide.analysis.parse.tokens, { range });
      return edits.map((e) => toLsp.textEdit(a.doc, e));
    }),
  );

  connection.languages.semanticTokens.on(
    guarded('semanticTokens', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      const legend = feat().semanticTokens;
      if (!a || !legend) return { data: [] };
      return toLsp.semanticTokens(a.doc, semanticTokens(a.ide), legend);
    }),
  );

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
        errors: analysis.diagnostics.filter((d) => d.severity === 'error').length,
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
      return simulateLenses(a.ide, { simulate: f.simulateCommand, timeline: f.timelineCommand }).map((l) => toLsp.codeLens(a.doc, params.textDocument.uri, l));
    }),
  );

  documents.listen(connection);
  connection.listen();

  return {
    stop(timeoutMs) {
      shuttingDown = true;
      cache.dispose();
      workspace.dispose();
      return runs.stopAll(timeoutMs);
    },
  };
}
