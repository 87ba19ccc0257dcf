/**
 * One cooperative executor thread: the body of a VP's host thread (with the VP's VTL0 guest
 * nested inside) or of a dedicated VTL2 thread (GET worker, `runs_on dedicated`, the thread and
 * single backends).
 *
 * The loop is the one in model.md §1 and the OpenHCL guide ("CPU Scheduling"): reap io_uring
 * completions -> run every ready task, each until it awaits (no time slicing, no preemption, no
 * work stealing) -> only when nothing is ready, run the guest (VTL0) until something brings the VP
 * back -> when the guest halts too, wait on the ring.
 *
 * What brings a VP back from VTL0: the guest's own exits (hypervisor intercepts, which return to
 * VTL0 unless there is VTL2 work and io_uring cancel is on; exits that need VTL2 such as RTC and
 * PAM accesses), the natural residence running out, a halt, and - only with io_uring cancel on -
 * any event on the VP's ring (IO completion, timer, cross-thread wake, doorbell). A VP inside a
 * hypervisor intercept or a thread blocked in a syscall is not covered by the cancel; the event
 * waits until the thread is back in its loop.
 *
 * A VP whose CPU is still in the sidecar kernel ("remote") has no executor yet: its thread only runs
 * the guest, and exits that need VTL2 are forwarded to the base CPU's executor (model.md §1).
 *
 * Host view: the thread is on a pCPU while computing (VTL2 CPU, intercept CPU, VTL0);
 * it blocks while idle on its ring, in a blocking syscall or a root-handled operation, during a
 * sidecar blackout, and while a remote VP waits for the base CPU. Host preemption freezes CPU work
 * and the guest (CpuWork), and is recorded as a cause for stall attribution.
 */
import { CpuWork } from '../contracts';
import * as contracts from '../contracts';
import type { EventHandler, Ns, ThreadBody, Vtl0, Vtl0Outer } from '../contracts';
import type { TextRange } from '../../core/text';
import { ActivityLog } from './stalllog';
import { STALL_LOG_SEGMENTS } from './params';
import * as tasks from './task';
import type { Task } from './task';
import type { OpenHclModel } from './model';
import type { Rng } from '../rng';
import type { Dist } from '../../model/ir';

// Hot paths use module-local copies of imported constants: under tsx (tests, bench) an imported
// binding is a getter call on every use.
const { BLOCK_IDLE, BLOCK_WAIT, EXIT_INTERCEPT, EXIT_PAM_REMAP, EXIT_RTC_READ, EXIT_RTC_WRITE, EXIT_STEP, EXIT_VMM } = contracts;
const { R_AWAIT, R_BLOCK, R_CPU, R_DONE, R_FOREVER, R_HV, R_YIELD, T_DONE, T_READY, T_RUNNING, T_WAITING } = tasks;

// Executor modes.
/** Between actions: runs its loop as soon as it is on a CPU. */
export const M_LOOP = 0;
/** A task computes (CpuWork). */
export const M_CPU = 1;
/** A task is blocked in the kernel / a root operation (timer ends it). */
export const M_BLOCK = 2;
/** A task's hypervisor intercept (CpuWork, not cancellable). */
export const M_HV = 3;
/** In VTL0 (the guest runs; residence CpuWork running on Linux VPs). */
export const M_GUEST = 4;
/** A guest exit served by the hypervisor (CpuWork, not cancellable). */
export const M_HV_EXIT = 5;
/** Waiting on the ring with nothing to do (guest halted too). */
export const M_IDLE = 6;
/** Blocked for good (deadlock). */
export const M_FOREVER = 7;
/** Remote (sidecar) VP waiting for the base CPU to handle its exit. */
export const M_FWD_WAIT = 8;
/** Sidecar blackout: the VP runs nothing. */
export const M_BLACKOUT = 9;
/**
 * Woken from a halt by the guest: the wake-up reaches the thread after the host's `wake_latency`,
 * then it pays `entry` of CPU before it runs anything (host costs, as a plain vCPU).
 */
export const M_WAKEUP = 10;
/** The guest halted and nothing is ready: the VP thread pays the host's `halt_exit` of CPU before it sleeps. */
export const M_HALT_EXIT = 11;

// Engine event args of an executor.
const EV_CPU = 0;
const EV_BLOCK = 1;
const EV_RESIDENCE = 2;
const EV_KICK = 3;
const EV_START = 4;
const EV_FWD_DONE = 5;
const EV_WAKE = 6;

export interface ExecutorInit {
  index: number;
  /** VP index for VP executors, -1 for dedicated threads. */
  vp: number;
  name: string;
  tid: number;
  /** Recorder lane of the executor view. */
  lane: number;
  vtl0?: Vtl0;
  residence?: Dist;
  residenceRng?: Rng;
  /** The VP starts remote (sidecar). */
  remote?: boolean;
  /** Simulate natural VTL0 exits on a Linux VP (remote VPs always do: they are what onlines them). */
  naturalExits?: boolean;
}

export class Executor implements ThreadBody, Vtl0Outer, EventHandler {
  readonly index: number;
  readonly vp: number;
  readonly name: string;
  readonly tid: number;
  readonly lane: number;
  readonly vtl0: Vtl0 | undefined;
  /** False while the VP's CPU is still in the sidecar kernel. */
  linux: boolean;
  mode = M_LOOP;
  onCpu = false;

  // ---- action parameters set by Task.poll
  actNs = 0;
  actState = 0;
  actCause = -1;

  // ---- queues
  /** Head of the ready queue (read by openhcl/lanes.ts). */
  readyHead: Task | null = null;
  private readyTail: Task | null = null;
  readyLen = 0;
  /** Completions on this thread's io_uring not yet reaped (IoPool ids). */
  readonly cq = { head: -1, tail: -1, length: 0 };
  /** Submissions waiting for a free io_uring slot (IoPool ids). */
  readonly ringWait = { head: -1, tail: -1, length: 0 };
  /** IOs outstanding on this thread's io_uring (io_ring_size bound). */
  ringOutstanding = 0;
  current: Task | null = null;

  // ---- time keeping
  private readonly work: CpuWork;
  private readonly residenceWork: CpuWork | undefined;
  private readonly blockTimer: number;
  /** Delivers a guest wake-up after the host's `wake_latency`. */
  private readonly wakeTimer: number;
  /** The halt exit of the current halt is paid (the thread may sleep now). */
  private haltPaid = false;
  private readonly handler: number;
  private kickPending = false;
  private driving = false;
  private again = false;
  /** Start of the current VTL2 stretch that keeps the guest out (-1: in VTL0 / idle). */
  private outSince = -1;
  /** Activity segments for stall attribution. */
  readonly log: ActivityLog;
  private segStart = 0;
  private segCause = -1;
  private preemptedFrom = -1;
  /** The running guest exit needs forwarding to the base CPU when its intercept CPU is done (remote VP). */
  private fwdAfterHv = false;
  private pendingExitDone = false;
  /** The guest halted (told us it has nothing to run) and was not entered since. */
  private guestHalted = false;
  private exitCause = -1;
  /** First ring event that arrived while the guest ran with cancel off (-1: none). */
  private vtl0PendingSince = -1;
  /** First ring event that arrived during a guest hypervisor intercept (-1: none). */
  private hvPendingSince = -1;
  /** Start of a deadlock (M_FOREVER), for the end-of-run stall. */
  foreverSince = -1;
  foreverTask: Task | null = null;

  constructor(readonly m: OpenHclModel, init: ExecutorInit) {
    this.index = init.index;
    this.vp = init.vp;
    this.name = init.name;
    this.tid = init.tid;
    this.lane = init.lane;
    this.vtl0 = init.vtl0;
    this.linux = !init.remote;
    this.log = new ActivityLog(STALL_LOG_SEGMENTS, m.logArena);
    const eng = m.engine;
    this.handler = eng.register(this);
    this.work = new CpuWork(eng, this, EV_CPU);
    // Natural residence exits are sampled only when they can happen (model.ts gives `residence`
    // and its stream only then): no CpuWork to pause and resume at every guest entry otherwise.
    this.residenceWork = init.vtl0 && init.residence && init.residenceRng ? new CpuWork(eng, this, EV_RESIDENCE) : undefined;
    this.blockTimer = eng.timer(this.handler, EV_BLOCK);
    this.wakeTimer = eng.timer(this.handler, EV_WAKE);
    this.residence = init.residence;
    this.residenceRng = init.residenceRng;
    this.naturalExits = init.naturalExits === true;
    this.segCause = m.causeIdle;
  }

  private readonly residence: Dist | undefined;
  private readonly naturalExits: boolean;
  private readonly residenceRng: Rng | undefined;

  /** Makes the thread run at time 0 (its first loop). */
  start(): void {
    this.m.engine.post(this.handler, EV_START, 0);
  }

  // ================================================================ ready queue

  /** Queues `t` as ready; `since` is when it became ready (the wake), for stall measurement. */
  pushReady(t: Task, since: Ns): void {
    t.state = T_READY;
    t.exec = this;
    t.readySince = since;
    t.qNext = null;
    if (this.readyTail) this.readyTail.qNext = t;
    else this.readyHead = t;
    this.readyTail = t;
    this.readyLen++;
  }

  private popReady(): Task | null {
    const t = this.readyHead;
    if (t === null) return null;
    this.readyHead = t.qNext;
    if (this.readyHead === null) this.readyTail = null;
    t.qNext = null;
    this.readyLen--;
    return t;
  }

  hasPending(): boolean {
    return this.readyHead !== null || this.cq.length > 0;
  }

  /**
   * Something landed on this thread's ring or ready queue. `safe`: the caller is an engine event of
   * the model's own (not inside another body's callback), so the executor may act at once; else it
   * acts from an event at the same time (no re-entry into the guest or another executor).
   */
  notify(now: Ns, safe: boolean): void {
    switch (this.mode) {
      case M_GUEST:
        if (!this.linux) return;
        if (!this.m.cancelOn) {
          // Waits for the guest to exit on its own (residence, intercept, halt).
          if (this.vtl0PendingSince < 0) this.vtl0PendingSince = now;
          return;
        }
        break;
      case M_HV_EXIT:
        // A hypervisor intercept is not covered by io_uring cancel: the event waits for its end.
        if (this.linux && this.hvPendingSince < 0) this.hvPendingSince = now;
        return;
      case M_IDLE:
        // Waiting on the ring: any event wakes the thread (no cancel needed). host.wake may be
        // called from anywhere (contracts.ts).
        this.mode = M_LOOP;
        this.mark(now, this.m.causeHostWait);
        this.m.host.wake(this.tid, now);
        return;
      default:
        return; // busy in VTL2, blocked, in an intercept: the loop sees it when it comes round
    }
    if (safe && !this.driving) this.kick(now);
    else if (!this.kickPending) {
      this.kickPending = true;
      this.m.engine.post(this.handler, EV_KICK, now);
    }
  }

  private kick(now: Ns): void {
    if (this.mode === M_GUEST && this.linux && this.m.cancelOn) {
      // io_uring cancel: the kernel cancels the VM run and returns the thread to VTL2.
      this.leaveGuest(now);
      this.m.add(this.m.cCancels);
      this.m.add(this.m.cExits);
      this.m.tally.cancelsPerExec[this.index]++;
      this.mode = M_LOOP;
      this.drive(now);
    }
  }

  // ================================================================ engine events

  onEvent(arg: number, now: Ns): void {
    switch (arg) {
      case EV_CPU:
        if (this.mode === M_CPU || this.mode === M_HV) {
          this.mode = M_LOOP;
          this.drive(now);
        } else if (this.mode === M_HV_EXIT) {
          this.hvExitDone(now);
        } else if (this.mode === M_WAKEUP) {
          this.mode = M_LOOP;
          this.drive(now);
        } else if (this.mode === M_HALT_EXIT) {
          this.haltPaid = true;
          this.mode = M_LOOP;
          this.drive(now);
        }
        return;
      case EV_WAKE:
        if (this.mode === M_WAKEUP) this.m.host.wake(this.tid, now);
        return;
      case EV_BLOCK:
        if (this.mode !== M_BLOCK) return;
        this.mode = M_LOOP;
        if (this.m.lanes !== null) this.m.lanes.unblocked(this, now);
        this.mark(now, this.m.causeHostWait);
        this.m.host.wake(this.tid, now);
        return;
      case EV_RESIDENCE:
        if (this.mode !== M_GUEST) return;
        // The guest exits on its own (timer tick, an access VTL2 emulates...): a natural exit.
        this.leaveGuest(now);
        this.m.add(this.m.cExits);
        this.m.add(this.m.cNaturalExits);
        this.m.add(this.m.cNatural);
        if (!this.linux) {
          // A remote VP's exit goes to Linux on the base CPU, and (hot-plug) onlines the VP.
          this.m.onRemoteExit(this.vp, now);
          this.forward(now, 0, -1, undefined);
          return;
        }
        this.endVtl0Wait(now);
        this.mode = M_LOOP;
        this.drive(now);
        return;
      case EV_KICK:
        this.kickPending = false;
        this.kick(now);
        return;
      case EV_START:
        if (this.linux) {
          this.mode = M_LOOP;
        } else {
          this.mode = M_IDLE; // enters the guest on resume
        }
        this.m.host.wake(this.tid, now);
        return;
      case EV_FWD_DONE:
        this.forwardDone(now);
        return;
    }
  }

  // ================================================================ host callbacks

  resume(_tid: number, _cpu: number, now: Ns): void {
    this.onCpu = true;
    if (this.m.lanes !== null) this.m.lanes.hostChange(this, now);
    if (this.preemptedFrom >= 0) {
      this.mark(now, this.preemptedFrom);
      this.preemptedFrom = -1;
    } else if (this.segCause === this.m.causeHostWait) {
      this.mark(now, this.m.causeIdle);
    }
    switch (this.mode) {
      case M_LOOP:
        this.drive(now);
        return;
      case M_CPU:
      case M_HV:
      case M_HV_EXIT:
      case M_HALT_EXIT:
        this.work.resume(now);
        return;
      case M_GUEST:
        this.residenceWork?.resume(now);
        this.vtl0?.enter(now);
        return;
      case M_IDLE:
        this.mode = M_LOOP;
        this.drive(now);
        return;
      case M_WAKEUP:
        if (this.work.busy) this.work.resume(now);
        else {
          this.m.engine.cancel(this.wakeTimer);
          this.setLane(now, this.m.sVtl0, this.m.recWakeup, this.m.vtl0CauseOf(this.vp));
          this.work.start(now, this.m.costs.entryNs, true);
        }
        return;
      case M_BLACKOUT:
      case M_FWD_WAIT:
      case M_BLOCK:
      case M_FOREVER:
        // Woken while it must stay off the CPU (a wake raced with a block): block again.
        this.onCpu = false;
        this.m.host.block(this.tid, now, BLOCK_WAIT);
        return;
    }
  }

  suspend(_tid: number, now: Ns): void {
    this.onCpu = false;
    if (this.m.lanes !== null) this.m.lanes.hostChange(this, now);
    this.work.pause(now);
    this.residenceWork?.pause(now);
    if (this.mode === M_GUEST && this.vtl0) this.vtl0.leave(now);
    this.preemptedFrom = this.segCause;
    this.mark(now, this.m.causeHostPreempt);
  }

  // ================================================================ guest callbacks (Vtl0Outer)

  vtl0Halt(_vp: number, now: Ns): void {
    if (this.mode !== M_GUEST) return;
    this.residenceWork?.stop(now);
    this.guestHalted = true;
    this.m.add(this.m.cHalts);
    this.m.boost.onHalt(this.vp, now);
    if (!this.linux) {
      this.goIdle(now);
      return;
    }
    // A halt returns the thread to its loop: pending VTL2 work runs now, cancel or not.
    this.endVtl0Wait(now);
    this.mode = M_LOOP;
    this.drive(now);
  }

  vtl0Exit(_vp: number, now: Ns, exit: number, durNs: Ns, cause: number, range?: TextRange): void {
    if (this.mode !== M_GUEST) return;
    this.residenceWork?.stop(now);
    this.m.add(this.m.cExits);
    this.m.add(this.m.cExitBy[exit] ?? this.m.cExitBy[0]);
    this.m.boost.onExit(this.vp, now);
    // EXIT_VMM: an exit to the VMM, which for an OpenHCL VP is VTL2 (the paravisor emulates the
    // device); the VP thread waits there, blocked, for durNs.
    const needsVtl2 = exit === EXIT_RTC_READ || exit === EXIT_RTC_WRITE || exit === EXIT_PAM_REMAP || exit === EXIT_VMM;
    if (exit === EXIT_INTERCEPT || exit === EXIT_STEP) this.m.add(this.m.cIntercepts);
    if (needsVtl2) this.m.add(this.m.cVtl2Exits);
    if (!this.linux) {
      // Sidecar: the sidecar kernel hands intercepts and VTL2-emulated accesses to Linux on the base CPU.
      const forwarded = needsVtl2 || exit === EXIT_INTERCEPT || exit === EXIT_STEP;
      if (forwarded) this.m.onRemoteExit(this.vp, now);
      if (needsVtl2) {
        this.forward(now, exit, cause, range, durNs);
        return;
      }
      this.fwdAfterHv = forwarded;
    } else if (needsVtl2) {
      // Handled in VTL2 on this VP, ahead of every other task (the VP loop serves the exit first).
      this.endVtl0Wait(now);
      this.mode = M_LOOP;
      this.current = this.m.exitTaskFor(this, exit, cause, range, durNs);
      this.current.state = T_RUNNING;
      this.current.exec = this;
      this.markOut(now);
      this.drive(now);
      return;
    }
    // Served by the hypervisor: CPU in the hypervisor, the VP is not in VTL0 and cannot be cancelled.
    this.mode = M_HV_EXIT;
    this.exitCause = this.m.guestExitCause(exit, cause, range, this.vp);
    this.setLane(now, this.m.sIntercept, cause, this.exitCause);
    this.work.start(now, durNs, this.onCpu);
  }

  vtl0Kick(_vp: number, now: Ns): void {
    if (this.mode === M_IDLE) {
      // The halted guest got an interrupt: the thread wakes and re-enters VTL0, paying the same
      // wake-up as a plain vCPU (host costs: `wake_latency` until it is runnable, then `entry`).
      this.mode = M_WAKEUP;
      this.mark(now, this.m.causeHostWait);
      const lat = this.m.costs.wakeLatencyNs;
      if (lat > 0) this.m.engine.arm(this.wakeTimer, now + lat);
      else this.m.host.wake(this.tid, now);
    }
  }

  // ================================================================ the loop

  drive(now: Ns): void {
    if (this.driving) {
      this.again = true;
      return;
    }
    this.driving = true;
    do {
      this.again = false;
      if (this.mode === M_LOOP) this.step(now);
    } while (this.again);
    this.driving = false;
  }

  private step(now: Ns): void {
    const m = this.m;
    for (;;) {
      if (!this.onCpu) return; // runs when the host gives the thread a CPU
      if (!this.linux) {
        // A sidecar VP's thread only runs its guest.
        this.nothingReady(now);
        return;
      }
      let t = this.current;
      if (t === null) {
        this.reap(now);
        t = this.popReady();
        if (t === null) {
          this.nothingReady(now);
          return;
        }
        this.current = t;
        t.state = T_RUNNING;
        const waited = now - t.readySince;
        if (waited > m.stallThresholdNs) m.taskStall(this, t, t.readySince, now);
        this.markOut(now);
      }
      const r = t.poll(this, now);
      if (m.lanes !== null) m.lanes.polled(this, t, r, now);
      switch (r) {
        case R_CPU:
          this.mode = M_CPU;
          this.setLane(now, m.sVtl2, t.recCause, this.actCause);
          this.work.start(now, this.actNs, true);
          return;
        case R_HV:
          this.mode = M_HV;
          this.setLane(now, m.sIntercept, t.recCause, this.actCause);
          this.work.start(now, this.actNs, true);
          return;
        case R_BLOCK:
          this.mode = M_BLOCK;
          this.setLane(now, this.actState, t.recCause, this.actCause);
          m.engine.arm(this.blockTimer, now + this.actNs);
          this.onCpu = false;
          m.host.block(this.tid, now, BLOCK_WAIT, t.recCause);
          return;
        case R_FOREVER:
          this.mode = M_FOREVER;
          this.foreverSince = now;
          this.foreverTask = t;
          this.setLane(now, this.actState, t.recCause, this.actCause);
          this.onCpu = false;
          m.host.block(this.tid, now, BLOCK_WAIT, t.recCause);
          return;
        case R_AWAIT:
          this.current = null;
          if (t.state === T_RUNNING) {
            t.state = T_WAITING;
            t.exec = null;
          }
          continue;
        case R_DONE:
          this.current = null;
          t.state = T_DONE;
          t.exec = null;
          continue;
        case R_YIELD:
          this.current = null;
          this.pushReady(t, now);
          continue;
      }
    }
  }

  private reap(now: Ns): void {
    const pool = this.m.pool;
    for (let id = pool.shift(this.cq); id >= 0; id = pool.shift(this.cq)) this.m.reapIo(this, id, now);
  }

  private nothingReady(now: Ns): void {
    // Enter the guest unless it just halted with nothing new to do: the guest must halt itself
    // (so it knows the vCPU is idle and kicks it when work arrives).
    if (this.vtl0 && (!this.guestHalted || this.vtl0.hasWork())) this.enterGuest(now);
    else if (this.vtl0 && this.linux && !this.haltPaid && this.m.costs.haltExitNs > 0) {
      // The guest's halt costs the thread `halt_exit` of CPU before it sleeps (as a plain vCPU); a
      // wake-up meanwhile is seen when it is paid (the loop enters the guest instead of sleeping).
      this.mode = M_HALT_EXIT;
      this.setLane(now, this.m.sVtl0, this.m.recHaltExit, this.m.vtl0CauseOf(this.vp));
      this.work.start(now, this.m.costs.haltExitNs, true);
    } else this.goIdle(now);
  }

  private enterGuest(now: Ns): void {
    const m = this.m;
    this.guestStallCheck(now);
    this.mode = M_GUEST;
    this.guestHalted = false;
    this.haltPaid = false;
    if (this.linux) this.setLane(now, m.sVtl0, -1, m.vtl0CauseOf(this.vp));
    else this.setLane(now, m.sVtl0, m.recSidecar, m.causeIdle);
    if ((this.naturalExits || !this.linux) && this.residenceWork && this.residence && this.residenceRng) {
      this.residenceWork.start(now, Math.max(1, this.residenceRng.sample(this.residence)), true);
    }
    this.vtl0?.enter(now);
  }

  private goIdle(now: Ns): void {
    this.guestStallCheck(now);
    this.mode = M_IDLE;
    this.setLane(now, this.m.sIdle, -1, this.m.causeIdle);
    this.onCpu = false;
    this.m.host.block(this.tid, now, BLOCK_IDLE);
  }

  private leaveGuest(now: Ns): void {
    this.residenceWork?.stop(now);
    this.vtl0?.leave(now);
    this.m.boost.onExit(this.vp, now);
  }

  private endVtl0Wait(now: Ns): void {
    if (this.vtl0PendingSince >= 0) {
      this.m.noteVtl0Wait(now - this.vtl0PendingSince);
      this.vtl0PendingSince = -1;
    }
  }

  private hvExitDone(now: Ns): void {
    const m = this.m;
    if (this.hvPendingSince >= 0) {
      m.noteHvWait(now - this.hvPendingSince, this.exitCause);
      this.hvPendingSince = -1;
    }
    if (this.fwdAfterHv) {
      this.fwdAfterHv = false;
      this.forward(now, EXIT_INTERCEPT, -1, undefined);
      return;
    }
    this.vtl0?.exitDone(now);
    if (this.linux && m.cancelOn && this.hasPending()) {
      // The intercept is over; the pending ring event now cancels the guest's return to VTL0.
      m.add(m.cCancels);
      m.tally.cancelsPerExec[this.index]++;
      this.mode = M_LOOP;
      this.drive(now);
      return;
    }
    // Back to VTL0 directly: a hypervisor-handled exit does not return to VTL2, so without cancel
    // the pending VTL2 work keeps waiting for a natural exit.
    this.mode = M_LOOP;
    if (this.onCpu) this.enterGuest(now);
  }

  // ================================================================ sidecar

  /** Remote VP: hand the exit to the base CPU and wait for it. */
  private forward(now: Ns, exit: number, cause: number, range: TextRange | undefined, durNs = 0): void {
    const m = this.m;
    this.mode = M_FWD_WAIT;
    this.setLane(now, m.sIntercept, m.recSidecarExit, m.sidecarExitCause);
    m.forwardExit(this, exit, cause, range, now, durNs);
    this.onCpu = false;
    m.host.block(this.tid, now, BLOCK_WAIT, m.recSidecarExit);
  }

  /** The base CPU finished this remote VP's exit (posted event). */
  forwardDoneEvent(now: Ns): void {
    this.m.engine.post(this.handler, EV_FWD_DONE, now);
  }

  private forwardDone(now: Ns): void {
    if (this.mode === M_BLACKOUT) {
      this.pendingExitDone = true;
      return;
    }
    if (this.mode !== M_FWD_WAIT) return;
    this.vtl0?.exitDone(now);
    this.mode = M_LOOP;
    this.mark(now, this.m.causeHostWait);
    this.m.host.wake(this.tid, now);
  }

  /** The VP took the onlining lock: its run is cancelled and it runs nothing until it is Linux. */
  startBlackout(now: Ns): void {
    const m = this.m;
    if (this.mode === M_GUEST) {
      if (this.vtl0?.inGuest()) this.vtl0.leave(now);
    } else if (this.mode === M_HV_EXIT) {
      this.work.stop(now);
      this.fwdAfterHv = false;
      this.pendingExitDone = true;
    } else if (this.mode === M_FWD_WAIT) {
      this.pendingExitDone = true;
    } else if (this.mode === M_WAKEUP || this.mode === M_HALT_EXIT) {
      this.work.stop(now);
      this.m.engine.cancel(this.wakeTimer);
    }
    const wasOnCpu = this.onCpu;
    this.mode = M_BLACKOUT;
    this.setLane(now, m.sBlackout, m.recSidecar, m.sidecarOnlineCause);
    if (wasOnCpu) {
      this.onCpu = false;
      m.host.block(this.tid, now, BLOCK_WAIT, m.recSidecar);
    }
  }

  /** The blackout is over: from now on this VP's thread runs its executor. */
  becomeLinux(now: Ns): void {
    this.linux = true;
    if (this.pendingExitDone) {
      // Simplification: an exit caught by the blackout completes when the VP comes back.
      this.pendingExitDone = false;
      this.vtl0?.exitDone(now);
    }
    this.mode = M_LOOP;
    this.mark(now, this.m.causeHostWait);
    this.m.host.wake(this.tid, now);
  }

  // ================================================================ recording

  /** Sets the executor lane and starts a new activity segment. */
  private setLane(now: Ns, state: number, recCause: number, actCause: number): void {
    this.m.rec.set(this.lane, now, state, recCause);
    this.mark(now, actCause);
  }

  /** Closes the open activity segment at `now` (before a stall looks at the log). */
  flush(now: Ns): void {
    this.log.record(this.segStart, now, this.segCause);
    this.segStart = now;
  }

  private mark(now: Ns, cause: number): void {
    if (cause === this.segCause) return;
    this.log.record(this.segStart, now, this.segCause);
    this.segStart = now;
    this.segCause = cause;
  }

  /** The VP starts VTL2 work while its guest could have run. */
  private markOut(now: Ns): void {
    if (this.outSince < 0 && this.vtl0) this.outSince = now;
  }

  /**
   * The VP goes back to VTL0 or idle: report a guest stall when VTL2 kept it out too long while
   * its guest had work: from when the guest's work waited (`Vtl0.workSince`), not from when the VP
   * left, since the work may have come late or gone to another vCPU meanwhile (its threads' own
   * waits are reported by the guest). Before, a 2 ms syscall on VP 0 whose guest thread an idle
   * vCPU took after 50 us was a 2.05 ms stall of VP 0's guest whenever a tick came just before the
   * VP came back.
   */
  private guestStallCheck(now: Ns): void {
    if (this.outSince < 0) return;
    const out = this.outSince;
    this.outSince = -1;
    this.reportGuestStall(out, now);
  }

  private reportGuestStall(out: Ns, now: Ns): void {
    const g = this.vtl0;
    if (!g || now - out <= this.m.stallThresholdNs || !g.hasWork()) return;
    const since = Math.max(out, g.workSince());
    if (now - since > this.m.stallThresholdNs) this.m.guestStall(this, since, now);
  }

  /** Called at the end of the run: open deadlocks and open guest stalls become stalls. */
  finish(now: Ns): void {
    this.flush(now);
    if (this.outSince >= 0) this.reportGuestStall(this.outSince, now);
    if (this.mode === M_FOREVER && this.foreverTask) this.m.deadlockStall(this, this.foreverTask, this.foreverSince, now);
  }
}
