/**
 * Program steps of guest threads (cpu, sleep, lock, disk_io, RTC/PAM exits, exit) and the
 * releases of triggered programs (timers, loops).
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import type { TextRange } from '../../core/text';
import { EXIT_PAM_REMAP, EXIT_RTC_READ, EXIT_RTC_WRITE, EXIT_STEP, EXIT_VMM } from '../contracts';
import type { Ns } from '../engine';
import { ST_CPU, ST_DISK_IO, ST_EXIT, ST_LOCK, ST_PAM_REMAP, ST_RTC_READ, ST_RTC_WRITE, ST_SLEEP, TRIG_LOOP, nextRelease } from '../program';
import { A_CPU, A_NONE, G_BLOCKED, G_DONE, R_CONTINUE, R_EXITED, R_LEFT, R_STARTED, TK_THREAD } from './consts';
import { PLAIN_GET_EXIT_NS } from './costs';
import { acquire, release } from './locks';
import { arrive } from './regions';
import { wakeThread } from './sched';
import type { GuestState } from './state';
import { allocToken, diskIndex, submit } from './storage';
import { exit } from './vcpu';

export function beginStep(g: GuestState, t: number, v: number, now: Ns): number {
  const ri = g.gRegion[t];
  if (ri >= 0) {
    // Team thread: pc 0 = this round's work, 1 = at the barrier.
    if (g.gPc[t] === 0) {
      g.gAct[t] = A_CPU;
      g.gLeft[t] = g.gWork[t];
      return R_STARTED;
    }
    // Nothing to do this round (inactive or done): sleep until a round needs it.
    g.vCur[v] = -1;
    g.gState[t] = g.regions[ri].done ? G_DONE : G_BLOCKED;
    return R_LEFT;
  }
  const prog = g.gProg[t]!;
  const pc = g.gPc[t];
  if (pc < 0) {
    g.vCur[v] = -1;
    g.gState[t] = G_BLOCKED;
    return R_LEFT;
  }
  if (pc >= prog.code.length) return endPass(g, t, v, now);
  const rng = g.gRng[t];
  const d = prog.samp[pc];
  switch (prog.code[pc]) {
    case ST_CPU:
      g.gAct[t] = A_CPU;
      g.gLeft[t] = d ? rng.draw(d) : 0;
      return R_STARTED;
    case ST_SLEEP: {
      const dur = d ? rng.draw(d) : 0;
      g.gPc[t] = pc + 1;
      if (dur <= 0) return R_CONTINUE;
      g.vCur[v] = -1;
      g.gState[t] = G_BLOCKED;
      g.eng.arm(g.gWakeTimer[t], now + dur);
      return R_LEFT;
    }
    case ST_LOCK: {
      const step = prog.steps[pc] as { lock: string };
      const li = g.lockIdx.get(step.lock);
      if (li === undefined) {
        // Unknown lock (the checker reports it): run the critical section unlocked.
        g.gAct[t] = A_CPU;
        g.gLeft[t] = d ? rng.draw(d) : 0;
        g.stats.add(g.cIgnored);
        return R_STARTED;
      }
      if (g.gWaitLock[t] !== li) g.gCs[t] = d ? rng.draw(d) : 0; // not a retry after a mutex hand-off
      return acquire(g, t, v, li, now);
    }
    case ST_DISK_IO: {
      const step = prog.steps[pc] as { controller: string; disk: string };
      g.gPc[t] = pc + 1;
      const { ctrl, disk } = diskIndex(g, step.controller, step.disk);
      const tk = allocToken(g, TK_THREAD, t, v, now);
      g.vCur[v] = -1;
      g.gState[t] = G_BLOCKED;
      submit(g, tk, v, ctrl, disk, now);
      return R_LEFT;
    }
    case ST_RTC_READ:
    case ST_RTC_WRITE:
    case ST_PAM_REMAP: {
      const code = prog.code[pc];
      g.gPc[t] = pc + 1;
      const exitCode = code === ST_RTC_READ ? EXIT_RTC_READ : code === ST_RTC_WRITE ? EXIT_RTC_WRITE : EXIT_PAM_REMAP;
      exit(g, v, now, exitCode, PLAIN_GET_EXIT_NS, code === ST_PAM_REMAP ? g.causePam : g.causeRtc, prog.steps[pc].range);
      return R_EXITED;
    }
    case ST_EXIT: {
      const step = prog.steps[pc] as { reason: string; range: TextRange };
      g.gPc[t] = pc + 1;
      let cause = g.stepCause.get(step.reason);
      if (cause === undefined) g.stepCause.set(step.reason, (cause = g.ctx.rec.causeId(`exit ${step.reason}`)));
      exit(g, v, now, (step as { vmm?: boolean }).vmm ? EXIT_VMM : EXIT_STEP, d ? rng.draw(d) : 0, cause, step.range);
      return R_EXITED;
    }
    default:
      // VTL2-only steps (io, syscall, get...) have no meaning in a guest thread (the checker says so).
      g.gPc[t] = pc + 1;
      g.stats.add(g.cIgnored);
      return R_CONTINUE;
  }
}

export function endPass(g: GuestState, t: number, v: number, now: Ns): number {
  const prog = g.gProg[t]!;
  g.stats.sample(g.gTask[t], now, now - g.gRelease[t]);
  g.gPasses[t]++;
  if (g.gPasses[t] < prog.count) {
    if (prog.trig === TRIG_LOOP) {
      if (now > g.gRelease[t]) {
        g.gRelease[t] = now;
        g.gPc[t] = 0;
        return R_CONTINUE;
      }
      g.stats.add(g.cIgnored); // a pass that takes no time would loop forever
    } else {
      const rel = g.gReleases[t]!;
      if (rel.size > 0) {
        g.gRelease[t] = rel.shift();
        g.gPc[t] = 0;
        return R_CONTINUE;
      }
    }
  }
  g.gPc[t] = -1;
  g.vCur[v] = -1;
  g.gState[t] = g.gPasses[t] >= prog.count ? G_DONE : G_BLOCKED;
  return R_LEFT;
}

/** CPU work of the current thread of `v` finished. */
export function workDone(g: GuestState, t: number, v: number, now: Ns): void {
  g.gAct[t] = A_NONE;
  const ri = g.gRegion[t];
  if (ri >= 0) {
    arrive(g, g.regions[ri], t, v, now);
    return;
  }
  if (g.gHold[t] >= 0) release(g, t, now);
  g.gPc[t]++;
}

export function onThreadTimer(g: GuestState, arg: number, now: Ns): void {
  const t = arg >> 1;
  if ((arg & 1) === 1) {
    wakeThread(g, t, now, 'timer'); // sleep over: a timer interrupt wakes the thread
    return;
  }
  // A release of a triggered program.
  const prog = g.gProg[t]!;
  const rng = g.gRng[t];
  g.gReleased[t]++;
  const next = nextRelease(prog, rng, now);
  if (next < Infinity && g.gReleased[t] < prog.count) g.eng.arm(g.gRelTimer[t], next);
  if (prog.trig === TRIG_LOOP) {
    g.gRelease[t] = now;
    g.gPc[t] = 0;
    wakeThread(g, t, now, null);
    return;
  }
  const rel = g.gReleases[t]!;
  if (g.gPc[t] < 0 && g.gState[t] === G_BLOCKED) {
    g.gRelease[t] = now;
    g.gPc[t] = 0;
    wakeThread(g, t, now, 'timer');
  } else rel.push(now);
}
