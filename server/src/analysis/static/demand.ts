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

/** Average number of this VM's vCPUs that want a pCPU. */
export function vmDemand(vm: Vm): number {
  const lat = vmDiskLatency(vm);
  let d = 0;
  for (const t of vm.guest.threads) d += t.count * programDuty(t.program, lat);
  for (const p of vm.guest.parallel) d += p.threads;
  return Math.min(vm.vcpus, d);
}

/** How many of this VM's vCPUs can be runnable at the same moment. */
export function vmPeak(vm: Vm): number {
  let n = 0;
  for (const t of vm.guest.threads) if (passTimes(t.program).cpuNs > 0) n += t.count;
  for (const p of vm.guest.parallel) n += p.threads;
  return Math.min(vm.vcpus, n);
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
  const set = new Set(cpus);
  const share = (allowed: readonly number[]) => (allowed.length ? allowed.filter((c) => set.has(c)).length / allowed.length : 0);
  const out: Contender[] = [];
  for (const vm of s.vms) {
    if (vm === self || vm.name === self?.name) continue;
    const f = share(vmCpus(s, vm));
    if (f === 0) continue;
    out.push({
      kind: 'vm', name: vm.name, range: vm.range, demand: vmDemand(vm) * f,
      normal: vm.policy === 'normal' && vm.boost.mode !== 'static_rt',
      periodic: vm.guest.threads.some((t) => t.program.trigger.kind === 'periodic'),
    });
  }
  for (const l of s.host.loads) {
    const f = share(loadCpus(s, l));
    if (f === 0) continue;
    out.push({
      kind: 'load', name: l.name, range: l.range, demand: loadDemand(l) * f,
      normal: l.policy === 'normal', periodic: l.program.trigger.kind === 'periodic',
    });
  }
  return out;
}

/** Extra demand, in CPUs, before a set counts as oversubscribed (rounding noise of light loads). */
export const OVERSUBSCRIPTION_SLACK_CPUS = 0.5;

export interface Oversubscription {
  cpus: number[];
  /** This VM's peak of runnable vCPUs. */
  own: number;
  /** Everyone else's average demand on the same pCPUs. */
  others: number;
  contenders: Contender[];
  oversubscribed: boolean;
}

/** Whether a VM's vCPUs may find all their pCPUs busy when they wake. */
export function oversubscription(s: Scenario, vm: Vm): Oversubscription {
  const cpus = vmCpus(s, vm);
  const cs = contenders(s, cpus, vm).filter((c) => c.demand > 0);
  const others = cs.reduce((a, c) => a + c.demand, 0);
  const own = vmPeak(vm);
  return { cpus, own, others, contenders: cs, oversubscribed: own > 0 && own + others >= cpus.length + OVERSUBSCRIPTION_SLACK_CPUS };
}
