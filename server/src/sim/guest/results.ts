/**
 * What the guest reports at the end of a run: censored (unfinished) samples and parallel-region
 * summaries.
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import type { TextRange } from '../../core/text';
import type { Ns } from '../engine';
import * as consts from './consts';
import { GuestState } from './state';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { IT_IRQ, TK_LOAD } = consts;

declare module './state' {
  interface GuestState {
    threadCount(): number;
    finish(now: Ns): void;
    regionSummaries(): { name: string; rounds: number; finishedAtNs: number; dopMean: number; roundsWithPreemption: number; roundsReducedDop: number; spinNs: number; spinWhilePreemptedNs: number; blocks: number; range: TextRange }[];
  }
}

/** Guest threads' names (for timeline causes etc.). */
GuestState.prototype.threadCount = function (this: GuestState): number {
  return this.nt;
};

/**
 * End of the run: work still unfinished is reported as censored samples (its age now): passes
 * of guest threads in progress and their queued releases, rounds of parallel regions in
 * progress, interrupts not yet taken, and ioload IOs not yet completed: queued on a vCPU, in a
 * channel's ring or queue, at the disk, or their completion not yet taken (each holds its token
 * until then). A closed loop (`depth`) always has about its depth in flight.
 */
GuestState.prototype.finish = function (this: GuestState, now: Ns): void {
  const st = this.stats;
  if (!st.censored) return;
  for (let t = 0; t < this.gPc.length && t < this.gProg.length; t++) {
    const prog = this.gProg[t];
    if (!prog || this.gRegion[t] >= 0 || this.gTask[t] < 0) continue;
    if (this.gPc[t] >= 0) st.censored(this.gTask[t], now, now - this.gRelease[t]);
    const rel = this.gReleases[t];
    while (rel && rel.size > 0) st.censored(this.gTask[t], now, now - rel.shift());
  }
  for (const r of this.regions) if (!r.done && r.round > 0) st.censored(r.task, now, now - r.roundStart);
  // ioload IOs issued and not completed (queued to submit, in StorVSP, at the disk, or their
  // completion not yet taken): without them an ioload whose IOs never complete had no sample at all.
  if (this.ioloads.length > 0) {
    const free = new Uint8Array(this.tkNext);
    for (let i = 0; i < this.tkFreeN; i++) free[this.tkFree[i]] = 1;
    for (let tk = 0; tk < this.tkNext; tk++) {
      if (free[tk] || this.tkKind[tk] !== TK_LOAD) continue;
      st.censored(this.ioloads[this.tkOwner[tk]].task, now, now - this.tkStart[tk]);
    }
  }
  for (let v = 0; v < this.nv; v++) {
    const ring = this.vItems;
    for (let k = 0; k < ring.size(v); k++) {
      const i = ring.at(v, k);
      if (ring.buf[i] === IT_IRQ) st.censored(this.irqs[ring.buf[i + 1]].task, now, now - ring.buf[i + 2]);
    }
  }
};

GuestState.prototype.regionSummaries = function (this: GuestState): { name: string; rounds: number; finishedAtNs: number; dopMean: number; roundsWithPreemption: number; roundsReducedDop: number; spinNs: number; spinWhilePreemptedNs: number; blocks: number; range: TextRange }[] {
  return this.regions.map((r) => ({
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
};
