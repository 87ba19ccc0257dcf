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
import { ascii, trimEnd } from '../../bytes';
import { EventKind, type EventTable, type ThreadTable } from '../../events';
import type { ImportStats } from '../../stats';
import { HeaderStatus, hdr, parseHeader } from './header';
import {
  Dialect, ev, isKeyValueSwitch, isKeyValueTask, parseExit, parseFork, parseMigrate, parseSwitchKeyValue, parseWakeupKeyValue,
} from './fields';
import { parseKvmEntry, parseKvmExit, parseKvmHypercall, parseKvmMmio, parseKvmPio, parseKvmUserspaceExit } from './kvm';
import { parseSwitchReport, parseWakeupReport } from '../tracecmd/fields';

const UNKNOWN_COMM = ascii('<...>');
const FUNCTION = ascii('function');
const CPU_CACHE = 1024;
const MAX_CPUS = 8192;

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
  /** Highest CPU number seen per source. */
  readonly maxCpuBySource: number[] = [];
  readonly layout: FtraceLayout = { flags4: 0, flags5: 0, flagsNone: 0, tgidLines: 0, keyValueBodies: 0, reportBodies: 0 };
  private readonly lastTs: number[] = [];
  private readonly cachePid = new Int32Array(CPU_CACHE).fill(-1);
  private readonly cacheIdx = new Int32Array(CPU_CACHE);
  private readonly functionId: number;

  constructor(
    private readonly table: EventTable,
    private readonly threads: ThreadTable,
    private readonly stats: ImportStats,
    public dialect: Dialect,
  ) {
    this.functionId = table.nameId(FUNCTION, 0, FUNCTION.length);
  }

  /** Parses one line `b[start, end)` (without its terminator). */
  line(b: Uint8Array, start: number, end: number, lineNo: number, offset: number): void {
    const st = this.stats;
    const status = parseHeader(b, start, end, this.prefixes);
    if (status !== HeaderStatus.Event) {
      if (status === HeaderStatus.Malformed) return this.malformed(lineNo, offset, hdr.reason);
      st.skippedLines++;
      if (status === HeaderStatus.CpusHeader) this.cpusHeader(b);
      else if (status === HeaderStatus.Lost) st.count('lost_events', hdr.lost);
      return;
    }
    const src = hdr.src;
    const pid = hdr.pid;
    const cpu = hdr.cpu;
    // Linux supports at most 8192 CPUs and pids below 2^22; larger numbers are corruption.
    if (cpu >= MAX_CPUS) return this.malformed(lineNo, offset, `CPU number ${cpu} out of range`);
    if (pid > 0x7fffffff) return this.malformed(lineNo, offset, 'pid out of range');
    const ts = hdr.ts;
    const table = this.table;
    const kind = hdr.nameEnd < 0 ? this.functionId : table.nameId(b, hdr.nameStart, hdr.nameEnd);
    const s = hdr.bodyStart;
    const e = hdr.bodyEnd;

    let why = '';
    ev.a0 = ev.a1 = ev.a2 = ev.a3 = 0;
    ev.p1 = ev.p2 = -1;
    switch (kind) {
      case EventKind.SchedSwitch:
        if (isKeyValueSwitch(b, s, e)) {
          this.layout.keyValueBodies++;
          why = parseSwitchKeyValue(b, s, e, this.dialect);
        } else {
          this.layout.reportBodies++;
          why = parseSwitchReport(b, s, e);
        }
        if (ev.unknownState) st.count('unknown_prev_state');
        break;
      case EventKind.SchedWakeup:
      case EventKind.SchedWakeupNew:
      case EventKind.SchedWaking:
        why = isKeyValueTask(b, s, e) ? parseWakeupKeyValue(b, s, e) : parseWakeupReport(b, s, e);
        break;
      case EventKind.SchedMigrateTask: why = parseMigrate(b, s, e); break;
      case EventKind.SchedProcessFork: why = parseFork(b, s, e); break;
      case EventKind.SchedProcessExit: why = parseExit(b, s, e); break;
      case EventKind.KvmEntry: why = parseKvmEntry(b, s, e); break;
      case EventKind.KvmExit: why = parseKvmExit(b, s, e, table.strings); break;
      case EventKind.KvmPio: why = parseKvmPio(b, s, e); break;
      case EventKind.KvmUserspaceExit: why = parseKvmUserspaceExit(b, s, e, table.strings); break;
      case EventKind.KvmHypercall: why = parseKvmHypercall(b, s, e); break;
      case EventKind.KvmMmio: why = parseKvmMmio(b, s, e); break;
      default:
        if (kind >= EventKind.FirstUnknown) st.count('unknown_event');
    }
    if (why) return this.malformed(lineNo, offset, why);

    // Layout statistics (cheap counters, reported in formatDetail).
    const fl = hdr.flagsLen;
    if (fl === 0) this.layout.flagsNone++;
    else if (fl === 4) this.layout.flags4++;
    else this.layout.flags5++;

    const last = this.lastTs[src];
    if (last !== undefined && ts < last) st.count('timestamp_backwards');
    else this.lastTs[src] = ts;

    table.push(ts, cpu, src, kind, pid, ev.a0, ev.a1, ev.a2, ev.a3);
    st.events++;
    if (!(this.maxCpuBySource[src] >= cpu)) this.maxCpuBySource[src] = cpu;

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
      case EventKind.SchedWakeupNew: {
        const child = this.threads.list[this.threads.index(src, ev.a0)];
        if (child.creator < 0) child.creator = pid;
        break;
      }
      case EventKind.SchedProcessFork: {
        const child = this.threads.list[this.threads.index(src, ev.a1)];
        child.creator = ev.a0;
        break;
      }
      case EventKind.KvmEntry:
        info.kvmEntries++;
        if (ev.a0 >= 0) info.kvmVcpu = ev.a0;
        break;
      case EventKind.KvmExit:
        info.kvmExits++;
        if (ev.a1 >= 0) info.kvmVcpu = ev.a1;
        break;
      case EventKind.KvmPio:
      case EventKind.KvmUserspaceExit:
      case EventKind.KvmHypercall:
      case EventKind.KvmMmio:
      case EventKind.KvmPleWindowUpdate:
        info.kvmOther++;
        break;
    }
  }

  private malformed(lineNo: number, offset: number, reason: string): void {
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
    if (ce <= cs) return;
    const info = this.threads.list[ti];
    const comms = this.table.comms;
    if (info.comm >= 0 && comms.equals(info.comm, b, cs, ce)) return;
    if (ce - cs === UNKNOWN_COMM.length && comms.equals(this.unknownCommId(), b, cs, ce)) return;
    info.comm = comms.id(b, cs, ce);
  }

  private unknownId = -1;
  private unknownCommId(): number {
    if (this.unknownId < 0) this.unknownId = this.table.comms.id(UNKNOWN_COMM, 0, UNKNOWN_COMM.length);
    return this.unknownId;
  }
}

export { Dialect };
