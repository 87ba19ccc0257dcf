/**
 * The catalog of diagnostic codes of the scenario checker. Codes are stable: never renumber,
 * never reuse a retired code for another meaning (retire it with a comment instead).
 *
 * Ranges:
 * - VPS001-VPS099 syntax (defined next to the parser in `syntax/syntaxCodes.ts`, re-exported here
 *   because the syntax layer may not import the model);
 * - VPS100-VPS199 semantic checks (this file, used by `lower.ts`, `checks.ts`, `symbols.ts`);
 * - VPS200-VPS299 static hazards (`analysis/static/`), VPS300-VPS399 simulation and trace
 *   findings (`sim/`, `trace/codes.ts`): catalogued by their owners. `describeCode` falls back
 *   to those owners' text when they register it, and to a generic title otherwise.
 */
import { SyntaxCodes, syntaxCodeDocs } from '../syntax/syntaxCodes';
import type { Severity } from '../core/diagnostic';

export { SyntaxCodes };

export interface CodeDoc {
  code: string;
  /** Short title (SARIF shortDescription). */
  title: string;
  /** What to do about it (SARIF help). */
  help: string;
  /** The usual severity (a code keeps one severity; listed for SARIF defaultConfiguration). */
  severity: Severity;
}

/** Semantic codes, by meaning. */
export const Codes = {
  unknownKeyword: 'VPS100',
  misplacedKeyword: 'VPS101',
  missingArgument: 'VPS102',
  extraArgument: 'VPS103',
  wrongType: 'VPS104',
  missingUnit: 'VPS105',
  wrongUnitKind: 'VPS106',
  detachedUnit: 'VPS107',
  outOfRange: 'VPS108',
  unknownValue: 'VPS109',
  duplicateSetting: 'VPS110',
  duplicateName: 'VPS111',
  unknownName: 'VPS112',
  missingRequired: 'VPS113',
  bodyMismatch: 'VPS114',
  vpOutOfRange: 'VPS115',
  cpuOutOfRange: 'VPS116',
  unknownUnit: 'VPS117',
  multipleTriggers: 'VPS118',
  badCpuList: 'VPS119',
  // Xen cpupool rules (model.md section 2, xl cpupool docs).
  cpuInTwoPools: 'VPS120',
  cpu0OutsidePool0: 'VPS121',
  dom0OutsidePool0: 'VPS122',
  poolWithDomainsNoCpus: 'VPS123',
  unknownPool: 'VPS124',
  idleCpus: 'VPS125',
  vmCpusOutsidePool: 'VPS126',
  emptyPool: 'VPS127',
  multipleDom0: 'VPS128',
  // Settings that mean nothing where they are written (warnings).
  runOnTargetWithoutTarget: 'VPS130',
  ignoredByBackend: 'VPS131',
  ignoredByScheduler: 'VPS132',
  ignoredByPolicy: 'VPS133',
  boostSettingsIgnored: 'VPS134',
  ioloadMode: 'VPS135',
  listLength: 'VPS136',
  channelVpsShort: 'VPS137',
  boostOnOpenHcl: 'VPS138',
  // Work that cannot keep up (warnings).
  /** A periodic or Poisson program whose mean pass is at least its mean interval: passes queue without bound. */
  workOverPeriod: 'VPS139',
  // Variants.
  variantPathMissing: 'VPS140',
  /** `remove KEYWORD NAME` finds no such block to remove. */
  removeNothing: 'VPS141',
  /** `remove` outside a variant (the base has nothing to remove from). */
  removeOutsideVariant: 'VPS142',
  /** A statement uses a block that its variant removes. */
  removedReference: 'VPS143',
  /** Variants `based_on` each other in a cycle. */
  basedOnCycle: 'VPS144',
  /** `variant base`: the base scenario's run and comparisons are called `base`. */
  reservedVariantName: 'VPS145',
  /** The scenario's set-up (objects x duration) is beyond what the simulator runs. */
  tooLargeToSimulate: 'VPS146',
  /** A `sweep` that does not name settings with values, sweeps one twice, or crosses past 1,000 points (model/sweep.ts). */
  badSweep: 'VPS147',
  /** The language server does not analyse a document this large as it is typed (lsp/session.ts). */
  tooLargeForLiveAnalysis: 'VPS148',
  // Suppression comments (`# vpscope-allow CODE: reason`, docs/language.md "Suppressing a finding").
  /** A suppression that suppresses nothing where it is written. */
  unusedSuppression: 'VPS150',
  /** A suppression that names no code, a code that does not exist, or one that cannot be suppressed. */
  badSuppression: 'VPS151',
  /** A bug in vpscope, caught so that the rest of the analysis still runs. */
  internalError: 'VPS199',
} as const;

export type SemanticCode = (typeof Codes)[keyof typeof Codes];

const semanticDocs: Record<SemanticCode, Omit<CodeDoc, 'code'>> = {
  VPS100: { severity: 'error', title: 'Unknown keyword', help: 'The keyword does not exist in this block. Check the spelling (the message lists close matches) or see docs/language.md for what the block accepts.' },
  VPS101: { severity: 'error', title: 'Keyword in the wrong block', help: 'The keyword exists but belongs in another block; move the statement there.' },
  VPS102: { severity: 'error', title: 'Missing argument', help: 'Add the value the statement needs (the message shows an example).' },
  VPS103: { severity: 'error', title: 'Too many arguments', help: 'Remove the extra values, or start a new statement on its own line or after `;`.' },
  VPS104: { severity: 'error', title: 'Wrong kind of value', help: 'Write the kind of value the statement takes (a number, a word, a CPU list...).' },
  VPS105: { severity: 'error', title: 'Missing unit', help: 'Durations need a unit (`ns`, `us`, `ms`, `s`), percentages `%`, rates `/s`; only `0` may be written alone.' },
  VPS106: { severity: 'error', title: 'Unit of the wrong kind', help: 'Use a unit of the kind the statement takes, e.g. a duration for `sleep`, a plain count for `cpus`.' },
  VPS107: { severity: 'error', title: 'Unit separated from its number', help: 'Write the unit right after the number, without a space: `10us`.' },
  VPS108: { severity: 'error', title: 'Value out of range', help: 'Use a value inside the range the message gives.' },
  VPS109: { severity: 'error', title: 'Unknown value', help: 'Use one of the values the message lists.' },
  VPS110: { severity: 'error', title: 'Setting written twice', help: 'Remove one of the two statements; a setting may appear once per block.' },
  VPS111: { severity: 'error', title: 'Name declared twice', help: 'Rename one of the two declarations; names are unique per kind in their scope.' },
  VPS112: { severity: 'error', title: 'Unknown name', help: 'Declare the name or fix the reference (the message lists close matches).' },
  VPS113: { severity: 'error', title: 'Missing required statement', help: 'Add the statement the block requires (e.g. `vcpus` in a `vm`, `pcpus` in `host`).' },
  VPS114: { severity: 'error', title: 'Block missing or not allowed', help: 'Add `{ ... }` to a statement that needs a block, or remove the block from a setting.' },
  VPS115: { severity: 'error', title: 'VP index out of range', help: 'VP / vCPU indices go from 0 to the VM\'s `vcpus` - 1.' },
  VPS116: { severity: 'error', title: 'CPU out of range', help: 'pCPU numbers go from 0 to the host\'s `pcpus` - 1.' },
  VPS117: { severity: 'error', title: 'Unknown unit', help: 'Units are `ns us ms s` (durations), `k M G` (counts), `%`, and `/s /ms /us` (rates).' },
  VPS118: { severity: 'error', title: 'More than one trigger', help: 'A program has one trigger (`every`, `rate` or `once`); remove the others.' },
  VPS119: { severity: 'error', title: 'Invalid CPU list', help: 'Spans go upwards (`0-3`), and a list must keep at least one CPU after `^` exclusions.' },
  VPS120: { severity: 'error', title: 'pCPU in two pools', help: 'Xen: each pCPU is in at most one cpupool; remove it from one of the pools.' },
  VPS121: { severity: 'error', title: 'CPU 0 outside Pool-0', help: 'Xen: CPU 0 cannot leave Pool-0; give the other pool different CPUs.' },
  VPS122: { severity: 'error', title: 'dom0 outside Pool-0', help: 'Xen: dom0 lives in Pool-0 and cannot move; remove its `pool` or the `dom0 on`.' },
  VPS123: { severity: 'error', title: 'Pool with domains and no CPUs', help: 'Xen refuses to move a domain to a pool with no CPUs; give the pool `cpus`.' },
  VPS124: { severity: 'error', title: 'Unknown pool', help: 'Declare the pool in `host` (quick fix: create it) or fix the name.' },
  VPS125: { severity: 'warning', title: 'pCPUs in no pool', help: 'Xen: pCPUs in no pool run only idle; add them to a pool or lower `pcpus`.' },
  VPS126: { severity: 'warning', title: 'Affinity outside the pool', help: 'Xen: scheduling never crosses pools; CPUs of `cpus` outside the VM\'s pool are never used.' },
  VPS127: { severity: 'warning', title: 'Empty pool', help: 'A pool with no CPUs runs nothing; give it `cpus` or remove it.' },
  VPS128: { severity: 'error', title: 'More than one dom0', help: 'Xen has one control domain; keep `dom0 on` on one VM.' },
  VPS130: { severity: 'warning', title: '`run_on_target` without `target_vp`', help: 'run_on_target keeps a task on its target VP; without target_vp it means nothing. Add `target_vp N` (quick fix).' },
  VPS131: { severity: 'warning', title: 'Ignored by the backend', help: 'The OpenHCL backend ignores this setting (thread: run_on_target, retarget_vp; single: also target_vp).' },
  VPS132: { severity: 'warning', title: 'Ignored by the scheduler', help: 'The pool\'s scheduler does not use this setting (e.g. weights and caps are Xen credit/credit2 settings; nice is Linux fair).' },
  VPS133: { severity: 'warning', title: 'Ignored by the policy', help: '`rt_priority` applies to fifo/rr, `nice` to normal; set the matching `policy`.' },
  VPS134: { severity: 'warning', title: 'Boost settings ignored', help: 'The settings in a `boost` block apply to `boost dynamic` only.' },
  VPS135: { severity: 'error', title: 'ioload needs rate or depth', help: 'Give an `ioload` either `rate` (open loop) or `depth` (closed loop), not both.' },
  VPS136: { severity: 'error', title: 'List length mismatch', help: 'The list needs one entry per VP (vp_cpu_map) or at most one per channel (channel_vps).' },
  VPS137: { severity: 'warning', title: '`channel_vps` shorter than the channel count', help: 'The channels not listed are placed by vpscope (even spread over the VPs not listed); list one VP per channel to say where each worker runs.' },
  VPS138: { severity: 'warning', title: '`boost` on an OpenHCL VM', help: 'vCPU boosting is a KVM host interface (the dynamic vCPU priority RFC); an OpenHCL VM runs its paravisor in VTL2, a Hyper-V Virtual Secure Mode feature (Linux drivers/hv/Kconfig, HYPERV_VTL_MODE), so no KVM host runs it and the boost means nothing there. Set `boost off` (quick fix) or drop `openhcl`; vpscope still simulates the boost as written, as a what-if.' },
  VPS139: { severity: 'warning', title: 'Passes longer than the time between them', help: 'A thread, task or host load runs one pass of its steps at a time. When a pass takes on average as long as the period (`every`) or longer, or as long as the mean time between Poisson arrivals (`rate`), the passes queue up without end: each starts later than the last, and the latency the run reports grows with the length of the run, not with the scheduling you want to study. The sum of the steps\' mean durations is compared with the mean interval (a `disk_io` step counts 0, so the sum is a lower bound). Lengthen the period, shorten the steps, or spread the work over more threads (`count`).' },
  VPS147: { severity: 'error', title: 'Invalid sweep', help: 'A `sweep` names settings by the blocks around them and lists their values: `sweep { vm web { vcpus 2..16 step 2 } }` or `sweep { host { load noise { threads 1, 2, 4 } } }`; several settings are crossed (every combination, at most 1,000 points), each swept once (see docs/language.md, "Sweeps").' },
  VPS150: { severity: 'info', title: 'Suppression suppresses nothing', help: 'No finding of the code the `# vpscope-allow` comment names is on the line, statement or block it covers (any more); remove the comment, or move it to the finding it means.' },
  VPS151: { severity: 'warning', title: 'Invalid suppression', help: '`# vpscope-allow` takes one or more existing codes (`VPS210` or `VPS210, VPS320`), then optionally `: reason`. Errors of the checker (VPS0xx, VPS1xx errors) cannot be suppressed: the scenario is invalid until they are fixed.' },
  VPS199: { severity: 'error', title: 'Internal error', help: 'A bug in vpscope; the rest of the analysis ran. Please report it with the scenario.' },
  VPS140: { severity: 'warning', title: 'Variant changes something that does not exist', help: 'The variant names a block the base scenario does not have; fix the name, or write the complete block to add it.' },
  VPS141: { severity: 'error', title: 'Nothing to remove', help: '`remove KEYWORD NAME` removes a named block of the base (or of the variant it is based on) from the block it is written in; that block has none of that name. Fix the name or move the `remove` into the block that holds it.' },
  VPS142: { severity: 'error', title: '`remove` outside a variant', help: '`remove` takes a block out of the base scenario in a variant; in the base, delete the block instead.' },
  VPS143: { severity: 'error', title: 'Uses a removed block', help: 'The variant removes a block (a lock, a controller, a disk, a pool) that this statement still uses; remove or change the statement in the variant too.' },
  VPS144: { severity: 'error', title: '`based_on` cycle', help: 'Variants built on each other in a circle have no base to start from; remove one of the `based_on` statements.' },
  VPS145: { severity: 'error', title: 'Reserved variant name', help: '`base` names the base scenario in run results and comparisons (`base vs X`); give the variant another name.' },
  VPS148: { severity: 'warning', title: 'Too large to analyse while typing', help: 'The editor analyses documents up to `vpscope.diagnostics.maxDocumentMB` (default 4 MB) as they are typed; a larger one gets this warning instead of diagnostics, completion and hover. Raise the setting to analyse it anyway (each pause in typing then re-analyses the whole document), or run `vpscope check` on the file.' },
  VPS146: { severity: 'error', title: 'Too large to simulate', help: 'The set-up (VMs, vCPUs, threads, tasks, channels, loads) or its expected events over `duration` is beyond the simulator\'s bounds (see docs/language.md, "Limits"); shrink the scenario or shorten `duration`.' },
};

/** Every code of the scenario checker (syntax + semantic), with its documentation. */
export const checkerCodes: readonly CodeDoc[] = [
  ...Object.entries(syntaxCodeDocs).map(([code, d]) => ({ code, severity: 'error' as Severity, ...d })),
  ...Object.entries(semanticDocs).map(([code, d]) => ({ code, ...d })),
];

const extra = new Map<string, CodeDoc>();

/**
 * Lets other catalogs (static hazards, simulation, traces) describe their codes to the shells
 * (SARIF rules, `--help`). Idempotent; the checker's own codes cannot be overridden.
 */
export function registerCodeDocs(docs: readonly CodeDoc[]): void {
  for (const d of docs) if (!byCode.has(d.code)) extra.set(d.code, d);
}

const byCode = new Map<string, CodeDoc>(checkerCodes.map((d) => [d.code, d]));

/** Documentation of a code, when known. */
export function describeCode(code: string): CodeDoc | undefined {
  return byCode.get(code) ?? extra.get(code);
}

/**
 * Where a code is documented: a stable anchor into docs/codes.md (generated from the catalog by
 * `renderCodesDoc` in analysis/catalog.ts, one `## VPSnnn` section per code, whose anchor is the
 * code in lower case). Relative to
 * the repository root; the language server makes it absolute (the extension's folder or the
 * repository's web address) for `codeDescription.href`.
 */
export function codeHref(code: string): string {
  return `docs/codes.md#${code.toLowerCase().replace(/[^a-z0-9-]/g, '')}`;
}
