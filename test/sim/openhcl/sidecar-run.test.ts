/**
 * Sidecar at run time: remote VPs, work aimed at them hosted on the base CPU, onlining one at a
 * time (online cost then blackout), hot-plug on the first exit, exits of remote VPs served on the
 * base CPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sidecar } from '../../../server/src/model/ir';
import { EXIT_INTERCEPT } from '../../../server/src/sim/contracts';
import { R, cpu, fixed, intervals, ms, openhcl, sleep, task, us, vm, waitReady, world } from './harness';

const sidecar = (o: Partial<Sidecar> = {}): Sidecar => ({ range: R(55), hotplug: true, onlineCost: fixed(2 * ms), blackout: fixed(100 * us), baseCpu: 0, linuxVps: [0], ...o });

test('work aimed at remote VPs runs on the base CPU and onlines them one at a time, in order', () => {
  const t2 = task('t2', [cpu(100 * us), sleep(100 * us)], { targetVp: 2, runOnTarget: true });
  const t3 = task('t3', [cpu(100 * us), sleep(100 * us)], { targetVp: 3, runOnTarget: true });
  const w = world(vm(4, openhcl({ sidecar: sidecar(), tasks: [t2, t3] })), { endNs: 10 * ms });
  w.run(10 * ms);
  assert.equal(w.counter('openhcl.onlinings'), 2);
  assert.equal(w.counter('openhcl.online_at_ns.v.vp2'), 2_100 * us, 'requested at 0: 2 ms online cost + 0.1 ms blackout');
  assert.equal(w.counter('openhcl.online_at_ns.v.vp3'), 4_200 * us, 'queued behind VP 2 on the global lock');
  assert.equal(w.counter('openhcl.online_at_ns.v.vp1'), 0, 'nothing aimed at VP 1: stays remote');
  assert.ok(w.model.tally.hostedNs[2] > 0 && w.model.tally.hostedNs[3] > 0, 'ran hosted on VP 0 meanwhile');
  const vp0 = intervals(w, 'vm:v/vp:0/openhcl').filter((x) => x[2] === 'vtl2');
  assert.ok(vp0.some((x) => x[3] === 't3' && x[0] < 4_200 * us), 't3 ran on VP 0 before VP 3 was online');
  const vp3 = intervals(w, 'vm:v/vp:3/openhcl');
  assert.ok(vp3.some((x) => x[2] === 'blackout' && x[0] === 2_100 * us && x[1] === 4_200 * us), 'dark from taking the lock until Linux');
  assert.ok(vp3.some((x) => x[2] === 'vtl2' && x[3] === 't3' && x[0] >= 4_200 * us), 't3 runs on VP 3 once online');
  assert.ok(w.stats.findings.some((f) => f.code === 'VPS312'));
});

test('wait_vp_ready waits for the onlining and is reported as a stall on it', () => {
  const t = task('w', [waitReady(), cpu(10 * us)], { at: 0, targetVp: 3, runOnTarget: true });
  const w = world(vm(4, openhcl({ sidecar: sidecar(), tasks: [t] })), { endNs: 10 * ms });
  w.run(10 * ms);
  // Spawned targeting VP 3 (remote): onlining starts at 0, done at 2.1 ms; the task, hosted on VP 0,
  // waits there, then continues on VP 3.
  assert.equal(w.latency('w').max, 2_100 * us + 10 * us);
  const s = w.stats.topStalls().find((x) => x.task === 'w');
  assert.equal(s?.cause, 'sidecar-onlining');
  assert.equal(s?.range?.start, t.program.steps[0].range.start);
});

test('hot-plug: a remote VP is onlined on its first exit, dark from then until it is Linux', () => {
  const w = world(vm(2, openhcl({ sidecar: sidecar() }), fixed(100 * ms)), { busy: [false, true], endNs: 10 * ms });
  w.guests[1].exitAt(1 * ms, EXIT_INTERCEPT, 20 * us);
  w.run(10 * ms);
  assert.equal(w.counter('openhcl.sidecar_forwarded_exits'), 1);
  assert.equal(w.counter('openhcl.online_at_ns.v.vp1'), 3_100 * us);
  assert.deepEqual(intervals(w, 'vm:v/vp:1/openhcl').slice(0, 2), [[0, 1 * ms, 'vtl0', 'sidecar'], [1 * ms, 3_100 * us, 'blackout', 'sidecar']]);
  assert.deepEqual(w.guests[1].log.slice(1, 4), [[1 * ms, 'exit1'], [3_100 * us, 'exitDone'], [3_100 * us, 'enter']], 'the exit completes once the VP is back');
});

test('hot-plug off: remote VPs stay remote and every exit is served on the base CPU (VPS314)', () => {
  const w = world(vm(2, openhcl({ sidecar: sidecar({ hotplug: false }) }), fixed(100 * ms)), { busy: [false, true], endNs: 10 * ms });
  for (let i = 1; i <= 5; i++) w.guests[1].exitAt(i * ms, EXIT_INTERCEPT, 20 * us);
  w.run(10 * ms);
  assert.equal(w.counter('openhcl.onlinings'), 0);
  assert.equal(w.counter('openhcl.sidecar_forwarded_exits'), 5);
  const vp0 = intervals(w, 'vm:v/vp:0/openhcl').filter((x) => x[2] === 'vtl2');
  // Each: 20 us of intercept on VP 1, then 3 us of VTL2 work on VP 0 while VP 1 waits for it.
  assert.deepEqual(vp0.map((x) => x.slice(0, 2)), [1, 2, 3, 4, 5].map((i) => [i * ms + 20 * us, i * ms + 23 * us]));
  assert.ok(w.stats.findings.some((f) => f.code === 'VPS314'));
});

test('a natural exit of a busy remote VP onlines it too; an idle remote VP stays remote', () => {
  const w = world(vm(3, openhcl({ sidecar: sidecar() }), fixed(700 * us)), { busy: [false, true, false], endNs: 10 * ms });
  w.run(10 * ms);
  assert.equal(w.counter('openhcl.online_at_ns.v.vp1'), 2_800 * us, 'first natural exit at 0.7 ms, + 2 ms + 0.1 ms');
  assert.equal(w.counter('openhcl.online_at_ns.v.vp2'), 0, 'a halted guest never exits');
  assert.equal(w.counter('openhcl.sidecar_forwarded_exits'), 1, 'the first exit onlines it: dark from 0.7 ms to 2.8 ms');
});

test('no sidecar on aarch64 or isolated VMs: every VP is a Linux VP', () => {
  const t3 = task('t3', [cpu(10 * us)], { at: 0, targetVp: 3, runOnTarget: true });
  const w = world(vm(4, openhcl({ sidecar: sidecar(), arch: 'aarch64', tasks: [t3] })), { endNs: 1 * ms });
  w.run(1 * ms);
  assert.equal(w.latency('t3').max, 10 * us);
  assert.equal(w.model.sidecar, null);
});
