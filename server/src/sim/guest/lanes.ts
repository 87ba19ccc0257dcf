/**
 * Timeline lanes of guest threads (only built when a timeline was requested: `rec.timelines`).
 *
 * One lane per guest thread, `vm:VM/thread:NAME`, and per parallel-region team member,
 * `vm:VM/region:R/t:I` (kind `guest-thread`, group `vm:VM`). A thread's state is a function of the
 * guest's own arrays (state.ts), so the guest only tells this module *when* something may have
 * changed (`sync` / `syncVcpu`) and the state is derived here:
 *
 *   running         current on its vCPU, the vCPU executes the guest, doing CPU work
 *   spinning        same, but spinning on a lock or at a barrier (cause: the lock / the barrier)
 *   runnable        queued on the guest run queue of a vCPU that runs or is about to (cause: the vCPU)
 *   vcpu_preempted  current or queued on a vCPU whose host thread is runnable but not running
 *                   (cause: the host thread that took the pCPU, or `vCPU N waiting for a pCPU`)
 *   vcpu_out        current on a vCPU that is out of the guest for another reason: a hypervisor
 *                   exit, VTL2 work, the halt wake-up (cause: the vCPU)
 *   blocked         sleeping, waiting for a disk IO, a mutex, a barrier (cause: which)
 *   idle            waiting for its next release, or finished
 *
 * The spinning time summed over the lanes equals the guest's `guest.spin_ns` counter (both follow
 * the same condition; test/sim/lanes.test.ts checks it).
 */
import type { HostApi, Recorder } from '../contracts';
import { STATE_BLOCKED, STATE_IDLE, STATE_RUNNABLE, STATE_RUNNING } from '../contracts';
import { ST_DISK_IO, ST_SLEEP, type CompiledProgram } from '../program';

/**
 * The lane id of guest thread `name` of VM `vmName`: `vm:VM/region:R/t:I` for member `I` of
 * parallel region `R`'s team, else `vm:VM/thread:NAME`.
 */
export function guestThreadLaneId(vmName: string, name: string, region: string | undefined, teamIndex: number): string {
  return region !== undefined ? `vm:${vmName}/region:${region}/t:${teamIndex}` : `vm:${vmName}/thread:${name}`;
}

/** Guest thread lane states beyond running / runnable / blocked / idle. */
export const STATE_SPINNING = 'spinning';
export const STATE_VCPU_PREEMPTED = 'vcpu_preempted';
export const STATE_VCPU_OUT = 'vcpu_out';

/** The guest's state arrays the lanes read (state.ts owns them; fixed after setup). */
export interface GuestLaneView {
  readonly gState: Int8Array;
  readonly gAct: Int8Array;
  readonly gVcpu: Int32Array;
  readonly gPc: Int32Array;
  readonly gWaitLock: Int32Array;
  readonly gRegion: Int32Array;
  readonly gProg: readonly (CompiledProgram | null)[];
  readonly gName: readonly string[];
  readonly vState: Int8Array;
  readonly vCur: Int32Array;
  /** Guest run queues: list 2v (RT) and 2v+1 (normal) of vCPU v. */
  readonly rq: { readonly head: Int32Array; readonly next: Int32Array };
  readonly lockNames: readonly string[];
  readonly regionNames: readonly string[];
  readonly ioloadNames: readonly string[];
  /** Index of each thread in its region's team (-1 for ordinary threads). */
  readonly teamIndex: readonly number[];
  /** The host threads of the vCPUs (set after the guest is built). */
  vcpuTids(): readonly number[];
  /** The guest's constants for its states (consts.ts). */
  readonly k: {
    G_QUEUED: number;
    G_CUR: number;
    G_DONE: number;
    A_LOCK_SPIN: number;
    A_BAR_SPIN: number;
    V_IN: number;
  };
}

export class GuestLanes {
  private readonly lane: Int32Array;
  /** Per vCPU: the thread that was current at the last sync. */
  private readonly lastCur: Int32Array;
  private readonly sRunning: number;
  private readonly sRunnable: number;
  private readonly sBlocked: number;
  private readonly sIdle: number;
  private readonly sSpinning: number;
  private readonly sPreempted: number;
  private readonly sOut: number;
  private readonly cLock: Int32Array;
  private readonly cBarrier: Int32Array;
  private readonly cVcpu: Int32Array;
  private readonly cVcpuOut: Int32Array;
  private readonly cVcpuWait: Int32Array;
  private readonly cSleep: number;
  private readonly cDisk: number;
  private readonly cHost: Map<number, number> = new Map();
  private readonly cThread: Int32Array;
  private readonly cIoload: Int32Array;

  constructor(
    private readonly rec: Recorder,
    private readonly host: HostApi,
    vmName: string,
    nThreads: number,
    private readonly g: GuestLaneView,
    tick?: () => void,
  ) {
    this.sRunning = rec.stateId(STATE_RUNNING);
    this.sRunnable = rec.stateId(STATE_RUNNABLE);
    this.sBlocked = rec.stateId(STATE_BLOCKED);
    this.sIdle = rec.stateId(STATE_IDLE);
    this.sSpinning = rec.stateId(STATE_SPINNING);
    this.sPreempted = rec.stateId(STATE_VCPU_PREEMPTED);
    this.sOut = rec.stateId(STATE_VCPU_OUT);
    this.cLock = Int32Array.from(g.lockNames, (n) => rec.causeId(`lock ${n}`));
    this.cBarrier = Int32Array.from(g.regionNames, (n) => rec.causeId(`barrier ${n}`));
    const nv = g.vState.length;
    this.cVcpu = Int32Array.from({ length: nv }, (_, v) => rec.causeId(`vCPU ${v}`));
    this.cVcpuOut = Int32Array.from({ length: nv }, (_, v) => rec.causeId(`vCPU ${v} out of the guest`));
    this.cVcpuWait = Int32Array.from({ length: nv }, (_, v) => rec.causeId(`vCPU ${v} waiting for a pCPU`));
    this.cSleep = rec.causeId('sleep');
    this.cDisk = rec.causeId('disk IO');
    this.cThread = Int32Array.from(g.gName.slice(0, nThreads), (n) => rec.causeId(n));
    this.cIoload = Int32Array.from(g.ioloadNames, (n) => rec.causeId(n));
    this.lastCur = new Int32Array(nv).fill(-1);
    this.lane = new Int32Array(nThreads);
    const group = `vm:${vmName}`;
    for (let t = 0; t < nThreads; t++) {
      // One lane per thread: 262,144 threads take seconds, so the stop is polled here too.
      tick?.();
      const ri = g.gRegion[t];
      const name = g.gName[t];
      const id = guestThreadLaneId(vmName, name, ri >= 0 ? g.regionNames[ri] : undefined, g.teamIndex[t]);
      this.lane[t] = rec.lane({ id, label: ri >= 0 ? `${g.regionNames[ri]} t${g.teamIndex[t]}` : `thread ${name}`, group, kind: 'guest-thread' });
    }
  }

  /** Thread `t` may have changed state at `now`. */
  sync(t: number, now: number): void {
    if (t < 0) return;
    const g = this.g;
    const k = g.k;
    const st = g.gState[t];
    let s: number;
    let c = -1;
    if (st === k.G_CUR) {
      const v = g.gVcpu[t];
      if (g.vState[v] === k.V_IN && g.vCur[v] === t) {
        const a = g.gAct[t];
        if (a === k.A_LOCK_SPIN) {
          s = this.sSpinning;
          c = g.gWaitLock[t] >= 0 ? this.cLock[g.gWaitLock[t]] : -1;
        } else if (a === k.A_BAR_SPIN) {
          s = this.sSpinning;
          c = this.cBarrier[g.gRegion[t]];
        } else s = this.sRunning;
      } else {
        const tid = g.vcpuTids()[v];
        if (tid !== undefined && this.host.isPreempted(tid)) {
          s = this.sPreempted;
          c = this.hostCause(this.host.preemptedBy(tid));
        } else {
          s = this.sOut;
          c = this.cVcpuOut[v];
        }
      }
    } else if (st === k.G_QUEUED) {
      const v = g.gVcpu[t];
      const tid = g.vState[v] === k.V_IN ? undefined : g.vcpuTids()[v];
      if (tid !== undefined && this.host.isPreempted(tid)) {
        s = this.sPreempted;
        c = this.cVcpuWait[v];
      } else {
        s = this.sRunnable;
        c = this.cVcpu[v];
      }
    } else if (st === k.G_DONE) {
      s = this.sIdle;
    } else {
      // Blocked: on a mutex, at a barrier, in a sleep or a disk IO; else waiting for a release.
      const ri = g.gRegion[t];
      const pc = g.gPc[t];
      if (g.gWaitLock[t] >= 0) {
        s = this.sBlocked;
        c = this.cLock[g.gWaitLock[t]];
      } else if (ri >= 0) {
        if (pc === 1) {
          s = this.sBlocked;
          c = this.cBarrier[ri];
        } else s = this.sIdle;
      } else if (pc > 0) {
        const code = g.gProg[t]?.code[pc - 1];
        s = this.sBlocked;
        c = code === ST_SLEEP ? this.cSleep : code === ST_DISK_IO ? this.cDisk : -1;
      } else s = this.sIdle;
    }
    this.rec.set(this.lane[t], now, s, c);
  }

  /** vCPU `v` ran, left, exited or halted: its current thread and the one before it. */
  syncVcpu(v: number, now: number): void {
    const cur = this.g.vCur[v];
    const last = this.lastCur[v];
    if (last >= 0 && last !== cur) this.sync(last, now);
    this.sync(cur, now);
    this.lastCur[v] = cur;
  }

  /** Recorder cause of a disk IO: the IO load or the guest thread that issued it. */
  ioCause(isLoad: boolean, owner: number): number {
    const a = isLoad ? this.cIoload : this.cThread;
    return owner >= 0 && owner < a.length ? a[owner] : -1;
  }

  /** vCPU `v` entered or left the guest, or its host thread was woken: the threads queued on it. */
  syncQueue(v: number, now: number): void {
    const rq = this.g.rq;
    for (let l = 2 * v; l <= 2 * v + 1; l++) for (let t = rq.head[l]; t >= 0; t = rq.next[t]) this.sync(t, now);
  }

  private hostCause(tid: number): number {
    if (tid < 0) return -1;
    let c = this.cHost.get(tid);
    if (c === undefined) {
      c = this.rec.causeId(this.host.nameOf(tid));
      this.cHost.set(tid, c);
    }
    return c;
  }
}
