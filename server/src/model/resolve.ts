/**
 * Resolution: which schema entry each statement is, given the block it is in. Reports keywords
 * that do not exist (with close matches and a quick fix), keywords in the wrong block, blocks
 * where none is allowed (or none where one is needed), settings written twice, several triggers
 * in one program, and missing required statements.
 *
 * Statements under an unknown or misplaced statement are left unresolved and unreported: one
 * typo in a block keyword must not produce an error per line of its body.
 */
import type { SourceFile, Statement } from '../syntax/tree';
import type { ResolvedStatement } from './analysisTypes';
import type { StatementSpec } from './schemaTypes';
import { Codes } from './codes';
import { childSpecs, requiredChildSpecs, parentSpecId, resolveStatement, specById, specsWithKeyword, isTriggerSpec } from './schema';
import { closeMatches, DiagSink, didYouMean, replaceFixes, wordList } from './util';

/**
 * What resolution knows about a statement. It is also the statement's `ResolvedStatement` entry
 * (one object per statement, not two: this runs on every keystroke).
 */
export interface StatementInfo extends ResolvedStatement {
  /** Parent context: `'file'`, `'variant'` or a spec id. */
  parent: string;
  /** Enclosing statements, outermost first. */
  parentNodes: readonly Statement[];
  /** Name of the enclosing variant, if any. */
  variant?: string;
  /** The enclosing `variant` statement. */
  variantStmt?: Statement;
}

export interface Resolution {
  statements: ResolvedStatement[];
  info: InfoTable;
  /** Top-level statements of the base scenario (everything but `variant`). */
  base: Statement[];
  /** Top-level `variant` statements. */
  variants: Statement[];
}

const INFO = Symbol('vpscope.statementInfo');
type WithInfo = Statement & { [INFO]?: StatementInfo };

/**
 * Statement -> its info, stored on the statement under a private symbol rather than in a Map:
 * this table is read for every statement by every later pass, on every keystroke, and a
 * property read is far cheaper than a hash lookup (nor does a 10k-entry hash table have to be
 * grown and garbage collected). The symbol is invisible to JSON and `Object.keys`. The parse
 * tree belongs to one analysis, so the info of a later `resolve` of the same tree replaces it.
 */
export class InfoTable {
  size = 0;
  get(stmt: Statement | undefined): StatementInfo | undefined {
    return stmt ? (stmt as WithInfo)[INFO] : undefined;
  }
  has(stmt: Statement): boolean {
    return (stmt as WithInfo)[INFO] !== undefined;
  }
  set(stmt: Statement, si: StatementInfo): void {
    (stmt as WithInfo)[INFO] = si;
    this.size++;
  }
}

/** The first argument as a name (ident or string), if any. */
export function nameOf(stmt: Statement): string | undefined {
  const a = stmt.args[0];
  if (!a) return undefined;
  if (a.type === 'ident' && !a.missing) return a.name;
  if (a.type === 'string') return a.value;
  return undefined;
}

function parentLabel(parent: string): string {
  if (parent === 'file') return 'at the top level';
  if (parent === 'variant') return 'in a `variant`';
  const s = specById(parent);
  return s ? `in \`${s.keyword}\`` : 'here';
}

/** Where a keyword may be written, for messages: "`vm`, `thread`". */
function placesOf(specs: readonly StatementSpec[]): string {
  const places = new Set<string>();
  for (const s of specs) {
    const p = parentSpecId(s.id);
    if (p === 'file' || p === undefined) places.add('the top level');
    else places.add('`' + (specById(p)?.keyword ?? p) + '`');
  }
  return [...places].slice(0, 5).join(', ');
}

export function resolve(file: SourceFile, diags: DiagSink): Resolution {
  const statements: ResolvedStatement[] = [];
  const info = new InfoTable();
  const base: Statement[] = [];
  const variants: Statement[] = [];
  // Snapshots of the enclosing chain, shared by all statements of one body (allocated once per
  // body, not per statement: this pass runs on every keystroke).
  let parents: readonly Statement[] = [];
  let parentIds: readonly string[] = [];
  let variant: string | undefined;
  let variantStmt: Statement | undefined;

  const visitList = (list: Statement[], parent: string, ownerKeyword: Statement | undefined) => {
    const seen = new Map<string, Statement>();
    let trigger: Statement | undefined;
    for (const stmt of list) {
      const spec = visit(stmt, parent);
      if (!spec) continue;
      if (!spec.repeatable) {
        const first = seen.get(spec.id);
        if (first) {
          diags.error(Codes.duplicateSetting, `\`${spec.keyword}\` is already set ${parentLabel(parent)} (line above); remove one of them.`, stmt.keyword, {
            related: [{ range: { start: first.start, end: first.end }, message: `first \`${spec.keyword}\`` }],
          });
        } else seen.set(spec.id, stmt);
      }
      if (isTriggerSpec(spec.id)) {
        if (trigger && trigger !== stmt) {
          diags.error(Codes.multipleTriggers, `A program has one trigger, and \`${trigger.keyword.name}\` already starts this one; remove \`${spec.keyword}\` or the other.`, stmt.keyword, {
            related: [{ range: { start: trigger.start, end: trigger.end }, message: 'the first trigger' }],
          });
        } else trigger = stmt;
      }
    }
    // Required statements: checked in the base only (a variant's blocks are partial overrides).
    if (variant === undefined) {
      const required = requiredChildSpecs(parent);
      for (const r of required) {
        if (seen.has(r.id)) continue;
        if (parent === 'file') {
          const at = list[0] ? { start: list[0].keyword.start, end: list[0].keyword.end } : { start: 0, end: 0 };
          diags.error(Codes.missingRequired, `A scenario needs a \`host { pcpus N }\` block describing the physical machine; add one.`, at);
        } else if (ownerKeyword) {
          const owner = specById(parent);
          diags.error(Codes.missingRequired, `\`${owner?.keyword ?? ownerKeyword.keyword.name}\` needs \`${r.keyword}\`${r.args[0] ? ` (${exampleOf(r)})` : ''}; add it to the block.`, ownerKeyword.keyword.missing ? ownerKeyword : ownerKeyword.keyword);
        }
      }
    }
  };

  const visit = (stmt: Statement, parent: string): StatementSpec | undefined => {
    const kw = stmt.keyword;
    let spec: StatementSpec | undefined;
    if (!kw.missing && parent !== '') {
      spec = resolveStatement(kw.name, parent);
      if (!spec) reportUnknown(stmt, parent);
    }
    const si: StatementInfo = { node: stmt, spec, parents: parentIds as string[], variant, parent, parentNodes: parents, variantStmt };
    info.set(stmt, si);
    statements.push(si);
    if (spec) {
      if (spec.body === 'none' && stmt.body) {
        diags.error(Codes.bodyMismatch, `\`${spec.keyword}\` is a setting and takes no block; remove the \`{ ... }\`.`, stmt.body.open);
      } else if (spec.body === 'required' && !stmt.body) {
        diags.error(Codes.bodyMismatch, `\`${spec.keyword}\` needs a block: \`${spec.keyword}${spec.args.length ? ' ' + spec.args.map((a) => a.name.toUpperCase()).join(' ') : ''} { ... }\`.`, { start: stmt.keyword.start, end: stmt.end });
      }
    }
    if (stmt.body) {
      // Unknown statement: its body is not checked (parent ''), but it is still walked so that
      // every statement has an info entry for the language server.
      const childParent = !spec ? '' : spec.id === 'variant' ? 'variant' : spec.id;
      const enteringVariant = spec?.id === 'variant' && parent === 'file';
      if (enteringVariant) {
        variant = nameOf(stmt) ?? '';
        variantStmt = stmt;
      }
      const saved = [parents, parentIds] as const;
      parents = [...parents, stmt];
      parentIds = [...parentIds, spec?.id ?? ''];
      if (childParent === '') for (const c of stmt.body.statements) visitUnchecked(c);
      else visitList(stmt.body.statements, childParent, stmt);
      [parents, parentIds] = saved;
      if (enteringVariant) {
        variant = undefined;
        variantStmt = undefined;
      }
    }
    return spec;
  };

  const visitUnchecked = (stmt: Statement) => {
    const si: StatementInfo = { node: stmt, spec: undefined, parents: parentIds as string[], variant, parent: '', parentNodes: parents, variantStmt };
    info.set(stmt, si);
    statements.push(si);
    if (stmt.body) {
      const saved = [parents, parentIds] as const;
      parents = [...parents, stmt];
      parentIds = [...parentIds, ''];
      for (const c of stmt.body.statements) visitUnchecked(c);
      [parents, parentIds] = saved;
    }
  };

  const reportUnknown = (stmt: Statement, parent: string) => {
    const word = stmt.keyword.name;
    const allowed = childSpecs(parent).map((s) => s.keyword);
    const elsewhere = specsWithKeyword(word);
    const here = parentLabel(parent);
    if (elsewhere.length > 0) {
      diags.error(Codes.misplacedKeyword, `\`${word}\` is not allowed ${here}; it belongs in ${placesOf(elsewhere)}.`, stmt.keyword);
      return;
    }
    const matches = closeMatches(word, allowed);
    const listing = matches.length ? didYouMean(matches) : ` Allowed ${here}: ${wordList(allowed.slice(0, 12), 'and')}${allowed.length > 12 ? ', ...' : ''}.`;
    diags.error(Codes.unknownKeyword, `Unknown keyword \`${word}\` ${here}.${listing}`, stmt.keyword, { fixes: replaceFixes(stmt.keyword, matches) });
  };

  visitList(file.statements, 'file', undefined);
  for (const s of file.statements) {
    if (!s.keyword.missing && s.keyword.name === 'variant' && info.get(s)?.spec?.id === 'variant') variants.push(s);
    else base.push(s);
  }
  return { statements, info, base, variants };
}

/** `vcpus 4`-style example of a statement, for messages. */
export function exampleOf(spec: StatementSpec): string {
  const ex: Record<string, string> = {
    duration: '10ms', count: '4', signed: '0', percent: '50%', rate: '1k/s', bool: 'on', cpulist: '0-3', vp: '0', vplist: '0-3', dist: 'exp 100us', string: '"text"', text: 'pio',
  };
  const parts = spec.args.map((a) => {
    const t = a.type;
    if (t.kind === 'enum' || t.kind === 'enumList') return t.values[0]?.name ?? a.name;
    if (t.kind === 'literal') return t.word;
    if (t.kind === 'name' || t.kind === 'ref') return a.name;
    return ex[t.kind] ?? a.name;
  });
  return `\`${[spec.keyword, ...parts].join(' ')}\``;
}
