/** Seeded per-entity streams: reproducible, independent of other entities, correct means. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, RngStreams, streamState } from '../../server/src/sim/rng';

test('same seed and id give the same samples; another entity does not shift them', () => {
  const a = new RngStreams(7);
  a.stream('vm:a/thread:x#0');
  const xs = Array.from({ length: 5 }, () => a.stream.length); // touch
  void xs;
  const s1 = new RngStreams(7).stream('vm:web/thread:t#0');
  const other = new RngStreams(7);
  other.stream('vm:new/thread:y#0'); // an added entity
  const s2 = other.stream('vm:web/thread:t#0');
  for (let i = 0; i < 100; i++) assert.equal(s1.u32(), s2.u32());
});

test('different seeds or ids differ', () => {
  const a = new Rng(streamState(1, 'x'));
  const b = new Rng(streamState(2, 'x'));
  const c = new Rng(streamState(1, 'y'));
  const va = a.u32();
  assert.notEqual(va, b.u32());
  assert.notEqual(va, c.u32());
});

test('asking twice for one stream is a programmer error', () => {
  const s = new RngStreams(1);
  s.stream('a');
  assert.throws(() => s.stream('a'));
});

test('distribution samples: integer ns, clamped at 0, plausible means', () => {
  const r = new Rng(streamState(3, 'dists'));
  const mean = (f: () => number, n = 20000) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = f();
      assert.ok(Number.isInteger(v) && v >= 0);
      s += v;
    }
    return s / n;
  };
  assert.equal(r.sample({ kind: 'fixed', value: 1234 }), 1234);
  const near = (x: number, want: number, tol: number) => assert.ok(Math.abs(x - want) / want < tol, `${x} vs ${want}`);
  near(mean(() => r.sample({ kind: 'exp', mean: 100_000 })), 100_000, 0.03);
  near(mean(() => r.sample({ kind: 'uniform', lo: 10_000, hi: 30_000 })), 20_000, 0.02);
  near(mean(() => r.sample({ kind: 'normal', mean: 1_000_000, sd: 100_000 })), 1_000_000, 0.01);
  near(mean(() => r.sample({ kind: 'lognormal', mean: 1_000_000, sd: 500_000 })), 1_000_000, 0.03);
  near(mean(() => r.sample({ kind: 'bimodal', a: 100_000, b: 20_000_000, p: 0.01 })), 100_000 * 0.99 + 200_000, 0.1);
  assert.equal(r.sample({ kind: 'normal', mean: -5, sd: 0 }), 0, 'clamped at 0');
});
