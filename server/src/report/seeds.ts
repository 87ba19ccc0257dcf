/**
 * Several seeds and parameter sweeps: the statistics over per-seed results and their reports
 * (`vpscope simulate --seeds N`, `--sweep`), as plain data, text and `vpscope.seeds/1` JSON.
 *
 * Method (stated in the output and in README.md):
 * - each metric of a (sweep point, variant) cell is the mean of its per-seed values with a 95%
 *   Student-t interval: mean +- t(0.975, n-1) * s / sqrt(n), s the sample standard deviation.
 *   It assumes the per-seed values are independent (each seed is its own set of random streams)
 *   and roughly normal (a mean over many samples per run is; a per-run max less so: read its
 *   interval as indicative);
 * - a variant against the first selected variant (the base when selected), at the same point:
 *   Welch's t-test (unequal variances) on the per-seed values; the difference "exceeds the noise"
 *   when its 95% Welch interval excludes 0 (two-sided p < 0.05). With many metrics compared, about
 *   one in twenty equal pairs is flagged by chance.
 *
 * Pure: no I/O, no clock, no randomness; the same runs in the same order give the same bytes
 * (runs are ordered by (point, variant, seed) by the caller, whatever finished first).
 */
import type { VariantResult } from '../sim/result';
import { VIEW_SCHEMA, type ViewDocument } from '../shared/view';
import type { JsonDiagnostic } from './diagnosticJson';
import { fmtFraction, fmtNs, table } from '../core/format';
import { clipLabel } from '../core/text';
import { crossPoints, pointLabel } from '../core/cross';

export const SEEDS_SCHEMA = 'vpscope.seeds/1';

/**
 * The seeds `first`, `first`+1, ..., `first`+n-1 (`--seeds N`, `scenario { seeds N }`), or a
 * message when the last one is past 2^53 - 1: doubles there are no longer whole numbers one apart,
 * so 2^53 - 1 with 3 seeds gave the seeds ..991, ..992, ..992, two runs of the same seed counted
 * as independent samples.
 */
export function seedRange(first: number, n: number): number[] | string {
  if (first + (n - 1) > Number.MAX_SAFE_INTEGER) return `${n} seeds from seed ${first} go past 2^53 - 1 (${Number.MAX_SAFE_INTEGER}), the largest seed; start at ${Number.MAX_SAFE_INTEGER - (n - 1)} or below`;
  return Array.from({ length: n }, (_, i) => first + i);
}

export const METHOD =
  "mean over seeds with a 95% Student-t interval (mean +- t(0.975, n-1) * s/sqrt(n)), clipped to the metric's range (times and counts >= 0, fractions 0..1); variant vs the first variant: Welch's t-test, 'exceeds noise' when the 95% interval of the difference excludes 0 (p < 0.05)";

// ------------------------------------------------------------------ distributions

/** ln Gamma(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; ~1e-15 relative). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let s = c[0];
  for (let i = 1; i < 9; i++) s += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** The continued fraction of the incomplete beta function (modified Lentz evaluation). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
export function tCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (0 < p < 1), by bisection on {@link tCdf}. */
export function tQuantile(p: number, df: number): number {
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p && hi < 1e12) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ------------------------------------------------------------------ estimates

export interface Interval {
  /** Mean over the seeds. */
  mean: number;
  /** Low end of the 95% Student-t interval of the mean (equal to the mean when n < 2: no spread to estimate). */
  lo: number;
  /** High end of the 95% interval. */
  hi: number;
  /** Number of seeds (samples). */
  n: number;
  /** Sample standard deviation (0 when n < 2). */
  sd: number;
}

function meanSd(v: readonly number[]): { mean: number; sd: number } {
  const n = v.length;
  let s = 0;
  for (const x of v) s += x;
  const mean = n ? s / n : 0;
  let q = 0;
  for (const x of v) q += (x - mean) * (x - mean);
  return { mean, sd: n > 1 ? Math.sqrt(q / (n - 1)) : 0 };
}

/** Mean of `values` with its Student-t interval at `level` (default 95%). */
export function meanInterval(values: readonly number[], level = 0.95): Interval {
  const n = values.length;
  const { mean, sd } = meanSd(values);
  if (n < 2) return { mean, lo: mean, hi: mean, n, sd: 0 };
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { mean, lo: mean - half, hi: mean + half, n, sd };
}

export interface Difference {
  /** mean(b) - mean(a) with its 95% Welch interval. */
  diff: number;
  lo: number;
  hi: number;
  /** Two-sided p-value of Welch's t-test (undefined when either side has fewer than 2 values). */
  p?: number;
  df?: number;
  /** The interval excludes 0. */
  exceedsNoise: boolean;
}

/** Welch's t-test of mean(b) - mean(a). */
export function welch(a: readonly number[], b: readonly number[], level = 0.95): Difference {
  const A = meanSd(a);
  const B = meanSd(b);
  const diff = B.mean - A.mean;
  if (a.length < 2 || b.length < 2) return { diff, lo: diff, hi: diff, exceedsNoise: false };
  const va = (A.sd * A.sd) / a.length;
  const vb = (B.sd * B.sd) / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff, lo: diff, hi: diff, p: diff === 0 ? 1 : 0, exceedsNoise: diff !== 0 };
  const df = (va + vb) ** 2 / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const t = diff / se;
  const p = Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
  const half = tQuantile(1 - (1 - level) / 2, df) * se;
  return { diff, lo: diff - half, hi: diff + half, p, df, exceedsNoise: diff - half > 0 || diff + half < 0 };
}

// ------------------------------------------------------------------ metrics of a run

export type MetricUnit = 'ns' | 'fraction' | 'count';

export interface MetricValue {
  key: string;
  unit: MetricUnit;
  value: number;
}

/**
 * The metrics aggregated over seeds, from one run: per task p50/p99/max/mean latency, per VM the
 * steal as a fraction of its vCPU time, per parallel region its finish time (when it finished),
 * and the stall count and total.
 */
export function runMetrics(r: VariantResult): MetricValue[] {
  const out: MetricValue[] = [];
  for (const t of r.tasks) {
    const k = `${t.vm ?? 'host'}/${t.name}`;
    for (const m of ['p50', 'p99', 'max', 'mean'] as const) out.push({ key: `${k} ${m}`, unit: 'ns', value: t.latency[m] });
  }
  const measured = Math.max(1, r.stop.simulatedNs - r.warmupNs);
  for (const v of r.vms) out.push({ key: `vm ${v.name} steal`, unit: 'fraction', value: v.stealNs / (Math.max(1, v.vcpus) * measured) });
  for (const g of r.regions) if (g.finishedAtNs >= 0) out.push({ key: `region ${g.vm}/${g.name} finished at`, unit: 'ns', value: g.finishedAtNs });
  let total = 0;
  for (const s of Object.values(r.stallSummary.byCause)) total += s.totalNs;
  out.push({ key: 'stalls count', unit: 'count', value: r.stallSummary.count });
  out.push({ key: 'stalls total', unit: 'ns', value: total });
  return out;
}

// ------------------------------------------------------------------ aggregation

/** One simulated run of the plan: a (point, variant, seed). */
export interface SeedRun {
  /** The sweep point's label (undefined without a sweep). */
  point?: string;
  /** With crossed sweeps: the point's value of each swept setting. */
  at?: string[];
  variant: string;
  seed: number;
  result: VariantResult;
}

export interface MetricAggregate extends Interval {
  /** `ns` (durations), `fraction` (0..1, e.g. steal) or `count`. */
  unit: MetricUnit;
  /** Per-seed values, in seed order. */
  values: number[];
}

/** One (sweep point, variant) cell: every metric over its seeds. */
export interface CellAggregate {
  /** The sweep value; with crossed sweeps, the point's values joined by `, ` (absent without a sweep). */
  point?: string;
  /** With crossed sweeps (`sweeps`): the point's value of each swept setting, in their order. */
  at?: string[];
  /** The variant's name (`base` for the scenario itself). */
  variant: string;
  /** The seeds whose runs completed, in order. */
  seeds: number[];
  /** Metric name (`VM/TASK p99`, `vm NAME steal`, `stalls`...) -> its aggregate. */
  metrics: Record<string, MetricAggregate>;
}

/** A variant against the first selected one, per metric (Welch's t-test over the seeds). */
export interface Comparison {
  /** The sweep value; with crossed sweeps, the point's values joined by `, ` (absent without a sweep). */
  point?: string;
  /** With crossed sweeps: the point's value of each swept setting. */
  at?: string[];
  /** The variant compared. */
  variant: string;
  /** The reference: the first selected variant. */
  vs: string;
  /** The metric's name, as in `aggregate[].metrics`. */
  metric: string;
  /** The metric's unit. */
  unit: MetricUnit;
  /** mean(variant) - mean(vs). */
  diff: number;
  /** Low end of the 95% Welch interval of the difference. */
  lo: number;
  /** High end of that interval. */
  hi: number;
  /** Two-sided p-value (absent when either side has fewer than 2 seeds). */
  p?: number;
  /** The interval excludes 0: the difference is larger than the noise across seeds. */
  exceedsNoise: boolean;
}

export interface SeedsPlan {
  file: string;
  seeds: number[];
  variants: string[];
  /** The swept settings, crossed (none or empty: no sweep). */
  sweeps?: SweepAxis[];
}

/** The setting a sweep varies and its values. */
export interface SweepAxis {
  /** The setting's path, e.g. `vm web.vcpus`. */
  path: string;
  /** Its values, in order, as written in the scenario language. */
  values: string[];
}

/** One completed run. */
export interface SeedRunSummary {
  /** The sweep value; with crossed sweeps, the point's values joined by `, ` (absent without a sweep). */
  point?: string;
  /** With crossed sweeps: the point's value of each swept setting. */
  at?: string[];
  /** The variant run. */
  variant: string;
  /** Its seed. */
  seed: number;
  /** Why it stopped (`duration`, `max_events`, ...). */
  stop: string;
  /** Simulated time reached, ns. */
  simulatedNs: number;
  /** Events processed. */
  events: number;
  /** Codes of its run findings. */
  findings: string[];
}

/** A run of the plan that did not complete. */
export interface RunKey {
  /** The sweep value; with crossed sweeps, the point's values joined by `, ` (absent without a sweep). */
  point?: string;
  /** With crossed sweeps: the point's value of each swept setting. */
  at?: string[];
  /** The variant. */
  variant: string;
  /** The seed. */
  seed: number;
}

/** Runs a stop kept from finishing. */
export interface SeedsNotRun {
  /** Why: `cancelled` (Ctrl-C) or the wall budget. */
  reason: string;
  /** The runs left out of the aggregate. */
  runs: RunKey[];
}

export interface SeedsDoc {
  /** Always `vpscope.seeds/1`. */
  schema: typeof SEEDS_SCHEMA;
  /** The scenario file, as given. */
  file: string;
  /** The statistical method, in words. */
  method: string;
  /** The seeds every cell runs. */
  seeds: number[];
  /** The selected variants; the first is the reference of the comparisons. */
  variants: string[];
  /** The swept setting, when one is swept (absent without a sweep, and with crossed sweeps). */
  sweep?: SweepAxis;
  /**
   * Crossed sweeps (two or more settings): each setting and its values, in order. The points are
   * every combination, the first setting varying slowest; each run, cell and comparison carries
   * its values in `at`.
   */
  sweeps?: SweepAxis[];
  /** Every completed run, in (point, variant, seed) order. */
  runs: SeedRunSummary[];
  /** One cell per (point, variant), in that order. */
  aggregate: CellAggregate[];
  /** Each variant against the first, per point and metric. */
  comparisons: Comparison[];
  /** Runs a stop (Ctrl-C, the wall budget) kept from finishing: not in the aggregate. */
  notRun?: SeedsNotRun;
}

/** The `$schema` of `vpscope.seeds/1` documents: the file name of its JSON Schema (schemas/, shipped). */
export const SEEDS_SCHEMA_FILE = 'vpscope.seeds-1.schema.json';

/**
 * The `vpscope.seeds/1` document that `vpscope simulate --json` prints with `--seeds N` (N > 1),
 * `--seed-list` or `--sweep` (schemas/vpscope.seeds-1.schema.json is generated from this type).
 */
export interface SeedsDocument extends SeedsDoc {
  /** The JSON Schema of this document (file name in the schemas/ folder of the package). */
  $schema: typeof SEEDS_SCHEMA_FILE;
  /** The scenario's diagnostics (0-based LSP ranges), as in `vpscope.check/1`. */
  diagnostics: JsonDiagnostic[];
}

/** A sweep point of a plan: its label and, with crossed sweeps, its values. */
export interface PlanPoint {
  point: string;
  at?: string[];
}

/** The points of a plan, in order (crossed sweeps: the first setting varies slowest); none without a sweep. */
export function planPoints(plan: Pick<SeedsPlan, 'sweeps'>): PlanPoint[] {
  const axes = plan.sweeps ?? [];
  if (axes.length === 1) return axes[0].values.map((point) => ({ point }));
  return crossPoints(axes).map((at) => ({ point: pointLabel(at), at }));
}

/** The swept settings of a document (`sweep` or `sweeps`), in order. */
export function sweepAxes(doc: Pick<SeedsDoc, 'sweep' | 'sweeps'>): SweepAxis[] {
  return doc.sweeps ?? (doc.sweep ? [doc.sweep] : []);
}

/** Runs of the plan in report order: (point, variant, seed) as the plan lists them. */
export function planOrder(plan: SeedsPlan): RunKey[] {
  const out: RunKey[] = [];
  const points = planPoints(plan);
  for (const p of points.length ? points : [undefined]) for (const variant of plan.variants) for (const seed of plan.seeds) out.push(p === undefined ? { variant, seed } : { ...p, variant, seed });
  return out;
}

/**
 * Aggregates completed runs (any order; they are put in plan order here). Runs missing from
 * `runs` are listed in `notRun` with `stopReason`.
 */
/**
 * Every metric here is a time, a count or a fraction, never negative (and a fraction at most 1):
 * with few seeds a t-interval can reach past that (a p99 of "-159 us"), so its ends are clipped
 * to the range. Clipping only drops impossible values, so the coverage stays at least 95%.
 */
export function clipToRange(iv: Interval, unit: MetricUnit): Interval {
  const hiCap = unit === 'fraction' ? 1 : Infinity;
  const lo = Math.min(Math.max(iv.lo, 0), hiCap);
  const hi = Math.min(Math.max(iv.hi, 0), hiCap);
  return lo === iv.lo && hi === iv.hi ? iv : { ...iv, lo, hi };
}

export function aggregateRuns(plan: SeedsPlan, runs: readonly SeedRun[], stopReason?: string): SeedsDoc {
  const key = (p: string | undefined, v: string, s: number) => `${p ?? ''}\u0000${v}\u0000${s}`;
  const byKey = new Map(runs.map((r) => [key(r.point, r.variant, r.seed), r]));
  const ordered: SeedRun[] = [];
  const missing: RunKey[] = [];
  for (const o of planOrder(plan)) {
    const r = byKey.get(key(o.point, o.variant, o.seed));
    if (r) ordered.push(r);
    else missing.push(o);
  }
  const aggregate: CellAggregate[] = [];
  const points = planPoints(plan);
  const byCell = new Map<string, SeedRun[]>();
  for (const r of ordered) {
    const k = `${r.point ?? ''}\u0000${r.variant}`;
    const l = byCell.get(k);
    if (l) l.push(r);
    else byCell.set(k, [r]);
  }
  for (const p of points.length ? points : [undefined]) {
    const point = p?.point;
    for (const variant of plan.variants) {
      const cell = byCell.get(`${point ?? ''}\u0000${variant}`) ?? [];
      const values = new Map<string, { unit: MetricUnit; values: number[] }>();
      for (const r of cell) {
        for (const m of runMetrics(r.result)) {
          let e = values.get(m.key);
          if (!e) values.set(m.key, (e = { unit: m.unit, values: [] }));
          e.values.push(m.value);
        }
      }
      const metrics: Record<string, MetricAggregate> = {};
      for (const [k, e] of values) metrics[k] = { ...clipToRange(meanInterval(e.values), e.unit), unit: e.unit, values: e.values };
      const c: CellAggregate = { variant, seeds: cell.map((r) => r.seed), metrics };
      aggregate.push(p === undefined ? c : { ...p, ...c });
    }
  }
  const comparisons: Comparison[] = [];
  if (plan.variants.length > 1) {
    const nv = plan.variants.length;
    for (let pi = 0; pi < Math.max(1, points.length); pi++) {
      const p = points[pi];
      const cells = aggregate.slice(pi * nv, (pi + 1) * nv);
      const ref = cells[0];
      for (const c of cells.slice(1)) {
        for (const [k, m] of Object.entries(c.metrics)) {
          const r = ref.metrics[k];
          if (!r) continue;
          const d = welch(r.values, m.values);
          const cmp: Comparison = { variant: c.variant, vs: ref.variant, metric: k, unit: m.unit, diff: d.diff, lo: d.lo, hi: d.hi, exceedsNoise: d.exceedsNoise };
          if (d.p !== undefined) cmp.p = d.p;
          comparisons.push(p === undefined ? cmp : { ...p, ...cmp });
        }
      }
    }
  }
  const doc: SeedsDoc = {
    schema: SEEDS_SCHEMA,
    file: plan.file,
    method: METHOD,
    seeds: plan.seeds,
    variants: plan.variants,
    ...(plan.sweeps?.length === 1 ? { sweep: plan.sweeps[0] } : plan.sweeps && plan.sweeps.length > 1 ? { sweeps: plan.sweeps } : {}),
    runs: ordered.map((r) => ({
      ...(r.point !== undefined ? { point: r.point } : {}),
      ...(r.at !== undefined ? { at: r.at } : {}),
      variant: r.variant,
      seed: r.seed,
      stop: r.result.stop.reason,
      simulatedNs: r.result.stop.simulatedNs,
      events: r.result.counters.events ?? 0,
      findings: [...new Set(r.result.findings.map((f) => f.code))],
    })),
    aggregate,
    comparisons,
  };
  if (missing.length) doc.notRun = { reason: stopReason ?? 'cancelled', runs: missing };
  return doc;
}

// ------------------------------------------------------------------ text

export function fmtMetric(v: number, unit: MetricUnit): string {
  if (v < 0) return '-' + fmtMetric(-v, unit);
  if (unit === 'ns') return fmtNs(v);
  if (unit === 'fraction') return fmtFraction(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function fmtInterval(m: MetricAggregate): string {
  return m.n < 2 ? '-' : `[${fmtMetric(m.lo, m.unit)}, ${fmtMetric(m.hi, m.unit)}]`;
}

/** Metrics shown in the comparison text (all are in the JSON). */
const COMPARED = /( p99| mean| steal|^stalls total|finished at)$/;

export function renderSeedsSummary(doc: SeedsDoc, title: string): string {
  const n = doc.seeds.length;
  const axes = sweepAxes(doc);
  /** A cell's value of each swept setting (one column each). */
  const coords = (c: { point?: string; at?: string[] }): string[] => (axes.length > 1 ? c.at ?? axes.map(() => '') : axes.length ? [c.point ?? ''] : []);
  let out = `vpscope simulate ${doc.file}: "${clipLabel(title)}"\n`;
  out += `${doc.runs.length} run${doc.runs.length === 1 ? '' : 's'}: ${n} seed${n === 1 ? '' : 's'} (${seedList(doc.seeds)})${axes.map((a) => ` x ${a.values.length} values of ${a.path}`).join('')} x ${doc.variants.length} variant${doc.variants.length === 1 ? '' : 's'}\n`;
  if (axes.length > 1) out += `crossed sweeps: ${axes.length} settings, every combination of their values (the first varies slowest)\n`;
  out += `method: ${doc.method}\n`;
  const stopped = doc.runs.filter((r) => r.stop !== 'completed');
  if (stopped.length) out += `${stopped.length} run${stopped.length === 1 ? '' : 's'} stopped early by a budget (${[...new Set(stopped.map((r) => r.stop))].join(', ')}): their metrics cover less simulated time\n`;
  for (const variant of doc.variants) {
    const desc = doc.aggregate.filter((c) => c.variant === variant);
    out += `\n== ${clipLabel(variant)}\n`;
    const keys: string[] = [];
    for (const c of desc) for (const k of Object.keys(c.metrics)) if (!keys.includes(k)) keys.push(k);
    const head = ['metric', ...axes.map((a) => a.path), 'mean', '95% interval', 'n'];
    const rows = [head];
    for (const k of keys) {
      for (const c of desc) {
        const m = c.metrics[k];
        if (!m) continue;
        rows.push([k, ...coords(c), fmtMetric(m.mean, m.unit), fmtInterval(m), String(m.n)]);
      }
    }
    out += table(rows, head.map((_, i) => i > 0));
  }
  const shown = doc.comparisons.filter((c) => COMPARED.test(c.metric));
  if (shown.length) {
    out += `\n== comparison (vs ${doc.comparisons[0].vs}; Welch's t-test over seeds)\n`;
    const head = ['metric', ...axes.map((a) => a.path), 'variant', 'difference', '95% interval', 'p', 'verdict'];
    const rows = [head];
    for (const c of shown) {
      const sign = (x: number) => (x > 0 ? '+' : '') + fmtMetric(x, c.unit);
      rows.push([c.metric, ...coords(c), c.variant, sign(c.diff), c.p === undefined ? '-' : `[${sign(c.lo)}, ${sign(c.hi)}]`, c.p === undefined ? '-' : c.p < 0.001 ? '<0.001' : c.p.toFixed(3), c.p === undefined ? 'one seed: no estimate of noise' : c.exceedsNoise ? 'exceeds noise' : 'within noise']);
    }
    out += table(rows, head.map((_, i) => i > 0 && i < head.length - 1));
  }
  if (doc.notRun) out += `\n== not run (${doc.notRun.reason}): ${doc.notRun.runs.length} run${doc.notRun.runs.length === 1 ? '' : 's'}\n`;
  return out;
}

function seedList(seeds: number[]): string {
  const contiguous = seeds.every((s, i) => i === 0 || s === seeds[i - 1] + 1);
  return contiguous && seeds.length > 2 ? `${seeds[0]}..${seeds[seeds.length - 1]}` : seeds.join(', ');
}

// ------------------------------------------------------------------ view

/**
 * The view document of a seeds/sweep aggregate (HTML report, editor tab): no timeline (the runs
 * record none); the view draws each metric against the sweep value (or per variant) with its 95%
 * interval from `seeds`. The per-run list is left out (it is in the JSON).
 */
export function seedsViewDocument(doc: SeedsDoc, title: string, source: string): ViewDocument {
  const { runs: _runs, ...rest } = doc;
  return { schema: VIEW_SCHEMA, kind: 'simulation', title, source, timelines: [], seeds: { ...rest, runs: [] } };
}
