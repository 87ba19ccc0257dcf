/**
 * Guest locks (spin, ticket, mutex: holder and waiter preemption) and pause-loop exiting with
 * directed yield.
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import { EXIT_PLE } from '../contracts';
import type { Ns } from '../engine';
import * as consts from './consts';
import { PLE_EXIT_NS } from './costs';
import { GuestState, type LockRt } from './state';
import { fmtNs } from '../../core/format';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { A_BAR_SPIN, A_CPU, A_LOCK_SPIN, G_BLOCKED, LK_MUTEX, LK_SPIN, LK_TICKET, R_LEFT, R_STARTED, V_IN } = consts;

declare module './state' {
  interface GuestState {
    pleExit(t: number, v: number, now: Ns): void;
    acquire(t: number, v: number, li: number, now: Ns): number;
    lockOffTotal(L: LockRt, now: Ns): number;
    lockGrantTotal(L: LockRt, now: Ns): number;
    lockOff(L: LockRt, now: Ns, grant: boolean): void;
    lockOn(L: LockRt, now: Ns): void;
    takeLock(t: number, v: number, L: LockRt, now: Ns): void;
    lockStall(t: number, v: number, L: LockRt, wait: Ns, now: Ns): void;
    release(t: number, now: Ns): void;
    grantSpinning(w: number, wv: number, L: LockRt, now: Ns): void;
  }
}

GuestState.prototype.pleExit = function (this: GuestState, t: number, v: number, now: Ns): void {
  const ple = this.vm.guest.ple;
  this.facts.pleExits++;
  this.vPleWin[v] = Math.min(Math.max(ple.maxWindowNs, ple.windowNs), this.vPleWin[v] * Math.max(1, ple.grow));
  this.vPleLeft[v] = this.vPleWin[v];
  let target = -1;
  if (ple.directedYield) {
    // Prefer the vCPU of the lock holder (or the granted waiter), then any preempted sibling.
    if (this.gAct[t] === A_LOCK_SPIN) {
      const h = this.locks[this.gWaitLock[t]].holder;
      if (h >= 0) {
        const hv = this.gVcpu[h];
        if (hv !== v && this.ready(this.vcpuTids[hv])) target = this.vcpuTids[hv];
      }
    }
    if (target < 0 && this.gAct[t] === A_BAR_SPIN) {
      // A straggler: a team member still working on a preempted vCPU.
      for (const m of this.regions[this.gRegion[t]].team) {
        const mv = this.gVcpu[m];
        if (mv !== v && this.gPc[m] === 0 && this.gAct[m] !== A_BAR_SPIN && this.ready(this.vcpuTids[mv])) {
          target = this.vcpuTids[mv];
          break;
        }
      }
    }
    if (target < 0) {
      // KVM skips candidates that are themselves spinning (they would spin too). The first ready,
      // non-spinning vCPU after v, in index order round to v - 1: with the host's bitset of ready
      // VPs and the guest's of spinning vCPUs, a word of 32 vCPUs at a time (a 512-vCPU VM under
      // lock contention visited ~470 vCPUs per exit, and 87% of the exits found none).
      const bits = this.host.isReady ? this.host.readyVcpuBits?.(this.vmIndex) : undefined;
      if (bits !== undefined) {
        let o = nextCandidate(bits, this.vSpinBits, v + 1, this.nv);
        if (o < 0) o = nextCandidate(bits, this.vSpinBits, 0, v);
        if (o >= 0) target = this.vcpuTids[o];
      } else {
        for (let k = 1; k < this.nv; k++) {
          const o = (v + k) % this.nv;
          const c = this.vCur[o];
          if (c >= 0 && (this.gAct[c] === A_BAR_SPIN || this.gAct[c] === A_LOCK_SPIN)) continue;
          if (this.ready(this.vcpuTids[o])) {
            target = this.vcpuTids[o];
            break;
          }
        }
      }
    }
    if (target >= 0) this.facts.directedYields++;
  }
  this.stats.add(this.cPle);
  if (target >= 0) this.stats.add(this.cYield);
  const range = this.gAct[t] === A_LOCK_SPIN ? this.locks[this.gWaitLock[t]].ir.range : this.gRange[t];
  this.exit(v, now, EXIT_PLE, PLE_EXIT_NS, this.causePle, range, target);
};

/** The lowest vCPU in [from, to) set in `ready` and clear in `spin`, or -1. */
function nextCandidate(ready: Uint32Array, spin: Uint32Array, from: number, to: number): number {
  if (from >= to) return -1;
  let w = from >> 5;
  let word = ready[w] & ~spin[w] & (-1 << (from & 31));
  for (;;) {
    if (word !== 0) {
      const i = (w << 5) + 31 - Math.clz32(word & -word);
      return i < to ? i : -1;
    }
    if (++w << 5 >= to) return -1;
    word = ready[w] & ~spin[w];
  }
}

GuestState.prototype.acquire = function (this: GuestState, t: number, v: number, li: number, now: Ns): number {
  const L = this.locks[li];
  if (L.holder < 0 || L.holder === t) {
    this.takeLock(t, v, L, now);
    return R_STARTED;
  }
  L.contended++;
  this.gWaitLock[t] = li;
  this.gLockWaitStart[t] = now;
  this.gLockOffAt[t] = this.lockOffTotal(L, now);
  this.gLockGrantAt[t] = this.lockGrantTotal(L, now);
  L.waiters.push(t);
  if (L.kind === LK_MUTEX) {
    this.vCur[v] = -1;
    this.spinSync(v);
    this.gState[t] = G_BLOCKED;
    return R_LEFT;
  }
  // Kernel spinlock: spin with preemption disabled.
  this.gAct[t] = A_LOCK_SPIN;
  this.spinSync(this.gVcpu[t]);
  this.gSpinLeft[t] = Infinity;
  this.vPleLeft[v] = this.vPleWin[v];
  this.kvm.preemptDisabled(v, true, now);
  return R_STARTED;
};

GuestState.prototype.lockOffTotal = function (this: GuestState, L: LockRt, now: Ns): number {
  return L.offAcc + (L.offSince >= 0 && !L.offIsGrant ? now - L.offSince : 0);
};

GuestState.prototype.lockGrantTotal = function (this: GuestState, L: LockRt, now: Ns): number {
  return L.grantAcc + (L.offSince >= 0 && L.offIsGrant ? now - L.offSince : 0);
};

/** The holder of `L` stopped executing (its vCPU left, exited, or it was granted the lock while not running). */
GuestState.prototype.lockOff = function (this: GuestState, L: LockRt, now: Ns, grant: boolean): void {
  if (L.offSince >= 0) return;
  L.offSince = now;
  L.offIsGrant = grant;
};

GuestState.prototype.lockOn = function (this: GuestState, L: LockRt, now: Ns): void {
  if (L.offSince < 0) return;
  if (L.offIsGrant) L.grantAcc += now - L.offSince;
  else L.offAcc += now - L.offSince;
  L.offSince = -1;
};

/** `t` (current on `v`, executing) takes `L` and starts its critical section. */
GuestState.prototype.takeLock = function (this: GuestState, t: number, v: number, L: LockRt, now: Ns): void {
  const li = L.index;
  L.acquisitions++;
  if (L.holder === t) this.lockOn(L, now);
  else if (L.holder < 0) L.holder = t;
  L.granted = false;
  const wi = L.waiters.indexOf(t);
  if (wi >= 0) L.waiters.splice(wi, 1);
  if (this.gWaitLock[t] >= 0) {
    const wait = now - this.gLockWaitStart[t];
    this.facts.lockWaitNs += wait;
    if (wait >= this.ctx.stats.stallThresholdNs) this.lockStall(t, v, L, wait, now);
    this.gWaitLock[t] = -1;
  }
  this.gHold[t] = li;
  this.gAct[t] = A_CPU;
  this.spinSync(this.gVcpu[t]);
  this.gLeft[t] = this.gCs[t];
  if (L.kind !== LK_MUTEX) this.kvm.preemptDisabled(v, true, now);
};

GuestState.prototype.lockStall = function (this: GuestState, t: number, v: number, L: LockRt, wait: Ns, now: Ns): void {
  const off = this.lockOffTotal(L, now) - this.gLockOffAt[t];
  const grant = this.lockGrantTotal(L, now) - this.gLockGrantAt[t];
  const name = this.gName[t];
  const causes = [`${name} on vCPU ${v} of ${this.vmName} waited ${fmtNs(wait)} for ${L.ir.kind} lock ${L.ir.name}`];
  let cause = 'lock-contention';
  if (grant >= off && grant >= wait / 4) {
    cause = 'lock-waiter-preemption';
    causes.push(`the lock was handed to a waiter whose vCPU was not running for ${fmtNs(grant)} (ticket hand-off to a preempted waiter stalls everyone behind it)`);
  } else if (off >= wait / 4) {
    cause = 'lock-holder-preemption';
    causes.push(`the holder's vCPU was not running for ${fmtNs(off)} while it held the lock`);
  } else causes.push(`${L.waiters.length + 1} threads contend for it`);
  this.ctx.stats.stall({ task: name, lane: this.gLaneId[t], vp: v, vm: this.vmName, startNs: now - wait, durationNs: wait, cause, causes, range: L.ir.range });
};

GuestState.prototype.release = function (this: GuestState, t: number, now: Ns): void {
  const L = this.locks[this.gHold[t]];
  const v = this.gVcpu[t];
  this.gHold[t] = -1;
  L.holder = -1;
  L.offSince = -1;
  if (L.kind !== LK_MUTEX) this.kvm.preemptDisabled(v, false, now);
  if (L.waiters.length === 0) return;
  if (L.kind === LK_SPIN) {
    // Test-and-set: the first spinner that is actually executing gets it; others keep spinning.
    for (const w of L.waiters) {
      const wv = this.gVcpu[w];
      if (this.vCur[wv] === w && this.vState[wv] === V_IN) {
        this.grantSpinning(w, wv, L, now);
        return;
      }
    }
    return; // free: a spinner on a preempted vCPU takes it when it runs again
  }
  const next = L.waiters[0];
  L.holder = next;
  L.granted = true;
  const nv = this.gVcpu[next];
  if (L.kind === LK_TICKET) {
    if (this.vCur[nv] === next && this.vState[nv] === V_IN) this.grantSpinning(next, nv, L, now);
    else this.lockOff(L, now, true); // handed to a waiter that is not running: everyone behind waits
    return;
  }
  // Mutex: hand off to the first sleeper and wake it.
  this.lockOff(L, now, true);
  this.wakeThread(next, now, null);
};

GuestState.prototype.grantSpinning = function (this: GuestState, w: number, wv: number, L: LockRt, now: Ns): void {
  if (wv !== this.gVcpu[w]) return;
  const driving = this.vDriving[wv];
  if (!driving) this.account(wv, now);
  L.holder = w;
  this.takeLock(w, wv, L, now);
  if (!driving) this.rearm(wv, now);
  if (this.lanes !== null) this.lanes.sync(w, now);
};
