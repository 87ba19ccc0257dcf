/**
 * Timeline lanes of the OpenHCL model beyond the executor views (only built when a timeline was
 * requested: `rec.timelines`; with it off the model holds `lanes === null` and records nothing
 * more).
 *
 * - Tasks and workers, kind `task`, group `vm:VM`: `vm:VM/task:NAME` (scenario tasks),
 *   `vm:VM/task:storvsp:C/ch:K` (StorVSP workers), `vm:VM/task:exits:vp:N` (VTL2 handling of VP N's
 *   guest exits), `vm:VM/task:forward:vp:N` (a sidecar VP's exits served on the base CPU). States:
 *     running   its executor runs it on a pCPU (CPU work or a hypervisor intercept; cause: the executor)
 *     waiting   ready but not running: behind another task, the guest (VTL0), a guest intercept,
 *               or its thread waits for / was preempted from a pCPU (cause: which)
 *     blocked   its thread is blocked in a syscall / GET / root operation, or it awaits its own IO,
 *               timer, GET reply or a VP coming online (cause: which)
 *     idle      waiting for its next release or for requests (workers)
 * - StorVSP channels, kind `channel`: `vm:VM/ctrl:C/chan:K`, `busy` (requests in the ring or in
 *   flight; cause `poll mode` while the ring interrupt is masked), `full` (at `io_queue_depth` with
 *   requests left in the ring: head-of-line), `idle`.
 * - Disks, kind `disk`: `vm:VM/disk:C/NAME`, `busy` while at least one IO is at the backend (cause:
 *   the IO load or guest thread of the latest one to start), `idle`.
 * - Sidecar VPs, kind `vp`: `vm:VM/vp:N/sidecar` for VPs that start in the sidecar kernel:
 *   `remote`, `queued` (onlining requested, waiting for the global lock), `onlining`, `blackout`,
 *   `online` (sidecar.ts VpMode).
 */
import type { Ns, Recorder } from '../contracts';
import { STATE_BLOCKED, STATE_IDLE, STATE_RUNNING } from '../contracts';
import type { ChannelRt, DiskRt } from './storvsp';
import { StorvspWorker } from './storvsp';
import type { Executor } from './executor';
import { M_BLACKOUT, M_CPU, M_FWD_WAIT, M_GUEST, M_HALT_EXIT, M_HV, M_HV_EXIT, M_IDLE, M_WAKEUP } from './executor';
import type { OpenHclModel } from './model';
import { ProgramTask } from './program';
import type { SidecarState } from './sidecar';
import type { Task } from './task';
import * as tasks from './task';

const { R_AWAIT, R_BLOCK, R_CPU, R_DONE, R_FOREVER, R_HV, R_YIELD } = tasks;

export const STATE_WAITING = 'waiting';
export const STATE_BUSY = 'busy';
export const STATE_FULL = 'full';
/** Sidecar lane states by sidecar.ts VpMode (Linux, Remote, Queued, Onlining, Blackout). */
export const SIDECAR_STATES = ['online', 'remote', 'queued', 'onlining', 'blackout'] as const;

export class OpenHclLanes {
  private readonly sRunning: number;
  private readonly sWaiting: number;
  private readonly sBlocked: number;
  private readonly sIdle: number;
  private readonly sBusy: number;
  private readonly sFull: number;
  private readonly sSidecar: Int32Array;
  private readonly cVtl0: number;
  private readonly cGuestExit: number;
  private readonly cHostWait: number;
  private readonly cWakeup: number;
  private readonly cHaltExit: number;
  private readonly cSidecar: number;
  private readonly cAwaitIo: number;
  private readonly cAwaitVp: number;
  private readonly cAwaitGet: number;
  private readonly cAwaitDisk: number;
  private readonly cPoll: number;
  /** Per executor (index): its name as a cause ("on VP 2"). */
  private readonly cExec: Int32Array;
  /** Per executor: "VP 2 preempted by the host" / "... waiting for a pCPU". */
  private readonly cExecHost: Int32Array;
  private readonly cFull: Int32Array;
  /** Cause-table id (causes.ts) -> recorder cause, filled on first use. */
  private readonly cTable = new Map<number, number>();
  private readonly chanLane: Int32Array;
  private readonly diskLane: Int32Array;
  /** IOs at the backend per disk. */
  private readonly diskBusy: Int32Array;
  private readonly sidecarLane: Int32Array;
  /** Recorder cause of each pooled storage IO (by IoPool id): its guest IO load or thread. */
  private ioCauses = new Int32Array(1024).fill(-1);

  constructor(
    private readonly m: OpenHclModel,
    private readonly rec: Recorder,
    allTasks: readonly { t: Task; id: string; label: string }[],
  ) {
    this.sRunning = rec.stateId(STATE_RUNNING);
    this.sWaiting = rec.stateId(STATE_WAITING);
    this.sBlocked = rec.stateId(STATE_BLOCKED);
    this.sIdle = rec.stateId(STATE_IDLE);
    this.sBusy = rec.stateId(STATE_BUSY);
    this.sFull = rec.stateId(STATE_FULL);
    this.sSidecar = m.sidecar !== null ? Int32Array.from(SIDECAR_STATES, (s) => rec.stateId(s)) : new Int32Array(0);
    this.cVtl0 = rec.causeId('VTL0 (the guest runs)');
    this.cGuestExit = rec.causeId('guest intercept');
    this.cHostWait = rec.causeId('waiting for a pCPU');
    this.cWakeup = rec.causeId('halt wake-up');
    this.cHaltExit = rec.causeId('halt exit');
    this.cSidecar = rec.causeId('sidecar');
    this.cAwaitIo = rec.causeId('awaiting its IO / timer');
    this.cAwaitVp = rec.causeId('waiting for its VP to come online');
    this.cAwaitGet = rec.causeId('awaiting a GET reply');
    this.cAwaitDisk = rec.causeId('awaiting disk completions');
    this.cPoll = rec.causeId('poll mode (interrupt masked)');
    const execs = m.allExecs;
    this.cExec = Int32Array.from(execs, (ex) => rec.causeId(ex.name));
    this.cExecHost = Int32Array.from(execs, (ex) => rec.causeId(`${ex.name} waiting for a pCPU`));
    const group = `vm:${m.name}`;
    for (const { t, id, label } of allTasks) t.lane = rec.lane({ id, label, group, kind: 'task' });
    this.chanLane = new Int32Array(m.channels.length);
    this.cFull = new Int32Array(m.channels.length);
    for (const ch of m.channels) {
      const ctrl = m.controllers[ch.controller].name;
      this.chanLane[ch.gidx] = rec.lane({ id: `${group}/ctrl:${ctrl}/chan:${ch.index}`, label: `chan ${ch.index} (VP ${ch.vp})`, group, kind: 'channel' });
      this.cFull[ch.gidx] = rec.causeId(`queue depth ${ch.depth} reached`);
    }
    this.diskLane = Int32Array.from(m.disks, (d: DiskRt) => rec.lane({ id: `${group}/disk:${m.controllers[d.controller].name}/${d.name}`, label: `disk ${d.name}`, group, kind: 'disk' }));
    this.diskBusy = new Int32Array(m.disks.length);
    const sc = m.sidecar;
    this.sidecarLane = new Int32Array(m.vps).fill(-1);
    if (sc !== null) {
      for (let v = 0; v < m.vps; v++) {
        if (sc.isLinux(v)) continue;
        this.sidecarLane[v] = rec.lane({ id: `${group}/vp:${v}/sidecar`, label: `VP ${v} sidecar`, group, kind: 'vp' });
        this.sidecar(sc, v, 0);
      }
    }
  }

  // ================================================================ tasks

  /** What executor `ex` is busy with, as the cause of a task waiting for it. */
  private busyCause(ex: Executor): number {
    const cur = ex.current;
    if (cur !== null) return cur.recCause;
    switch (ex.mode) {
      case M_GUEST:
        return ex.linux ? this.cVtl0 : this.cSidecar;
      case M_HV_EXIT:
        return this.cGuestExit;
      case M_WAKEUP:
        return this.cWakeup;
      case M_HALT_EXIT:
        return this.cHaltExit;
      case M_BLACKOUT:
      case M_FWD_WAIT:
        return this.cSidecar;
      case M_IDLE:
        return this.cExecHost[ex.index];
    }
    return ex.onCpu ? -1 : this.cExecHost[ex.index];
  }

  /** `t` was queued on `ex`'s ready queue at `now`. */
  ready(t: Task, ex: Executor, now: Ns): void {
    this.rec.set(t.lane, now, this.sWaiting, this.busyCause(ex));
  }

  /** `ex` polled `t`, which returned action `r` (task.ts R_*). */
  polled(ex: Executor, t: Task, r: number, now: Ns): void {
    const rec = this.rec;
    switch (r) {
      case R_CPU:
      case R_HV:
        rec.set(t.lane, now, this.sRunning, this.cExec[ex.index]);
        break;
      case R_BLOCK:
      case R_FOREVER:
        rec.set(t.lane, now, this.sBlocked, this.tableCause(ex.actCause));
        break;
      case R_YIELD:
        rec.set(t.lane, now, this.sWaiting, -1);
        return;
      case R_DONE:
        rec.set(t.lane, now, this.sIdle, -1);
        return;
      case R_AWAIT:
        this.awaiting(t, now);
        return;
    }
    // The executor is busy with `t` from now on: every ready task waits behind it.
    if (ex.readyLen > 0) for (let q = ex.readyHead; q !== null; q = q.qNext) rec.set(q.lane, now, this.sWaiting, t.recCause);
  }

  private awaiting(t: Task, now: Ns): void {
    let s = this.sIdle;
    let c = -1;
    if (t instanceof ProgramTask) {
      if (t.vpWaitSince >= 0) {
        s = this.sBlocked;
        c = this.cAwaitVp;
      } else if (t.stuckSince >= 0) {
        s = this.sBlocked;
        c = this.cAwaitGet;
      } else if (this.m.taskInFlight[t.idx] > 0) {
        s = this.sBlocked;
        c = this.cAwaitIo;
      }
    } else if (t instanceof StorvspWorker && t.ch.inFlight > 0) {
      s = this.sBlocked;
      c = this.cAwaitDisk;
    }
    this.rec.set(t.lane, now, s, c);
  }

  /** `ex` lost its pCPU (suspend) or is back on one (resume) while running its current task. */
  hostChange(ex: Executor, now: Ns): void {
    const t = ex.current;
    if (t === null || (ex.mode !== M_CPU && ex.mode !== M_HV)) return;
    if (ex.onCpu) this.rec.set(t.lane, now, this.sRunning, this.cExec[ex.index]);
    else this.rec.set(t.lane, now, this.sWaiting, this.cExecHost[ex.index]);
  }

  /** `ex`'s blocking action ended: its task waits for the thread to get a pCPU again. */
  unblocked(ex: Executor, now: Ns): void {
    const t = ex.current;
    if (t !== null) this.rec.set(t.lane, now, this.sWaiting, this.cExecHost[ex.index]);
  }

  private tableCause(id: number): number {
    if (id < 0) return -1;
    let c = this.cTable.get(id);
    if (c === undefined) {
      c = this.rec.causeId(this.m.causes.get(id).label);
      this.cTable.set(id, c);
    }
    return c;
  }

  // ================================================================ StorVSP

  /** Channel `ch` may have changed (requests written, read, completed). */
  channel(ch: ChannelRt, now: Ns): void {
    const lane = this.chanLane[ch.gidx];
    if (ch.full) this.rec.set(lane, now, this.sFull, this.cFull[ch.gidx]);
    else if (ch.inFlight > 0 || ch.ring.length > 0) this.rec.set(lane, now, this.sBusy, ch.masked ? this.cPoll : -1);
    else this.rec.set(lane, now, this.sIdle, -1);
  }

  /** The guest submitted storage IO `id` (IoPool id) on behalf of `cause` (recorder cause, -1 unknown). */
  ioSubmitted(id: number, cause: number): void {
    if (id >= this.ioCauses.length) {
      const a = new Int32Array(Math.max(id + 1, this.ioCauses.length * 2)).fill(-1);
      a.set(this.ioCauses);
      this.ioCauses = a;
    }
    this.ioCauses[id] = cause;
  }

  /** IO `id` of channel `ch` reached disk `disk`'s backend. */
  diskStart(disk: number, id: number, ch: ChannelRt, now: Ns): void {
    this.diskBusy[disk]++;
    const c = id < this.ioCauses.length ? this.ioCauses[id] : -1;
    this.rec.set(this.diskLane[disk], now, this.sBusy, c >= 0 ? c : ch.worker.recCause);
  }

  /** An IO of disk `disk` left the backend. */
  diskEnd(disk: number, now: Ns): void {
    if (--this.diskBusy[disk] <= 0) {
      this.diskBusy[disk] = 0;
      this.rec.set(this.diskLane[disk], now, this.sIdle, -1);
    }
  }

  // ================================================================ sidecar

  /** VP `v`'s sidecar mode may have changed. */
  sidecar(sc: SidecarState, v: number, now: Ns): void {
    const lane = this.sidecarLane[v];
    if (lane >= 0) this.rec.set(lane, now, this.sSidecar[sc.mode[v]] ?? this.sIdle, -1);
  }
}
