/**
 * KVM paravirt scheduling (dynamic vCPU priority, the KVM RFC summarised in model.md section 2)
 * for one VM.
 *
 * - `off`: nothing.
 * - `static_rt`: every vCPU thread is SCHED_RR at `rt_priority` from the start (applied when the
 *   threads are created, run.ts). Beats every normal host thread: host work starves up to RT
 *   throttling (hazard 26).
 * - `dynamic`: guest and host share a per-vCPU page.
 *   - The guest asks for boost lazily (an RT guest thread becomes runnable, interrupt entry): it
 *     only sets a flag; the host acts on it at the vCPU's next VM exit (`onExit`).
 *   - The host boosts on delivery of the interrupt kinds in `interrupts` (timer, nmi, smi,
 *     pv_unhalt by default): with `trigger injection` when the interrupt is injected (after any
 *     masked window), with `trigger pending` as soon as it is pending (so a vCPU running with
 *     interrupts masked is boosted for the whole window: hazard 27).
 *   - No boost while the vCPU has had preemption disabled longer than `preempt_limit`.
 *   - Boost = SCHED_RR at `rt_priority` (8 by default: above every normal host thread).
 *   - The guest unboosts synchronously (an exit costing `unboost_cost`) once it has no RT work and
 *     is out of interrupt context; a host-initiated boost is only undone by the guest when
 *     `guest_unboosts` is on, otherwise the vCPU stays boosted (the boost survives halts, so a
 *     vCPU can stay boosted long after it is done).
 *   - `nested`: the VM runs an L2 guest whose interrupts arrive as L1 interrupts: every interrupt
 *     boosts regardless of `interrupts` (the RFC objection "an L2 guest spamming interrupts
 *     boosts its L1 vCPU").
 */
import type { BoostInterrupt, Vm } from '../model/ir';
import type { BoostHooks, HostApi, SimContext } from './contracts';
import type { EventHandler, Ns } from './engine';

const SRC_NONE = 0;
const SRC_GUEST = 1;
const SRC_HOST = 2;

export class KvmVm implements BoostHooks, EventHandler {
  readonly dynamic: boolean;
  private readonly host: HostApi;
  private readonly prio: number;
  private readonly boostKinds: Set<BoostInterrupt>;
  private readonly request: Uint8Array;
  private readonly boostedBy: Uint8Array;
  /** The guest asked (at least once) during the current boost: it will unboost. */
  private readonly guestAsked: Uint8Array;
  private readonly since: Float64Array;
  readonly boostedNs: Float64Array;
  private readonly preemptOffSince: Float64Array;
  private readonly delayTimers: Int32Array;
  private readonly cBoosts: number;
  private readonly cHostBoosts: number;
  private readonly cGuestBoosts: number;
  private readonly cRefused: number;
  private readonly cUnboosts: number;
  private readonly cMaskedBoostNs: number;

  constructor(
    private readonly ctx: SimContext,
    private readonly vm: Vm,
    private readonly tids: readonly number[],
  ) {
    this.host = ctx.host;
    this.dynamic = vm.boost.mode === 'dynamic';
    this.prio = Math.max(1, Math.min(99, vm.boost.rtPriority | 0));
    this.boostKinds = new Set(vm.boost.interrupts);
    const n = tids.length;
    this.request = new Uint8Array(n);
    this.boostedBy = new Uint8Array(n);
    this.guestAsked = new Uint8Array(n);
    this.since = new Float64Array(n);
    this.boostedNs = new Float64Array(n);
    this.preemptOffSince = new Float64Array(n).fill(-1);
    this.delayTimers = new Int32Array(n).fill(-1);
    if (this.dynamic) {
      const hid = ctx.engine.register(this);
      for (let v = 0; v < n; v++) this.delayTimers[v] = ctx.engine.timer(hid, v);
    }
    const s = ctx.stats;
    this.cBoosts = s.counter('boosts');
    this.cHostBoosts = s.counter('boosts.host');
    this.cGuestBoosts = s.counter('boosts.guest');
    this.cRefused = s.counter('boosts.refused_preempt_limit');
    this.cUnboosts = s.counter('unboosts');
    this.cMaskedBoostNs = s.counter('boost.masked_ns');
  }

  isBoosted(v: number): boolean {
    return this.boostedBy[v] !== SRC_NONE;
  }

  private limitExceeded(v: number, now: Ns): boolean {
    const lim = this.vm.boost.preemptLimitNs;
    const s = this.preemptOffSince[v];
    return lim > 0 && s >= 0 && now - s > lim;
  }

  private boost(v: number, src: number, now: Ns): void {
    if (this.boostedBy[v] !== SRC_NONE) {
      if (src === SRC_GUEST) this.guestAsked[v] = 1;
      return;
    }
    if (this.limitExceeded(v, now)) {
      this.ctx.stats.add(this.cRefused);
      return;
    }
    this.boostedBy[v] = src;
    this.guestAsked[v] = src === SRC_GUEST ? 1 : 0;
    this.since[v] = now;
    this.ctx.stats.add(this.cBoosts);
    this.ctx.stats.add(src === SRC_GUEST ? this.cGuestBoosts : this.cHostBoosts);
    this.host.setBoost(this.tids[v], this.prio, now);
  }

  // ------------------------------------------------------------ guest side

  /** The guest sets its boost request (RT thread runnable, interrupt entry): lazy, no exit. */
  requestBoost(v: number): void {
    if (this.dynamic && this.vm.boost.guestRequests) this.request[v] = 1;
  }

  /**
   * An interrupt of `kind` for vCPU `v` at `now`; the guest has it masked for `maskedNs` more
   * (0 when unmasked or halted). Boosts per the trigger.
   */
  interrupt(v: number, kind: BoostInterrupt, now: Ns, maskedNs: Ns): void {
    if (!this.dynamic) return;
    if (!this.vm.boost.nested && !this.boostKinds.has(kind)) return;
    if (this.vm.boost.trigger === 'pending' || maskedNs <= 0) {
      if (maskedNs > 0 && !this.isBoosted(v)) this.ctx.stats.add(this.cMaskedBoostNs, maskedNs);
      this.boost(v, SRC_HOST, now);
    } else {
      // Injection waits for the guest to unmask; boost then.
      const t = this.delayTimers[v];
      const at = now + maskedNs;
      const due = this.ctx.engine.dueAt(t);
      if (due < 0 || at < due) this.ctx.engine.arm(t, at);
    }
  }

  /** The guest has no more RT work: a request the host never acted on is simply withdrawn. */
  clearRequest(v: number): void {
    this.request[v] = 0;
  }

  /** Whether the guest should issue its unboost now (it has no RT work; `v` is boosted and the guest owns the unboost). */
  wantsUnboost(v: number): boolean {
    if (this.boostedBy[v] === SRC_NONE) return false;
    return this.guestAsked[v] === 1 || this.vm.boost.guestUnboosts;
  }

  /** The guest's unboost hypercall (the exit's cost is charged by the outer). */
  unboost(v: number, now: Ns): void {
    this.request[v] = 0;
    this.clear(v, now);
    this.ctx.stats.add(this.cUnboosts);
  }

  private clear(v: number, now: Ns): void {
    if (this.boostedBy[v] === SRC_NONE) return;
    this.boostedNs[v] += this.measured(this.since[v], now);
    this.boostedBy[v] = SRC_NONE;
    this.guestAsked[v] = 0;
    this.host.setBoost(this.tids[v], 0, now);
  }

  /** Preemption disabled (kernel spinlock held/spun on) from `now`, or enabled again. */
  preemptDisabled(v: number, off: boolean, now: Ns): void {
    if (off) {
      if (this.preemptOffSince[v] < 0) this.preemptOffSince[v] = now;
    } else this.preemptOffSince[v] = -1;
  }

  // ------------------------------------------------------------ BoostHooks (outer side)

  onExit(v: number, now: Ns): void {
    if (this.dynamic && this.request[v]) {
      this.request[v] = 0;
      this.boost(v, SRC_GUEST, now);
    }
  }

  onHalt(_v: number, _now: Ns): void {
    // The boost survives a halt (the host relies on the guest to unboost).
  }

  /** Delayed injection boost. */
  onEvent(v: number, now: Ns): void {
    this.boost(v, SRC_HOST, now);
  }

  /** The part of [from, to) after the warmup (what every other per-state total counts). */
  private measured(from: Ns, to: Ns): Ns {
    return Math.max(0, to - Math.max(from, this.ctx.warmupNs));
  }

  /** Boosted ns of vCPU `v` up to `now`, after the warmup like the lane totals. */
  boostedTime(v: number, now: Ns): Ns {
    return this.boostedNs[v] + (this.boostedBy[v] !== SRC_NONE ? this.measured(this.since[v], now) : 0);
  }
}
