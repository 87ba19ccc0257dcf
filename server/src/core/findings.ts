/**
 * Findings: what the analysis of a simulated run or of a real trace tells the user.
 *
 * The same shape comes out of static hazard checks (with a source range), simulations (with a
 * range, a lane and a time) and trace analysis (with a lane and a time, no range). Codes come from
 * the catalog in `model/codes.ts` and are stable.
 */
import type { Severity } from './diagnostic';
import type { TextRange } from './text';

export interface Finding {
  /** Stable code, e.g. `VPS301`. */
  code: string;
  severity: Severity;
  /** Short title, e.g. "vCPU preempted while runnable". */
  title: string;
  /** Full sentence(s): what happened, how long, why, and what to do. */
  message: string;
  /** Source range of the responsible statement in the scenario (simulations, static checks). */
  range?: TextRange;
  /** Lane id in the timeline the finding belongs to. */
  lane?: string;
  startNs?: number;
  durationNs?: number;
  /** Chain of causes, outermost (what the user sees) first. */
  causes?: string[];
  /** What to do about it. */
  fix?: string;
  /** Numbers behind the finding (counts, shares, rates) for JSON consumers. */
  data?: Record<string, number | string>;
}

/** A stall: a task or VP that could not make progress, with its cause chain. */
export interface Stall {
  task: string;
  vp: number;
  startNs: number;
  durationNs: number;
  /** Primary cause, e.g. `blocking-syscall`, `intercept`, `vtl0-residence`, `host-preemption`. */
  cause: string;
  /** Cause chain, outermost first. */
  causes?: string[];
  /** Source range of the responsible statement (0-based LSP range in JSON output). */
  range?: TextRange;
}
