/** The state of the guest of one VM (see guest.ts for the model and the module layout). */
import type { TextRange } from '../../core/text';
import type { GuestLock, HostCosts, IoLoad, Irq, ParallelRegion, Vm } from '../../model/ir';
import type { HostApi, IoSink, SimContext, Stats, StorageModel, Vtl0, Vtl0Outer } from '../contracts';
import type { Engine, Ns } from '../engine';
import { costsForVm } from '../host/costs';
import { DenseSet, Lists } from '../host/lists';
import type { KvmVm } from '../kvm';
import { type CompiledProgram, Releases } from '../program';
import type { Rng } from '../rng';
import { A_BAR_SPIN, A_LOCK_SPIN, G_CUR, G_DONE, G_QUEUED, ItemRings, TK_LOAD, V_HALTED, V_IN } from './consts';
import { GuestLanes, guestThreadLaneId } from './lanes';

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
  /** Adaptive DoP: when the team size is next reconsidered, the window start and each team vCPU's steal then. */
  adaptAt: number;
  adaptFrom: number;
  adaptSteal: Float64Array;
  /** Adaptive DoP: team size changes so far, and consecutive calm windows. */
  dopChanges: number;
  calm: number;
}

export interface IoLoadRt {
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

export interface IrqRt {
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

/**
 * All state of the guest of one VM, in flat typed arrays indexed by vCPU (`v*`) and by guest thread
 * (`g*`). Its behaviour is split by concern into modules that install methods on this prototype
 * (vcpu, sched, steps, locks, regions, interrupts, storage, results, setup: each declares its
 * methods on this interface); guest.ts loads them all before it constructs one. Prototype methods
 * rather than imported functions: calls stay monomorphic method calls, also under tsx, where every
 * use of an imported binding is a getter call. Fields are public to those modules only.
 */
export class GuestState {
  readonly vcpus: GuestVcpu[] = [];
  outer: Vtl0Outer[] = [];
  readonly host: HostApi;
  readonly nv: number;
  readonly vmName: string;
  storage: StorageModel | null = null;
  readonly io: IoSink;

  // vCPU state
  readonly vState: Int8Array;
  readonly vCur: Int32Array;
  /**
   * One bit per vCPU (bit `v & 31` of word `v >> 5`): its current thread spins (at a barrier or on
   * a lock), kept by `spinSync` after every write of `vCur` or `gAct`. A directed yield skips these
   * (locks.ts `pleExit`) and reads them a word at a time.
   */
  readonly vSpinBits: Uint32Array;
  readonly vSince: Float64Array;
  readonly vSliceLeft: Float64Array;
  readonly vInAcc: Float64Array;
  readonly vInSince: Float64Array;
  readonly vDriving: Uint8Array;
  readonly vPleWin: Float64Array;
  readonly vPleLeft: Float64Array;
  readonly vIcLeft: Float64Array;
  readonly vIcRate: Float64Array;
  readonly vTimer: Int32Array;
  readonly vIcTimer: Int32Array;
  readonly vIrqTimer: Int32Array;
  readonly vItems: ItemRings;
  readonly rq: Lists; // list 2v: RT, 2v+1: normal
  readonly waitingV: DenseSet; // vCPUs with queued threads
  /**
   * Queued threads that some other vCPU could run (not pinned to the vCPU they are queued on):
   * while 0, the idle balance (`pullFrom`) has nothing to find and skips its walk of the queues.
   */
  nQueuedFree = 0;
  /** The periodic load balance (sched.ts `balance`): its timer, whether armed, its failures in a row and scan start. */
  readonly balTimer: number;
  balArmed = false;
  /** Per destination vCPU, its failed attempts in a row (its own sd->nr_balance_failed); `balAnyFailed`: some nonzero. */
  readonly balFailedV: Int8Array;
  balAnyFailed = false;
  balCursor = 0;
  /** Per vCPU, its thread count at the current balance (balanceLoad), and the balance that set it aside as source (balSkip) or destination (balDone). */
  readonly balL: Int32Array;
  readonly balSkip: Int32Array;
  readonly balDone: Int32Array;
  balGen = 0;
  /** Draws the balancer's retry period after a failure (uniform 2-6 ms). */
  readonly balRng: Rng;
  readonly halted: DenseSet;
  vcpuTids: readonly number[] = [];

  // thread state
  nt = 0;
  gState = new Int8Array(0);
  gVcpu = new Int32Array(0);
  gPc = new Int32Array(0);
  gAct = new Int8Array(0);
  gLeft = new Float64Array(0);
  gSpinLeft = new Float64Array(0);
  gCs = new Float64Array(0);
  gHold = new Int32Array(0);
  gWaitLock = new Int32Array(0);
  gRt = new Uint8Array(0);
  gRelease = new Float64Array(0);
  gPasses = new Float64Array(0);
  gReleased = new Float64Array(0);
  gWaitSince = new Float64Array(0);
  gStealAt = new Float64Array(0);
  gInAt = new Float64Array(0);
  gWaitV = new Int32Array(0);
  /** When each thread last became runnable (woken); the balancer's CPU-bound test reads it. */
  gWokeAt = new Float64Array(0);
  gLockWaitStart = new Float64Array(0);
  gLockOffAt = new Float64Array(0);
  gLockGrantAt = new Float64Array(0);
  gRegion = new Int32Array(0);
  gWork = new Float64Array(0);
  gTask = new Int32Array(0);
  gProg: (CompiledProgram | null)[] = [];
  gRng: Rng[] = [];
  gReleases: (Releases | null)[] = [];
  gAllowed: Int32Array[] = [];
  gName: string[] = [];
  /** Timeline lane id of each thread (guestThreadLaneId), recorded or not: its stalls carry it. */
  gLaneId: string[] = [];
  gRange: TextRange[] = [];
  gRelTimer = new Int32Array(0);
  gWakeTimer = new Int32Array(0);

  readonly locks: LockRt[] = [];
  readonly lockIdx = new Map<string, number>();
  readonly regions: RegionRt[] = [];
  readonly ioloads: IoLoadRt[] = [];
  readonly irqs: IrqRt[] = [];
  readonly irqTargets: { src: number; v: number; timer: number; rng: Rng }[] = [];
  readonly icSources: { rate: number; dur: import('../../model/ir').Dist; cause: number; range: TextRange; vcpus: Set<number> }[] = [];
  readonly icRng: Rng;
  readonly pvTimer: number;
  hasParavirt = false;

  // IO tokens
  tkKind = new Int8Array(64);
  tkOwner = new Int32Array(64);
  tkStart = new Float64Array(64);
  tkVcpu = new Int32Array(64);
  /** Free token stack (LIFO). */
  tkFree = new Int32Array(64);
  tkFreeN = 0;
  tkNext = 0;
  readonly plainIoHid: number;
  readonly plainIoRng: Rng;

  readonly facts: GuestFacts;
  readonly cSpinNs: number;
  readonly cPle: number;
  readonly cYield: number;
  readonly cIgnored: number;
  readonly cIoSubmit: number;
  readonly causePle: number;
  readonly causeUnboost: number;
  readonly causeIpi: number;
  readonly causeRtc: number;
  readonly causePam: number;
  readonly stepCause = new Map<string, number>();
  readonly sliceNs: number;
  // Hot-path copies of setup constants.
  readonly eng: Engine;
  readonly stats: Stats;
  readonly kvmDynamic: boolean;
  readonly pleEnabled: boolean;
  readonly pleWindowNs: number;
  readonly stallNs: number;
  /** Host costs of a blocking wait that apply to this VM (host `costs`, or Xen's). */
  readonly costs: HostCosts;
  /** Handler of delayed barrier wake-ups (argument: the thread). */
  readonly barrierWakeH: number;

  /** Guest thread timeline lanes (guest/lanes.ts); null unless a timeline was requested. */
  lanes: GuestLanes | null = null;

  pendingIpiExit = 0;

  constructor(
    readonly ctx: SimContext,
    readonly vm: Vm,
    readonly vmIndex: number,
    readonly kvm: KvmVm,
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
    this.vSpinBits = new Uint32Array((nv + 31) >> 5);
    this.vSince = new Float64Array(nv);
    this.vSliceLeft = new Float64Array(nv);
    this.vInAcc = new Float64Array(nv);
    this.vInSince = new Float64Array(nv);
    this.vDriving = new Uint8Array(nv);
    this.vItems = new ItemRings(nv);
    this.vPleWin = new Float64Array(nv).fill(Math.max(1, vm.guest.ple.windowNs));
    this.vPleLeft = new Float64Array(nv);
    this.vIcLeft = new Float64Array(nv);
    this.vIcRate = new Float64Array(nv);
    this.vTimer = new Int32Array(nv);
    this.vIcTimer = new Int32Array(nv);
    this.vIrqTimer = new Int32Array(nv);
    this.rq = new Lists(2 * nv, 16);
    this.balFailedV = new Int8Array(nv);
    this.balL = new Int32Array(nv);
    this.balSkip = new Int32Array(nv);
    this.balDone = new Int32Array(nv);
    this.waitingV = new DenseSet(nv);
    this.halted = new DenseSet(nv);
    const eng = ctx.engine;
    const vH = eng.registerFn((v, now) => this.onVcpuTimer(v, now));
    const icH = eng.registerFn((v, now) => this.onIntercept(v, now));
    const irqMaskH = eng.registerFn((v, now) => this.onIrqUnmask(v, now));
    for (let v = 0; v < nv; v++) {
      this.vTimer[v] = eng.timer(vH, v);
      this.vIcTimer[v] = eng.timer(icH, v);
      this.vIrqTimer[v] = eng.timer(irqMaskH, v);
      this.halted.add(v);
      this.vcpus.push(new GuestVcpu(this, vmIndex, v));
    }
    this.outer = new Array(nv);
    this.costs = costsForVm(ctx.scenario, vm);
    this.barrierWakeH = eng.registerFn((t, now) => this.wakeThread(t, now, null));
    this.pvTimer = eng.timer(eng.registerFn((_a, now) => this.paravirtCheck(now)), 0);
    this.balTimer = eng.timer(eng.registerFn((_a, now) => this.balance(now)), 0);
    this.balRng = ctx.rng.stream(`vm:${vm.name}/guest-balance`);
    this.plainIoHid = eng.registerFn((tk, now) => this.ioDone(tk, this.tkVcpu[tk], now));
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
    const teamIndex = this.teamIndex();
    this.gLaneId = this.gName.slice(0, this.nt).map((n, t) => guestThreadLaneId(this.vmName, n, this.gRegion[t] >= 0 ? this.regions[this.gRegion[t]].ir.name : undefined, teamIndex[t]));
    if (rec.timelines) this.lanes = this.buildLanes(teamIndex);
  }

  /** Recomputes vCPU v's bit in `vSpinBits` from its current thread's activity. */
  spinSync(v: number): void {
    const c = this.vCur[v];
    if (c >= 0 && (this.gAct[c] === A_BAR_SPIN || this.gAct[c] === A_LOCK_SPIN)) this.vSpinBits[v >> 5] |= 1 << (v & 31);
    else this.vSpinBits[v >> 5] &= ~(1 << (v & 31));
  }

  /** Index of each thread in its region's team (-1 for ordinary threads). */
  private teamIndex(): number[] {
    const teamIndex: number[] = new Array(this.nt).fill(-1);
    for (const r of this.regions) r.team.forEach((t, i) => (teamIndex[t] = i));
    return teamIndex;
  }

  private buildLanes(teamIndex: number[]): GuestLanes {
    return new GuestLanes(this.ctx.rec, this.host, this.vmName, this.nt, {
      gState: this.gState, gAct: this.gAct, gVcpu: this.gVcpu, gPc: this.gPc, gWaitLock: this.gWaitLock, gRegion: this.gRegion,
      gProg: this.gProg, gName: this.gName, vState: this.vState, vCur: this.vCur, rq: this.rq,
      lockNames: this.locks.map((l) => l.ir.name), regionNames: this.regions.map((r) => r.ir.name), teamIndex,
      ioloadNames: this.ioloads.map((l) => l.ir.name),
      vcpuTids: () => this.vcpuTids,
      k: { G_QUEUED, G_CUR, G_DONE, A_LOCK_SPIN, A_BAR_SPIN, V_IN },
    }, this.ctx.setupTick);
  }
}

/** The `Vtl0` face of one vCPU (allocation-free delegation to the VM's guest). */
export class GuestVcpu implements Vtl0 {
  constructor(
    private readonly g: GuestState,
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
  workSince(): Ns {
    return this.g.workSince(this.vp);
  }
  inGuest(): boolean {
    return this.g.inGuest(this.vp);
  }
}
