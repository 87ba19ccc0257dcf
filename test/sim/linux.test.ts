/** Linux host scheduling: fair (nice weights, EEVDF slices), RT classes, RR slices, RT throttling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busy, cpu, every, load, ms, program, s, scenario, sleep, us, vm } from './irBuilders';
import { cpuShare, lane, near, sim, task } from './helpers';
import { niceWeight } from '../../server/src/sim/host/fair';

const hog = (name: string, extra = {}) => load(name, program([cpu(10 * ms)]), extra);

test('nice weights are the kernel\'s sched_prio_to_weight table (kernel/sched/core.c), about 1024 / 1.25^nice', () => {
  assert.equal(niceWeight(0), 1024);
  assert.equal(niceWeight(5), 335, 'not round(1024 / 1.25^5) = 336');
  assert.equal(niceWeight(-5), 3121);
  assert.equal(niceWeight(-20), 88761);
  assert.equal(niceWeight(19), 15, 'not round(1024 / 1.25^19) = 14');
  for (let n = -20; n <= 19; n++) assert.ok(Math.abs(Math.log(niceWeight(n) / (1024 / 1.25 ** n))) < 0.05, `nice ${n}`);
});

test('two hogs with nice 0 and nice 5 share one pCPU by weight', () => {
  const r = sim(scenario({ pcpus: 1, durationNs: 1 * s, loads: [hog('a'), hog('b', { nice: 5 })] }));
  const sh = cpuShare(r, 0);
  const wa = 1024;
  const wb = niceWeight(5);
  near(sh['a'] / (1 * s), wa / (wa + wb), 0.02, 'nice 0');
  near(sh['b'] / (1 * s), wb / (wa + wb), 0.02, 'nice 5');
});

test('equal fair hogs alternate in base slices (EEVDF deadlines), ended at the next scheduler tick', () => {
  // Base slice for 1 pCPU: 0.75 ms x (1 + ilog2 1) = 0.75 ms; the slice is checked at the tick
  // (task_tick_fair), so each hog runs until the first tick after its deadline: 4 ms at the
  // default 250 Hz, 1 ms at 1000 Hz.
  for (const [hz, stretch] of [[undefined, 4 * ms], [1000, 1 * ms], [100, 10 * ms]] as const) {
    const sc = scenario({ pcpus: 1, durationNs: 40 * ms, loads: [hog('a'), hog('b')] });
    if (hz) sc.host.hz = hz;
    const runs = lane(sim(sc), 'host/pcpu:0').filter((x) => x[2] === 'running');
    assert.ok(runs.length >= 3, `${hz}: ${runs.length} stretches`);
    for (const [a, b] of runs.slice(0, -1)) near(b - a, stretch, 1 * us, `slice at ${hz ?? 250} Hz`);
    assert.equal(runs[0][3], 'a');
    assert.equal(runs[1][3], 'b');
  }
});

test('an RT thread beats normal threads at once and normal threads get the CPU back after it', () => {
  const r = sim(scenario({ pcpus: 1, durationNs: 50 * ms, loads: [hog('normal'), load('rt', program([cpu(1 * ms)], every(10 * ms), { startNs: 5 * ms }), { policy: 'fifo', rtPriority: 10 })] }));
  const rt = task(r, 'rt');
  assert.equal(rt.latency.count, 5);
  assert.equal(rt.latency.max, 1 * ms, 'no wait at all: it preempts the fair hog on wake-up');
  near(cpuShare(r, 0)['normal'], 45 * ms, 1);
});

test('SCHED_RR threads of one priority take 100 ms turns; FIFO would not', () => {
  const r = sim(scenario({ pcpus: 1, durationNs: 400 * ms, loads: [hog('a', { policy: 'rr' }), hog('b', { policy: 'rr' })] }));
  const runs = lane(r, 'host/pcpu:0').filter((x) => x[2] === 'running').map((x) => [x[0] / ms, x[1] / ms, x[3]]);
  assert.deepEqual(runs, [[0, 100, 'a'], [100, 200, 'b'], [200, 300, 'a'], [300, 400, 'b']]);
  const f = sim(scenario({ pcpus: 1, durationNs: 400 * ms, loads: [hog('a', { policy: 'fifo' }), hog('b', { policy: 'fifo' })] }));
  assert.deepEqual(lane(f, 'host/pcpu:0').filter((x) => x[2] === 'running').map((x) => x[3]), ['a']);
});

test('RT throttling leaves normal threads 5% of each second', () => {
  const r = sim(scenario({ pcpus: 1, durationNs: 2 * s, loads: [hog('rt', { policy: 'fifo' }), hog('normal')] }));
  const sh = cpuShare(r, 0);
  near(sh['normal'], 100 * ms, 1 * ms, 'normal');
  near(sh['rt'], 1900 * ms, 1 * ms, 'rt');
});

test('a woken fair thread goes to an idle pCPU; an idle pCPU pulls waiting work', () => {
  const r = sim(scenario({ pcpus: 2, durationNs: 100 * ms, loads: [hog('a'), hog('b'), load('c', program([cpu(1 * ms), sleep(1 * ms)]))] }));
  const total = Object.values(cpuShare(r, 0)).reduce((x, y) => x + y, 0) + Object.values(cpuShare(r, 1)).reduce((x, y) => x + y, 0);
  near(total, 200 * ms, 1 * ms, 'both pCPUs always busy');
});

test('steal: a runnable vCPU that does not run accumulates steal; a halted one does not', () => {
  const r = sim(scenario({ pcpus: 1, durationNs: 100 * ms, loads: [hog('h')], vms: [vm('v', 1, { guest: { threads: [busy()] } }), vm('idle', 1)] }));
  const v = r.vps.find((p) => p.vm === 'v')!;
  near(v.stealNs, 50 * ms, 2 * ms, 'steal');
  const i = r.vps.find((p) => p.vm === 'idle')!;
  assert.equal(i.stealNs, 0);
  assert.equal(i.states.idle, 100 * ms);
});
