/** Xen credit2: credit ordering, weights through the burn rate, resets, caps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busy, cpu, ms, pool, program, scenario, sleep, thread, us, vm } from './irBuilders';
import { lane, near, sim, task, vm as vmOf } from './helpers';

test('credit2 burns credit at runtime x max_weight / weight: 256 vs 512 share 1/3 : 2/3', () => {
  const r = sim(scenario({ pcpus: 1, sched: 'credit2', durationNs: 300 * ms, vms: [
    vm('light', 1, { weight: 256, guest: { threads: [busy()] } }),
    vm('heavy', 1, { weight: 512, guest: { threads: [busy()] } }),
  ] }));
  near(vmOf(r, 'light').cpuNs / (300 * ms), 1 / 3, 0.04, 'light');
  near(vmOf(r, 'heavy').cpuNs / (300 * ms), 2 / 3, 0.04, 'heavy');
  assert.ok(r.counters['credit2.resets'] > 0);
});

test('credit2 runs the highest-credit vCPU and switches within [min_slice, timeslice]', () => {
  const r = sim(scenario({ pcpus: 1, sched: 'credit2', durationNs: 100 * ms, vms: [vm('a', 1, { guest: { threads: [busy()] } }), vm('b', 1, { guest: { threads: [busy()] } })] }));
  const runs = lane(r, 'host/pcpu:0').filter((x) => x[2] === 'running');
  assert.equal(runs[0][3], 'a vCPU 0', 'equal credit: FIFO order');
  for (const [a, b] of runs.slice(0, -1)) assert.ok(b - a >= 0.5 * ms - 1 && b - a <= 10 * ms + 1, `slice ${(b - a) / ms} ms`);
  near(vmOf(r, 'a').cpuNs, 50 * ms, 3 * ms);
});

test('credit2 cap 25% limits a busy vCPU to a quarter of each cap period', () => {
  const r = sim(scenario({ pcpus: 1, sched: 'credit2', durationNs: 200 * ms, vms: [vm('c', 1, { capPercent: 25, guest: { threads: [busy()] } })] }));
  near(vmOf(r, 'c').cpuNs / (200 * ms), 0.25, 0.03, 'capped');
});

test('credit2 leaves a vCPU that ran no more than ratelimit - 50 us running when a vCPU wakes (Xen runq_tickle, is_preemptable)', () => {
  // `lat` does 50 us of work and sleeps 0.5 ms (or 1 ms) beside a busy `batch`. When `batch` is
  // picked with nothing else queued, its slice runs its credit down to 0 (csched2_runtime), up to
  // 10 ms. Xen since 4.10 (credit2.c tickle_score, is_preemptable; commit 4b6923acff) does not
  // tickle a pCPU whose vCPU ran no more than ratelimit - 50 us, and nothing else reschedules it,
  // so `lat`, waking 0.5 ms into `batch`'s run, waits for that slice end: ~10 ms a pass. Waking
  // 1 ms in (ratelimit 1 ms) or with `ratelimit 0`, it preempts at once: 50 us of work + the sleep
  // + the 15 us wake-up. (The model deferred the preemption to the end of the ratelimit before.)
  const run = (sleepNs: number, ratelimitNs: number) => {
    const r = sim(scenario({ pcpus: 1, sched: 'credit2', durationNs: 200 * ms, pools: [{ ...pool('Pool-0', [0], 'credit2', { ratelimitNs }), implicit: true }], vms: [
      vm('batch', 1, { guest: { threads: [busy()] } }),
      vm('lat', 1, { guest: { threads: [thread('t', program([cpu(50 * us), sleep(sleepNs)]))] } }),
    ] }));
    return task(r, 't', 'lat').latency;
  };
  const held = run(500 * us, 1 * ms);
  assert.ok(held.p50 > 9 * ms && held.p50 < 10.5 * ms, `pass time p50 ${held.p50}: one pass per slice of batch`);
  assert.ok(held.count < 25, `${held.count} passes`);
  const late = run(1 * ms, 1 * ms);
  assert.ok(late.p99 < 1.2 * ms, `pass time p99 ${late.p99} when waking after the ratelimit`);
  const free = run(500 * us, 0);
  assert.ok(free.p99 < 0.7 * ms, `pass time p99 ${free.p99} with ratelimit 0`);
});
