/**
 * LaneBuilder keeps its full chunks compact (u32 start offsets from a base per 64 intervals,
 * u32 durations, state and cause packed in one int32) where that is exact, and plain arrays where
 * it is not: every interval must read back exactly as pushed (after the merging of equal
 * neighbours), whatever the times, states and causes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LaneBuilder } from '../../server/src/core/timeline';

type Iv = [number, number, number, number];

/** What the lane must hold: the pushes with empty ones dropped and equal touching ones merged. */
function reference(pushes: Iv[]): Iv[] {
  const out: Iv[] = [];
  for (const [s, e, st, c] of pushes) {
    if (e <= s) continue;
    const last = out[out.length - 1];
    if (last && last[2] === st && last[3] === c && last[1] === s) last[1] = e;
    else out.push([s, e, st, c]);
  }
  return out;
}

function readBack(l: LaneBuilder): Iv[] {
  const out: Iv[] = [];
  for (let i = 0; i < l.length; i++) out.push([l.startAt(i), l.endAt(i), l.stateAt(i), l.causeAt(i)]);
  return out;
}

/** Usual intervals: whole ns, small states and causes. */
const usual = fc.tuple(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1, max: 40 }));
/** One odd value put into one interval: each breaks one part of the compact form only. */
const odd = fc.tuple(
  fc.nat(),
  fc.constantFrom('gap', 'len', 'fraction', 'state', 'cause'),
  fc.constantFrom(0, 1, 2),
);
const start = fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.constantFrom(0.25, 1e15, 2 ** 53 - 2 ** 40));

function oddValue(kind: string, v: number): Partial<{ gap: number; len: number; state: number; cause: number }> {
  switch (kind) {
    case 'gap': return { gap: [2 ** 32 - 1, 2 ** 32, 5e12][v] };
    case 'len': return { len: [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 7][v] };
    case 'fraction': return { gap: [0.5, 1e-3, 7.25][v] };
    case 'state': return { state: [255, 256, 1000][v] };
    default: return { cause: [2 ** 23 - 2, 2 ** 23 - 1, 2 ** 30][v] };
  }
}

describe('LaneBuilder compact chunks', () => {
  it('property: every interval reads back exactly (over several chunks, any times, states and causes)', () => {
    fc.assert(
      fc.property(
        start,
        fc.array(usual, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 50_000 }),
        fc.array(odd, { maxLength: 3 }),
        (t0, pattern, extra, odds) => {
          // Over two full chunks (16 Ki intervals each) and a partial one.
          const n = 2 * 16384 + extra;
          const at = new Map(odds.map(([i, kind, v]) => [i % n, oddValue(kind, v)]));
          const pushes: Iv[] = [];
          let t = t0;
          for (let i = 0; i < n; i++) {
            const [g, len, st, c] = pattern[i % pattern.length];
            const o = at.get(i) ?? {};
            const s = t + (o.gap ?? g);
            const e = s + (o.len ?? len);
            pushes.push([s, e, o.state ?? st, o.cause ?? c]);
            t = e;
          }
          const l = new LaneBuilder('x', 'x', 'g', 'thread');
          for (const [s, e, st, c] of pushes) l.push(s, e, st, c);
          assert.deepEqual(readBack(l), reference(pushes));
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });

  it('a long lane of whole-ns intervals reads back exactly through full chunks', () => {
    const l = new LaneBuilder('x', 'x', 'g', 'thread');
    const pushes: Iv[] = [];
    let t = 1e15;
    for (let i = 0; i < 100_000; i++) {
      const e = t + 1 + (i % 977) * 1000;
      pushes.push([t, e, i % 4, (i % 11) - 1]);
      t = e + (i % 3);
    }
    for (const [s, e, st, c] of pushes) l.push(s, e, st, c);
    assert.deepEqual(readBack(l), reference(pushes));
  });
});

/**
 * The variable-length form (varints of a (state, cause) pair index, of the gap after the previous
 * interval and of the length, from an f64 base per 64 intervals): random lanes, several at once,
 * read back exactly in order, backwards and at random indices.
 */
describe('LaneBuilder variable-length chunks', () => {
  /** Gaps: mostly none, some small, some huge (beyond 2^32 ns, up to 2^50). */
  const gap = fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 5000 }) },
    { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 5e12, 2 ** 50) },
  );
  /** Lengths: zero (dropped by push), small, large. */
  const len = fc.oneof(
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 3_000_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(1, 127, 128, 16383, 16384, 2 ** 32, 2 ** 45) },
  );
  const iv = fc.tuple(gap, len, fc.integer({ min: 0, max: 8 }), fc.integer({ min: -1, max: 40 }));

  function orders(n: number, seed: number): number[][] {
    const rnd = (k: number): number => ((k * 2654435761 + seed) >>> 0) % n;
    return [
      Array.from({ length: n }, (_, i) => i),
      Array.from({ length: n }, (_, i) => n - 1 - i),
      Array.from({ length: Math.min(n, 3000) }, (_, i) => rnd(i)),
    ];
  }

  it('property: several lanes filled together read back exactly, in any order of reads', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(-5e9, 1.7e15, 2 ** 53 - 2 ** 46)),
        fc.array(iv, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer(),
        (lanes, t0, pattern, extra, seed) => {
          const n = 4096 + extra; // at least one full chunk (4 Ki intervals) per lane
          const ls = Array.from({ length: lanes }, (_, k) => new LaneBuilder(`l${k}`, 'x', 'g', 'thread'));
          const pushes: Iv[][] = ls.map(() => []);
          const t = ls.map(() => t0);
          for (let i = 0; i < n * lanes; i++) {
            const k = (i * 7 + (i >> 3)) % lanes;
            const [g, d, st, c] = pattern[(i + k) % pattern.length];
            const s = t[k] + g;
            const e = s + d;
            pushes[k].push([s, e, st, c]);
            ls[k].push(s, e, st, c);
            t[k] = Math.max(t[k], e);
          }
          for (let k = 0; k < lanes; k++) {
            const want = reference(pushes[k]);
            const l = ls[k];
            assert.equal(l.length, want.length);
            for (const order of orders(want.length, seed)) {
              for (const i of order) {
                // Reads in the order a writer would, and each field alone.
                assert.deepEqual([l.startAt(i), l.endAt(i), l.stateAt(i), l.causeAt(i)], want[i], `lane ${k} interval ${i}`);
                assert.equal(l.causeAt(i), want[i][3]);
                assert.equal(l.endAt(i), want[i][1]);
              }
            }
            // readInto over ranges starting and ending anywhere (inside groups, chunks, the current arrays).
            for (const [a, b] of [[0, want.length], [(seed >>> 0) % want.length, want.length], [37, 37 + 5000], [4095, 4097], [want.length - 3, want.length]]) {
              const from = Math.max(0, Math.min(a % (want.length + 1), want.length));
              const to = Math.max(from, Math.min(b, want.length));
              const got = [new Float64Array(to - from), new Float64Array(to - from), new Float64Array(to - from), new Float64Array(to - from)] as const;
              l.readInto(from, to, ...got);
              for (let i = from; i < to; i++) assert.deepEqual([got[0][i - from], got[1][i - from], got[2][i - from], got[3][i - from]], want[i], `readInto lane ${k} interval ${i}`);
            }
          }
        },
      ),
      { numRuns: 30, seed: 11 },
    );
  });

  it('usual lanes take about 4 bytes an interval; many (state, cause) pairs or a fraction fall back exactly', () => {
    const mk = (f: (i: number) => Iv): { l: LaneBuilder; pushes: Iv[] } => {
      const l = new LaneBuilder('x', 'x', 'g', 'thread');
      const pushes: Iv[] = [];
      for (let i = 0; i < 3 * 4096; i++) {
        const p = f(i);
        pushes.push(p);
        l.push(...p);
      }
      const want = reference(pushes);
      assert.deepEqual(readBack(l), want);
      const got = [new Float64Array(want.length - 5), new Float64Array(want.length - 5), new Float64Array(want.length - 5), new Float64Array(want.length - 5)] as const;
      l.readInto(5, want.length, ...got);
      assert.deepEqual(Array.from(got[0]), want.slice(5).map((w) => w[0]));
      assert.deepEqual(Array.from(got[1]), want.slice(5).map((w) => w[1]));
      assert.deepEqual(Array.from(got[2]), want.slice(5).map((w) => w[2]));
      assert.deepEqual(Array.from(got[3]), want.slice(5).map((w) => w[3]));
      return { l, pushes };
    };
    // Two full chunks compacted, the third in the current arrays (24 bytes an interval).
    const open = 24 * 4096;
    // Contiguous intervals of up to 1 ms, 6 states, 32 causes: 1 + 3 bytes an interval or so.
    const usual = mk((i) => [1e15 + i * 1_000_000, 1e15 + (i + 1) * 1_000_000 - (i % 7 === 0 ? 5 : 0), i % 6, (i % 33) - 1]);
    assert.ok(usual.l.byteLength - open < 2 * 4096 * 5, `${usual.l.byteLength} bytes`);
    // 5000 distinct pairs in a chunk: kept in the fixed-width form, still exact.
    const pairs = mk((i) => [i * 10, i * 10 + 5, i % 5, i]);
    assert.ok(pairs.l.byteLength - open >= 2 * 4096 * 12, `${pairs.l.byteLength} bytes`);
    // A fraction of a ns: fixed-width form, exact.
    const fraction = mk((i) => [i === 100 ? 999.5 : i * 10, i * 10 + 5, 1, -1]);
    assert.ok(fraction.l.byteLength - open > 4096 * 12, `${fraction.l.byteLength} bytes`);
    // Negative times: variable-length form.
    const negative = mk((i) => [i * 10 - 1e6, i * 10 - 1e6 + 5, 1, -1]);
    assert.ok(negative.l.byteLength - open < 2 * 4096 * 4, `${negative.l.byteLength} bytes`);
  });
});
