/**
 * What an analysis of one version of a document keeps for the next version's, per top-level
 * statement: the resolution of its subtree and the names it declares and refers to. The key is
 * the statement object itself: the incremental parse (`syntax/incremental.ts`) keeps the object
 * of every top-level statement an edit did not touch, with its offsets (and ids) shifted in place,
 * and makes new objects for the ones it parsed again. So an entry is valid for as long as its key
 * lives; what it holds in offsets is relative to `at`, the statement's start when it was made,
 * and is shifted by `stmt.start - at` when reused.
 *
 * Why a top-level block's resolution and names depend on nothing outside it: a statement's spec
 * depends on the chain of blocks around it, its diagnostics on its siblings, and a name's scope
 * on the `vm` (and `storvsp`) around it and the `variant` around that, all inside one top-level
 * statement. What is file-wide (duplicate top-level settings, the required `host`, duplicate
 * and unknown names, `based_on` chains) is worked out again from the blocks' parts on every
 * version (`resolve`, `buildSymbols`). Equality with a from-scratch analysis is property-tested
 * (`test/model/incremental.test.ts`).
 */
import type { Diagnostic, Severity } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import type { Statement } from '../syntax/tree';
import { DiagSink } from './util';

/** Per-document reuse between the analyses of its versions (the language server keeps one per document). */
export class AnalysisReuse {
  /** model/resolve.ts: `BlockResolution` per top-level statement. */
  readonly resolution = new WeakMap<Statement, unknown>();
  /** model/symbols.ts: `BlockSymbols` per top-level statement. */
  readonly symbols = new WeakMap<Statement, unknown>();
  /** model/symbols.ts: the declarations pass of the last version (`DeclPass`). */
  names: unknown;
  /**
   * analysis/static/reuse.ts: the base scenario's hazards per VM of the last full analysis
   * (`HazardMemo`), keyed by the VMs' top-level statements and what else each VM's checks read.
   */
  hazards: unknown;
  /**
   * model/analyze.ts: per top-level block (with a body), the diagnostics its statements' arguments
   * raised (`ArgsEntry`), so that an unchanged block's arguments are not parsed again for them.
   */
  readonly args = new WeakMap<Statement, unknown>();
  /** model/lower.ts: per top-level `vm` statement of the base, its lowering (`VmLowerEntry`). */
  readonly lowering = new WeakMap<Statement, unknown>();

  /**
   * Drops the entries of top-level statements an incremental parse replaced (`ParseState.replaced`,
   * emptied here). A WeakMap would drop them by itself, but only at a full collection: until then
   * every scavenge keeps the value of each entry whose key is young, dead or not, so a block
   * parsed for one keystroke and replaced at the next had its resolution and names, and the tree
   * they point at, copied by the next scavenge.
   */
  forgetReplaced(replaced: Statement[]): void {
    for (let k = 0; k < replaced.length; k++) {
      this.resolution.delete(replaced[k]);
      this.symbols.delete(replaced[k]);
      this.args.delete(replaced[k]);
      this.lowering.delete(replaced[k]);
    }
    replaced.length = 0;
  }
}

/**
 * A deep copy of `d` with every offset (range, related ranges, fix edits) moved by `delta`. Always
 * a copy: the later stages of an analysis change the diagnostics they are given (clamped ranges,
 * severities), and what is kept for the next version must not see that.
 */
export function shiftDiagnostic(d: Diagnostic, delta: number): Diagnostic {
  const out: Diagnostic = { ...d, range: { start: d.range.start + delta, end: d.range.end + delta } };
  if (d.related) out.related = d.related.map((r) => ({ ...r, range: { start: r.range.start + delta, end: r.range.end + delta } }));
  if (d.fixes) out.fixes = d.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: { start: e.range.start + delta, end: e.range.end + delta } })) }));
  if (d.tags) out.tags = [...d.tags];
  return out;
}

/** Whether every offset of `d` (range, related ranges, fix edits) lies in `[lo, hi]`. */
export function diagnosticWithin(d: Diagnostic, lo: number, hi: number): boolean {
  const ok = (r: { start: number; end: number }) => r.start >= lo && r.end <= hi && r.start <= r.end;
  if (!ok(d.range)) return false;
  if (d.related) for (const r of d.related) if (!ok(r.range)) return false;
  if (d.fixes) for (const f of d.fixes) for (const e of f.edits) if (!ok(e.range)) return false;
  return true;
}

/**
 * A sink that passes every diagnostic on to `target` and keeps a copy of each one it was given,
 * kept or not (`target` drops one whose code and range it has already): replaying the copies into
 * a sink in the same state later adds exactly what the recorded pass added.
 */
export class RecordingSink extends DiagSink {
  readonly given: Diagnostic[] = [];
  constructor(private readonly target: DiagSink) {
    super();
  }
  override add(severity: Severity, code: string, message: string, range: TextRange, extra?: Pick<Diagnostic, 'related' | 'fixes' | 'tags'>): Diagnostic | undefined {
    const d: Diagnostic = { severity, code, message, range: { start: range.start, end: range.end } };
    if (extra?.related?.length) d.related = extra.related;
    if (extra?.fixes?.length) d.fixes = extra.fixes;
    if (extra?.tags?.length) d.tags = extra.tags;
    // A deep copy: later stages change the diagnostics the target keeps (clamped ranges, clipped messages).
    this.given.push(shiftDiagnostic(d, 0));
    return this.target.add(severity, code, message, range, extra);
  }
}

/** Adds (a copy of) `d`, moved by `delta`, to `sink`, as the pass that raised it did. */
export function replayDiagnostic(sink: DiagSink, d: Diagnostic, delta: number): void {
  const c = shiftDiagnostic(d, delta);
  sink.add(c.severity, c.code, c.message, c.range, c);
}
