/**
 * The backend table of model.md §1 at run time: where tasks run and where their IO completes,
 * per backend, with retarget_vp. Exact event sequences on a noiseless host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Vtl2Task } from '../../../server/src/model/ir';
import { R, cpu, intervals, io, ms, openhcl, syscall, task, us, vm, world } from './harness';

const vtl2 = (w: ReturnType<typeof world>, lane: string) => intervals(w, lane).filter((x) => x[2] === 'vtl2').map((x) => x.slice(0, 2));

test('untargeted IO completes on VP 0 (and the task runs there)', () => {
  const u = task('u', [cpu(5 * us), io(50 * us), cpu(5 * us)], { at: 0 });
  const w = world(vm(2, openhcl({ tasks: [u] })), { endNs: 1 * ms });
  w.run(1 * ms);
  assert.equal(w.model.tally.ringCompletions[0], 1);
  assert.equal(w.model.tally.ringCompletions[1], 0);
  assert.equal(w.model.tally.untargetedCompletions[0], 1);
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), [[0, 5 * us], [55 * us, 60 * us]]);
  assert.equal(w.latency('u').max, 60 * us);
  assert.ok(w.stats.findings.some((f) => f.code === 'VPS306'), 'VP 0 hotspot finding');
});

test('target set, run_on_target off: spawns on the current CPU, drifts to the target with its IO', () => {
  const d = task('d', [cpu(5 * us), io(50 * us), cpu(10 * us)], { at: 0, targetVp: 1 });
  const w = world(vm(2, openhcl({ tasks: [d] })), { endNs: 1 * ms });
  w.run(1 * ms);
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), [[0, 5 * us]], 'first steps where it was spawned');
  assert.deepEqual(vtl2(w, 'vm:v/vp:1/openhcl'), [[55 * us, 65 * us]], 'woken by its completion on VP 1, runs there');
  assert.equal(w.model.tally.ringCompletions[1], 1);
});

test('target set, run_on_target on: always on the target', () => {
  const d = task('d', [cpu(5 * us), io(50 * us), cpu(10 * us)], { at: 0, targetVp: 1, runOnTarget: true });
  const w = world(vm(2, openhcl({ tasks: [d] })), { endNs: 1 * ms });
  w.run(1 * ms);
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), []);
  assert.deepEqual(vtl2(w, 'vm:v/vp:1/openhcl'), [[0, 5 * us], [55 * us, 65 * us]]);
});

test('thread backend: untargeted drivers share the default driver thread, so a blocking one delays the others', () => {
  const a = task('a', [syscall(1 * ms)], { at: 0 });
  const b = task('b', [cpu(10 * us)], { at: 0 });
  const w = world(vm(2, openhcl({ backend: 'thread', tasks: [a, b] })), { endNs: 3 * ms });
  w.run(3 * ms);
  assert.equal(w.latency('b').max, 1 * ms + 10 * us, 'b waits for a\'s blocking syscall on the shared thread');
  assert.deepEqual(vtl2(w, 'vm:v/vtl2:default driver/openhcl').at(-1), [1 * ms, 1 * ms + 10 * us], 'b runs on the default driver lane after the syscall');
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), [], 'no VTL2 work on VP threads');
  const t = w.host.threads.filter((x) => x.spec.laneId?.includes('/vtl2:'));
  assert.equal(t.length, 1, 'both tasks on one thread');
});

test('thread backend: a targeted driver\'s dedicated thread is not pinned to its target\'s CPU', () => {
  const a = task('a', [cpu(10 * us)], { at: 0, targetVp: 1 });
  const v = vm(2, openhcl({ backend: 'thread', tasks: [a] }));
  v.pin = 'one_to_one';
  v.cpus = [4, 5];
  const w = world(v, { endNs: 1 * ms });
  w.run(1 * ms);
  const t = w.host.threads.find((x) => x.spec.laneId === 'vm:v/vtl2:task a');
  assert.ok(t, 'a dedicated thread for the targeted driver');
  assert.deepEqual([...t.spec.cpus], [4, 5], 'affinity: the VM\'s CPUs, not CPU 5 alone');
});

test('thread backend: a targeted driver has its own thread; blocking there stalls no VP task', () => {
  const a = task('a', [syscall(1 * ms)], { at: 0, targetVp: 0, runOnTarget: true });
  const b = task('b', [cpu(10 * us)], { at: 0, targetVp: 0, runOnTarget: true });
  const w = world(vm(2, openhcl({ backend: 'thread', tasks: [a, b] })), { endNs: 3 * ms });
  w.run(3 * ms);
  assert.equal(w.latency('b').max, 10 * us, 'b has its own thread');
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), [], 'no VTL2 work on VP threads (no VTL0 blocking problem in OpenVMM)');
  assert.deepEqual(vtl2(w, 'vm:v/vtl2:task b/openhcl'), [[0, 10 * us]]);
});

test('single backend: all tasks share one thread, targets ignored', () => {
  const a = task('a', [syscall(1 * ms)], { at: 0, targetVp: 0, runOnTarget: true });
  const b = task('b', [cpu(10 * us)], { at: 0, targetVp: 1, runOnTarget: true });
  const w = world(vm(2, openhcl({ backend: 'single', tasks: [a, b] })), { endNs: 3 * ms });
  w.run(3 * ms);
  assert.equal(w.latency('b').max, 1 * ms + 10 * us);
  assert.deepEqual(vtl2(w, 'vm:v/vtl2:single driver/openhcl'), [[1 * ms, 1 * ms + 10 * us]]);
});

function retargeted(runOnTarget: boolean): { w: ReturnType<typeof world>; t: Vtl2Task } {
  const t = task('r', [io(1 * ms), cpu(10 * us)], { at: 0, targetVp: 0, runOnTarget, retargets: [{ atNs: 500 * us, vp: 1, range: R(77) }] });
  const w = world(vm(2, openhcl({ tasks: [t] })), { busy: [true, true], endNs: 3 * ms });
  w.run(3 * ms);
  return { w, t };
}

test('retarget_vp: in-flight IO completes on the old VP and interrupts it; run_on_target moves the task', () => {
  const { w } = retargeted(true);
  assert.equal(w.counter('openhcl.retargets'), 1);
  assert.equal(w.counter('openhcl.retarget_inflight_io'), 1);
  assert.equal(w.model.tally.ringCompletions[0], 1, 'the completion lands on the old VP');
  assert.equal(w.model.tally.cancelsPerExec[0] >= 1, true, 'and pulls the old VP out of VTL0');
  assert.deepEqual(vtl2(w, 'vm:v/vp:1/openhcl'), [[1 * ms, 1 * ms + 10 * us]], 'the task then runs on its new target');
  const f = w.stats.findings.find((x) => x.code === 'VPS315');
  assert.ok(f);
  assert.equal(f.range?.start, 77);
});

test('retarget_vp with run_on_target off: the task runs where its old completion woke it', () => {
  const { w } = retargeted(false);
  assert.deepEqual(vtl2(w, 'vm:v/vp:0/openhcl'), [[1 * ms, 1 * ms + 10 * us]]);
  assert.deepEqual(vtl2(w, 'vm:v/vp:1/openhcl'), []);
});

test('retarget_vp is a no-op in the thread backend', () => {
  const t = task('r', [io(1 * ms), cpu(10 * us)], { at: 0, targetVp: 0, runOnTarget: true, retargets: [{ atNs: 500 * us, vp: 1, range: R(77) }] });
  const w = world(vm(2, openhcl({ backend: 'thread', tasks: [t] })), { endNs: 3 * ms });
  w.run(3 * ms);
  assert.equal(w.counter('openhcl.retargets'), 0);
  assert.ok(!w.stats.findings.some((x) => x.code === 'VPS315'));
});
