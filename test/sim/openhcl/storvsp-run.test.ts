/**
 * StorVSP queueing at run time, with exact completion times: per-channel queue depth (head-of-line
 * blocking), poll mode (masked ring interrupt), io_ring_size back-pressure.
 * Costs: 2 us of worker CPU per request read, 1 us per completion posted (params.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixed, intervals, ms, openhcl, storvsp, us, vm, world } from './harness';

const slowFast = (depth: number) => storvsp('scsi', [['slow', 1 * ms], ['fast', 10 * us]], { ioQueueDepth: depth });

test('a slow disk filling the queue blocks a fast disk on the same controller', () => {
  const w = world(vm(1, openhcl({ storvsp: [slowFast(2)] })), { endNs: 5 * ms });
  // Poll depth 1 (the default): no effect here, every request is written before the worker runs.
  w.model.submit(0, 0, 0, 1, 0); // slow
  w.model.submit(0, 0, 0, 2, 0); // slow
  w.model.submit(0, 0, 1, 3, 0); // fast
  w.run(5 * ms);
  // t=0: the worker reads both slow IOs (4 us) and stops at depth 2; both complete at 1004 us and
  // wake VP 0, which reaps them together: the worker posts both (2 us) and reads the fast IO (2 us),
  // so at 1008 us the slow ones are posted and the fast one starts; it completes at 1018 us and is
  // posted at 1019 us (alone it would take 13 us).
  assert.deepEqual(w.done, [[1, 0, 1008 * us], [2, 0, 1008 * us], [3, 0, 1019 * us]]);
  assert.equal(w.counter('openhcl.queue_full'), 1);
  const f = w.stats.findings.find((x) => x.code === 'VPS310');
  assert.ok(f, 'head-of-line finding');
  assert.equal(f.data?.fastDisk, 'fast');
  assert.equal(f.data?.slowDisk, 'slow');
});

test('with room in the queue the fast IO does not wait', () => {
  const w = world(vm(1, openhcl({ storvsp: [slowFast(3)] })), { endNs: 5 * ms });
  w.model.submit(0, 0, 0, 1, 0);
  w.model.submit(0, 0, 0, 2, 0);
  w.model.submit(0, 0, 1, 3, 0);
  w.run(5 * ms);
  // All three read at 0..6 us; the idle guest halts and the VP thread pays its halt exit (host
  // costs, 15 us: 6..21 us) before its loop reaps again, so the fast one (completed at 16 us) is
  // reaped at 21 us and posted at 22 us.
  assert.deepEqual(w.done.find((d) => d[0] === 3), [3, 0, 22 * us]);
  assert.equal(w.counter('openhcl.queue_full'), 0);
});

test('separate controllers: the fast disk never queues behind the slow one', () => {
  const a = storvsp('scsi0', [['fast', 10 * us]], { ioQueueDepth: 2 });
  const b = storvsp('scsi1', [['slow', 1 * ms]], { ioQueueDepth: 2 });
  const w = world(vm(2, openhcl({ storvsp: [a, b] })), { endNs: 5 * ms });
  w.model.submit(0, 1, 0, 1, 0);
  w.model.submit(0, 1, 0, 2, 0);
  w.model.submit(0, 0, 0, 3, 0);
  w.run(5 * ms);
  const fast = w.done.find((d) => d[0] === 3) as number[];
  assert.ok(fast[2] < 50 * us, `fast IO done at ${fast[2]}`);
});

test('the guest picks the channel by its vCPU; each worker runs on its channel VP', () => {
  const c = storvsp('scsi', [['d', 100 * us]], { subChannels: 1 });
  const w = world(vm(2, openhcl({ storvsp: [c] })), { endNs: 2 * ms });
  w.model.submit(1, 0, 0, 7, 0);
  w.run(2 * ms);
  assert.equal(w.done[0][1], 1, 'completion interrupt to the channel VP');
  assert.equal(w.model.tally.ringCompletions[1], 1, 'backend IO on VP 1 ring');
  assert.equal(w.model.tally.ringCompletions[0], 0);
});

test('poll mode: a request written while IO is pending waits for the next completion (no doorbell, no spin)', () => {
  const second = (pollDepth: number) => {
    const c = storvsp('scsi', [['d', 1 * ms]], { pollModeQueueDepth: pollDepth });
    const w = world(vm(1, openhcl({ storvsp: [c] }), fixed(10 * ms)), { busy: [true], endNs: 3 * ms });
    w.model.submit(0, 0, 0, 1, 0);
    w.engine.post(w.engine.register({ onEvent: (_a, now) => w.model.submit(0, 0, 0, 2, now) }), 0, 100 * us);
    w.run(3 * ms);
    return { w, done: w.done.find((d) => d[0] === 2)?.[2] };
  };
  // Poll depth 1: IO 1 read at 0..2 us, backend 2..1002 us, so at 100 us the interrupt is masked:
  // IO 2 sits in the ring until IO 1's completion wakes the worker (post 1 us + read 2 us), backend
  // 1005..2005 us, posted at 2006 us.
  const poll = second(1);
  assert.equal(poll.done, 2006 * us);
  assert.equal(poll.w.counter('openhcl.doorbells_masked'), 1);
  assert.ok(poll.w.counter('openhcl.polls') >= 1);
  // Poll depth 8: the guest signals; IO 2 is read at 100..102 us, backend 102..1102 us, posted 1103 us.
  const irq = second(8);
  assert.equal(irq.done, 1103 * us);
  assert.equal(irq.w.counter('openhcl.doorbells_masked'), 0);
  // Neither spins: the busy guest keeps VP 0 apart from the worker's few microseconds.
  const vtl2 = (x: ReturnType<typeof second>) => intervals(x.w, 'vm:v/vp:0/openhcl').filter((i) => i[2] === 'vtl2').reduce((a, i) => a + i[1] - i[0], 0);
  assert.equal(vtl2(poll), 6 * us);
  assert.equal(vtl2(irq), 6 * us);
  const f = poll.w.stats.findings.find((x) => x.code === 'VPS311');
  assert.ok(f, 'VPS311: poll mode with a slow backend');
  assert.equal(f.data?.maskedWaits, 1);
});

test('io_ring_size back-pressure: the IO beyond the ring size waits for a completion', () => {
  const c = storvsp('scsi', [['d', 1 * ms]], { pollModeQueueDepth: 100 });
  const w = world(vm(1, openhcl({ storvsp: [c], ioRingSize: 2 })), { endNs: 5 * ms });
  for (let i = 1; i <= 3; i++) w.model.submit(0, 0, 0, i, 0);
  w.run(5 * ms);
  assert.equal(w.counter('openhcl.ring_full'), 1);
  // Read at 0..6 us; two start at 6 us, the third when the first completes (1006 us).
  assert.equal(w.done[2][2] > 2 * ms, true);
  assert.ok(w.stats.findings.some((f) => f.code === 'VPS320'));
});

test('an IO left waiting in a full channel ring longer than the stall threshold is a stall on the channel worker', () => {
  // As above: the fast IO waits in the ring from 0 until the worker reads it at 1004 us (+4 us of
  // reads), i.e. 1004 us; with a 500 us threshold that is one stall, with cause, task and range.
  const w = world(vm(1, openhcl({ storvsp: [slowFast(2)] })), { endNs: 5 * ms, stallThresholdNs: 500 * us });
  w.model.submit(0, 0, 0, 1, 0);
  w.model.submit(0, 0, 0, 2, 0);
  w.model.submit(0, 0, 1, 3, 0);
  w.run(5 * ms);
  const stalls = w.stats.topStalls().filter((s) => s.cause === 'channel-queue-full');
  assert.equal(stalls.length, 1, JSON.stringify(w.stats.topStalls()));
  const s = stalls[0];
  assert.equal(s.task, 'storvsp scsi ch0');
  assert.equal(s.startNs, 0);
  assert.ok(s.durationNs >= 1000 * us && s.durationNs <= 1008 * us, `waited ${s.durationNs}`);
  assert.match(s.causes![0], /disk `fast` waited/);
  assert.ok(s.causes!.some((c) => /queue depth \(2\) was full/.test(c)));
  assert.ok(s.causes!.some((c) => /slowest disk .* `slow`/.test(c)), s.causes!.join(' | '));
  assert.ok(s.range, 'the controller is the range to change');
  // Above the threshold only: with 2 ms none of the waits counts.
  const w2 = world(vm(1, openhcl({ storvsp: [slowFast(2)] })), { endNs: 5 * ms, stallThresholdNs: 2 * ms });
  w2.model.submit(0, 0, 0, 1, 0);
  w2.model.submit(0, 0, 0, 2, 0);
  w2.model.submit(0, 0, 1, 3, 0);
  w2.run(5 * ms);
  assert.equal(w2.stats.topStalls().filter((x) => x.cause === 'channel-queue-full').length, 0);
});
