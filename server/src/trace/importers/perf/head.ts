/**
 * The head of a `perf script` line, as perf prints tracepoint samples by default
 * (`perf record -e sched:sched_switch ... -a` then `perf script`; fields comm, tid, cpu, time,
 * event, trace, see the perf-script(1) manual, option -F):
 *
 *     COMM  TID [CPU] SECONDS.FRACTION: [PERIOD] SYS:EVENT: BODY
 *     COMM  PID/TID [CPU] SECONDS.FRACTION: SYS:EVENT: BODY        (-F +pid)
 *
 * - COMM is right-aligned in 16 columns and may contain spaces (`CPU 0/KVM`); the thread id is the
 *   whitespace-separated number before the CPU column, the comm is everything before it.
 * - The CPU column only exists when the samples carry a CPU (system-wide `-a` or `-C` records);
 *   without it the line cannot be placed on a CPU and is reported.
 * - The fraction has 6 digits (microseconds) by default, 9 with `--ns`.
 * - A PERIOD column (digits) appears with `-F +period`; it is skipped.
 * - The event is `subsystem:name`; the subsystem is dropped so that `sched:sched_switch` is the
 *   same event as tracefs' `sched_switch`. Names without a subsystem (`cycles`) are kept whole.
 * - The body is the event's print format, as the tracefs text prints it (`prev_comm=...`), or as
 *   libtraceevent's plugins print it (`prev:pid [prio] S ==> next:pid [prio]`, the same as
 *   `trace-cmd report`): the ftrace body parsers read both.
 * - Call-chain lines (`perf script` of a `-g` record) are indented hexadecimal addresses with a
 *   symbol: they are skipped, as are blank lines and `#` comments (`--header`).
 * - Side-band records (`--show-task-events`, `--show-lost-events`...) print `PERF_RECORD_NAME`
 *   where the event would be, or without the sample columns: skipped, and a `PERF_RECORD_LOST`
 *   adds the number after its `lost` to the lost-events counter.
 *
 * Fills the shared ftrace {@link hdr} record (so the ftrace event code reads the rest) and returns
 * a status; nothing is allocated.
 */
import { COLON, HASH, LBRACKET, RBRACKET, SPACE, TAB, ascii, indexOfSeq, isDigit, num, parseTimestampNs, parseUint, skipBlanks, startsWithAt, trimEnd } from '../../bytes';
import { hdr } from '../ftrace/header';

export const enum PerfHead {
  Event = 0,
  /** Blank line or comment. */
  Skip = 1,
  Malformed = 2,
  /** An indented call-chain frame (skipped like a comment). */
  Frame = 3,
  /**
   * A side-band record printed by `--show-task-events`, `--show-lost-events`... (`PERF_RECORD_...`):
   * skipped; for `PERF_RECORD_LOST`, hdr.lost holds the count of lost samples.
   */
  Record = 4,
}

const SLASH = 0x2f;
const PERF_RECORD = ascii('PERF_RECORD_');
const LOST = ascii('LOST');
const LOST_WORD = ascii('lost ');

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** perf's event modifiers (`cycles:ppp`, `instructions:u`): such a suffix is not a subsystem split. */
const isModifier = (c: number): boolean => 'ukhIGHpPSDWe'.includes(String.fromCharCode(c));

function malformed(reason: string): PerfHead {
  hdr.reason = reason;
  return PerfHead.Malformed;
}

/**
 * Parses the head of `b[start, end)` (no line terminator). On {@link PerfHead.Event}, hdr holds the
 * comm span, pid (the thread id), tgid (the process id when printed, else -1), cpu, ts (ns), the
 * event name span without its subsystem (`hasSubsystem` says whether it had one) and the body span.
 */
export function parsePerfHead(b: Uint8Array, start: number, end: number): PerfHead {
  const st = parseLine(b, start, end);
  if (st !== PerfHead.Malformed) return st;
  // Side-band records may lack the sample columns: recognised wherever they are.
  const rec = indexOfSeq(b, PERF_RECORD, start, end);
  return rec >= 0 ? sideBand(b, rec, end) : st;
}

/** A `PERF_RECORD_...` line at `q`: its lost count, if any, in hdr.lost. */
function sideBand(b: Uint8Array, q: number, end: number): PerfHead {
  hdr.lost = 0;
  if (startsWithAt(b, q + PERF_RECORD.length, end, LOST)) {
    const at = indexOfSeq(b, LOST_WORD, q, end);
    if (at >= 0 && parseUint(b, skipBlanks(b, at + LOST_WORD.length, end), end) > 0) hdr.lost = num.value;
  }
  return PerfHead.Record;
}

function parseLine(b: Uint8Array, start: number, end: number): PerfHead {
  end = trimEnd(b, start, end);
  const p = skipBlanks(b, start, end);
  if (p === end || b[p] === HASH) return PerfHead.Skip;
  if (p > start && isHex(b[p])) {
    // An indented call-chain frame: `\t ffffffff81c0b5b1 __schedule+0x2a1 ([kernel.kallsyms])`.
    let q = p;
    while (q < end && isHex(b[q])) q++;
    if (q === end || b[q] === SPACE || b[q] === TAB) return PerfHead.Frame;
  }
  hdr.src = 0;
  hdr.flagsLen = 0;
  // The CPU column: `[` digits `]` preceded by the thread id (digits or digits/digits) after a
  // blank. A comm may contain brackets, so candidates that do not fit are skipped.
  let firstReason = '';
  let rb = -1;
  for (let lb = p; lb < end; lb++) {
    if (b[lb] !== LBRACKET) continue;
    const r = parseUint(b, lb + 1, end);
    if (r < 0 || r >= end || b[r] !== RBRACKET) continue;
    const cpu = num.value;
    const why = taskBefore(b, p, lb);
    if (why === '') {
      hdr.cpu = cpu;
      rb = r;
      break;
    }
    if (!firstReason) firstReason = why;
  }
  if (rb < 0) return malformed(firstReason || 'no CPU column ([N]) found: record with -a (or -C) so samples carry their CPU');
  let q = skipBlanks(b, rb + 1, end);
  const t = parseTimestampNs(b, q, end);
  if (t < 0) return malformed('missing timestamp after the CPU column');
  hdr.ts = num.value;
  if (t >= end || b[t] !== COLON) return malformed('expected ":" after the timestamp');
  q = skipBlanks(b, t + 1, end);
  // Optional period column.
  if (q < end && isDigit(b[q])) {
    let d = q;
    while (d < end && isDigit(b[d])) d++;
    if (d < end && (b[d] === SPACE || b[d] === TAB)) q = skipBlanks(b, d, end);
  }
  if (startsWithAt(b, q, end, PERF_RECORD)) return sideBand(b, q, end);
  // The event name: a token ending with ':'.
  let ne = q;
  while (ne < end && b[ne] !== SPACE && b[ne] !== TAB) ne++;
  if (ne === q) return malformed('missing event name');
  if (b[ne - 1] !== COLON || ne - 1 === q) return malformed('expected "event:" after the timestamp');
  const nameEnd = ne - 1;
  let nameStart = q;
  perfName.hasSubsystem = false;
  for (let i = q; i < nameEnd; i++) {
    if (b[i] !== COLON) continue;
    let mods = i + 1 < nameEnd;
    for (let k = i + 1; k < nameEnd && mods; k++) mods = isModifier(b[k]);
    if (!mods && i > q && i + 1 < nameEnd) {
      nameStart = i + 1;
      perfName.hasSubsystem = true;
    }
    break;
  }
  hdr.nameStart = nameStart;
  hdr.nameEnd = nameEnd;
  hdr.bodyStart = skipBlanks(b, ne, end);
  hdr.bodyEnd = end;
  return PerfHead.Event;
}

/** Extra facts about the last parsed name. */
export const perfName = { hasSubsystem: false };

/** Reads `COMM TID` or `COMM PID/TID` ending before `lb` into hdr; '' or why it does not fit. */
function taskBefore(b: Uint8Array, p: number, lb: number): string {
  const e = trimEnd(b, p, lb);
  if (e === lb) return 'expected a blank before the CPU column';
  let d = e;
  while (d > p && isDigit(b[d - 1])) d--;
  if (d === e) return 'missing thread id before the CPU column';
  const tidStart = d;
  let pidStart = -1;
  if (d > p && b[d - 1] === SLASH) {
    let s = d - 1;
    while (s > p && isDigit(b[s - 1])) s--;
    if (s === d - 1) return 'expected PID/TID before the CPU column';
    pidStart = s;
    d = s;
  }
  if (d > p && b[d - 1] !== SPACE && b[d - 1] !== TAB) return 'expected "COMM TID" before the CPU column';
  if (e - tidStart > 10) return 'thread id out of range';
  parseUint(b, tidStart, e);
  if (num.value > 0x7fffffff) return 'thread id out of range';
  hdr.pid = num.value;
  hdr.tgid = -1;
  if (pidStart >= 0) {
    if (tidStart - 1 - pidStart > 10) return 'process id out of range';
    parseUint(b, pidStart, tidStart - 1);
    if (num.value > 0x7fffffff) return 'process id out of range';
    hdr.tgid = num.value;
  }
  hdr.commStart = p;
  hdr.commEnd = trimEnd(b, p, d);
  return '';
}
