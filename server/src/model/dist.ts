/** Arithmetic on the scenario's distributions, shared by the checker, the static hazards and the simulator. */
import type { Dist, Program, Step } from './ir';

/** The mean of a Dist in ns (for shares, static estimates and documentation); never negative. */
export function distMean(d: Dist): number {
  switch (d.kind) {
    case 'fixed': return Math.max(0, d.value);
    case 'uniform': return Math.max(0, (d.lo + d.hi) / 2);
    case 'exp': return Math.max(0, d.mean);
    case 'normal': return Math.max(0, d.mean);
    case 'lognormal': return Math.max(0, d.mean);
    case 'bimodal': return Math.max(0, d.a * (1 - d.p) + d.b * d.p);
  }
}

/**
 * Mean time a step holds its owner, in ns: the mean of its duration (an `io` step: of its
 * latency); `disk_io` takes `diskIoNs` (its latency is the disk's, declared elsewhere); steps
 * without a duration 0.
 */
export function stepMeanNs(st: Step, diskIoNs = 0): number {
  if ('dur' in st) return distMean(st.dur);
  if (st.kind === 'io') return distMean(st.latency);
  return st.kind === 'disk_io' ? diskIoNs : 0;
}

/**
 * A periodic or Poisson program's mean pass (the sum of its steps' means, a `disk_io` counted 0:
 * a lower bound) and mean time between releases (`every`, or 1 / `rate`; Infinity at rate 0), and
 * whether the pass takes at least that long: passes then queue without bound (VPS139 in
 * model/lower.ts, and the cause VPS339 names in analysis/run). Undefined for `loop` and `once`.
 */
export function passAgainstInterval(p: { trigger: Program['trigger']; steps: readonly Step[] }): { passNs: number; intervalNs: number; outruns: boolean } | undefined {
  const t = p.trigger;
  let intervalNs: number;
  if (t.kind === 'periodic') intervalNs = distMean(t.period);
  else if (t.kind === 'poisson') intervalNs = t.ratePerSec > 0 ? 1e9 / t.ratePerSec : Infinity;
  else return undefined;
  let passNs = 0;
  for (const st of p.steps) passNs += stepMeanNs(st);
  return { passNs, intervalNs, outruns: passNs > 0 && passNs >= intervalNs };
}
