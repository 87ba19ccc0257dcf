/**
 * Recording for a run: lane states (timeline intervals and per-state totals), latency samples,
 * stalls, counters and model findings. Implements `Recorder` and `Stats` from contracts.ts.
 *
 * Cost model: a lane transition is a few typed-array writes (totals are always kept, intervals
 * only with `timeline: true`); a latency sample is one array write. Nothing here allocates per
 * event except stalls (rare by definition: longer than the stall threshold).
 */
import { TimelineBuilder, type LaneBuilder, type TimelineData } from '../core/timeline';
import type { Finding, Stall } from '../core/findings';
import { selectKth } from '../core/select';
import type { LaneSpec, Ns, Recorder, StallInput, Stats, TaskSpec } from './contracts';
import { STATE_BLOCKED, STATE_IDLE, STATE_RUNNABLE, STATE_RUNNING } from './contracts';

/** Upper bound on distinct lane states. */
const MAX_STATES = 32;
/**
 * Default bound on the timeline intervals one run records (all lanes together). About one
 * interval per engine event: without it, a busy scenario at the default `max_events` (100M)
 * recorded ~100M intervals, and `simulate --timeline --json` needed ~110 bytes per interval
 * (measured here: 10M intervals, 1.1 GB peak RSS and 248 MB of JSON), so ~11 GB. Twice the
 * largest timeline the view is benchmarked with (4.1M intervals, test/bench/webview.bench.ts).
 */
export const MAX_TIMELINE_INTERVALS = 8_000_000;
/**
 * Lane record: state, cause, since, (spare), then the per-state totals. The record grows when more
 * states are interned (setup); 12 state slots keep a record at 128 bytes, so a transition touches
 * one or two cache lines however many lanes there are.
 */
const LN_HEAD = 4;
const LN_STATES0 = 12;

export class SimRecorder implements Recorder {
  readonly tb: TimelineBuilder;
  readonly specs: LaneSpec[] = [];
  private builders: LaneBuilder[] = [];
  /** Per lane: current state, its cause, since when, totals per state (`ln` doubles per lane). */
  private ln: Float64Array;
  private lnStates = LN_STATES0;
  private stride = LN_HEAD + LN_STATES0;
  private closed = false;
  /** Intervals recorded so far, and whether the recorder still records them. */
  private recorded = 0;
  private recording: boolean;
  /** When the interval bound was reached: the timeline ends there (undefined: not reached). */
  cutNs: Ns | undefined;

  constructor(
    readonly timelines: boolean,
    private readonly warmupNs: Ns,
    private readonly maxIntervals = MAX_TIMELINE_INTERVALS,
  ) {
    this.recording = timelines;
    this.tb = new TimelineBuilder([STATE_IDLE, STATE_RUNNING, STATE_RUNNABLE, STATE_BLOCKED]);
    this.ln = new Float64Array(64 * this.stride);
  }

  stateId(name: string): number {
    const id = this.tb.states.id(name);
    if (id >= MAX_STATES) throw new Error(`too many lane states (max ${MAX_STATES})`);
    if (id >= this.lnStates) this.widen(MAX_STATES);
    return id;
  }

  causeId(label: string): number {
    return this.tb.causes.id(label);
  }

  lane(spec: LaneSpec): number {
    const i = this.specs.length;
    this.specs.push(spec);
    // Interval builders only when timelines were requested (per-state totals need none).
    if (this.timelines) this.builders.push(this.tb.lane(spec.id, spec.label, spec.group, spec.kind));
    if ((i + 1) * this.stride > this.ln.length) this.grow();
    const r = i * this.stride;
    this.ln[r] = 0; // idle
    this.ln[r + 1] = -1;
    this.ln[r + 2] = 0;
    return i;
  }

  set(lane: number, now: Ns, state: number, cause = -1): void {
    const ln = this.ln;
    const r = lane * this.stride;
    const s0 = ln[r];
    const c0 = ln[r + 1];
    if (s0 === state && c0 === cause) return;
    const t0 = ln[r + 2];
    let full = false;
    if (now > t0) {
      const from = t0 > this.warmupNs ? t0 : this.warmupNs;
      if (now > from) ln[r + LN_HEAD + s0] += now - from;
      if (this.recording) {
        this.builders[lane].push(t0, now, s0, c0);
        full = ++this.recorded >= this.maxIntervals;
      }
    }
    ln[r] = state;
    ln[r + 1] = cause;
    ln[r + 2] = now;
    if (full) this.cut(now);
  }

  /**
   * The interval bound is reached at `now`: every lane's open interval is closed there (at most one
   * interval more per lane) and nothing more is recorded; the run stops at its next poll
   * (`timeline_limit`, sim/run.ts) and its timeline ends at `now`.
   */
  private cut(now: Ns): void {
    this.recording = false;
    this.cutNs = now;
    const ln = this.ln;
    for (let i = 0; i < this.specs.length; i++) {
      const r = i * this.stride;
      if (now > ln[r + 2]) this.builders[i].push(ln[r + 2], now, ln[r], ln[r + 1]);
    }
  }

  /** Lanes so far. */
  get laneCount(): number {
    return this.specs.length;
  }

  /** Intervals recorded so far (0 without timelines). */
  get intervalCount(): number {
    return this.recorded;
  }

  stateOf(lane: number): number {
    return this.ln[lane * this.stride];
  }

  /** Closes every lane's open interval at `endNs` (once, at the end of the run). */
  close(endNs: Ns): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < this.specs.length; i++) {
      const r = i * this.stride;
      const s = this.ln[r];
      const c = this.ln[r + 1];
      this.set(i, endNs, s === 0 ? 1 : 0, -1); // force the close
      this.ln[r] = s;
      this.ln[r + 1] = c;
    }
  }

  /** Time lane `lane` spent in `state` (after the warmup). */
  total(lane: number, state: number): Ns {
    return state < this.lnStates ? this.ln[lane * this.stride + LN_HEAD + state] : 0;
  }

  /** Per-state totals of a lane by state name (states with zero time omitted). */
  totalsOf(lane: number): Record<string, Ns> {
    const out: Record<string, Ns> = {};
    const names = this.tb.states.values;
    for (let s = 0; s < names.length; s++) {
      const v = this.ln[lane * this.stride + LN_HEAD + s];
      if (v > 0) out[names[s]] = v;
    }
    return out;
  }

  timeline(startNs: Ns, endNs: Ns): TimelineData {
    return this.tb.build(startNs, this.cutNs !== undefined && this.cutNs < endNs ? this.cutNs : endNs);
  }

  private grow(): void {
    const a = new Float64Array(this.ln.length * 2);
    a.set(this.ln);
    this.ln = a;
  }

  /** Re-lays the lane records out for `states` state slots (setup; more states were interned). */
  private widen(states: number): void {
    const lanes = this.ln.length / this.stride;
    const stride = LN_HEAD + states;
    const a = new Float64Array(lanes * stride);
    for (let i = 0; i < lanes; i++) a.set(this.ln.subarray(i * this.stride, (i + 1) * this.stride), i * stride);
    this.ln = a;
    this.lnStates = states;
    this.stride = stride;
  }
}

/** Latency summary in ns, as in `vpscope.run/1`. */
export interface LatencySummary {
  /** Samples (finished, plus `unfinished`). */
  count: number;
  /** Median, ns. */
  p50: number;
  /** 90th percentile, ns. */
  p90: number;
  /** 99th percentile, ns. */
  p99: number;
  /** Largest sample, ns. */
  max: number;
  /** Mean, ns (rounded). */
  mean: number;
  /**
   * Samples still unfinished when the run ended (censored: each counted above with its age at
   * the end, a lower bound of its latency), so the tail is not lost to survivor bias.
   */
  unfinished: number;
  /**
   * Histogram of the recorded samples in log-spaced bins ({@link HIST_BINS_PER_DECADE} per decade,
   * edges 10^(k/10) rounded to 4 significant digits, from the bin holding the smallest sample to
   * the one holding the largest). `edgesNs.length === counts.length + 1`; bin i is
   * [edgesNs[i], edgesNs[i+1]). Samples below 1 ns (0 ns) count
   * in the first bin. Counts sum to the recorded samples (= `count` unless more than 4 Mi samples were
   * decimated). Absent when there are no samples.
   */
  hist?: {
    /** Bin edges, ns (one more than `counts`). */
    edgesNs: number[];
    /** Samples per bin. */
    counts: number[];
  };
}

/** Bins per decade of {@link LatencySummary.hist}. */
export const HIST_BINS_PER_DECADE = 10;

const histEdge = (k: number) => Number(Math.pow(10, k / HIST_BINS_PER_DECADE).toPrecision(4));

// A double's high 32 bits (sign, exponent, top of the mantissa) as an integer: for positive
// doubles it grows with the value, so its top bits name a "cell" of 1/128 of an octave (0.54% wide)
// that lies in one bin or straddles two (bins are ~26% wide). A table per histogram gives each cell
// the bin of its lowest value; a sample's bin is then its cell's, corrected against the edges by
// the same comparisons as before, so the bins are exactly those of the edges (no log10 per sample).
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const CELL_SHIFT = 13;
/** Cell tables larger than this (a range of more than 512 octaves), or than 4 per sample, are not built: log10 per sample instead. */
const MAX_CELLS = 1 << 16;
const cellOf = (v: number) => {
  F64[0] = v;
  return U32[HI_WORD] >>> CELL_SHIFT;
};

/**
 * The bins of the samples `a[0..n)` (n > 0): fills `counts` (one per bin, zeroed here) and, when
 * given, `binOfSample` (each sample's bin); returns the edges. Plain functions over typed arrays
 * (no class): a full GC between two runs frees a class's hidden classes and V8 then throws away the
 * code compiled for them (BENCHMARKS.md, engine4), which made a first version of this twice as slow.
 */
function histEdges(a: Float64Array, n: number): Float64Array {
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v >= 1 && v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= 1)) lo = hi = 1;
  const k0 = binOf(lo);
  const k1 = binOf(hi);
  const edges = new Float64Array(k1 - k0 + 2);
  for (let k = k0; k <= k1 + 1; k++) edges[k - k0] = histEdge(k);
  return edges;
}

/** Bin k covers [histEdge(k), histEdge(k+1)); the log10 estimate is corrected against the edges. */
function binOf(v: number): number {
  let k = Math.floor(Math.log10(v) * HIST_BINS_PER_DECADE);
  while (v < histEdge(k)) k--;
  while (v >= histEdge(k + 1)) k++;
  return k;
}

/** The bin of `v` (>= 1) among `edges`, from the guess `b`: the comparisons that define the bins. */
function correctBin(v: number, b: number, edges: Float64Array, last: number): number {
  while (b > 0 && v < edges[b]) b--;
  while (b < last && v >= edges[b + 1]) b++;
  return b;
}

/** The bin of `v` (>= 1) guessed by log10 (then corrected), `k0` the first edge's bin number. */
function guessBin(v: number, k0: number, last: number): number {
  return Math.min(last, Math.max(0, Math.floor(Math.log10(v) * HIST_BINS_PER_DECADE) - k0));
}

/** Counts per bin of `a[0..n)` into `counts` (length edges.length - 1), each sample's bin into `binOfSample` if given. */
function histCounts(a: Float64Array, n: number, edges: Float64Array, counts: Float64Array, binOfSample: Uint16Array | undefined): void {
  const last = edges.length - 2;
  counts.fill(0);
  const c0 = cellOf(edges[0]);
  const cells = cellOf(edges[last + 1]) - c0 + 1;
  if (cells > MAX_CELLS || cells > 4 * n) {
    // A table larger than the samples would cost more than it saves: log10 per sample.
    const k0 = binOf(edges[0]);
    for (let i = 0; i < n; i++) {
      const v = a[i];
      const b = v >= 1 ? correctBin(v, guessBin(v, k0, last), edges, last) : 0;
      counts[b]++;
      if (binOfSample !== undefined) binOfSample[i] = b;
    }
    return;
  }
  // Each cell's bin: the bin of its lowest value (cells below the first edge: bin 0).
  const tab = new Int32Array(cells);
  for (let c = 0, b = 0; c < cells; c++) {
    U32[HI_WORD] = (c0 + c) << CELL_SHIFT;
    U32[1 - HI_WORD] = 0;
    b = correctBin(F64[0], b, edges, last);
    tab[c] = b;
  }
  for (let i = 0; i < n; i++) {
    const v = a[i];
    let b = 0;
    if (v >= 1) {
      F64[0] = v;
      b = tab[(U32[HI_WORD] >>> CELL_SHIFT) - c0];
      while (b > 0 && v < edges[b]) b--;
      while (b < last && v >= edges[b + 1]) b++;
    }
    counts[b]++;
    if (binOfSample !== undefined) binOfSample[i] = b;
  }
}

/** Log-spaced histogram of `a[0..n)` (see {@link LatencySummary.hist}). Deterministic. */
export function logHistogram(a: ArrayLike<number>, n = a.length): { edgesNs: number[]; counts: number[] } | undefined {
  if (n === 0) return undefined;
  const f = a instanceof Float64Array ? a : Float64Array.from({ length: n }, (_, i) => a[i]);
  const edges = histEdges(f, n);
  const counts = new Float64Array(edges.length - 1);
  histCounts(f, n, edges, counts, undefined);
  return { edgesNs: Array.from(edges), counts: Array.from(counts) };
}

/**
 * The values of ranks `ranks` (0-based, each in [0, n)) of `a[0..n)`, given its bins and their
 * counts: the bin holding each rank by the counts, then a selection among that bin's samples only
 * (bins hold contiguous ranges of values, so rank r is rank r - (samples in lower bins) there).
 * The same values a selection over all samples gives; `a` is not changed.
 */
function ranksByBins(a: Float64Array, n: number, binOfSample: Uint16Array, counts: Float64Array, ranks: number[]): number[] {
  const nb = counts.length;
  // For each rank: its bin and its rank within the bin.
  const bin: number[] = [];
  const within: number[] = [];
  for (const r of ranks) {
    let b = 0;
    let below = 0;
    while (b < nb - 1 && below + counts[b] <= r) below += counts[b++];
    bin.push(b);
    within.push(r - below);
  }
  // Gather the samples of the bins asked for (at most one array per distinct bin).
  const want = new Int32Array(nb).fill(-1);
  const parts: Float64Array[] = [];
  for (const b of bin) if (want[b] < 0) {
    want[b] = parts.length;
    parts.push(new Float64Array(counts[b]));
  }
  const fill = new Int32Array(parts.length);
  for (let i = 0; i < n; i++) {
    const p = want[binOfSample[i]];
    if (p >= 0) parts[p][fill[p]++] = a[i];
  }
  return bin.map((b, j) => {
    const part = parts[want[b]];
    return selectKth(part, within[j], 0, part.length - 1);
  });
}

/** Samples kept per task before decimation (count, mean and max stay exact beyond it). */
const SAMPLE_CAP = 1 << 22;

class Series {
  buf = new Float64Array(256);
  n = 0;
  /** Record one of every `stride` samples once the cap was reached. */
  stride = 1;
  skip = 0;
  count = 0;
  sum = 0;
  max = 0;
  unfinished = 0;
  /** Age of the oldest unfinished sample at the end (the largest censored one), ns. */
  oldestUnfinished = 0;

  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (this.stride > 1) {
      if (++this.skip < this.stride) return;
      this.skip = 0;
    }
    if (this.n === this.buf.length) {
      if (this.n >= SAMPLE_CAP) {
        // Decimate deterministically: keep every other sample, then record half as often.
        let j = 0;
        for (let i = 0; i < this.n; i += 2) this.buf[j++] = this.buf[i];
        this.n = j;
        this.stride *= 2;
      } else {
        const b = new Float64Array(this.buf.length * 2);
        b.set(this.buf);
        this.buf = b;
      }
    }
    this.buf[this.n++] = v;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0, unfinished: 0 };
    // Nearest-rank percentiles by selection (O(n) each) instead of a full sort of millions of samples.
    // The histogram's bins first; then each percentile is selected among the samples of the bin
    // that holds its rank, not among all of them (same values: tested against a sort).
    const n = this.n;
    const edges = histEdges(this.buf, n);
    const counts = new Float64Array(edges.length - 1);
    const binOfSample = new Uint16Array(n);
    histCounts(this.buf, n, edges, counts, binOfSample);
    const rank = (p: number) => Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
    const [p50, p90, p99] = ranksByBins(this.buf, n, binOfSample, counts, [rank(0.5), rank(0.9), rank(0.99)]);
    return { count: this.count, p50, p90, p99, max: this.max, mean: Math.round(this.sum / this.count), unfinished: this.unfinished, hist: { edgesNs: Array.from(edges), counts: Array.from(counts) } };
  }
}

export interface StallSummary {
  count: number;
  totalNs: Ns;
  maxNs: Ns;
}

export class SimStats implements Stats {
  readonly tasks: TaskSpec[] = [];
  private readonly series: Series[] = [];
  readonly counterNames: string[] = [];
  private readonly counterIdx = new Map<string, number>();
  private counters = new Float64Array(64);
  readonly findings: Finding[] = [];
  private stalls: Stall[] = [];
  readonly stallByCause = new Map<string, StallSummary>();
  readonly stallByTask = new Map<string, StallSummary & { cause: Map<string, number> }>();
  stallCount = 0;

  constructor(
    readonly stallThresholdNs: Ns,
    private readonly warmupNs: Ns,
    private readonly maxStalls = 200,
  ) {}

  task(spec: TaskSpec): number {
    this.tasks.push(spec);
    this.series.push(new Series());
    return this.tasks.length - 1;
  }

  /** Latency samples kept for the percentiles, all tasks (what their summaries sort through). */
  keptSamples(): number {
    let n = 0;
    for (const s of this.series) n += s.n;
    return n;
  }

  sample(task: number, now: Ns, latencyNs: Ns): void {
    if (now < this.warmupNs) return;
    this.series[task].add(latencyNs);
  }

  /** Work of `task` released `ageNs` before the end `now` and not finished: a censored sample. */
  censored(task: number, now: Ns, ageNs: Ns): void {
    if (now < this.warmupNs) return;
    const s = this.series[task];
    s.add(Math.max(0, ageNs));
    s.unfinished++;
    if (ageNs > s.oldestUnfinished) s.oldestUnfinished = ageNs;
  }

  /** The age of `task`'s oldest unfinished sample at the end of the run (0 if none), ns. */
  oldestUnfinished(task: number): number {
    return this.series[task].oldestUnfinished;
  }

  latency(task: number): LatencySummary {
    return this.series[task].summary();
  }

  stall(s: StallInput): void {
    if (s.durationNs < this.stallThresholdNs || s.startNs + s.durationNs < this.warmupNs) return;
    this.stallCount++;
    const bc = this.stallByCause.get(s.cause) ?? { count: 0, totalNs: 0, maxNs: 0 };
    bc.count++;
    bc.totalNs += s.durationNs;
    if (s.durationNs > bc.maxNs) bc.maxNs = s.durationNs;
    this.stallByCause.set(s.cause, bc);
    const key = `${s.vm ?? 'host'}/${s.task}`;
    const bt = this.stallByTask.get(key) ?? { count: 0, totalNs: 0, maxNs: 0, cause: new Map<string, number>() };
    bt.count++;
    bt.totalNs += s.durationNs;
    if (s.durationNs > bt.maxNs) bt.maxNs = s.durationNs;
    bt.cause.set(s.cause, (bt.cause.get(s.cause) ?? 0) + 1);
    this.stallByTask.set(key, bt);
    const st: Stall = { task: s.task, vp: s.vp, startNs: s.startNs, durationNs: s.durationNs, cause: s.cause };
    if (s.causes) st.causes = s.causes;
    if (s.range) st.range = s.range;
    if (s.vm !== undefined) st.vm = s.vm;
    if (s.lane !== undefined) st.lane = s.lane;
    this.stalls.push(st);
    if (this.stalls.length >= 2 * this.maxStalls) this.trimStalls();
  }

  /** The longest stalls, longest first (ties: earlier first, then by task). */
  topStalls(): Stall[] {
    this.trimStalls();
    return this.stalls.slice();
  }

  private trimStalls(): void {
    this.stalls.sort((a, b) => b.durationNs - a.durationNs || a.startNs - b.startNs || (a.task < b.task ? -1 : a.task > b.task ? 1 : a.vp - b.vp));
    if (this.stalls.length > this.maxStalls) this.stalls.length = this.maxStalls;
  }

  counter(name: string): number {
    let i = this.counterIdx.get(name);
    if (i === undefined) {
      i = this.counterNames.length;
      this.counterNames.push(name);
      this.counterIdx.set(name, i);
      if (i === this.counters.length) {
        const c = new Float64Array(this.counters.length * 2);
        c.set(this.counters);
        this.counters = c;
      }
    }
    return i;
  }

  add(counter: number, n = 1): void {
    this.counters[counter] += n;
  }

  /** Convenience for rare counts (interns the name on each call). */
  count(name: string, n = 1): void {
    this.counters[this.counter(name)] += n;
  }

  value(name: string): number {
    const i = this.counterIdx.get(name);
    return i === undefined ? 0 : this.counters[i];
  }

  /** Non-zero counters sorted by name. */
  counterObject(): Record<string, number> {
    const names = this.counterNames.map((n, i) => [n, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: Record<string, number> = {};
    for (const [n, i] of names) if (this.counters[i] !== 0) out[n] = this.counters[i];
    return out;
  }

  finding(f: Finding): void {
    this.findings.push(f);
  }
}
