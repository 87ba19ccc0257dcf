import { selectKth } from '../core/select';

/** Latency summaries in the shape every vpscope JSON output uses (all values in ns). */
export interface LatencyStats {
  /** Samples. */
  count: number;
  /** Median (nearest rank), ns. */
  p50: number;
  /** 90th percentile (nearest rank), ns. */
  p90: number;
  /** 99th percentile (nearest rank), ns. */
  p99: number;
  /** Largest sample, ns. */
  max: number;
  /** Mean, ns (rounded). */
  mean: number;
}

export const EMPTY_LATENCY: LatencyStats = { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };

/**
 * Nearest-rank percentiles of `values` (not modified). The three ranks are found by selection
 * (each in the part of the array the previous one left above it) instead of a full sort, about
 * 4x less work on the hundreds of thousands of wake-ups of a large trace; the values are the
 * same as {@link latencyStatsSorted}'s. The mean is summed in input order, which is exact (hence
 * equal to the sorted order's sum) for integers whose sum stays below 2^53: anything else takes
 * the sorting path.
 */
export function latencyStats(values: Float64Array): LatencyStats {
  const n = values.length;
  if (n === 0) return { ...EMPTY_LATENCY };
  let sum = 0;
  let max = -Infinity;
  let big = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    if (!Number.isInteger(x)) return latencyStatsSorted(values);
    sum += x;
    if (x > max) max = x;
    if (Math.abs(x) > big) big = Math.abs(x);
  }
  // Every partial sum, in any order, is exact when n times the largest magnitude is.
  if (big * n > Number.MAX_SAFE_INTEGER) return latencyStatsSorted(values);
  const v = Float64Array.from(values);
  const rank = (q: number): number => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  const k50 = rank(0.5);
  const k90 = rank(0.9);
  const k99 = rank(0.99);
  selectKth(v, k50, 0, n - 1);
  selectKth(v, k90, k50, n - 1);
  selectKth(v, k99, k90, n - 1);
  return { count: n, p50: v[k50], p90: v[k90], p99: v[k99], max, mean: Math.round(sum / n) };
}

/** The reference: a copy sorted numerically, percentiles read by rank, the sum in sorted order. */
export function latencyStatsSorted(values: Float64Array): LatencyStats {
  const n = values.length;
  if (n === 0) return { ...EMPTY_LATENCY };
  const v = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[i];
  const at = (q: number): number => v[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: v[n - 1], mean: Math.round(sum / n) };
}

