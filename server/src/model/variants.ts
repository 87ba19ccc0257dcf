/**
 * Variants: merging a `variant` body into a copy of the base tree, by path of (keyword, name).
 *
 * Rules (docs/language.md, "variant"):
 * - A named block (`vm web`, `task nvme`, `disk os`) matches the base block with the same keyword
 *   and name, and the two bodies merge recursively. A named block the base lacks is added, when
 *   it is complete (has its required statements); an incomplete one is most likely a misspelt
 *   override, so it is reported (VPS140) and left out.
 * - An unnamed block (`host`, `openhcl`, `guest`, `boost`, `sidecar`...) matches by keyword; its
 *   arguments, when the variant writes any (`boost off`), replace the base's.
 * - A setting replaces the base's setting of the same keyword in place.
 * - Program steps are a sequence, not a set: when the variant writes any step in a block, its
 *   steps replace all the base's steps of that block. Other repeatable statements
 *   (`retarget_vp`) likewise replace all of their kind.
 * - `remove KEYWORD NAME` takes that named block out of the block it is written in (in statement
 *   order, so a complete block of the same name written after it replaces it); nothing of that
 *   name there is an error (VPS141). What is removed is recorded by path, so that the lowering
 *   can report what still uses it (VPS143).
 * - What a variant is merged into is the base, or, with `based_on`, the other variant as merged
 *   (`analyze.ts` merges each variant once, in dependency order).
 *
 * The merged tree reuses the original nodes (so every range still points at the text that wrote
 * it: a setting from the variant at the variant, the rest at the base). Merged block statements
 * are shallow copies, registered in `origin` so that later passes can find the node whose
 * arguments they carry.
 */
import type { Statement } from '../syntax/tree';
import type { StatementSpec } from './schemaTypes';
import { BodyNode } from '../syntax/nodes';
import { Codes } from './codes';
import { childSpecs } from './schema';
import { nameOf } from './resolve';
import { closeMatches, DiagSink, didYouMean, replaceFixes, wordList } from './util';

export interface MergeContext {
  spec(stmt: Statement): StatementSpec | undefined;
  /** Merged copy -> the node whose `args` it carries (for argument parsing and spec lookup). */
  origin: Map<Statement, Statement>;
  sink: DiagSink;
  variantName: string;
  /**
   * What the variant is merged into, for messages: `the base` (default) or ``variant `a` `` when
   * it is `based_on` another variant.
   */
  baseLabel?: string;
  /**
   * Blocks the merge removes (`remove KEYWORD NAME`), by their path (see {@link removalKey}), with
   * the `remove` statement that removes each. Filled by the merge; a variant based on another one
   * starts with the other one's.
   */
  removed?: Map<string, Statement>;
}

/**
 * The path of a named block in a removal map: its enclosing named blocks and itself, as
 * `KEYWORD:NAME` joined by `/` (unnamed blocks such as `openhcl` are left out):
 * `vm:web/storvsp:scsi0/disk:archive`, `vm:web/lock:l`, `pool:fast`.
 */
export function removalKey(owner: string, kw: string, name: string): string {
  return `${owner ? owner + '/' : ''}${kw}:${name}`;
}

export function mergeVariant(base: readonly Statement[], variantBody: readonly Statement[], ctx: MergeContext): Statement[] {
  return mergeList(base, variantBody, ctx, ctx.baseLabel === undefined ? 'the base scenario' : ctx.baseLabel, '');
}

/** The word at argument `k` (an identifier or a string), if any. */
function argWord(stmt: Statement, k: number): string | undefined {
  const a = stmt.args[k];
  if (!a || a.missing) return undefined;
  if (a.type === 'ident') return a.name;
  if (a.type === 'string') return a.value;
  return undefined;
}

function mergeList(base: readonly Statement[], over: readonly Statement[], ctx: MergeContext, where: string, owner: string): Statement[] {
  const result: Statement[] = base.slice();
  const steps: Statement[] = [];
  const repeated = new Map<string, Statement[]>();
  for (const v of over) {
    const spec = ctx.spec(v);
    if (!spec || spec.id === 'variant.description' || spec.id === 'variant.based_on' || spec.id === 'variant') continue;
    if (spec.variantOnly) {
      removeFrom(result, v, spec, ctx, where, owner);
      continue;
    }
    if (spec.step) {
      steps.push(v);
      continue;
    }
    const named = spec.args[0]?.type.kind === 'name';
    if (named) {
      const name = nameOf(v);
      if (name === undefined) continue;
      const k = result.findIndex((b) => ctx.spec(b)?.id === spec.id && nameOf(b) === name);
      if (k >= 0) result[k] = mergeStmt(result[k], v, spec, ctx, owner);
      else if (isComplete(v, spec, ctx)) {
        result.push(v);
        reportStrayRemoves(v, ctx, `\`${spec.keyword} ${name}\`, which this variant adds`);
      } else {
        const others = result.filter((b) => ctx.spec(b)?.id === spec.id).map((b) => nameOf(b)).filter((n): n is string => n !== undefined);
        const m = closeMatches(name, others);
        const missing = childSpecs(spec.id).filter((c) => c.required).map((c) => `\`${c.keyword}\``);
        const arg = v.args[0];
        ctx.sink.warning(
          Codes.variantPathMissing,
          `Variant \`${ctx.variantName}\` changes \`${spec.keyword} ${name}\`, which ${where} does not have, and the block is not complete enough to add (it lacks ${missing.join(', ')}); it is ignored.${didYouMean(m)}`,
          arg,
          { fixes: replaceFixes(arg, m) },
        );
      }
      continue;
    }
    if (spec.repeatable) {
      const l = repeated.get(spec.id) ?? [];
      l.push(v);
      repeated.set(spec.id, l);
      continue;
    }
    const k = result.findIndex((b) => ctx.spec(b)?.id === spec.id);
    if (k < 0) {
      result.push(v);
      reportStrayRemoves(v, ctx, `\`${spec.keyword}\`, which this variant adds`);
    } else if (spec.body !== 'none' && (v.body || result[k].body)) result[k] = mergeStmt(result[k], v, spec, ctx, owner);
    else result[k] = v;
  }
  for (const [id, list] of repeated) replaceAll(result, (s) => ctx.spec(s)?.id === id, list);
  if (steps.length) replaceAll(result, (s) => !!ctx.spec(s)?.step, steps);
  return result;
}

/** `remove KEYWORD NAME`: takes the named block out of `result`, or reports that there is none. */
function removeFrom(result: Statement[], v: Statement, spec: StatementSpec, ctx: MergeContext, where: string, owner: string): void {
  const kw = argWord(v, 0);
  const name = argWord(v, 1);
  // A malformed `remove` (or one of something this block cannot hold) was reported with its arguments.
  const kinds = spec.args[1]?.refKinds?.kinds;
  if (kw === undefined || name === undefined || !kinds || !Object.prototype.hasOwnProperty.call(kinds, kw)) return;
  let hit = false;
  for (let k = result.length - 1; k >= 0; k--) {
    const b = result[k];
    if (ctx.spec(b)?.keyword === kw && nameOf(b) === name) {
      result.splice(k, 1);
      hit = true;
    }
  }
  if (hit) {
    ctx.removed?.set(removalKey(owner, kw, name), v);
    return;
  }
  const others = result.filter((b) => ctx.spec(b)?.keyword === kw).map((b) => nameOf(b)).filter((n): n is string => n !== undefined);
  const m = closeMatches(name, others);
  const arg = v.args[1];
  const listed = m.length === 0 && others.length > 0 ? ` It has ${wordList(others.slice(0, 6), 'and')}${others.length > 6 ? ', ...' : ''}.` : '';
  ctx.sink.error(Codes.removeNothing, `Variant \`${ctx.variantName}\` removes \`${kw} ${name}\`, but ${where} has no ${kw} \`${name}\`.${didYouMean(m)}${listed}`, { start: v.keyword.start, end: v.end }, {
    fixes: replaceFixes(arg, m),
  });
}

/** `remove` statements in a block the variant adds whole: there is nothing for them to remove. */
function reportStrayRemoves(added: Statement, ctx: MergeContext, what: string): void {
  const visit = (list: readonly Statement[]) => {
    for (const s of list) {
      if (ctx.spec(s)?.variantOnly) {
        ctx.sink.error(Codes.removeNothing, `Variant \`${ctx.variantName}\` removes \`${s.args.map((a) => (a.type === 'ident' ? a.name : a.type === 'string' ? a.value : '')).join(' ')}\` from ${what}: there is nothing to remove there.`, { start: s.keyword.start, end: s.end });
      } else if (s.body) visit(s.body.statements);
    }
  };
  if (added.body) visit(added.body.statements);
}

/** Replaces every statement matching `pred` by `by`, placed where the first one was. */
function replaceAll(list: Statement[], pred: (s: Statement) => boolean, by: Statement[]): void {
  const at = list.findIndex(pred);
  const kept = list.filter((s) => !pred(s));
  const pos = at < 0 ? kept.length : list.slice(0, at).filter((s) => !pred(s)).length;
  kept.splice(pos, 0, ...by);
  list.length = 0;
  list.push(...kept);
}

function mergeStmt(b: Statement, v: Statement, spec: StatementSpec, ctx: MergeContext, owner: string): Statement {
  const named = spec.args[0]?.type.kind === 'name';
  const argsFrom = !named && v.args.length > 0 ? v : b;
  let body = b.body;
  if (v.body && b.body) {
    const label = `\`${spec.keyword}${named ? ' ' + nameOf(b) : ''}\` of ${ctx.baseLabel ?? 'the base'}`;
    const inner = named ? removalKey(owner, spec.keyword, nameOf(b) ?? '') : owner;
    const bb = b.body;
    body = new BodyNode(bb.start, bb.end, mergeList(bb.statements, v.body.statements, ctx, label, inner), bb.missing ? true : undefined);
  } else if (v.body) {
    body = v.body;
    reportStrayRemoves(v, ctx, `\`${spec.keyword}${named ? ' ' + nameOf(b) : ''}\`, whose block is new in this variant`);
  }
  // A new statement (id -1: no info of its own), built field by field; later passes reach the
  // node whose arguments it carries through `origin`.
  const merged: Statement = { type: 'statement', keyword: b.keyword, args: argsFrom.args, start: b.start, end: b.end, body, id: -1 };
  if (b.missing) merged.missing = true;
  ctx.origin.set(merged, ctx.origin.get(argsFrom) ?? argsFrom);
  return merged;
}

/** A block the variant adds must stand on its own: every required statement present. */
function isComplete(v: Statement, spec: StatementSpec, ctx: MergeContext): boolean {
  const required = childSpecs(spec.id).filter((c) => c.required);
  if (required.length === 0) return true;
  const present = new Set((v.body?.statements ?? []).map((s) => ctx.spec(s)?.id));
  return required.every((r) => present.has(r.id));
}

/** The name runs and comparisons give the base scenario; no variant may take it. */
export const RESERVED_VARIANT = 'base';
