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
import type { HostLoad, RunSettings, Scenario, VariantDef, Vm } from '../../model/ir';
import type { DocumentAnalysis } from '../../model/analysisTypes';
import { registerCodeDocs } from '../../model/codes';
import { hazardCodeList } from './codes';
import { diagnosticKey, HazardContext } from './context';
import { loadCpus, loadDemand, vmCpus, vmDemand } from './demand';
import { fmtNames } from './format';
import { capRelated, MAX_RELATED } from '../../model/util';
import { guestChecks } from './guest';
import { kvmChecks } from './kvm';
import { openhclChecks } from './openhcl';
import { sidecarChecks } from './sidecar';
import { SourceIndex } from './source';
import { storvspChecks } from './storvsp';
import { checkWeightsUnderPinning, xenChecks } from './xen';
import { baseHazardsReusing, type HazardMemo } from './reuse';

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

/**
 * The checks that do not loop over `ctx.localVms` / `ctx.crossVms` (per pool). Every other check
 * raises, for each VM of those lists, what it would raise with a context of that VM alone, which
 * the per-VM reuse of the base's hazards relies on (./reuse.ts).
 */
const GLOBAL_CHECKS: ReadonlySet<(ctx: HazardContext) => void> = new Set([checkWeightsUnderPinning]);

function runChecks(ctx: HazardContext): Diagnostic[] {
  for (const check of allChecks) check(ctx);
  return ctx.diagnostics;
}

const key = (d: Diagnostic) => diagnosticKey(d.code, d.range);

function sameSettings(a: RunSettings, b: RunSettings): boolean {
  return (
    a.durationNs === b.durationNs && a.warmupNs === b.warmupNs && a.seed === b.seed && a.maxEvents === b.maxEvents && a.wallLimitMs === b.wallLimitMs && a.stallThresholdNs === b.stallThresholdNs
  );
}

/** What a VM is as a contender for its pCPUs (see `contenders`): equal facts, equal contender. */
function sameContenderVm(a: Vm, sa: Scenario, b: Vm, sb: Scenario): boolean {
  const periodic = (vm: Vm) => vm.guest.threads.some((t) => t.program.trigger.kind === 'periodic');
  const normal = (vm: Vm) => vm.policy === 'normal' && vm.boost.mode !== 'static_rt';
  return (
    a.name === b.name &&
    a.range.start === b.range.start &&
    a.range.end === b.range.end &&
    sameNumbers(vmCpus(sa, a), vmCpus(sb, b)) &&
    vmDemand(a) === vmDemand(b) &&
    normal(a) === normal(b) &&
    periodic(a) === periodic(b)
  );
}

/** The same for a host load. */
function sameContenderLoad(a: HostLoad, sa: Scenario, b: HostLoad, sb: Scenario): boolean {
  return (
    a.name === b.name &&
    a.range.start === b.range.start &&
    a.range.end === b.range.end &&
    sameNumbers(loadCpus(sa, a), loadCpus(sb, b)) &&
    loadDemand(a) === loadDemand(b) &&
    a.policy === b.policy &&
    a.program.trigger.kind === b.program.trigger.kind
  );
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * The VMs of variant `v` whose oversubscription may differ from the base's: those the variant
 * changes, and those sharing a pCPU with a contender the variant changes (a VM whose demand,
 * pCPUs, policy or periodic work differ, before and after; a VM only one of them has; a host load
 * that differs). Every other VM is the base's object, and its contenders are equal to the base's,
 * in the same order.
 */
function crossVmsOf(base: Scenario, v: Scenario, baseVms: ReadonlySet<Vm>): readonly Vm[] {
  const changed = new Set<number>();
  const add = (cpus: readonly number[]) => {
    for (const c of cpus) changed.add(c);
  };
  const baseByName = new Map(base.vms.map((vm) => [vm.name, vm]));
  const names = new Set<string>();
  for (const vm of v.vms) {
    names.add(vm.name);
    if (baseVms.has(vm)) continue;
    const b = baseByName.get(vm.name);
    if (b && sameContenderVm(b, base, vm, v)) continue;
    add(vmCpus(v, vm));
    if (b) add(vmCpus(base, b));
  }
  for (const b of base.vms) if (!names.has(b.name)) add(vmCpus(base, b));
  if (v.host !== base.host) {
    const bl = base.host.loads;
    const vl = v.host.loads;
    for (let k = 0; k < Math.max(bl.length, vl.length); k++) {
      if (k < bl.length && k < vl.length && sameContenderLoad(bl[k], base, vl[k], v)) continue;
      if (k < bl.length) add(loadCpus(base, bl[k]));
      if (k < vl.length) add(loadCpus(v, vl[k]));
    }
  }
  return v.vms.filter((vm) => !baseVms.has(vm) || vmCpus(v, vm).some((c) => changed.has(c)));
}

/** The variants based directly on each variant, by name. */
function childrenOf(variants: readonly VariantDef[]): Map<string, VariantDef[]> {
  const out = new Map<string, VariantDef[]>();
  for (const v of variants) {
    if (v.basedOn === undefined) continue;
    const list = out.get(v.basedOn);
    if (list) list.push(v);
    else out.set(v.basedOn, [v]);
  }
  return out;
}

/** The scenarios of the variants based on `name`, directly or through others (a cycle stops). */
function descendants(children: ReadonlyMap<string, readonly VariantDef[]>, name: string): Scenario[] {
  const out: Scenario[] = [];
  const seen = new Set<string>([name]);
  const queue = [name];
  for (let k = 0; k < queue.length; k++) {
    for (const c of children.get(queue[k]) ?? []) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      out.push(c.scenario);
      queue.push(c.name);
    }
  }
  return out;
}

/**
 * @param text the document's text, when the caller has it (saves rebuilding it from the tokens).
 * @param reuse kept across the analyses of one document's versions (model/reuse.ts
 *   `AnalysisReuse`): the base's hazards of the VMs an edit did not affect are taken from the
 *   last analysis (needs `text`).
 */
export function staticHazards(scenario: Scenario, analysis: DocumentAnalysis, text?: string, reuse?: { hazards?: unknown }): Diagnostic[] {
  const src = new SourceIndex(analysis.parse, text);
  const dependents = () => scenario.variants.map((v) => v.scenario);
  let out: Diagnostic[];
  if (reuse && text !== undefined) {
    // The base's hazards VM by VM, those of the VMs the edits since the last analysis did not
    // affect taken from it (./reuse.ts); the same diagnostics in the same order.
    const r = baseHazardsReusing(scenario, src, text, allChecks, (c) => GLOBAL_CHECKS.has(c), dependents, reuse.hazards as HazardMemo | undefined);
    reuse.hazards = r.memo;
    out = r.diagnostics;
  } else out = runChecks(new HazardContext(scenario, src, undefined, { dependents }));
  let children: Map<string, VariantDef[]> | undefined;
  const seen = new Set(out.map(key));
  // Per (code, range) not in the base: the first variant's diagnostic and every variant raising it.
  const fromVariants = new Map<string, { d: Diagnostic; names: string[]; seen: Set<string> }>();
  const baseVms = new Set(scenario.vms);
  for (const v of scenario.variants) {
    // A VM the variant does not change is the base's object (see `LowerMemo`): its own hazards are
    // the base's, which the variant does not repeat.
    const same = sameSettings(v.scenario.settings, scenario.settings);
    const localVms = same ? v.scenario.vms.filter((vm) => !baseVms.has(vm)) : v.scenario.vms;
    const crossVms = same ? crossVmsOf(scenario, v.scenario, baseVms) : v.scenario.vms;
    const known = { has: (k: string) => seen.has(k) || fromVariants.has(k) };
    const ctx = new HazardContext(v.scenario, src, v.name, { known, localVms, crossVms, dependents: () => descendants((children ??= childrenOf(scenario.variants)), v.name) });
    runChecks(ctx);
    for (const k of ctx.raised) {
      if (seen.has(k)) continue;
      const hit = fromVariants.get(k);
      if (hit) {
        if (!hit.seen.has(v.name)) {
          hit.seen.add(v.name);
          hit.names.push(v.name);
        }
      } else {
        fromVariants.set(k, { d: ctx.built.get(k)!, names: [v.name], seen: new Set([v.name]) });
      }
    }
  }
  for (const { d, names } of fromVariants.values()) {
    const prefix = `In variant${names.length > 1 ? 's' : ''} ${fmtNames(names, 6)}: `;
    // Only as many variants as related information keeps (the rest are counted by capRelated).
    const variantRelated = names.slice(0, MAX_RELATED).flatMap((n) => {
      const v = src.variant(n);
      return v ? [{ range: src.head(v), message: `variant \`${n}\`` }] : [];
    });
    const own = d.related ?? [];
    const related = capRelated([...own, ...variantRelated], own.length + names.length);
    const merged: Diagnostic = { ...d, message: prefix + d.message, related };
    if (names.length > 1) delete merged.fixes;
    out.push(merged);
  }
  return sortDiagnostics(out);
}
