/** Thresholds of the trace analysis, with their defaults (documented in docs/trace.md). */

export interface AnalysisOptions {
  /** VPS331: steal (runnable wait) as a percentage of a vCPU's demand (running + runnable). */
  stealPct: number;
  /** VPS332: a preempted (`R`/`R+`) wait of a vCPU longer than this is a stretch, in us. */
  runnableStretchUs: number;
  /** VPS350: a wake-up latency (wakeup -> switch-in) above this is an outlier, in us. */
  wakeLatencyUs: number;
  /** VPS333: guest residence (kvm_entry -> kvm_exit) longer than this, in us. */
  guestResidenceUs: number;
  /** VPS334: exits of one reason per vCPU in any 1 s window above this. */
  exitStormPerSec: number;
  /** VPS351: share of the traced time (percent) during which runnable vCPUs outnumber pCPUs. */
  oversubscribedPct: number;
  /** VPS354: migrations per second of a vCPU thread above this. */
  migrationsPerSec: number;
  /** How many of the longest stretches / residences each thread keeps as examples. */
  examplesPerThread: number;
}

export const DEFAULT_OPTIONS: AnalysisOptions = {
  stealPct: 10,
  runnableStretchUs: 1000,
  wakeLatencyUs: 1000,
  guestResidenceUs: 1000,
  exitStormPerSec: 10000,
  oversubscribedPct: 10,
  migrationsPerSec: 50,
  examplesPerThread: 5,
};

export function withDefaults(o: Partial<AnalysisOptions> = {}): AnalysisOptions {
  const out = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) (out as Record<string, number>)[k] = v;
  return out;
}
