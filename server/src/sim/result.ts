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

export interface TaskResult {
  name: string;
  kind: TaskKind;
  /** VM name (absent for host loads). */
  vm?: string;
  /** What a sample measures: `latency` (release -> done), `pass` (loop pass time), `round` (parallel round). */
  measures: 'latency' | 'pass' | 'round';
  latency: LatencySummary;
  range?: TextRange;
}

export interface VpResult {
  vm: string;
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

export interface VmResult {
  name: string;
  pool: string;
  vcpus: number;
  weight: number;
  capPercent: number;
  boost: string;
  /** CPU time of all vCPU threads (after the warmup). */
  cpuNs: number;
  stealNs: number;
  /**
   * Competition group: VMs of one pool whose vCPUs may run on overlapping pCPUs. `share` is this
   * VM's part of the group's CPU time, `weightShare` what weights x vCPUs would give it,
   * `capacityShare` its CPU time over the group's capacity (pCPUs x time).
   */
  group: number;
  groupCpus: number[];
  share: number;
  weightShare: number;
  capacityShare: number;
  /** Parked by a cap (Xen), ns summed over vCPUs. */
  parkedNs: number;
  range: TextRange;
}

export interface PcpuResult {
  cpu: number;
  pool: string;
  busyNs: number;
  idleNs: number;
}

export interface HostThreadResult {
  name: string;
  kind: 'load' | 'dedicated';
  states: Record<string, number>;
  stealNs: number;
}

export interface RegionResult {
  vm: string;
  name: string;
  rounds: number;
  /** When the last round ended (-1: not finished within the run). */
  finishedAtNs: number;
  dopMean: number;
  roundsWithPreemption: number;
  roundsReducedDop: number;
  spinNs: number;
  spinWhilePreemptedNs: number;
  blocks: number;
  range: TextRange;
}

export interface StallCauseSummary {
  count: number;
  totalNs: number;
  maxNs: number;
}

export interface VariantResult {
  name: string;
  description?: string;
  seed: number;
  durationNs: number;
  warmupNs: number;
  stop: { reason: StopReason; simulatedNs: number };
  tasks: TaskResult[];
  vps: VpResult[];
  vms: VmResult[];
  pcpus: PcpuResult[];
  hostThreads: HostThreadResult[];
  regions: RegionResult[];
  /** The longest stalls (at most `maxStalls`), longest first. */
  stalls: Stall[];
  stallSummary: { count: number; byCause: Record<string, StallCauseSummary> };
  findings: Finding[];
  /** `events` = events the engine dispatched; the rest are model counters (exits, boosts, ...). */
  counters: Record<string, number>;
  timeline?: TimelineData;
}

/** Alias kept for readers of the brief: one simulated run. */
export type RunResult = VariantResult;
