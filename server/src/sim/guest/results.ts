/**
 * What the guest reports at the end of a run: censored (unfinished) samples and parallel-region
 * summaries.
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import type { TextRange } from '../../core/text';
import type { Ns } from '../engine';
import { IT_IRQ } from './consts';
import type { GuestState } from './state';

/** Guest threads' names (for timeline causes etc.). */
export function threadCount(g: GuestState): number {
  return g.nt;
}

/**
 * End of the run: work still unfinished is reported as censored samples (its age now): passes
 * of guest threads in progress and their queued releases, rounds of parallel regions in
 * progress, interrupts not yet taken. (ioloads are not covered.)
 */
export function finish(g: GuestState, now: Ns): void {
  const st = g.stats;
  if (!st.censored) return;
  for (let t = 0; t < g.gPc.length && t < g.gProg.length; t++) {
    const prog = g.gProg[t];
    if (!prog || g.gRegion[t] >= 0 || g.gTask[t] < 0) continue;
    if (g.gPc[t] >= 0) st.censored(g.gTask[t], now, now - g.gRelease[t]);
    const rel = g.gReleases[t];
    while (rel && rel.size > 0) st.censored(g.gTask[t], now, now - rel.shift());
  }
  for (const r of g.regions) if (!r.done && r.round > 0) st.censored(r.task, now, now - r.roundStart);
  for (let v = 0; v < g.nv; v++) {
    const ring = g.vItems[v];
    for (let k = 0; k < ring.size; k++) {
      const i = 4 * ((ring.head + k) & ring.mask);
      if (ring.buf[i] === IT_IRQ) st.censored(g.irqs[ring.buf[i + 1]].task, now, now - ring.buf[i + 2]);
    }
  }
}

export function regionSummaries(g: GuestState): { name: string; rounds: number; finishedAtNs: number; dopMean: number; roundsWithPreemption: number; roundsReducedDop: number; spinNs: number; spinWhilePreemptedNs: number; blocks: number; range: TextRange }[] {
  return g.regions.map((r) => ({
    name: r.ir.name,
    rounds: r.round,
    finishedAtNs: r.finishedAt,
    dopMean: r.round > 0 ? r.dopSum / r.round : 0,
    roundsWithPreemption: r.roundsWithPreemption,
    roundsReducedDop: r.roundsReduced,
    spinNs: r.spinNs,
    spinWhilePreemptedNs: r.spinPreemptedNs,
    blocks: r.blocks,
    range: r.ir.range,
  }));
}
