/**
 * Per-document state of the language server, keyed by URI and dropped when the document closes:
 * the text (kept in sync incrementally by `TextDocuments`), the analysis of its latest version
 * (each stage computed at most once per version, on demand or when diagnostics are due), the
 * parse state the next version's parse starts from, and the debounce timers of its diagnostics.
 *
 * Three depths of analysis (model/analyze.ts stages), each on top of the one before, filling in
 * one `DocumentAnalysis` object per version:
 * - `syntax`: the parse (incremental: only the top-level blocks an edit touched are parsed
 *   again, syntax/incremental.ts), the resolution and the symbols. Enough for completion, hover,
 *   navigation, outline, formatting, semantic tokens and signature help, so a request right after
 *   a keystroke waits for neither the lowering nor the hazard checks.
 * - `light`: plus the arguments, the lowering and the variants (every diagnostic but the hazards;
 *   inlay hints, code lenses, runs).
 * - `full`: plus the static hazard checks (diagnostics, quick fixes).
 * The debounced diagnostics prepare the `light` stage half-way through the quiet time, then the
 * `full` one in a later turn of the event loop (dropped when an edit or a request came meanwhile),
 * then (lsp/session.ts) their conversion and encoding, so that only the transfer of the
 * diagnostics is left when it ends.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { IdeDocument } from '../ide/document';
import { analyzeChecked, analyzeFull, analyzeSyntax, type AnalyzeOptions, type CheckedStage, type SyntaxStage } from '../model/analyze';
import { AnalysisReuse } from '../model/reuse';
import { reparse, type ParseState } from '../syntax/incremental';

export type Depth = 'syntax' | 'light' | 'full';
const RANK: Record<Depth, number> = { syntax: 0, light: 1, full: 2 };

export interface AnalyzedDocument {
  /** The document version the analysis belongs to. */
  version: number;
  doc: TextDocument;
  ide: IdeDocument;
  /** How far the analysis went (deeper stages fill in the same `ide.analysis`). */
  depth: Depth;
  /** Whether the static hazard checks ran (their diagnostics and fixes are present). */
  full: boolean;
  /** Time the analysis took (all its stages), for the log. */
  ms: number;
}

/** The analysis options of a document (`severities`: `vpscope.diagnostics.severity`). */
export type OptionsFn = (uri: string) => Omit<AnalyzeOptions, 'hazards'>;

interface DocumentState {
  analyzed?: AnalyzedDocument;
  syntax?: SyntaxStage;
  checked?: CheckedStage;
  /** The parse of the latest text analysed (the next edit's parse starts from it). */
  parse?: ParseState;
  /** What the analyses of its versions keep for the next one (per top-level statement). */
  reuse?: AnalysisReuse;
  /** Pending diagnostics publication, with what it runs and after how long. */
  timer?: ReturnType<typeof setTimeout>;
  prepTimer?: ReturnType<typeof setTimeout>;
  pending?: { fn: () => void; delayMs: number; prepare?: Prepare };
}

/**
 * Work done during the quiet time, in steps: each returns the next one (or nothing), run in a
 * later turn of the event loop, after the messages that came meanwhile (an edit or a request
 * restarts the wait, which drops the steps not run yet).
 */
export type Prepare = () => Prepare | void;

export class AnalysisCache {
  private readonly states = new Map<string, DocumentState>();

  constructor(
    private readonly options: OptionsFn = (uri) => ({ uri }),
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * The analysis of the document's current version at least as deep as asked for (`full`: with
   * the hazard checks; otherwise `depth`, default `light`), computed now from what is cached.
   */
  get(doc: TextDocument, options: { full?: boolean; depth?: Depth }): AnalyzedDocument {
    const want: Depth = options.full ? 'full' : (options.depth ?? 'light');
    const state = this.state(doc.uri);
    let cached = state.analyzed;
    if (cached && !(cached.version === doc.version && cached.doc === doc)) cached = undefined;
    if (cached && RANK[cached.depth] >= RANK[want]) return cached;
    const t0 = this.clock();
    const opts = this.options(doc.uri);
    if (!cached) {
      const text = doc.getText();
      const ps = reparse(state.parse, text);
      state.parse = ps;
      state.syntax = analyzeSyntax(ps, opts, (state.reuse ??= new AnalysisReuse()));
      state.checked = undefined;
      cached = { version: doc.version, doc, ide: { text, analysis: state.syntax.analysis }, depth: 'syntax', full: false, ms: 0 };
    }
    if (RANK[want] >= RANK.light && cached.depth === 'syntax') {
      state.checked = analyzeChecked(state.syntax!, opts);
      cached.depth = 'light';
    }
    if (want === 'full' && cached.depth !== 'full') {
      analyzeFull(state.checked!, opts);
      cached.depth = 'full';
      cached.full = true;
      // Nothing later needs the stages' intermediate data.
      state.checked = undefined;
      state.syntax = undefined;
    }
    cached.ms += this.clock() - t0;
    state.analyzed = cached;
    return cached;
  }

  /** Whether `get` would have to analyse (used to yield to cancellation first). */
  isStale(doc: TextDocument, options: { full?: boolean; depth?: Depth }): boolean {
    const want: Depth = options.full ? 'full' : (options.depth ?? 'light');
    const a = this.states.get(doc.uri)?.analyzed;
    return !a || a.version !== doc.version || a.doc !== doc || RANK[a.depth] < RANK[want];
  }

  /**
   * Runs `fn` after `delayMs` unless another call for the same URI comes first; `prepare` (if
   * given) starts half-way, so that the work it does (the analysis, step by step) is done during
   * the quiet time instead of after it; its later steps each wait for a turn of the event loop
   * (`setTimeout` 0: after the messages read meanwhile), and a new call drops them.
   */
  debounce(uri: string, delayMs: number, fn: () => void, prepare?: Prepare): void {
    const state = this.state(uri);
    if (state.timer) clearTimeout(state.timer);
    if (state.prepTimer) clearTimeout(state.prepTimer);
    state.prepTimer = undefined;
    state.pending = { fn, delayMs, prepare };
    if (prepare && delayMs > 0) {
      const step = (f: Prepare) => {
        state.prepTimer = undefined;
        const next = f();
        if (next) state.prepTimer = setTimeout(() => step(next), 0);
      };
      state.prepTimer = setTimeout(() => step(prepare), Math.floor(delayMs / 2));
    }
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.pending = undefined;
      // The steps not run yet are for this moment: what they would have prepared is done now.
      if (state.prepTimer) clearTimeout(state.prepTimer);
      state.prepTimer = undefined;
      fn();
    }, delayMs);
  }

  /** A debounce is pending for the document (the user typed within the quiet time). */
  isPending(uri: string): boolean {
    return this.states.get(uri)?.pending !== undefined;
  }

  /**
   * Restarts a pending debounce: called after a request for the document, so that full
   * diagnostics wait while the user is typing and asking for completions, instead of blocking the
   * next request behind the hazard checks.
   */
  postpone(uri: string): void {
    const p = this.states.get(uri)?.pending;
    if (p) this.debounce(uri, p.delayMs, p.fn, p.prepare);
  }

  /** Forgets every cached analysis (the settings they were made with changed); timers stay. */
  invalidate(): void {
    for (const s of this.states.values()) {
      s.analyzed = undefined;
      s.syntax = undefined;
      s.checked = undefined;
    }
  }

  /** Forgets everything about a closed document. */
  drop(uri: string): void {
    const state = this.states.get(uri);
    if (state?.timer) clearTimeout(state.timer);
    if (state?.prepTimer) clearTimeout(state.prepTimer);
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
