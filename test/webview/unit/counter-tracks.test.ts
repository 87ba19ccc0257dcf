/**
 * Counter tracks on the timeline: reading a trace's counter series from the document (hostile
 * input skipped and counted, bounded), per-pixel min/max (a one-sample spike stays visible at any
 * zoom, the value that holds across a pixel counts), the value at the cursor, painting, and where
 * the tracks sit among the rows (after the lanes of their process, collapsible, filtered).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLOCK, counterColumns, counterTracksOf, MAX_TRACK_POINTS, paintCounter, valueAt, type CounterTrack } from '../../../webview/src/counterTracks';
import { buildRows, COUNTER_H, rowsHeight } from '../../../webview/src/timeline/rows';
import type { LaneModel } from '../../../webview/src/contract';

const track = (ts: number[], vs: number[], group = 'p'): CounterTrack => counterTracksOf([{ name: 'c', process: group, points: ts.flatMap((t, i) => [t, vs[i]]) }]).tracks[0];

test('document series become tracks; NaN, strings, out-of-order points and nameless series are skipped and counted', () => {
  const r = counterTracksOf([
    { name: 'mem', process: 'chrome', points: [0, 1, 10, 'x', 20, NaN, 30, 3, 25, 9, 40, Infinity, 50, 5] },
    { process: 'x', points: [0, 1] },
    { name: 'empty', process: 'x', points: [] },
    null,
    'junk',
    { name: 'mem', process: 'chrome', points: [0, 2] },
  ]);
  assert.equal(r.tracks.length, 2);
  assert.deepEqual([...r.tracks[0].ts], [0, 30, 50]);
  assert.deepEqual([...r.tracks[0].vs], [1, 3, 5]);
  assert.equal(r.skippedPoints, 4);
  assert.equal(r.skippedSeries, 4);
  // Two series of one name keep distinct ids (row keys).
  assert.notEqual(r.tracks[0].id, r.tracks[1].id);
  assert.deepEqual(counterTracksOf({ not: 'an array' }).tracks, []);
  assert.deepEqual(counterTracksOf(undefined).tracks, []);
});

test('points are capped per track (hostile sizes stay bounded)', () => {
  const n = MAX_TRACK_POINTS + 10;
  const flat = new Array<number>(2 * n);
  for (let i = 0; i < n; i++) {
    flat[2 * i] = i;
    flat[2 * i + 1] = i % 7;
  }
  const r = counterTracksOf([{ name: 'big', process: 'p', points: flat }]);
  assert.equal(r.tracks[0].ts.length, MAX_TRACK_POINTS);
  assert.equal(r.skippedPoints, 10);
});

test('a one-sample spike among up to 10^6 samples shows in its pixel column at every zoom', () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 1_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 50, max: 4000 }), (n, where, W) => {
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        ts[i] = i * 10;
        vs[i] = 1;
      }
      const k = Math.min(n - 2, Math.floor(where * n));
      vs[k] = 1000;
      const t: CounterTrack = { id: 'c', label: 'c', group: 'p', ts, vs, min: 1, max: 1000 };
      const lo = new Float64Array(W);
      const hi = new Float64Array(W);
      const npp = (n * 10) / W;
      counterColumns(t, 0, npp, W, lo, hi);
      const p = Math.min(W - 1, Math.floor((k * 10) / npp));
      assert.equal(hi[p], 1000, `spike at sample ${k} of ${n} is in column ${p}`);
      // Elsewhere the value is 1 (the spike holds for one sample: 10 ns).
      let spikes = 0;
      for (let q = 0; q < W; q++) if (hi[q] === 1000) spikes++;
      assert.ok(spikes <= Math.ceil(10 / npp) + 1, `${spikes} columns`);
      assert.ok(lo.every((v) => v === 1 || v === 1000));
    }),
    { numRuns: 25 },
  );
});

test('per pixel: the value holding at the column start counts, empty before the first sample; value at cursor holds until the next sample', () => {
  const t = track([100, 200, 400], [5, -3, 8]);
  const lo = new Float64Array(6);
  const hi = new Float64Array(6);
  counterColumns(t, 0, 100, 6, lo, hi); // columns [0,100) [100,200) ... [500,600)
  assert.ok(Number.isNaN(lo[0]) && Number.isNaN(hi[0]));
  assert.deepEqual([...lo.slice(1)], [5, -3, -3, 8, 8]);
  assert.deepEqual([...hi.slice(1)], [5, -3, -3, 8, 8]);
  counterColumns(t, 0, 1000, 1, lo, hi);
  assert.deepEqual([lo[0], hi[0]], [-3, 8]);
  assert.equal(valueAt(t, 50), undefined);
  assert.equal(valueAt(t, 100), 5);
  assert.equal(valueAt(t, 399), -3);
  assert.equal(valueAt(t, 1e15), 8);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: -50, max: 50 })), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 1100 }), (pts, at) => {
      pts.sort((a, b) => a[0] - b[0]);
      const tr = track(pts.map((p) => p[0]), pts.map((p) => p[1]));
      let want: number | undefined;
      for (const [x, y] of pts) if (x <= at) want = y;
      assert.equal(valueAt(tr, at), want);
      // A one-pixel-wide column at `at` holds exactly the value at the cursor.
      const a = new Float64Array(1);
      const b = new Float64Array(1);
      counterColumns(tr, at, 1e-3, 1, a, b);
      if (want === undefined) assert.ok(Number.isNaN(a[0]));
      else assert.equal(a[0], want);
    }),
  );
});

test('long tracks read whole blocks from their min/max summary: same columns as sample by sample, at any zoom and offset', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1000, max: 1000 })), { minLength: BLOCK * 4, maxLength: BLOCK * 40 }),
      fc.integer({ min: 1, max: 300 }),
      fc.double({ min: -0.2, max: 1, noNaN: true }),
      fc.double({ min: 0.01, max: 2, noNaN: true }),
      (steps, W, off, zoom) => {
        let t = 0;
        const ts = steps.map(([d]) => (t += d));
        const vs = steps.map(([, v]) => v);
        const tr = track(ts, vs);
        const span = (t + 1) * zoom;
        const start = off * t;
        const npp = span / W;
        const lo = new Float64Array(W);
        const hi = new Float64Array(W);
        counterColumns(tr, start, npp, W, lo, hi);
        assert.ok(tr.blocks, 'a summary was built');
        for (let p = 0; p < W; p++) {
          const b = start + p * npp;
          const e = start + (p + 1) * npp;
          // Sample by sample: the value holding at b, and every sample in (b, e).
          let held: number | undefined;
          let mn = Infinity;
          let mx = -Infinity;
          for (let k = 0; k < ts.length; k++) {
            if (ts[k] <= b) held = vs[k];
            else if (ts[k] < e) {
              mn = Math.min(mn, vs[k]);
              mx = Math.max(mx, vs[k]);
            }
          }
          if (held !== undefined) {
            mn = Math.min(mn, held);
            mx = Math.max(mx, held);
          }
          if (mn === Infinity) assert.ok(Number.isNaN(lo[p]) && Number.isNaN(hi[p]), `column ${p} empty`);
          else assert.deepEqual([lo[p], hi[p]], [mn, mx], `column ${p}`);
        }
      },
    ),
    { numRuns: 120 },
  );
});

test('painting: the spike reaches the top row, the rest sits low; nothing is drawn outside the track', () => {
  const W = 10;
  const H = 20;
  const t = track([0, 50, 60], [1, 100, 1]);
  const lo = new Float64Array(W);
  const hi = new Float64Array(W);
  counterColumns(t, 0, 10, W, lo, hi);
  const px = new Uint32Array(W * H);
  paintCounter(px, W, 5, 15, t, lo, hi, 1, 2);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (y < 5 || y >= 15) assert.equal(px[y * W + x], 0);
  assert.equal(px[5 * W + 5], 1, 'spike column reaches the top');
  assert.equal(px[5 * W + 0], 0, 'a low column does not');
  assert.equal(px[14 * W + 0], 1, 'the low value is drawn at the bottom');
  // Constant, negative, NaN-free extremes never paint outside.
  for (const vs of [[3, 3, 3], [-5, -1, -9], [1e308, -1e308, 0]]) {
    const c = track([0, 30, 60], vs);
    counterColumns(c, 0, 10, W, lo, hi);
    const q = new Uint32Array(W * H);
    paintCounter(q, W, 5, 15, c, lo, hi, 1, 2);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (y < 5 || y >= 15) assert.equal(q[y * W + x], 0, `${vs} at ${x},${y}`);
  }
});

const cols = () => ({ starts: new Float64Array(0), ends: new Float64Array(0), states: new Uint16Array(0), causes: new Int32Array(0) });
const lane = (id: string, group: string, kind: LaneModel['kind'] = 'thread'): LaneModel => ({ id, label: id, group, kind, cols: cols() });

test('rows: a process counter goes after the lanes of its group; others get their own group last; collapse and filter apply', () => {
  const lanes = [lane('pid:1/tid:1', 'chrome'), lane('pid:2/tid:2', 'gpu'), lane('cpu0', 'host', 'pcpu')];
  const counters = [track([0], [1], 'chrome'), { ...track([0], [1], 'orphan'), id: 'counter:orphan/c', label: 'heap' }];
  const rows = buildRows([{ index: 0, name: 't', lanes, counters }], '', new Set());
  const ids = rows.map((r) => (r.type === 'group' ? `[${r.label}]` : r.type === 'lane' ? r.lane.id : r.track.id));
  assert.deepEqual(ids, ['[host]', 'cpu0', '[chrome]', 'pid:1/tid:1', 'counter:chrome/c', '[gpu]', 'pid:2/tid:2', '[orphan counters]', 'counter:orphan/c']);
  const c = rows.find((r) => r.type === 'counter');
  assert.equal(c?.h, COUNTER_H);
  // Collapsing the group hides its counter; the group counts it, apart from its lanes.
  const folded = buildRows([{ index: 0, name: 't', lanes, counters }], '', new Set(['chrome']));
  assert.ok(!folded.some((r) => r.type === 'counter' && r.track.group === 'chrome'));
  const head = folded.find((r) => r.type === 'group' && r.label === 'chrome') as { lanes: number; counters: number };
  assert.deepEqual([head.lanes, head.counters], [1, 1]);
  // Filter by the counter's name keeps it (and its group header), drops unmatched lanes.
  const f = buildRows([{ index: 0, name: 't', lanes, counters }], 'heap', new Set());
  assert.deepEqual(f.map((r) => (r.type === 'group' ? r.label : r.type === 'counter' ? r.track.label : r.lane.id)), ['orphan counters', 'heap']);
  // Rows stack without gaps.
  let y = 0;
  for (const r of rows) {
    assert.equal(r.y, y);
    y += r.h;
  }
  assert.equal(rowsHeight(rows), y);
});
