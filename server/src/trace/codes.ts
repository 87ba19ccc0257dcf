/**
 * Stable codes of trace findings, and the catalog of importer / reconstruction counters.
 *
 * Finding codes VPS331-VPS334 are the trace forms of hazards 31-34 (design/hazards.md); VPS340-
 * VPS344 come from a guest trace linked to its host trace (trace/link); VPS350-VPS369 are other
 * things the traces show. Never reuse a retired code for another meaning.
 *
 * Counters follow Perfetto's trace_processor stats: every problem an importer meets is a named
 * counter with a severity and a description, never an exception. `data_loss` means the analysis
 * had to guess (and says how much); `error` means input was dropped.
 */
import type { Severity } from '../core/diagnostic';
import type { Finding } from '../core/findings';

export interface CodeInfo {
  code: string;
  severity: Severity;
  title: string;
  /** What it means and what to do, in a sentence or two (SARIF help, hovers). */
  help: string;
}

export const TraceCodes = {
  /** Hazard 31: steal (runnable wait) above a threshold share of a vCPU's demand. */
  steal: { code: 'VPS331', severity: 'warning', title: 'vCPU steal time above threshold', help: 'A vCPU thread waited runnable for a large share of the time it wanted a pCPU; the guest sees it as steal. Give latency-sensitive vCPUs pCPUs of their own or move host work away.' },
  /** Hazard 32: a vCPU thread preempted (R/R+) and kept waiting longer than a threshold. */
  preemptedStretch: { code: 'VPS332', severity: 'warning', title: 'vCPU runnable but not running (preempted)', help: 'A vCPU thread was switched out while runnable (R/R+) and waited longer than the threshold; the finding names who held its pCPU. Avoid vCPU preemption for spinning or latency-sensitive guests.' },
  /** Hazard 33: long guest residence between exits while host work waits on that CPU. */
  longResidence: { code: 'VPS333', severity: 'warning', title: 'Long guest residence with pending host wake-ups', help: 'A vCPU stayed in the guest between two exits longer than the threshold while host threads woken onto its pCPU waited. Move that host work or let the host interrupt the guest.' },
  /** Hazard 34: exit storm (exits of one reason per vCPU per second above a threshold). */
  exitStorm: { code: 'VPS334', severity: 'warning', title: 'VM exit storm', help: 'A vCPU exited for one reason more often per second than the threshold. Find the guest operation behind the exits; paravirtual interfaces usually avoid them.' },
  /** Wake-up latency (wakeup -> switch-in) outliers on a vCPU or VMM thread. */
  wakeLatency: { code: 'VPS350', severity: 'warning', title: 'Wake-up latency outliers', help: 'A vCPU or VMM thread waited from wakeup to running longer than the threshold. Keep its pCPUs free of competing work or raise its priority.' },
  /** Runnable vCPUs of the trace exceed the pCPUs for a large share of the time (hazard 28). */
  oversubscribed: { code: 'VPS351', severity: 'warning', title: 'Host oversubscribed by vCPUs', help: 'More vCPU threads were runnable than there are pCPUs for a large share of the trace, so some always waited.' },
  /** vCPUs of one VM preempting each other: lock-holder / lock-waiter preemption risk (hazard 29). */
  siblingPreemption: { code: 'VPS352', severity: 'info', title: 'vCPUs preempted by sibling vCPUs', help: 'vCPUs of one VM took the pCPU from each other: spinning guests waste slices on preempted siblings (lock-holder / lock-waiter preemption).' },
  /** Host threads outside any VM taking CPU from vCPUs. */
  hostInterference: { code: 'VPS353', severity: 'info', title: 'Host threads take CPU time from vCPUs', help: "Host threads outside any VM ran on the vCPUs' pCPUs while the vCPUs were runnable." },
  /** vCPU thread migrating between pCPUs often. */
  migrations: { code: 'VPS354', severity: 'info', title: 'vCPU thread migrates often', help: 'A vCPU thread moved between pCPUs often. Pin it if placement matters.' },
  /** Linked host + guest: a guest thread running (in the guest's view) while the host had its vCPU preempted. */
  guestFrozen: { code: 'VPS340', severity: 'warning', title: 'Guest thread frozen by a host preemption of its vCPU', help: 'With the guest trace linked to the host trace: a guest thread was current on a guest CPU while the host kept that vCPU thread runnable but not running, longer than the threshold. The guest counts it as running; the finding names the host thread that held the pCPU.' },
  /** Linked host + guest: lock-holder preemption suspected (heuristic in docs/trace.md). */
  lockHolder: { code: 'VPS341', severity: 'warning', title: 'Lock-holder preemption suspected', help: 'A guest thread was frozen by a host preemption of its vCPU while a sibling thread of the same guest process kept running on another vCPU (spinning suspected) or slept until the frozen thread woke it. A heuristic: the guest trace shows no locks; confirm with lock events.' },
  /** Linked host + guest: steal as the guest's threads felt it, beside the host's figure. */
  guestSteal: { code: 'VPS342', severity: 'warning', title: 'Guest work stalled by host steal', help: 'A guest CPU had work while its vCPU thread was runnable but not running on the host for more than the steal threshold of its busy time. Compares the steal the guest felt with the runnable time the host measured.' },
  /** Linked host + guest: the link is doubtful (offset, mapping, overlap). */
  linkDoubtful: { code: 'VPS343', severity: 'warning', title: 'Host and guest traces linked with doubts', help: 'The guest trace was linked to the host trace, but something does not fit: guest events where the host shows the vCPU not running (a wrong time offset?), guest CPUs without a vCPU thread, or little overlap in time.' },
  /** Linked host + guest: the guest trace could not be linked. */
  linkRefused: { code: 'VPS344', severity: 'warning', title: 'Guest trace not linked to the host trace', help: 'The guest trace could not be linked: no vCPU threads in the host trace, no scheduling events in the guest trace, or no guest CPU mapped. The message says which.' },
  /** Importer: lines that could not be parsed (skipped; the rest loaded). */
  malformedLines: { code: 'VPS360', severity: 'warning', title: 'Malformed trace lines skipped', help: 'Lines of the trace could not be parsed; they were skipped and counted with their line numbers, the rest loaded.' },
  /** Importer: the kernel reported lost events (ring buffer overrun). */
  lostEvents: { code: 'VPS361', severity: 'warning', title: 'Events lost by the tracer', help: 'The tracer reported lost events (ring buffer overrun); states around them are guesses. Record with a larger buffer.' },
  /** Reconstruction: switch-ins (or wake-ups) missing from the trace were inferred. */
  inferred: { code: 'VPS362', severity: 'info', title: 'Scheduling data inferred where the trace has gaps', help: 'The trace lacks some switches or wakeups; the analysis inferred them and reports how much time depends on it.' },
  /** Importer: events the analysis does not use (kept, counted). */
  unknownEvents: { code: 'VPS363', severity: 'hint', title: 'Events not used by the analysis', help: 'Events the analysis does not use were kept and counted by name.' },
  /** Importer: no scheduling events at all, so no per-thread states. */
  noSchedEvents: { code: 'VPS364', severity: 'warning', title: 'No sched_switch events', help: 'Without sched_switch events no per-thread states can be built. Record the sched events.' },
  /** Reconstruction: timestamps going backwards on a CPU. */
  clockBackwards: { code: 'VPS365', severity: 'warning', title: 'Timestamps out of order', help: 'Some timestamps went backwards; those events were treated as simultaneous with the one before. Use a global trace clock.' },
} as const satisfies Record<string, CodeInfo>;

/**
 * The finding codes in the shape of the checker's code catalog (`model/codes.ts` CodeDoc), for
 * the shells to register with `registerCodeDocs` (this layer does not import the model).
 */
/** A finding of one of these codes: code, severity and title from the catalogue. */
export function finding(c: CodeInfo, f: Omit<Finding, 'code' | 'severity' | 'title'>): Finding {
  return { code: c.code, severity: c.severity, title: c.title, ...f };
}

export function traceCodeDocs(): { code: string; title: string; help: string; severity: Severity }[] {
  return Object.values(TraceCodes).map(({ code, title, help, severity }) => ({ code, title, help, severity }));
}

export type CounterSeverity = 'info' | 'data_loss' | 'error';

export interface CounterInfo {
  severity: CounterSeverity;
  description: string;
}

/** Every counter the importers and the reconstruction may raise. */
export const COUNTERS = {
  malformed_line: { severity: 'error', description: 'Lines that could not be parsed; each was skipped and the rest of the file still loaded.' },
  line_too_long: { severity: 'error', description: 'Lines longer than the importer accepts (64 KiB); skipped.' },
  unknown_event: { severity: 'info', description: 'Events whose name the analysis does not use; kept and counted by name.' },
  lost_events: { severity: 'data_loss', description: 'Events the tracer itself reported as lost ([LOST n EVENTS] lines).' },
  unknown_prev_state: { severity: 'info', description: 'sched_switch prev_state letters the importer did not recognise (treated as sleeping).' },
  inferred_switch_in: { severity: 'data_loss', description: 'A task was seen running on a CPU without a recorded switch to it; the switch-in was inferred from its first event there.' },
  inferred_running_ns: { severity: 'data_loss', description: 'Running time (ns) attributed to tasks through inferred switch-ins.' },
  uncertain_ns: { severity: 'data_loss', description: 'Total width (ns) of the windows in which an inferred switch-in may have happened (between the last event showing the CPU idle and the first event of the task).' },
  missing_switch_out: { severity: 'data_loss', description: 'A CPU changed task without a recorded sched_switch from the previous (non-idle) task.' },
  missing_wakeup: { severity: 'data_loss', description: 'A sleeping task ran again without a recorded sched_wakeup.' },
  wakeup_from_waking: { severity: 'info', description: 'Wake-ups dated by sched_waking because the matching sched_wakeup is missing.' },
  timestamp_backwards: { severity: 'data_loss', description: 'Events whose timestamp is earlier than the previous event of the same input; clamped.' },
  timestamp_outlier: { severity: 'error', description: 'Events whose timestamp was far (over 1 s) from the events on both sides of it (or, for the first or last event, over 10 s from its neighbour) while those agreed: a corrupt timestamp; skipped with a located warning so it does not stretch the window.' },
  timestamp_jump: { severity: 'data_loss', description: 'Jumps of more than 10 s between consecutive events that the events after them confirm (tracing paused?); kept, each located in the warnings.' },
  names_over_cap: { severity: 'data_loss', description: 'Chrome trace events whose name (slice name or category, counter series, instant) came after the cap on distinct names (65,536 per trace); kept under the one name "(names past the cap)".' },
  threads_over_cap: { severity: 'data_loss', description: 'Events of threads beyond the cap on distinct threads (65,536 per Chrome trace); counted, not kept.' },
  lines_over_cap: { severity: 'data_loss', description: 'Text lines after the cap on stored events (16,777,216 by default) or on lines read (67,108,864 by default) was reached; counted, not parsed.' },
  line_cap: { severity: 'data_loss', description: 'Set (1) when parsing stopped at the cap on text lines read (67,108,864 by default) rather than at the event cap: text that is mostly not events, such as a gzip bomb of blank lines.' },
  input_not_read: { severity: 'data_loss', description: 'Bytes of text counted past the cap on events or lines when reading stopped there (at 4 GiB, 2^32 bytes, by default): the rest of the input was not read, so `lines_over_cap` counts only the lines up to there (an endless pipe such as `yes LINE | vpscope analyze -` would never end).' },
  chrome_bad_event: { severity: 'error', description: 'Chrome trace events that are not objects or lack required fields; skipped.' },
  chrome_unmatched_end: { severity: 'data_loss', description: 'Chrome `E` events without an open `B` on the same thread; ignored.' },
  chrome_end_before_begin: { severity: 'data_loss', description: 'Chrome `E` events earlier than the `B` they close (timestamps going backwards); the slice is kept with no duration.' },
  chrome_unclosed_begin: { severity: 'data_loss', description: 'Chrome `B` events never closed; ended at the end of the trace.' },
  chrome_nested_slice: { severity: 'info', description: 'Chrome slices nested inside another slice of the same thread; counted, only top-level slices become timeline intervals.' },
  chrome_counter_not_numeric: { severity: 'error', description: 'Values of Chrome counter (`C`) events that are neither a number nor a string holding one (null, true, an array, an object, "abc"); skipped with a located warning, the other values of the event are kept.' },
  chrome_unsupported_phase: { severity: 'info', description: 'Chrome events of phases other than B/E/X/i/I/C/M; counted by phase.' },
  chrome_duplicate_events: { severity: 'info', description: 'Set (1) when the root object of a Chrome trace has more than one `traceEvents` array: all are read (as Perfetto\'s streaming reader does) and the second is warned where it starts; a plain JSON parser would keep only the last, so the file may hold the same events twice.' },
  chrome_json_error: { severity: 'error', description: 'Invalid JSON in a Chrome trace; the rest of the file after the error is ignored.' },
  input_error: { severity: 'error', description: 'The input could not be read to the end (read or decompression error); what was read before it is kept.' },
  dat_format_error: { severity: 'error', description: 'The structure of a trace-cmd .dat file could not be read (truncated or corrupt headers, unsupported version or compression); events read before the problem are kept.' },
  dat_corrupt_page: { severity: 'error', description: 'Ring-buffer pages (or compressed chunks) of a .dat file that were corrupt; each is located (CPU, file offset) and skipped, the rest of the file still loads.' },
  dat_truncated: { severity: 'data_loss', description: 'Set (1) when a trace-cmd .dat file ends before its data does (cut short: a copy, a full disk, trace-cmd killed): the whole pages or chunks before the cut are read, the one warning says where the file ends and how much of each CPU was read.' },
  dat_unknown_event_id: { severity: 'error', description: 'Events of a .dat file whose type id has no format description in the file; skipped.' },
  unsupported_input: { severity: 'error', description: 'Input that is not a supported trace format (compressed or binary data).' },
} as const satisfies Record<string, CounterInfo>;

export type CounterName = keyof typeof COUNTERS;
