/** Latency summaries (nearest-rank percentiles by selection), lane totals, stall bookkeeping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimRecorder, SimStats } from '../../server/src/sim/record';
import { Rng, streamState } from '../../server/src/sim/rng';

test('percentiles equal the nearest-rank values of a full sort', () => {
  const r = new Rng(streamState(5, 'percentiles'));
  for (const n of [1, 2, 3, 10, 101, 1000, 54321]) {
    const st = new SimStats(1, 0);
    const t = st.task({ name: 'a', kind: 'other' });
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = r.int(n < 50 ? 5 : 100_000); // many ties for small n
      xs.push(v);
      st.sample(t, 0, v);
    }
    xs.sort((a, b) => a - b);
    const q = (p: number) => xs[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
    const s = st.latency(t);
    assert.deepEqual([s.count, s.p50, s.p90, s.p99, s.max], [n, q(0.5), q(0.9), q(0.99), xs[n - 1]]);
  }
});

test('samples before the warmup are ignored; stalls below the threshold too; the longest are kept', () => {
  const st = new SimStats(1000, 500, 2);
  const t = st.task({ name: 'a', kind: 'other' });
  st.sample(t, 100, 7);
  st.sample(t, 600, 9);
  assert.equal(st.latency(t).count, 1);
  for (const d of [900, 1500, 3000, 2000]) st.stall({ task: 'x', vp: 0, startNs: 1000, durationNs: d, cause: 'c' });
  assert.deepEqual(st.topStalls().map((s) => s.durationNs), [3000, 2000]);
  assert.equal(st.stallCount, 3);
});

test('lane totals are clipped to the warmup and intervals merge', () => {
  const rec = new SimRecorder(true, 100);
  const l = rec.lane({ id: 'x', label: 'x', group: 'g', kind: 'other' });
  const run = rec.stateId('running');
  rec.set(l, 50, run);
  rec.set(l, 150, run); // same state: no new interval
  rec.set(l, 200, rec.stateId('idle'));
  rec.close(300);
  assert.equal(rec.total(l, run), 100);
  assert.deepEqual(rec.timeline(0, 300).lanes[0].intervals, [0, 50, 0, -1, 50, 200, 1, -1, 200, 300, 0, -1]);
});
