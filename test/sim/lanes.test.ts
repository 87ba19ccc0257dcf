/**
 * Timeline lanes of tasks, StorVSP channels and disks, guest threads, host threads and sidecar VPs
 * (sim/openhcl/lanes.ts, sim/guest/lanes.ts): well-formed lanes, states from the documented
 * tables, cross-checks against what the model accounts elsewhere, and no change at all to a run's
 * results when no timeline is requested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import type { Scenario, Step } from '../../server/src/model/ir';
import type { LaneData, TimelineData } from '../../server/src/core/timeline';
import { simulate, simulateAll } from '../../server/src/sim/run';
import type { VariantResult } from '../../server/src/sim/result';
import { cpu, exp, fixed, load, lockStep, ms, parallel, program, scenario, sleep, thread, us, vm, every } from './irBuilders';
import * as oh from './openhcl/harness';

/** Allowed states per lane kind (README.md, "timeline"). */
const STATES: Record<string, string[]> = {
  task: ['running', 'waiting', 'blocked', 'idle'],
  channel: ['busy', 'full', 'idle'],
  disk: ['busy', 'idle'],
  'guest-thread': ['running', 'runnable', 'spinning', 'blocked', 'idle', 'vcpu_preempted', 'vcpu_out'],
  thread: ['running', 'runnable', 'blocked', 'idle', 'vtl2', 'intercept', 'kernel_blocked', 'blackout'],
  sidecar: ['online', 'remote', 'queued', 'onlining', 'blackout', 'idle'],
};

type Iv = [number, number, string, string];

function ivs(tl: TimelineData, l: LaneData): Iv[] {
  const out: Iv[] = [];
  for (let i = 0; i < l.intervals.length; i += 4) out.push([l.intervals[i], l.intervals[i + 1], tl.states[l.intervals[i + 2]], l.intervals[i + 3] >= 0 ? tl.causes[l.intervals[i + 3]] : '']);
  return out;
}

function laneById(tl: TimelineData, id: string): LaneData {
  const l = tl.lanes.find((x) => x.id === id);
  assert.ok(l, `lane ${id}`);
  return l;
}

function timeIn(tl: TimelineData, l: LaneData, state: string): number {
  return ivs(tl, l).reduce((s, [a, b, st]) => s + (st === state ? b - a : 0), 0);
}

/** Total length of the intersection of two sorted, non-overlapping interval lists. */
function overlap(a: [number, number][], b: [number, number][]): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i][0], b[j][0]);
    const hi = Math.min(a[i][1], b[j][1]);
    if (hi > lo) s += hi - lo;
    if (a[i][1] < b[j][1]) i++;
    else j++;
  }
  return s;
}

/** Every lane: contiguous intervals covering [0, end] exactly, valid indices; new lanes use their state table. */
function checkWellFormed(r: VariantResult): TimelineData {
  const tl = r.timeline!;
  assert.ok(tl, 'timeline present');
  const end = r.stop.simulatedNs;
  const ids = new Set<string>();
  for (const l of tl.lanes) {
    assert.ok(!ids.has(l.id), `lane id ${l.id} unique`);
    ids.add(l.id);
    assert.ok(l.label.length > 0 && l.label.length <= 40, `short label for ${l.id}: ${l.label}`);
    const v = ivs(tl, l);
    if (end > 0) assert.ok(v.length > 0, `${l.id} has intervals`);
    let t = 0;
    for (let i = 0; i < l.intervals.length; i += 4) {
      const [a, b, s, c] = l.intervals.slice(i, i + 4);
      assert.equal(a, t, `${l.id}: interval ${i / 4} starts where the previous ended (sorted, no gap, no overlap)`);
      assert.ok(b > a, `${l.id}: non-empty interval`);
      assert.ok(Number.isInteger(s) && s >= 0 && s < tl.states.length, `${l.id}: state index`);
      assert.ok(Number.isInteger(c) && c >= -1 && c < tl.causes.length, `${l.id}: cause index`);
      t = b;
    }
    if (end > 0) assert.equal(t, end, `${l.id} ends at the end of the run`);
    const table = l.id.endsWith('/sidecar') ? STATES.sidecar : STATES[l.kind];
    if (table) for (const [, , s] of v) assert.ok(table.includes(s), `${l.id} (${l.kind}): state ${s} in the table`);
  }
  return tl;
}

/** The recorder cause a task's lane runs under on its executor lane. */
function execCauseOf(label: string): string {
  let m: RegExpMatchArray | null;
  if ((m = /^task (.+)$/.exec(label))) return m[1];
  if ((m = /^worker (\S+) ch (\d+)$/.exec(label))) return `storvsp ${m[1]} ch${m[2]}`;
  if ((m = /^VP (\d+) exits \(sidecar\)$/.exec(label))) return `VP ${m[1]} exit (sidecar)`;
  if ((m = /^VP (\d+) exits$/.exec(label))) return `VP ${m[1]} exit`;
  throw new Error(`unexpected task label ${label}`);
}

/**
 * A task's `running` time = the time an executor lane shows VTL2 CPU or an intercept on its
 * behalf while that executor's host thread is on a pCPU (two independent recordings).
 */
function checkTaskRunning(tl: TimelineData): number {
  let checked = 0;
  const execs = tl.lanes.filter((l) => l.id.endsWith('/openhcl'));
  for (const tl0 of tl.lanes.filter((l) => l.kind === 'task')) {
    const cause = execCauseOf(tl0.label);
    let expect = 0;
    for (const ex of execs) {
      const hostId = ex.id.replace(/\/vp:(\d+)\/openhcl$/, '/vcpu:$1').replace(/\/openhcl$/, '');
      const host = laneById(tl, hostId);
      const onCpu = ivs(tl, host).filter(([, , s]) => s === 'running').map(([a, b]) => [a, b] as [number, number]);
      const mine = ivs(tl, ex).filter(([, , s, c]) => (s === 'vtl2' || s === 'intercept') && c === cause).map(([a, b]) => [a, b] as [number, number]);
      expect += overlap(mine, onCpu);
    }
    assert.equal(timeIn(tl, tl0, 'running'), expect, `${tl0.id}: running time = its executor time on a pCPU`);
    checked++;
  }
  return checked;
}

/**
 * Running/spinning guest threads are on a running vCPU; the spinning total is the guest's spin
 * counter (`guest.spin_ns`), which the guest brings up to date whenever it looks at a vCPU, so a
 * spin still going on at the end of the run may be missing from it (at most that last stretch).
 */
function checkGuestThreads(r: VariantResult, tl: TimelineData): void {
  const end = r.stop.simulatedNs;
  let spin = 0;
  let openSpin = 0;
  for (const l of tl.lanes.filter((x) => x.kind === 'guest-thread')) {
    spin += timeIn(tl, l, 'spinning');
    const last = ivs(tl, l).at(-1);
    if (last && last[2] === 'spinning' && last[1] === end) openSpin += last[1] - last[0];
    const m = /^vm:([^/]+)\/region:[^/]+\/t:(\d+)$/.exec(l.id);
    if (!m) continue;
    // Team thread i is bound to vCPU i mod vCPUs.
    const nv = r.vps.filter((p) => p.vm === m[1]).length;
    const vcpu = laneById(tl, `vm:${m[1]}/vcpu:${Number(m[2]) % nv}`);
    const onCpu = ivs(tl, vcpu).filter(([, , s]) => s === 'running').map(([a, b]) => [a, b] as [number, number]);
    const exec = ivs(tl, l).filter(([, , s]) => s === 'running' || s === 'spinning').map(([a, b]) => [a, b] as [number, number]);
    const total = exec.reduce((s, [a, b]) => s + b - a, 0);
    assert.equal(overlap(exec, onCpu), total, `${l.id} runs only while its vCPU runs`);
  }
  const counted = r.counters['guest.spin_ns'] ?? 0;
  if (openSpin === 0) assert.equal(spin, counted, 'spinning time = guest.spin_ns');
  else assert.ok(counted <= spin && counted >= spin - openSpin, `spinning time ${spin} = guest.spin_ns ${counted} up to the open stretch ${openSpin}`);
}

function withoutTimeline(r: VariantResult): string {
  const { timeline: _t, ...rest } = r;
  return JSON.stringify(rest);
}

const examplesDir = join(__dirname, '../../examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.vps')).sort();

function exampleScenario(f: string): Scenario {
  const a = analyzeDocument(readFileSync(join(examplesDir, f), 'utf8'), { uri: f });
  assert.ok(a.scenario, `${f} lowers`);
  return a.scenario;
}

test('examples: every lane well-formed, task running time matches the executor lanes, guest threads match their vCPUs; timeline off changes nothing', () => {
  let tasks = 0;
  const kinds = new Set<string>();
  for (const f of examples) {
    const sc = exampleScenario(f);
    const on = simulateAll(sc, { timeline: true });
    const off = simulateAll(sc);
    assert.equal(on.length, off.length);
    on.forEach((r, i) => {
      const tl = checkWellFormed(r);
      for (const l of tl.lanes) kinds.add(l.kind);
      tasks += checkTaskRunning(tl);
      checkGuestThreads(r, tl);
      assert.equal(off[i].timeline, undefined);
      assert.equal(withoutTimeline(r), JSON.stringify(off[i]), `${f} ${r.name}: results without the timeline are identical`);
    });
  }
  assert.ok(tasks >= 10, `task lanes checked: ${tasks}`);
  for (const k of ['pcpu', 'vcpu', 'vp', 'task', 'channel', 'disk', 'guest-thread']) assert.ok(kinds.has(k), `some example has ${k} lanes`);
});

test('StorVSP head-of-line: the shared controller\'s channels sit full behind the slow disk; a separate controller never fills', () => {
  const [base, sep] = simulateAll(exampleScenario('storvsp-head-of-line.vps'), { timeline: true });
  const end = base.stop.simulatedNs;
  const tb = base.timeline!;
  const chans = tb.lanes.filter((l) => l.kind === 'channel');
  assert.equal(chans.length, 4);
  assert.deepEqual(chans.map((l) => l.label), ['chan 0 (VP 0)', 'chan 1 (VP 1)', 'chan 2 (VP 2)', 'chan 3 (VP 3)']);
  for (const c of chans) {
    assert.ok(timeIn(tb, c, 'full') > 0.9 * end, `${c.id} full most of the run`);
    assert.ok(ivs(tb, c).some(([, , s, cause]) => s === 'full' && cause === 'queue depth 32 reached'));
  }
  // The archive disk is busy all the time, with the backup's IOs; each disk's cause is its IO load.
  const archive = laneById(tb, 'vm:db/disk:scsi0/archive');
  assert.equal(archive.label, 'disk archive');
  assert.ok(timeIn(tb, archive, 'busy') > 0.99 * end);
  for (const [disk, loadName] of [['archive', 'backup'], ['os', 'boot'], ['data', 'oltp']]) {
    const busy = ivs(tb, laneById(tb, `vm:db/disk:scsi0/${disk}`)).filter(([, , s]) => s === 'busy');
    assert.ok(busy.length > 0 && busy.every(([, , , c]) => c === loadName), `disk ${disk} busy with ${loadName}`);
  }
  const ts = sep.timeline!;
  for (const c of ts.lanes.filter((l) => l.kind === 'channel')) assert.equal(timeIn(ts, c, 'full'), 0, `${c.id} never full`);
  assert.ok(timeIn(ts, laneById(ts, 'vm:db/disk:scsi1/archive'), 'busy') > 0.99 * end);
});

test('OpenHCL blocking syscall: the task behind it waits with the blocking task as its cause', () => {
  const [base] = simulateAll(exampleScenario('openhcl-blocking-syscall.vps'), { timeline: true, variants: 'base' });
  const tl = base.timeline!;
  const nvme = laneById(tl, 'vm:web/task:nvme');
  const vmgs = laneById(tl, 'vm:web/task:vmgs');
  const behind = ivs(tl, nvme).filter(([, , s, c]) => s === 'waiting' && c === 'vmgs').reduce((s, [a, b]) => s + b - a, 0);
  assert.ok(behind > 10 * ms, `nvme waited behind vmgs for ${behind} ns`);
  assert.ok(timeIn(tl, vmgs, 'blocked') > 10 * ms);
  // Whenever nvme waits behind vmgs, vmgs is blocked or running.
  const vmgsBusy = ivs(tl, vmgs).filter(([, , s]) => s === 'blocked' || s === 'running').map(([a, b]) => [a, b] as [number, number]);
  const nvmeBehind = ivs(tl, nvme).filter(([, , s, c]) => s === 'waiting' && c === 'vmgs').map(([a, b]) => [a, b] as [number, number]);
  assert.equal(overlap(nvmeBehind, vmgsBusy), behind);
});

test('sidecar VPs: remote until their onlining, then one blackout at a time, then online', () => {
  const [base] = simulateAll(exampleScenario('openhcl-sidecar.vps'), { timeline: true, variants: 'base' });
  const tl = base.timeline!;
  const lanes = tl.lanes.filter((l) => l.id.endsWith('/sidecar'));
  assert.ok(lanes.length > 0);
  const busy: [number, number][] = [];
  for (const l of lanes) {
    const seq = ivs(tl, l).map(([, , s]) => s);
    assert.equal(seq[0], 'remote', `${l.id} starts remote`);
    if (seq.includes('online')) assert.equal(seq[seq.length - 1], 'online');
    for (const [a, b, s] of ivs(tl, l)) if (s === 'onlining' || s === 'blackout') busy.push([a, b]);
  }
  busy.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < busy.length; i++) assert.ok(busy[i][0] >= busy[i - 1][1], 'one VP onlines at a time (global lock)');
});

test('host load threads are lanes host/thread:NAME', () => {
  const sc = scenario({ pcpus: 2, durationNs: 20 * ms, loads: [load('mgmt', program([cpu(exp(1 * ms)), sleep(exp(1 * ms))])), load('hog', program([cpu(2 * ms)]), { threads: 2 })] });
  const r = simulate(sc, { timeline: true });
  const tl = checkWellFormed(r);
  const ids = tl.lanes.filter((l) => l.kind === 'thread').map((l) => l.id);
  assert.deepEqual(ids, ['host/thread:mgmt', 'host/thread:hog#0', 'host/thread:hog#1']);
  const mgmt = laneById(tl, 'host/thread:mgmt');
  assert.equal(mgmt.label, 'thread mgmt');
  assert.equal(mgmt.group, 'host');
  // Two pCPUs, three threads: mgmt runs, waits for a pCPU, and sleeps between passes.
  for (const s of ['running', 'runnable', 'idle']) assert.ok(timeIn(tl, mgmt, s) > 0, s);
  const hostThread = r.hostThreads.find((h) => h.name === 'mgmt')!;
  assert.equal(timeIn(tl, mgmt, 'running'), hostThread.states.running, 'lane and result agree');
});

// ---------------------------------------------------------------- generated scenarios

const arbGuestStep = fc.oneof(
  fc.integer({ min: 5, max: 400 }).map((u) => cpu(exp(u * us))),
  fc.integer({ min: 5, max: 400 }).map((u) => sleep(exp(u * us))),
  fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 1, max: 100 })).map(([l, u]) => lockStep(l, fixed(u * us))),
);

const arbGuestScenario = fc
  .record({
    pcpus: fc.integer({ min: 1, max: 4 }),
    vcpus: fc.integer({ min: 1, max: 4 }),
    threads: fc.array(fc.record({ steps: fc.array(arbGuestStep, { minLength: 1, maxLength: 4 }), count: fc.integer({ min: 1, max: 3 }), periodUs: fc.option(fc.integer({ min: 50, max: 2000 })) }), { minLength: 0, maxLength: 3 }),
    lockKinds: fc.tuple(fc.constantFrom('spin', 'ticket', 'mutex'), fc.constantFrom('spin', 'ticket', 'mutex')),
    region: fc.option(fc.record({ barrier: fc.constantFrom('spin', 'block', 'paravirt'), dop: fc.constantFrom('fixed', 'adaptive'), threads: fc.integer({ min: 1, max: 6 }) })),
    hog: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map((g) =>
    scenario({
      pcpus: g.pcpus,
      durationNs: 15 * ms,
      seed: g.seed,
      loads: g.hog ? [load('hog', program([cpu(exp(500 * us)), sleep(exp(300 * us))]))] : [],
      vms: [
        vm('g', g.vcpus, {
          guest: {
            locks: [
              { name: 'a', kind: g.lockKinds[0], mode: 'kernel', range: oh.R(1) },
              { name: 'b', kind: g.lockKinds[1], mode: 'kernel', range: oh.R(2) },
            ] as never,
            threads: g.threads.map((t, i) => thread(`t${i}`, program(t.steps as Step[], t.periodUs ? every(exp(t.periodUs * us)) : undefined), { count: t.count })),
            parallel: g.region ? [parallel('omp', { barrier: g.region.barrier as 'spin', dop: g.region.dop as 'fixed', threads: g.region.threads, rounds: 40, work: exp(100 * us), ...(g.region.barrier === 'block' ? { spinLimitNs: 50 * us } : {}) })] : [],
          },
        }),
      ],
    }),
  );

test('generated guest scenarios: lanes well-formed, spinning = guest.spin_ns, team threads run only on a running vCPU, timeline off changes nothing', () => {
  fc.assert(
    fc.property(arbGuestScenario, (sc) => {
      const on = simulate(sc, { timeline: true });
      const tl = checkWellFormed(on);
      checkGuestThreads(on, tl);
      assert.equal(withoutTimeline(on), JSON.stringify(simulate(sc)));
    }),
    { numRuns: 40, seed: 7 },
  );
});

const arbOpenHclScenario = fc
  .record({
    vps: fc.integer({ min: 1, max: 4 }),
    pcpus: fc.integer({ min: 1, max: 4 }),
    backend: fc.constantFrom('threadpool', 'thread', 'single'),
    cancel: fc.boolean(),
    tasks: fc.array(
      fc.record({
        steps: fc.array(
          fc.oneof(
            fc.integer({ min: 5, max: 300 }).map((u) => oh.cpu(u * us)),
            fc.integer({ min: 5, max: 300 }).map((u) => oh.io(u * us)),
            fc.integer({ min: 5, max: 300 }).map((u) => oh.syscall(u * us)),
            fc.integer({ min: 5, max: 300 }).map((u) => oh.sleep(u * us)),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        everyUs: fc.integer({ min: 100, max: 3000 }),
        target: fc.option(fc.integer({ min: 0, max: 3 })),
      }),
      { maxLength: 3 },
    ),
    depth: fc.integer({ min: 1, max: 8 }),
    sub: fc.integer({ min: 0, max: 3 }),
    rate: fc.integer({ min: 1000, max: 30000 }),
    hog: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map((g) => {
    const ctrl = oh.storvsp('scsi0', [['fast', 100 * us], ['slow', 3 * ms]], { subChannels: g.sub, ioQueueDepth: g.depth, pollModeQueueDepth: g.depth + 1 });
    const v = oh.vm(
      g.vps,
      oh.openhcl({
        backend: g.backend as 'threadpool',
        ioUringCancel: g.cancel,
        tasks: g.tasks.map((t, i) => oh.task(`k${i}`, t.steps, { every: t.everyUs * us, targetVp: t.target === null ? undefined : t.target % g.vps })),
        storvsp: [ctrl],
      }),
    );
    v.cpus = Array.from({ length: g.pcpus }, (_, i) => i);
    v.guest.ioloads = [
      { name: 'fastio', controller: 'scsi0', disk: 'fast', ratePerSec: g.rate, vcpus: [], range: oh.R(5) },
      { name: 'slowio', controller: 'scsi0', disk: 'slow', depth: 4 * g.depth, vcpus: [], range: oh.R(6) },
    ] as never;
    return scenario({ pcpus: g.pcpus, durationNs: 20 * ms, seed: g.seed, vms: [v], loads: g.hog ? [load('hog', program([cpu(exp(400 * us)), sleep(exp(400 * us))]))] : [] });
  });

test('generated OpenHCL scenarios: lanes well-formed, task running time = executor time on a pCPU, timeline off changes nothing', () => {
  fc.assert(
    fc.property(arbOpenHclScenario, (sc) => {
      const on = simulate(sc, { timeline: true });
      const tl = checkWellFormed(on);
      checkTaskRunning(tl);
      // An IO at a disk's backend was read from a channel and is not yet completed to the guest,
      // so while a disk is busy some channel of its controller is busy or full.
      const chans = tl.lanes.filter((l) => l.kind === 'channel').map((l) => ivs(tl, l).filter(([, , s]) => s !== 'idle').map(([a, b]) => [a, b] as [number, number]));
      const anyChan: [number, number][] = [];
      for (const [a, b] of chans.flat().sort((x, y) => x[0] - y[0])) {
        if (anyChan.length && a <= anyChan[anyChan.length - 1][1]) anyChan[anyChan.length - 1][1] = Math.max(anyChan[anyChan.length - 1][1], b);
        else anyChan.push([a, b]);
      }
      for (const d of tl.lanes.filter((l) => l.kind === 'disk')) {
        const busy = ivs(tl, d).filter(([, , s]) => s === 'busy').map(([a, b]) => [a, b] as [number, number]);
        assert.equal(overlap(busy, anyChan), busy.reduce((s, [a, b]) => s + b - a, 0), `${d.id}: busy only while a channel holds its IO`);
      }
      assert.equal(withoutTimeline(on), JSON.stringify(simulate(sc)));
    }),
    { numRuns: 30, seed: 11 },
  );
});
