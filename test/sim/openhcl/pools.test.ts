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

test('property: the activity log answers like a plain list of merged segments cut to its capacity (shared arena or not)', async () => {
  const fc = await import('fast-check');
  const { LogArena } = await import('../../../server/src/sim/openhcl/stalllog');
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.record({ gap: fc.constantFrom(0, 0, 0, 5), len: fc.integer({ min: -2, max: 20 }), cause: fc.integer({ min: 0, max: 3 }) }), { maxLength: 40 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 800 }), fc.integer({ min: 1, max: 300 })), { minLength: 1, maxLength: 5 }),
      (cap, steps, queries) => {
        const arena = new LogArena(2);
        arena.take(5); // another log's slice before this one
        const logs = [new ActivityLog(cap), new ActivityLog(cap, arena)];
        const ref: [number, number, number][] = [];
        let t = 0;
        for (const s of steps) {
          const start = t + s.gap;
          const end = start + s.len;
          for (const l of logs) l.record(start, end, s.cause);
          if (end > start) {
            const last = ref[ref.length - 1];
            if (last && last[2] === s.cause && last[1] === start) last[1] = end;
            else ref.push([start, end, s.cause]);
            t = end;
          }
        }
        const kept = ref.slice(Math.max(0, ref.length - cap));
        for (const [q0, qLen] of queries) {
          const q1 = q0 + qLen;
          // Newest first, stop at the first segment that ends before the window (as the log does).
          const acc = new Map<number, number>();
          const order: number[] = [];
          for (let i = kept.length - 1; i >= 0; i--) {
            const [s0, e0, c] = kept[i];
            if (e0 <= q0) break;
            const ov = Math.min(q1, e0) - Math.max(q0, s0);
            if (ov <= 0) continue;
            if (!acc.has(c)) order.push(c);
            acc.set(c, (acc.get(c) ?? 0) + ov);
          }
          let best = -1;
          let bestNs = 0;
          for (let i = order.length - 1; i >= 0; i--) if (acc.get(order[i])! > bestNs) { best = order[i]; bestNs = acc.get(order[i])!; }
          for (const l of logs) assert.deepEqual(l.dominant(q0, q1), { cause: best, ns: bestNs });
        }
      },
    ),
    { numRuns: 300 },
  );
});
