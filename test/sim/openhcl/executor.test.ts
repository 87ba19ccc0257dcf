/**
 * The per-VP cooperative executor, with hand-worked exact event sequences (model.md §1).
 * Hosts give every thread its own pCPU unless a test preempts one, so every number below can be
 * worked out on paper.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_INTERCEPT } from '../../../server/src/sim/contracts';
import { cpu, fixed, intervals, io, ms, openhcl, syscall, task, us, vm, world } from './harness';

test('two tasks on one VP, one blocking 1 ms: the other starts exactly 1 ms later', () => {
  const a = task('a', [syscall(1 * ms)], { at: 0, targetVp: 0, runOnTarget: true });
  const b = task('b', [cpu(10 * us)], { at: 0, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [a, b] })), { stallThresholdNs: 500 * us, endNs: 5 * ms });
  w.run(5 * ms);
  assert.equal(w.latency('a').max, 1 * ms);
  assert.equal(w.latency('b').max, 1 * ms + 10 * us, 'b waits the whole syscall, then computes 10 us');
  const lane = intervals(w, 'vm:v/vp:0/openhcl');
  assert.deepEqual(lane.filter((x) => x[2] !== 'idle').slice(0, 2), [
    [0, 1 * ms, 'kernel_blocked', 'a'],
    [1 * ms, 1 * ms + 10 * us, 'vtl2', 'b'],
  ]);
  const stall = w.stats.topStalls().find((s) => s.task === 'b');
  assert.ok(stall, 'b stalled');
  assert.equal(stall.durationNs, 1 * ms);
  assert.equal(stall.cause, 'blocking-syscall');
  assert.equal(stall.range?.start, a.program.steps[0].range.start, 'the stall points at the syscall step');
  assert.match(stall.causes?.join(' | ') ?? '', /VP 0 was blocked in a syscall of task `a`/);
});

test('the same blocking task on a dedicated thread delays nothing on the VP', () => {
  const a = task('a', [syscall(1 * ms)], { at: 0, runsOn: 'dedicated' });
  const b = task('b', [cpu(10 * us)], { at: 0, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [a, b] })), { endNs: 5 * ms });
  w.run(5 * ms);
  assert.equal(w.latency('a').max, 1 * ms);
  assert.equal(w.latency('b').max, 10 * us);
});

test('a long cpu stretch does not yield: the next task waits for all of it', () => {
  const a = task('a', [cpu(300 * us), cpu(300 * us)], { at: 0, targetVp: 0, runOnTarget: true });
  const b = task('b', [cpu(1 * us)], { at: 100 * us, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [a, b] })), { endNs: 2 * ms });
  w.run(2 * ms);
  assert.equal(w.latency('b').max, 600 * us - 100 * us + 1 * us);
});

test('io_uring cancel on: a completion pulls a busy VP out of VTL0 at once', () => {
  const t = task('t', [io(50 * us), cpu(10 * us)], { at: 100 * us, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [t], ioUringCancel: true }), fixed(1 * ms)), { busy: [true], endNs: 5 * ms });
  w.run(5 * ms);
  // Released at 100 us (cancels VTL0), IO 100..150 us (cancels VTL0 again), cpu 150..160 us.
  assert.equal(w.latency('t').max, 60 * us);
  assert.equal(w.counter('openhcl.cancels'), 2);
});

test('io_uring cancel off: the same work waits for natural VTL0 exits', () => {
  const t = task('t', [io(50 * us), cpu(10 * us)], { at: 100 * us, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [t], ioUringCancel: false }), fixed(1 * ms)), { busy: [true], endNs: 5 * ms });
  w.run(5 * ms);
  // Released at 100 us but VP 0 stays in VTL0 until its residence ends at 1 ms; the IO then
  // completes at 1.05 ms and waits for the next natural exit at 2 ms; cpu 2..2.01 ms.
  assert.equal(w.latency('t').max, 2 * ms + 10 * us - 100 * us);
  assert.equal(w.counter('openhcl.cancels'), 0);
  const f = w.stats.findings.find((x) => x.code === 'VPS305');
  assert.ok(f, 'VPS305 reported');
  assert.equal(f.data?.waits, 2);
  assert.equal(f.data?.totalNs, (1 * ms - 100 * us) + (2 * ms - 1050 * us));
});

test('a hypervisor intercept is not cancellable: the work waits for its end', () => {
  const t = task('t', [io(50 * us), cpu(10 * us)], { at: 100 * us, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [t], ioUringCancel: true }), fixed(10 * ms)), { busy: [true], endNs: 5 * ms });
  w.guests[0].exitAt(90 * us, EXIT_INTERCEPT, 500 * us);
  w.run(5 * ms);
  // Intercept 90..590 us; the release at 100 us waits; then IO 590..640 us (cancel), cpu 640..650 us.
  assert.equal(w.latency('t').max, 650 * us - 100 * us);
  assert.equal(w.counter('openhcl.intercepts'), 1);
  const lane = intervals(w, 'vm:v/vp:0/openhcl');
  assert.deepEqual(lane.find((x) => x[2] === 'intercept')?.slice(0, 2), [90 * us, 590 * us]);
});

test('host preemption freezes a task\'s CPU work', () => {
  const t = task('t', [cpu(100 * us)], { at: 0, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [t] })), { endNs: 1 * ms });
  w.host.preempt(w.model.execs[0].tid, 50 * us, 30 * us);
  w.run(1 * ms);
  assert.equal(w.latency('t').max, 130 * us);
});

test('periodic task: latency is release to completion, including the wait for its VP', () => {
  const blocker = task('blocker', [syscall(300 * us)], { at: 1 * ms, targetVp: 0, runOnTarget: true });
  const tick = task('tick', [cpu(10 * us)], { every: 500 * us, targetVp: 0, runOnTarget: true });
  const w = world(vm(1, openhcl({ tasks: [blocker, tick] })), { endNs: 2.1 * ms });
  w.run(2.1 * ms);
  // Releases at 0, 0.5, 1, 1.5, 2 ms; the one at 1 ms finds the blocker (released first) in its syscall.
  const l = w.latency('tick');
  assert.equal(l.count, 5);
  assert.equal(l.max, 300 * us + 10 * us);
});
