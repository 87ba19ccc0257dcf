/**
 * Linux fair class (CFS/EEVDF) for one pool: per-pCPU run queues of normal threads.
 *
 * Model (Linux kernel/sched/fair.c, EEVDF since 6.6), simplified and documented in docs/sim.md:
 * - weight(nice) = the kernel's sched_prio_to_weight table (nice 0 = 1024, each step about x1.25;
 *   model.md).
 * - vruntime v advances by ran x 1024 / weight.
 * - Each thread has a virtual deadline dl = v + slice x 1024 / weight, renewed when v passes it.
 * - A thread is eligible when v <= V, V being the weight-averaged vruntime of the queue (queued
 *   threads plus the running one). Pick: the eligible thread with the earliest deadline.
 * - Lag: on sleep a thread keeps lag = V - v (clamped to +-2 slices); on wake-up it is placed at
 *   v = V - lag, so a thread that slept while behind gets to run soon, one that ran ahead waits.
 * - RUN_TO_PARITY (default on): a wake-up does not preempt a running fair thread that is still
 *   eligible; it preempts once the woken thread (placed from its lag) makes the running one
 *   ineligible. A vCPU that wakes every 500 us to run 15 us converges to a lag near zero, so it
 *   waits behind a busy host thread for the rest of that thread's slice: the ~1 ms average guest
 *   latency of the KVM boosting RFC's baseline.
 */
import type { Ns } from '../engine';
import { Lists } from './lists';
import type { HostCore } from './types';

/**
 * The kernel's weight per nice level, -20..19 (kernel/sched/core.c `sched_prio_to_weight`): nice 0
 * = 1024, each step about x1.25, but the kernel's rounded table, not the formula (1024 / 1.25^n
 * gives 336 for nice 5 where the kernel has 335, 14 for nice 19 where it has 15).
 */
const PRIO_TO_WEIGHT: readonly number[] = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
  9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
  1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
  110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];

/** Linux nice weight (`sched_prio_to_weight[nice + 20]`); nice outside -20..19 is clamped, as the kernel does. */
export function niceWeight(nice: number): number {
  const i = Math.max(0, Math.min(39, Math.round(nice) + 20));
  return PRIO_TO_WEIGHT[i];
}

export class FairClass {
  readonly q: Lists;
  w = new Float64Array(0);
  v = new Float64Array(0);
  dl = new Float64Array(0);
  lag = new Float64Array(0);
  /** Fair thread currently running per pCPU (-1 none). */
  readonly cur: Int32Array;
  private readonly lastV: Float64Array;

  constructor(
    private readonly core: HostCore,
    private readonly sliceNs: Ns,
    pcpus: number,
  ) {
    this.q = new Lists(pcpus, 16);
    this.cur = new Int32Array(pcpus).fill(-1);
    this.lastV = new Float64Array(pcpus);
  }

  addThread(tid: number): void {
    if (tid >= this.w.length) {
      const n = Math.max(tid + 1, this.w.length * 2, 16);
      const g = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
      this.w = g(this.w);
      this.v = g(this.v);
      this.dl = g(this.dl);
      this.lag = g(this.lag);
      this.q.ensureItems(n);
    }
    this.w[tid] = niceWeight(this.core.tNice[tid]);
  }

  /** Virtual slice of `tid`. */
  vslice(tid: number): number {
    return (this.sliceNs * 1024) / this.w[tid];
  }

  /**
   * Weighted average vruntime V of pCPU `cpu` (queued + running fair thread). An empty queue keeps
   * the last value, so threads placed there later stay on the same scale (Linux's zero_vruntime).
   */
  avg(cpu: number, now: Ns): number {
    let sw = 0;
    let swv = 0;
    for (let t = this.q.head[cpu]; t >= 0; t = this.q.next[t]) {
      sw += this.w[t];
      swv += this.w[t] * this.v[t];
    }
    const c = this.cur[cpu];
    if (c >= 0) {
      const vc = this.v[c] + (this.core.ranSince(cpu, now) * 1024) / this.w[c];
      sw += this.w[c];
      swv += this.w[c] * vc;
    }
    if (sw > 0) this.lastV[cpu] = swv / sw;
    return this.lastV[cpu];
  }

  /**
   * Sets the vruntime of a thread arriving on `cpu` from its saved lag (not queued). As
   * place_entity (PLACE_LAG) does, the lag is scaled by (W + w) / W, W being the weight already
   * there: adding the thread moves the average by its own share, and without the scaling every
   * sleep would halve a thread's lag.
   */
  place(tid: number, cpu: number, now: Ns): void {
    const V = this.avg(cpu, now);
    let lag = this.lag[tid];
    if (lag !== 0) {
      let W = 0;
      for (let t = this.q.head[cpu]; t >= 0; t = this.q.next[t]) if (t !== tid) W += this.w[t];
      const c = this.cur[cpu];
      if (c >= 0 && c !== tid) W += this.w[c];
      if (W > 0) lag = (lag * (W + this.w[tid])) / W;
    }
    this.v[tid] = V - lag;
    this.dl[tid] = this.v[tid] + this.vslice(tid);
  }

  /** Places a waking (or migrating) thread on `cpu` from its saved lag and queues it. */
  enqueuePlaced(tid: number, cpu: number, now: Ns): void {
    this.place(tid, cpu, now);
    this.q.pushTail(cpu, tid);
  }

  /** Requeues a preempted/yielding thread on `cpu` keeping its vruntime. */
  enqueueKeep(tid: number, cpu: number): void {
    this.q.pushTail(cpu, tid);
  }

  /**
   * Saves the lag of `tid` when it leaves `cpu` (blocks or migrates). Call with `tid` neither
   * queued nor marked running: V is taken over the queue plus `tid` itself.
   */
  saveLag(tid: number, cpu: number, now: Ns): void {
    let sw = this.w[tid];
    let swv = this.w[tid] * this.v[tid];
    for (let t = this.q.head[cpu]; t >= 0; t = this.q.next[t]) {
      sw += this.w[t];
      swv += this.w[t] * this.v[t];
    }
    const c = this.cur[cpu];
    if (c >= 0 && c !== tid) {
      const vc = this.v[c] + (this.core.ranSince(cpu, now) * 1024) / this.w[c];
      sw += this.w[c];
      swv += this.w[c] * vc;
    }
    const lim = 2 * this.vslice(tid);
    const l = swv / sw - this.v[tid];
    this.lag[tid] = l > lim ? lim : l < -lim ? -lim : l;
  }

  dequeue(tid: number): void {
    this.q.remove(tid);
  }

  /** Charges `ranNs` of CPU to `tid`; renews its deadline once it is reached (EEVDF update_deadline). */
  charge(tid: number, ranNs: Ns): void {
    this.v[tid] += (ranNs * 1024) / this.w[tid];
    if (this.v[tid] >= this.dl[tid]) this.dl[tid] = this.v[tid] + this.vslice(tid);
  }

  /** sched_yield in EEVDF: the deadline moves one slice back. */
  yielded(tid: number): void {
    this.dl[tid] += this.vslice(tid);
  }

  /** The thread EEVDF would pick on `cpu` (not removed), -1 when the queue is empty. */
  best(cpu: number, now: Ns): number {
    const head = this.q.head[cpu];
    if (head < 0) return -1;
    if (this.q.next[head] < 0) return head;
    const V = this.avg(cpu, now);
    let best = -1;
    let bestDl = Infinity;
    let minV = -1;
    let minVv = Infinity;
    for (let t = head; t >= 0; t = this.q.next[t]) {
      const v = this.v[t];
      if (v < minVv) {
        minVv = v;
        minV = t;
      }
      // Small tolerance so float rounding of V never makes every thread ineligible.
      if (v <= V + 1e-6 && this.dl[t] < bestDl) {
        bestDl = this.dl[t];
        best = t;
      }
    }
    return best >= 0 ? best : minV;
  }

  /**
   * EEVDF wake-up preemption (check_preempt_wakeup_fair with RUN_TO_PARITY), also the point where
   * a slice that ended between two ticks is noticed (update_curr at enqueue): the running thread
   * keeps its slice while it is eligible; once a newly queued thread has pulled the average V
   * below the running thread's vruntime, the running one is ineligible and the woken thread,
   * if eligible itself, takes over.
   */
  shouldPreempt(woken: number, cpu: number, now: Ns): boolean {
    const c = this.cur[cpu];
    if (c < 0) return true;
    const V = this.avg(cpu, now);
    const vc = this.v[c] + (this.core.ranSince(cpu, now) * 1024) / this.w[c];
    // The enqueue's update_curr finds the running thread past its deadline (its slice ended
    // between two ticks): update_deadline asks for a reschedule, and the pick decides.
    if (vc >= this.dl[c]) return true;
    return vc > V + 1e-6 && this.v[woken] <= V + 1e-6;
  }

  /** Real ns until `tid` reaches its deadline (its protected slice), at least 1 us. */
  runLimit(tid: number): Ns {
    const left = ((this.dl[tid] - this.v[tid]) * this.w[tid]) / 1024;
    return Math.max(1000, Math.ceil(left));
  }
}
