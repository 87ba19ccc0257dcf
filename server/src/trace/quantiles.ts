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

/** Nearest-rank percentiles of `values` (copied, then sorted numerically). */
export function latencyStats(values: Float64Array): LatencyStats {
  const n = values.length;
  if (n === 0) return { ...EMPTY_LATENCY };
  const v = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += v[i];
  const at = (q: number): number => v[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: v[n - 1], mean: Math.round(sum / n) };
}
