/**
 * Findings: what the analysis of a simulated run or of a real trace tells the user.
 *
 * The same shape comes out of static hazard checks (with a source range), simulations (with a
 * range, a lane and a time) and trace analysis (with a lane and a time, no range). Codes come from
 * the catalog in `model/codes.ts` and are stable.
 */
import type { Severity } from './diagnostic';
import type { LineCol, TextRange } from './text';

/** A range as the JSON outputs write it: 0-based LSP line/character positions (UTF-16). */
export interface JsonRange {
  /** First character of the range. */
  start: LineCol;
  /** Just past the last character (half-open). */
  end: LineCol;
}

/**
 * `R` is how a source range is written: offsets ({@link TextRange}) inside the core, a 0-based
 * LSP range ({@link JsonRange}) in the JSON outputs.
 */
export interface Finding<R = TextRange> {
  /** Stable code, e.g. `VPS301` (docs/codes.md). */
  code: string;
  /** `error`, `warning`, `info` or `hint`: from the finding's size (docs/language.md, "Severity of measured findings"). */
  severity: Severity;
  /** Short title, e.g. "vCPU preempted while runnable". */
  title: string;
  /** Full sentence(s): what happened, how long, why, and what to do. */
  message: string;
  /** Source range of the responsible statement in the scenario (simulations, static checks). */
  range?: R;
  /** Lane id in the timeline the finding belongs to. */
  lane?: string;
  /** When it happened, ns (simulated time, or the trace's own clock). */
  startNs?: number;
  /** How long it lasted, ns. */
  durationNs?: number;
  /** Chain of causes, outermost (what the user sees) first. */
  causes?: string[];
  /** What to do about it. */
  fix?: string;
  /** Numbers behind the finding (counts, shares, rates) for JSON consumers. */
  data?: Record<string, number | string>;
}

/** A stall: a task or VP that could not make progress, with its cause chain. */
export interface Stall<R = TextRange> {
  /** The task (or thread) that waited. */
  task: string;
  /** The VP (vCPU) index it waited on, within its VM; -1 when the waiter is on no VP (a host load thread, a `runs_on dedicated` task thread). */
  vp: number;
  /** When the wait began, ns of simulated time. */
  startNs: number;
  /** How long it waited, ns. */
  durationNs: number;
  /** Primary cause, e.g. `blocking-syscall`, `intercept`, `vtl0-residence`, `host-preemption`. */
  cause: string;
  /** Cause chain, outermost first. */
  causes?: string[];
  /** Source range of the responsible statement (0-based LSP range in JSON output). */
  range?: R;
  /** VM of the task and VP (absent for host loads). */
  vm?: string;
  /**
   * Id of the timeline lane of the task or thread that waited (e.g. `vm:VM/task:storvsp:scsi0/ch:3`
   * for a StorVSP worker, `host/thread:NAME` for a host load), when the model has one. It names a
   * lane of the run's timeline when one was recorded (`--timeline`, the editor's view).
   */
  lane?: string;
}
