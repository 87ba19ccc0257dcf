/**
 * Scheduling reconstruction: one pass over the event rows that replays, per CPU, which task ran
 * when, and per thread, when it was running, runnable (preempted with `R`/`R+`, or woken and
 * waiting), sleeping or blocked (`D`). It fills the accumulators of `model.ts` and the lanes of
 * the shared timeline.
 *
 * Real traces have gaps, and the pass says where it guessed rather than hiding it:
 * - A task seen on a CPU without a recorded switch to it (on the traces in shared/traces, CPU 1
 *   never records its idle -> task switches) gets an inferred switch-in. The switch happened
 *   after the last event on that CPU (which shows the old task still there) and after the task's
 *   own last sighting, and before its first event there. From idle, the estimate is the earliest
 *   time (the kernel leaves idle as soon as something is enqueued); from a real task whose
 *   switch-out was lost, the middle of the window. The time between the estimate and the first
 *   event is drawn as `inferred` and counted as running. Counters: inferred_switch_in,
 *   inferred_running_ns, uncertain_ns (the width of all such windows), missing_switch_out.
 * - A sleeping task that runs again without a wakeup counts missing_wakeup (or
 *   wakeup_from_waking when a sched_waking dates it).
 *
 * Wait attribution ("who took the CPU"): every runnable thread is listed as a waiter of the CPU
 * it waits on (the CPU it was preempted on, the wakeup's target_cpu, or a sched_migrate_task
 * dest_cpu). Whenever a CPU's current task changes, the time that task ran is charged to each
 * waiter for the part of the segment it was waiting.
 */
import { LaneBuilder, TimelineBuilder } from '../../core/timeline';
import { EventKind, TaskState, type EventTable } from '../events';
import type { ImportedTrace } from '../importer';
import type { Identification } from '../identify';
import type { AnalysisOptions } from '../options';
import { BLOCK_ROWS } from '../columns';
import type { CounterName } from '../codes';
import { KvmTracker } from './kvm';
import { CpuSched, LaneState, STATE_NAMES, St, ThreadSched, WaitKind, keepLongest, wouldKeep, type Stretch } from './model';

const NS_UNCERTAIN = 0;
const NS_INFERRED_RUNNING = 1;

/** Thief keys that are not threads. */
export const IDLE = -1;
export const UNKNOWN = -2;
export { EXIT_BUCKET_NS } from './kvm';

export interface SourceActivity {
  /** ns spent with exactly `level` vCPU threads running or runnable (index = level). */
  timeAtLevel: number[];
  level: number;
  last: number;
}

export interface SchedResult {
  threads: ThreadSched[];
  cpus: CpuSched[];
  startNs: number;
  endNs: number;
  /** pCPUs per source: the `cpus=N` header, else the highest CPU number seen + 1. */
  nCpus: number[];
  activity: SourceActivity[];
  timeline: TimelineBuilder;
  /** Number of sched_switch events (0 means no per-thread states could be built). */
  switches: number;
}

/**
 * Lane of every thread and CPU when no timeline is wanted: it records nothing, so the
 * reconstruction keeps only its per-thread and per-CPU totals (memory independent of the trace's
 * length).
 */
class NoLane extends LaneBuilder {
  constructor() {
    super('', '', '', 'other', 0);
  }
  override push(): void {}
}
const NO_LANE: LaneBuilder = new NoLane();

export interface ReconstructOptions {
  /** False: nothing is drawn, `timeline` stays empty (the totals are the same). Default true. */
  timeline?: boolean;
  /** Release the event rows block by block once read (the trace cannot be analysed again). */
  release?: boolean;
  /** False: the timeline gets no wake-up arrows (its lanes are the same). Default true. */
  wakes?: boolean;
  /**
   * Started while the trace is still being imported: what only the finished import knows (the
   * identification, the CPU counts, the final comms) is applied by
   * {@link Reconstruction.finishWith}, and the result is the same as a reconstruction started
   * after the import. With a timeline, only without wake-up arrows (`wakes: false`): the lanes are
   * made as they are first used, under their final ids, and named, marked and put in order at
   * the end; causes naming a thread are interned under a stand-in and renamed at the end.
   */
  deferred?: boolean;
}

/**
 * Counters of a deferred reconstruction, kept aside and added to the trace's stats at its end:
 * the stats' counters keep the order a reconstruction after the import gives them (the
 * importer's first).
 */
class LaterCounts {
  readonly sums = new Map<CounterName, number>();
  count(name: CounterName, by = 1): void {
    const v = this.sums.get(name);
    this.sums.set(name, v === undefined ? by : v + by);
  }
}

/** No identification yet (a deferred reconstruction). */
const NO_IDENT: Identification = { vcpus: new Map(), vms: [] };

export function reconstruct(trace: ImportedTrace, ident: Identification, opts: AnalysisOptions, how: ReconstructOptions = {}): SchedResult {
  const release = how.release ?? false;
  const ev = trace.events;
  if (ev.released) throw new Error('the trace was released by an earlier analysis');
  if (!ev.rowsKept) throw new Error('the trace keeps no rows: reconstruct it from its replay (startReconstruct)');
  const r = startReconstruct(trace, ident, opts, how);
  const n = ev.length;
  const nBlocks = ev.ts.blockCount;
  for (let bi = 0; bi < nBlocks; bi++) {
    if (release && bi > 0) ev.releaseBlock(bi - 1);
    const len = Math.min(BLOCK_ROWS, n - bi * BLOCK_ROWS);
    if (len <= 0) break;
    r.block(ev, bi, len);
  }
  if (release) for (let bi = 0; bi < nBlocks; bi++) ev.releaseBlock(bi);
  return r.finish();
}

/** A reconstruction fed rows block by block (see {@link startReconstruct}). */
export interface Reconstruction {
  /** Replays rows [0, len) of block `bi` of `rows` (a table that shares the trace's interners). */
  block(rows: EventTable, bi: number, len: number): void;
  /** Closes everything at the last time seen and returns the result (once, after the last block). */
  finish(): SchedResult;
  /**
   * {@link finish} for a deferred reconstruction (`ReconstructOptions.deferred`), given the
   * identification of the finished trace.
   */
  finishWith(ident: Identification): SchedResult;
  /** Whether it records a timeline. */
  readonly timeline: boolean;
}

/**
 * The reconstruction as a consumer of blocks of rows, in row order: what {@link reconstruct}
 * runs over the trace's own table, and what a trace read in two passes (`ImportedTrace.replay`)
 * feeds as its rows are decoded again, so no table of the whole trace is ever held. The trace's
 * thread table, stats, CPU counts and first timestamp must be complete before (they are: the
 * first pass counts rows without keeping them), except for a `deferred` reconstruction, which the
 * text importer feeds while it reads (`ImportOptions.reconstructWhileReading`): it needs only the
 * first timestamp, and {@link Reconstruction.finishWith} applies the rest at the end.
 */
export function startReconstruct(trace: ImportedTrace, identGiven: Identification, opts: AnalysisOptions, how: ReconstructOptions = {}): Reconstruction {
  const keepTimeline = how.timeline ?? true;
  const keepWakes = how.wakes ?? true;
  const deferred = how.deferred ?? false;
  if (deferred && keepTimeline && keepWakes) throw new Error('a deferred reconstruction keeps no wake-up arrows');
  let ident = deferred ? NO_IDENT : identGiven;
  const ev = trace.events;
  const info = trace.threads;
  const later = deferred ? new LaterCounts() : undefined;
  const stats: { count(name: CounterName, by?: number): void } = later ?? trace.stats;
  const n = ev.length;
  const tl = new TimelineBuilder([...STATE_NAMES]);
  // One slot per thread of the table (filled on first use), so the array stays packed.
  const threads: (ThreadSched | undefined)[] = new Array<ThreadSched | undefined>(trace.threads.list.length).fill(undefined);
  const cpus: CpuSched[] = [];
  const cpuByKey = new Map<number, CpuSched>();
  const nCpus: number[] = [];
  const countCpus = (): void => {
    for (let s = 0; s < trace.sources.length; s++) {
      const seen = trace.maxCpuBySource[s] !== undefined ? trace.maxCpuBySource[s] + 1 : 0;
      const header = trace.cpusBySource[s];
      nCpus[s] = header !== undefined && header >= seen && header <= 65536 ? header : seen;
    }
  };
  if (!deferred) countCpus();
  const activity: SourceActivity[] = trace.sources.map(() => ({ timeAtLevel: [0], level: 0, last: 0 }));
  const stretchNs = opts.runnableStretchUs * 1000;
  const wakeOutlierNs = opts.wakeLatencyUs * 1000;
  const residenceNs = opts.guestResidenceUs * 1000;
  const k = opts.examplesPerThread;
  const srcPrefix = (src: number): string => (trace.sources[src] ? `${trace.sources[src]}/` : '');
  const srcGroup = (src: number): string => trace.sources[src] || 'host';

  const startNs = n > 0 ? (ev.rowsKept ? ev.ts.get(0) : ev.firstTs) : 0;
  /**
   * [0] the time of the event being replayed, for the per-event helpers (see switchIn); [1] the
   * latest time so far (a local double updated in the loop was kept boxed: a heap number per event).
   */
  const now = new Float64Array(2);
  let endNs = startNs;
  now[1] = startNs;
  for (const a of activity) a.last = startNs;

  // --- Names and lanes -----------------------------------------------------------------------
  const commOf = (idx: number): string => {
    const c = info.list[idx].comm;
    return c >= 0 ? ev.comms.name(c) : '<...>';
  };
  const whoCause = new Map<number, number>();
  /** A deferred reconstruction: causes of threads are named at the end (their comm may change). */
  let causesLater = deferred;
  const causeName = (idx: number): string => `${commOf(idx)} (${info.list[idx].tid})`;
  const causeOfThread = (idx: number): number => {
    let c = whoCause.get(idx);
    if (c === undefined) {
      // The stand-in cannot be a final name: those end with ')' (or are idle, unknown, woken, CPU n).
      c = idx === IDLE ? tl.causes.id('idle') : idx === UNKNOWN ? tl.causes.id('unknown') : tl.causes.id(causesLater ? `\u0000${idx}` : causeName(idx));
      whoCause.set(idx, c);
    }
    return c;
  };
  const cpuCause: number[][] = [];
  const causeOfCpu = (src: number, cpu: number): number => {
    const row = (cpuCause[src] ??= []);
    return (row[cpu] ??= tl.causes.id(`${srcPrefix(src)}CPU ${cpu}`));
  };
  const woken = tl.causes.id('woken');
  const vmOfThread = new Map<number, string>();
  const vmPidOf = new Map<string, number>();
  const vmsKnown = (): void => {
    for (const vm of ident.vms) if (vm.pid >= 0) vmOfThread.set(info.index(vm.src, vm.pid), vm.id);
    for (const vm of ident.vms) if (vm.pid >= 0 && vm.how !== 'tid-range') vmPidOf.set(vm.id, vm.pid);
  };
  vmsKnown();

  /** CPUs of the unprefixed input by number (the per-event lookup), the others by key. */
  const cpuDense: (CpuSched | undefined)[] = [];
  function cpuOf(src: number, cpu: number): CpuSched {
    if (src === 0 && cpu < 65536) {
      const d = cpuDense[cpu];
      if (d !== undefined) return d;
    }
    const key = src * 65536 + cpu;
    let c = cpuByKey.get(key);
    if (!c) {
      c = new CpuSched(src, cpu);
      c.lane = keepTimeline ? tl.lane(`${srcPrefix(src)}pcpu:${cpu}`, `${srcPrefix(src)}CPU ${cpu}`, srcGroup(src), 'pcpu') : NO_LANE;
      cpuByKey.set(key, c);
      cpus.push(c);
    }
    if (src === 0 && cpu < 65536) cpuDense[cpu] = c;
    return c;
  }
  function laneOf(t: ThreadSched): LaneBuilder {
    if (!t.lane) {
      if (!keepTimeline) return (t.lane = NO_LANE);
      // A deferred reconstruction names the lane again at the end (nameLane).
      t.lane = tl.lane(`${srcPrefix(t.src)}pid:${t.tid}`, '', '', 'thread');
      nameLane(t, t.lane);
    }
    return t.lane;
  }
  /** Label, group, kind and OS ids of thread t's lane, from the identification and comms known now. */
  function nameLane(t: ThreadSched, lane: LaneBuilder): void {
    const id = ident.vcpus.get(t.index);
    const ti = info.list[t.index];
    lane.label = `${commOf(t.index)} (${t.tid})`;
    lane.group = id ? id.vm : vmOfThread.get(t.index) ?? (ti.tgid >= 0 ? `${srcPrefix(t.src)}pid:${ti.tgid}` : srcGroup(t.src));
    lane.kind = id ? 'vcpu' : 'thread';
    // The OS ids, for exports laid beside the original trace: the process is the TGID column,
    // else the VMM process of a vCPU thread when the trace showed it (not a tid-range guess).
    lane.tid = t.tid;
    const vmPid = id ? vmPidOf.get(id.vm) : undefined;
    const pid = ti.tgid >= 0 ? ti.tgid : vmPid;
    if (pid !== undefined) lane.pid = pid;
    else if (lane.pid !== undefined) lane.pid = undefined;
  }
  /** A vCPU thread's guest/host lane (made by the kvm tracker), named from what is known now. */
  function nameExecLane(t: ThreadSched, lane: LaneBuilder): void {
    const id = ident.vcpus.get(t.index);
    lane.label = `${commOf(t.index)} (${t.tid}) guest/host`;
    lane.group = id ? id.vm : srcGroup(t.src);
  }
  /** A deferred reconstruction: the guest/host lanes made, with their threads. */
  const execLanes: [ThreadSched, LaneBuilder][] = [];
  /** A wake-up of `w` by thread `by` (an index, or IDLE: no arrow) at `fromTs`, runnable at `ts`. */
  function wakeFlow(by: number, w: ThreadSched, fromTs: number, ts: number): void {
    if (!keepTimeline || by < 0) return;
    // The lanes are made even without arrows: the order lanes are made in is the output's order.
    const from = laneOf(thr(by));
    const to = laneOf(w);
    if (keepWakes) tl.wake(from, to, fromTs, ts);
  }
  function thr(idx: number): ThreadSched {
    let t = threads[idx];
    if (t === undefined) {
      // A deferred reconstruction sees the thread table grow.
      while (threads.length < idx) threads.push(undefined);
      const ti = info.list[idx];
      t = threads[idx] = new ThreadSched(idx, ti.src, ti.tid, ident.vcpus.has(idx));
    }
    return t;
  }
  // Lane order: CPUs, then vCPUs VM by VM, then other threads as they appear.
  // Lanes are pre-created only for CPUs that have events (a corrupt `cpus=` header cannot ask
  // for millions of lanes).
  const firstCpus = (): void => {
    for (let s = 0; s < nCpus.length; s++) for (let c = 0; c <= (trace.maxCpuBySource[s] ?? -1); c++) cpuOf(s, c);
  };
  if (!deferred) firstCpus();
  for (const vm of ident.vms) for (const idx of vm.vcpuThreads) laneOf(thr(idx));

  const active = (s: St): boolean => s === St.Running || s === St.Runnable;
  /** A deferred reconstruction: every thread's changes between active and not, in order. */
  let logging = deferred;
  // In chunks that are never copied: the log grows with the trace.
  const LOG_CHUNK = 1 << 14;
  const levelAt: Float64Array[] = [];
  const levelWho: Int32Array[] = [];
  let logAt = new Float64Array(0);
  let logWho = new Int32Array(0);
  let logFill = LOG_CHUNK;
  let logCount = 0;
  function newLogChunk(): void {
    logAt = new Float64Array(LOG_CHUNK);
    logWho = new Int32Array(LOG_CHUNK);
    levelAt.push(logAt);
    levelWho.push(logWho);
    logFill = 0;
  }
  /** A deferred reconstruction: examples whose `who` is named at the end, with whom. */
  let namesLater = deferred;
  const unnamed: Stretch[] = [];
  const unnamedWho: (number | number[])[] = [];
  /** Keeps `s` to be named at the end (from `who`) and returns true, or returns false. */
  function nameLater(s: Stretch, who: number | number[]): boolean {
    if (!namesLater) return false;
    unnamed.push(s);
    unnamedWho.push(who);
    return true;
  }
  function example(startNs: number, durationNs: number, who: number, cpu: number): Stretch {
    const s = { startNs, durationNs, who: '', cpu };
    if (!nameLater(s, who)) s.who = whoName(who);
    return s;
  }

  // --- State bookkeeping ---------------------------------------------------------------------
  /** The time of a {@link vcpuLevel} change (not an argument: it would be boxed, see setState). */
  const levelTs = new Float64Array(1);
  /** Source `src`'s count of active vCPU threads changes by `delta` at levelTs[0]. */
  function vcpuLevel(src: number, delta: number): void {
    const ts = levelTs[0];
    const a = activity[src];
    const d = ts - a.last;
    if (d > 0) {
      a.timeAtLevel[a.level] = (a.timeAtLevel[a.level] ?? 0) + d;
      a.last = ts;
    }
    a.level += delta;
    if (a.timeAtLevel[a.level] === undefined) a.timeAtLevel[a.level] = 0;
  }

  /**
   * Accounts [since, now[0]) in the current state and starts `next` at now[0]. The time comes in
   * `now`, not as an argument: this call is not inlined into its callers, and a double argument
   * of a call that is not inlined is boxed (a heap number per call: the garbage of the
   * reconstruction loop, see BENCHMARKS.md, tspeed11). {@link setStateAt} for another time.
   */
  function setState(t: ThreadSched, next: St, cause = -1): void {
    const ts = now[0];
    const d = ts - t.since;
    if (d > 0) {
      // One call of push (inlined: see LaneBuilder.push), the lane made before the cause is named.
      let drawn = -1;
      switch (t.state) {
        case St.Running:
          t.runningNs += d;
          drawn = LaneState.Running;
          break;
        case St.Runnable:
          t.runnableNs += d;
          if (t.waitKind === WaitKind.Preempted) t.preemptedWaitNs += d;
          else t.wokenWaitNs += d;
          drawn = LaneState.Runnable;
          break;
        case St.Sleeping:
          t.sleepingNs += d;
          drawn = LaneState.Sleeping;
          break;
        case St.Blocked:
          t.blockedNs += d;
          drawn = LaneState.Blocked;
          break;
      }
      if (keepTimeline && drawn >= 0) {
        const lane = laneOf(t);
        const why = drawn === LaneState.Running ? (t.cpu >= 0 ? causeOfCpu(t.src, t.cpu) : -1) : drawn === LaneState.Runnable ? cause : -1;
        lane.push(t.since, ts, drawn, why);
      }
    }
    if (t.vcpu) {
      if (active(t.state) !== active(next)) {
        levelTs[0] = Math.max(ts, t.since);
        vcpuLevel(t.src, active(next) ? 1 : -1);
      }
    } else if (logging && active(t.state) !== active(next)) {
      // Not known yet whether t is a vCPU thread: kept, replayed by finishWith if it is.
      if (logFill === LOG_CHUNK) newLogChunk();
      logAt[logFill] = Math.max(ts, t.since);
      logWho[logFill++] = active(next) ? t.index + 1 : -(t.index + 1);
      logCount++;
    }
    t.state = next;
    t.since = ts;
  }

  /** {@link setState} at `ts` (off the per-event paths: `ts` is boxed), now[0] kept. */
  function setStateAt(t: ThreadSched, next: St, ts: number, cause = -1): void {
    const keep = now[0];
    now[0] = ts;
    setState(t, next, cause);
    now[0] = keep;
  }

  function charge(w: ThreadSched, thief: number, ns: number): void {
    if (ns <= 0) return;
    w.stolenBy.add(thief, ns);
    w.stretchStolen.add(thief, ns);
  }

  /** Charges [a, b) of CPU c, run by `thief`, to every waiter of c. */
  function chargeRange(c: CpuSched, a: number, b: number, thief: number): void {
    const ws = c.waiters;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      const s = Math.max(a, w.attribSince);
      if (b > s) charge(w, thief, b - s);
    }
  }

  /** Charges the part of the current segment of w's wait CPU up to now[0], then moves its mark there. */
  function settleWaiter(w: ThreadSched): void {
    if (w.cpu < 0) return;
    const ts = now[0];
    const c = cpuOf(w.src, w.cpu);
    if (c.cur !== UNKNOWN) {
      const s = Math.max(c.segStart, w.attribSince);
      if (ts > s) charge(w, c.cur, ts - s);
    }
    w.attribSince = Math.max(w.attribSince, ts);
  }

  function removeWaiter(w: ThreadSched): void {
    if (w.cpu < 0) return;
    const list = cpuOf(w.src, w.cpu).waiters;
    const i = list.indexOf(w);
    if (i >= 0) {
      list[i] = list[list.length - 1];
      list.pop();
    }
  }

  /** Lists w as a waiter of `cpu` from now[0]; a new wait unless `sameWait` (a migration). */
  function addWaiter(w: ThreadSched, cpu: number, sameWait = false): void {
    w.cpu = cpu;
    w.attribSince = now[0];
    if (!sameWait) w.stretchStolen.clear();
    cpuOf(w.src, cpu).waiters.push(w);
  }

  /** Ends CPU c's current segment at now[0]: charges waiters, draws the CPU lane. */
  function endSegment(c: CpuSched): void {
    const ts = now[0];
    const d = ts - c.segStart;
    if (c.cur === UNKNOWN || d <= 0) return;
    chargeRange(c, c.segStart, ts, c.cur);
    if (c.cur === IDLE) c.idleNs += d;
    else {
      c.busyNs += d;
      c.byThread.add(c.cur, d);
    }
    // One call of push (inlined: see LaneBuilder.push).
    if (keepTimeline) c.lane!.push(c.segStart, ts, c.cur === IDLE ? LaneState.Idle : LaneState.Running, c.cur === IDLE ? -1 : causeOfThread(c.cur));
    c.segStart = ts;
  }

  /** {@link endSegment} at `ts` (off the per-event paths), now[0] kept. */
  function endSegmentAt(c: CpuSched, ts: number): void {
    const keep = now[0];
    now[0] = ts;
    endSegment(c);
    now[0] = keep;
  }

  const topThief = (t: ThreadSched): number => t.stretchStolen.top(UNKNOWN);

  /**
   * Thread t starts running on CPU c at `now[0]` (recorded or inferred). The helpers called once
   * per event read the time from `now` rather than from an argument: a double passed to a call
   * that is not inlined is boxed, one heap number per call (about 35 bytes of garbage per event
   * on a 200 MB trace, a minor GC every few milliseconds).
   */
  function switchIn(t: ThreadSched, c: CpuSched): void {
    const ts = now[0];
    switch (t.state) {
      case St.Runnable: {
        if (t.cpu !== c.cpu) settleWaiter(t);
        removeWaiter(t);
        const d = ts - t.since;
        let cause = woken;
        if (t.waitKind === WaitKind.Woken) {
          t.wakeLatency.push(d);
          if (d > wakeOutlierNs) {
            t.wakeOutliers++;
            if (wouldKeep(t.wakeExamples, d, k)) keepLongest(t.wakeExamples, example(t.since, d, topThief(t), c.cpu), k);
          }
        } else {
          const thief = topThief(t);
          if (keepTimeline) cause = causeOfThread(thief);
          if (d > stretchNs) {
            t.stretchCount++;
            t.stretchNs += d;
            if (d > t.stretchMaxNs) t.stretchMaxNs = d;
            if (wouldKeep(t.stretches, d, k)) keepLongest(t.stretches, example(t.since, d, thief, t.cpu), k);
          }
        }
        setState(t, St.Running, cause);
        break;
      }
      case St.Sleeping:
      case St.Blocked:
        if (t.wakingTs >= t.since && t.wakingTs <= ts) {
          // The wakeup is missing but sched_waking dates it.
          stats.count('wakeup_from_waking');
          wakeFlow(t.wakingBy, t, t.wakingTs, t.wakingTs);
          setStateAt(t, St.Runnable, t.wakingTs);
          t.waitKind = WaitKind.Woken;
          t.wakeups++;
          t.wakeLatency.push(ts - t.wakingTs);
          setState(t, St.Running, woken);
        } else {
          stats.count('missing_wakeup');
          t.missingWakeups++;
          setState(t, St.Running);
        }
        break;
      case St.Running:
        if (t.cpu !== c.cpu && t.cpu >= 0) {
          // Recorded as running elsewhere: that CPU's switch-out was lost.
          stats.count('missing_switch_out');
          const o = cpuOf(t.src, t.cpu);
          if (o.cur === t.index) {
            endSegment(o);
            o.cur = UNKNOWN;
          }
        }
        setState(t, St.Running);
        break;
      default:
        setState(t, St.Running);
    }
    if (t.lastRunCpu >= 0 && t.lastRunCpu !== c.cpu && !t.migratedSinceRun) t.migrations++;
    t.migratedSinceRun = false;
    t.waitKind = WaitKind.None;
    t.wakingTs = -1;
    t.cpu = c.cpu;
    t.lastRunCpu = c.cpu;
    t.switchIns++;
    t.lastSeen = ts;
    c.cur = t.index;
    c.segStart = ts;
  }

  function whoName(who: number): string {
    return who === IDLE ? '<idle>' : who === UNKNOWN ? 'unknown' : `${commOf(who)} (${info.list[who].tid})`;
  }

  /** Thread t leaves CPU c at `now[0]` in kernel state `code`. */
  function switchOut(t: ThreadSched, c: CpuSched, code: number): void {
    const ts = now[0];
    t.lastSeen = ts;
    t.lastRunCpu = c.cpu;
    if (code === TaskState.Running || code === TaskState.Preempted) {
      t.preemptions++;
      setState(t, St.Runnable);
      t.waitKind = WaitKind.Preempted;
      addWaiter(t, c.cpu);
    } else if (code === TaskState.Dead || code === TaskState.Zombie || (code > 0 && (code & (TaskState.Dead | TaskState.Zombie)) !== 0)) {
      setState(t, St.Dead);
    } else if (code > 0 && (code & TaskState.Blocked) !== 0) {
      t.voluntary++;
      setState(t, St.Blocked);
    } else {
      // S, I, T, t, P and unreadable states: not runnable, not in D.
      t.voluntary++;
      setState(t, St.Sleeping);
    }
  }

  /**
   * The event on CPU c at ts shows `pid` current, but the reconstruction had another task there.
   */
  function reconcile(c: CpuSched, pid: number, idx: number): void {
    const ts = now[0];
    if (c.cur === UNKNOWN) {
      // First event of this CPU: its task was running since before the trace (not an inference).
      c.segStart = ts;
      if (pid === 0) c.cur = IDLE;
      else {
        const t = thr(idx);
        if (t.state === St.Running && t.cpu !== c.cpu && t.cpu >= 0) {
          const o = cpuOf(t.src, t.cpu);
          if (o.cur === t.index) {
            endSegment(o);
            o.cur = UNKNOWN;
          }
        }
        if (t.state === St.Runnable) {
          settleWaiter(t);
          removeWaiter(t);
        }
        setState(t, St.Running);
        t.cpu = t.lastRunCpu = c.cpu;
        t.lastSeen = ts;
        c.cur = idx;
      }
      return;
    }
    const t = pid === 0 ? undefined : thr(idx);
    // The lost switch happened after `lower` (the CPU still showed its old task at its last event,
    // and the new task was elsewhere, asleep or just woken until its own last sighting) and
    // before `ts`. Idle hands the CPU over as soon as a task is enqueued, so a switch from idle
    // is placed at the earliest time; a real task keeps the CPU for an unknown part of the
    // window, so a switch away from it is placed in the middle.
    const lower = Math.min(ts, Math.max(c.lastTs, c.segStart, t ? Math.max(t.lastSeen, t.since) : -Infinity));
    const fromTask = c.cur !== IDLE;
    const at = fromTask ? lower + Math.floor((ts - lower) / 2) : lower;
    countNs(NS_UNCERTAIN, ts - lower);
    if (fromTask) {
      // A switch away from a real task was lost: its state afterwards is unknown.
      stats.count('missing_switch_out');
      const q = thr(c.cur);
      endSegmentAt(c, at);
      q.lastSeen = at;
      q.lastRunCpu = c.cpu;
      setStateAt(q, St.Unknown, at);
    } else endSegmentAt(c, at);
    if (!t) {
      c.cur = IDLE;
      c.segStart = at;
      return;
    }
    stats.count('inferred_switch_in');
    countNs(NS_INFERRED_RUNNING, ts - at);
    t.inferredSwitchIns++;
    t.inferredRunningNs += ts - at;
    c.inferredNs += ts - at;
    now[0] = at;
    switchIn(t, c);
    now[0] = ts;
    if (ts > at) {
      // Draw [at, ts) as inferred on both lanes, then continue as running from ts.
      chargeRange(c, at, ts, idx);
      if (keepTimeline) c.lane!.push(at, ts, LaneState.Inferred, causeOfThread(idx));
      c.busyNs += ts - at;
      c.byThread.add(idx, ts - at);
      if (keepTimeline) laneOf(t).push(at, ts, LaneState.Inferred, causeOfCpu(c.src, c.cpu));
      t.runningNs += ts - at;
      t.since = ts;
      c.segStart = ts;
    }
  }

  /**
   * The two ns counters, summed here and added to the stats at the end: a double stored in the
   * stats' counter record allocates a heap number each time (a scavenge every few ms on large
   * traces). The counter is created (at 0) where it first occurs, so the counters keep their order.
   */
  const nsSum = new Float64Array(2);
  const nsSeen = new Uint8Array(2);
  const NS_NAMES = ['uncertain_ns', 'inferred_running_ns'] as const;
  function countNs(k: number, ns: number): void {
    if (nsSeen[k] === 0) {
      nsSeen[k] = 1;
      stats.count(NS_NAMES[k], 0);
    }
    nsSum[k] += ns;
  }

  // --- kvm -----------------------------------------------------------------------------------
  const kvm = new KvmTracker({
    startNs,
    residenceNs,
    examples: k,
    info: info.list,
    execLane: (t) => {
      if (!keepTimeline) return NO_LANE;
      laneOf(t); // the thread's own lane comes first
      const n = tl.lanes.length;
      const lane = tl.lane(`${srcPrefix(t.src)}pid:${t.tid}/exec`, '', '', 'vcpu');
      if (tl.lanes.length > n) {
        nameExecLane(t, lane);
        if (deferred) execLanes.push([t, lane]);
      }
      return lane;
    },
    whoName,
    whoLater: nameLater,
    now,
  });

  /** Thread w, not running, is woken at `now[0]` to wait on `cpu`. */
  function wakeUp(w: ThreadSched, cpu: number): void {
    const ts = now[0];
    setState(w, St.Runnable);
    w.waitKind = WaitKind.Woken;
    w.wakeups++;
    w.wakingTs = -1;
    addWaiter(w, cpu);
  }

  // --- Main loop -----------------------------------------------------------------------------
  // Typed (sources are a u8 column): a plain array here was stored as tagged values, one heap
  // number allocated per event.
  const lastTsBySrc = new Float64Array(256).fill(-Infinity);
  let switches = 0;
  const tsScratch = new Float64Array(BLOCK_ROWS);
  function block(rows: EventTable, bi: number, len: number): void {
    const TS = rows.ts.block(bi, tsScratch), CPU = rows.cpu.blocks[bi], SRC = rows.src.blocks[bi], KIND = rows.kind.blocks[bi], PID = rows.pid.blocks[bi];
    const A0 = rows.a0.blocks[bi], A1 = rows.a1.blocks[bi], A2 = rows.a2.blocks[bi];
    for (let j = 0; j < len; j++) {
      const src = SRC[j];
      let ts = TS[j];
      const prevTs = lastTsBySrc[src];
      if (ts < prevTs) ts = prevTs; // counted by the importer
      lastTsBySrc[src] = ts;
      now[0] = ts;
      if (ts > now[1]) now[1] = ts;
      const c = cpuOf(src, CPU[j]);
      const kind = KIND[j];
      const pid = PID[j];

      if (kind === EventKind.SchedSwitch) {
        switches++;
        c.switches++;
        const prev = A0[j];
        const next = A2[j];
        const prevIdx = prev === 0 ? IDLE : info.index(src, prev);
        if (c.cur !== prevIdx) reconcile(c, prev, prevIdx);
        endSegment(c);
        const nextIdx = next === 0 ? IDLE : info.index(src, next);
        if (prev !== 0) {
          const t = thr(prevIdx);
          switchOut(t, c, A1[j]);
          if (t.state === St.Runnable) t.preemptedByRuns.add(nextIdx);
        }
        if (next === 0) {
          c.cur = IDLE;
          c.segStart = ts;
        } else switchIn(thr(nextIdx), c);
        c.lastTs = ts;
        continue;
      }

      const idx = pid === 0 ? IDLE : info.index(src, pid);
      if (c.cur !== idx) reconcile(c, pid, idx);
      if (pid !== 0) thr(idx).lastSeen = ts;
      c.lastTs = ts;

      switch (kind) {
        case EventKind.SchedWakeup:
        case EventKind.SchedWakeupNew: {
          const target = A0[j];
          if (target === 0) break;
          const w = thr(info.index(src, target));
          if (w.state === St.Running || w.state === St.Runnable) break;
          // The waker: the task that ran sched_waking (try_to_wake_up runs in the waker's context;
          // sched_wakeup may be logged later on the target CPU), else the one running this event.
          if (keepTimeline) {
            if (w.wakingTs >= w.since) wakeFlow(w.wakingBy, w, w.wakingTs, ts);
            else wakeFlow(idx, w, ts, ts);
          }
          wakeUp(w, A1[j] >= 0 ? A1[j] : c.cpu);
          break;
        }
        case EventKind.SchedWaking: {
          const target = A0[j];
          if (target === 0) break;
          const w = thr(info.index(src, target));
          if (w.state !== St.Running && w.state !== St.Runnable) {
            w.wakingTs = ts;
            w.wakingBy = idx;
          }
          break;
        }
        case EventKind.SchedMigrateTask: {
          const target = A0[j];
          if (target === 0) break;
          const w = thr(info.index(src, target));
          w.migrations++;
          w.migratedSinceRun = true;
          if (w.state === St.Runnable) {
            settleWaiter(w);
            removeWaiter(w);
            addWaiter(w, A2[j], true);
          } else if (w.state !== St.Running) w.cpu = A2[j];
          break;
        }
        case EventKind.SchedProcessExit: {
          const target = A0[j];
          if (target === 0) break;
          const w = thr(info.index(src, target));
          if (w.state !== St.Running) {
            if (w.state === St.Runnable) removeWaiter(w);
            setState(w, St.Dead);
          }
          break;
        }
        case EventKind.KvmExit:
          if (pid !== 0) kvm.exit(thr(idx), c, ev.strings.name(A0[j]));
          break;
        case EventKind.KvmEntry:
          if (pid !== 0) kvm.entry(thr(idx));
          break;
        case EventKind.KvmUserspaceExit:
          if (pid !== 0) kvm.userspaceExit(thr(idx), ev.strings.name(A0[j]));
          break;
        case EventKind.KvmPio:
          if (pid !== 0) kvm.pio(thr(idx), A0[j] !== 0, A1[j]);
          break;
        case EventKind.KvmMmio:
          if (pid !== 0) kvm.mmio(thr(idx), A0[j] !== 0, A1[j]);
          break;
        case EventKind.KvmHypercall:
          if (pid !== 0) thr(idx).hypercalls++;
          break;
      }
    }
  }

  function finish(): SchedResult {
    endNs = now[1];
    for (let k = 0; k < 2; k++) if (nsSeen[k]) stats.count(NS_NAMES[k], nsSum[k]);

    // --- End of trace: close everything at endNs ------------------------------------------------
    kvm.finish();
    for (const c of cpus) endSegmentAt(c, endNs);
    for (const t of threads) {
      if (!t) continue;
      if (t.state === St.Runnable) {
        // Still waiting at the end: count the wait, and keep it as a stretch if long.
        const d = endNs - t.since;
        const thief = topThief(t);
        if (t.waitKind === WaitKind.Preempted && d > stretchNs) {
          t.stretchCount++;
          t.stretchNs += d;
          if (d > t.stretchMaxNs) t.stretchMaxNs = d;
          keepLongest(t.stretches, { startNs: t.since, durationNs: d, who: whoName(thief), cpu: t.cpu }, k);
        }
        setStateAt(t, St.Unknown, endNs, !keepTimeline ? -1 : t.waitKind === WaitKind.Woken ? woken : causeOfThread(thief));
      } else setStateAt(t, St.Unknown, endNs);
    }
    for (const a of activity) {
      const d = endNs - a.last;
      if (d > 0) a.timeAtLevel[a.level] = (a.timeAtLevel[a.level] ?? 0) + d;
    }
    return { threads: threads as ThreadSched[], cpus, startNs, endNs, nCpus, activity, timeline: tl, switches };
  }

  /**
   * A deferred reconstruction's timeline as a reconstruction after the import makes it: lanes
   * named from the final comms and the identification, in its order (the CPUs 0..max of each
   * source, then the vCPU threads VM by VM, then the others in the order they were made), causes
   * of threads named. `ident` is the final identification.
   */
  function lanesAtEnd(): void {
    causesLater = false;
    // Names of distinct threads differ (one thread per source and tid, and a deferred
    // reconstruction reads one source), so no rename meets a name already given.
    for (const [idx, c] of whoCause) if (idx >= 0) tl.causes.rename(c, causeName(idx));
    const first: LaneBuilder[] = [];
    for (let s = 0; s < nCpus.length; s++) for (let c = 0; c <= (trace.maxCpuBySource[s] ?? -1); c++) first.push(cpuOf(s, c).lane!);
    for (const vm of ident.vms) for (const idx of vm.vcpuThreads) first.push(laneOf(thr(idx)));
    const put = new Set<LaneBuilder>();
    const order: LaneBuilder[] = [];
    for (const l of first) if (!put.has(l)) put.add(l), order.push(l);
    for (const l of tl.lanes) if (!put.has(l)) put.add(l), order.push(l);
    tl.reorder(order);
    for (const t of threads) if (t?.lane) nameLane(t, t.lane);
    for (const [t, lane] of execLanes) nameExecLane(t, lane);
  }

  function finishWith(id: Identification): SchedResult {
    if (!deferred) throw new Error('finishWith: not a deferred reconstruction');
    // The CPUs in the order a reconstruction after the import makes them: 0..max of each source
    // first, then the others in the order they were first used.
    countCpus();
    const made = cpus.splice(0);
    const waiting = new Set(made);
    for (let s = 0; s < nCpus.length; s++) {
      for (let c = 0; c <= (trace.maxCpuBySource[s] ?? -1); c++) {
        const x = cpuOf(s, c);
        if (waiting.delete(x)) cpus.push(x);
      }
    }
    for (const x of made) if (waiting.has(x)) cpus.push(x);
    // The vCPU threads: made from the start there, marked, their level changes replayed in order.
    ident = id;
    vmsKnown();
    for (const vm of id.vms) for (const idx of vm.vcpuThreads) thr(idx);
    for (const t of threads) if (t) t.vcpu = id.vcpus.has(t.index);
    if (keepTimeline) lanesAtEnd();
    logging = false;
    for (let i = 0; i < logCount; i++) {
      const w = levelWho[i >>> 14][i & (LOG_CHUNK - 1)];
      const t = threads[Math.abs(w) - 1]!;
      if (t.vcpu) {
        levelTs[0] = levelAt[i >>> 14][i & (LOG_CHUNK - 1)];
        vcpuLevel(t.src, w > 0 ? 1 : -1);
      }
    }
    // Names as the finished import has them.
    namesLater = false;
    for (let i = 0; i < unnamed.length; i++) {
      const w = unnamedWho[i];
      unnamed[i].who = typeof w === 'number' ? whoName(w) : w.map(whoName).join(', ');
    }
    const r = finish();
    for (const [name, v] of later!.sums) trace.stats.count(name, v);
    return r;
  }
  return { block, finish, finishWith, timeline: keepTimeline };
}
