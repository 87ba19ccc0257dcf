/**
 * Parallel regions: rounds, work sharing, barrier waits (spin, block, paravirt), the adaptive
 * degree of parallelism and the wake-up IPIs of a round start.
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import { EXIT_IPI } from '../contracts';
import type { Ns } from '../engine';
import * as consts from './consts';
import { GuestState, type RegionRt } from './state';
import { fmtNs } from '../../core/format';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { ADAPT_CALM, ADAPT_GROW, ADAPT_SHRINK, ADAPT_WINDOW_NS, A_BAR_SPIN, A_NONE, G_BLOCKED, G_DONE, SPIN_FOREVER_NS, V_HALTED, V_IN } = consts;

declare module './state' {
  interface GuestState {
    setVcpuTids(tids: readonly number[]): void;
    onPreempted(now: Ns): void;
    startRound(r: RegionRt, now: Ns, caller: number): void;
    adaptDop(r: RegionRt, now: Ns): void;
    stopSpin(t: number, now: Ns): void;
    arrive(r: RegionRt, t: number, v: number, now: Ns): void;
    barrierSleep(t: number, v: number, now: Ns): void;
    barrierBlock(t: number, v: number, now: Ns): void;
    sleepSpinner(t: number, now: Ns): void;
    stragglerPreempted(r: RegionRt): boolean;
    paravirtCheck(now: Ns): void;
  }
}

GuestState.prototype.setVcpuTids = function (this: GuestState, tids: readonly number[]): void {
  this.vcpuTids = tids;
  // Only parallel regions care when a sibling gets preempted (rounds with preemption, paravirt).
  if (this.regions.length > 0) this.host.onVcpuPreempted?.(this.vmIndex, (now) => this.onPreempted(now));
};

/** Host notification: a vCPU of this VM was preempted (scheduled out while running). */
GuestState.prototype.onPreempted = function (this: GuestState, now: Ns): void {
  for (const r of this.regions) r.preemptedInRound = true;
  if (this.hasParavirt && this.vm.guest.stealTime) {
    const e = this.eng;
    if (e.dueAt(this.pvTimer) !== now) e.arm(this.pvTimer, now);
  }
};

GuestState.prototype.startRound = function (this: GuestState, r: RegionRt, now: Ns, caller: number): void {
  const p = r.ir;
  if (r.round >= p.rounds) {
    r.done = true;
    r.finishedAt = now;
    for (const t of r.team) {
      this.gPc[t] = -1;
      if (this.gState[t] === G_BLOCKED) this.gState[t] = G_DONE;
      else if (this.gAct[t] === A_BAR_SPIN) this.stopSpin(t, now);
      if (this.lanes !== null) this.lanes.sync(t, now);
    }
    return;
  }
  r.round++;
  r.arrived = 0;
  r.roundStart = now;
  r.firstArrival = -1;
  r.preemptedInRound = this.preempted() > 0;
  const n = r.team.length;
  // Degree of parallelism: adaptive reconsiders the team size once per window (between rounds),
  // from the steal time of the team's vCPUs over that window; fixed keeps every thread.
  if (p.dop === 'adaptive' && this.vm.guest.stealTime && now >= r.adaptAt) this.adaptDop(r, now);
  const adaptive = p.dop === 'adaptive' && this.vm.guest.stealTime;
  if (!adaptive && r.nActive !== n) {
    r.active.fill(1);
    r.nActive = n;
  }
  const ci = caller >= 0 ? r.team.indexOf(caller) : -1;
  if (ci >= 0 && !r.active[ci]) {
    // The last arriver goes on working: it takes the place of another active thread.
    for (let j = n - 1; j >= 0; j--) {
      if (r.active[j]) {
        r.active[j] = 0;
        break;
      }
    }
    r.active[ci] = 1;
  }
  const d = r.nActive;
  if (d < n) r.roundsReduced++;
  r.dopSum += d;
  // The round's work: one sample per thread of the full team. With every thread active each
  // does its own sample (imbalance included); a reduced team splits the round's iterations
  // evenly (an OpenMP static schedule divides the loop's iterations among the threads present).
  const act: number[] = [];
  for (let i = 0; i < n; i++) if (r.active[i]) act.push(r.team[i]);
  for (const t of act) this.gWork[t] = 0;
  if (d >= n) for (let c = 0; c < n; c++) this.gWork[act[c % d]] += r.rng.sample(p.work);
  else {
    let total = 0;
    for (let c = 0; c < n; c++) total += r.rng.sample(p.work);
    const share = Math.round(total / d);
    for (const t of act) this.gWork[t] = share;
  }
  let ipis = 0;
  const callerV = caller >= 0 ? this.gVcpu[caller] : -1;
  for (let i = 0; i < n; i++) {
    const t = r.team[i];
    const v = this.gVcpu[t];
    if (!r.active[i]) {
      this.gPc[t] = -1;
      if (this.gAct[t] === A_BAR_SPIN && t !== caller) this.sleepSpinner(t, now);
      continue;
    }
    this.gPc[t] = 0;
    if (t === caller) continue; // the last arriver goes on with its new work directly
    if (this.gState[t] === G_BLOCKED) {
      if (caller >= 0 && this.vState[v] === V_HALTED && v !== callerV) {
        // One waker wakes the halted siblings one after the other (futex wake loop, one IPI
        // each): the k-th wake goes out (k - 1) x `ipi` after the first (measured: 3 us apart;
        // the path to the first is part of `wake_latency`).
        ipis++;
        if (ipis > 1 && this.costs.ipiNs > 0) {
          this.eng.post(this.barrierWakeH, t, now + (ipis - 1) * this.costs.ipiNs);
          continue;
        }
      }
      this.wakeThread(t, now, null);
    } else if (this.gAct[t] === A_BAR_SPIN) {
      this.stopSpin(t, now);
    }
  }
  if (ipis > 0 && callerV >= 0 && this.vState[callerV] === V_IN) {
    // The waker pays one exit (host costs `exit`) plus one IPI per halted vCPU it wakes
    // (futex wake -> smp_send_reschedule).
    this.pendingIpiExit = ipis;
  }
};

/**
 * Adaptive DoP, as runtimes that size their team from steal time do: once per window
 * (ADAPT_WINDOW_NS, between rounds, never within one) the team's steal ratio over the window
 * decides. The active threads' vCPUs lost a fraction s of the window to steal: with s above
 * ADAPT_SHRINK the team shrinks to the CPU it actually got (round(d x (1 - s)), at least 1),
 * dropping the threads whose vCPUs lost the most; with s below ADAPT_GROW it grows by one (the
 * idle vCPU that had the least steal), probing for CPU that came back. Excluded threads sleep
 * at the barrier until they are taken back.
 */
GuestState.prototype.adaptDop = function (this: GuestState, r: RegionRt, now: Ns): void {
  const n = r.team.length;
  const win = Math.max(1, now - r.adaptFrom);
  const steal = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const tid = this.vcpuTids[this.gVcpu[r.team[i]]];
    const s = tid === undefined ? 0 : this.host.stealNs(tid, now);
    steal[i] = s - r.adaptSteal[i];
    r.adaptSteal[i] = s;
    if (r.active[i]) sum += steal[i];
  }
  r.adaptFrom = now;
  r.adaptAt = now + ADAPT_WINDOW_NS;
  const d = r.nActive;
  const ratio = Math.min(1, sum / (d * win));
  let want = d;
  if (ratio > ADAPT_SHRINK) {
    want = Math.max(1, Math.round(d * (1 - ratio)));
    r.calm = 0;
  } else if (ratio < ADAPT_GROW && d < n) {
    if (++r.calm >= ADAPT_CALM) {
      want = d + 1;
      r.calm = 0;
    }
  } else r.calm = 0;
  if (want === d) return;
  r.dopChanges++;
  const order = Array.from({ length: n }, (_, i) => i);
  if (want < d) {
    // Keep the active threads whose vCPUs lost the least.
    const act = order.filter((i) => r.active[i]).sort((a, b) => steal[a] - steal[b] || a - b);
    for (let k = want; k < act.length; k++) r.active[act[k]] = 0;
  } else {
    const idle = order.filter((i) => !r.active[i]).sort((a, b) => steal[a] - steal[b] || a - b);
    for (let k = 0; k < want - d && k < idle.length; k++) r.active[idle[k]] = 1;
  }
  r.nActive = want;
};

/** A spinning team thread gets work (or stops): its vCPU re-evaluates. */
GuestState.prototype.stopSpin = function (this: GuestState, t: number, now: Ns): void {
  const v = this.gVcpu[t];
  const driving = this.vDriving[v];
  if (this.vState[v] === V_IN && !driving) this.account(v, now);
  this.gAct[t] = A_NONE;
  this.spinSync(this.gVcpu[t]);
  this.kvm.preemptDisabled(v, false, now);
  if (this.vState[v] === V_IN && !driving) this.drive(v, now);
};

GuestState.prototype.arrive = function (this: GuestState, r: RegionRt, t: number, v: number, now: Ns): void {
  r.arrived++;
  if (r.firstArrival < 0) r.firstArrival = now;
  this.gPc[t] = 1;
  if (r.arrived >= r.nActive) {
    const round = now - r.roundStart;
    this.stats.sample(r.task, now, round);
    if (r.preemptedInRound) r.roundsWithPreemption++;
    const waited = now - r.firstArrival;
    if (waited >= this.ctx.stats.stallThresholdNs) {
      const pre = r.preemptedInRound;
      this.ctx.stats.stall({
        task: r.ir.name,
        // The straggler's lane: the member the team waited for.
        lane: this.gLaneId[t],
        vp: v,
        vm: this.vmName,
        startNs: r.firstArrival,
        durationNs: waited,
        cause: pre ? 'barrier-preempted-sibling' : 'barrier-imbalance',
        causes: [
          `round ${r.round} of ${r.ir.name}: the team waited ${fmtNs(waited)} at the ${r.ir.barrier} barrier for ${r.ir.name}#${r.team.indexOf(t)} on vCPU ${v}`,
          pre ? 'a sibling vCPU was preempted by the host during the round (the straggler could not run)' : 'the work was unevenly spread',
        ],
        range: r.ir.range,
      });
    }
    this.pendingIpiExit = 0;
    this.startRound(r, now, t);
    if (this.pendingIpiExit > 0 && this.vState[v] === V_IN) {
      const n = this.pendingIpiExit;
      this.pendingIpiExit = 0;
      this.exit(v, now, EXIT_IPI, this.costs.exitNs + n * this.costs.ipiNs, this.causeIpi, r.ir.range);
    }
    return;
  }
  // Wait at the barrier.
  const p = r.ir;
  let spin: number;
  if (p.barrier === 'spin') spin = r.spinForever ? Infinity : p.spinLimitNs;
  else if (p.barrier === 'block') spin = Math.min(p.spinLimitNs, SPIN_FOREVER_NS);
  else spin = this.vm.guest.stealTime && this.stragglerPreempted(r) ? 0 : Infinity; // paravirt
  if (spin <= 0) {
    this.barrierSleep(t, v, now);
    return;
  }
  this.gAct[t] = A_BAR_SPIN;
  this.spinSync(this.gVcpu[t]);
  this.gSpinLeft[t] = spin;
  this.vPleLeft[v] = this.vPleWin[v];
  if (p.spinMode === 'kernel') this.kvm.preemptDisabled(v, true, now);
};

/** A team thread sleeps at the barrier (futex wait); its vCPU runs something else or halts. */
GuestState.prototype.barrierSleep = function (this: GuestState, t: number, v: number, now: Ns): void {
  const r = this.regions[this.gRegion[t]];
  r.blocks++;
  this.gAct[t] = A_NONE;
  this.spinSync(this.gVcpu[t]);
  this.kvm.preemptDisabled(v, false, now);
  if (this.vCur[v] === t) {
    this.vCur[v] = -1;
    this.spinSync(v);
  } else this.dequeue(t);
  this.gState[t] = G_BLOCKED;
  this.gWaitSince[t] = -1;
  if (this.lanes !== null) this.lanes.sync(t, now);
};

GuestState.prototype.barrierBlock = function (this: GuestState, t: number, v: number, now: Ns): void {
  this.barrierSleep(t, v, now);
};

/** A spinning team thread (maybe on another, running vCPU) goes to sleep at the barrier. */
GuestState.prototype.sleepSpinner = function (this: GuestState, t: number, now: Ns): void {
  const v = this.gVcpu[t];
  const run = this.vState[v] === V_IN && !this.vDriving[v];
  if (run) this.account(v, now);
  this.barrierSleep(t, v, now);
  if (run) this.drive(v, now);
};

/**
 * Paravirt barriers wait for a straggler: is one of the threads still working on this round on
 * a vCPU whose steal-time `preempted` flag is set? (A preempted sibling that already arrived
 * holds nobody up.)
 */
GuestState.prototype.stragglerPreempted = function (this: GuestState, r: RegionRt): boolean {
  if (this.preempted() === 0) return false; // no vCPU of the VM is flagged: no team member's either
  for (let i = 0; i < r.team.length; i++) {
    const m = r.team[i];
    if (!r.active[i] || this.gPc[m] !== 0) continue;
    const tid = this.vcpuTids[this.gVcpu[m]];
    if (tid !== undefined && this.host.isPreempted(tid)) return true;
  }
  return false;
};

/** Paravirt barriers: a straggler's vCPU got preempted, so spinners switch to blocking. */
GuestState.prototype.paravirtCheck = function (this: GuestState, now: Ns): void {
  if (this.preempted() === 0) return;
  // Regions found without a preempted straggler since the last change: a negative answer changes
  // nothing, so it holds for every later spinner of the region until a spinner is put to sleep
  // (which may change what is running). Without it, each of a 512-vCPU team's spinners scanned
  // the whole team again.
  let none: RegionRt[] | null = null;
  for (let v = 0; v < this.nv; v++) {
    const t = this.vCur[v];
    if (t < 0 || this.gAct[t] !== A_BAR_SPIN) continue;
    const r = this.regions[this.gRegion[t]];
    if (r.ir.barrier !== 'paravirt' || (none !== null && none.includes(r))) continue;
    if (!this.stragglerPreempted(r)) {
      (none ??= []).push(r);
      continue;
    }
    none = null;
    if (this.vState[v] === V_IN) {
      this.account(v, now);
      this.barrierSleep(t, v, now);
      this.drive(v, now);
    } else this.barrierSleep(t, v, now);
  }
};
