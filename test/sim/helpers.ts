/** Small helpers over simulation results for tests. */
import type { Scenario } from '../../server/src/model/ir';
import { simulate } from '../../server/src/sim/run';
import { withRunFindings } from '../../server/src/analysis/run';
import type { SimOptions } from '../../server/src/sim/contracts';
import type { VariantResult } from '../../server/src/sim/result';

export function sim(sc: Scenario, opts: SimOptions = {}): VariantResult {
  return withRunFindings(simulate(sc, { timeline: true, ...opts }));
}

/** Intervals of a lane as [start, end, state, cause] tuples (cause as its label). */
export function lane(r: VariantResult, id: string): [number, number, string, string][] {
  const tl = r.timeline!;
  const l = tl.lanes.find((x) => x.id === id);
  if (!l) throw new Error(`no lane ${id}; have ${tl.lanes.map((x) => x.id).join(', ')}`);
  const out: [number, number, string, string][] = [];
  for (let i = 0; i < l.intervals.length; i += 4) out.push([l.intervals[i], l.intervals[i + 1], tl.states[l.intervals[i + 2]], l.intervals[i + 3] >= 0 ? tl.causes[l.intervals[i + 3]] : '']);
  return out;
}

/** Running ns per cause (thread) on a pCPU lane. */
export function cpuShare(r: VariantResult, cpu: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [s, e, st, c] of lane(r, `host/pcpu:${cpu}`)) if (st === 'running') out[c] = (out[c] ?? 0) + (e - s);
  return out;
}

export function vm(r: VariantResult, name: string) {
  const v = r.vms.find((x) => x.name === name);
  if (!v) throw new Error(`no vm ${name}`);
  return v;
}

export function task(r: VariantResult, name: string, vmName?: string) {
  const t = r.tasks.find((x) => x.name === name && (vmName === undefined || x.vm === vmName));
  if (!t) throw new Error(`no task ${name}`);
  return t;
}

export const near = (x: number, want: number, tol: number, msg = '') => {
  if (Math.abs(x - want) > tol) throw new Error(`${msg} ${x} not within ${tol} of ${want}`);
};
