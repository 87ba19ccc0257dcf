/**
 * The pieces that made `vpscope analyze` faster give exactly what the code they replaced gave:
 * the lane JSON written as bytes equals `JSON.stringify` of the lane (any number: integers of
 * every size and sign, fractions, -0, huge and non-finite values, lanes over several pieces);
 * percentiles by selection equal those of a full sort; the small count tables iterate, sum and
 * pick their top entry like the Maps they replaced.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LaneBuilder } from '../../server/src/core/timeline';
import { laneJsonChunks, putNumber, putTime } from '../../server/src/trace/json';
import { latencyStats, latencyStatsSorted } from '../../server/src/trace/quantiles';
import { NumCounts, SmallCounts } from '../../server/src/trace/reconstruct/model';

const anyNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }).map((x) => x),
  fc.maxSafeInteger(),
  // Near multiples of 10^9, where splitting into the part above 10^9 and nine digits can round.
  fc.tuple(fc.integer({ min: 2, max: 9007199 }), fc.constantFrom(-1, 0, 1, 999999999, -999999999), fc.boolean()).map(([k, r, neg]) => {
    const x = Math.min(Number.MAX_SAFE_INTEGER, k * 1e9 + r);
    return neg ? -x : x;
  }),
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, 1e21, -1e21, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 53, 2 ** 53 + 2, 1e9, 999999999, 1000000000, 1494546755000, Infinity, -Infinity, NaN, 5e-324),
);

describe('lane JSON as bytes', () => {
  it('putNumber writes JSON.stringify(v) for any number', () => {
    const b = new Uint8Array(64);
    fc.assert(
      fc.property(anyNumber, (v) => {
        const end = putNumber(b, 0, v);
        assert.equal(new TextDecoder().decode(b.subarray(0, end)), JSON.stringify(v));
      }),
      { numRuns: 20000 },
    );
  });

  it('putTime writes JSON.stringify(v) for any number, in any order (its cached seconds digits included)', () => {
    const b = new Uint8Array(64);
    fc.assert(
      fc.property(fc.array(fc.oneof(anyNumber, fc.integer({ min: 1e9 - 5, max: 3e9 }), fc.constantFrom(1e9, 1e9 - 1, 2e9, 2e9 - 1, 2e9 + 1)), { minLength: 1, maxLength: 30 }), (vs) => {
        for (const v of vs) {
          const end = putTime(b, 0, v);
          assert.equal(new TextDecoder().decode(b.subarray(0, end)), JSON.stringify(v), String(v));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('laneJsonChunks joined is JSON.stringify of the materialised lane (several pieces too)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40000 }),
        fc.integer({ min: 0, max: 2 ** 44 }),
        fc.array(fc.tuple(anyNumber, anyNumber), { maxLength: 20 }),
        (n, t0, odd) => {
          const l = new LaneBuilder('pid:1', 'x "quoted" (1)', 'vm:a', 'vcpu');
          let t = t0;
          for (let i = 0; i < n; i++) {
            const d = 1 + ((i * 7919) % 100000);
            l.push(t, t + d, i % 9, (i % 13) - 1);
            t += d + (i % 3);
          }
          const data = l.toData();
          // Values no timeline holds, put straight into the intervals (the writer must not care).
          odd.forEach(([a, b], k) => {
            if (data.intervals.length) data.intervals[(k * 4) % data.intervals.length] = a;
            if (data.intervals.length > 1) data.intervals[(k * 4 + 1) % data.intervals.length] = b;
          });
          const src = {
            ...data,
            length: data.intervals.length >> 2,
            startAt: (i: number) => data.intervals[i * 4],
            endAt: (i: number) => data.intervals[i * 4 + 1],
            stateAt: (i: number) => data.intervals[i * 4 + 2],
            causeAt: (i: number) => data.intervals[i * 4 + 3],
          };
          assert.equal([...laneJsonChunks(src)].join(''), JSON.stringify(data));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('lane JSON from a LaneBuilder', () => {
  // The writer copies a start's text from the previous end's when the two are equal, and writes
  // one-digit and -1 states and causes directly: any lane a builder holds (varint, fixed-width
  // and plain chunks, pieces of 16 Ki intervals) must still give JSON.stringify of its data.
  const time = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 5000 }) },
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.constantFrom(0.5, 1e-7, 2 ** 33, 999999999, 1e9),
  );
  it('property: laneJsonChunks of a builder is JSON.stringify of its data (gaps, fractions, negative and huge times, any state and cause)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40000 }),
        fc.oneof(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.constantFrom(0, -0, 1e9 - 3, 2 ** 53 - 2 ** 40, -1.5, 0.25)),
        fc.array(fc.tuple(time, time, fc.integer({ min: -3, max: 300 }), fc.integer({ min: -2, max: 2 ** 24 })), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 3 }),
        (n, t0, steps, contiguous) => {
          const l = new LaneBuilder('pid:1', 'x', 'vm:a', 'thread');
          let t = t0;
          for (let i = 0; i < n; i++) {
            const [gap, len, st, cs] = steps[i % steps.length];
            const g = i % 4 < contiguous ? 0 : gap;
            // small states and causes most of the time, the drawn ones now and then
            const state = i % 7 === 0 ? st : i % 9;
            const cause = i % 11 === 0 ? cs : (i % 13) - 1;
            l.push(t + g, t + g + len + 1, state, cause);
            t = t + g + len + 1;
          }
          assert.equal([...laneJsonChunks(l)].join(''), JSON.stringify(l.toData()));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('lane JSON straight from the varint chunks', () => {
  // The writer reads a builder's variable-length chunks itself (no arrays in between), writes
  // each (state, cause) pair's text once per chunk, and splits a time in the same second as the
  // last one by a subtraction: real trace times (about 1.5e12 ns), lengths that cross a second,
  // groups whose base is a fraction or below 10^9, times that pass 2^53, and pieces that start
  // inside a chunk must all still give JSON.stringify of the lane's data.
  it('property: any lane of real-looking times, and times across 10^9 and 2^53', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40000 }),
        fc.oneof(
          fc.integer({ min: 1_400_000_000_000, max: 1_600_000_000_000 }),
          fc.constantFrom(1e9 - 5000, 2 ** 53 - 3e6, 2 ** 53 - 4e9, 0.5, 999_999_999.5, 1e9 + 0.25),
        ),
        fc.array(fc.tuple(fc.oneof(fc.constantFrom(0, 0, 0, 1), fc.integer({ min: 0, max: 3e9 })), fc.oneof(fc.integer({ min: 1, max: 2e6 }), fc.constantFrom(1e9 - 1, 1e9, 1e9 + 1, 2 ** 32))), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 60 }),
        (n, t0, steps, pairs) => {
          const l = new LaneBuilder('pid:2', 'y', 'host', 'thread');
          let t = t0;
          for (let i = 0; i < n; i++) {
            const [gap, len] = steps[i % steps.length];
            const k = (i * 31) % pairs;
            l.push(t + gap, t + gap + len, k % 9, k < 5 ? -1 : k * 1000);
            t = t + gap + len;
          }
          assert.equal([...laneJsonChunks(l)].join(''), JSON.stringify(l.toData()));
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('percentiles by selection', () => {
  it('equal the sorted reference for any values (duplicates, runs, fractions, huge)', () => {
    const values = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 3000 }),
      fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 3000 }),
      fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 300 }),
      fc.array(fc.double({ noNaN: true, min: -1e300, max: 1e300 }), { maxLength: 300 }),
      fc.array(fc.constantFrom(2 ** 52, 2 ** 53, 3), { maxLength: 50 }),
      fc.integer({ min: 0, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => i)),
      fc.integer({ min: 0, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => n - i)),
      fc.integer({ min: 0, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => (i % 2 ? i : n - i))),
    );
    fc.assert(
      fc.property(values, (xs) => {
        const a = Float64Array.from(xs);
        const copy = a.slice();
        assert.deepEqual(latencyStats(a), latencyStatsSorted(a));
        assert.deepEqual(a, copy, 'input untouched');
      }),
      { numRuns: 400 },
    );
  });
});

describe('count tables', () => {
  const ops = fc.array(fc.tuple(fc.integer({ min: -2, max: 12 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.boolean()), { maxLength: 200 });

  it('SmallCounts: sums, order and top like the Map it replaced; clear empties it', () => {
    fc.assert(
      fc.property(ops, (xs) => {
        const s = new SmallCounts();
        let m = new Map<number, number>();
        for (const [k, v, clear] of xs) {
          if (clear && v % 5 === 0) {
            s.clear();
            m = new Map();
            continue;
          }
          s.add(k, v);
          m.set(k, (m.get(k) ?? 0) + v);
          let best = -2;
          let bestV = -1;
          for (const [kk, vv] of m) if (vv > bestV) [best, bestV] = [kk, vv];
          assert.equal(s.top(-2), best);
          assert.equal(s.size, m.size);
        }
      }),
    );
  });

  it('NumCounts: iterates [key, sum] in first-insertion order like a Map', () => {
    fc.assert(
      fc.property(ops, (xs) => {
        const c = new NumCounts();
        const m = new Map<number, number>();
        for (const [k, v] of xs) {
          c.add(k, v);
          m.set(k, (m.get(k) ?? 0) + v);
        }
        assert.deepEqual([...c], [...m]);
        assert.equal(c.size, m.size);
        for (const k of m.keys()) assert.equal(c.get(k), m.get(k));
      }),
    );
  });
});

describe('LaneBuilder in chunks', () => {
  it('holds, merges and reads back intervals like a flat array, across chunk boundaries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60000 }), fc.integer({ min: 1, max: 7 }), fc.nat(1000), (n, period, seed) => {
        const l = new LaneBuilder('x', 'x', 'g', 'thread');
        const ref: number[] = [];
        let t = 1e12 + seed;
        for (let i = 0; i < n; i++) {
          const d = 1 + ((i * 31 + seed) % 50);
          // Runs of equal state and cause, back to back, so some pushes merge.
          const st = Math.floor(i / period) % 3;
          const gap = (i + seed) % 5 === 0 ? 1 : 0;
          l.push(t + gap, t + gap + d, st, st - 1);
          const m = ref.length;
          if (m > 0 && ref[m - 2] === st && ref[m - 1] === st - 1 && ref[m - 3] === t + gap) ref[m - 3] = t + gap + d;
          else ref.push(t + gap, t + gap + d, st, st - 1);
          t += gap + d;
        }
        assert.equal(l.length, ref.length / 4);
        assert.deepEqual(l.toData().intervals, ref);
        for (let i = 0; i < l.length; i += 997) assert.deepEqual([l.startAt(i), l.endAt(i), l.stateAt(i), l.causeAt(i)], ref.slice(i * 4, i * 4 + 4));
      }),
      { numRuns: 30 },
    );
  });
});
