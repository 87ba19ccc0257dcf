/**
 * Linking, the findings step: per linked vCPU, the host's running and runnable time against the
 * guest's busy time (steal the guest felt vs the host's figure, who held the pCPU), the guest
 * threads frozen by host preemptions (stalls), lock-holder preemption suspected (heuristic in
 * {@link LOCK_HOLDER_HEURISTIC}), and per guest thread what it lost. Pure.
 */
import type { LaneSource } from '../../core/timeline';
import type { LinkedStallDoc, LinkedThreadDoc, LinkedVcpuDoc } from '../schema';
import type { Checked } from './align';
import type { GThread, LinkedLanes, Wait } from './lanes';
import type { Candidate, LinkCtx } from './map';
import { cpuOfCause, firstAfter, firstEndingAfter, intervalsIn, keep, overlapWith, round2, TOP } from './util';

export const LOCK_HOLDER_HEURISTIC =
  'a guest thread frozen by a host preemption of its vCPU (at least the stretch threshold) while, on another vCPU of the same guest, a guest thread of the same process (same tgid when the guest trace has it, else the same name) ran on the host without switching for at least half of that time (spinning or busy-waiting suspected), or slept through it and was woken by the frozen thread within 1 ms after it resumed (a waiter of what it held)';

export interface StallResult {
  vcpus: LinkedVcpuDoc[];
  threads: LinkedThreadDoc[];
  stalls: { count: number; totalNs: number; examples: LinkedStallDoc[] };
  lockHolder: { heuristic: string; count: number; totalNs: number; examples: LinkedStallDoc[] };
}

export function findStalls(
  ctx: LinkCtx,
  chosen: Candidate,
  { linkedCpus, d, overlapLo, overlapHi }: Checked,
  gthreads: readonly GThread[],
  waitsByCpu: ReadonlyMap<number, Wait[]>,
  { laneOfGuestCpu, threadLanes }: LinkedLanes,
): StallResult {
  const { H, G, hostLanes, hp, hRun, hWait, gBusy, guestCpus, stretchNs } = ctx;
  const hostCpuLane = (cpu: number): LaneSource | undefined => hostLanes.get(`${hp}pcpu:${cpu}`);
  // Busy intervals of each linked guest CPU on the host axis, with the thread.
  const busyOf = new Map<number, { a: number; b: number; who: number }[]>();
  for (const cpu of linkedCpus) {
    const l = guestCpus.get(cpu)!;
    const out: { a: number; b: number; who: number }[] = [];
    for (let i = 0; i < l.length; i++) if (gBusy.has(l.stateAt(i))) out.push({ a: l.startAt(i) + d, b: l.endAt(i) + d, who: l.causeAt(i) });
    busyOf.set(cpu, out);
  }
  const hostOnOf = new Map<number, Float64Array>();
  for (const cpu of linkedCpus) hostOnOf.set(cpu, intervalsIn(chosen.map.get(cpu)!.lane, hRun, 0));

  const vcpuDocs: LinkedVcpuDoc[] = [];
  const stalls: LinkedStallDoc[] = [];
  const lhpStalls: LinkedStallDoc[] = [];
  let stallCount = 0;
  let stallNs = 0;
  let lhpCount = 0;
  let lhpNs = 0;
  const wakesG = G.wakes;
  const laneIndexG = new Map<LaneSource, number>();
  G.lanes.forEach((l, i) => laneIndexG.set(l, i));
  const byLabel = new Map(gthreads.map((g) => [g.label, g]));
  /** Guest wake-ups by waker lane, in order of their start. */
  const wakesFrom = new Map<number, number[]>();
  if (wakesG) {
    for (let i = 0; i < wakesG.length; i++) (wakesFrom.get(wakesG.fromAt(i)) ?? wakesFrom.set(wakesG.fromAt(i), []).get(wakesG.fromAt(i))!).push(i);
    for (const list of wakesFrom.values()) list.sort((x, y) => wakesG.startAt(x) - wakesG.startAt(y) || x - y);
  }
  const gByLaneIdx = new Map<number, GThread>();
  for (const g of gthreads) gByLaneIdx.set(laneIndexG.get(g.lane)!, g);

  for (const cpu of linkedCpus) {
    const hv = chosen.map.get(cpu)!;
    const hl = hv.lane;
    const busy = busyOf.get(cpu)!;
    const waits = waitsByCpu.get(cpu) ?? [];
    const v: LinkedVcpuDoc = {
      guestCpu: cpu,
      hostTid: hv.t.tid,
      lane: laneOfGuestCpu.get(cpu)!.id,
      hostRunningNs: 0,
      hostRunnableNs: 0,
      guestBusyNs: 0,
      busyStalledNs: 0,
      idleStalledNs: 0,
      guestStealPct: 0,
      hostStealPct: 0,
      guestWaitingNs: 0,
      thieves: [],
      stalls: 0,
      longestStall: null,
    };
    const thieves = new Map<string, number>();
    for (const x of busy) v.guestBusyNs += Math.max(0, Math.min(overlapHi, x.b) - Math.max(overlapLo, x.a));
    const busyFlat = Float64Array.from(busy.flatMap((x) => [x.a, x.b]));
    // Guest threads runnable in this CPU's run queue while the host had the vCPU runnable: each
    // wait against the host's runnable intervals; and the number waiting as a step function.
    const hostWaitFlat = (() => {
      const out: number[] = [];
      for (let i = 0; i < hl.length; i++) {
        if (!hWait.has(hl.stateAt(i))) continue;
        const a = Math.max(overlapLo, hl.startAt(i));
        const b = Math.min(overlapHi, hl.endAt(i));
        if (b > a) out.push(a, b);
      }
      return Float64Array.from(out);
    })();
    for (const w of waits) {
      const ov = overlapWith(hostWaitFlat, w.a, w.b);
      v.guestWaitingNs += ov;
      w.g.waiting += ov;
    }
    const steps = waits.flatMap((w) => [[w.a, 1], [w.b, -1]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const stepAt = Float64Array.from(steps.map((x) => x[0]));
    const levelAfter: number[] = [];
    steps.reduce((lv, x) => (levelAfter.push(lv + x[1]), lv + x[1]), 0);
    /** Most guest threads waiting at once within [a, b). */
    const waitingIn = (a: number, b: number): number => {
      let lo = 0;
      let hi = stepAt.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (stepAt[m] <= a) lo = m + 1;
        else hi = m;
      }
      let best = lo > 0 ? levelAfter[lo - 1] : 0;
      for (let k = lo; k < stepAt.length && stepAt[k] < b; k++) best = Math.max(best, levelAfter[k]);
      return best;
    };
    let lastCpu = -1;
    let bi = 0;
    for (let i = 0; i < hl.length; i++) {
      const s = hl.stateAt(i);
      const a0 = hl.startAt(i);
      const b0 = hl.endAt(i);
      if (hRun.has(s)) {
        const c = hl.causeAt(i);
        if (c >= 0) lastCpu = cpuOfCause(H.causes[c]);
        v.hostRunningNs += Math.max(0, Math.min(overlapHi, b0) - Math.max(overlapLo, a0));
        continue;
      }
      if (!hWait.has(s)) continue;
      const a = Math.max(overlapLo, a0);
      const b = Math.min(overlapHi, b0);
      if (b <= a) continue;
      v.hostRunnableNs += b - a;
      const busyNs = overlapWith(busyFlat, a, b);
      v.busyStalledNs += busyNs;
      v.idleStalledNs += b - a - busyNs;
      if (busyNs <= 0) continue;
      // Who held the pCPU: the host CPU lane where the vCPU waits, over the busy part.
      const hc = lastCpu >= 0 ? hostCpuLane(lastCpu) : undefined;
      const localThieves = new Map<string, number>();
      if (hc) {
        for (let k = firstEndingAfter(hc, a); k < hc.length; k++) {
          if (hc.startAt(k) >= b) break;
          const c = hc.causeAt(k);
          if (c < 0 || !hRun.has(hc.stateAt(k))) continue;
          const who = H.causes[c];
          const ov = overlapWith(busyFlat, Math.max(a, hc.startAt(k)), Math.min(b, hc.endAt(k)));
          if (ov > 0) localThieves.set(who, (localThieves.get(who) ?? 0) + ov);
        }
      } else {
        const c = hl.causeAt(i);
        if (c >= 0) localThieves.set(H.causes[c], busyNs);
      }
      for (const [w, ns] of localThieves) thieves.set(w, (thieves.get(w) ?? 0) + ns);
      const thief = [...localThieves].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0]?.[0] ?? 'unknown';
      // The frozen guest threads: those current on this guest CPU during the busy part.
      while (bi < busy.length && busy[bi].b <= a) bi++;
      for (let k = bi; k < busy.length && busy[k].a < b; k++) {
        const x = busy[k];
        const fa = Math.max(a, x.a);
        const fb = Math.min(b, x.b);
        if (fb <= fa) continue;
        const label = x.who >= 0 ? G.causes[x.who] : 'unknown';
        const g = byLabel.get(label);
        if (g) g.frozen += fb - fa;
        if (fb - fa < stretchNs) continue;
        const siblings = spinningSiblings(cpu, fa, fb, g);
        const woke = g ? wokeAfter(g, fa, fb) : [];
        const st: LinkedStallDoc = { startNs: fa, durationNs: fb - fa, guestCpu: cpu, guestThread: label, thief, hostCpu: lastCpu, waiting: waitingIn(fa, fb), siblings: [...siblings, ...woke] };
        stallCount++;
        stallNs += fb - fa;
        v.stalls++;
        if (!v.longestStall || st.durationNs > v.longestStall.durationNs) v.longestStall = st;
        keep(stalls, st);
        if (st.siblings.length) {
          lhpCount++;
          lhpNs += fb - fa;
          if (g) g.lhp++;
          keep(lhpStalls, st);
        }
      }
    }
    v.guestStealPct = v.guestBusyNs > 0 ? round2((100 * v.busyStalledNs) / v.guestBusyNs) : 0;
    v.hostStealPct = v.hostRunningNs + v.hostRunnableNs > 0 ? round2((100 * v.hostRunnableNs) / (v.hostRunningNs + v.hostRunnableNs)) : 0;
    v.thieves = [...thieves].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, TOP).map(([who, ns]) => ({ who, ns }));
    vcpuDocs.push(v);
  }

  /** Sibling guest CPUs whose thread of the same process ran on the host, unswitched, for half of [a, b). */
  function spinningSiblings(cpu: number, a: number, b: number, holder: GThread | undefined): string[] {
    const out: string[] = [];
    for (const other of linkedCpus) {
      if (other === cpu) continue;
      const on = hostOnOf.get(other)!;
      const busyO = busyOf.get(other)!;
      for (let k = firstAfter(busyO, a); k < busyO.length; k++) {
        const x = busyO[k];
        if (x.a >= b) break;
        const label = x.who >= 0 ? G.causes[x.who] : '';
        const s = byLabel.get(label);
        if (!s || s === holder) continue;
        const same = holder ? (holder.tgid >= 0 && s.tgid >= 0 ? holder.tgid === s.tgid : holder.t.comm === s.t.comm) : false;
        if (!same) continue;
        const ran = overlapWith(on, Math.max(a, x.a), Math.min(b, x.b));
        if (ran >= 0.5 * (b - a)) {
          out.push(`${label} on CPU ${other} kept running (spinning?)`);
          break;
        }
      }
    }
    return out;
  }

  /** Guest threads of the same process woken by `g` within 1 ms after b that were not running during [a, b). */
  function wokeAfter(g: GThread, a: number, b: number): string[] {
    const mine = wakesFrom.get(laneIndexG.get(g.lane)!);
    if (!wakesG || !mine) return [];
    const out: string[] = [];
    let lo = 0;
    let hi = mine.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (wakesG.startAt(mine[m]) + d < b) lo = m + 1;
      else hi = m;
    }
    for (let j = lo; j < mine.length; j++) {
      const i = mine[j];
      const at = wakesG.startAt(i) + d;
      if (at > b + 1_000_000) break;
      const w = gByLaneIdx.get(wakesG.toAt(i));
      if (!w || w === g) continue;
      const same = g.tgid >= 0 && w.tgid >= 0 ? g.tgid === w.tgid : g.t.comm === w.t.comm;
      if (!same) continue;
      // It slept (or waited) through the stall.
      let ranDuring = 0;
      for (let k = firstEndingAfter(w.lane, a - d); k < w.lane.length; k++) {
        if (w.lane.startAt(k) + d >= b) break;
        if (gBusy.has(w.lane.stateAt(k))) ranDuring += Math.min(b, w.lane.endAt(k) + d) - Math.max(a, w.lane.startAt(k) + d);
      }
      if (ranDuring < 0.5 * (b - a)) out.push(`${w.label} slept until woken by it`);
      if (out.length >= 3) break;
    }
    return out;
  }

  const threadDocs: LinkedThreadDoc[] = threadLanes.map(({ g, id }) => ({
    tid: g.t.tid,
    comm: g.t.comm,
    lane: id,
    guestCpu: g.mainCpu,
    runningNs: g.t.runningNs,
    sleepingNs: g.t.sleepingNs + g.t.blockedNs,
    switchIns: g.t.switchIns,
    voluntarySwitches: g.t.voluntarySwitches,
    frozenNs: g.frozen,
    waitingOnPreemptedNs: g.waiting,
    lockHolderSuspected: g.lhp,
  }));
  threadDocs.sort((x, y) => y.frozenNs - x.frozenNs || x.tid - y.tid);
  return {
    vcpus: vcpuDocs,
    threads: threadDocs,
    stalls: { count: stallCount, totalNs: stallNs, examples: stalls },
    lockHolder: { heuristic: LOCK_HOLDER_HEURISTIC, count: lhpCount, totalNs: lhpNs, examples: lhpStalls },
  };
}
