/** Human-readable numbers for messages and the text summary. */

/** 1234567 ns -> "1.23 ms"; keeps three significant digits. */
export function fmtNs(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(a >= 1e11 ? 0 : a >= 1e10 ? 1 : 2)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(a >= 1e8 ? 0 : a >= 1e7 ? 1 : 2)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toFixed(a >= 1e5 ? 0 : a >= 1e4 ? 1 : 2)} us`;
  return `${Math.round(ns)} ns`;
}

/** Trace timestamp (ns) as seconds with microseconds, the way ftrace prints it. */
export function fmtTs(ns: number): string {
  return `${(ns / 1e9).toFixed(6)} s`;
}

export function fmtPct(x: number): string {
  return `${x.toFixed(x >= 10 ? 0 : 1)}%`;
}

/**
 * 1234567 -> "1,234,567", as `toLocaleString('en-US')` writes it. Integers are grouped here:
 * the first toLocaleString call loads ICU's locale data, which costs more than a whole small
 * analysis; anything else (fractions, -0, huge values) still goes to toLocaleString.
 */
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
 * Makes text safe to print on a terminal or to write into one line of a generated file: control
 * characters (C0 but tab and line feed, DEL, C1 such as CSI) and the Unicode line and paragraph
 * separators become `\xNN` / `\uNNNN`, so an ESC, BEL or CR from a trace's comms, exit reasons or
 * file names can neither drive the terminal nor start a new line.
 */
export function escapeControls(s: string, keepNewlines = true): string {
  return s.replace(keepNewlines ? CONTROLS_BUT_LF : CONTROLS, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_LF = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;
