/**
 * The level-of-detail structure keeps, for every bucket, the state with the most time and the most
 * severe state present; drawing from it never loses a severe state (a short preemption stays
 * visible when zoomed out) and matches the real intervals when zoomed in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LaneLod, levelWidth, severityOf, severityRanks } from '../../../webview/src/lod';
import type { LaneColumns } from '../../../server/src/core/timelineCodec';

const STATES = ['idle', 'running', 'runnable', 'blocked', 'vtl2', 'vtl0', 'intercept', 'kernel_blocked', 'someNewState'];
const RANKS = severityRanks(STATES);

/** A lane: sorted, non-overlapping intervals with gaps, from `origin`. */
const laneArb = fc.record({
  origin: fc.integer({ min: 0, max: 2 ** 40 }),
  ivs: fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: STATES.length - 1 })), { minLength: 1, maxLength: 80 }),
  tail: fc.integer({ min: 0, max: 5000 }),
});

function columns(origin: number, ivs: [number, number, number][]): { cols: LaneColumns; end: number } {
  const n = ivs.length;
  const cols: LaneColumns = { starts: new Float64Array(n), ends: new Float64Array(n), states: new Uint16Array(n), causes: new Int32Array(n).fill(-1) };
  let t = origin;
  ivs.forEach(([gap, dur, st], i) => {
    cols.starts[i] = t + gap;
    cols.ends[i] = t + gap + dur;
    cols.states[i] = st;
    t = t + gap + dur;
  });
  return { cols, end: t };
}

/** Time per state of the lane inside [a, b). */
function timeIn(cols: LaneColumns, a: number, b: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < cols.starts.length; i++) {
    const ov = Math.min(b, cols.ends[i]) - Math.max(a, cols.starts[i]);
    if (ov > 0) m.set(cols.states[i], (m.get(cols.states[i]) ?? 0) + ov);
  }
  return m;
}

test('severity order: runnable above intercept above kernel_blocked above blocked above running above idle', () => {
  const order = ['runnable', 'intercept', 'kernel_blocked', 'blocked', 'waiting', 'running', 'idle'];
  for (let i = 1; i < order.length; i++) assert.ok(severityOf(order[i - 1]) > severityOf(order[i]), `${order[i - 1]} > ${order[i]}`);
  assert.equal(severityOf('vtl2'), severityOf('running'));
  assert.equal(severityOf('vtl0'), severityOf('running'));
});

test('every bucket of every level: dominant = the state with the most time, worst = the most severe state present', () => {
  fc.assert(
    fc.property(laneArb, fc.nat(), ({ origin, ivs, tail }, kSeed) => {
      const { cols, end } = columns(origin, ivs);
      const lod = new LaneLod(cols, origin, end + tail, RANKS);
      const k = lod.minLevel + (kSeed % (lod.maxLevel - lod.minLevel + 1));
      const L = lod.level(k);
      const w = levelWidth(k);
      assert.equal(L.widthNs, w);
      assert.equal(L.dom.length, Math.max(1, Math.ceil((end + tail - origin) / w)));
      for (let q = 0; q < L.dom.length; q++) {
        const m = timeIn(cols, origin + q * w, origin + (q + 1) * w);
        if (m.size === 0) {
          assert.equal(L.dom[q], 0);
          assert.equal(L.worst[q], 0);
          continue;
        }
        const most = Math.max(...m.values());
        const domState = L.dom[q] - 1;
        assert.equal(m.get(domState), most, `bucket ${q}: dominant ${STATES[domState]} has the most time`);
        const worstRank = Math.max(...[...m.keys()].map((s) => RANKS[s]));
        assert.ok(m.has(L.worst[q] - 1), 'worst state is present');
        assert.equal(RANKS[L.worst[q] - 1], worstRank);
      }
    }),
    { numRuns: 300 },
  );
});

test('levels are consistent: a coarser bucket holds the worst of the finer buckets it contains', () => {
  fc.assert(
    fc.property(laneArb, ({ origin, ivs, tail }) => {
      const { cols, end } = columns(origin, ivs);
      const lod = new LaneLod(cols, origin, end + tail, RANKS);
      for (let k = lod.minLevel; k < lod.maxLevel; k++) {
        const fine = lod.level(k);
        const coarse = lod.level(k + 1);
        for (let q = 0; q < coarse.dom.length; q++) {
          let wr = -1;
          for (let c = q * 4; c < Math.min(fine.dom.length, q * 4 + 4); c++) if (fine.worst[c]) wr = Math.max(wr, RANKS[fine.worst[c] - 1]);
          assert.equal(coarse.worst[q] ? RANKS[coarse.worst[q] - 1] : -1, wr);
          // Empty exactly when all four children are empty.
          assert.equal(coarse.dom[q] === 0, wr === -1);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('the finest level has at most about two buckets per interval', () => {
  fc.assert(
    fc.property(laneArb, ({ origin, ivs, tail }) => {
      const { cols, end } = columns(origin, ivs);
      const lod = new LaneLod(cols, origin, end + tail, RANKS);
      const L = lod.level(lod.minLevel);
      assert.ok(L.dom.length <= 2 * ivs.length + 64 || lod.minLevel === 0);
    }),
  );
});

test('zoomed in (real intervals): each pixel shows the interval covering most of it and the most severe one touching it', () => {
  fc.assert(
    fc.property(laneArb, fc.double({ min: 0.05, max: 1, noNaN: true }), fc.integer({ min: 5, max: 120 }), fc.double({ min: -0.2, max: 1, noNaN: true }), ({ origin, ivs, tail }, frac, W, off) => {
      const { cols, end } = columns(origin, ivs);
      const lod = new LaneLod(cols, origin, end + tail, RANKS);
      // A resolution fine enough for the real-interval path.
      const npp = Math.max(0.01, (levelWidth(lod.minLevel) - 1) * frac);
      fc.pre(lod.levelFor(npp) === -1);
      const v0 = origin + off * (end - origin);
      const dom = new Uint16Array(W);
      const worst = new Uint16Array(W);
      lod.fill(v0, npp, W, dom, worst);
      // Overlaps within a millionth of a pixel of zero are rounding, either way.
      const eps = 1e-6 * npp;
      for (let p = 0; p < W; p++) {
        const a = v0 + p * npp;
        const b = a + npp;
        let bestCov = 0;
        let wr = -1;
        let weakWr = -1;
        const weak = new Set<number>();
        const covs: number[] = [];
        for (let i = 0; i < cols.starts.length; i++) {
          const ov = Math.min(b, cols.ends[i]) - Math.max(a, cols.starts[i]);
          if (ov > -eps) {
            weak.add(cols.states[i] + 1);
            weakWr = Math.max(weakWr, RANKS[cols.states[i]]);
          }
          if (ov > eps) {
            bestCov = Math.max(bestCov, ov);
            covs[i] = ov;
            wr = Math.max(wr, RANKS[cols.states[i]]);
          }
        }
        if (wr < 0) {
          assert.ok(dom[p] === 0 || weak.has(dom[p]), `pixel ${p} empty (or touched at its edge)`);
          continue;
        }
        assert.ok(dom[p] > 0);
        const cands = covs.flatMap((c, i) => (c !== undefined && c >= bestCov - 2 * eps ? [cols.states[i] + 1] : []));
        assert.ok(cands.includes(dom[p]), `pixel ${p}: dominant is a most-covering interval`);
        assert.ok(RANKS[worst[p] - 1] >= wr && RANKS[worst[p] - 1] <= weakWr, `pixel ${p}: worst state`);
      }
    }),
    { numRuns: 300 },
  );
});

test('zoomed out (levels): a short severe interval stays visible as the worst state of its pixel', () => {
  fc.assert(
    fc.property(laneArb, fc.integer({ min: 20, max: 400 }), ({ origin, ivs, tail }, W) => {
      const { cols, end } = columns(origin, ivs);
      const span = end + tail - origin;
      const lod = new LaneLod(cols, origin, end + tail, RANKS);
      const npp = span / W;
      const dom = new Uint16Array(W);
      const worst = new Uint16Array(W);
      lod.fill(origin, npp, W, dom, worst);
      for (let i = 0; i < cols.starts.length; i++) {
        const r = RANKS[cols.states[i]];
        const p0 = Math.max(0, Math.floor((cols.starts[i] - origin) / npp) - 1);
        const p1 = Math.min(W - 1, Math.ceil((cols.ends[i] - origin) / npp));
        let seen = -1;
        for (let p = p0; p <= p1; p++) if (worst[p]) seen = Math.max(seen, RANKS[worst[p] - 1]);
        assert.ok(seen >= r, `interval ${i} (${STATES[cols.states[i]]}) is visible`);
      }
      // And nothing is drawn where the lane has no interval at all (beyond a bucket's slack).
      const last = Math.ceil((end - origin) / npp) + Math.ceil(levelWidth(Math.max(0, lod.levelFor(npp))) / npp) + 1;
      for (let p = last + 1; p < W; p++) assert.equal(dom[p], 0);
    }),
    { numRuns: 300 },
  );
});

test('large lane: drawing a 2000-pixel row costs pixels, not intervals', () => {
  const n = 1_000_000;
  const cols: LaneColumns = { starts: new Float64Array(n), ends: new Float64Array(n), states: new Uint16Array(n), causes: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    cols.starts[i] = i * 100;
    cols.ends[i] = i * 100 + (i % 7 === 0 ? 10 : 90);
    cols.states[i] = i % 10000 === 0 ? 2 : 1;
  }
  const lod = new LaneLod(cols, 0, n * 100, RANKS);
  const dom = new Uint16Array(2000);
  const worst = new Uint16Array(2000);
  lod.fill(0, (n * 100) / 2000, 2000, dom, worst); // builds the level
  const t0 = performance.now();
  for (let r = 0; r < 50; r++) lod.fill(r * 1000, (n * 100) / 2000, 2000, dom, worst);
  const per = (performance.now() - t0) / 50;
  assert.ok(per < 5, `one row in ${per.toFixed(2)} ms`);
  // Every 10000th interval (1 us of 1 ms, one per 20 pixels) is runnable: each shows, in at most
  // the two pixels its bucket straddles.
  let runnablePixels = 0;
  lod.fill(0, (n * 100) / 2000, 2000, dom, worst);
  for (let p = 0; p < 2000; p++) if (worst[p] === 3) runnablePixels++;
  assert.ok(runnablePixels >= 100 && runnablePixels <= 200, `${runnablePixels} pixels show runnable`);
  assert.ok(dom.every((d) => d === 2), 'running dominates every pixel');
});
