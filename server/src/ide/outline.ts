/**
 * Document symbols (the outline: blocks and named statements, nested as written) and workspace
 * symbols (every declared name, filtered by a fuzzy query).
 */
import type { SymbolDecl } from '../model/analysisTypes';
import { resolveStatement } from '../model/schema';
import type { Statement } from '../syntax/tree';
import type { IdeDocument } from './document';
import { placementOf } from './facts';
import { argName } from './schemaInfo';
import { MAX_OUTLINE_ITEMS } from './limits';
import type { OutlineKind, OutlineSymbol, TextRange } from './types';

const TOP_KINDS: Record<string, OutlineKind> = { scenario: 'scenario', host: 'host', vm: 'vm', variant: 'variant' };

/** How many more outline items may be made (shared by the whole walk). */
interface Budget {
  left: number;
}

function outlineOf(list: readonly Statement[], parentId: string | undefined, doc: IdeDocument, budget: Budget): OutlineSymbol[] {
  const out: OutlineSymbol[] = [];
  for (const s of list) {
    if (budget.left <= 0) break;
    if (s.keyword.missing) continue;
    const spec = parentId !== undefined ? resolveStatement(s.keyword.name, parentId) : undefined;
    const declares = spec?.args[0]?.type.kind === 'name' ? spec.args[0].type : undefined;
    if (!s.body && !declares) continue;
    const first = s.args[0];
    const name = declares ? argName(first) : undefined;
    let kind: OutlineKind = declares?.kind === 'name' ? declares.declares : 'block';
    if (TOP_KINDS[s.keyword.name] && parentId !== undefined && (parentId === 'file' || parentId === 'variant')) kind = TOP_KINDS[s.keyword.name];
    // `scenario "title"`: the title is the best label; `boost dynamic`: keyword and mode.
    const label = name ?? (s.keyword.name === 'scenario' && first?.type === 'string' ? first.value : undefined) ?? s.keyword.name;
    const valueText = !declares && s.args.length ? doc.text.slice(s.args[0].start, s.args[s.args.length - 1].end) : '';
    const selection: TextRange = name !== undefined && first ? { start: first.start, end: first.end } : { start: s.keyword.start, end: s.keyword.end };
    // Counted before its children: the items kept are the first ones in document order.
    budget.left--;
    out.push({
      name: label || s.keyword.name,
      detail: valueText ? `${s.keyword.name} ${valueText}` : s.keyword.name,
      kind,
      range: { start: s.start, end: s.end },
      selectionRange: selection,
      children: s.body ? outlineOf(s.body.statements, spec?.id, doc, budget) : [],
    });
  }
  return out;
}

/**
 * The outline: at most `limit` items (children included), the first ones in document order
 * (ide/limits.ts, `MAX_OUTLINE_ITEMS`); the walk stops there. `truncated` says items were left out.
 */
export function outlineLimited(doc: IdeDocument, limit: number = MAX_OUTLINE_ITEMS): { symbols: OutlineSymbol[]; truncated: boolean } {
  // One item more than the limit says whether any was left out; it is the last one made (the
  // walk stops right after it), so the last of the last children.
  const budget = { left: limit + 1 };
  const symbols = outlineOf(doc.analysis.parse.file.statements, 'file', doc, budget);
  if (budget.left > 0) return { symbols, truncated: false };
  let list = symbols;
  while (list.length > 0 && list[list.length - 1].children.length > 0) list = list[list.length - 1].children;
  list.pop();
  return { symbols, truncated: true };
}

/** The outline (ide/limits.ts bounds it: `MAX_OUTLINE_ITEMS` items). */
export function outline(doc: IdeDocument): OutlineSymbol[] {
  return outlineLimited(doc).symbols;
}

export interface WorkspaceSymbolEntry {
  name: string;
  kind: OutlineKind;
  range: TextRange;
  /** `vm web`, `variant no_boost / vm web`. */
  container?: string;
}

/**
 * Case-insensitive subsequence match (`wb` matches `web`), what editors expect of symbol search.
 * The empty query matches everything.
 */
export function fuzzyMatch(query: string, name: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let j = 0;
  for (let i = 0; i < n.length && j < q.length; i++) if (n[i] === q[j]) j++;
  return j === q.length;
}

export function workspaceSymbols(doc: IdeDocument, query: string): WorkspaceSymbolEntry[] {
  const out: WorkspaceSymbolEntry[] = [];
  for (const d of doc.analysis.symbols.decls as readonly SymbolDecl[]) {
    if (!fuzzyMatch(query, d.name)) continue;
    const p = placementOf(doc, d);
    const parts: string[] = [];
    if (p.variant !== undefined && d.kind !== 'variant') parts.push(`variant ${p.variant}`);
    if (p.vm !== undefined && d.kind !== 'vm') parts.push(`vm ${p.vm}`);
    if (p.controller !== undefined && d.kind === 'disk') parts.push(`storvsp ${p.controller}`);
    out.push({ name: d.name, kind: d.kind, range: d.nameRange, ...(parts.length ? { container: parts.join(' / ') } : {}) });
  }
  return out;
}
