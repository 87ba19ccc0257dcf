/**
 * Byte-level helpers for the text importers. The hot path parses `Uint8Array` slices directly with
 * char-code comparisons: no per-line strings, no regular expressions, no `Buffer` (this layer is
 * pure and must also run in a browser).
 *
 * Invariant: nothing under `trace/` imports node modules, reads the clock or touches `process`.
 */

export const SPACE = 0x20;
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const COLON = 0x3a;
export const DASH = 0x2d;
export const DOT = 0x2e;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;
export const LPAREN = 0x28;
export const RPAREN = 0x29;
export const EQUALS = 0x3d;
export const HASH = 0x23;
export const ZERO = 0x30;
export const NINE = 0x39;

export const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
export const isBlank = (c: number): boolean => c === SPACE || c === TAB;

/** Index of the first non-blank byte at or after `i` (or `end`). */
export function skipBlanks(b: Uint8Array, i: number, end: number): number {
  while (i < end && (b[i] === SPACE || b[i] === TAB)) i++;
  return i;
}

/** Index of the first blank byte at or after `i` (or `end`). */
export function skipToken(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] !== SPACE && b[i] !== TAB) i++;
  return i;
}

/** Index of the last non-blank byte before `end`, plus one (or `start`). */
export function trimEnd(b: Uint8Array, start: number, end: number): number {
  while (end > start && (b[end - 1] === SPACE || b[end - 1] === TAB || b[end - 1] === CR)) end--;
  return end;
}

/**
 * Result slot for the number parsers: they return the index after the digits and leave the value
 * here, so the hot path allocates nothing. `-1` as the returned index means "no digits".
 */
export const num = { value: 0 };

/** Parses unsigned decimal digits at `i`; returns the end index or -1 if there are none. */
export function parseUint(b: Uint8Array, i: number, end: number): number {
  let v = 0;
  const s = i;
  while (i < end) {
    const c = b[i];
    if (c < ZERO || c > NINE) break;
    v = v * 10 + (c - ZERO);
    i++;
  }
  if (i === s) return -1;
  num.value = v;
  return i;
}

/** Parses an optionally negative decimal integer. */
export function parseInt10(b: Uint8Array, i: number, end: number): number {
  if (i < end && b[i] === DASH) {
    const r = parseUint(b, i + 1, end);
    if (r >= 0) num.value = -num.value;
    return r;
  }
  return parseUint(b, i, end);
}

/** Parses `0x`-prefixed hex or decimal; values above 2^53 lose precision (ports and values are small). */
export function parseIntAuto(b: Uint8Array, i: number, end: number): number {
  if (i + 1 < end && b[i] === ZERO && (b[i + 1] === 0x78 || b[i + 1] === 0x58)) {
    let v = 0;
    let j = i + 2;
    for (; j < end; j++) {
      const c = b[j];
      let d: number;
      if (c >= ZERO && c <= NINE) d = c - ZERO;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else break;
      v = v * 16 + d;
    }
    if (j === i + 2) return -1;
    num.value = v;
    return j;
  }
  return parseInt10(b, i, end);
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Parses a `seconds.fraction` timestamp into integer nanoseconds (fraction of 1 to 9 digits; more
 * digits are truncated). A timestamp without a dot is taken as nanoseconds already (raw counter
 * clocks). Returns the end index or -1.
 */
export function parseTimestampNs(b: Uint8Array, i: number, end: number): number {
  let secs = 0;
  const s = i;
  while (i < end) {
    const c = b[i];
    if (c < ZERO || c > NINE) break;
    secs = secs * 10 + (c - ZERO);
    i++;
  }
  if (i === s) return -1;
  if (i >= end || b[i] !== DOT) {
    num.value = secs;
    return i;
  }
  i++;
  let frac = 0;
  let digits = 0;
  while (i < end) {
    const c = b[i];
    if (c < ZERO || c > NINE) break;
    if (digits < 9) {
      frac = frac * 10 + (c - ZERO);
      digits++;
    }
    i++;
  }
  if (digits === 0) return -1;
  num.value = secs * 1e9 + frac * POW10[9 - digits];
  return i;
}

/**
 * Fast probe for a known key at a known place (` prev_prio=` right after the prev_pid digits):
 * checks only the key's first, second and last bytes. In a well-formed line the key is always
 * there; a corrupted key name with its value in place is accepted, which is harmless. Callers
 * fall back to a full search when the probe fails.
 */
export function probeAt(b: Uint8Array, i: number, end: number, pat: Uint8Array): boolean {
  const n = pat.length;
  return i + n <= end && b[i] === pat[0] && b[i + 1] === pat[1] && b[i + n - 1] === pat[n - 1];
}

/** True when the bytes at `i` equal `pat`. */
export function startsWithAt(b: Uint8Array, i: number, end: number, pat: Uint8Array): boolean {
  const n = pat.length;
  if (i + n > end) return false;
  for (let k = 0; k < n; k++) if (b[i + k] !== pat[k]) return false;
  return true;
}

/** First index of byte `c` in `b[from, end)` or -1: never looks past `end` (a line's end). */
export function indexOfByte(b: Uint8Array, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === c) return i;
  return -1;
}

/**
 * First index of `pat` in `b[from, end)` or -1. Looks at no byte past `end`: a search bounded by
 * the line must not scan the rest of the chunk (with many short lines that is quadratic).
 */
export function indexOfSeq(b: Uint8Array, pat: Uint8Array, from: number, end: number): number {
  const first = pat[0];
  const n = pat.length;
  const last = end - n;
  for (let i = from; i <= last; i++) {
    if (b[i] !== first) continue;
    let k = 1;
    while (k < n && b[i + k] === pat[k]) k++;
    if (k === n) return i;
  }
  return -1;
}

/**
 * First index at or after `from` of a blank followed by `pat` (e.g. ` prev_pid=`), scanning with
 * a plain loop: the text before it is a comm, normally a dozen bytes without blanks, so this is
 * much cheaper than a general search whose first byte (a blank) matches everywhere.
 * `pat` must start with the blank.
 */
export function indexOfField(b: Uint8Array, pat: Uint8Array, from: number, end: number): number {
  const n = pat.length;
  for (let i = from; i + n <= end; i++) {
    if (b[i] !== SPACE) continue;
    let k = 1;
    while (k < n && b[i + k] === pat[k]) k++;
    if (k === n) return i;
  }
  return -1;
}

/** Last index of byte `c` in `b[start, end)` or -1. */
export function lastIndexOfByte(b: Uint8Array, c: number, start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) if (b[i] === c) return i;
  return -1;
}

/** ASCII bytes of a constant pattern. */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** `ignoreBOM`: a name that starts with U+FEFF keeps it (the default decoder drops a leading one). */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes a byte range as UTF-8 (invalid sequences become U+FFFD). Only used off the hot path:
 * for interned names, once per distinct string, and for warning samples.
 */
export function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  // Short pure-ASCII ranges are common (comms, event names): avoid the decoder's call overhead.
  if (end - start <= 32) {
    let ascii = true;
    for (let i = start; i < end; i++) if (b[i] >= 0x80) { ascii = false; break; }
    if (ascii) {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
      return s;
    }
  }
  return utf8.decode(b.subarray(start, end));
}
