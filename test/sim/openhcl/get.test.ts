/**
 * GET-bound work: guest RTC/PAM exits served synchronously on the VP thread (with the RTC read
 * cache), and the GET worker deadlocking on a blocking call to itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_RTC_READ, EXIT_RTC_WRITE } from '../../../server/src/sim/contracts';
import { GET_ROUND_TRIP_NS, VMGS_SAVE_NS, CHIPSET_EMULATION_CPU_NS } from '../../../server/src/sim/openhcl/params';
import { R, cpu, getStep, intervals, ms, openhcl, task, us, vm, world } from './harness';

test('a guest RTC write blocks the VP thread on a VMGS save; a task on that VP waits for it', () => {
  const t = task('t', [cpu(10 * us)], { at: 1 * ms, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [t] }), { kind: 'fixed', value: 100 * ms }), { busy: [true], endNs: 10 * ms, stallThresholdNs: 500 * us });
  w.guests[0].exitAt(900 * us, EXIT_RTC_WRITE, 0, R(99));
  w.run(10 * ms);
  const end = 900 * us + CHIPSET_EMULATION_CPU_NS + VMGS_SAVE_NS;
  assert.equal(w.latency('t').max, end - 1 * ms + 10 * us);
  const lane = intervals(w, 'vm:v/vp:0/openhcl');
  assert.ok(lane.some((x) => x[2] === 'kernel_blocked' && x[0] === 900 * us + CHIPSET_EMULATION_CPU_NS && x[1] === end));
  const s = w.stats.topStalls().find((x) => x.task === 't');
  assert.equal(s?.cause, 'get-round-trip');
  assert.equal(s?.range?.start, 99, 'points at the guest rtc_write');
  const f = w.stats.findings.find((x) => x.code === 'VPS317');
  assert.equal(f?.data?.count, 1);
});

test('RTC reads ask the host at most once per second; the rest are served from the cache', () => {
  const w = world(vm(1, openhcl(), { kind: 'fixed', value: 100 * ms }), { busy: [true], endNs: 10 * ms });
  w.guests[0].exitAt(1 * ms, EXIT_RTC_READ, 0);
  w.guests[0].exitAt(3 * ms, EXIT_RTC_READ, 0);
  w.run(10 * ms);
  assert.equal(w.counter('openhcl.get_round_trips'), 1);
  assert.equal(w.counter('openhcl.rtc_cache_hits'), 1);
  const blocked = intervals(w, 'vm:v/vp:0/openhcl').filter((x) => x[2] === 'kernel_blocked');
  assert.deepEqual(blocked.map((x) => x[1] - x[0]), [GET_ROUND_TRIP_NS]);
});

test('a blocking GET call from the GET worker itself deadlocks it, and later GET calls hang too', () => {
  const g = task('getw', [getStep(100 * us, true)], { at: 1 * ms, runsOn: 'get_worker' });
  const v = task('vpw', [getStep(100 * us, true), cpu(1 * us)], { at: 2 * ms, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [g, v] })), { endNs: 10 * ms });
  w.run(10 * ms);
  // Neither pass ever finishes: each is one censored sample, its age at the end of the run.
  assert.deepEqual([w.latency('getw').count, w.latency('getw').unfinished, w.latency('getw').max], [1, 1, 9 * ms]);
  assert.deepEqual([w.latency('vpw').count, w.latency('vpw').unfinished, w.latency('vpw').max], [1, 1, 8 * ms]);
  const stalls = w.stats.topStalls();
  const dg = stalls.find((s) => s.task === 'getw');
  assert.equal(dg?.cause, 'get-deadlock');
  assert.equal(dg?.startNs, 1 * ms);
  assert.equal(dg?.durationNs, 9 * ms, 'bounded by the end of the run');
  assert.equal(dg?.range?.start, g.program.steps[0].range.start);
  const dv = stalls.find((s) => s.task === 'vpw');
  assert.equal(dv?.cause, 'get-deadlock');
  assert.equal(dv?.durationNs, 8 * ms);
});

test('a blocking GET from a VP task blocks only that VP for the round trip', () => {
  const v = task('vpw', [getStep(300 * us, true), cpu(1 * us)], { at: 0, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [v] })), { endNs: 2 * ms });
  w.run(2 * ms);
  assert.equal(w.latency('vpw').max, 301 * us);
});
