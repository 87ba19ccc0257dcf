/**
 * Resolution: which schema entry each statement is, given the block it is in. Reports keywords
 * that do not exist (with close matches and a quick fix), keywords in the wrong block, blocks
 * where none is allowed (or none where one is needed), settings written twice, several triggers
 * in one program, and missing required statements.
 *
 * Statements under an unknown or misplaced statement are left unresolved and unreported: one
 * typo in a block keyword must not produce an error per line of its body.
 */
import type { Diagnostic } from '../core/diagnostic';
import type { SourceFile, Statement } from '../syntax/tree';
import type { ResolvedStatement } from './analysisTypes';
import { shiftDiagnostic, type AnalysisReuse } from './reuse';
import type { StatementSpec } from './schemaTypes';
import { Codes } from './codes';
import { childSpecs, requiredChildSpecs, parentSpecId, resolveStatement, specById, specsWithKeyword, isTriggerSpec } from './schema';
import { closeMatches, DiagSink, didYouMean, replaceFixes, wordList } from './util';

/**
 * Where a statement is: facts shared by every statement of one body (one object per body, not per
 * statement: this runs on every keystroke). The chains of enclosing statements are made only when
 * asked for (the language server's requests do; the checker walks `up` instead).
 */
export class Place {
  private ids: string[] | undefined;
  private nodes: Statement[] | undefined;
  constructor(
    /** Parent context: `'file'`, `'variant'`, a spec id, or `''` under an unknown statement. */
    readonly parent: string,
    /** The place of the enclosing statement (undefined at the top level). */
    readonly up: Place | undefined,
    /** The enclosing statement (undefined at the top level). */
    readonly node: Statement | undefined,
    /** Its spec id (`''` when unknown). */
    readonly specId: string,
    /** Name of the enclosing variant, if any. */
    readonly variant: string | undefined,
    /** The enclosing `variant` statement. */
    readonly variantStmt: Statement | undefined,
  ) {}
  /** Ids of the enclosing statements' specs, outermost first. */
  get parentIds(): string[] {
    return (this.ids ??= this.up ? this.up.parentIds.concat(this.specId) : []);
  }
  /** Enclosing statements, outermost first. */
  get parentNodes(): readonly Statement[] {
    return (this.nodes ??= this.up ? this.up.parentNodes.concat(this.node!) : []);
  }
}

/**
 * What resolution knows about a statement. It is also the statement's `ResolvedStatement` entry
 * (one object per statement, not two), and it is small: the facts about its place are shared with
 * its siblings.
 */
export class StatementInfo implements ResolvedStatement {
  constructor(
    readonly node: Statement,
    readonly spec: StatementSpec | undefined,
    /** Where it is (shared with its siblings). */
    readonly place: Place,
  ) {}
  /** Ids of the enclosing statements' specs, outermost first. */
  get parents(): string[] {
    return this.place.parentIds;
  }
  /** Inside `variant NAME`: that name. */
  get variant(): string | undefined {
    return this.place.variant;
  }
  /** Parent context: `'file'`, `'variant'` or a spec id. */
  get parent(): string {
    return this.place.parent;
  }
  /** Enclosing statements, outermost first. */
  get parentNodes(): readonly Statement[] {
    return this.place.parentNodes;
  }
  /** The enclosing `variant` statement. */
  get variantStmt(): Statement | undefined {
    return this.place.variantStmt;
  }
}

export interface Resolution {
  statements: ResolvedStatement[];
  info: InfoTable;
  /** Top-level statements of the base scenario (everything but `variant`). */
  base: Statement[];
  /** Top-level `variant` statements. */
  variants: Statement[];
  /**
   * Where each top-level statement's subtree is in `statements`: the `k`th top-level statement
   * and its descendants are `statements[tops[k]]` to `statements[tops[k + 1] - 1]` (one more
   * entry at the end: `statements.length`).
   */
  tops: number[];
}

/** What resolving one top-level statement gave (kept for the next version, model/reuse.ts). */
interface BlockResolution {
  /** The statement's start when this was made: the diagnostics' offsets are relative to it. */
  at: number;
  spec: StatementSpec | undefined;
  /** The infos of the statement and its descendants, in order. */
  infos: StatementInfo[];
  /** The diagnostics inside it (copies, at the offsets of `at`). */
  diags: Diagnostic[];
}

/**
 * Statement -> its info. Statements are numbered in document order by the parser
 * (`Statement.id`), which is also the order resolution visits them in, so the table is the list of
 * resolved statements itself: a lookup is an array read, with no hash table to build and collect
 * on every keystroke. The copies the variant merge makes (id -1) have no info: later passes reach
 * their original through `origin`. Statements of a tree that no parse numbered go to a map.
 */
export class InfoTable {
  private other: Map<Statement, StatementInfo> | undefined;
  /** How many infos `list` holds (it may be made longer beforehand, see `resolve`). */
  private n = 0;
  constructor(private readonly list: StatementInfo[]) {}
  get size(): number {
    return this.n + (this.other?.size ?? 0);
  }
  get(stmt: Statement | undefined): StatementInfo | undefined {
    if (!stmt) return undefined;
    const si = this.list[stmt.id];
    if (si !== undefined && si.node === stmt) return si;
    return this.other?.get(stmt);
  }
  has(stmt: Statement): boolean {
    return this.get(stmt) !== undefined;
  }
  /** Adds the info of the next statement (in visiting order). */
  add(si: StatementInfo): void {
    const stmt = si.node;
    if (stmt.id !== this.n) (this.other ??= new Map()).set(stmt, si);
    this.list[this.n++] = si;
  }
  /** How many infos were added (the list's length once trimmed). */
  get count(): number {
    return this.n;
  }
  /** Cuts the list to what was added (when it was made longer than needed). */
  trim(): void {
    if (this.list.length !== this.n) this.list.length = this.n;
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

/**
 * Resolves every statement of `file`. With `reuse` (the same object for every version of one
 * document), the subtree of a top-level statement resolved for an earlier version is taken as it
 * was (its infos, and its diagnostics shifted to where it is now) instead of visited again; the
 * file-wide checks of the top level run every time.
 */
export function resolve(file: SourceFile, diags: DiagSink, reuse?: AnalysisReuse): Resolution {
  // One entry per statement, the parser's count of them: made at its size, not grown by pushes
  // (which would copy it a dozen times at 5k lines, garbage on every keystroke).
  const statements: StatementInfo[] = new Array(Math.max(0, Math.min(file.statementCount, 1 << 24)));
  const tops: number[] = [];
  const info = new InfoTable(statements);
  const base: Statement[] = [];
  const variants: Statement[] = [];
  // The place of the statements being visited (shared by the siblings of one body).
  let place = new Place('file', undefined, undefined, '', undefined, undefined);
  // Non-repeatable specs seen in the body being visited and their first statements, one scratch
  // list per depth: a body holds a handful of distinct settings, so a short scan beats a map.
  const seenSpecs: StatementSpec[][] = [];
  const seenStmts: Statement[][] = [];
  let depth = 0;

  const visitList = (list: Statement[], parent: string, ownerKeyword: Statement | undefined) => {
    // (Filled by index with a count, not emptied with `length = 0`, which would drop their storage.)
    const specs = (seenSpecs[depth] ??= []);
    const firsts = (seenStmts[depth] ??= []);
    let seen = 0;
    depth++;
    let trigger: Statement | undefined;
    for (let i = 0; i < list.length; i++) {
      const stmt = list[i];
      const spec = parent === 'file' && depth === 1 ? visitTop(stmt) : visit(stmt, parent);
      if (!spec) continue;
      if (!spec.repeatable) {
        let k = 0;
        while (k < seen && specs[k] !== spec) k++;
        if (k < seen) {
          const first = firsts[k];
          diags.error(Codes.duplicateSetting, `\`${spec.keyword}\` is already set ${parentLabel(parent)} (line above); remove one of them.`, stmt.keyword, {
            related: [{ range: { start: first.start, end: first.end }, message: `first \`${spec.keyword}\`` }],
          });
        } else {
          specs[seen] = spec;
          firsts[seen++] = stmt;
        }
      }
      if (isTriggerSpec(spec.id)) {
        if (trigger && trigger !== stmt) {
          diags.error(Codes.multipleTriggers, `A program has one trigger, and \`${trigger.keyword.name}\` already starts this one; remove \`${spec.keyword}\` or the other.`, stmt.keyword, {
            related: [{ range: { start: trigger.start, end: trigger.end }, message: 'the first trigger' }],
          });
        } else trigger = stmt;
      }
    }
    depth--;
    // Required statements: checked in the base only (a variant's blocks are partial overrides).
    if (place.variant === undefined) {
      const required = requiredChildSpecs(parent);
      for (const r of required) {
        let k = 0;
        while (k < seen && specs[k] !== r) k++;
        if (k < seen) continue;
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

  /** The place of the statements in `stmt`'s body. */
  const inside = (stmt: Statement, specId: string, childParent: string, enteringVariant: boolean): Place =>
    new Place(childParent, place, stmt, specId, enteringVariant ? nameOf(stmt) ?? '' : place.variant, enteringVariant ? stmt : place.variantStmt);

  const visit = (stmt: Statement, parent: string): StatementSpec | undefined => {
    const kw = stmt.keyword;
    let spec: StatementSpec | undefined;
    if (!kw.missing && parent !== '') {
      spec = resolveStatement(kw.name, parent);
      if (!spec) reportUnknown(stmt, parent);
    }
    info.add(new StatementInfo(stmt, spec, place));
    if (spec) {
      if (spec.variantOnly && place.variant === undefined) {
        diags.error(Codes.removeOutsideVariant, '`remove` works in a variant, where it takes a block of the base scenario out; here, delete the block itself.', stmt.keyword);
      }
      if (spec.body === 'none' && stmt.body) {
        diags.error(Codes.bodyMismatch, `\`${spec.keyword}\` is a setting and takes no block; remove the \`{ ... }\`.`, stmt.body.open);
      } else if (spec.body === 'required' && !stmt.body) {
        diags.error(Codes.bodyMismatch, `\`${spec.keyword}\` needs a block: \`${spec.keyword}${spec.args.length ? ' ' + spec.args.map((a) => a.name.toUpperCase()).join(' ') : ''} { ... }\`.`, { start: stmt.keyword.start, end: stmt.end });
      }
    }
    if (stmt.body) {
      // Unknown statement: its body is not checked (parent ''), but it is still walked so that
      // every statement has an info entry for the language server.
      // A `sweep` body holds a setting with a list of values, not one value: model/sweep.ts
      // checks it (walked unchecked here, like an unknown block's).
      const childParent = !spec || spec.id === 'sweep' ? '' : spec.id === 'variant' ? 'variant' : spec.id;
      const saved = place;
      place = inside(stmt, spec?.id ?? '', childParent, spec?.id === 'variant' && parent === 'file');
      if (childParent === '') for (const c of stmt.body.statements) visitUnchecked(c);
      else visitList(stmt.body.statements, childParent, stmt);
      place = saved;
    }
    return spec;
  };

  /** A top-level statement: taken from `reuse` when it has it, else visited (and kept there). */
  const visitTop = (stmt: Statement): StatementSpec | undefined => {
    tops.push(info.count);
    const cache = reuse?.resolution as WeakMap<Statement, BlockResolution> | undefined;
    const hit = cache?.get(stmt);
    if (hit) {
      for (let k = 0; k < hit.infos.length; k++) info.add(hit.infos[k]);
      const delta = stmt.start - hit.at;
      for (const d of hit.diags) diags.adopt(shiftDiagnostic(d, delta));
      return hit.spec;
    }
    const from = info.count;
    const mark = diags.list.length;
    const spec = visit(stmt, 'file');
    if (cache) cache.set(stmt, { at: stmt.start, spec, infos: statements.slice(from, info.count), diags: diags.list.slice(mark).map((d) => shiftDiagnostic(d, 0)) });
    return spec;
  };

  const visitUnchecked = (stmt: Statement) => {
    info.add(new StatementInfo(stmt, undefined, place));
    if (stmt.body) {
      const saved = place;
      place = inside(stmt, '', '', false);
      for (const c of stmt.body.statements) visitUnchecked(c);
      place = saved;
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
  info.trim();
  tops.push(statements.length);
  for (const s of file.statements) {
    if (!s.keyword.missing && s.keyword.name === 'variant' && info.get(s)?.spec?.id === 'variant') variants.push(s);
    else base.push(s);
  }
  return { statements, info, base, variants, tops };
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
