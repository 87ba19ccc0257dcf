/**
 * The utilisation fields of the level of detail: per bucket, the share of time in non-quiet
 * states (0..255) and the non-quiet state with the most time; per pixel, the same over the
 * pixel, from the levels (zoomed out) and from the real intervals (zoomed in). Brute force over
 * random lanes. Also: a mostly idle lane with short bursts gets a bar whose height follows its
 * busy share, where the dominant state alone would show an empty lane.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LaneLod, levelWidth, quietFlags, severityRanks } from '../../../webview/src/lod';
import { Painter } from '../../../webview/src/timeline/render';
import type { LaneColumns } from '../../../server/src/core/timelineCodec';

const STATES = ['idle', 'running', 'runnable', 'sleeping', 'vtl2', 'halted', 'intercept', 'someNewState'];
const RANKS = severityRanks(STATES);
const QUIET = quietFlags(STATES);

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

function timeIn(cols: LaneColumns, a: number, b: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < cols.starts.length; i++) {
    const ov = Math.min(b, cols.ends[i]) - Math.max(a, cols.starts[i]);
    if (ov > 0) m.set(cols.states[i], (m.get(cols.states[i]) ?? 0) + ov);
  }
  return m;
}

const activeOf = (m: Map<number, number>) => [...m].filter(([s]) => QUIET[s] !== 1);

test('quiet states: idle, sleeping, halted; the others count as busy', () => {
  assert.deepEqual(
    STATES.filter((_, i) => QUIET[i] === 1),
    ['idle', 'sleeping', 'halted'],
  );
});

test('every bucket of every level: busy = non-quiet share of the bucket, act = the non-quiet state with the most time', () => {
  fc.assert(
    fc.property(laneArb, fc.nat(), ({ origin, ivs, tail }, kSeed) => {
      const { cols, end } = columns(origin, ivs);
      const endNs = end + tail;
      const lod = new LaneLod(cols, origin, endNs, RANKS, QUIET);
      const k = lod.minLevel + (kSeed % (lod.maxLevel - lod.minLevel + 1));
      const L = lod.level(k);
      const w = levelWidth(k);
      assert.equal(L.busy.length, L.dom.length);
      for (let q = 0; q < L.dom.length; q++) {
        const a = origin + q * w;
        const m = timeIn(cols, a, a + w);
        const act = activeOf(m);
        const busyNs = act.reduce((s, [, t]) => s + t, 0);
        const span = Math.min(w, Math.max(1, endNs - a));
        assert.ok(Math.abs(L.busy[q] - (255 * busyNs) / span) <= 0.5 + 1e-9, `bucket ${q}: busy ${L.busy[q]} vs ${(255 * busyNs) / span}`);
        if (act.length === 0) assert.equal(L.act[q], 0);
        else {
          const most = Math.max(...act.map(([, t]) => t));
          assert.equal(m.get(L.act[q] - 1), most);
          assert.equal(QUIET[L.act[q] - 1], 0);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('every pixel: from the levels frac follows the non-quiet share, from real intervals any busy time fills the pixel; act is non-quiet and present', () => {
  fc.assert(
    fc.property(laneArb, fc.integer({ min: 10, max: 300 }), fc.double({ min: 0.05, max: 400, noNaN: true }), ({ origin, ivs, tail }, W, npp) => {
      const { cols, end } = columns(origin, ivs);
      const endNs = end + tail;
      const lod = new LaneLod(cols, origin, endNs, RANKS, QUIET);
      const dom = new Uint16Array(W);
      const worst = new Uint16Array(W);
      const act = new Uint16Array(W);
      const frac = new Uint8Array(W);
      lod.fill(origin, npp, W, dom, worst, act, frac);
      const k = lod.levelFor(npp);
      const slack = k < 0 ? 0 : levelWidth(k); // a level's bucket may straddle the pixel edge
      for (let p = 0; p < W; p++) {
        const a = origin + p * npp;
        const b = Math.min(a + npp, endNs);
        if (!(b > a)) continue;
        const m = timeIn(cols, a, b);
        const act0 = activeOf(m);
        const busy = act0.reduce((s, [, t]) => s + t, 0);
        if (k < 0) {
          // Real intervals: full height where a busy interval covers part of the pixel.
          if (busy > 1e-6 * npp) assert.equal(frac[p], 255, `pixel ${p}`);
          else if (busy === 0) assert.equal(frac[p], 0);
          if (frac[p] > 0) assert.ok(m.has(act[p] - 1) && QUIET[act[p] - 1] === 0);
        } else {
          // Levels: the busy time of the buckets the pixel touches, shared by overlap.
          const lo = timeIn(cols, a - slack, b + slack);
          const hiBusy = activeOf(lo).reduce((s, [, t]) => s + t, 0);
          if (hiBusy === 0) assert.equal(frac[p], 0, `pixel ${p}: nothing busy near it`);
          // The estimate lies between the busy time of the buckets inside the pixel and that of
          // the buckets it touches (each bucket's share is spread evenly over the bucket).
          const loBusy = b - slack > a + slack ? activeOf(timeIn(cols, a + slack, b - slack)).reduce((s2, [, t]) => s2 + t, 0) : 0;
          const est = (frac[p] / 255) * (b - a);
          const tol = (1.5 / 255) * (b - a) + 1e-6;
          assert.ok(est <= hiBusy + tol || frac[p] === 1, `pixel ${p}: ${est} > ${hiBusy}`);
          assert.ok(est >= loBusy - tol, `pixel ${p}: ${est} < ${loBusy}`);
          if (frac[p] > 0) assert.ok(act[p] > 0 && QUIET[act[p] - 1] === 0 && lo.has(act[p] - 1));
        }
        if (frac[p] === 0) assert.equal(act[p], 0);
      }
    }),
    { numRuns: 300 },
  );
});

test('zoomed out, a mostly idle lane with short bursts paints a bar whose height follows its busy share', () => {
  // 1000 periods of 10 us: 1 us running, then 9 us idle (10% busy); one pixel covers 100 us.
  const ivs: [number, number, number][] = [];
  for (let i = 0; i < 1000; i++) ivs.push([i === 0 ? 0 : 9000, 1000, 1]);
  const { cols, end } = columns(0, ivs);
  const lod = new LaneLod(cols, 0, end + 9000, RANKS, QUIET);
  const W = 100;
  const H = 22;
  const pal = Uint32Array.from([0, 0xff000001, 0xff000002, 0xff000003, 0xff000004, 0xff000005, 0xff000006, 0xff000007, 0xff000008]);
  const BG = 0xffeeeeee;
  const px = new Uint32Array(W * H).fill(0xff111111);
  new Painter().paint(px, W, H, [{ y0: 0, y1: H, bg: BG, lod, palette: pal, barTop: 0, barBottom: H, strip: 2, util: true, blank: Uint8Array.from([0, 1]) }], 0, (end + 9000) / W);
  for (let p = 0; p < W; p++) {
    const col = (y: number) => px[y * W + p];
    assert.equal(col(0), pal[2], 'strip: running present');
    // Bar of 20 rows, 10% busy: the bottom 2 rows running, the rest background.
    const running = Array.from({ length: 20 }, (_, i) => col(2 + i)).filter((c) => c === pal[2]).length;
    assert.equal(running, 2, `pixel ${p}`);
    assert.equal(col(H - 1), pal[2]);
    assert.equal(col(2), BG);
  }
});
