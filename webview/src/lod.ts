/**
 * Level of detail for one lane, in the manner of Perfetto's per-pixel mipmaps: the intervals are
 * summarised into buckets of width 4^k ns (levels k = minLevel..maxLevel, each built once, on
 * first use), and every bucket keeps
 *   - the dominant state: the state with the most time in the bucket, and
 *   - the worst state: the most severe state present at all (see {@link severityOf}),
 * so that a 1 us preemption stays visible in a pixel that covers 300 us of running, and
 *   - the active fraction: the share of the bucket's time spent in states that are not quiet
 *     (idle, sleeping, halted...: the lane's `quiet` flags, palette.ts QUIET_STATES), 0..255, and
 *   - the active state: the non-quiet state with the most time in the bucket,
 * so that a mostly idle pCPU with many short bursts draws as a utilisation bar (height = the
 * active fraction of the pixel) instead of an empty lane.
 *
 * Drawing asks {@link LaneLod.fill} for one pixel row: when a pixel covers at least one bucket of
 * the finest level the lane has, the pixels come from the level whose bucket width is the largest
 * not above the ns per pixel (each pixel then covers 1 to 4 buckets); zoomed in further, from the
 * real intervals of the visible range (binary search, then one pass). The work per drawing is
 * O(pixels + visible intervals), never O(all intervals).
 *
 * The finest level has at most about 2 buckets per interval (+64), so the real-interval path sees
 * on average fewer than two intervals per pixel, and all levels together take about 5.3 bytes per
 * interval (four byte arrays, geometric sum 4/3: about 10.7 bytes per interval).
 *
 * State codes in the output are `state index + 1`; 0 means no interval there.
 *
 * Pure (no DOM), tested in test/webview/unit/lod.test.ts.
 */
import type { LaneColumns } from '../../server/src/core/timelineCodec';
import { QUIET_STATES } from './palette';

/** Ratio between the bucket widths of two consecutive levels. */
export const LOD_FACTOR = 4;

/**
 * Severity of a state for the "worst state present" of a bucket (higher = more severe). The order
 * follows what the user hunts for: a VP or thread that wants to run and cannot (runnable /
 * preempted, a guest thread on a preempted vCPU), then time taken from it (blackout, intercepts,
 * a vCPU out of the guest, kernel-blocked syscalls), spinning, blocked, a full ring, waiting,
 * then doing work, then nothing to do. A design choice of this view, not a measured quantity.
 */
const SEVERITY: Record<string, number> = {
  runnable: 100,
  preempted: 100,
  vcpu_preempted: 100,
  steal: 100,
  blackout: 95,
  intercept: 90,
  vcpu_out: 85,
  kernel_blocked: 80,
  spinning: 75,
  blocked: 70,
  full: 65,
  waiting: 60,
  queued: 60,
  onlining: 58,
  offline: 55,
  remote: 55,
  halted: 45,
  running: 40,
  vtl2: 40,
  vtl0: 40,
  guest: 40,
  host: 40,
  inferred: 40,
  busy: 40,
  online: 40,
  unknown: 20,
  sleeping: 10,
  idle: 0,
};

/** Severity of a state name; a name this view does not know ranks between waiting and running. */
export function severityOf(state: string): number {
  return SEVERITY[state] ?? 50;
}

/** Severity per state index. */
export function severityRanks(states: readonly string[]): Uint8Array {
  return Uint8Array.from(states, severityOf);
}

export type Codes = Uint8Array | Uint16Array;

/** 1 per state index that counts as nothing to do for the utilisation bar (palette.ts QUIET_STATES). */
export function quietFlags(states: readonly string[]): Uint8Array {
  return Uint8Array.from(states, (s) => (QUIET_STATES.has(s) ? 1 : 0));
}

export interface LodLevel {
  k: number;
  widthNs: number;
  /** Per bucket: dominant state code (state + 1, 0 = empty). */
  dom: Codes;
  /** Per bucket: most severe state code present (0 = empty). */
  worst: Codes;
  /** Per bucket: the non-quiet state code with the most time (0 = none). */
  act: Codes;
  /** Per bucket: non-quiet time / bucket time, 0..255 (rounded). */
  busy: Uint8Array;
}

/** Bucket width of level k, ns. */
export const levelWidth = (k: number): number => LOD_FACTOR ** k;

const MAX_LEVEL = 30; // 4^30 ns is 36 years

export class LaneLod {
  /** Finest level kept: at most about 2 buckets per interval. */
  readonly minLevel: number;
  /** Coarsest useful level: one bucket over the whole span. */
  readonly maxLevel: number;
  private readonly levels = new Map<number, LodLevel>();
  private readonly n: number;
  private readonly nStates: number;
  private cov = new Float32Array(0);
  private acov = new Float32Array(0);
  private bcov = new Float32Array(0);

  constructor(
    readonly cols: LaneColumns,
    /** Bucket 0 starts here (the timeline's start). */
    readonly originNs: number,
    readonly endNs: number,
    /** Severity per state index ({@link severityRanks}). */
    readonly ranks: Uint8Array,
    /** 1 per state index that counts as nothing to do ({@link quietFlags}); none when absent. */
    readonly quiet: Uint8Array = new Uint8Array(0),
  ) {
    this.n = cols.starts.length;
    let maxState = ranks.length - 1;
    for (let i = 0; i < this.n; i++) if (cols.states[i] > maxState) maxState = cols.states[i];
    this.nStates = maxState + 1;
    const span = Math.max(1, endNs - originNs);
    const maxBuckets = 2 * this.n + 64;
    let k = 0;
    while (k < MAX_LEVEL && span / levelWidth(k) > maxBuckets) k++;
    this.minLevel = k;
    let K = k;
    while (K < MAX_LEVEL && levelWidth(K) < span) K++;
    this.maxLevel = K;
  }

  get length(): number {
    return this.n;
  }

  private rank(state: number): number {
    return state < this.ranks.length ? this.ranks[state] : 50;
  }

  /** The level to draw from at this resolution, or -1 for the real intervals. */
  levelFor(nsPerPx: number): number {
    if (!(nsPerPx >= 1)) return -1;
    let k = Math.floor(Math.log(nsPerPx) / Math.log(LOD_FACTOR));
    while (k > 0 && levelWidth(k) > nsPerPx) k--;
    while (levelWidth(k + 1) <= nsPerPx) k++;
    if (k < this.minLevel) return -1;
    return Math.min(k, this.maxLevel);
  }

  hasLevel(k: number): boolean {
    return this.levels.has(k);
  }

  /** Level k (built on first use, then kept); k is clamped to [minLevel, maxLevel]. */
  level(k: number): LodLevel {
    k = Math.max(this.minLevel, Math.min(this.maxLevel, Math.floor(k) || 0));
    let l = this.levels.get(k);
    if (!l) {
      l = this.build(k);
      this.levels.set(k, l);
    }
    return l;
  }

  /** Builds level k from the intervals: exact per-state time per bucket, one pass. */
  private build(k: number): LodLevel {
    const w = levelWidth(k);
    const origin = this.originNs;
    const nb = Math.max(1, Math.ceil((this.endNs - origin) / w));
    const limit = origin + nb * w;
    const Arr = this.nStates < 255 ? Uint8Array : Uint16Array;
    const dom = new Arr(nb);
    const worst = new Arr(nb);
    const act = new Arr(nb);
    const busy = new Uint8Array(nb);
    const quiet = this.quiet;
    const qn = quiet.length;
    const isQuiet = (s: number) => s < qn && quiet[s] === 1;
    const endNs = this.endNs;
    const acc = new Float64Array(this.nStates);
    const touched: number[] = [];
    const ranks = this.ranks;
    let cur = -1;
    const flush = () => {
      const nt = touched.length;
      if (cur < 0 || nt === 0) return;
      const span = Math.min(w, Math.max(1, endNs - (origin + cur * w)));
      if (nt === 1) {
        // One state in the bucket (the common case at fine levels).
        const s = touched[0];
        const t = acc[s];
        acc[s] = 0;
        touched.length = 0;
        dom[cur] = worst[cur] = s + 1;
        if (!(s < qn && quiet[s] === 1)) {
          act[cur] = s + 1;
          busy[cur] = Math.min(255, Math.round((255 * t) / span));
        }
        return;
      }
      let best = -1;
      let bt = -1;
      let br = -1;
      let wst = -1;
      let wr = -1;
      let ab = -1;
      let at = -1;
      let ar = -1;
      let active = 0;
      for (let i = 0; i < nt; i++) {
        const s = touched[i];
        const t = acc[s];
        const r = s < ranks.length ? ranks[s] : 50;
        if (!(s < qn && quiet[s] === 1)) {
          active += t;
          if (t > at || (t === at && (r > ar || (r === ar && s < ab)))) {
            ab = s;
            at = t;
            ar = r;
          }
        }
        // Most time; ties go to the more severe state, then to the lower index.
        if (t > bt || (t === bt && (r > br || (r === br && s < best)))) {
          best = s;
          bt = t;
          br = r;
        }
        if (r > wr || (r === wr && s < wst)) {
          wr = r;
          wst = s;
        }
        acc[s] = 0;
      }
      touched.length = 0;
      dom[cur] = best + 1;
      worst[cur] = wst + 1;
      act[cur] = ab + 1;
      busy[cur] = Math.min(255, Math.round((255 * active) / span));
    };
    const add = (s: number, t: number) => {
      if (t <= 0) return;
      if (acc[s] === 0) touched.push(s);
      acc[s] += t;
    };
    const { starts, ends, states } = this.cols;
    for (let i = 0; i < this.n; i++) {
      const s = Math.max(starts[i], origin);
      const e = Math.min(ends[i], limit);
      if (!(e > s)) continue;
      const st = states[i];
      const bs = Math.floor((s - origin) / w);
      const be = Math.min(nb - 1, Math.ceil((e - origin) / w) - 1);
      if (bs > cur) {
        flush();
        cur = bs;
      }
      // Overlapping input (never produced, but tolerated): fold it into the current bucket.
      const b0 = Math.max(bs, cur);
      if (be <= b0) {
        add(st, e - s);
        continue;
      }
      add(st, origin + (b0 + 1) * w - Math.max(s, origin + b0 * w));
      flush();
      if (be - b0 > 1) {
        dom.fill(st + 1, b0 + 1, be);
        worst.fill(st + 1, b0 + 1, be);
        if (!isQuiet(st)) {
          act.fill(st + 1, b0 + 1, be);
          busy.fill(255, b0 + 1, be);
        }
      }
      cur = be;
      add(st, e - (origin + be * w));
    }
    flush();
    return { k, widthNs: w, dom, worst, act, busy };
  }

  /** Index of the first interval ending after `t` (n when none). */
  firstEndingAfter(t: number): number {
    const ends = this.cols.ends;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (ends[m] <= t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Index of the first interval starting at or after `t` (n when none). */
  firstStartingAtOrAfter(t: number): number {
    const starts = this.cols.starts;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (starts[m] < t) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /** Intervals overlapping `[a, b)`: index range `[i, j)`. */
  overlapping(a: number, b: number): [number, number] {
    const i = this.firstEndingAfter(a);
    let j = this.firstStartingAtOrAfter(b);
    if (j < i) j = i;
    return [i, j];
  }

  /**
   * One pixel row: for pixel p covering `[startNs + p * nsPerPx, startNs + (p + 1) * nsPerPx)`,
   * `dom[p]` is the code of the dominant state and `worst[p]` that of the most severe state; when
   * given, `act[p]` is the code of the non-quiet state with the most time and `frac[p]` the
   * non-quiet share of the pixel's time inside the timeline, 0..255, from the levels; from the
   * real intervals (zoomed in), 255 when any non-quiet interval covers part of the pixel.
   */
  fill(startNs: number, nsPerPx: number, widthPx: number, dom: Uint16Array, worst: Uint16Array, act?: Uint16Array, frac?: Uint8Array): void {
    dom.fill(0, 0, widthPx);
    worst.fill(0, 0, widthPx);
    act?.fill(0, 0, widthPx);
    frac?.fill(0, 0, widthPx);
    if (this.n === 0 || !(nsPerPx > 0) || widthPx <= 0) return;
    const k = this.levelFor(nsPerPx);
    if (k < 0) this.fillReal(startNs, nsPerPx, widthPx, dom, worst, act, frac);
    else if (act !== undefined && frac !== undefined) this.fillLevelUtil(this.level(k), startNs, nsPerPx, widthPx, dom, worst, act, frac);
    else this.fillLevel(this.level(k), startNs, nsPerPx, widthPx, dom, worst);
  }

  private fillLevel(L: LodLevel, v0: number, npp: number, W: number, dom: Uint16Array, worst: Uint16Array): void {
    const w = L.widthNs;
    const origin = this.originNs;
    const nb = L.dom.length;
    const Ld = L.dom;
    const Lw = L.worst;
    const ranks = this.ranks;
    const nr = ranks.length;
    // First pixel that can touch bucket 0, last pixel that can touch the last bucket.
    const pFirst = Math.max(0, Math.floor((origin - v0) / npp));
    const pLast = Math.min(W - 1, Math.ceil((origin + nb * w - v0) / npp));
    for (let p = pFirst; p <= pLast; p++) {
      const a = v0 + p * npp;
      const b = a + npp;
      let b0 = Math.floor((a - origin) / w);
      let b1 = Math.ceil((b - origin) / w) - 1;
      if (b0 < 0) b0 = 0;
      if (b1 >= nb) b1 = nb - 1;
      if (b1 < b0) continue;
      let d = 0;
      let dc = -1;
      let ws = 0;
      let wr = -1;
      for (let q = b0; q <= b1; q++) {
        const c = Ld[q];
        if (c === 0) continue;
        const qs = origin + q * w;
        const ov = Math.min(b, qs + w) - Math.max(a, qs);
        if (ov > dc) {
          dc = ov;
          d = c;
        }
        const x = Lw[q];
        const r = x - 1 < nr ? ranks[x - 1] : 50;
        if (r > wr) {
          wr = r;
          ws = x;
        }
      }
      dom[p] = d;
      worst[p] = ws;
    }
  }

  /**
   * {@link fillLevel} plus, per pixel, the active fraction and state: the buckets' active
   * fractions weighted by their overlap with the pixel (inside the timeline), and the active state
   * of the bucket that contributes the most active time. One pass over the buckets.
   */
  private fillLevelUtil(L: LodLevel, v0: number, npp: number, W: number, dom: Uint16Array, worst: Uint16Array, act: Uint16Array, frac: Uint8Array): void {
    const w = L.widthNs;
    const origin = this.originNs;
    const nb = L.dom.length;
    const Ld = L.dom;
    const Lw = L.worst;
    const La = L.act;
    const Lb = L.busy;
    const ranks = this.ranks;
    const nr = ranks.length;
    // Time covered by the buckets: [origin, min(endNs, origin + nb * w)).
    const hi = Math.min(this.endNs, origin + nb * w);
    const pFirst = Math.max(0, Math.floor((origin - v0) / npp));
    const pLast = Math.min(W - 1, Math.ceil((origin + nb * w - v0) / npp));
    for (let p = pFirst; p <= pLast; p++) {
      const a = v0 + p * npp;
      const b = a + npp;
      let b0 = Math.floor((a - origin) / w);
      let b1 = Math.ceil((b - origin) / w) - 1;
      if (b0 < 0) b0 = 0;
      if (b1 >= nb) b1 = nb - 1;
      if (b1 < b0) continue;
      let d = 0;
      let dc = -1;
      let ws = 0;
      let wr = -1;
      let ac = 0;
      let ad = 0;
      let busyNs = 0;
      for (let q = b0; q <= b1; q++) {
        const c = Ld[q];
        if (c === 0) continue;
        const qs = origin + q * w;
        const ov = Math.min(b, qs + w) - Math.max(a, qs);
        if (ov > dc) {
          dc = ov;
          d = c;
        }
        const x = Lw[q];
        const r = x - 1 < nr ? ranks[x - 1] : 50;
        if (r > wr) {
          wr = r;
          ws = x;
        }
        const lb = Lb[q];
        if (lb !== 0) {
          // Only the last bucket reaches past the timeline's end.
          const bn = (q === nb - 1 ? Math.min(b, hi) - Math.max(a, qs) : ov) * lb;
          busyNs += bn;
          if (bn > ad) {
            ad = bn;
            ac = La[q];
          }
        }
      }
      dom[p] = d;
      worst[p] = ws;
      if (busyNs <= 0) continue;
      const allNs = a >= origin && b <= hi ? npp : Math.min(b, hi) - Math.max(a, origin);
      if (!(allNs > 0)) continue;
      const f = (busyNs / allNs + 0.5) | 0;
      act[p] = ac;
      frac[p] = f < 1 ? 1 : f > 255 ? 255 : f;
    }
  }

  private fillReal(v0: number, npp: number, W: number, dom: Uint16Array, worst: Uint16Array, act?: Uint16Array, frac?: Uint8Array): void {
    if (this.cov.length < W) {
      this.cov = new Float32Array(W);
      this.acov = new Float32Array(W);
      this.bcov = new Float32Array(W);
    }
    const cov = this.cov;
    cov.fill(0, 0, W);
    const util = act !== undefined && frac !== undefined;
    const acov = this.acov;
    const bcov = this.bcov;
    if (util) {
      acov.fill(0, 0, W);
      bcov.fill(0, 0, W);
    }
    const quiet = this.quiet;
    const { starts, ends, states } = this.cols;
    const vEnd = v0 + W * npp;
    for (let i = this.firstEndingAfter(v0); i < this.n && starts[i] < vEnd; i++) {
      const xs = (starts[i] - v0) / npp;
      const xe = (ends[i] - v0) / npp;
      if (!(xe > xs)) continue;
      const code = states[i] + 1;
      const r = this.rank(states[i]);
      const active = util && !(states[i] < quiet.length && quiet[states[i]] === 1);
      const p0 = Math.max(0, Math.floor(xs));
      const p1 = Math.min(W - 1, Math.max(p0, Math.ceil(xe) - 1));
      for (let p = p0; p <= p1; p++) {
        const c = Math.min(xe, p + 1) - Math.max(xs, p);
        if (c <= 1e-9) continue; // rounding dust at a pixel edge, not an overlap
        if (c > cov[p]) {
          cov[p] = c;
          dom[p] = code;
        }
        const wc = worst[p];
        if (wc === 0 || r > this.rank(wc - 1)) worst[p] = code;
        if (active) {
          bcov[p] += c;
          if (c > acov[p]) {
            acov[p] = c;
            act![p] = code;
          }
        }
      }
    }
    if (util) {
      // Zoomed in to real intervals a pixel covers about one interval: a busy interval fills its
      // pixels' height (partial heights at the interval's edge pixels would only be noise).
      for (let p = 0; p < W; p++) if (bcov[p] > 0) frac![p] = 255;
    }
  }
}
