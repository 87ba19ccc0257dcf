/**
 * Counter tracks on the timeline: a trace's counter series (`counters` of `vpscope.trace/1`, one
 * per process and name, from Chrome's `"ph":"C"` events) drawn as rows that share the lanes' time
 * axis, as Perfetto and chrome://tracing show them.
 *
 * A counter holds its value until the next sample (Chrome's and Perfetto's reading). Per device
 * pixel column the track shows the lowest and highest value that holds anywhere in the column
 * ({@link counterColumns}), so a one-sample spike among millions stays one pixel wide and full
 * height at any zoom (the same per-pixel min/max idea as the lanes' LOD in lod.ts).
 *
 * Also the counters derived from any timeline (run or trace): runnable vCPUs per VM and pool, and
 * steal ({@link derivedTracks}), computed in the view from the decoded lanes: exact at any zoom and
 * no bytes in the document.
 *
 * Everything read from the document is checked here: a series without a name, non-finite or
 * out-of-order points are skipped (counted), and the points kept are capped
 * ({@link MAX_TRACK_POINTS} per track, {@link MAX_TOTAL_POINTS} in all) so that hostile input
 * bounds the work. Pure: no DOM.
 */

import { runnableSeries, type CounterLane, type CounterPool } from '../../server/src/core/runnableCounters';
import type { LaneModel } from './contract';

/** Points kept per track (an assumption: the server thins a series to at most 1,024, see chromeCounters.ts `COUNTER_BUCKETS`; the cap bounds a hand-made document). */
export const MAX_TRACK_POINTS = 2_000_000;
/** Points kept over all tracks of a document (same assumption). */
export const MAX_TOTAL_POINTS = 8_000_000;
/** Tracks kept per document (the server lists at most 64 series, chromeCounters.ts `MAX_COUNTER_SERIES`). */
export const MAX_TRACKS = 256;

export interface CounterTrack {
  /** Stable id: `counter:PROCESS/NAME` (the collapse and row key). */
  id: string;
  /** The counter's name (`name` or `name.key`). */
  label: string;
  /** The lane group it sits in: the process name, as the trace's lanes of that process are grouped. */
  group: string;
  /** Sample times (ns, the trace's clock) in time order, and the values. */
  ts: Float64Array;
  vs: Float64Array;
  /** Lowest and highest value of the points kept (the track's vertical scale). */
  min: number;
  max: number;
  /** Computed in the view from the lanes (runnable vCPUs, steal), not read from the document: the toolbar's "Derived tracks" hides these. */
  derived?: boolean;
  /** Lowest and highest value per block of {@link BLOCK} samples, built on the first drawing of a long track. */
  blocks?: { min: Float64Array; max: Float64Array };
}

/** Samples per block of a track's min/max summary (a zoomed-out column skips whole blocks). */
export const BLOCK = 16;

/** The per-block min/max of a track (only for tracks of {@link BLOCK} x 4 samples or more). */
function blocksOf(track: CounterTrack): CounterTrack['blocks'] {
  const { vs } = track;
  const n = vs.length;
  if (n < BLOCK * 4) return undefined;
  if (track.blocks) return track.blocks;
  const nb = Math.floor(n / BLOCK);
  const min = new Float64Array(nb);
  const max = new Float64Array(nb);
  for (let j = 0; j < nb; j++) {
    let a = vs[j * BLOCK];
    let b = a;
    for (let k = j * BLOCK + 1; k < (j + 1) * BLOCK; k++) {
      const v = vs[k];
      if (v < a) a = v;
      else if (v > b) b = v;
    }
    min[j] = a;
    max[j] = b;
  }
  return (track.blocks = { min, max });
}

export interface CounterTracksResult {
  tracks: CounterTrack[];
  /** Points and series left out (not finite, out of time order, past a cap). */
  skippedPoints: number;
  skippedSeries: number;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Counter tracks from a `vpscope.trace/1` document's `counters` (anything else gives none). */
export function counterTracksOf(counters: unknown): CounterTracksResult {
  const out: CounterTracksResult = { tracks: [], skippedPoints: 0, skippedSeries: 0 };
  if (!Array.isArray(counters)) return out;
  let budget = MAX_TOTAL_POINTS;
  const ids = new Set<string>();
  for (const c of counters) {
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '' || out.tracks.length >= MAX_TRACKS || budget <= 0) {
      out.skippedSeries++;
      continue;
    }
    const group = typeof c.process === 'string' && c.process !== '' ? c.process : 'counters';
    const flat = Array.isArray(c.points) ? (c.points as unknown[]) : [];
    const cap = Math.min(MAX_TRACK_POINTS, budget);
    const n = Math.min(cap, flat.length >> 1);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    let k = 0;
    let min = Infinity;
    let max = -Infinity;
    const pairs = flat.length >> 1;
    for (let i = 0; i < pairs; i++) {
      const t = flat[2 * i];
      const v = flat[2 * i + 1];
      if (k >= n || typeof t !== 'number' || typeof v !== 'number' || !Number.isFinite(t) || !Number.isFinite(v) || (k > 0 && t < ts[k - 1])) {
        out.skippedPoints++;
        continue;
      }
      ts[k] = t;
      vs[k] = v;
      if (v < min) min = v;
      if (v > max) max = v;
      k++;
    }
    if (k === 0) {
      out.skippedSeries++;
      continue;
    }
    budget -= k;
    let id = `counter:${group}/${c.name}`;
    for (let j = 2; ids.has(id); j++) id = `counter:${group}/${c.name}#${j}`;
    ids.add(id);
    out.tracks.push({ id, label: c.name, group, ts: ts.subarray(0, k), vs: vs.subarray(0, k), min, max });
  }
  return out;
}

/** Index of the last sample at or before `t` (-1 when `t` is before the first). */
export function sampleAt(ts: Float64Array, t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (ts[m] <= t) {
      ans = m;
      lo = m + 1;
    } else hi = m - 1;
  }
  return ans;
}

/** The value that holds at `t` (undefined before the first sample). */
export function valueAt(track: CounterTrack, t: number): number | undefined {
  const i = sampleAt(track.ts, t);
  return i < 0 ? undefined : track.vs[i];
}

/**
 * Per pixel column p (times [startNs + p nsPerPx, startNs + (p+1) nsPerPx)): the lowest and
 * highest value that holds anywhere in it, into `lo[p]` / `hi[p]`; NaN where no sample holds yet
 * (before the first). Cost: O(log n + W + samples in view / {@link BLOCK}): a run of samples that
 * fills a whole block inside one column is read from the block's min/max.
 */
export function counterColumns(track: CounterTrack, startNs: number, nsPerPx: number, W: number, lo: Float64Array, hi: Float64Array): void {
  const { ts, vs } = track;
  const n = ts.length;
  if (!(nsPerPx > 0) || !Number.isFinite(startNs)) {
    lo.fill(NaN, 0, W);
    hi.fill(NaN, 0, W);
    return;
  }
  // The sample holding at the left edge, then every sample inside the view.
  const blocks = blocksOf(track);
  const nbEnd = blocks ? blocks.min.length * BLOCK : 0;
  let i = sampleAt(ts, startNs);
  for (let p = 0; p < W; p++) {
    const begin = startNs + p * nsPerPx;
    const end = startNs + (p + 1) * nsPerPx;
    // The value holding at the column's start: the last sample at or before it.
    while (i + 1 < n && ts[i + 1] <= begin) i++;
    let a = i >= 0 ? vs[i] : NaN;
    let b = a;
    while (i + 1 < n && ts[i + 1] < end) {
      const nx = i + 1;
      if (blocks && nx % BLOCK === 0 && nx + BLOCK <= nbEnd && ts[nx + BLOCK - 1] < end) {
        // The whole block is in this column.
        const j = nx / BLOCK;
        const bl = blocks.min[j];
        const bh = blocks.max[j];
        if (Number.isNaN(a)) {
          a = bl;
          b = bh;
        } else {
          if (bl < a) a = bl;
          if (bh > b) b = bh;
        }
        i = nx + BLOCK - 1;
        continue;
      }
      i++;
      const v = vs[i];
      if (Number.isNaN(a)) a = b = v;
      else if (v < a) a = v;
      else if (v > b) b = v;
    }
    lo[p] = a;
    hi[p] = b;
  }
}

/**
 * Paints a counter track into `px` (W device pixels wide) between device rows [top, bottom): per
 * column, the area under the highest value in `area`, the span from the lowest to the highest value
 * (at least one pixel) in `line`. The scale runs from min(0, track min) to the track max (a
 * constant series sits mid-height).
 */
export function paintCounter(px: Uint32Array, W: number, top: number, bottom: number, track: CounterTrack, lo: Float64Array, hi: Float64Array, line: number, area: number): void {
  const Hb = bottom - top;
  if (Hb <= 0) return;
  // Halves, so that a span from -1e308 to 1e308 stays finite.
  const base = Math.min(0, track.min) / 2;
  const span = track.max / 2 - base;
  const yOf = (v: number) => {
    if (!(span > 0)) return top + (Hb >> 1);
    const f = (v / 2 - base) / span;
    if (!(f >= 0)) return bottom - 1;
    const y = bottom - 1 - Math.round(f * (Hb - 1));
    return y < top ? top : y > bottom - 1 ? bottom - 1 : y;
  };
  // The area fills from zero (from the top when every value is negative).
  const zero = yOf(Math.min(0, track.max));
  for (let p = 0; p < W; p++) {
    const a = lo[p];
    const b = hi[p];
    if (Number.isNaN(a)) continue;
    const ya = yOf(a);
    const yb = yOf(b);
    for (let y = Math.min(yb, zero); y <= Math.max(yb, zero); y++) px[y * W + p] = area;
    for (let y = yb; y <= ya; y++) px[y * W + p] = line;
  }
}

/** A simulated run's pools, read defensively from `run.vms` (`{name, pool}`): only with two pools or more (with one, the per-VM tracks say it all). */
export function poolsOfRun(run: Record<string, unknown> | undefined): CounterPool[] {
  const vms = Array.isArray(run?.vms) ? (run.vms as unknown[]) : [];
  const byPool = new Map<string, string[]>();
  for (const v of vms) {
    if (!isObj(v) || typeof v.name !== 'string' || typeof v.pool !== 'string' || v.pool === '') continue;
    let g = byPool.get(v.pool);
    if (!g) byPool.set(v.pool, (g = []));
    g.push(`vm:${v.name}`);
  }
  return byPool.size < 2 ? [] : [...byPool].map(([name, groups]) => ({ name, groups }));
}

/** The derived tracks' names: what `--chrome-trace` calls them (`runnable vCPUs` running / waiting, `steal ms`). */
export const DERIVED_NAMES = ['runnable vCPUs.running', 'runnable vCPUs.waiting', 'steal ms'] as const;

/**
 * Counter tracks computed from the timeline (runnableCounters.ts, the sweep the Chrome export
 * uses): per VM with vCPU lanes, and per pool, the vCPUs running, the vCPUs runnable but waiting,
 * and the steal time so far (ms).
 */
export function derivedTracks(states: readonly string[], lanes: readonly LaneModel[], pools: readonly CounterPool[] = []): CounterTrack[] {
  const src: CounterLane[] = lanes.map((l) => {
    const c = l.cols;
    return { group: l.group, kind: l.kind, length: c.starts.length, startAt: (i) => c.starts[i], endAt: (i) => c.ends[i], stateAt: (i) => c.states[i] };
  });
  const out: CounterTrack[] = [];
  for (const s of runnableSeries(states, src, pools)) {
    const cols = [s.running, s.waiting, s.stealMs];
    DERIVED_NAMES.forEach((name, k) => {
      const vs = cols[k];
      let min = Infinity;
      let max = -Infinity;
      for (const v of vs) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      out.push({ id: `counter:${s.group}/${name}`, label: name, group: s.group, ts: s.ts, vs, min, max, derived: true });
    });
  }
  return out;
}
