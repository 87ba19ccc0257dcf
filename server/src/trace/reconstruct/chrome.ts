/**
 * Chrome trace JSON into the shared timeline and per-thread documents. A Chrome trace has no
 * scheduler events, only slices per thread, so states come from slice categories or names:
 * vpscope's own export (core/chromeTrace.ts) writes `cat` = state and `name` = `state: cause`,
 * which round-trips exactly; for other producers the state words below are recognised and any
 * other slice counts as the thread being busy (running).
 *
 * Only top-level slices of a thread become lane intervals (nested ones are counted).
 */
import { dict } from '../../core/dict';
import { TimelineBuilder } from '../../core/timeline';
import type { ChromeData } from '../importers/chrome/events';
import type { ImportStats } from '../stats';
import { vcpuFromName } from '../identify';
import type { AnalysisOptions } from '../options';
import { EMPTY_LATENCY } from '../quantiles';
import type { CpuDoc, StretchDoc, ThreadDoc, VmDoc } from '../schema';
import { STATE_NAMES } from './model';

type Bucket = 'running' | 'runnable' | 'sleeping' | 'blocked' | 'idle';

/** No prototype: a slice named `toString` or `__proto__` is no state word. */
const BUCKETS: Readonly<Record<string, Bucket | undefined>> = dict<Bucket | undefined>({
  running: 'running', run: 'running', busy: 'running', inferred: 'running', guest: 'running', host: 'running',
  vtl0: 'running', vtl1: 'running', vtl2: 'running', compute: 'running',
  runnable: 'runnable', ready: 'runnable', preempted: 'runnable', waiting: 'runnable', steal: 'runnable',
  sleeping: 'sleeping', sleep: 'sleeping', blocked: 'blocked', io: 'blocked', idle: 'idle',
});

export interface ChromeAnalysis {
  threads: ThreadDoc[];
  vms: VmDoc[];
  cpus: CpuDoc[];
  timeline: TimelineBuilder;
  startNs: number;
  endNs: number;
  hasStates: boolean;
}

/** vCPU number from a lane name: the VMM names, plus `VP n` / `vCPU n` as simulations write them. */
function vcpuOfLabel(label: string): number {
  const n = vcpuFromName(label.replace(/ \(\d+\)$/, ''));
  if (n >= 0) return n;
  const m = /^(?:VP|vCPU|vcpu)\s*(\d+)\b/.exec(label);
  return m ? Number(m[1]) : -1;
}

export function analyzeChrome(d: ChromeData, stats: ImportStats, opts: AnalysisOptions): ChromeAnalysis {
  const tl = new TimelineBuilder([...STATE_NAMES]);
  const s = d.slices;
  const n = s.length;
  const startNs = Number.isFinite(d.minTs) ? d.minTs : 0;
  const endNs = Number.isFinite(d.maxTs) ? d.maxTs : startNs;
  const strings = d.strings;

  // Rows grouped by thread, sorted by start.
  const byThread = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = `${s.pid.get(i)}:${s.tid.get(i)}`;
    let rows = byThread.get(key);
    if (!rows) byThread.set(key, (rows = []));
    rows.push(i);
  }
  for (const key of d.threadNames.keys()) if (!byThread.has(key)) byThread.set(key, []);

  const threads: ThreadDoc[] = [];
  const cpus: CpuDoc[] = [];
  const vmMembers = new Map<number, { vcpu: number; tid: number; comm: string }[]>();
  let hasStates = false;
  const stretchNs = opts.runnableStretchUs * 1000;

  const keys = [...byThread.keys()].sort((a, b) => {
    const [pa, ta] = a.split(':').map(Number);
    const [pb, tb] = b.split(':').map(Number);
    return pa - pb || ta - tb;
  });
  for (const key of keys) {
    const rows = byThread.get(key)!;
    const [pid, tid] = key.split(':').map(Number);
    rows.sort((x, y) => s.start.get(x) - s.start.get(y) || s.depth.get(x) - s.depth.get(y));
    const label = d.threadNames.get(key) ?? `thread ${tid}`;
    const group = d.processNames.get(pid) ?? `pid:${pid}`;
    const vcpu = vcpuOfLabel(label);
    const isCpu = vcpu < 0 && /^(?:p?CPU|cpu)\s*\d+$/.test(label.replace(/^.*\//, ''));
    const lane = tl.lane(`chrome:${pid}:${tid}`, label, group, vcpu >= 0 ? 'vcpu' : isCpu ? 'pcpu' : 'thread');
    // The input's own ids, kept by the Chrome export (so it lines up with this input).
    if (Number.isInteger(tid) && tid > 0) lane.tid = tid;
    if (Number.isInteger(pid) && pid > 0) lane.pid = pid;
    const acc: Record<Bucket, number> = { running: 0, runnable: 0, sleeping: 0, blocked: 0, idle: 0 };
    let preemptions = 0;
    let wokenNs = 0;
    let lastBucket: Bucket | '' = '';
    let lastEnd = -Infinity;
    let topEnd = -Infinity;
    const stretches: StretchDoc[] = [];
    let stretchCount = 0;
    let stretchTotal = 0;
    let stretchMax = 0;
    const stolen = new Map<string, number>();
    for (const i of rows) {
      const start = s.start.get(i);
      const end = start + s.dur.get(i);
      if (start < topEnd) {
        stats.count('chrome_nested_slice');
        continue;
      }
      topEnd = end;
      const cat = strings.name(s.cat.get(i));
      const name = strings.name(s.name.get(i));
      const colon = name.indexOf(': ');
      const stateWord = BUCKETS[cat] ? cat : colon > 0 && BUCKETS[name.slice(0, colon)] ? name.slice(0, colon) : BUCKETS[name] ? name : '';
      const cause = stateWord && colon > 0 && name.slice(0, colon) === stateWord ? name.slice(colon + 2) : stateWord ? '' : name;
      const bucket: Bucket = (stateWord && BUCKETS[stateWord]) || 'running';
      if (stateWord) hasStates = true;
      const dur = end - start;
      acc[bucket] += dur;
      // A runnable slice that directly follows running is a preemption unless its cause says it
      // was a wakeup (vpscope's export names such waits "runnable: woken").
      const wokenWait = cause === 'woken';
      if (bucket === 'runnable' && wokenWait) wokenNs += dur;
      else if (bucket === 'runnable') {
        if (lastBucket === 'running' && start === lastEnd) preemptions++;
        if (cause) stolen.set(cause, (stolen.get(cause) ?? 0) + dur);
        if (dur > stretchNs) {
          stretchCount++;
          stretchTotal += dur;
          stretchMax = Math.max(stretchMax, dur);
          stretches.push({ startNs: start, durationNs: dur, who: cause || 'unknown', cpu: -1 });
        }
      }
      lastBucket = bucket;
      lastEnd = end;
      lane.push(start, end, tl.states.id(stateWord || 'running'), cause ? tl.causes.id(cause) : -1);
    }
    if (isCpu) {
      // Exports may omit idle slices: idle is whatever the window leaves.
      const idle = acc.idle || Math.max(0, endNs - startNs - acc.running);
      cpus.push({ cpu: Number(/\d+$/.exec(label)![0]), source: group, busyNs: acc.running, idleNs: idle, inferredNs: 0, switches: 0, top: [] });
      continue;
    }
    // Lanes labelled `comm (tid)` (vpscope's own export) give back the real thread id.
    const named = /^(.*) \((\d+)\)$/.exec(label);
    const comm = named ? named[1] : label;
    const realTid = named ? Number(named[2]) : tid;
    stretches.sort((x, y) => y.durationNs - x.durationNs);
    const demand = acc.running + acc.runnable;
    const vm = vcpu >= 0 ? `vm:${pid}` : null;
    if (vcpu >= 0) {
      let m = vmMembers.get(pid);
      if (!m) vmMembers.set(pid, (m = []));
      m.push({ vcpu, tid: realTid, comm });
    }
    threads.push({
      pid: realTid,
      tid: realTid,
      ...(named ? {} : { tgid: pid }),
      comm,
      vcpu: vcpu >= 0 ? vcpu : null,
      vm,
      lane: lane.id,
      runningNs: acc.running,
      runnableNs: acc.runnable,
      preemptedWaitNs: acc.runnable - wokenNs,
      wokenWaitNs: wokenNs,
      sleepingNs: acc.sleeping + acc.idle,
      blockedNs: acc.blocked,
      inferredRunningNs: 0,
      stealPct: demand > 0 ? Math.round((10000 * acc.runnable) / demand) / 100 : 0,
      preemptions,
      voluntarySwitches: 0,
      switchIns: 0,
      inferredSwitchIns: 0,
      migrations: 0,
      wakeups: 0,
      missingWakeups: 0,
      wakeLatency: { ...EMPTY_LATENCY },
      exits: {},
      exitPeakPerSec: {},
      preemptedBy: [],
      stolenBy: [...stolen].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([comm, ns]) => ({ tid: -1, comm, ns })),
      longPreemptions: { count: stretchCount, totalNs: stretchTotal, maxNs: stretchMax, examples: stretches.slice(0, opts.examplesPerThread) },
      wakeOutliers: { count: 0, examples: [] },
    });
  }
  const duration = endNs - startNs;
  const vms: VmDoc[] = [...vmMembers].map(([pid, members]) => {
    const mine = threads.filter((t) => t.vm === `vm:${pid}`);
    const running = mine.reduce((x, t) => x + t.runningNs, 0);
    const runnable = mine.reduce((x, t) => x + t.runnableNs, 0);
    return {
      id: `vm:${pid}`,
      name: d.processNames.get(pid) ?? `pid ${pid}`,
      pid,
      how: 'tgid',
      vcpus: members.sort((a, b) => a.vcpu - b.vcpu),
      runningNs: running,
      runnableNs: runnable,
      stealPct: running + runnable > 0 ? Math.round((10000 * runnable) / (running + runnable)) / 100 : 0,
      cpuShare: duration > 0 ? Math.round((100 * running) / (duration * Math.max(1, cpus.length))) / 100 : 0,
      exits: 0,
    };
  });
  threads.sort((a, b) => {
    if ((a.vcpu === null) !== (b.vcpu === null)) return a.vcpu === null ? 1 : -1;
    if (a.vcpu !== null && b.vcpu !== null) return (a.vm! < b.vm! ? -1 : a.vm! > b.vm! ? 1 : 0) || a.vcpu - b.vcpu;
    return b.runningNs - a.runningNs || a.tid - b.tid;
  });
  return { threads, vms, cpus, timeline: tl, startNs, endNs, hasStates };
}
