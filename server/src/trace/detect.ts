/**
 * Format detection from the first bytes of an input (after decompression).
 *
 * - Chrome trace JSON starts with `[` or `{` (after blanks / a UTF-8 BOM).
 * - tracefs text starts with `# tracer:`; `trace_pipe` text has no header but a flags column.
 * - `trace-cmd report` text starts with `cpus=N` (or `FILE: cpus=N` for several files) or
 *   `version = N`; its events have no flags column unless `-l` was given.
 * - `perf script` text has `COMM TID [CPU] TIME: SYS:EVENT:` lines: the thread id is a separate
 *   number (not `COMM-PID`) and the event carries its subsystem (`sched:sched_switch:`), which
 *   neither tracefs nor trace-cmd print.
 * - gzip (1f 8b) and trace-cmd's binary `.dat` (17 08 44 "tracing") are recognised only to say
 *   what to do with them.
 */
import { PerfHead, parsePerfHead, perfName } from './importers/perf/head';
import { CR, HASH, LF, SPACE, TAB, ascii, indexOfByte, indexOfSeq, skipBlanks, startsWithAt } from './bytes';

export type TraceFormat = 'tracefs' | 'trace-cmd' | 'chrome-json' | 'perf-script';
export type DetectedFormat = TraceFormat | 'gzip' | 'trace-cmd-dat' | 'binary' | 'empty';

/** Bytes the detector wants before deciding (fewer is fine at the end of the input). */
export const DETECT_BYTES = 64 * 1024;

const TRACER = ascii('# tracer:');
const CPUS = ascii('cpus=');
const VERSION = ascii('version = ');
const ARROW = ascii('==>');
const PREV_COMM = ascii('prev_comm=');
const SCHED_SWITCH = ascii('sched_switch:');
const DAT_MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67];

export function detectFormat(b: Uint8Array, len: number): DetectedFormat {
  let i = 0;
  if (len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  if (len >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (len >= DAT_MAGIC.length && DAT_MAGIC.every((v, k) => b[k] === v)) return 'trace-cmd-dat';
  while (i < len && (b[i] === SPACE || b[i] === TAB || b[i] === LF || b[i] === CR)) i++;
  if (i === len) return 'empty';
  if (b[i] === 0x5b || b[i] === 0x7b) return 'chrome-json';
  // NUL bytes in the first 4 KB: binary data, unless the lines say which text format this is
  // (a header, perf's or trace-cmd's event lines, or `[CPU]` fields of digits; not the looser
  // flags-column guess). A single NUL in a text trace refused all of it (0 of 14,935 events).
  let nul = 0;
  for (let k = 0; k < len && k < 4096; k++) if (b[k] === 0) nul++;
  // More than 1 in 64 is no damaged text trace: a text line is some 100 bytes.
  if (nul > 64) return 'binary';

  let flagsLines = 0;
  let plainLines = 0;
  let lines = 0;
  for (let s = 0; s < len && lines < 200; lines++) {
    let e = b.indexOf(LF, s);
    if (e < 0 || e > len) e = len;
    const p = skipBlanks(b, s, e);
    if (startsWithAt(b, p, e, TRACER)) return 'tracefs';
    if (startsWithAt(b, p, e, CPUS) || startsWithAt(b, p, e, VERSION)) return 'trace-cmd';
    if (p < e && b[p] !== HASH) {
      if (parsePerfHead(b, s, e) === PerfHead.Event && perfName.hasSubsystem) return 'perf-script';
      // `NAME: cpus=N` (multi-file report).
      const colon = indexOfByte(b, 0x3a, p, e);
      if (colon > p && colon < e && b[colon + 1] === SPACE && startsWithAt(b, skipBlanks(b, colon + 1, e), e, CPUS)) return 'trace-cmd';
      const sw = indexOfSeq(b, SCHED_SWITCH, p, e);
      if (sw >= 0) {
        const body = skipBlanks(b, sw + SCHED_SWITCH.length, e);
        if (!startsWithAt(b, body, e, PREV_COMM) && indexOfSeq(b, ARROW, body, e) >= 0) return 'trace-cmd';
      }
      const rb = indexOfByte(b, 0x5d, p, e);
      if (rb > 0 && rb < e && (nul === 0 || cpuField(b, p, rb))) {
        const q = skipBlanks(b, rb + 1, e);
        if (q < e && (b[q] < 0x30 || b[q] > 0x39)) flagsLines++;
        else plainLines++;
      }
    }
    s = e + 1;
  }
  // With NULs, at least a few `[CPU]` lines (random bytes seldom write one: `[`, digits, `]`).
  if (nul > 0 && flagsLines + plainLines < 3) return 'binary';
  return flagsLines >= plainLines && flagsLines > 0 ? 'tracefs' : plainLines > 0 ? 'trace-cmd' : 'tracefs';
}

/** Whether the `]` at `rb` closes a `[` + 1-4 digits CPU field that starts after `from`. */
function cpuField(b: Uint8Array, from: number, rb: number): boolean {
  let k = rb - 1;
  while (k > from && k >= rb - 4 && b[k] >= 0x30 && b[k] <= 0x39) k--;
  return k < rb - 1 && k >= from && b[k] === 0x5b;
}
