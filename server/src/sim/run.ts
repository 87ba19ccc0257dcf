/**
 * The simulator's entry points: `simulate(scenario, opts)` runs one scenario (the base or one
 * variant) and `simulateAll(scenario, opts)` runs the base (named `base`) and every named variant
 * with the same code paths. Pure: no I/O, no clock; the same scenario and seed give identical
 * results (the shells serialise them byte-identically).
 *
 * Assembly order (every model allocates its state here, before time 0):
 *   engine, rng, recorder, stats -> host (pools + schedulers, pCPU lanes) -> per VM: domain,
 *   vCPU threads (with the VM's scheduling settings; static RT boost applied here), KVM boost
 *   hooks, the guest (VTL0 of every vCPU), then the outer per-VP model (OpenHCL executor or the
 *   plain vCPU) -> host loads -> run -> results (run hazards: `analysis/run` withRunFindings).
 */
import type { Scenario, Vm } from '../model/ir';
import type { OpenHclBuilder, OpenHclVm, RunSize, SimContext, SimOptions, StopReason } from './contracts';
import { SetupStopped, STATE_BLOCKED, STATE_IDLE, STATE_RUNNABLE, STATE_RUNNING } from './contracts';
import { Engine } from './engine';
import { GuestVm } from './guest/guest';
import type { GuestFacts } from './guest/guest';
import { Host } from './host/host';
import { createLoads } from './host/loads';
import { CreditScheduler } from './host/credit';
import { Credit2Scheduler } from './host/credit2';
import { KvmVm } from './kvm';
import { MAX_TIMELINE_INTERVALS, SimRecorder, SimStats } from './record';
import type { HostThreadResult, PcpuResult, RegionResult, TaskResult, VariantResult, VmResult, VpResult } from './result';
import { RngStreams } from './rng';
import { PlainVcpu } from './vcpu';
import { buildOpenHcl } from './openhcl';

/** Events between the polls at which a run may stop at its timeline bound (`timeline_limit`): the engine's default batch. */
const TIMELINE_POLL = 4096;

export type { SimOptions } from './contracts';
export type { VariantResult, RunResult } from './result';

/** The OpenHCL model (sim/openhcl/index.ts); VMs with `openhcl` run through it. */
const openHclBuilder: OpenHclBuilder | undefined = buildOpenHcl;

export interface SimulateAllOptions extends SimOptions {
  /** Which variants: all (default), only the base, or the named ones (`base` names the base). */
  variants?: 'all' | 'base' | string[];
  /**
   * Called once when a cancellation or the wall budget ends the comparison before every selected
   * variant ran, with the names never started (in order) and why.
   */
  onNotRun?: (names: string[], reason: 'cancelled' | 'wall_limit') => void;
}

/** Runs the base and the selected variants; progress is reported over all of them. */
export function simulateAll(scenario: Scenario, opts: SimulateAllOptions = {}): VariantResult[] {
  const sel = opts.variants ?? 'all';
  const runs: { name: string; description?: string; s: Scenario }[] = [];
  const chosen = typeof sel === 'string' ? undefined : new Set(sel);
  const want = (n: string) => sel === 'all' || (sel === 'base' ? n === 'base' : chosen!.has(n));
  if (want('base')) runs.push({ name: 'base', s: scenario });
  for (const v of scenario.variants) if (want(v.name)) runs.push({ name: v.name, description: v.description, s: v.scenario });
  const out: VariantResult[] = [];
  // The timeline bound holds for the whole comparison, shared evenly, so that variants cut by it
  // are cut at about the same simulated time and stay comparable.
  const intervalsEach = Math.max(1, Math.floor((opts.maxTimelineIntervals ?? MAX_TIMELINE_INTERVALS) / Math.max(1, runs.length)));
  // What the runs done so far recorded, added to the running one's at each poll (`RunSize`).
  const done: RunSize = { lanes: 0, intervals: 0, samples: 0 };
  let last: RunSize = { lanes: 0, intervals: 0, samples: 0 };
  const ask = opts.shouldStop;
  const shouldStop = ask && ((s?: RunSize) => {
    if (s) last = s;
    return ask(s ? { lanes: done.lanes + s.lanes, intervals: done.intervals + s.intervals, samples: done.samples + s.samples } : done);
  });
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i];
    done.lanes += last.lanes;
    done.intervals += last.intervals;
    done.samples += last.samples;
    last = { lanes: 0, intervals: 0, samples: 0 };
    // Many short variants never reach the engine's poll: the budget is also read between runs
    // (the first always starts, so a run that is out of time still reports what it has).
    const before = i > 0 ? opts.shouldStop?.(done) : false;
    if (before === 'cancelled' || before === 'wall_limit' || before === true) {
      opts.onNotRun?.(runs.slice(i).map((x) => x.name), before === true ? 'cancelled' : before);
      break;
    }
    const onProgress = opts.onProgress ? (f: number) => opts.onProgress!((i + f) / runs.length) : undefined;
    let res: VariantResult;
    try {
      res = simulate(r.s, { ...opts, onProgress, maxTimelineIntervals: intervalsEach, shouldStop }, r.name, r.description);
    } catch (e) {
      // Stopped while its model was being built: nothing of it ran.
      if (!(e instanceof SetupStopped)) throw e;
      opts.onNotRun?.(runs.slice(i).map((x) => x.name), e.reason);
      break;
    }
    out.push(res);
    // A cancelled or out-of-time run ends the whole comparison; the shell reports what it has.
    const stop: StopReason = res.stop.reason;
    if (stop === 'cancelled' || stop === 'wall_limit') {
      if (i + 1 < runs.length) opts.onNotRun?.(runs.slice(i + 1).map((x) => x.name), stop);
      break;
    }
  }
  return out;
}

/** What the run hazards of `analysis/run` read besides the result: kept per result, not serialised. */
export interface SimRunFacts {
  scenario: Scenario;
  guests: { vm: Vm; facts: GuestFacts }[];
  /** Per task (the order of `result.tasks`): the age of its oldest unfinished sample at the end, ns. */
  oldestUnfinishedNs: number[];
}

const runFacts = new WeakMap<VariantResult, SimRunFacts>();

/** The scenario and guest facts a result was simulated from (undefined for a result not made here). */
export function runFactsOf(result: VariantResult): SimRunFacts | undefined {
  return runFacts.get(result);
}

/** Findings in document order, then by code: the one order every shell shows. */
export function sortFindings<T extends { range?: { start: number }; code: string }>(findings: T[]): T[] {
  return findings.sort((a, b) => (a.range?.start ?? -1) - (b.range?.start ?? -1) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/**
 * Simulates one scenario (a variant is a complete scenario). The result carries the simulator's
 * own findings (OpenHCL run findings, stalls); the run hazards of `analysis/run` are added by
 * `withRunFindings` in the shells (the simulator does not import the layer above it).
 */
export function simulate(scenario: Scenario, opts: SimOptions = {}, name = 'base', description?: string): VariantResult {
  const set = scenario.settings;
  const seed = opts.seed ?? set.seed;
  const durationNs = Math.max(0, Math.round(opts.durationNs ?? set.durationNs));
  const warmupNs = Math.min(durationNs, Math.max(0, set.warmupNs));
  const engine = new Engine();
  const rng = new RngStreams(seed);
  const rec = new SimRecorder(opts.timeline === true, warmupNs, opts.maxTimelineIntervals);
  const stats = new SimStats(set.stallThresholdNs, warmupNs, opts.maxStalls ?? 200);
  const host = new Host(engine, rec, stats, scenario.host, rng);
  // The set-up of a large model takes seconds (64 VMs x 1,024 vCPUs x 1,024 threads: 18 s on two
  // loaded cores, measured here): the stop is polled there too, every 256 threads (or VMs). A
  // model of fewer never polls before its first event, as before.
  const ask = opts.shouldStop;
  const shouldStop = ask && (() => ask({ lanes: rec.laneCount, intervals: rec.intervalCount, samples: stats.keptSamples() }));
  let ticks = 0;
  const setupTick = shouldStop
    ? () => {
        if ((++ticks & 255) !== 0) return;
        const s = shouldStop();
        if (s) throw new SetupStopped(s === true ? 'cancelled' : s);
      }
    : undefined;
  const ctx: SimContext = { scenario, options: opts, engine, host, rng, rec, stats, endNs: durationNs, warmupNs, setupTick };

  // ---- VMs
  const guests: GuestVm[] = [];
  const kvms: KvmVm[] = [];
  const vmTids: number[][] = [];
  const openhcl: OpenHclVm[] = [];
  scenario.vms.forEach((vm, vi) => {
    setupTick?.();
    let pool = host.poolIndex(vm.pool);
    if (pool < 0) pool = 0;
    const domain = host.createDomain({ name: vm.name, weight: vm.weight, capPercent: vm.capPercent, pool });
    const cpus = vm.cpus.length ? vm.cpus : host.poolCpus(pool);
    const staticRt = vm.boost.mode === 'static_rt';
    const tids: number[] = [];
    for (let v = 0; v < vm.vcpus; v++) {
      setupTick?.();
      const mine = vm.pin === 'one_to_one' && cpus.length ? [cpus[v % cpus.length]] : cpus;
      tids.push(
        host.createThread({
          kind: 'vcpu',
          laneId: `vm:${vm.name}/vcpu:${v}`,
          label: `${vm.name} vCPU ${v}`,
          group: `vm:${vm.name}`,
          pool,
          cpus: mine,
          cpusSoft: vm.pin === 'one_to_one' ? mine : vm.cpusSoft,
          policy: staticRt ? 'rr' : vm.policy,
          nice: vm.nice,
          rtPriority: staticRt ? vm.boost.rtPriority : vm.rtPriority,
          domain,
          vm: vi,
          vp: v,
          range: vm.range,
        }),
      );
    }
    vmTids.push(tids);
    const kvm = new KvmVm(ctx, vm, tids);
    kvms.push(kvm);
    const guest = new GuestVm(ctx, vm, vi, kvm);
    guest.setVcpuTids(tids);
    guests.push(guest);
    if (vm.openhcl && openHclBuilder) {
      const m = openHclBuilder(ctx, { vmIndex: vi, vm, domain, pool, vpThreads: tids, vtl0: guest.vcpus, io: guest.io, boost: kvm, costs: guest.costs });
      guest.setStorage(m.storage);
      openhcl.push(m);
    } else {
      for (let v = 0; v < vm.vcpus; v++) {
        // Natural residence exits only matter for dynamic boosting (see vcpu.ts).
        const residence = kvm.dynamic ? { dist: vm.guest.residence, rng: rng.stream(`vm:${vm.name}/vp:${v}/residence`) } : undefined;
        host.setBody(tids[v], new PlainVcpu(ctx, v, tids[v], guest.vcpus[v], kvm, residence, guest.costs));
      }
    }
  });

  // ---- host loads
  const poolOf = (cpus: readonly number[]) => {
    for (let p = 0; p < host.pools.length; p++) if (cpus.some((c) => host.pools[p].cpus.includes(c))) return p;
    return 0;
  };
  const loads = createLoads(ctx, poolOf, (l, pool) => host.createDomain({ name: `load:${l.name}`, weight: 256, capPercent: 0, pool }));

  // ---- run
  host.start();
  opts.onPhase?.('run', engine);
  // A timeline that reached its bound (record.ts) stops the run at the next poll, so the
  // statistics cover about the span the timeline shows. That stop is part of the result, so it
  // must not depend on the clock: it is taken only at a multiple of the batch (4,096 events, or
  // a numeric `checkEvery`) from the start, and a batch size adapted to the clock (sim/worker.ts
  // `adaptiveBatch`) is cut so that every such multiple is a poll. The run then stops where fixed
  // batches stopped it.
  const e0 = engine.events;
  const adaptive = typeof opts.checkEvery === 'function' ? opts.checkEvery : undefined;
  const unit = typeof opts.checkEvery === 'number' ? Math.max(1, opts.checkEvery) : TIMELINE_POLL;
  const reason = engine.run(durationNs, {
    maxEvents: opts.maxEvents ?? set.maxEvents,
    shouldStop:
      opts.timeline === true
        ? () => (rec.cutNs !== undefined && (engine.events - e0) % unit === 0 ? 'timeline_limit' : shouldStop?.())
        : shouldStop,
    checkEvery:
      opts.timeline === true && adaptive !== undefined
        ? () => Math.min(Math.max(1, adaptive() | 0), unit - ((engine.events - e0) % unit))
        : opts.checkEvery,
    onProgress: opts.onProgress && durationNs > 0 ? (now) => opts.onProgress!(Math.min(1, now / durationNs)) : undefined,
  });
  opts.onPhase?.('results', engine);
  const end = reason === 'completed' ? durationNs : engine.now;
  if (opts.onProgress) opts.onProgress(1);
  host.finish(end);
  for (const g of guests) g.finish(end);
  for (const l of loads) l.finish(end);
  for (const m of openhcl) m.finish?.(end);
  rec.close(end);

  // ---- results
  const sRunning = rec.stateId(STATE_RUNNING);
  const sRunnable = rec.stateId(STATE_RUNNABLE);
  rec.stateId(STATE_BLOCKED);
  rec.stateId(STATE_IDLE);
  const tasks: TaskResult[] = stats.tasks.map((t, i) => {
    const r: TaskResult = { name: t.name, kind: t.kind, measures: t.measures ?? 'latency', latency: stats.latency(i) };
    if (t.vm !== undefined) r.vm = t.vm;
    if (t.range) r.range = t.range;
    return r;
  });
  const vps: VpResult[] = [];
  const vms: VmResult[] = [];
  const measured = Math.max(0, end - warmupNs);
  // Lanes of other views (e.g. OpenHCL) by VM/VP, in one pass.
  const viewLanes = new Map<string, number[]>();
  rec.specs.forEach((s, li) => {
    if (s.vm === undefined || s.vp === undefined || !s.view || s.view === 'host') return;
    const k = `${s.vm}/${s.vp}`;
    const l = viewLanes.get(k);
    if (l) l.push(li);
    else viewLanes.set(k, [li]);
  });
  scenario.vms.forEach((vm, vi) => {
    const tids = vmTids[vi];
    let cpuNs = 0;
    let stealNs = 0;
    tids.forEach((tid, v) => {
      const lane = host.laneOf(tid);
      const states = rec.totalsOf(lane);
      const steal = rec.total(lane, sRunnable);
      cpuNs += rec.total(lane, sRunning);
      stealNs += steal;
      const r: VpResult = { vm: vm.name, vp: v, states, stealNs: steal };
      const views: Record<string, Record<string, number>> = {};
      for (const li of viewLanes.get(`${vi}/${v}`) ?? []) views[rec.specs[li].view!] = rec.totalsOf(li);
      if (Object.keys(views).length) r.views = views;
      if (kvms[vi].dynamic) r.boostedNs = kvms[vi].boostedTime(v, end);
      vps.push(r);
    });
    const pool = host.pools[host.tPool[tids[0] ?? 0]] ?? host.pools[0];
    let parkedNs = 0;
    for (const tid of tids) {
      const s = pool?.sched;
      if (s instanceof CreditScheduler || s instanceof Credit2Scheduler) parkedNs += s.parkedNs[tid];
    }
    vms.push({
      name: vm.name, pool: pool?.name ?? vm.pool, vcpus: vm.vcpus, weight: vm.weight, capPercent: vm.capPercent, boost: vm.boost.mode,
      cpuNs, stealNs, group: -1, groupCpus: [], share: 0, weightShare: 0, capacityShare: 0, parkedNs, range: vm.range,
    });
  });
  // Competition groups: VMs of one pool whose vCPUs may run on exactly the same pCPUs (hazard 23
  // compares domains pinned to one shared subset; domains allowed everywhere form their own group).
  const cpuSets = scenario.vms.map((_, vi) => {
    const set = new Set<number>();
    const seen = new Set<Int32Array>();
    for (const t of vmTids[vi]) {
      const a = host.allowed[t];
      if (seen.has(a)) continue; // vCPUs with the same affinity share one list
      seen.add(a);
      for (const c of a) set.add(c);
    }
    return set;
  });
  const groupIds = new Map<string, number>();
  vms.forEach((v, i) => {
    const key = `${v.pool}|${[...cpuSets[i]].sort((a, b) => a - b).join(',')}`;
    if (!groupIds.has(key)) groupIds.set(key, groupIds.size);
    v.group = groupIds.get(key)!;
  });
  for (const gid of groupIds.values()) {
    const members = vms.map((v, i) => ({ v, i })).filter((x) => x.v.group === gid);
    const cpus = new Set<number>();
    for (const m of members) for (const c of cpuSets[m.i]) cpus.add(c);
    const totalCpu = members.reduce((s, m) => s + m.v.cpuNs, 0);
    const totalW = members.reduce((s, m) => s + m.v.weight * m.v.vcpus, 0);
    for (const m of members) {
      m.v.groupCpus = [...cpus].sort((a, b) => a - b);
      m.v.share = totalCpu > 0 ? m.v.cpuNs / totalCpu : 0;
      m.v.weightShare = totalW > 0 ? (m.v.weight * m.v.vcpus) / totalW : 0;
      m.v.capacityShare = measured > 0 && cpus.size > 0 ? m.v.cpuNs / (measured * cpus.size) : 0;
    }
  }
  const pcpus: PcpuResult[] = [];
  for (let c = 0; c < host.pcpus; c++) {
    const p = host.cpuPool[c];
    pcpus.push({ cpu: c, pool: p >= 0 ? host.pools[p].name : '', busyNs: rec.total(c, sRunning), idleNs: Math.max(0, measured - rec.total(c, sRunning)) });
  }
  const hostThreads: HostThreadResult[] = [];
  for (let t = 0; t < host.nThreads; t++) {
    const spec = host.specs[t];
    if (spec.kind === 'vcpu') continue;
    hostThreads.push({ name: spec.label, kind: spec.kind, states: rec.totalsOf(host.laneOf(t)), stealNs: rec.total(host.laneOf(t), sRunnable) });
  }
  const regions: RegionResult[] = [];
  guests.forEach((g) => {
    for (const r of g.regionSummaries()) regions.push({ vm: g.vmName, ...r });
  });
  stats.count('events', engine.events);
  const byCause: Record<string, { count: number; totalNs: number; maxNs: number }> = {};
  for (const k of [...stats.stallByCause.keys()].sort()) byCause[k] = { ...stats.stallByCause.get(k)! };
  const result: VariantResult = {
    name,
    seed,
    durationNs,
    warmupNs,
    stop: { reason, simulatedNs: end },
    tasks,
    vps,
    vms,
    pcpus,
    hostThreads,
    regions,
    stalls: stats.topStalls(),
    stallSummary: { count: stats.stallCount, byCause },
    findings: [],
    counters: {},
  };
  if (description !== undefined) result.description = description;
  // Run hazards (analysis/run, the layer above) are added by the shells through
  // `withRunFindings`; the simulator keeps what they need beside the result.
  result.findings = sortFindings([...stats.findings]);
  runFacts.set(result, { scenario, guests: guests.map((g) => ({ vm: g.vm, facts: g.facts })), oldestUnfinishedNs: stats.tasks.map((_, i) => stats.oldestUnfinished(i)) });
  result.counters = stats.counterObject();
  if (opts.timeline) result.timeline = rec.timeline(0, end);
  void loads;
  return result;
}
