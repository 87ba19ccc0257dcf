/**
 * The guest's own scheduler: per-vCPU run queues (RT first, then round-robin), wake-up placement
 * (an idle allowed vCPU first), idle balance, and the waits and stalls of queued threads (steal,
 * guest run queue, VP busy).
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import type { BoostInterrupt } from '../../model/ir';
import type { Ns } from '../engine';
import * as consts from './consts';
import { GuestState } from './state';
import { fmtNs } from '../../core/format';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { G_BLOCKED, G_CUR, G_QUEUED, GUEST_BALANCE_NS, GUEST_BOUND_NS, V_HALTED, V_IN } = consts;

/**
 * The balancer looks at most this many queued threads of the busiest vCPU per attempt:
 * sysctl_sched_nr_migrate (32, kernel/sched/core.c), detach_tasks' env->loop_max.
 */
const NR_MIGRATE = 32;
/** Pairs the guest's balance may set aside per period beyond its moves (LBF_ALL_PINNED redo, one-apart pairs). */
const GUEST_MAX_REDO = 4;

declare module './state' {
  interface GuestState {
    pickNext(v: number, now: Ns): number;
    pullFrom(v: number): number;
    enqueue(t: number, v: number, now: Ns, head?: boolean): void;
    dequeue(t: number): void;
    requeueCurrent(v: number, t: number, now: Ns, head: boolean): void;
    selectVcpu(t: number): number;
    rtBusy(v: number): boolean;
    wakeThread(t: number, now: Ns, irq: BoostInterrupt | null): void;
    notify(v: number, now: Ns): void;
    waitStart(t: number, v: number, now: Ns): void;
    waitEnd(t: number, v: number, now: Ns): void;
    balance(now: Ns): void;
    balResetFailed(): void;
    balanceLoad(v: number): number;
    balanceBound(v: number, now: Ns): number;
    balanceMove(t: number, src: number, dst: number, now: Ns): void;
  }
}

GuestState.prototype.pickNext = function (this: GuestState, v: number, now: Ns): number {
  let t = this.rq.head[2 * v];
  if (t < 0) t = this.rq.head[2 * v + 1];
  if (t < 0 && this.nQueuedFree > 0) t = this.pullFrom(v);
  if (t < 0) return -1;
  this.dequeue(t);
  this.vCur[v] = t;
  this.spinSync(v);
  this.gState[t] = G_CUR;
  this.gVcpu[t] = v;
  this.vSliceLeft[v] = this.sliceNs;
  this.vSince[v] = now;
  return t;
};

/** Idle balance: a thread waiting on another vCPU that may run on `v`. */
GuestState.prototype.pullFrom = function (this: GuestState, v: number): number {
  const items = this.waitingV.items;
  for (let i = 0; i < this.waitingV.size; i++) {
    const o = items[i];
    if (o === v) continue;
    for (let l = 0; l < 2; l++) {
      for (let t = this.rq.head[2 * o + l]; t >= 0; t = this.rq.next[t]) {
        const al = this.gAllowed[t];
        if (al.length === this.nv || al.includes(v)) return t;
      }
    }
  }
  return -1;
};

GuestState.prototype.enqueue = function (this: GuestState, t: number, v: number, now: Ns, head = false): void {
  const list = 2 * v + (this.gRt[t] ? 0 : 1);
  if (head) this.rq.pushHead(list, t);
  else this.rq.pushTail(list, t);
  const al = this.gAllowed[t];
  if (al.length !== 1 || al[0] !== v) {
    this.nQueuedFree++;
    if (!this.balArmed && this.nv > 1) {
      this.balArmed = true;
      this.eng.arm(this.balTimer, now + GUEST_BALANCE_NS);
    }
  }
  this.gState[t] = G_QUEUED;
  this.gVcpu[t] = v;
  this.waitingV.add(v);
  this.halted.delete(v); // it has work now: not a target for the next wake-up

  this.waitStart(t, v, now);
  if (this.lanes !== null) this.lanes.sync(t, now);
};

GuestState.prototype.dequeue = function (this: GuestState, t: number): void {
  const list = this.rq.owner[t];
  if (list < 0) return;
  this.rq.remove(t);
  const v = list >> 1;
  const al = this.gAllowed[t];
  if (al.length !== 1 || al[0] !== v) this.nQueuedFree--;
  if (this.rq.size[2 * v] === 0 && this.rq.size[2 * v + 1] === 0) {
    this.waitingV.delete(v);
    // A halted vCPU whose queued thread another vCPU took before it woke is idle again: a target
    // for the next wake-up (enqueue took it out of `halted`). Without this it stayed out until
    // it next ran and halted, which an OpenHCL VP with no VTL0 work never does: 4 threads on 4
    // vCPUs ran on 3 for the whole run (examples/openhcl-vtl0-residence.vps, found here).
    if (this.vState[v] === V_HALTED && this.vCur[v] < 0) this.halted.add(v);
  }
};

GuestState.prototype.requeueCurrent = function (this: GuestState, v: number, t: number, now: Ns, head: boolean): void {
  this.vCur[v] = -1;
  this.spinSync(v);
  if (this.gHold[t] >= 0) this.lockOff(this.locks[this.gHold[t]], now, false);
  this.enqueue(t, v, now, head);
};

GuestState.prototype.selectVcpu = function (this: GuestState, t: number): number {
  const al = this.gAllowed[t];
  if (al.length === 1) return al[0];
  const prev = this.gVcpu[t];
  const allowedPrev = al.length === this.nv || al.includes(prev);
  if (allowedPrev && this.halted.has(prev)) return prev;
  if (this.halted.size > 0) {
    const items = this.halted.items;
    for (let i = 0; i < this.halted.size; i++) {
      const c = items[i];
      if (al.length === this.nv || al.includes(c)) return c;
    }
  }
  // An RT thread whose previous vCPU runs (or has queued) RT work of its priority goes to a vCPU
  // running only normal work, as Linux's select_task_rq_rt does (curr is RT with prio <= p's ->
  // find_lowest_rq: a CPU whose highest priority is below p's). Without this, RT threads piled up
  // behind each other on one vCPU while the others ran normal threads (found by the generated
  // metamorphic properties: two RT threads queued on vCPU 0 for ~1.5 ms each, beside two vCPUs
  // running spinners).
  if (this.gRt[t] && (!allowedPrev || this.rtBusy(prev))) {
    for (let i = 0; i < al.length; i++) {
      const c = al[i];
      if (c !== prev && !this.rtBusy(c)) return c;
    }
  }
  return allowedPrev ? prev : al[0];
};

/** vCPU `v` runs or has queued an RT thread (all guest RT threads share one priority). */
GuestState.prototype.rtBusy = function (this: GuestState, v: number): boolean {
  const c = this.vCur[v];
  return (c >= 0 && this.gRt[c] === 1) || this.rq.size[2 * v] > 0;
};

/** A blocked thread becomes runnable (timer, IO completion, lock hand-off, barrier release). */
GuestState.prototype.wakeThread = function (this: GuestState, t: number, now: Ns, irq: BoostInterrupt | null): void {
  if (this.gState[t] !== G_BLOCKED) return;
  const v = this.selectVcpu(t);
  this.gWokeAt[t] = now;
  this.enqueue(t, v, now);
  if (this.gRt[t]) this.kvm.requestBoost(v);
  if (irq) this.kvm.interrupt(v, irq, now, 0);
  this.notify(v, now);
  if (this.lanes !== null) this.lanes.sync(t, now); // the kick may have woken the vCPU's host thread
};

/** Something changed for vCPU `v` (a thread was queued, an item arrived). */
GuestState.prototype.notify = function (this: GuestState, v: number, now: Ns): void {
  const s = this.vState[v];
  if (s === V_HALTED) this.outer[v].vtl0Kick(v, now);
  else if (s === V_IN && !this.vDriving[v]) this.drive(v, now);
};

GuestState.prototype.waitStart = function (this: GuestState, t: number, v: number, now: Ns): void {
  if (this.gWaitSince[t] >= 0) return;
  this.gWaitSince[t] = now;
  this.gWaitV[t] = v;
  const tid = this.vcpuTids[v];
  this.gStealAt[t] = tid !== undefined ? this.host.stealNs(tid, now) : 0;
  this.gInAt[t] = this.inTotal(v, now);
};

GuestState.prototype.waitEnd = function (this: GuestState, t: number, v: number, now: Ns): void {
  const since = this.gWaitSince[t];
  this.gWaitSince[t] = -1;
  const wait = now - since;
  if (wait < this.stallNs) return;
  const wv = this.gWaitV[t];
  if (wv !== v) {
    // Waited in the queue of vCPU wv and was pulled to v by the guest's idle balance.
    this.ctx.stats.stall({ task: this.gName[t], lane: this.gLaneId[t], vp: v, vm: this.vmName, startNs: since, durationNs: wait, cause: 'guest-runqueue', causes: [`${this.gName[t]} waited ${fmtNs(wait)} on vCPU ${wv} of ${this.vmName}`, `it ran once vCPU ${v} went idle and pulled it`], range: this.gRange[t] });
    return;
  }
  const tid = this.vcpuTids[v];
  const steal = tid !== undefined ? this.host.stealNs(tid, now) - this.gStealAt[t] : 0;
  const inGuest = this.inTotal(v, now) - this.gInAt[t];
  const name = this.gName[t];
  let cause: string;
  const causes = [`${name} on vCPU ${v} of ${this.vmName} could not run for ${fmtNs(wait)}`];
  if (steal >= wait / 2) {
    cause = 'vcpu-preempted';
    const by = tid !== undefined ? this.host.preemptedBy(tid) : -1;
    causes.push(`vCPU ${v} was preempted by the host for ${fmtNs(steal)} (steal)${by >= 0 ? `; ${this.host.nameOf(by)} took its pCPU` : ''}`);
  } else if (inGuest >= wait / 2) {
    cause = 'guest-runqueue';
    causes.push(`other guest threads ran on vCPU ${v} (guest slice ${fmtNs(this.sliceNs)})`);
  } else {
    cause = 'vp-busy';
    causes.push(`vCPU ${v} was out of the guest for ${fmtNs(wait - inGuest - steal)} (exits, VTL2 work)`);
  }
  this.ctx.stats.stall({ task: name, lane: this.gLaneId[t], vp: v, vm: this.vmName, startNs: since, durationNs: wait, cause, causes, range: this.gRange[t] });
};

/**
 * The guest's periodic load balance (Linux load_balance, kernel/sched/fair.c, by the same rules as
 * the host model's balancer, host/linux.ts balance(), with every guest thread of weight 1024: the
 * guest has no nice values): every GUEST_BALANCE_NS while a queued thread could move, the vCPU with
 * the most threads (running and queued, normal and RT) gives the first queued normal thread that may
 * run there to the vCPU with the fewest, while they are two or more apart (calculate_imbalance:
 * half the difference, one whole thread, fits). One apart (3 threads on 2 vCPUs) the attempt moves
 * nothing and counts a failure (sd->nr_balance_failed); the retry, 2-6 ms later, moves a CPU-bound
 * thread (runnable without a break for GUEST_BOUND_NS: a thread's load, shifted right by the
 * failures, then fits, detach_tasks), unless both vCPUs are overloaded and the busier is within
 * imbalance_pct (117%, sd_init) of the other, or either runs or queues RT work, or the busier has
 * no more CPU-bound threads than the other. So the extra thread takes turns and N CPU-bound
 * threads on K vCPUs get K/N each; before, with only the idle pull, 5 threads on 2 vCPUs kept
 * one vCPU for one thread and shared the other four ways (measured here: 1.0 and 0.25 each).
 * The walk of the busiest queue stops after NR_MIGRATE threads (detach_tasks' loop_max), so a long
 * queue of pinned threads costs a bounded walk. As the host's balancer: a busiest vCPU none of
 * whose queued threads may run on a less loaded vCPU is set aside and the next busiest balanced
 * (LBF_ALL_PINNED redo), a one-apart pair is set aside for the period and the next pair tried, and
 * the failure count is per destination vCPU (each CPU's own sd->nr_balance_failed); at most 8
 * moves and 8 + GUEST_MAX_REDO pairs a period.
 * Not modelled: the balancing vCPU must be running to balance (the balance acts on the queues
 * whatever the vCPUs' host state), busy_factor's longer intervals on busy CPUs.
 */
GuestState.prototype.balance = function (this: GuestState, now: Ns): void {
  this.balArmed = false;
  if (this.nQueuedFree === 0) {
    this.balResetFailed();
    return;
  }
  this.balArmed = true;
  this.eng.arm(this.balTimer, now + GUEST_BALANCE_NS);
  const nv = this.nv;
  const start = this.balCursor;
  const L = this.balL;
  const skip = this.balSkip;
  const done = this.balDone;
  const failed = this.balFailedV;
  const gen = (this.balGen = this.balGen < 0x3fffffff ? this.balGen + 1 : 1);
  let redo = 0;
  let retry = false;
  for (let moves = 0, tries = 0; moves < 8 && tries < 8 + GUEST_MAX_REDO; tries++) {
    let max = -1;
    let maxL = -1;
    let min = -1;
    let minL = Infinity;
    for (let i = 0, v = start; i < nv; i++, v = v + 1 < nv ? v + 1 : 0) {
      // Loads once a period; a move changes only its two vCPUs' (updated below).
      const l = tries === 0 ? (L[v] = this.balanceLoad(v)) : L[v];
      if (this.rq.size[2 * v + 1] > 0 && l > maxL && skip[v] !== gen) {
        maxL = l;
        max = v;
      }
      if (l < minL && done[v] !== gen) {
        minL = l;
        min = v;
      }
    }
    if (max < 0 || min < 0 || maxL <= minL) {
      if (moves === 0 && redo === 0) this.balResetFailed();
      break;
    }
    let cand = -1;
    let seen = 0;
    for (let t = this.rq.head[2 * max + 1]; t >= 0 && seen < NR_MIGRATE; t = this.rq.next[t], seen++) {
      const al = this.gAllowed[t];
      if (al.length === nv || al.includes(min)) {
        cand = t;
        break;
      }
    }
    if (cand < 0) {
      // None of them may run on the least loaded vCPU (affinity). Each CPU balances for itself on
      // Linux (rebalance_domains runs load_balance with every CPU as the destination), so the
      // least loaded vCPU that one of them may run on pulls it: 3 threads pinned to vCPUs 0-1 of
      // 4 take turns on those two (before: one kept a vCPU, the other two shared the other).
      // When none may run on a less loaded vCPU, the busiest is set aside and the next busiest
      // balanced (load_balance's LBF_ALL_PINNED redo), as the host's balancer does.
      let bestL = maxL;
      seen = 0;
      for (let t = this.rq.head[2 * max + 1]; t >= 0 && seen < NR_MIGRATE; t = this.rq.next[t], seen++) {
        const al = this.gAllowed[t];
        const n = al.length;
        for (let i = 0, k = this.balCursor % n; i < n; i++, k = k + 1 < n ? k + 1 : 0) {
          const v = al[k];
          if (v === max || done[v] === gen) continue;
          if (L[v] < bestL) {
            bestL = L[v];
            min = v;
            cand = t;
          }
        }
      }
      if (cand < 0) {
        if (redo++ >= GUEST_MAX_REDO) break;
        skip[max] = gen;
        continue;
      }
      minL = bestL;
    }
    let oneApart = false;
    if (maxL - minL < 2) {
      // One thread apart: the failure rule (host/linux.ts balance()), per destination vCPU; the
      // pair is done for this period and the next pair is tried.
      skip[max] = gen;
      done[min] = gen;
      if (redo++ >= GUEST_MAX_REDO) break;
      if (moves > 0) continue;
      if (this.rtBusy(max) || this.rtBusy(min) || (minL >= 2 && 100 * maxL <= 117 * minL) || this.balanceBound(max, now) <= this.balanceBound(min, now)) {
        failed[min] = 0;
        continue;
      }
      if (failed[min] === 0) {
        failed[min] = 1;
        this.balAnyFailed = true;
        retry = true;
        continue;
      }
      cand = -1;
      seen = 0;
      for (let t = this.rq.head[2 * max + 1]; t >= 0 && seen < NR_MIGRATE; t = this.rq.next[t], seen++) {
        const al = this.gAllowed[t];
        if ((al.length === nv || al.includes(min)) && now - this.gWokeAt[t] >= GUEST_BOUND_NS) {
          cand = t;
          break;
        }
      }
      if (cand < 0) continue;
      oneApart = true;
    }
    this.balanceMove(cand, max, min, now);
    moves++;
    failed[min] = 0;
    this.balCursor = start + 1 < nv ? start + 1 : 0;
    L[max] = this.balanceLoad(max);
    L[min] = this.balanceLoad(min);
    if (oneApart) continue; // one such move per pair and period: the pair is set aside above
  }
  if (retry) this.eng.arm(this.balTimer, now + Math.round(GUEST_BALANCE_NS / 2 + this.balRng.float() * GUEST_BALANCE_NS));
};

/** Clears every vCPU's failure count (the guest is balanced, or nothing could move). */
GuestState.prototype.balResetFailed = function (this: GuestState): void {
  if (!this.balAnyFailed) return;
  this.balFailedV.fill(0);
  this.balAnyFailed = false;
};

/** vCPU `v`'s threads for the balancer: running and queued, normal and RT. */
GuestState.prototype.balanceLoad = function (this: GuestState, v: number): number {
  return (this.vCur[v] >= 0 ? 1 : 0) + this.rq.size[2 * v] + this.rq.size[2 * v + 1];
};

/** vCPU `v`'s CPU-bound normal threads (running or queued, runnable for GUEST_BOUND_NS or more). */
GuestState.prototype.balanceBound = function (this: GuestState, v: number, now: Ns): number {
  let n = 0;
  const c = this.vCur[v];
  if (c >= 0 && !this.gRt[c] && now - this.gWokeAt[c] >= GUEST_BOUND_NS) n++;
  for (let t = this.rq.head[2 * v + 1]; t >= 0; t = this.rq.next[t]) if (now - this.gWokeAt[t] >= GUEST_BOUND_NS) n++;
  return n;
};

/**
 * Moves queued thread `t` from vCPU `src`'s queue to `dst`'s. Its wait on `src` ends there (a stall
 * of its own cause, if long enough) and a new one starts on `dst`; a halted `dst` is woken.
 */
GuestState.prototype.balanceMove = function (this: GuestState, t: number, src: number, dst: number, now: Ns): void {
  this.dequeue(t);
  if (this.gWaitSince[t] >= 0) this.waitEnd(t, src, now);
  this.enqueue(t, dst, now);
  if (this.lanes !== null) this.lanes.syncQueue(src, now);
  this.notify(dst, now);
};
