/**
 * A static estimate of how many engine events a run of a scenario dispatches, from the scenario
 * alone (no simulation): the rate of every source of work (guest threads, parallel regions, IO
 * loads, intercepts, interrupts, OpenHCL tasks, host load threads, each vCPU's own residence
 * exits) times a rough number of events per unit of work, times the simulated time.
 *
 * Used to dispatch the runs of a sweep longest first (io/simPool.ts), where only the ranking of
 * the runs matters. Every per-unit event count below is an assumption (a round figure in the
 * range the engine's own counts show, BENCHMARKS.md "What the events are"), not a measurement of
 * a given scenario; test/sim/estimate.test.ts checks the ranking against measured event counts
 * on generated scenarios.
 */
import type { Dist, Guest, Program, Scenario, Vm } from '../model/ir';
import { distMean, stepMeanNs } from '../model/dist';

/** Events per pass of a program: its start, and about two per step (begin, end). An assumption. */
const EVENTS_PER_PASS = 2;
const EVENTS_PER_STEP = 2;
/** Events per guest IO (arrival, channel signal, worker batch, backend completion, guest completion, wake-up). An assumption. */
const EVENTS_PER_IO = 6;
/** Events per intercept or interrupt (exit, service, re-entry). An assumption. */
const EVENTS_PER_EXIT = 3;
/** Events per thread per round of a parallel region (start, work done, barrier). An assumption. */
const EVENTS_PER_ROUND = 3;
/** A disk latency used when a step names a disk this code does not look up (an assumption: an SSD's order). */
const DEFAULT_IO_NS = 100_000;
/** Shortest pass considered (no loop runs faster than this: each step costs the engine at least an event). */
const MIN_PASS_NS = 1_000;

const mean = (d: Dist | undefined, dflt = 0): number => (d ? distMean(d) : dflt);

/** Passes per second of a program over a run of `durationNs`. */
export function passesPerSec(p: Program, durationNs: number): number {
  const active = Math.max(1, durationNs - Math.max(0, p.startNs));
  if (p.startNs >= durationNs) return 0;
  let rate: number;
  switch (p.trigger.kind) {
    case 'loop': {
      let pass = 0;
      for (const s of p.steps) pass += stepMeanNs(s, DEFAULT_IO_NS);
      rate = 1e9 / Math.max(MIN_PASS_NS, pass);
      break;
    }
    case 'periodic':
      rate = 1e9 / Math.max(MIN_PASS_NS, mean(p.trigger.period));
      break;
    case 'poisson':
      rate = Math.max(0, p.trigger.ratePerSec);
      break;
    case 'once':
      return p.trigger.atNs < durationNs ? 1e9 / durationNs : 0;
  }
  // Passes happen only after the start; a count caps them.
  rate *= active / durationNs;
  if (p.count !== undefined) rate = Math.min(rate, (p.count * 1e9) / durationNs);
  return Number.isFinite(rate) ? rate : 0;
}

function programEventsPerSec(p: Program, durationNs: number): number {
  return passesPerSec(p, durationNs) * (EVENTS_PER_PASS + EVENTS_PER_STEP * p.steps.length);
}

function diskLatencyNs(vm: Vm, controller: string, disk: string): number {
  const c = vm.openhcl?.storvsp.find((x) => x.name === controller);
  const d = c?.disks.find((x) => x.name === disk);
  return d ? mean(d.latency, DEFAULT_IO_NS) : DEFAULT_IO_NS;
}

function guestEventsPerSec(vm: Vm, g: Guest, durationNs: number): number {
  let r = 0;
  // Each vCPU leaves VTL0 on its own after its natural residence (an exit and a re-entry).
  r += vm.vcpus * (1e9 / Math.max(MIN_PASS_NS, mean(g.residence, 1e6))) * 2;
  for (const t of g.threads) r += Math.max(0, t.count) * programEventsPerSec(t.program, durationNs);
  for (const p of g.parallel) r += (Math.max(0, p.threads) * Math.max(0, p.rounds) * EVENTS_PER_ROUND * 1e9) / durationNs;
  for (const io of g.ioloads) {
    const perSec = io.ratePerSec ?? (Math.max(0, io.depth ?? 1) * 1e9) / Math.max(MIN_PASS_NS, diskLatencyNs(vm, io.controller, io.disk));
    r += perSec * EVENTS_PER_IO;
  }
  for (const x of g.intercepts) r += x.ratePerSec * Math.max(1, x.vcpus.length) * EVENTS_PER_EXIT;
  for (const x of g.irqs) r += x.ratePerSec * EVENTS_PER_EXIT;
  return r;
}

/**
 * Expected engine events of one run of `sc` (any scenario: its variants are other scenarios).
 * At least 1; finite for any input the checker accepts.
 */
export function estimateEvents(sc: Scenario): number {
  const durationNs = Math.max(1, sc.settings.durationNs);
  let perSec = 0;
  for (const l of sc.host.loads) perSec += Math.max(0, l.threads) * programEventsPerSec(l.program, durationNs);
  for (const vm of sc.vms) {
    perSec += guestEventsPerSec(vm, vm.guest, durationNs);
    for (const t of vm.openhcl?.tasks ?? []) perSec += programEventsPerSec(t.program, durationNs);
  }
  const n = (perSec * durationNs) / 1e9;
  return Number.isFinite(n) ? Math.max(1, n) : Number.MAX_SAFE_INTEGER;
}
