/**
 * The plain KVM/Xen vCPU: the outer per-VP model of a VM without `openhcl`. The vCPU thread runs
 * the guest whenever it has work; exits cost host CPU on the vCPU's pCPU; a halted guest blocks the
 * thread (idle, not steal); a woken vCPU pays HALT_WAKE_NS (wake-up, context switch, VM entry)
 * before guest code runs.
 *
 * Natural VTL0 residence exits only matter for KVM dynamic boosting (a guest boost request takes
 * effect at the next exit); they are simulated only for VMs with `boost dynamic` (a timer per
 * vCPU sampling `guest.residence`), so other runs pay nothing for them.
 */
import { BLOCK_IDLE, BLOCK_WAIT, EXIT_NAMES, EXIT_VMM, type BoostHooks, type HostApi, type SimContext, type ThreadBody, type Vtl0, type Vtl0Outer } from './contracts';
import type { TextRange } from '../core/text';
import type { Dist } from '../model/ir';
import type { EventHandler, Ns } from './engine';
import { HALT_WAKE_NS } from './guest/costs';
import type { Rng } from './rng';
import { CpuWork } from './work';

const S_IDLE = 0; // blocked: the guest halted
const S_WOKEN = 1; // woken from a halt, waiting for a pCPU
const S_WAKE = 2; // paying the halt wake-up cost
const S_GUEST = 3; // executing the guest (or about to)
const S_EXIT = 4; // serving an exit
const S_READY = 5; // runnable after a directed yield; enters the guest when resumed
const S_VMM = 6; // blocked in the VMM (userspace) serving an `exit ... vmm` step
const S_VMM_DONE = 7; // the VMM answered: runnable, finishes the exit when resumed

const EV_WORK = 0;
const EV_RESIDENCE = 1;
const EV_VMM = 2;

export class PlainVcpu implements ThreadBody, Vtl0Outer, EventHandler {
  private st = S_IDLE;
  private readonly work: CpuWork;
  private readonly host: HostApi;
  private pendingYield = -1;
  private readonly resTimer: number;
  private readonly vmmTimer: number;
  private readonly cExit: number[];
  private readonly cHalt: number;
  private readonly cNatural: number;

  constructor(
    private readonly ctx: SimContext,
    readonly vp: number,
    readonly tid: number,
    private readonly inner: Vtl0,
    private readonly boost: BoostHooks,
    private readonly residence?: { dist: Dist; rng: Rng },
  ) {
    this.host = ctx.host;
    this.work = new CpuWork(ctx.engine, this, EV_WORK);
    const hid = ctx.engine.register(this);
    this.resTimer = ctx.engine.timer(hid, EV_RESIDENCE);
    this.vmmTimer = ctx.engine.timer(hid, EV_VMM);
    this.cExit = EXIT_NAMES.map((n) => ctx.stats.counter(n ? `exits.${n}` : 'exits.other'));
    this.cHalt = ctx.stats.counter('exits.halt');
    this.cNatural = ctx.stats.counter('exits.natural');
    inner.attach(this);
    if (residence) ctx.engine.arm(this.resTimer, Math.max(1, residence.rng.sample(residence.dist)));
  }

  // ---------------------------------------------------------------- ThreadBody

  resume(_tid: number, _cpu: number, now: Ns): void {
    switch (this.st) {
      case S_WOKEN:
        this.st = S_WAKE;
        this.work.start(now, HALT_WAKE_NS, true);
        return;
      case S_WAKE:
      case S_EXIT:
        this.work.resume(now);
        return;
      case S_VMM_DONE:
        // Back from the VMM: KVM_RUN re-enters the guest (no wake-up cost modelled beyond the
        // host's scheduling of the thread).
        this.inner.exitDone(now);
        this.enterGuest(now);
        return;
      default:
        this.enterGuest(now);
    }
  }

  suspend(_tid: number, now: Ns): void {
    if (this.st === S_GUEST) {
      this.inner.leave(now);
      // A host preemption is itself a VM exit (the host tick / IPI): pending requests apply.
      this.boost.onExit(this.vp, now);
    }
    this.work.pause(now);
  }

  private enterGuest(now: Ns): void {
    this.st = S_GUEST;
    this.inner.enter(now); // may call vtl0Halt / vtl0Exit synchronously
  }

  // ---------------------------------------------------------------- Vtl0Outer

  vtl0Halt(_vp: number, now: Ns): void {
    this.st = S_IDLE;
    this.ctx.stats.add(this.cHalt);
    this.boost.onHalt(this.vp, now);
    this.host.block(this.tid, now, BLOCK_IDLE);
  }

  vtl0Exit(_vp: number, now: Ns, exit: number, durNs: Ns, _cause: number, _range?: TextRange, yieldTo?: number): void {
    this.st = S_EXIT;
    this.ctx.stats.add(this.cExit[exit] ?? this.cExit[0]);
    this.boost.onExit(this.vp, now);
    this.pendingYield = yieldTo ?? -1;
    if (exit === EXIT_VMM) {
      // Exit to userspace: the vCPU thread waits in the VMM, blocked (not runnable) for durNs.
      this.st = S_VMM;
      this.pendingYield = -1;
      this.ctx.engine.arm(this.vmmTimer, now + Math.max(0, durNs));
      this.host.block(this.tid, now, BLOCK_WAIT);
      return;
    }
    this.work.start(now, durNs, true);
  }

  vtl0Kick(_vp: number, now: Ns): void {
    if (this.st !== S_IDLE) return;
    this.st = S_WOKEN;
    this.host.wake(this.tid, now);
  }

  // ---------------------------------------------------------------- events

  onEvent(arg: number, now: Ns): void {
    if (arg === EV_VMM) {
      if (this.st === S_VMM) {
        this.st = S_VMM_DONE;
        this.host.wake(this.tid, now);
      }
      return;
    }
    if (arg === EV_RESIDENCE) {
      // A natural exit while executing the guest: costs nothing here, lets pending boost requests apply.
      if (this.st === S_GUEST && this.inner.inGuest()) {
        this.ctx.stats.add(this.cNatural);
        this.boost.onExit(this.vp, now);
      }
      const r = this.residence!;
      this.ctx.engine.arm(this.resTimer, now + Math.max(1, r.rng.sample(r.dist)));
      return;
    }
    if (this.st === S_WAKE) {
      this.enterGuest(now);
      return;
    }
    if (this.st === S_EXIT) {
      this.inner.exitDone(now);
      const y = this.pendingYield;
      if (y >= 0) {
        this.pendingYield = -1;
        this.st = S_READY;
        this.host.yieldTo(this.tid, y, now);
        return;
      }
      this.enterGuest(now);
    }
  }
}
