/** Latency histograms (LatencySummary.hist): log-spaced bins, each sample in the bin that holds it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logHistogram, HIST_BINS_PER_DECADE, SimStats } from '../../server/src/sim/record';

test('log-spaced edges, every sample in the bin that holds it, counts sum to the samples', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 1e12 }), fc.double({ min: 0, max: 1e9, noNaN: true })), { minLength: 1, maxLength: 300 }), (xs) => {
      const h = logHistogram(xs)!;
      assert.equal(h.edgesNs.length, h.counts.length + 1);
      assert.equal(h.counts.reduce((a, b) => a + b, 0), xs.length);
      for (let i = 1; i < h.edgesNs.length; i++) {
        assert.ok(h.edgesNs[i] > h.edgesNs[i - 1]);
        const r = h.edgesNs[i] / h.edgesNs[i - 1];
        assert.ok(Math.abs(Math.log10(r) * HIST_BINS_PER_DECADE - 1) < 0.01, `ratio ${r}`);
      }
      const pos = xs.filter((x) => x >= 1);
      if (pos.length) {
        assert.ok(h.edgesNs[0] <= Math.min(...pos) && Math.max(...pos) < h.edgesNs[h.edgesNs.length - 1]);
        const re = h.counts.map(() => 0);
        for (const x of xs) {
          let b = 0;
          while (b < re.length - 1 && x >= h.edgesNs[b + 1]) b++;
          re[b]++;
        }
        assert.deepEqual(re, h.counts);
      }
      assert.deepEqual(logHistogram(xs), h, 'deterministic');
    }),
  );
  assert.equal(logHistogram([]), undefined);
});

test('a task latency summary carries the histogram of its samples', () => {
  const st = new SimStats(1, 0);
  const t = st.task({ name: 'a', kind: 'other' });
  for (const v of [1000, 2000, 5000, 20000, 20000]) st.sample(t, 10, v);
  const s = st.latency(t);
  assert.equal(s.hist!.counts.reduce((a, b) => a + b, 0), 5);
  assert.equal(s.hist!.edgesNs[0], 1000);
  assert.equal(s.hist!.counts[0], 1);
  assert.equal(s.hist!.counts[s.hist!.counts.length - 1], 2);
  const empty = new SimStats(1, 0);
  assert.equal(empty.latency(empty.task({ name: 'b', kind: 'other' })).hist, undefined);
});

test('samples exactly on a bin edge, or just below one, land in the right bin', () => {
  const edges = Array.from({ length: 80 }, (_, k) => Number(Math.pow(10, k / HIST_BINS_PER_DECADE).toPrecision(4)));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 79 }), fc.constantFrom(0, -1e-9, -0.5, 1e-9)), { minLength: 1, maxLength: 200 }), (picks) => {
      const xs = picks.map(([k, d]) => Math.max(1, edges[k] * (1 + d)));
      const h = logHistogram(xs)!;
      const want = h.counts.map(() => 0);
      for (const x of xs) {
        let b = 0;
        while (b < want.length - 1 && x >= h.edgesNs[b + 1]) b++;
        want[b]++;
      }
      assert.deepEqual(h.counts, want);
    }),
  );
});

/** The summary by the definitions: nearest rank over the sorted samples, logHistogram of them all. */
function reference(xs: number[]) {
  const a = Float64Array.from(xs).sort();
  const rank = (p: number) => Math.min(a.length - 1, Math.max(0, Math.ceil(p * a.length) - 1));
  return { p50: a[rank(0.5)], p90: a[rank(0.9)], p99: a[rank(0.99)], hist: logHistogram(xs) };
}

test('summary percentiles and histogram equal a sort and logHistogram of the samples, whatever their range', () => {
  const sample = fc.oneof(
    fc.integer({ min: 0, max: 1e12 }),
    fc.double({ min: 0, max: 1e9, noNaN: true }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.double({ min: 1, max: 1e300, noNaN: true }),
    fc.constantFrom(0, 1, 1.2589, 1.259, 1e15, Number.MAX_VALUE),
  );
  fc.assert(
    fc.property(fc.array(sample, { minLength: 1, maxLength: 400 }), (xs) => {
      const st = new SimStats(1, 0);
      const t = st.task({ name: 'a', kind: 'other' });
      for (const v of xs) st.sample(t, 10, v);
      const s = st.latency(t);
      const r = reference(xs);
      assert.deepEqual([s.p50, s.p90, s.p99], [r.p50, r.p90, r.p99]);
      assert.deepEqual(s.hist, r.hist);
      assert.deepEqual(st.latency(t), s, 'a second summary is the same');
    }),
  );
});

test('summary of a long series (decimation past 4 Mi samples) equals the reference on the kept samples', () => {
  const st = new SimStats(1, 0);
  const t = st.task({ name: 'a', kind: 'other' });
  const kept: number[] = [];
  let x = 7;
  let stride = 1;
  let skip = 0;
  const N = (1 << 22) + 300_001;
  for (let i = 0; i < N; i++) {
    x = (x * 48271) % 2147483647;
    const v = i % 1000 === 0 ? 0.5 : 1000 + (x % 5_000_000);
    st.sample(t, 10, v);
    // The decimation rule: at 4 Mi kept samples keep every other one (then the new one), and record
    // one in two from then on.
    if (stride > 1 && ++skip < stride) continue;
    skip = 0;
    if (kept.length === 1 << 22) {
      for (let j = 0; j < kept.length / 2; j++) kept[j] = kept[2 * j];
      kept.length /= 2;
      stride *= 2;
    }
    kept.push(v);
  }
  const s = st.latency(t);
  const r = reference(kept);
  assert.equal(s.count, N);
  assert.deepEqual([s.p50, s.p90, s.p99], [r.p50, r.p90, r.p99]);
  assert.deepEqual(s.hist, r.hist);
  assert.equal(r.hist!.counts.reduce((a, b) => a + b, 0), (1 << 21) + Math.ceil(300_001 / 2));
});

test('thousands of samples in a few decades (bins read from a table of cells): same bins and percentiles as a sort and a scan of the edges', () => {
  const edges = Array.from({ length: 100 }, (_, k) => Number(Math.pow(10, k / HIST_BINS_PER_DECADE).toPrecision(4)));
  const pick = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 9 }));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 25 }), fc.array(pick, { minLength: 1000, maxLength: 3000 }), (k, span, picks) => {
      const lo = edges[k];
      const hi = edges[k + span];
      const xs = picks.map(([u, kind]) => {
        const e = edges[k + Math.floor(u * span)];
        if (kind === 0) return 0;
        if (kind === 1) return e; // exactly on an edge
        if (kind === 2) return Math.max(1, e * (1 - 1e-12)); // just below one
        if (kind === 3) return Math.round(lo + u * (hi - lo)); // integer ns, as the simulator's
        return lo * Math.pow(hi / lo, u); // continuous, log-uniform
      });
      const h = logHistogram(xs)!;
      assert.equal(h.counts.reduce((a, b) => a + b, 0), xs.length);
      const want = h.counts.map(() => 0);
      for (const x of xs) {
        let b = 0;
        while (b < want.length - 1 && x >= h.edgesNs[b + 1]) b++;
        want[b]++;
      }
      assert.deepEqual(h.counts, want);
      const st = new SimStats(1, 0);
      const t = st.task({ name: 'a', kind: 'other' });
      for (const v of xs) st.sample(t, 10, v);
      const s = st.latency(t);
      const r = reference(xs);
      assert.deepEqual([s.p50, s.p90, s.p99], [r.p50, r.p90, r.p99]);
      assert.deepEqual(s.hist, h);
    }),
    { numRuns: 60 },
  );
});
