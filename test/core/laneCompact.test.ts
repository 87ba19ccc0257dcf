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
