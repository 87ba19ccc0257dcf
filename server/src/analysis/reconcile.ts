/**
 * One causal story: the static hazards (VPS2NN) reconciled with what a simulation measured
 * (docs/hazards.md, "Static findings and the simulation").
 *
 * Each static code the simulator models has the run codes that show the same hazard happening
 * (`CONFIRMED_BY`; mostly VPS3NN for VPS2NN). For each static diagnostic of such a code:
 * - confirmed: a run finding or stall of a confirming code, on a range that nests with the
 *   static one (one contains the other) or lies in the same VM, in a relevant run: the static
 *   finding keeps its severity and carries the measured number ("simulated (base): ...") with the
 *   run's range as related information;
 * - contradicted: every relevant run completed its simulated time (none stopped at a budget) and
 *   none shows the hazard: the finding says so and steps down one severity (warning -> info,
 *   info -> hint; errors stay);
 * - otherwise (a run stopped early, or the code is not one the simulator models): unchanged.
 * Relevant runs: the variant whose text holds the diagnostic, when it is in a variant; else all.
 *
 * Pure: no I/O; returns new diagnostics and leaves its inputs alone.
 */
import type { Diagnostic, RelatedInfo, Severity } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import type { Scenario } from '../model/ir';
import type { VariantResult } from '../sim/result';
import { stallCode } from './catalog';
import { fmtNs } from '../core/format';

/** Static code -> the run codes that show it happening. Codes not listed are never reconciled. */
export const CONFIRMED_BY: Readonly<Record<string, readonly string[]>> = {
  VPS139: ['VPS339'],
  VPS201: ['VPS301'],
  VPS202: ['VPS302'],
  VPS204: ['VPS304', 'VPS303'],
  VPS205: ['VPS305'],
  VPS206: ['VPS306'],
  VPS210: ['VPS310'],
  VPS211: ['VPS311'],
  VPS212: ['VPS312'],
  VPS213: ['VPS312'],
  VPS214: ['VPS314'],
  VPS217: ['VPS317'],
  VPS218: ['VPS318'],
  VPS223: ['VPS323'],
  VPS226: ['VPS326'],
  VPS227: ['VPS327'],
  VPS228: ['VPS328', 'VPS331'],
  VPS229: ['VPS329', 'VPS330'],
};

/**
 * Static codes whose evidence must be on a nesting range (the statement's own thread or task),
 * not anywhere in the same VM: VPS139 is about one program, and another thread's backlog says
 * nothing about it.
 */
const NESTED_ONLY: ReadonlySet<string> = new Set(['VPS139']);

export type Verdict = 'confirmed' | 'contradicted' | 'unchanged';

export interface Reconciled {
  diagnostic: Diagnostic;
  verdict: Verdict;
}

interface Evidence {
  variant: string;
  code: string;
  range: TextRange;
  /** What was measured, short. */
  summary: string;
  /** For ordering: the size (ns) or, for findings, +inf. */
  weight: number;
}

const nests = (a: TextRange, b: TextRange) => (a.start <= b.start && b.end <= a.end) || (b.start <= a.start && a.end <= b.end);
const inside = (r: TextRange, outer: TextRange) => outer.start <= r.start && r.end <= outer.end;

function evidenceOf(results: readonly VariantResult[]): Evidence[] {
  const out: Evidence[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      if (!f.range) continue;
      // The first sentence, without its full stop.
      const first = f.message.split(/\.\s/)[0].replace(/[.;:,\s]+$/, '');
      out.push({ variant: r.name, code: f.code, range: f.range, summary: first.length > 240 ? `${first.slice(0, 239)}…` : first, weight: Number.POSITIVE_INFINITY });
    }
    const groups = new Map<string, { code: string; range: TextRange; n: number; max: number; total: number }>();
    for (const s of r.stalls) {
      if (!s.range) continue;
      const code = stallCode(s.cause);
      const k = `${code}:${s.range.start}:${s.range.end}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { code, range: s.range, n: 0, max: 0, total: 0 }));
      g.n++;
      g.max = Math.max(g.max, s.durationNs);
      g.total += s.durationNs;
    }
    for (const g of groups.values()) {
      const summary = g.n === 1 ? `one stall of ${fmtNs(g.max)}` : `${g.n} stalls, up to ${fmtNs(g.max)}, ${fmtNs(g.total)} in total`;
      out.push({ variant: r.name, code: g.code, range: g.range, summary, weight: g.total });
    }
  }
  return out;
}

const stepDown: Record<Severity, Severity> = { error: 'error', warning: 'info', info: 'hint', hint: 'hint' };

/**
 * The static diagnostics with what the runs say about them (same order). `scenario` (the base as
 * analysed) gives the VM and variant ranges; without it only nesting ranges match and every run
 * is relevant.
 */
export function reconcileWithRun(statics: readonly Diagnostic[], results: readonly VariantResult[], scenario?: Scenario): Reconciled[] {
  const evidence = evidenceOf(results);
  const vmRanges = scenario?.vms.map((v) => v.range) ?? [];
  const variantRanges = scenario?.variants.map((v) => ({ name: v.name, range: v.range })) ?? [];
  return statics.map((d) => {
    const codes = CONFIRMED_BY[d.code];
    if (!codes || results.length === 0) return { diagnostic: d, verdict: 'unchanged' as Verdict };
    const inVariant = variantRanges.find((v) => inside(d.range, v.range));
    const relevant = inVariant ? results.filter((r) => r.name === inVariant.name) : results;
    if (relevant.length === 0) return { diagnostic: d, verdict: 'unchanged' as Verdict };
    const names = new Set(relevant.map((r) => r.name));
    const vm = NESTED_ONLY.has(d.code) ? undefined : vmRanges.find((v) => inside(d.range, v));
    const hits = evidence
      .filter((e) => names.has(e.variant) && codes.includes(e.code) && (nests(e.range, d.range) || (vm !== undefined && inside(e.range, vm))))
      .sort((a, b) => b.weight - a.weight);
    // The static message's own full stop is replaced by the sentence appended.
    const said = d.message.replace(/[.\s]+$/, '');
    if (hits.length > 0) {
      const top = hits[0];
      const more = hits.length > 1 ? ` (${hits.length - 1} more in related information)` : '';
      const related: RelatedInfo[] = [...(d.related ?? []), ...hits.slice(0, 10).map((h) => ({ range: h.range, message: `simulated (${h.variant}) ${h.code}: ${h.summary}` }))];
      return {
        diagnostic: { ...d, message: `${said}. Confirmed by the simulation (${top.variant}, ${top.code}): ${top.summary}${more}.`, related },
        verdict: 'confirmed' as Verdict,
      };
    }
    if (relevant.some((r) => r.stop.reason !== 'completed')) return { diagnostic: d, verdict: 'unchanged' as Verdict };
    const span = relevant.map((r) => `${fmtNs(Math.max(0, r.stop.simulatedNs - r.warmupNs))} of ${r.name}`).join(', ');
    return {
      diagnostic: {
        ...d,
        severity: stepDown[d.severity],
        message: `${said}. Not seen in the simulation (${span}): no ${codes.join(' or ')} there, so this run does not reach the hazard; it may still with other loads or timings.`,
      },
      verdict: 'contradicted' as Verdict,
    };
  });
}
