/**
 * Chrome trace event export of a {@link TimelineData}: one process per lane group (a VM, the
 * host, a traced process), one thread per lane, one complete (`X`) event per interval. Perfetto and
 * chrome://tracing open the result. Timestamps are microseconds (the format's unit) with ns
 * precision kept as fractions.
 *
 * Beside the intervals:
 * - Imported threads keep their real ids (pid = the thread group when the trace tells it, tid =
 *   the thread), so the export can be laid beside the original trace; lanes without real ids
 *   (CPUs, simulated runs) get synthetic ones, numbered from 1 when no lane has real ids, else
 *   above Linux's largest pid (2^22, PID_MAX_LIMIT in include/linux/threads.h) so they never
 *   collide with a real one. A real tid met twice (two input files) is given a synthetic one.
 * - Wake-ups with a known waker are flow events (`s` on the waker's running slice, `f` with
 *   `bp:"e"` on the wakee's runnable slice), drawn as arrows by Perfetto.
 * - Per lane group with vCPU lanes (a VM), counters (`C`): `runnable vCPUs` with args `running`
 *   and `waiting` (runnable without a CPU: steal; chrome://tracing stacks them to the runnable
 *   total, Perfetto shows one track per arg), and `steal ms` (the waiting time summed from the
 *   start, the cumulative figure a guest's /proc/stat steal column shows).
 * - Per CPU pool, when the caller names pools (a simulated scenario's Xen cpupools): the same two
 *   counters over the vCPU lanes of the pool's VMs, on a process of their own (`pool NAME`), so
 *   the runnable vCPUs can be read against the pool's pCPUs. A real trace names no pools (ftrace
 *   and trace-cmd record no cpupool or cpuset membership): its counters stay per VM, and
 *   `otherData.counters` says so.
 * - Findings and stalls are instant events (`i`) with `args` {code, message, size (ns)}.
 *
 * {@link chromeTraceStream} yields the text piece by piece (about 64 KiB) from a
 * {@link TimelineSource} (lanes still in typed arrays, or read through an index map), so nothing
 * proportional to the timeline is held besides the timeline itself (and, while one VM's counters
 * are written, two doubles per interval of its vCPU lanes); {@link toChromeTraceChunks} and {@link toChromeTrace} collect the
 * same text.
 */
import type { Finding, Stall } from './findings';
import { runnableSweep, vcpuGroups } from './runnableCounters';
import { timelineSourceOf, type LaneSource, type TimelineData, type TimelineSource } from './timeline';

export interface ChromeExportOptions {
  /** Skip intervals in these states (e.g. `idle`) to keep files small. */
  omitStates?: string[];
  /** Findings to add as instant events on their lanes. */
  findings?: Finding[];
  /** Stalls (simulated runs) to add as instant events. */
  stalls?: Stall[];
  /** Extra metadata written to `otherData`. */
  meta?: Record<string, string | number>;
  /** CPU pools: counters are added per pool over the vCPU lanes of its lane groups (VMs). */
  pools?: ChromePool[];
}

/** A CPU pool (a Xen cpupool, a cpuset) for {@link ChromeExportOptions.pools}. */
export interface ChromePool {
  /** Its name, shown as the process `pool NAME`. */
  name: string;
  /** Lane groups (e.g. `vm:web`) whose `vcpu` lanes belong to it. */
  groups: string[];
  /** Its physical CPUs, when known (shown in the process name). */
  pcpus?: number;
}

/** `otherData.counters` of an imported trace's export (no pools given). */
export const NO_POOLS_NOTE = 'per VM: the trace defines no CPU pools';

/** Synthetic ids start above every real Linux pid when real ids are present (2^22). */
export const SYNTHETIC_ID_BASE = 1 << 22;

const usOf = (ns: number): number => Math.round(ns) / 1000;

/**
 * The whole export as an array of chunks (the text is held at once: ~100 B per event). Writers
 * of large timelines iterate {@link chromeTraceStream} instead.
 */
export function toChromeTraceChunks(tl: TimelineData, opts: ChromeExportOptions = {}): string[] {
  return [...chromeTraceStream(timelineSourceOf(tl), opts)];
}

export function toChromeTrace(tl: TimelineData, opts: ChromeExportOptions = {}): string {
  return toChromeTraceChunks(tl, opts).join('');
}

/**
 * The same text as {@link toChromeTraceChunks} (joined), generated lazily from a timeline whose
 * lanes are read through {@link TimelineSource}: pieces of about 64 KiB, for writers with
 * backpressure.
 */
export function* chromeTraceStream(tl: TimelineSource, opts: ChromeExportOptions = {}): Generator<string> {
  const omit = new Set(opts.omitStates ?? []);
  const ids = assignIds(tl.lanes, opts.pools ?? []);
  const tidOf = new Map<string, { pid: number; tid: number }>();
  tl.lanes.forEach((lane, i) => tidOf.set(lane.id, ids.lane[i]));
  const events: string[] = [];
  for (const [pid, name] of ids.processes) {
    events.push(JSON.stringify({ ph: 'M', ts: 0, name: 'process_name', pid, tid: 0, args: { name } }));
    events.push(JSON.stringify({ ph: 'M', ts: 0, name: 'process_sort_index', pid, tid: 0, args: { sort_index: ids.order.get(pid) } }));
  }
  tl.lanes.forEach((lane, i) => {
    const { pid, tid } = ids.lane[i];
    events.push(JSON.stringify({ ph: 'M', ts: 0, name: 'thread_name', pid, tid, args: { name: lane.label } }));
    events.push(JSON.stringify({ ph: 'M', ts: 0, name: 'thread_sort_index', pid, tid, args: { sort_index: i + 1 } }));
  });
  yield '{"traceEvents":[\n';
  yield events.join(',\n');
  let first = events.length === 0;
  events.length = 0;
  // Names and categories as JSON, per state and cause index (the same few strings repeat).
  const stateJson = tl.states.map((s) => JSON.stringify(s));
  const nameJson = new Map<number, string>();
  for (let li = 0; li < tl.lanes.length; li++) {
    const lane = tl.lanes[li];
    const { pid, tid } = ids.lane[li];
    const head = `{"ph":"X","pid":${pid},"tid":${tid},"ts":`;
    let buf = '';
    for (let i = 0; i < lane.length; i++) {
      const st = lane.stateAt(i);
      const state = tl.states[st] ?? 'unknown';
      if (omit.has(state)) continue;
      const c = lane.causeAt(i);
      const cacheable = st >= 0 && st < 4096 && c >= -1 && c < 1048575;
      const key = st * 1048576 + c + 1;
      let names = cacheable ? nameJson.get(key) : undefined;
      if (names === undefined) {
        const cause = c >= 0 ? tl.causes[c] : undefined;
        names = `,"name":${JSON.stringify(cause ? `${state}: ${cause}` : state)},"cat":${stateJson[st] ?? JSON.stringify(state)}}`;
        if (cacheable) nameJson.set(key, names);
      }
      const a = lane.startAt(i);
      buf += (first ? '' : ',\n') + head + usOf(a) + ',"dur":' + usOf(lane.endAt(i) - a) + names;
      first = false;
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  // Wake-up arrows: one flow (`s` then `f`) per wake-up whose waker is known.
  const wakes = tl.wakes;
  if (wakes) {
    let buf = '';
    for (let i = 0; i < wakes.length; i++) {
      const fi = wakes.fromAt(i);
      const ti = wakes.toAt(i);
      const from = ids.lane[fi];
      const to = ids.lane[ti];
      // Only arrows both ends of which sit on an exported slice (Perfetto drops the others).
      if (!from || !to || !onSlice(tl, tl.lanes[fi], wakes.startAt(i), omit) || !onSlice(tl, tl.lanes[ti], wakes.endAt(i), omit)) continue;
      const id = i + 1;
      buf +=
        (first ? '' : ',\n') +
        `{"ph":"s","id":${id},"name":"wakeup","cat":"wakeup","pid":${from.pid},"tid":${from.tid},"ts":${usOf(wakes.startAt(i))}},\n` +
        `{"ph":"f","bp":"e","id":${id},"name":"wakeup","cat":"wakeup","pid":${to.pid},"tid":${to.tid},"ts":${usOf(wakes.endAt(i))}}`;
      first = false;
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  {
    let buf = '';
    for (const piece of counterEvents(tl, ids, opts.pools ?? [])) {
      buf += (first ? '' : ',\n') + piece;
      first = false;
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  for (const f of opts.findings ?? []) {
    if (f.startNs === undefined) continue;
    const where = f.lane ? tidOf.get(f.lane) : undefined;
    const ev = {
      ph: 'i',
      s: where ? 't' : 'g',
      pid: where?.pid ?? 0,
      tid: where?.tid ?? 0,
      ts: usOf(f.startNs),
      name: `${f.code} ${f.title}`,
      cat: 'finding',
      args: { code: f.code, severity: f.severity, message: f.message, size: f.durationNs ?? 0, durationNs: f.durationNs ?? 0 },
    };
    yield (first ? '' : ',\n') + JSON.stringify(ev);
    first = false;
  }
  for (const s of opts.stalls ?? []) {
    const message = `${s.task}${s.vp >= 0 ? ` (VP ${s.vp})` : ''} could not progress for ${(s.durationNs / 1e6).toFixed(3)} ms: ${(s.causes && s.causes.length ? s.causes : [s.cause]).join(' <- ')}`;
    const ev = {
      ph: 'i',
      s: 'g',
      pid: 0,
      tid: 0,
      ts: usOf(s.startNs),
      name: `stall ${s.cause}`,
      cat: 'stall',
      args: { code: s.cause, message, size: s.durationNs, task: s.task, vp: s.vp },
    };
    yield (first ? '' : ',\n') + JSON.stringify(ev);
    first = false;
  }
  yield '\n],"displayTimeUnit":"ns","otherData":';
  // An imported trace (lanes with OS thread ids) records no cpupool or cpuset membership: say
  // that its counters are per VM, not per pool.
  const imported = !opts.pools && tl.lanes.some((l) => l.tid !== undefined);
  yield JSON.stringify({ generator: 'vpscope', ...(opts.meta ?? {}), ...(imported ? { counters: NO_POOLS_NOTE } : {}) });
  yield '}\n';
}

/** True when an exported interval of `lane` contains `ts` (ends included). */
function onSlice(tl: TimelineSource, lane: LaneSource, ts: number, omit: Set<string>): boolean {
  let lo = 0;
  let hi = lane.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (lane.startAt(mid) <= ts) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = at; i >= 0 && i >= at - 1; i--) {
    if (lane.endAt(i) >= ts && !omit.has(tl.states[lane.stateAt(i)] ?? 'unknown')) return true;
  }
  return false;
}

interface Ids {
  /** Chrome pid and tid per lane (by index). */
  lane: { pid: number; tid: number }[];
  /** Process names by Chrome pid, in order of first appearance. */
  processes: Map<number, string>;
  /** Sort index per Chrome pid. */
  order: Map<number, number>;
  /** The Chrome pid that carries a lane group's counters. */
  groupPid: Map<string, number>;
  /** The Chrome pid of each pool's counters (by index in the pools). */
  poolPid: number[];
}

/** Chrome pids and tids of the lanes: real ones where the lane has them, synthetic otherwise. */
function assignIds(lanes: readonly LaneSource[], pools: readonly ChromePool[]): Ids {
  const anyReal = lanes.some((l) => l.tid !== undefined && l.tid > 0);
  const base = anyReal ? SYNTHETIC_ID_BASE : 0;
  const synthPid = new Map<string, number>();
  const usedTid = new Set<number>();
  const lane: { pid: number; tid: number }[] = [];
  const pidsOfGroup = new Map<string, Set<number>>();
  const groupsOfPid = new Map<number, Set<string>>();
  const labelOfTid = new Map<number, string>();
  let nextTid = base + 1;
  const groupSynth = (g: string): number => {
    let p = synthPid.get(g);
    if (p === undefined) {
      p = base + synthPid.size + 1;
      synthPid.set(g, p);
    }
    return p;
  };
  for (const l of lanes) {
    let id: { pid: number; tid: number };
    if (l.tid !== undefined && l.tid > 0 && !usedTid.has(l.tid)) {
      id = { pid: l.pid !== undefined && l.pid > 0 ? l.pid : l.tid, tid: l.tid };
      usedTid.add(l.tid);
      labelOfTid.set(l.tid, l.label);
    } else id = { pid: groupSynth(l.group), tid: nextTid++ };
    lane.push(id);
    (pidsOfGroup.get(l.group) ?? pidsOfGroup.set(l.group, new Set()).get(l.group)!).add(id.pid);
    (groupsOfPid.get(id.pid) ?? groupsOfPid.set(id.pid, new Set()).get(id.pid)!).add(l.group);
  }
  // Counters of a group go to its one process, or to a process of their own.
  const groupPid = new Map<string, number>();
  for (const [g, pids] of pidsOfGroup) groupPid.set(g, pids.size === 1 ? [...pids][0] : groupSynth(g));
  // Names: a process whose lanes are all of one group that no other process shares is named by
  // the group; a real process otherwise by its main thread's lane (tid = pid), else `pid N`.
  const processes = new Map<number, string>();
  const order = new Map<number, number>();
  const name = (pid: number): string => {
    if (synthPid.size && [...synthPid.values()].includes(pid)) return [...synthPid].find(([, p]) => p === pid)![0];
    const gs = groupsOfPid.get(pid);
    if (gs && gs.size === 1) {
      const g = [...gs][0];
      if (pidsOfGroup.get(g)!.size === 1) return g;
    }
    return labelOfTid.get(pid) ?? `pid ${pid}`;
  };
  const add = (pid: number): void => {
    if (processes.has(pid)) return;
    processes.set(pid, name(pid));
    order.set(pid, processes.size);
  };
  lanes.forEach((l, i) => {
    add(lane[i].pid);
    add(groupPid.get(l.group)!);
  });
  // Pools last, each a synthetic process of its own (after every group's, so adding pools
  // changes no other id).
  const poolPid = pools.map((p, k) => {
    const pid = base + synthPid.size + 1 + k;
    processes.set(pid, `pool ${p.name}${p.pcpus !== undefined ? ` (${p.pcpus} pCPU${p.pcpus === 1 ? '' : 's'})` : ''}`);
    order.set(pid, processes.size);
    return pid;
  });
  return { lane, processes, order, groupPid, poolPid };
}

/**
 * Counter events per lane group that has vCPU lanes, then per pool: how many of its vCPUs were
 * running or runnable (`running`, `inferred`, `runnable` intervals) at each change, how many were
 * runnable without running (steal), and the summed steal time: event texts, group after group
 * (pool after pool), in time order within one.
 */
function* counterEvents(tl: TimelineSource, ids: Ids, pools: readonly ChromePool[]): Generator<string> {
  const byGroup = vcpuGroups(tl.lanes);
  const targets: [number, LaneSource[]][] = [...byGroup].map(([group, lanes]) => [ids.groupPid.get(group)!, lanes]);
  pools.forEach((p, k) => targets.push([ids.poolPid[k], p.groups.flatMap((g) => byGroup.get(g) ?? [])]));
  for (const [pid, lanes] of targets) {
    let shownRunning = -1;
    let shownWaiting = -1;
    let shownSteal = -1;
    // The counter events at each boundary (none when nothing changed since the last ones).
    for (const { ts, running, waiting, stealNs } of runnableSweep(tl.states, lanes)) {
      if (running === shownRunning && waiting === shownWaiting) continue;
      const us = usOf(ts);
      shownRunning = running;
      shownWaiting = waiting;
      let text = `{"ph":"C","name":"runnable vCPUs","pid":${pid},"tid":0,"ts":${us},"args":{"running":${running},"waiting":${waiting}}}`;
      const ms = Math.round(stealNs / 1000) / 1000;
      if (ms !== shownSteal) {
        shownSteal = ms;
        text += `,\n{"ph":"C","name":"steal ms","pid":${pid},"tid":0,"ts":${us},"args":{"value":${ms}}}`;
      }
      yield text;
    }
  }
}

/** What {@link chromePools} reads of a simulated variant (a `VariantResult`). */
export interface PooledRun {
  name: string;
  vms: readonly { name: string; pool: string }[];
  pcpus: readonly { pool: string }[];
}

/**
 * The pools of simulated runs, for {@link ChromeExportOptions.pools}: per run that has more than
 * one pool (the scenario declares cpupools; with the boot pool alone every vCPU is in it and the
 * per-VM counters say it all), each pool with the `vm:NAME` groups of its VMs and its pCPU count.
 * Several runs are told apart the way the merged timeline prefixes their lane groups
 * (`variant:`).
 */
export function chromePools(runs: readonly PooledRun[]): ChromePool[] {
  const out: ChromePool[] = [];
  for (const r of runs) {
    const names = [...new Set([...r.pcpus.map((c) => c.pool), ...r.vms.map((v) => v.pool)])].filter((p) => p !== '');
    if (names.length < 2) continue;
    const pre = runs.length > 1 ? `${r.name}:` : '';
    for (const p of names) {
      out.push({
        name: pre + p,
        groups: r.vms.filter((v) => v.pool === p).map((v) => `${pre}vm:${v.name}`),
        pcpus: r.pcpus.filter((c) => c.pool === p).length,
      });
    }
  }
  return out;
}
