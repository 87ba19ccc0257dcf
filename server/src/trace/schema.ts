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
/** The `$schema` of `vpscope.trace/1` documents: the file name of its JSON Schema (schemas/, shipped). */
export const TRACE_SCHEMA_FILE = 'vpscope.trace-1.schema.json';

/**
 * The `vpscope.trace/1` document (schemas/vpscope.trace-1.schema.json is generated from this type).
 */
export interface TraceDocument {
  /** The JSON Schema of this document (file name in the schemas/ folder of the package). */
  $schema: typeof TRACE_SCHEMA_FILE;
  /** Always `vpscope.trace/1`. */
  schema: typeof TRACE_SCHEMA;
  /** The input path as given. */
  file: string;
  /** `tracefs`, `trace-cmd` or `chrome-json` (`unknown` when nothing could be read). */
  format: string;
  /** Layout facts: flags column width, TGID column, input files of a multi-file report... */
  formatDetail: Record<string, unknown>;
  /** The thresholds the analysis used (defaults, or those given). */
  options: AnalysisOptions;
  /** What the importer read and where the reconstruction had to guess. */
  stats: TraceStatsDoc;
  /** First and last event timestamps. */
  window: {
    /** Timestamp of the first event, ns. */
    startNs: number;
    /** Timestamp of the last event, ns. */
    endNs: number;
    /** endNs - startNs. */
    durationNs: number;
  };
  /** Per thread: vCPU threads first (by VM and vCPU number), then the others by running time. */
  threads: ThreadDoc[];
  /** VMs found (vCPU threads grouped by their VMM process). */
  vms: VmDoc[];
  /** Per physical CPU. */
  cpus: CpuDoc[];
  /** Per input source: how many vCPU threads were running or runnable, over time. */
  load: LoadDoc[];
  /** What the analysis found (codes `VPS3xx`, docs/codes.md); trace findings carry a lane and a time, no range. */
  findings: Finding[];
  /**
   * Guest traces linked to this (host) trace: `vpscope analyze host guest`, or the guest inputs of
   * a multi-file `trace-cmd report` (docs/trace.md "Host and guest"). Absent for a single trace.
   */
  hostGuest?: HostGuestDoc[];
  /**
   * `kvm_write_tsc_offset` events of a host trace, in time order: KVM set a vCPU's TSC offset
   * (guest TSC = host TSC + offset). Linking uses them for a guest traced with the `x86-tsc`
   * clock (docs/trace.md "Host and guest"). Absent when the trace has none.
   */
  tscOffsets?: TscOffsetDoc[];
  /**
   * Counter series of a Chrome trace (`"ph":"C"` events), ordered by process id then name; at
   * most 64 (the rest are counted in {@link countersOmitted}). Absent when the trace has none.
   */
  counters?: CounterSeriesDoc[];
  /** Counter series left out past the 64 listed in {@link counters}. Absent when none were. */
  countersOmitted?: number;
  /** The scheduling timeline: one lane per CPU and per thread. */
  timeline: TimelineData;
}

/** The document without its timeline: what the text summary, the findings and the scenario skeleton read. */
export type TraceSummaryDocument = Omit<TraceDocument, 'timeline'>;

export interface TraceStatsDoc {
  /** Lines in the input (text formats: events + malformed + skipped == lines). */
  lines: number;
  /** Events read (known and unknown names). */
  events: number;
  /** Bytes of input read (after decompression). */
  bytes: number;
  /** Header, comment, blank and lost-events lines. */
  skippedLines: number;
  /** Lines (or Chrome events) that could not be parsed. */
  malformedLines: number;
  /** The first samples of located problems; `warningCount` counts them all. */
  warnings: TraceWarning[];
  /** All located problems, including those not sampled in `warnings`. */
  warningCount: number;
  /** Events whose name the analysis does not use, by name (kept, not errors). */
  unknownEvents: Record<string, number>;
  /** Every event read, counted by name. */
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
  /** Thread id. */
  tid: number;
  /** Its command name. */
  comm: string;
}

export interface StretchDoc {
  /** When it began, ns. */
  startNs: number;
  /** How long it lasted, ns. */
  durationNs: number;
  /** Who held the CPU longest during the stretch, `comm (tid)`. */
  who: string;
  /** The CPU it happened on. */
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
  /** Command name (`CPU 0/KVM`, `qemu-system-x86`...). */
  comm: string;
  /** vCPU number, or null for other threads. */
  vcpu: number | null;
  /** VM id (see vms), or null. */
  vm: string | null;
  /** Timeline lane id. */
  lane: string;
  /** Time running on a CPU, ns. */
  runningNs: number;
  /** Runnable but not running (steal, for a vCPU): preempted + woken waits. */
  runnableNs: number;
  /** Runnable after being preempted (switched out in `R`/`R+`), ns. */
  preemptedWaitNs: number;
  /** Runnable after a wakeup, until switched in, ns. */
  wokenWaitNs: number;
  /** Interruptible sleep (`S`), ns. */
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
  /** Times switched in (recorded and inferred). */
  switchIns: number;
  /** Switch-ins inferred from the thread's first event on a CPU (not recorded). */
  inferredSwitchIns: number;
  /** Switch-ins on another CPU than the previous one. */
  migrations: number;
  /** Wakeups recorded (sched_wakeup, or sched_waking when that is missing). */
  wakeups: number;
  /** Runs after a sleep with no recorded wakeup. */
  missingWakeups: number;
  /** Wakeup -> switch-in. */
  wakeLatency: LatencyStats;
  /** VM exits by reason (kvm_exit; without it kvm_userspace_exit reasons, plus port I/O handled in the kernel). */
  exits: Record<string, number>;
  /** Peak exits per second of each reason (any 1 s window). */
  exitPeakPerSec: Record<string, number>;
  /** Exits handled in user space (kvm_userspace_exit), by reason. */
  userspaceExits?: Record<string, number>;
  /** kvm_pio by direction and port, e.g. `out 0x20`. */
  pio?: Record<string, number>;
  /** kvm_mmio by direction and address. */
  mmio?: Record<string, number>;
  /** kvm_hypercall events. */
  hypercalls?: number;
  /** kvm_entry -> kvm_exit residences, when the trace has them. */
  guest?: {
    /** kvm_entry -> kvm_exit durations, ns. */
    residence: LatencyStats;
    /** Time in the guest (between kvm_entry and kvm_exit), ns. */
    guestNs: number;
    /** Time from a kvm_exit to the next kvm_entry (in the host), ns. */
    hostNs: number;
    /** Residences longer than options.guestResidenceUs while host threads woken onto the same CPU waited for it. */
    longResidencesWithPendingWakeups: number;
    /** The longest such residences, with who waited. */
    examples: StretchDoc[];
  };
  /** Who was switched in when it was preempted (top 5). */
  preemptedBy: (WhoDoc & {
    /** How often. */
    count: number;
  })[];
  /** Who ran on its CPU while it waited (top 5). */
  stolenBy: (WhoDoc & {
    /** For how long, ns. */
    ns: number;
  })[];
  /** Preempted waits longer than options.runnableStretchUs. */
  longPreemptions: {
    /** How many. */
    count: number;
    /** Their summed duration, ns. */
    totalNs: number;
    /** The longest, ns. */
    maxNs: number;
    /** The longest few (options.examplesPerThread). */
    examples: StretchDoc[];
  };
  /** Wake-up latencies longer than options.wakeLatencyUs. */
  wakeOutliers: {
    /** How many. */
    count: number;
    /** The longest few (options.examplesPerThread). */
    examples: StretchDoc[];
  };
}

export interface VmDoc {
  /** Stable id, e.g. `vm:1833` (threads refer to it). */
  id: string;
  /** Display name, e.g. `kvmbar (1833)`. */
  name: string;
  /** Input file of a multi-file `trace-cmd report`. */
  source?: string;
  /** VMM process id when known or guessed. */
  pid: number | null;
  /** Grouping rule used: `tgid`, `creator` (sched_wakeup_new) or `tid-range` (a guess). */
  how: string;
  /** Its vCPU threads. */
  vcpus: {
    /** vCPU number. */
    vcpu: number;
    /** Thread id. */
    tid: number;
    /** Command name. */
    comm: string;
  }[];
  /** Running time of all its vCPU threads, ns. */
  runningNs: number;
  /** Runnable-but-not-running time of all its vCPU threads (steal), ns. */
  runnableNs: number;
  /** runnable / (running + runnable), percent. */
  stealPct: number;
  /** runningNs / (window x pCPUs). */
  cpuShare: number;
  /** VM exits of all its vCPUs. */
  exits: number;
}

export interface CpuDoc {
  /** CPU number. */
  cpu: number;
  /** Input file of a multi-file `trace-cmd report`. */
  source?: string;
  /** Time running any thread, ns. */
  busyNs: number;
  /** Time idle (swapper), ns. */
  idleNs: number;
  /** Busy time from inferred switch-ins. */
  inferredNs: number;
  /** Context switches. */
  switches: number;
  /** Who ran longest on it (top 5). */
  top: (WhoDoc & {
    /** For how long, ns. */
    ns: number;
  })[];
}

export interface LoadDoc {
  /** Input file of a multi-file `trace-cmd report`. */
  source?: string;
  /** Physical CPUs of that source. */
  pcpus: number;
  /** ns with exactly n vCPU threads running or runnable, keyed by n. */
  nsByRunnableVcpus: Record<string, number>;
  /** ns with more runnable vCPU threads than pCPUs. */
  oversubscribedNs: number;
  /** oversubscribedNs over the traced time, percent. */
  oversubscribedPct: number;
}

/**
 * One counter series of a Chrome trace: a process's counter (`name`, or `name.key` for a counter
 * event carrying several values). A value holds until the next sample.
 */
export interface CounterSeriesDoc {
  /** The counter event's `name`, or `name.key` for one of several values it carries. */
  name: string;
  /** The Chrome `pid` of its events. */
  pid: number;
  /** The process's name (`process_name` metadata), else `pid:N`. */
  process: string;
  /** Counter events of the series (finite values). */
  samples: number;
  /** Lowest value of every sample. */
  min: number;
  /** Highest value of every sample. */
  max: number;
  /** Time-weighted: each value weighs by how long it held, the last one until the window's end. */
  mean: number;
  /** The value at the end of the trace. */
  last: number;
  /**
   * Flat `[tNs, value, ...]` in time order, for drawing: every sample when there are at most
   * 1,024, else per 1/256 of the series' span its first, lowest, highest and last samples.
   */
  points: number[];
}

/** One `kvm_write_tsc_offset` event (arch/x86/kvm/trace.h). */
export interface TscOffsetDoc {
  /** When it was written, ns (the trace's clock). */
  ts: number;
  /** The thread that was current (the writer: a vCPU thread or the VMM). */
  tid: number;
  /** Its command name, when known. */
  comm: string;
  /** The source (file name) inside a multi-file `trace-cmd report`; absent otherwise. */
  source?: string;
  /** KVM's vcpu_id. */
  vcpu: number;
  /** The offset before, TSC cycles, as a signed 64-bit decimal (exact: it may exceed 2^53). */
  previousTscOffset: string;
  /** The offset written, TSC cycles, signed 64-bit decimal: guest TSC = host TSC + this. */
  nextTscOffset: string;
}

/** One guest trace linked to the host trace: how it was linked, how well, and what it showed. */
export interface HostGuestDoc {
  /** The guest input: a file, or a source (file name) of a multi-file `trace-cmd report`. */
  guest: string;
  /** Its format (`tracefs`, `trace-cmd`, `dat`...). */
  guestFormat: string;
  /** `linked`, or `refused` (nothing below `reason` is meaningful then). */
  status: 'linked' | 'refused';
  /** Why it could not be linked, when refused. */
  reason?: string;
  /** Problems that did not stop the link (unmapped guest CPUs, little overlap, a doubtful offset...). */
  warnings: string[];
  /** The host VM the guest was linked to, e.g. `vm:1833` (null when refused). */
  vm: string | null;
  /** How guest CPUs were mapped to host vCPU threads. */
  mapping: {
    /** `thread-names` (`CPU N/KVM`...), `kvm-vcpu-id` (kvm events), `tid-order` (a guess), `option` (--guest-vcpus). */
    method: string;
    /** Why this VM was chosen when the host had several. */
    vmChoice: string;
    /** One entry per linked guest CPU. */
    vcpus: {
      /** Guest CPU number. */
      guestCpu: number;
      /** Host vCPU thread id. */
      hostTid: number;
      /** Its command name. */
      hostComm: string;
      /** Its timeline lane id. */
      hostLane: string;
    }[];
    /** Guest CPUs seen in the guest trace with no host vCPU thread. */
    unmappedGuestCpus: number[];
  };
  /** How guest timestamps were put on the host time axis: host = guest + offsetNs. */
  time: {
    /** `option` (--guest-offset-ns), `time-sync` (.dat TIME_SHIFT option), `kvm-tsc-offset` (the host's kvm_write_tsc_offset events, both traces on the x86-tsc clock), `same-clock` (checked assumption), `estimated` (searched), `first-events` (nothing fits). */
    method: string;
    /** Added to every guest timestamp, ns. */
    offsetNs: number;
    /** Half the width of the range of offsets that fit equally well (estimated), else 0. */
    uncertaintyNs: number;
    /** `exact` (sync data or the user's offset), `checked` (an assumption the events agree with), `estimated`, `low` (too many violations). */
    confidence: string;
    /** One sentence: what was used and what was assumed. */
    detail: string;
  };
  /** Consistency after linking: guest sched events must happen while their vCPU thread runs on the host. */
  check: {
    /** Guest switch events inside the host trace window. */
    events: number;
    /** Of those, events at a time the host shows their vCPU thread not running. */
    outside: number;
    /** outside / events, percent. */
    outsidePct: number;
    /** What "running" means: `guest-mode` (between kvm_entry and kvm_exit, when the host trace has them for every linked vCPU) or `running` (the vCPU thread on a CPU). */
    against: 'guest-mode' | 'running';
    /** Tolerance around host intervals, ns (the text formats print microseconds). */
    slackNs: number;
    /** Time both traces cover, ns. */
    overlapNs: number;
  };
  /** Per linked vCPU, over the time both traces cover. */
  vcpus: LinkedVcpuDoc[];
  /** Per guest thread that ran on a linked CPU. */
  threads: LinkedThreadDoc[];
  /** Guest work frozen by host preemptions: a guest thread running (in the guest's view) on a vCPU the host had preempted. */
  stalls: {
    /** Preemptions of at least options.runnableStretchUs that froze a running guest thread. */
    count: number;
    /** Their summed frozen time, ns. */
    totalNs: number;
    /** The longest few. */
    examples: LinkedStallDoc[];
  };
  /** Lock-holder preemption suspected (heuristic in `heuristic`). */
  lockHolder: {
    /** The rule used. */
    heuristic: string;
    /** Stalls that match it. */
    count: number;
    /** Their summed frozen time, ns. */
    totalNs: number;
    /** The longest few. */
    examples: LinkedStallDoc[];
  };
}

export interface LinkedVcpuDoc {
  /** Guest CPU number (= vCPU number). */
  guestCpu: number;
  /** Host vCPU thread id. */
  hostTid: number;
  /** Lane of the guest CPU drawn on the host time axis. */
  lane: string;
  /** Host: vCPU thread running, ns. */
  hostRunningNs: number;
  /** Host: vCPU thread runnable, not running (the steal KVM reports to the guest), ns. */
  hostRunnableNs: number;
  /** Guest: a thread (not idle) current on this CPU, ns. */
  guestBusyNs: number;
  /** Guest busy while the host had the vCPU runnable, not running: steal the guest's threads felt, ns. */
  busyStalledNs: number;
  /** Guest idle while the host had the vCPU runnable: a woken vCPU waiting for its pCPU, ns. */
  idleStalledNs: number;
  /** busyStalledNs / guestBusyNs, percent. */
  guestStealPct: number;
  /** hostRunnableNs / (hostRunningNs + hostRunnableNs), percent. */
  hostStealPct: number;
  /** Guest threads runnable in the guest's run queue of this CPU while the host had the vCPU preempted, ns (summed over threads). */
  guestWaitingNs: number;
  /** Host threads that held the pCPU while this vCPU was runnable and its guest busy (top 5). */
  thieves: {
    /** `comm (tid)` of the host thread. */
    who: string;
    /** Overlap with the guest's busy time, ns. */
    ns: number;
  }[];
  /** Stalls (frozen guest threads) of at least options.runnableStretchUs on this CPU. */
  stalls: number;
  /** The longest of them, or null. */
  longestStall: LinkedStallDoc | null;
}

export interface LinkedThreadDoc {
  /** Guest thread id. */
  tid: number;
  /** Its command name. */
  comm: string;
  /** Lane on the host time axis. */
  lane: string;
  /** The guest CPU it ran on most. */
  guestCpu: number;
  /** Running in the guest's view, ns. */
  runningNs: number;
  /** Sleeping or blocked in the guest's view, ns. */
  sleepingNs: number;
  /** Times switched in (guest view). */
  switchIns: number;
  /** Times it went to sleep (guest view). */
  voluntarySwitches: number;
  /** Of that, frozen because the host had its vCPU preempted, ns. */
  frozenNs: number;
  /** Runnable in the guest while the host had that CPU's vCPU preempted, ns. */
  waitingOnPreemptedNs: number;
  /** Stalls of this thread that match the lock-holder heuristic. */
  lockHolderSuspected: number;
}

export interface LinkedStallDoc {
  /** Start on the host time axis, ns. */
  startNs: number;
  /** Frozen time, ns. */
  durationNs: number;
  /** Guest CPU (vCPU) number. */
  guestCpu: number;
  /** The frozen guest thread, `comm (tid)`. */
  guestThread: string;
  /** Host thread that held the pCPU longest meanwhile, `comm (tid)`. */
  thief: string;
  /** The host CPU it waited on, or -1. */
  hostCpu: number;
  /** Most guest threads runnable in that CPU's run queue at once meanwhile. */
  waiting: number;
  /** Why it looks like lock-holder preemption: siblings that kept running (`comm (tid) on CPU n kept running (spinning?)`) or slept until the frozen thread woke them; empty when none. */
  siblings: string[];
}
