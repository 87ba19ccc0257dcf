/**
 * vCPU execution of the guest: entering and leaving the guest, accounting of guest time, the vCPU
 * timer (work done, spin limits, PLE window, guest slice), halts, exits and kicks.
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import type { TextRange } from '../../core/text';
import { EXIT_UNBOOST, type Vtl0Outer } from '../contracts';
import type { Ns } from '../engine';
import * as consts from './consts';
import { GuestState } from './state';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { A_BAR_SPIN, A_CPU, A_LOCK_SPIN, A_NONE, LK_SPIN, R_EXITED, R_STARTED, V_EXIT, V_HALTED, V_IN, V_OUT } = consts;

declare module './state' {
  interface GuestState {
    attach(v: number, outer: Vtl0Outer): void;
    enter(v: number, now: Ns): void;
    leave(v: number, now: Ns): void;
    preempted(): number;
    ready(tid: number): boolean;
    exitDone(v: number, now: Ns): void;
    hasWork(v: number): boolean;
    workSince(v: number): Ns;
    inGuest(v: number): boolean;
    stopExecuting(v: number, now: Ns): void;
    inTotal(v: number, now: Ns): number;
    account(v: number, now: Ns): void;
    kernelSpin(t: number): boolean;
    rearm(v: number, now: Ns): void;
    drive(v: number, now: Ns): void;
    halt(v: number, now: Ns): void;
    exit(v: number, now: Ns, code: number, dur: Ns, cause: number, range?: TextRange, yieldTo?: number): void;
    kick(v: number, now: Ns): void;
    onVcpuTimer(v: number, now: Ns): void;
  }
}

GuestState.prototype.attach = function (this: GuestState, v: number, outer: Vtl0Outer): void {
  this.outer[v] = outer;
};

GuestState.prototype.enter = function (this: GuestState, v: number, now: Ns): void {
  const s = this.vState[v];
  if (s === V_IN) return;
  if (s === V_HALTED) this.halted.delete(v);
  this.vState[v] = V_IN;
  this.vSince[v] = now;
  this.vInSince[v] = now;
  const t = this.vCur[v];
  if (t >= 0 && this.gHold[t] >= 0) this.lockOn(this.locks[this.gHold[t]], now);
  if (this.vIcRate[v] > 0 && this.vIcLeft[v] < Infinity) this.eng.arm(this.vIcTimer[v], now + Math.max(0, Math.round(this.vIcLeft[v])));
  if (this.lanes !== null) this.lanes.syncQueue(v, now);
  this.drive(v, now);
};

GuestState.prototype.leave = function (this: GuestState, v: number, now: Ns): void {
  if (this.vState[v] !== V_IN) return;
  this.stopExecuting(v, now);
  this.vState[v] = V_OUT;
  const t = this.vCur[v];
  if (t >= 0 && this.gAct[t] !== A_BAR_SPIN && this.gAct[t] !== A_LOCK_SPIN) this.waitStart(t, v, now);
  if (this.lanes !== null) {
    this.lanes.syncVcpu(v, now);
    this.lanes.syncQueue(v, now);
  }
};

/** vCPUs of this VM that are runnable but not running (the preempted flags of steal time). */
GuestState.prototype.preempted = function (this: GuestState): number {
  if (this.host.preemptedVcpus) return this.host.preemptedVcpus(this.vmIndex);
  let n = 0;
  for (const tid of this.vcpuTids) if (this.host.isPreempted(tid)) n++;
  return n;
};

/** Directed-yield candidate: runnable but not running, woken or preempted (KVM `vcpu->ready`). */
GuestState.prototype.ready = function (this: GuestState, tid: number): boolean {
  return this.host.isReady ? this.host.isReady(tid) : this.host.isPreempted(tid);
};

GuestState.prototype.exitDone = function (this: GuestState, v: number, now: Ns): void {
  if (this.vState[v] === V_EXIT) this.vState[v] = V_OUT;
  if (this.lanes !== null) this.lanes.syncVcpu(v, now);
};

GuestState.prototype.hasWork = function (this: GuestState, v: number): boolean {
  return this.vCur[v] >= 0 || this.rq.size[2 * v] > 0 || this.rq.size[2 * v + 1] > 0 || this.vItems.size(v) > 0;
};

/**
 * Since when vCPU `v` has had something to run without a break (see Vtl0.workSince): -Infinity
 * with a current thread (it was running when the vCPU left: the guest only changes threads while
 * executing), else the earliest wait start of the threads queued on `v` (each has waited there
 * since, so the queue was never empty meanwhile) or arrival of its oldest pending item; Infinity
 * with nothing.
 */
GuestState.prototype.workSince = function (this: GuestState, v: number): Ns {
  if (this.vCur[v] >= 0) return -Infinity;
  let since = Infinity;
  const rq = this.rq;
  for (let l = 2 * v; l <= 2 * v + 1; l++) {
    for (let t = rq.head[l]; t >= 0; t = rq.next[t]) {
      const w = this.gWaitSince[t];
      if (w < 0) return -Infinity;
      if (w < since) since = w;
    }
  }
  const ring = this.vItems;
  if (ring.size(v) > 0) {
    const at = ring.buf[ring.first(v) + 2];
    if (at < since) since = at;
  }
  return since;
};

GuestState.prototype.inGuest = function (this: GuestState, v: number): boolean {
  return this.vState[v] === V_IN;
};

/** Common bookkeeping when vCPU `v` stops executing (leave, exit, halt). */
GuestState.prototype.stopExecuting = function (this: GuestState, v: number, now: Ns): void {
  this.account(v, now);
  this.vInAcc[v] += now - this.vInSince[v];
  const e = this.eng;
  e.cancel(this.vTimer[v]);
  if (this.vIcRate[v] > 0) {
    const due = e.dueAt(this.vIcTimer[v]);
    if (due >= 0) this.vIcLeft[v] = due - now;
    e.cancel(this.vIcTimer[v]);
  }
  const t = this.vCur[v];
  if (t >= 0 && this.gHold[t] >= 0) this.lockOff(this.locks[this.gHold[t]], now, false);
};

GuestState.prototype.inTotal = function (this: GuestState, v: number, now: Ns): number {
  return this.vInAcc[v] + (this.vState[v] === V_IN ? now - this.vInSince[v] : 0);
};

/** Applies the progress made by the current thread of IN vCPU `v` since `vSince`. */
GuestState.prototype.account = function (this: GuestState, v: number, now: Ns): void {
  const el = now - this.vSince[v];
  this.vSince[v] = now;
  if (el <= 0 || this.vState[v] !== V_IN) return;
  const t = this.vCur[v];
  if (t < 0) return;
  this.vSliceLeft[v] -= el;
  const a = this.gAct[t];
  if (a === A_CPU) this.gLeft[t] -= el;
  else if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
    this.gSpinLeft[t] -= el;
    this.vPleLeft[v] -= el;
    this.facts.spinNs += el;
    this.stats.add(this.cSpinNs, el);
    const pre = this.preempted() > 0;
    if (pre) this.facts.spinWhilePreemptedNs += el;
    if (a === A_BAR_SPIN) {
      const r = this.regions[this.gRegion[t]];
      r.spinNs += el;
      if (pre) r.spinPreemptedNs += el;
    }
  }
};

GuestState.prototype.kernelSpin = function (this: GuestState, t: number): boolean {
  if (this.gAct[t] === A_LOCK_SPIN) return true; // guest spinlocks spin in the kernel
  return this.gAct[t] === A_BAR_SPIN && this.regions[this.gRegion[t]].ir.spinMode === 'kernel';
};

/** Arms the vCPU timer for the current thread's next deadline (work done, spin limit, PLE, slice). */
GuestState.prototype.rearm = function (this: GuestState, v: number, now: Ns): void {
  const e = this.eng;
  const t = this.vCur[v];
  if (this.vState[v] !== V_IN || t < 0) {
    e.cancel(this.vTimer[v]);
    return;
  }
  let d = Infinity;
  const a = this.gAct[t];
  if (a === A_CPU) d = this.gLeft[t];
  else if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
    d = this.gSpinLeft[t];
    if (this.pleEnabled && this.kernelSpin(t) && this.vPleLeft[v] < d) d = this.vPleLeft[v];
  }
  if (!this.gRt[t] && this.rq.size[2 * v + 1] > 0 && this.vSliceLeft[v] < d) d = this.vSliceLeft[v];
  if (d === Infinity) e.cancel(this.vTimer[v]);
  else e.arm(this.vTimer[v], now + (d > 0 ? Math.ceil(d) : 0));
};

/** Runs vCPU `v` (IN) until its current thread has a timed activity, or it halts or exits. */
GuestState.prototype.drive = function (this: GuestState, v: number, now: Ns): void {
  if (this.vDriving[v]) return;
  this.vDriving[v] = 1;
  try {
    this.account(v, now);
    for (let guard = 0; guard < 100000; guard++) {
      if (this.vState[v] !== V_IN) return;
      if (this.vItems.size(v) > 0) this.processItems(v, now);
      if (this.vState[v] !== V_IN) return;
      let t = this.vCur[v];
      // Guest RT preemption: an RT thread waiting beats a normal current thread.
      if (t >= 0 && !this.gRt[t] && this.rq.size[2 * v] > 0) {
        this.requeueCurrent(v, t, now, true);
        t = -1;
      }
      // KVM dynamic boost: with no RT work left (out of interrupt context), the guest withdraws
      // its request and, if boosted, unboosts synchronously (an exit).
      if (this.kvmDynamic && this.rq.size[2 * v] === 0 && (t < 0 || !this.gRt[t])) {
        this.kvm.clearRequest(v);
        if (this.kvm.wantsUnboost(v)) {
          this.kvm.unboost(v, now);
          this.exit(v, now, EXIT_UNBOOST, this.vm.boost.unboostCostNs, this.causeUnboost, this.vm.boost.range);
          return;
        }
      }
      if (t < 0) {
        t = this.pickNext(v, now);
        if (t < 0) {
          if (this.vItems.size(v) > 0) {
            this.rearm(v, now); // masked interrupts pending: wait for them, do not halt
            return;
          }
          this.halt(v, now);
          return;
        }
      }
      if (this.gWaitSince[t] >= 0) this.waitEnd(t, v, now);
      if (this.gAct[t] === A_NONE) {
        const r = this.beginStep(t, v, now);
        if (r === R_STARTED) {
          this.rearm(v, now);
          return;
        }
        if (r === R_EXITED) return;
        continue;
      }
      if (this.gAct[t] === A_LOCK_SPIN) {
        const L = this.locks[this.gWaitLock[t]];
        if (L.holder === t || (L.holder < 0 && L.kind === LK_SPIN)) this.takeLock(t, v, L, now);
      }
      this.rearm(v, now);
      return;
    }
    throw new Error(`guest ${this.vmName} vCPU ${v}: no progress at ${now}`);
  } finally {
    this.vDriving[v] = 0;
    if (this.lanes !== null) this.lanes.syncVcpu(v, now);
  }
};

GuestState.prototype.halt = function (this: GuestState, v: number, now: Ns): void {
  this.stopExecuting(v, now);
  this.vState[v] = V_HALTED;
  this.halted.add(v);
  if (this.lanes !== null) this.lanes.syncVcpu(v, now);
  this.vPleWin[v] = this.pleWindowNs;
  this.kvm.clearRequest(v);
  this.outer[v].vtl0Halt(v, now);
};

GuestState.prototype.exit = function (this: GuestState, v: number, now: Ns, code: number, dur: Ns, cause: number, range?: TextRange, yieldTo = -1): void {
  this.stopExecuting(v, now);
  this.vState[v] = V_EXIT;
  if (this.lanes !== null) this.lanes.syncVcpu(v, now);
  this.outer[v].vtl0Exit(v, now, code, dur, cause, range, yieldTo);
};

GuestState.prototype.kick = function (this: GuestState, v: number, now: Ns): void {
  const s = this.vState[v];
  if (s === V_HALTED) this.outer[v].vtl0Kick(v, now);
  else if (s === V_IN && !this.vDriving[v]) this.drive(v, now);
};

/** vCPU timer: the current thread reached a deadline (work done, spin limit, PLE window, slice). */
GuestState.prototype.onVcpuTimer = function (this: GuestState, v: number, now: Ns): void {
  if (this.vState[v] !== V_IN || this.vDriving[v]) return;
  this.account(v, now);
  const t = this.vCur[v];
  if (t < 0) {
    this.drive(v, now);
    return;
  }
  const a = this.gAct[t];
  if (a === A_CPU && this.gLeft[t] <= 0) {
    this.vDriving[v] = 1;
    try {
      this.workDone(t, v, now);
    } finally {
      this.vDriving[v] = 0;
    }
    if (this.vState[v] === V_IN) this.drive(v, now);
    return;
  }
  if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
    if (this.gSpinLeft[t] <= 0 && a === A_BAR_SPIN) {
      this.barrierBlock(t, v, now);
      this.drive(v, now);
      return;
    }
    if (this.pleEnabled && this.kernelSpin(t) && this.vPleLeft[v] <= 0) {
      this.pleExit(t, v, now);
      return;
    }
  }
  if (!this.gRt[t] && this.rq.size[2 * v + 1] > 0 && this.vSliceLeft[v] <= 0) {
    this.requeueCurrent(v, t, now, false); // guest slice over: round-robin
    this.drive(v, now);
    return;
  }
  this.rearm(v, now);
};
