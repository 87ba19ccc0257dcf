/**
 * The guest's pending-item rings (sim/guest/consts.ts `ItemRings`): every vCPU's ring is a slice
 * of one shared array; pushes and takes in any order on any vCPUs keep each vCPU's items in FIFO
 * order, through wrap-around and growth (a ring moved to a larger slice, the shared array itself
 * reallocated), as a plain array per vCPU does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ItemRings } from '../../server/src/sim/guest/consts';

type Op = { push: boolean; v: number; x: number };

function items(r: ItemRings, v: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < r.size(v); k++) {
    const i = r.at(v, k);
    out.push([r.buf[i], r.buf[i + 1], r.buf[i + 2], r.buf[i + 3]]);
  }
  return out;
}

describe('ItemRings', () => {
  it('keeps per-vCPU FIFO order through wrap-around and growth, like an array per vCPU', () => {
    const op = fc.record({ push: fc.boolean(), v: fc.nat(), x: fc.integer({ min: 0, max: 1e9 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 400 }), fc.boolean(), (n, ops: Op[], bursty) => {
        const r = new ItemRings(n);
        const ref: number[][][] = Array.from({ length: n }, () => []);
        for (const o of ops) {
          const v = o.v % n;
          // Bursty: pushes outnumber takes, so rings grow past 8, 16, 32 items.
          if (o.push || (bursty && o.x % 4 !== 0)) {
            const it = [o.x % 3, o.x, o.x * 2, o.x * 3];
            r.push(v, it[0], it[1], it[2], it[3]);
            ref[v].push(it);
          } else if (r.size(v) > 0) {
            const i = r.first(v);
            assert.deepEqual([r.buf[i], r.buf[i + 1], r.buf[i + 2], r.buf[i + 3]], ref[v][0]);
            r.pop(v);
            ref[v].shift();
          }
          assert.equal(r.size(v), ref[v].length);
        }
        for (let v = 0; v < n; v++) assert.deepEqual(items(r, v), ref[v]);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('a ring that empties starts again at its first slot', () => {
    const r = new ItemRings(2);
    r.push(1, 0, 1, 2, 3);
    r.push(1, 0, 4, 5, 6);
    const first = r.first(1);
    r.pop(1);
    r.pop(1);
    r.push(1, 2, 7, 8, 9);
    assert.equal(r.first(1), first);
    assert.equal(r.size(0), 0);
  });
});
