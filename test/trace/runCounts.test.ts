/**
 * The reconstruction's counters that skip the hash table on repeats: `RunCounts` (a key and its
 * count kept aside until another key comes) and `NumCounts`' last-key slot. Whatever the order of
 * keys, runs and reads in between, they must hold what a plain `Map` updated on every add holds,
 * with the keys in the same (first-seen) order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NumCounts, RunCounts } from '../../server/src/trace/reconstruct/model';

/** Keys with long runs (as a vCPU's exits have), plus reads of the counts between adds. */
const steps = <K>(key: fc.Arbitrary<K>) =>
  fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.record({ key, times: fc.integer({ min: 1, max: 6 }) }) },
      { weight: 1, arbitrary: fc.constant('read' as const) },
    ),
    { maxLength: 120 },
  );

describe('RunCounts', () => {
  for (const [what, key] of [
    ['string keys', fc.constantFrom('KVM_EXIT_IO', 'IO_INSTRUCTION', 'HLT', 'out 0x80', 'in 0x21', '')],
    ['number keys', fc.integer({ min: -2, max: 5 })],
  ] as const) {
    it(`holds what a Map counts (${what}), reads in between included`, () => {
      fc.assert(
        fc.property(steps<string | number>(key as fc.Arbitrary<string | number>), (ss) => {
          const r = new RunCounts<string | number>();
          const ref = new Map<string | number, number>();
          for (const s of ss) {
            if (s === 'read') {
              assert.deepEqual([...r.counts], [...ref]);
              continue;
            }
            for (let i = 0; i < s.times; i++) {
              r.add(s.key);
              ref.set(s.key, (ref.get(s.key) ?? 0) + 1);
            }
          }
          assert.deepEqual([...r.counts], [...ref]);
          // Reading twice changes nothing.
          assert.deepEqual([...r.counts], [...ref]);
        }),
      );
    });
  }
});

describe('NumCounts', () => {
  it('holds what a Map sums, in first-insertion order, with repeats and reads in between', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: -2, max: 6 }), v: fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1e13, noNaN: true })), times: fc.integer({ min: 1, max: 4 }), read: fc.boolean() }), { maxLength: 100 }),
        (ss) => {
          const c = new NumCounts();
          const ref = new Map<number, number>();
          for (const s of ss) {
            for (let i = 0; i < s.times; i++) {
              c.add(s.key, s.v);
              ref.set(s.key, (ref.get(s.key) ?? 0) + s.v);
            }
            if (s.read) assert.equal(c.get(s.key), ref.get(s.key));
          }
          assert.deepEqual([...c], [...ref]);
          assert.equal(c.size, ref.size);
        },
      ),
    );
  });
});
