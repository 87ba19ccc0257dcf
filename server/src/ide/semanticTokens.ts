/**
 * Semantic tokens: a class for each token, from the schema rather than from a grammar, so a
 * word is coloured by what it is here (`rate` the trigger keyword vs `rate` the irq setting,
 * `exp` the distribution vs a name that happens to be `exp`).
 *
 * - block keywords and triggers: keyword; settings: property; program steps: function
 * - enum values, `on`/`off`, `all`: enumMember; the literal `at`: keyword
 * - distribution kinds: function (they take parameters)
 * - numbers: number, with the attached unit as its own `unit` token
 * - declared names: variable + declaration; references: variable
 * - strings, comments, and the operators `..` `-` `^` `,`
 */
import { isTriggerSpec, resolveStatement } from '../model/schema';
import type { StatementSpec } from '../model/schemaTypes';
import { scan } from '../syntax/scanner';
import type { Arg, Statement } from '../syntax/tree';
import { lastStartingAt } from '../syntax/walk';
import type { IdeDocument } from './document';
import { isBlockLike, matchArgs, type ArgRole } from './schemaInfo';
import { MAX_SEMANTIC_TOKENS } from './limits';
import type { SemanticToken, TextRange } from './types';

/** The semantic tokens of the whole document (at most `MAX_SEMANTIC_TOKENS`, ide/limits.ts). */
export function semanticTokens(doc: IdeDocument): SemanticToken[] {
  return semanticTokensLimited(doc).tokens;
}

/**
 * The semantic tokens touching `range` (all of it by default), at most `limit` of them, the first
 * in document order; `truncated` says some were left out. Only the statements overlapping the
 * range are read, and a walk that has more than `limit` tokens stops at the next top-level
 * statement, so the work follows the answer's size, not the file's. The tokens of a range are
 * exactly those of the whole document that touch it.
 */
export function semanticTokensLimited(doc: IdeDocument, range?: TextRange, limit: number = MAX_SEMANTIC_TOKENS): { tokens: SemanticToken[]; truncated: boolean } {
  const from = range ? range.start : 0;
  const to = range ? range.end : doc.text.length;
  const out: SemanticToken[] = [];
  const numberStarts = new Set<number>();
  const push = (start: number, end: number, type: SemanticToken['type'], modifiers?: SemanticToken['modifiers']) => {
    if (end > start) out.push(modifiers ? { start, length: end - start, type, modifiers } : { start, length: end - start, type });
  };

  const arg = (a: Arg, role: ArgRole | undefined) => {
    switch (a.type) {
      case 'number': {
        if (a.missing) return;
        numberStarts.add(a.start);
        push(a.start, a.unitRange.start, 'number');
        push(a.unitRange.start, a.unitRange.end, 'unit');
        return;
      }
      case 'string':
        push(a.start, a.end, 'string');
        return;
      case 'ident': {
        if (a.missing || !role) return;
        if (role.part === 'distKind') return push(a.start, a.end, 'function');
        const t = role.spec.type;
        switch (t.kind) {
          case 'enum':
          case 'enumList':
          case 'bool':
            return push(a.start, a.end, 'enumMember');
          case 'cpulist':
          case 'vplist':
            return a.name === 'all' ? push(a.start, a.end, 'enumMember') : undefined;
          case 'literal':
            return push(a.start, a.end, 'keyword');
          case 'name':
            return push(a.start, a.end, 'variable', ['declaration']);
          case 'ref':
            return push(a.start, a.end, 'variable');
          default:
            return;
        }
      }
      case 'list':
        for (const it of a.items) arg(it, role);
        return;
      case 'range':
      case 'span':
        arg(a.lo, role);
        arg(a.hi, role);
        return;
      case 'not':
        arg(a.operand, role);
        return;
    }
  };

  // Statements in document order (pre-order), until the end of the range or until more than
  // `limit` tokens are made: `cut` is the start of the first statement left unread (every token
  // before it is made: a statement's own tokens come before its body's).
  let cut = to;
  const visit = (list: readonly Statement[], parentId: string | undefined): boolean => {
    for (const s of list) {
      // Statements outside the range have no token touching it (a token lies in its statement).
      if (s.end < from) continue;
      if (s.start > to) return false;
      if (out.length > limit) {
        cut = s.start;
        return false;
      }
      const spec: StatementSpec | undefined = parentId !== undefined && !s.keyword.missing ? resolveStatement(s.keyword.name, parentId) : undefined;
      if (spec) {
        const type = isBlockLike(spec) || isTriggerSpec(spec.id) ? 'keyword' : spec.step ? 'function' : 'property';
        push(s.keyword.start, s.keyword.end, type);
        const { roles } = matchArgs(spec.args, s.args);
        s.args.forEach((a, i) => arg(a, roles[i]));
      } else {
        for (const a of s.args) arg(a, undefined);
      }
      if (s.body && !visit(s.body.statements, spec ? spec.id : undefined)) return false;
    }
    return true;
  };
  // From the first top-level statement that can touch the range (the ones before it end before it).
  const top = doc.analysis.parse.file.statements;
  visit(top.slice(Math.max(0, lastStartingAt(top, from))), 'file');

  // Comments and operators of the lines read (tokens never cross a line break): scanned from
  // those lines when they are a part of the document, else the document's token array.
  const lo = lineStartAt(doc.text, from);
  const hi = lineEndAt(doc.text, cut);
  const whole = lo === 0 && hi >= doc.text.length;
  const shift = whole ? 0 : lo;
  for (const t of whole ? doc.analysis.parse.tokens : scan(doc.text.slice(lo, hi), () => {})) {
    const start = t.start + shift;
    const end = t.end + shift;
    if (t.kind === 'comment') push(start, end, 'comment');
    else if (t.kind === 'dotdot' || t.kind === 'caret' || t.kind === 'comma') push(start, end, 'operator');
    // A dash glued in front of a number is that number's sign, already part of the number token.
    else if (t.kind === 'dash' && !numberStarts.has(start)) push(start, end, 'operator');
  }
  out.sort((a, b) => a.start - b.start);
  let kept = out;
  if (range) kept = kept.filter((t) => t.start + t.length > range.start && t.start < range.end);
  if (cut < to) kept = kept.filter((t) => t.start < cut);
  const truncated = kept.length > limit || cut < to;
  return { tokens: kept.length > limit ? kept.slice(0, limit) : kept, truncated };
}

/** The start of the line holding `offset`. */
function lineStartAt(text: string, offset: number): number {
  let p = Math.min(Math.max(0, offset), text.length);
  while (p > 0 && text.charCodeAt(p - 1) !== 10 && text.charCodeAt(p - 1) !== 13) p--;
  return p;
}

/** The end of the line holding `offset` (its line break included), or the text's end. */
function lineEndAt(text: string, offset: number): number {
  let p = Math.min(Math.max(0, offset), text.length);
  while (p < text.length && text.charCodeAt(p) !== 10) p++;
  return Math.min(text.length, p + 1);
}
