/**
 * Severity follows size: the thresholds that turn a measured stall or run finding into a hint,
 * an info or a warning (docs/language.md, "Severity of measured findings"). A shell fills them
 * from its settings (the language server from VS Code settings `vpscope.findings.*`, the CLI
 * from flags); anything left out or invalid takes the default.
 *
 * The defaults are assumptions of this project, not measurements: 1 ms is the order of a
 * scheduler tick and of a StorVSP IO that users notice (the OpenHCL guide's latency examples are
 * in the 100 us - 10 ms range), 50 us is below a single context switch on an oversubscribed host
 * plus its cache refill; 1% and 0.1% of the simulated time are the shares a profiler usually
 * hides. Pure data.
 */

export interface SeverityThresholds {
  /** A group of stalls whose longest stall reaches this is a warning (ns; default 1 ms). */
  warnLongestNs: number;
  /** ...or whose stalls add up to this share of the simulated time (0-1; default 0.01 = 1%). */
  warnShare: number;
  /** A group below both this longest stall (ns; default 50 us)... */
  hintLongestNs: number;
  /** ...and this share of the simulated time (0-1; default 0.001 = 0.1%) is a hint; between, info. */
  hintShare: number;
}

export const DEFAULT_THRESHOLDS: Readonly<SeverityThresholds> = Object.freeze({
  warnLongestNs: 1_000_000,
  warnShare: 0.01,
  hintLongestNs: 50_000,
  hintShare: 0.001,
});

/** The thresholds with every missing or invalid value (negative, not finite) at its default. */
export function resolveThresholds(partial: Partial<SeverityThresholds> | undefined): SeverityThresholds {
  const out = { ...DEFAULT_THRESHOLDS };
  if (!partial) return out;
  for (const k of Object.keys(DEFAULT_THRESHOLDS) as (keyof SeverityThresholds)[]) {
    const v = partial[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = k.endsWith('Share') ? Math.min(1, v) : v;
  }
  return out;
}

/**
 * The severity of a measured size: the longest single stall and the share of the simulated time
 * all of them take (undefined when unknown: then the longest alone decides).
 */
export function severityOfSize(longestNs: number, share: number | undefined, t: SeverityThresholds): 'warning' | 'info' | 'hint' {
  const s = share ?? 0;
  if (longestNs >= t.warnLongestNs || (share !== undefined && s >= t.warnShare)) return 'warning';
  if (longestNs < t.hintLongestNs && s < t.hintShare) return 'hint';
  return 'info';
}

/** Per-code severity settings: a severity, or `off` to hide the code. */
export type SeverityOverrides = Readonly<Record<string, 'error' | 'warning' | 'info' | 'hint' | 'off'>>;

/**
 * The diagnostics with per-code severities applied (`off` drops them). The checker's errors
 * (`locked`, e.g. syntax errors) keep their severity: the scenario is invalid until they are
 * fixed. Returns new objects for the changed ones; the order is kept.
 */
export function applySeverityOverrides<D extends { code: string; severity: 'error' | 'warning' | 'info' | 'hint'; raisedBySetting?: true }>(
  diags: readonly D[],
  overrides: SeverityOverrides | undefined,
  locked: (d: D) => boolean,
): D[] {
  if (!overrides || Object.keys(overrides).length === 0) return [...diags];
  const out: D[] = [];
  for (const d of diags) {
    const o = Object.prototype.hasOwnProperty.call(overrides, d.code) ? overrides[d.code] : undefined;
    if (o === undefined || locked(d)) out.push(d);
    else if (o !== 'off') out.push(o === d.severity ? d : o === 'error' ? { ...d, severity: o, raisedBySetting: true } : { ...d, severity: o });
  }
  return out;
}
