/**
 * The one catalog of every diagnostic code vpscope emits: the checker's (syntax VPS0xx,
 * semantic VPS1xx), the static hazards (VPS2xx), the run findings of the analysis and of the
 * OpenHCL model, the stall codes of run diagnostics and the trace findings (VPS3xx).
 *
 * Used to tell a suppression comment that names a code which does not exist (a warning), and to
 * generate docs/codes.md (each code's documentation anchor, `codeHref` in `model/codes.ts`).
 * Pure data; no I/O.
 */
import { checkerCodes, type CodeDoc } from '../model/codes';
import { openHclRunCodeDocs } from '../sim/openhcl/findings';
import { traceCodeDocs } from '../trace/codes';
import { hazardCodeList } from './static/codes';
import { RunCodes, runCodeDocs } from './run/index';

/** A stall whose cause is not one of the catalogued hazards. */
export const SIMULATED_STALL_CODE = 'VPS300';

/** Stall cause -> the code of the hazard it is an instance of (run diagnostics). */
export const STALL_CODES: Readonly<Record<string, string>> = {
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

export function stallCode(cause: string): string {
  return STALL_CODES[cause] ?? SIMULATED_STALL_CODE;
}

/** Codes only stalls carry (no finding of the analysis or of the OpenHCL model documents them). */
const stallOnlyDocs: CodeDoc[] = [
  { code: 'VPS300', severity: 'info', title: 'Simulated stall', help: 'A task or VP could not make progress in the simulation for a cause that is not one of the catalogued hazards (e.g. host preemption, a lock, a full queue); the message gives the cause chain of the longest stall.' },
  { code: 'VPS301', severity: 'info', title: 'Simulated stall: blocking syscall on a VP thread', help: 'A task on a VP thread blocked in a syscall and the VP could not run guest code meanwhile (static counterpart VPS201). Move the blocking call to a worker thread.' },
  { code: 'VPS302', severity: 'info', title: 'Simulated stall: long CPU stretch on a VP thread', help: 'VTL2 work ran on a VP thread for long without yielding, so the guest on that VP waited (static counterpart VPS202). Split the work or move it off the VP.' },
  { code: 'VPS304', severity: 'info', title: 'Simulated stall: operation handled by the root', help: 'A VP waited while the root or the hypervisor handled an operation VTL2 triggered (static counterpart VPS204).' },
  { code: 'VPS318', severity: 'info', title: 'Simulated stall: GET worker deadlock', help: 'The GET worker waited on a GET call it should serve itself (static counterpart VPS218).' },
];

let cache: readonly CodeDoc[] | undefined;

/** Every code with its documentation, sorted by code; each code once. */
export function allCodeDocs(): readonly CodeDoc[] {
  if (cache) return cache;
  const by = new Map<string, CodeDoc>();
  const add = (d: CodeDoc) => {
    if (!by.has(d.code)) by.set(d.code, d);
  };
  checkerCodes.forEach(add);
  hazardCodeList.forEach(add);
  for (const d of openHclRunCodeDocs) add({ ...d });
  for (const code of Object.values(RunCodes)) add({ code, ...runCodeDocs[code] });
  for (const d of traceCodeDocs()) add(d);
  stallOnlyDocs.forEach(add);
  cache = [...by.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return cache;
}

let known: Set<string> | undefined;

/** Whether vpscope emits this code (exact spelling, e.g. `VPS210`). */
export function isKnownCode(code: string): boolean {
  known ??= new Set(allCodeDocs().map((d) => d.code));
  return known.has(code);
}

/**
 * docs/codes.md, generated from the catalog: one section per code whose heading anchor is the
 * code in lower case (`codeHref`). `test/analysis/codes.test.ts` checks the file is current;
 * `UPDATE_DOCS=1` rewrites it.
 */
export function renderCodesDoc(): string {
  const lines = [
    '# Diagnostic codes',
    '',
    '<!-- Generated from the code catalog (server/src/analysis/catalog.ts, renderCodesDoc); do not edit by hand.',
    '     Regenerate: UPDATE_DOCS=1 node scripts/test.mjs test/analysis/codes.test.ts -->',
    '',
    'Every code vpscope reports, with its usual severity and what to do. Ranges: VPS0xx syntax, VPS1xx the',
    "checker's semantic checks (VPS150/VPS151: suppression comments, docs/language.md), VPS2xx static hazards",
    '(docs/hazards.md), VPS3xx simulation and trace findings (docs/sim.md, docs/trace.md). Run findings and',
    'stalls take their severity from their size (docs/language.md, "Severity of measured findings").',
    'Suppress a warning or info with `# vpscope-allow CODE: reason`; errors of the checker cannot be suppressed.',
    '',
  ];
  for (const d of allCodeDocs()) {
    lines.push(`## ${d.code}`, '', `**${d.title.replace(/\s+/g, ' ').trim()}** (${d.severity})`, '', d.help.replace(/\s+/g, ' ').trim() || '(no further help)', '');
  }
  return lines.join('\n');
}
