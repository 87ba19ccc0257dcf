/**
 * Builds the guest of one VM from the IR: thread arrays, locks, regions, interrupt sources,
 * intercepts and IO loads (event handlers are registered in a fixed order: determinism).
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import type { TextRange } from '../../core/text';
import { type CompiledProgram, Releases, TRIG_LOOP, compileProgram, firstRelease } from '../program';
import type { Rng } from '../rng';
import { ADAPT_WINDOW_NS, A_NONE, G_BLOCKED, LK_MUTEX, LK_SPIN, LK_TICKET, SPIN_FOREVER_NS } from './consts';
import { onIrq } from './interrupts';
import { startRound } from './regions';
import type { GuestState, IoLoadRt, RegionRt } from './state';
import { onThreadTimer } from './steps';
import { diskIndex, onIoArrival, startClosedLoop } from './storage';

export function allocThreads(g: GuestState, n: number): void {
  const f = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
  const i32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
  const i8 = (a: Int8Array) => { const b = new Int8Array(n); b.set(a); return b; };
  const u8 = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
  g.gState = i8(g.gState);
  g.gVcpu = i32(g.gVcpu);
  g.gPc = i32(g.gPc);
  g.gAct = i8(g.gAct);
  g.gLeft = f(g.gLeft);
  g.gSpinLeft = f(g.gSpinLeft);
  g.gCs = f(g.gCs);
  g.gHold = i32(g.gHold);
  g.gWaitLock = i32(g.gWaitLock);
  g.gRt = u8(g.gRt);
  g.gRelease = f(g.gRelease);
  g.gPasses = f(g.gPasses);
  g.gReleased = f(g.gReleased);
  g.gWaitSince = f(g.gWaitSince);
  g.gStealAt = f(g.gStealAt);
  g.gInAt = f(g.gInAt);
  g.gWaitV = i32(g.gWaitV);
  g.gLockWaitStart = f(g.gLockWaitStart);
  g.gLockOffAt = f(g.gLockOffAt);
  g.gLockGrantAt = f(g.gLockGrantAt);
  g.gRegion = i32(g.gRegion);
  g.gWork = f(g.gWork);
  g.gTask = i32(g.gTask);
  g.gRelTimer = i32(g.gRelTimer);
  g.gWakeTimer = i32(g.gWakeTimer);
  g.rq.ensureItems(n);
}

export function addThread(g: GuestState, name: string, range: TextRange, allowed: Int32Array, rt: boolean, task: number, prog: CompiledProgram | null, rng: Rng, region: number): number {
  const t = g.nt++;
  if (t >= g.gState.length) allocThreads(g, Math.max(16, g.gState.length * 2));
  g.gState[t] = G_BLOCKED;
  g.gVcpu[t] = allowed[0];
  g.gPc[t] = -1;
  g.gAct[t] = A_NONE;
  g.gHold[t] = -1;
  g.gWaitLock[t] = -1;
  g.gRt[t] = rt ? 1 : 0;
  g.gWaitSince[t] = -1;
  g.gRegion[t] = region;
  g.gTask[t] = task;
  g.gProg.push(prog);
  g.gRng.push(rng);
  g.gReleases.push(prog && prog.trig !== TRIG_LOOP ? new Releases() : null);
  g.gAllowed.push(allowed);
  g.gName.push(name);
  g.gRange.push(range);
  return t;
}

export function build(g: GuestState): void {
  const { ctx, vm } = g;
  const gi = vm.guest;
  const eng = ctx.engine;
  const thH = eng.register({ onEvent: (a, now) => onThreadTimer(g, a, now) });
  for (const l of gi.locks) {
    g.lockIdx.set(l.name, g.locks.length);
    g.locks.push({ ir: l, index: g.locks.length, kind: l.kind === 'ticket' ? LK_TICKET : l.kind === 'mutex' ? LK_MUTEX : LK_SPIN, holder: -1, granted: false, waiters: [], offAcc: 0, grantAcc: 0, offSince: -1, offIsGrant: false, acquisitions: 0, contended: 0 });
  }
  const vcpuList = (l: readonly number[]) => {
    const out = [...new Set(l.filter((v) => v >= 0 && v < g.nv))].sort((a, b) => a - b);
    return out.length ? out : Array.from({ length: g.nv }, (_, i) => i);
  };
  for (const th of gi.threads) {
    const prog = compileProgram(th.program);
    const task = ctx.stats.task({ name: th.name, kind: 'guest-thread', vm: vm.name, range: th.range, measures: prog.trig === TRIG_LOOP ? 'pass' : 'latency' });
    const allowed = Int32Array.from(vcpuList(th.vcpus)); // shared by the statement's threads
    for (let i = 0; i < Math.max(1, th.count); i++) {
      const name = th.count > 1 ? `${th.name}#${i}` : th.name;
      const rng = ctx.rng.stream(`vm:${vm.name}/thread:${th.name}#${i}`);
      const t = addThread(g, name, th.range, allowed, th.rt, task, prog, rng, -1);
      if (prog.count > 0 && prog.steps.length > 0) {
        g.gRelTimer[t] = eng.timer(thH, t * 2);
        g.gWakeTimer[t] = eng.timer(thH, t * 2 + 1);
        eng.arm(g.gRelTimer[t], firstRelease(prog, rng));
      } else {
        g.gWakeTimer[t] = eng.timer(thH, t * 2 + 1);
        g.gRelTimer[t] = eng.timer(thH, t * 2);
      }
    }
  }
  gi.parallel.forEach((p, ri) => {
    const task = ctx.stats.task({ name: p.name, kind: 'parallel', vm: vm.name, range: p.range, measures: 'round' });
    const n = Math.max(1, p.threads || g.nv);
    const r: RegionRt = {
      ir: p, index: ri, task, team: [], active: new Uint8Array(n), nActive: 0, arrived: 0, round: 0, roundStart: 0, firstArrival: -1,
      lastArriver: -1, preemptedInRound: false, spinForever: !(p.spinLimitNs < SPIN_FOREVER_NS) || p.spinLimitNs === Infinity,
      done: false, finishedAt: -1, dopSum: 0, roundsWithPreemption: 0, roundsReduced: 0, spinNs: 0, spinPreemptedNs: 0, blocks: 0,
      rng: ctx.rng.stream(`vm:${vm.name}/parallel:${p.name}`),
      adaptAt: ADAPT_WINDOW_NS, adaptFrom: 0, adaptSteal: new Float64Array(n), dopChanges: 0, calm: 0,
    };
    r.active.fill(1);
    r.nActive = n;
    if (p.barrier === 'paravirt') g.hasParavirt = true;
    for (let i = 0; i < n; i++) {
      const t = addThread(g, `${p.name}#${i}`, p.range, Int32Array.of(i % g.nv), false, task, null, r.rng, ri);
      g.gWakeTimer[t] = -1;
      g.gRelTimer[t] = -1;
      r.team.push(t);
    }
    g.regions.push(r);
    if (p.rounds > 0) eng.post(eng.register({ onEvent: (_a, now) => startRound(g, r, now, -1) }), 0, Math.max(0, p.startNs ?? 0));
  });
  // Interrupt sources: one Poisson stream per (source, target vCPU).
  const irqH = eng.register({ onEvent: (i, now) => onIrq(g, i, now) });
  gi.irqs.forEach((irq, si) => {
    const task = ctx.stats.task({ name: irq.name, kind: 'guest-irq', vm: vm.name, range: irq.range, measures: 'latency' });
    g.irqs.push({ ir: irq, task, cause: ctx.rec.causeId(`irq ${irq.name}`) });
    if (!(irq.ratePerSec > 0)) return;
    for (const v of vcpuList(irq.vcpus)) {
      const idx = g.irqTargets.length;
      const rng = ctx.rng.stream(`vm:${vm.name}/irq:${irq.name}/vcpu:${v}`);
      const timer = eng.timer(irqH, idx);
      g.irqTargets.push({ src: si, v, timer, rng });
      eng.arm(timer, rng.interarrival(irq.ratePerSec));
    }
  });
  // Intercepts: a combined Poisson countdown per vCPU in guest-execution time.
  for (const ic of gi.intercepts) {
    if (!(ic.ratePerSec > 0)) continue;
    const vs = new Set(vcpuList(ic.vcpus));
    g.icSources.push({ rate: ic.ratePerSec, dur: ic.dur, cause: ctx.rec.causeId(`intercept ${ic.name}`), range: ic.range, vcpus: vs });
    for (const v of vs) g.vIcRate[v] += ic.ratePerSec;
  }
  for (let v = 0; v < g.nv; v++) g.vIcLeft[v] = g.vIcRate[v] > 0 ? g.icRng.interarrival(g.vIcRate[v]) : Infinity;
  // IO loads.
  const ioH = eng.register({ onEvent: (i, now) => onIoArrival(g, i, now) });
  const startH = eng.register({ onEvent: (i, now) => startClosedLoop(g, i, now) });
  gi.ioloads.forEach((l, i) => {
    const task = ctx.stats.task({ name: l.name, kind: 'ioload', vm: vm.name, range: l.range, measures: 'latency' });
    const { ctrl, disk } = diskIndex(g, l.controller, l.disk);
    const rt: IoLoadRt = { ir: l, task, rng: ctx.rng.stream(`vm:${vm.name}/ioload:${l.name}`), timer: eng.timer(ioH, i), ctrl, disk, vcpus: vcpuList(l.vcpus), rr: 0, inflight: 0, closed: Boolean(l.depth && l.depth > 0 && !(l.ratePerSec && l.ratePerSec > 0)), ratePerSec: l.ratePerSec ?? 0 };
    g.ioloads.push(rt);
    if (l.ratePerSec && l.ratePerSec > 0) eng.arm(rt.timer, rt.rng.interarrival(l.ratePerSec));
    else if (l.depth && l.depth > 0) eng.post(startH, i, 0);
  });
}
