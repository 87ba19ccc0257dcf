/**
 * The common head of every ftrace text line, shared by tracefs `trace` / `trace_pipe` output and
 * `trace-cmd report` (default, `-R` raw and `-l` latency formats):
 *
 *     [FILE: ]COMM-PID [(TGID)] [CPU] [FLAGS] SECONDS.FRACTION: EVENT: BODY
 *
 * - COMM may contain spaces, dashes and colons (`CPU 0/KVM`, `memfd:sealed-91`): the pid is the
 *   digits after the LAST dash before the CPU column, the comm is everything before that dash.
 * - `(TGID)` appears with tracefs `options/record-tgid` (`(-------)` when unknown).
 * - FLAGS has 4 characters on older kernels (`d..2`), 5 on newer ones (`d..2.`), and is absent
 *   from `trace-cmd report` default output. It never starts with a digit; a timestamp always does.
 * - `FILE: ` prefixes every line when `trace-cmd report` reads several files (host + guest); the
 *   importer learns the names from the `FILE: cpus=N` header lines that precede each file's data.
 *
 * The parser fills the module-level {@link hdr} record and returns a status code: no allocation.
 */
import {
  indexOfByte, indexOfSeq,
  COLON, DASH, DOT, HASH, LBRACKET, LPAREN, RBRACKET, RPAREN, SPACE, TAB, CR,
  isDigit, num, parseUint, parseTimestampNs, skipBlanks, skipToken, startsWithAt, trimEnd, ascii,
} from '../../bytes';
import { KNOWN_EVENT_NAMES } from '../../events';

export const enum HeaderStatus {
  Event = 0,
  /** Blank line, comment or header: counted as skipped. */
  Skip = 1,
  /** `cpus=N` header (possibly with a file prefix): see hdr.src / hdr.prefixStart. */
  CpusHeader = 2,
  /** `[LOST n EVENTS]` line: hdr.lost holds n. */
  Lost = 3,
  Malformed = 4,
  /** tracefs `# entries-in-buffer/entries-written: A/B   #P:N` comment: hdr.cpus holds N (CPUs online). */
  OnlineCpus = 5,
}

/** Output record of {@link parseHeader}; valid until the next call. */
export const hdr = {
  src: 0,
  commStart: 0,
  commEnd: 0,
  pid: 0,
  tgid: -1,
  cpu: 0,
  /** Length of the flags column (0 when absent), for format statistics. */
  flagsLen: 0,
  ts: 0,
  nameStart: 0,
  nameEnd: 0,
  bodyStart: 0,
  bodyEnd: 0,
  /** CpusHeader: where a `FILE: ` prefix starts and ends (equal when there is none). */
  prefixStart: 0,
  prefixEnd: 0,
  cpus: 0,
  lost: 0,
  reason: '',
};

const CPUS_EQ = ascii('cpus=');
const VERSION = ascii('version');
const LOST = ascii('LOST ');
const ENTRIES = ascii('# entries-in-buffer/');
const HASH_P = ascii('#P:');
const DROPPED = ascii('EVENTS DROPPED');

/**
 * Parses the head of `b[start, end)` (no line terminator). `prefixes` are the multi-file names
 * seen so far; a line starting with one of them followed by `: ` belongs to that file (src = index
 * + 1; 0 means "no prefix").
 */
export function parseHeader(b: Uint8Array, start: number, end: number, prefixes: readonly Uint8Array[]): HeaderStatus {
  end = trimEnd(b, start, end);
  let p = skipBlanks(b, start, end);
  if (p === end) return HeaderStatus.Skip;
  if (b[p] === HASH) return onlineCpus(b, p, end);

  hdr.src = 0;
  for (let k = 0; k < prefixes.length; k++) {
    const pre = prefixes[k];
    if (startsWithAt(b, p, end, pre) && p + pre.length + 1 < end && b[p + pre.length] === COLON && b[p + pre.length + 1] === SPACE) {
      hdr.src = k + 1;
      p = skipBlanks(b, p + pre.length + 2, end);
      break;
    }
  }

  // Find the CPU column, `[` digits `]`, preceded by COMM-PID. A comm may itself contain
  // brackets, so a candidate that is not preceded by COMM-PID is skipped for the next one.
  let firstReason = '';
  let lb = p;
  let rb = 0;
  for (;; lb++) {
    // A plain loop: the column is a few dozen bytes in, too close for a native search to pay off.
    while (lb < end && b[lb] !== LBRACKET) lb++;
    if (lb >= end) {
      if (firstReason) return malformed(firstReason);
      return classifyNonEvent(b, p, end);
    }
    const r = parseUint(b, lb + 1, end);
    if (r < 0 || b[r] !== RBRACKET || lb === p) continue;
    hdr.cpu = num.value;
    rb = r;
    const why = parseTaskBefore(b, p, lb);
    if (why === '') break;
    if (!firstReason) firstReason = why;
  }
  const afterCpu = rb + 1;

  // Flags (optional), then the timestamp.
  let q = skipBlanks(b, afterCpu, end);
  hdr.flagsLen = 0;
  if (q < end && !isDigit(b[q])) {
    const f = skipToken(b, q, end);
    hdr.flagsLen = f - q;
    q = skipBlanks(b, f, end);
  }
  const t = parseTimestampNs(b, q, end);
  if (t < 0) return malformed('missing timestamp');
  hdr.ts = num.value;
  if (t >= end || b[t] !== COLON) return malformed('expected ":" after the timestamp');

  // Event name up to the next ':' (function-tracer lines have no name: kept as `(function)`).
  const ns = skipBlanks(b, t + 1, end);
  let ne = ns;
  while (ne < end && b[ne] !== COLON && b[ne] !== SPACE) ne++;
  if (ne === ns) return malformed('missing event name');
  hdr.nameStart = ns;
  if (ne < end && b[ne] === COLON) {
    hdr.nameEnd = ne;
    hdr.bodyStart = skipBlanks(b, ne + 1, end);
  } else {
    hdr.nameEnd = -1; // a function-tracer line: the caller names it
    hdr.bodyStart = ns;
  }
  hdr.bodyEnd = end;
  return HeaderStatus.Event;
}

/** Reads `COMM-PID [(TGID)]` ending before `lb` into hdr; returns '' or why it failed. */
function parseTaskBefore(b: Uint8Array, p: number, lb: number): string {
  let e = trimEnd(b, p, lb);
  hdr.tgid = -1;
  if (e > p && b[e - 1] === RPAREN) {
    let o = e - 2;
    while (o >= p && b[o] !== LPAREN) o--;
    if (o < p) return 'unbalanced ( ) in the TGID column';
    const t = skipBlanks(b, o + 1, e - 1);
    if (isDigit(b[t]) && parseUint(b, t, e - 1) > 0) hdr.tgid = num.value;
    e = trimEnd(b, p, o);
  }
  // Digits backwards: the pid's value accumulates from its last digit.
  let d = e;
  let pid = 0;
  let scale = 1;
  while (d > p) {
    const c = b[d - 1];
    if (c < 0x30 || c > 0x39) break;
    pid += (c - 0x30) * scale;
    scale *= 10;
    d--;
  }
  if (d === e) return 'missing pid before the CPU column';
  if (d - 1 < p || b[d - 1] !== DASH) return 'expected COMM-PID before the CPU column';
  hdr.pid = pid;
  hdr.commStart = p;
  hdr.commEnd = d - 1;
  return '';
}

function malformed(reason: string): HeaderStatus {
  hdr.reason = reason;
  return HeaderStatus.Malformed;
}

/** A line without a CPU column: a known header, a lost-events line, or garbage. */
function classifyNonEvent(b: Uint8Array, p: number, end: number): HeaderStatus {
  // `cpus=N`, possibly prefixed by a file name: `  host.dat: cpus=2`.
  let c = p;
  hdr.prefixStart = hdr.prefixEnd = p;
  if (!startsWithAt(b, c, end, CPUS_EQ)) {
    const colon = indexOfByte(b, COLON, p, end);
    if (colon > p && colon < end && b[colon + 1] === SPACE) {
      const after = skipBlanks(b, colon + 1, end);
      if (startsWithAt(b, after, end, CPUS_EQ)) {
        hdr.prefixEnd = trimEnd(b, p, colon);
        c = after;
      }
    }
  }
  if (startsWithAt(b, c, end, CPUS_EQ)) {
    const r = parseUint(b, c + CPUS_EQ.length, end);
    if (r > 0) {
      hdr.cpus = num.value;
      return HeaderStatus.CpusHeader;
    }
  }
  if (startsWithAt(b, p, end, VERSION)) return HeaderStatus.Skip;
  // `CPU:1 [LOST 123 EVENTS]` (tracefs) or `CPU:1 [123 EVENTS DROPPED]` (trace-cmd).
  const lost = lostCount(b, p, end);
  if (lost >= 0) {
    hdr.lost = lost;
    return HeaderStatus.Lost;
  }
  return malformed('no CPU column ([N]) found');
}

/**
 * The tracefs header comment `# entries-in-buffer/entries-written: A/B   #P:N`, where N is the
 * number of CPUs online when the buffer was read (kernel/trace/trace.c, print_event_info). Any
 * other comment is skipped.
 */
function onlineCpus(b: Uint8Array, p: number, end: number): HeaderStatus {
  if (!startsWithAt(b, p, end, ENTRIES)) return HeaderStatus.Skip;
  const at = indexOfSeq(b, HASH_P, p + ENTRIES.length, end);
  if (at < 0) return HeaderStatus.Skip;
  const r = parseUint(b, at + HASH_P.length, end);
  if (r <= 0 || num.value === 0) return HeaderStatus.Skip;
  hdr.cpus = num.value;
  return HeaderStatus.OnlineCpus;
}

function lostCount(b: Uint8Array, p: number, end: number): number {
  for (let i = indexOfByte(b, LBRACKET, p, end); i >= 0; i = indexOfByte(b, LBRACKET, i + 1, end)) {
    if (startsWithAt(b, i + 1, end, LOST)) {
      const r = parseUint(b, i + 1 + LOST.length, end);
      return r > 0 ? num.value : 0;
    }
    const r = parseUint(b, i + 1, end);
    if (r > 0 && b[r] === SPACE && startsWithAt(b, r + 1, end, DROPPED)) return num.value;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Fast path
// ---------------------------------------------------------------------------------------------

/** {@link parseEventHead}: the line is not in the common shape; use {@link parseHeader}. */
export const HEAD_FALLBACK = -2;
/** {@link parseEventHead}: an event whose name is not one of the known ones (intern it). */
export const HEAD_OTHER_NAME = -1;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const SPACES4 = 0x20202020;
const BRACKETS4 = 0x5b5b5b5b;

/**
 * Known event names followed by their `:`, as little-endian 32-bit words: one per 4 bytes, the
 * last one ending with the `:` (overlapping the one before). A name is recognised by comparing
 * words instead of scanning for the colon and comparing bytes.
 */
const NAME_PATTERNS = KNOWN_EVENT_NAMES.map((n) => ascii(n + ':'));
const word = (p: Uint8Array, i: number): number => p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24);
const NAME_OFFSETS = NAME_PATTERNS.map((p) => {
  const o: number[] = [];
  for (let k = 0; k + 4 < p.length; k += 4) o.push(k);
  o.push(p.length - 4);
  return Int32Array.from(o);
});
const NAME_WORDS = NAME_PATTERNS.map((p, k) => Int32Array.from(NAME_OFFSETS[k], (o) => word(p, o)));
const NAME_LENGTHS = Int32Array.from(NAME_PATTERNS, (p) => p.length);
/** Candidates by a hash of the first two words: first kind, then a chain through NAME_NEXT. */
const nameHash = (w0: number, w1: number): number => (w0 ^ Math.imul(w1, 0x9e3779b1)) >>> 26;
const NAME_FIRST = new Int32Array(64).fill(-1);
const NAME_NEXT = new Int32Array(NAME_PATTERNS.length).fill(-1);
for (let k = NAME_PATTERNS.length - 1; k >= 0; k--) {
  const h = nameHash(NAME_WORDS[k][0], NAME_WORDS[k][1]);
  NAME_NEXT[k] = NAME_FIRST[h];
  NAME_FIRST[h] = k;
}

/** The known event kind whose `name:` is at `ns` (all of it before `end`), or -1. */
function knownNameAt(dv: DataView, ns: number, end: number): number {
  if (ns + 8 > end) return -1;
  const w0 = dv.getInt32(ns, true);
  const w1 = dv.getInt32(ns + 4, true);
  for (let k = NAME_FIRST[nameHash(w0, w1)]; k >= 0; k = NAME_NEXT[k]) {
    const w = NAME_WORDS[k];
    if (w[0] !== w0 || w[1] !== w1 || ns + NAME_LENGTHS[k] > end) continue;
    const o = NAME_OFFSETS[k];
    let j = 2;
    while (j < w.length && dv.getInt32(ns + o[j], true) === w[j]) j++;
    if (j === w.length) return k;
  }
  return -1;
}

/**
 * The head of an event line in its common shape, in one pass and without helper calls: what
 * {@link parseHeader} computes for the same line, for lines of the unprefixed input whose first
 * `[` is the CPU column, whose pid and CPU are in range and which have a timestamp, a `:` and an
 * event name followed by `:`. Every other line (headers, comments, multi-file prefixes, function
 * tracer lines, anything malformed) returns {@link HEAD_FALLBACK} and goes through
 * {@link parseHeader}, so the two agree by construction. Returns the known event kind, or
 * {@link HEAD_OTHER_NAME} (which the caller interns: a known name is still found there). `dv` is a
 * DataView of the same bytes as `b`.
 */
export function parseEventHead(b: Uint8Array, dv: DataView, start: number, end: number): number {
  // Trailing blanks (kvm_pio lines end with a space).
  let c = b[end - 1];
  while (end > start && (c === SPACE || c === TAB || c === CR)) c = b[--end - 1];
  // Leading blanks (comms are right-aligned in 16 columns): four spaces at a time, then bytes.
  let p = start;
  while (p + 4 <= end && dv.getInt32(p, true) === SPACES4) p += 4;
  c = b[p];
  while (p < end && (c === SPACE || c === TAB)) c = b[++p];
  if (p >= end || c === HASH) return HEAD_FALLBACK;
  // The first `[` must be the CPU column. Words are tested for a `[` byte four at a time
  // (x has a zero byte where the word has a `[`).
  let lb = p + 1;
  for (;;) {
    if (lb + 4 > end) {
      while (lb < end && b[lb] !== LBRACKET) lb++;
      break;
    }
    const x = dv.getInt32(lb, true) ^ BRACKETS4;
    if (((x - 0x01010101) & ~x & 0x80808080) !== 0) {
      while (b[lb] !== LBRACKET) lb++;
      break;
    }
    lb += 4;
  }
  let i = lb + 1;
  let cpu = 0;
  c = b[i];
  while (i < end && c >= 0x30 && c <= 0x39) {
    cpu = cpu * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === lb + 1 || i >= end || c !== RBRACKET || cpu >= 8192) return HEAD_FALLBACK;
  const rb = i;
  // COMM-PID [(TGID)] before it.
  let e = lb;
  c = b[e - 1];
  while (e > p && (c === SPACE || c === TAB || c === CR)) c = b[--e - 1];
  let tgid = -1;
  if (e > p && c === RPAREN) {
    let o = e - 2;
    while (o >= p && b[o] !== LPAREN) o--;
    if (o < p) return HEAD_FALLBACK;
    let t = o + 1;
    while (t < e - 1 && (b[t] === SPACE || b[t] === TAB)) t++;
    c = b[t];
    if (t < e - 1 && c >= 0x30 && c <= 0x39) {
      let v = 0;
      while (t < e - 1 && c >= 0x30 && c <= 0x39) {
        v = v * 10 + (c - 0x30);
        c = b[++t];
      }
      tgid = v;
    }
    e = o;
    c = b[e - 1];
    while (e > p && (c === SPACE || c === TAB || c === CR)) c = b[--e - 1];
  }
  let d = e;
  let pid = 0;
  let scale = 1;
  while (d > p && c >= 0x30 && c <= 0x39) {
    pid += (c - 0x30) * scale;
    scale *= 10;
    c = b[--d - 1];
  }
  if (d === e || d - 1 < p || c !== DASH || pid > 0x7fffffff) return HEAD_FALLBACK;
  // Flags (optional), then the timestamp.
  i = rb + 1;
  c = b[i];
  while (i < end && (c === SPACE || c === TAB)) c = b[++i];
  let flagsLen = 0;
  if (i < end && (c < 0x30 || c > 0x39)) {
    const f = i;
    while (i < end && c !== SPACE && c !== TAB) c = b[++i];
    flagsLen = i - f;
    while (i < end && (c === SPACE || c === TAB)) c = b[++i];
  }
  const ts0 = i;
  let secs = 0;
  while (i < end && c >= 0x30 && c <= 0x39) {
    secs = secs * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === ts0) return HEAD_FALLBACK;
  let ts = secs;
  if (i + 7 < end && c === DOT && b[i + 7] === COLON) {
    // The usual microseconds: exactly six digits, then the colon.
    const d1 = b[i + 1] - 0x30;
    const d2 = b[i + 2] - 0x30;
    const d3 = b[i + 3] - 0x30;
    const d4 = b[i + 4] - 0x30;
    const d5 = b[i + 5] - 0x30;
    const d6 = b[i + 6] - 0x30;
    if ((d1 >>> 0) < 10 && (d2 >>> 0) < 10 && (d3 >>> 0) < 10 && (d4 >>> 0) < 10 && (d5 >>> 0) < 10 && (d6 >>> 0) < 10) {
      ts = secs * 1e9 + (((((d1 * 10 + d2) * 10 + d3) * 10 + d4) * 10 + d5) * 10 + d6) * POW10[3];
      i += 7;
      c = COLON;
    }
  }
  if (c === DOT && i < end) {
    c = b[++i];
    let frac = 0;
    let digits = 0;
    while (i < end && c >= 0x30 && c <= 0x39) {
      if (digits < 9) {
        frac = frac * 10 + (c - 0x30);
        digits++;
      }
      c = b[++i];
    }
    if (digits === 0) return HEAD_FALLBACK;
    ts = secs * 1e9 + frac * POW10[9 - digits];
  }
  if (i >= end || c !== COLON) return HEAD_FALLBACK;
  // The event name, up to its `:`: a known name is recognised at once, any other is scanned.
  c = b[++i];
  while (i < end && (c === SPACE || c === TAB)) c = b[++i];
  const ns = i;
  let kind = knownNameAt(dv, ns, end);
  if (kind >= 0) {
    i = ns + NAME_LENGTHS[kind] - 1;
  } else {
    while (i < end && c !== COLON && c !== SPACE) c = b[++i];
    if (i === ns || i >= end || c !== COLON) return HEAD_FALLBACK;
    kind = HEAD_OTHER_NAME;
  }
  const ne = i;
  c = b[++i];
  while (i < end && (c === SPACE || c === TAB)) c = b[++i];
  hdr.src = 0;
  hdr.commStart = p;
  hdr.commEnd = d - 1;
  hdr.pid = pid;
  hdr.tgid = tgid;
  hdr.cpu = cpu;
  hdr.flagsLen = flagsLen;
  hdr.ts = ts;
  hdr.nameStart = ns;
  hdr.nameEnd = ne;
  hdr.bodyStart = i;
  hdr.bodyEnd = end;
  return kind;
}
