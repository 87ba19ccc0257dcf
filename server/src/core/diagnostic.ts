/**
 * Diagnostics and quick fixes as plain data (offsets, codes, text).
 *
 * Every user-facing problem is one of these, with a stable code from the catalog in
 * `model/codes.ts`. Only `lsp/` turns them into LSP objects; the CLI turns them into text, JSON
 * or SARIF.
 */
import type { TextRange } from './text';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface RelatedInfo {
  range: TextRange;
  message: string;
}

/** One text replacement; `range` is in the document the diagnostic belongs to. */
export interface TextEdit {
  range: TextRange;
  newText: string;
}

/** A quick fix the editor can apply (and the CLI can print). */
export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix the user most likely wants; the editor may offer it first. */
  preferred?: boolean;
}

export interface Diagnostic {
  severity: Severity;
  /** Stable code, e.g. `VPS101`. Never reuse a retired code for another meaning. */
  code: string;
  /** What is wrong and what to do about it, in one or two sentences. */
  message: string;
  range: TextRange;
  related?: RelatedInfo[];
  fixes?: Fix[];
  /** Marks unnecessary or deprecated code (LSP tags). */
  tags?: ('unnecessary' | 'deprecated')[];
  /**
   * Set when a severity setting (`vpscope.diagnostics.severity`) made this finding an error: it
   * is shown as one, but the scenario is still valid, so it does not block a simulation.
   */
  raisedBySetting?: true;
}

/** An error that makes the scenario unusable (the checker's own errors, not findings a setting raised). */
export function blocksSimulation(d: Pick<Diagnostic, 'severity' | 'raisedBySetting'>): boolean {
  return d.severity === 'error' && !d.raisedBySetting;
}

export const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2, hint: 3 };

/** Sorts by position then severity, so every output that lists diagnostics is deterministic. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort(
    (a, b) =>
      a.range.start - b.range.start ||
      a.range.end - b.range.end ||
      severityRank[a.severity] - severityRank[b.severity] ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
