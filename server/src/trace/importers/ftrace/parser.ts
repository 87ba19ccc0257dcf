/**
 * Line parser for ftrace text (tracefs `trace`, `trace_pipe`) and `trace-cmd report` text: the
 * head of the line (header.ts), then the body of the events the analysis uses. Body styles are
 * told apart per event (`prev_comm=` vs `comm:pid [prio]`), so mixed files such as `report -R`
 * or tracefs text of an old kernel need no configuration; only the state letters depend on which
 * program printed the file (the dialect).
 *
 * Every line ends up as exactly one of: an event row, a skipped line (header, comment, blank,
 * lost-events marker) or a located warning. Nothing throws.
 */
import { CR, LF, ascii, trimEnd } from '../../bytes';
import { EventKind, KNOWN_EVENT_NAMES, noteKvmEvent, type EventTable, type ThreadTable } from '../../events';
import type { ImportStats } from '../../stats';
import { HEAD_FALLBACK, HEAD_OTHER_NAME, HeaderStatus, hdr, parseEventHead, parseHeader } from './header';
import { Dialect, ev, parseExit, parseFork, parseMigrate } from './fields';
import { isComm, isPrevComm, kvmEntry, kvmExit, kvmPio, kvmUserspaceExit, switchKeyValue, switchReport, wakeupKeyValue, wakeupReport } from './fast';
import { parseKvmHypercall, parseKvmMmio, parseKvmWriteTscOffset, tscWrite } from './kvm';

const UNKNOWN_COMM = ascii('<...>');
const FUNCTION = ascii('function');
const CPU_CACHE = 1024;
/** Comm ids past this are compared byte by byte (only a corrupt file has that many names). */
const MAX_CACHED_COMMS = 1 << 16;
const MAX_CPUS = 8192;
/** pid_t is a signed 32-bit number (Linux's own limit is 2^22). */
const MAX_PID = 0x7fffffff;
/** Timestamps at or above 2^64 ns cannot come from a u64 clock. */
const MAX_TS_NS = 2 ** 64;
/** A row this far (1 s) from both neighbours, which agree with each other, is an outlier. */
export const OUTLIER_NS = 1e9;
/** Jumps longer than this (10 s) are reported; first and last rows this far off are outliers. */
export const JUMP_NS = 10e9;

const secs = (ns: number): string => (ns / 1e9).toFixed(6);

/** What the parser learned about the file's layout, reported in the JSON `formatDetail`. */
export interface FtraceLayout {
  /** Lines seen with a 4- and a 5-character flags column, and without one. */
  flags4: number;
  flags5: number;
  flagsNone: number;
  /** Lines with a `(TGID)` column. */
  tgidLines: number;
  /** Body styles seen for sched events. */
  keyValueBodies: number;
  reportBodies: number;
}

export class FtraceParser {
  /** Multi-file prefixes (file names) in the order their `cpus=` header appeared. */
  readonly prefixes: Uint8Array[] = [];
  /** Source names: index 0 is the unprefixed input, then one per prefix. */
  readonly sources: string[] = [''];
  /** `cpus=N` per source, when the header gave it. */
  readonly cpusBySource: number[] = [];
  /**
   * tracefs's `#P:N` (CPUs online when the buffer was read), per source. Only a count: unlike
   * `cpus=N` it does not make lines on higher CPUs malformed (CPU numbers need not be contiguous).
   */
  readonly onlineCpus: number[] = [];
  /** Highest CPU number seen per source. */
  readonly maxCpuBySource: number[] = [];
  readonly layout: FtraceLayout = { flags4: 0, flags5: 0, flagsNone: 0, tgidLines: 0, keyValueBodies: 0, reportBodies: 0 };
  /** Per source: the last timestamp (-Infinity before the first) and the highest CPU (-1). */
  private readonly lastTs = new Float64Array(256).fill(-Infinity);
  private readonly maxCpu = new Int32Array(256).fill(-1);
  private readonly cachePid = new Int32Array(CPU_CACHE).fill(-1);
  private readonly cacheIdx = new Int32Array(CPU_CACHE);
  private readonly functionId: number;

  constructor(
    protected readonly table: EventTable,
    private readonly threads: ThreadTable,
    protected readonly stats: ImportStats,
    public dialect: Dialect,
  ) {
    this.functionId = table.nameId(FUNCTION, 0, FUNCTION.length);
  }

  /** Line number of the last line {@link lines} parsed. */
  lastLineNo = 0;

  /**
   * Parses every complete line of `b` from `start` on (a line ends with LF; a CR before it is
   * dropped) and returns the index after the last LF. `finder` holds the same bytes as `b` (the
   * caller's object: a Node Buffer's indexOf is memchr). Lines are numbered from `lineNo + 1`
   * ({@link lastLineNo} afterwards); `base` is the input offset of `b[0]`; a line longer than
   * `maxLineBytes` goes to `tooLong` instead.
   */
  lines(
    b: Uint8Array,
    finder: Uint8Array,
    start: number,
    base: number,
    lineNo: number,
    maxLineBytes: number,
    tooLong: (lineNo: number, offset: number) => void,
  ): number {
    if (b !== this.dvOf) this.setView(b);
    for (;;) {
      const nl = finder.indexOf(LF, start);
      if (nl < 0) break;
      lineNo++;
      let e = nl;
      if (e > start && b[e - 1] === CR) e--;
      if (e - start > maxLineBytes) tooLong(lineNo, base + start);
      else {
        // Most lines take the fast head parser; anything it does not accept goes the general way.
        const kind = this.prefixes.length === 0 ? parseEventHead(b, this.dv, start, e) : HEAD_FALLBACK;
        if (kind >= 0) this.event(b, kind, lineNo, base + start);
        else this.headSlow(b, kind, start, e, lineNo, base + start);
      }
      start = nl + 1;
    }
    this.lastLineNo = lineNo;
    return start;
  }

  /** Parses one line `b[start, end)` (without its terminator). */
  line(b: Uint8Array, start: number, end: number, lineNo: number, offset: number): void {
    if (b !== this.dvOf) this.setView(b);
    const kind = this.prefixes.length === 0 ? parseEventHead(b, this.dv, start, end) : HEAD_FALLBACK;
    if (kind >= 0) this.event(b, kind, lineNo, offset);
    else this.headSlow(b, kind, start, end, lineNo, offset);
  }

  /** A line the fast head parser did not take, or an event name it does not know. */
  private headSlow(b: Uint8Array, kind: number, start: number, end: number, lineNo: number, offset: number): void {
    if (kind === HEAD_FALLBACK) {
      const st = this.stats;
      const status = parseHeader(b, start, end, this.prefixes);
      if (status !== HeaderStatus.Event) {
        if (status === HeaderStatus.Malformed) return this.malformed(lineNo, offset, hdr.reason);
        st.skippedLines++;
        if (status === HeaderStatus.CpusHeader) this.cpusHeader(b);
        else if (status === HeaderStatus.OnlineCpus) this.onlineCpus[0] = hdr.cpus;
        else if (status === HeaderStatus.Lost) st.count('lost_events', hdr.lost);
        return;
      }
      // Linux supports at most 8192 CPUs and pids below 2^22; larger numbers are corruption.
      if (hdr.cpu >= MAX_CPUS) return this.malformed(lineNo, offset, `CPU number ${hdr.cpu} out of range`);
      if (hdr.pid > MAX_PID) return this.malformed(lineNo, offset, 'pid out of range');
      kind = hdr.nameEnd < 0 ? this.functionId : this.table.nameId(b, hdr.nameStart, hdr.nameEnd);
    } else if (kind === HEAD_OTHER_NAME) kind = this.table.nameId(b, hdr.nameStart, hdr.nameEnd);
    this.event(b, kind, lineNo, offset);
  }

  /** A DataView of the bytes `line` was last called with (the fast head parser reads words). */
  protected dv: DataView = new DataView(new ArrayBuffer(0));
  protected dvOf: Uint8Array | undefined;
  protected setView(b: Uint8Array): void {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.dvOf = b;
  }

  /** Parses the body of an event of `kind` at `b[s, e)` into {@link ev}; '' or why it is malformed. */
  private body(b: Uint8Array, kind: number, s: number, e: number): string {
    let why = '';
    ev.a0 = ev.a1 = ev.a2 = 0;
    ev.p1 = ev.p2 = -1;
    switch (kind) {
      case EventKind.SchedSwitch:
        if (isPrevComm(this.dv, s, e)) {
          this.layout.keyValueBodies++;
          why = switchKeyValue(b, this.dv, s, e, this.dialect);
        } else {
          this.layout.reportBodies++;
          why = switchReport(b, s, e);
        }
        if (ev.unknownState) this.stats.count('unknown_prev_state');
        break;
      case EventKind.SchedWakeup:
      case EventKind.SchedWakeupNew:
      case EventKind.SchedWaking:
        why = isComm(this.dv, s, e) ? wakeupKeyValue(b, this.dv, s, e) : wakeupReport(b, s, e);
        break;
      case EventKind.SchedMigrateTask: why = parseMigrate(b, s, e); break;
      case EventKind.SchedProcessFork: why = parseFork(b, s, e); break;
      case EventKind.SchedProcessExit: why = parseExit(b, s, e); break;
      case EventKind.KvmEntry: why = kvmEntry(b, s, e); break;
      case EventKind.KvmExit: why = kvmExit(b, this.dv, s, e, this.table.strings); break;
      case EventKind.KvmPio: why = kvmPio(b, s, e); break;
      case EventKind.KvmUserspaceExit: why = kvmUserspaceExit(b, this.dv, s, e, this.table.strings); break;
      case EventKind.KvmHypercall: why = parseKvmHypercall(b, s, e); break;
      case EventKind.KvmMmio: why = parseKvmMmio(b, s, e); break;
      case EventKind.KvmWriteTscOffset:
        why = parseKvmWriteTscOffset(b, s, e);
        ev.a1 = this.table.tscOffsets.length;
        break;
      default:
        if (kind >= EventKind.FirstUnknown) this.stats.count('unknown_event');
    }
    return why;
  }

  /** An event line whose head is in {@link hdr}: its body, its row and its threads. */
  protected event(b: Uint8Array, kind: number, lineNo: number, offset: number): void {
    const st = this.stats;
    const src = hdr.src;
    const pid = hdr.pid;
    const cpu = hdr.cpu;
    const ts = hdr.ts;
    const table = this.table;
    const s = hdr.bodyStart;
    const e = hdr.bodyEnd;

    // `trace-cmd report`'s `cpus=N` is the CPUs the file recorded: a line beyond it is corrupt (it
    // would add a CPU to the host, busy for the whole window).
    const declared = this.cpusBySource[src];
    if (cpu >= declared && declared > 0) return this.malformed(lineNo, offset, `CPU number ${cpu} out of range: the header says cpus=${declared}`);
    const why = this.body(b, kind, s, e);
    if (why) return this.malformed(lineNo, offset, why);
    // The fields get the head's bounds (the columns hold i32: 2^32 + 1750 would read as 1750).
    if (kind <= EventKind.SchedProcessExit && (ev.p1 > MAX_PID || ev.p2 > MAX_PID || (kind >= EventKind.SchedWakeup && kind <= EventKind.SchedMigrateTask && (ev.a1 >= MAX_CPUS || (kind === EventKind.SchedMigrateTask && ev.a2 >= MAX_CPUS))))) {
      return this.malformed(lineNo, offset, fieldRange(kind));
    }

    // Layout statistics (cheap counters, reported in formatDetail).
    const fl = hdr.flagsLen;
    if (fl === 0) this.layout.flagsNone++;
    else if (fl === 4) this.layout.flags4++;
    else this.layout.flags5++;

    // A u64 nanosecond counter cannot exceed 2^64; more digits than that are corruption.
    if (!(ts < MAX_TS_NS)) return this.malformed(lineNo, offset, 'timestamp out of range');
    // tsGuard's usual exit is tested here: a double passed to a call that is not inlined is
    // boxed (a heap number per line), so the call is made only when the last two rows disagree.
    if (Math.abs(this.ts1 - this.ts2) > OUTLIER_NS && this.tsGuard(ts, src)) this.lastTs[src] = this.restoreTs;

    const before = this.lastTs[src];
    const back = ts < before;
    if (back) st.count('timestamp_backwards');
    else this.lastTs[src] = ts;

    table.nextTs[0] = ts;
    table.pushNext(cpu, src, kind, pid, ev.a0, ev.a1, ev.a2);
    if (kind === EventKind.KvmWriteTscOffset) table.tscOffsets.push({ ts, cpu, src, pid, vcpu: tscWrite.vcpu, prev: tscWrite.prev, next: tscWrite.next });
    st.events++;
    this.noteRow(ts, src, lineNo, offset, back, before);
    if (cpu > this.maxCpu[src]) {
      this.maxCpu[src] = cpu;
      this.maxCpuBySource[src] = cpu;
    }

    // Thread table: the current task's name and tgid from the head of the line.
    const ti = this.headThread(src, cpu, pid);
    const info = this.threads.list[ti];
    // The head's comm is read on the first line of a task's stay on this CPU (a rename while it
    // runs shows at its next switch-in); a switch names its prev task itself.
    if (this.headMiss && pid !== 0 && kind !== EventKind.SchedSwitch) this.noteComm(ti, b, hdr.commStart, trimEnd(b, hdr.commStart, hdr.commEnd));
    if (hdr.tgid >= 0) {
      this.layout.tgidLines++;
      info.tgid = hdr.tgid;
    }
    // The prev task of a switch was usually named when it was switched in (or by its own lines),
    // so its name is only read when still unknown; a rename while running is caught at its next
    // switch-in or by its next non-switch line.
    if (ev.p1 > 0 && kind !== EventKind.SchedProcessFork) {
      const pi = this.threads.index(src, ev.p1);
      if (kind !== EventKind.SchedSwitch || this.threads.list[pi].comm < 0) this.noteComm(pi, b, ev.c1s, ev.c1e);
    }
    if (ev.p2 > 0) this.noteComm(this.threads.index(src, ev.p2), b, ev.c2s, ev.c2e);
    switch (kind) {
      case EventKind.SchedWakeupNew:
      case EventKind.SchedProcessFork:
        this.creator(src, kind, pid);
        break;
      default:
        noteKvmEvent(info, kind, ev.a0, ev.a1);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Timestamp outliers. A single corrupt timestamp (a far-off value, 0, 2^63) would stretch the
  // window of the whole trace. Rows are checked once the row after them is seen: a row whose
  // timestamp is more than OUTLIER_NS away from both neighbours while the neighbours agree (it
  // jumps away and comes back) is taken back out of the table with a located warning. The first
  // and the last row have one neighbour: they are outliers when more than JUMP_NS away from it.
  // A jump of more than JUMP_NS that the rows after it confirm is real (tracing paused): it is
  // kept, with a located warning.
  // -------------------------------------------------------------------------------------------
  /** Timestamps of the last two rows, their source, line and byte offset (row n-1 is `1`). */
  private ts1 = 0;
  private ts2 = 0;
  private src1 = -1;
  private src2 = -1;
  private line1 = 0;
  private off1 = 0;
  private back1 = false;
  private line2 = 0;
  private off2 = 0;
  private back2 = false;
  /** lastTs[src] before row n-1 was pushed (restored when it is taken back). */
  private tsBefore1 = -Infinity;
  /** What lastTs[src] is after a row was taken back. */
  private restoreTs = -Infinity;
  /** The last row's forward jump was already reported. */
  private jumpNoted = false;

  /** Checks the rows before a new row at `ts`; true when one was taken back. */
  private tsGuard(ts: number, src: number): boolean {
    // The usual exit first: the last two rows agree (0 before there are two rows).
    const d12 = Math.abs(this.ts1 - this.ts2);
    if (d12 <= OUTLIER_NS) return false;
    const n = this.table.length;
    if (n < 2 || this.src1 !== src || this.src2 !== src) return false;
    const d1 = Math.abs(ts - this.ts1);
    if (d1 > OUTLIER_NS && Math.abs(ts - this.ts2) <= OUTLIER_NS) {
      // Row n-1 jumped away and this row comes back.
      this.restoreTs = this.tsBefore1;
      this.takeBack(n - 1, this.line1, this.off1, this.back1, `timestamp ${secs(this.ts1)} s is far from the lines around it (${secs(this.ts2)} s before, ${secs(ts)} s after); line skipped`);
      this.ts1 = this.ts2;
      this.line1 = this.line2;
      this.off1 = this.off2;
      this.back1 = this.back2;
      this.src2 = -1; // one row of history left
      return true;
    }
    if (n === 2 && d12 > JUMP_NS && d1 <= OUTLIER_NS) {
      // The first row is far from the two after it, which agree.
      this.takeBack(0, this.line2, this.off2, this.back2, `timestamp ${secs(this.ts2)} s of the first event is far from the ones after it (${secs(this.ts1)} s); line skipped`);
      if (this.back1) this.stats.count('timestamp_backwards', -1);
      this.back1 = false;
      this.src2 = -1;
      this.restoreTs = this.ts1;
      return true;
    }
    if (d12 > JUMP_NS && !this.jumpNoted) this.jumped();
    return false;
  }

  /** A confirmed jump of more than JUMP_NS between the last two rows. */
  private jumped(): void {
    this.jumpNoted = true;
    this.stats.count('timestamp_jump');
    this.stats.warn(this.line1, this.off1, `timestamp jumps ${this.ts1 > this.ts2 ? 'forward' : 'back'} by ${secs(Math.abs(this.ts1 - this.ts2))} s (from ${secs(this.ts2)} s to ${secs(this.ts1)} s)`);
  }

  private takeBack(row: number, line: number, off: number, back: boolean, reason: string): void {
    this.table.dropRow(row);
    this.stats.events--;
    if (back) this.stats.count('timestamp_backwards', -1);
    this.stats.count('timestamp_outlier');
    this.malformed(line, off, reason);
  }

  private noteRow(ts: number, src: number, line: number, off: number, back: boolean, before: number): void {
    this.tsBefore1 = before;
    this.ts2 = this.ts1;
    this.src2 = this.src1;
    this.line2 = this.line1;
    this.off2 = this.off1;
    this.back2 = this.back1;
    this.ts1 = ts;
    this.src1 = src;
    this.line1 = line;
    this.off1 = off;
    this.back1 = back;
    this.jumpNoted = false;
  }

  /** End of input: the last row has only the row before it to be judged by. */
  finish(): void {
    const n = this.table.length;
    if (n < 3 || this.src1 !== this.src2 || this.src1 < 0) return;
    if (Math.abs(this.ts1 - this.ts2) > JUMP_NS) {
      this.takeBack(n - 1, this.line1, this.off1, this.back1, `timestamp ${secs(this.ts1)} s of the last event is far from the one before it (${secs(this.ts2)} s); line skipped`);
    }
  }

  /** The creator of the thread a sched_wakeup_new / sched_process_fork names. */
  private creator(src: number, kind: number, pid: number): void {
    if (kind === EventKind.SchedWakeupNew) {
      const child = this.threads.list[this.threads.index(src, ev.a0)];
      if (child.creator < 0) child.creator = pid;
    } else {
      const child = this.threads.list[this.threads.index(src, ev.a1)];
      child.creator = ev.a0;
    }
  }

  protected malformed(lineNo: number, offset: number, reason: string): void {
    this.stats.malformedLines++;
    this.stats.count('malformed_line');
    this.stats.warn(lineNo, offset, reason);
  }

  private cpusHeader(b: Uint8Array): void {
    let src = 0;
    if (hdr.prefixEnd > hdr.prefixStart) {
      const name = b.slice(hdr.prefixStart, hdr.prefixEnd);
      src = this.prefixes.findIndex((p) => p.length === name.length && p.every((v, i) => v === name[i])) + 1;
      if (src === 0 && this.prefixes.length < 254) {
        this.prefixes.push(name);
        this.sources.push(new TextDecoder().decode(name));
        src = this.prefixes.length;
      }
    }
    this.cpusBySource[src] = hdr.cpus;
  }

  /** Set by headThread: the line's task differs from the previous line's on that CPU. */
  private headMiss = true;

  /** Thread index of the line's current task, cached per CPU (the same task logs many lines). */
  private headThread(src: number, cpu: number, pid: number): number {
    this.headMiss = true;
    if (src === 0 && cpu < CPU_CACHE) {
      if (this.cachePid[cpu] === pid) {
        this.headMiss = false;
        return this.cacheIdx[cpu];
      }
      const i = this.threads.index(0, pid);
      this.cachePid[cpu] = pid;
      this.cacheIdx[cpu] = i;
      return i;
    }
    return this.threads.index(src, pid);
  }

  /** Records a thread's name unless it is the placeholder `<...>` or unchanged. */
  private noteComm(ti: number, b: Uint8Array, cs: number, ce: number): void {
    // Small enough to be inlined: the usual case is a name already known.
    const c = this.threads.list[ti].comm;
    if (c >= 0 && ce > cs && this.commIs(c, b, cs, ce)) return;
    this.noteCommSlow(ti, b, cs, ce);
  }

  private noteCommSlow(ti: number, b: Uint8Array, cs: number, ce: number): void {
    if (ce <= cs) return;
    const info = this.threads.list[ti];
    const comms = this.table.comms;
    if (info.comm >= 0 && this.commIs(info.comm, b, cs, ce)) return;
    if (ce - cs === UNKNOWN_COMM.length && comms.equals(this.unknownCommId(), b, cs, ce)) return;
    info.comm = comms.id(b, cs, ce);
  }

  /**
   * Comm ids of 4 to 16 bytes as four little-endian words at offsets 0, 4, 8, 12 (each at most
   * length - 4, so the last ones overlap), with length + 1 (0: not yet cached). Comparing a comm
   * is then four word reads instead of a byte loop.
   */
  private commWords = new Int32Array(4 * 256);
  private commLen = new Int32Array(256);

  /** True when comm `id` is the bytes `b[cs, ce)` (`this.dv` views `b`). */
  private commIs(id: number, b: Uint8Array, cs: number, ce: number): boolean {
    const len = ce - cs;
    if (len < 4 || len > 16 || id >= MAX_CACHED_COMMS) return this.table.comms.equals(id, b, cs, ce);
    if (id >= this.commLen.length) this.growCommCache(id);
    let cached = this.commLen[id];
    if (cached === 0) cached = this.cacheComm(id);
    if (cached !== len + 1) return false;
    const dv = this.dv;
    const w = this.commWords;
    const k = id * 4;
    const last = len - 4;
    return (
      dv.getInt32(cs, true) === w[k] &&
      dv.getInt32(cs + (last < 4 ? last : 4), true) === w[k + 1] &&
      dv.getInt32(cs + (last < 8 ? last : 8), true) === w[k + 2] &&
      dv.getInt32(cs + last, true) === w[k + 3]
    );
  }

  private cacheComm(id: number): number {
    const v = this.table.comms.bytesOf(id);
    const len = v.length;
    if (len < 4 || len > 16) {
      this.commLen[id] = len + 1;
      return len + 1;
    }
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const last = len - 4;
    const k = id * 4;
    this.commWords[k] = dv.getInt32(0, true);
    this.commWords[k + 1] = dv.getInt32(last < 4 ? last : 4, true);
    this.commWords[k + 2] = dv.getInt32(last < 8 ? last : 8, true);
    this.commWords[k + 3] = dv.getInt32(last, true);
    this.commLen[id] = len + 1;
    return len + 1;
  }

  private growCommCache(id: number): void {
    let n = this.commLen.length;
    while (n <= id) n *= 2;
    const l = new Int32Array(n);
    l.set(this.commLen);
    const w = new Int32Array(4 * n);
    w.set(this.commWords);
    this.commLen = l;
    this.commWords = w;
  }

  private unknownId = -1;
  private unknownCommId(): number {
    if (this.unknownId < 0) this.unknownId = this.table.comms.id(UNKNOWN_COMM, 0, UNKNOWN_COMM.length);
    return this.unknownId;
  }
}

export { Dialect };

/** Which field of a sched event of `kind` in {@link ev} is out of range (see {@link FtraceParser.event}). */
function fieldRange(kind: number): string {
  const name = KNOWN_EVENT_NAMES[kind];
  const sw = kind === EventKind.SchedSwitch;
  if (ev.p1 > MAX_PID) return `${name}: ${sw ? 'prev_pid' : 'pid'} out of range`;
  if (ev.p2 > MAX_PID) return `${name}: ${sw ? 'next_pid' : 'child_pid'} out of range`;
  if (kind === EventKind.SchedMigrateTask) return `${name}: ${ev.a1 >= MAX_CPUS ? 'orig_cpu' : 'dest_cpu'} out of range`;
  return `${name}: target CPU out of range`;
}
