/**
 * What a simulation found, as diagnostics on the scenario's lines: the stalls and the run
 * findings that carry a source range, for the editor to show next to the static ones until the
 * document changes.
 *
 * Stalls are aggregated per (variant, range, cause): how often, the longest, the total, who
 * stalled, and the cause chain of the longest one. Counts are over the stalls the result keeps
 * (the longest 200 of each variant, `stalls[]` in `vpscope.run/1`). Everything is `info`: these
 * are measurements of one run, not mistakes in the text.
 *
 * Codes: VPS3NN with NN the hazard number (design/hazards.md, as `analysis/run/` and the OpenHCL
 * model number their findings) when the stall's cause is one hazard, else VPS300 (a simulated
 * stall). Pure: no I/O.
 */
import { sortDiagnostics, type Diagnostic } from '../core/diagnostic';
import type { Finding, Stall } from '../core/findings';
import type { TextRange } from '../core/text';
import type { VariantResult } from '../sim/result';
import { fmtNs } from '../sim/util';

/** A stall whose cause is not one of the catalogued hazards. */
export const SIMULATED_STALL_CODE = 'VPS300';

/** Stall cause -> the code of the hazard it is an instance of. */
const STALL_CODES: Record<string, string> = {
  'blocking-syscall': 'VPS301',
  'cpu-stretch': 'VPS302',
  'vtl2-work': 'VPS302',
  intercept: 'VPS303',
  'root-op': 'VPS304',
  'vtl0-residence': 'VPS305',
  'sidecar-onlining': 'VPS312',
  'sidecar-hosted': 'VPS312',
  'sidecar-exit': 'VPS314',
  'get-round-trip': 'VPS317',
  'get-deadlock': 'VPS318',
  'io-ring-full': 'VPS320',
  'lock-holder-preemption': 'VPS329',
  'lock-waiter-preemption': 'VPS329',
  'barrier-preempted-sibling': 'VPS329',
};

/** Causes reported by the OpenHCL model: their `vp` is a VP (the executor), not a guest vCPU. */
const VP_CAUSES = new Set([
  'blocking-syscall', 'cpu-stretch', 'vtl2-work', 'root-op', 'intercept', 'vtl0-residence', 'get-round-trip', 'get-deadlock',
  'sidecar-onlining', 'sidecar-hosted', 'sidecar-exit', 'io-ring-full', 'vmm-exit', 'idle',
]);

/** At most this many run diagnostics per document (the longest stalls first). */
export const MAX_RUN_DIAGNOSTICS = 200;

export function stallCode(cause: string): string {
  return STALL_CODES[cause] ?? SIMULATED_STALL_CODE;
}

interface StallGroup {
  variant: string;
  range: TextRange;
  cause: string;
  count: number;
  totalNs: number;
  longest: Stall;
  /** Task base name (without `#i`) -> the VPs / vCPUs it stalled on, in order of appearance. */
  who: Map<string, number[]>;
}

/** The run diagnostics of a simulation (ranges are offsets in the simulated text). */
export function runDiagnostics(results: readonly VariantResult[]): Diagnostic[] {
  const several = results.length > 1 || (results[0] !== undefined && results[0].name !== 'base');
  const out: { d: Diagnostic; weight: number }[] = [];
  for (const r of results) {
    const prefix = several ? `simulated (${r.name}): ` : 'simulated: ';
    const groups = new Map<string, StallGroup>();
    for (const s of r.stalls) {
      if (!s.range) continue;
      const key = `${s.range.start}:${s.range.end}:${s.cause}`;
      let g = groups.get(key);
      if (!g) {
        g = { variant: r.name, range: s.range, cause: s.cause, count: 0, totalNs: 0, longest: s, who: new Map() };
        groups.set(key, g);
      }
      g.count++;
      g.totalNs += s.durationNs;
      if (s.durationNs > g.longest.durationNs) g.longest = s;
      const base = s.task.replace(/#\d+$/, '');
      const vps = g.who.get(base) ?? [];
      if (s.vp >= 0 && !vps.includes(s.vp)) vps.push(s.vp);
      g.who.set(base, vps);
    }
    for (const g of groups.values()) out.push({ d: stallDiagnostic(prefix, g), weight: g.longest.durationNs });
    const seen = new Set<string>();
    for (const f of r.findings) {
      if (!f.range) continue;
      const key = `${f.range.start}:${f.range.end}:${f.code}:${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ d: findingDiagnostic(prefix, f), weight: Number.MAX_SAFE_INTEGER });
    }
  }
  // Findings first, then the longest stalls, when there are too many to show.
  const kept = out.length > MAX_RUN_DIAGNOSTICS ? [...out].sort((a, b) => b.weight - a.weight).slice(0, MAX_RUN_DIAGNOSTICS) : out;
  return sortDiagnostics(kept.map((x) => x.d));
}

function stallDiagnostic(prefix: string, g: StallGroup): Diagnostic {
  const unit = VP_CAUSES.has(g.cause) ? 'VP' : 'vCPU';
  const names = [...g.who.entries()];
  const shown = names.slice(0, 3).map(([task, vps]) => (vps.length ? `${task} on ${unit} ${vps.sort((a, b) => a - b).join(', ')}` : task));
  if (names.length > 3) shown.push(`${names.length - 3} more`);
  const times = g.count === 1 ? `stalled ${fmtNs(g.longest.durationNs)}` : `stalled up to ${fmtNs(g.longest.durationNs)}, x${g.count}, ${fmtNs(g.totalNs)} in total`;
  // The chain of the longest stall, without its first line (which only restates who waited how
  // long) and with the fix last.
  const chain = (g.longest.causes ?? []).slice(1);
  const fixes = chain.filter((c) => /^fix:/i.test(c));
  const why = chain.filter((c) => !/^fix:/i.test(c));
  let message = `${prefix}${shown.join(', ')} ${times} (${g.cause}${why.length ? `: ${why.join('; ')}` : ''})`;
  if (fixes.length) message += `. ${fixes.join('; ')}`;
  return { severity: 'info', code: stallCode(g.cause), message, range: g.range };
}

function findingDiagnostic(prefix: string, f: Finding): Diagnostic {
  let message = `${prefix}${f.message}`;
  if (f.fix) message += ` Fix: ${f.fix}`;
  return { severity: 'info', code: f.code, message, range: f.range! };
}
