/**
 * Program steps of guest threads (cpu, sleep, lock, disk_io, RTC/PAM exits, exit) and the
 * releases of triggered programs (timers, loops).
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import type { TextRange } from '../../core/text';
import { EXIT_PAM_REMAP, EXIT_RTC_READ, EXIT_RTC_WRITE, EXIT_STEP, EXIT_VMM } from '../contracts';
import type { Ns } from '../engine';
import { ST_CPU, ST_DISK_IO, ST_EXIT, ST_LOCK, ST_PAM_REMAP, ST_RTC_READ, ST_RTC_WRITE, ST_SLEEP, TRIG_LOOP, nextRelease } from '../program';
import * as consts from './consts';
import { PLAIN_GET_EXIT_NS } from './costs';
import { GuestState } from './state';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { A_CPU, A_NONE, G_BLOCKED, G_DONE, R_CONTINUE, R_EXITED, R_LEFT, R_STARTED, TK_THREAD } = consts;

declare module './state' {
  interface GuestState {
    beginStep(t: number, v: number, now: Ns): number;
    endPass(t: number, v: number, now: Ns): number;
    workDone(t: number, v: number, now: Ns): void;
    onThreadTimer(arg: number, now: Ns): void;
  }
}

GuestState.prototype.beginStep = function (this: GuestState, t: number, v: number, now: Ns): number {
  const ri = this.gRegion[t];
  if (ri >= 0) {
    // Team thread: pc 0 = this round's work, 1 = at the barrier.
    if (this.gPc[t] === 0) {
      this.gAct[t] = A_CPU;
      this.spinSync(this.gVcpu[t]);
      this.gLeft[t] = this.gWork[t];
      return R_STARTED;
    }
    // Nothing to do this round (inactive or done): sleep until a round needs it.
    this.vCur[v] = -1;
    this.spinSync(v);
    this.gState[t] = this.regions[ri].done ? G_DONE : G_BLOCKED;
    return R_LEFT;
  }
  const prog = this.gProg[t]!;
  const pc = this.gPc[t];
  if (pc < 0) {
    this.vCur[v] = -1;
    this.spinSync(v);
    this.gState[t] = G_BLOCKED;
    return R_LEFT;
  }
  if (pc >= prog.code.length) return this.endPass(t, v, now);
  const rng = this.gRng[t];
  const d = prog.samp[pc];
  switch (prog.code[pc]) {
    case ST_CPU:
      this.gAct[t] = A_CPU;
      this.spinSync(this.gVcpu[t]);
      this.gLeft[t] = d ? rng.draw(d) : 0;
      return R_STARTED;
    case ST_SLEEP: {
      const dur = d ? rng.draw(d) : 0;
      this.gPc[t] = pc + 1;
      if (dur <= 0) return R_CONTINUE;
      this.vCur[v] = -1;
      this.spinSync(v);
      this.gState[t] = G_BLOCKED;
      this.eng.arm(this.gWakeTimer[t], now + dur);
      return R_LEFT;
    }
    case ST_LOCK: {
      const step = prog.steps[pc] as { lock: string };
      const li = this.lockIdx.get(step.lock);
      if (li === undefined) {
        // Unknown lock (the checker reports it): run the critical section unlocked.
        this.gAct[t] = A_CPU;
        this.spinSync(this.gVcpu[t]);
        this.gLeft[t] = d ? rng.draw(d) : 0;
        this.stats.add(this.cIgnored);
        return R_STARTED;
      }
      if (this.gWaitLock[t] !== li) this.gCs[t] = d ? rng.draw(d) : 0; // not a retry after a mutex hand-off
      return this.acquire(t, v, li, now);
    }
    case ST_DISK_IO: {
      const step = prog.steps[pc] as { controller: string; disk: string };
      this.gPc[t] = pc + 1;
      const { ctrl, disk } = this.diskIndex(step.controller, step.disk);
      const tk = this.allocToken(TK_THREAD, t, v, now);
      this.vCur[v] = -1;
      this.spinSync(v);
      this.gState[t] = G_BLOCKED;
      this.submit(tk, v, ctrl, disk, now);
      return R_LEFT;
    }
    case ST_RTC_READ:
    case ST_RTC_WRITE:
    case ST_PAM_REMAP: {
      const code = prog.code[pc];
      this.gPc[t] = pc + 1;
      const exit = code === ST_RTC_READ ? EXIT_RTC_READ : code === ST_RTC_WRITE ? EXIT_RTC_WRITE : EXIT_PAM_REMAP;
      this.exit(v, now, exit, PLAIN_GET_EXIT_NS, code === ST_PAM_REMAP ? this.causePam : this.causeRtc, prog.steps[pc].range);
      return R_EXITED;
    }
    case ST_EXIT: {
      const step = prog.steps[pc] as { reason: string; range: TextRange };
      this.gPc[t] = pc + 1;
      let cause = this.stepCause.get(step.reason);
      if (cause === undefined) this.stepCause.set(step.reason, (cause = this.ctx.rec.causeId(`exit ${step.reason}`)));
      this.exit(v, now, (step as { vmm?: boolean }).vmm ? EXIT_VMM : EXIT_STEP, d ? rng.draw(d) : 0, cause, step.range);
      return R_EXITED;
    }
    default:
      // VTL2-only steps (io, syscall, get...) have no meaning in a guest thread (the checker says so).
      this.gPc[t] = pc + 1;
      this.stats.add(this.cIgnored);
      return R_CONTINUE;
  }
};

GuestState.prototype.endPass = function (this: GuestState, t: number, v: number, now: Ns): number {
  const prog = this.gProg[t]!;
  this.stats.sample(this.gTask[t], now, now - this.gRelease[t]);
  this.gPasses[t]++;
  if (this.gPasses[t] < prog.count) {
    if (prog.trig === TRIG_LOOP) {
      if (now > this.gRelease[t]) {
        this.gRelease[t] = now;
        this.gPc[t] = 0;
        return R_CONTINUE;
      }
      this.stats.add(this.cIgnored); // a pass that takes no time would loop forever
    } else {
      const rel = this.gReleases[t]!;
      if (rel.size > 0) {
        this.gRelease[t] = rel.shift();
        this.gPc[t] = 0;
        return R_CONTINUE;
      }
    }
  }
  this.gPc[t] = -1;
  this.vCur[v] = -1;
  this.spinSync(v);
  this.gState[t] = this.gPasses[t] >= prog.count ? G_DONE : G_BLOCKED;
  return R_LEFT;
};

/** CPU work of the current thread of `v` finished. */
GuestState.prototype.workDone = function (this: GuestState, t: number, v: number, now: Ns): void {
  this.gAct[t] = A_NONE;
  this.spinSync(this.gVcpu[t]);
  const ri = this.gRegion[t];
  if (ri >= 0) {
    this.arrive(this.regions[ri], t, v, now);
    return;
  }
  if (this.gHold[t] >= 0) this.release(t, now);
  this.gPc[t]++;
};

GuestState.prototype.onThreadTimer = function (this: GuestState, arg: number, now: Ns): void {
  const t = arg >> 1;
  if ((arg & 1) === 1) {
    this.wakeThread(t, now, 'timer'); // sleep over: a timer interrupt wakes the thread
    return;
  }
  // A release of a triggered program.
  const prog = this.gProg[t]!;
  const rng = this.gRng[t];
  this.gReleased[t]++;
  const next = nextRelease(prog, rng, now);
  if (next < Infinity && this.gReleased[t] < prog.count) this.eng.arm(this.gRelTimer[t], next);
  if (prog.trig === TRIG_LOOP) {
    this.gRelease[t] = now;
    this.gPc[t] = 0;
    this.wakeThread(t, now, null);
    return;
  }
  const rel = this.gReleases[t]!;
  if (this.gPc[t] < 0 && this.gState[t] === G_BLOCKED) {
    this.gRelease[t] = now;
    this.gPc[t] = 0;
    this.wakeThread(t, now, 'timer');
  } else rel.push(now);
};
