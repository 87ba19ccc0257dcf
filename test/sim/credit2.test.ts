/** Xen credit2: credit ordering, weights through the burn rate, resets, caps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busy, ms, scenario, vm } from './irBuilders';
import { lane, near, sim, vm as vmOf } from './helpers';

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
