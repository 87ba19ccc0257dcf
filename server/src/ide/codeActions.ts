/**
 * Quick fixes: the fixes that diagnostics carry (from the checker and the static hazard checks),
 * for the diagnostics that touch the requested range.
 */
import type { IdeDocument } from './document';
import type { QuickFix, TextRange } from './types';

export function quickFixes(doc: IdeDocument, range: TextRange): QuickFix[] {
  const out: QuickFix[] = [];
  for (const d of doc.analysis.diagnostics) {
    if (!d.fixes?.length) continue;
    if (d.range.end < range.start || d.range.start > range.end) continue;
    for (const f of d.fixes) out.push({ title: f.title, edits: f.edits, preferred: !!f.preferred, diagnostic: d });
  }
  // Preferred fixes first, so a client that shows the first one (or auto-fixes) picks it.
  return out.sort((a, b) => Number(b.preferred) - Number(a.preferred));
}
