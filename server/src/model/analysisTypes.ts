/**
 * What the checker answers for one document: plain data the language server, the CLI and the
 * simulator all use. Produced by `analyzeDocument` in `model/analyze.ts`.
 */
import type { Suppression } from './suppress';
import type { Diagnostic } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import type { ParseResult, Statement } from '../syntax/tree';
import type { Scenario } from './ir';
import type { StatementSpec, SymbolKind } from './schemaTypes';

export interface SymbolDecl {
  kind: SymbolKind;
  name: string;
  /** Range of the name argument. */
  nameRange: TextRange;
  /** Range of the whole declaring statement. */
  range: TextRange;
  /** Scope the name is unique in, e.g. `` (file), `vm:web`, `vm:web/storvsp:ctrl0`. */
  scope: string;
  /** Declared inside a variant (an override of the base declaration of the same path). */
  variant?: string;
}

export interface SymbolRef {
  kind: SymbolKind;
  name: string;
  range: TextRange;
  scope: string;
  /** The declaration it resolves to (index into `symbols.decls`), undefined when unresolved. */
  target?: number;
}

export interface SymbolTable {
  decls: SymbolDecl[];
  refs: SymbolRef[];
}

/** A statement with the schema entry it matched and the path of blocks around it. */
export interface ResolvedStatement {
  node: Statement;
  spec?: StatementSpec;
  /** Ids of the enclosing statements' specs, outermost first. */
  parents: string[];
  /** Inside `variant NAME`: that name. */
  variant?: string;
}

export interface DocumentAnalysis {
  parse: ParseResult;
  /** Every statement, in document order, with its spec (if the keyword is known there). */
  statements: ResolvedStatement[];
  symbols: SymbolTable;
  /** Syntax + semantic + static hazard diagnostics, sorted, at most one per (code, range). */
  diagnostics: Diagnostic[];
  /** The lowered model, present when there are no errors that make it meaningless. */
  scenario?: Scenario;
  /** The `# vpscope-allow` comments of the file (model/suppress.ts), for run diagnostics to honour. */
  suppressions?: Suppression[];
  /** What the editor derives from this analysis, made on first use (`analysisMemo`). */
  memo?: AnalysisMemo;
  /**
   * Calls `fn` with every declaration, in the order of `symbols.decls` (the same objects). The
   * syntax stage of a document whose versions share an `AnalysisReuse` answers it from the
   * names kept per top-level statement, without making `symbols` when nothing made it yet
   * (model/symbols.ts, `forEachDeclaration`); elsewhere absent (use `symbols.decls`).
   */
  forEachDecl?(fn: (d: SymbolDecl) => void): void;
}

/** `analysis.forEachDecl`, or the symbol table's declarations. */
export function forEachDecl(analysis: DocumentAnalysis, fn: (d: SymbolDecl) => void): void {
  if (analysis.forEachDecl) analysis.forEachDecl(fn);
  else {
    const decls = analysis.symbols.decls;
    for (let i = 0; i < decls.length; i++) fn(decls[i]);
  }
}

/**
 * Indexes derived from one analysis (ide/: the document index, the statement facts, the
 * `based_on` chains, inlay hints), kept on the analysis object itself rather than in module-level
 * WeakMaps keyed by it. V8's young-generation collection (the scavenge) keeps the value of a
 * WeakMap entry alive even when its key, an older version's analysis, is no longer used, so each
 * version's index, and the text it holds, was copied once more by the next scavenge: 6-7 MB per
 * scavenge while typing in a 5,000-line file (BENCHMARKS.md, "What survives the scavenges").
 */
export interface AnalysisMemo {
  index?: unknown;
  facts?: unknown;
  basedOn?: unknown;
  inlayHints?: unknown;
}

/** The memo of `analysis`, made on first use. */
export function analysisMemo(analysis: DocumentAnalysis): AnalysisMemo {
  return (analysis.memo ??= { index: undefined, facts: undefined, basedOn: undefined, inlayHints: undefined });
}
