/**
 * Counter series of a Chrome trace (`"ph":"C"` events: one series per process and name, or
 * `name.key` for a counter with several values), as the `counters` of a `vpscope.trace/1`
 * document: per series its sample count, min, max, last value, time-weighted mean, and its points
 * thinned for drawing.
 *
 * A counter holds its value until the next sample (Chrome's and Perfetto's reading), so the mean
 * weighs each value by how long it held, up to the end of the trace's window. Thinning keeps, per
 * time bucket, the first, lowest, highest and last samples in time order (the min-max decimation
 * per pixel that Perfetto's counter tracks use), so peaks survive at any zoom of the chart.
 */
import type { ChromeData } from '../importers/chrome/events';
import type { CounterSeriesDoc } from '../schema';

/** Series listed in the document, ordered by process id then name (an assumption: a trace rarely has more; the rest are counted). */
export const MAX_COUNTER_SERIES = 64;
/** Time buckets per series when it is thinned (up to 4 points each). */
export const COUNTER_BUCKETS = 256;

export interface CounterSeriesResult {
  series: CounterSeriesDoc[];
  /** Series left out past {@link MAX_COUNTER_SERIES}. */
  omitted: number;
}

export function counterSeries(d: ChromeData, endNs: number, processName: (pid: number) => string): CounterSeriesResult {
  const c = d.counters;
  const n = c.length;
  if (n === 0) return { series: [], omitted: 0 };
  // Series are ordered by process id then name, their samples by time (a stable order: samples
  // at the same time keep the file's order, so the last one written is the value that holds).
  // One sort of the row numbers by (pid, name's rank, time, row) gives that order with each
  // series a run, at 4 bytes a row: a table per series cost ~300 bytes each, without bound (names
  // and processes are capped, not their pairs: 1,000,000 distinct pairs took 430 MB, not 130).
  const rank = new Map<number, number>();
  for (let i = 0; i < n; i++) rank.set(c.name.get(i), 0);
  const named = [...rank.keys()].map((id) => ({ id, name: d.strings.name(id) }));
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  named.forEach((x, k) => rank.set(x.id, k));
  // (pid, rank) as one exact double: pid is 32-bit, rank below 2^17 (names are capped at 2^16).
  const key = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    key[i] = c.pid.get(i) * 2 ** 17 + rank.get(c.name.get(i))!;
    order[i] = i;
  }
  order.sort((x, y) => key[x] - key[y] || c.ts.get(x) - c.ts.get(y) || x - y);
  const series: CounterSeriesDoc[] = [];
  let runs = 0;
  for (let i = 0; i < n; ) {
    const k = key[order[i]];
    const pid = c.pid.get(order[i]);
    const nameId = c.name.get(order[i]);
    let j = i + 1;
    while (j < n && key[order[j]] === k) j++;
    runs++;
    if (series.length < MAX_COUNTER_SERIES) series.push(seriesDoc(d, order.subarray(i, j), pid, nameId, endNs, processName));
    i = j;
  }
  return { series, omitted: runs - series.length };
}

/** One series from its rows in time order. */
function seriesDoc(d: ChromeData, rows: Int32Array, pid: number, nameId: number, endNs: number, processName: (pid: number) => string): CounterSeriesDoc {
  const c = d.counters;
  const ts = new Float64Array(rows.length);
  const vs = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    ts[i] = c.ts.get(rows[i]);
    vs[i] = c.value.get(rows[i]);
  }
  let min = Infinity;
  let max = -Infinity;
  let area = 0;
  for (let i = 0; i < vs.length; i++) {
    if (vs[i] < min) min = vs[i];
    if (vs[i] > max) max = vs[i];
    const until = i + 1 < ts.length ? ts[i + 1] : Math.max(ts[i], endNs);
    area += vs[i] * (until - ts[i]);
  }
  const span = Math.max(ts[ts.length - 1], endNs) - ts[0];
  const last = vs[vs.length - 1];
  let mean = span > 0 ? area / span : last;
  if (!Number.isFinite(mean)) mean = scaledMean(ts, vs, endNs, span);
  // Rounding can put v * d / d one unit past v: a series constant at 4.86e86 had a mean above its max.
  mean = Math.min(max, Math.max(min, mean));
  return {
    name: d.strings.name(nameId),
    pid,
    process: processName(pid),
    samples: vs.length,
    min,
    max,
    mean,
    last,
    points: thin(ts, vs, endNs),
  };
}

/**
 * The time-weighted mean when the area overflows a double (values near 1e308 held for
 * nanoseconds: Infinity, or +1e308 then -1e308: NaN, which JSON writes as null): each value
 * weighed by its share of the span (shares sum to 1, so no partial sum leaves [min, max] by more
 * than rounding; the caller clamps to [min, max]).
 */
function scaledMean(ts: ArrayLike<number>, vs: ArrayLike<number>, endNs: number, span: number): number {
  let mean = 0;
  for (let i = 0; i < vs.length; i++) {
    const until = i + 1 < ts.length ? ts[i + 1] : Math.max(ts[i], endNs);
    mean += vs[i] * ((until - ts[i]) / span);
  }
  return Number.isNaN(mean) ? vs[vs.length - 1] : mean;
}

/** Flat `[tNs, value, ...]`: every sample when there are few, else per bucket first/min/max/last in time order. */
export function thin(ts: ArrayLike<number>, vs: ArrayLike<number>, endNs: number): number[] {
  const n = ts.length;
  const out: number[] = [];
  if (n <= COUNTER_BUCKETS * 4) {
    for (let i = 0; i < n; i++) out.push(ts[i], vs[i]);
    return out;
  }
  const t0 = ts[0];
  const width = Math.max(1, (Math.max(ts[n - 1], endNs) - t0) / COUNTER_BUCKETS);
  let i = 0;
  while (i < n) {
    const b = Math.min(COUNTER_BUCKETS - 1, Math.floor((ts[i] - t0) / width));
    let j = i;
    let lo = i;
    let hi = i;
    while (j + 1 < n && Math.min(COUNTER_BUCKETS - 1, Math.floor((ts[j + 1] - t0) / width)) === b) {
      j++;
      if (vs[j] < vs[lo]) lo = j;
      if (vs[j] > vs[hi]) hi = j;
    }
    // Distinct rows among first, lowest, highest, last, in time order.
    const pick = [...new Set([i, lo, hi, j])].sort((x, y) => x - y);
    for (const k of pick) out.push(ts[k], vs[k]);
    i = j + 1;
  }
  return out;
}
