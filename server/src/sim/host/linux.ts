/**
 * The Linux host scheduler of one pool (KVM hosts): the RT class (rt.ts) always ahead of the fair
 * class (fair.ts), per-pCPU run queues, wake-up placement, idle pulls and a periodic balancer.
 *
 * - Wake-up placement (select_task_rq_fair, simplified): the previous pCPU if it is idle, else an
 *   idle pCPU in the soft then the hard affinity, else the previous pCPU.
 * - A pCPU that finds nothing to run pulls a waiting fair thread from another pCPU (newidle
 *   balance); every 4 ms a balancer moves waiting threads from the most to the least loaded pCPU,
 *   loads being the threads' nice weights (a stand-in for PELT load averages): a thread that fits
 *   half the load difference at once, a heavier one after failed attempts (periodic load balance
 *   with nr_balance_failed, simplified to the busiest and the least loaded pCPU, or the least
 *   loaded one the busiest's threads may run on; see balance()).
 * - RT throttling periods and the balancer are two periodic events per pool.
 * - Fair slices are enforced at the scheduler tick (`hz`), not at the exact deadline (sliceNs).
 */
import type { Pool } from '../../model/ir';
import type { Engine, EventHandler, Ns } from '../engine';
import { FairClass } from './fair';
import { DenseSet } from './lists';
import { RT_PERIOD_NS, RtClass } from './rt';
import { RtLoads } from './rtload';
import type { Rng } from '../rng';
import { PUT_BLOCK, PUT_CHARGE, PUT_PREEMPT, PUT_YIELD, type HostCore, type PoolScheduler } from './types';

/** Periodic load-balance interval (Linux balances busy CPUs every few ms; 4 ms here). */
export const BALANCE_NS = 4_000_000;

/**
 * A fair thread runnable without a break this long counts as CPU-bound for the balancer's
 * one-apart rule: PELT's half-life (32 ms, kernel/sched/pelt.c), after which a thread that woke
 * from a long sleep has at least half a thread of load average.
 */
const BOUND_NS = 32_000_000;

/** Cap on the balancer's failure count (load >> failures): 2^4 brings a nice -20 thread (88761) near a nice 0 one. */
const MAX_FAILED = 4;

/** The balancer's walk of the busiest queue stops after this many threads (detach_tasks' loop_max, sysctl_sched_nr_migrate 32). */
const NR_MIGRATE = 32;
/** Busiest pCPUs a balance may set aside because none of their queued threads may move (LBF_ALL_PINNED redo), per period. */
const MAX_REDO = 4;

const CLS_NONE = 0;
const CLS_FAIR = 1;
const CLS_RT = 2;
/** Affinities up to this many pCPUs are scanned in `selectRt`; larger ones searched by bitsets. */
const SCAN_MAX = 16;

export class LinuxScheduler implements PoolScheduler, EventHandler {
  readonly kind = 'linux' as const;
  readonly fair: FairClass;
  readonly rt: RtClass;
  private cls = new Int8Array(16);
  /** Priority of what runs on each pCPU: -1 idle, 0 fair, 1..99 RT (write through `setCur`). */
  private readonly curPrio: Int32Array;
  /**
   * Each pCPU's load for RT wake-up placement, kept at every change of its inputs (`refresh`)
   * from the first RT wake-up on (`loadsOn`): a pool that never wakes an RT thread pays nothing.
   */
  private readonly loads: RtLoads;
  private loadsOn = false;
  /** Per thread, its hard affinity as a bitmask (threads with the same affinity share one). */
  private masks: Uint32Array[] = [];
  private readonly maskOf = new Map<Int32Array, Uint32Array>();
  /** pCPUs of this pool with nothing running and nothing queued. */
  private readonly idle: DenseSet;
  /** pCPUs with queued (waiting) fair threads. */
  private readonly fairWaiting: DenseSet;
  private readonly hid: number;
  private readonly periodTimer: number;
  private readonly balanceTimer: number;
  /**
   * Per destination pCPU, balance periods in a row that found it one thread below the busiest it
   * could take from and moved nothing (its sd->nr_balance_failed: each CPU balances for itself).
   */
  private readonly balFailed: Int8Array;
  private failedAny = false;
  /** Where the next balance starts its scan of the pool's pCPUs. */
  private balanceCursor = 0;
  /** Per thread, when it last woke (it has been runnable since, if it is runnable). */
  private wokeAt = new Float64Array(16);
  /** Each pool pCPU's load at the current balance step (`load`); Infinity for pCPUs outside the pool. */
  private readonly balLoad: Float64Array;
  /** pCPUs set aside by the current balance (all of their queued threads pinned): equal to `balGen`. */
  private readonly balSkip: Int32Array;
  /** pCPUs already a destination in the current balance (moved nothing, or one shifted move): equal to `balGen`. */
  private readonly balDone: Int32Array;
  private balGen = 0;

  constructor(
    private readonly core: HostCore,
    private readonly engine: Engine,
    readonly pool: number,
    private readonly cpus: readonly number[],
    ir: Pool,
    /** Scheduler tick period (1 s / CONFIG_HZ); 0: slices end exactly at their deadline. */
    private readonly tickNs: Ns = 4_000_000,
    /** Draws the balancer's retry periods (uniform 2-6 ms, see retryPeriod); without it every period is 4 ms. */
    private readonly balanceRng?: Rng,
  ) {
    const n = core.pcpus;
    this.fair = new FairClass(core, ir.timesliceNs > 0 ? ir.timesliceNs : 3_000_000, n);
    this.rt = new RtClass(core, n);
    this.curPrio = new Int32Array(n).fill(-1);
    this.loads = new RtLoads(n, cpus);
    this.idle = new DenseSet(n);
    this.fairWaiting = new DenseSet(n);
    this.balLoad = new Float64Array(n).fill(Infinity);
    this.balSkip = new Int32Array(n);
    this.balDone = new Int32Array(n);
    this.balFailed = new Int8Array(n);
    this.hid = engine.register(this);
    this.periodTimer = engine.timer(this.hid, 0);
    this.balanceTimer = engine.timer(this.hid, 1);
  }

  addThread(tid: number): void {
    if (tid >= this.cls.length) {
      const b = new Int8Array(Math.max(tid + 1, this.cls.length * 2));
      b.set(this.cls);
      this.cls = b;
    }
    this.cls[tid] = CLS_NONE;
    if (tid >= this.wokeAt.length) {
      const b = new Float64Array(Math.max(tid + 1, this.wokeAt.length * 2));
      b.set(this.wokeAt);
      this.wokeAt = b;
    }
    this.fair.addThread(tid);
    this.rt.addThread(tid);
    const allowed = this.core.allowed[tid];
    let mask = this.maskOf.get(allowed);
    if (!mask) {
      mask = new Uint32Array((this.core.pcpus + 31) >> 5);
      for (const c of allowed) mask[c >> 5] |= 1 << (c & 31);
      this.maskOf.set(allowed, mask);
    }
    this.masks[tid] = mask;
  }

  start(now: Ns): void {
    for (const c of this.cpus) this.idle.add(c);
    if (this.cpus.length > 0) this.engine.arm(this.periodTimer, now + RT_PERIOD_NS);
    if (this.cpus.length > 1) this.engine.arm(this.balanceTimer, now + BALANCE_NS);
  }

  private wantRt(tid: number): boolean {
    return this.rt.prio(tid) > 0;
  }

  /**
   * Recomputes `cpu`'s RT placement load: 1000 when RT is throttled there, else the higher of the
   * priority it runs and of its best queued RT thread. Called after every change of one of them.
   */
  private refresh(cpu: number): void {
    if (!this.loadsOn) return;
    let l = 1000;
    if (!this.rt.throttled[cpu]) {
      l = this.curPrio[cpu];
      const qb = this.rt.best(cpu);
      if (qb >= 0) l = Math.max(l, this.rt.prio(qb));
    }
    this.loads.set(cpu, l);
  }

  private setCur(cpu: number, prio: number): void {
    this.curPrio[cpu] = prio;
    this.refresh(cpu);
  }

  private rtEnqueue(tid: number, cpu: number, head: boolean): void {
    this.rt.enqueue(tid, cpu, head);
    this.refresh(cpu);
  }

  private rtDequeue(tid: number): void {
    const cpu = this.rt.q.owner[tid];
    this.rt.dequeue(tid);
    if (cpu >= 0) this.refresh(cpu);
  }

  private markFair(cpu: number): void {
    this.fairWaiting.add(cpu);
    this.idle.delete(cpu);
  }

  private unmarkFair(cpu: number): void {
    if (this.fair.q.size[cpu] === 0) this.fairWaiting.delete(cpu);
  }

  // ---------------------------------------------------------------- placement

  private selectFair(tid: number): number {
    const core = this.core;
    const prev = core.tCpu[tid];
    if (prev >= 0 && core.isAllowed(tid, prev) && this.idle.has(prev)) return prev;
    if (this.idle.size > 0) {
      const items = this.idle.items;
      let any = -1;
      const soft = core.soft[tid];
      for (let i = 0; i < this.idle.size; i++) {
        const c = items[i];
        if (!core.isAllowed(tid, c)) continue;
        if (soft.length === core.allowed[tid].length || soft.includes(c)) return c;
        if (any < 0) any = c;
      }
      if (any >= 0) return any;
    }
    return prev >= 0 && core.isAllowed(tid, prev) ? prev : core.allowed[tid][0];
  }

  /**
   * The previous pCPU if its load (`refresh`: what runs or waits there, 1000 when RT is throttled)
   * is below the thread's priority, else the allowed pCPU with the lowest load, the
   * lowest-numbered one among equals (the first in the ascending affinity list).
   */
  private selectRt(tid: number): number {
    const core = this.core;
    const loads = this.loads;
    if (!this.loadsOn) {
      this.loadsOn = true;
      for (const c of this.cpus) this.refresh(c);
    }
    const prev = core.tCpu[tid];
    if (prev >= 0 && core.isAllowed(tid, prev) && loads.load(prev) < this.rt.prio(tid)) return prev;
    const allowed = core.allowed[tid];
    if (allowed.length <= SCAN_MAX) {
      let best = -1;
      let bl = Infinity;
      for (let i = 0; i < allowed.length; i++) {
        const l = loads.level[allowed[i]];
        if (l < bl) {
          bl = l;
          best = allowed[i];
        }
      }
      return best >= 0 ? best : allowed[0];
    }
    const c = loads.lowest(this.masks[tid]);
    return c >= 0 ? c : allowed[0];
  }

  // ---------------------------------------------------------------- PoolScheduler

  wake(tid: number, now: Ns): void {
    this.wokeAt[tid] = now;
    if (this.wantRt(tid)) {
      const cpu = this.selectRt(tid);
      this.rtEnqueue(tid, cpu, false);
      this.cls[tid] = CLS_RT;
      this.idle.delete(cpu);
      if (!this.rt.throttled[cpu] && this.rt.prio(tid) > this.curPrio[cpu]) this.core.kick(cpu, now);
    } else {
      const cpu = this.selectFair(tid);
      const wasIdle = this.curPrio[cpu] < 0;
      this.fair.enqueuePlaced(tid, cpu, now);
      this.cls[tid] = CLS_FAIR;
      this.markFair(cpu);
      // An idle pCPU runs it at once; a running fair thread keeps its slice while still eligible.
      if (wasIdle || (this.curPrio[cpu] === 0 && this.fair.shouldPreempt(tid, cpu, now))) this.core.kick(cpu, now);
    }
  }

  put(tid: number, cpu: number, now: Ns, ranNs: Ns, how: number): void {
    const c = this.cls[tid];
    if (c === CLS_RT && this.rt.charge(tid, cpu, ranNs)) this.refresh(cpu);
    else if (c === CLS_FAIR) this.fair.charge(tid, ranNs);
    if (how === PUT_CHARGE) return;
    this.setCur(cpu, -1);
    if (this.fair.cur[cpu] === tid) this.fair.cur[cpu] = -1;
    if (how === PUT_BLOCK) {
      if (c === CLS_FAIR) this.fair.saveLag(tid, cpu, now);
      this.cls[tid] = CLS_NONE;
      return;
    }
    if (this.wantRt(tid)) {
      if (c === CLS_FAIR) this.fair.saveLag(tid, cpu, now);
      let head = how === PUT_PREEMPT;
      if (this.rt.isRr(tid) && this.rt.rrLeft[tid] <= 0) head = false;
      this.rtEnqueue(tid, cpu, head);
      this.cls[tid] = CLS_RT;
    } else {
      if (c === CLS_RT) this.fair.enqueuePlaced(tid, cpu, now);
      else {
        if (how === PUT_YIELD) this.fair.yielded(tid);
        this.fair.enqueueKeep(tid, cpu);
      }
      this.cls[tid] = CLS_FAIR;
      this.markFair(cpu);
    }
  }

  pick(cpu: number, now: Ns): number {
    if (!this.rt.throttled[cpu]) {
      let t = this.rt.best(cpu);
      let p = t >= 0 ? this.rt.prio(t) : 0;
      if (this.rt.waiting.size > (t >= 0 ? 1 : 0)) {
        const pulled = this.rt.pullCandidate(cpu, p);
        if (pulled >= 0) {
          t = pulled;
          p = this.rt.prio(pulled);
        }
      }
      if (t >= 0) {
        this.rtDequeue(t);
        this.setCur(cpu, p);
        this.idle.delete(cpu);
        return t;
      }
    }
    let t = this.fair.best(cpu, now);
    if (t >= 0) {
      this.fair.dequeue(t);
      this.unmarkFair(cpu);
    } else {
      t = this.idlePull(cpu, now);
    }
    if (t >= 0) {
      this.fair.cur[cpu] = t;
      this.setCur(cpu, 0);
      this.idle.delete(cpu);
      return t;
    }
    this.setCur(cpu, -1);
    if (this.rt.q.size[cpu] === 0) this.idle.add(cpu);
    return -1;
  }

  queuedOnCpu(cpu: number): number {
    return this.fair.q.size[cpu] + this.rt.q.size[cpu];
  }

  idleNow(cpu: number): boolean {
    if (this.rt.q.size[cpu] !== 0 || this.fair.q.size[cpu] !== 0 || this.fairWaiting.size !== 0 || this.rt.waiting.size !== 0) return false;
    this.setCur(cpu, -1);
    this.idle.add(cpu);
    return true;
  }

  /** Newidle balance: take a waiting fair thread from the pCPU with the longest queue. */
  private idlePull(cpu: number, now: Ns): number {
    if (this.fairWaiting.size === 0) return -1;
    const items = this.fairWaiting.items;
    let src = -1;
    let cand = -1;
    let srcLen = 0;
    for (let i = 0; i < this.fairWaiting.size; i++) {
      const c = items[i];
      if (c === cpu) continue;
      const len = this.fair.q.size[c];
      if (len <= srcLen) continue;
      for (let t = this.fair.q.head[c]; t >= 0; t = this.fair.q.next[t]) {
        if (this.core.isAllowed(t, cpu)) {
          src = c;
          cand = t;
          srcLen = len;
          break;
        }
      }
    }
    if (cand < 0) return -1;
    this.migrateFair(cand, src, cpu, now, false);
    return cand;
  }

  /** Moves a queued fair thread from `src` to `dst`, keeping its lag; queues it when `enqueue`. */
  private migrateFair(t: number, src: number, dst: number, now: Ns, enqueue: boolean): void {
    this.fair.dequeue(t);
    this.unmarkFair(src);
    this.fair.saveLag(t, src, now);
    if (enqueue) {
      this.fair.enqueuePlaced(t, dst, now);
      this.markFair(dst);
    } else this.fair.place(t, dst, now);
  }

  /**
   * A fair thread runs until the first scheduler tick at or after its deadline: without HRTICK
   * the kernel checks the slice only in task_tick_fair -> update_curr -> update_deadline (and at
   * wake-ups, see FairClass.shouldPreempt). Ticks are at multiples of 1/HZ on every CPU
   * (jiffies; sched_skew_tick is off by default).
   */
  sliceNs(tid: number, cpu: number, now: Ns): Ns {
    if (this.cls[tid] === CLS_RT) return this.rt.runLimit(tid, cpu);
    const left = this.fair.runLimit(tid);
    const tk = this.tickNs;
    if (!(tk > 0)) return left;
    const end = Math.ceil((now + left) / tk) * tk;
    return Math.max(1, end - now);
  }

  take(tid: number, cpu: number, now: Ns): boolean {
    const c = this.cls[tid];
    if (c === CLS_FAIR && this.fair.q.owner[tid] >= 0) {
      const src = this.fair.q.owner[tid];
      this.migrateFair(tid, src, cpu, now, false);
      this.fair.cur[cpu] = tid;
      this.setCur(cpu, 0);
      this.idle.delete(cpu);
      return true;
    }
    if (c === CLS_RT && this.rt.q.owner[tid] >= 0) {
      this.rtDequeue(tid);
      this.setCur(cpu, this.rt.prio(tid));
      this.idle.delete(cpu);
      return true;
    }
    return false;
  }

  reprioritize(tid: number, now: Ns): void {
    const c = this.cls[tid];
    if (c === CLS_NONE) return; // blocked: the class is resolved at wake-up
    const want = this.wantRt(tid) ? CLS_RT : CLS_FAIR;
    const core = this.core;
    if (c === CLS_FAIR && this.fair.q.owner[tid] >= 0) {
      const cpu = this.fair.q.owner[tid];
      if (want === CLS_FAIR) return;
      this.fair.dequeue(tid);
      this.unmarkFair(cpu);
      this.fair.saveLag(tid, cpu, now);
      this.rtEnqueue(tid, cpu, false);
      this.cls[tid] = CLS_RT;
      if (this.rt.prio(tid) > this.curPrio[cpu]) core.kick(cpu, now);
      return;
    }
    if (c === CLS_RT && this.rt.q.owner[tid] >= 0) {
      const cpu = this.rt.q.owner[tid];
      this.rtDequeue(tid);
      if (want === CLS_RT) {
        this.rtEnqueue(tid, cpu, false);
        if (this.rt.prio(tid) > this.curPrio[cpu]) core.kick(cpu, now);
      } else {
        this.fair.enqueuePlaced(tid, cpu, now);
        this.cls[tid] = CLS_FAIR;
        this.markFair(cpu);
        if (this.curPrio[cpu] < 0) core.kick(cpu, now);
      }
      return;
    }
    const cpu = core.tCpu[tid];
    if (cpu < 0 || core.cCurr[cpu] !== tid) return; // runnable but between queues (directed yield)
    if (c === CLS_FAIR && want === CLS_RT) {
      this.fair.cur[cpu] = -1;
      this.fair.saveLag(tid, cpu, now);
      this.cls[tid] = CLS_RT;
      this.setCur(cpu, this.rt.prio(tid));
    } else if (c === CLS_RT && want === CLS_FAIR) {
      this.fair.place(tid, cpu, now);
      this.fair.cur[cpu] = tid;
      this.cls[tid] = CLS_FAIR;
      this.setCur(cpu, 0);
    } else if (c === CLS_RT) {
      this.setCur(cpu, this.rt.prio(tid));
    }
    // Re-evaluate the pCPU: a lower priority may now be preempted, and the slice changes.
    core.kick(cpu, now);
  }

  // ---------------------------------------------------------------- periodic work

  onEvent(arg: number, now: Ns): void {
    if (arg === 0) this.rtPeriod(now);
    else this.balance(now);
  }

  /** A new RT throttling period: charge running RT threads, reset budgets, unthrottle. */
  private rtPeriod(now: Ns): void {
    for (const cpu of this.cpus) {
      const cur = this.core.cCurr[cpu];
      if (cur >= 0 && this.cls[cur] === CLS_RT) this.rt.charge(cur, cpu, this.core.charge(cpu, now));
      this.rt.used[cpu] = 0;
      if (this.rt.throttled[cpu]) {
        this.rt.throttled[cpu] = 0;
        this.refresh(cpu);
        this.core.kick(cpu, now);
      } else if (cur >= 0 && this.cls[cur] === CLS_RT) this.core.kick(cpu, now); // re-arm its budget
    }
    this.engine.arm(this.periodTimer, now + RT_PERIOD_NS);
  }

  /**
   * Load of the CPU-bound fair threads on `cpu` (running or queued): the weights of those runnable
   * without a break for BOUND_NS or more. The kernel balances PELT load averages, in which such a
   * thread weighs its whole weight and one that keeps sleeping weighs its runnable fraction;
   * counting only these keeps the shifted rule (balance()) to CPU-bound imbalances.
   */
  private bound(cpu: number, now: Ns): number {
    let n = 0;
    const w = this.fair.w;
    const cur = this.fair.cur[cpu];
    if (cur >= 0 && now - this.wokeAt[cur] >= BOUND_NS) n += w[cur];
    for (let t = this.fair.q.head[cpu]; t >= 0; t = this.fair.q.next[t]) if (now - this.wokeAt[t] >= BOUND_NS) n += w[t];
    return n;
  }

  /**
   * Load of `cpu` for the balancer: the nice weights of its fair threads (running and queued), a
   * stand-in for their PELT load averages (a thread runnable all the time has a load average equal
   * to its weight, kernel/sched/pelt.c), and 1024 for each RT thread running or queued there.
   */
  private load(cpu: number): number {
    const w = this.fair.w;
    let l = 1024 * this.rt.q.size[cpu];
    const cur = this.fair.cur[cpu];
    if (cur >= 0) l += w[cur];
    else if (this.curPrio[cpu] > 0) l += 1024;
    for (let t = this.fair.q.head[cpu]; t >= 0; t = this.fair.q.next[t]) l += w[t];
    return l;
  }

  /** Whether one of the first NR_MIGRATE threads queued on `src` may run on `dst`. */
  private mayRunOn(src: number, dst: number): boolean {
    let seen = 0;
    for (let t = this.fair.q.head[src]; t >= 0 && seen < NR_MIGRATE; t = this.fair.q.next[t], seen++) if (this.core.isAllowed(t, dst)) return true;
    return false;
  }

  /**
   * The pCPU, other than `src`, with the lowest balance load (`balLoad`, below `srcL`) that one
   * of the first NR_MIGRATE threads queued on `src` may run on; among equals the first in its
   * affinity from the balance cursor on (which advances at every move, as the main scan's start);
   * -1 if none. Threads sharing an affinity list are looked at once.
   */
  private pinnedDst(src: number, srcL: number, gen: number): number {
    const L = this.balLoad;
    const done = this.balDone;
    let best = -1;
    let bestL = srcL;
    let seen = 0;
    let last: Int32Array | null = null;
    for (let t = this.fair.q.head[src]; t >= 0 && seen < NR_MIGRATE; t = this.fair.q.next[t], seen++) {
      const al = this.core.allowed[t];
      if (al === last) continue;
      last = al;
      const n = al.length;
      for (let i = 0, k = this.balanceCursor % n; i < n; i++, k = k + 1 < n ? k + 1 : 0) {
        const c = al[k];
        if (c !== src && L[c] < bestL && done[c] !== gen) {
          bestL = L[c];
          best = c;
        }
      }
    }
    return best;
  }

  /** Whether an RT thread runs or waits on `cpu`. */
  private hasRt(cpu: number): boolean {
    return this.curPrio[cpu] > 0 || this.rt.q.size[cpu] > 0;
  }

  /**
   * The time to the retry after a failed balance (queues one thread apart, nothing moved): uniform
   * 2-6 ms (mean 4 ms) instead of the fixed 4 ms period. Linux balances each pCPU from its own tick
   * when its own interval is due (and lengthens the interval after a failure), so the instants are
   * not one fixed period apart; a fixed period phase-locks with tick-ended slices (2 threads
   * alternating 4 ms slices at 250 Hz: the same one is waiting at every retry, and 5 hogs on 2
   * pCPUs got 0.49 / 0.49 / 0.34 / 0.34 / 0.34 instead of 0.4 each, measured here). Drawn only
   * after a failure: a run that never has queues one thread apart draws nothing and is unchanged.
   */
  private retryPeriod(): Ns {
    const r = this.balanceRng;
    return r ? Math.round(BALANCE_NS / 2 + r.float() * BALANCE_NS) : BALANCE_NS;
  }

  /**
   * Periodic balance (load_balance in kernel/sched/fair.c, simplified to the busiest and the least
   * loaded pCPU): loads are the threads' nice weights (load()). The imbalance is half the load
   * difference (calculate_imbalance: each side to the average). A waiting thread whose load is at
   * most the imbalance moves at once, the first such in the queue (detach_tasks), and the balance
   * repeats. When none fits (3 nice-0 hogs on 2 pCPUs: a whole thread, 1024, against an imbalance
   * of 512), the attempt moves nothing and counts a failure (sd->nr_balance_failed); the next one
   * compares load >> nr_balance_failed with the imbalance (detach_tasks) and moves a CPU-bound
   * thread, unless both queues are overloaded and the busier is within imbalance_pct (117%,
   * sd_init) of the other (find_busiest_group: 7 against 6 nice-0 threads stays), or an RT thread
   * runs or waits on either, or the busier has no more CPU-bound load (bound()) than the other.
   * The extra thread so moves on every second period and N hogs on M pCPUs get M/N each in the
   * long run, as on Linux; before, 3 hogs on 2 pCPUs got 1, 1/2 and 1/2. With equal weights this
   * is the rule by thread counts (two apart: move; one apart: after a failure). With nice values
   * a heavy thread is left alone on a pCPU and the light ones share the others (before the
   * weights, 0 / 5 / -5 on 2 pCPUs gave 0.73 / 0.42 / 0.86 instead of 0.75 / 0.25 / 1).
   * Receiving pCPU: each pCPU balances for itself on Linux, so the scan for the least (and the
   * most) loaded pCPU starts one pCPU further after each move instead of always at the first.
   * Affinity: when no queued thread of the busiest may run on the least loaded pCPU, the least
   * loaded pCPU one of them may run on is the destination (pinnedDst); when none may run on a
   * less loaded pCPU the busiest is set aside (LBF_ALL_PINNED redo). A pair that moves nothing
   * (or made its one shifted move) is set aside too and the next pair is tried in the same
   * period, and the failure count is per destination pCPU (its own sd->nr_balance_failed): so
   * pinned groups balance side by side (before, 3 threads pinned to pCPUs 0-1 of 4 got 1, 1/2,
   * 1/2, and while the busiest pCPU's threads were all pinned nothing else was balanced).
   * Bounded: at most 8 moves and 8 + MAX_REDO pairs a period, NR_MIGRATE threads a walk.
   */
  private balance(now: Ns): void {
    this.engine.arm(this.balanceTimer, now + BALANCE_NS);
    if (this.fairWaiting.size === 0) {
      this.resetFailed();
      return;
    }
    const nr = (c: number) => this.fair.q.size[c] + (this.curPrio[c] >= 0 ? 1 : 0) + this.rt.q.size[c];
    const cpus = this.cpus;
    const w = this.fair.w;
    const start = this.balanceCursor;
    const L = this.balLoad;
    const skip = this.balSkip;
    const done = this.balDone;
    const failed = this.balFailed;
    const gen = (this.balGen = this.balGen < 0x3fffffff ? this.balGen + 1 : 1);
    let redo = 0;
    let retry = false;
    for (let moves = 0, tries = 0; moves < 8 && tries < 8 + MAX_REDO; tries++) {
      let max = -1;
      let maxL = -1;
      let min = -1;
      let minL = Infinity;
      for (let i = 0, k = start; i < cpus.length; i++, k = k + 1 < cpus.length ? k + 1 : 0) {
        const c = cpus[k];
        // Loads once a period; a move changes only its two pCPUs' (updated below).
        const l = tries === 0 ? (L[c] = this.load(c)) : L[c];
        if (this.fair.q.size[c] > 0 && l > maxL && skip[c] !== gen) {
          maxL = l;
          max = c;
        }
        if (l < minL && done[c] !== gen) {
          minL = l;
          min = c;
        }
      }
      if (max < 0 || min < 0 || maxL <= minL) {
        if (moves === 0 && redo === 0) this.resetFailed();
        break;
      }
      if (!this.mayRunOn(max, min)) {
        // None of its queued threads may run on the least loaded pCPU (affinity). Each pCPU
        // balances for itself on Linux (rebalance_domains runs load_balance with every CPU as
        // the destination), so the least loaded pCPU one of them may run on pulls one: 3 threads
        // pinned to pCPUs 0-1 of 4 take turns on those two (before: one kept a pCPU, the other
        // two shared the other). When none may run on a less loaded pCPU, the busiest is set
        // aside and the next busiest balanced (load_balance: LBF_ALL_PINNED, cpumask_clear_cpu
        // of the busiest, redo).
        const dst = this.pinnedDst(max, maxL, gen);
        if (dst < 0) {
          if (redo++ >= MAX_REDO) break;
          skip[max] = gen;
          continue;
        }
        min = dst;
        minL = L[dst];
      }
      const imbalance = (maxL - minL) / 2;
      let cand = -1;
      let light = false;
      for (let t = this.fair.q.head[max]; t >= 0; t = this.fair.q.next[t]) {
        if (w[t] <= imbalance) {
          light = true;
          if (this.core.isAllowed(t, min)) {
            cand = t;
            break;
          }
        }
      }
      if (cand < 0) {
        // This pair moves nothing this period; the next busiest may still give to another pCPU
        // (each pCPU balances for itself, with its own nr_balance_failed).
        skip[max] = gen;
        done[min] = gen;
        if (redo++ >= MAX_REDO) break;
        // A thread light enough that may not run there: nothing to do (affinity).
        if (light || moves > 0) continue;
        // Every waiting thread is heavier than the imbalance: the failure rule.
        // Cheapest first: bound() walks both queues, which are short once imbalance_pct passes.
        if (this.hasRt(max) || this.hasRt(min) || (nr(min) >= 2 && 100 * maxL <= 117 * minL) || this.bound(max, now) <= this.bound(min, now)) {
          failed[min] = 0;
          continue;
        }
        if (failed[min] === 0) {
          failed[min] = 1;
          this.failedAny = true;
          retry = true;
          continue;
        }
        const shift = 2 ** failed[min];
        for (let t = this.fair.q.head[max]; t >= 0; t = this.fair.q.next[t]) {
          if (w[t] / shift <= imbalance && this.core.isAllowed(t, min) && now - this.wokeAt[t] >= BOUND_NS) {
            cand = t;
            break;
          }
        }
        if (cand < 0) {
          // Still too heavy: the next attempt shifts once more (nr_balance_failed grows).
          if (failed[min] < MAX_FAILED) failed[min]++;
          continue;
        }
      }
      const shifted = failed[min] > 0 && w[cand] > imbalance;
      const wasIdle = this.curPrio[min] < 0;
      this.migrateFair(cand, max, min, now, true);
      moves++;
      failed[min] = 0;
      this.balanceCursor = start + 1 < cpus.length ? start + 1 : 0;
      if (wasIdle) this.core.kick(min, now);
      L[max] = this.load(max);
      L[min] = this.load(min);
      if (shifted) {
        // One shifted move per pair and period: the pair is done.
        skip[max] = gen;
        done[min] = gen;
      }
    }
    if (retry) this.engine.arm(this.balanceTimer, now + this.retryPeriod());
  }

  private resetFailed(): void {
    if (!this.failedAny) return;
    this.balFailed.fill(0);
    this.failedAny = false;
  }

}
