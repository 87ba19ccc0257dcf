/**
 * What a simulation found, as diagnostics on the scenario's lines: the stalls and the run
 * findings that carry a source range, for the editor to show next to the static ones until the
 * document changes.
 *
 * Grouping (one story per line, not twenty diagnostics): stalls are grouped per (range, cause)
 * over all variants: how often, the longest, the total, who stalled (task and VP / vCPU), per
 * variant when the variants differ, and the cause chain of the longest one. Run findings are
 * grouped per (range, code) over all variants: the first one's message, with how many more there
 * are and what they are about as related information. Counts are over the stalls the result
 * keeps (the longest 200 of each variant, `stalls[]` in `vpscope.run/1`).
 *
 * Severity follows size (model/findingSettings.ts): a stall group is a warning, info or hint by
 * its longest stall and by the share of the simulated time its stalls take; a run finding keeps
 * its producer's severity unless it carries a duration, which may step it down (never up).
 *
 * Suppression: `# vpscope-allow CODE` comments (model/suppress.ts) drop the run diagnostics they
 * cover; with the document's suppressions given, those naming only run codes (VPS3xx) that
 * suppressed nothing are reported (VPS150).
 *
 * Codes: VPS3NN with NN the hazard number (design/hazards.md, as `analysis/run/` and the OpenHCL
 * model number their findings) when the stall's cause is one hazard, else VPS300 (a simulated
 * stall). Pure: no I/O.
 */
import { severityRank, sortDiagnostics, type Diagnostic, type RelatedInfo, type Severity } from '../core/diagnostic';
import type { Finding, Stall } from '../core/findings';
import type { TextRange } from '../core/text';
import type { VariantResult } from '../sim/result';
import { stallCode, SIMULATED_STALL_CODE, STALL_CODES } from '../analysis/catalog';
import { applySeverityOverrides, resolveThresholds, severityOfSize, type SeverityOverrides, type SeverityThresholds } from '../model/findingSettings';
import { applySuppressions, unusedSuppressions, type Suppression } from '../model/suppress';
import { fmtNs } from '../core/format';

export { stallCode, SIMULATED_STALL_CODE, STALL_CODES };

/** Causes reported by the OpenHCL model: their `vp` is a VP (the executor), not a guest vCPU. */
const VP_CAUSES = new Set([
  'blocking-syscall', 'cpu-stretch', 'vtl2-work', 'root-op', 'intercept', 'vtl0-residence', 'get-round-trip', 'get-deadlock',
  'sidecar-onlining', 'sidecar-hosted', 'sidecar-exit', 'io-ring-full', 'vmm-exit', 'channel-queue-full', 'wake-up',
]);

/** At most this many run diagnostics per document (the findings, then the longest stalls). */
export const MAX_RUN_DIAGNOSTICS = 200;

export interface RunDiagnosticsOptions {
  /** Severity thresholds (defaults: DEFAULT_THRESHOLDS). */
  thresholds?: Partial<SeverityThresholds>;
  /** The document's `# vpscope-allow` comments (`DocumentAnalysis.suppressions`). */
  suppressions?: readonly Suppression[];
  /** Severity per code (`off` hides it), applied after the size rule and the suppressions. */
  severities?: SeverityOverrides;
}

interface VariantStats {
  count: number;
  totalNs: number;
  longestNs: number;
  /** Simulated time the stalls are measured over (ns). */
  spanNs: number;
}

interface StallGroup {
  range: TextRange;
  cause: string;
  /** Per variant, in result order. */
  perVariant: Map<string, VariantStats>;
  longest: Stall;
  /** Task base name (without `#i`) -> the VPs / vCPUs it stalled on, in order of appearance. */
  who: Map<string, number[]>;
}

interface FindingGroup {
  range: TextRange;
  code: string;
  items: { variant: string; f: Finding }[];
}

/** The run diagnostics of a simulation (ranges are offsets in the simulated text). */
export function runDiagnostics(results: readonly VariantResult[], opts: RunDiagnosticsOptions = {}): Diagnostic[] {
  const t = resolveThresholds(opts.thresholds);
  const several = results.length > 1 || (results[0] !== undefined && results[0].name !== 'base');
  const stalls = new Map<string, StallGroup>();
  const findings = new Map<string, FindingGroup>();
  for (const r of results) {
    const span = Math.max(1, r.stop.simulatedNs - r.warmupNs);
    for (const s of r.stalls) {
      if (!s.range) continue;
      const key = `${s.range.start}:${s.range.end}:${s.cause}`;
      let g = stalls.get(key);
      if (!g) stalls.set(key, (g = { range: s.range, cause: s.cause, perVariant: new Map(), longest: s, who: new Map() }));
      let v = g.perVariant.get(r.name);
      if (!v) g.perVariant.set(r.name, (v = { count: 0, totalNs: 0, longestNs: 0, spanNs: span }));
      v.count++;
      v.totalNs += s.durationNs;
      v.longestNs = Math.max(v.longestNs, s.durationNs);
      if (s.durationNs > g.longest.durationNs) g.longest = s;
      const base = s.task.replace(/#\d+$/, '');
      const vps = g.who.get(base) ?? [];
      if (s.vp >= 0 && !vps.includes(s.vp)) vps.push(s.vp);
      g.who.set(base, vps);
    }
    const seen = new Set<string>();
    for (const f of r.findings) {
      if (!f.range) continue;
      const dup = `${f.range.start}:${f.range.end}:${f.code}:${f.message}`;
      if (seen.has(dup)) continue;
      seen.add(dup);
      const key = `${f.range.start}:${f.range.end}:${f.code}`;
      let g = findings.get(key);
      if (!g) findings.set(key, (g = { range: f.range, code: f.code, items: [] }));
      g.items.push({ variant: r.name, f });
    }
  }
  const out: { d: Diagnostic; weight: number }[] = [];
  for (const g of findings.values()) out.push({ d: findingDiagnostic(several, g, t), weight: Number.MAX_SAFE_INTEGER });
  for (const g of stalls.values()) out.push({ d: stallDiagnostic(several, g, t), weight: g.longest.durationNs });
  // Findings first, then the longest stalls, when there are too many to show.
  const kept = out.length > MAX_RUN_DIAGNOSTICS ? [...out].sort((a, b) => b.weight - a.weight).slice(0, MAX_RUN_DIAGNOSTICS) : out;
  let ds = kept.map((x) => x.d);
  if (opts.suppressions?.length) {
    const { kept: left, used } = applySuppressions(ds, opts.suppressions);
    // Only suppressions naming run codes are judged here; the checker judged the others.
    ds = left.concat(unusedSuppressions(opts.suppressions, used, (code) => code >= 'VPS300' && code < 'VPS400'));
  }
  if (opts.severities) ds = applySeverityOverrides(ds, opts.severities, () => false);
  return sortDiagnostics(ds);
}

const stat = (v: VariantStats) => (v.count === 1 ? `${fmtNs(v.longestNs)} once` : `up to ${fmtNs(v.longestNs)}, x${v.count}, ${fmtNs(v.totalNs)} in total`);

function stallDiagnostic(several: boolean, g: StallGroup, t: SeverityThresholds): Diagnostic {
  const unit = VP_CAUSES.has(g.cause) ? 'VP' : 'vCPU';
  const names = [...g.who.entries()];
  const shown = names.slice(0, 3).map(([task, vps]) => (vps.length ? `${task} on ${unit} ${[...vps].sort((a, b) => a - b).join(', ')}` : task));
  if (names.length > 3) shown.push(`${names.length - 3} more`);
  // Variants with the same numbers are named together.
  const byStat = new Map<string, string[]>();
  for (const [name, v] of g.perVariant) {
    const k = stat(v);
    byStat.set(k, [...(byStat.get(k) ?? []), name]);
  }
  let prefix: string;
  let times: string;
  if (byStat.size === 1) {
    const [[k, names1]] = [...byStat];
    prefix = several ? `simulated (${names1.join(', ')}): ` : 'simulated: ';
    times = `stalled ${k}`;
  } else {
    prefix = 'simulated: ';
    times = `stalled ${[...byStat].map(([k, ns]) => `${k} in ${ns.join(', ')}`).join('; ')}`;
  }
  // The chain of the longest stall, without its first line (which only restates who waited how
  // long) and with the fix last.
  const chain = (g.longest.causes ?? []).slice(1);
  const fixes = chain.filter((c) => /^fix:/i.test(c));
  const why = chain.filter((c) => !/^fix:/i.test(c));
  let message = `${prefix}${shown.join(', ')} ${times} (${g.cause}${why.length ? `: ${why.join('; ')}` : ''})`;
  if (fixes.length) message += `. ${fixes.join('; ')}`;
  // The worst variant decides the severity.
  let severity: Severity = 'hint';
  for (const v of g.perVariant.values()) {
    const s = severityOfSize(v.longestNs, v.totalNs / v.spanNs, t);
    if (severityRank[s] < severityRank[severity]) severity = s;
  }
  return { severity, code: stallCode(g.cause), message, range: g.range };
}

function findingDiagnostic(several: boolean, g: FindingGroup, t: SeverityThresholds): Diagnostic {
  // The most severe first (then the first produced), so the message shows the worst case.
  const items = [...g.items].sort((a, b) => severityRank[a.f.severity] - severityRank[b.f.severity]);
  const first = items[0];
  const variants = [...new Set(g.items.map((x) => x.variant))];
  const prefix = several ? `simulated (${first.variant}${variants.length > 1 ? `; also in ${variants.filter((v) => v !== first.variant).join(', ')}` : ''}): ` : 'simulated: ';
  let message = `${prefix}${first.f.message}`;
  if (first.f.fix) message += ` Fix: ${first.f.fix}`;
  const related: RelatedInfo[] = [];
  if (items.length > 1) {
    message += ` (${items.length - 1} more ${g.code} finding${items.length > 2 ? 's' : ''} here, in related information.)`;
    for (const x of items.slice(1, 21)) related.push({ range: g.range, message: several ? `${x.variant}: ${x.f.message}` : x.f.message });
  }
  let severity: Severity = first.f.severity;
  if (first.f.durationNs !== undefined) {
    const bySize = severityOfSize(first.f.durationNs, undefined, t);
    if (severityRank[bySize] > severityRank[severity]) severity = bySize;
  }
  const d: Diagnostic = { severity, code: g.code, message, range: g.range };
  if (related.length) d.related = related;
  return d;
}
