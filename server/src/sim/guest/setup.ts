/**
 * Builds the guest of one VM from the IR: thread arrays, locks, regions, interrupt sources,
 * intercepts and IO loads (event handlers are registered in a fixed order: determinism).
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import type { TextRange } from '../../core/text';
import { type CompiledProgram, Releases, TRIG_LOOP, compileProgram, firstRelease } from '../program';
import type { Rng } from '../rng';
import * as consts from './consts';
import { GuestState, type IoLoadRt, type RegionRt } from './state';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { ADAPT_WINDOW_NS, A_NONE, G_BLOCKED, LK_MUTEX, LK_SPIN, LK_TICKET, SPIN_FOREVER_NS } = consts;

declare module './state' {
  interface GuestState {
    allocThreads(n: number): void;
    addThread(name: string, range: TextRange, allowed: Int32Array, rt: boolean, task: number, prog: CompiledProgram | null, rng: Rng, region: number): number;
    build(): void;
  }
}

GuestState.prototype.allocThreads = function (this: GuestState, n: number): void {
  const f = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
  const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
  const i8 = (a: Int8Array) => { const b = new Int8Array(n); b.set(a); return b; };
  const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
  this.gState = i8(this.gState);
  this.gVcpu = i32(this.gVcpu);
  this.gPc = i32(this.gPc);
  this.gAct = i8(this.gAct);
  this.gLeft = f(this.gLeft);
  this.gSpinLeft = f(this.gSpinLeft);
  this.gCs = f(this.gCs);
  this.gHold = i32(this.gHold);
  this.gWaitLock = i32(this.gWaitLock);
  this.gRt = u8(this.gRt);
  this.gRelease = f(this.gRelease);
  this.gPasses = f(this.gPasses);
  this.gReleased = f(this.gReleased);
  this.gWaitSince = f(this.gWaitSince);
  this.gStealAt = f(this.gStealAt);
  this.gInAt = f(this.gInAt);
  this.gWaitV = i32(this.gWaitV);
  this.gWokeAt = f(this.gWokeAt);
  this.gLockWaitStart = f(this.gLockWaitStart);
  this.gLockOffAt = f(this.gLockOffAt);
  this.gLockGrantAt = f(this.gLockGrantAt);
  this.gRegion = i32(this.gRegion);
  this.gWork = f(this.gWork);
  this.gTask = i32(this.gTask);
  this.gRelTimer = i32(this.gRelTimer);
  this.gWakeTimer = i32(this.gWakeTimer);
  this.rq.ensureItems(n);
};

GuestState.prototype.addThread = function (this: GuestState, name: string, range: TextRange, allowed: Int32Array, rt: boolean, task: number, prog: CompiledProgram | null, rng: Rng, region: number): number {
  const t = this.nt++;
  if (t >= this.gState.length) this.allocThreads(Math.max(16, this.gState.length * 2));
  this.gState[t] = G_BLOCKED;
  this.gVcpu[t] = allowed[0];
  this.gPc[t] = -1;
  this.gAct[t] = A_NONE;
  this.spinSync(this.gVcpu[t]);
  this.gHold[t] = -1;
  this.gWaitLock[t] = -1;
  this.gRt[t] = rt ? 1 : 0;
  this.gWaitSince[t] = -1;
  this.gRegion[t] = region;
  this.gTask[t] = task;
  this.gProg.push(prog);
  this.gRng.push(rng);
  this.gReleases.push(prog && prog.trig !== TRIG_LOOP ? new Releases() : null);
  this.gAllowed.push(allowed);
  this.gName.push(name);
  this.gRange.push(range);
  return t;
};

GuestState.prototype.build = function (this: GuestState): void {
  const { ctx, vm } = this;
  const g = vm.guest;
  const eng = ctx.engine;
  const thH = eng.registerFn((a, now) => this.onThreadTimer(a, now));
  for (const l of g.locks) {
    this.lockIdx.set(l.name, this.locks.length);
    this.locks.push({ ir: l, index: this.locks.length, kind: l.kind === 'ticket' ? LK_TICKET : l.kind === 'mutex' ? LK_MUTEX : LK_SPIN, holder: -1, granted: false, waiters: [], offAcc: 0, grantAcc: 0, offSince: -1, offIsGrant: false, acquisitions: 0, contended: 0 });
  }
  const vcpuList = (l: readonly number[]) => {
    const out = [...new Set(l.filter((v) => v >= 0 && v < this.nv))].sort((a, b) => a - b);
    return out.length ? out : Array.from({ length: this.nv }, (_, i) => i);
  };
  for (const th of g.threads) {
    const prog = compileProgram(th.program);
    const task = ctx.stats.task({ name: th.name, kind: 'guest-thread', vm: vm.name, range: th.range, measures: prog.trig === TRIG_LOOP ? 'pass' : 'latency' });
    const allowed = Int32Array.from(vcpuList(th.vcpus)); // shared by the statement's threads
    for (let i = 0; i < Math.max(1, th.count); i++) {
      ctx.setupTick?.();
      const name = th.count > 1 ? `${th.name}#${i}` : th.name;
      const rng = ctx.rng.stream(`vm:${vm.name}/thread:${th.name}#${i}`);
      const t = this.addThread(name, th.range, allowed, th.rt, task, prog, rng, -1);
      if (prog.count > 0 && prog.steps.length > 0) {
        this.gRelTimer[t] = eng.timer(thH, t * 2);
        this.gWakeTimer[t] = eng.timer(thH, t * 2 + 1);
        eng.arm(this.gRelTimer[t], firstRelease(prog, rng));
      } else {
        this.gWakeTimer[t] = eng.timer(thH, t * 2 + 1);
        this.gRelTimer[t] = eng.timer(thH, t * 2);
      }
    }
  }
  g.parallel.forEach((p, ri) => {
    const task = ctx.stats.task({ name: p.name, kind: 'parallel', vm: vm.name, range: p.range, measures: 'round' });
    const n = Math.max(1, p.threads || this.nv);
    const r: RegionRt = {
      ir: p, index: ri, task, team: [], active: new Uint8Array(n), nActive: 0, arrived: 0, round: 0, roundStart: 0, firstArrival: -1,
      lastArriver: -1, preemptedInRound: false, spinForever: !(p.spinLimitNs < SPIN_FOREVER_NS) || p.spinLimitNs === Infinity,
      done: false, finishedAt: -1, dopSum: 0, roundsWithPreemption: 0, roundsReduced: 0, spinNs: 0, spinPreemptedNs: 0, blocks: 0,
      rng: ctx.rng.stream(`vm:${vm.name}/parallel:${p.name}`),
      adaptAt: ADAPT_WINDOW_NS, adaptFrom: 0, adaptSteal: new Float64Array(n), dopChanges: 0, calm: 0,
    };
    r.active.fill(1);
    r.nActive = n;
    if (p.barrier === 'paravirt') this.hasParavirt = true;
    for (let i = 0; i < n; i++) {
      ctx.setupTick?.();
      const t = this.addThread(`${p.name}#${i}`, p.range, Int32Array.of(i % this.nv), false, task, null, r.rng, ri);
      this.gWakeTimer[t] = -1;
      this.gRelTimer[t] = -1;
      r.team.push(t);
    }
    this.regions.push(r);
    if (p.rounds > 0) eng.post(eng.registerFn((_a, now) => this.startRound(r, now, -1)), 0, Math.max(0, p.startNs ?? 0));
  });
  // Interrupt sources: one Poisson stream per (source, target vCPU).
  const irqH = eng.registerFn((i, now) => this.onIrq(i, now));
  g.irqs.forEach((irq, si) => {
    const task = ctx.stats.task({ name: irq.name, kind: 'guest-irq', vm: vm.name, range: irq.range, measures: 'latency' });
    this.irqs.push({ ir: irq, task, cause: ctx.rec.causeId(`irq ${irq.name}`) });
    if (!(irq.ratePerSec > 0)) return;
    for (const v of vcpuList(irq.vcpus)) {
      const idx = this.irqTargets.length;
      const rng = ctx.rng.stream(`vm:${vm.name}/irq:${irq.name}/vcpu:${v}`);
      const timer = eng.timer(irqH, idx);
      this.irqTargets.push({ src: si, v, timer, rng });
      eng.arm(timer, rng.interarrival(irq.ratePerSec));
    }
  });
  // Intercepts: a combined Poisson countdown per vCPU in guest-execution time.
  for (const ic of g.intercepts) {
    if (!(ic.ratePerSec > 0)) continue;
    const vs = new Set(vcpuList(ic.vcpus));
    this.icSources.push({ rate: ic.ratePerSec, dur: ic.dur, cause: ctx.rec.causeId(`intercept ${ic.name}`), range: ic.range, vcpus: vs });
    for (const v of vs) this.vIcRate[v] += ic.ratePerSec;
  }
  for (let v = 0; v < this.nv; v++) this.vIcLeft[v] = this.vIcRate[v] > 0 ? this.icRng.interarrival(this.vIcRate[v]) : Infinity;
  // IO loads.
  const ioH = eng.registerFn((i, now) => this.onIoArrival(i, now));
  const startH = eng.registerFn((i, now) => this.startClosedLoop(i, now));
  g.ioloads.forEach((l, i) => {
    const task = ctx.stats.task({ name: l.name, kind: 'ioload', vm: vm.name, range: l.range, measures: 'latency' });
    const { ctrl, disk } = this.diskIndex(l.controller, l.disk);
    const rt: IoLoadRt = { ir: l, task, rng: ctx.rng.stream(`vm:${vm.name}/ioload:${l.name}`), timer: eng.timer(ioH, i), ctrl, disk, vcpus: vcpuList(l.vcpus), rr: 0, inflight: 0, closed: Boolean(l.depth && l.depth > 0 && !(l.ratePerSec && l.ratePerSec > 0)), ratePerSec: l.ratePerSec ?? 0 };
    this.ioloads.push(rt);
    if (l.ratePerSec && l.ratePerSec > 0) eng.arm(rt.timer, rt.rng.interarrival(l.ratePerSec));
    else if (l.depth && l.depth > 0) eng.post(startH, i, 0);
  });
};
