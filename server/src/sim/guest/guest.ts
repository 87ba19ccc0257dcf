/**
 * The guest (VTL0) of one VM: guest threads on vCPUs with the guest's own scheduler, locks,
 * parallel regions with barriers, interrupts, intercepts and storage IO. Each vCPU is exposed to
 * its outer per-VP model as a `Vtl0` (contracts.ts); the guest only executes between `enter` and
 * the moment it halts, exits or is left.
 *
 * Code layout: `GuestVm` wraps a `GuestState` (state.ts: flat typed arrays per vCPU and per
 * thread, and `GuestVcpu`) whose methods come from one module per concern: vcpu.ts (execution,
 * halts, exits, the vCPU timer), sched.ts (the guest scheduler, waits and stalls), steps.ts (program steps),
 * locks.ts (locks, pause-loop exiting), regions.ts (parallel regions, barriers, DoP),
 * interrupts.ts (interrupts, intercepts), storage.ts (disk IO), results.ts, setup.ts, consts.ts.
 *
 * Model (model.md section 3; docs/sim.md "Guest"):
 * - Guest scheduler per vCPU: RT threads first (FIFO), normal threads round-robin with `slice`.
 *   A woken thread goes to an idle (halted) allowed vCPU if there is one (the guest avoids
 *   preempted vCPUs: a preempted vCPU is never idle), else where it last ran; a vCPU about to halt
 *   pulls a waiting thread from another vCPU; a periodic balance evens the vCPUs' thread counts
 *   (sched.ts balance()).
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
import type { HostCosts, Vm } from '../../model/ir';
import type { IoSink, SimContext, StorageModel } from '../contracts';
import type { EventHandler, Ns } from '../engine';
import type { KvmVm } from '../kvm';
import { GuestState, type GuestFacts, type GuestVcpu } from './state';
// Each module installs its methods on GuestState's prototype: all of them before a guest is built.
import './vcpu';
import './sched';
import './steps';
import './locks';
import './regions';
import './interrupts';
import './storage';
import './results';
import './setup';

export type { GuestFacts, LockRt, RegionRt } from './state';
export { GuestVcpu } from './state';

/** The guest of one VM, as the simulator (run.ts) sees it: a thin composition of the modules above. */
export class GuestVm {
  private readonly g: GuestState;
  /** One `Vtl0` per vCPU, for the outer per-VP model. */
  readonly vcpus: readonly GuestVcpu[];
  readonly vmName: string;
  /** Where the storage model delivers IO completions. */
  readonly io: IoSink;
  /** Guest-side facts the run analysis reads (findings). */
  readonly facts: GuestFacts;
  /** Host costs of a blocking wait that apply to this VM (host `costs`, or Xen's). */
  readonly costs: HostCosts;

  constructor(
    ctx: SimContext,
    readonly vm: Vm,
    readonly vmIndex: number,
    kvm: KvmVm,
  ) {
    const g = (this.g = new GuestState(ctx, vm, vmIndex, kvm));
    this.vcpus = g.vcpus;
    this.vmName = g.vmName;
    this.io = g.io;
    this.facts = g.facts;
    this.costs = g.costs;
  }

  /** The VM's storage model (OpenHCL StorVSP); without one, disk IO is a plain latency. */
  setStorage(s: StorageModel | null): void {
    this.g.setStorage(s);
  }

  /** The host threads of the vCPUs (steal time, preempted flags). */
  setVcpuTids(tids: readonly number[]): void {
    this.g.setVcpuTids(tids);
  }

  /** Guest threads, team threads included. */
  threadCount(): number {
    return this.g.threadCount();
  }

  /** End of the run: unfinished work as censored samples. */
  finish(now: Ns): void {
    this.g.finish(now);
  }

  regionSummaries(): { name: string; rounds: number; finishedAtNs: number; dopMean: number; roundsWithPreemption: number; roundsReducedDop: number; spinNs: number; spinWhilePreemptedNs: number; blocks: number; range: TextRange }[] {
    return this.g.regionSummaries();
  }
}

export type { EventHandler };
