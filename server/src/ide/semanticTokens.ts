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
import type { Arg, Statement } from '../syntax/tree';
import type { IdeDocument } from './document';
import { isBlockLike, matchArgs, type ArgRole } from './schemaInfo';
import type { SemanticToken } from './types';

export function semanticTokens(doc: IdeDocument): SemanticToken[] {
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

  const visit = (list: readonly Statement[], parentId: string | undefined) => {
    for (const s of list) {
      const spec: StatementSpec | undefined = parentId !== undefined && !s.keyword.missing ? resolveStatement(s.keyword.name, parentId) : undefined;
      if (spec) {
        const type = isBlockLike(spec) || isTriggerSpec(spec.id) ? 'keyword' : spec.step ? 'function' : 'property';
        push(s.keyword.start, s.keyword.end, type);
        const { roles } = matchArgs(spec.args, s.args);
        s.args.forEach((a, i) => arg(a, roles[i]));
      } else {
        for (const a of s.args) arg(a, undefined);
      }
      if (s.body) visit(s.body.statements, spec ? spec.id : undefined);
    }
  };
  visit(doc.analysis.parse.file.statements, 'file');

  for (const t of doc.analysis.parse.tokens) {
    if (t.kind === 'comment') push(t.start, t.end, 'comment');
    else if (t.kind === 'dotdot' || t.kind === 'caret' || t.kind === 'comma') push(t.start, t.end, 'operator');
    // A dash glued in front of a number is that number's sign, already part of the number token.
    else if (t.kind === 'dash' && !numberStarts.has(t.start)) push(t.start, t.end, 'operator');
  }
  return out.sort((a, b) => a.start - b.start);
}
