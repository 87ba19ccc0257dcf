/**
 * Suppression comments: `# vpscope-allow VPS210: the "before" case` (docs/language.md,
 * "Suppressing a finding").
 *
 * What a comment covers:
 * - written after a statement on the same line (a trailing comment): that line;
 * - on a line of its own, inside a block before the block's first statement (the top of a
 *   block): the whole block, its head included;
 * - on a line of its own elsewhere: the next statement of the same block, with its body when it
 *   has one (so a comment on the line before `vm a {` covers the whole `vm a` block).
 * A diagnostic is suppressed when its code is named and its range starts inside what the comment
 * covers. Errors of the checker (VPS0xx, and VPS1xx errors) are never suppressed: the scenario is
 * invalid until they are fixed. Pure: no I/O.
 */
import type { Diagnostic } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import type { SourceFile, Statement, Token } from '../syntax/tree';
import { checkerCodes, Codes, codeHref } from './codes';

export interface Suppression {
  /** The comment. */
  range: TextRange;
  /** The codes it names (upper case), each with the range of its spelling in the comment. */
  codes: { code: string; range: TextRange }[];
  reason?: string;
  kind: 'line' | 'statement' | 'block';
  /** The text it covers (empty when it is followed by nothing it could cover). */
  scope: TextRange;
}

const DIRECTIVE = /^#\s*vpscope-allow\b/i;
const CODE = /^VPS\d{3}$/i;

/**
 * The suppression comments of a parsed file, and the problems of malformed ones (VPS151).
 * `known` tells whether a code exists (the full catalog lives above the model).
 */
export function parseSuppressions(text: string, file: SourceFile, known: (code: string) => boolean): { list: Suppression[]; problems: Diagnostic[] } {
  const list: Suppression[] = [];
  const problems: Diagnostic[] = [];
  for (const c of file.comments) {
    const raw = text.slice(c.start, c.end);
    const m = DIRECTIVE.exec(raw);
    if (!m) continue;
    const rest = raw.slice(m[0].length);
    const colon = rest.indexOf(':');
    const codePart = colon >= 0 ? rest.slice(0, colon) : rest;
    const reason = colon >= 0 ? rest.slice(colon + 1).trim() : undefined;
    const codes: Suppression['codes'] = [];
    const base = c.start + m[0].length;
    const re = /[^\s,]+/g;
    let t: RegExpExecArray | null;
    while ((t = re.exec(codePart))) {
      const word = t[0];
      const range = { start: base + t.index, end: base + t.index + word.length };
      const code = word.toUpperCase();
      if (!CODE.test(word) || !known(code)) {
        problems.push(bad(`\`${word}\` is not a vpscope code; \`# vpscope-allow\` takes codes such as \`VPS210\` (see docs/codes.md).`, range));
      } else if (unsuppressible(code)) {
        problems.push(bad(`${code} is an error of the checker and cannot be suppressed: the scenario is invalid until it is fixed.`, range));
      } else if (!codes.some((x) => x.code === code)) codes.push({ code, range });
    }
    if (codes.length === 0) {
      if (!problems.some((p) => p.range.start >= c.start && p.range.end <= c.end)) {
        problems.push(bad('`# vpscope-allow` names no code: write e.g. `# vpscope-allow VPS210: reason`.', { start: c.start, end: c.end }));
      }
      continue;
    }
    const { kind, scope } = scopeOf(text, file, c);
    const s: Suppression = { range: { start: c.start, end: c.end }, codes, kind, scope };
    if (reason) s.reason = reason;
    list.push(s);
  }
  return { list, problems };
}

function bad(message: string, range: TextRange): Diagnostic {
  return { severity: 'warning', code: Codes.badSuppression, message, range };
}

/** Syntax errors and the checker's semantic errors cannot be suppressed. */
const unsuppressibleCodes = new Set<string>(checkerCodes.filter((d) => d.severity === 'error').map((d) => d.code));
export function unsuppressible(code: string): boolean {
  return unsuppressibleCodes.has(code) || /^VPS0\d\d$/.test(code);
}

function scopeOf(text: string, file: SourceFile, c: Token): { kind: Suppression['kind']; scope: TextRange } {
  const lineStart = text.lastIndexOf('\n', c.start - 1) + 1;
  if (text.slice(lineStart, c.start).trim() !== '') {
    const nl = text.indexOf('\n', c.end);
    return { kind: 'line', scope: { start: lineStart, end: nl < 0 ? text.length : nl } };
  }
  // The innermost block holding the comment, then the next statement in it.
  let owner: Statement | undefined;
  let stmts = file.statements;
  for (;;) {
    const inner = stmts.find((s) => s.body && !s.body.missing && s.body.open.end <= c.start && c.start < s.body.close.start);
    const innerOpen = inner ?? stmts.find((s) => s.body && s.body.missing && s.body.open.end <= c.start && c.start < s.end);
    if (!innerOpen) break;
    owner = innerOpen;
    stmts = innerOpen.body!.statements;
  }
  const idx = stmts.findIndex((s) => s.start >= c.end);
  if (idx < 0) return { kind: 'statement', scope: { start: c.end, end: c.end } };
  if (idx === 0 && owner) return { kind: 'block', scope: { start: owner.start, end: owner.end } };
  const next = stmts[idx];
  return { kind: 'statement', scope: { start: next.start, end: next.end } };
}

function covers(s: Suppression, d: Diagnostic): boolean {
  if (s.scope.end <= s.scope.start && s.kind !== 'line') return false;
  return d.range.start >= s.scope.start && d.range.start <= s.scope.end && s.codes.some((x) => x.code === d.code);
}

/**
 * Drops the diagnostics the suppressions cover; returns what is kept and, per suppression and
 * code, how many it suppressed (`used`, keyed `index:code`, for the unused check).
 */
export function applySuppressions(diags: readonly Diagnostic[], list: readonly Suppression[], used: Map<string, number> = new Map()): { kept: Diagnostic[]; used: Map<string, number> } {
  if (list.length === 0) return { kept: [...diags], used };
  const kept: Diagnostic[] = [];
  for (const d of diags) {
    if (d.severity === 'error' && unsuppressible(d.code)) {
      kept.push(d);
      continue;
    }
    let hit = -1;
    for (let i = 0; i < list.length; i++) if (covers(list[i], d)) {
      hit = i;
      break;
    }
    if (hit < 0) kept.push(d);
    else used.set(`${hit}:${d.code}`, (used.get(`${hit}:${d.code}`) ?? 0) + 1);
  }
  return { kept, used };
}

/**
 * VPS150 for each code of a suppression that suppressed nothing, among the codes `judged` says
 * this analysis can tell (the static checker cannot tell about run findings, VPS3xx).
 */
export function unusedSuppressions(list: readonly Suppression[], used: ReadonlyMap<string, number>, judged: (code: string) => boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  list.forEach((s, i) => {
    for (const { code, range } of s.codes) {
      if (!judged(code) || used.has(`${i}:${code}`)) continue;
      const where = s.kind === 'line' ? 'on this line' : s.kind === 'block' ? 'in this block' : s.scope.end > s.scope.start ? 'in the statement below' : 'here (nothing follows the comment in its block)';
      out.push({
        severity: 'info',
        code: Codes.unusedSuppression,
        message: `\`# vpscope-allow ${code}\` suppresses nothing: there is no ${code} ${where}. Remove it, or move it to the finding it means (${codeHref(code)}).`,
        range,
        tags: ['unnecessary'],
      });
    }
  });
  return out;
}
