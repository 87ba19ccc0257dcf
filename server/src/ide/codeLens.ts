/**
 * Code lenses that run the simulation: "▶ Simulate" (the base) and "Simulate all variants" on the
 * `scenario` statement (or, without one, on the first statement), and "▶ Simulate NAME" on each
 * top-level `variant NAME`; beside them, "Show Timeline" lenses that run the same simulation and
 * show it in the timeline view (on the scenario: the base, and all variants stacked when there are
 * variants; on each variant: that variant). The editor decides what running one does (`lsp/`
 * maps them onto the client's commands); here they are plain data.
 */
import type { Statement } from '../syntax/tree';
import { keepFirst, MAX_CODE_LENSES } from './limits';
import type { IdeDocument } from './document';
import type { TextRange } from './types';

export interface SimulateLens {
  /** The statement's keyword (where the editor shows the lens, above its line). */
  range: TextRange;
  title: string;
  /** `base` or a variant name; absent with `allVariants`. */
  variant?: string;
  allVariants?: boolean;
  /**
   * `simulate`: run and summarise; `timeline`: run and show the timeline view; `measured`: no
   * command, the one-line summary of the last background simulation.
   */
  action: 'simulate' | 'timeline' | 'measured';
}

/** Which lenses the editor can run (it announces the commands behind them). */
export interface LensKinds {
  simulate: boolean;
  timeline: boolean;
}

/** The name a `variant` statement declares ('' when it has none yet). */
export function variantName(s: Statement): string {
  const arg = s.args[0];
  return arg?.type === 'ident' ? arg.name : arg?.type === 'string' ? arg.value : '';
}

export function simulateLenses(doc: IdeDocument, kinds: LensKinds = { simulate: true, timeline: false }): SimulateLens[] {
  const top = doc.analysis.parse.file.statements.filter((s) => !s.keyword.missing);
  if (top.length === 0 || (!kinds.simulate && !kinds.timeline)) return [];
  const variants = top.filter((s) => s.keyword.name === 'variant' && variantName(s) !== '');
  const anchor = top.find((s) => s.keyword.name === 'scenario') ?? top[0];
  const at = (s: Statement): TextRange => ({ start: s.keyword.start, end: s.keyword.end });
  const lenses: SimulateLens[] = [];
  if (kinds.simulate) {
    lenses.push({ range: at(anchor), title: '▶ Simulate', variant: 'base', action: 'simulate' });
    if (variants.length) lenses.push({ range: at(anchor), title: 'Simulate all variants', allVariants: true, action: 'simulate' });
  }
  if (kinds.timeline) {
    lenses.push({ range: at(anchor), title: 'Show Timeline', variant: 'base', action: 'timeline' });
    if (variants.length) lenses.push({ range: at(anchor), title: 'Timeline of all variants', allVariants: true, action: 'timeline' });
  }
  for (const v of variants) {
    const name = variantName(v);
    if (kinds.simulate) lenses.push({ range: at(v), title: `▶ Simulate ${name}`, variant: name, action: 'simulate' });
    if (kinds.timeline) lenses.push({ range: at(v), title: 'Show Timeline', variant: name, action: 'timeline' });
  }
  return lenses;
}

/** What the last background simulation measured for one variant (plain data from `lsp/`). */
export interface MeasuredSummary {
  /** `base` or a variant name. */
  variant: string;
  /** The largest p99 latency over the variant's latency-measured tasks (ns), and whose. */
  worstP99Ns: number;
  worstTask?: string;
  stalls: number;
  /** Simulated time (ns). */
  simulatedNs: number;
  /** The budget or bound that stopped the run early (`simulated time`, `wall time`, `max_events`). */
  bound?: string;
}

function shortNs(ns: number): string {
  const [v, u] = ns >= 1e9 ? [ns / 1e9, 's'] : ns >= 1e6 ? [ns / 1e6, 'ms'] : ns >= 1e3 ? [ns / 1e3, 'us'] : [ns, 'ns'];
  return `${+v.toPrecision(3)} ${u}`;
}

/** "measured: worst p99 2.05 ms (nvme), 15 stalls, 300 ms simulated" (+ ", bound hit: wall time"). */
export function measuredTitle(m: MeasuredSummary, stale: boolean): string {
  const p99 = m.worstTask ? `worst p99 ${shortNs(m.worstP99Ns)} (${m.worstTask})` : 'no latency samples';
  const bound = m.bound ? `, bound hit: ${m.bound}` : '';
  return `${stale ? 'measured before the last edit' : 'measured'}: ${p99}, ${m.stalls} stall${m.stalls === 1 ? '' : 's'}, ${shortNs(m.simulatedNs)} simulated${bound}`;
}

/**
 * One command-less lens per summarised variant, above the `scenario` statement (the base; or the
 * first statement) and above each `variant NAME`. `stale`: the document changed since the run.
 */
export function measuredLenses(doc: IdeDocument, summaries: readonly MeasuredSummary[], stale: boolean): SimulateLens[] {
  const top = doc.analysis.parse.file.statements.filter((s) => !s.keyword.missing);
  if (top.length === 0) return [];
  const anchor = top.find((s) => s.keyword.name === 'scenario') ?? top[0];
  const at = (s: Statement): TextRange => ({ start: s.keyword.start, end: s.keyword.end });
  const lenses: SimulateLens[] = [];
  for (const m of summaries) {
    const s = m.variant === 'base' ? anchor : top.find((t) => t.keyword.name === 'variant' && variantName(t) === m.variant);
    if (s) lenses.push({ range: at(s), title: measuredTitle(m, stale), variant: m.variant, action: 'measured' });
  }
  return lenses;
}

/**
 * At most `limit` lenses (`MAX_CODE_LENSES`, ide/limits.ts): within it, `lenses` as they are; past
 * it, the first `limit` by position (a stable sort, so the lenses of one line keep their order).
 */
export function limitLenses(lenses: SimulateLens[], limit: number = MAX_CODE_LENSES): { lenses: SimulateLens[]; truncated: boolean } {
  if (lenses.length <= limit) return { lenses, truncated: false };
  const sorted = lenses.slice().sort((a, b) => a.range.start - b.range.start);
  keepFirst(sorted, limit);
  return { lenses: sorted, truncated: true };
}
