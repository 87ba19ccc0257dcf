/**
 * core/select.ts, the one quickselect behind the simulator's and the trace analysis's
 * percentiles: for any array (duplicates, sorted, reversed, adversarial lengths) and any k, the
 * value is the sorted array's k-th and the range is partitioned around it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fraction } from '../arb';
import { selectKth } from '../../server/src/core/select';

const arrays = fc.oneof(
  fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 300 }),
  fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 300 }),
  fc.integer({ min: 1, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
  fc.integer({ min: 1, max: 2000 }).map((n) => Array.from({ length: n }, (_, i) => n - i)),
);

test('selectKth gives the sorted k-th value and partitions around it (fast-check)', () => {
  fc.assert(
    fc.property(arrays, fc.oneof(fraction(), fc.double({ min: 0, max: 1, noNaN: true })), (values, q) => {
      const a = Float64Array.from(values);
      const sorted = Float64Array.from(values).sort();
      const k = Math.min(a.length - 1, Math.floor(q * a.length));
      const v = selectKth(a, k);
      assert.equal(v, sorted[k]);
      assert.equal(a[k], v);
      for (let i = 0; i < k; i++) assert.ok(a[i] <= v);
      for (let i = k + 1; i < a.length; i++) assert.ok(a[i] >= v);
      // A second selection inside the upper part still agrees with the sort (the percentiles' use).
      const k2 = k + Math.floor((a.length - 1 - k) / 2);
      assert.equal(selectKth(a, k2, k, a.length - 1), sorted[k2]);
    }),
    { numRuns: 400 },
  );
});
