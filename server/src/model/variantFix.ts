/**
 * A checker fix of a finding a variant raises at a base statement, moved into the variant.
 *
 * The merged variant is invalid at a base statement (say the variant adds `openhcl` to a VM whose
 * base `boost dynamic` then means nothing): the checker's fix edits that base statement, which
 * would change the base and every other variant. Instead the same change is written as the
 * variant's override of the statement: `vm web { boost off }` in the variant's `vm web` block
 * (created, nested, when the variant does not have it), replacing the variant's own statement of
 * that keyword when it writes one.
 *
 * Handled: one edit inside the head of a setting or block (`boost static_rt` -> `boost off`), or
 * one insertion of a new setting into a block (`target_vp 0` before `run_on_target`). Anything else (steps, repeatable statements, names, deletions) has no faithful
 * override and is dropped, as before.
 */
import type { Fix, TextEdit } from '../core/diagnostic';
import type { Statement } from '../syntax/tree';
import { resolveStatement } from './schema';
import type { StatementSpec } from './schemaTypes';

interface Seg {
  kw: string;
  name?: string;
}

function nameOf(s: Statement): string | undefined {
  const a = s.args[0];
  if (a?.type === 'ident' && !a.missing) return a.name;
  if (a?.type === 'string') return a.value;
  return undefined;
}

function fmtName(n: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(n) && !n.endsWith('-') ? n : JSON.stringify(n);
}

/** The chain of base statements (outermost first) whose text contains `[start, end]`, with their specs. */
function chainAt(top: readonly Statement[], start: number, end: number): { stmts: Statement[]; specs: (StatementSpec | undefined)[] } {
  const stmts: Statement[] = [];
  const specs: (StatementSpec | undefined)[] = [];
  let list = top;
  let parent: string | undefined = 'file';
  for (;;) {
    const s = list.find((x) => x.start <= start && end <= x.end && (start > x.start || end > start));
    if (!s) break;
    const spec: StatementSpec | undefined = parent !== undefined && !s.keyword.missing ? resolveStatement(s.keyword.name, parent) : undefined;
    stmts.push(s);
    specs.push(spec);
    parent = spec?.id;
    const body = s.body;
    if (!body || body.missing || start < body.open.end || end > body.close.start) break;
    list = body.statements;
  }
  return { stmts, specs };
}

function headEnd(s: Statement): number {
  const last = s.args.length ? s.args[s.args.length - 1] : s.keyword;
  return Math.max(last.end, s.keyword.end);
}

/** The path segments of the blocks in `stmts` (named blocks by name); undefined if one cannot be written as an override. */
function pathOf(stmts: readonly Statement[], specs: readonly (StatementSpec | undefined)[]): Seg[] | undefined {
  const out: Seg[] = [];
  for (let i = 0; i < stmts.length; i++) {
    const s = stmts[i];
    const spec = specs[i];
    if (!spec || spec.body === 'none') return undefined;
    if (spec.args[0]?.type.kind === 'name') {
      const n = nameOf(s);
      if (n === undefined) return undefined;
      out.push({ kw: s.keyword.name, name: n });
    } else {
      // An unnamed block with arguments (`boost dynamic { ... }`) would change them when written.
      if (s.args.length > 0) return undefined;
      out.push({ kw: s.keyword.name });
    }
  }
  return out;
}

function nest(path: readonly Seg[], leaf: string): string {
  let out = leaf;
  for (let i = path.length - 1; i >= 0; i--) out = `${path[i].kw}${path[i].name !== undefined ? ' ' + fmtName(path[i].name!) : ''} { ${out} }`;
  return out;
}

function lineIndent(text: string, offset: number): string {
  let ls = offset;
  while (ls > 0 && text[ls - 1] !== '\n' && text[ls - 1] !== '\r') ls--;
  let i = ls;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(ls, i);
}

function sameLine(text: string, a: number, b: number): boolean {
  return !/[\r\n]/.test(text.slice(Math.min(a, b), Math.max(a, b)));
}

/** An edit adding `stmt` as the last statement of `owner`'s body, in the body's own style. */
function appendChild(text: string, owner: Statement, stmt: string): TextEdit | undefined {
  const body = owner.body;
  if (!body || body.missing) return undefined;
  const last = body.statements.at(-1);
  if (sameLine(text, body.open.start, body.close.start)) {
    if (!last) return { range: { start: body.open.end, end: body.close.start }, newText: ` ${stmt} ` };
    return { range: { start: last.end, end: last.end }, newText: `; ${stmt}` };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = last ? lineIndent(text, last.start) : lineIndent(text, owner.start) + '  ';
  const at = last ? last.end : body.open.end;
  return { range: { start: at, end: at }, newText: `${eol}${indent}${stmt}` };
}

/**
 * `fix` (whose edits are in the base text) as the same change written in `variant`, or undefined
 * when it has no faithful override. `top` is the file's top level.
 */
export function fixInVariant(text: string, top: readonly Statement[], variant: Statement, fix: Fix): Fix | undefined {
  if (fix.edits.length !== 1 || !variant.body || variant.body.missing) return undefined;
  const e = fix.edits[0];
  if (e.range.start >= variant.start && e.range.end <= variant.end) return fix;
  const { stmts, specs } = chainAt(top, e.range.start, e.range.end);
  const s = stmts.at(-1);
  const spec = specs.at(-1);
  if (!s || !spec || stmts[0].keyword.name === 'variant') return undefined;
  let owners: Statement[];
  let leaf: string;
  let leafKw: string | undefined;
  const body = s.body;
  if (e.range.start === e.range.end && body && !body.missing && e.range.start >= body.open.end && e.range.start <= body.close.start) {
    // New statements in `s`'s body (before one of its statements, or at its end).
    leaf = e.newText.trim().replace(/[;\s]+$/, '').replace(/\s*[\r\n]+\s*/g, '; ');
    if (!leaf || /[{}]/.test(leaf)) return undefined;
    owners = stmts;
    const kw = /^[A-Za-z_][\w-]*/.exec(leaf)?.[0];
    const kspec = kw !== undefined && spec ? resolveStatement(kw, spec.id) : undefined;
    if (!kspec || kspec.step || kspec.repeatable || leaf.includes(';')) return undefined;
    leafKw = kw;
  } else {
    // A change inside the head (`boost static_rt` -> `boost off`); not a name, not a step.
    const he = headEnd(s);
    if (e.range.start < s.keyword.start || e.range.end > he || spec.step || spec.repeatable) return undefined;
    if (spec.args[0]?.type.kind === 'name' && s.args[0] && e.range.start < s.args[0].end) return undefined;
    leaf = text.slice(s.start, e.range.start) + e.newText + text.slice(e.range.end, he);
    if (!leaf.trim() || /[{};\r\n]/.test(leaf)) return undefined;
    owners = stmts.slice(0, -1);
    leafKw = s.keyword.name;
  }
  const path = pathOf(owners, specs.slice(0, owners.length));
  if (!path) return undefined;
  // The deepest block of the variant on that path.
  let into: Statement = variant;
  let depth = 0;
  while (depth < path.length) {
    const seg = path[depth];
    const next = [...(into.body?.statements ?? [])].reverse().find((x) => x.keyword.name === seg.kw && (seg.name === undefined || nameOf(x) === seg.name) && x.body && !x.body.missing);
    if (!next) break;
    into = next;
    depth++;
  }
  let edit: TextEdit | undefined;
  if (depth === path.length && leafKw !== undefined) {
    const own = into.body?.statements.find((x) => x.keyword.name === leafKw);
    if (own) edit = { range: { start: own.start, end: headEnd(own) }, newText: leaf };
  }
  edit ??= appendChild(text, into, nest(path.slice(depth), leaf));
  if (!edit) return undefined;
  return { title: fix.title, edits: [edit], ...(fix.preferred ? { preferred: true } : {}) };
}
