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
import { closeMatches, DiagSink, didYouMean, replaceFixes } from './util';

export interface MergeContext {
  spec(stmt: Statement): StatementSpec | undefined;
  /** Merged copy -> the node whose `args` it carries (for argument parsing and spec lookup). */
  origin: Map<Statement, Statement>;
  sink: DiagSink;
  variantName: string;
}

export function mergeVariant(base: readonly Statement[], variantBody: readonly Statement[], ctx: MergeContext): Statement[] {
  return mergeList(base, variantBody, ctx, 'the base scenario');
}

function mergeList(base: readonly Statement[], over: readonly Statement[], ctx: MergeContext, where: string): Statement[] {
  const result: Statement[] = base.slice();
  const steps: Statement[] = [];
  const repeated = new Map<string, Statement[]>();
  for (const v of over) {
    const spec = ctx.spec(v);
    if (!spec || spec.id === 'variant.description' || spec.id === 'variant') continue;
    if (spec.step) {
      steps.push(v);
      continue;
    }
    const named = spec.args[0]?.type.kind === 'name';
    if (named) {
      const name = nameOf(v);
      if (name === undefined) continue;
      const k = result.findIndex((b) => ctx.spec(b)?.id === spec.id && nameOf(b) === name);
      if (k >= 0) result[k] = mergeStmt(result[k], v, spec, ctx);
      else if (isComplete(v, spec, ctx)) result.push(v);
      else {
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
    if (k < 0) result.push(v);
    else if (spec.body !== 'none' && (v.body || result[k].body)) result[k] = mergeStmt(result[k], v, spec, ctx);
    else result[k] = v;
  }
  for (const [id, list] of repeated) replaceAll(result, (s) => ctx.spec(s)?.id === id, list);
  if (steps.length) replaceAll(result, (s) => !!ctx.spec(s)?.step, steps);
  return result;
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

function mergeStmt(b: Statement, v: Statement, spec: StatementSpec, ctx: MergeContext): Statement {
  const named = spec.args[0]?.type.kind === 'name';
  const argsFrom = !named && v.args.length > 0 ? v : b;
  let body = b.body;
  if (v.body && b.body) {
    const label = `\`${spec.keyword}${named ? ' ' + nameOf(b) : ''}\` of the base`;
    const bb = b.body;
    body = new BodyNode(bb.start, bb.end, mergeList(bb.statements, v.body.statements, ctx, label), bb.missing ? true : undefined);
  } else if (v.body) body = v.body;
  // Built field by field, not spread: the copy must not carry the base node's private
  // resolution data (see `InfoTable`); later passes reach it through `origin`.
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
