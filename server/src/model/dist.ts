/** Arithmetic on the scenario's distributions, shared by the checker, the static hazards and the simulator. */
import type { Dist, Step } from './ir';

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
