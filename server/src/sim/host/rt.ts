/**
 * Linux real-time class (SCHED_FIFO / SCHED_RR, and KVM-boosted vCPU threads) for one pool.
 *
 * Model (Linux kernel/sched/rt.c), simplified:
 * - Priorities 1..99, higher runs first; FIFO within a priority. RT always runs ahead of fair.
 * - SCHED_RR: 100 ms time slice (sched_rr_timeslice_ms), then to the tail of its priority.
 *   A preempted RT thread goes back to the head of its priority (it keeps its turn).
 * - Wake-up placement: the previous pCPU if it runs something of lower priority, otherwise the
 *   allowed pCPU running the lowest priority (idle < fair < RT by priority), like cpupri's
 *   find_lowest_rq. A pCPU that reschedules pulls a higher-priority RT thread waiting on another
 *   pCPU ("pull_rt_task"), found through the set of pCPUs with waiting RT threads.
 * - Throttling (sched_rt_runtime_us = 950000 per sched_rt_period_us = 1000000): RT threads may use
 *   at most 95% of each pCPU per second; the rest goes to fair threads (model.md: "RT throttling
 *   leaves 5% per second"). Tracked per pCPU (Linux shares runtime across a root domain; the
 *   per-CPU form is the RT_RUNTIME_SHARE-off behaviour).
 */
import type { Ns } from '../engine';
import { DenseSet, Lists } from './lists';
import { POLICY_NORMAL, POLICY_RR, type HostCore } from './types';

/** SCHED_RR time slice (Linux default 100 ms). */
export const RR_SLICE_NS = 100_000_000;
/** RT throttling: runtime per period. */
export const RT_RUNTIME_NS = 950_000_000;
export const RT_PERIOD_NS = 1_000_000_000;

export class RtClass {
  readonly q: Lists;
  rrLeft = new Float64Array(0);
  /** pCPUs with at least one queued RT thread. */
  readonly waiting: DenseSet;
  /** RT time used per pCPU in the current throttling period, and whether it is throttled. */
  readonly used: Float64Array;
  readonly throttled: Uint8Array;
  /** Priority each queued thread was queued with, queued threads per priority, and the highest such priority (0 none). */
  private qPrio = new Int32Array(0);
  private readonly nAt = new Int32Array(100);
  private qTop = 0;

  constructor(
    private readonly core: HostCore,
    pcpus: number,
  ) {
    this.q = new Lists(pcpus, 16);
    this.waiting = new DenseSet(pcpus);
    this.used = new Float64Array(pcpus);
    this.throttled = new Uint8Array(pcpus);
  }

  addThread(tid: number): void {
    if (tid >= this.rrLeft.length) {
      const n = Math.max(tid + 1, this.rrLeft.length * 2, 16);
      const b = new Float64Array(n);
      b.set(this.rrLeft);
      this.rrLeft = b;
      const qp = new Int32Array(n);
      qp.set(this.qPrio);
      this.qPrio = qp;
      this.q.ensureItems(n);
    }
    this.rrLeft[tid] = RR_SLICE_NS;
  }

  /** Effective RT priority (0: not RT): the KVM boost or the thread's own RT priority. */
  prio(tid: number): number {
    const b = this.core.tBoost[tid];
    const own = this.core.tPolicy[tid] !== POLICY_NORMAL ? this.core.tRtPrio[tid] : 0;
    return b > own ? b : own;
  }

  /** Round-robin (RR policy, or boosted: KVM boosts as SCHED_RR). */
  isRr(tid: number): boolean {
    return this.core.tBoost[tid] > 0 || this.core.tPolicy[tid] === POLICY_RR;
  }

  enqueue(tid: number, cpu: number, head: boolean): void {
    if (head) this.q.pushHead(cpu, tid);
    else this.q.pushTail(cpu, tid);
    this.waiting.add(cpu);
    const p = this.prio(tid);
    this.qPrio[tid] = p;
    this.nAt[p]++;
    if (p > this.qTop) this.qTop = p;
  }

  dequeue(tid: number): void {
    const cpu = this.q.owner[tid];
    if (cpu < 0) return;
    this.q.remove(tid);
    if (this.q.size[cpu] === 0) this.waiting.delete(cpu);
    const p = this.qPrio[tid];
    if (--this.nAt[p] === 0 && p === this.qTop) {
      let top = p;
      while (top > 0 && this.nAt[top] === 0) top--;
      this.qTop = top;
    }
  }

  /** Highest-priority queued thread on `cpu` (first in FIFO order), -1 none. */
  best(cpu: number): number {
    let best = -1;
    let bp = 0;
    for (let t = this.q.head[cpu]; t >= 0; t = this.q.next[t]) {
      const p = this.prio(t);
      if (p > bp) {
        bp = p;
        best = t;
      }
    }
    return best;
  }

  /**
   * A waiting RT thread on another pCPU with priority above `above` that may run on `cpu` (pull):
   * the highest priority, the first found among equals (pCPUs in `waiting` order, each queue in
   * order). Nothing is looked at when no queued thread is above `above`, and the walk stops at
   * the first candidate of the highest queued priority (no later one can replace it).
   */
  pullCandidate(cpu: number, above: number): number {
    const top = this.qTop;
    if (top <= above) return -1;
    let best = -1;
    let bp = above;
    const items = this.waiting.items;
    for (let i = 0; i < this.waiting.size; i++) {
      const c = items[i];
      if (c === cpu) continue;
      for (let t = this.q.head[c]; t >= 0; t = this.q.next[t]) {
        const p = this.prio(t);
        if (p > bp && this.core.isAllowed(t, cpu)) {
          if (p >= top) return t;
          bp = p;
          best = t;
        }
      }
    }
    return best;
  }

  /** Charges RT runtime (throttling, RR slice). Returns true when the pCPU just got throttled. */
  charge(tid: number, cpu: number, ranNs: Ns): boolean {
    if (this.isRr(tid)) this.rrLeft[tid] -= ranNs;
    this.used[cpu] += ranNs;
    if (!this.throttled[cpu] && this.used[cpu] >= RT_RUNTIME_NS) {
      this.throttled[cpu] = 1;
      return true;
    }
    return false;
  }

  /** How long RT thread `tid` may run on `cpu` now. */
  runLimit(tid: number, cpu: number): Ns {
    const budget = Math.max(1000, RT_RUNTIME_NS - this.used[cpu]);
    if (!this.isRr(tid)) return budget;
    if (this.rrLeft[tid] <= 0) this.rrLeft[tid] = RR_SLICE_NS;
    return Math.min(budget, this.rrLeft[tid]);
  }
}
