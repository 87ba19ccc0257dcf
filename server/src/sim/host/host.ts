/**
 * The host core: pCPUs, cpupools (each with its own scheduler), host threads and context
 * switches. Implements `HostApi` (contracts.ts) for the models and `HostCore` (types.ts) for the
 * schedulers.
 *
 * Context switches are deferred: `kick(cpu)` arms the pCPU's reschedule timer at the current time,
 * so a switch happens in its own event right after the event that caused it. Bodies can therefore
 * call wake/block/yield from anywhere without being re-entered. A thread that blocks or yields
 * leaves its pCPU immediately (the pCPU is idle until the reschedule event at the same time).
 *
 * Accounting: every thread lane records running / runnable / blocked / idle; every pCPU lane
 * records running (cause = thread) / idle. Steal = runnable time of a thread (KVM steal time:
 * "runnable but not running"; idle is never steal).
 */
import type { Host as IrHost } from '../../model/ir';
import type { Engine, EventHandler, Ns } from '../engine';
import {
  BLOCK_IDLE,
  STATE_BLOCKED,
  STATE_IDLE,
  STATE_RUNNABLE,
  STATE_RUNNING,
  TS_BLOCKED,
  TS_RUNNABLE,
  TS_RUNNING,
  type DomainSpec,
  type HostApi,
  type ThreadBody,
  type ThreadSpec,
} from '../contracts';
import type { SimRecorder, SimStats } from '../record';
import type { RngStreams } from '../rng';
import { POLICY_FIFO, POLICY_NORMAL, POLICY_RR, PUT_BLOCK, PUT_CHARGE, PUT_PREEMPT, PUT_YIELD, type HostCore, type PoolScheduler } from './types';
import { CreditScheduler } from './credit';
import { Credit2Scheduler } from './credit2';
import { LinuxScheduler } from './linux';
import { DEFAULT_HZ } from './costs';

const NO_BODY: ThreadBody = { resume() {}, suspend() {} };

export interface PoolInfo {
  name: string;
  cpus: number[];
  sched: PoolScheduler;
  schedName: string;
  range: import('../../core/text').TextRange;
}

export class Host implements HostApi, HostCore, EventHandler {
  readonly pcpus: number;
  nThreads = 0;
  readonly pools: PoolInfo[] = [];
  readonly cpuPool: Int32Array;
  readonly cCurr: Int32Array;
  private readonly cLane: Int32Array;
  private readonly cResched: Int32Array;
  private readonly cSlice: Int32Array;

  tState = new Int8Array(16);
  tCpu = new Int32Array(16);
  tPool = new Int32Array(16);
  tDomain = new Int32Array(16);
  tPolicy = new Int8Array(16);
  tNice = new Int8Array(16);
  tRtPrio = new Int32Array(16);
  tBoost = new Int32Array(16);
  tPickedAt = new Float64Array(16);
  tRunnableSince = new Float64Array(16);
  tSteal = new Float64Array(16);
  tLane = new Int32Array(16);
  tCause = new Int32Array(16);
  tPreemptedBy = new Int32Array(16);
  tParked = new Uint8Array(16);
  /** KVM steal_time.preempted: scheduled out while running and still runnable, not run since. */
  tPreFlag = new Uint8Array(16);
  /** VM index of VP threads (-1 other threads), and per VM the count of runnable-not-running VP threads. */
  tVm = new Int32Array(16);
  tRanBefore = new Int32Array(16);
  /** VP index of VP threads (bit index in `vmReady`). */
  private tVp = new Int32Array(16);
  /**
   * Per VM, one bit per VP: its thread is runnable and not running (TS_RUNNABLE, `isReady`). Lets
   * a directed yield find the next ready sibling by scanning words, not every vCPU (guest/locks.ts).
   */
  private vmReady: Uint32Array[] = [];
  /** 1 when the thread has at least one allowed pCPU (it can ever run). */
  private tCanRun = new Uint8Array(16);
  /** Scheduler of each thread's pool. */
  private tSched: PoolScheduler[] = [];
  /** Last thread that ran on each pCPU. */
  private readonly cLast: Int32Array;
  private vmPre: number[] = [];
  private vmListeners: (((now: Ns) => void) | undefined)[] = [];
  allowed: Int32Array[] = [];
  soft: Int32Array[] = [];
  private allowedBits: Uint32Array[] = [];
  private readonly affCache = new Map<string, { allowed: Int32Array; soft: Int32Array; bits: Uint32Array }>();
  private readonly affByRef = new Map<readonly number[], Map<readonly number[], Map<number, { allowed: Int32Array; soft: Int32Array; bits: Uint32Array }>>>();
  readonly specs: ThreadSpec[] = [];
  private bodies: ThreadBody[] = [];

  dWeight = new Float64Array(16);
  dCap = new Float64Array(16);
  readonly domains: DomainSpec[] = [];

  private readonly hid: number;
  private readonly sRunning: number;
  private readonly sRunnable: number;
  private readonly sBlocked: number;
  private readonly sIdle: number;
  private readonly causeCap: number;
  private readonly cSwitches: number;
  private readonly cPreempt: number;
  private readonly cMigr: number;
  private readonly cBoostIgnored: number;
  private started = false;

  constructor(
    readonly engine: Engine,
    private readonly rec: SimRecorder,
    private readonly stats: SimStats,
    ir: IrHost,
    /** Random streams (the Linux balancer's period); without them the balancer runs every 4 ms exactly. */
    rng?: RngStreams,
  ) {
    this.pcpus = ir.pcpus;
    this.cpuPool = new Int32Array(ir.pcpus).fill(-1);
    this.cCurr = new Int32Array(ir.pcpus).fill(-1);
    this.cLane = new Int32Array(ir.pcpus);
    this.cResched = new Int32Array(ir.pcpus);
    this.cSlice = new Int32Array(ir.pcpus);
    this.pendingTake = new Int32Array(ir.pcpus).fill(-1);
    this.cLast = new Int32Array(ir.pcpus).fill(-1);
    this.hid = engine.register(this);
    this.sRunning = rec.stateId(STATE_RUNNING);
    this.sRunnable = rec.stateId(STATE_RUNNABLE);
    this.sBlocked = rec.stateId(STATE_BLOCKED);
    this.sIdle = rec.stateId(STATE_IDLE);
    this.causeCap = rec.causeId('parked by cap');
    this.cSwitches = stats.counter('host.switches');
    this.cPreempt = stats.counter('host.preemptions');
    this.cMigr = stats.counter('host.migrations');
    this.cBoostIgnored = stats.counter('boost.ignored');
    for (let c = 0; c < ir.pcpus; c++) {
      this.cLane[c] = rec.lane({ id: `host/pcpu:${c}`, label: `CPU ${c}`, group: 'host', kind: 'pcpu' });
      this.cResched[c] = engine.timer(this.hid, c);
      this.cSlice[c] = engine.timer(this.hid, c + ir.pcpus);
    }
    for (const p of ir.pools) {
      const idx = this.pools.length;
      const cpus = p.cpus.filter((c) => c >= 0 && c < ir.pcpus && this.cpuPool[c] < 0);
      for (const c of cpus) this.cpuPool[c] = idx;
      let sched: PoolScheduler;
      if (p.sched === 'credit') sched = new CreditScheduler(this, engine, idx, cpus, p);
      else if (p.sched === 'credit2') sched = new Credit2Scheduler(this, engine, idx, cpus, p);
      else sched = new LinuxScheduler(this, engine, idx, cpus, p, Math.round(1e9 / (ir.hz && ir.hz > 0 ? ir.hz : DEFAULT_HZ)), rng?.stream(`host/pool:${p.name}/balance`));
      this.pools.push({ name: p.name, cpus, sched, schedName: p.sched, range: p.range });
    }
  }

  // ------------------------------------------------------------------ setup

  poolIndex(name: string): number {
    return this.pools.findIndex((p) => p.name === name);
  }

  poolCpus(pool: number): readonly number[] {
    return this.pools[pool]?.cpus ?? [];
  }

  createDomain(spec: DomainSpec): number {
    const d = this.domains.length;
    this.domains.push(spec);
    if (d === this.dWeight.length) {
      const w = new Float64Array(d * 2); w.set(this.dWeight); this.dWeight = w;
      const c = new Float64Array(d * 2); c.set(this.dCap); this.dCap = c;
    }
    this.dWeight[d] = Math.max(1, spec.weight);
    this.dCap[d] = Math.max(0, spec.capPercent);
    return d;
  }

  createThread(spec: ThreadSpec): number {
    if (this.started) throw new Error('createThread after the run started');
    const t = this.nThreads++;
    if (t === this.tState.length) this.growThreads();
    const pool = spec.pool >= 0 && spec.pool < this.pools.length ? spec.pool : 0;
    // Threads with the same affinity share one allowed list and bitmap (1,024 vCPUs on 1,024 pCPUs
    // would otherwise cost a million entries at setup).
    // Keyed by array identity first (a VM passes the same arrays for all its vCPUs), then by value.
    const soft0 = spec.cpusSoft ?? spec.cpus;
    let aff = this.affByRef.get(spec.cpus)?.get(soft0)?.get(pool);
    const key = aff ? '' : `${pool}|${spec.cpus.join(',')}|${soft0.join(',')}`;
    if (!aff) aff = this.affCache.get(key);
    if (!aff) {
      const poolCpus = this.pools[pool]?.cpus ?? [];
      const want = new Set(spec.cpus);
      let allowed = poolCpus.filter((c) => want.has(c));
      // An affinity outside the pool: Xen refuses the pinning; we fall back to the pool's CPUs and count it.
      if (allowed.length === 0 && poolCpus.length > 0) {
        allowed = poolCpus.slice();
        this.stats.count('host.affinity_outside_pool');
      }
      const softWant = new Set(spec.cpusSoft ?? spec.cpus);
      let soft = allowed.filter((c) => softWant.has(c));
      if (soft.length === 0) soft = allowed;
      const bits = new Uint32Array((this.pcpus + 31) >> 5);
      for (const c of allowed) bits[c >> 5] |= 1 << (c & 31);
      aff = { allowed: Int32Array.from(allowed.sort((a, b) => a - b)), soft: Int32Array.from(soft.sort((a, b) => a - b)), bits };
      this.affCache.set(key, aff);
    }
    let byRef = this.affByRef.get(spec.cpus);
    if (!byRef) this.affByRef.set(spec.cpus, (byRef = new Map()));
    let bySoft = byRef.get(soft0);
    if (!bySoft) byRef.set(soft0, (bySoft = new Map()));
    bySoft.set(pool, aff);
    const allowed = aff.allowed;
    this.specs.push(spec);
    this.bodies.push(spec.body ?? NO_BODY);
    this.allowed.push(aff.allowed);
    this.soft.push(aff.soft);
    this.allowedBits.push(aff.bits);
    this.tCanRun[t] = allowed.length > 0 ? 1 : 0;
    this.tSched.push(this.pools[pool]?.sched as PoolScheduler); // undefined only without pools (then it never runs)
    this.tState[t] = TS_BLOCKED;
    // Initial placement cycles over the allowed pCPUs (Xen places vCPU i of a domain on the i-th
    // CPU of its affinity; Linux spreads new threads), so a domain's vCPUs do not start stacked.
    this.tCpu[t] = allowed.length ? allowed[(spec.vp ?? t) % allowed.length] : -1;
    this.tPool[t] = pool;
    this.tDomain[t] = spec.domain;
    const pol = this.pools[pool]?.schedName;
    // A Linux pool whose scheduler is fifo/rr runs its normal threads with that policy.
    const policy = spec.policy === 'fifo' ? POLICY_FIFO : spec.policy === 'rr' ? POLICY_RR : pol === 'fifo' ? POLICY_FIFO : pol === 'rr' ? POLICY_RR : POLICY_NORMAL;
    this.tPolicy[t] = policy;
    this.tNice[t] = Math.max(-20, Math.min(19, spec.nice | 0));
    this.tRtPrio[t] = Math.max(1, Math.min(99, spec.rtPriority | 0));
    this.tBoost[t] = 0;
    this.tLane[t] = this.rec.lane({ id: spec.laneId, label: spec.laneLabel ?? spec.label, group: spec.group, kind: spec.kind === 'vcpu' ? 'vcpu' : 'thread', vm: spec.vm, vp: spec.vp, view: 'host' });
    this.tCause[t] = this.rec.causeId(spec.label);
    this.tPreemptedBy[t] = -1;
    this.tVm[t] = spec.kind === 'vcpu' && spec.vm !== undefined ? spec.vm : -1;
    if (this.tVm[t] >= 0) {
      const vm = this.tVm[t];
      while (this.vmPre.length <= vm) this.vmPre.push(0);
      while (this.vmReady.length <= vm) this.vmReady.push(new Uint32Array(1));
      const vp = Math.max(0, spec.vp ?? 0);
      this.tVp[t] = vp;
      const w = (vp >> 5) + 1;
      if (this.vmReady[vm].length < w) {
        const b = new Uint32Array(Math.max(w, 2 * this.vmReady[vm].length));
        b.set(this.vmReady[vm]);
        this.vmReady[vm] = b;
      }
    }
    this.rec.set(this.tLane[t], 0, this.sIdle);
    return t;
  }

  setBody(tid: number, body: ThreadBody): void {
    this.bodies[tid] = body;
  }

  /** Hands every thread to its pool's scheduler and arms periodic timers (time 0). */
  start(): void {
    this.started = true;
    for (let t = 0; t < this.nThreads; t++) if (this.allowed[t].length > 0) this.pools[this.tPool[t]].sched.addThread(t);
    for (const p of this.pools) p.sched.start(0);
    for (let c = 0; c < this.pcpus; c++) this.rec.set(this.cLane[c], 0, this.sIdle);
  }

  // ------------------------------------------------------------------ HostCore

  isAllowed(tid: number, cpu: number): boolean {
    return (this.allowedBits[tid][cpu >> 5] & (1 << (cpu & 31))) !== 0;
  }

  kick(cpu: number, now: Ns): void {
    const t = this.cResched[cpu];
    if (this.engine.dueAt(t) !== now) this.engine.arm(t, now);
  }

  charge(cpu: number, now: Ns): Ns {
    const cur = this.cCurr[cpu];
    if (cur < 0) return 0;
    const ran = now - this.tPickedAt[cur];
    this.tPickedAt[cur] = now;
    return ran;
  }

  ranSince(cpu: number, now: Ns): Ns {
    const cur = this.cCurr[cpu];
    return cur < 0 ? 0 : now - this.tPickedAt[cur];
  }

  setParked(tid: number, parked: boolean, now: Ns): void {
    this.tParked[tid] = parked ? 1 : 0;
    if (this.tState[tid] === TS_RUNNABLE) this.rec.set(this.tLane[tid], now, this.sRunnable, parked ? this.causeCap : -1);
  }

  count(name: string, n = 1): void {
    this.stats.count(name, n);
  }

  // ------------------------------------------------------------------ HostApi

  wake(tid: number, now: Ns): void {
    if (this.tState[tid] !== TS_BLOCKED) return;
    if (this.tCanRun[tid] === 0) return; // can never run (no CPU in its pool)
    this.tState[tid] = TS_RUNNABLE;
    if (this.tVm[tid] >= 0) this.readyBit(tid, true);
    this.tRunnableSince[tid] = now;
    this.rec.set(this.tLane[tid], now, this.sRunnable, this.tParked[tid] ? this.causeCap : -1);
    this.tSched[tid].wake(tid, now);
  }

  block(tid: number, now: Ns, why: number, cause = -1): void {
    if (this.tState[tid] !== TS_RUNNING) throw new Error(`block: thread ${this.specs[tid].label} is not running`);
    const cpu = this.tCpu[tid];
    const ran = now - this.tPickedAt[tid];
    this.tState[tid] = TS_BLOCKED;
    this.cCurr[cpu] = -1;
    this.cLast[cpu] = tid;
    this.engine.cancel(this.cSlice[cpu]);
    this.rec.set(this.tLane[tid], now, why === BLOCK_IDLE ? this.sIdle : this.sBlocked, cause);
    this.rec.set(this.cLane[cpu], now, this.sIdle);
    const sched = this.tSched[tid];
    sched.put(tid, cpu, now, ran, PUT_BLOCK);
    // Fast path: nothing could run here, so the reschedule event would only find idle.
    if (this.pendingTake[cpu] < 0 && sched.idleNow?.(cpu, now)) return;
    this.kick(cpu, now);
  }

  yield(tid: number, now: Ns): void {
    if (this.tState[tid] !== TS_RUNNING) return;
    const cpu = this.tCpu[tid];
    const ran = now - this.tPickedAt[tid];
    this.tState[tid] = TS_RUNNABLE;
    if (this.tVm[tid] >= 0) this.readyBit(tid, true);
    this.tRunnableSince[tid] = now;
    this.cCurr[cpu] = -1;
    this.cLast[cpu] = tid;
    this.engine.cancel(this.cSlice[cpu]);
    this.rec.set(this.tLane[tid], now, this.sRunnable);
    this.pre(tid, 1, now);
    this.rec.set(this.cLane[cpu], now, this.sIdle);
    this.tSched[tid].put(tid, cpu, now, ran, PUT_YIELD);
    this.kick(cpu, now);
  }

  yieldTo(tid: number, target: number, now: Ns): boolean {
    if (this.tState[tid] !== TS_RUNNING) return false;
    const cpu = this.tCpu[tid];
    const sched = this.pools[this.tPool[tid]].sched;
    const ok = target >= 0 && target !== tid && this.tState[target] === TS_RUNNABLE && this.tPool[target] === this.tPool[tid] && this.isAllowed(target, cpu) && !this.tParked[target];
    this.yield(tid, now);
    if (ok && sched.take(target, cpu, now)) {
      this.pendingTake[cpu] = target;
      return true;
    }
    return false;
  }
  /** Per pCPU: the directed-yield target to run at the next reschedule (-1 none). */
  private readonly pendingTake: Int32Array;

  setBoost(tid: number, rtPriority: number, now: Ns): void {
    const p = Math.max(0, Math.min(99, rtPriority | 0));
    if (this.tBoost[tid] === p) return;
    const sched = this.pools[this.tPool[tid]].sched;
    if (sched.kind !== 'linux') {
      this.stats.add(this.cBoostIgnored);
      return;
    }
    if (this.tState[tid] === TS_RUNNING) {
      // Charge the time run so far to the old class before switching.
      const cpu = this.tCpu[tid];
      sched.put(tid, cpu, now, this.charge(cpu, now), PUT_CHARGE);
    }
    this.tBoost[tid] = p;
    sched.reprioritize(tid, now);
  }

  boosted(tid: number): boolean {
    return this.tBoost[tid] > 0;
  }

  state(tid: number): number {
    return this.tState[tid];
  }

  cpuOf(tid: number): number {
    return this.tCpu[tid];
  }

  isPreempted(tid: number): boolean {
    return this.tPreFlag[tid] === 1;
  }

  singleTaskRunning(tid: number): boolean {
    const sched = this.tSched[tid];
    if (!sched?.queuedOnCpu) return false;
    return this.tState[tid] === TS_RUNNING && sched.queuedOnCpu(this.tCpu[tid]) === 0;
  }

  isReady(tid: number): boolean {
    return this.tState[tid] === TS_RUNNABLE;
  }

  stealNs(tid: number, now: Ns): Ns {
    return this.tSteal[tid] + (this.tState[tid] === TS_RUNNABLE ? now - this.tRunnableSince[tid] : 0);
  }

  laneOf(tid: number): number {
    return this.tLane[tid];
  }

  nameOf(tid: number): string {
    return this.specs[tid]?.label ?? `thread ${tid}`;
  }

  currentOn(cpu: number): number {
    return this.cCurr[cpu];
  }

  preemptedBy(tid: number): number {
    return this.tPreemptedBy[tid];
  }

  runnableSince(tid: number): Ns {
    return this.tRunnableSince[tid];
  }

  ranBefore(tid: number): number {
    return this.tRanBefore[tid];
  }

  readyVcpuBits(vm: number): Uint32Array | undefined {
    return this.vmReady[vm];
  }

  private readyBit(tid: number, on: boolean): void {
    const vp = this.tVp[tid];
    const b = this.vmReady[this.tVm[tid]];
    if (on) b[vp >> 5] |= 1 << (vp & 31);
    else b[vp >> 5] &= ~(1 << (vp & 31));
  }

  preemptedVcpus(vm: number): number {
    return this.vmPre[vm] ?? 0;
  }

  onVcpuPreempted(vm: number, fn: (now: Ns) => void): void {
    this.vmListeners[vm] = fn;
  }

  /**
   * A VP thread is scheduled out while running and still runnable (+1: its steal-time `preempted`
   * flag is set, kvm_sched_out) or runs again (-1: the flag clears, kvm_sched_in). A thread woken
   * from a halt is runnable (steal) but never flagged.
   */
  private pre(tid: number, delta: number, now: Ns): void {
    const vm = this.tVm[tid];
    if (vm < 0) return;
    if (delta > 0) {
      if (this.tPreFlag[tid]) return;
      this.tPreFlag[tid] = 1;
      this.vmPre[vm]++;
      this.vmListeners[vm]?.(now);
    } else if (this.tPreFlag[tid]) {
      this.tPreFlag[tid] = 0;
      this.vmPre[vm]--;
    }
  }

  // ------------------------------------------------------------------ events

  onEvent(arg: number, now: Ns): void {
    // Slice timers and reschedule IPIs both re-evaluate the pCPU.
    this.resched(arg >= this.pcpus ? arg - this.pcpus : arg, now);
  }

  private resched(cpu: number, now: Ns): void {
    const pool = this.cpuPool[cpu];
    if (pool < 0) return;
    const sched = this.pools[pool].sched;
    const prev = this.cCurr[cpu];
    if (prev >= 0) {
      const ran = now - this.tPickedAt[prev];
      this.tState[prev] = TS_RUNNABLE;
      if (this.tVm[prev] >= 0) this.readyBit(prev, true);
      sched.put(prev, cpu, now, ran, PUT_PREEMPT);
    }
    let next = -1;
    if (this.pendingTake[cpu] >= 0) {
      next = this.pendingTake[cpu]; // directed yield target, already dequeued by `take`
      this.pendingTake[cpu] = -1;
      if (this.tState[next] !== TS_RUNNABLE) next = sched.pick(cpu, now);
    } else next = sched.pick(cpu, now);
    if (next === prev && prev >= 0) {
      this.tState[prev] = TS_RUNNING;
      if (this.tVm[prev] >= 0) this.readyBit(prev, false);
      this.tPickedAt[prev] = now;
      this.armSlice(sched, cpu, prev, now);
      return;
    }
    this.cCurr[cpu] = next;
    if (prev >= 0) {
      this.tRunnableSince[prev] = now;
      this.tPreemptedBy[prev] = next;
      this.pre(prev, 1, now);
      this.stats.add(this.cPreempt);
      this.rec.set(this.tLane[prev], now, this.sRunnable, this.tParked[prev] ? this.causeCap : -1);
    }
    if (next >= 0) {
      this.stats.add(this.cSwitches);
      if (this.tCpu[next] !== cpu) {
        this.stats.add(this.cMigr);
        this.tCpu[next] = cpu;
      }
      this.tState[next] = TS_RUNNING;
      if (this.tVm[next] >= 0) this.readyBit(next, false);
      this.tPickedAt[next] = now;
      this.tRanBefore[next] = prev >= 0 ? prev : this.cLast[cpu];
      this.cLast[cpu] = next;
      this.tSteal[next] += now - this.tRunnableSince[next];
      this.pre(next, -1, now);
      this.rec.set(this.tLane[next], now, this.sRunning);
      this.rec.set(this.cLane[cpu], now, this.sRunning, this.tCause[next]);
      this.armSlice(sched, cpu, next, now);
    } else {
      this.engine.cancel(this.cSlice[cpu]);
      this.rec.set(this.cLane[cpu], now, this.sIdle);
    }
    if (prev >= 0) this.bodies[prev].suspend(prev, now);
    if (next >= 0 && this.cCurr[cpu] === next && this.tState[next] === TS_RUNNING) this.bodies[next].resume(next, cpu, now);
  }

  private armSlice(sched: PoolScheduler, cpu: number, tid: number, now: Ns): void {
    const s = sched.sliceNs(tid, cpu, now);
    if (s === Infinity) this.engine.cancel(this.cSlice[cpu]);
    else this.engine.arm(this.cSlice[cpu], now + Math.max(1, Math.round(s)));
  }

  /** Closes accounting at the end of the run (steal of threads still runnable). */
  finish(now: Ns): void {
    for (let t = 0; t < this.nThreads; t++) {
      if (this.tState[t] === TS_RUNNABLE) {
        this.tSteal[t] += now - this.tRunnableSince[t];
        this.tRunnableSince[t] = now;
      }
    }
  }

  private growThreads(): void {
    const n = this.tState.length * 2;
    const i8 = (a: Int8Array) => { const b = new Int8Array(n); b.set(a); return b; };
    const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
    const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    const f64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    this.tState = i8(this.tState);
    this.tCpu = i32(this.tCpu);
    this.tPool = i32(this.tPool);
    this.tDomain = i32(this.tDomain);
    this.tPolicy = i8(this.tPolicy);
    this.tNice = i8(this.tNice);
    this.tRtPrio = i32(this.tRtPrio);
    this.tBoost = i32(this.tBoost);
    this.tPickedAt = f64(this.tPickedAt);
    this.tRunnableSince = f64(this.tRunnableSince);
    this.tSteal = f64(this.tSteal);
    this.tLane = i32(this.tLane);
    this.tCause = i32(this.tCause);
    this.tPreemptedBy = i32(this.tPreemptedBy);
    this.tParked = u8(this.tParked);
    this.tPreFlag = u8(this.tPreFlag);
    this.tCanRun = u8(this.tCanRun);
    this.tVm = i32(this.tVm);
    this.tVp = i32(this.tVp);
    this.tRanBefore = i32(this.tRanBefore);
  }
}
