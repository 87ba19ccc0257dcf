/**
 * Interrupts (Poisson per target vCPU, masked windows), pending guest items and intercepts (exits
 * in guest-execution time).
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import { EXIT_INTERCEPT } from '../contracts';
import type { Ns } from '../engine';
import * as consts from './consts';
import { GuestState } from './state';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { A_BAR_SPIN, A_LOCK_SPIN, IT_IO_DONE, IT_IRQ, V_HALTED, V_IN } = consts;

declare module './state' {
  interface GuestState {
    onIrq(i: number, now: Ns): void;
    onIrqUnmask(v: number, now: Ns): void;
    processItems(v: number, now: Ns): void;
    onIntercept(v: number, now: Ns): void;
  }
}

GuestState.prototype.onIrq = function (this: GuestState, i: number, now: Ns): void {
  const tg = this.irqTargets[i];
  const src = this.irqs[tg.src];
  this.eng.arm(tg.timer, now + tg.rng.interarrival(src.ir.ratePerSec));
  const v = tg.v;
  // Draw the masked window whatever the vCPU's state, so the stream (and every later arrival) does
  // not depend on how the run went: variants share random numbers for what they do not change.
  // Drawn only when the vCPU was halted, it shifted the arrivals of a variant that changed
  // something else (a barrier policy gave 88 vs 94 interrupts in the same 10 ms).
  let masked = 0;
  if (src.ir.maskedFraction > 0 && tg.rng.float() < src.ir.maskedFraction) {
    const w = tg.rng.sample(src.ir.maskedWindow);
    if (this.vState[v] !== V_HALTED) masked = w;
  }
  this.kvm.interrupt(v, src.ir.kind, now, masked);
  this.vItems.push(v, IT_IRQ, tg.src, now, now + masked);
  this.halted.delete(v);
  this.notify(v, now);
};

GuestState.prototype.onIrqUnmask = function (this: GuestState, v: number, now: Ns): void {
  if (this.vState[v] === V_IN) this.drive(v, now);
};

/** Takes pending items on IN vCPU `v` (interrupts, IO completions, submissions). */
GuestState.prototype.processItems = function (this: GuestState, v: number, now: Ns): void {
  const ring = this.vItems;
  while (ring.size(v) > 0) {
    // Read again at each item: taking one may push more (and move the shared array).
    const i = ring.first(v);
    const b = ring.buf;
    const type = b[i];
    if (type === IT_IRQ && b[i + 3] > now) {
      this.eng.arm(this.vIrqTimer[v], b[i + 3]);
      return;
    }
    const a = b[i + 1];
    const t0 = b[i + 2];
    ring.pop(v);
    if (type === IT_IRQ) {
      this.stats.sample(this.irqs[a].task, now, now - t0);
      this.kvm.requestBoost(v); // interrupt entry asks for boost (lazily)
    } else if (type === IT_IO_DONE) this.ioComplete(a, v, now);
    else this.submitNow(a, v, now);
  }
};

GuestState.prototype.onIntercept = function (this: GuestState, v: number, now: Ns): void {
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
};
