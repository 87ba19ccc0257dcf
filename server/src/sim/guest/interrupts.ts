/**
 * Interrupts (Poisson per target vCPU, masked windows), pending guest items and intercepts (exits
 * in guest-execution time).
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import { EXIT_INTERCEPT } from '../contracts';
import type { Ns } from '../engine';
import { A_BAR_SPIN, A_LOCK_SPIN, IT_IO_DONE, IT_IRQ, V_HALTED, V_IN } from './consts';
import { notify, waitStart } from './sched';
import type { GuestState } from './state';
import { ioComplete, submitNow } from './storage';
import { account, drive, exit } from './vcpu';

export function onIrq(g: GuestState, i: number, now: Ns): void {
  const tg = g.irqTargets[i];
  const src = g.irqs[tg.src];
  g.eng.arm(tg.timer, now + tg.rng.interarrival(src.ir.ratePerSec));
  const v = tg.v;
  let masked = 0;
  if (g.vState[v] !== V_HALTED && src.ir.maskedFraction > 0 && tg.rng.float() < src.ir.maskedFraction) masked = tg.rng.sample(src.ir.maskedWindow);
  g.kvm.interrupt(v, src.ir.kind, now, masked);
  g.vItems[v].push(IT_IRQ, tg.src, now, now + masked);
  g.halted.delete(v);
  notify(g, v, now);
}

export function onIrqUnmask(g: GuestState, v: number, now: Ns): void {
  if (g.vState[v] === V_IN) drive(g, v, now);
}

/** Takes pending items on IN vCPU `v` (interrupts, IO completions, submissions). */
export function processItems(g: GuestState, v: number, now: Ns): void {
  const ring = g.vItems[v];
  while (ring.size > 0) {
    const i = 4 * ring.head;
    const b = ring.buf;
    const type = b[i];
    if (type === IT_IRQ && b[i + 3] > now) {
      g.eng.arm(g.vIrqTimer[v], b[i + 3]);
      return;
    }
    const a = b[i + 1];
    const t0 = b[i + 2];
    ring.pop();
    if (type === IT_IRQ) {
      g.stats.sample(g.irqs[a].task, now, now - t0);
      g.kvm.requestBoost(v); // interrupt entry asks for boost (lazily)
    } else if (type === IT_IO_DONE) ioComplete(g, a, v, now);
    else submitNow(g, a, v, now);
  }
}

export function onIntercept(g: GuestState, v: number, now: Ns): void {
  if (g.vState[v] !== V_IN) return;
  // Which source fired: pick by rate among those covering v.
  let x = g.icRng.float() * g.vIcRate[v];
  let src = g.icSources[0];
  for (const s of g.icSources) {
    if (!s.vcpus.has(v)) continue;
    src = s;
    x -= s.rate;
    if (x < 0) break;
  }
  g.vIcLeft[v] = g.icRng.interarrival(g.vIcRate[v]);
  const t = g.vCur[v];
  const dur = g.icRng.sample(src.dur);
  account(g, v, now);
  if (t >= 0 && g.gAct[t] !== A_BAR_SPIN && g.gAct[t] !== A_LOCK_SPIN && g.gRegion[t] < 0) waitStart(g, t, v, now);
  exit(g, v, now, EXIT_INTERCEPT, dur, src.cause, src.range);
}
