/**
 * The time relation between a guest trace and its host trace (host = guest + offset), checked or
 * estimated from one fact: a guest emits its scheduling events only while the host runs the
 * vCPU thread of that guest CPU. So after a correct offset every guest switch event on CPU N
 * lies inside a running interval of the host's vCPU-N thread (give or take the print resolution
 * of the text formats). Pure.
 */

/** One linked guest CPU: its event times and the running intervals of its host vCPU thread. */
export interface CpuPair {
  /** Guest event times (guest clock), sorted ascending. */
  events: Float64Array;
  /** Host running intervals of the vCPU thread, flat `[start, end, ...]`, sorted, host clock. */
  on: Float64Array;
  /** First and last instant the host lane covers (events outside are not judged). */
  hostLo: number;
  hostHi: number;
}

export interface CheckResult {
  /** Events inside the host window. */
  events: number;
  /** Of those, events outside every running interval. */
  outside: number;
}

/** Counts guest events that fall outside their vCPU's host running intervals at offset `d`. */
export function checkOffset(pairs: readonly CpuPair[], d: number, slackNs: number): CheckResult {
  let events = 0;
  let outside = 0;
  for (const p of pairs) {
    const on = p.on;
    const n = on.length >> 1;
    let j = 0;
    for (let i = 0; i < p.events.length; i++) {
      const t = p.events[i] + d;
      if (t < p.hostLo || t > p.hostHi) continue;
      events++;
      while (j < n && on[2 * j + 1] + slackNs < t) j++;
      if (!(j < n && on[2 * j] - slackNs <= t)) outside++;
    }
  }
  return { events, outside };
}

export interface Estimate {
  /** The offset (middle of the best range). */
  offsetNs: number;
  /** Half the width of the best range. */
  uncertaintyNs: number;
  /** Events explained at the best offset (inside a running interval). */
  inside: number;
  /** Distinct offset ranges (at least 1 ms apart) explaining as many events in the sampled search. */
  ambiguous: number;
}

/** Samples per guest CPU in the wide search; fewer when the host lanes are long (cap on work). */
const SAMPLES_PER_CPU = 64;
const MAX_STAGE1_INTERVALS = 4_000_000;
/** Half-width of the window searched with every event around a candidate of the wide search. */
const REFINE_NS = 1_000_000;

interface Region {
  lo: number;
  hi: number;
  depth: number;
}

/** First index k with on[2k+1] >= x (host intervals sorted by end too: they do not overlap). */
function firstEndAtLeast(on: Float64Array, x: number): number {
  let lo = 0;
  let hi = on.length >> 1;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (on[2 * m + 1] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * For each chosen event, the offsets that put it inside a running interval form a union of
 * ranges; the offsets covered by the most ranges explain the most events. Returns regions of
 * depth >= minDepth (capped), in offset order.
 */
function sweep(pairs: readonly CpuPair[], pick: (p: CpuPair) => ArrayLike<number>, lo: number, hi: number, slackNs: number, tol: number): { best: number; regions: Region[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const p of pairs) {
    const ev = pick(p);
    const on = p.on;
    const n = on.length >> 1;
    for (let i = 0; i < ev.length; i++) {
      const e = ev[i];
      for (let k = firstEndAtLeast(on, lo + e - slackNs); k < n; k++) {
        const a = on[2 * k] - slackNs - e;
        if (a > hi) break;
        const b = on[2 * k + 1] + slackNs - e;
        starts.push(Math.max(lo, a));
        ends.push(Math.min(hi, b));
      }
    }
  }
  const S = Float64Array.from(starts).sort();
  const E = Float64Array.from(ends).sort();
  let depth = 0;
  let best = 0;
  for (let i = 0, j = 0; i < S.length; ) {
    if (S[i] <= E[j]) {
      depth++;
      i++;
      if (depth > best) best = depth;
    } else {
      depth--;
      j++;
    }
  }
  const minDepth = Math.max(1, best - tol);
  const regions: Region[] = [];
  depth = 0;
  for (let i = 0, j = 0; i < S.length; ) {
    if (S[i] <= E[j]) {
      depth++;
      // The region after a start lasts until the next start or end.
      const x = S[i];
      i++;
      if (depth >= minDepth) {
        const next = Math.min(i < S.length ? S[i] : Infinity, E[j]);
        const last = regions[regions.length - 1];
        if (last && last.depth === depth && last.hi >= x) last.hi = Math.max(last.hi, next);
        else if (regions.length < 100_000) regions.push({ lo: x, hi: next, depth });
      }
    } else {
      depth--;
      j++;
    }
  }
  return { best, regions };
}

/**
 * Searches the offset in [lo, hi] that puts the most guest events inside their vCPU's running
 * intervals: a wide pass over a sample of events, then every event around the best candidates.
 * Ties are broken towards `prefer` (the assumption it replaces). Deterministic.
 */
export function estimateOffset(pairs: readonly CpuPair[], lo: number, hi: number, slackNs: number, prefer: number): Estimate | undefined {
  const live = pairs.filter((p) => p.events.length > 0 && p.on.length > 0);
  if (!live.length || !(hi >= lo)) return undefined;
  const hostIntervals = live.reduce((s, p) => s + (p.on.length >> 1), 0);
  const perCpu = Math.max(8, Math.min(SAMPLES_PER_CPU, Math.floor(MAX_STAGE1_INTERVALS / Math.max(1, hostIntervals))));
  const sample = (p: CpuPair): number[] => {
    const n = p.events.length;
    const k = Math.min(n, perCpu);
    const out: number[] = [];
    for (let i = 0; i < k; i++) out.push(p.events[Math.floor(((i + 0.5) * n) / k)]);
    return out;
  };
  const sampled = live.reduce((s, p) => s + Math.min(p.events.length, perCpu), 0);
  const wide = sweep(live, sample, lo, hi, slackNs, Math.max(1, Math.floor(sampled * 0.05)));
  if (wide.best === 0) return undefined;
  const dist = (r: Region): number => Math.abs((r.lo + r.hi) / 2 - prefer);
  // Every event is swept once per candidate: fewer candidates for long guest traces.
  const events = live.reduce((s, p) => s + p.events.length, 0);
  const cands = wide.regions.slice().sort((a, b) => b.depth - a.depth || dist(a) - dist(b)).slice(0, events > 200_000 ? 4 : 16);
  let ambiguous = 0;
  let lastCenter = -Infinity;
  for (const r of wide.regions.filter((x) => x.depth === wide.best).sort((a, b) => a.lo - b.lo)) {
    if (r.lo - lastCenter > REFINE_NS) ambiguous++;
    lastCenter = r.hi;
  }
  let best: Region | undefined;
  for (const c of cands) {
    const wlo = Math.max(lo, c.lo - REFINE_NS);
    const whi = Math.min(hi, c.hi + REFINE_NS);
    const fine = sweep(live, (p) => p.events, wlo, whi, slackNs, 0);
    const center = (c.lo + c.hi) / 2;
    const top = fine.regions.filter((r) => r.depth === fine.best).sort((a, b) => Math.abs((a.lo + a.hi) / 2 - center) - Math.abs((b.lo + b.hi) / 2 - center))[0];
    if (!top) continue;
    if (!best || top.depth > best.depth || (top.depth === best.depth && dist(top) < dist(best))) best = top;
  }
  if (!best) return undefined;
  return { offsetNs: Math.round((best.lo + best.hi) / 2), uncertaintyNs: Math.round((best.hi - best.lo) / 2), inside: best.depth, ambiguous: Math.max(1, ambiguous) };
}
