/**
 * The `vpscope.trace/1` JSON document that `vpscope analyze --json` prints and the editor shows.
 * Types only. All times are integer nanoseconds; timestamps are in the trace's own clock.
 *
 * Extend freely (new optional fields); never change the meaning of an existing field.
 */
import type { Finding } from '../core/findings';
import type { TimelineData } from '../core/timeline';
import type { AnalysisOptions } from './options';
import type { LatencyStats } from './quantiles';
import type { CounterValue, TraceWarning } from './stats';

export const TRACE_SCHEMA = 'vpscope.trace/1';

export interface TraceDocument {
  schema: typeof TRACE_SCHEMA;
  /** The input path as given. */
  file: string;
  /** `tracefs`, `trace-cmd` or `chrome-json` (`unknown` when nothing could be read). */
  format: string;
  /** Layout facts: flags column width, TGID column, input files of a multi-file report... */
  formatDetail: Record<string, unknown>;
  options: AnalysisOptions;
  stats: TraceStatsDoc;
  /** First and last event timestamps. */
  window: { startNs: number; endNs: number; durationNs: number };
  threads: ThreadDoc[];
  vms: VmDoc[];
  cpus: CpuDoc[];
  /** Per input source: how many vCPU threads were running or runnable, over time. */
  load: LoadDoc[];
  findings: Finding[];
  timeline: TimelineData;
}

/** The document without its timeline: what the text summary, the findings and the scenario skeleton read. */
export type TraceSummaryDocument = Omit<TraceDocument, 'timeline'>;

export interface TraceStatsDoc {
  /** Lines in the input (text formats: events + malformed + skipped == lines). */
  lines: number;
  events: number;
  bytes: number;
  /** Header, comment, blank and lost-events lines. */
  skippedLines: number;
  /** Lines (or Chrome events) that could not be parsed. */
  malformedLines: number;
  /** The first samples of located problems; `warningCount` counts them all. */
  warnings: TraceWarning[];
  warningCount: number;
  /** Events whose name the analysis does not use, by name (kept, not errors). */
  unknownEvents: Record<string, number>;
  eventsByName: Record<string, number>;
  /** Where the reconstruction had to guess (see docs/trace.md "Uncertainty"). */
  inferred: InferredDoc;
  /** Every importer / reconstruction counter that is not zero, with severity and meaning. */
  counters: Record<string, CounterValue>;
}

export interface InferredDoc {
  /** Switch-ins the trace does not record, inferred from the task's first event on the CPU. */
  switchIns: number;
  /** Running time attributed through them. */
  runningNs: number;
  /** Total width of the windows in which those switch-ins happened (upper bound of the error). */
  uncertainNs: number;
  /** Sleeping tasks that ran again with no recorded wakeup. */
  missingWakeups: number;
  /** Wakeups dated by sched_waking because sched_wakeup is missing. */
  wakeupsFromWaking: number;
  /** CPUs that changed task without a recorded switch from a non-idle task. */
  missingSwitchOuts: number;
}

export interface WhoDoc {
  tid: number;
  comm: string;
}

export interface StretchDoc {
  startNs: number;
  durationNs: number;
  /** Who held the CPU longest during the stretch, `comm (tid)`. */
  who: string;
  cpu: number;
}

export interface ThreadDoc {
  /** The thread id as ftrace prints it (ftrace calls it pid). */
  pid: number;
  /** Same as pid, named for what it is. */
  tid: number;
  /** Process id when the trace gives it (TGID column, Chrome pid). */
  tgid?: number;
  /** Input file of a multi-file `trace-cmd report`. */
  source?: string;
  comm: string;
  /** vCPU number, or null for other threads. */
  vcpu: number | null;
  /** VM id (see vms), or null. */
  vm: string | null;
  /** Timeline lane id. */
  lane: string;
  runningNs: number;
  /** Runnable but not running (steal, for a vCPU): preempted + woken waits. */
  runnableNs: number;
  preemptedWaitNs: number;
  wokenWaitNs: number;
  sleepingNs: number;
  /** Uninterruptible sleep (`D`). */
  blockedNs: number;
  /** Part of runningNs that comes from inferred switch-ins. */
  inferredRunningNs: number;
  /** runnable / (running + runnable), percent. */
  stealPct: number;
  /** Switched out while runnable (`R`/`R+`). */
  preemptions: number;
  /** Switched out sleeping or blocked. */
  voluntarySwitches: number;
  switchIns: number;
  inferredSwitchIns: number;
  migrations: number;
  wakeups: number;
  missingWakeups: number;
  /** Wakeup -> switch-in. */
  wakeLatency: LatencyStats;
  /** VM exits by reason (kvm_exit; without it kvm_userspace_exit reasons, plus port I/O handled in the kernel). */
  exits: Record<string, number>;
  /** Peak exits per second of each reason (any 1 s window). */
  exitPeakPerSec: Record<string, number>;
  userspaceExits?: Record<string, number>;
  /** kvm_pio by direction and port, e.g. `out 0x20`. */
  pio?: Record<string, number>;
  mmio?: Record<string, number>;
  hypercalls?: number;
  /** kvm_entry -> kvm_exit residences, when the trace has them. */
  guest?: { residence: LatencyStats; guestNs: number; hostNs: number; longResidencesWithPendingWakeups: number; examples: StretchDoc[] };
  /** Who was switched in when it was preempted (top 5). */
  preemptedBy: (WhoDoc & { count: number })[];
  /** Who ran on its CPU while it waited (top 5). */
  stolenBy: (WhoDoc & { ns: number })[];
  /** Preempted waits longer than options.runnableStretchUs. */
  longPreemptions: { count: number; totalNs: number; maxNs: number; examples: StretchDoc[] };
  wakeOutliers: { count: number; examples: StretchDoc[] };
}

export interface VmDoc {
  id: string;
  name: string;
  source?: string;
  /** VMM process id when known or guessed. */
  pid: number | null;
  /** Grouping rule used: `tgid`, `creator` (sched_wakeup_new) or `tid-range` (a guess). */
  how: string;
  vcpus: { vcpu: number; tid: number; comm: string }[];
  runningNs: number;
  runnableNs: number;
  stealPct: number;
  /** runningNs / (window x pCPUs). */
  cpuShare: number;
  exits: number;
}

export interface CpuDoc {
  cpu: number;
  source?: string;
  busyNs: number;
  idleNs: number;
  /** Busy time from inferred switch-ins. */
  inferredNs: number;
  switches: number;
  top: (WhoDoc & { ns: number })[];
}

export interface LoadDoc {
  source?: string;
  pcpus: number;
  /** ns with exactly n vCPU threads running or runnable, keyed by n. */
  nsByRunnableVcpus: Record<string, number>;
  /** ns with more runnable vCPU threads than pCPUs. */
  oversubscribedNs: number;
  oversubscribedPct: number;
}
