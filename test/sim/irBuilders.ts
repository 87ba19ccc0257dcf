/**
 * Hand-built IR for simulator tests: small builders that fill every field with the defaults the
 * checker would apply (docs/language.md), so a test states only what it is about.
 */
import type { TextRange } from '../../server/src/core/text';
import type {
  Boost,
  Dist,
  Guest,
  GuestLock,
  GuestThread,
  Host,
  HostLoad,
  HostSched,
  Intercept,
  IoLoad,
  Irq,
  ParallelRegion,
  Pool,
  Program,
  Scenario,
  Step,
  Trigger,
  Vm,
} from '../../server/src/model/ir';

export const us = 1_000;
export const ms = 1_000_000;
export const s = 1_000_000_000;
export const R = (start = 0, end = start): TextRange => ({ start, end });

export const fixed = (value: number): Dist => ({ kind: 'fixed', value });
export const uniform = (lo: number, hi: number): Dist => ({ kind: 'uniform', lo, hi });
export const exp = (mean: number): Dist => ({ kind: 'exp', mean });

export const cpu = (d: Dist | number): Step => ({ kind: 'cpu', dur: typeof d === 'number' ? fixed(d) : d, range: R() });
export const sleep = (d: Dist | number): Step => ({ kind: 'sleep', dur: typeof d === 'number' ? fixed(d) : d, range: R() });
export const lockStep = (lock: string, d: Dist | number): Step => ({ kind: 'lock', lock, dur: typeof d === 'number' ? fixed(d) : d, range: R() });
export const exitStep = (reason: string, d: Dist | number): Step => ({ kind: 'exit', reason, dur: typeof d === 'number' ? fixed(d) : d, range: R() });
export const diskIo = (controller: string, disk: string): Step => ({ kind: 'disk_io', controller, disk, range: R() });

export const loop: Trigger = { kind: 'loop' };
export const every = (period: number | Dist): Trigger => ({ kind: 'periodic', period: typeof period === 'number' ? fixed(period) : period });
export const poisson = (ratePerSec: number): Trigger => ({ kind: 'poisson', ratePerSec });
export const once = (atNs: number): Trigger => ({ kind: 'once', atNs });

export function program(steps: Step[], trigger: Trigger = loop, extra: Partial<Program> = {}): Program {
  return { trigger, startNs: 0, steps, ...extra };
}

export function pool(name: string, cpus: number[], sched: HostSched, extra: Partial<Pool> = {}): Pool {
  const n = cpus.length;
  const timesliceNs = sched === 'credit' ? 30 * ms : sched === 'credit2' ? 10 * ms : 0.75 * ms * (1 + Math.floor(Math.log2(Math.min(Math.max(1, n), 8))));
  return {
    name, implicit: false, cpus, sched, timesliceNs,
    ratelimitNs: sched === 'credit' || sched === 'credit2' ? 1 * ms : 0,
    tickNs: 10 * ms, minSliceNs: 500 * us, resetCreditNs: 10 * ms, capPeriodNs: 10 * ms,
    range: R(), ...extra,
  };
}

export function load(name: string, prog: Program, extra: Partial<HostLoad> = {}, pcpus = 4096): HostLoad {
  return { name, threads: 1, cpus: Array.from({ length: pcpus }, (_, i) => i), policy: 'normal', nice: 0, rtPriority: 50, program: prog, range: R(), ...extra };
}

export function thread(name: string, prog: Program, extra: Partial<GuestThread> = {}): GuestThread {
  return { name, count: 1, vcpus: [], rt: false, program: prog, range: R(), ...extra };
}

export function parallel(name: string, extra: Partial<ParallelRegion> = {}): ParallelRegion {
  const barrier = extra.barrier ?? 'spin';
  return {
    name, threads: 0, work: fixed(100 * us), rounds: 100, barrier,
    spinLimitNs: barrier === 'block' ? 0 : Infinity, dop: 'fixed', spinMode: 'user', range: R(), ...extra,
  };
}

export function guest(extra: Partial<Guest> = {}): Guest {
  return {
    residence: exp(1 * ms), sliceNs: 3 * ms, stealTime: true,
    ple: { enabled: true, windowNs: 1500, grow: 2, maxWindowNs: 24 * us, directedYield: true, range: R() },
    locks: [] as GuestLock[], threads: [], parallel: [], ioloads: [] as IoLoad[], intercepts: [] as Intercept[], irqs: [] as Irq[],
    range: R(), ...extra,
  };
}

export function boost(mode: Boost['mode'] = 'off', extra: Partial<Boost> = {}): Boost {
  return {
    mode, trigger: 'injection', interrupts: ['timer', 'nmi', 'smi', 'pv_unhalt'], guestRequests: true, preemptLimitNs: 3 * ms,
    unboostCostNs: 2 * us, guestUnboosts: true, rtPriority: 8, nested: false, range: R(), ...extra,
  };
}

export function vm(name: string, vcpus: number, extra: Partial<Omit<Vm, 'guest'>> & { guest?: Partial<Guest> } = {}): Vm {
  const { guest: g, ...rest } = extra;
  return {
    name, vcpus, pool: 'Pool-0', cpus: [], cpusSoft: [], pin: 'shared', weight: 256, capPercent: 0, nice: 0, policy: 'normal', rtPriority: 50,
    dom0: false, boost: boost(), guest: guest(g), range: R(), ...rest,
  };
}

export interface ScenarioOpts {
  pcpus: number;
  sched?: HostSched;
  pools?: Pool[];
  loads?: HostLoad[];
  vms?: Vm[];
  durationNs?: number;
  warmupNs?: number;
  seed?: number;
  maxEvents?: number;
  stallThresholdNs?: number;
}

/** A complete scenario. VMs without `cpus` get their pool's CPUs (as lowering does). */
export function scenario(o: ScenarioOpts): Scenario {
  const sched = o.sched ?? 'fair';
  const all = Array.from({ length: o.pcpus }, (_, i) => i);
  const pools = o.pools ?? [{ ...pool('Pool-0', all, sched), implicit: true }];
  const vms = (o.vms ?? []).map((v) => {
    const p = pools.find((x) => x.name === v.pool) ?? pools[0];
    const cpus = v.cpus.length ? v.cpus : p.cpus;
    return { ...v, cpus, cpusSoft: v.cpusSoft.length ? v.cpusSoft : cpus };
  });
  const host: Host = { pcpus: o.pcpus, sched, pools, freeCpus: [], loads: (o.loads ?? []).map((l) => ({ ...l, cpus: l.cpus.filter((c) => c < o.pcpus) })), range: R() };
  return {
    title: 'test',
    settings: {
      durationNs: o.durationNs ?? 1 * s, warmupNs: o.warmupNs ?? 0, seed: o.seed ?? 1, maxEvents: o.maxEvents ?? 100_000_000,
      wallLimitMs: 60_000, stallThresholdNs: o.stallThresholdNs ?? 1 * ms, range: R(),
    },
    host,
    vms,
    variants: [],
  };
}

/** Adds named variants (each a complete scenario) to a base. */
export function withVariants(base: Scenario, variants: Record<string, Scenario>): Scenario {
  return { ...base, variants: Object.entries(variants).map(([name, sc]) => ({ name, scenario: sc, range: R() })) };
}

/** A busy guest thread: loops on `cpu` forever. */
export const busy = (name = 'busy', count = 1, extra: Partial<GuestThread> = {}) => thread(name, program([cpu(10 * ms)]), { count, ...extra });
