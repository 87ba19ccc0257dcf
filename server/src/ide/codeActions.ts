/**
 * Quick fixes: the fixes that diagnostics carry (from the checker and the static hazard checks),
 * for the diagnostics that touch the requested range.
 *
 * A finding raised in a variant ("In variant `x`: ...") is fixed in that variant: the hazard
 * checks place their edits in the variant's override of the block (creating it when missing), and
 * the checker rewrites a fix of a base statement as the variant's override (model/variantFix.ts)
 * or drops it. As a last guard, a fix of such a finding
 * whose edits leave the variant's block is not offered: changing the base from a variant's
 * finding would change every variant's comparison.
 */
import type { IdeDocument } from './document';
import type { QuickFix, TextRange } from './types';

const IN_VARIANT = /^In variant `([^`]+)`:/;

export function quickFixes(doc: IdeDocument, range: TextRange): QuickFix[] {
  const out: QuickFix[] = [];
  for (const d of doc.analysis.diagnostics) {
    if (!d.fixes?.length) continue;
    if (d.range.end < range.start || d.range.start > range.end) continue;
    const v = IN_VARIANT.exec(d.message)?.[1];
    const scope = v !== undefined ? variantRange(doc, v) : undefined;
    for (const f of d.fixes) {
      if (v !== undefined && (!scope || !f.edits.every((e) => e.range.start > scope.start && e.range.end < scope.end))) continue;
      out.push({ title: f.title, edits: f.edits, preferred: !!f.preferred, diagnostic: d });
    }
  }
  // Preferred fixes first, so a client that shows the first one (or auto-fixes) picks it.
  return out.sort((a, b) => Number(b.preferred) - Number(a.preferred));
}

/** The text of `variant NAME { ... }` (the last one of that name, as the merge sees it). */
function variantRange(doc: IdeDocument, name: string): TextRange | undefined {
  let hit: TextRange | undefined;
  for (const s of doc.analysis.parse.file.statements) {
    if (s.keyword.name !== 'variant') continue;
    const a = s.args[0];
    const n = a?.type === 'ident' ? a.name : a?.type === 'string' ? a.value : undefined;
    if (n === name) hit = { start: s.start, end: s.end };
  }
  return hit;
}
