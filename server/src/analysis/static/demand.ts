/**
 * How much CPU the scenario's threads want, estimated from the text alone: enough to tell whether
 * a set of pCPUs is oversubscribed (hazards 28 and 29). The simulation measures the real thing.
 *
 * - A program's *duty* is the fraction of time one of its threads wants a CPU: compute steps over
 *   a pass (loop), over the period (`every`), or rate x compute (`rate`), capped at 1.
 * - A VM's *demand* is the sum of its guest threads' duties plus one per thread of a parallel
 *   region (spinning and working threads both keep their vCPU runnable), capped at its vCPUs.
 * - A VM's *peak* is how many of its vCPUs can be runnable at once: one per guest thread or team
 *   member that computes at all, capped at its vCPUs. Latency-sensitive work wakes at arbitrary
 *   times, so what matters for it is the peak of its own VM against everyone else's average.
 */
import type { TextRange } from '../../core/text';
import type { HostLoad, Program, Scenario, Vm } from '../../model/ir';
import { distMean } from './format';

/** Compute and wait time of one pass of a program, in ns (means). */
export function passTimes(program: Program, diskLatency?: (controller: string, disk: string) => number | undefined): { cpuNs: number; waitNs: number } {
  let cpuNs = 0;
  let waitNs = 0;
  for (const s of program.steps) {
    switch (s.kind) {
      case 'cpu':
      case 'lock':
      case 'exit':
        cpuNs += distMean(s.dur);
        break;
      case 'sleep':
      case 'syscall':
      case 'intercept':
      case 'root_op':
      case 'get':
        waitNs += distMean(s.dur);
        break;
      case 'io':
        waitNs += distMean(s.latency);
        break;
      case 'disk_io':
        waitNs += diskLatency?.(s.controller, s.disk) ?? 0;
        break;
      default:
        break;
    }
  }
  return { cpuNs, waitNs };
}

/** Fraction of time one thread running `program` wants a CPU, in [0, 1]. */
export function programDuty(program: Program, diskLatency?: (controller: string, disk: string) => number | undefined): number {
  const { cpuNs, waitNs } = passTimes(program, diskLatency);
  if (cpuNs <= 0) return 0;
  const t = program.trigger;
  let duty: number;
  switch (t.kind) {
    case 'loop':
      duty = cpuNs / (cpuNs + waitNs);
      break;
    case 'periodic': {
      const period = distMean(t.period);
      duty = period > 0 ? cpuNs / period : 1;
      break;
    }
    case 'poisson':
      duty = (t.ratePerSec * cpuNs) / 1e9;
      break;
    case 'once':
      duty = 0;
      break;
  }
  return Math.min(1, Math.max(0, duty));
}

/** Passes per second of a program (Infinity for a loop that never waits; 0 for `once`). */
export function passRate(program: Program): number {
  const t = program.trigger;
  switch (t.kind) {
    case 'periodic': {
      const p = distMean(t.period);
      return p > 0 ? 1e9 / p : Infinity;
    }
    case 'poisson':
      return t.ratePerSec;
    case 'once':
      return 0;
    case 'loop': {
      const { cpuNs, waitNs } = passTimes(program);
      const pass = cpuNs + waitNs;
      return pass > 0 ? 1e9 / pass : Infinity;
    }
  }
}

function vmDiskLatency(vm: Vm): (controller: string, disk: string) => number | undefined {
  return (controller, disk) => {
    const c = vm.openhcl?.storvsp.find((x) => x.name === controller);
    const d = c?.disks.find((x) => x.name === disk);
    return d ? distMean(d.latency) : undefined;
  };
}

// A VM's demand and peak depend on the VM alone. IR objects are immutable and variants share the
// VMs they do not change with the base, so these are computed once per VM object.
const demandCache = new WeakMap<Vm, number>();
const peakCache = new WeakMap<Vm, number>();

/** Average number of this VM's vCPUs that want a pCPU. */
export function vmDemand(vm: Vm): number {
  let d = demandCache.get(vm);
  if (d === undefined) {
    const lat = vmDiskLatency(vm);
    d = 0;
    for (const t of vm.guest.threads) d += t.count * programDuty(t.program, lat);
    for (const p of vm.guest.parallel) d += p.threads;
    d = Math.min(vm.vcpus, d);
    demandCache.set(vm, d);
  }
  return d;
}

/** How many of this VM's vCPUs can be runnable at the same moment. */
export function vmPeak(vm: Vm): number {
  let n = peakCache.get(vm);
  if (n === undefined) {
    n = 0;
    for (const t of vm.guest.threads) if (passTimes(t.program).cpuNs > 0) n += t.count;
    for (const p of vm.guest.parallel) n += p.threads;
    n = Math.min(vm.vcpus, n);
    peakCache.set(vm, n);
  }
  return n;
}

export function loadDemand(l: HostLoad): number {
  return l.threads * programDuty(l.program);
}

/** The pCPUs a VM's vCPUs may run on (hard affinity, or its pool's CPUs). */
export function vmCpus(s: Scenario, vm: Vm): number[] {
  if (vm.cpus.length) return vm.cpus;
  return s.host.pools.find((p) => p.name === vm.pool)?.cpus ?? range(s.host.pcpus);
}

export function loadCpus(s: Scenario, l: HostLoad): number[] {
  return l.cpus.length ? l.cpus : range(s.host.pcpus);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export interface Contender {
  kind: 'vm' | 'load';
  name: string;
  range: TextRange;
  /** Average CPUs it takes from the set (its demand x the share of its CPUs in the set). */
  demand: number;
  /** Normal-policy (not real-time) threads: what a static RT boost starves. */
  normal: boolean;
  /** Periodic work: a latency-sensitive host thread or guest. */
  periodic: boolean;
}

/**
 * Everyone else who wants the pCPUs in `cpus`, with how much of them on average. A thread allowed
 * on more CPUs than the set is assumed to spread evenly over its allowed CPUs.
 */
export function contenders(s: Scenario, cpus: readonly number[], self?: Vm): Contender[] {
  return demandIndex(s).contenders(cpus, self);
}

/** A contender worth naming: one that takes a noticeable share (0.05 CPUs or more) of the pCPUs. */
export const MIN_NAMED_DEMAND = 0.05;

/** At most this many contenders in `Oversubscription.named` (messages name 3, related information 20). */
export const MAX_NAMED = 20;

/** Extra demand, in CPUs, before a set counts as oversubscribed (rounding noise of light loads). */
export const OVERSUBSCRIPTION_SLACK_CPUS = 0.5;

export interface Oversubscription {
  cpus: number[];
  /**
   * The first contenders that take `MIN_NAMED_DEMAND` or more, the ones messages name: at most
   * `MAX_NAMED` of them (a VM among thousands would otherwise copy a list of all the others).
   */
  readonly named: Contender[];
  /** How many contenders take `MIN_NAMED_DEMAND` or more (`named` holds the first of them). */
  readonly namedTotal: number;
  /** This VM's peak of runnable vCPUs. */
  own: number;
  /** Everyone else's average demand on the same pCPUs. */
  others: number;
  contenders: Contender[];
  oversubscribed: boolean;
}

/** Whether a VM's vCPUs may find all their pCPUs busy when they wake. */
export function oversubscription(s: Scenario, vm: Vm): Oversubscription {
  return demandIndex(s).oversubscription(vm);
}

// ---- the per-scenario index ----------------------------------------------------------------------

/** A distinct set of pCPUs (VMs of one pool share one), with what is computed about it once. */
interface CpuSet {
  cpus: readonly number[];
  members?: Set<number>;
  /** Share of each other set's CPUs that lie in this one, by that set. */
  shares?: Map<CpuSet, number>;
  /** Every VM and host load with CPUs in this set, in scenario order (VMs, then loads). */
  entries?: { vm?: Vm; c: Contender }[];
  /** Entries taking `MIN_NAMED_DEMAND` or more: how many, and how many of them per VM name. */
  namedCount?: number;
  namedByName?: Map<string, number>;
  /** Those entries, in scenario order: a VM's `named` is picked from them, not from all entries. */
  namedEntries?: { vm?: Vm; c: Contender }[];
  /** Large sets only: the total demand above 0, and its part per VM name. */
  demandTotal?: number;
  demandByName?: Map<string, number>;
}

/** Up to this many entries in a CPU set, a VM's `others` is summed exactly in scenario order. */
const EXACT_SUM_ENTRIES = 256;

const indexes = new WeakMap<Scenario, DemandIndex>();

/** The demand index of a scenario, built on first use. */
export function demandIndex(s: Scenario): DemandIndex {
  let ix = indexes.get(s);
  if (!ix) indexes.set(s, (ix = new DemandIndex(s)));
  return ix;
}

/**
 * Who contends for which pCPUs, computed once per scenario instead of once per pair of VMs: the
 * VMs of a pool share one CPU set, so the contenders of every set are listed once, and a VM's
 * contenders are that list without itself. The numbers are computed exactly as the pairwise
 * definition above does (the same products, summed in the same order), so the messages do not
 * change with the indexing.
 */
export class DemandIndex {
  private readonly byArray = new Map<readonly number[], CpuSet>();
  private readonly byKey = new Map<string, CpuSet>();
  private readonly vmSets = new Map<Vm, CpuSet>();
  private readonly loadSets: CpuSet[];
  private readonly over = new Map<Vm, Oversubscription>();

  constructor(readonly s: Scenario) {
    this.loadSets = s.host.loads.map((l) => this.set(loadCpus(s, l)));
  }

  private set(cpus: readonly number[]): CpuSet {
    let cs = this.byArray.get(cpus);
    if (cs) return cs;
    const key = cpus.join(',');
    cs = this.byKey.get(key);
    if (!cs) this.byKey.set(key, (cs = { cpus }));
    this.byArray.set(cpus, cs);
    return cs;
  }

  private vmSet(vm: Vm): CpuSet {
    let cs = this.vmSets.get(vm);
    if (!cs) this.vmSets.set(vm, (cs = this.set(vmCpus(this.s, vm))));
    return cs;
  }

  /** The share of `allowed`'s CPUs that lie in `into`. */
  private share(into: CpuSet, allowed: CpuSet): number {
    const shares = (into.shares ??= new Map());
    let f = shares.get(allowed);
    if (f === undefined) {
      const members = (into.members ??= new Set(into.cpus));
      const a = allowed.cpus;
      let n = 0;
      for (let k = 0; k < a.length; k++) if (members.has(a[k])) n++;
      f = a.length ? n / a.length : 0;
      shares.set(allowed, f);
    }
    return f;
  }

  private entries(cs: CpuSet): { vm?: Vm; c: Contender }[] {
    if (cs.entries) return cs.entries;
    const s = this.s;
    const out: { vm?: Vm; c: Contender }[] = [];
    for (const vm of s.vms) {
      const f = this.share(cs, this.vmSet(vm));
      if (f === 0) continue;
      out.push({
        vm,
        c: {
          kind: 'vm', name: vm.name, range: vm.range, demand: vmDemand(vm) * f,
          normal: vm.policy === 'normal' && vm.boost.mode !== 'static_rt',
          periodic: vm.guest.threads.some((t) => t.program.trigger.kind === 'periodic'),
        },
      });
    }
    s.host.loads.forEach((l, k) => {
      const f = this.share(cs, this.loadSets[k]);
      if (f === 0) return;
      out.push({
        c: {
          kind: 'load', name: l.name, range: l.range, demand: loadDemand(l) * f,
          normal: l.policy === 'normal', periodic: l.program.trigger.kind === 'periodic',
        },
      });
    });
    return (cs.entries = out);
  }

  /** See {@link contenders}. The contender objects are shared: read them, never change them. */
  contenders(cpus: readonly number[], self?: Vm): Contender[] {
    const out: Contender[] = [];
    for (const e of this.entries(this.set(cpus))) {
      if (e.vm && (e.vm === self || e.vm.name === self?.name)) continue;
      out.push(e.c);
    }
    return out;
  }

  /** See {@link oversubscription}; computed once per VM. */
  oversubscription(vm: Vm): Oversubscription {
    let os = this.over.get(vm);
    if (os) return os;
    const cpus = vmCpus(this.s, vm);
    const entries = this.entries(this.vmSet(vm));
    const cs = this.vmSet(vm);
    let others = 0;
    if (entries.length <= EXACT_SUM_ENTRIES) {
      for (let k = 0; k < entries.length; k++) {
        const e = entries[k];
        if (e.vm && (e.vm === vm || e.vm.name === vm.name)) continue;
        if (!(e.c.demand > 0)) continue;
        others = others + e.c.demand;
      }
    } else {
      // Thousands of VMs on one CPU set: the set's total minus this VM's own entries (linear in
      // the VMs instead of quadratic; may differ from the sum above in the last bits).
      if (cs.demandTotal === undefined) {
        let t = 0;
        const byName = new Map<string, number>();
        for (const e of entries) {
          if (!(e.c.demand > 0)) continue;
          t += e.c.demand;
          if (e.vm) byName.set(e.vm.name, (byName.get(e.vm.name) ?? 0) + e.c.demand);
        }
        cs.demandTotal = t;
        cs.demandByName = byName;
      }
      others = Math.max(0, cs.demandTotal - (cs.demandByName!.get(vm.name) ?? 0));
    }
    const own = vmPeak(vm);
    if (cs.namedCount === undefined) {
      let n = 0;
      const byName = new Map<string, number>();
      const named: { vm?: Vm; c: Contender }[] = [];
      for (const e of entries) {
        if (!(e.c.demand >= MIN_NAMED_DEMAND)) continue;
        n++;
        named.push(e);
        if (e.vm) byName.set(e.vm.name, (byName.get(e.vm.name) ?? 0) + 1);
      }
      cs.namedCount = n;
      cs.namedByName = byName;
      cs.namedEntries = named;
    }
    const namedTotal = cs.namedCount - (cs.namedByName!.get(vm.name) ?? 0);
    os = new VmOversubscription(cpus, own, others, own > 0 && own + others >= cpus.length + OVERSUBSCRIPTION_SLACK_CPUS, entries, cs.namedEntries!, vm, namedTotal);
    this.over.set(vm, os);
    return os;
  }
}

/** An `Oversubscription` whose list of contenders is made when a check reads it (to name them). */
class VmOversubscription implements Oversubscription {
  private list: Contender[] | undefined;
  constructor(
    readonly cpus: number[],
    readonly own: number,
    readonly others: number,
    readonly oversubscribed: boolean,
    private readonly entries: readonly { vm?: Vm; c: Contender }[],
    /** The entries taking `MIN_NAMED_DEMAND` or more, in the same order. */
    private readonly namedEntries: readonly { vm?: Vm; c: Contender }[],
    private readonly self: Vm,
    readonly namedTotal: number,
  ) {}
  get contenders(): Contender[] {
    return (this.list ??= this.pick(0));
  }

  /** The first `MAX_NAMED` contenders worth naming (`MIN_NAMED_DEMAND` or more), made once. */
  get named(): Contender[] {
    // From the set's entries worth naming only: scanning every entry for each VM was quadratic
    // when few or none are worth naming (23,000 light VMs on one set: 13 s of a 2 MB document's check).
    return (this.namedList ??= this.pick(MIN_NAMED_DEMAND, MAX_NAMED, this.namedEntries));
  }
  private namedList: Contender[] | undefined;

  /** Contenders (not this VM) with a demand above 0, or at least `min` when `min` > 0; the first `max`. */
  private pick(min: number, max = Infinity, entries: readonly { vm?: Vm; c: Contender }[] = this.entries): Contender[] {
    const out: Contender[] = [];
    for (let k = 0; k < entries.length && out.length < max; k++) {
      const e = entries[k];
      if (e.vm && (e.vm === this.self || e.vm.name === this.self.name)) continue;
      if (min > 0 ? e.c.demand >= min : e.c.demand > 0) out.push(e.c);
    }
    return out;
  }
}
