/** Arithmetic on the scenario's distributions, shared by the checker, the static hazards and the simulator. */
import type { Dist } from './ir';

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
