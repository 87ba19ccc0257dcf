/**
 * Linking, the time step: host = guest + offset, by the first method that applies (the user's
 * offset, the `.dat` TIME_SHIFT option, the host's kvm_write_tsc_offset on x86-tsc clocks, the
 * same clock when the guest events agree, else an estimate), for each candidate mapping; the
 * candidate that maps the most guest CPUs with the fewest guest events outside its vCPUs' host
 * running time is chosen ({@link align}); then what the check and the overlap say about it
 * ({@link checkAlignment}). Pure.
 */
import { fmtNs, fmtPercent, fmtTs } from '../../core/format';
import { checkOffset, estimateOffset, type CpuPair } from './offset';
import { tscAlignment } from './tsc';
import { intervalsIn, round2, stateIdx } from './util';
import type { Candidate, HostVcpu, LinkCtx } from './map';

export interface Timing {
  method: string;
  offsetNs: number;
  uncertaintyNs: number;
  confidence: string;
  detail: string;
  /** Guest switch events judged, and those outside their vCPU's host running (or guest-mode) time. */
  outside: number;
  events: number;
  warnings?: string[];
}

/** Guest events of the mapped CPUs beside their host vCPU's running (or guest-mode) intervals. */
export function pairsFor(ctx: LinkCtx, c: Candidate): { pairs: CpuPair[]; cpus: number[]; against: 'guest-mode' | 'running' } {
  const { H, hostLanes, slack, hRun, guestEvents } = ctx;
  // With kvm_entry / kvm_exit the host knows when each vCPU thread was in guest mode (its `exec`
  // lane): guest events can only happen then, a stricter test than the thread running.
  const hGuestMode = stateIdx(H, ['guest']);
  const guestModeOf = (hv: HostVcpu): Float64Array | undefined => {
    const ex = hostLanes.get(`${hv.t.lane}/exec`);
    if (!ex || !hGuestMode.size) return undefined;
    const iv = intervalsIn(ex, hGuestMode, 2 * slack);
    return iv.length ? iv : undefined;
  };
  const pairs: CpuPair[] = [];
  const cpus: number[] = [];
  const modes = [...c.map.values()].map(guestModeOf);
  const useMode = modes.length > 0 && modes.every((m) => m !== undefined);
  for (const [cpu, ev] of [...guestEvents].sort((a, b) => a[0] - b[0])) {
    const hv = c.map.get(cpu);
    if (!hv) continue;
    const on = (useMode ? guestModeOf(hv) : undefined) ?? intervalsIn(hv.lane, hRun, 2 * slack);
    const lo = hv.lane.length ? hv.lane.startAt(0) : 0;
    const hi = hv.lane.length ? hv.lane.endAt(hv.lane.length - 1) : 0;
    pairs.push({ events: ev, on, hostLo: lo, hostHi: hi });
    cpus.push(cpu);
  }
  return { pairs, cpus, against: useMode ? 'guest-mode' : 'running' };
}

function tscFor(ctx: LinkCtx, c: Candidate) {
  const { host, guest, o } = ctx;
  const cpus = [...ctx.guestEvents.keys()].filter((k) => c.map.has(k)).sort((a, b) => a - b);
  return tscAlignment({ doc: host.doc, source: host.source, clock: o.hostClock }, { doc: guest.doc, source: guest.source, clock: o.guestClock }, c.vm, cpus, ctx.guestSpan, ctx.slack);
}

/** The time relation for one candidate mapping, with the check of the guest events against it. */
export function timingFor(ctx: LinkCtx, c: Candidate): Timing {
  const t = timingOf(ctx, c);
  // The host's TSC offset events, when there are some and another method was used: say why not.
  if (t.method === 'kvm-tsc-offset' || t.method === 'option' || t.method === 'time-sync') return t;
  const tsc = tscFor(ctx, c);
  return tsc && !tsc.use ? { ...t, detail: `${t.detail}; ${tsc.why}` } : t;
}

function timingOf(ctx: LinkCtx, c: Candidate): Timing {
  const { o, slack, maxOutside, hostSpan, guestSpan } = ctx;
  const { pairs } = pairsFor(ctx, c);
  const judge = (d: number) => checkOffset(pairs, d, slack);
  const pct = (r: { events: number; outside: number }) => (r.events ? (100 * r.outside) / r.events : 100);
  if (o.guestOffsetNs !== undefined) {
    const r = judge(o.guestOffsetNs);
    return { method: 'option', offsetNs: o.guestOffsetNs, uncertaintyNs: 0, confidence: 'exact', detail: `--guest-offset-ns ${o.guestOffsetNs} (given)`, ...r };
  }
  const fd = ctx.guest.doc.formatDetail as Record<string, unknown>;
  const ts = fd.timeShift as { offsetNs?: number; driftNs?: number; samples?: number } | undefined;
  if (ts && typeof ts.offsetNs === 'number') {
    const r = judge(ts.offsetNs);
    return {
      method: 'time-sync',
      offsetNs: ts.offsetNs,
      uncertaintyNs: 0,
      confidence: 'exact',
      detail: `trace-cmd time-sync data in the guest .dat (TIME_SHIFT option, ${ts.samples ?? 1} samples${ts.driftNs ? `, offsets varying by ${fmtNs(ts.driftNs)} over the trace; their first value used` : ''})`,
      ...r,
    };
  }
  const tsc = tscFor(ctx, c);
  if (tsc?.use) return { method: 'kvm-tsc-offset', offsetNs: tsc.offsetNs, uncertaintyNs: 0, confidence: 'exact', detail: tsc.detail, warnings: tsc.warnings, ...judge(tsc.offsetNs) };
  const same = judge(0);
  const overlap0 = Math.min(hostSpan.hi, guestSpan.hi) - Math.max(hostSpan.lo, guestSpan.lo);
  if (same.events > 0 && overlap0 > 0 && pct(same) <= maxOutside) {
    return {
      method: 'same-clock',
      offsetNs: 0,
      uncertaintyNs: 0,
      confidence: 'checked',
      detail: o.sameAxis
        ? 'one time axis as trace-cmd report printed the inputs (it applies the guest file\'s time-sync data when it has some); the guest events agree with it'
        : 'assumed the same clock (no sync data, no --guest-offset-ns); the guest events agree with it',
      ...same,
    };
  }
  // Search: the shifted guest window must overlap the host window by at least half the shorter one.
  const minDur = Math.min(hostSpan.hi - hostSpan.lo, guestSpan.hi - guestSpan.lo);
  const lo = hostSpan.lo - guestSpan.hi + minDur / 2;
  const hi = hostSpan.hi - guestSpan.lo - minDur / 2;
  const prefer = overlap0 > 0 ? 0 : hostSpan.lo - guestSpan.lo;
  const est = estimateOffset(pairs, Math.min(lo, hi), Math.max(lo, hi), slack, prefer);
  if (!est) {
    const d = hostSpan.lo - guestSpan.lo;
    return { method: 'first-events', offsetNs: d, uncertaintyNs: 0, confidence: 'low', detail: 'assumed the first events of both traces happened together (nothing better fits)', ...judge(d) };
  }
  const r = judge(est.offsetNs);
  return {
    method: 'estimated',
    offsetNs: est.offsetNs,
    uncertaintyNs: est.uncertaintyNs,
    confidence: 'estimated',
    detail:
      `estimated: the offset that puts the most guest switch events inside their vCPU thread's host running time (the same clock left ${fmtPercent(pct(same))} outside)` +
      (est.ambiguous > 1 ? `; ${est.ambiguous} distinct offsets fit as well in the sampled search, the one nearest the assumption was taken` : ''),
    ...r,
  };
}

/** The chosen candidate and its timing. */
export interface Alignment {
  chosen: Candidate;
  timing: Timing;
  vmChoice: string;
}

export function align(ctx: LinkCtx, candidates: readonly Candidate[]): Alignment {
  let chosen = candidates[0];
  let timing = timingFor(ctx, chosen);
  let vmChoice = candidates.length === 1 ? (chosen.method === 'option' ? 'given by --guest-vcpus' : 'the only VM in the host trace') : '';
  if (candidates.length > 1) {
    const scored = candidates.map((c) => ({ c, t: timingFor(ctx, c), n: [...ctx.guestCpus.keys()].filter((k) => c.map.has(k)).length }));
    // Most guest CPUs mapped, then fewest events outside, then VM id for determinism.
    scored.sort((a, b) => b.n - a.n || a.t.outside / Math.max(1, a.t.events) - b.t.outside / Math.max(1, b.t.events) || ((a.c.vm ?? '') < (b.c.vm ?? '') ? -1 : 1));
    chosen = scored[0].c;
    timing = scored[0].t;
    vmChoice = `chosen among ${candidates.length} VMs: the one mapping the most guest CPUs with the fewest guest events outside its vCPUs' running time`;
  }
  return { chosen, timing, vmChoice };
}

/** What the chosen alignment covers and how far it is trusted. */
export interface Checked {
  /** Linked guest CPUs (mapped, in order). */
  linkedCpus: number[];
  unmapped: number[];
  against: 'guest-mode' | 'running';
  /** The offset used. */
  d: number;
  overlapLo: number;
  overlapHi: number;
  overlapNs: number;
  outsidePct: number;
  confidence: string;
  warnings: string[];
}

export function checkAlignment(ctx: LinkCtx, { chosen, timing }: Alignment): Checked {
  const { guestCpus, hostSpan, guestSpan, maxOutside } = ctx;
  const outsidePct = timing.events ? round2((100 * timing.outside) / timing.events) : 0;
  const warnings: string[] = [...(timing.warnings ?? [])];
  if (ctx.guestHasVcpus) warnings.push('the guest trace has vCPU threads itself: is it another host trace? (a nested hypervisor is linked like any guest)');
  const d = timing.offsetNs;
  const { cpus: linkedCpus, against } = pairsFor(ctx, chosen);
  const unmapped = [...guestCpus.keys()].filter((c) => !chosen.map.has(c)).sort((a, b) => a - b);
  if (unmapped.length) warnings.push(`guest CPUs ${unmapped.join(', ')} have no vCPU thread in the host trace (the guest has ${guestCpus.size} CPUs, the VM ${chosen.map.size} vCPU threads): they are not linked`);
  const overlapLo = Math.max(hostSpan.lo, guestSpan.lo + d);
  const overlapHi = Math.min(hostSpan.hi, guestSpan.hi + d);
  const overlapNs = Math.max(0, overlapHi - overlapLo);
  if (overlapNs === 0) warnings.push(`the traces do not overlap in time (host ${fmtTs(hostSpan.lo)}..${fmtTs(hostSpan.hi)}, guest shifted ${fmtTs(guestSpan.lo + d)}..${fmtTs(guestSpan.hi + d)}): nothing can be linked (were they recorded at the same time?)`);
  else if (timing.events === 0) warnings.push('no guest switch event falls inside the host trace window: nothing to check the link against');
  let confidence = timing.confidence;
  if (timing.events > 0 && outsidePct > maxOutside) {
    confidence = 'low';
    warnings.push(
      `${fmtPercent(outsidePct)} of the guest's switch events fall where the host shows their vCPU thread not running (threshold ${maxOutside}%): the time offset (${timing.method}) is probably wrong, or the CPU mapping is`,
    );
  }
  return { linkedCpus, unmapped, against, d, overlapLo, overlapHi, overlapNs, outsidePct, confidence, warnings };
}
