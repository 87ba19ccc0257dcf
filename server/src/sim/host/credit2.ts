/**
 * Xen credit2 scheduler for one cpupool.
 *
 * Model (xen/common/sched/credit2.c, model.md section 2), simplified to one run queue per pool
 * (Xen builds one per socket or core by default, and balances load between them):
 * - Credit in ns. Running burns credit at runtime x max_weight / weight (t2c_update), so heavier
 *   domains burn slower and run longer for the same credit; credit never falls below
 *   -reset_credit (CSCHED2_CREDIT_MIN).
 * - The run queue is ordered by credit, highest first (runq_insert). A pCPU keeps its vCPU while it
 *   ran less than `ratelimit` (unless it yielded), else runs the first queued vCPU allowed there
 *   with more credit than the current one (ties keep the current one; a yield passes over it
 *   whatever the credits; a vCPU last run elsewhere needs CSCHED2_MIGRATE_RESIST = 500 us more, and
 *   gets CSCHED2_MIGRATE_COMPENSATION = 50 us when it moves; one tickled for another pCPU is left
 *   to it): runq_candidate.
 * - Reset (csched2_schedule, reset_credit): when the chosen vCPU and the best other queued one
 *   both have credit <= 0, the running vCPUs are charged, then every vCPU of the pool gets
 *   `reset_credit` (10 ms; twice that when the chosen one is at the floor) added, clipped to
 *   reset + min_slice (the carry-over bound).
 * - Slice (csched2_runtime): until the vCPU's credit falls to the best waiting one's (or to 0 when
 *   none waits with positive credit), at least max(min_slice, what is left of the ratelimit) and
 *   at most `timeslice` (Xen's CSCHED2_MAX_TIMER, 10 ms), and at most a capped domain's budget.
 * - Wake-up (runq_tickle): an idle, not yet tickled allowed pCPU (its own first); otherwise the
 *   busy pCPU with the best score = woken credit - running credit (- 500 us off its own pCPU,
 *   + bonuses for soft affinity), its own pCPU first when the score is positive there. A pCPU
 *   whose vCPU ran no more than ratelimit - 50 us is not considered (is_preemptable): the woken
 *   vCPU then waits for a slice end, as in Xen since 4.10.
 * - Caps: a capped domain gets cap% x `cap_period` (10 ms) of budget each period, kept at most
 *   one period's worth; when it is spent its vCPUs are parked until a refill makes it positive.
 *   A slice never goes below min_slice, so it may overrun the budget: the overrun is a debt the
 *   next periods pay (as in Xen's replenish_domain_budget), which keeps the cap with a
 *   `cap_period` shorter than min_slice.
 */
import type { Pool } from '../../model/ir';
import type { Engine, EventHandler, Ns } from '../engine';
import { TS_RUNNABLE } from '../contracts';
import { PUT_BLOCK, PUT_CHARGE, PUT_YIELD, type HostCore, type PoolScheduler } from './types';

/** Xen credit2.c constants (ns). */
const MIGRATE_RESIST = 500_000; // CSCHED2_MIGRATE_RESIST (sched_credit2_migrate_resist = 500 us)
const MIGRATE_COMPENSATION = 50_000; // CSCHED2_MIGRATE_COMPENSATION
const RATELIMIT_TICKLE_TOLERANCE = 50_000; // CSCHED2_RATELIMIT_TICKLE_TOLERANCE
/** Affinities up to this many pCPUs are scanned for an idle pCPU in `tickle`; larger ones searched by bitsets. */
const SCAN_MAX = 16;

export class Credit2Scheduler implements PoolScheduler, EventHandler {
  readonly kind = 'credit2' as const;
  credit = new Float64Array(16);
  private queued = new Uint8Array(16);
  parked = new Uint8Array(16);
  parkedNs = new Float64Array(16);
  private parkedSince = new Float64Array(16);
  /** When the vCPU last started running (Xen: the runstate's state_entry_time). */
  private runStart = new Float64Array(16);
  /** The pCPU the vCPU was tickled for (-1 none): Xen's tickled_cpu. */
  private tickledCpu = new Int32Array(16);
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
  /** Per pCPU of the pool (by index): tickled and not rescheduled yet (Xen: rqd->tickled). */
  private readonly tickled: Uint8Array;
  /** The same by pCPU number, one bit each (word cpu >> 5). */
  private readonly tickledBits: Uint32Array;
  /**
   * This pool's pCPUs that run nothing (`cCurr` -1), one bit each. The host changes `cCurr` of a
   * credit2 pCPU only in `block` and `yield` (each then calls `put` with PUT_BLOCK or PUT_YIELD)
   * and in a reschedule (to what `pick` returned: `take` never succeeds here), so these follow it.
   */
  private readonly idleBits: Uint32Array;
  /** The words that hold this pool's pCPUs: [wLo, wHi). */
  private readonly wLo: number;
  private readonly wHi: number;
  /** Per thread, its hard and soft affinity as bitmasks (threads with the same affinity share one). */
  private hardBits: Uint32Array[] = [];
  private softBits: Uint32Array[] = [];
  private readonly maskOf = new Map<Int32Array, Uint32Array>();
  /** Per pCPU of the pool: the vCPU just put back there (still runnable) and whether it yielded. */
  private readonly prevPut: Int32Array;
  private readonly prevYield: Uint8Array;
  /** Per pCPU of the pool: the vCPU the last pick kept running (-1: none), for the ratelimit's rest. */
  private readonly kept: Int32Array;
  /** pCPU number -> its index in `cpus` (-1: not in this pool). */
  private readonly idx: Int32Array;

  constructor(
    private readonly core: HostCore,
    private readonly engine: Engine,
    readonly pool: number,
    private readonly cpus: readonly number[],
    ir: Pool,
  ) {
    this.reset = ir.resetCreditNs > 0 ? ir.resetCreditNs : 10_000_000;
    this.minSlice = ir.minSliceNs > 0 ? ir.minSliceNs : 500_000;
    this.carry = this.minSlice;
    this.maxSlice = ir.timesliceNs > 0 ? ir.timesliceNs : 10_000_000;
    this.ratelimit = Math.max(0, ir.ratelimitNs);
    this.capPeriod = ir.capPeriodNs > 0 ? ir.capPeriodNs : 10_000_000;
    this.hid = engine.register(this);
    this.capTimer = engine.timer(this.hid, 0);
    this.tickled = new Uint8Array(cpus.length);
    const words = (core.pcpus + 31) >> 5;
    this.tickledBits = new Uint32Array(words);
    this.idleBits = new Uint32Array(words);
    let lo = words;
    let hi = 0;
    for (const c of cpus) {
      if (c < 0 || c >= core.pcpus) continue;
      if (core.cCurr[c] < 0) this.idleBits[c >> 5] |= 1 << (c & 31);
      lo = Math.min(lo, c >> 5);
      hi = Math.max(hi, (c >> 5) + 1);
    }
    this.wLo = lo;
    this.wHi = hi;
    this.prevPut = new Int32Array(cpus.length).fill(-1);
    this.prevYield = new Uint8Array(cpus.length);
    this.kept = new Int32Array(cpus.length).fill(-1);
    this.idx = new Int32Array(Math.max(core.pcpus, ...cpus.map((c) => c + 1))).fill(-1);
    cpus.forEach((c, i) => { this.idx[c] = i; });
  }

  private mask(cpus: Int32Array): Uint32Array {
    let m = this.maskOf.get(cpus);
    if (!m) {
      m = new Uint32Array(this.tickledBits.length);
      for (let k = 0; k < cpus.length; k++) {
        const c = cpus[k];
        if (c >= 0 && c < this.core.pcpus) m[c >> 5] |= 1 << (c & 31);
      }
      this.maskOf.set(cpus, m);
    }
    return m;
  }

  private setTickled(i: number, on: boolean): void {
    const c = this.cpus[i];
    this.tickled[i] = on ? 1 : 0;
    if (c < 0 || c >= this.core.pcpus) return;
    if (on) this.tickledBits[c >> 5] |= 1 << (c & 31);
    else this.tickledBits[c >> 5] &= ~(1 << (c & 31));
  }

  private setIdle(cpu: number, on: boolean): void {
    if (cpu < 0 || cpu >= this.core.pcpus) return;
    if (on) this.idleBits[cpu >> 5] |= 1 << (cpu & 31);
    else this.idleBits[cpu >> 5] &= ~(1 << (cpu & 31));
  }

  private ix(cpu: number): number {
    return cpu >= 0 && cpu < this.idx.length ? this.idx[cpu] : -1;
  }

  addThread(tid: number): void {
    if (tid >= this.credit.length) {
      const n = Math.max(tid + 1, this.credit.length * 2);
      const f = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
      const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
      const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
      this.credit = f(this.credit);
      this.queued = u8(this.queued);
      this.parked = u8(this.parked);
      this.parkedNs = f(this.parkedNs);
      this.parkedSince = f(this.parkedSince);
      this.runStart = f(this.runStart);
      this.tickledCpu = i32(this.tickledCpu);
    }
    this.credit[tid] = this.reset; // CSCHED2_CREDIT_INIT
    this.tickledCpu[tid] = -1;
    this.hardBits[tid] = this.mask(this.core.allowed[tid]);
    // The soft affinity is a subset of the hard one: of the same size, it is the same set.
    this.softBits[tid] = this.core.soft[tid].length === this.core.allowed[tid].length ? this.hardBits[tid] : this.mask(this.core.soft[tid]);
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

  /** Xen t2c_update: credit -= ran x max_weight / weight, never below CSCHED2_CREDIT_MIN (-reset). */
  private burn(tid: number, ranNs: Ns): void {
    const w = this.core.dWeight[this.core.tDomain[tid]];
    const c = this.credit[tid] - (ranNs * this.maxWeight) / w;
    this.credit[tid] = c < -this.reset ? -this.reset : c;
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

  private kickFor(tid: number, i: number, now: Ns): void {
    this.setTickled(i, true);
    this.tickledCpu[tid] = this.cpus[i];
    this.core.kick(this.cpus[i], now);
  }

  private inSoft(tid: number, cpu: number): boolean {
    const s = this.core.soft[tid];
    for (let i = 0; i < s.length; i++) if (s[i] === cpu) return true;
    return false;
  }

  /** Xen runq_tickle + tickle_score. */
  private tickle(tid: number, now: Ns): void {
    const core = this.core;
    const own = core.tCpu[tid];
    const ownI = own >= 0 ? this.ix(own) : -1;
    const allowed = core.allowed[tid];
    // Idle and not tickled: its own pCPU first, then the others (soft affinity first).
    if (ownI >= 0 && !this.tickled[ownI] && core.cCurr[own] < 0 && core.isAllowed(tid, own)) return this.kickFor(tid, ownI, now);
    if (allowed.length > SCAN_MAX) {
      // The scan below by words: the lowest-numbered idle, untickled pCPU of the pool in the
      // soft affinity, else in the hard one (both lists are ascending).
      const soft = this.softBits[tid];
      const hard = this.hardBits[tid];
      const c = this.firstIdle(soft);
      const d = c >= 0 || soft === hard ? c : this.firstIdle(hard);
      if (d >= 0) return this.kickFor(tid, this.idx[d], now);
    } else for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < allowed.length; k++) {
        const c = allowed[k];
        const i = this.ix(c);
        if (i < 0 || this.tickled[i] || core.cCurr[c] >= 0) continue;
        if (pass === 0 && !this.inSoft(tid, c)) continue;
        return this.kickFor(tid, i, now);
      }
    }
    // Busy pCPUs: the best score; its own pCPU is taken at once when positive (and soft).
    let best = -1;
    let max = 0;
    if (ownI >= 0 && !this.tickled[ownI] && core.isAllowed(tid, own)) {
      const s = this.score(tid, own, now);
      if (s > max) {
        max = s;
        best = ownI;
        if (this.inSoft(tid, own)) return this.kickFor(tid, ownI, now);
      }
    }
    for (let k = 0; k < allowed.length; k++) {
      const c = allowed[k];
      const i = this.ix(c);
      if (c === own || i < 0 || this.tickled[i]) continue;
      const s = this.score(tid, c, now);
      if (s > max) {
        max = s;
        best = i;
      }
    }
    if (best >= 0) this.kickFor(tid, best, now);
  }

  /** The lowest-numbered pCPU of `mask` in this pool that is idle and not tickled, -1 none. */
  private firstIdle(mask: Uint32Array): number {
    const idle = this.idleBits;
    const tk = this.tickledBits;
    for (let w = this.wLo; w < this.wHi; w++) {
      const x = mask[w] & idle[w] & ~tk[w];
      if (x !== 0) return (w << 5) + 31 - Math.clz32(x & -x);
    }
    return -1;
  }

  /** Xen tickle_score: > 0 when `tid` should preempt what runs on `cpu` (-1: leave it). */
  private score(tid: number, cpu: number, now: Ns): number {
    const core = this.core;
    const cur = core.cCurr[cpu];
    if (cur < 0) return -1;
    // is_preemptable: a vCPU that ran no more than ratelimit - 50 us is left alone.
    const rl = this.ratelimit;
    if (rl > RATELIMIT_TICKLE_TOLERANCE && !(now - this.runStart[cur] > rl - RATELIMIT_TICKLE_TOLERANCE)) return -1;
    const w = core.dWeight[core.tDomain[cur]];
    const live = Math.max(-this.reset, this.credit[cur] - (core.ranSince(cpu, now) * this.maxWeight) / w);
    let s = this.credit[tid] - live;
    if (core.tCpu[tid] !== cpu) s -= MIGRATE_RESIST;
    if (s > 0) {
      if (this.inSoft(tid, cpu)) s += this.reset;
      if (!this.inSoft(cur, cpu)) s += this.reset;
    }
    return s;
  }

  put(tid: number, cpu: number, now: Ns, ranNs: Ns, how: number): void {
    if (how === PUT_BLOCK || how === PUT_YIELD) this.setIdle(cpu, true);
    this.burn(tid, ranNs);
    if (how === PUT_CHARGE || how === PUT_BLOCK) return;
    if (this.overBudget(tid)) {
      this.park(tid, now);
      return;
    }
    this.insert(tid);
    const i = this.ix(cpu);
    if (i >= 0) {
      this.prevPut[i] = tid;
      this.prevYield[i] = how === PUT_YIELD ? 1 : 0;
    }
  }

  /** Xen csched2_schedule: runq_candidate, then the reset check and the migration compensation. */
  pick(cpu: number, now: Ns): number {
    const i = this.ix(cpu);
    const prev = i >= 0 ? this.prevPut[i] : -1;
    const yielded = i >= 0 && this.prevYield[i] === 1;
    if (i >= 0) {
      this.prevPut[i] = -1;
      this.prevYield[i] = 0;
      this.setTickled(i, false);
      this.kept[i] = -1;
    }
    const scurr = prev >= 0 && this.queued[prev] ? prev : -1;
    let t = this.candidate(scurr, yielded, cpu, now);
    this.setIdle(cpu, t < 0);
    if (t < 0) return -1;
    this.remove(t);
    // Reset when the chosen vCPU and the best other queued one (any affinity; the vCPU put back is
    // not queued yet in Xen) both have credit <= 0.
    let top = this.credit[t];
    for (const o of this.runq) {
      if (o === scurr) continue;
      if (this.credit[o] > top) top = this.credit[o];
      break;
    }
    if (top <= 0) this.resetCredit(cpu, now, t);
    this.tickledCpu[t] = -1;
    if (t === scurr) {
      if (i >= 0) this.kept[i] = t;
    } else {
      this.runStart[t] = now;
      if (this.core.tCpu[t] !== cpu) this.credit[t] += MIGRATE_COMPENSATION;
    }
    return t;
  }

  /** Xen runq_candidate: the vCPU `cpu` runs next (-1 idle); `scurr` was running there and is still runnable. */
  private candidate(scurr: number, yielded: boolean, cpu: number, now: Ns): number {
    const core = this.core;
    if (scurr >= 0 && !yielded && this.ratelimit > 0 && now - this.runStart[scurr] < this.ratelimit) return scurr;
    let snext = scurr;
    const sc = scurr >= 0 ? this.credit[scurr] : -Infinity; // idle: CSCHED2_IDLE_CREDIT, below any vCPU's
    for (const t of this.runq) {
      if (t === scurr) continue;
      if (!yielded && this.credit[t] <= sc) break;
      if (!core.isAllowed(t, cpu)) continue;
      const tc = this.tickledCpu[t];
      if (tc >= 0 && tc !== cpu) {
        const j = this.ix(tc);
        if (j >= 0 && this.tickled[j]) continue;
      }
      if (core.tCpu[t] !== cpu && sc + MIGRATE_RESIST > this.credit[t]) continue;
      snext = t;
      break;
    }
    return snext;
  }

  private resetCredit(cpu: number, now: Ns, snext: number): void {
    this.core.count('credit2.resets');
    // Xen reset_credit: the running vCPUs are charged first, so the clip applies to what they have now.
    for (let i = 0; i < this.cpus.length; i++) {
      const c = this.cpus[i];
      if (c === cpu) continue;
      const cur = this.core.cCurr[c];
      if (cur >= 0) this.burn(cur, this.core.charge(c, now));
    }
    const add = this.credit[snext] <= -this.reset ? 2 * this.reset : this.reset;
    const top = this.reset + this.carry;
    for (const t of this.threads) {
      const c = this.credit[t] + add;
      this.credit[t] = c > top ? top : c;
    }
    // Order is unchanged by a uniform add except where clipping equalised credits; re-sort stably.
    this.runq.sort((a, b) => this.credit[b] - this.credit[a]);
  }

  /** Xen csched2_runtime. */
  sliceNs(tid: number, cpu: number, now: Ns): Ns {
    const i = this.ix(cpu);
    const continuing = i >= 0 && this.kept[i] === tid;
    if (i >= 0) {
      this.kept[i] = -1;
      this.setTickled(i, false);
    }
    let min = this.minSlice;
    if (this.ratelimit > 0) {
      const rl = continuing ? this.runStart[tid] + this.ratelimit - now : this.ratelimit;
      if (rl > min) min = rl;
    }
    // Run until the credit falls to the best waiting vCPU's (any affinity), or to 0 when none
    // waits with positive credit.
    let rt = this.credit[tid];
    if (this.runq.length > 0 && this.credit[this.runq[0]] > 0) rt -= this.credit[this.runq[0]];
    const w = this.core.dWeight[this.core.tDomain[tid]];
    let s = rt > 0 ? (rt * w) / this.maxWeight : 0;
    const b = this.budget.get(this.core.tDomain[tid]);
    if (b !== undefined && b < s) s = b;
    if (s < min) s = min;
    else if (s > this.maxSlice) s = this.maxSlice;
    return s;
  }

  /**
   * No directed yield under Xen: a pause-loop exit calls `vcpu_yield()` (xen/arch/x86/hvm/vmx/vmx.c,
   * `vmx_vmexit_handler`, EXIT_REASON_PAUSE_INSTRUCTION), which names no target; credit2 then
   * applies its yield bias in `runq_candidate` (modelled by `put` with PUT_YIELD).
   */
  take(): boolean {
    return false;
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

  /** Cap period: refill every capped domain's budget and unpark its vCPUs. */
  onEvent(_arg: number, now: Ns): void {
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
