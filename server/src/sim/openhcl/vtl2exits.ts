/**
 * Guest exits that VTL2 itself serves: RTC reads and writes and PAM/ROM remaps (the chipset is
 * emulated in the paravisor), plus, for sidecar VPs that are still remote, every intercept the
 * sidecar kernel hands to Linux on the base CPU.
 *
 * model.md §1: "guest RTC writes wait for a VMGS save; RTC reads ask the host at most once per
 * second; PAM/ROM remaps wait on the GET" - all synchronously on the VP thread, so they stall
 * every task on that VP as well as the guest. Durations are assumptions (params.ts).
 */
import * as contracts from '../contracts';
import type { Ns } from '../contracts';
import type { TextRange } from '../../core/text';
import type { Executor } from './executor';
import type { OpenHclModel } from './model';
import * as params from './params';
import { Task } from './task';
import * as tasks from './task';

// Hot paths use module-local copies of imported constants: under tsx (tests, bench) an imported
// binding is a getter call on every use.
const { EXIT_PAM_REMAP, EXIT_RTC_READ, EXIT_RTC_WRITE, EXIT_VMM } = contracts;
const { CHIPSET_EMULATION_CPU_NS, GET_ROUND_TRIP_NS, RTC_CACHE_NS, SIDECAR_EXIT_FORWARD_NS, VMGS_SAVE_NS } = params;
const { R_AWAIT, R_BLOCK, R_CPU, R_FOREVER } = tasks;

/**
 * How long a chipset exit waits on the GET (0: served from the RTC cache), updating the VM's RTC
 * cache. Shared by the local and the forwarded path.
 */
export function getWaitOf(m: OpenHclModel, exit: number, now: Ns): number {
  if (exit === EXIT_RTC_WRITE) return VMGS_SAVE_NS;
  if (exit === EXIT_PAM_REMAP) return GET_ROUND_TRIP_NS;
  if (exit === EXIT_RTC_READ) {
    if (m.rtcAskedAt >= 0 && now - m.rtcAskedAt < RTC_CACHE_NS) {
      m.add(m.cRtcCacheHits);
      return 0;
    }
    m.rtcAskedAt = now;
    return GET_ROUND_TRIP_NS;
  }
  return 0;
}

/** Serves one VTL2 exit of its own VP: emulation CPU, then the GET wait, then back to the guest. */
export class ExitTask extends Task {
  private phase = 0;
  exit = 0;
  /** EXIT_VMM: how long the VP thread waits in VTL2 for the emulated device. */
  blockNs = 0;
  /** Cause-table id of this exit source (the guest step). */
  cause = -1;
  range: TextRange | undefined;

  constructor(readonly m: OpenHclModel, name: string, recCause: number, workCause: number) {
    super(name, recCause, workCause);
  }

  configure(exit: number, cause: number, range: TextRange | undefined, blockNs = 0): void {
    this.exit = exit;
    this.cause = cause;
    this.range = range;
    this.blockNs = blockNs;
    this.phase = 0;
  }

  poll(ex: Executor, now: Ns): number {
    const m = this.m;
    if (this.exit === EXIT_VMM) {
      // `exit ... vmm`: the VP thread is blocked in VTL2 for the step's duration, then back to VTL0.
      if (this.phase === 0 && this.blockNs > 0) {
        this.phase = 1;
        return vmmWait(m, ex, this.blockNs, this.cause);
      }
      this.phase = 0;
      ex.vtl0?.exitDone(now);
      return R_AWAIT;
    }
    if (this.phase === 0) {
      this.phase = 1;
      ex.actNs = CHIPSET_EMULATION_CPU_NS;
      ex.actCause = this.cause;
      return R_CPU;
    }
    if (this.phase === 1) {
      this.phase = 2;
      const wait = getWaitOf(m, this.exit, now);
      if (wait > 0) return getWait(m, ex, wait, this.exit, this.cause, this.range);
    }
    this.phase = 0;
    ex.vtl0?.exitDone(now);
    return R_AWAIT;
  }
}

/** The blocking wait of an `exit ... vmm` step (the thread in the kernel, waiting on the device). */
function vmmWait(m: OpenHclModel, ex: Executor, ns: Ns, cause: number): number {
  ex.actState = m.sKernel;
  ex.actNs = ns;
  ex.actCause = cause;
  return R_BLOCK;
}

/** The synchronous GET wait of a chipset exit (forever once the GET worker is deadlocked). */
function getWait(m: OpenHclModel, ex: Executor, wait: Ns, exit: number, cause: number, range: TextRange | undefined): number {
  m.add(m.cGetRoundTrips);
  m.noteChipsetGet(exit, wait, range);
  ex.actState = m.sKernel;
  if (m.getDeadlockCause >= 0) {
    ex.actCause = m.getDeadlockCause;
    return R_FOREVER;
  }
  ex.actNs = wait;
  ex.actCause = cause;
  return R_BLOCK;
}

/**
 * Runs on the base CPU's executor: the VTL2 side of an exit of a remote (sidecar) VP. The remote
 * VP waits until this is done. One per remote VP (a VP has at most one exit outstanding).
 */
export class ForwardTask extends Task {
  private phase = 0;
  exit = 0;
  cause = -1;
  range: TextRange | undefined;
  blockNs = 0;

  constructor(
    readonly m: OpenHclModel,
    readonly remote: Executor,
    name: string,
    recCause: number,
    workCause: number,
  ) {
    super(name, recCause, workCause);
  }

  configure(exit: number, cause: number, range: TextRange | undefined, blockNs = 0): void {
    this.exit = exit;
    this.cause = cause;
    this.range = range;
    this.blockNs = blockNs;
    this.phase = 0;
  }

  poll(ex: Executor, now: Ns): number {
    const m = this.m;
    if (this.exit === EXIT_VMM && this.phase === 1) {
      // Forwarded `exit ... vmm` of a remote VP: the base CPU's thread waits on the device.
      this.phase = 2;
      if (this.blockNs > 0) return vmmWait(m, ex, this.blockNs, this.cause >= 0 ? this.cause : this.workCause);
    }
    const chipset = this.exit === EXIT_RTC_READ || this.exit === EXIT_RTC_WRITE || this.exit === EXIT_PAM_REMAP;
    if (this.phase === 0) {
      this.phase = 1;
      ex.actNs = SIDECAR_EXIT_FORWARD_NS + (chipset ? CHIPSET_EMULATION_CPU_NS : 0);
      ex.actCause = this.workCause;
      return R_CPU;
    }
    if (this.phase === 1) {
      this.phase = 2;
      const wait = chipset ? getWaitOf(m, this.exit, now) : 0;
      if (wait > 0) return getWait(m, ex, wait, this.exit, this.cause >= 0 ? this.cause : this.workCause, this.range);
    }
    this.phase = 0;
    this.remote.forwardDoneEvent(now);
    return R_AWAIT;
  }
}
