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
  COLON, DASH, HASH, LBRACKET, LPAREN, RBRACKET, RPAREN, SPACE,
  isDigit, num, parseUint, parseTimestampNs, skipBlanks, skipToken, startsWithAt, trimEnd, ascii,
} from '../../bytes';

export const enum HeaderStatus {
  Event = 0,
  /** Blank line, comment or header: counted as skipped. */
  Skip = 1,
  /** `cpus=N` header (possibly with a file prefix): see hdr.src / hdr.prefixStart. */
  CpusHeader = 2,
  /** `[LOST n EVENTS]` line: hdr.lost holds n. */
  Lost = 3,
  Malformed = 4,
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
  if (b[p] === HASH) return HeaderStatus.Skip;

  hdr.src = 0;
  for (let k = 0; k < prefixes.length; k++) {
    const pre = prefixes[k];
    if (startsWithAt(b, p, end, pre) && b[p + pre.length] === COLON && b[p + pre.length + 1] === SPACE) {
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
  if (b[t] !== COLON) return malformed('expected ":" after the timestamp');

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
    const colon = b.indexOf(COLON, p);
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

function lostCount(b: Uint8Array, p: number, end: number): number {
  for (let i = b.indexOf(LBRACKET, p); i >= 0 && i < end; i = b.indexOf(LBRACKET, i + 1)) {
    if (startsWithAt(b, i + 1, end, LOST)) {
      const r = parseUint(b, i + 1 + LOST.length, end);
      return r > 0 ? num.value : 0;
    }
    const r = parseUint(b, i + 1, end);
    if (r > 0 && b[r] === SPACE && startsWithAt(b, r + 1, end, DROPPED)) return num.value;
  }
  return -1;
}
