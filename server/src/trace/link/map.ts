/**
 * Linking, first steps: what both sides offer ({@link linkContext}: the guest's CPUs, threads and
 * switch events, the state sets, the windows) and the candidate mappings of guest CPU N to a host
 * vCPU thread ({@link mapCpus}: `--guest-vcpus`, else one candidate per host VM, its vCPU threads
 * numbered by the host analysis). Each returns a reason instead when the link is refused. Pure.
 */
import type { LaneSource, TimelineSource } from '../../core/timeline';
import { vcpuFromName } from '../identify';
import type { ThreadDoc, TraceSummaryDocument } from '../schema';
import { lanesById, prefixOf, sourceWindow, srcOf, stateIdx } from './util';

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

/** The ftrace trace clocks (`trace_clock`; `tsc` is trace-cmd's short name of x86-tsc), accepted for `--host-clock` / `--guest-clock`. */
export const TRACE_CLOCKS: readonly string[] = ['local', 'global', 'counter', 'uptime', 'perf', 'mono', 'mono_raw', 'boot', 'tai', 'x86-tsc', 'tsc'];

export const DEFAULT_MAX_OUTSIDE_PCT = 5;
export const DEFAULT_SLACK_NS = 2000;

/** A host vCPU thread: its document entry and its lane. */
export interface HostVcpu {
  t: ThreadDoc;
  lane: LaneSource;
}

/** One way to map guest CPUs to host vCPU threads (a VM of the host, or the user's map). */
export interface Candidate {
  vm: string | null;
  map: Map<number, HostVcpu>;
  method: string;
}

/** What every step reads: both sides, the options, the state sets and what the guest offers. */
export interface LinkCtx {
  host: LinkSide;
  guest: LinkSide;
  o: LinkOptions;
  slack: number;
  maxOutside: number;
  stretchNs: number;
  H: TimelineSource;
  G: TimelineSource;
  hostLanes: Map<string, LaneSource>;
  guestLanes: Map<string, LaneSource>;
  /** Lane id prefixes of the two sources (multi-file reports). */
  hp: string;
  gp: string;
  hRun: Set<number>;
  hWait: Set<number>;
  gBusy: Set<number>;
  gRunnable: Set<number>;
  gIdle: Set<number>;
  guestName: string;
  /** Guest CPU lanes by CPU number. */
  guestCpus: Map<number, LaneSource>;
  /** Guest threads with a lane (tid > 0). */
  guestThreads: ThreadDoc[];
  /** The guest trace has vCPU threads itself (another host?). */
  guestHasVcpus: boolean;
  /** Guest switch events per guest CPU (guest clock). */
  guestEvents: Map<number, Float64Array>;
  /** First and last instant of each side (its own clock). */
  hostSpan: { lo: number; hi: number };
  guestSpan: { lo: number; hi: number };
}

/** The context, or why the guest cannot be linked at all. */
export function linkContext(host: LinkSide, guest: LinkSide, o: LinkOptions): LinkCtx | string {
  const H = host.timeline;
  const G = guest.timeline;
  const gp = prefixOf(guest.source);
  const guestLanes = lanesById(G);
  const guestName = guest.name ?? guest.source ?? guest.doc.file;
  const guestCpus = new Map<number, LaneSource>();
  for (const l of G.lanes) {
    if (l.kind !== 'pcpu' || !l.id.startsWith(gp)) continue;
    const m = /pcpu:(\d+)$/.exec(l.id);
    if (m && (gp || !l.id.includes('/'))) guestCpus.set(Number(m[1]), l);
  }
  if (guestCpus.size === 0 || guest.doc.stats.eventsByName.sched_switch === undefined) {
    return `the guest trace has no sched_switch events, so it shows no guest CPU activity to link (is ${guestName} a guest scheduling trace?)`;
  }
  const guestHasVcpus = guest.doc.threads.some((t) => t.vcpu !== null && srcOf(t.source) === srcOf(guest.source));
  if (guestHasVcpus && !host.doc.threads.some((t) => t.vcpu !== null && srcOf(t.source) === srcOf(host.source))) {
    return `the second trace has vCPU threads and the first has none: give the host trace first (vpscope analyze HOST GUEST)`;
  }
  const gBusy = stateIdx(G, ['running', 'inferred']);
  const gIdle = stateIdx(G, ['idle']);
  /** A switch is recorded at the start of a running or idle interval (an inferred switch-in is not an event). */
  const eventsOf = (l: LaneSource): Float64Array => {
    const out: number[] = [];
    for (let i = 1; i < l.length; i++) {
      const s = l.stateAt(i);
      if ((gBusy.has(s) && G.states[s] === 'running') || gIdle.has(s)) {
        if (l.startAt(i) !== out[out.length - 1]) out.push(l.startAt(i));
      }
    }
    return Float64Array.from(out);
  };
  const guestEvents = new Map<number, Float64Array>();
  for (const [cpu, l] of guestCpus) guestEvents.set(cpu, eventsOf(l));
  const hp = prefixOf(host.source);
  return {
    host,
    guest,
    o,
    slack: o.slackNs ?? DEFAULT_SLACK_NS,
    maxOutside: o.maxOutsidePct ?? DEFAULT_MAX_OUTSIDE_PCT,
    stretchNs: host.doc.options.runnableStretchUs * 1000,
    H,
    G,
    hostLanes: lanesById(H),
    guestLanes,
    hp,
    gp,
    hRun: stateIdx(H, ['running', 'inferred']),
    hWait: stateIdx(H, ['runnable']),
    gBusy,
    gRunnable: stateIdx(G, ['runnable']),
    gIdle,
    guestName,
    guestCpus,
    guestThreads: guest.doc.threads.filter((t) => srcOf(t.source) === srcOf(guest.source) && t.tid > 0 && guestLanes.has(t.lane)),
    guestHasVcpus,
    guestEvents,
    hostSpan: sourceWindow(H, hp, host.doc.window),
    guestSpan: sourceWindow(G, gp, guest.doc.window),
  };
}

/** The candidate mappings (user's, else one per host VM), or why none exists. */
export function mapCpus(ctx: LinkCtx): Candidate[] | string {
  const { host, o, hostLanes } = ctx;
  const hostVcpus = host.doc.threads.filter((t) => t.vcpu !== null && srcOf(t.source) === srcOf(host.source) && hostLanes.has(t.lane));
  if (!hostVcpus.length) {
    return 'the host trace shows no vCPU threads (no QEMU-style `CPU N/KVM` names and no kvm events): nothing to map guest CPUs to; record the host with the sched and kvm events, or name the vCPU threads with --guest-vcpus';
  }
  const candidates: Candidate[] = [];
  if (o.guestVcpus && Object.keys(o.guestVcpus).length) {
    const map = new Map<number, HostVcpu>();
    const bad: string[] = [];
    for (const [cpu, tid] of Object.entries(o.guestVcpus)) {
      const t = host.doc.threads.find((x) => x.tid === tid && srcOf(x.source) === srcOf(host.source) && hostLanes.has(x.lane));
      if (t) map.set(Number(cpu), { t, lane: hostLanes.get(t.lane)! });
      else bad.push(`${cpu}=${tid}`);
    }
    if (bad.length) return `--guest-vcpus names host threads the host trace does not have: ${bad.join(', ')}`;
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
  return candidates;
}
