/**
 * Findings from an analysed trace, in the same `Finding` shape simulations produce. Reads only
 * the plain-data parts of the document (threads, VMs, load, stats), so Chrome and ftrace inputs
 * get the same checks. Codes: see codes.ts; thresholds: see options.ts.
 */
import type { Finding } from '../core/findings';
import { severityRank } from '../core/diagnostic';
import { finding, TraceCodes } from './codes';
import type { AnalysisOptions } from './options';
import type { LoadDoc, ThreadDoc, TraceStatsDoc, VmDoc } from './schema';
import { fmtCount, fmtNs, fmtPercent, fmtTs } from '../core/format';

export interface AnalysisInput {
  threads: ThreadDoc[];
  vms: VmDoc[];
  load: LoadDoc[];
  stats: TraceStatsDoc;
  window: { startNs: number; endNs: number; durationNs: number };
  /** True when the input had sched_switch events (text formats) or state slices (Chrome). */
  hasSchedData: boolean;
}

/** Waits shorter than this in total are not worth a steal finding, whatever the share (1 ms). */
const MIN_STEAL_NS = 1e6;

const times = (n: number): string => (n === 1 ? 'once' : `${fmtCount(n)} times`);

const who = (t: { comm: string; tid: number }): string => (t.tid > 0 ? `${t.comm} (${t.tid})` : t.comm);

function vcpuName(t: ThreadDoc, vms: Map<string, VmDoc>): string {
  const vm = t.vm ? vms.get(t.vm) : undefined;
  return `vCPU ${t.vcpu}${vm ? ` of ${vm.name}` : ''} (thread ${who(t)})`;
}

export function traceFindings(a: AnalysisInput, o: AnalysisOptions): Finding[] {
  const out: Finding[] = [];
  const vms = new Map(a.vms.map((v) => [v.id, v]));
  const vcpus = a.threads.filter((t) => t.vcpu !== null);
  const vcpuTids = new Map<string, Set<number>>();
  for (const t of vcpus) {
    const k = t.vm ?? '';
    if (!vcpuTids.has(k)) vcpuTids.set(k, new Set());
    vcpuTids.get(k)!.add(t.tid);
  }
  const durationS = a.window.durationNs / 1e9;

  for (const t of vcpus) {
    const name = vcpuName(t, vms);
    const demand = t.runningNs + t.runnableNs;
    const thieves = t.stolenBy.filter((s) => s.ns > 0);
    const thiefText = thieves.length
      ? thieves.slice(0, 3).map((s) => `${who(s)} ${fmtPercent((100 * s.ns) / Math.max(1, t.runnableNs))}`).join(', ')
      : 'unknown';

    // VPS331: steal.
    if (t.runnableNs >= MIN_STEAL_NS && t.stealPct > o.stealPct) {
      out.push(finding(TraceCodes.steal, {
        message: `${name} was runnable but not running for ${fmtNs(t.runnableNs)}, ${fmtPercent(t.stealPct)} of the ${fmtNs(demand)} it wanted the CPU (threshold ${o.stealPct}%). The guest sees this as steal time. The CPU went to: ${thiefText}.`,
        lane: t.lane,
        startNs: a.window.startNs,
        // A total over the whole trace, not one stretch: the finding spans the window (the total is in `data`).
        durationNs: a.window.durationNs,
        causes: [`vCPU ${t.vcpu} runnable ${fmtPercent(t.stealPct)} of its demand`, `its pCPU was busy with: ${thiefText}`],
        fix: 'Give latency-sensitive vCPUs pCPUs of their own (pinning or a cpupool), move host work off those pCPUs, or lower the number of vCPUs per pCPU.',
        data: { tid: t.tid, vcpu: t.vcpu!, runnableNs: t.runnableNs, runningNs: t.runningNs, stealPct: t.stealPct },
      }));
    }

    // VPS332: long preempted stretches, naming who took the CPU.
    if (t.longPreemptions.count > 0) {
      const ex = t.longPreemptions.examples[0];
      out.push(finding(TraceCodes.preemptedStretch, {
        message: `${name} was preempted (switched out runnable, R/R+) and kept waiting longer than ${fmtNs(o.runnableStretchUs * 1000)} ${times(t.longPreemptions.count)}, ${fmtNs(t.longPreemptions.totalNs)} in total; the longest wait was ${fmtNs(ex.durationNs)} at ${fmtTs(ex.startNs)} on CPU ${ex.cpu}, while ${ex.who} ran there. Over all its waits the CPU went to: ${thiefText}.`,
        lane: t.lane,
        startNs: ex.startNs,
        durationNs: ex.durationNs,
        causes: [`vCPU ${t.vcpu} preempted while runnable`, `CPU ${ex.cpu} taken by ${ex.who}`],
        fix: 'If the guest runs spinning or latency-sensitive work, avoid vCPU preemption: dedicated pCPUs, fewer vCPUs than pCPUs, higher priority for vCPU threads, or blocking / paravirt wait policies in the guest.',
        data: { tid: t.tid, vcpu: t.vcpu!, count: t.longPreemptions.count, totalNs: t.longPreemptions.totalNs, maxNs: t.longPreemptions.maxNs, topThief: thieves[0] ? who(thieves[0]) : '' },
      }));
    }

    // VPS333: long guest residence with pending wakeups (needs kvm_entry / kvm_exit).
    if (t.guest && t.guest.longResidencesWithPendingWakeups > 0) {
      const ex = t.guest.examples[0];
      out.push(finding(TraceCodes.longResidence, {
        message: `${name} stayed in the guest longer than ${fmtNs(o.guestResidenceUs * 1000)} between exits ${times(t.guest.longResidencesWithPendingWakeups)} while host threads woken onto its CPU waited; the longest: ${fmtNs(ex.durationNs)} at ${fmtTs(ex.startNs)} on CPU ${ex.cpu}, waiting: ${ex.who || 'host work'}.`,
        lane: t.lane,
        startNs: ex.startNs,
        durationNs: ex.durationNs,
        causes: ['guest residence without exits', `host work pending on CPU ${ex.cpu}: ${ex.who}`],
        fix: 'Host work that shares a pCPU with a vCPU only runs when the vCPU exits or is preempted: move it to other pCPUs, or make sure the host can interrupt the guest (preemption timer, tick).',
        data: { tid: t.tid, vcpu: t.vcpu!, count: t.guest.longResidencesWithPendingWakeups, maxNs: ex.durationNs },
      }));
    }

    // VPS334: exit storms.
    for (const [reason, perSec] of Object.entries(t.exitPeakPerSec)) {
      if (perSec <= o.exitStormPerSec) continue;
      out.push(finding(TraceCodes.exitStorm, {
        message: `${name} exited ${fmtCount(perSec)} times per second for ${reason} at its peak (threshold ${fmtCount(o.exitStormPerSec)}/s; ${fmtCount(t.exits[reason] ?? 0)} such exits in the trace).`,
        lane: t.lane,
        startNs: a.window.startNs,
        causes: [`exit storm: ${reason}`],
        fix: exitFix(reason),
        data: { tid: t.tid, vcpu: t.vcpu!, reason, perSec, total: t.exits[reason] ?? 0 },
      }));
    }

    // VPS352: preempted by sibling vCPUs (lock-holder / lock-waiter preemption risk).
    const sibs = vcpuTids.get(t.vm ?? '') ?? new Set<number>();
    const bySiblings = thieves.filter((s) => s.tid !== t.tid && sibs.has(s.tid)).reduce((x, s) => x + s.ns, 0);
    if (bySiblings >= MIN_STEAL_NS && bySiblings > 0.5 * t.runnableNs) {
      out.push(finding(TraceCodes.siblingPreemption, {
        message: `${name} lost ${fmtNs(bySiblings)} (${fmtPercent((100 * bySiblings) / t.runnableNs)} of its waits) to other vCPUs of the same VM: more runnable vCPUs than pCPUs. A guest spinning on a lock or barrier held by a preempted sibling wastes its whole slice (lock-holder / lock-waiter preemption).`,
        lane: t.lane,
        startNs: a.window.startNs,
        // A total over the whole trace, not one stretch: the finding spans the window (the total is in `data`).
        durationNs: a.window.durationNs,
        causes: ['vCPUs of one VM compete for the same pCPUs', 'spinning guests waste slices on preempted siblings'],
        fix: 'Use blocking or paravirt wait policies in the guest, enable pause-loop exiting, adapt the guest degree of parallelism, or give the VM at least as many pCPUs as vCPUs.',
        data: { tid: t.tid, vcpu: t.vcpu!, bySiblingsNs: bySiblings },
      }));
    }

    // VPS354: frequent migrations.
    if (durationS > 0 && t.migrations / durationS > o.migrationsPerSec && t.migrations >= 10) {
      out.push(finding(TraceCodes.migrations, {
        message: `${name} migrated between pCPUs ${times(t.migrations)} (${(t.migrations / durationS).toFixed(0)}/s; threshold ${o.migrationsPerSec}/s). Each migration costs cache warmth and may delay the vCPU.`,
        lane: t.lane,
        startNs: a.window.startNs,
        fix: 'Pin vCPU threads (or restrict them to a cpuset) if their placement matters.',
        data: { tid: t.tid, vcpu: t.vcpu!, migrations: t.migrations },
      }));
    }
  }

  // VPS350: wake-up latency outliers on vCPUs and VMM threads.
  for (const t of a.threads) {
    if (t.vm === null || t.wakeOutliers.count === 0) continue;
    const ex = t.wakeOutliers.examples[0];
    const name = t.vcpu !== null ? vcpuName(t, vms) : `VMM thread ${who(t)}`;
    out.push(finding(TraceCodes.wakeLatency, {
      message: `${name} waited more than ${fmtNs(o.wakeLatencyUs * 1000)} from wakeup to running ${times(t.wakeOutliers.count)} (p50 ${fmtNs(t.wakeLatency.p50)}, p99 ${fmtNs(t.wakeLatency.p99)}, max ${fmtNs(t.wakeLatency.max)}); the longest at ${fmtTs(ex.startNs)} on CPU ${ex.cpu}, while ${ex.who} ran there.`,
      lane: t.lane,
      startNs: ex.startNs,
      durationNs: ex.durationNs,
      causes: ['woken but not scheduled', `CPU ${ex.cpu} busy with ${ex.who}`],
      fix: 'Keep the pCPUs of latency-sensitive vCPUs free of competing work, or raise the priority of the VMM threads that must react quickly.',
      data: { tid: t.tid, count: t.wakeOutliers.count, p99: t.wakeLatency.p99, max: t.wakeLatency.max },
    }));
  }

  // VPS351: oversubscription; VPS353: host threads taking CPU from a VM's vCPUs.
  for (const l of a.load) {
    if (l.pcpus > 0 && l.oversubscribedPct > o.oversubscribedPct) {
      const peak = Math.max(...Object.keys(l.nsByRunnableVcpus).map(Number));
      out.push(finding(TraceCodes.oversubscribed, {
        message: `For ${fmtNs(l.oversubscribedNs)} (${fmtPercent(l.oversubscribedPct)} of the trace) more vCPU threads were runnable than the ${l.pcpus} pCPUs${l.source ? ` of ${l.source}` : ''} (up to ${peak} at once), so some vCPUs always waited.`,
        startNs: a.window.startNs,
        // A total over the whole trace, not one stretch: the finding spans the window (the total is in `data`).
        durationNs: a.window.durationNs,
        causes: ['runnable vCPUs > pCPUs'],
        fix: 'Reduce the vCPUs per pCPU for latency-sensitive guests, or make sure the guests block rather than spin when they wait.',
        data: { pcpus: l.pcpus, oversubscribedNs: l.oversubscribedNs, oversubscribedPct: l.oversubscribedPct, peakRunnableVcpus: peak },
      }));
    }
  }
  for (const vm of a.vms) {
    const mine = vcpus.filter((t) => t.vm === vm.id);
    const all = vcpuTids.get(vm.id) ?? new Set();
    const allVcpus = new Set(vcpus.map((t) => t.tid));
    const host = new Map<string, number>();
    let waited = 0;
    for (const t of mine) {
      waited += t.runnableNs;
      for (const s of t.stolenBy) {
        if (s.tid <= 0 || all.has(s.tid) || allVcpus.has(s.tid)) continue;
        host.set(who(s), (host.get(who(s)) ?? 0) + s.ns);
      }
    }
    const hostNs = [...host.values()].reduce((x, y) => x + y, 0);
    if (hostNs >= MIN_STEAL_NS && waited > 0 && hostNs > 0.1 * waited) {
      const top = [...host].sort((x, y) => y[1] - x[1]).slice(0, 3);
      out.push(finding(TraceCodes.hostInterference, {
        message: `Host threads outside the VM took ${fmtNs(hostNs)} of CPU from the vCPUs of ${vm.name} while they were runnable (${fmtPercent((100 * hostNs) / waited)} of their waits): ${top.map(([n, ns]) => `${n} ${fmtNs(ns)}`).join(', ')}.`,
        startNs: a.window.startNs,
        durationNs: hostNs,
        causes: ['host threads share the vCPUs\' pCPUs', `top: ${top[0][0]}`],
        fix: 'Move this host work to other pCPUs (cpusets, a cpupool for the VM) or lower its priority.',
        data: { vm: vm.id, hostNs, top: top[0][0] },
      }));
    }
  }

  // Data quality.
  const s = a.stats;
  if (s.malformedLines > 0) {
    const first = s.warnings[0];
    out.push(finding(TraceCodes.malformedLines, {
      message: `${fmtCount(s.malformedLines)} line(s) could not be parsed and were skipped; the rest loaded.${first ? ` First: line ${first.line} (byte ${first.offset}): ${first.reason}.` : ''}`,
      fix: 'Check that the file is complete and unmodified output of the tool that wrote it (tracefs, trace-cmd report, perf script, a Chrome trace JSON writer); the message names the first skipped line and why it was skipped.',
      data: { malformedLines: s.malformedLines, firstLine: first?.line ?? 0 },
    }));
  }
  const lost = s.counters.lost_events?.value ?? 0;
  if (lost > 0) {
    out.push(finding(TraceCodes.lostEvents, {
      message: `The tracer reported ${fmtCount(lost)} lost events (ring buffer overrun): states around them are guesses.`,
      fix: 'Record with a larger buffer (buffer_size_kb / trace-cmd -b), fewer events, or trace-cmd record streaming to disk.',
      data: { lostEvents: lost },
    }));
  }
  const inf = s.inferred;
  if (inf.switchIns + inf.missingWakeups + inf.missingSwitchOuts > 0) {
    out.push(finding(TraceCodes.inferred, {
      message: `The trace has scheduling gaps that the analysis filled in: ${fmtCount(inf.switchIns)} switch-ins inferred from the task's first event on its CPU (${fmtNs(inf.runningNs)} of running time, within windows totalling ${fmtNs(inf.uncertainNs)}), ${fmtCount(inf.missingWakeups)} runs without a recorded wakeup, ${fmtCount(inf.wakeupsFromWaking)} wakeups dated by sched_waking, ${fmtCount(inf.missingSwitchOuts)} lost switch-outs. Inferred time is drawn as "inferred" in the timeline.`,
      fix: 'Usually a tracer limitation (e.g. idle-loop switches not recorded). Numbers that depend on these tasks carry this much uncertainty.',
      data: { ...inf },
    }));
  }
  const unknown = Object.entries(s.unknownEvents);
  if (unknown.length > 0) {
    const total = unknown.reduce((x, [, n]) => x + n, 0);
    out.push(finding(TraceCodes.unknownEvents, {
      message: `${fmtCount(total)} events of ${unknown.length} kind(s) the analysis does not use were kept and counted: ${unknown.sort((x, y) => y[1] - x[1]).slice(0, 5).map(([n, c]) => `${n} (${fmtCount(c)})`).join(', ')}.`,
      data: { total, kinds: unknown.length },
    }));
  }
  if (!a.hasSchedData && s.events > 0) {
    out.push(finding(TraceCodes.noSchedEvents, {
      message: 'The trace has no sched_switch events (or Chrome state slices), so per-thread running / runnable times and vCPU findings are not available.',
      fix: 'Record sched:sched_switch, sched:sched_wakeup, sched:sched_waking and sched:sched_migrate_task, plus kvm:kvm_entry / kvm:kvm_exit where available.',
    }));
  }
  const back = s.counters.timestamp_backwards?.value ?? 0;
  if (back > 0) {
    out.push(finding(TraceCodes.clockBackwards, {
      message: `${fmtCount(back)} events had a timestamp earlier than the event before them; they were treated as simultaneous with it.`,
      fix: 'Use a global trace clock (trace_clock=global or mono) when CPUs\' local clocks are not synchronised.',
      data: { events: back },
    }));
  }

  out.sort((x, y) => severityRank[x.severity] - severityRank[y.severity] || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0) || (x.startNs ?? 0) - (y.startNs ?? 0));
  return out;
}

function exitFix(reason: string): string {
  const r = reason.toUpperCase();
  if (r.includes('IO')) return 'Port or MMIO accesses exit to the VMM each time: use paravirtual devices (virtio) or batch the accesses; a barrier or doorbell on a port is a classic storm.';
  if (r.includes('HLT')) return 'Frequent HLT exits mean the guest idles and wakes often: consider halt polling or idle=poll for latency-sensitive guests.';
  if (r.includes('PAUSE')) return 'Pause-loop exits mean spinning vCPUs: the lock holder is likely preempted; reduce oversubscription.';
  if (r.includes('MSR')) return 'MSR exits: check timer (TSC deadline) programming and use paravirtual clocks.';
  if (r.includes('EXTERNAL_INTERRUPT') || r === 'INTR') return 'Many host interrupts land on the vCPU\'s pCPU: steer host IRQs away from it (irqbalance, isolcpus).';
  if (r.includes('EPT') || r.includes('NPF')) return 'Frequent nested page faults: check memory backing (huge pages, pre-faulting).';
  return 'Find what triggers these exits in the guest and whether a paravirtual interface avoids them.';
}
