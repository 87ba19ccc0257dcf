/**
 * The panels' arithmetic, kept apart from the DOM so it runs (and is tested) under Node: latency
 * distributions (histogram -> CDF, percentiles -> step CDF, runnable waits of a lane), the
 * stall -> lane mapping, table sorting and the CSV exports.
 *
 * Pure: no DOM, no I/O, no clock.
 */
import type { LaneColumns } from '../../../server/src/core/timelineCodec';

/** A latency histogram as the run JSON carries it: `edgesNs.length === counts.length + 1`. */
export interface Hist {
  edgesNs: number[];
  counts: number[];
}

/** Latency summary of a task (run JSON `tasks[i].latency`), ns. */
export interface Latency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  hist?: Hist;
  unfinished?: number;
}

/** One point of a cumulative distribution: P(X <= x) = y. */
export interface CdfPoint {
  x: number;
  y: number;
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A histogram the panels can draw: edges strictly increasing, counts >= 0, one more edge than counts. */
export function isHist(h: unknown): h is Hist {
  if (typeof h !== 'object' || h === null) return false;
  const { edgesNs, counts } = h as Record<string, unknown>;
  if (!Array.isArray(edgesNs) || !Array.isArray(counts)) return false;
  if (counts.length === 0 || edgesNs.length !== counts.length + 1) return false;
  for (let i = 0; i < edgesNs.length; i++) {
    if (!finite(edgesNs[i]) || (i > 0 && edgesNs[i] <= edgesNs[i - 1])) return false;
  }
  return counts.every((c) => finite(c) && c >= 0);
}

/** Reads a task's `latency` object defensively (bad input gives undefined, never throws). */
export function readLatency(x: unknown): Latency | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (!finite(o.count) || !finite(o.p50) || !finite(o.p90) || !finite(o.p99) || !finite(o.max)) return undefined;
  const lat: Latency = { count: o.count, p50: o.p50, p90: o.p90, p99: o.p99, max: o.max, mean: finite(o.mean) ? o.mean : NaN };
  if (isHist(o.hist)) lat.hist = o.hist;
  if (finite(o.unfinished)) lat.unfinished = o.unfinished;
  return lat;
}

/**
 * The CDF of a histogram, evaluated at its edges: (edge 0, 0), then (edge i+1, fraction of samples
 * below it). Non-decreasing, ends at 1 (an empty histogram gives no points: nothing to draw).
 */
export function histToCdf(h: Hist): CdfPoint[] {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [];
  const out: CdfPoint[] = [{ x: h.edgesNs[0], y: 0 }];
  let acc = 0;
  for (let i = 0; i < h.counts.length; i++) {
    acc += h.counts[i];
    out.push({ x: h.edgesNs[i + 1], y: i === h.counts.length - 1 ? 1 : acc / total });
  }
  return out;
}

/**
 * What is known of a distribution from its percentiles only: a step CDF that is a lower bound,
 * F(x) = 0.5 on [p50, p90), 0.9 on [p90, p99), 0.99 on [p99, max), 1 from max. Drawn as explicit
 * corner points (no interpolation needed); x clamped to >= 1 ns for a log axis.
 */
export function percentileStepCdf(lat: Pick<Latency, 'p50' | 'p90' | 'p99' | 'max'>): CdfPoint[] {
  const steps: [number, number][] = [
    [lat.p50, 0.5],
    [lat.p90, 0.9],
    [lat.p99, 0.99],
    [lat.max, 1],
  ];
  const out: CdfPoint[] = [];
  let prevX = 1;
  let prevY = 0;
  for (const [rawX, y] of steps) {
    if (!finite(rawX)) continue;
    const x = Math.max(prevX, rawX, 1);
    out.push({ x, y: prevY }, { x, y });
    prevX = x;
    prevY = y;
  }
  return out;
}

/**
 * Durations (ns) of the lane's spells in state `stateIndex`, sorted ascending. A spell is a maximal
 * run of back-to-back intervals in that state (an interval split by a cause change is one wait).
 */
export function stateDurations(cols: LaneColumns, stateIndex: number): Float64Array {
  const n = cols.states.length;
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    if (cols.states[i] !== stateIndex) {
      i++;
      continue;
    }
    const start = cols.starts[i];
    let end = cols.ends[i];
    i++;
    while (i < n && cols.states[i] === stateIndex && cols.starts[i] === end) end = cols.ends[i++];
    out.push(end - start);
  }
  return Float64Array.from(out).sort();
}

/** Whether the lane has at least one interval in state `stateIndex`. */
export function hasState(cols: LaneColumns, stateIndex: number): boolean {
  return cols.states.indexOf(stateIndex) >= 0;
}

/** The q-quantile (0..1) of sorted values: the smallest value with at least q of the samples at or below it. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const i = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return sorted[i];
}

/** Summary of sorted samples in the shape of a task's latency. */
export function summarize(sorted: ArrayLike<number>): Latency {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

/**
 * A log-spaced histogram of sorted positive samples: `perDecade` bins per power of ten, from the
 * decade of the smallest sample to past the largest (samples <= 0 count in the first bin).
 */
export function logHistogram(sorted: ArrayLike<number>, perDecade = 10): Hist | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const lo = Math.max(1, sorted[0]);
  const hi = Math.max(lo, sorted[n - 1]);
  const d0 = Math.floor(Math.log10(lo) * perDecade) / perDecade;
  let nb = Math.max(1, Math.floor((Math.log10(hi) - d0) * perDecade + 1e-9) + 1);
  nb = Math.min(nb, 40 * perDecade);
  const edgesNs: number[] = [];
  for (let i = 0; i <= nb; i++) edgesNs.push(10 ** (d0 + i / perDecade));
  const counts = new Array<number>(nb).fill(0);
  let b = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i];
    while (b < nb - 1 && v >= edgesNs[b + 1]) b++;
    counts[b]++;
  }
  return { edgesNs, counts };
}

/**
 * The empirical CDF of sorted samples as at most `maxPoints` corner points (a step function; when
 * thinned, every kept step is exact: (x_i, (i+1)/n) at the last sample of a run of equal values).
 */
export function empiricalCdf(sorted: ArrayLike<number>, maxPoints = 400): CdfPoint[] {
  const n = sorted.length;
  if (n === 0) return [];
  const out: CdfPoint[] = [];
  const m = Math.max(1, Math.min(n, Math.floor(maxPoints / 2)));
  let prevJ = -1;
  let prevY = 0;
  for (let k = 1; k <= m; k++) {
    let j = Math.ceil((k * n) / m) - 1;
    if (j <= prevJ) continue;
    // Samples equal once clamped to >= 1 ns (0 and 1) are one step on the log axis.
    while (j < n - 1 && Math.max(1, sorted[j + 1]) === Math.max(1, sorted[j])) j++;
    const x = Math.max(1, sorted[j]);
    const y = (j + 1) / n;
    out.push({ x, y: prevY }, { x, y });
    prevJ = j;
    prevY = y;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stalls -> lanes

export interface StallLike {
  task?: unknown;
  vp?: unknown;
  vm?: unknown;
  /** The lane id the simulator recorded with the stall (`Stall.lane`), when it has one. */
  lane?: unknown;
}

/**
 * The timeline lane a stall belongs to: the lane the simulator named in the stall (`lane`: the
 * task's, the StorVSP worker's, the guest thread's or the host load's own lane) when the timeline
 * has it; otherwise (documents from before that field) its task's lane (`vm:VM/task:TASK`, or the
 * task's base name without an instance suffix `#N`), else the VP's OpenHCL lane
 * (`vm:VM/vp:N/openhcl`), else its vCPU lane (`vm:VM/vcpu:N`); undefined when the timeline has
 * none of them.
 */
export function stallLane(stall: StallLike, hasLane: (id: string) => boolean): string | undefined {
  if (typeof stall.lane === 'string' && stall.lane && hasLane(stall.lane)) return stall.lane;
  const vm = typeof stall.vm === 'string' ? stall.vm : undefined;
  if (vm === undefined) return undefined;
  const cands: string[] = [];
  if (typeof stall.task === 'string' && stall.task) {
    cands.push(`vm:${vm}/task:${stall.task}`);
    const base = stall.task.replace(/#\d+$/, '');
    if (base !== stall.task) cands.push(`vm:${vm}/task:${base}`);
  }
  if (typeof stall.vp === 'number' && Number.isInteger(stall.vp)) cands.push(`vm:${vm}/vp:${stall.vp}/openhcl`, `vm:${vm}/vcpu:${stall.vp}`);
  return cands.find(hasLane);
}

/** One shown variant's stalls for {@link stallSummaryText}: the listed ones and the run's totals. */
export interface StallSummaryInput {
  name: string;
  listed: readonly { cause: string; durationNs: number }[];
  /** Every stall of the run (`stallSummary`), when the document has it. */
  totals?: { count: number; byCause: readonly { cause: string; count: number; totalNs: number }[] };
}

/**
 * The stall list's headline: how many stalls the run had in all (`stallSummary`, not only the
 * longest ones the run JSON lists), how many are listed, and the count and time per cause, e.g.
 * "200 longest of 3,374 stalls, 1.2 s in all: blocking-syscall 3,000 (1 s), ...". Variants
 * without totals (older documents) count their listed stalls.
 */
export function stallSummaryText(variants: readonly StallSummaryInput[], fmtDuration: (ns: number) => string, fmtInt: (n: number) => string): string {
  const byCause = new Map<string, { n: number; ns: number }>();
  let listed = 0;
  let all = 0;
  const parts: string[] = [];
  for (const v of variants) {
    listed += v.listed.length;
    const count = v.totals ? Math.max(v.totals.count, v.listed.length) : v.listed.length;
    all += count;
    const src = v.totals ? v.totals.byCause.map((c) => ({ cause: c.cause, n: c.count, ns: c.totalNs })) : v.listed.map((r) => ({ cause: r.cause, n: 1, ns: r.durationNs }));
    for (const c of src) {
      const e = byCause.get(c.cause) ?? { n: 0, ns: 0 };
      e.n += c.n;
      e.ns += c.ns;
      byCause.set(c.cause, e);
    }
    parts.push(count > v.listed.length ? `${v.name}: ${fmtInt(v.listed.length)} longest of ${fmtInt(count)}` : `${v.name}: all ${fmtInt(count)}`);
  }
  if (all === 0) return 'No stalls in this run.';
  const plural = all === 1 ? '' : 's';
  const head =
    variants.length > 1
      ? `${fmtInt(all)} stall${plural} (listed: ${parts.join('; ')})`
      : listed < all
        ? `${fmtInt(listed)} longest of ${fmtInt(all)} stall${plural}`
        : `${fmtInt(all)} stall${plural}`;
  const total = [...byCause.values()].reduce((a, c) => a + c.ns, 0);
  const causes = [...byCause].sort((a, b) => b[1].ns - a[1].ns || (a[0] < b[0] ? -1 : 1)).map(([c, e]) => `${c || 'unknown'} ${fmtInt(e.n)} (${fmtDuration(e.ns)})`);
  return `${head}, ${fmtDuration(total)} in all: ${causes.join(', ')}.`;
}

/** A stall as {@link groupStalls} reads it (its variant, who stalled, why, when, how long). */
export interface GroupableStall {
  variant: number;
  task?: string;
  vp?: number;
  vm?: string;
  cause: string;
  startNs: number;
  durationNs: number;
}

/** The listed stalls of one variant, task, VP, VM and cause. */
export interface StallGroup<T extends GroupableStall> {
  /** The group's longest stall (the first listed of equal ones): what a click selects. */
  longest: T;
  count: number;
  totalNs: number;
  firstStartNs: number;
}

/**
 * Groups stalls by variant, task, VP, VM and cause, in the order each group first appears: a run
 * whose 200 longest stalls are the same two channel-queue stalls repeated reads as two rows.
 */
export function groupStalls<T extends GroupableStall>(rows: readonly T[]): StallGroup<T>[] {
  const groups = new Map<string, StallGroup<T>>();
  for (const r of rows) {
    const key = JSON.stringify([r.variant, r.task ?? null, r.vp ?? null, r.vm ?? null, r.cause]);
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { longest: r, count: 1, totalNs: r.durationNs, firstStartNs: r.startNs });
      continue;
    }
    g.count++;
    g.totalNs += r.durationNs;
    if (r.startNs < g.firstStartNs) g.firstStartNs = r.startNs;
    if (r.durationNs > g.longest.durationNs) g.longest = r;
  }
  return [...groups.values()];
}

// ---------------------------------------------------------------------------------------------
// Sorting

export type SortDir = 'asc' | 'desc';

/** Orders numbers numerically, strings by code unit, missing values last (in both directions). */
export function compareValues(a: unknown, b: unknown): number {
  const ma = a === undefined || a === null || (typeof a === 'number' && Number.isNaN(a));
  const mb = b === undefined || b === null || (typeof b === 'number' && Number.isNaN(b));
  if (ma || mb) return ma === mb ? 0 : ma ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * Row indices ordered by `key` (stable: equal keys keep their original order; missing values last
 * whatever the direction). Returns a new array, leaves `rows` alone.
 */
export function sortedOrder<T>(rows: readonly T[], key: (r: T) => unknown, dir: SortDir): number[] {
  const keys = rows.map(key);
  const idx = rows.map((_, i) => i);
  const sign = dir === 'asc' ? 1 : -1;
  const missing = (v: unknown) => v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v));
  idx.sort((i, j) => {
    const a = keys[i];
    const b = keys[j];
    const ma = missing(a);
    const mb = missing(b);
    if (ma || mb) return ma === mb ? i - j : ma ? 1 : -1;
    return sign * compareValues(a, b) || i - j;
  });
  return idx;
}

// ---------------------------------------------------------------------------------------------
// CSV

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly unknown[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

/** Largest number of data rows a CSV export holds (a 3e6-interval view would be ~150 MB of text). */
export const CSV_MAX_ROWS = 200_000;

export interface CsvResult {
  text: string;
  rows: number;
  /** Rows that were left out because of the cap. */
  omitted: number;
}

export interface CsvLane {
  id: string;
  label: string;
  cols: LaneColumns;
  /** Variant name, as a column when several variants are shown. */
  variant?: string;
}

/** First interval index whose end is after t (intervals of a lane are sorted and disjoint). */
function firstEndingAfter(ends: Float64Array, t: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * CSV of the intervals overlapping [startNs, endNs) on the given lanes, lane by lane in order:
 * `lane,label,state,start_ns,end_ns,duration_ns,cause` (with a leading `variant` column when any
 * lane names one). Intervals are not clipped to the range. At most `cap` rows; `omitted` counts the rest.
 */
export function intervalsCsv(lanes: readonly CsvLane[], startNs: number, endNs: number, states: readonly string[], causes: readonly string[], cap = CSV_MAX_ROWS): CsvResult {
  const withVariant = lanes.some((l) => l.variant !== undefined);
  const parts: string[] = [csvLine([...(withVariant ? ['variant'] : []), 'lane', 'label', 'state', 'start_ns', 'end_ns', 'duration_ns', 'cause'])];
  let rows = 0;
  let omitted = 0;
  for (const l of lanes) {
    const c = l.cols;
    const n = c.starts.length;
    for (let i = firstEndingAfter(c.ends, startNs); i < n && c.starts[i] < endNs; i++) {
      if (rows >= cap) {
        omitted++;
        continue;
      }
      const cause = c.causes[i] >= 0 ? causes[c.causes[i]] : undefined;
      const f = [l.id, l.label, states[c.states[i]] ?? c.states[i], c.starts[i], c.ends[i], c.ends[i] - c.starts[i], cause];
      parts.push(csvLine(withVariant ? [l.variant ?? '', ...f] : f));
      rows++;
    }
  }
  return { text: parts.join(''), rows, omitted };
}

export interface CsvStall {
  variant?: string;
  task?: unknown;
  vp?: unknown;
  vm?: unknown;
  cause?: unknown;
  startNs?: unknown;
  durationNs?: unknown;
  causes?: unknown;
  range?: { start?: { line?: unknown } };
}

/** CSV of stalls: `variant,task,vm,vp,cause,start_ns,duration_ns,end_ns,line,explanation` (line 1-based). */
export function stallsCsv(stalls: readonly CsvStall[], cap = CSV_MAX_ROWS): CsvResult {
  const parts = [csvLine(['variant', 'task', 'vm', 'vp', 'cause', 'start_ns', 'duration_ns', 'end_ns', 'line', 'explanation'])];
  const n = Math.min(cap, stalls.length);
  for (let i = 0; i < n; i++) {
    const s = stalls[i];
    const start = finite(s.startNs) ? s.startNs : undefined;
    const dur = finite(s.durationNs) ? s.durationNs : undefined;
    const line = s.range?.start?.line;
    parts.push(
      csvLine([
        s.variant,
        s.task,
        s.vm,
        s.vp,
        s.cause,
        start,
        dur,
        start !== undefined && dur !== undefined ? start + dur : undefined,
        finite(line) ? line + 1 : undefined,
        Array.isArray(s.causes) ? s.causes.join('; ') : undefined,
      ]),
    );
  }
  return { text: parts.join(''), rows: n, omitted: stalls.length - n };
}

/**
 * A file name the hosts accept (`^[\w.\- ]{1,120}$`): the title's last path part without a file extension
 * (`.vps`, `.gz`, `.txt`, `.json`, `.dat`), other characters replaced by `_`.
 */
export function exportFileName(base: string, suffix: string): string {
  const name = base.split(/[\\/]/).pop() ?? '';
  const clean = (name.replace(/(\.(vps|gz|txt|json|dat))+$/i, '') || 'vpscope').replace(/[^\w.\- ]/g, '_').slice(0, 120 - suffix.length - 1);
  return `${clean || 'vpscope'}-${suffix}`.slice(0, 120);
}

/**
 * A histogram as the outline of its bars (corner points, for a filled line chart that works on a
 * log axis): heights are shares of all samples. The first edge is clamped to >= 1 ns.
 */
export function histOutline(h: Hist): CdfPoint[] {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [];
  const out: CdfPoint[] = [];
  const x0 = Math.max(1, h.edgesNs[0]);
  out.push({ x: x0, y: 0 });
  for (let i = 0; i < h.counts.length; i++) {
    const y = h.counts[i] / total;
    out.push({ x: Math.max(x0, h.edgesNs[i]), y }, { x: Math.max(x0, h.edgesNs[i + 1]), y });
  }
  out.push({ x: Math.max(x0, h.edgesNs[h.counts.length]), y: 0 });
  return out;
}

/** Largest / smallest positive value from which the axis is logarithmic by default (a choice of ours: two decades). */
export const LOG_AUTO_SPREAD = 100;

/** Seeds/sweep chart: the values a metric's chart draws (means, and the interval's edges where there are 2+ seeds). */
export function drawnValues(rows: readonly { m?: { mean: number; lo: number; hi: number; n: number } }[]): number[] {
  const out: number[] = [];
  for (const r of rows) {
    if (!r.m) continue;
    out.push(r.m.mean);
    if (r.m.n > 1) out.push(r.m.lo, r.m.hi);
  }
  return out.filter(Number.isFinite);
}

/**
 * On a log axis, where an interval whose low end is <= 0 (and whose high end is positive) starts:
 * half the smallest positive value drawn, so its band reaches below every other mark instead of
 * vanishing. Undefined when nothing drawn is positive.
 */
export function logFloor(rows: readonly { m?: { mean: number; lo: number; hi: number; n: number } }[]): number | undefined {
  let min = Infinity;
  for (const x of drawnValues(rows)) if (x > 0 && x < min) min = x;
  // (Half of the smallest denormal is 0: then the value itself.)
  return min < Infinity ? min / 2 || min : undefined;
}

/**
 * An interval's low end as drawn: on a log scale, a low <= 0 under a positive high is `floor`
 * (`logFloor`), other values <= 0 (or not finite) are not drawn (null).
 */
export function lowOnScale(m: { lo: number; hi: number }, log: boolean, floor: number | undefined): number | null {
  if (!log) return m.lo;
  if (m.lo > 0) return m.lo;
  return m.hi > 0 && floor !== undefined ? floor : null;
}

/** Whether the log scale is the default for these rows: all positive, spread of two decades or more. */
export function autoLog(rows: readonly { m?: { mean: number; lo: number; hi: number; n: number } }[]): boolean {
  const v = drawnValues(rows);
  if (v.length < 2) return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (x <= 0) return false;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return hi >= LOG_AUTO_SPREAD * lo;
}
