/**
 * A tiny world for exact OpenHCL tests: a host that gives every thread its own pCPU (no host
 * scheduling noise, with scripted preemptions), a scripted VTL0 guest, and hand-built IR. The
 * model under test is the real one (buildOpenHcl), with the engine's real recorder and stats.
 */
import type { TextRange } from '../../../server/src/core/text';
import type { Dist, OpenHcl, Scenario, Step, StorvspController, Vm, Vtl2Task } from '../../../server/src/model/ir';
import { Engine } from '../../../server/src/sim/engine';
import type { DomainSpec, EventHandler, HostApi, IoSink, Ns, SimContext, ThreadBody, ThreadSpec, Vtl0, Vtl0Outer } from '../../../server/src/sim/contracts';
import { TS_BLOCKED, TS_RUNNABLE, TS_RUNNING } from '../../../server/src/sim/contracts';
import { SimRecorder, SimStats } from '../../../server/src/sim/record';
import { RngStreams } from '../../../server/src/sim/rng';
import { buildOpenHcl } from '../../../server/src/sim/openhcl';
import type { OpenHclModel } from '../../../server/src/sim/openhcl/model';

export const R = (start: number, end = start + 1): TextRange => ({ start, end });
export const fixed = (value: Ns): Dist => ({ kind: 'fixed', value });
export const us = 1_000;
export const ms = 1_000_000;

// ---------------------------------------------------------------- host

interface FThread { spec: ThreadSpec; body: ThreadBody; state: number; preempted: boolean }

/** Every thread on a pCPU of its own; `preempt` takes it off for a while (host preemption). */
export class FakeHost implements HostApi, EventHandler {
  readonly pcpus = 4096;
  readonly threads: FThread[] = [];
  private readonly h: number;
  /** Resume / preemption log: [time, tid, 'resume'|'suspend'|'block'|'wake']. */
  readonly log: [number, number, string][] = [];

  constructor(readonly engine: Engine) {
    this.h = engine.register(this);
  }
  poolIndex(): number { return 0; }
  poolCpus(): readonly number[] { return [0]; }
  createDomain(_s: DomainSpec): number { return 0; }
  createThread(spec: ThreadSpec): number {
    this.threads.push({ spec, body: spec.body ?? { resume() {}, suspend() {} }, state: TS_BLOCKED, preempted: false });
    return this.threads.length - 1;
  }
  setBody(tid: number, body: ThreadBody): void { this.threads[tid].body = body; }
  wake(tid: number, now: Ns): void {
    const t = this.threads[tid];
    if (t.state !== TS_BLOCKED) return;
    t.state = TS_RUNNABLE;
    this.log.push([now, tid, 'wake']);
    this.engine.post(this.h, tid * 4, now);
  }
  block(tid: number, now: Ns): void {
    this.threads[tid].state = TS_BLOCKED;
    this.log.push([now, tid, 'block']);
  }
  yield(): void {}
  yieldTo(): boolean { return false; }
  setBoost(): void {}
  boosted(): boolean { return false; }
  state(tid: number): number { return this.threads[tid].state; }
  cpuOf(tid: number): number { return tid; }
  isPreempted(tid: number): boolean { return this.threads[tid].preempted; }
  stealNs(): Ns { return 0; }
  laneOf(): number { return -1; }
  nameOf(tid: number): string { return this.threads[tid].spec.label; }
  currentOn(cpu: number): number { return this.threads[cpu]?.state === TS_RUNNING ? cpu : -1; }
  preemptedBy(): number { return -1; }
  runnableSince(): Ns { return 0; }

  /** Takes thread `tid` off its pCPU at `at` for `dur` (if it is running then). */
  preempt(tid: number, at: Ns, dur: Ns): void {
    this.engine.post(this.h, tid * 4 + 1, at);
    this.engine.post(this.h, tid * 4 + 2, at + dur);
  }

  onEvent(arg: number, now: Ns): void {
    const tid = arg >> 2;
    const t = this.threads[tid];
    switch (arg & 3) {
      case 0: // deferred switch-in after a wake
        if (t.state === TS_RUNNABLE && !t.preempted) {
          t.state = TS_RUNNING;
          this.log.push([now, tid, 'resume']);
          t.body.resume(tid, tid, now);
        }
        return;
      case 1:
        if (t.state === TS_RUNNING) {
          t.state = TS_RUNNABLE;
          t.preempted = true;
          this.log.push([now, tid, 'suspend']);
          t.body.suspend(tid, now);
        }
        return;
      case 2:
        if (t.preempted) {
          t.preempted = false;
          if (t.state === TS_RUNNABLE) {
            t.state = TS_RUNNING;
            this.log.push([now, tid, 'resume']);
            t.body.resume(tid, tid, now);
          }
        }
        return;
    }
  }
}

// ---------------------------------------------------------------- guest

type GState = 'out' | 'in' | 'exit' | 'halted';

/** A scripted VTL0: busy or idle; exits at given times; records completions and guest time. */
export class FakeGuest implements Vtl0, EventHandler {
  outer!: Vtl0Outer;
  st: GState = 'out';
  inSince = 0;
  /** ns spent executing guest code. */
  guestNs = 0;
  private readonly h: number;
  private readonly exits: { exit: number; dur: Ns; range?: TextRange }[] = [];
  private pendingExit = -1;
  readonly log: [number, string][] = [];

  constructor(readonly engine: Engine, readonly vm: number, readonly vp: number, public busy: boolean) {
    this.h = engine.register(this);
  }
  attach(outer: Vtl0Outer): void { this.outer = outer; }
  enter(now: Ns): void {
    if (!this.busy) {
      this.st = 'halted';
      this.log.push([now, 'halt']);
      this.outer.vtl0Halt(this.vp, now);
      return;
    }
    this.st = 'in';
    this.inSince = now;
    this.log.push([now, 'enter']);
    if (this.pendingExit >= 0) {
      const i = this.pendingExit;
      this.pendingExit = -1;
      this.doExit(i, now);
    }
  }
  leave(now: Ns): void {
    if (this.st !== 'in') return;
    this.guestNs += now - this.inSince;
    this.st = 'out';
    this.log.push([now, 'leave']);
  }
  exitDone(now: Ns): void {
    if (this.st === 'exit') this.st = 'out';
    this.log.push([now, 'exitDone']);
  }
  hasWork(): boolean { return this.busy; }
  workSince(): Ns { return this.busy ? -Infinity : Infinity; }
  inGuest(): boolean { return this.st === 'in'; }

  /** At `at`, the guest takes exit `exit` (EXIT_*) of `dur` (deferred to its next entry if it is not in VTL0 then). */
  exitAt(at: Ns, exit: number, dur: Ns, range?: TextRange): void {
    this.exits.push({ exit, dur, range });
    this.engine.post(this.h, this.exits.length - 1, at);
  }

  onEvent(i: number, now: Ns): void {
    if (this.st === 'in') this.doExit(i, now);
    else this.pendingExit = i;
  }

  private doExit(i: number, now: Ns): void {
    const e = this.exits[i];
    this.guestNs += now - this.inSince;
    this.st = 'exit';
    this.log.push([now, `exit${e.exit}`]);
    this.outer.vtl0Exit(this.vp, now, e.exit, e.dur, -1, e.range);
  }
}

// ---------------------------------------------------------------- IR builders

let rangeSeq = 1000;
const nextRange = (): TextRange => R(rangeSeq++);

export function step(s: Partial<Step> & { kind: Step['kind'] }): Step {
  return { range: nextRange(), ...(s as object) } as Step;
}
export const cpu = (d: Ns): Step => step({ kind: 'cpu', dur: fixed(d) } as Step);
export const sleep = (d: Ns): Step => step({ kind: 'sleep', dur: fixed(d) } as Step);
export const io = (d: Ns): Step => step({ kind: 'io', latency: fixed(d) } as Step);
export const syscall = (d: Ns): Step => step({ kind: 'syscall', dur: fixed(d) } as Step);
export const getStep = (d: Ns, blocking: boolean): Step => step({ kind: 'get', dur: fixed(d), blocking } as Step);
export const waitReady = (): Step => step({ kind: 'wait_vp_ready' } as Step);

export function task(name: string, steps: Step[], o: Partial<Vtl2Task> & { at?: Ns; every?: Ns } = {}): Vtl2Task {
  const trigger = o.at !== undefined ? { kind: 'once' as const, atNs: o.at } : o.every !== undefined ? { kind: 'periodic' as const, period: fixed(o.every) } : { kind: 'loop' as const };
  return {
    name,
    range: nextRange(),
    targetVp: o.targetVp,
    runOnTarget: o.runOnTarget ?? false,
    runsOn: o.runsOn ?? 'vp',
    retargets: o.retargets ?? [],
    ...(o.ioRing !== undefined ? { ioRing: o.ioRing } : {}),
    ...(o.spawnedOn !== undefined ? { spawnedOn: o.spawnedOn } : {}),
    program: o.program ?? { trigger, startNs: o.at !== undefined ? 0 : 0, count: o.at !== undefined ? 1 : undefined, steps },
  };
}

export function storvsp(name: string, disks: [string, Ns][], o: Partial<StorvspController> = {}): StorvspController {
  return {
    name,
    range: nextRange(),
    subChannels: o.subChannels ?? 0,
    subChannelsWritten: o.subChannels ?? 0,
    ioQueueDepth: o.ioQueueDepth ?? 256,
    pollModeQueueDepth: o.pollModeQueueDepth ?? 1,
    interrupts: o.interrupts ?? true,
    channelVps: o.channelVps ?? [],
    disks: disks.map(([n, lat]) => ({ name: n, range: nextRange(), latency: fixed(lat) })),
  };
}

export function openhcl(o: Partial<OpenHcl> = {}): OpenHcl {
  return {
    range: R(1),
    backend: 'threadpool',
    ioUringCancel: true,
    arch: 'x64',
    isolation: 'none',
    vpCpuMap: [],
    ioRingSize: 256,
    tasks: [],
    storvsp: [],
    netvsp: [],
    ...o,
  };
}

export function vm(vcpus: number, oh: OpenHcl, residence: Dist = fixed(1 * ms)): Vm {
  const r = R(2);
  return {
    name: 'v',
    range: r,
    vcpus,
    pool: 'Pool-0',
    cpus: Array.from({ length: vcpus }, (_, i) => i),
    cpusSoft: [],
    pin: 'shared',
    weight: 256,
    capPercent: 0,
    nice: 0,
    policy: 'normal',
    rtPriority: 50,
    dom0: false,
    boost: { range: r, mode: 'off', trigger: 'injection', interrupts: [], guestRequests: true, preemptLimitNs: 0, unboostCostNs: 0, guestUnboosts: true, rtPriority: 8, nested: false },
    openhcl: oh,
    guest: { range: R(3), residence, sliceNs: 3 * ms, stealTime: true, ple: { range: r, enabled: false, windowNs: 0, grow: 2, maxWindowNs: 0, directedYield: false }, locks: [], threads: [], parallel: [], ioloads: [], intercepts: [], irqs: [] },
  };
}

// ---------------------------------------------------------------- world

export interface World {
  engine: Engine;
  host: FakeHost;
  guests: FakeGuest[];
  model: OpenHclModel;
  stats: SimStats;
  rec: SimRecorder;
  /** [token, vcpu, time] of every guest IO completion. */
  done: [number, number, number][];
  run(untilNs: Ns): void;
  latency(task: string): { count: number; max: number; p50: number; mean: number; unfinished: number };
  counter(name: string): number;
}

export interface WorldOptions {
  /** Guest busy per VP (default all idle). */
  busy?: boolean[];
  stallThresholdNs?: Ns;
  endNs?: Ns;
  seed?: number;
}

export function world(v: Vm, o: WorldOptions = {}): World {
  const engine = new Engine();
  const host = new FakeHost(engine);
  const endNs = o.endNs ?? 100 * ms;
  const rec = new SimRecorder(true, 0);
  const stats = new SimStats(o.stallThresholdNs ?? 1 * ms, 0, 10_000);
  const scenario = { title: 't', settings: {} as never, host: {} as never, vms: [v], variants: [] } as Scenario;
  const ctx: SimContext = { scenario, options: {}, engine, host, rng: new RngStreams(o.seed ?? 1), rec, stats, endNs, warmupNs: 0 };
  const guests: FakeGuest[] = [];
  const vpThreads: number[] = [];
  for (let i = 0; i < v.vcpus; i++) {
    guests.push(new FakeGuest(engine, 0, i, o.busy?.[i] ?? false));
    vpThreads.push(host.createThread({ kind: 'vcpu', laneId: `vm:v/vcpu:${i}`, label: `VP ${i}`, group: 'vm:v', pool: 0, cpus: [i], policy: 'normal', nice: 0, rtPriority: 0, domain: 0, vm: 0, vp: i }));
  }
  const done: [number, number, number][] = [];
  const sink: IoSink = { ioDone: (token, vcpu, now) => void done.push([token, vcpu, now]) };
  const built = buildOpenHcl(ctx, { vmIndex: 0, vm: v, domain: 0, pool: 0, vpThreads, vtl0: guests, io: sink, boost: { onExit() {}, onHalt() {} } });
  const model = (built.storage as unknown) as OpenHclModel;
  let finished = false;
  return {
    engine,
    host,
    guests,
    model,
    stats,
    rec,
    done,
    run(untilNs: Ns) {
      engine.run(untilNs);
      if (untilNs >= endNs && !finished) {
        finished = true;
        built.finish?.(endNs);
      }
    },
    latency(name: string) {
      const i = stats.tasks.findIndex((t) => t.name === name);
      return stats.latency(i);
    },
    counter(name: string) {
      return stats.value(name);
    },
  };
}

/** Intervals of lane `id` as [start, end, state, cause] with names. */
export function intervals(w: World, id: string): [number, number, string, string][] {
  const tl = w.rec.timeline(0, w.engine.now);
  const lane = tl.lanes.find((l) => l.id === id);
  if (!lane) throw new Error(`no lane ${id}: ${tl.lanes.map((l) => l.id).join(', ')}`);
  const out: [number, number, string, string][] = [];
  for (let i = 0; i < lane.intervals.length; i += 4) {
    const c = lane.intervals[i + 3];
    out.push([lane.intervals[i], lane.intervals[i + 1], tl.states[lane.intervals[i + 2]], c >= 0 ? tl.causes[c] : '']);
  }
  return out;
}
