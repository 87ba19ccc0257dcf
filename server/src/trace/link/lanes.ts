/**
 * Linking, the lanes step: the guest's threads on the host axis (which guest CPU each ran on
 * most, and its runnable waits by CPU: {@link guestThreadsOnHost}), then the guest CPU and thread
 * lanes shifted to the host axis, each guest CPU right after its vCPU thread's lane and drawn
 * `runnable` where the host had the vCPU waiting while the guest was busy, and the guest's
 * wake-ups between them ({@link mergeLanes}). Pure.
 */
import { LaneBuilder, type LaneSource } from '../../core/timeline';
import type { ThreadDoc } from '../schema';
import type { Checked } from './align';
import type { Candidate, LinkCtx } from './map';
import { cpuOfCause } from './util';

/** A guest thread with what the analysis accumulates for it. */
export interface GThread {
  t: ThreadDoc;
  lane: LaneSource;
  label: string;
  tgid: number;
  frozen: number;
  waiting: number;
  lhp: number;
  /** The guest CPU it ran on most (-1: never ran). */
  mainCpu: number;
}

/** A guest thread's runnable wait on the host axis, attributed to a guest CPU. */
export interface Wait {
  a: number;
  b: number;
  g: GThread;
}

/**
 * Guest threads: per thread its running time by CPU (its main CPU), and its runnable intervals
 * attributed to the CPU it ran on next (else the one it ran on before), on the host axis.
 */
export function guestThreadsOnHost(ctx: LinkCtx, d: number): { gthreads: GThread[]; waitsByCpu: Map<number, Wait[]> } {
  const { G, gBusy, gRunnable, guestLanes } = ctx;
  const gthreads: GThread[] = ctx.guestThreads.map((t) => ({ t, lane: guestLanes.get(t.lane)!, label: `${t.comm} (${t.tid})`, tgid: t.tgid ?? -1, frozen: 0, waiting: 0, lhp: 0, mainCpu: -1 }));
  const waitsByCpu = new Map<number, Wait[]>();
  for (const g of gthreads) {
    const l = g.lane;
    const runByCpu = new Map<number, number>();
    let pending: { a: number; b: number }[] = [];
    let lastCpu = -1;
    for (let i = 0; i < l.length; i++) {
      const s = l.stateAt(i);
      if (gBusy.has(s)) {
        const c = l.causeAt(i);
        const cpu = c >= 0 ? cpuOfCause(G.causes[c]) : -1;
        if (cpu >= 0) {
          runByCpu.set(cpu, (runByCpu.get(cpu) ?? 0) + l.endAt(i) - l.startAt(i));
          for (const w of pending) (waitsByCpu.get(cpu) ?? waitsByCpu.set(cpu, []).get(cpu)!).push({ ...w, g });
          pending = [];
          lastCpu = cpu;
        }
      } else if (gRunnable.has(s)) pending.push({ a: l.startAt(i) + d, b: l.endAt(i) + d });
    }
    if (lastCpu >= 0) for (const w of pending) (waitsByCpu.get(lastCpu) ?? waitsByCpu.set(lastCpu, []).get(lastCpu)!).push({ ...w, g });
    let best = -1;
    for (const [cpu, ns] of runByCpu) if (best < 0 || ns > runByCpu.get(best)! || (ns === runByCpu.get(best)! && cpu < best)) best = cpu;
    g.mainCpu = best;
  }
  for (const w of waitsByCpu.values()) w.sort((x, y) => x.a - y.a);
  return { gthreads, waitsByCpu };
}

export interface LinkedLanes {
  /** Lanes to insert into the host timeline, each after the lane id `after`. */
  lanesOut: { after: string; lane: LaneBuilder }[];
  laneOfGuestCpu: Map<number, LaneBuilder>;
  /** Guest threads that got a lane (their main CPU is linked), in lane order, with the lane id. */
  threadLanes: { g: GThread; id: string }[];
  /** Guest causes, prefixed `guest `, numbered after the host's. */
  causes: string[];
  /** Guest wake-ups between linked lanes (indices into lanesOut), host axis. */
  wakes: { from: number; to: number; startNs: number; endNs: number }[];
}

export function mergeLanes(ctx: LinkCtx, chosen: Candidate, { linkedCpus, d }: Checked, gthreads: readonly GThread[]): LinkedLanes {
  const { host, guest, H, G, hostLanes, gBusy, hWait, hostSpan, guestCpus } = ctx;
  const guestCauseBase = H.causes.length;
  const causes: string[] = G.causes.map((c) => `guest ${c}`);
  const stRunnable = H.states.indexOf('runnable');
  const mapState = (s: number): number => {
    const i = H.states.indexOf(G.states[s]);
    return i >= 0 ? i : Math.max(0, H.states.indexOf('unknown'));
  };
  const vm = chosen.vm ?? 'host';
  const lanesOut: LinkedLanes['lanesOut'] = [];
  const laneOfGuestCpu = new Map<number, LaneBuilder>();
  // One lane group per linked vCPU (the guest CPU first, then the guest threads that ran there
  // most), so views that order lanes by kind within a group still show them under their vCPU.
  const vmName = host.doc.vms.find((x) => x.id === chosen.vm)?.name ?? vm;
  const groupOf = (cpu: number): string => `guest${guest.source ? ` ${guest.source}` : ''} on vCPU ${cpu} of ${vmName}`;
  /**
   * A guest lane on the host axis. With `frozen` (the host vCPU thread's lane), the guest's busy
   * time while the host had that vCPU runnable is drawn `runnable`, caused by the host thread that
   * took the pCPU (the cause of the host's runnable interval), the rest as the guest saw it.
   */
  const shifted = (src: LaneSource, id: string, label: string, kind: LaneBuilder['kind'], group: string, frozen?: LaneSource): LaneBuilder => {
    const b = new LaneBuilder(id, label, group, kind);
    let k = 0;
    for (let i = 0; i < src.length; i++) {
      let a = Math.max(hostSpan.lo, src.startAt(i) + d);
      const e = Math.min(hostSpan.hi, src.endAt(i) + d);
      const c = src.causeAt(i);
      const st = mapState(src.stateAt(i));
      const gc = c >= 0 ? guestCauseBase + c : -1;
      if (frozen && gBusy.has(src.stateAt(i)) && stRunnable >= 0) {
        while (k < frozen.length && frozen.endAt(k) <= a) k++;
        for (let j = k; j < frozen.length && frozen.startAt(j) < e && a < e; j++) {
          if (!hWait.has(frozen.stateAt(j))) continue;
          const fa = Math.max(a, frozen.startAt(j));
          const fb = Math.min(e, frozen.endAt(j));
          if (fb <= fa) continue;
          b.push(a, fa, st, gc);
          b.push(fa, fb, stRunnable, frozen.causeAt(j));
          a = fb;
        }
      }
      b.push(a, e, st, gc);
    }
    return b;
  };
  const gTag = guest.source || 'guest';
  for (const cpu of linkedCpus) {
    const hv = chosen.map.get(cpu)!;
    const l = shifted(guestCpus.get(cpu)!, `link:${gTag}/vcpu:${cpu}`, `guest CPU ${cpu} on ${hv.t.comm} (${hv.t.tid})`, 'vp', groupOf(cpu), hv.lane);
    laneOfGuestCpu.set(cpu, l);
    const after = hostLanes.has(`${hv.t.lane}/exec`) ? `${hv.t.lane}/exec` : hv.t.lane;
    lanesOut.push({ after, lane: l });
  }

  // Guest thread lanes under the vCPU they ran on most.
  const laneIndexG = new Map<LaneSource, number>();
  G.lanes.forEach((l, i) => laneIndexG.set(l, i));
  const guestLaneIndex = new Map<number, number>(); // guest timeline lane index -> index in lanesOut
  linkedCpus.forEach((cpu) => guestLaneIndex.set(laneIndexG.get(guestCpus.get(cpu)!)!, lanesOut.findIndex((x) => x.lane === laneOfGuestCpu.get(cpu))));
  const sortedThreads = gthreads.filter((g) => g.mainCpu >= 0 && chosen.map.has(g.mainCpu)).sort((x, y) => x.mainCpu - y.mainCpu || x.t.tid - y.t.tid);
  const lastAfter = new Map<number, string>();
  const threadLanes: LinkedLanes['threadLanes'] = [];
  for (const g of sortedThreads) {
    const id = `link:${gTag}/pid:${g.t.tid}`;
    const lane = shifted(g.lane, id, `guest ${g.label}`, 'guest-thread', groupOf(g.mainCpu));
    const after = lastAfter.get(g.mainCpu) ?? laneOfGuestCpu.get(g.mainCpu)!.id;
    lanesOut.push({ after, lane });
    lastAfter.set(g.mainCpu, id);
    guestLaneIndex.set(laneIndexG.get(g.lane)!, lanesOut.length - 1);
    threadLanes.push({ g, id });
  }

  const wakes: LinkedLanes['wakes'] = [];
  const wakesG = G.wakes;
  if (wakesG) {
    for (let i = 0; i < wakesG.length; i++) {
      const f = guestLaneIndex.get(wakesG.fromAt(i));
      const t = guestLaneIndex.get(wakesG.toAt(i));
      if (f === undefined || t === undefined) continue;
      const s = wakesG.startAt(i) + d;
      const e = wakesG.endAt(i) + d;
      if (e < hostSpan.lo || e > hostSpan.hi) continue;
      wakes.push({ from: f, to: t, startNs: s, endNs: e });
    }
  }
  return { lanesOut, laneOfGuestCpu, threadLanes, causes, wakes };
}
