/** Interval helpers shared by the linking steps (sorted, non-overlapping lane intervals). Pure. */
import type { LaneSource, TimelineSource } from '../../core/timeline';
import type { LinkedStallDoc } from '../schema';

export const EXAMPLES = 5;
export const TOP = 5;

export const prefixOf = (s: string | undefined): string => (s ? `${s}/` : '');
export const srcOf = (s: string | undefined): string => s ?? '';
export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** `comm (tid)` causes carry their tid last; CPU causes end with the number. */
export function cpuOfCause(c: string): number {
  const m = /CPU (\d+)$/.exec(c);
  return m ? Number(m[1]) : -1;
}

export function lanesById(tl: TimelineSource): Map<string, LaneSource> {
  const m = new Map<string, LaneSource>();
  for (const l of tl.lanes) m.set(l.id, l);
  return m;
}


/** States by name (both sides come from the same reconstruction, but do not rely on the order). */
export function stateIdx(tl: TimelineSource, names: string[]): Set<number> {
  const s = new Set<number>();
  for (const n of names) {
    const i = tl.states.indexOf(n);
    if (i >= 0) s.add(i);
  }
  return s;
}

/** Running intervals of a lane as flat sorted [a, b], adjacent ones (gap <= join) merged. */
export function intervalsIn(l: LaneSource, states: Set<number>, join: number): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < l.length; i++) {
    if (!states.has(l.stateAt(i))) continue;
    const a = l.startAt(i);
    const b = l.endAt(i);
    const n = out.length;
    if (n && a - out[n - 1] <= join) out[n - 1] = Math.max(out[n - 1], b);
    else out.push(a, b);
  }
  return Float64Array.from(out);
}

/** Overlap of [a, b) with a sorted flat list of non-overlapping intervals (binary search, then a scan). */
export function overlapWith(iv: Float64Array, a: number, b: number): number {
  let lo = 0;
  let hi = iv.length >> 1;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (iv[2 * m + 1] <= a) lo = m + 1;
    else hi = m;
  }
  let s = 0;
  for (let k = lo; k < iv.length >> 1 && iv[2 * k] < b; k++) s += Math.max(0, Math.min(b, iv[2 * k + 1]) - Math.max(a, iv[2 * k]));
  return s;
}

/** First interval of a lane (sorted, non-overlapping) that ends after `t`. */
export function firstEndingAfter(l: LaneSource, t: number): number {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (l.endAt(m) <= t) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First element of a list sorted by `b` (non-overlapping intervals) with b > t. */
export function firstAfter<T extends { b: number }>(list: readonly T[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m].b <= t) lo = m + 1;
    else hi = m;
  }
  return lo;
}


export function keep(list: LinkedStallDoc[], s: LinkedStallDoc): void {
  let i = list.length;
  if (i === EXAMPLES && list[i - 1].durationNs >= s.durationNs) return;
  while (i > 0 && list[i - 1].durationNs < s.durationNs) i--;
  list.splice(i, 0, s);
  if (list.length > EXAMPLES) list.pop();
}


/** First and last instant of a source's lanes (the document window for a single source). */
export function sourceWindow(tl: TimelineSource, prefix: string, w: { startNs: number; endNs: number }): { lo: number; hi: number } {
  if (!prefix) return { lo: w.startNs, hi: w.endNs };
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of tl.lanes) {
    if (!l.id.startsWith(prefix) || !l.length) continue;
    lo = Math.min(lo, l.startAt(0));
    hi = Math.max(hi, l.endAt(l.length - 1));
  }
  return lo <= hi ? { lo, hi } : { lo: w.startNs, hi: w.endNs };
}

