/**
 * Parallel regions: rounds, work sharing, barrier waits (spin, block, paravirt), the adaptive
 * degree of parallelism and the wake-up IPIs of a round start.
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import { EXIT_IPI } from '../contracts';
import type { Ns } from '../engine';
import { fmtNs } from '../util';
import { ADAPT_CALM, ADAPT_GROW, ADAPT_SHRINK, ADAPT_WINDOW_NS, A_BAR_SPIN, A_NONE, G_BLOCKED, G_DONE, SPIN_FOREVER_NS, V_HALTED, V_IN } from './consts';
import { dequeue, wakeThread } from './sched';
import type { GuestState, RegionRt } from './state';
import { account, drive, exit, preempted } from './vcpu';

export function setVcpuTids(g: GuestState, tids: readonly number[]): void {
  g.vcpuTids = tids;
  // Only parallel regions care when a sibling gets preempted (rounds with preemption, paravirt).
  if (g.regions.length > 0) g.host.onVcpuPreempted?.(g.vmIndex, (now) => onPreempted(g, now));
}

/** Host notification: a vCPU of this VM was preempted (scheduled out while running). */
export function onPreempted(g: GuestState, now: Ns): void {
  for (const r of g.regions) r.preemptedInRound = true;
  if (g.hasParavirt && g.vm.guest.stealTime) {
    const e = g.eng;
    if (e.dueAt(g.pvTimer) !== now) e.arm(g.pvTimer, now);
  }
}

export function startRound(g: GuestState, r: RegionRt, now: Ns, caller: number): void {
  const p = r.ir;
  if (r.round >= p.rounds) {
    r.done = true;
    r.finishedAt = now;
    for (const t of r.team) {
      g.gPc[t] = -1;
      if (g.gState[t] === G_BLOCKED) g.gState[t] = G_DONE;
      else if (g.gAct[t] === A_BAR_SPIN) stopSpin(g, t, now);
      if (g.lanes !== null) g.lanes.sync(t, now);
    }
    return;
  }
  r.round++;
  r.arrived = 0;
  r.roundStart = now;
  r.firstArrival = -1;
  r.preemptedInRound = preempted(g) > 0;
  const n = r.team.length;
  // Degree of parallelism: adaptive reconsiders the team size once per window (between rounds),
  // from the steal time of the team's vCPUs over that window; fixed keeps every thread.
  if (p.dop === 'adaptive' && g.vm.guest.stealTime && now >= r.adaptAt) adaptDop(g, r, now);
  const adaptive = p.dop === 'adaptive' && g.vm.guest.stealTime;
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
  for (const t of act) g.gWork[t] = 0;
  if (d >= n) for (let c = 0; c < n; c++) g.gWork[act[c % d]] += r.rng.sample(p.work);
  else {
    let total = 0;
    for (let c = 0; c < n; c++) total += r.rng.sample(p.work);
    const share = Math.round(total / d);
    for (const t of act) g.gWork[t] = share;
  }
  let ipis = 0;
  const callerV = caller >= 0 ? g.gVcpu[caller] : -1;
  for (let i = 0; i < n; i++) {
    const t = r.team[i];
    const v = g.gVcpu[t];
    if (!r.active[i]) {
      g.gPc[t] = -1;
      if (g.gAct[t] === A_BAR_SPIN && t !== caller) sleepSpinner(g, t, now);
      continue;
    }
    g.gPc[t] = 0;
    if (t === caller) continue; // the last arriver goes on with its new work directly
    if (g.gState[t] === G_BLOCKED) {
      if (caller >= 0 && g.vState[v] === V_HALTED && v !== callerV) {
        // One waker wakes the halted siblings one after the other (futex wake loop, one IPI
        // each): the k-th wake goes out (k - 1) x `ipi` after the first (measured: 3 us apart;
        // the path to the first is part of `wake_latency`).
        ipis++;
        if (ipis > 1 && g.costs.ipiNs > 0) {
          g.eng.post(g.barrierWakeH, t, now + (ipis - 1) * g.costs.ipiNs);
          continue;
        }
      }
      wakeThread(g, t, now, null);
    } else if (g.gAct[t] === A_BAR_SPIN) {
      stopSpin(g, t, now);
    }
  }
  if (ipis > 0 && callerV >= 0 && g.vState[callerV] === V_IN) {
    // The waker pays one exit (host costs `exit`) plus one IPI per halted vCPU it wakes
    // (futex wake -> smp_send_reschedule).
    g.pendingIpiExit = ipis;
  }
}

/**
 * Adaptive DoP, as runtimes that size their team from steal time do: once per window
 * (ADAPT_WINDOW_NS, between rounds, never within one) the team's steal ratio over the window
 * decides. The active threads' vCPUs lost a fraction s of the window to steal: with s above
 * ADAPT_SHRINK the team shrinks to the CPU it actually got (round(d x (1 - s)), at least 1),
 * dropping the threads whose vCPUs lost the most; with s below ADAPT_GROW it grows by one (the
 * idle vCPU that had the least steal), probing for CPU that came back. Excluded threads sleep
 * at the barrier until they are taken back.
 */
export function adaptDop(g: GuestState, r: RegionRt, now: Ns): void {
  const n = r.team.length;
  const win = Math.max(1, now - r.adaptFrom);
  const steal = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const tid = g.vcpuTids[g.gVcpu[r.team[i]]];
    const s = tid === undefined ? 0 : g.host.stealNs(tid, now);
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
}

/** A spinning team thread gets work (or stops): its vCPU re-evaluates. */
export function stopSpin(g: GuestState, t: number, now: Ns): void {
  const v = g.gVcpu[t];
  const driving = g.vDriving[v];
  if (g.vState[v] === V_IN && !driving) account(g, v, now);
  g.gAct[t] = A_NONE;
  g.kvm.preemptDisabled(v, false, now);
  if (g.vState[v] === V_IN && !driving) drive(g, v, now);
}

export function arrive(g: GuestState, r: RegionRt, t: number, v: number, now: Ns): void {
  r.arrived++;
  if (r.firstArrival < 0) r.firstArrival = now;
  g.gPc[t] = 1;
  if (r.arrived >= r.nActive) {
    const round = now - r.roundStart;
    g.stats.sample(r.task, now, round);
    if (r.preemptedInRound) r.roundsWithPreemption++;
    const waited = now - r.firstArrival;
    if (waited >= g.ctx.stats.stallThresholdNs) {
      const pre = r.preemptedInRound;
      g.ctx.stats.stall({
        task: r.ir.name,
        vp: v,
        vm: g.vmName,
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
    g.pendingIpiExit = 0;
    startRound(g, r, now, t);
    if (g.pendingIpiExit > 0 && g.vState[v] === V_IN) {
      const n = g.pendingIpiExit;
      g.pendingIpiExit = 0;
      exit(g, v, now, EXIT_IPI, g.costs.exitNs + n * g.costs.ipiNs, g.causeIpi, r.ir.range);
    }
    return;
  }
  // Wait at the barrier.
  const p = r.ir;
  let spin: number;
  if (p.barrier === 'spin') spin = r.spinForever ? Infinity : p.spinLimitNs;
  else if (p.barrier === 'block') spin = Math.min(p.spinLimitNs, SPIN_FOREVER_NS);
  else spin = g.vm.guest.stealTime && stragglerPreempted(g, r) ? 0 : Infinity; // paravirt
  if (spin <= 0) {
    barrierSleep(g, t, v, now);
    return;
  }
  g.gAct[t] = A_BAR_SPIN;
  g.gSpinLeft[t] = spin;
  g.vPleLeft[v] = g.vPleWin[v];
  if (p.spinMode === 'kernel') g.kvm.preemptDisabled(v, true, now);
}

/** A team thread sleeps at the barrier (futex wait); its vCPU runs something else or halts. */
export function barrierSleep(g: GuestState, t: number, v: number, now: Ns): void {
  const r = g.regions[g.gRegion[t]];
  r.blocks++;
  g.gAct[t] = A_NONE;
  g.kvm.preemptDisabled(v, false, now);
  if (g.vCur[v] === t) g.vCur[v] = -1;
  else dequeue(g, t);
  g.gState[t] = G_BLOCKED;
  g.gWaitSince[t] = -1;
  if (g.lanes !== null) g.lanes.sync(t, now);
}

export function barrierBlock(g: GuestState, t: number, v: number, now: Ns): void {
  barrierSleep(g, t, v, now);
}

/** A spinning team thread (maybe on another, running vCPU) goes to sleep at the barrier. */
export function sleepSpinner(g: GuestState, t: number, now: Ns): void {
  const v = g.gVcpu[t];
  const run = g.vState[v] === V_IN && !g.vDriving[v];
  if (run) account(g, v, now);
  barrierSleep(g, t, v, now);
  if (run) drive(g, v, now);
}

/**
 * Paravirt barriers wait for a straggler: is one of the threads still working on this round on
 * a vCPU whose steal-time `preempted` flag is set? (A preempted sibling that already arrived
 * holds nobody up.)
 */
export function stragglerPreempted(g: GuestState, r: RegionRt): boolean {
  for (let i = 0; i < r.team.length; i++) {
    const m = r.team[i];
    if (!r.active[i] || g.gPc[m] !== 0) continue;
    const tid = g.vcpuTids[g.gVcpu[m]];
    if (tid !== undefined && g.host.isPreempted(tid)) return true;
  }
  return false;
}

/** Paravirt barriers: a straggler's vCPU got preempted, so spinners switch to blocking. */
export function paravirtCheck(g: GuestState, now: Ns): void {
  if (preempted(g) === 0) return;
  for (let v = 0; v < g.nv; v++) {
    const t = g.vCur[v];
    if (t < 0 || g.gAct[t] !== A_BAR_SPIN) continue;
    const r = g.regions[g.gRegion[t]];
    if (r.ir.barrier !== 'paravirt' || !stragglerPreempted(g, r)) continue;
    if (g.vState[v] === V_IN) {
      account(g, v, now);
      barrierSleep(g, t, v, now);
      drive(g, v, now);
    } else barrierSleep(g, t, v, now);
  }
}
