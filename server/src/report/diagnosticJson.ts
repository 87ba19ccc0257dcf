/**
 * Diagnostics as the JSON outputs write them (`vpscope.check/1`, and `diagnostics` of
 * `vpscope.run/1`): 0-based LSP line/character ranges, related places and quick fixes. Pure; used
 * by the CLI's check output and by the run document (report/simulation.ts), so it lives here and
 * not in cli/ (report/ does not import the shells).
 */
import type { Diagnostic, Severity } from '../core/diagnostic';
import type { JsonRange } from '../core/findings';
import type { LineIndex } from '../core/text';

/** A diagnostic in the JSON outputs (`vpscope.check/1`, and `diagnostics` of `vpscope.run/1`). */
export interface JsonDiagnostic {
  /** `error`, `warning`, `info` or `hint`. */
  severity: Severity;
  /** Stable code, e.g. `VPS201` (docs/codes.md). */
  code: string;
  /** What is wrong, why it matters and what to do. */
  message: string;
  /** Where, as a 0-based LSP range. */
  range: JsonRange;
  /** Other places that explain the diagnostic. */
  related?: JsonRelated[];
  /** Present when the file was simulated: `static` or `simulation`. */
  source?: 'static' | 'simulation';
  /** Static findings of a simulated file: what the run says about them. */
  verdict?: 'confirmed' | 'contradicted' | 'unchanged';
  /** Edits that fix it (the editor's quick fixes). */
  fixes?: JsonFix[];
}

/** Another place that explains a diagnostic. */
export interface JsonRelated {
  /** What this place has to do with the diagnostic. */
  message: string;
  /** Where, in the same file. */
  range: JsonRange;
}

/** A quick fix: text edits to the same file. */
export interface JsonFix {
  /** What the fix does, as the editor's quick fix menu shows it. */
  title: string;
  /** The fix the editor offers first (at most one per diagnostic). */
  preferred?: boolean;
  /** Replacements, none overlapping. */
  edits: JsonEdit[];
}

/** Replace the text in `range` by `newText`. */
export interface JsonEdit {
  /** The text to replace (empty: an insertion point). */
  range: JsonRange;
  /** The replacement. */
  newText: string;
}

/** A diagnostic as JSON with 0-based LSP line/character ranges. */
export function toJsonDiagnostic(d: Diagnostic, lines: LineIndex): JsonDiagnostic {
  const out: JsonDiagnostic = { severity: d.severity, code: d.code, message: d.message, range: lines.rangeToLsp(d.range) };
  if (d.related?.length) out.related = d.related.map((r) => ({ message: r.message, range: lines.rangeToLsp(r.range) }));
  if (d.fixes?.length) {
    out.fixes = d.fixes.map((f) => {
      const fx: JsonFix = { title: f.title, edits: f.edits.map((e) => ({ range: lines.rangeToLsp(e.range), newText: e.newText })) };
      if (f.preferred) fx.preferred = true;
      return fx;
    });
  }
  return out;
}
