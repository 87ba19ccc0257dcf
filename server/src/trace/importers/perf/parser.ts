/**
 * `perf script` text of `sched:` and `kvm:` tracepoints: the line head is perf's (head.ts), the
 * bodies are the same print formats tracefs and `trace-cmd report` show, so everything after the
 * head (body parsers, event rows, thread table, timestamp outliers) is the ftrace parser's own.
 *
 * Every line ends up as exactly one of: an event row, a skipped line (blank, comment, call-chain
 * frame) or a located warning. Nothing throws.
 */
import { CR, LF } from '../../bytes';
import type { EventTable, ThreadTable } from '../../events';
import type { ImportStats } from '../../stats';
import { hdr } from '../ftrace/header';
import { Dialect } from '../ftrace/fields';
import { FtraceParser } from '../ftrace/parser';
import { PerfHead, parsePerfHead } from './head';

/** Linux supports at most 8192 CPUs. */
const MAX_CPUS = 8192;

export class PerfParser extends FtraceParser {
  /** Lines with a `PID/TID` column, and call-chain frames skipped. */
  pidTidLines = 0;
  callchainLines = 0;

  constructor(table: EventTable, threads: ThreadTable, stats: ImportStats) {
    // perf evaluates the kernel's own print format (kernel state letters); bodies printed by the
    // libtraceevent sched_switch plugin are read with that plugin's letters (as for trace-cmd).
    super(table, threads, stats, Dialect.Kernel);
  }

  override lines(
    b: Uint8Array,
    finder: Uint8Array,
    start: number,
    base: number,
    lineNo: number,
    maxLineBytes: number,
    tooLong: (lineNo: number, offset: number) => void,
  ): number {
    for (;;) {
      const nl = finder.indexOf(LF, start);
      if (nl < 0) break;
      lineNo++;
      let e = nl;
      if (e > start && b[e - 1] === CR) e--;
      if (e - start > maxLineBytes) tooLong(lineNo, base + start);
      else this.line(b, start, e, lineNo, base + start);
      start = nl + 1;
    }
    this.lastLineNo = lineNo;
    return start;
  }

  override line(b: Uint8Array, start: number, end: number, lineNo: number, offset: number): void {
    if (b !== this.dvOf) this.setView(b);
    const status = parsePerfHead(b, start, end);
    if (status === PerfHead.Record) {
      this.stats.skippedLines++;
      if (hdr.lost > 0) this.stats.count('lost_events', hdr.lost);
      return;
    }
    if (status === PerfHead.Skip || status === PerfHead.Frame) {
      this.stats.skippedLines++;
      if (status === PerfHead.Frame) this.callchainLines++;
      return;
    }
    if (status === PerfHead.Malformed) return this.malformed(lineNo, offset, hdr.reason);
    if (hdr.cpu >= MAX_CPUS) return this.malformed(lineNo, offset, `CPU number ${hdr.cpu} out of range`);
    if (hdr.tgid >= 0) this.pidTidLines++;
    this.event(b, this.table.nameId(b, hdr.nameStart, hdr.nameEnd), lineNo, offset);
  }
}
