/**
 * KVM paravirt scheduling: static RT, dynamic boosting (guest requests, interrupt boosts,
 * injection vs pending, preempt limit, guest unboost, nested) and the cost to host threads.
 * Scenario: the KVM RFC's busy 4-pCPU host with a 4-vCPU guest running cyclictest-like threads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Boost } from '../../server/src/model/ir';
import { boost, busy, cpu, every, fixed, load, lockStep, ms, program, s, scenario, sleep, thread, us, vm } from './irBuilders';
import { sim, task } from './helpers';

function busyHost(b: Partial<Boost> & { mode: Boost['mode'] }, guestBusy = false, durationNs = 500 * ms) {
  const threads = [thread('cyclic', program([cpu(10 * us)], every(500 * us)), { count: 4, rt: true })];
  if (guestBusy) threads.push(thread('batch', program([cpu(10 * ms), sleep(1 * ms)]), { count: 4 }));
  const sc = scenario({
    pcpus: 4, durationNs, seed: 7,
    loads: [load('hog', program([cpu(10 * ms), sleep(1 * ms)]), { threads: 4 }), load('hostlat', program([cpu(50 * us)], every(1 * ms)))],
    vms: [vm('rt', 4, { boost: boost(b.mode, b), guest: { threads } })],
  });
  // The RFC's host is bare metal: its wake-up path is far cheaper than the nested host the cost
  // defaults were measured on (same assumption as examples/kvm-pvsched-boost.vps).
  sc.host.costs = { wakeLatencyNs: 5 * us, entryNs: 10 * us, exitNs: 5 * us, haltExitNs: 2 * us };
  return sim(sc);
}

test('dynamic boosting cuts guest latency on a busy host by a large factor', () => {
  const off = busyHost({ mode: 'off' });
  const dyn = busyHost({ mode: 'dynamic' });
  const a = task(off, 'cyclic').latency;
  const b = task(dyn, 'cyclic').latency;
  assert.ok(a.mean > 8 * b.mean, `mean off ${a.mean} vs dynamic ${b.mean}`);
  assert.ok(b.p99 < 100 * us, `dynamic p99 ${b.p99}`);
  assert.ok(dyn.counters.boosts > 1000 && dyn.counters.unboosts > 1000);
});

test('static RT for all vCPUs starves host threads when the guest is busy; dynamic keeps the host responsive', () => {
  const off = busyHost({ mode: 'off' }, true);
  const stat = busyHost({ mode: 'static_rt' }, true);
  const dyn = busyHost({ mode: 'dynamic' }, true);
  const host = (r: typeof off) => task(r, 'hostlat').latency;
  // The published RFC numbers: host max latency 1577 us -> 15969 us with static RT for all vCPUs.
  assert.ok(host(stat).max > 2.5 * host(off).max, `host max: static ${host(stat).max} vs off ${host(off).max}`);
  assert.ok(host(stat).mean > 3 * host(off).mean, `host mean: static ${host(stat).mean} vs off ${host(off).mean}`);
  assert.ok(host(dyn).max < 2 * host(off).max, `host max: dynamic ${host(dyn).max} vs off ${host(off).max}`);
  assert.ok(task(stat, 'cyclic').latency.mean < task(off, 'cyclic').latency.mean / 5);
  assert.ok(stat.findings.some((f) => f.code === 'VPS326'), JSON.stringify(stat.findings.map((f) => f.code)));
});

test('without guest unboosts a host-initiated boost stays on: more boosted time, host work suffers', () => {
  const on = busyHost({ mode: 'dynamic' }, true);
  const stays = busyHost({ mode: 'dynamic', guestUnboosts: false }, true);
  const boosted = (r: typeof on) => r.vps.reduce((x, p) => x + (p.boostedNs ?? 0), 0);
  assert.ok(boosted(stays) > 3 * boosted(on), `boosted ${boosted(stays)} vs ${boosted(on)}`);
  assert.ok(task(stays, 'hostlat').latency.max > task(on, 'hostlat').latency.max);
  assert.ok(stays.findings.some((f) => f.code === 'VPS327'));
});

test('boosting on pending interrupts boosts through masked windows; injection waits for them', () => {
  const mk = (trigger: 'pending' | 'injection') =>
    sim(scenario({
      pcpus: 2, durationNs: 500 * ms,
      loads: [load('hog', program([cpu(10 * ms)]), { threads: 2 })],
      vms: [vm('v', 2, { boost: boost('dynamic', { trigger, interrupts: ['device'] }), guest: { threads: [busy('bg', 2)], irqs: [{ name: 'dev', ratePerSec: 2000, vcpus: [0, 1], kind: 'device', maskedFraction: 0.5, maskedWindow: fixed(200 * us), range: { start: 0, end: 0 } }] } })],
    }));
  const p = mk('pending');
  const i = mk('injection');
  assert.ok(p.counters['boost.masked_ns'] > 0);
  assert.equal(i.counters['boost.masked_ns'] ?? 0, 0);
});

test('the preempt-disabled limit refuses boosts to vCPUs holding kernel spinlocks too long', () => {
  const mk = (preemptLimitNs: number) =>
    sim(scenario({
      pcpus: 1, durationNs: 300 * ms, loads: [load('hog', program([cpu(10 * ms)]))],
      vms: [vm('v', 1, { boost: boost('dynamic', { preemptLimitNs }), guest: { locks: [{ name: 'L', kind: 'spin', range: { start: 0, end: 0 } }], threads: [thread('holder', program([lockStep('L', 5 * ms), sleep(1 * ms)])), thread('rt', program([cpu(10 * us)], every(1 * ms)), { rt: true })] } })],
    }));
  assert.ok(mk(1 * ms).counters['boosts.refused_preempt_limit'] > 0);
  assert.equal(mk(0).counters['boosts.refused_preempt_limit'] ?? 0, 0);
});

test('boosting is ignored under Xen schedulers (and counted)', () => {
  const r = sim(scenario({ pcpus: 1, sched: 'credit', durationNs: 50 * ms, vms: [vm('v', 1, { boost: boost('dynamic'), guest: { threads: [thread('t', program([cpu(10 * us)], every(1 * ms)), { rt: true })] } })] }));
  assert.ok(r.counters['boost.ignored'] > 0);
  void s;
});

test('boosted time counts after the warmup only, like every other per-state total (found by the generated invariants)', () => {
  // A vCPU boosted from the start to the end (guest_unboosts off) of a 10 ms run with 3 ms of
  // warmup: 7 ms boosted, not 10 ms (boostedNs was larger than the measured window before).
  const b = boost('dynamic', { guestUnboosts: false });
  const sc = scenario({ pcpus: 1, durationNs: 10 * ms, seed: 1, vms: [vm('v', 1, { boost: b, guest: { threads: [thread('t', program([cpu(10 * us)], every(200 * us)), { rt: true })], irqs: [] } })] });
  sc.settings.warmupNs = 3 * ms;
  const r = sim(sc);
  const vp = r.vps[0];
  assert.ok(vp.boostedNs! > 0, 'boosted at all');
  assert.ok(vp.boostedNs! <= 7 * ms, `boosted ${vp.boostedNs} ns of a 7 ms window`);
  const window = Object.values(vp.states).reduce((a, x) => a + x, 0);
  assert.equal(window, 7 * ms);
});
