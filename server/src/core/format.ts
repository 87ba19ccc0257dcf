import { clipLabel } from './text';
/**
 * The one module that formats numbers for people: durations, percentages, counts and text tables,
 * for every shell (CLI summaries, diagnostics and hovers, the timeline view's panels, the HTML
 * report). Pure; no locale data beyond `toLocaleString('en-US')` for unusual counts.
 *
 * Two duration styles, on purpose:
 * - `fmtNs`: three significant digits with fixed decimals (`1.20 ms`, `12.3 ms`, `123 ms`), for
 *   tables and summaries where columns line up;
 * - `fmtNsShort`: the same precision with trailing zeros dropped (`1.2 ms`, `2.5 ms`, `1 s`), for
 *   messages, where a value reads as a sentence's word.
 * Percentages take an explicit scale: `fmtPercent(42)` is "42%", `fmtFraction(0.42)` is "42%".
 */

/** 1234567 ns -> "1.23 ms": three significant digits, fixed decimals, unit by magnitude. */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return `${ns} ns`;
  const a = Math.abs(ns);
  const f = (v: number, u: string) => {
    const m = Math.abs(v);
    return `${v.toFixed(m >= 100 ? 0 : m >= 10 ? 1 : 2)} ${u}`;
  };
  if (a >= 1e9) return f(ns / 1e9, 's');
  if (a >= 1e6) return f(ns / 1e6, 'ms');
  if (a >= 1e3) return f(ns / 1e3, 'us');
  return `${Math.round(ns)} ns`;
}

/** Trims a number to three significant figures (at most three decimals), without exponent notation. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(x.toFixed(digits)));
}

/** `250 ns`, `20 us`, `2.5 ms`, `1 s`: three significant figures, trailing zeros dropped (whole ns below 1 us). */
export function fmtNsShort(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${fmtNum(ns / 1e9)} s`;
  if (a >= 1e6) return `${fmtNum(ns / 1e6)} ms`;
  if (a >= 1e3) return `${fmtNum(ns / 1e3)} us`;
  return `${Math.round(ns)} ns`;
}

/** Trace timestamp (ns) as seconds with microseconds, the way ftrace prints it. */
export function fmtTs(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

/** A percentage given in percent units: 42 -> "42%", 4.25 -> "4.3%" (one decimal below 10). */
export function fmtPercent(p: number): string {
  const m = Math.abs(p);
  return `${p.toFixed(m >= 10 ? 0 : 1)}%`;
}

/** A fraction as a percentage: 0.42 -> "42%", 0.0425 -> "4.3%". */
export function fmtFraction(x: number): string {
  return fmtPercent(x * 100);
}

/**
 * 1234567 -> "1,234,567", as `toLocaleString('en-US')` writes it. Integers are grouped here:
 * the first toLocaleString call loads ICU's locale data, which costs more than a whole small
 * analysis; anything else (fractions, -0, huge values) still goes to toLocaleString.
 */
/**
 * A counter series' value (a Chrome trace's `"ph":"C"`): up to 4 digits after the point (1 from
 * 100 on), an exponent outside [1e-4, 1e15) so that 1e300 is not 301 digits and 5e-324 not `-0`.
 * The text summary and the view's Stats panel both write it.
 */
export function fmtCounterValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e15 || a < 1e-4)) return v.toExponential(3);
  return v.toLocaleString('en-US', { maximumFractionDigits: a >= 100 ? 1 : 4 });
}

export function fmtCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(n < 0 ? -n : n);
  let out = digits.length > 3 ? '' : digits;
  if (digits.length > 3) {
    const head = digits.length % 3 || 3;
    out = digits.slice(0, head);
    for (let i = head; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  }
  return n < 0 ? '-' + out : out;
}

/**
 * A text table: columns padded to their widest cell, two spaces apart, right-aligned where
 * `right[c]`, trailing blanks trimmed. Returns the lines (no line breaks).
 */
export function tableLines(rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  if (rows.length === 0) return [];
  // Cells quote names from scenarios and traces: a 1,000,000-character name padded every row of
  // its column to its width (7 MB of `simulate` text for one such VM, measured here).
  const cells = rows.map((r) => r.map(clipLabel));
  // A loop, not Math.max(...column): a spread of several hundred thousand rows overflows the stack.
  const widths = cells[0].map((_, c) => {
    let w = 0;
    for (const r of cells) w = Math.max(w, (r[c] ?? '').length);
    return w;
  });
  return cells.map((r) => r.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/** `tableLines` joined, with a final line break. */
export function table(rows: readonly (readonly string[])[], right: readonly boolean[]): string {
  const lines = tableLines(rows, right);
  return lines.length ? lines.join('\n') + '\n' : '';
}
