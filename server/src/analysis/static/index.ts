/**
 * Static hazard checks: stall hazards visible from the scenario alone, each on the line that
 * causes it, with the chain of causes, related statements and quick fixes. Called by the checker
 * (`model/analyze.ts`) once the scenario is lowered; the codes are in `./codes.ts`.
 *
 * Hazards depend on variants: the base scenario is checked, then every variant's merged scenario.
 * A variant's diagnostic says "In variant `x`:" (like the checker's) and is dropped when the base
 * already reports the same code at the same range; several variants raising the same code at the
 * same range share one diagnostic ("In variants `a` and `b`:"), without fixes, since a fix can
 * live in one variant only.
 */
import { sortDiagnostics, type Diagnostic } from '../../core/diagnostic';
import type { Scenario } from '../../model/ir';
import type { DocumentAnalysis } from '../../model/analysisTypes';
import { registerCodeDocs } from '../../model/codes';
import { hazardCodeList } from './codes';
import { HazardContext } from './context';
import { fmtNames } from './format';
import { guestChecks } from './guest';
import { kvmChecks } from './kvm';
import { openhclChecks } from './openhcl';
import { sidecarChecks } from './sidecar';
import { SourceIndex } from './source';
import { storvspChecks } from './storvsp';
import { xenChecks } from './xen';

export { HazardCodes, hazardCodeDocs, hazardCodeList, type HazardCode, type HazardCodeDoc } from './codes';

// Whoever runs the checks can describe their codes (SARIF rules, hovers on a code).
registerCodeDocs(hazardCodeList);

/** Every check, in a fixed order (the output is sorted anyway). */
export const allChecks: readonly ((ctx: HazardContext) => void)[] = [
  ...openhclChecks,
  ...storvspChecks,
  ...sidecarChecks,
  ...xenChecks,
  ...kvmChecks,
  ...guestChecks,
];

function runChecks(ctx: HazardContext): Diagnostic[] {
  for (const check of allChecks) check(ctx);
  return ctx.diagnostics;
}

const key = (d: Diagnostic) => `${d.code}@${d.range.start}:${d.range.end}`;

export function staticHazards(scenario: Scenario, analysis: DocumentAnalysis): Diagnostic[] {
  const src = new SourceIndex(analysis.parse);
  const out = runChecks(new HazardContext(scenario, src));
  const seen = new Set(out.map(key));
  // Per (code, range) not in the base: the first variant's diagnostic and every variant raising it.
  const fromVariants = new Map<string, { d: Diagnostic; names: string[] }>();
  for (const v of scenario.variants) {
    for (const d of runChecks(new HazardContext(v.scenario, src, v.name))) {
      const k = key(d);
      if (seen.has(k)) continue;
      const hit = fromVariants.get(k);
      if (hit) {
        if (!hit.names.includes(v.name)) hit.names.push(v.name);
      } else {
        fromVariants.set(k, { d, names: [v.name] });
      }
    }
  }
  for (const { d, names } of fromVariants.values()) {
    const prefix = `In variant${names.length > 1 ? 's' : ''} ${fmtNames(names, 6)}: `;
    const variantRelated = names.flatMap((n) => {
      const v = src.variant(n);
      return v ? [{ range: src.head(v), message: `variant \`${n}\`` }] : [];
    });
    const merged: Diagnostic = { ...d, message: prefix + d.message, related: [...(d.related ?? []), ...variantRelated] };
    if (names.length > 1) delete merged.fixes;
    out.push(merged);
  }
  return sortDiagnostics(out);
}
