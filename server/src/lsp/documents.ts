/**
 * Per-document state of the language server, keyed by URI and dropped when the document closes:
 * the text (kept in sync incrementally by `TextDocuments`), the analysis of its latest version
 * (computed at most once per version, on demand or when diagnostics are due) and the debounce
 * timer of its diagnostics.
 *
 * Two depths of analysis: `full` (with the static hazard checks, for diagnostics and quick fixes)
 * and `light` (without them, enough for completion, hover, navigation and the rest). A request
 * right after a keystroke takes the light one, so typing is not slowed by the hazard checks;
 * once the debounced diagnostics computed the full one, every request uses that.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { IdeDocument } from '../ide/document';
import type { DocumentAnalysis } from '../model/analysisTypes';
import type { SeverityOverrides } from '../model/findingSettings';

export interface AnalyzedDocument {
  /** The document version the analysis belongs to. */
  version: number;
  doc: TextDocument;
  ide: IdeDocument;
  /** Whether the static hazard checks ran (their diagnostics and fixes are present). */
  full: boolean;
  /** Time the analysis took, for the log. */
  ms: number;
}

/** `severities`: `vpscope.diagnostics.severity` (code -> severity or off), applied by `analyzeDocument`. */
export type AnalyzeFn = (text: string, options: { uri: string; hazards: boolean; severities?: SeverityOverrides }) => DocumentAnalysis;

interface DocumentState {
  analyzed?: AnalyzedDocument;
  /** Pending diagnostics publication, with what it runs and after how long. */
  timer?: ReturnType<typeof setTimeout>;
  pending?: { fn: () => void; delayMs: number };
}

export class AnalysisCache {
  private readonly states = new Map<string, DocumentState>();

  constructor(
    private readonly analyze: AnalyzeFn,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * The analysis of the document's current version, computed now if the cached one is older (or
   * lacks the hazard checks when `full` is asked for).
   */
  get(doc: TextDocument, options: { full: boolean }): AnalyzedDocument {
    const state = this.state(doc.uri);
    const cached = state.analyzed;
    if (cached && cached.version === doc.version && cached.doc === doc && (cached.full || !options.full)) return cached;
    const text = doc.getText();
    const t0 = this.clock();
    const analysis = this.analyze(text, { uri: doc.uri, hazards: options.full });
    const analyzed: AnalyzedDocument = { version: doc.version, doc, ide: { text, analysis }, full: options.full, ms: this.clock() - t0 };
    state.analyzed = analyzed;
    return analyzed;
  }

  /** Whether `get` would have to analyse (used to yield to cancellation first). */
  isStale(doc: TextDocument, options: { full: boolean }): boolean {
    const a = this.states.get(doc.uri)?.analyzed;
    return !a || a.version !== doc.version || a.doc !== doc || (options.full && !a.full);
  }

  /** Runs `fn` after `delayMs` unless another call for the same URI comes first. */
  debounce(uri: string, delayMs: number, fn: () => void): void {
    const state = this.state(uri);
    if (state.timer) clearTimeout(state.timer);
    state.pending = { fn, delayMs };
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.pending = undefined;
      fn();
    }, delayMs);
  }

  /**
   * Restarts a pending debounce: called after a request for the document, so that full
   * diagnostics wait while the user is typing and asking for completions, instead of blocking the
   * next request behind the hazard checks.
   */
  postpone(uri: string): void {
    const p = this.states.get(uri)?.pending;
    if (p) this.debounce(uri, p.delayMs, p.fn);
  }

  /** Forgets every cached analysis (the settings they were made with changed); timers stay. */
  invalidate(): void {
    for (const s of this.states.values()) s.analyzed = undefined;
  }

  /** Forgets everything about a closed document. */
  drop(uri: string): void {
    const state = this.states.get(uri);
    if (state?.timer) clearTimeout(state.timer);
    this.states.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.states.keys()]) this.drop(uri);
  }

  private state(uri: string): DocumentState {
    let s = this.states.get(uri);
    if (!s) {
      s = {};
      this.states.set(uri, s);
    }
    return s;
  }
}
