/**
 * The guest (VTL0) of one VM: guest threads on vCPUs with the guest's own scheduler, locks,
 * parallel regions with barriers, interrupts, intercepts and storage IO. Each vCPU is exposed to
 * its outer per-VP model as a `Vtl0` (contracts.ts); the guest only executes between `enter` and
 * the moment it halts, exits or is left.
 *
 * Model (model.md section 3; docs/sim.md "Guest"):
 * - Guest scheduler per vCPU: RT threads first (FIFO), normal threads round-robin with `slice`.
 *   A woken thread goes to an idle (halted) allowed vCPU if there is one (the guest avoids
 *   preempted vCPUs: a preempted vCPU is never idle), else where it last ran; a vCPU about to halt
 *   pulls a waiting thread from another vCPU.
 * - Locks: `spin` (test-and-set: on release a *running* spinner takes it; spinners on preempted
 *   vCPUs do not block others), `ticket` (FIFO hand-off: the next waiter gets it even if its vCPU
 *   is preempted, and everyone behind waits: lock-waiter preemption), `mutex` (waiters sleep; the
 *   holder being preempted stalls them all: lock-holder preemption). Kernel spinning disables
 *   preemption (KVM preempt_limit) and is subject to pause-loop exiting.
 * - Parallel regions (OpenMP-like): a team of threads, thread i bound to vCPU i mod vCPUs; each
 *   round the `threads` work chunks are dealt to the active threads; the last to arrive at the
 *   barrier starts the next round. Barrier waits: spin (active), block (passive, after
 *   `spin_limit`), paravirt (spin unless a sibling vCPU is preempted, then block). DoP `adaptive`
 *   runs a round only on threads whose vCPU is not preempted (needs steal time / the preempted
 *   flag). Waking blocked threads costs the waker an IPI exit per halted vCPU, and the woken vCPU
 *   its halt wake-up.
 * - Pause-loop exiting: a vCPU spinning in kernel mode for `window` exits (the window grows by
 *   `grow` up to `max_window`, back to `window` when the vCPU halts) and, with directed yield,
 *   hands its pCPU to a preempted sibling (the lock holder's vCPU first). User-mode spinning never
 *   exits.
 * - Interrupts (`irq`): Poisson per target vCPU; masked windows delay taking them; a sample per
 *   interrupt is its delivery latency (arrival -> the guest takes it).
 * - Intercepts: Poisson in guest-execution time per vCPU; each is an exit of its duration.
 * - Storage: `disk_io` steps and `ioload`s go to the StorageModel of the VM (OpenHCL StorVSP) or,
 *   without one, complete after a plain latency; completions are interrupts on a vCPU and count
 *   when the guest takes them.
 */
import type { TextRange } from '../../core/text';
import type { BoostInterrupt, GuestLock, IoLoad, Irq, ParallelRegion, Vm } from '../../model/ir';
import {
  EXIT_INTERCEPT,
  EXIT_IPI,
  EXIT_PAM_REMAP,
  EXIT_PLE,
  EXIT_RTC_READ,
  EXIT_RTC_WRITE,
  EXIT_STEP,
  EXIT_UNBOOST,
  type HostApi,
  type IoSink,
  type SimContext,
  type Stats,
  type StorageModel,
  type Vtl0,
  type Vtl0Outer,
} from '../contracts';
import type { Engine, EventHandler, Ns } from '../engine';
import { Lists, DenseSet } from '../host/lists';
import type { KvmVm } from '../kvm';
import {
  compileProgram,
  firstRelease,
  nextRelease,
  Releases,
  ST_CPU,
  ST_DISK_IO,
  ST_EXIT,
  ST_LOCK,
  ST_PAM_REMAP,
  ST_RTC_READ,
  ST_RTC_WRITE,
  ST_SLEEP,
  TRIG_LOOP,
  type CompiledProgram,
} from '../program';
import type { Rng } from '../rng';
import { fmtNs } from '../util';
import { IPI_SEND_NS, PLAIN_DISK_LATENCY_NS, PLAIN_GET_EXIT_NS, PLE_EXIT_NS } from './costs';
import { GuestLanes } from './lanes';

const V_OUT = 0;
const V_IN = 1;
const V_EXIT = 2;
const V_HALTED = 3;

const G_BLOCKED = 0;
const G_QUEUED = 1;
const G_CUR = 2;
const G_DONE = 3;

const A_NONE = 0;
const A_CPU = 1;
const A_LOCK_SPIN = 2;
const A_BAR_SPIN = 3;

// drive results of beginStep
const R_STARTED = 0;
const R_LEFT = 1;
const R_EXITED = 2;
const R_CONTINUE = 3;

const IT_IRQ = 0;
const IT_IO_DONE = 1;
const IT_IO_SUBMIT = 2;

const TK_THREAD = 0;
const TK_LOAD = 1;

const LK_SPIN = 0;
const LK_TICKET = 1;
const LK_MUTEX = 2;

/** A value of spin_limit at or above this is "forever". */
const SPIN_FOREVER_NS = 1e15;

/**
 * Per-vCPU FIFO of pending guest items (interrupts, IO completions, IO submissions): a ring of
 * records (type, argument, arrival time, masked-until time) in one Float64Array. Capacity: a power
 * of two.
 */
class ItemRing {
  buf = new Float64Array(4 * 8);
  mask = 7;
  head = 0;
  size = 0;
  push(type: number, a: number, t: Ns, until: Ns): void {
    if (this.size > this.mask) this.grow();
    const i = 4 * ((this.head + this.size) & this.mask);
    const b = this.buf;
    b[i] = type;
    b[i + 1] = a;
    b[i + 2] = t;
    b[i + 3] = until;
    this.size++;
  }
  private grow(): void {
    const cap = 2 * (this.mask + 1);
    const b = new Float64Array(4 * cap);
    for (let k = 0; k < this.size; k++) {
      const src = 4 * ((this.head + k) & this.mask);
      for (let j = 0; j < 4; j++) b[4 * k + j] = this.buf[src + j];
    }
    this.buf = b;
    this.head = 0;
    this.mask = cap - 1;
  }
  pop(): void {
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }
}

export interface LockRt {
  ir: GuestLock;
  index: number;
  kind: number;
  holder: number;
  /** The holder got the lock by hand-off and has not started its critical section yet. */
  granted: boolean;
  waiters: number[];
  /** Time the holder has been not executing (holding or granted), accumulated, and since when. */
  offAcc: number;
  grantAcc: number;
  offSince: number;
  offIsGrant: boolean;
  acquisitions: number;
  contended: number;
}

export interface RegionRt {
  ir: ParallelRegion;
  index: number;
  task: number;
  team: number[];
  active: Uint8Array;
  nActive: number;
  arrived: number;
  round: number;
  roundStart: number;
  firstArrival: number;
  lastArriver: number;
  preemptedInRound: boolean;
  spinForever: boolean;
  done: boolean;
  finishedAt: number;
  dopSum: number;
  roundsWithPreemption: number;
  roundsReduced: number;
  spinNs: number;
  spinPreemptedNs: number;
  blocks: number;
  rng: Rng;
}

interface IoLoadRt {
  ir: IoLoad;
  task: number;
  rng: Rng;
  timer: number;
  ctrl: number;
  disk: number;
  vcpus: number[];
  rr: number;
  inflight: number;
  /** Closed loop (`depth` without `rate`): the completing vCPU resubmits. */
  closed: boolean;
  ratePerSec: number;
}

interface IrqRt {
  ir: Irq;
  task: number;
  cause: number;
}

/** Guest-side facts the run analysis reads (findings). */
export interface GuestFacts {
  spinNs: number;
  spinWhilePreemptedNs: number;
  pleExits: number;
  directedYields: number;
  lockWaitNs: number;
  regions: RegionRt[];
  locks: LockRt[];
}

export class GuestVm {
  readonly vcpus: GuestVcpu[] = [];
  private outer: Vtl0Outer[] = [];
  private readonly host: HostApi;
  private readonly nv: number;
  readonly vmName: string;
  private storage: StorageModel | null = null;
  readonly io: IoSink;

  // vCPU state
  private readonly vState: Int8Array;
  private readonly vCur: Int32Array;
  private readonly vSince: Float64Array;
  private readonly vSliceLeft: Float64Array;
  private readonly vInAcc: Float64Array;
  private readonly vInSince: Float64Array;
  private readonly vDriving: Uint8Array;
  private readonly vPleWin: Float64Array;
  private readonly vPleLeft: Float64Array;
  private readonly vIcLeft: Float64Array;
  private readonly vIcRate: Float64Array;
  private readonly vTimer: Int32Array;
  private readonly vIcTimer: Int32Array;
  private readonly vIrqTimer: Int32Array;
  private readonly vItems: ItemRing[] = [];
  private readonly rq: Lists; // list 2v: RT, 2v+1: normal
  private readonly waitingV: DenseSet; // vCPUs with queued threads
  private readonly halted: DenseSet;
  vcpuTids: readonly number[] = [];

  // thread state
  private nt = 0;
  private gState = new Int8Array(0);
  private gVcpu = new Int32Array(0);
  private gPc = new Int32Array(0);
  private gAct = new Int8Array(0);
  private gLeft = new Float64Array(0);
  private gSpinLeft = new Float64Array(0);
  private gCs = new Float64Array(0);
  private gHold = new Int32Array(0);
  private gWaitLock = new Int32Array(0);
  private gRt = new Uint8Array(0);
  private gRelease = new Float64Array(0);
  private gPasses = new Float64Array(0);
  private gReleased = new Float64Array(0);
  private gWaitSince = new Float64Array(0);
  private gStealAt = new Float64Array(0);
  private gInAt = new Float64Array(0);
  private gWaitV = new Int32Array(0);
  private gLockWaitStart = new Float64Array(0);
  private gLockOffAt = new Float64Array(0);
  private gLockGrantAt = new Float64Array(0);
  private gRegion = new Int32Array(0);
  private gWork = new Float64Array(0);
  private gTask = new Int32Array(0);
  private gProg: (CompiledProgram | null)[] = [];
  private gRng: Rng[] = [];
  private gReleases: (Releases | null)[] = [];
  private gAllowed: Int32Array[] = [];
  private gName: string[] = [];
  private gRange: TextRange[] = [];
  private gRelTimer = new Int32Array(0);
  private gWakeTimer = new Int32Array(0);

  private readonly locks: LockRt[] = [];
  private readonly lockIdx = new Map<string, number>();
  private readonly regions: RegionRt[] = [];
  private readonly ioloads: IoLoadRt[] = [];
  private readonly irqs: IrqRt[] = [];
  private readonly irqTargets: { src: number; v: number; timer: number; rng: Rng }[] = [];
  private readonly icSources: { rate: number; dur: import('../../model/ir').Dist; cause: number; range: TextRange; vcpus: Set<number> }[] = [];
  private readonly icRng: Rng;
  private readonly pvTimer: number;
  private hasParavirt = false;

  // IO tokens
  private tkKind = new Int8Array(64);
  private tkOwner = new Int32Array(64);
  private tkStart = new Float64Array(64);
  private tkVcpu = new Int32Array(64);
  /** Free token stack (LIFO). */
  private tkFree = new Int32Array(64);
  private tkFreeN = 0;
  private tkNext = 0;
  private readonly plainIoHid: number;
  private readonly plainIoRng: Rng;

  readonly facts: GuestFacts;
  private readonly cSpinNs: number;
  private readonly cPle: number;
  private readonly cYield: number;
  private readonly cIgnored: number;
  private readonly cIoSubmit: number;
  private readonly causePle: number;
  private readonly causeUnboost: number;
  private readonly causeIpi: number;
  private readonly causeRtc: number;
  private readonly causePam: number;
  private readonly stepCause = new Map<string, number>();
  private readonly sliceNs: number;
  // Hot-path copies of setup constants.
  private readonly eng: Engine;
  private readonly stats: Stats;
  private readonly kvmDynamic: boolean;
  private readonly pleEnabled: boolean;
  private readonly pleWindowNs: number;
  private readonly stallNs: number;

  constructor(
    private readonly ctx: SimContext,
    readonly vm: Vm,
    readonly vmIndex: number,
    private readonly kvm: KvmVm,
  ) {
    this.host = ctx.host;
    this.vmName = vm.name;
    this.eng = ctx.engine;
    this.stats = ctx.stats;
    this.kvmDynamic = kvm.dynamic;
    this.pleEnabled = vm.guest.ple.enabled;
    this.pleWindowNs = Math.max(1, vm.guest.ple.windowNs);
    this.stallNs = ctx.stats.stallThresholdNs;
    const nv = (this.nv = Math.max(1, vm.vcpus));
    this.sliceNs = vm.guest.sliceNs > 0 ? vm.guest.sliceNs : 3_000_000;
    this.vState = new Int8Array(nv).fill(V_HALTED);
    this.vCur = new Int32Array(nv).fill(-1);
    this.vSince = new Float64Array(nv);
    this.vSliceLeft = new Float64Array(nv);
    this.vInAcc = new Float64Array(nv);
    this.vInSince = new Float64Array(nv);
    this.vDriving = new Uint8Array(nv);
    this.vPleWin = new Float64Array(nv).fill(Math.max(1, vm.guest.ple.windowNs));
    this.vPleLeft = new Float64Array(nv);
    this.vIcLeft = new Float64Array(nv);
    this.vIcRate = new Float64Array(nv);
    this.vTimer = new Int32Array(nv);
    this.vIcTimer = new Int32Array(nv);
    this.vIrqTimer = new Int32Array(nv);
    this.rq = new Lists(2 * nv, 16);
    this.waitingV = new DenseSet(nv);
    this.halted = new DenseSet(nv);
    const eng = ctx.engine;
    const vH = eng.register({ onEvent: (v, now) => this.onVcpuTimer(v, now) });
    const icH = eng.register({ onEvent: (v, now) => this.onIntercept(v, now) });
    const irqMaskH = eng.register({ onEvent: (v, now) => this.onIrqUnmask(v, now) });
    for (let v = 0; v < nv; v++) {
      this.vTimer[v] = eng.timer(vH, v);
      this.vIcTimer[v] = eng.timer(icH, v);
      this.vIrqTimer[v] = eng.timer(irqMaskH, v);
      this.vItems.push(new ItemRing());
      this.halted.add(v);
      this.vcpus.push(new GuestVcpu(this, vmIndex, v));
    }
    this.outer = new Array(nv);
    this.pvTimer = eng.timer(eng.register({ onEvent: (_a, now) => this.paravirtCheck(now) }), 0);
    this.plainIoHid = eng.register({ onEvent: (tk, now) => this.ioDone(tk, this.tkVcpu[tk], now) });
    this.plainIoRng = ctx.rng.stream(`vm:${vm.name}/plain-io`);
    this.icRng = ctx.rng.stream(`vm:${vm.name}/intercepts`);
    const st = ctx.stats;
    this.cSpinNs = st.counter('guest.spin_ns');
    this.cPle = st.counter('exits.ple');
    this.cYield = st.counter('ple.directed_yields');
    this.cIgnored = st.counter('guest.ignored_steps');
    this.cIoSubmit = st.counter('io.submitted');
    const rec = ctx.rec;
    this.causePle = rec.causeId('pause-loop exit');
    this.causeUnboost = rec.causeId('unboost');
    this.causeIpi = rec.causeId('wake-up IPI');
    this.causeRtc = rec.causeId('RTC access');
    this.causePam = rec.causeId('PAM remap');
    this.io = {
      ioDone: (token, vcpu, now) => this.ioDone(token, vcpu, now),
      ioCause: (tk) => (this.lanes !== null ? this.lanes.ioCause(this.tkKind[tk] === TK_LOAD, this.tkOwner[tk]) : -1),
    };
    this.facts = { spinNs: 0, spinWhilePreemptedNs: 0, pleExits: 0, directedYields: 0, lockWaitNs: 0, regions: this.regions, locks: this.locks };
    this.build();
    if (rec.timelines) this.lanes = this.buildLanes();
  }

  /** Guest thread timeline lanes (guest/lanes.ts); null unless a timeline was requested. */
  private lanes: GuestLanes | null = null;

  private buildLanes(): GuestLanes {
    const teamIndex: number[] = new Array(this.nt).fill(-1);
    for (const r of this.regions) r.team.forEach((t, i) => (teamIndex[t] = i));
    return new GuestLanes(this.ctx.rec, this.host, this.vmName, this.nt, {
      gState: this.gState, gAct: this.gAct, gVcpu: this.gVcpu, gPc: this.gPc, gWaitLock: this.gWaitLock, gRegion: this.gRegion,
      gProg: this.gProg, gName: this.gName, vState: this.vState, vCur: this.vCur, rq: this.rq,
      lockNames: this.locks.map((l) => l.ir.name), regionNames: this.regions.map((r) => r.ir.name), teamIndex,
      ioloadNames: this.ioloads.map((l) => l.ir.name),
      vcpuTids: () => this.vcpuTids,
      k: { G_QUEUED, G_CUR, G_DONE, A_LOCK_SPIN, A_BAR_SPIN, V_IN },
    });
  }

  /** The VM's storage model (OpenHCL StorVSP); without one, disk IO is a plain latency. */
  setStorage(s: StorageModel | null): void {
    this.storage = s;
  }

  setVcpuTids(tids: readonly number[]): void {
    this.vcpuTids = tids;
    // Only parallel regions care when a sibling gets preempted (rounds with preemption, paravirt).
    if (this.regions.length > 0) this.host.onVcpuPreempted?.(this.vmIndex, (now) => this.onPreempted(now));
  }

  attach(v: number, outer: Vtl0Outer): void {
    this.outer[v] = outer;
  }

  // =================================================================== setup

  private allocThreads(n: number): void {
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
    this.gLockWaitStart = f(this.gLockWaitStart);
    this.gLockOffAt = f(this.gLockOffAt);
    this.gLockGrantAt = f(this.gLockGrantAt);
    this.gRegion = i32(this.gRegion);
    this.gWork = f(this.gWork);
    this.gTask = i32(this.gTask);
    this.gRelTimer = i32(this.gRelTimer);
    this.gWakeTimer = i32(this.gWakeTimer);
    this.rq.ensureItems(n);
  }

  private addThread(name: string, range: TextRange, allowed: Int32Array, rt: boolean, task: number, prog: CompiledProgram | null, rng: Rng, region: number): number {
    const t = this.nt++;
    if (t >= this.gState.length) this.allocThreads(Math.max(16, this.gState.length * 2));
    this.gState[t] = G_BLOCKED;
    this.gVcpu[t] = allowed[0];
    this.gPc[t] = -1;
    this.gAct[t] = A_NONE;
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
  }

  private build(): void {
    const { ctx, vm } = this;
    const g = vm.guest;
    const eng = ctx.engine;
    const thH = eng.register({ onEvent: (a, now) => this.onThreadTimer(a, now) });
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
      };
      if (p.barrier === 'paravirt') this.hasParavirt = true;
      for (let i = 0; i < n; i++) {
        const t = this.addThread(`${p.name}#${i}`, p.range, Int32Array.of(i % this.nv), false, task, null, r.rng, ri);
        this.gWakeTimer[t] = -1;
        this.gRelTimer[t] = -1;
        r.team.push(t);
      }
      this.regions.push(r);
      if (p.rounds > 0) eng.post(eng.register({ onEvent: (_a, now) => this.startRound(r, now, -1) }), 0, 0);
    });
    // Interrupt sources: one Poisson stream per (source, target vCPU).
    const irqH = eng.register({ onEvent: (i, now) => this.onIrq(i, now) });
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
    const ioH = eng.register({ onEvent: (i, now) => this.onIoArrival(i, now) });
    const startH = eng.register({ onEvent: (i, now) => this.startClosedLoop(i, now) });
    g.ioloads.forEach((l, i) => {
      const task = ctx.stats.task({ name: l.name, kind: 'ioload', vm: vm.name, range: l.range, measures: 'latency' });
      const { ctrl, disk } = this.diskIndex(l.controller, l.disk);
      const rt: IoLoadRt = { ir: l, task, rng: ctx.rng.stream(`vm:${vm.name}/ioload:${l.name}`), timer: eng.timer(ioH, i), ctrl, disk, vcpus: vcpuList(l.vcpus), rr: 0, inflight: 0, closed: Boolean(l.depth && l.depth > 0 && !(l.ratePerSec && l.ratePerSec > 0)), ratePerSec: l.ratePerSec ?? 0 };
      this.ioloads.push(rt);
      if (l.ratePerSec && l.ratePerSec > 0) eng.arm(rt.timer, rt.rng.interarrival(l.ratePerSec));
      else if (l.depth && l.depth > 0) eng.post(startH, i, 0);
    });
  }

  private diskIndex(controller: string, disk: string): { ctrl: number; disk: number } {
    const sv = this.vm.openhcl?.storvsp ?? [];
    const c = sv.findIndex((s) => s.name === controller);
    const d = c >= 0 ? sv[c].disks.findIndex((x) => x.name === disk) : -1;
    return { ctrl: c, disk: d };
  }

  // =================================================================== Vtl0 entry points

  enter(v: number, now: Ns): void {
    const s = this.vState[v];
    if (s === V_IN) return;
    if (s === V_HALTED) this.halted.delete(v);
    this.vState[v] = V_IN;
    this.vSince[v] = now;
    this.vInSince[v] = now;
    const t = this.vCur[v];
    if (t >= 0 && this.gHold[t] >= 0) this.lockOn(this.locks[this.gHold[t]], now);
    if (this.vIcRate[v] > 0 && this.vIcLeft[v] < Infinity) this.eng.arm(this.vIcTimer[v], now + Math.max(0, Math.round(this.vIcLeft[v])));
    if (this.lanes !== null) this.lanes.syncQueue(v, now);
    this.drive(v, now);
  }

  leave(v: number, now: Ns): void {
    if (this.vState[v] !== V_IN) return;
    this.stopExecuting(v, now);
    this.vState[v] = V_OUT;
    const t = this.vCur[v];
    if (t >= 0 && this.gAct[t] !== A_BAR_SPIN && this.gAct[t] !== A_LOCK_SPIN) this.waitStart(t, v, now);
    if (this.lanes !== null) {
      this.lanes.syncVcpu(v, now);
      this.lanes.syncQueue(v, now);
    }
  }

  /** vCPUs of this VM that are runnable but not running (the preempted flags of steal time). */
  private preempted(): number {
    if (this.host.preemptedVcpus) return this.host.preemptedVcpus(this.vmIndex);
    let n = 0;
    for (const tid of this.vcpuTids) if (this.host.isPreempted(tid)) n++;
    return n;
  }

  /** Host notification: a vCPU of this VM was preempted (or woken and waiting for a pCPU). */
  private onPreempted(now: Ns): void {
    for (const r of this.regions) r.preemptedInRound = true;
    if (this.hasParavirt && this.vm.guest.stealTime) {
      const e = this.eng;
      if (e.dueAt(this.pvTimer) !== now) e.arm(this.pvTimer, now);
    }
  }

  exitDone(v: number, now: Ns): void {
    if (this.vState[v] === V_EXIT) this.vState[v] = V_OUT;
    if (this.lanes !== null) this.lanes.syncVcpu(v, now);
  }

  hasWork(v: number): boolean {
    return this.vCur[v] >= 0 || this.rq.size[2 * v] > 0 || this.rq.size[2 * v + 1] > 0 || this.vItems[v].size > 0;
  }

  inGuest(v: number): boolean {
    return this.vState[v] === V_IN;
  }

  /** Common bookkeeping when vCPU `v` stops executing (leave, exit, halt). */
  private stopExecuting(v: number, now: Ns): void {
    this.account(v, now);
    this.vInAcc[v] += now - this.vInSince[v];
    const e = this.eng;
    e.cancel(this.vTimer[v]);
    if (this.vIcRate[v] > 0) {
      const due = e.dueAt(this.vIcTimer[v]);
      if (due >= 0) this.vIcLeft[v] = due - now;
      e.cancel(this.vIcTimer[v]);
    }
    const t = this.vCur[v];
    if (t >= 0 && this.gHold[t] >= 0) this.lockOff(this.locks[this.gHold[t]], now, false);
  }

  private inTotal(v: number, now: Ns): number {
    return this.vInAcc[v] + (this.vState[v] === V_IN ? now - this.vInSince[v] : 0);
  }

  // =================================================================== execution

  /** Applies the progress made by the current thread of IN vCPU `v` since `vSince`. */
  private account(v: number, now: Ns): void {
    const el = now - this.vSince[v];
    this.vSince[v] = now;
    if (el <= 0 || this.vState[v] !== V_IN) return;
    const t = this.vCur[v];
    if (t < 0) return;
    this.vSliceLeft[v] -= el;
    const a = this.gAct[t];
    if (a === A_CPU) this.gLeft[t] -= el;
    else if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
      this.gSpinLeft[t] -= el;
      this.vPleLeft[v] -= el;
      this.facts.spinNs += el;
      this.stats.add(this.cSpinNs, el);
      const pre = this.preempted() > 0;
      if (pre) this.facts.spinWhilePreemptedNs += el;
      if (a === A_BAR_SPIN) {
        const r = this.regions[this.gRegion[t]];
        r.spinNs += el;
        if (pre) r.spinPreemptedNs += el;
      }
    }
  }

  private kernelSpin(t: number): boolean {
    if (this.gAct[t] === A_LOCK_SPIN) return true; // guest spinlocks spin in the kernel
    return this.gAct[t] === A_BAR_SPIN && this.regions[this.gRegion[t]].ir.spinMode === 'kernel';
  }

  /** Arms the vCPU timer for the current thread's next deadline (work done, spin limit, PLE, slice). */
  private rearm(v: number, now: Ns): void {
    const e = this.eng;
    const t = this.vCur[v];
    if (this.vState[v] !== V_IN || t < 0) {
      e.cancel(this.vTimer[v]);
      return;
    }
    let d = Infinity;
    const a = this.gAct[t];
    if (a === A_CPU) d = this.gLeft[t];
    else if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
      d = this.gSpinLeft[t];
      if (this.pleEnabled && this.kernelSpin(t) && this.vPleLeft[v] < d) d = this.vPleLeft[v];
    }
    if (!this.gRt[t] && this.rq.size[2 * v + 1] > 0 && this.vSliceLeft[v] < d) d = this.vSliceLeft[v];
    if (d === Infinity) e.cancel(this.vTimer[v]);
    else e.arm(this.vTimer[v], now + (d > 0 ? Math.ceil(d) : 0));
  }

  /** Runs vCPU `v` (IN) until its current thread has a timed activity, or it halts or exits. */
  private drive(v: number, now: Ns): void {
    if (this.vDriving[v]) return;
    this.vDriving[v] = 1;
    try {
      this.account(v, now);
      for (let guard = 0; guard < 100000; guard++) {
        if (this.vState[v] !== V_IN) return;
        if (this.vItems[v].size > 0) this.processItems(v, now);
        if (this.vState[v] !== V_IN) return;
        let t = this.vCur[v];
        // Guest RT preemption: an RT thread waiting beats a normal current thread.
        if (t >= 0 && !this.gRt[t] && this.rq.size[2 * v] > 0) {
          this.requeueCurrent(v, t, now, true);
          t = -1;
        }
        // KVM dynamic boost: with no RT work left (out of interrupt context), the guest withdraws
        // its request and, if boosted, unboosts synchronously (an exit).
        if (this.kvmDynamic && this.rq.size[2 * v] === 0 && (t < 0 || !this.gRt[t])) {
          this.kvm.clearRequest(v);
          if (this.kvm.wantsUnboost(v)) {
            this.kvm.unboost(v, now);
            this.exit(v, now, EXIT_UNBOOST, this.vm.boost.unboostCostNs, this.causeUnboost, this.vm.boost.range);
            return;
          }
        }
        if (t < 0) {
          t = this.pickNext(v, now);
          if (t < 0) {
            if (this.vItems[v].size > 0) {
              this.rearm(v, now); // masked interrupts pending: wait for them, do not halt
              return;
            }
            this.halt(v, now);
            return;
          }
        }
        if (this.gWaitSince[t] >= 0) this.waitEnd(t, v, now);
        if (this.gAct[t] === A_NONE) {
          const r = this.beginStep(t, v, now);
          if (r === R_STARTED) {
            this.rearm(v, now);
            return;
          }
          if (r === R_EXITED) return;
          continue;
        }
        if (this.gAct[t] === A_LOCK_SPIN) {
          const L = this.locks[this.gWaitLock[t]];
          if (L.holder === t || (L.holder < 0 && L.kind === LK_SPIN)) this.takeLock(t, v, L, now);
        }
        this.rearm(v, now);
        return;
      }
      throw new Error(`guest ${this.vmName} vCPU ${v}: no progress at ${now}`);
    } finally {
      this.vDriving[v] = 0;
      if (this.lanes !== null) this.lanes.syncVcpu(v, now);
    }
  }

  private halt(v: number, now: Ns): void {
    this.stopExecuting(v, now);
    this.vState[v] = V_HALTED;
    this.halted.add(v);
    if (this.lanes !== null) this.lanes.syncVcpu(v, now);
    this.vPleWin[v] = this.pleWindowNs;
    this.kvm.clearRequest(v);
    this.outer[v].vtl0Halt(v, now);
  }

  private exit(v: number, now: Ns, code: number, dur: Ns, cause: number, range?: TextRange, yieldTo = -1): void {
    this.stopExecuting(v, now);
    this.vState[v] = V_EXIT;
    if (this.lanes !== null) this.lanes.syncVcpu(v, now);
    this.outer[v].vtl0Exit(v, now, code, dur, cause, range, yieldTo);
  }

  private kick(v: number, now: Ns): void {
    const s = this.vState[v];
    if (s === V_HALTED) this.outer[v].vtl0Kick(v, now);
    else if (s === V_IN && !this.vDriving[v]) this.drive(v, now);
  }

  private pickNext(v: number, now: Ns): number {
    let t = this.rq.head[2 * v];
    if (t < 0) t = this.rq.head[2 * v + 1];
    if (t < 0 && this.waitingV.size > 0) t = this.pullFrom(v);
    if (t < 0) return -1;
    this.dequeue(t);
    this.vCur[v] = t;
    this.gState[t] = G_CUR;
    this.gVcpu[t] = v;
    this.vSliceLeft[v] = this.sliceNs;
    this.vSince[v] = now;
    return t;
  }

  /** Idle balance: a thread waiting on another vCPU that may run on `v`. */
  private pullFrom(v: number): number {
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
  }

  private enqueue(t: number, v: number, now: Ns, head = false): void {
    const list = 2 * v + (this.gRt[t] ? 0 : 1);
    if (head) this.rq.pushHead(list, t);
    else this.rq.pushTail(list, t);
    this.gState[t] = G_QUEUED;
    this.gVcpu[t] = v;
    this.waitingV.add(v);
    this.halted.delete(v); // it has work now: not a target for the next wake-up

    this.waitStart(t, v, now);
    if (this.lanes !== null) this.lanes.sync(t, now);
  }

  private dequeue(t: number): void {
    const list = this.rq.owner[t];
    if (list < 0) return;
    this.rq.remove(t);
    const v = list >> 1;
    if (this.rq.size[2 * v] === 0 && this.rq.size[2 * v + 1] === 0) this.waitingV.delete(v);
  }

  private requeueCurrent(v: number, t: number, now: Ns, head: boolean): void {
    this.vCur[v] = -1;
    if (this.gHold[t] >= 0) this.lockOff(this.locks[this.gHold[t]], now, false);
    this.enqueue(t, v, now, head);
  }

  private selectVcpu(t: number): number {
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
    return allowedPrev ? prev : al[0];
  }

  /** A blocked thread becomes runnable (timer, IO completion, lock hand-off, barrier release). */
  private wakeThread(t: number, now: Ns, irq: BoostInterrupt | null): void {
    if (this.gState[t] !== G_BLOCKED) return;
    const v = this.selectVcpu(t);
    this.enqueue(t, v, now);
    if (this.gRt[t]) this.kvm.requestBoost(v);
    if (irq) this.kvm.interrupt(v, irq, now, 0);
    this.notify(v, now);
    if (this.lanes !== null) this.lanes.sync(t, now); // the kick may have woken the vCPU's host thread
  }

  /** Something changed for vCPU `v` (a thread was queued, an item arrived). */
  private notify(v: number, now: Ns): void {
    const s = this.vState[v];
    if (s === V_HALTED) this.outer[v].vtl0Kick(v, now);
    else if (s === V_IN && !this.vDriving[v]) this.drive(v, now);
  }

  // =================================================================== waits and stalls

  private waitStart(t: number, v: number, now: Ns): void {
    if (this.gWaitSince[t] >= 0) return;
    this.gWaitSince[t] = now;
    this.gWaitV[t] = v;
    const tid = this.vcpuTids[v];
    this.gStealAt[t] = tid !== undefined ? this.host.stealNs(tid, now) : 0;
    this.gInAt[t] = this.inTotal(v, now);
  }

  private waitEnd(t: number, v: number, now: Ns): void {
    const since = this.gWaitSince[t];
    this.gWaitSince[t] = -1;
    const wait = now - since;
    if (wait < this.stallNs) return;
    const wv = this.gWaitV[t];
    if (wv !== v) {
      // Waited in the queue of vCPU wv and was pulled to v by the guest's idle balance.
      this.ctx.stats.stall({ task: this.gName[t], vp: v, vm: this.vmName, startNs: since, durationNs: wait, cause: 'guest-runqueue', causes: [`${this.gName[t]} waited ${fmtNs(wait)} on vCPU ${wv} of ${this.vmName}`, `it ran once vCPU ${v} went idle and pulled it`], range: this.gRange[t] });
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
    this.ctx.stats.stall({ task: name, vp: v, vm: this.vmName, startNs: since, durationNs: wait, cause, causes, range: this.gRange[t] });
  }

  // =================================================================== program steps

  private beginStep(t: number, v: number, now: Ns): number {
    const ri = this.gRegion[t];
    if (ri >= 0) {
      // Team thread: pc 0 = this round's work, 1 = at the barrier.
      if (this.gPc[t] === 0) {
        this.gAct[t] = A_CPU;
        this.gLeft[t] = this.gWork[t];
        return R_STARTED;
      }
      // Nothing to do this round (inactive or done): sleep until a round needs it.
      this.vCur[v] = -1;
      this.gState[t] = this.regions[ri].done ? G_DONE : G_BLOCKED;
      return R_LEFT;
    }
    const prog = this.gProg[t]!;
    const pc = this.gPc[t];
    if (pc < 0) {
      this.vCur[v] = -1;
      this.gState[t] = G_BLOCKED;
      return R_LEFT;
    }
    if (pc >= prog.code.length) return this.endPass(t, v, now);
    const rng = this.gRng[t];
    const d = prog.samp[pc];
    switch (prog.code[pc]) {
      case ST_CPU:
        this.gAct[t] = A_CPU;
        this.gLeft[t] = d ? rng.draw(d) : 0;
        return R_STARTED;
      case ST_SLEEP: {
        const dur = d ? rng.draw(d) : 0;
        this.gPc[t] = pc + 1;
        if (dur <= 0) return R_CONTINUE;
        this.vCur[v] = -1;
        this.gState[t] = G_BLOCKED;
        this.eng.arm(this.gWakeTimer[t], now + dur);
        return R_LEFT;
      }
      case ST_LOCK: {
        const step = prog.steps[pc] as { lock: string };
        const li = this.lockIdx.get(step.lock);
        if (li === undefined) {
          // Unknown lock (the checker reports it): run the critical section unlocked.
          this.gAct[t] = A_CPU;
          this.gLeft[t] = d ? rng.draw(d) : 0;
          this.stats.add(this.cIgnored);
          return R_STARTED;
        }
        if (this.gWaitLock[t] !== li) this.gCs[t] = d ? rng.draw(d) : 0; // not a retry after a mutex hand-off
        return this.acquire(t, v, li, now);
      }
      case ST_DISK_IO: {
        const step = prog.steps[pc] as { controller: string; disk: string };
        this.gPc[t] = pc + 1;
        const { ctrl, disk } = this.diskIndex(step.controller, step.disk);
        const tk = this.allocToken(TK_THREAD, t, v, now);
        this.vCur[v] = -1;
        this.gState[t] = G_BLOCKED;
        this.submit(tk, v, ctrl, disk, now);
        return R_LEFT;
      }
      case ST_RTC_READ:
      case ST_RTC_WRITE:
      case ST_PAM_REMAP: {
        const code = prog.code[pc];
        this.gPc[t] = pc + 1;
        const exit = code === ST_RTC_READ ? EXIT_RTC_READ : code === ST_RTC_WRITE ? EXIT_RTC_WRITE : EXIT_PAM_REMAP;
        this.exit(v, now, exit, PLAIN_GET_EXIT_NS, code === ST_PAM_REMAP ? this.causePam : this.causeRtc, prog.steps[pc].range);
        return R_EXITED;
      }
      case ST_EXIT: {
        const step = prog.steps[pc] as { reason: string; range: TextRange };
        this.gPc[t] = pc + 1;
        let cause = this.stepCause.get(step.reason);
        if (cause === undefined) this.stepCause.set(step.reason, (cause = this.ctx.rec.causeId(`exit ${step.reason}`)));
        this.exit(v, now, EXIT_STEP, d ? rng.draw(d) : 0, cause, step.range);
        return R_EXITED;
      }
      default:
        // VTL2-only steps (io, syscall, get...) have no meaning in a guest thread (the checker says so).
        this.gPc[t] = pc + 1;
        this.stats.add(this.cIgnored);
        return R_CONTINUE;
    }
  }

  private endPass(t: number, v: number, now: Ns): number {
    const prog = this.gProg[t]!;
    this.stats.sample(this.gTask[t], now, now - this.gRelease[t]);
    this.gPasses[t]++;
    if (this.gPasses[t] < prog.count) {
      if (prog.trig === TRIG_LOOP) {
        if (now > this.gRelease[t]) {
          this.gRelease[t] = now;
          this.gPc[t] = 0;
          return R_CONTINUE;
        }
        this.stats.add(this.cIgnored); // a pass that takes no time would loop forever
      } else {
        const rel = this.gReleases[t]!;
        if (rel.size > 0) {
          this.gRelease[t] = rel.shift();
          this.gPc[t] = 0;
          return R_CONTINUE;
        }
      }
    }
    this.gPc[t] = -1;
    this.vCur[v] = -1;
    this.gState[t] = this.gPasses[t] >= prog.count ? G_DONE : G_BLOCKED;
    return R_LEFT;
  }

  /** CPU work of the current thread of `v` finished. */
  private workDone(t: number, v: number, now: Ns): void {
    this.gAct[t] = A_NONE;
    const ri = this.gRegion[t];
    if (ri >= 0) {
      this.arrive(this.regions[ri], t, v, now);
      return;
    }
    if (this.gHold[t] >= 0) this.release(t, now);
    this.gPc[t]++;
  }

  private onThreadTimer(arg: number, now: Ns): void {
    const t = arg >> 1;
    if ((arg & 1) === 1) {
      this.wakeThread(t, now, 'timer'); // sleep over: a timer interrupt wakes the thread
      return;
    }
    // A release of a triggered program.
    const prog = this.gProg[t]!;
    const rng = this.gRng[t];
    this.gReleased[t]++;
    const next = nextRelease(prog, rng, now);
    if (next < Infinity && this.gReleased[t] < prog.count) this.eng.arm(this.gRelTimer[t], next);
    if (prog.trig === TRIG_LOOP) {
      this.gRelease[t] = now;
      this.gPc[t] = 0;
      this.wakeThread(t, now, null);
      return;
    }
    const rel = this.gReleases[t]!;
    if (this.gPc[t] < 0 && this.gState[t] === G_BLOCKED) {
      this.gRelease[t] = now;
      this.gPc[t] = 0;
      this.wakeThread(t, now, 'timer');
    } else rel.push(now);
  }

  /** vCPU timer: the current thread reached a deadline (work done, spin limit, PLE window, slice). */
  private onVcpuTimer(v: number, now: Ns): void {
    if (this.vState[v] !== V_IN || this.vDriving[v]) return;
    this.account(v, now);
    const t = this.vCur[v];
    if (t < 0) {
      this.drive(v, now);
      return;
    }
    const a = this.gAct[t];
    if (a === A_CPU && this.gLeft[t] <= 0) {
      this.vDriving[v] = 1;
      try {
        this.workDone(t, v, now);
      } finally {
        this.vDriving[v] = 0;
      }
      if (this.vState[v] === V_IN) this.drive(v, now);
      return;
    }
    if (a === A_BAR_SPIN || a === A_LOCK_SPIN) {
      if (this.gSpinLeft[t] <= 0 && a === A_BAR_SPIN) {
        this.barrierBlock(t, v, now);
        this.drive(v, now);
        return;
      }
      if (this.pleEnabled && this.kernelSpin(t) && this.vPleLeft[v] <= 0) {
        this.pleExit(t, v, now);
        return;
      }
    }
    if (!this.gRt[t] && this.rq.size[2 * v + 1] > 0 && this.vSliceLeft[v] <= 0) {
      this.requeueCurrent(v, t, now, false); // guest slice over: round-robin
      this.drive(v, now);
      return;
    }
    this.rearm(v, now);
  }

  // =================================================================== pause-loop exiting

  private pleExit(t: number, v: number, now: Ns): void {
    const ple = this.vm.guest.ple;
    this.facts.pleExits++;
    this.vPleWin[v] = Math.min(Math.max(ple.maxWindowNs, ple.windowNs), this.vPleWin[v] * Math.max(1, ple.grow));
    this.vPleLeft[v] = this.vPleWin[v];
    let target = -1;
    if (ple.directedYield) {
      // Prefer the vCPU of the lock holder (or the granted waiter), then any preempted sibling.
      if (this.gAct[t] === A_LOCK_SPIN) {
        const h = this.locks[this.gWaitLock[t]].holder;
        if (h >= 0) {
          const hv = this.gVcpu[h];
          if (hv !== v && this.host.isPreempted(this.vcpuTids[hv])) target = this.vcpuTids[hv];
        }
      }
      if (target < 0 && this.gAct[t] === A_BAR_SPIN) {
        // A straggler: a team member still working on a preempted vCPU.
        for (const m of this.regions[this.gRegion[t]].team) {
          const mv = this.gVcpu[m];
          if (mv !== v && this.gPc[m] === 0 && this.gAct[m] !== A_BAR_SPIN && this.host.isPreempted(this.vcpuTids[mv])) {
            target = this.vcpuTids[mv];
            break;
          }
        }
      }
      if (target < 0 && this.preempted() > 0) {
        // KVM skips candidates that are themselves spinning (they would spin too).
        for (let k = 1; k < this.nv; k++) {
          const o = (v + k) % this.nv;
          const c = this.vCur[o];
          if (c >= 0 && (this.gAct[c] === A_BAR_SPIN || this.gAct[c] === A_LOCK_SPIN)) continue;
          if (this.host.isPreempted(this.vcpuTids[o])) {
            target = this.vcpuTids[o];
            break;
          }
        }
      }
      if (target >= 0) this.facts.directedYields++;
    }
    this.stats.add(this.cPle);
    if (target >= 0) this.stats.add(this.cYield);
    const range = this.gAct[t] === A_LOCK_SPIN ? this.locks[this.gWaitLock[t]].ir.range : this.gRange[t];
    this.exit(v, now, EXIT_PLE, PLE_EXIT_NS, this.causePle, range, target);
  }

  // =================================================================== locks

  private acquire(t: number, v: number, li: number, now: Ns): number {
    const L = this.locks[li];
    if (L.holder < 0 || L.holder === t) {
      this.takeLock(t, v, L, now);
      return R_STARTED;
    }
    L.contended++;
    this.gWaitLock[t] = li;
    this.gLockWaitStart[t] = now;
    this.gLockOffAt[t] = this.lockOffTotal(L, now);
    this.gLockGrantAt[t] = this.lockGrantTotal(L, now);
    L.waiters.push(t);
    if (L.kind === LK_MUTEX) {
      this.vCur[v] = -1;
      this.gState[t] = G_BLOCKED;
      return R_LEFT;
    }
    // Kernel spinlock: spin with preemption disabled.
    this.gAct[t] = A_LOCK_SPIN;
    this.gSpinLeft[t] = Infinity;
    this.vPleLeft[v] = this.vPleWin[v];
    this.kvm.preemptDisabled(v, true, now);
    return R_STARTED;
  }

  private lockOffTotal(L: LockRt, now: Ns): number {
    return L.offAcc + (L.offSince >= 0 && !L.offIsGrant ? now - L.offSince : 0);
  }
  private lockGrantTotal(L: LockRt, now: Ns): number {
    return L.grantAcc + (L.offSince >= 0 && L.offIsGrant ? now - L.offSince : 0);
  }

  /** The holder of `L` stopped executing (its vCPU left, exited, or it was granted the lock while not running). */
  private lockOff(L: LockRt, now: Ns, grant: boolean): void {
    if (L.offSince >= 0) return;
    L.offSince = now;
    L.offIsGrant = grant;
  }

  private lockOn(L: LockRt, now: Ns): void {
    if (L.offSince < 0) return;
    if (L.offIsGrant) L.grantAcc += now - L.offSince;
    else L.offAcc += now - L.offSince;
    L.offSince = -1;
  }

  /** `t` (current on `v`, executing) takes `L` and starts its critical section. */
  private takeLock(t: number, v: number, L: LockRt, now: Ns): void {
    const li = L.index;
    L.acquisitions++;
    if (L.holder === t) this.lockOn(L, now);
    else if (L.holder < 0) L.holder = t;
    L.granted = false;
    const wi = L.waiters.indexOf(t);
    if (wi >= 0) L.waiters.splice(wi, 1);
    if (this.gWaitLock[t] >= 0) {
      const wait = now - this.gLockWaitStart[t];
      this.facts.lockWaitNs += wait;
      if (wait >= this.ctx.stats.stallThresholdNs) this.lockStall(t, v, L, wait, now);
      this.gWaitLock[t] = -1;
    }
    this.gHold[t] = li;
    this.gAct[t] = A_CPU;
    this.gLeft[t] = this.gCs[t];
    if (L.kind !== LK_MUTEX) this.kvm.preemptDisabled(v, true, now);
  }

  private lockStall(t: number, v: number, L: LockRt, wait: Ns, now: Ns): void {
    const off = this.lockOffTotal(L, now) - this.gLockOffAt[t];
    const grant = this.lockGrantTotal(L, now) - this.gLockGrantAt[t];
    const name = this.gName[t];
    const causes = [`${name} on vCPU ${v} of ${this.vmName} waited ${fmtNs(wait)} for ${L.ir.kind} lock ${L.ir.name}`];
    let cause = 'lock-contention';
    if (grant >= off && grant >= wait / 4) {
      cause = 'lock-waiter-preemption';
      causes.push(`the lock was handed to a waiter whose vCPU was not running for ${fmtNs(grant)} (ticket hand-off to a preempted waiter stalls everyone behind it)`);
    } else if (off >= wait / 4) {
      cause = 'lock-holder-preemption';
      causes.push(`the holder's vCPU was not running for ${fmtNs(off)} while it held the lock`);
    } else causes.push(`${L.waiters.length + 1} threads contend for it`);
    this.ctx.stats.stall({ task: name, vp: v, vm: this.vmName, startNs: now - wait, durationNs: wait, cause, causes, range: L.ir.range });
  }

  private release(t: number, now: Ns): void {
    const L = this.locks[this.gHold[t]];
    const v = this.gVcpu[t];
    this.gHold[t] = -1;
    L.holder = -1;
    L.offSince = -1;
    if (L.kind !== LK_MUTEX) this.kvm.preemptDisabled(v, false, now);
    if (L.waiters.length === 0) return;
    if (L.kind === LK_SPIN) {
      // Test-and-set: the first spinner that is actually executing gets it; others keep spinning.
      for (const w of L.waiters) {
        const wv = this.gVcpu[w];
        if (this.vCur[wv] === w && this.vState[wv] === V_IN) {
          this.grantSpinning(w, wv, L, now);
          return;
        }
      }
      return; // free: a spinner on a preempted vCPU takes it when it runs again
    }
    const next = L.waiters[0];
    L.holder = next;
    L.granted = true;
    const nv = this.gVcpu[next];
    if (L.kind === LK_TICKET) {
      if (this.vCur[nv] === next && this.vState[nv] === V_IN) this.grantSpinning(next, nv, L, now);
      else this.lockOff(L, now, true); // handed to a waiter that is not running: everyone behind waits
      return;
    }
    // Mutex: hand off to the first sleeper and wake it.
    this.lockOff(L, now, true);
    this.wakeThread(next, now, null);
  }

  private grantSpinning(w: number, wv: number, L: LockRt, now: Ns): void {
    if (wv !== this.gVcpu[w]) return;
    const driving = this.vDriving[wv];
    if (!driving) this.account(wv, now);
    L.holder = w;
    this.takeLock(w, wv, L, now);
    if (!driving) this.rearm(wv, now);
    if (this.lanes !== null) this.lanes.sync(w, now);
  }

  // =================================================================== parallel regions

  private startRound(r: RegionRt, now: Ns, caller: number): void {
    const p = r.ir;
    if (r.round >= p.rounds) {
      r.done = true;
      r.finishedAt = now;
      for (const t of r.team) {
        this.gPc[t] = -1;
        if (this.gState[t] === G_BLOCKED) this.gState[t] = G_DONE;
        else if (this.gAct[t] === A_BAR_SPIN) this.stopSpin(t, now);
        if (this.lanes !== null) this.lanes.sync(t, now);
      }
      return;
    }
    r.round++;
    r.arrived = 0;
    r.roundStart = now;
    r.firstArrival = -1;
    r.preemptedInRound = this.preempted() > 0;
    const n = r.team.length;
    // Degree of parallelism: adaptive runs the round only on threads whose vCPU is not preempted.
    let d = n;
    r.active.fill(1);
    if (p.dop === 'adaptive' && this.vm.guest.stealTime) {
      d = 0;
      for (let i = 0; i < n; i++) {
        const tid = this.vcpuTids[this.gVcpu[r.team[i]]];
        const ok = tid === undefined || !this.host.isPreempted(tid);
        r.active[i] = ok ? 1 : 0;
        if (ok) d++;
      }
      if (d === 0) {
        r.active[0] = 1;
        d = 1;
      }
      if (d < n) r.roundsReduced++;
    }
    r.nActive = d;
    r.dopSum += d;
    // Deal the `n` work chunks to the active threads (static schedule).
    const act: number[] = [];
    for (let i = 0; i < n; i++) if (r.active[i]) act.push(r.team[i]);
    for (const t of act) this.gWork[t] = 0;
    for (let c = 0; c < n; c++) this.gWork[act[c % d]] += r.rng.sample(p.work);
    let ipis = 0;
    const callerV = caller >= 0 ? this.gVcpu[caller] : -1;
    for (let i = 0; i < n; i++) {
      const t = r.team[i];
      const v = this.gVcpu[t];
      if (!r.active[i]) {
        this.gPc[t] = -1;
        if (this.gAct[t] === A_BAR_SPIN && t !== caller) this.sleepSpinner(t, now);
        continue;
      }
      this.gPc[t] = 0;
      if (t === caller) continue; // the last arriver goes on with its new work directly
      if (this.gState[t] === G_BLOCKED) {
        if (caller >= 0 && this.vState[v] === V_HALTED && v !== callerV) ipis++;
        this.wakeThread(t, now, null);
      } else if (this.gAct[t] === A_BAR_SPIN) {
        this.stopSpin(t, now);
      }
    }
    if (ipis > 0 && callerV >= 0 && this.vState[callerV] === V_IN) {
      // The waker pays one IPI exit per halted vCPU it wakes (futex wake -> smp_send_reschedule).
      this.pendingIpiExit = ipis;
    }
  }
  private pendingIpiExit = 0;

  /** A spinning team thread gets work (or stops): its vCPU re-evaluates. */
  private stopSpin(t: number, now: Ns): void {
    const v = this.gVcpu[t];
    const driving = this.vDriving[v];
    if (this.vState[v] === V_IN && !driving) this.account(v, now);
    this.gAct[t] = A_NONE;
    this.kvm.preemptDisabled(v, false, now);
    if (this.vState[v] === V_IN && !driving) this.drive(v, now);
  }

  private arrive(r: RegionRt, t: number, v: number, now: Ns): void {
    r.arrived++;
    if (r.firstArrival < 0) r.firstArrival = now;
    this.gPc[t] = 1;
    if (r.arrived >= r.nActive) {
      const round = now - r.roundStart;
      this.stats.sample(r.task, now, round);
      if (r.preemptedInRound) r.roundsWithPreemption++;
      const waited = now - r.firstArrival;
      if (waited >= this.ctx.stats.stallThresholdNs) {
        const pre = r.preemptedInRound;
        this.ctx.stats.stall({
          task: r.ir.name,
          vp: v,
          vm: this.vmName,
          startNs: r.firstArrival,
          durationNs: waited,
          cause: pre ? 'barrier-preempted-sibling' : 'barrier-imbalance',
          causes: [
            `round ${r.round} of ${r.ir.name}: the team waited ${fmtNs(waited)} at the ${r.ir.barrier} barrier for ${r.ir.name}#${r.team.indexOf(t)} on vCPU ${v}`,
            pre ? 'a sibling vCPU was preempted by the host during the round (the straggler could not run)' : 'the work was unevenly spread',
          ],
          range: r.ir.range,
        });
      }
      this.pendingIpiExit = 0;
      this.startRound(r, now, t);
      if (this.pendingIpiExit > 0 && this.vState[v] === V_IN) {
        const n = this.pendingIpiExit;
        this.pendingIpiExit = 0;
        this.exit(v, now, EXIT_IPI, n * IPI_SEND_NS, this.causeIpi, r.ir.range);
      }
      return;
    }
    // Wait at the barrier.
    const p = r.ir;
    let spin: number;
    if (p.barrier === 'spin') spin = r.spinForever ? Infinity : p.spinLimitNs;
    else if (p.barrier === 'block') spin = Math.min(p.spinLimitNs, SPIN_FOREVER_NS);
    else spin = this.vm.guest.stealTime && this.preempted() > 0 ? 0 : Infinity; // paravirt
    if (spin <= 0) {
      this.barrierSleep(t, v, now);
      return;
    }
    this.gAct[t] = A_BAR_SPIN;
    this.gSpinLeft[t] = spin;
    this.vPleLeft[v] = this.vPleWin[v];
    if (p.spinMode === 'kernel') this.kvm.preemptDisabled(v, true, now);
  }

  /** A team thread sleeps at the barrier (futex wait); its vCPU runs something else or halts. */
  private barrierSleep(t: number, v: number, now: Ns): void {
    const r = this.regions[this.gRegion[t]];
    r.blocks++;
    this.gAct[t] = A_NONE;
    this.kvm.preemptDisabled(v, false, now);
    if (this.vCur[v] === t) this.vCur[v] = -1;
    else this.dequeue(t);
    this.gState[t] = G_BLOCKED;
    this.gWaitSince[t] = -1;
    if (this.lanes !== null) this.lanes.sync(t, now);
  }

  private barrierBlock(t: number, v: number, now: Ns): void {
    this.barrierSleep(t, v, now);
  }

  /** A spinning team thread (maybe on another, running vCPU) goes to sleep at the barrier. */
  private sleepSpinner(t: number, now: Ns): void {
    const v = this.gVcpu[t];
    const run = this.vState[v] === V_IN && !this.vDriving[v];
    if (run) this.account(v, now);
    this.barrierSleep(t, v, now);
    if (run) this.drive(v, now);
  }

  /** Paravirt barriers: a sibling vCPU got preempted, so spinners switch to blocking. */
  private paravirtCheck(now: Ns): void {
    if (this.preempted() === 0) return;
    for (let v = 0; v < this.nv; v++) {
      const t = this.vCur[v];
      if (t < 0 || this.gAct[t] !== A_BAR_SPIN) continue;
      const r = this.regions[this.gRegion[t]];
      if (r.ir.barrier !== 'paravirt') continue;
      if (this.vState[v] === V_IN) {
        this.account(v, now);
        this.barrierSleep(t, v, now);
        this.drive(v, now);
      } else this.barrierSleep(t, v, now);
    }
  }

  // =================================================================== interrupts, intercepts

  private onIrq(i: number, now: Ns): void {
    const tg = this.irqTargets[i];
    const src = this.irqs[tg.src];
    this.eng.arm(tg.timer, now + tg.rng.interarrival(src.ir.ratePerSec));
    const v = tg.v;
    let masked = 0;
    if (this.vState[v] !== V_HALTED && src.ir.maskedFraction > 0 && tg.rng.float() < src.ir.maskedFraction) masked = tg.rng.sample(src.ir.maskedWindow);
    this.kvm.interrupt(v, src.ir.kind, now, masked);
    this.vItems[v].push(IT_IRQ, tg.src, now, now + masked);
    this.halted.delete(v);
    this.notify(v, now);
  }

  private onIrqUnmask(v: number, now: Ns): void {
    if (this.vState[v] === V_IN) this.drive(v, now);
  }

  /** Takes pending items on IN vCPU `v` (interrupts, IO completions, submissions). */
  private processItems(v: number, now: Ns): void {
    const ring = this.vItems[v];
    while (ring.size > 0) {
      const i = 4 * ring.head;
      const b = ring.buf;
      const type = b[i];
      if (type === IT_IRQ && b[i + 3] > now) {
        this.eng.arm(this.vIrqTimer[v], b[i + 3]);
        return;
      }
      const a = b[i + 1];
      const t0 = b[i + 2];
      ring.pop();
      if (type === IT_IRQ) {
        this.stats.sample(this.irqs[a].task, now, now - t0);
        this.kvm.requestBoost(v); // interrupt entry asks for boost (lazily)
      } else if (type === IT_IO_DONE) this.ioComplete(a, v, now);
      else this.submitNow(a, v, now);
    }
  }

  private onIntercept(v: number, now: Ns): void {
    if (this.vState[v] !== V_IN) return;
    // Which source fired: pick by rate among those covering v.
    let x = this.icRng.float() * this.vIcRate[v];
    let src = this.icSources[0];
    for (const s of this.icSources) {
      if (!s.vcpus.has(v)) continue;
      src = s;
      x -= s.rate;
      if (x < 0) break;
    }
    this.vIcLeft[v] = this.icRng.interarrival(this.vIcRate[v]);
    const t = this.vCur[v];
    const dur = this.icRng.sample(src.dur);
    this.account(v, now);
    if (t >= 0 && this.gAct[t] !== A_BAR_SPIN && this.gAct[t] !== A_LOCK_SPIN && this.gRegion[t] < 0) this.waitStart(t, v, now);
    this.exit(v, now, EXIT_INTERCEPT, dur, src.cause, src.range);
  }

  // =================================================================== storage

  private allocToken(kind: number, owner: number, v: number, start: Ns): number {
    let tk: number;
    if (this.tkFreeN > 0) tk = this.tkFree[--this.tkFreeN];
    else {
      tk = this.tkNext++;
      if (tk >= this.tkKind.length) {
        const n = this.tkKind.length * 2;
        const i8 = new Int8Array(n); i8.set(this.tkKind); this.tkKind = i8;
        const o = new Int32Array(n); o.set(this.tkOwner); this.tkOwner = o;
        const s = new Float64Array(n); s.set(this.tkStart); this.tkStart = s;
        const vv = new Int32Array(n); vv.set(this.tkVcpu); this.tkVcpu = vv;
        const f = new Int32Array(n); f.set(this.tkFree); this.tkFree = f;
      }
    }
    this.tkKind[tk] = kind;
    this.tkOwner[tk] = owner;
    this.tkStart[tk] = start;
    this.tkVcpu[tk] = v;
    return tk;
  }

  private submit(tk: number, v: number, ctrl: number, disk: number, now: Ns): void {
    this.stats.add(this.cIoSubmit);
    this.tkVcpu[tk] = v;
    if (this.storage && ctrl >= 0 && disk >= 0) {
      this.storage.submit(v, ctrl, disk, tk, now);
      return;
    }
    const d = ctrl >= 0 && disk >= 0 ? this.vm.openhcl?.storvsp[ctrl]?.disks[disk]?.latency : undefined;
    const lat = d ? this.plainIoRng.sample(d) : PLAIN_DISK_LATENCY_NS;
    this.eng.post(this.plainIoHid, tk, now + lat);
  }

  /** IoSink: a completion interrupt for `vcpu` (taken when the guest runs there). */
  private ioDone(tk: number, vcpu: number, now: Ns): void {
    const v = vcpu >= 0 && vcpu < this.nv ? vcpu : this.tkVcpu[tk];
    this.vItems[v].push(IT_IO_DONE, tk, now, now);
    this.halted.delete(v);
    this.notify(v, now);
  }

  private ioComplete(tk: number, v: number, now: Ns): void {
    const kind = this.tkKind[tk];
    const owner = this.tkOwner[tk];
    if (kind === TK_THREAD) {
      this.tkFree[this.tkFreeN++] = tk;
      this.wakeThread(owner, now, null);
      return;
    }
    const l = this.ioloads[owner];
    l.inflight--;
    this.stats.sample(l.task, now, now - this.tkStart[tk]);
    this.tkFree[this.tkFreeN++] = tk;
    if (l.closed) {
      // Closed loop: the completing vCPU submits the next IO right away.
      const nt = this.allocToken(TK_LOAD, owner, v, now);
      this.submitNow(nt, v, now);
    }
  }

  private submitNow(tk: number, v: number, now: Ns): void {
    const l = this.ioloads[this.tkOwner[tk]];
    l.inflight++;
    this.submit(tk, v, l.ctrl, l.disk, now);
  }

  private onIoArrival(i: number, now: Ns): void {
    const l = this.ioloads[i];
    this.eng.arm(l.timer, now + l.rng.interarrival(l.ratePerSec));
    const v = l.vcpus[l.vcpus.length === 1 ? 0 : l.rng.int(l.vcpus.length)];
    const tk = this.allocToken(TK_LOAD, i, v, now);
    this.vItems[v].push(IT_IO_SUBMIT, tk, now, now);
    this.halted.delete(v);
    this.notify(v, now);
  }

  private startClosedLoop(i: number, now: Ns): void {
    const l = this.ioloads[i];
    for (let k = 0; k < (l.ir.depth ?? 0); k++) {
      const v = l.vcpus[l.rr++ % l.vcpus.length];
      const tk = this.allocToken(TK_LOAD, i, v, now);
      this.vItems[v].push(IT_IO_SUBMIT, tk, now, now);
      this.halted.delete(v);
      this.notify(v, now);
    }
  }

  // =================================================================== results

  /** Guest threads' names (for timeline causes etc.). */
  threadCount(): number {
    return this.nt;
  }

  /** Boosted ns of a vCPU (KVM). */
  regionSummaries(): { name: string; rounds: number; finishedAtNs: number; dopMean: number; roundsWithPreemption: number; roundsReducedDop: number; spinNs: number; spinWhilePreemptedNs: number; blocks: number; range: TextRange }[] {
    return this.regions.map((r) => ({
      name: r.ir.name,
      rounds: r.round,
      finishedAtNs: r.finishedAt,
      dopMean: r.round > 0 ? r.dopSum / r.round : 0,
      roundsWithPreemption: r.roundsWithPreemption,
      roundsReducedDop: r.roundsReduced,
      spinNs: r.spinNs,
      spinWhilePreemptedNs: r.spinPreemptedNs,
      blocks: r.blocks,
      range: r.ir.range,
    }));
  }
}

/** The `Vtl0` face of one vCPU (allocation-free delegation to the VM's guest). */
export class GuestVcpu implements Vtl0 {
  constructor(
    private readonly g: GuestVm,
    readonly vm: number,
    readonly vp: number,
  ) {}
  attach(outer: Vtl0Outer): void {
    this.g.attach(this.vp, outer);
  }
  enter(now: Ns): void {
    this.g.enter(this.vp, now);
  }
  leave(now: Ns): void {
    this.g.leave(this.vp, now);
  }
  exitDone(now: Ns): void {
    this.g.exitDone(this.vp, now);
  }
  hasWork(): boolean {
    return this.g.hasWork(this.vp);
  }
  inGuest(): boolean {
    return this.g.inGuest(this.vp);
  }
}

export type { EventHandler };
