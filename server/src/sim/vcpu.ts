/**
 * The plain KVM/Xen vCPU: the outer per-VP model of a VM without `openhcl`. The vCPU thread runs
 * the guest whenever it has work; exits cost host CPU on the vCPU's pCPU; a halted guest blocks the
 * thread (idle, not steal). The costs of a blocking wait are the host's (`host { costs }`,
 * sim/host/costs.ts, measured defaults):
 * - a halt costs `halt_exit` of CPU before the thread polls or sleeps;
 * - KVM halt polling: while the per-vCPU window (0 .. `halt_poll`, grown and shrunk as
 *   kvm_vcpu_halt does) is open and nothing else is queued on its pCPU (single_task_running),
 *   the thread keeps its pCPU polling; a wake-up in the window re-enters the guest at once. A
 *   thread queued on that pCPU later waits for the poller like behind any running thread (the
 *   kernel would stop polling at need_resched: a simplification);
 * - a wake-up of a sleeping vCPU reaches the thread after `wake_latency`, and the thread pays
 *   `entry` of CPU before guest code runs.
 *
 * Natural VTL0 residence exits only matter for KVM dynamic boosting (a guest boost request takes
 * effect at the next exit); they are simulated only for VMs with `boost dynamic` (a timer per
 * vCPU sampling `guest.residence`), so other runs pay nothing for them.
 */
import { BLOCK_IDLE, BLOCK_WAIT, EXIT_NAMES, EXIT_VMM, type BoostHooks, type HostApi, type SimContext, type ThreadBody, type Vtl0, type Vtl0Outer } from './contracts';
import type { TextRange } from '../core/text';
import type { Dist } from '../model/ir';
import type { EventHandler, Ns } from './engine';
import { hostCosts, HALT_POLL_GROW_START_NS } from './host/costs';
import type { HostCosts } from '../model/ir';
import type { Rng } from './rng';
import { CpuWork } from './work';

const S_IDLE = 0; // blocked: the guest halted
const S_WOKEN = 1; // woken from a halt, waiting for a pCPU
const S_WAKE = 2; // paying the halt wake-up cost
const S_GUEST = 3; // executing the guest (or about to)
const S_EXIT = 4; // serving an exit
const S_READY = 5; // runnable after a directed yield; enters the guest when resumed
const S_HALTING = 6; // paying the halt exit before polling or sleeping
const S_POLL = 7; // KVM halt polling: keeps the pCPU, re-enters at once when kicked
const S_LATENCY = 8; // kicked while asleep: the wake-up is on its way (wake_latency)

const EV_WORK = 0;
const EV_RESIDENCE = 1;
const EV_WAKE = 2;
const EV_VMM = 3;
const S_VMM = 9; // blocked in the VMM (userspace) serving an `exit ... vmm` step
const S_VMM_DONE = 10; // the VMM answered: runnable, finishes the exit when resumed

export class PlainVcpu implements ThreadBody, Vtl0Outer, EventHandler {
  private st = S_IDLE;
  private readonly work: CpuWork;
  private readonly host: HostApi;
  private pendingYield = -1;
  private readonly resTimer: number;
  private readonly vmmTimer: number;
  private readonly wakeTimer: number;
  private readonly costs: HostCosts;
  /** Current halt-polling window (KVM vcpu->halt_poll_ns). */
  private pollWin = 0;
  private haltStart = 0;
  private kickedWhileHalting = false;
  private readonly cPolled: number;
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
    costs?: HostCosts,
  ) {
    this.host = ctx.host;
    this.work = new CpuWork(ctx.engine, this, EV_WORK);
    const hid = ctx.engine.register(this);
    this.resTimer = ctx.engine.timer(hid, EV_RESIDENCE);
    this.vmmTimer = ctx.engine.timer(hid, EV_VMM);
    this.wakeTimer = ctx.engine.timer(hid, EV_WAKE);
    this.costs = costs ?? hostCosts(ctx.scenario.host.costs);
    this.cPolled = ctx.stats.counter('halt.polled_wakeups');
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
        this.work.start(now, this.costs.entryNs, true);
        return;
      case S_WAKE:
      case S_EXIT:
      case S_HALTING:
      case S_POLL:
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
    this.ctx.stats.add(this.cHalt);
    this.boost.onHalt(this.vp, now);
    this.kickedWhileHalting = false;
    this.st = S_HALTING;
    if (this.costs.haltExitNs > 0) this.work.start(now, this.costs.haltExitNs, true);
    else this.afterHaltExit(now);
  }

  /** The halt exit is paid: re-enter (kicked meanwhile), poll, or sleep. */
  private afterHaltExit(now: Ns): void {
    this.haltStart = now;
    if (this.kickedWhileHalting) {
      this.kickedWhileHalting = false;
      this.enterGuest(now);
      return;
    }
    if (this.pollWin > 0 && this.host.singleTaskRunning?.(this.tid)) {
      this.st = S_POLL;
      this.work.start(now, this.pollWin, true);
      return;
    }
    this.sleep(now);
  }

  private sleep(now: Ns): void {
    this.st = S_IDLE;
    this.host.block(this.tid, now, BLOCK_IDLE);
  }

  /** kvm_vcpu_halt's window update after a halt of `haltNs` (grow x2 from 10 us, halve, cap). */
  private adjustPoll(haltNs: Ns): void {
    const max = this.costs.haltPollNs;
    if (!(max > 0)) {
      this.pollWin = 0;
      return;
    }
    const w = this.pollWin;
    if (haltNs <= w) return;
    if (w > 0 && haltNs > max) {
      const x = w / 2;
      this.pollWin = x < HALT_POLL_GROW_START_NS ? 0 : x;
    } else if (w < max && haltNs < max) {
      this.pollWin = Math.min(max, Math.max(HALT_POLL_GROW_START_NS, w * 2));
    }
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
    if (this.st === S_HALTING) {
      this.kickedWhileHalting = true;
      return;
    }
    if (this.st === S_POLL) {
      // Woken inside the polling window: no sleep, no wake-up latency, no entry cost.
      this.ctx.stats.add(this.cPolled);
      this.adjustPoll(now - this.haltStart);
      const running = this.work.running;
      this.work.stop(now);
      if (running) this.enterGuest(now);
      else this.st = S_READY;
      return;
    }
    if (this.st !== S_IDLE) return;
    const lat = this.costs.wakeLatencyNs;
    this.adjustPoll(now + lat - this.haltStart);
    this.st = S_WOKEN;
    if (lat > 0) {
      this.st = S_LATENCY;
      this.ctx.engine.arm(this.wakeTimer, now + lat);
    } else this.host.wake(this.tid, now);
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
    if (arg === EV_WAKE) {
      if (this.st === S_LATENCY) {
        this.st = S_WOKEN;
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
    if (this.st === S_HALTING) {
      this.afterHaltExit(now);
      return;
    }
    if (this.st === S_POLL) {
      this.sleep(now); // the window closed without a wake-up
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
