/**
 * Guest locks (spin, ticket, mutex: holder and waiter preemption) and pause-loop exiting with
 * directed yield.
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import { EXIT_PLE } from '../contracts';
import type { Ns } from '../engine';
import { fmtNs } from '../util';
import { A_BAR_SPIN, A_CPU, A_LOCK_SPIN, G_BLOCKED, LK_MUTEX, LK_SPIN, LK_TICKET, R_LEFT, R_STARTED, V_IN } from './consts';
import { PLE_EXIT_NS } from './costs';
import { wakeThread } from './sched';
import type { GuestState, LockRt } from './state';
import { account, exit, ready, rearm } from './vcpu';

export function pleExit(g: GuestState, t: number, v: number, now: Ns): void {
  const ple = g.vm.guest.ple;
  g.facts.pleExits++;
  g.vPleWin[v] = Math.min(Math.max(ple.maxWindowNs, ple.windowNs), g.vPleWin[v] * Math.max(1, ple.grow));
  g.vPleLeft[v] = g.vPleWin[v];
  let target = -1;
  if (ple.directedYield) {
    // Prefer the vCPU of the lock holder (or the granted waiter), then any preempted sibling.
    if (g.gAct[t] === A_LOCK_SPIN) {
      const h = g.locks[g.gWaitLock[t]].holder;
      if (h >= 0) {
        const hv = g.gVcpu[h];
        if (hv !== v && ready(g, g.vcpuTids[hv])) target = g.vcpuTids[hv];
      }
    }
    if (target < 0 && g.gAct[t] === A_BAR_SPIN) {
      // A straggler: a team member still working on a preempted vCPU.
      for (const m of g.regions[g.gRegion[t]].team) {
        const mv = g.gVcpu[m];
        if (mv !== v && g.gPc[m] === 0 && g.gAct[m] !== A_BAR_SPIN && ready(g, g.vcpuTids[mv])) {
          target = g.vcpuTids[mv];
          break;
        }
      }
    }
    if (target < 0) {
      // KVM skips candidates that are themselves spinning (they would spin too).
      for (let k = 1; k < g.nv; k++) {
        const o = (v + k) % g.nv;
        const c = g.vCur[o];
        if (c >= 0 && (g.gAct[c] === A_BAR_SPIN || g.gAct[c] === A_LOCK_SPIN)) continue;
        if (ready(g, g.vcpuTids[o])) {
          target = g.vcpuTids[o];
          break;
        }
      }
    }
    if (target >= 0) g.facts.directedYields++;
  }
  g.stats.add(g.cPle);
  if (target >= 0) g.stats.add(g.cYield);
  const range = g.gAct[t] === A_LOCK_SPIN ? g.locks[g.gWaitLock[t]].ir.range : g.gRange[t];
  exit(g, v, now, EXIT_PLE, PLE_EXIT_NS, g.causePle, range, target);
}

export function acquire(g: GuestState, t: number, v: number, li: number, now: Ns): number {
  const L = g.locks[li];
  if (L.holder < 0 || L.holder === t) {
    takeLock(g, t, v, L, now);
    return R_STARTED;
  }
  L.contended++;
  g.gWaitLock[t] = li;
  g.gLockWaitStart[t] = now;
  g.gLockOffAt[t] = lockOffTotal(g, L, now);
  g.gLockGrantAt[t] = lockGrantTotal(g, L, now);
  L.waiters.push(t);
  if (L.kind === LK_MUTEX) {
    g.vCur[v] = -1;
    g.gState[t] = G_BLOCKED;
    return R_LEFT;
  }
  // Kernel spinlock: spin with preemption disabled.
  g.gAct[t] = A_LOCK_SPIN;
  g.gSpinLeft[t] = Infinity;
  g.vPleLeft[v] = g.vPleWin[v];
  g.kvm.preemptDisabled(v, true, now);
  return R_STARTED;
}

export function lockOffTotal(g: GuestState, L: LockRt, now: Ns): number {
  return L.offAcc + (L.offSince >= 0 && !L.offIsGrant ? now - L.offSince : 0);
}

export function lockGrantTotal(g: GuestState, L: LockRt, now: Ns): number {
  return L.grantAcc + (L.offSince >= 0 && L.offIsGrant ? now - L.offSince : 0);
}

/** The holder of `L` stopped executing (its vCPU left, exited, or it was granted the lock while not running). */
export function lockOff(g: GuestState, L: LockRt, now: Ns, grant: boolean): void {
  if (L.offSince >= 0) return;
  L.offSince = now;
  L.offIsGrant = grant;
}

export function lockOn(g: GuestState, L: LockRt, now: Ns): void {
  if (L.offSince < 0) return;
  if (L.offIsGrant) L.grantAcc += now - L.offSince;
  else L.offAcc += now - L.offSince;
  L.offSince = -1;
}

/** `t` (current on `v`, executing) takes `L` and starts its critical section. */
export function takeLock(g: GuestState, t: number, v: number, L: LockRt, now: Ns): void {
  const li = L.index;
  L.acquisitions++;
  if (L.holder === t) lockOn(g, L, now);
  else if (L.holder < 0) L.holder = t;
  L.granted = false;
  const wi = L.waiters.indexOf(t);
  if (wi >= 0) L.waiters.splice(wi, 1);
  if (g.gWaitLock[t] >= 0) {
    const wait = now - g.gLockWaitStart[t];
    g.facts.lockWaitNs += wait;
    if (wait >= g.ctx.stats.stallThresholdNs) lockStall(g, t, v, L, wait, now);
    g.gWaitLock[t] = -1;
  }
  g.gHold[t] = li;
  g.gAct[t] = A_CPU;
  g.gLeft[t] = g.gCs[t];
  if (L.kind !== LK_MUTEX) g.kvm.preemptDisabled(v, true, now);
}

export function lockStall(g: GuestState, t: number, v: number, L: LockRt, wait: Ns, now: Ns): void {
  const off = lockOffTotal(g, L, now) - g.gLockOffAt[t];
  const grant = lockGrantTotal(g, L, now) - g.gLockGrantAt[t];
  const name = g.gName[t];
  const causes = [`${name} on vCPU ${v} of ${g.vmName} waited ${fmtNs(wait)} for ${L.ir.kind} lock ${L.ir.name}`];
  let cause = 'lock-contention';
  if (grant >= off && grant >= wait / 4) {
    cause = 'lock-waiter-preemption';
    causes.push(`the lock was handed to a waiter whose vCPU was not running for ${fmtNs(grant)} (ticket hand-off to a preempted waiter stalls everyone behind it)`);
  } else if (off >= wait / 4) {
    cause = 'lock-holder-preemption';
    causes.push(`the holder's vCPU was not running for ${fmtNs(off)} while it held the lock`);
  } else causes.push(`${L.waiters.length + 1} threads contend for it`);
  g.ctx.stats.stall({ task: name, vp: v, vm: g.vmName, startNs: now - wait, durationNs: wait, cause, causes, range: L.ir.range });
}

export function release(g: GuestState, t: number, now: Ns): void {
  const L = g.locks[g.gHold[t]];
  const v = g.gVcpu[t];
  g.gHold[t] = -1;
  L.holder = -1;
  L.offSince = -1;
  if (L.kind !== LK_MUTEX) g.kvm.preemptDisabled(v, false, now);
  if (L.waiters.length === 0) return;
  if (L.kind === LK_SPIN) {
    // Test-and-set: the first spinner that is actually executing gets it; others keep spinning.
    for (const w of L.waiters) {
      const wv = g.gVcpu[w];
      if (g.vCur[wv] === w && g.vState[wv] === V_IN) {
        grantSpinning(g, w, wv, L, now);
        return;
      }
    }
    return; // free: a spinner on a preempted vCPU takes it when it runs again
  }
  const next = L.waiters[0];
  L.holder = next;
  L.granted = true;
  const nv = g.gVcpu[next];
  if (L.kind === LK_TICKET) {
    if (g.vCur[nv] === next && g.vState[nv] === V_IN) grantSpinning(g, next, nv, L, now);
    else lockOff(g, L, now, true); // handed to a waiter that is not running: everyone behind waits
    return;
  }
  // Mutex: hand off to the first sleeper and wake it.
  lockOff(g, L, now, true);
  wakeThread(g, next, now, null);
}

export function grantSpinning(g: GuestState, w: number, wv: number, L: LockRt, now: Ns): void {
  if (wv !== g.gVcpu[w]) return;
  const driving = g.vDriving[wv];
  if (!driving) account(g, wv, now);
  L.holder = w;
  takeLock(g, w, wv, L, now);
  if (!driving) rearm(g, wv, now);
  if (g.lanes !== null) g.lanes.sync(w, now);
}
