/**
 * Xen credit scheduler (credit1) for one cpupool.
 *
 * Model (Xen docs and xen/common/sched/credit.c, as summarised in model.md section 2):
 * - Credit is kept in ns of CPU: Xen's 10 credits per ms make "300 credits per 30 ms slice per
 *   pCPU" exactly one slice of CPU per pCPU per accounting period.
 * - Accounting every `timeslice` (30 ms): the pool's credit (timeslice x pCPUs, plus the debt when
 *   the active vCPUs' credits summed below 0 last time) is shared among *active* domains by
 *   weight x active vCPUs, in the order of Xen's active-domain list; no domain earns more than its
 *   peak (one slice per active vCPU, or its `cap`), the excess goes to the domains after it, and a
 *   domain held to its peak moves to the head of the list (so the split is the weighted max-min
 *   one); each domain's credit is split evenly across its active vCPUs. Credits are read as last
 *   burned (tick or schedule), not charged up to the accounting instant. Credit < 0 -> OVER,
 *   >= 0 -> UNDER. A vCPU that piles up more than one slice of credit stops being active (it is
 *   not using its share) and keeps half of it. Credit never goes below minus one slice.
 * - Ticks every `tick` (10 ms) on each pCPU: the running vCPU burns what it ran, loses BOOST
 *   (it is consuming real CPU) and becomes active if it was not.
 * - Priorities BOOST > UNDER > OVER; one run queue per pCPU, FIFO within a priority. A vCPU that
 *   wakes while UNDER is BOOSTed and preempts a lower-priority vCPU on its pCPU, unless that one ran
 *   less than `ratelimit` (1 ms), in which case the switch waits until it has.
 * - A pCPU whose best local work is OVER (or nothing) steals higher-priority work queued on other
 *   pCPUs of the pool that may run on it (soft affinity first, then hard).
 * - Caps: a vCPU whose credit falls below minus its share of the cap is parked (not runnable)
 *   until accounting brings its credit back to >= 0.
 * - The BS2000 effect falls out of this: credit is handed out pool-wide, but a vCPU can only spend
 *   it on the pCPUs it is pinned to. Domains pinned to a few pCPUs of a big pool get more credit
 *   than those pCPUs can burn, stay UNDER, and share the pCPUs round-robin regardless of weight.
 *   A pool of their own hands out only what their pCPUs provide, so weights hold again.
 */
import type { Pool } from '../../model/ir';
import type { Engine, EventHandler, Ns } from '../engine';
import { Lists } from './lists';
import { PUT_BLOCK, PUT_CHARGE, PUT_PREEMPT, type HostCore, type PoolScheduler } from './types';
import { TS_RUNNABLE } from '../contracts';

export const PRI_BOOST = 0;
export const PRI_UNDER = 1;
export const PRI_OVER = 2;
const NPRI = 3;

export class CreditScheduler implements PoolScheduler, EventHandler {
  readonly kind = 'credit' as const;
  /** List id = cpu * 3 + priority. */
  private readonly q: Lists;
  credit = new Float64Array(16);
  pri = new Int8Array(16);
  private active = new Uint8Array(16);
  parked = new Uint8Array(16);
  private runStart = new Float64Array(16);
  /** Parked ns per thread (time runnable but parked by the cap). */
  parkedNs = new Float64Array(16);
  private parkedSince = new Float64Array(16);
  private readonly threads: number[] = [];
  private readonly domThreads = new Map<number, number[]>();
  /** Queued threads per priority, pool-wide (to skip steal scans when there is nothing to steal). */
  private readonly nq = new Int32Array(NPRI);
  /** Per pCPU: the thread kept running by the ratelimit (-1 none), and whether the last pick was such a keep. */
  private readonly keep: Int32Array;
  private readonly kept: Uint8Array;
  private readonly tslice: Ns;
  private readonly tick: Ns;
  private readonly ratelimit: Ns;
  private readonly hid: number;
  private readonly tickTimers: Int32Array;
  private readonly acctTimer: number;
  private anySoft = false;
  /** Domains with active vCPUs, in Xen's `active_sdom` order (csched_acct hands out credit in it). */
  private readonly activeDoms: number[] = [];
  /** Active vCPUs per domain (`active_unit_count`). */
  private readonly domActive = new Map<number, number>();
  /** Sum of the active vCPUs' credit after the last accounting (`credit_balance`). */
  private balance = 0;

  constructor(
    private readonly core: HostCore,
    private readonly engine: Engine,
    readonly pool: number,
    private readonly cpus: readonly number[],
    ir: Pool,
  ) {
    this.q = new Lists(core.pcpus * NPRI, 16);
    this.keep = new Int32Array(core.pcpus).fill(-1);
    this.kept = new Uint8Array(core.pcpus);
    this.tslice = ir.timesliceNs > 0 ? ir.timesliceNs : 30_000_000;
    this.tick = ir.tickNs > 0 ? ir.tickNs : 10_000_000;
    this.ratelimit = Math.max(0, ir.ratelimitNs);
    this.hid = engine.register(this);
    this.tickTimers = new Int32Array(core.pcpus).fill(-1);
    for (const c of cpus) this.tickTimers[c] = engine.timer(this.hid, c);
    this.acctTimer = engine.timer(this.hid, -1);
  }

  addThread(tid: number): void {
    if (tid >= this.credit.length) {
      const n = Math.max(tid + 1, this.credit.length * 2);
      const f = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
      const i8 = (a: Int8Array) => { const b = new Int8Array(n); b.set(a); return b; };
      const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
      this.credit = f(this.credit);
      this.pri = i8(this.pri);
      this.active = u8(this.active);
      this.parked = u8(this.parked);
      this.runStart = f(this.runStart);
      this.parkedNs = f(this.parkedNs);
      this.parkedSince = f(this.parkedSince);
    }
    this.q.ensureItems(tid + 1);
    this.credit[tid] = 0;
    this.pri[tid] = PRI_UNDER;
    this.active[tid] = 0;
    this.threads.push(tid);
    const d = this.core.tDomain[tid];
    let l = this.domThreads.get(d);
    if (!l) this.domThreads.set(d, (l = []));
    l.push(tid);
    if (this.core.soft[tid].length !== this.core.allowed[tid].length) this.anySoft = true;
  }

  start(now: Ns): void {
    // Stagger the per-pCPU ticks across the tick period like Xen does, so they do not all land at once.
    this.cpus.forEach((c, i) => this.engine.arm(this.tickTimers[c], now + Math.round(this.tick * ((i + 1) / (this.cpus.length + 1)))));
    this.engine.arm(this.acctTimer, now + this.tslice);
  }

  // ---------------------------------------------------------------- queues

  private enqueue(tid: number, cpu: number): void {
    const p = this.pri[tid];
    this.q.pushTail(cpu * NPRI + p, tid);
    this.nq[p]++;
  }

  private dequeue(tid: number): void {
    const l = this.q.owner[tid];
    if (l < 0) return;
    this.q.remove(tid);
    this.nq[l % NPRI]--;
  }

  private queuedOn(tid: number): number {
    const l = this.q.owner[tid];
    return l < 0 ? -1 : Math.floor(l / NPRI);
  }

  /** Priority of what runs on `cpu` (NPRI = idle). */
  private curPri(cpu: number): number {
    const cur = this.core.cCurr[cpu];
    return cur < 0 ? NPRI : this.pri[cur];
  }

  private isIdle(cpu: number): boolean {
    if (this.core.cCurr[cpu] >= 0) return false;
    const b = cpu * NPRI;
    return this.q.size[b] === 0 && this.q.size[b + 1] === 0 && this.q.size[b + 2] === 0;
  }

  // ---------------------------------------------------------------- PoolScheduler

  wake(tid: number, now: Ns): void {
    if (this.parked[tid]) {
      this.core.setParked(tid, true, now);
      return; // runnable but parked: accounting unparks it
    }
    // Xen: a vCPU waking while UNDER is boosted so it runs soon (I/O-bound guests stay responsive).
    if (this.pri[tid] === PRI_UNDER) this.pri[tid] = PRI_BOOST;
    const cpu = this.pickCpu(tid);
    this.enqueue(tid, cpu);
    if (this.pri[tid] < this.curPri(cpu)) this.core.kick(cpu, now);
  }

  /** csched_cpu_pick, simplified: stay where it ran if idle, else an idle pCPU (soft, then hard), else where it ran. */
  private pickCpu(tid: number): number {
    const core = this.core;
    const prev = core.tCpu[tid];
    if (prev >= 0 && core.isAllowed(tid, prev) && this.isIdle(prev)) return prev;
    const soft = core.soft[tid];
    for (let i = 0; i < soft.length; i++) if (this.isIdle(soft[i])) return soft[i];
    const all = core.allowed[tid];
    for (let i = 0; i < all.length; i++) if (this.isIdle(all[i])) return all[i];
    return prev >= 0 && core.isAllowed(tid, prev) ? prev : all[0];
  }

  put(tid: number, cpu: number, now: Ns, ranNs: Ns, how: number): void {
    this.credit[tid] -= ranNs;
    if (how === PUT_CHARGE || how === PUT_BLOCK) return;
    if (this.parked[tid]) {
      this.parkedSince[tid] = now;
      this.core.setParked(tid, true, now);
      return;
    }
    // Ratelimit: a preempted vCPU that ran less than `ratelimit` keeps the pCPU until it has.
    if (how === PUT_PREEMPT && this.ratelimit > 0 && now - this.runStart[tid] < this.ratelimit && this.keep[cpu] < 0) {
      this.keep[cpu] = tid;
      return;
    }
    this.enqueue(tid, cpu);
  }

  pick(cpu: number, now: Ns): number {
    const k = this.keep[cpu];
    if (k >= 0) {
      this.keep[cpu] = -1;
      this.kept[cpu] = 1;
      return k;
    }
    this.kept[cpu] = 0;
    let t = -1;
    let p = NPRI;
    for (let pr = 0; pr < NPRI; pr++) {
      const h = this.q.head[cpu * NPRI + pr];
      if (h >= 0) {
        t = h;
        p = pr;
        break;
      }
    }
    if (p >= PRI_OVER) {
      const stolen = this.steal(cpu, p);
      if (stolen >= 0) t = stolen;
    }
    if (t < 0) return -1;
    this.dequeue(t);
    this.runStart[t] = now;
    return t;
  }

  /** csched_load_balance: the first queued vCPU of better priority than `p` on a peer pCPU that may run here. */
  private steal(cpu: number, p: number): number {
    let better = 0;
    for (let pr = 0; pr < p; pr++) better += this.nq[pr];
    if (better === 0) return -1;
    const n = this.cpus.length;
    const start = this.cpus.indexOf(cpu);
    for (let pass = this.anySoft ? 0 : 1; pass < 2; pass++) {
      for (let i = 1; i < n; i++) {
        const peer = this.cpus[(start + i) % n];
        for (let pr = 0; pr < p; pr++) {
          for (let t = this.q.head[peer * NPRI + pr]; t >= 0; t = this.q.next[t]) {
            if (!this.core.isAllowed(t, cpu)) continue;
            if (pass === 0) {
              const soft = this.core.soft[t];
              if (soft.length === this.core.allowed[t].length || !soft.includes(cpu)) continue;
            }
            return t;
          }
        }
      }
    }
    return -1;
  }

  sliceNs(tid: number, cpu: number, now: Ns): Ns {
    if (this.kept[cpu]) return Math.max(1000, this.runStart[tid] + this.ratelimit - now);
    return this.tslice;
  }

  /**
   * No directed yield under Xen: a pause-loop exit calls `vcpu_yield()` (xen/arch/x86/hvm/vmx/vmx.c,
   * `vmx_vmexit_handler`, EXIT_REASON_PAUSE_INSTRUCTION; `do_sched_op(SCHEDOP_yield)` before 4.13),
   * which names no target: the spinner yields and the scheduler picks as usual.
   */
  take(): boolean {
    return false;
  }

  reprioritize(): void {
    // KVM boosting does not exist under Xen; the host core counts it as ignored.
  }

  // ---------------------------------------------------------------- ticks and accounting

  onEvent(arg: number, now: Ns): void {
    if (arg < 0) this.account(now);
    else this.tickCpu(arg, now);
  }

  private tickCpu(cpu: number, now: Ns): void {
    this.engine.arm(this.tickTimers[cpu], now + this.tick);
    const cur = this.core.cCurr[cpu];
    if (cur < 0) return;
    this.credit[cur] -= this.core.charge(cpu, now);
    if (this.pri[cur] === PRI_BOOST) this.pri[cur] = PRI_UNDER;
    if (!this.active[cur]) this.activate(cur);
  }

  /** Marks `t` active (earning), its domain at the head of the active list if it had no active vCPU (`__csched_unit_acct_start`). */
  private activate(t: number): void {
    this.active[t] = 1;
    const d = this.core.tDomain[t];
    const n = this.domActive.get(d) ?? 0;
    this.domActive.set(d, n + 1);
    if (n === 0) this.activeDoms.unshift(d);
  }

  /** Marks `t` inactive; a domain with no active vCPU leaves the active list (`__csched_unit_acct_stop_locked`). */
  private deactivate(t: number): void {
    this.active[t] = 0;
    const d = this.core.tDomain[t];
    const n = (this.domActive.get(d) ?? 1) - 1;
    this.domActive.set(d, n);
    if (n === 0) this.activeDoms.splice(this.activeDoms.indexOf(d), 1);
  }

  /**
   * `csched_acct`: the pool's credit (one slice per pCPU, plus the debt when the last period's
   * credit balance was negative) shared among the active domains by weight x active vCPUs, in
   * the active list's order. A domain earns at most its peak, one slice per active vCPU (more
   * only while the pool is in debt) or its cap; what it could not take goes to the domains after
   * it in the list by weight (`credit_total += (fair - peak) x weight_total / weight_left`), and
   * a domain held to its peak after one that was not moves to the head of the list, so that it
   * gives its excess to all others next period. The result is the weighted max-min split of the
   * pool (no vCPU earns more than one pCPU).
   */
  private account(now: Ns): void {
    this.engine.arm(this.acctTimer, now + this.tslice);
    // Running vCPUs are not charged here: Xen reads each credit as last burned, at the vCPU's last
    // tick or schedule (burn_credits), so the balance below misses up to one tick of their run.
    let weightTotal = 0;
    for (const d of this.activeDoms) weightTotal += this.core.dWeight[d] * this.domActive.get(d)!;
    const debt = this.balance < 0 ? -this.balance : 0;
    if (weightTotal === 0) {
      this.balance = 0;
      return;
    }
    let creditTotal = this.tslice * this.cpus.length + debt;
    let weightLeft = weightTotal;
    let xtra = false;
    let balance = 0;
    for (const d of this.activeDoms.slice()) {
      const act = this.domThreads.get(d)!.filter((t) => this.active[t]);
      const w = this.core.dWeight[d] * act.length;
      weightLeft -= w;
      let peak = act.length * this.tslice;
      if (debt > 0) peak += Math.ceil((debt * w) / weightTotal);
      const capPct = this.core.dCap[d];
      let capPerVcpu = Infinity;
      if (capPct > 0) {
        const capCredit = Math.ceil((capPct * this.tslice) / 100);
        if (capCredit < peak) peak = capCredit;
        capPerVcpu = Math.ceil(capCredit / act.length);
      }
      let fair = Math.ceil((creditTotal * w) / weightTotal);
      if (fair < peak) xtra = true;
      else {
        // Give the domains after this one a chance at what it cannot use.
        if (weightLeft > 0) creditTotal += Math.ceil(((fair - peak) * weightTotal) / weightLeft);
        if (xtra) {
          this.activeDoms.splice(this.activeDoms.indexOf(d), 1);
          this.activeDoms.unshift(d);
        }
        fair = peak;
      }
      const per = Math.ceil(fair / act.length);
      for (const t of act) {
        let c = this.credit[t] + per;
        const oldPri = this.pri[t];
        if (c < 0) {
          this.pri[t] = PRI_OVER;
          if (capPct > 0 && c < -capPerVcpu && !this.parked[t]) this.park(t, now);
          if (c < -this.tslice) c = -this.tslice;
        } else {
          this.pri[t] = PRI_UNDER;
          if (this.parked[t]) this.unpark(t, now);
          if (c > this.tslice) {
            // Not using its share: stop earning, keep half so it is near the front when it wakes.
            this.deactivate(t);
            c = c / 2;
          }
        }
        this.credit[t] = c;
        balance += c;
        // Re-sort: a queued vCPU whose priority changed moves to the tail of its new list.
        if (oldPri !== this.pri[t]) {
          const qc = this.queuedOn(t);
          if (qc >= 0) {
            this.dequeue(t);
            this.enqueue(t, qc);
          }
        }
      }
    }
    this.balance = balance;
  }

  private park(t: number, now: Ns): void {
    this.parked[t] = 1;
    this.parkedSince[t] = now;
    this.core.count('credit.parks');
    const qc = this.queuedOn(t);
    if (qc >= 0) {
      this.dequeue(t);
      this.core.setParked(t, true, now);
    } else if (this.core.cCurr[this.core.tCpu[t]] === t) {
      this.core.kick(this.core.tCpu[t], now); // deschedule it now (vcpu_pause_nosync)
    }
  }

  private unpark(t: number, now: Ns): void {
    this.parked[t] = 0;
    this.parkedNs[t] += now - this.parkedSince[t];
    this.core.setParked(t, false, now);
    if (this.core.tState[t] === TS_RUNNABLE && this.q.owner[t] < 0) {
      const cpu = this.pickCpu(t);
      this.enqueue(t, cpu);
      if (this.pri[t] < this.curPri(cpu)) this.core.kick(cpu, now);
    }
  }
}
