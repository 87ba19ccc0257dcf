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
 * {@link linkHostGuest} runs the steps in order, each in its own module and stating what it used:
 * 1. map CPUs (map.ts): what the guest offers (its CPUs, threads, switch events), then guest CPU
 *    N -> host vCPU thread: the host analysis numbers vCPU threads from their names (`CPU N/KVM`...)
 *    or kvm events (identify.ts); `--guest-vcpus` overrides; without any host vCPU thread the
 *    link is refused. One candidate per host VM.
 * 2. align (align.ts): time (host = guest + offset): the user's offset; else the `.dat` time-sync
 *    data when the importer found it (`formatDetail.timeShift`); else the host's
 *    kvm_write_tsc_offset events when both traces are on the x86-tsc clock (tsc.ts); else the
 *    same clock, kept when the guest's events agree with it; else the offset that puts the most
 *    guest events inside their vCPU's host running intervals (offset.ts), said to be estimated.
 *    The candidate VM that fits best is chosen; then the check: the share of guest switch events
 *    that fall where the host shows their vCPU thread not running; above `maxOutsidePct` the
 *    result carries a warning and low confidence.
 * 3. merge lanes (lanes.ts): the guest CPUs and threads on the host axis, under their vCPU.
 * 4. findings (stalls.ts, findings.ts): per vCPU steal felt vs measured, frozen guest threads,
 *    lock-holder suspicion; the VPS340-VPS343 findings from the document.
 *
 * Input: two analyses (document + columnar timeline), or one analysis of a multi-file
 * `trace-cmd report` with a host and a guest source. Pure: no I/O, no clock.
 */
import type { Finding } from '../../core/findings';
import { LaneBuilder, WakeLog, type LaneSource, type TimelineSource, type WakeSource } from '../../core/timeline';
import { finding, TraceCodes } from '../codes';
import type { HostGuestDoc, TraceSummaryDocument } from '../schema';
import { align, checkAlignment } from './align';
import { linkFindings } from './findings';
import { guestThreadsOnHost, mergeLanes } from './lanes';
import { linkContext, mapCpus, type LinkOptions, type LinkSide } from './map';
import { findStalls, LOCK_HOLDER_HEURISTIC } from './stalls';
import { srcOf } from './util';

export { checkOffset, estimateOffset, type CpuPair } from './offset';
export { renderHostGuest } from './render';
export { DEFAULT_MAX_OUTSIDE_PCT, DEFAULT_SLACK_NS, TRACE_CLOCKS, type LinkOptions, type LinkSide } from './map';
export { LOCK_HOLDER_HEURISTIC } from './stalls';

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

/** Links one guest side to the host side: map CPUs, align, merge lanes, findings. */
export function linkHostGuest(host: LinkSide, guest: LinkSide, o: LinkOptions = {}): LinkResult {
  const ctx = linkContext(host, guest, o);
  if (typeof ctx === 'string') return refused(guest, ctx);
  const candidates = mapCpus(ctx);
  if (typeof candidates === 'string') return refused(guest, candidates);
  const aligned = align(ctx, candidates);
  const { chosen, timing, vmChoice } = aligned;
  const checked = checkAlignment(ctx, aligned);
  const { linkedCpus } = checked;
  if (!linkedCpus.length) return refused(guest, `no guest CPU maps to a vCPU thread of the host trace (guest CPUs ${[...ctx.guestCpus.keys()].join(', ')}; host vCPUs ${[...chosen.map.keys()].join(', ')})`);
  const { gthreads, waitsByCpu } = guestThreadsOnHost(ctx, checked.d);
  const lanes = mergeLanes(ctx, chosen, checked, gthreads);
  const found = findStalls(ctx, chosen, checked, gthreads, waitsByCpu, lanes);
  const doc: HostGuestDoc = {
    guest: ctx.guestName,
    guestFormat: guest.doc.format,
    status: 'linked',
    warnings: checked.warnings,
    vm: chosen.vm,
    mapping: {
      method: chosen.method,
      vmChoice,
      vcpus: linkedCpus.map((cpu) => {
        const t = chosen.map.get(cpu)!.t;
        return { guestCpu: cpu, hostTid: t.tid, hostComm: t.comm, hostLane: t.lane };
      }),
      unmappedGuestCpus: checked.unmapped,
    },
    time: { method: timing.method, offsetNs: checked.d, uncertaintyNs: timing.uncertaintyNs, confidence: checked.confidence, detail: timing.detail },
    check: { events: timing.events, outside: timing.outside, outsidePct: checked.outsidePct, against: checked.against, slackNs: ctx.slack, overlapNs: checked.overlapNs },
    vcpus: found.vcpus,
    threads: found.threads,
    stalls: found.stalls,
    lockHolder: found.lockHolder,
  };
  return { doc, findings: linkFindings(doc, host.doc), lanes: lanes.lanesOut, causes: lanes.causes, wakes: lanes.wakes };
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
