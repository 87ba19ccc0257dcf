/**
 * Cooperative tasks as the executor sees them. A task is polled; each poll runs it until it
 * awaits, and reports back one action as a small integer (no allocation): compute for a while,
 * block the thread, yield, or wait for a wake. The executor performs the action
 * and polls the same task again when it is over ("no yield between steps": model.md §1, tasks are
 * cooperative).
 */
import type { Executor } from './executor';

/** The task waits for a wake (IO, timer, trigger, doorbell); the executor picks the next task. */
export const R_AWAIT = 0;
/** Compute `ex.actNs` ns on the thread without yielding (state vtl2), then poll again. */
export const R_CPU = 1;
/** Block the thread for `ex.actNs` ns (blocking syscall, GET wait, root-handled operation), then poll again. */
export const R_BLOCK = 2;
/** Ready again at once (end of a loop pass): back of the ready queue. */
export const R_YIELD = 3;
/** Finished for good. */
export const R_DONE = 4;
/** Spend `ex.actNs` ns of CPU in a hypervisor intercept (state intercept, not cancellable), then poll again. */
export const R_HV = 6;
/** Block the thread for good (a deadlock); the run's end bounds it. */
export const R_FOREVER = 7;

/** Where a task is, for the executor's queues. */
export const T_WAITING = 0;
export const T_READY = 1;
export const T_RUNNING = 2;
export const T_DONE = 3;

export abstract class Task {
  /** Intrusive link of the ready queue it is in. */
  qNext: Task | null = null;
  state = T_WAITING;
  /** When it last became ready (start of a possible stall). */
  readySince = 0;
  /** Executor whose ready queue holds it, or that runs it. */
  exec: Executor | null = null;
  /** Timeline lane (openhcl/lanes.ts), -1 without a timeline. */
  lane = -1;
  /**
   * Id of its timeline lane (`vm:VM/task:...`, openhcl/lanes.ts), set by the model for every task
   * with or without a timeline: its stalls carry it, so a view finds the lane without parsing names.
   */
  laneId = '';

  constructor(
    /** Display name, e.g. `nvme` or `storvsp ctrl0 ch 2`. */
    readonly name: string,
    /** Recorder cause id (label on the executor lane while it runs). */
    readonly recCause: number,
    /** Cause-table id of ordinary VTL2 work by this task (CPU between awaits). */
    readonly workCause: number,
  ) {}

  /**
   * Runs the task from where it stopped until its next action. Sets `ex.actNs`, `ex.actState`
   * (lane state for R_BLOCK/R_FOREVER), `ex.actCause` (cause-table id) as the action needs.
   */
  abstract poll(ex: Executor, now: number): number;

  /** VP the task is meant for (sidecar hosting and stall messages); -1 when none. */
  intendedVp(): number {
    return -1;
  }
}
