/**
 * Pooled IO records and the activity log behind stall attribution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IO_STORAGE, IO_TASK, IoPool, newFifo } from '../../../server/src/sim/openhcl/iopool';
import { ActivityLog } from '../../../server/src/sim/openhcl/stalllog';

test('IO records are reused and FIFOs keep order across growth', () => {
  const pool = new IoPool(2);
  const q = newFifo();
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const id = pool.alloc(IO_STORAGE);
    pool.t0[id] = i;
    pool.push(q, id);
    ids.push(id);
  }
  assert.ok(pool.capacity >= 5);
  const out: number[] = [];
  for (let id = pool.shift(q); id >= 0; id = pool.shift(q)) { out.push(pool.t0[id]); pool.release(id); }
  assert.deepEqual(out, [0, 1, 2, 3, 4]);
  assert.equal(pool.live, 0);
  const again = pool.alloc(IO_TASK);
  assert.ok(ids.includes(again), 'a released record is reused');
});

test('the dominant cause of a wait is the one that covered most of it', () => {
  const log = new ActivityLog(8);
  log.record(0, 100, 1);
  log.record(100, 1100, 2); // a 1 ms syscall
  log.record(1100, 1300, 3);
  assert.deepEqual(log.dominant(50, 1300), { cause: 2, ns: 1000 });
  assert.deepEqual(log.dominant(1100, 1200), { cause: 3, ns: 100 });
  assert.deepEqual(log.dominant(2000, 3000), { cause: -1, ns: 0 });
});

test('adjacent segments of one cause merge; old segments fall out of the ring', () => {
  const log = new ActivityLog(2);
  log.record(0, 10, 1);
  log.record(10, 20, 1);
  log.record(20, 30, 2);
  log.record(30, 40, 3);
  assert.deepEqual(log.dominant(0, 40), { cause: 2, ns: 10 }, 'cause 1 fell out; 2 and 3 tie, the earlier wins');
});
