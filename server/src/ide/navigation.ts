/**
 * Names: go to definition, find references, document highlight and rename, over the symbol
 * table of the analysis.
 *
 * A symbol is a (kind, scope, name) triple. A variant that writes `vm web { ... }` overrides the
 * base's `vm web`: both declarations are the same symbol, so renaming one renames the other
 * (otherwise the variant would silently add a second VM), and definition from either side lands
 * on the base declaration.
 */
import type { SymbolDecl, SymbolRef } from '../model/analysisTypes';
import type { SymbolKind } from '../model/schemaTypes';
import { docIndex, symbolKey, tokenAt, type IdeDocument } from './document';
import { isIdentifier } from './schemaInfo';
import { keepFirst, MAX_REFERENCES } from './limits';
import { RESERVED_VARIANT } from '../model/variants';
import { clipQuote } from '../core/text';
import type { Highlight, PrepareRenameResult, RenameResult, TextEdit, TextRange } from './types';

export interface SymbolAtCursor {
  /** The name token under the cursor. */
  range: TextRange;
  /** The declarations of the symbol (base first when there is one); empty for an unresolved reference. */
  decls: SymbolDecl[];
  /** Indices of those declarations in `symbols.decls`. */
  declIndices: number[];
  /** When the cursor is on a reference: its kind (also for unresolved ones). */
  refKind?: SymbolKind;
  /** An unresolved reference's name. */
  unresolvedName?: string;
  onDeclaration: boolean;
}

const within = (r: TextRange, offset: number) => r.start <= offset && offset <= r.end;

function group(doc: IdeDocument, declIndex: number): { decls: SymbolDecl[]; declIndices: number[] } {
  const all = doc.analysis.symbols.decls;
  const d = all[declIndex];
  let indices = [...(docIndex(doc).declGroups.get(symbolKey(d)) ?? [declIndex])];
  // With a base declaration, every variant's block of that name overrides it: one entity. Without
  // one, each variant adds its own, unrelated to another variant's block of the same name.
  if (!indices.some((i) => all[i].variant === undefined)) indices = indices.filter((i) => all[i].variant === d.variant);
  // Base declaration first, then variant overrides in document order.
  indices.sort((a, b) => Number(all[a].variant !== undefined) - Number(all[b].variant !== undefined) || all[a].nameRange.start - all[b].nameRange.start);
  return { decls: indices.map((i) => all[i]), declIndices: indices };
}

/** The declared name or reference under the cursor, if any. */
export function symbolAt(doc: IdeDocument, offset: number): SymbolAtCursor | undefined {
  const { decls, refs } = doc.analysis.symbols;
  // Prefer the name that starts at the cursor when two touch (`a,b`).
  let best: { i: number; isRef: boolean } | undefined;
  const consider = (r: TextRange, i: number, isRef: boolean) => {
    if (!within(r, offset)) return;
    const cur = best ? (best.isRef ? refs[best.i].range : decls[best.i].nameRange) : undefined;
    if (!cur || r.start > cur.start) best = { i, isRef };
  };
  decls.forEach((d, i) => consider(d.nameRange, i, false));
  refs.forEach((r, i) => consider(r.range, i, true));
  if (!best) return undefined;
  if (!best.isRef) {
    const d = decls[best.i];
    return { range: d.nameRange, ...group(doc, best.i), onDeclaration: true };
  }
  const r: SymbolRef = refs[best.i];
  if (r.target === undefined) return { range: r.range, decls: [], declIndices: [], refKind: r.kind, unresolvedName: r.name, onDeclaration: false };
  return { range: r.range, ...group(doc, r.target), refKind: r.kind, onDeclaration: false };
}

export function definitionAt(doc: IdeDocument, offset: number): TextRange[] {
  const sym = symbolAt(doc, offset);
  if (!sym || sym.decls.length === 0) return [];
  return [sym.decls[0].nameRange];
}

function referenceRanges(doc: IdeDocument, sym: SymbolAtCursor): TextRange[] {
  const ix = docIndex(doc);
  const refs = doc.analysis.symbols.refs;
  if (sym.decls.length === 0) {
    // Unresolved: the other mentions of the same missing name still belong together.
    return refs.filter((r) => r.target === undefined && r.kind === sym.refKind && r.name === sym.unresolvedName).map((r) => r.range);
  }
  const out: TextRange[] = [];
  for (const i of sym.declIndices) for (const ri of ix.refsByDecl.get(i) ?? []) out.push(refs[ri].range);
  return out;
}

const byStart = (a: TextRange, b: TextRange) => a.start - b.start || a.end - b.end;

/** `referencesAt` with its bound (`MAX_REFERENCES`, ide/limits.ts): `truncated` says locations were left out. */
export function referencesLimited(doc: IdeDocument, offset: number, options: { includeDeclaration: boolean }, limit: number = MAX_REFERENCES): { ranges: TextRange[]; truncated: boolean } {
  const sym = symbolAt(doc, offset);
  if (!sym) return { ranges: [], truncated: false };
  const out = referenceRanges(doc, sym);
  if (options.includeDeclaration) for (const d of sym.decls) out.push(d.nameRange);
  out.sort(byStart);
  const truncated = keepFirst(out, limit);
  return { ranges: out, truncated };
}

/** The uses of the name under the cursor, in document order: the first `MAX_REFERENCES` (ide/limits.ts). */
export function referencesAt(doc: IdeDocument, offset: number, options: { includeDeclaration: boolean }): TextRange[] {
  return referencesLimited(doc, offset, options).ranges;
}

/** `highlightsAt` with its bound (`MAX_REFERENCES`): `truncated` says highlights were left out. */
export function highlightsLimited(doc: IdeDocument, offset: number, limit: number = MAX_REFERENCES): { highlights: Highlight[]; truncated: boolean } {
  const sym = symbolAt(doc, offset);
  if (!sym) return { highlights: [], truncated: false };
  const out: Highlight[] = sym.decls.map((d) => ({ range: d.nameRange, kind: 'write' as const }));
  for (const r of referenceRanges(doc, sym)) out.push({ range: r, kind: 'read' });
  out.sort((a, b) => byStart(a.range, b.range));
  const truncated = keepFirst(out, limit);
  return { highlights: out, truncated };
}

/** The declarations and uses of the name under the cursor, in document order: the first `MAX_REFERENCES`. */
export function highlightsAt(doc: IdeDocument, offset: number): Highlight[] {
  return highlightsLimited(doc, offset).highlights;
}

export function prepareRename(doc: IdeDocument, offset: number): PrepareRenameResult {
  const sym = symbolAt(doc, offset);
  if (!sym) {
    const t = tokenAt(docIndex(doc).tokensNear(offset), offset);
    if (t?.kind === 'ident') return { ok: false, message: `\`${t.text}\` is a keyword or a value of the language, not a declared name; it cannot be renamed.` };
    return { ok: false, message: 'Only declared names (VMs, pools, tasks, disks, locks...) can be renamed.' };
  }
  if (sym.decls.length === 0) {
    if (sym.refKind === 'pool' && sym.unresolvedName === 'Pool-0') return { ok: false, message: '`Pool-0` is Xen\'s boot pool; it exists without a declaration and cannot be renamed.' };
    return { ok: false, message: `\`${sym.unresolvedName}\` is not declared, so there is nothing to rename.` };
  }
  return { ok: true, range: sym.range, placeholder: sym.decls[0].name };
}

export function renameAt(doc: IdeDocument, offset: number, newName: string): RenameResult {
  const prep = prepareRename(doc, offset);
  if (!prep.ok) return prep;
  const sym = symbolAt(doc, offset)!;
  const name = newName.trim();
  if (!isIdentifier(name)) {
    // The name is the client's (a paste into the rename box): quoted clipped, like every echo.
    return { ok: false, message: `\`${clipQuote(newName)}\` is not a valid name: a name starts with a letter or \`_\` and continues with letters, digits, \`_\` or \`-\` (not ending with \`-\`).` };
  }
  const decl = sym.decls[0];
  if (name === decl.name) return { ok: true, edits: [] };
  if (decl.kind === 'variant' && name === RESERVED_VARIANT) return { ok: false, message: '`base` is the name of the base scenario in runs and comparisons; choose another name.' };
  const clash = doc.analysis.symbols.decls.find((d, i) => d.kind === decl.kind && d.scope === decl.scope && d.name === name && !sym.declIndices.includes(i));
  if (clash) {
    const line = docIndex(doc).lines.positionAt(clash.nameRange.start).line + 1;
    return { ok: false, message: `A ${decl.kind} named \`${clipQuote(name)}\` already exists ${decl.scope ? `in \`${clipQuote(decl.scope)}\` ` : ''}(line ${line}); choose another name.` };
  }
  const edits: TextEdit[] = [];
  for (const d of sym.decls) edits.push({ range: d.nameRange, newText: name });
  for (const r of referenceRanges(doc, sym)) edits.push({ range: r, newText: name });
  edits.sort((a, b) => byStart(a.range, b.range));
  return { ok: true, edits };
}
