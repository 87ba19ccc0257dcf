/**
 * Xen credit2 scheduler for one cpupool.
 *
 * Model (Xen docs / xen/common/sched/credit2.c, model.md section 2), simplified to one run queue
 * per pool (Xen builds one per socket or core by default):
 * - Credit in ns. Running burns credit at runtime x max_weight / weight, so heavier domains burn
 *   slower and run longer for the same credit.
 * - The run queue is ordered by credit, highest first; a pCPU runs the highest-credit vCPU that may
 *   run on it.
 * - Reset: when the best candidate has credit <= 0, every vCPU of the pool gets `reset_credit`
 *   (10 ms) added, clipped to reset + min_slice (the carry-over bound).
 * - Slice: the time until the running vCPU's credit would fall to the next candidate's, clamped to
 *   [max(min_slice, ratelimit), timeslice] (0.5 ms .. 10 ms by default).
 * - Wake-up: an idle allowed pCPU is tickled; otherwise the pCPU running the lowest-credit vCPU is
 *   preempted when the woken vCPU has more credit, once the running one has run `ratelimit` (at
 *   once if it has, else at the end of its ratelimit: Xen's runq_candidate keeps it only that long).
 * - Caps: a capped domain gets cap% x `cap_period` (10 ms) of budget each period, kept at most
 *   one period's worth; when it is spent its vCPUs are parked until a refill makes it positive.
 *   A slice never goes below min_slice, so it may overrun the budget: the overrun is a debt the
 *   next periods pay (as in Xen's replenish_domain_budget), which keeps the cap with a
 *   `cap_period` shorter than min_slice.
 */
import type { Pool } from '../../model/ir';
import type { Engine, EventHandler, Ns } from '../engine';
import { TS_RUNNABLE } from '../contracts';
import { PUT_BLOCK, PUT_CHARGE, type HostCore, type PoolScheduler } from './types';

export class Credit2Scheduler implements PoolScheduler, EventHandler {
  readonly kind = 'credit2' as const;
  credit = new Float64Array(16);
  private queued = new Uint8Array(16);
  parked = new Uint8Array(16);
  parkedNs = new Float64Array(16);
  private parkedSince = new Float64Array(16);
  private runStart = new Float64Array(16);
  /** Run queue sorted by credit, highest first (ties: FIFO). */
  private runq: number[] = [];
  private readonly threads: number[] = [];
  private maxWeight = 1;
  private readonly reset: Ns;
  private readonly carry: Ns;
  private readonly minSlice: Ns;
  private readonly maxSlice: Ns;
  private readonly ratelimit: Ns;
  private readonly capPeriod: Ns;
  private readonly budget = new Map<number, number>();
  private readonly hid: number;
  private readonly capTimer: number;
  /** Per pCPU of the pool (by index): a wake-up preemption deferred to the end of the running vCPU's ratelimit. */
  private readonly rlTimers: Int32Array;

  constructor(
    private readonly core: HostCore,
    private readonly engine: Engine,
    readonly pool: number,
    private readonly cpus: readonly number[],
    ir: Pool,
  ) {
    this.reset = ir.resetCreditNs > 0 ? ir.resetCreditNs : 10_000_000;
    this.minSlice = Math.max(ir.minSliceNs > 0 ? ir.minSliceNs : 500_000, ir.ratelimitNs);
    this.carry = ir.minSliceNs > 0 ? ir.minSliceNs : 500_000;
    this.maxSlice = Math.max(this.minSlice, ir.timesliceNs > 0 ? ir.timesliceNs : 10_000_000);
    this.ratelimit = Math.max(0, ir.ratelimitNs);
    this.capPeriod = ir.capPeriodNs > 0 ? ir.capPeriodNs : 10_000_000;
    this.hid = engine.register(this);
    this.capTimer = engine.timer(this.hid, 0);
    this.rlTimers = new Int32Array(cpus.length);
    for (let i = 0; i < cpus.length; i++) this.rlTimers[i] = engine.timer(this.hid, 1 + i);
  }

  addThread(tid: number): void {
    if (tid >= this.credit.length) {
      const n = Math.max(tid + 1, this.credit.length * 2);
      const f = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
      const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
      this.credit = f(this.credit);
      this.queued = u8(this.queued);
      this.parked = u8(this.parked);
      this.parkedNs = f(this.parkedNs);
      this.parkedSince = f(this.parkedSince);
      this.runStart = f(this.runStart);
    }
    this.credit[tid] = this.reset; // CSCHED2_CREDIT_INIT
    this.threads.push(tid);
    const w = this.core.dWeight[this.core.tDomain[tid]];
    if (w > this.maxWeight) this.maxWeight = w;
    const d = this.core.tDomain[tid];
    if (this.core.dCap[d] > 0) this.budget.set(d, (this.core.dCap[d] * this.capPeriod) / 100);
  }

  start(now: Ns): void {
    if (this.budget.size > 0) this.engine.arm(this.capTimer, now + this.capPeriod);
  }

  private insert(tid: number): void {
    const c = this.credit[tid];
    const q = this.runq;
    // Binary search for the first element with lower credit (keeps FIFO among equal credit).
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.credit[q[mid]] >= c) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, tid);
    this.queued[tid] = 1;
  }

  private remove(tid: number): void {
    if (!this.queued[tid]) return;
    const i = this.runq.indexOf(tid);
    if (i >= 0) this.runq.splice(i, 1);
    this.queued[tid] = 0;
  }

  private burn(tid: number, ranNs: Ns): void {
    const w = this.core.dWeight[this.core.tDomain[tid]];
    this.credit[tid] -= (ranNs * this.maxWeight) / w;
    const d = this.core.tDomain[tid];
    const b = this.budget.get(d);
    if (b !== undefined) this.budget.set(d, b - ranNs);
  }

  private overBudget(tid: number): boolean {
    const b = this.budget.get(this.core.tDomain[tid]);
    return b !== undefined && b <= 0;
  }

  wake(tid: number, now: Ns): void {
    if (this.parked[tid] || this.overBudget(tid)) {
      this.park(tid, now);
      return;
    }
    this.insert(tid);
    this.tickle(tid, now);
  }

  private tickle(tid: number, now: Ns): void {
    const core = this.core;
    const prev = core.tCpu[tid];
    const idleOk = (c: number) => core.cCurr[c] < 0;
    if (prev >= 0 && core.isAllowed(tid, prev) && idleOk(prev)) return core.kick(prev, now);
    const allowed = core.allowed[tid];
    let victim = -1;
    let low = Infinity;
    for (let i = 0; i < allowed.length; i++) {
      const c = allowed[i];
      const cur = core.cCurr[c];
      if (cur < 0) return core.kick(c, now);
      // Live credit of the running vCPU.
      const w = core.dWeight[core.tDomain[cur]];
      const cc = this.credit[cur] - (core.ranSince(c, now) * this.maxWeight) / w;
      if (cc < low) {
        low = cc;
        victim = c;
      }
    }
    if (victim < 0 || this.credit[tid] <= low) return;
    // Xen (credit2.c): runq_tickle picks the pCPU whose running vCPU has the least credit, whatever
    // it ran; the rate limit applies in the schedule that follows (runq_candidate keeps a vCPU that
    // ran less than `ratelimit`, and csched2_runtime gives it only the rest of that time), so the
    // preemption is deferred to the end of the rate limit, not dropped. Dropping it left the waker
    // queued for the whole slice (up to 10 ms) computed before it woke.
    const until = this.runStart[core.cCurr[victim]] + this.ratelimit;
    if (until <= now) return core.kick(victim, now);
    const t = this.rlTimers[this.cpus.indexOf(victim)];
    const due = this.engine.dueAt(t);
    if (due < 0 || until < due) this.engine.arm(t, until);
  }

  put(tid: number, _cpu: number, now: Ns, ranNs: Ns, how: number): void {
    this.burn(tid, ranNs);
    if (how === PUT_CHARGE || how === PUT_BLOCK) return;
    if (this.overBudget(tid)) {
      this.park(tid, now);
      return;
    }
    this.insert(tid);
  }

  pick(cpu: number, now: Ns): number {
    let t = this.best(cpu);
    if (t >= 0 && this.credit[t] <= 0) {
      this.resetCredit();
      t = this.best(cpu);
    }
    if (t < 0) return -1;
    this.remove(t);
    // A vCPU that keeps its pCPU keeps its rate-limit window (Xen: state_entry_time is unchanged).
    if (this.core.cCurr[cpu] !== t) this.runStart[t] = now;
    return t;
  }

  private best(cpu: number): number {
    for (const t of this.runq) if (this.core.isAllowed(t, cpu)) return t;
    return -1;
  }

  private resetCredit(): void {
    this.core.count('credit2.resets');
    for (const t of this.threads) {
      const c = this.credit[t] + this.reset;
      this.credit[t] = c > this.reset + this.carry ? this.reset + this.carry : c;
    }
    // Order is unchanged by a uniform add except where clipping equalised credits; re-sort stably.
    this.runq.sort((a, b) => this.credit[b] - this.credit[a]);
  }

  sliceNs(tid: number, cpu: number, _now: Ns): Ns {
    let next = -1;
    for (const t of this.runq) if (this.core.isAllowed(t, cpu)) { next = t; break; }
    const w = this.core.dWeight[this.core.tDomain[tid]];
    let s = this.maxSlice;
    if (next >= 0) {
      const diff = this.credit[tid] - this.credit[next];
      s = (Math.max(0, diff) * w) / this.maxWeight;
    }
    const b = this.budget.get(this.core.tDomain[tid]);
    if (b !== undefined && b > 0 && b < s) s = b;
    return Math.min(this.maxSlice, Math.max(this.minSlice, s));
  }

  take(tid: number, cpu: number, now: Ns): boolean {
    if (!this.queued[tid] || !this.core.isAllowed(tid, cpu)) return false;
    this.remove(tid);
    this.runStart[tid] = now;
    return true;
  }

  reprioritize(): void {
    // KVM boosting does not exist under Xen.
  }

  private park(tid: number, now: Ns): void {
    if (!this.parked[tid]) {
      this.parked[tid] = 1;
      this.parkedSince[tid] = now;
      this.core.count('credit2.parks');
    }
    this.core.setParked(tid, true, now);
  }

  /** Cap period (arg 0): refill every capped domain's budget and unpark its vCPUs; arg i > 0: the deferred preemption of the pool's pCPU i - 1. */
  onEvent(arg: number, now: Ns): void {
    if (arg > 0) {
      this.core.kick(this.cpus[arg - 1], now);
      return;
    }
    this.engine.arm(this.capTimer, now + this.capPeriod);
    // Charge what the running vCPUs of capped domains ran so far, so that this period's refill
    // pays for it (otherwise a run longer than a period would be charged after refills it used).
    for (let i = 0; i < this.cpus.length; i++) {
      const c = this.cpus[i];
      const cur = this.core.cCurr[c];
      if (cur >= 0 && this.budget.has(this.core.tDomain[cur])) this.burn(cur, this.core.charge(c, now));
    }
    // Xen (credit2.c, replenish_domain_budget): the budget grows by one period's quota, up to
    // the quota, so an overrun (a slice is at least min_slice, which may exceed the quota) is paid
    // back over the next periods; units stay parked while it is <= 0.
    for (const [d, b] of this.budget) {
      const quota = (this.core.dCap[d] * this.capPeriod) / 100;
      this.budget.set(d, Math.min(quota, b + quota));
    }
    for (const t of this.threads) {
      if (!this.parked[t] || this.overBudget(t)) continue;
      this.parked[t] = 0;
      this.parkedNs[t] += now - this.parkedSince[t];
      this.core.setParked(t, false, now);
      if (this.core.tState[t] === TS_RUNNABLE && !this.queued[t]) {
        this.insert(t);
        this.tickle(t, now);
      }
    }
    // Running vCPUs of a domain that ran out are descheduled by their slice (bounded by the budget).
  }
}
