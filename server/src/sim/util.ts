/** Small formatting helpers for messages (stall causes, findings). */
import type { Ns } from './engine';

/** `1.25 ms`, `830 us`, `12 ns`, `2.4 s`: three significant digits, unit chosen by magnitude. */
export function fmtNs(ns: Ns): string {
  const a = Math.abs(ns);
  const f = (v: number, u: string) => `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${u}`;
  if (a >= 1e9) return f(ns / 1e9, 's');
  if (a >= 1e6) return f(ns / 1e6, 'ms');
  if (a >= 1e3) return f(ns / 1e3, 'us');
  return `${Math.round(ns)} ns`;
}

/** `42%` with up to one decimal. */
export function fmtPct(x: number): string {
  const p = x * 100;
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}
