/**
 * vCPU execution of the guest: entering and leaving the guest, accounting of guest time, the vCPU
 * timer (work done, spin limits, PLE window, guest slice), halts, exits and kicks; and
 * `GuestVcpu`, the `Vtl0` face of one vCPU.
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import type { TextRange } from '../../core/text';
import { EXIT_UNBOOST, type Vtl0, type Vtl0Outer } from '../contracts';
import type { Ns } from '../engine';
import { A_BAR_SPIN, A_CPU, A_LOCK_SPIN, A_NONE, LK_SPIN, R_EXITED, R_STARTED, V_EXIT, V_HALTED, V_IN, V_OUT } from './consts';
import { processItems } from './interrupts';
import { lockOff, lockOn, pleExit, takeLock } from './locks';
import { barrierBlock } from './regions';
import { pickNext, requeueCurrent, waitEnd, waitStart } from './sched';
import type { GuestState } from './state';
import { beginStep, workDone } from './steps';

export function attach(g: GuestState, v: number, outer: Vtl0Outer): void {
  g.outer[v] = outer;
}

export function enter(g: GuestState, v: number, now: Ns): void {
  const s = g.vState[v];
  if (s === V_IN) return;
  if (s === V_HALTED) g.halted.delete(v);
  g.vState[v] = V_IN;
  g.vSince[v] = now;
  g.vInSince[v] = now;
  const t = g.vCur[v];
  if (t >= 0 && g.gHold[t] >= 0) lockOn(g, g.locks[g.gHold[t]], now);
  if (g.vIcRate[v] > 0 && g.vIcLeft[v] < Infinity) g.eng.arm(g.vIcTimer[v], now + Math.max(0, Math.round(g.vIcLeft[v])));
  if (g.lanes !== null) g.lanes.syncQueue(v, now);
  drive(g, v, now);
}

export function leave(g: GuestState, v: number, now: Ns): void {
  if (g.vState[v] !== V_IN) return;
  stopExecuting(g, v, now);
  g.vState[v] = V_OUT;
  const t = g.vCur[v];
  if (t >= 0 && g.gAct[t] !== A_BAR_SPIN && g.gAct[t] !== A_LOCK_SPIN) waitStart(g, t, v, now);
  if (g.lanes !== null) {
    g.lanes.syncVcpu(v, now);
    g.lanes.syncQueue(v, now);
  }
}

/** vCPUs of this VM that are runnable but not running (the preempted flags of steal time). */
export function preempted(g: GuestState): number {
  if (g.host.preemptedVcpus) return g.host.preemptedVcpus(g.vmIndex);
  let n = 0;
  for (const tid of g.vcpuTids) if (g.host.isPreempted(tid)) n++;
  return n;
}

/** Directed-yield candidate: runnable but not running, woken or preempted (KVM `vcpu->ready`). */
export function ready(g: GuestState, tid: number): boolean {
  return g.host.isReady ? g.host.isReady(tid) : g.host.isPreempted(tid);
}

export function exitDone(g: GuestState, v: number, now: Ns): void {
  if (g.vState[v] === V_EXIT) g.vState[v] = V_OUT;
  if (g.lanes !== null) g.lanes.syncVcpu(v, now);
}

export function hasWork(g: GuestState, v: number): boolean {
  return g.vCur[v] >= 0 || g.rq.size[2 * v] > 0 || g.rq.size[2 * v + 1] > 0 || g.vItems[v].size > 0;
}

export function inGuest(g: GuestState, v: number): boolean {
  return g.vState[v] === V_IN;
}

/** Common bookkeeping when vCPU `v` stops executing (leave, exit, halt). */
export function stopExecuting(g: GuestState, v: number, now: Ns): void {
  account(g, v, now);
  g.vInAcc[v] += now - g.vInSince[v];
  const e = g.eng;
  e.cancel(g.vTimer[v]);
  if (g.vIcRate[v] > 0) {
    const due = e.dueAt(g.vIcTimer[v]);
    if (due >= 0) g.vIcLeft[v] = due - now;
    e.cancel(g.vIcTimer[v]);
  }
  const t = g.vCur[v];
  if (t >= 0 && g.gHold[t] >= 0) lockOff(g, g.locks[g.gHold[t]], now, false);
}

export function inTotal(g: GuestState, v: number, now: Ns): number {
  return g.vInAcc[v] + (g.vState[v] === V_IN ? now - g.vInSince[v] : 0);
}

/** Applies the progress made by the current thread of IN vCPU `v` since `vSince`. */
export function account(g: GuestState, v: number, now: Ns): void {
  const el = now - g.vSince[v];
  g.vSince[v] = now;
  if (el <= 0 || g.vState[v] !== V_IN) return;
  const t = g.vCur[v];
  if (t < 0) return;
  g.vSliceLeft[v] -= el;
  const a = g.gAct[t];
  if (a === A_CPU) g.gLeft[t] -= el;
  else if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
    g.gSpinLeft[t] -= el;
    g.vPleLeft[v] -= el;
    g.facts.spinNs += el;
    g.stats.add(g.cSpinNs, el);
    const pre = preempted(g) > 0;
    if (pre) g.facts.spinWhilePreemptedNs += el;
    if (a === A_BAR_SPIN) {
      const r = g.regions[g.gRegion[t]];
      r.spinNs += el;
      if (pre) r.spinPreemptedNs += el;
    }
  }
}

export function kernelSpin(g: GuestState, t: number): boolean {
  if (g.gAct[t] === A_LOCK_SPIN) return true; // guest spinlocks spin in the kernel
  return g.gAct[t] === A_BAR_SPIN && g.regions[g.gRegion[t]].ir.spinMode === 'kernel';
}

/** Arms the vCPU timer for the current thread's next deadline (work done, spin limit, PLE, slice). */
export function rearm(g: GuestState, v: number, now: Ns): void {
  const e = g.eng;
  const t = g.vCur[v];
  if (g.vState[v] !== V_IN || t < 0) {
    e.cancel(g.vTimer[v]);
    return;
  }
  let d = Infinity;
  const a = g.gAct[t];
  if (a === A_CPU) d = g.gLeft[t];
  else if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
    d = g.gSpinLeft[t];
    if (g.pleEnabled && kernelSpin(g, t) && g.vPleLeft[v] < d) d = g.vPleLeft[v];
  }
  if (!g.gRt[t] && g.rq.size[2 * v + 1] > 0 && g.vSliceLeft[v] < d) d = g.vSliceLeft[v];
  if (d === Infinity) e.cancel(g.vTimer[v]);
  else e.arm(g.vTimer[v], now + (d > 0 ? Math.ceil(d) : 0));
}

/** Runs vCPU `v` (IN) until its current thread has a timed activity, or it halts or exits. */
export function drive(g: GuestState, v: number, now: Ns): void {
  if (g.vDriving[v]) return;
  g.vDriving[v] = 1;
  try {
    account(g, v, now);
    for (let guard = 0; guard < 100000; guard++) {
      if (g.vState[v] !== V_IN) return;
      if (g.vItems[v].size > 0) processItems(g, v, now);
      if (g.vState[v] !== V_IN) return;
      let t = g.vCur[v];
      // Guest RT preemption: an RT thread waiting beats a normal current thread.
      if (t >= 0 && !g.gRt[t] && g.rq.size[2 * v] > 0) {
        requeueCurrent(g, v, t, now, true);
        t = -1;
      }
      // KVM dynamic boost: with no RT work left (out of interrupt context), the guest withdraws
      // its request and, if boosted, unboosts synchronously (an exit).
      if (g.kvmDynamic && g.rq.size[2 * v] === 0 && (t < 0 || !g.gRt[t])) {
        g.kvm.clearRequest(v);
        if (g.kvm.wantsUnboost(v)) {
          g.kvm.unboost(v, now);
          exit(g, v, now, EXIT_UNBOOST, g.vm.boost.unboostCostNs, g.causeUnboost, g.vm.boost.range);
          return;
        }
      }
      if (t < 0) {
        t = pickNext(g, v, now);
        if (t < 0) {
          if (g.vItems[v].size > 0) {
            rearm(g, v, now); // masked interrupts pending: wait for them, do not halt
            return;
          }
          halt(g, v, now);
          return;
        }
      }
      if (g.gWaitSince[t] >= 0) waitEnd(g, t, v, now);
      if (g.gAct[t] === A_NONE) {
        const r = beginStep(g, t, v, now);
        if (r === R_STARTED) {
          rearm(g, v, now);
          return;
        }
        if (r === R_EXITED) return;
        continue;
      }
      if (g.gAct[t] === A_LOCK_SPIN) {
        const L = g.locks[g.gWaitLock[t]];
        if (L.holder === t || (L.holder < 0 && L.kind === LK_SPIN)) takeLock(g, t, v, L, now);
      }
      rearm(g, v, now);
      return;
    }
    throw new Error(`guest ${g.vmName} vCPU ${v}: no progress at ${now}`);
  } finally {
    g.vDriving[v] = 0;
    if (g.lanes !== null) g.lanes.syncVcpu(v, now);
  }
}

export function halt(g: GuestState, v: number, now: Ns): void {
  stopExecuting(g, v, now);
  g.vState[v] = V_HALTED;
  g.halted.add(v);
  if (g.lanes !== null) g.lanes.syncVcpu(v, now);
  g.vPleWin[v] = g.pleWindowNs;
  g.kvm.clearRequest(v);
  g.outer[v].vtl0Halt(v, now);
}

export function exit(g: GuestState, v: number, now: Ns, code: number, dur: Ns, cause: number, range?: TextRange, yieldTo = -1): void {
  stopExecuting(g, v, now);
  g.vState[v] = V_EXIT;
  if (g.lanes !== null) g.lanes.syncVcpu(v, now);
  g.outer[v].vtl0Exit(v, now, code, dur, cause, range, yieldTo);
}

export function kick(g: GuestState, v: number, now: Ns): void {
  const s = g.vState[v];
  if (s === V_HALTED) g.outer[v].vtl0Kick(v, now);
  else if (s === V_IN && !g.vDriving[v]) drive(g, v, now);
}

/** vCPU timer: the current thread reached a deadline (work done, spin limit, PLE window, slice). */
export function onVcpuTimer(g: GuestState, v: number, now: Ns): void {
  if (g.vState[v] !== V_IN || g.vDriving[v]) return;
  account(g, v, now);
  const t = g.vCur[v];
  if (t < 0) {
    drive(g, v, now);
    return;
  }
  const a = g.gAct[t];
  if (a === A_CPU && g.gLeft[t] <= 0) {
    g.vDriving[v] = 1;
    try {
      workDone(g, t, v, now);
    } finally {
      g.vDriving[v] = 0;
    }
    if (g.vState[v] === V_IN) drive(g, v, now);
    return;
  }
  if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
    if (g.gSpinLeft[t] <= 0 && a === A_BAR_SPIN) {
      barrierBlock(g, t, v, now);
      drive(g, v, now);
      return;
    }
    if (g.pleEnabled && kernelSpin(g, t) && g.vPleLeft[v] <= 0) {
      pleExit(g, t, v, now);
      return;
    }
  }
  if (!g.gRt[t] && g.rq.size[2 * v + 1] > 0 && g.vSliceLeft[v] <= 0) {
    requeueCurrent(g, v, t, now, false); // guest slice over: round-robin
    drive(g, v, now);
    return;
  }
  rearm(g, v, now);
}

/** The `Vtl0` face of one vCPU (allocation-free delegation to the VM's guest). */
export class GuestVcpu implements Vtl0 {
  constructor(
    private readonly g: GuestState,
    readonly vm: number,
    readonly vp: number,
  ) {}
  attach(outer: Vtl0Outer): void {
    attach(this.g, this.vp, outer);
  }
  enter(now: Ns): void {
    enter(this.g, this.vp, now);
  }
  leave(now: Ns): void {
    leave(this.g, this.vp, now);
  }
  exitDone(now: Ns): void {
    exitDone(this.g, this.vp, now);
  }
  hasWork(): boolean {
    return hasWork(this.g, this.vp);
  }
  inGuest(): boolean {
    return inGuest(this.g, this.vp);
  }
}
