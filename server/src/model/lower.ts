/**
 * Lowering: a resolved tree (the base, or a variant merged into a copy of the base) -> the
 * scenario IR, with every default applied, so the simulator never guesses. The context checks
 * that need the whole scenario live here because this is where the context is known: VP indices
 * against the VM's `vcpus`, CPUs against `pcpus`, the Xen cpupool rules (model.md section 2) and
 * the settings that mean nothing where they are written.
 *
 * Error tolerance: a statement whose value is invalid (already reported) is ignored and its
 * default applies; a VM without a valid `vcpus` is left out. Only a missing host or `pcpus`
 * makes the scenario meaningless (no IR at all).
 */
import type { Diagnostic, Fix } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import type { Statement } from '../syntax/tree';
import type {
  Boost, BoostInterrupt, Dist, Disk, Guest, GuestLock, GuestThread, Host, HostCosts, HostLoad, HostSched, Intercept, IoLoad, Irq, NetvspController, OpenHcl, ParallelRegion, Pool, Program, RunSettings,
  Scenario, Sidecar, Step, StorvspController, ThreadPolicy, Trigger, Vm, Vtl2Task,
} from './ir';
import { expandIndexList, type IndexList, type Value } from './args';
import { Codes } from './codes';
import { passAgainstInterval } from './dist';
import { fmtNsShort } from '../core/format';
import { DEFAULT_POOL } from './schema';
import { appendToBody, DiagSink } from './util';
import { diagnosticWithin, RecordingSink, replayDiagnostic, shiftDiagnostic } from './reuse';
import { Block, type BlockSource } from './block';
import { checkBoost, checkBoostOnOpenHcl, checkCpupools, checkPolicy, checkPoolScheduler, checkTaskTargeting, checkVmScheduler } from './checks';
import { nameOf } from './resolve';
import { removalKey } from './variants';
import { layoutChannelVps, openedSubChannels } from './storvspRule';

/** What lowering needs from the earlier passes. */
export interface LowerContext extends BlockSource {
  text: string;
  /** Title when the file has no `scenario "..."` (the file's base name). */
  title: string;
  sink: DiagSink;
  /**
   * Results of the base lowering that variants reuse: a VM or host statement a variant does not
   * touch is the very same node in the merged tree, and with the same host it lowers to the same
   * object (and the same diagnostics, already reported). Variants share these objects with the
   * base: consumers must treat the IR as immutable.
   */
  memo?: LowerMemo;
  /**
   * Variants: the blocks the merge removed (`remove KEYWORD NAME`), by path (see `removalKey` in
   * variants.ts), with the statement that removes each, so that what still uses one is an error.
   */
  removed?: ReadonlyMap<string, Statement>;
  /**
   * The base's VM lowerings of earlier versions of the document (the language server's
   * `AnalysisReuse.lowering`), and the document's line break (fixes use it).
   */
  cache?: { map: WeakMap<Statement, VmLowerEntry>; eol: string };
}

/**
 * A top-level `vm` statement's lowering, kept for the next versions of the document. What the
 * lowering of a VM reads: its statement's subtree (the same object: no edit touched it, model/reuse.ts),
 * the specs and arguments of its statements (from the block alone), the host as lowered (compared:
 * the same host statement and the same pools), and the document's text for fixes: inside the block,
 * the line break, and its first and last lines (compared). Diagnostics or IR ranges outside the
 * block (a fix that creates a pool in the host) make the entry not kept.
 */
export interface VmLowerEntry {
  /** The statement's start when `vm` was made. */
  at: number;
  vm: Vm | undefined;
  /** Every diagnostic given to the sink (kept or not), at offsets relative to the statement's start. */
  given: Diagnostic[];
  hostStmt: Statement;
  hostKey: string;
  eol: string;
  /** The text before the statement on its first line, after it on its last. */
  before: string;
  after: string;
}

export interface LowerMemo {
  /** Whether this lowering records (the base) or only reuses (a variant). */
  record: boolean;
  hostStmt?: Statement;
  host?: Host;
  /** What a VM's lowering depends on in the host: pCPUs and pools (names, CPUs, schedulers). */
  hostKey?: string;
  vms: Map<Statement, Vm | undefined>;
}

/** The part of the host a VM's lowering depends on, as a comparable string. */
function hostKeyOf(h: Host): string {
  return JSON.stringify([h.pcpus, h.pools.map((p) => [p.name, p.implicit, p.sched, p.cpus])]);
}

const MS = 1_000_000;
const US = 1_000;
const NOWHERE: TextRange = { start: 0, end: 0 };
/** "Unlimited" spin for JSON-safe output (about 104 days in ns). */
export const UNLIMITED_NS = Number.MAX_SAFE_INTEGER;

const rangeOf = (s: Statement): TextRange => ({ start: s.start, end: s.end });

const isNowhere = (r: TextRange) => r.start === 0 && r.end === 0;
/**
 * A range that is a syntax node (a value's range is its argument, model/args.ts): the incremental
 * parse moves the nodes of a block it keeps in place, so such a range is where it is already.
 */
const isNode = (r: TextRange) => 'type' in r;

/** Whether every `range` in the IR `x` (the only key holding source ranges, model/ir.ts) is in `[lo, hi]` or is the empty range of an implicit default. */
function rangesWithin(x: unknown, lo: number, hi: number): boolean {
  if (Array.isArray(x)) {
    for (let k = 0; k < x.length; k++) if (!rangesWithin(x[k], lo, hi)) return false;
    return true;
  }
  if (x === null || typeof x !== 'object') return true;
  for (const [k, v] of Object.entries(x)) {
    if (k === 'range') {
      const r = v as TextRange;
      if (!isNowhere(r) && !(r.start >= lo && r.end <= hi && r.start <= r.end)) return false;
    } else if (!rangesWithin(v, lo, hi)) return false;
  }
  return true;
}

/**
 * A copy of the IR `x` with every `range` but the empty ones of implicit defaults moved by
 * `delta`; what holds no range (lists of numbers, strings) is shared with `x` (the IR is
 * immutable, see `LowerContext.memo`).
 */
function shiftRanges<T>(x: T, delta: number): T {
  if (Array.isArray(x)) {
    let out: unknown[] | undefined;
    for (let k = 0; k < x.length; k++) {
      const v = shiftRanges(x[k], delta);
      if (v !== x[k]) (out ??= x.slice())[k] = v;
    }
    return (out ?? x) as T;
  }
  if (x === null || typeof x !== 'object') return x;
  let out: Record<string, unknown> | undefined;
  for (const k in x) {
    const v = (x as Record<string, unknown>)[k];
    let w: unknown;
    if (k === 'range') {
      const r = v as TextRange;
      w = isNowhere(r) || isNode(r) ? r : { start: r.start + delta, end: r.end + delta };
    } else w = shiftRanges(v, delta);
    if (w !== v) (out ??= { ...(x as Record<string, unknown>) })[k] = w;
  }
  return (out ?? x) as T;
}

function lineStart(text: string, at: number): number {
  let p = at;
  while (p > 0 && text.charCodeAt(p - 1) !== 10 && text.charCodeAt(p - 1) !== 13) p--;
  return p;
}

function lineEnd(text: string, at: number): number {
  let p = at;
  while (p < text.length && text.charCodeAt(p) !== 10 && text.charCodeAt(p) !== 13) p++;
  return p;
}


class Lowerer {
  private sink: DiagSink;
  constructor(
    private readonly ctx: LowerContext,
    /** The top-level statements being lowered. */
    private readonly top: readonly Statement[],
  ) {
    this.sink = ctx.sink;
  }

  lower(top: readonly Statement[]): Scenario | undefined {
    const file = new Block(this.ctx, top);
    const settings = this.settings(file.first('scenario'));
    const hostStmt = file.first('host');
    const memo = this.ctx.memo;
    const sameHostStmt = !!memo && !memo.record && hostStmt !== undefined && memo.hostStmt === hostStmt;
    const host = sameHostStmt ? memo!.host : hostStmt ? this.host(hostStmt) : undefined;
    if (!host) return undefined;
    // VMs depend on the host's pools only: a variant that changes a host load still reuses them.
    const key = memo ? (sameHostStmt ? memo.hostKey : hostKeyOf(host)) : undefined;
    if (memo?.record) {
      memo.hostStmt = hostStmt;
      memo.host = host;
      memo.hostKey = key;
    }
    const reuse = !!memo && !memo.record && key === memo.hostKey;
    const cache = memo?.record && hostStmt && key !== undefined ? this.ctx.cache : undefined;
    const vms: Vm[] = [];
    for (const v of file.named('vm')) {
      const vm = reuse && memo!.vms.has(v) ? memo!.vms.get(v) : cache ? this.cachedVm(v, host, cache, hostStmt!, key!) : this.vm(v, host);
      if (memo?.record) memo.vms.set(v, vm);
      if (vm) vms.push(vm);
    }
    checkCpupools(this.sink, host, vms, { vmSetting: (v, kw) => this.vmSetting(v, kw), poolNameRange: (p) => this.poolNameRange(p), invalidCpus: this.invalidCpus });
    const sc = file.first('scenario');
    const titleV = sc ? this.ctx.args(sc)?.values[0] : undefined;
    return { title: titleV?.kind === 'word' ? titleV.value : this.ctx.title, settings, host, vms, variants: [] };
  }

  // ---- scenario ---------------------------------------------------------------------------------

  private settings(stmt: Statement | undefined): RunSettings {
    const b = Block.of(this.ctx, stmt);
    const durationNs = b.num('duration', 1e9);
    let warmupNs = b.num('warmup', 0);
    const w = b.value('warmup');
    if (w?.kind === 'number' && warmupNs > 0 && warmupNs >= durationNs) {
      // Statistics ignore what completes before `warmup`: with nothing left, every one is 0.
      const d = b.value('duration');
      this.sink.error(
        Codes.outOfRange,
        `\`warmup\` (${this.ctx.text.slice(w.range.start, w.range.end)}) must be shorter than \`duration\` (${d ? this.ctx.text.slice(d.range.start, d.range.end) : '1s, the default'}): statistics ignore everything before the warmup, so none would be left.`,
        w.range,
        d ? { related: [{ range: d.range, message: '`duration` of the run' }] } : undefined,
      );
      warmupNs = 0;
    }
    return {
      range: stmt ? rangeOf(stmt) : NOWHERE,
      durationNs,
      warmupNs,
      seed: b.num('seed', 1),
      maxEvents: b.num('max_events', 100e6),
      wallLimitMs: Math.round(b.num('wall_limit', 60e9) / MS),
      stallThresholdNs: b.num('stall_threshold', 1 * MS),
    };
  }

  // ---- host -------------------------------------------------------------------------------------

  private host(stmt: Statement): Host | undefined {
    const b = Block.of(this.ctx, stmt);
    const pcpus = b.optNum('pcpus');
    if (pcpus === undefined) return undefined;
    const sched = b.word<HostSched>('sched', 'fair');
    const pools = this.pools(b, pcpus, sched);
    const owned = new Set<number>();
    for (const p of pools) for (const c of p.cpus) owned.add(c);
    const freeCpus: number[] = [];
    for (let c = 0; c < pcpus; c++) if (!owned.has(c)) freeCpus.push(c);
    if (freeCpus.length > 0) {
      const at = b.first('pcpus')!;
      this.sink.warning(Codes.idleCpus, `pCPUs ${fmtCpus(freeCpus)} are in no pool and run only idle (Xen semantics); add them to a pool or lower \`pcpus\`.`, at);
    }
    const loads = b.named('load').map((l) => this.load(l, pcpus));
    return { range: rangeOf(stmt), pcpus, sched, pools, freeCpus, loads, hz: b.num('hz', 250), costs: this.hostCosts(b.first('costs')) };
  }

  /** The host `costs` block: only what is written (the simulator fills its documented defaults). */
  private hostCosts(stmt: Statement | undefined): Partial<HostCosts> {
    const out: Partial<HostCosts> = {};
    if (!stmt) return out;
    const b = Block.of(this.ctx, stmt);
    const set = (k: keyof HostCosts, kw: string) => {
      const v = b.optNum(kw);
      if (v !== undefined) out[k] = v;
    };
    set('haltExitNs', 'halt_exit');
    set('exitNs', 'wake_exit');
    set('ipiNs', 'ipi');
    set('wakeLatencyNs', 'wake_latency');
    set('entryNs', 'entry');
    set('haltPollNs', 'halt_poll');
    return out;
  }

  /** Pools with the cpupool rules that need only the host (the rest run after the VMs). */
  private pools(host: Block, pcpus: number, hostSched: HostSched): Pool[] {
    const pools: Pool[] = [];
    const owner = new Map<number, { pool: Pool; stmt: Statement }>();
    const cpusStmt = new Map<Pool, Statement>();
    for (const ps of host.named('pool')) {
      const name = nameOf(ps);
      if (name === undefined) continue;
      const b = Block.of(this.ctx, ps);
      const sched = b.word<HostSched>('sched', hostSched);
      const l = b.list('cpus');
      let cpus = l ? this.expand(l.list, pcpus, 'cpu', l.stmt) : [];
      const pool = this.poolWithDefaults(name, cpus, sched, b, rangeOf(ps), false);
      // A `cpus` whose value is invalid was reported; "no CPUs" would only repeat it.
      if (b.first('cpus') && !l) this.invalidCpus.add(pool);
      if (l) {
        cpusStmt.set(pool, l.stmt);
        const taken: number[] = [];
        let other: { pool: Pool; stmt: Statement } | undefined;
        for (const c of cpus) {
          const o = owner.get(c);
          if (o) {
            taken.push(c);
            other ??= o;
          } else owner.set(c, { pool, stmt: l.stmt });
        }
        if (other) {
          this.sink.error(Codes.cpuInTwoPools, `pCPU${taken.length > 1 ? 's' : ''} ${fmtCpus(taken)} already belong${taken.length > 1 ? '' : 's'} to pool \`${other.pool.name}\`; a pCPU can be in one cpupool only (Xen). Remove ${taken.length > 1 ? 'them' : 'it'} from one of the pools.`, l.list.range, {
            related: [{ range: other.stmt.args[0] ? { start: other.stmt.args[0].start, end: other.stmt.args[0].end } : rangeOf(other.stmt), message: `\`${other.pool.name}\` has ${fmtCpus(taken)}` }],
          });
          cpus = cpus.filter((c) => owner.get(c)?.pool === pool);
          pool.cpus = cpus;
        }
      }
      checkPoolScheduler(this.sink, pool, b);
      pools.push(pool);
    }
    let pool0 = pools.find((p) => p.name === DEFAULT_POOL);
    if (!pool0) {
      // No Pool-0 written: it implicitly holds every pCPU no other pool has.
      const free: number[] = [];
      for (let c = 0; c < pcpus; c++) if (!owner.has(c)) free.push(c);
      pool0 = this.poolWithDefaults(DEFAULT_POOL, free, hostSched, new Block(this.ctx, []), NOWHERE, true);
      pools.unshift(pool0);
      const o = owner.get(0);
      if (o) {
        this.sink.error(Codes.cpu0OutsidePool0, `CPU 0 cannot leave \`${DEFAULT_POOL}\` (Xen's boot pool); give pool \`${o.pool.name}\` other CPUs.`, cpusStmt.get(o.pool) ? this.listRange(cpusStmt.get(o.pool)!) : o.pool.range);
      }
    } else {
      pools.splice(pools.indexOf(pool0), 1);
      pools.unshift(pool0);
      if (!pool0.cpus.includes(0) && pcpus > 0) {
        const s = cpusStmt.get(pool0);
        const o = owner.get(0);
        this.sink.error(
          Codes.cpu0OutsidePool0,
          `\`${DEFAULT_POOL}\` must keep CPU 0 (Xen: CPU 0 cannot leave the boot pool)${o && o.pool !== pool0 ? `, but it is in pool \`${o.pool.name}\`` : ''}; add 0 to its \`cpus\`.`,
          s ? this.listRange(s) : pool0.range,
        );
      }
    }
    return pools;
  }

  private listRange(s: Statement): TextRange {
    const a = s.args[0];
    return a ? { start: a.start, end: a.end } : rangeOf(s);
  }

  private poolWithDefaults(name: string, cpus: number[], sched: HostSched, b: Block, range: TextRange, implicit: boolean): Pool {
    const n = Math.max(1, Math.min(cpus.length, 8));
    // fair: sysctl_sched_base_slice 0.75 ms scaled by 1 + ilog2(min(online CPUs, 8))
    // (kernel/sched/fair.c get_update_sysctl_factor, SCHED_TUNABLESCALING_LOG): 6 CPUs -> 2.25 ms.
    const defSlice = sched === 'credit' ? 30 * MS : sched === 'credit2' ? 10 * MS : sched === 'fair' ? 0.75 * MS * (1 + Math.floor(Math.log2(n))) : sched === 'rr' ? 100 * MS : 0;
    return {
      range,
      name,
      implicit,
      cpus,
      sched,
      timesliceNs: b.num('timeslice', defSlice),
      ratelimitNs: b.num('ratelimit', sched === 'credit' || sched === 'credit2' ? 1 * MS : 0),
      tickNs: b.num('tick', 10 * MS),
      minSliceNs: b.num('min_slice', 0.5 * MS),
      resetCreditNs: b.num('reset_credit', 10 * MS),
      capPeriodNs: b.num('cap_period', 10 * MS),
    };
  }

  private load(stmt: Statement, pcpus: number): HostLoad {
    const b = Block.of(this.ctx, stmt);
    const l = b.list('cpus');
    const policy = b.word<ThreadPolicy>('policy', 'normal');
    checkPolicy(this.sink, b, policy, 'threads');
    return {
      range: rangeOf(stmt),
      name: nameOf(stmt) ?? '',
      threads: b.num('threads', 1),
      cpus: l ? this.expand(l.list, pcpus, 'cpu', l.stmt) : range0(pcpus),
      policy,
      nice: b.num('nice', 0),
      rtPriority: b.num('rt_priority', 50),
      program: this.program(b, undefined),
    };
  }

  /** Expands a CPU or VP list, reporting items beyond the count and lists that end up empty. */
  private expand(list: IndexList, n: number, what: 'cpu' | 'vp', stmt: Statement): number[] {
    const { indices, outOfRange } = expandIndexList(list, n);
    for (const it of outOfRange) {
      if (what === 'cpu') this.sink.error(Codes.cpuOutOfRange, `pCPU ${it.hi} does not exist: the host has ${n} pCPU${n === 1 ? '' : 's'} (0-${n - 1}).`, it.range);
      else this.sink.error(Codes.vpOutOfRange, `VP ${it.hi} does not exist: the VM has ${n} vCPU${n === 1 ? '' : 's'} (0-${n - 1}).`, it.range);
    }
    if (indices.length === 0 && outOfRange.length === 0) {
      this.sink.error(Codes.badCpuList, `This list leaves no ${what === 'cpu' ? 'CPU' : 'VP'} at all; keep at least one.`, list.range);
    }
    void stmt;
    return indices;
  }

  /** A single VP index, checked against the VM. */
  private vpIndex(v: Value | undefined, vcpus: number): number | undefined {
    if (v?.kind !== 'number') return undefined;
    if (v.value >= vcpus) {
      this.sink.error(Codes.vpOutOfRange, `VP ${v.value} does not exist: the VM has ${vcpus} vCPU${vcpus === 1 ? '' : 's'} (0-${vcpus - 1}).`, v.range);
      return undefined;
    }
    return v.value;
  }

  // ---- vm ---------------------------------------------------------------------------------------

  private vm(stmt: Statement, host: Host): Vm | undefined {
    const name = nameOf(stmt);
    const b = Block.of(this.ctx, stmt);
    const vcpus = b.optNum('vcpus');
    if (name === undefined || vcpus === undefined) return undefined;
    const poolV = b.value('pool');
    let poolName = poolV?.kind === 'word' ? poolV.value : DEFAULT_POOL;
    let pool = host.pools.find((p) => p.name === poolName);
    if (!pool) {
      this.unknownPool(poolName, poolV!.range, host);
      poolName = DEFAULT_POOL;
      pool = host.pools[0];
    }
    let cpus = pool.cpus;
    const cl = b.list('cpus');
    if (cl) {
      const written = this.expand(cl.list, host.pcpus, 'cpu', cl.stmt);
      const inPool = written.filter((c) => pool!.cpus.includes(c));
      const outside = written.filter((c) => !pool!.cpus.includes(c));
      if (outside.length > 0 && written.length > 0) {
        const msg =
          inPool.length === 0
            ? `None of these pCPUs is in pool \`${pool.name}\` (${fmtCpus(pool.cpus) || 'no CPUs'}), and scheduling never crosses pools (Xen); the VM falls back to the pool's CPUs. Pick CPUs of the pool or move the VM to another pool.`
            : `pCPU${outside.length > 1 ? 's' : ''} ${fmtCpus(outside)} ${outside.length > 1 ? 'are' : 'is'} not in pool \`${pool.name}\`; scheduling never crosses pools (Xen), so ${outside.length > 1 ? 'they are' : 'it is'} never used.`;
        this.sink.warning(Codes.vmCpusOutsidePool, msg, cl.list.range);
      }
      if (inPool.length > 0) cpus = inPool;
    }
    const cs = b.list('cpus_soft');
    const cpusSoft = cs ? this.expand(cs.list, host.pcpus, 'cpu', cs.stmt) : cpus;
    const policy = b.word<ThreadPolicy>('policy', 'normal');
    const xen = pool.sched === 'credit' || pool.sched === 'credit2';
    checkVmScheduler(this.sink, b, pool, policy);
    const boost = this.boost(b.first('boost'), pool, xen);
    const ohStmt = b.first('openhcl');
    const openhcl = ohStmt ? this.openhcl(ohStmt, vcpus) : undefined;
    if (ohStmt && boost.mode !== 'off' && !xen) checkBoostOnOpenHcl(this.sink, b.first('boost'), boost.mode);
    const vm: Vm = {
      range: rangeOf(stmt),
      name,
      vcpus,
      pool: poolName,
      cpus,
      cpusSoft,
      pin: b.word('pin', 'shared'),
      weight: b.num('cpu_weight', 256),
      capPercent: b.num('cap', 0),
      nice: b.num('nice', 0),
      policy,
      rtPriority: b.num('rt_priority', 50),
      dom0: b.bool('dom0', false),
      boost,
      // The guest's disk_io steps and ioloads refer to the paravisor's controllers.
      guest: this.guest(b.first('guest'), vcpus, openhcl, name, xen ? pool : undefined),
    };
    if (openhcl) vm.openhcl = openhcl;
    return vm;
  }

  /** `vm(stmt, host)`, taken from `cache` when an earlier version lowered the statement with the same inputs (`VmLowerEntry`). */
  private cachedVm(stmt: Statement, host: Host, cache: NonNullable<LowerContext['cache']>, hostStmt: Statement, hostKey: string): Vm | undefined {
    const text = this.ctx.text;
    const before = text.slice(lineStart(text, stmt.start), stmt.start);
    const after = text.slice(stmt.end, lineEnd(text, stmt.end));
    const hit = cache.map.get(stmt);
    if (hit && hit.hostStmt === hostStmt && hit.hostKey === hostKey && hit.eol === cache.eol && hit.before === before && hit.after === after) {
      for (const d of hit.given) replayDiagnostic(this.sink, d, stmt.start);
      if (hit.vm && hit.at !== stmt.start) {
        hit.vm = shiftRanges(hit.vm, stmt.start - hit.at);
        hit.at = stmt.start;
      }
      return hit.vm;
    }
    const sink = this.sink;
    const rec = new RecordingSink(sink);
    let vm: Vm | undefined;
    this.sink = rec;
    try {
      vm = this.vm(stmt, host);
    } finally {
      this.sink = sink;
    }
    const lo = stmt.start;
    const hi = stmt.end;
    if (lo > 0 && rec.given.every((d) => diagnosticWithin(d, lo, hi)) && (!vm || rangesWithin(vm, lo, hi))) {
      cache.map.set(stmt, { at: lo, vm, given: rec.given.map((d) => shiftDiagnostic(d, -lo)), hostStmt, hostKey, eol: cache.eol, before, after });
    } else cache.map.delete(stmt);
    return vm;
  }

  private unknownPool(name: string, range: TextRange, host: Host): void {
    const names = host.pools.filter((p) => !p.implicit).map((p) => p.name);
    const fixes: Fix[] = [];
    const hostStmt = this.hostStmt;
    if (hostStmt?.body) {
      // Propose a free CPU for the new pool: one that no written pool has, not CPU 0.
      const owned = new Set(host.pools.filter((p) => !p.implicit).flatMap((p) => p.cpus));
      let cpu = host.pcpus - 1;
      while (cpu > 0 && owned.has(cpu)) cpu--;
      const label = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) && !name.endsWith('-') ? name : JSON.stringify(name);
      fixes.push({ title: `Create pool '${name}'`, edits: [appendToBody(this.ctx.text, hostStmt.body, `pool ${label} { cpus ${Math.max(cpu, 0)} }`)], preferred: true });
    }
    for (const m of names.filter((n) => n.toLowerCase() === name.toLowerCase() || n.startsWith(name) || name.startsWith(n)).slice(0, 2)) {
      fixes.push({ title: `Change to '${m}'`, edits: [{ range, newText: m }] });
    }
    const known = names.length ? ` Pools: ${[DEFAULT_POOL, ...names.filter((n) => n !== DEFAULT_POOL)].map((n) => `\`${n}\``).join(', ')}.` : '';
    const removedBy = this.ctx.removed?.get(removalKey('', 'pool', name));
    if (removedBy) {
      this.sink.error(Codes.removedReference, `Pool \`${name}\` is removed by this variant, and this VM still uses it; move the VM to another pool in the variant too.${known}`, range, {
        related: [{ range: rangeOf(removedBy), message: `\`remove pool ${name}\`` }],
      });
      return;
    }
    this.sink.error(Codes.unknownPool, `Pool \`${name}\` does not exist; declare it in \`host\` (\`pool ${name} { cpus ... }\`) or use an existing pool.${known}`, range, { fixes });
  }

  /** The host statement, for fixes that insert into the host block (the first, like the merge). */
  private get hostStmt(): Statement | undefined {
    return this.top.find((s) => this.ctx.spec(s)?.id === 'host');
  }

  private poolNameRange(p: Pool): TextRange {
    const s = this.stmtAt().get(p.range.start);
    const a = s?.args[0];
    return a ? { start: a.start, end: a.end } : p.range;
  }

  private readonly invalidCpus = new Set<Pool>();

  /**
   * Statements by start offset (the top level, and the bodies of `host`, pools and VMs), to find a
   * VM's or a pool's setting again from the IR's range. Only problems need it: built on first use.
   */
  private byStart: Map<number, Statement> | undefined;
  private stmtAt(): Map<number, Statement> {
    if (this.byStart) return this.byStart;
    const m = (this.byStart = new Map<number, Statement>());
    const rec = (list: readonly Statement[]) => {
      for (const s of list) {
        m.set(s.start, s);
        if (s.body && (this.ctx.spec(s)?.id === 'host' || this.ctx.spec(s)?.id === 'vm' || this.ctx.spec(s)?.id === 'host.pool')) rec(s.body.statements);
      }
    };
    rec(this.top);
    return m;
  }

  private vmSetting(v: Vm, kw: string): TextRange | undefined {
    const s = this.stmtAt().get(v.range.start);
    if (!s) return undefined;
    const t = Block.of(this.ctx, s).first(kw);
    const a = t?.args[0];
    return a ? { start: a.start, end: a.end } : t ? rangeOf(t) : undefined;
  }

  private boost(stmt: Statement | undefined, pool: Pool, xen: boolean): Boost {
    const b = Block.of(this.ctx, stmt);
    const modeV = stmt ? this.ctx.args(stmt)?.values[0] : undefined;
    const mode = modeV?.kind === 'word' ? (modeV.value as Boost['mode']) : 'off';
    if (stmt) checkBoost(this.sink, stmt, b, modeV, mode, pool, xen);
    const iv = b.value('interrupts');
    return {
      range: stmt ? rangeOf(stmt) : NOWHERE,
      mode,
      trigger: b.word('trigger', 'injection'),
      interrupts: iv?.kind === 'words' ? (iv.value as BoostInterrupt[]) : ['timer', 'nmi', 'smi', 'pv_unhalt'],
      guestRequests: b.bool('guest_requests', true),
      preemptLimitNs: b.num('preempt_limit', 3 * MS),
      unboostCostNs: b.num('unboost_cost', 2 * US),
      guestUnboosts: b.bool('guest_unboosts', true),
      rtPriority: b.num('rt_priority', 8),
      nested: b.bool('nested', false),
    };
  }

  // ---- openhcl ----------------------------------------------------------------------------------

  private openhcl(stmt: Statement, vcpus: number): OpenHcl {
    const b = Block.of(this.ctx, stmt);
    const backend = b.word<OpenHcl['backend']>('backend', 'threadpool');
    const vpCpuMap = this.vpCpuMap(b, vcpus);
    const sc = b.first('sidecar');
    const oh: OpenHcl = {
      range: rangeOf(stmt),
      backend,
      ioUringCancel: b.bool('io_uring_cancel', true),
      arch: b.word('arch', 'x64'),
      isolation: b.word('isolation', 'none'),
      vpCpuMap,
      ioRingSize: b.num('io_ring_size', 256),
      tasks: b.named('task').map((t) => this.task(t, vcpus, backend)),
      scsiSubChannels: b.first('scsi_sub_channels') ? b.num('scsi_sub_channels', 0) : undefined,
      storvsp: [],
      netvsp: b.named('netvsp').map((s) => this.netvsp(s, vcpus)),
    };
    oh.storvsp = b.named('storvsp').map((s) => this.storvsp(s, vcpus, oh.scsiSubChannels));
    if (oh.scsiSubChannels === undefined) delete oh.scsiSubChannels;
    if (sc) oh.sidecar = this.sidecar(sc, vcpus);
    return oh;
  }

  private vpCpuMap(b: Block, vcpus: number): number[] {
    const identity = range0(vcpus);
    const s = b.first('vp_cpu_map');
    const l = b.list('vp_cpu_map');
    if (!s || !l) return identity;
    if (l.list.all) return identity;
    const out: number[] = [];
    let bad = false;
    for (const it of l.list.items) {
      if (it.not) {
        this.sink.error(Codes.wrongType, '`vp_cpu_map` lists one CPU per VP in order; `^` exclusions mean nothing here.', it.range);
        bad = true;
        continue;
      }
      for (let k = it.lo; k <= it.hi && out.length <= vcpus; k++) {
        if (k >= vcpus) {
          this.sink.error(Codes.vpOutOfRange, `CPU ${k} does not exist in VTL2: the VM has ${vcpus} VPs, so Linux CPUs 0-${vcpus - 1}.`, it.range);
          bad = true;
          break;
        }
        out.push(k);
      }
    }
    if (!bad && out.length !== vcpus) {
      this.sink.error(Codes.listLength, `\`vp_cpu_map\` needs one CPU per VP: the VM has ${vcpus} VP${vcpus === 1 ? '' : 's'}, the list has ${out.length} entr${out.length === 1 ? 'y' : 'ies'}.`, l.list.range);
      bad = true;
    }
    return bad ? identity : out;
  }

  private sidecar(stmt: Statement, vcpus: number): Sidecar {
    const b = Block.of(this.ctx, stmt);
    const lv = b.list('linux_vps');
    return {
      range: rangeOf(stmt),
      hotplug: b.bool('hotplug', true),
      onlineCost: b.dist('online_cost', { kind: 'fixed', value: 2 * MS }),
      blackout: b.dist('blackout', { kind: 'fixed', value: 100 * US }),
      baseCpu: this.vpIndex(b.value('base_cpu'), vcpus) ?? 0,
      linuxVps: lv ? this.expand(lv.list, vcpus, 'vp', lv.stmt) : [0],
    };
  }

  private task(stmt: Statement, vcpus: number, backend: OpenHcl['backend']): Vtl2Task {
    const b = Block.of(this.ctx, stmt);
    const targetVp = this.vpIndex(b.value('target_vp'), vcpus);
    const runOnTarget = b.bool('run_on_target', false);
    const name = nameOf(stmt) ?? '';
    checkTaskTargeting(this.sink, this.ctx.text, b, backend, name, runOnTarget);
    const retargets: Vtl2Task['retargets'] = [];
    for (const r of b.all('retarget_vp')) {
      const vals = this.ctx.args(r)?.values ?? [];
      const vp = this.vpIndex(vals[0], vcpus);
      const at = vals[2];
      if (vp !== undefined && at?.kind === 'number') retargets.push({ range: rangeOf(r), atNs: at.value, vp });
    }
    retargets.sort((x, y) => x.atNs - y.atNs);
    const runsOn = b.word<Vtl2Task['runsOn']>('runs_on', 'vp');
    const t: Vtl2Task = { range: rangeOf(stmt), name, runOnTarget, runsOn, retargets, program: this.program(b, undefined) };
    if (targetVp !== undefined) t.targetVp = targetVp;
    const ie = b.value('inspect_every');
    if (ie?.kind === 'dist') t.inspectEvery = ie.value;
    if (b.word<'vp0' | 'current'>('io_ring', 'vp0') === 'current') t.ioRing = 'current';
    const so = this.vpIndex(b.value('spawned_on'), vcpus);
    if (so !== undefined) t.spawnedOn = so;
    return t;
  }

  private storvsp(stmt: Statement, vcpus: number, vmWide: number | undefined): StorvspController {
    const b = Block.of(this.ctx, stmt);
    // `scsi_sub_channels` in the openhcl block is OpenHCL's VM-wide setting; a controller's own
    // `sub_channels` overrides it (a what-if: OpenHCL has no per-controller value).
    const own = b.first('sub_channels') !== undefined;
    const written = own ? b.num('sub_channels', 0) : (vmWide ?? 0);
    const sub = openedSubChannels(written, vcpus);
    const channels = sub + 1;
    const interrupts = b.bool('interrupts', true);
    const listed: number[] = [];
    const cv = b.list('channel_vps');
    if (cv && !cv.list.all) {
      for (const it of cv.list.items) {
        if (it.not) continue;
        for (let k = it.lo; k <= it.hi && listed.length <= channels; k++) {
          if (k >= vcpus) {
            this.sink.error(Codes.vpOutOfRange, `VP ${k} does not exist: the VM has ${vcpus} vCPU${vcpus === 1 ? '' : 's'} (0-${vcpus - 1}).`, it.range);
            break;
          }
          listed.push(k);
        }
      }
      if (listed.length > channels) {
        this.sink.error(Codes.listLength, `\`channel_vps\` lists more VPs than the controller has channels (${channels}: the primary and ${sub} subchannel${sub === 1 ? '' : 's'}${written !== sub ? `, clamped from ${written}` : ''}).`, cv.list.range);
        listed.length = channels;
      } else if (listed.length < channels && listed.length > 0 && interrupts) {
        const rest = layoutChannelVps(listed, channels, vcpus, interrupts).slice(listed.length);
        this.sink.warning(
          Codes.channelVpsShort,
          `\`channel_vps\` places ${listed.length} of the controller's ${channels} channels; vpscope puts the other ${channels - listed.length} on VP${rest.length === 1 ? '' : 's'} ${rest.join(', ')} (even spread, skipping VPs already listed). In OpenHCL the guest picks each channel's VP: list one VP per channel to say which.`,
          cv.list.range,
        );
      }
    }
    // One rule everywhere (model/storvspRule.ts): at most one channel per VP, listed VPs first,
    // the rest spread evenly; without interrupts every channel lands on VP 0 (OpenHCL guide).
    const channelVps = layoutChannelVps(listed, channels, vcpus, interrupts);
    const disks: Disk[] = b.named('disk').map((d) => {
      const db = Block.of(this.ctx, d);
      const disk: Disk = { range: rangeOf(d), name: nameOf(d) ?? '', latency: db.dist('latency', { kind: 'fixed', value: 0 }) };
      if (db.word<'disk_blockdevice' | 'disk_nvme'>('backend', 'disk_blockdevice') === 'disk_nvme') {
        disk.backend = 'disk_nvme';
        const q = db.optNum('nvme_queues');
        if (q !== undefined) disk.nvmeQueues = q;
      }
      return disk;
    });
    return {
      range: rangeOf(stmt),
      name: nameOf(stmt) ?? '',
      subChannels: sub,
      subChannelsWritten: written,
      ...(!own ? { subChannelsVmWide: true } : {}),
      ioQueueDepth: b.num('io_queue_depth', Math.min(8 * vcpus, 256)),
      pollModeQueueDepth: b.num('poll_mode_queue_depth', 1),
      interrupts,
      channelVps,
      disks,
    };
  }

  private netvsp(stmt: Statement, vcpus: number): NetvspController {
    const b = Block.of(this.ctx, stmt);
    const written = b.num('sub_channels', 0);
    return { range: rangeOf(stmt), name: nameOf(stmt) ?? '', subChannels: Math.min(written, 32, vcpus), subChannelsWritten: written };
  }

  // ---- guest ------------------------------------------------------------------------------------

  /** `xenPool`: the VM's pool when it runs under Xen credit/credit2 (no directed yield there). */
  private guest(stmt: Statement | undefined, vcpus: number, oh: OpenHcl | undefined, vmName: string, xenPool?: Pool): Guest {
    const b = Block.of(this.ctx, stmt);
    const pleStmt = b.first('ple');
    const p = Block.of(this.ctx, pleStmt);
    const dy = p.first('directed_yield');
    if (xenPool && dy && p.bool('directed_yield', true)) {
      this.sink.warning(
        Codes.ignoredByScheduler,
        `\`directed_yield\` is KVM's (a pause-loop exit yields to a chosen sibling vCPU); pool \`${xenPool.name}\` uses Xen \`${xenPool.sched}\`, whose pause-loop exit calls \`vcpu_yield()\` with no target (xen/arch/x86/hvm/vmx/vmx.c), so it is ignored.`,
        dy.keyword,
        { tags: ['unnecessary'] },
      );
    }
    const locks: GuestLock[] = b.named('lock').map((l) => {
      const lb = Block.of(this.ctx, l);
      return { range: rangeOf(l), name: nameOf(l) ?? '', kind: lb.word('kind', 'spin'), mode: lb.word('mode', 'kernel') };
    });
    const lockNames = new Set(locks.map((l) => l.name));
    const disks = new Map<string, Set<string>>();
    for (const c of oh?.storvsp ?? []) disks.set(c.name, new Set(c.disks.map((d) => d.name)));
    const vmKey = removalKey('', 'vm', vmName);
    const all = range0(vcpus);
    const vcpuList = (blk: Block, kw: string): number[] => {
      const l = blk.list(kw);
      return l ? this.expand(l.list, vcpus, 'vp', l.stmt) : all;
    };
    const threads: GuestThread[] = b.named('thread').map((t) => {
      const tb = Block.of(this.ctx, t);
      return { range: rangeOf(t), name: nameOf(t) ?? '', count: tb.num('count', 1), vcpus: vcpuList(tb, 'vcpus'), rt: tb.bool('rt', false), program: this.program(tb, { locks: lockNames, disks, vmKey }) };
    });
    const parallel: ParallelRegion[] = b.named('parallel').map((s) => {
      const pb = Block.of(this.ctx, s);
      const barrier = pb.word<ParallelRegion['barrier']>('barrier', 'spin');
      return {
        range: rangeOf(s),
        name: nameOf(s) ?? '',
        threads: pb.num('threads', vcpus),
        work: pb.dist('work', { kind: 'fixed', value: 0 }),
        rounds: pb.num('rounds', 1000),
        barrier,
        spinLimitNs: pb.num('spin_limit', barrier === 'block' ? 0 : UNLIMITED_NS),
        dop: pb.word('dop', 'fixed'),
        spinMode: pb.word('spin_mode', 'user'),
        ...(pb.first('start') ? { startNs: pb.num('start', 0) } : {}),
      };
    });
    const ioloads: IoLoad[] = [];
    for (const s of b.named('ioload')) {
      const ib = Block.of(this.ctx, s);
      const dv = ib.first('disk') ? this.ctx.args(ib.first('disk')!)?.values : undefined;
      const rate = ib.optNum('rate');
      const depth = ib.optNum('depth');
      const rs = ib.first('rate');
      const ds = ib.first('depth');
      if (rs && ds) this.sink.error(Codes.ioloadMode, '`ioload` is either open loop (`rate`) or closed loop (`depth`), not both; remove one.', ds.keyword, { related: [{ range: rangeOf(rs), message: 'the rate' }] });
      else if (!rs && !ds) this.sink.error(Codes.ioloadMode, `\`ioload\` needs \`rate\` (open loop, e.g. \`rate 10k/s\`) or \`depth\` (closed loop, e.g. \`depth 8\`).`, s.keyword);
      const controller = dv?.[0]?.kind === 'word' ? dv[0].value : '';
      const disk = dv?.[1]?.kind === 'word' ? dv[1].value : '';
      if (!disks.get(controller)?.has(disk)) {
        this.removedDisk(vmKey, controller, disk, ib.first('disk'));
        continue;
      }
      const io: IoLoad = { range: rangeOf(s), name: nameOf(s) ?? '', controller, disk, vcpus: vcpuList(ib, 'vcpus') };
      if (rate !== undefined) io.ratePerSec = rate;
      else io.depth = depth ?? 1;
      ioloads.push(io);
    }
    const intercepts: Intercept[] = b.named('intercept').map((s) => {
      const ib = Block.of(this.ctx, s);
      return { range: rangeOf(s), name: nameOf(s) ?? '', ratePerSec: ib.num('rate', 0), dur: ib.dist('duration', { kind: 'fixed', value: 0 }), vcpus: vcpuList(ib, 'vcpus') };
    });
    const irqs: Irq[] = b.named('irq').map((s) => {
      const ib = Block.of(this.ctx, s);
      return {
        range: rangeOf(s),
        name: nameOf(s) ?? '',
        ratePerSec: ib.num('rate', 0),
        vcpus: vcpuList(ib, 'vcpus'),
        kind: ib.word<BoostInterrupt>('kind', 'device'),
        maskedFraction: ib.num('masked', 0) / 100,
        maskedWindow: ib.dist('masked_window', { kind: 'fixed', value: 50 * US }),
      };
    });
    return {
      range: stmt ? rangeOf(stmt) : NOWHERE,
      residence: b.dist('residence', { kind: 'exp', mean: 1 * MS }),
      sliceNs: b.num('slice', 3 * MS),
      stealTime: b.bool('steal_time', true),
      ple: {
        range: pleStmt ? rangeOf(pleStmt) : NOWHERE,
        enabled: p.bool('enabled', true),
        windowNs: p.num('window', 1500),
        grow: p.num('grow', 2),
        maxWindowNs: p.num('max_window', 24 * US),
        directedYield: !xenPool && p.bool('directed_yield', true),
      },
      locks,
      threads,
      parallel,
      ioloads,
      intercepts,
      irqs,
    };
  }

  // ---- programs ---------------------------------------------------------------------------------

  /**
   * A statement that names disk `disk` of controller `controller`, which the lowered scenario does
   * not have: when a variant removed either, that is an error of the variant (in the base, the
   * symbol table already reported the unknown name).
   */
  private removedDisk(vmKey: string, controller: string, disk: string, stmt: Statement | undefined): void {
    const removed = this.ctx.removed;
    if (!removed || !stmt || controller === '' || disk === '') return;
    const ctrlKey = removalKey(vmKey, 'storvsp', controller);
    const byCtrl = removed.get(ctrlKey);
    const by = byCtrl ?? removed.get(removalKey(ctrlKey, 'disk', disk));
    if (!by) return;
    const arg = byCtrl ? stmt.args[0] : stmt.args[1];
    const what = byCtrl ? `controller \`${controller}\`` : `disk \`${disk}\` of controller \`${controller}\``;
    this.sink.error(Codes.removedReference, `This variant removes ${what}, and this statement still uses it; remove or change it in the variant too.`, arg ?? stmt, {
      related: [{ range: rangeOf(by), message: `\`remove ${byCtrl ? 'storvsp ' + controller : 'disk ' + disk}\`` }],
    });
  }

  private program(b: Block, refs: { locks: Set<string>; disks: Map<string, Set<string>>; vmKey: string } | undefined): Program {
    let trigger: Trigger = { kind: 'loop' };
    let triggerStmt: Statement | undefined;
    for (let k = 0; k < b.stmts.length; k++) {
      const s = b.stmts[k];
      const spec = b.specs[k];
      if (!spec) continue;
      const v = this.ctx.args(s)?.values;
      if (!v) continue;
      if (spec.keyword === 'every' && v[0]?.kind === 'dist') trigger = { kind: 'periodic', period: v[0].value };
      else if (spec.keyword === 'rate' && v[0]?.kind === 'number') trigger = { kind: 'poisson', ratePerSec: v[0].value };
      else if (spec.keyword === 'once' && v[1]?.kind === 'number') trigger = { kind: 'once', atNs: v[1].value };
      else continue;
      triggerStmt = s;
      break;
    }
    const steps: Step[] = [];
    for (let k = 0; k < b.stmts.length; k++) {
      const s = b.stmts[k];
      const spec = b.specs[k];
      if (!spec?.step) continue;
      const pa = this.ctx.args(s);
      if (!pa?.ok) continue;
      const v = pa.values;
      const range = rangeOf(s);
      switch (spec.keyword) {
        case 'cpu':
        case 'sleep':
        case 'syscall':
        case 'intercept':
          steps.push({ kind: spec.keyword, dur: distAt(v, 0), range });
          break;
        case 'io':
          steps.push({ kind: 'io', latency: distAt(v, 0), range });
          break;
        case 'root_op':
          steps.push({ kind: 'root_op', op: wordAt(v, 0) as 'mmio' | 'hypercall', dur: distAt(v, 1), range });
          break;
        case 'get':
          steps.push({ kind: 'get', dur: distAt(v, 0), blocking: wordAt(v, 1) !== 'async', range });
          break;
        case 'wait_vp_ready':
        case 'is_vp_ready':
        case 'rtc_read':
        case 'rtc_write':
        case 'pam_remap':
          steps.push({ kind: spec.keyword, range });
          break;
        case 'lock':
          if (refs && !refs.locks.has(wordAt(v, 0))) {
            const by = this.ctx.removed?.get(removalKey(refs.vmKey, 'lock', wordAt(v, 0)));
            if (by) {
              this.sink.error(Codes.removedReference, `This variant removes lock \`${wordAt(v, 0)}\`, and this step still takes it; remove or change the step in the variant too.`, s.args[0] ?? s, {
                related: [{ range: rangeOf(by), message: `\`remove lock ${wordAt(v, 0)}\`` }],
              });
            }
            break;
          }
          steps.push({ kind: 'lock', lock: wordAt(v, 0), dur: distAt(v, 1), range });
          break;
        case 'disk_io':
          if (refs && !refs.disks.get(wordAt(v, 0))?.has(wordAt(v, 1))) {
            this.removedDisk(refs.vmKey, wordAt(v, 0), wordAt(v, 1), s);
            break;
          }
          steps.push({ kind: 'disk_io', controller: wordAt(v, 0), disk: wordAt(v, 1), range });
          break;
        case 'exit':
          steps.push(wordAt(v, 2) === 'vmm' ? { kind: 'exit', reason: wordAt(v, 0), dur: distAt(v, 1), vmm: true, range } : { kind: 'exit', reason: wordAt(v, 0), dur: distAt(v, 1), range });
          break;
      }
    }
    if (triggerStmt) this.checkKeepsUp(trigger, triggerStmt, steps);
    const prog: Program = { trigger, startNs: b.num('start', 0), steps };
    const countStmt = b.first('count');
    const count = b.optNum('passes') ?? (countStmt && this.ctx.spec(countStmt)?.id.endsWith('.thread.count') ? undefined : b.optNum('count'));
    if (count !== undefined) prog.count = count;
    return prog;
  }

  /**
   * VPS139: a periodic or Poisson program whose passes take longer on average than the time
   * between them. Its owner runs one pass at a time, so the passes queue without bound (a
   * periodic one: from the first; a Poisson one: an M/G/1 queue at load >= 1 has no steady
   * state) and its latency grows with the run's length, whatever the scheduling.
   */
  private checkKeepsUp(trigger: Trigger, at: Statement, steps: readonly Step[]): void {
    const p = passAgainstInterval({ trigger, steps });
    if (!p?.outruns) return;
    const { passNs: pass, intervalNs: gap } = p;
    const load = pass / Math.max(gap, 1e-9);
    // Below 1 ns the short form would print `0 ns`.
    const ns = (x: number) => (x < 1 ? `${Number(x.toPrecision(3))} ns` : fmtNsShort(x));
    this.sink.warning(
      Codes.workOverPeriod,
      `One pass takes ${fmtNsShort(pass)} on average (the sum of its steps' means) and ${trigger.kind === 'periodic' ? `one starts every ${ns(gap)}` : `passes arrive every ${ns(gap)} on average`} (${load >= 1000 ? 'over 1000' : load.toFixed(load >= 10 ? 0 : 2)} times the time between passes): passes run one at a time, so they queue up and the latency grows with the run's length. Lengthen the period or lower the rate, or shorten the steps.`,
      at,
    );
  }

}

/** The k-th value as a distribution (a fixed 0 when it is not one). */
function distAt(v: readonly (Value | undefined)[], k: number): Dist {
  const x = v[k];
  return x?.kind === 'dist' ? x.value : { kind: 'fixed', value: 0 };
}

/** The k-th value as a word ('' when it is not one). */
function wordAt(v: readonly (Value | undefined)[], k: number): string {
  const x = v[k];
  return x?.kind === 'word' ? x.value : '';
}

/** `0-3, 6` style text of a sorted CPU set. */
export function fmtCpus(cpus: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    out.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

function range0(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, k) => k);
}

export function lower(top: readonly Statement[], ctx: LowerContext): Scenario | undefined {
  return new Lowerer(ctx, top).lower(top);
}
