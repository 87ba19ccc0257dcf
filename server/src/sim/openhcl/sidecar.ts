/**
 * Sidecar VP lifecycle as a pure state machine; the model drives its clock.
 *
 * Sources: OpenHCL guide, "Sidecar Kernel" and "CPU Scheduling": on x64 non-isolated VMs most VPs
 * start in the sidecar kernel (remote), which runs VTL0 and hands exits that need VTL2 to a Linux
 * CPU; a VP is hot-plugged into Linux on its first exit that needs VTL2 processing, one way, and
 * work targeted at a remote VP runs on another (the base) CPU until then. model.md §1 adds: onlining
 * also starts as soon as anything targets the VP (task, IO, wait_target_vp_ready, but not
 * is_target_vp_ready); one VP at a time behind a global lock; queued VPs keep running the guest;
 * remote -> online_queued -> blackout -> linux.
 *
 * The lock is held for the whole onlining: `onlineCost` (the hot-plug work) and then `blackout`;
 * per underhill_core vp.rs the VP's run is cancelled when it takes the lock, so the VP runs
 * nothing during either (the executor shows `blackout`). Durations are sampled by the caller.
 */
import type { OpenHcl } from '../../model/ir';

export const enum VpMode {
  /** A Linux CPU: the VP's executor thread runs here. */
  Linux = 0,
  /** Run by the sidecar kernel; exits are handled on the base CPU. */
  Remote = 1,
  /** Onlining requested, waiting for the global lock; still runs the guest remotely. */
  Queued = 2,
  /** Holding the lock, hot-plug work in progress: the VP runs nothing. */
  Onlining = 3,
  /** The last part of the onlining (affinity, restart): the VP still runs nothing. */
  Blackout = 4,
}

/** Whether the sidecar applies to this VM (x64, non-isolated VMs only; model.md §1). */
export function sidecarApplies(o: Pick<OpenHcl, 'sidecar' | 'arch' | 'isolation'>): boolean {
  return o.sidecar !== undefined && o.arch === 'x64' && o.isolation === 'none';
}

export class SidecarState {
  readonly mode: Uint8Array;
  /** Time the VP became a Linux CPU (0 for VPs that start in Linux, -1 while not yet). */
  readonly onlineAt: Float64Array;
  /** Time onlining was first requested (-1: never). */
  readonly requestedAt: Float64Array;
  /** VP currently holding the onlining lock, or -1. */
  holder = -1;
  private readonly queue: Int32Array;
  private qHead = 0;
  private qLen = 0;
  /** VPs onlined during the run. */
  onlinings = 0;
  readonly fallbackVp: number;

  constructor(
    readonly vps: number,
    /** VPs that boot into Linux; the others start remote. Empty or undefined: all Linux (no sidecar). */
    linuxVps: readonly number[] | undefined,
    /** VP index of the node's base CPU (handles remote VPs' exits). */
    baseVp: number,
  ) {
    this.mode = new Uint8Array(vps);
    this.onlineAt = new Float64Array(vps);
    this.requestedAt = new Float64Array(vps).fill(-1);
    this.queue = new Int32Array(Math.max(1, vps));
    if (linuxVps !== undefined) {
      const linux = new Uint8Array(vps);
      for (const v of linuxVps) if (v >= 0 && v < vps) linux[v] = 1;
      // A VM needs at least one Linux CPU; VP 0 boots Linux when the list names none.
      if (linux.every((x) => x === 0)) linux[0] = 1;
      for (let v = 0; v < vps; v++) {
        if (!linux[v]) {
          this.mode[v] = VpMode.Remote;
          this.onlineAt[v] = -1;
        }
      }
    }
    this.fallbackVp = this.mode[baseVp] === VpMode.Linux ? baseVp : this.mode.indexOf(VpMode.Linux);
  }

  isLinux(vp: number): boolean {
    return this.mode[vp] === VpMode.Linux;
  }

  /** The VP thread that runs work aimed at `vp`: itself once Linux, the fallback (base) VP before. */
  hostVp(vp: number): number {
    return this.mode[vp] === VpMode.Linux ? vp : this.fallbackVp;
  }

  /**
   * Asks for `vp` to be onlined at `now`. Returns true when the caller must start the onlining now
   * (the lock was free): schedule {@link onlineWorkDone} after the online cost. Otherwise the VP is
   * queued (or already on its way / online) and nothing is to be scheduled.
   */
  request(vp: number, now: number): boolean {
    if (this.mode[vp] !== VpMode.Remote) return false;
    this.requestedAt[vp] = now;
    if (this.holder < 0) {
      this.holder = vp;
      this.mode[vp] = VpMode.Onlining;
      return true;
    }
    this.mode[vp] = VpMode.Queued;
    this.queue[(this.qHead + this.qLen) % this.queue.length] = vp;
    this.qLen++;
    return false;
  }

  /** The hot-plug work for the lock holder is done: its blackout starts now. */
  onlineWorkDone(vp: number): void {
    if (this.holder !== vp || this.mode[vp] !== VpMode.Onlining) throw new Error(`sidecar: VP ${vp} is not onlining`);
    this.mode[vp] = VpMode.Blackout;
  }

  /**
   * The blackout is over: `vp` is a Linux CPU from `now` on and the lock passes to the next queued
   * VP, which is returned (the caller starts its onlining now), or -1.
   */
  blackoutDone(vp: number, now: number): number {
    if (this.holder !== vp || this.mode[vp] !== VpMode.Blackout) throw new Error(`sidecar: VP ${vp} is not in blackout`);
    this.mode[vp] = VpMode.Linux;
    this.onlineAt[vp] = now;
    this.onlinings++;
    this.holder = -1;
    if (this.qLen === 0) return -1;
    const next = this.queue[this.qHead];
    this.qHead = (this.qHead + 1) % this.queue.length;
    this.qLen--;
    this.holder = next;
    this.mode[next] = VpMode.Onlining;
    return next;
  }

  /** VPs waiting for the lock. */
  get queued(): number {
    return this.qLen;
  }
}
