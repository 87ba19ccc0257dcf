/**
 * The result of simulating one variant, as it appears (with ranges converted to 0-based LSP
 * ranges by the shells) in `vpscope.run/1` JSON: `{schema, file, seed, variants: [VariantResult],
 * diagnostics}`. docs/sim.md documents every field. Fields are only ever added.
 *
 * Units: ns for every time, fractions in [0, 1] for shares. Ranges here are source offsets
 * (`TextRange`); the CLI and the language server convert them.
 */
import type { Finding, Stall } from '../core/findings';
import type { TextRange } from '../core/text';
import type { TimelineData } from '../core/timeline';
import type { StopReason, TaskKind } from './contracts';
import type { LatencySummary } from './record';

export const RUN_SCHEMA = 'vpscope.run/1';

/**
 * `R` is how source ranges are written: offsets ({@link TextRange}) in the core, 0-based LSP
 * ranges (`JsonRange`) in `vpscope.run/1` JSON.
 */
export interface TaskResult<R = TextRange> {
  /** The task's name in the scenario (a guest thread, OpenHCL task, parallel region, load...). */
  name: string;
  /** What kind of work it is: `vtl2-task`, `guest-thread`, `parallel`, `ioload`, `host-load`, `guest-io`, `guest-irq`, `other`. */
  kind: TaskKind;
  /** VM name (absent for host loads). */
  vm?: string;
  /** What a sample measures: `latency` (release -> done), `pass` (loop pass time), `round` (parallel round). */
  measures: 'latency' | 'pass' | 'round';
  /** The samples' latency summary, ns. */
  latency: LatencySummary;
  /** Where the task is declared. */
  range?: R;
}

export interface VpResult {
  /** The VM the VP (vCPU) belongs to. */
  vm: string;
  /** VP index within the VM. */
  vp: number;
  /** Host view of the vCPU thread: ns in running / runnable (steal) / idle (halted) / blocked. */
  states: Record<string, number>;
  /** Runnable but not running (KVM steal time). */
  stealNs: number;
  /** Other views of the VP (e.g. `openhcl`: vtl2 / vtl0 / intercept / kernel-blocked / idle). */
  views?: Record<string, Record<string, number>>;
  /** KVM dynamic boost: ns spent boosted. */
  boostedNs?: number;
}

export interface VmResult<R = TextRange> {
  /** The VM's name in the scenario. */
  name: string;
  /** The CPU pool (Xen cpupool) it runs in. */
  pool: string;
  /** Number of vCPUs (VPs). */
  vcpus: number;
  /** Scheduler weight (Xen credit/credit2 weight, Linux fair share). */
  weight: number;
  /** Cap in percent of one pCPU (0: none). */
  capPercent: number;
  /** KVM boosting mode of its vCPUs (`off`, `dynamic`, ...). */
  boost: string;
  /** CPU time of all vCPU threads (after the warmup). */
  cpuNs: number;
  /** Runnable-but-not-running time of all its vCPU threads (steal), ns. */
  stealNs: number;
  /**
   * Competition group: VMs of one pool whose vCPUs may run on overlapping pCPUs. `share` is this
   * VM's part of the group's CPU time, `weightShare` what weights x vCPUs would give it,
   * `capacityShare` its CPU time over the group's capacity (pCPUs x time).
   */
  group: number;
  /** The pCPUs the group's vCPUs may run on. */
  groupCpus: number[];
  /** This VM's part of the group's CPU time, in [0, 1]. */
  share: number;
  /** The part its weight x vCPUs would give it, in [0, 1]. */
  weightShare: number;
  /** Its CPU time over the group's capacity (pCPUs x time), in [0, 1]. */
  capacityShare: number;
  /** Parked by a cap (Xen), ns summed over vCPUs. */
  parkedNs: number;
  /** Where the VM is declared. */
  range: R;
}

export interface PcpuResult {
  /** Physical CPU number. */
  cpu: number;
  /** The CPU pool it belongs to. */
  pool: string;
  /** Time it ran anything, ns. */
  busyNs: number;
  /** Time it was idle, ns. */
  idleNs: number;
}

export interface HostThreadResult {
  /** The thread's name: a host load (`hog#0`) or a dedicated thread (`task vmgs (VTL2 thread)`). */
  name: string;
  /** `load`: a host load thread; `dedicated`: a task's own host thread (`runs_on dedicated`). */
  kind: 'load' | 'dedicated';
  /** ns in each state (running / runnable / idle / blocked). */
  states: Record<string, number>;
  /** Runnable but not running, ns. */
  stealNs: number;
}

export interface RegionResult<R = TextRange> {
  /** The VM whose guest runs the parallel region. */
  vm: string;
  /** The region's name in the scenario. */
  name: string;
  /** Rounds completed. */
  rounds: number;
  /** When the last round ended (-1: not finished within the run). */
  finishedAtNs: number;
  /** Mean degree of parallelism (team threads) per round. */
  dopMean: number;
  /** Rounds during which a vCPU of the VM was preempted by the host. */
  roundsWithPreemption: number;
  /** Rounds run with fewer threads than the team has (`dop adaptive`). */
  roundsReducedDop: number;
  /** Time the team's threads spun at barriers, ns summed over threads. */
  spinNs: number;
  /** Part of spinNs while a sibling's vCPU was preempted, ns. */
  spinWhilePreemptedNs: number;
  /** Times a thread blocked at a barrier (instead of spinning). */
  blocks: number;
  /** Where the region is declared. */
  range: R;
}

export interface StallCauseSummary {
  /** Stalls with this cause (all of them, not only those listed). */
  count: number;
  /** Their summed duration, ns. */
  totalNs: number;
  /** The longest of them, ns. */
  maxNs: number;
}

export interface VariantResult<R = TextRange> {
  /** The variant's name (`base` for the scenario as written). */
  name: string;
  /** The variant's description, when it has one. */
  description?: string;
  /** The seed of the run's random streams. */
  seed: number;
  /** The scenario's duration (simulated), ns. */
  durationNs: number;
  /** Warmup excluded from the measurements, ns. */
  warmupNs: number;
  /** Why and when the run stopped: `completed` or a limit that cut it. */
  stop: {
    /** `completed`, or the limit that cut the run: `max_events`, `wall_limit`, `cancelled`. */
    reason: StopReason;
    /** Simulated time reached, ns. */
    simulatedNs: number;
  };
  /** Per task: what its samples measure and their latency summary. */
  tasks: TaskResult<R>[];
  /** Per VP (vCPU): time in each state. */
  vps: VpResult[];
  /** Per VM: CPU time, steal and shares of its competition group. */
  vms: VmResult<R>[];
  /** Per physical CPU: busy and idle time. */
  pcpus: PcpuResult[];
  /** Host threads that are not vCPUs: loads and dedicated task threads. */
  hostThreads: HostThreadResult[];
  /** Parallel regions: rounds, degree of parallelism, spinning. */
  regions: RegionResult<R>[];
  /** The longest stalls (at most `maxStalls`), longest first. */
  stalls: Stall<R>[];
  /** All stalls (not only those listed), by primary cause. */
  stallSummary: {
    /** Number of stalls. */
    count: number;
    /** Per primary cause (`blocking-syscall`, `vcpu-preempted`, ...). */
    byCause: Record<string, StallCauseSummary>;
  };
  /** What the run's analysis found (codes `VPS3xx`, docs/codes.md). */
  findings: Finding<R>[];
  /** `events` = events the engine dispatched; the rest are model counters (exits, boosts, ...). */
  counters: Record<string, number>;
  /** The run's timeline (`--timeline` only). */
  timeline?: TimelineData;
}

/** Alias kept for readers of the brief: one simulated run. */
export type RunResult = VariantResult;
