/**
 * Host and guest traces linked: a guest's scheduling trace put on its host's time axis, each
 * guest CPU beside the host thread that runs that vCPU, so that the analysis sees what neither
 * trace shows alone (docs/trace.md "Host and guest"):
 *
 * - guest threads that the guest believed were running (or runnable) while the host had their
 *   vCPU preempted, and which host thread held the pCPU meanwhile;
 * - lock-holder preemption suspected (heuristic stated in {@link LOCK_HOLDER_HEURISTIC});
 * - steal as the guest's threads felt it (guest busy while the host had the vCPU runnable) beside
 *   steal as the host measured it (vCPU thread runnable).
 *
 * Linking, each step stating what it used:
 * 1. guest CPU N -> host vCPU thread: the host analysis numbers vCPU threads from their names
 *    (`CPU N/KVM`...) or kvm events (identify.ts); `--guest-vcpus` overrides; without any host
 *    vCPU thread the link is refused.
 * 2. time (host = guest + offset): the user's offset; else the `.dat` time-sync data when the
 *    importer found it (`formatDetail.timeShift`); else the host's kvm_write_tsc_offset events
 *    when both traces are on the x86-tsc clock (tsc.ts); else the same clock, kept when the guest's
 *    events agree with it; else the offset that puts the most guest events inside their vCPU's
 *    host running intervals (offset.ts), said to be estimated.
 * 3. check: the share of guest switch events that fall where the host shows their vCPU thread not
 *    running; above `maxOutsidePct` the result carries a warning and low confidence.
 *
 * Input: two analyses (document + columnar timeline), or one analysis of a multi-file
 * `trace-cmd report` with a host and a guest source. Pure: no I/O, no clock.
 */
import type { Finding } from '../../core/findings';
import { LaneBuilder, WakeLog, type LaneSource, type TimelineSource, type WakeSource } from '../../core/timeline';
import { fmtNs, fmtPercent, fmtTs } from '../../core/format';
import { finding, TraceCodes } from '../codes';
import { vcpuFromName } from '../identify';
import type { HostGuestDoc, LinkedStallDoc, LinkedThreadDoc, LinkedVcpuDoc, ThreadDoc, TraceSummaryDocument } from '../schema';
import { checkOffset, estimateOffset, type CpuPair } from './offset';
import { tscAlignment } from './tsc';

export { checkOffset, estimateOffset, type CpuPair } from './offset';
export { renderHostGuest } from './render';

/** One analysed trace, or one source of a multi-file trace. */
export interface LinkSide {
  doc: TraceSummaryDocument;
  timeline: TimelineSource;
  /** The source (file name) inside a multi-file `trace-cmd report`; '' or absent: the whole trace. */
  source?: string;
  /** Name shown for this side (file name). */
  name?: string;
}

export interface LinkOptions {
  /** Host = guest + this (ns), given by the user. */
  guestOffsetNs?: number;
  /** Guest CPU -> host vCPU thread id, given by the user. */
  guestVcpus?: Record<number, number>;
  /** Above this share of guest events outside their vCPU's host running time, the offset is doubted (percent). */
  maxOutsidePct?: number;
  /** Tolerance around host intervals, ns (text traces print microseconds). */
  slackNs?: number;
  /** The multi-file report case: the inputs were printed by trace-cmd on one axis. */
  sameAxis?: boolean;
  /** The host trace's clock as the user stated it (`--host-clock`); a `.dat` says its own. */
  hostClock?: string;
  /** The guest trace's clock as the user stated it (`--guest-clock`). */
  guestClock?: string;
}

export const DEFAULT_MAX_OUTSIDE_PCT = 5;
export const DEFAULT_SLACK_NS = 2000;
const EXAMPLES = 5;
const TOP = 5;

export const LOCK_HOLDER_HEURISTIC =
  'a guest thread frozen by a host preemption of its vCPU (at least the stretch threshold) while, on another vCPU of the same guest, a guest thread of the same process (same tgid when the guest trace has it, else the same name) ran on the host without switching for at least half of that time (spinning or busy-waiting suspected), or slept through it and was woken by the frozen thread within 1 ms after it resumed (a waiter of what it held)';

export interface LinkResult {
  doc: HostGuestDoc;
  findings: Finding[];
  /** Lanes to show: the guest CPUs and guest threads on the host time axis (host clock). */
  lanes: { after: string; lane: LaneBuilder }[];
  /** Guest causes and states the lanes refer to, appended to the host tables by {@link mergeTimeline}. */
  causes: string[];
  /** Guest wake-ups on the host axis, lanes as indices into `lanes`. */
  wakes: { from: number; to: number; startNs: number; endNs: number }[];
}

interface HostVcpu {
  t: ThreadDoc;
  lane: LaneSource;
}

const prefixOf = (s: string | undefined): string => (s ? `${s}/` : '');
const srcOf = (s: string | undefined): string => s ?? '';

/** `comm (tid)` causes carry their tid last; CPU causes end with the number. */
function cpuOfCause(c: string): number {
  const m = /CPU (\d+)$/.exec(c);
  return m ? Number(m[1]) : -1;
}

function lanesById(tl: TimelineSource): Map<string, LaneSource> {
  const m = new Map<string, LaneSource>();
  for (const l of tl.lanes) m.set(l.id, l);
  return m;
}

function refused(guest: LinkSide, reason: string): LinkResult {
  return {
    doc: {
      guest: guest.name ?? guest.source ?? guest.doc.file,
      guestFormat: guest.doc.format,
      status: 'refused',
      reason,
      warnings: [],
      vm: null,
      mapping: { method: '', vmChoice: '', vcpus: [], unmappedGuestCpus: [] },
      time: { method: '', offsetNs: 0, uncertaintyNs: 0, confidence: '', detail: '' },
      check: { events: 0, outside: 0, outsidePct: 0, against: 'running', slackNs: 0, overlapNs: 0 },
      vcpus: [],
      threads: [],
      stalls: { count: 0, totalNs: 0, examples: [] },
      lockHolder: { heuristic: LOCK_HOLDER_HEURISTIC, count: 0, totalNs: 0, examples: [] },
    },
    findings: [finding(TraceCodes.linkRefused, { message: `The guest trace ${guest.name ?? guest.doc.file} was not linked to the host trace: ${reason}`, causes: [reason], data: {} })],
    lanes: [],
    causes: [],
    wakes: [],
  };
}

/** States by name (both sides come from the same reconstruction, but do not rely on the order). */
function stateIdx(tl: TimelineSource, names: string[]): Set<number> {
  const s = new Set<number>();
  for (const n of names) {
    const i = tl.states.indexOf(n);
    if (i >= 0) s.add(i);
  }
  return s;
}

/** Running intervals of a lane as flat sorted [a, b], adjacent ones (gap <= join) merged. */
function intervalsIn(l: LaneSource, states: Set<number>, join: number): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < l.length; i++) {
    if (!states.has(l.stateAt(i))) continue;
    const a = l.startAt(i);
    const b = l.endAt(i);
    const n = out.length;
    if (n && a - out[n - 1] <= join) out[n - 1] = Math.max(out[n - 1], b);
    else out.push(a, b);
  }
  return Float64Array.from(out);
}

/** Overlap of [a, b) with a sorted flat list of non-overlapping intervals (binary search, then a scan). */
function overlapWith(iv: Float64Array, a: number, b: number): number {
  let lo = 0;
  let hi = iv.length >> 1;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (iv[2 * m + 1] <= a) lo = m + 1;
    else hi = m;
  }
  let s = 0;
  for (let k = lo; k < iv.length >> 1 && iv[2 * k] < b; k++) s += Math.max(0, Math.min(b, iv[2 * k + 1]) - Math.max(a, iv[2 * k]));
  return s;
}

/** First interval of a lane (sorted, non-overlapping) that ends after `t`. */
function firstEndingAfter(l: LaneSource, t: number): number {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (l.endAt(m) <= t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First element of a list sorted by `b` (non-overlapping intervals) with b > t. */
function firstAfter<T extends { b: number }>(list: readonly T[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m].b <= t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Links one guest side to the host side. */
export function linkHostGuest(host: LinkSide, guest: LinkSide, o: LinkOptions = {}): LinkResult {
  const slack = o.slackNs ?? DEFAULT_SLACK_NS;
  const maxOutside = o.maxOutsidePct ?? DEFAULT_MAX_OUTSIDE_PCT;
  const stretchNs = host.doc.options.runnableStretchUs * 1000;
  const hostLanes = lanesById(host.timeline);
  const guestLanes = lanesById(guest.timeline);
  const hp = prefixOf(host.source);
  const gp = prefixOf(guest.source);
  const H = host.timeline;
  const G = guest.timeline;
  const hRun = stateIdx(H, ['running', 'inferred']);
  const hWait = stateIdx(H, ['runnable']);
  const gBusy = stateIdx(G, ['running', 'inferred']);
  const gRunnable = stateIdx(G, ['runnable']);
  const gIdle = stateIdx(G, ['idle']);
  const guestName = guest.name ?? guest.source ?? guest.doc.file;

  // --- Guest CPUs and threads ----------------------------------------------------------------
  const guestCpus = new Map<number, LaneSource>();
  for (const l of G.lanes) {
    if (l.kind !== 'pcpu' || !l.id.startsWith(gp)) continue;
    const m = /pcpu:(\d+)$/.exec(l.id);
    if (m && (gp || !l.id.includes('/'))) guestCpus.set(Number(m[1]), l);
  }
  const guestThreads = guest.doc.threads.filter((t) => srcOf(t.source) === srcOf(guest.source) && t.tid > 0 && guestLanes.has(t.lane));
  if (guestCpus.size === 0 || guest.doc.stats.eventsByName.sched_switch === undefined) {
    return refused(guest, `the guest trace has no sched_switch events, so it shows no guest CPU activity to link (is ${guestName} a guest scheduling trace?)`);
  }
  const guestHasVcpus = guest.doc.threads.some((t) => t.vcpu !== null && srcOf(t.source) === srcOf(guest.source));
  if (guestHasVcpus && !host.doc.threads.some((t) => t.vcpu !== null && srcOf(t.source) === srcOf(host.source))) {
    return refused(guest, `the second trace has vCPU threads and the first has none: give the host trace first (vpscope analyze HOST GUEST)`);
  }

  // --- Host vCPU threads, by VM ------------------------------------------------------------------
  const hostVcpus = host.doc.threads.filter((t) => t.vcpu !== null && srcOf(t.source) === srcOf(host.source) && hostLanes.has(t.lane));
  if (!hostVcpus.length) {
    return refused(guest, 'the host trace shows no vCPU threads (no QEMU-style `CPU N/KVM` names and no kvm events): nothing to map guest CPUs to; record the host with the sched and kvm events, or name the vCPU threads with --guest-vcpus');
  }
  type Candidate = { vm: string | null; map: Map<number, HostVcpu>; method: string };
  const candidates: Candidate[] = [];
  if (o.guestVcpus && Object.keys(o.guestVcpus).length) {
    const map = new Map<number, HostVcpu>();
    const bad: string[] = [];
    for (const [cpu, tid] of Object.entries(o.guestVcpus)) {
      const t = host.doc.threads.find((x) => x.tid === tid && srcOf(x.source) === srcOf(host.source) && hostLanes.has(x.lane));
      if (t) map.set(Number(cpu), { t, lane: hostLanes.get(t.lane)! });
      else bad.push(`${cpu}=${tid}`);
    }
    if (bad.length) return refused(guest, `--guest-vcpus names host threads the host trace does not have: ${bad.join(', ')}`);
    const vms = new Set([...map.values()].map((v) => v.t.vm));
    candidates.push({ vm: vms.size === 1 ? [...vms][0] : null, map, method: 'option' });
  } else {
    const byVm = new Map<string, ThreadDoc[]>();
    for (const t of hostVcpus) (byVm.get(t.vm ?? '') ?? byVm.set(t.vm ?? '', []).get(t.vm ?? '')!).push(t);
    for (const [vm, ts] of byVm) {
      const map = new Map<number, HostVcpu>();
      for (const t of ts) if (!map.has(t.vcpu!)) map.set(t.vcpu!, { t, lane: hostLanes.get(t.lane)! });
      const byName = ts.every((t) => vcpuFromName(t.comm) === t.vcpu);
      candidates.push({ vm: vm || null, map, method: byName ? 'thread-names' : 'kvm-vcpu-id or tid-order' });
    }
  }

  // --- Guest events per CPU ----------------------------------------------------------------
  const eventsOf = (l: LaneSource): Float64Array => {
    const out: number[] = [];
    for (let i = 1; i < l.length; i++) {
      const s = l.stateAt(i);
      // A switch is recorded at the start of a running or idle interval (an inferred switch-in is not an event).
      if ((gBusy.has(s) && G.states[s] === 'running') || gIdle.has(s)) {
        if (l.startAt(i) !== out[out.length - 1]) out.push(l.startAt(i));
      }
    }
    return Float64Array.from(out);
  };
  const guestEvents = new Map<number, Float64Array>();
  for (const [cpu, l] of guestCpus) guestEvents.set(cpu, eventsOf(l));

  // With kvm_entry / kvm_exit the host knows when each vCPU thread was in guest mode (its `exec`
  // lane): guest events can only happen then, a stricter test than the thread running.
  const hGuestMode = stateIdx(H, ['guest']);
  const guestModeOf = (hv: HostVcpu): Float64Array | undefined => {
    const ex = hostLanes.get(`${hv.t.lane}/exec`);
    if (!ex || !hGuestMode.size) return undefined;
    const iv = intervalsIn(ex, hGuestMode, 2 * slack);
    return iv.length ? iv : undefined;
  };
  let against: 'guest-mode' | 'running' = 'running';
  const pairsFor = (c: Candidate): { pairs: CpuPair[]; cpus: number[] } => {
    const pairs: CpuPair[] = [];
    const cpus: number[] = [];
    const modes = [...c.map.values()].map(guestModeOf);
    const useMode = modes.length > 0 && modes.every((m) => m !== undefined);
    against = useMode ? 'guest-mode' : 'running';
    for (const [cpu, ev] of [...guestEvents].sort((a, b) => a[0] - b[0])) {
      const hv = c.map.get(cpu);
      if (!hv) continue;
      const on = (useMode ? guestModeOf(hv) : undefined) ?? intervalsIn(hv.lane, hRun, 2 * slack);
      const lo = hv.lane.length ? hv.lane.startAt(0) : 0;
      const hi = hv.lane.length ? hv.lane.endAt(hv.lane.length - 1) : 0;
      pairs.push({ events: ev, on, hostLo: lo, hostHi: hi });
      cpus.push(cpu);
    }
    return { pairs, cpus };
  };

  // --- Time -----------------------------------------------------------------------------------
  const hw = host.doc.window;
  const gw = guest.doc.window;
  const hostSpan = sourceWindow(H, hp, hw);
  const guestSpan = sourceWindow(G, gp, gw);
  const minDur = Math.min(hostSpan.hi - hostSpan.lo, guestSpan.hi - guestSpan.lo);
  const fd = guest.doc.formatDetail as Record<string, unknown>;
  const ts = fd.timeShift as { offsetNs?: number; driftNs?: number; samples?: number } | undefined;

  type Timing = { method: string; offsetNs: number; uncertaintyNs: number; confidence: string; detail: string; outside: number; events: number; warnings?: string[] };
  const timingFor = (c: Candidate): Timing => {
    const t = timingOf(c);
    // The host's TSC offset events, when there are some and another method was used: say why not.
    if (t.method === 'kvm-tsc-offset' || t.method === 'option' || t.method === 'time-sync') return t;
    const tsc = tscFor(c);
    return tsc && !tsc.use ? { ...t, detail: `${t.detail}; ${tsc.why}` } : t;
  };
  const tscFor = (c: Candidate) =>
    tscAlignment({ doc: host.doc, source: host.source, clock: o.hostClock }, { doc: guest.doc, source: guest.source, clock: o.guestClock }, c.vm, [...guestEvents.keys()].filter((k) => c.map.has(k)).sort((a, b) => a - b), guestSpan, slack);
  const timingOf = (c: Candidate): Timing => {
    const { pairs } = pairsFor(c);
    const judge = (d: number) => checkOffset(pairs, d, slack);
    const pct = (r: { events: number; outside: number }) => (r.events ? (100 * r.outside) / r.events : 100);
    if (o.guestOffsetNs !== undefined) {
      const r = judge(o.guestOffsetNs);
      return { method: 'option', offsetNs: o.guestOffsetNs, uncertaintyNs: 0, confidence: 'exact', detail: `--guest-offset-ns ${o.guestOffsetNs} (given)`, ...r };
    }
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
    const tsc = tscFor(c);
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
  };

  let chosen = candidates[0];
  let timing = timingFor(chosen);
  let vmChoice = candidates.length === 1 ? (chosen.method === 'option' ? 'given by --guest-vcpus' : 'the only VM in the host trace') : '';
  if (candidates.length > 1) {
    const scored = candidates.map((c) => ({ c, t: timingFor(c), n: [...guestCpus.keys()].filter((k) => c.map.has(k)).length }));
    // Most guest CPUs mapped, then fewest events outside, then VM id for determinism.
    scored.sort((a, b) => b.n - a.n || a.t.outside / Math.max(1, a.t.events) - b.t.outside / Math.max(1, b.t.events) || ((a.c.vm ?? '') < (b.c.vm ?? '') ? -1 : 1));
    chosen = scored[0].c;
    timing = scored[0].t;
    vmChoice = `chosen among ${candidates.length} VMs: the one mapping the most guest CPUs with the fewest guest events outside its vCPUs' running time`;
  }
  const outsidePct = timing.events ? round2((100 * timing.outside) / timing.events) : 0;
  const warnings: string[] = [...(timing.warnings ?? [])];
  if (guestHasVcpus) warnings.push('the guest trace has vCPU threads itself: is it another host trace? (a nested hypervisor is linked like any guest)');
  const d = timing.offsetNs;
  const { cpus: linkedCpus } = pairsFor(chosen);
  const unmapped = [...guestCpus.keys()].filter((c) => !chosen.map.has(c)).sort((a, b) => a - b);
  if (unmapped.length) warnings.push(`guest CPUs ${unmapped.join(', ')} have no vCPU thread in the host trace (the guest has ${guestCpus.size} CPUs, the VM ${chosen.map.size} vCPU threads): they are not linked`);
  const overlapLo = Math.max(hostSpan.lo, guestSpan.lo + d);
  const overlapHi = Math.min(hostSpan.hi, guestSpan.hi + d);
  const overlapNs = Math.max(0, overlapHi - overlapLo);
  if (overlapNs === 0) warnings.push(`the traces do not overlap in time (host ${fmtTs(hostSpan.lo)}..${fmtTs(hostSpan.hi)}, guest shifted ${fmtTs(guestSpan.lo + d)}..${fmtTs(guestSpan.hi + d)}): nothing can be linked; were they recorded at the same time?`);
  else if (timing.events === 0) warnings.push('no guest switch event falls inside the host trace window: nothing to check the link against');
  let confidence = timing.confidence;
  if (timing.events > 0 && outsidePct > maxOutside) {
    confidence = 'low';
    warnings.push(
      `${fmtPercent(outsidePct)} of the guest's switch events fall where the host shows their vCPU thread not running (threshold ${maxOutside}%): the time offset (${timing.method}) is probably wrong, or the CPU mapping is`,
    );
  }
  if (!linkedCpus.length) return refused(guest, `no guest CPU maps to a vCPU thread of the host trace (guest CPUs ${[...guestCpus.keys()].join(', ')}; host vCPUs ${[...chosen.map.keys()].join(', ')})`);

  // --- Linked view ----------------------------------------------------------------------------
  const hostCpuLane = (cpu: number): LaneSource | undefined => hostLanes.get(`${hp}pcpu:${cpu}`);
  const guestCauseBase = H.causes.length;
  const causes: string[] = G.causes.map((c) => `guest ${c}`);
  const stRunnable = H.states.indexOf('runnable');
  const mapState = (s: number): number => {
    const i = H.states.indexOf(G.states[s]);
    return i >= 0 ? i : Math.max(0, H.states.indexOf('unknown'));
  };
  const vm = chosen.vm ?? 'host';
  const lanesOut: { after: string; lane: LaneBuilder }[] = [];
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

  // Guest threads: per thread its running intervals by CPU, and runnable intervals attributed to
  // the CPU it ran on next (else the one it ran on before).
  interface GThread {
    t: ThreadDoc;
    lane: LaneSource;
    label: string;
    tgid: number;
    frozen: number;
    waiting: number;
    lhp: number;
    mainCpu: number;
  }
  const gthreads: GThread[] = guestThreads.map((t) => ({ t, lane: guestLanes.get(t.lane)!, label: `${t.comm} (${t.tid})`, tgid: t.tgid ?? -1, frozen: 0, waiting: 0, lhp: 0, mainCpu: -1 }));
  const byLabel = new Map(gthreads.map((g) => [g.label, g]));
  const waitsByCpu = new Map<number, { a: number; b: number; g: GThread }[]>();
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

  // Guest thread lanes under the vCPU they ran on most.
  const threadDocs: LinkedThreadDoc[] = [];
  const guestLaneIndex = new Map<number, number>(); // guest timeline lane index -> index in lanesOut
  linkedCpus.forEach((cpu) => guestLaneIndex.set(laneIndexG.get(guestCpus.get(cpu)!)!, lanesOut.findIndex((x) => x.lane === laneOfGuestCpu.get(cpu))));
  const sortedThreads = gthreads.filter((g) => g.mainCpu >= 0 && chosen.map.has(g.mainCpu)).sort((x, y) => x.mainCpu - y.mainCpu || x.t.tid - y.t.tid);
  const lastAfter = new Map<number, string>();
  for (const g of sortedThreads) {
    const id = `link:${gTag}/pid:${g.t.tid}`;
    const lane = shifted(g.lane, id, `guest ${g.label}`, 'guest-thread', groupOf(g.mainCpu));
    const after = lastAfter.get(g.mainCpu) ?? laneOfGuestCpu.get(g.mainCpu)!.id;
    lanesOut.push({ after, lane });
    lastAfter.set(g.mainCpu, id);
    guestLaneIndex.set(laneIndexG.get(g.lane)!, lanesOut.length - 1);
    threadDocs.push({
      tid: g.t.tid,
      comm: g.t.comm,
      lane: id,
      guestCpu: g.mainCpu,
      runningNs: g.t.runningNs,
      sleepingNs: g.t.sleepingNs + g.t.blockedNs,
      switchIns: g.t.switchIns,
      voluntarySwitches: g.t.voluntarySwitches,
      frozenNs: g.frozen, waitingOnPreemptedNs: g.waiting, lockHolderSuspected: g.lhp });
  }
  threadDocs.sort((x, y) => y.frozenNs - x.frozenNs || x.tid - y.tid);

  const wakes: LinkResult['wakes'] = [];
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

  const doc: HostGuestDoc = {
    guest: guestName,
    guestFormat: guest.doc.format,
    status: 'linked',
    warnings,
    vm: chosen.vm,
    mapping: {
      method: chosen.method,
      vmChoice,
      vcpus: linkedCpus.map((cpu) => {
        const t = chosen.map.get(cpu)!.t;
        return { guestCpu: cpu, hostTid: t.tid, hostComm: t.comm, hostLane: t.lane };
      }),
      unmappedGuestCpus: unmapped,
    },
    time: { method: timing.method, offsetNs: d, uncertaintyNs: timing.uncertaintyNs, confidence, detail: timing.detail },
    check: { events: timing.events, outside: timing.outside, outsidePct, against, slackNs: slack, overlapNs },
    vcpus: vcpuDocs,
    threads: threadDocs,
    stalls: { count: stallCount, totalNs: stallNs, examples: stalls },
    lockHolder: { heuristic: LOCK_HOLDER_HEURISTIC, count: lhpCount, totalNs: lhpNs, examples: lhpStalls },
  };
  return { doc, findings: linkFindings(doc, host.doc), lanes: lanesOut, causes, wakes };
}

function keep(list: LinkedStallDoc[], s: LinkedStallDoc): void {
  let i = list.length;
  if (i === EXAMPLES && list[i - 1].durationNs >= s.durationNs) return;
  while (i > 0 && list[i - 1].durationNs < s.durationNs) i--;
  list.splice(i, 0, s);
  if (list.length > EXAMPLES) list.pop();
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** First and last instant of a source's lanes (the document window for a single source). */
function sourceWindow(tl: TimelineSource, prefix: string, w: { startNs: number; endNs: number }): { lo: number; hi: number } {
  if (!prefix) return { lo: w.startNs, hi: w.endNs };
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of tl.lanes) {
    if (!l.id.startsWith(prefix) || !l.length) continue;
    lo = Math.min(lo, l.startAt(0));
    hi = Math.max(hi, l.endAt(l.length - 1));
  }
  return lo <= hi ? { lo, hi } : { lo: w.startNs, hi: w.endNs };
}

/** Findings of the linked view (VPS340-VPS344). */
function linkFindings(h: HostGuestDoc, host: TraceSummaryDocument): Finding[] {
  const out: Finding[] = [];
  const o = host.options;
  const where = `guest ${h.guest}`;
  for (const w of h.warnings) {
    out.push(finding(TraceCodes.linkDoubtful, {
      message: `Linking ${where} to the host: ${w}. Time: ${h.time.detail}.`,
      causes: [w],
      fix: 'Record host and guest together with trace-cmd (agent mode with time sync), or give --guest-offset-ns and --guest-vcpus.',
      data: { outsidePct: h.check.outsidePct, offsetNs: h.time.offsetNs, method: h.time.method },
    }));
  }
  for (const v of h.vcpus) {
    const top = v.longestStall;
    if (top) {
      const n = v.stalls;
      out.push(finding(TraceCodes.guestFrozen, {
        message: `Guest CPU ${v.guestCpu} (host thread ${v.hostTid}) had a guest thread running while the host kept the vCPU preempted for longer than ${fmtNs(o.runnableStretchUs * 1000)}${n > 1 ? ` ${n} times` : ''}; the longest: ${top.guestThread} frozen ${fmtNs(top.durationNs)} at ${fmtTs(top.startNs)} while host ${top.thief} held${top.hostCpu >= 0 ? ` CPU ${top.hostCpu}` : ' the pCPU'}${top.waiting ? `, ${top.waiting} guest thread${top.waiting === 1 ? '' : 's'} waiting behind it` : ''}. The guest cannot see this: it counts the time as running.`,
        lane: v.lane,
        startNs: top.startNs,
        durationNs: top.durationNs,
        causes: [`guest ${top.guestThread} frozen`, `vCPU ${v.guestCpu} preempted on the host`, `pCPU taken by ${top.thief}`],
        fix: 'Keep the pCPUs of this VM free of competing host work (pinning, cpusets, priorities), or give the VM no more vCPUs than it has pCPUs.',
        data: { guestCpu: v.guestCpu, hostTid: v.hostTid, count: n, maxNs: top.durationNs, busyStalledNs: v.busyStalledNs, thief: top.thief },
      }));
    }
    if (v.busyStalledNs >= 1e6 && v.guestStealPct > o.stealPct) {
      out.push(finding(TraceCodes.guestSteal, {
        message: `Guest CPU ${v.guestCpu} lost ${fmtNs(v.busyStalledNs)} of its busy time to host preemption, ${fmtPercent(v.guestStealPct)} of the ${fmtNs(v.guestBusyNs)} it had work (threshold ${o.stealPct}%); the host measured ${fmtNs(v.hostRunnableNs)} runnable for its vCPU thread (${fmtPercent(v.hostStealPct)}), of which ${fmtNs(v.idleStalledNs)} fell while the guest was idle (a woken vCPU waiting). Taken by: ${v.thieves.slice(0, 3).map((t) => `${t.who} ${fmtNs(t.ns)}`).join(', ') || 'unknown'}.`,
        lane: v.lane,
        startNs: host.window.startNs,
        durationNs: host.window.durationNs,
        causes: [`guest CPU ${v.guestCpu} busy but its vCPU not running`],
        fix: 'Same as for host steal (VPS331): dedicated pCPUs or less host work beside the VM; in the guest, steal-aware scheduling only sees the host figure.',
        data: { guestCpu: v.guestCpu, guestStealPct: v.guestStealPct, hostStealPct: v.hostStealPct, busyStalledNs: v.busyStalledNs, idleStalledNs: v.idleStalledNs },
      }));
    }
  }
  if (h.lockHolder.count > 0) {
    const ex = h.lockHolder.examples[0];
    out.push(finding(TraceCodes.lockHolder, {
      message: `Lock-holder preemption suspected ${h.lockHolder.count === 1 ? 'once' : `${h.lockHolder.count} times`} (${fmtNs(h.lockHolder.totalNs)} frozen in total): the longest, guest ${ex.guestThread} on CPU ${ex.guestCpu} frozen ${fmtNs(ex.durationNs)} at ${fmtTs(ex.startNs)} by host ${ex.thief}, while ${ex.siblings.join('; ')}. Heuristic: ${h.lockHolder.heuristic}.`,
      lane: h.vcpus.find((v) => v.guestCpu === ex.guestCpu)?.lane,
      startNs: ex.startNs,
      durationNs: ex.durationNs,
      causes: [`guest ${ex.guestThread} frozen while holding?`, `siblings: ${ex.siblings.join('; ')}`, `vCPU ${ex.guestCpu} preempted by ${ex.thief}`],
      fix: 'Use paravirtual spinlocks / pause-loop exiting, blocking instead of spinning waits in the guest, or avoid preempting this VM\'s vCPUs (dedicated pCPUs).',
      data: { count: h.lockHolder.count, totalNs: h.lockHolder.totalNs, guestCpu: ex.guestCpu, maxNs: ex.durationNs },
    }));
  }
  return out;
}

/**
 * The host timeline with the linked lanes inserted after the lanes they belong to (each guest
 * CPU after its vCPU thread, guest threads after the CPU they ran on most), guest causes appended
 * and guest wake-ups merged with the host's (time order of their end). Lanes of the guest are
 * copies on the host axis; the host lanes are not copied.
 */
export function mergeTimeline(host: TimelineSource, links: readonly LinkResult[]): TimelineSource {
  if (!links.length) return host;
  const causes = host.causes.slice();
  const lanes: LaneSource[] = [];
  const newIndex = new Map<LaneSource, number>();
  const insertAfter = new Map<string, LaneSource[]>();
  const linkLanes: LaneSource[][] = [];
  for (const r of links) {
    const base = causes.length;
    for (const c of r.causes) causes.push(c);
    const ls: LaneSource[] = [];
    for (const { after, lane } of r.lanes) {
      // The link's causes were numbered from the host's length: renumber for this link's base.
      const shift = base - host.causes.length;
      const l = shift ? renumber(lane, host.causes.length, shift) : lane;
      ls.push(l);
      (insertAfter.get(after) ?? insertAfter.set(after, []).get(after)!).push(l);
    }
    linkLanes.push(ls);
  }
  const placed = new Set<LaneSource>();
  const place = (l: LaneSource): void => {
    if (placed.has(l)) return;
    placed.add(l);
    newIndex.set(l, lanes.length);
    lanes.push(l);
    for (const x of insertAfter.get(l.id) ?? []) place(x);
  };
  for (const l of host.lanes) place(l);
  for (const ls of linkLanes) for (const l of ls) place(l);
  const hostIndex = host.lanes.map((l) => newIndex.get(l)!);
  type W = { from: number; to: number; startNs: number; endNs: number };
  const all: W[] = [];
  const hw = host.wakes;
  if (hw) for (let i = 0; i < hw.length; i++) all.push({ from: hostIndex[hw.fromAt(i)], to: hostIndex[hw.toAt(i)], startNs: hw.startAt(i), endNs: hw.endAt(i) });
  links.forEach((r, k) => {
    for (const w of r.wakes) all.push({ from: newIndex.get(linkLanes[k][w.from])!, to: newIndex.get(linkLanes[k][w.to])!, startNs: w.startNs, endNs: w.endNs });
  });
  // Stable sort by end time: host wake-ups were already in order.
  all.sort((a, b) => a.endNs - b.endNs);
  let wakes: WakeSource | undefined;
  if (all.length) {
    const log = new WakeLog();
    for (const w of all) log.push(w.from, w.to, w.startNs, w.endNs);
    wakes = log;
  }
  return { startNs: host.startNs, endNs: host.endNs, states: host.states, causes, lanes, ...(wakes ? { wakes } : {}) };
}

function renumber(l: LaneBuilder, from: number, shift: number): LaneSource {
  return {
    id: l.id,
    label: l.label,
    group: l.group,
    kind: l.kind,
    length: l.length,
    startAt: (i) => l.startAt(i),
    endAt: (i) => l.endAt(i),
    stateAt: (i) => l.stateAt(i),
    causeAt: (i) => {
      const c = l.causeAt(i);
      return c >= from ? c + shift : c;
    },
  };
}

/**
 * Links every guest of a multi-file `trace-cmd report`: the host is the source with the most vCPU
 * threads; every other source with sched_switch events is a guest. Empty when the trace has one source.
 */
export function linkSources(doc: TraceSummaryDocument, timeline: TimelineSource, o: LinkOptions = {}): LinkResult[] {
  const files = (doc.formatDetail as { files?: unknown }).files;
  if (!Array.isArray(files) || files.length < 2) return [];
  const sources = files.map(String);
  const vcpus = (s: string): number => doc.threads.filter((t) => t.vcpu !== null && srcOf(t.source) === s).length;
  const host = sources.slice().sort((a, b) => vcpus(b) - vcpus(a) || sources.indexOf(a) - sources.indexOf(b))[0];
  if (vcpus(host) === 0) return [];
  const hostSide: LinkSide = { doc, timeline, source: host, name: host };
  return sources
    .filter((s) => s !== host && doc.threads.some((t) => srcOf(t.source) === s && t.runningNs > 0))
    .map((s) => linkHostGuest(hostSide, { doc, timeline, source: s, name: s }, { ...o, sameAxis: true }));
}

/**
 * The host document and timeline with the links applied: `hostGuest` set, the link findings (and
 * the guest trace's own importer findings, VPS360-VPS365, named as the guest's) added, the linked
 * lanes merged into the timeline (when there is one).
 */
export function applyLinks<T extends TimelineSource | undefined>(
  doc: TraceSummaryDocument,
  timeline: T,
  links: readonly LinkResult[],
  guestDocs: readonly TraceSummaryDocument[] = [],
): { document: TraceSummaryDocument; timeline: T } {
  if (!links.length) return { document: doc, timeline };
  const guestFindings = guestDocs.flatMap((g) =>
    g.findings.filter((f) => f.code >= 'VPS360').map((f) => ({ ...f, message: `guest trace ${g.file}: ${f.message}`, lane: undefined })),
  );
  const document: TraceSummaryDocument = {
    ...doc,
    hostGuest: links.map((l) => l.doc),
    findings: [...doc.findings, ...links.flatMap((l) => l.findings), ...guestFindings],
  };
  return { document, timeline: (timeline ? mergeTimeline(timeline, links) : timeline) as T };
}
