/** simulate / simulateAll: determinism, bounds, cancellation, progress, variants, result shape. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, simulateAll } from '../../server/src/sim/run';
import { busy, cpu, every, load, ms, parallel, program, scenario, thread, us, vm, withVariants } from './irBuilders';

const base = () =>
  scenario({
    pcpus: 4, durationNs: 200 * ms, seed: 3,
    loads: [load('hog', program([cpu({ kind: 'exp', mean: 2 * ms })]), { threads: 3 })],
    vms: [vm('a', 4, { guest: { threads: [thread('t', program([cpu({ kind: 'exp', mean: 50 * us })], every({ kind: 'exp', mean: 300 * us })), { count: 4 })], parallel: [parallel('p', { threads: 4, rounds: 50 })] } })],
  });

test('same scenario and seed give byte-identical JSON; another seed differs', () => {
  const a = JSON.stringify(simulate(base(), { timeline: true }));
  const b = JSON.stringify(simulate(base(), { timeline: true }));
  assert.equal(a, b);
  const c = JSON.stringify(simulate(base(), { timeline: true, seed: 4 }));
  assert.notEqual(a, c);
});

test('adding a VM does not change another VM\'s random samples (per-entity streams)', () => {
  const one = simulate(scenario({ pcpus: 8, durationNs: 50 * ms, vms: [vm('a', 1, { guest: { threads: [thread('t', program([cpu({ kind: 'exp', mean: 10 * us })], every(1 * ms)))] } })] }));
  const two = simulate(scenario({ pcpus: 8, durationNs: 50 * ms, vms: [vm('a', 1, { guest: { threads: [thread('t', program([cpu({ kind: 'exp', mean: 10 * us })], every(1 * ms)))] } }), vm('b', 1, { guest: { threads: [busy()] } })] }));
  assert.deepEqual(one.tasks[0].latency, two.tasks[0].latency);
});

test('max_events stops the run and says so', () => {
  const r = simulate(base(), { maxEvents: 1000 });
  assert.equal(r.stop.reason, 'max_events');
  assert.equal(r.counters.events, 1000);
  assert.ok(r.stop.simulatedNs < 200 * ms);
});

test('shouldStop cancels between batches; progress is monotonic and ends at 1', () => {
  const seen: number[] = [];
  let polls = 0;
  const r = simulate(base(), { shouldStop: () => ++polls >= 1 && 'cancelled', onProgress: (f) => seen.push(f) });
  assert.equal(r.stop.reason, 'cancelled');
  assert.equal(r.counters.events, 4096, 'stopped at the first poll');
  assert.deepEqual(seen, [...seen].sort((x, y) => x - y));
  const all: number[] = [];
  simulate(base(), { onProgress: (f) => all.push(f) });
  assert.equal(all[all.length - 1], 1);
  assert.ok(all.every((f) => f >= 0 && f <= 1));
});

test('simulateAll runs the base and every variant with the same code paths; a wall stop ends the comparison', () => {
  const sc = withVariants(base(), { fast: { ...base(), settings: { ...base().settings, durationNs: 100 * ms } }, other: base() });
  const rs = simulateAll(sc);
  assert.deepEqual(rs.map((r) => r.name), ['base', 'fast', 'other']);
  assert.equal(rs[1].stop.simulatedNs, 100 * ms);
  assert.equal(JSON.stringify({ ...rs[0], name: '' }), JSON.stringify({ ...rs[2], name: '' }));
  assert.deepEqual(simulateAll(sc, { variants: ['other'] }).map((r) => r.name), ['other']);
  const stopped = simulateAll(sc, { shouldStop: () => 'wall_limit' });
  assert.equal(stopped.length, 1);
  assert.equal(stopped[0].stop.reason, 'wall_limit');
  const progress: number[] = [];
  simulateAll(sc, { onProgress: (f) => progress.push(f) });
  assert.deepEqual(progress, [...progress].sort((x, y) => x - y));
});

test('result shape: tasks, per-VP states that add up, VM shares, counters.events, no timeline unless asked', () => {
  const r = simulate(base());
  assert.equal(r.timeline, undefined);
  assert.ok(r.counters.events > 0);
  for (const p of r.vps) {
    const sum = Object.values(p.states).reduce((x, y) => x + y, 0);
    assert.equal(sum, 200 * ms, `VP ${p.vp} states add up to the run`);
  }
  assert.deepEqual(r.tasks.map((t) => `${t.kind}:${t.name}`), ['guest-thread:t', 'parallel:p', 'host-load:hog']);
  assert.equal(r.vms[0].share, 1);
  const tl = simulate(base(), { timeline: true }).timeline!;
  assert.ok(tl.lanes.some((l) => l.id === 'host/pcpu:0') && tl.lanes.some((l) => l.id === 'vm:a/vcpu:3') && tl.lanes.some((l) => l.id === 'host/thread:hog#2'));
});
