/**
 * Builds the plain-data parts of the `vpscope.trace/1` document from a scheduling
 * reconstruction: threads, VMs, CPUs, load and statistics. Findings come from `analysis.ts`,
 * which reads only these plain parts.
 */
import { EventKind } from './events';
import type { Identification } from './identify';
import type { ImportedTrace } from './importer';
import { latencyStats } from './quantiles';
import { EXIT_BUCKET_NS, IDLE, UNKNOWN, type SchedResult } from './reconstruct/sched';
import type { ThreadSched } from './reconstruct/model';
import type { CpuDoc, LoadDoc, ThreadDoc, TraceStatsDoc, TscOffsetDoc, VmDoc, WhoDoc } from './schema';
import { setOwn } from '../core/dict';

const TOP = 5;

export function statsDoc(trace: ImportedTrace): TraceStatsDoc {
  const s = trace.stats;
  const ev = trace.events;
  const unknownEvents: Record<string, number> = {};
  const eventsByName: Record<string, number> = {};
  ev.countsByName.forEach((n, id) => {
    if (!n) return;
    const name = ev.eventNames.name(id);
    setOwn(eventsByName, name, n);
    if (id >= EventKind.FirstUnknown) setOwn(unknownEvents, name, n);
  });
  if (trace.chrome) {
    for (const [ph, n] of Object.entries(s.detail.chromePhases ?? {})) setOwn(unknownEvents, `ph:${ph}`, n);
  }
  const c = s.counters;
  return {
    lines: s.lines,
    events: s.events,
    bytes: s.bytes,
    skippedLines: s.skippedLines,
    malformedLines: s.malformedLines,
    warnings: s.warnings,
    warningCount: s.warningCount,
    unknownEvents,
    eventsByName,
    inferred: {
      switchIns: c.inferred_switch_in ?? 0,
      runningNs: c.inferred_running_ns ?? 0,
      uncertainNs: c.uncertain_ns ?? 0,
      missingWakeups: c.missing_wakeup ?? 0,
      wakeupsFromWaking: c.wakeup_from_waking ?? 0,
      missingSwitchOuts: c.missing_switch_out ?? 0,
    },
    counters: s.counterValues(),
  };
}

/** The `kvm_write_tsc_offset` events, in time order (offsets as exact signed decimals). */
export function tscOffsetDocs(trace: ImportedTrace): TscOffsetDoc[] {
  const ev = trace.events;
  return ev.tscOffsets
    .map((w, i) => ({ w, i }))
    .sort((a, b) => a.w.ts - b.w.ts || a.i - b.i)
    .map(({ w }) => {
      const t = trace.threads.find(w.src, w.pid);
      const doc: TscOffsetDoc = { ts: w.ts, tid: w.pid, comm: t && t.comm >= 0 ? ev.comms.name(t.comm) : '', vcpu: w.vcpu, previousTscOffset: String(w.prev), nextTscOffset: String(w.next) };
      if (w.src > 0) doc.source = trace.sources[w.src];
      return doc;
    });
}

const mapToRecord = (m: Map<string, number>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) setOwn(out, k, v);
  return out;
};

/** Peak count of each reason over any 10 consecutive 100 ms buckets, as a per-second rate. */
function exitPeaks(t: ThreadSched, durationNs: number): Record<string, number> {
  const out: Record<string, number> = {};
  const window = Math.round(1e9 / EXIT_BUCKET_NS);
  for (const [reason, buckets] of t.exitBuckets) {
    // Slide over the buckets that hold exits (not over the time span): a window ending at
    // bucket k sums the buckets in (k - window, k].
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    let best = 0;
    let sum = 0;
    let lo = 0;
    for (const k of keys) {
      sum += buckets.get(k)!;
      while (keys[lo] <= k - window) sum -= buckets.get(keys[lo++])!;
      if (sum > best) best = sum;
    }
    // A trace shorter than 1 s cannot show a full window: scale its count to a rate.
    setOwn(out, reason, durationNs > 0 && durationNs < 1e9 ? Math.round((best * 1e9) / durationNs) : best);
  }
  return out;
}

export function threadDocs(trace: ImportedTrace, ident: Identification, r: SchedResult): ThreadDoc[] {
  const info = trace.threads.list;
  const ev = trace.events;
  const commOf = (idx: number): string => (info[idx].comm >= 0 ? ev.comms.name(info[idx].comm) : '<...>');
  const who = (idx: number): WhoDoc =>
    idx === IDLE ? { tid: 0, comm: '<idle>' } : idx === UNKNOWN ? { tid: -1, comm: 'unknown' } : { tid: info[idx].tid, comm: commOf(idx) };
  const src = (s: number): string | undefined => trace.sources[s] || undefined;
  const vmPidToId = new Map<number, string>();
  for (const vm of ident.vms) if (vm.pid >= 0) vmPidToId.set(trace.threads.index(vm.src, vm.pid), vm.id);
  const duration = r.endNs - r.startNs;
  const docs: ThreadDoc[] = [];
  for (const t of r.threads) {
    if (!t) continue;
    const total = t.runningNs + t.runnableNs + t.sleepingNs + t.blockedNs;
    const id = ident.vcpus.get(t.index);
    const ti = info[t.index];
    if (total === 0 && t.exits.size === 0 && !id) continue;
    const pre = t.preemptedBy.size ? [...t.preemptedBy].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([w, n]) => ({ ...who(w), count: n })) : [];
    const stolen = t.stolenBy.size ? [...t.stolenBy].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([w, ns]) => ({ ...who(w), ns })) : [];
    const d: ThreadDoc = {
      pid: t.tid,
      tid: t.tid,
      ...(ti.tgid >= 0 ? { tgid: ti.tgid } : {}),
      ...(src(t.src) ? { source: src(t.src) } : {}),
      comm: commOf(t.index),
      vcpu: id ? id.vcpu : null,
      vm: id ? id.vm : vmPidToId.get(t.index) ?? null,
      lane: `${trace.sources[t.src] ? trace.sources[t.src] + '/' : ''}pid:${t.tid}`,
      runningNs: t.runningNs,
      runnableNs: t.runnableNs,
      preemptedWaitNs: t.preemptedWaitNs,
      wokenWaitNs: t.wokenWaitNs,
      sleepingNs: t.sleepingNs,
      blockedNs: t.blockedNs,
      inferredRunningNs: t.inferredRunningNs,
      stealPct: t.runningNs + t.runnableNs > 0 ? round2((100 * t.runnableNs) / (t.runningNs + t.runnableNs)) : 0,
      preemptions: t.preemptions,
      voluntarySwitches: t.voluntary,
      switchIns: t.switchIns,
      inferredSwitchIns: t.inferredSwitchIns,
      migrations: t.migrations,
      wakeups: t.wakeups,
      missingWakeups: t.missingWakeups,
      wakeLatency: latencyStats(t.wakeLatency.view()),
      exits: mapToRecord(t.exits),
      exitPeakPerSec: exitPeaks(t, duration),
      preemptedBy: pre,
      stolenBy: stolen,
      longPreemptions: { count: t.stretchCount, totalNs: t.stretchNs, maxNs: t.stretchMaxNs, examples: t.stretches.slice() },
      wakeOutliers: { count: t.wakeOutliers, examples: t.wakeExamples.slice() },
    };
    if (t.userspaceExits.size) d.userspaceExits = mapToRecord(t.userspaceExits);
    if (t.pio.size) d.pio = mapToRecord(t.pio);
    if (t.mmio.size) d.mmio = mapToRecord(t.mmio);
    if (t.hypercalls) d.hypercalls = t.hypercalls;
    if (t.residenceCount > 0) {
      d.guest = {
        residence: latencyStats(t.residence.view()),
        guestNs: t.guestNs,
        hostNs: t.hostNs,
        longResidencesWithPendingWakeups: t.longResidences,
        examples: t.residenceExamples.slice(),
      };
    }
    docs.push(d);
  }
  // vCPUs first (by VM, then vCPU number), then the busiest other threads.
  docs.sort((a, b) => {
    if ((a.vcpu === null) !== (b.vcpu === null)) return a.vcpu === null ? 1 : -1;
    if (a.vcpu !== null && b.vcpu !== null) return (a.vm! < b.vm! ? -1 : a.vm! > b.vm! ? 1 : 0) || a.vcpu - b.vcpu;
    return b.runningNs - a.runningNs || a.tid - b.tid;
  });
  return docs;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function vmDocs(trace: ImportedTrace, ident: Identification, threads: ThreadDoc[], r: SchedResult): VmDoc[] {
  const byLane = new Map(threads.map((t) => [t.lane, t]));
  const duration = r.endNs - r.startNs;
  return ident.vms.map((vm) => {
    const vcpus = vm.vcpuThreads.map((idx) => {
      const ti = trace.threads.list[idx];
      const lane = `${trace.sources[ti.src] ? trace.sources[ti.src] + '/' : ''}pid:${ti.tid}`;
      return { doc: byLane.get(lane), tid: ti.tid, vcpu: ident.vcpus.get(idx)!.vcpu };
    });
    let running = 0;
    let runnable = 0;
    let exits = 0;
    for (const v of vcpus) {
      if (!v.doc) continue;
      running += v.doc.runningNs;
      runnable += v.doc.runnableNs;
      for (const n of Object.values(v.doc.exits)) exits += n;
    }
    const pcpus = r.nCpus[vm.src] || 1;
    return {
      id: vm.id,
      name: vm.name,
      ...(trace.sources[vm.src] ? { source: trace.sources[vm.src] } : {}),
      pid: vm.pid >= 0 ? vm.pid : null,
      how: vm.how,
      vcpus: vcpus.map((v) => ({ vcpu: v.vcpu, tid: v.tid, comm: v.doc?.comm ?? '' })),
      runningNs: running,
      runnableNs: runnable,
      stealPct: running + runnable > 0 ? round2((100 * runnable) / (running + runnable)) : 0,
      cpuShare: duration > 0 ? round2(running / (duration * pcpus)) : 0,
      exits,
    };
  });
}

export function cpuDocs(trace: ImportedTrace, r: SchedResult): CpuDoc[] {
  const info = trace.threads.list;
  const commOf = (idx: number): string => (info[idx].comm >= 0 ? trace.events.comms.name(info[idx].comm) : '<...>');
  return r.cpus
    .slice()
    .sort((a, b) => a.src - b.src || a.cpu - b.cpu)
    .map((c) => ({
      cpu: c.cpu,
      ...(trace.sources[c.src] ? { source: trace.sources[c.src] } : {}),
      busyNs: c.busyNs,
      idleNs: c.idleNs,
      inferredNs: c.inferredNs,
      switches: c.switches,
      top: [...c.byThread]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP)
        .map(([idx, ns]) => ({ tid: info[idx].tid, comm: commOf(idx), ns })),
    }));
}

export function loadDocs(trace: ImportedTrace, r: SchedResult): LoadDoc[] {
  const duration = r.endNs - r.startNs;
  const out: LoadDoc[] = [];
  r.activity.forEach((a, s) => {
    if (a.timeAtLevel.length <= 1 && !a.timeAtLevel[0]) return;
    const pcpus = r.nCpus[s] || 0;
    const nsBy: Record<string, number> = {};
    let over = 0;
    a.timeAtLevel.forEach((ns, level) => {
      if (!ns) return;
      nsBy[String(level)] = ns;
      if (pcpus > 0 && level > pcpus) over += ns;
    });
    if (Object.keys(nsBy).length <= 1 && nsBy['0'] !== undefined) return; // no vCPUs at all
    out.push({
      ...(trace.sources[s] ? { source: trace.sources[s] } : {}),
      pcpus,
      nsByRunnableVcpus: nsBy,
      oversubscribedNs: over,
      oversubscribedPct: duration > 0 ? round2((100 * over) / duration) : 0,
    });
  });
  return out;
}
