/**
 * Xen credit (credit1): weights, BOOST on wake-up, caps, stealing, and the BS2000 effect.
 * Hand-worked cases on one or two pCPUs (model.md section 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busy, cpu, every, ms, pool, program, s, scenario, sleep, thread, vm } from './irBuilders';
import { lane, near, sim, vm as vmOf } from './helpers';

test('two domains with weights 256 and 512 on one pCPU share it 1/3 : 2/3 over 270 ms (one 30-60 cycle x3)', () => {
  // Measured after a 300 ms warm-up: at time 0 neither vCPU is active yet (Xen only hands credit
  // to vCPUs found running at a tick), so the first slices alternate regardless of weight. In
  // steady state the pCPU runs light 30 ms, heavy 60 ms, repeatedly: shares are exact per 90 ms.
  const r = sim(scenario({ pcpus: 1, sched: 'credit', durationNs: 570 * ms, warmupNs: 300 * ms, vms: [
    vm('light', 1, { weight: 256, guest: { threads: [busy()] } }),
    vm('heavy', 1, { weight: 512, guest: { threads: [busy()] } }),
  ] }));
  near(vmOf(r, 'light').cpuNs, 90 * ms, 10 * ms, 'light');
  near(vmOf(r, 'heavy').cpuNs, 180 * ms, 10 * ms, 'heavy');
  const runs = lane(r, 'host/pcpu:0').filter((x) => x[2] === 'running' && x[0] >= 300 * ms);
  assert.deepEqual(runs.slice(0, 3).map((x) => [(x[1] - x[0]) / ms, x[3]]), [[30, 'light vCPU 0'], [60, 'heavy vCPU 0'], [30, 'light vCPU 0']]);
});

test('equal weights on one pCPU alternate in 30 ms slices', () => {
  const r = sim(scenario({ pcpus: 1, sched: 'credit', durationNs: 120 * ms, vms: [vm('a', 1, { guest: { threads: [busy()] } }), vm('b', 1, { guest: { threads: [busy()] } })] }));
  const runs = lane(r, 'host/pcpu:0').filter((x) => x[2] === 'running');
  assert.deepEqual(runs.slice(0, 4).map((x) => [x[0] / ms, x[1] / ms, x[3]]), [
    [0, 30, 'a vCPU 0'],
    [30, 60, 'b vCPU 0'],
    [60, 90, 'a vCPU 0'],
    [90, 120, 'b vCPU 0'],
  ]);
});

test('a vCPU waking while UNDER is BOOSTed and preempts a busy OVER vCPU at once', () => {
  // `hog` burns its credit (OVER); `io` sleeps 5 ms between 100 us bursts, so it stays UNDER and
  // every wake-up boosts it past the hog (after the hog's 1 ms ratelimit at most). It starts at
  // 50 ms, once the hog has been accounted (a vCPU woken at time 0 is itself BOOSTed until a tick).
  const r = sim(scenario({ pcpus: 1, sched: 'credit', durationNs: 300 * ms, vms: [
    vm('hog', 1, { guest: { threads: [busy()] } }),
    vm('io', 1, { guest: { threads: [thread('io', program([cpu(100_000)], every(5 * ms), { startNs: 50 * ms }))] } }),
  ] }));
  const io = r.tasks.find((t) => t.name === 'io')!;
  assert.ok(io.latency.count >= 49);
  assert.ok(io.latency.p99 <= 1.2 * ms, `io p99 ${io.latency.p99} should be within the ratelimit`);
  assert.ok(vmOf(r, 'hog').cpuNs > 280 * ms);
});

test('a cap of 50% parks the vCPU for about half the time', () => {
  const r = sim(scenario({ pcpus: 1, sched: 'credit', durationNs: 600 * ms, vms: [vm('capped', 1, { capPercent: 50, guest: { threads: [busy()] } })] }));
  const v = vmOf(r, 'capped');
  near(v.cpuNs / (600 * ms), 0.5, 0.08, 'capped share');
  assert.ok(v.parkedNs > 200 * ms, `parked ${v.parkedNs}`);
  assert.ok(r.counters['credit.parks'] > 0);
  assert.ok(r.findings.some((f) => f.code === 'VPS325'));
});

test('an idle pCPU steals runnable work from a busy one', () => {
  // Two busy vCPUs start on pCPU 0's queue (one_to_one pinning would prevent this; shared does not).
  const r = sim(scenario({ pcpus: 2, sched: 'credit', durationNs: 100 * ms, vms: [vm('a', 2, { guest: { threads: [busy('b', 2)] } })] }));
  near(vmOf(r, 'a').cpuNs, 200 * ms, 2 * ms);
});

test('BS2000: weights fail under pinning in a big pool, and hold in a pool of their own', () => {
  const doms = (poolName: string) => [
    vm('a', 2, { cpus: [4, 5], weight: 512, pool: poolName, guest: { threads: [busy('b', 2)] } }),
    vm('b', 2, { cpus: [4, 5], weight: 256, pool: poolName, guest: { threads: [busy('b', 2)] } }),
    vm('web', 4, { cpus: [0, 1, 2, 3, 6, 7], guest: { threads: [busy('s', 4)] } }),
  ];
  const pinned = sim(scenario({ pcpus: 8, sched: 'credit', durationNs: 1 * s, vms: doms('Pool-0') }));
  const own = sim(scenario({ pcpus: 8, sched: 'credit', durationNs: 1 * s, pools: [pool('Pool-0', [0, 1, 2, 3, 6, 7], 'credit'), pool('bs', [4, 5], 'credit')], vms: doms('bs') }));
  const dev = (r: typeof pinned) => Math.abs(vmOf(r, 'a').share - vmOf(r, 'a').weightShare);
  assert.ok(dev(pinned) > 0.1, `pinned: share ${vmOf(pinned, 'a').share} vs weight share ${vmOf(pinned, 'a').weightShare}`);
  assert.ok(dev(own) < 0.03, `own pool: share ${vmOf(own, 'a').share} vs weight share ${vmOf(own, 'a').weightShare}`);
  assert.ok(pinned.findings.some((f) => f.code === 'VPS323'));
  assert.ok(!own.findings.some((f) => f.code === 'VPS323'));
});

test('sleeping domains do not count against busy ones (idle is not demand)', () => {
  const r = sim(scenario({ pcpus: 1, sched: 'credit', durationNs: 300 * ms, vms: [
    vm('busy', 1, { guest: { threads: [busy()] } }),
    vm('sleepy', 1, { weight: 4096, guest: { threads: [thread('t', program([cpu(1 * ms), sleep(20 * ms)]))] } }),
  ] }));
  assert.ok(vmOf(r, 'busy').cpuNs > 270 * ms);
});
