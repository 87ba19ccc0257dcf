/**
 * Language additions at run time (issue 8): `io_ring current` / `spawned_on` (which ring an
 * untargeted task's IO uses), `is_vp_ready` (a readiness check that does not online a sidecar VP),
 * and the disk backend kind (`disk_nvme` completions on the issuing CPU's queue or a fallback
 * queue; `disk_blockdevice` on the worker's ring). Exact event sequences on a noiseless host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sidecar, Step } from '../../../server/src/model/ir';
import { R, cpu, fixed, intervals, io, ms, openhcl, step, storvsp, task, us, vm, waitReady, world } from './harness';

const vtl2 = (w: ReturnType<typeof world>, lane: string) => intervals(w, lane).filter((x) => x[2] === 'vtl2').map((x) => x.slice(0, 2));
const isReady = (): Step => step({ kind: 'is_vp_ready' } as Step);

test('io_ring vp0 (the threadpool code): a task spawned on VP 2 completes its IO on VP 0 and drifts there', () => {
  const t = task('u', [cpu(5 * us), io(50 * us), cpu(5 * us)], { at: 0, spawnedOn: 2 });
  const w = world(vm(4, openhcl({ tasks: [t] })), { endNs: 1 * ms });
  w.run(1 * ms);
  assert.deepEqual(vtl2(w, 'vm:v/vp:2/openhcl'), [[0, 5 * us]]);
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), [[55 * us, 60 * us]]);
  assert.equal(w.model.tally.ringCompletions[0], 1);
});

test('io_ring current (the review\'s "current VP\'s ring"): the completion wakes the task where it runs', () => {
  const t = task('u', [cpu(5 * us), io(50 * us), cpu(5 * us)], { at: 0, spawnedOn: 2, ioRing: 'current' });
  const w = world(vm(4, openhcl({ tasks: [t] })), { endNs: 1 * ms });
  w.run(1 * ms);
  assert.deepEqual(vtl2(w, 'vm:v/vp:2/openhcl'), [[0, 5 * us], [55 * us, 60 * us]]);
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), []);
  assert.equal(w.model.tally.ringCompletions[2], 1);
  assert.equal(w.model.tally.ringCompletions[0], 0);
  assert.ok(!w.stats.findings.some((f) => f.code === 'VPS306'), 'no VP 0 hotspot');
});

const sidecar = (o: Partial<Sidecar> = {}): Sidecar => ({ range: R(55), hotplug: true, onlineCost: fixed(2 * ms), blackout: fixed(100 * us), baseCpu: 0, linuxVps: [0], ...o });

test('is_vp_ready checks a sidecar VP without onlining it; wait_vp_ready onlines and waits', () => {
  const check = task('c', [isReady(), cpu(10 * us)], { at: 0, targetVp: 3, runOnTarget: true });
  const a = world(vm(4, openhcl({ sidecar: sidecar({ hotplug: false }), tasks: [check] }), fixed(100 * ms)), { endNs: 10 * ms });
  a.run(10 * ms);
  assert.equal(a.counter('openhcl.vp_ready_checks'), 1);
  assert.equal(a.counter('openhcl.vp_not_ready'), 1);
  // The check itself does not online; running the task hosted for VP 3 is what aims work at it.
  const wait = task('c', [waitReady(), cpu(10 * us)], { at: 0, targetVp: 3, runOnTarget: true });
  const b = world(vm(4, openhcl({ sidecar: sidecar({ hotplug: false }), tasks: [wait] }), fixed(100 * ms)), { endNs: 10 * ms });
  b.run(10 * ms);
  assert.ok(b.latency('c').max >= 2 * ms, `wait_vp_ready waits for the onlining (${b.latency('c').max} ns)`);
  assert.ok(a.latency('c').max < 100 * us, `is_vp_ready does not wait (${a.latency('c').max} ns)`);
});

function nvmeWorld(backend: 'disk_blockdevice' | 'disk_nvme', queues?: number) {
  const c = storvsp('scsi', [['d', 100 * us]], { subChannels: 3 });
  c.disks[0].backend = backend;
  if (queues !== undefined) c.disks[0].nvmeQueues = queues;
  const w = world(vm(4, openhcl({ storvsp: [c] })), { endNs: 2 * ms });
  for (let v = 0; v < 4; v++) w.model.submit(v, 0, 0, v + 1, 0);
  w.run(2 * ms);
  return w;
}

test('disk_blockdevice: each channel\'s backend completion lands on its worker\'s VP', () => {
  const w = nvmeWorld('disk_blockdevice');
  assert.deepEqual([...w.model.tally.ringCompletions.slice(0, 4)], [1, 1, 1, 1]);
  assert.equal(w.counter('openhcl.nvme_fallback_completions'), 0);
});

test('disk_nvme with one queue per VP behaves the same; with one queue, every completion interrupts VP 0', () => {
  const own = nvmeWorld('disk_nvme');
  assert.deepEqual([...own.model.tally.ringCompletions.slice(0, 4)], [1, 1, 1, 1]);
  const one = nvmeWorld('disk_nvme', 1);
  assert.deepEqual([...one.model.tally.ringCompletions.slice(0, 4)], [4, 0, 0, 0], 'all completions polled on VP 0 (fallback queue)');
  assert.equal(one.counter('openhcl.nvme_fallback_completions'), 3);
  // The IO still completes to the guest on its own channel's VP (the worker is woken there).
  assert.deepEqual(one.done.map((d) => d[1]).sort(), [0, 1, 2, 3]);
  const two = nvmeWorld('disk_nvme', 2);
  assert.deepEqual([...two.model.tally.ringCompletions.slice(0, 4)], [1, 3, 0, 0], 'VPs 2 and 3 fall back to VP 1, the nearest lower CPU with a queue');
});
