/**
 * The base scenario's hazards VM by VM, with the hazards of the VMs whose inputs did not change
 * since the last analysis of the document taken from it (issue 9, "hazards per affected VM").
 *
 * Every check but the global ones (`GLOBAL_CHECKS`: per pool) loops over `ctx.localVms` or
 * `ctx.crossVms` and carries nothing from one VM to the next, so the base's diagnostics are, in
 * order, per check, the concatenation over the VMs of what the check raises with a context of
 * that one VM. Those lists are kept per VM, keyed by the VM's top-level statement, the object the
 * incremental parse (`syntax/incremental.ts`) keeps for as long as an edit does not touch it.
 *
 * What a VM's hazards read, and how each input is covered:
 * - its own lowered VM: a function of its statement and of the host (model/lower.ts `LowerMemo`);
 *   the statement is kept, and every other top-level statement (host, settings, variants,
 *   anything that is not a lowered VM) must be the same object as then, in the same order;
 * - the other VMs on its pCPUs (oversubscription, static RT, latency): each VM's facts as a
 *   contender (name, pCPUs, demand, policy, periodic work) are compared with the last
 *   analysis's (a VM edited but equal in these facts changes nobody else); the pCPUs of every VM
 *   that differs, appears or disappears are "changed", and a VM on a changed pCPU is checked again;
 * - the source (ranges, related information, fix edits, found by path and by offset): every offset
 *   of its diagnostics is kept relative to the top-level statement that holds it, which must
 *   still be there (same object) with the same text around it on its first and last lines;
 *   lookups by name are only ambiguous between VMs of one name, so a VM whose name is one an
 *   edited VM had or has is checked again; the document's line break and indentation step too;
 * - the variants (`ctx.dependents`, fixes kept out of variant blocks): non-VM statements, kept;
 * - the run settings and title: from non-VM statements, compared as well.
 *
 * Equality with the checks run over the whole scenario at once is property-tested after random
 * edits (test/analysis/hazardReuse.test.ts, test/model/incremental.test.ts).
 */
import type { Diagnostic, Fix, RelatedInfo } from '../../core/diagnostic';
import type { Scenario, Vm } from '../../model/ir';
import type { Statement } from '../../syntax/tree';
import { HazardContext } from './context';
import { vmCpus, vmDemand } from './demand';
import type { SourceIndex } from './source';

export type Check = (ctx: HazardContext) => void;

/** A VM as a contender for its pCPUs: what the other VMs' hazards read of it. */
interface VmFacts {
  name: string;
  cpus: readonly number[];
  demand: number;
  normal: boolean;
  periodic: boolean;
}

/** An offset as (index in `refs`, offset from that statement's start). */
type Off = number;
interface RangeT {
  ref: number;
  start: Off;
  end: Off;
}
interface DiagT {
  severity: Diagnostic['severity'];
  code: string;
  message: string;
  range: RangeT;
  related?: { range: RangeT; message: string }[];
  fixes?: { title: string; edits: { range: RangeT; newText: string }[]; preferred?: boolean }[];
  tags?: Diagnostic['tags'];
}

interface VmEntry {
  facts: VmFacts;
  /** Per check (the index in the check list), the VM's diagnostics; undefined when they could not be kept. */
  out?: DiagT[][];
  /** The top-level statements their offsets are relative to, and the text around each then. */
  refs: Statement[];
  refCtx: string[];
  /** Per ref: its head's text then, and the largest relative offset used in it. */
  refHead: string[];
  refMax: number[];
}

/** What one analysis keeps for the next (in `AnalysisReuse.hazards`). */
export interface HazardMemo {
  nonVm: Statement[];
  vms: Map<Statement, VmEntry>;
  global: string;
  /** For tests and benches: VMs taken from the memo and VMs checked, in the last analysis. */
  stats: { reused: number; checked: number };
}

function factsOf(s: Scenario, vm: Vm): VmFacts {
  return {
    name: vm.name,
    cpus: vmCpus(s, vm),
    demand: vmDemand(vm),
    normal: vm.policy === 'normal' && vm.boost.mode !== 'static_rt',
    periodic: vm.guest.threads.some((t) => t.program.trigger.kind === 'periodic'),
  };
}

function sameFacts(a: VmFacts, b: VmFacts): boolean {
  if (a.name !== b.name || a.demand !== b.demand || a.normal !== b.normal || a.periodic !== b.periodic || a.cpus.length !== b.cpus.length) return false;
  for (let k = 0; k < a.cpus.length; k++) if (a.cpus[k] !== b.cpus[k]) return false;
  return true;
}

/** Index of the top-level statement holding offset `x` (start <= x <= end), or -1. */
function topAt(tops: readonly Statement[], x: number): number {
  let lo = 0;
  let hi = tops.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tops[mid];
    if (x < t.start) hi = mid - 1;
    else if (x > t.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** The end of a statement's head: its keyword and arguments (as `SourceIndex.head`). */
function headEnd(s: Statement): number {
  const last = s.args.length ? s.args[s.args.length - 1] : s.keyword;
  return Math.max(last.end, s.keyword.end);
}

/** The text on a statement's first line before it and on its last line after it. */
function lineContext(text: string, t: Statement): string {
  let a = t.start;
  while (a > 0 && text[a - 1] !== '\n') a--;
  let b = t.end;
  while (b < text.length && text[b] !== '\n') b++;
  return `${text.slice(a, t.start)}\u0000${text.slice(t.end, b)}`;
}

/** Diagnostics of one VM as templates relative to top-level statements (undefined if an offset is outside every one). */
class Encoder {
  readonly refs: Statement[] = [];
  readonly max: number[] = [];
  private readonly index = new Map<Statement, number>();
  ok = true;
  constructor(private readonly tops: readonly Statement[]) {}

  private range(r: { start: number; end: number }): RangeT {
    const i = topAt(this.tops, r.start);
    const t = i < 0 ? undefined : this.tops[i];
    if (!t || r.end < r.start || r.end > t.end) {
      this.ok = false;
      return { ref: 0, start: 0, end: 0 };
    }
    let ref = this.index.get(t);
    if (ref === undefined) {
      ref = this.refs.length;
      this.refs.push(t);
      this.max.push(0);
      this.index.set(t, ref);
    }
    if (r.end - t.start > this.max[ref]) this.max[ref] = r.end - t.start;
    return { ref, start: r.start - t.start, end: r.end - t.start };
  }

  diag(d: Diagnostic): DiagT {
    const out: DiagT = { severity: d.severity, code: d.code, message: d.message, range: this.range(d.range) };
    if (d.related) out.related = d.related.map((r) => ({ range: this.range(r.range), message: r.message }));
    if (d.fixes) out.fixes = d.fixes.map((f) => ({ title: f.title, edits: f.edits.map((e) => ({ range: this.range(e.range), newText: e.newText })), ...(f.preferred ? { preferred: true } : {}) }));
    if (d.tags) out.tags = [...d.tags];
    // Anything else a check may add one day is not kept: such a diagnostic is not reusable.
    for (const k of Object.keys(d)) if (!KNOWN_KEYS.has(k)) this.ok = false;
    return out;
  }
}

const KNOWN_KEYS = new Set(['severity', 'code', 'message', 'range', 'related', 'fixes', 'tags']);

/** A template back to a diagnostic, with `starts[ref]` the current start of each referenced statement. */
function decode(t: DiagT, starts: readonly number[]): Diagnostic {
  const r = (x: RangeT) => ({ start: starts[x.ref] + x.start, end: starts[x.ref] + x.end });
  const d: Diagnostic = { severity: t.severity, code: t.code, message: t.message, range: r(t.range) };
  if (t.related) d.related = t.related.map((x): RelatedInfo => ({ range: r(x.range), message: x.message }));
  if (t.fixes) {
    d.fixes = t.fixes.map((f): Fix => {
      const fix: Fix = { title: f.title, edits: f.edits.map((e) => ({ range: r(e.range), newText: e.newText })) };
      if (f.preferred) fix.preferred = true;
      return fix;
    });
  }
  if (t.tags) d.tags = [...t.tags];
  return d;
}

/**
 * The base scenario's hazards, as `runChecks` over a context of the whole scenario gives them (same
 * diagnostics, same order), reusing from `prev` what the edit did not change. Returns the
 * diagnostics and what to keep for the next analysis.
 */
export function baseHazardsReusing(
  scenario: Scenario,
  src: SourceIndex,
  text: string,
  checks: readonly Check[],
  isGlobal: (c: Check) => boolean,
  dependents: () => readonly Scenario[],
  prev: HazardMemo | undefined,
): { diagnostics: Diagnostic[]; memo: HazardMemo } {
  const tops = src.file.statements;
  // The top-level statement of each VM (its range starts there); a VM without one is never kept.
  const stmtOf = new Map<Vm, Statement>();
  const vmStmts = new Set<Statement>();
  for (const vm of scenario.vms) {
    const i = topAt(tops, vm.range.start);
    const t = i < 0 ? undefined : tops[i];
    if (t && t.start === vm.range.start && !vmStmts.has(t)) {
      stmtOf.set(vm, t);
      vmStmts.add(t);
    }
  }
  const nonVm = tops.filter((t) => !vmStmts.has(t));
  const s = scenario.settings;
  const global = JSON.stringify([src.eol, src.indentStep, scenario.title, s.durationNs, s.warmupNs, s.seed, s.maxEvents, s.wallLimitMs, s.stallThresholdNs, scenario.vms.length - stmtOf.size]);
  const usable = !!prev && prev.global === global && prev.nonVm.length === nonVm.length && prev.nonVm.every((t, k) => t === nonVm[k]);

  const facts = new Map<Vm, VmFacts>();
  for (const vm of scenario.vms) facts.set(vm, factsOf(scenario, vm));
  // pCPUs whose contenders changed, and names an edited VM had or has.
  const changedCpus = new Set<number>();
  const dirtyNames = new Set<string>();
  // A VM parsed again (edited) that is the same contender as before, old statement -> new: the
  // related information of other VMs' diagnostics may point at its head, which it keeps when the
  // head's text is the same.
  const renewed = new Map<Statement, Statement>();
  if (usable) {
    const gone = new Map<string, { t: Statement; e: VmEntry }[]>();
    for (const [t, e] of prev!.vms) {
      if (vmStmts.has(t)) continue;
      const list = gone.get(e.facts.name);
      if (list) list.push({ t, e });
      else gone.set(e.facts.name, [{ t, e }]);
    }
    for (const vm of scenario.vms) {
      const t = stmtOf.get(vm);
      const f = facts.get(vm)!;
      const e = t && prev!.vms.get(t);
      if (e && sameFacts(e.facts, f)) continue;
      if (!e) {
        // Edited (a new statement): it changes nobody else if it was the one VM of its name and
        // is the same contender as then.
        const was = gone.get(f.name);
        dirtyNames.add(f.name);
        if (was?.length === 1 && sameFacts(was[0].e.facts, f)) {
          gone.delete(f.name);
          renewed.set(was[0].t, t!);
          continue;
        }
      } else {
        dirtyNames.add(e.facts.name);
        dirtyNames.add(f.name);
        for (const c of e.facts.cpus) changedCpus.add(c);
      }
      for (const c of f.cpus) changedCpus.add(c);
    }
    for (const [name, list] of gone) {
      dirtyNames.add(name);
      for (const { e } of list) for (const c of e.facts.cpus) changedCpus.add(c);
    }
  }

  const ctxCache = new Map<Statement, string>();
  const ctxOf = (t: Statement) => {
    let c = ctxCache.get(t);
    if (c === undefined) ctxCache.set(t, (c = lineContext(text, t)));
    return c;
  };
  const topSet = usable ? new Set(tops) : undefined;

  /** The kept diagnostics of `vm`, decoded, if every input is as it was. */
  const reuse = (vm: Vm): { diags: Diagnostic[][]; entry: VmEntry } | undefined => {
    if (!usable) return undefined;
    const t = stmtOf.get(vm);
    const e = t && prev!.vms.get(t);
    if (!e?.out) return undefined;
    const f = facts.get(vm)!;
    if (!sameFacts(e.facts, f) || dirtyNames.has(f.name)) return undefined;
    for (const c of f.cpus) if (changedCpus.has(c)) return undefined;
    const starts: number[] = [];
    let refs = e.refs;
    for (let k = 0; k < e.refs.length; k++) {
      let r = e.refs[k];
      if (!topSet!.has(r)) {
        // Only the head of an edited VM (its text unchanged) can still be pointed at.
        const n = renewed.get(r);
        if (!n || e.refMax[k] > headEnd(n) - n.start || text.slice(n.start, headEnd(n)) !== e.refHead[k]) return undefined;
        r = n;
        if (refs === e.refs) refs = [...e.refs];
        refs[k] = n;
      }
      if (ctxOf(r) !== e.refCtx[k]) return undefined;
      starts.push(r.start);
    }
    return { diags: e.out.map((list) => list.map((d) => decode(d, starts))), entry: refs === e.refs ? e : { ...e, refs } };
  };

  const memo: HazardMemo = { nonVm, vms: new Map(), global, stats: { reused: 0, checked: 0 } };
  const relCache = new Map<object, RelatedInfo>();
  const perVm = new Map<Vm, Diagnostic[][]>();
  for (const vm of scenario.vms) {
    const t = stmtOf.get(vm);
    const kept = reuse(vm);
    if (kept) {
      perVm.set(vm, kept.diags);
      memo.vms.set(t!, kept.entry);
      memo.stats.reused++;
      continue;
    }
    memo.stats.checked++;
    const ctx = new HazardContext(scenario, src, undefined, { localVms: [vm], crossVms: [vm], dependents, relCache });
    const lists: Diagnostic[][] = [];
    for (const c of checks) {
      if (isGlobal(c)) {
        lists.push([]);
        continue;
      }
      const from = ctx.diagnostics.length;
      c(ctx);
      lists.push(ctx.diagnostics.slice(from));
    }
    perVm.set(vm, lists);
    if (t) {
      const enc = new Encoder(tops);
      const out = lists.map((list) => list.map((d) => enc.diag(d)));
      const entry: VmEntry = { facts: facts.get(vm)!, refs: enc.refs, refCtx: enc.refs.map(ctxOf), refHead: enc.refs.map((r) => text.slice(r.start, headEnd(r))), refMax: enc.max };
      if (enc.ok) entry.out = out;
      memo.vms.set(t, entry);
    }
  }

  // The global checks over the whole scenario; then everything in the order of one context.
  const gctx = new HazardContext(scenario, src, undefined, { localVms: [], crossVms: [], dependents, relCache });
  const diagnostics: Diagnostic[] = [];
  for (let k = 0; k < checks.length; k++) {
    const c = checks[k];
    if (isGlobal(c)) {
      const from = gctx.diagnostics.length;
      c(gctx);
      for (let j = from; j < gctx.diagnostics.length; j++) diagnostics.push(gctx.diagnostics[j]);
    } else {
      for (const vm of scenario.vms) for (const d of perVm.get(vm)![k]) diagnostics.push(d);
    }
  }
  return { diagnostics, memo };
}
