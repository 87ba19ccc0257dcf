/**
 * trace-cmd `.dat` import: the file's structure (file.ts), each CPU's pages streamed (ring.ts),
 * merged by timestamp across CPUs as `trace-cmd report` does (smallest timestamp first; ties go
 * to the lower CPU), and every event decoded through the field offsets of the format texts into
 * the same rows and thread table the text importers fill, so reconstruction and findings are
 * shared.
 *
 * Nothing throws: structure errors end the import with a counted warning (what was read stays),
 * corrupt pages and chunks are counted and located (CPU, file offset) and skipped.
 */
import { BLOCK_ROWS } from '../../columns';
import { EventKind, EventTable, noteKvmEvent, ThreadTable } from '../../events';
import { timeShiftSummary } from '../../link/timeshift';
import type { ImportedTrace } from '../../importer';
import { ImportStats } from '../../stats';
import { inflateBudget, readLayout, type DatLayout, type FormatEntry } from './file';
import { parseEventFormat, type FieldDesc } from './format';
import { latin1 } from './io';
import { DatFormatError, type DatDecompressors, type Reads } from './io';
import { CpuStream } from './ring';

export interface DatImportOptions {
  fileName?: string;
  maxWarningSamples?: number;
  decompressors?: DatDecompressors;
  /**
   * Read the file twice instead of keeping a table of every event: the import counts the rows
   * (threads, names, stats, CPUs: everything but the rows) and the trace gets a `replay` that
   * decodes the events again and hands them to the reconstruction block by block, through this
   * driver (which answers the replay's read requests, synchronously, from the same file). The
   * documents are the same either way; memory no longer grows with the trace.
   */
  replayDriver?: (reads: Reads<number>) => number;
}

const NO_FIELD: FieldDesc = { name: '', offset: -1, size: 0, signed: false, dataLoc: false, relLoc: false, isString: false };
const CPU_CACHE = 1024;
const MAX_CPUS = 8192;

/** Per format id: what the importer does with it. */
interface Decoder {
  kind: number;
  f: FieldDesc[];
  /** Symbol tables (exit reasons). */
  sym: Map<number, string>[];
  /** Second table (kvm_exit: SVM reasons when isa != 1). */
  sym2: Map<number, string> | undefined;
  /** Interned string ids of the reasons seen, by code (+ 2^32 for the second table). */
  ids: Map<number, number>;
}

/** Field names per known kind, in the order the decoders index them. */
const FIELDS: Partial<Record<number, string[]>> = {
  [EventKind.SchedSwitch]: ['prev_comm', 'prev_pid', 'prev_state', 'next_comm', 'next_pid', 'next_prio'],
  [EventKind.SchedWakeup]: ['comm', 'pid', 'prio', 'target_cpu'],
  [EventKind.SchedWakeupNew]: ['comm', 'pid', 'prio', 'target_cpu'],
  [EventKind.SchedWaking]: ['comm', 'pid', 'prio', 'target_cpu'],
  [EventKind.SchedMigrateTask]: ['comm', 'pid', 'orig_cpu', 'dest_cpu'],
  [EventKind.SchedProcessFork]: ['parent_comm', 'parent_pid', 'child_comm', 'child_pid'],
  [EventKind.SchedProcessExit]: ['comm', 'pid'],
  [EventKind.KvmEntry]: ['vcpu_id'],
  [EventKind.KvmExit]: ['exit_reason', 'vcpu_id', 'isa'],
  [EventKind.KvmPio]: ['rw', 'port', 'val', 'size'],
  [EventKind.KvmUserspaceExit]: ['reason', 'errno'],
  [EventKind.KvmHypercall]: ['nr'],
  [EventKind.KvmMmio]: ['type', 'gpa', 'len'],
  [EventKind.KvmWriteTscOffset]: ['vcpu_id', 'previous_tsc_offset', 'next_tsc_offset'],
};

export function* datImport(fileSize: number, opts: DatImportOptions = {}): Reads<ImportedTrace> {
  const stats = new ImportStats(opts.maxWarningSamples);
  const events = new EventTable();
  const threads = new ThreadTable();
  stats.bytes = fileSize;
  const detail: Record<string, unknown> = { detected: 'trace-cmd-dat' };
  const result = (L?: DatLayout): ImportedTrace => {
    events.seal();
    const driver = opts.replayDriver;
    return {
      ...(L && driver && !events.rowsKept ? { replay: (onBlock: (rows: EventTable, bi: number, len: number) => void) => driver(replayRows(L, events, fileSize, opts, onBlock)) } : {}),
      fileName: opts.fileName ?? '',
      format: 'trace-cmd-dat',
      formatDetail: detail,
      stats,
      events,
      threads,
      sources: [''],
      cpusBySource: L ? [L.cpuCount || L.cpus.length] : [],
      maxCpuBySource: maxCpu >= 0 ? [maxCpu] : [],
    };
  };
  let maxCpu = -1;
  let L: DatLayout;
  try {
    L = yield* readLayout(fileSize, opts.decompressors ?? {});
  } catch (e) {
    if (!(e instanceof DatFormatError)) throw e;
    stats.count('dat_format_error');
    stats.warn(0, 0, `trace-cmd .dat file could not be read: ${e.message}`);
    return result();
  }
  Object.assign(detail, {
    datVersion: L.version,
    compression: L.compression === 'none' ? 'none' : `${L.compression} ${L.compressionVersion}`.trim(),
    clock: L.clock,
    pageSize: L.pageSize,
    cpus: L.cpus.length,
    eventFormats: L.formats.length,
    savedCmdlines: L.cmdlines.size,
  });
  if (L.otherBuffers.length) detail.otherBuffers = L.otherBuffers;
  if (L.tsc2nsec) detail.tsc2nsec = L.tsc2nsec;
  if (L.tsOffset) detail.tsOffsetNs = L.tsOffset;
  // Guest/host time sync (trace/link reads it): offsets in clock units, scaled like the timestamps.
  const shift = L.timeShift && timeShiftSummary(L.timeShift, L.tsc2nsec && L.tsc2nsec.mult > 0 ? L.tsc2nsec.mult / 2 ** L.tsc2nsec.shift : 1);
  if (shift) detail.timeShift = shift;
  for (const n of L.notes) stats.warn(0, 0, n);

  const sink = new DatSink(L, events, threads, stats, opts.replayDriver ? Rows.Count : Rows.Keep);
  const ringEvents = {
    warn: (cpu: number, where: number, reason: string) => {
      stats.count('dat_corrupt_page');
      stats.warn(0, where, reason);
    },
    lost: (cpu: number, ts: number, count: number) => {
      stats.count('lost_events', count > 0 ? count : 1);
      stats.warn(0, 0, `CPU ${cpu}: the kernel lost ${count > 0 ? count : 'some'} events before ${sink.seconds(ts)} s`);
    },
  };
  const streams: CpuStream[] = [];
  const budget = { left: inflateBudget(fileSize) - L.inflated };
  for (const c of L.cpus) {
    if (c.cpu >= MAX_CPUS) {
      stats.count('dat_corrupt_page');
      stats.warn(0, c.offset, `CPU number ${c.cpu} out of range; its data is skipped`);
      continue;
    }
    streams.push(new CpuStream(c.cpu, c, L, opts.decompressors ?? {}, fileSize, ringEvents, budget));
  }
  maxCpu = yield* merge(streams, sink);
  let pages = 0;
  let corrupt = 0;
  for (const s of streams) {
    pages += s.pages;
    corrupt += s.corruptPages;
  }
  detail.pages = pages;
  if (corrupt) detail.corruptPages = corrupt;
  const cut = cutSummary(L, streams, fileSize);
  if (cut) {
    stats.count('dat_truncated');
    stats.warn(0, cut.at, cut.reason);
    detail.truncatedAt = fileSize;
  }
  return result(L);
}

/**
 * The one warning of a cut file: where the file ends and what of each CPU's data was read. The
 * warning's offset is where the reading stopped (the page or chunk the file ends inside, else
 * the end of the file).
 */
function cutSummary(L: DatLayout, streams: CpuStream[], fileSize: number): { at: number; reason: string } | undefined {
  const cutStreams = streams.filter((s) => s.cutAt >= 0);
  if (!L.cut && cutStreams.length === 0) return undefined;
  const compressed = L.compression !== 'none';
  const unit = compressed ? 'chunk' : 'page';
  const first = cutStreams[0];
  let inside: string;
  let at = fileSize;
  if (first) {
    at = first.cutAt;
    inside = at >= fileSize ? `the data of CPU ${first.cpu}` : `the data of CPU ${first.cpu} (the ${unit} at offset ${at})`;
  } else inside = L.cut!.inside;
  const n = L.cpuCount;
  const missing: number[] = [];
  if (n > streams.length) for (let c = 0; c < n && missing.length < 8; c++) if (!streams.some((s) => s.cpu === c)) missing.push(c);
  // A scan that ended at the end of a CPU's data, with CPUs still to come: the cut is there.
  if (!first && missing.length && L.cut?.scanned && !L.cut.noData && !L.cut.unsplit) inside = streams.length ? `the CPU data (after that of CPU ${streams[streams.length - 1].cpu})` : 'the CPU data';
  const parts: string[] = [];
  for (const s of L.cut?.noData ? [] : streams) {
    const n = compressed ? s.chunks : s.pages;
    const of = compressed && s.statedChunks > 0 && !L.cut?.scanned ? ` of ${s.statedChunks}` : '';
    parts.push(`${n.toLocaleString('en-US')}${of} ${unit}${n === 1 ? '' : 's'} of CPU ${s.cpu} read${s.cutAt >= 0 ? ', the rest lost' : ''}`);
  }
  if (missing.length && !L.cut?.noData) parts.push(`no data of CPU${n - streams.length === 1 ? '' : 's'} ${missing.join(', ')}${n - streams.length > missing.length ? ', ...' : ''} (lost)`);
  const how = L.cut?.noData ? ', before its CPU data: no event could be read' : L.cut?.scanned ? (L.cut.unsplit ? '; its uncompressed CPU data cannot be split per CPU without the BUFFER option at the end of the file, so no event is read' : '; the CPU data was found by scanning the sections and compressed chunks (the options that locate it are lost)') : '';
  return { at, reason: `the file ends at byte ${fileSize} inside ${inside}${how}${parts.length ? `: ${parts.join('; ')}` : ''}` };
}

/**
 * The second pass of a two-pass import (see `DatImportOptions.replayDriver`): the events decoded
 * again, in the same order, into a table of their own that shares the first pass's interners
 * (so ids agree), handed over block by block as each fills; warnings, counters and threads are
 * not collected again. Returns the number of rows (the first pass's count unless the file
 * changed in between).
 */
function* replayRows(L: DatLayout, names: EventTable, fileSize: number, opts: DatImportOptions, onBlock: (rows: EventTable, bi: number, len: number) => void): Reads<number> {
  const rows = new EventTable(names);
  const stats = new ImportStats(0);
  const sink = new DatSink(L, rows, new ThreadTable(), stats, Rows.Only);
  const quiet = { warn: () => {}, lost: () => {} };
  const streams: CpuStream[] = [];
  // The same budget as the first pass, spent in the same order: the same chunks are decoded.
  const budget = { left: inflateBudget(fileSize) - L.inflated };
  for (const c of L.cpus) if (c.cpu < MAX_CPUS) streams.push(new CpuStream(c.cpu, c, L, opts.decompressors ?? {}, fileSize, quiet, budget));
  rows.onBlockFull = (bi) => onBlock(rows, bi, BLOCK_ROWS);
  yield* merge(streams, sink);
  rows.onBlockFull = undefined;
  rows.seal();
  const last = rows.ts.blockCount - 1;
  const len = rows.length - last * BLOCK_ROWS;
  if (len > 0) onBlock(rows, last, len);
  return rows.length;
}

/**
 * Merges the CPUs' streams by timestamp into the sink; returns the highest CPU that had an event
 * (-1 when none).
 */
function* merge(streams: CpuStream[], sink: DatSink): Reads<number> {
  let maxCpu = -1;
  streams.sort((a, b) => a.cpu - b.cpu);
  // Prime every stream with its first event.
  const live: CpuStream[] = [];
  for (const s of streams) {
    let ok = s.advance();
    while (!ok && (yield* s.refill())) ok = s.advance();
    if (ok) live.push(s);
  }
  // The merge: a linear scan is fastest for the usual handful of CPUs. The CPU with the smallest
  // timestamp (ties: the lower CPU) is emitted; it keeps going without a rescan while its events
  // stay before the best of the others (events come in runs per CPU).
  while (live.length > 0) {
    let bi = 0;
    let bt = live[0].evTs;
    for (let k = 1; k < live.length; k++) {
      if (live[k].evTs < bt) {
        bt = live[k].evTs;
        bi = k;
      }
    }
    let m2 = Infinity;
    let i2 = live.length;
    for (let k = 0; k < live.length; k++) {
      if (k !== bi && live[k].evTs < m2) {
        m2 = live[k].evTs;
        i2 = k;
      }
    }
    const s = live[bi];
    if (s.cpu > maxCpu) maxCpu = s.cpu;
    for (;;) {
      sink.event(s.cpu, s.evTs, s.buf, s.dv, s.evStart, s.evEnd);
      if (!s.advance()) {
        let ok = false;
        while (!ok && (yield* s.refill())) ok = s.advance();
        if (!ok) live.splice(bi, 1);
        break;
      }
      const t = s.evTs;
      if (!(t < m2 || (t === m2 && bi < i2))) break;
    }
  }
  return maxCpu;
}

/** What the sink does with a decoded event's row. */
const enum Rows {
  /** Into the table, with the thread bookkeeping (a one-pass import). */
  Keep,
  /** Counted only, with the thread bookkeeping (the first of two passes). */
  Count,
  /** Into the table, nothing else (the second pass). */
  Only,
}

/** Decodes events into the table (the binary counterpart of the text parser's `event`). */
class DatSink {
  private readonly decoders = new Map<number, Decoder | null>();
  private readonly commonType: FieldDesc;
  private readonly commonPid: FieldDesc;
  private readonly byId = new Map<number, FormatEntry>();
  private prevTs = -Infinity;
  private readonly cachePid = new Int32Array(CPU_CACHE).fill(-1);
  private readonly cacheIdx = new Int32Array(CPU_CACHE);
  private headMiss = true;
  private readonly little: boolean;
  private readonly tsMul: number;
  private readonly tsAdd: number;
  private readonly unknownIds = new Set<number>();

  constructor(
    private readonly L: DatLayout,
    private readonly table: EventTable,
    private readonly threads: ThreadTable,
    private readonly stats: ImportStats,
    private readonly rows: Rows = Rows.Keep,
  ) {
    this.little = L.little;
    for (const f of L.formats) this.byId.set(f.id, f);
    // The common fields are the same in every format: read them from the first that has them.
    let common: Map<string, FieldDesc> | undefined;
    for (const f of L.formats) {
      const p = parseEventFormat(latin1(f.text, 0, f.text.length), f.system);
      if (p?.fields.has('common_type')) {
        common = p.fields;
        break;
      }
    }
    this.commonType = common?.get('common_type') ?? { ...NO_FIELD, offset: 0, size: 2 };
    this.commonPid = common?.get('common_pid') ?? { ...NO_FIELD, offset: 4, size: 4, signed: true };
    // Clock units to ns as trace-cmd's reader does it (timestamp_calc in trace-input.c): the
    // `local`/`global`/`mono`... clocks count ns; a TSC clock with the TSC2NSEC option is scaled by
    // mult >> shift; then the OFFSET option is added. TSC2NSEC's own offset field is not applied
    // (that reader does not apply it either); it is reported in formatDetail.
    const t = L.tsc2nsec;
    this.tsMul = t && t.mult > 0 ? t.mult / 2 ** t.shift : 1;
    this.tsAdd = L.tsOffset;
  }

  /** ns of a raw timestamp. */
  ns(raw: number): number {
    return raw * this.tsMul + this.tsAdd;
  }

  seconds(raw: number): string {
    return (this.ns(raw) / 1e9).toFixed(6);
  }

  /** Decoders by id for ids below 2^16 (event ids are u16 in every kernel); undefined = not built. */
  private readonly fast: (Decoder | null | undefined)[] = [];

  private decoder(id: number): Decoder | null {
    if (id >= 0 && id < 65536) {
      const d = this.fast[id];
      if (d !== undefined) return d;
      return (this.fast[id] = this.buildDecoder(id));
    }
    return this.buildDecoder(id);
  }

  private buildDecoder(id: number): Decoder | null {
    let d = this.decoders.get(id);
    if (d !== undefined) return d;
    const entry = this.byId.get(id);
    const f = entry && parseEventFormat(latin1(entry.text, 0, entry.text.length), entry.system);
    if (!f) d = null;
    else {
      const enc = new TextEncoder().encode(f.name);
      const kind = this.table.nameId(enc, 0, enc.length);
      const names = kind < EventKind.FirstUnknown ? FIELDS[kind] ?? [] : [];
      const key = kind === EventKind.KvmExit ? 'exit_reason' : kind === EventKind.KvmUserspaceExit ? 'reason' : kind === EventKind.KvmMmio ? 'type' : '';
      const tables = key ? f.symbols.get(key) ?? [] : [];
      d = { kind, f: names.map((n) => f.fields.get(n) ?? NO_FIELD), sym: tables, sym2: tables[1], ids: new Map() };
    }
    this.decoders.set(id, d);
    return d;
  }

  /** A numeric field; `def` when absent or out of the record. */
  private num(dv: DataView, s: number, e: number, f: FieldDesc, def: number): number {
    const o = s + f.offset;
    if (f.offset < 0 || o + f.size > e) return def;
    const size = f.size;
    if (size === 4) return f.signed ? dv.getInt32(o, this.little) : dv.getUint32(o, this.little);
    switch (size) {
      case 1: return f.signed ? dv.getInt8(o) : dv.getUint8(o);
      case 2: return f.signed ? dv.getInt16(o, this.little) : dv.getUint16(o, this.little);
      case 4: return f.signed ? dv.getInt32(o, this.little) : dv.getUint32(o, this.little);
      case 8: {
        const lo = dv.getUint32(this.little ? o : o + 4, this.little);
        const hi = f.signed ? dv.getInt32(this.little ? o + 4 : o, this.little) : dv.getUint32(this.little ? o + 4 : o, this.little);
        return hi * 4294967296 + lo;
      }
      default: return def;
    }
  }

  /** An 8-byte field as a signed 64-bit value (exact: offsets exceed 2^53); undefined when absent. */
  private u64(dv: DataView, s: number, e: number, f: FieldDesc): bigint | undefined {
    const o = s + f.offset;
    if (f.offset < 0 || f.size !== 8 || o + 8 > e) return undefined;
    return dv.getBigInt64(o, this.little);
  }

  /** A string field's span in `b` (sets strS/strE); false when absent or out of bounds. */
  private strS = 0;
  private strE = 0;
  private str(b: Uint8Array, dv: DataView, s: number, e: number, f: FieldDesc): boolean {
    if (f.offset < 0 || s + f.offset + f.size > e) return false;
    let a: number;
    let z: number;
    if (f.dataLoc || f.relLoc) {
      const v = dv.getUint32(s + f.offset, this.little);
      a = (f.relLoc ? s + f.offset + f.size : s) + (v & 0xffff);
      z = a + (v >>> 16);
      if (a > e || z > e) return false;
    } else {
      a = s + f.offset;
      z = a + f.size;
    }
    let k = a;
    while (k < z && b[k] !== 0) k++;
    this.strS = a;
    this.strE = k;
    return true;
  }

  private malformed(ts: number, cpu: number, why: string): void {
    this.stats.malformedLines++;
    this.stats.count('malformed_line');
    this.stats.warn(0, 0, `CPU ${cpu} at ${(ts / 1e9).toFixed(6)} s: ${why}`);
  }

  event(cpu: number, raw: number, b: Uint8Array, dv: DataView, s: number, e: number): void {
    const ts = this.ns(raw);
    const st = this.stats;
    const ct = this.commonType;
    if (s + ct.offset + ct.size > e) return this.malformed(ts, cpu, 'event shorter than its common fields');
    const id = ct.size === 2 ? dv.getUint16(s + ct.offset, this.little) : this.num(dv, s, e, ct, -1);
    const d = this.decoder(id);
    if (d === null) {
      st.count('dat_unknown_event_id');
      if (!this.unknownIds.has(id) && this.unknownIds.size < 1000) {
        this.unknownIds.add(id);
        st.warn(0, 0, `CPU ${cpu} at ${(ts / 1e9).toFixed(6)} s: event id ${id} has no format in the file (further events of this id are counted only)`);
      }
      return;
    }
    const pid = this.num(dv, s, e, this.commonPid, -1);
    if (pid < 0) return this.malformed(ts, cpu, 'no common_pid');
    const kind = d.kind;
    const f = d.f;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let p1 = -1;
    let p2 = -1;
    // The name fields of p1 / p2, read only when needed (see noteField).
    let n1 = NO_FIELD;
    let n2 = NO_FIELD;
    const table = this.table;
    switch (kind) {
      case EventKind.SchedSwitch: {
        a0 = p1 = this.num(dv, s, e, f[1], -1);
        const state = this.num(dv, s, e, f[2], -1);
        // TASK_REPORT bits; the preempted marker is the bit above them (its value moved between kernels).
        a1 = state < 0 ? -1 : state !== 0 && state % 256 === 0 ? 0x100 : state % 256;
        a2 = p2 = this.num(dv, s, e, f[4], -1);
        if (a0 < 0 || a2 < 0) return this.malformed(ts, cpu, 'sched_switch without prev_pid / next_pid');
        n1 = f[0];
        n2 = f[3];
        break;
      }
      case EventKind.SchedWakeup:
      case EventKind.SchedWakeupNew:
      case EventKind.SchedWaking:
        a0 = p1 = this.num(dv, s, e, f[1], -1);
        a1 = this.num(dv, s, e, f[3], -1);
        a2 = this.num(dv, s, e, f[2], 0);
        if (a0 < 0) return this.malformed(ts, cpu, `${table.eventNames.name(kind)} without pid`);
        n1 = f[0];
        break;
      case EventKind.SchedMigrateTask:
        a0 = p1 = this.num(dv, s, e, f[1], -1);
        a1 = this.num(dv, s, e, f[2], -1);
        a2 = this.num(dv, s, e, f[3], -1);
        if (a0 < 0) return this.malformed(ts, cpu, 'sched_migrate_task without pid');
        n1 = f[0];
        break;
      case EventKind.SchedProcessFork:
        a0 = p1 = this.num(dv, s, e, f[1], -1);
        a1 = p2 = this.num(dv, s, e, f[3], -1);
        if (a0 < 0 || a1 < 0) return this.malformed(ts, cpu, 'sched_process_fork without pids');
        n1 = f[0];
        n2 = f[2];
        break;
      case EventKind.SchedProcessExit:
        a0 = p1 = this.num(dv, s, e, f[1], -1);
        if (a0 < 0) return this.malformed(ts, cpu, 'sched_process_exit without pid');
        n1 = f[0];
        break;
      case EventKind.KvmEntry: {
        const v = this.num(dv, s, e, f[0], -1);
        a0 = v > 0x7fffffff ? -1 : v;
        break;
      }
      case EventKind.KvmExit: {
        const code = this.num(dv, s, e, f[0], -1);
        const v = this.num(dv, s, e, f[1], -1);
        a1 = v > 0x7fffffff ? -1 : v;
        const isa = this.num(dv, s, e, f[2], 1);
        // The kernel prints VMX names when isa == 1 (KVM_ISA_VMX), SVM names otherwise.
        const second = isa !== 1 && d.sym2 !== undefined;
        const key = second ? code + 4294967296 : code;
        let sid = d.ids.get(key);
        if (sid === undefined) {
          const tab = second ? d.sym2 : d.sym[0];
          sid = table.strings.idOfString(tab?.get(second ? code : code & 0xffff) ?? `reason ${code}`);
          if (d.ids.size < 4096) d.ids.set(key, sid);
        }
        a0 = sid;
        break;
      }
      case EventKind.KvmPio: {
        a0 = this.num(dv, s, e, f[0], 0) ? 1 : 0;
        a1 = this.num(dv, s, e, f[1], 0);
        a2 = this.num(dv, s, e, f[2], -1) % 2147483648;
        break;
      }
      case EventKind.KvmUserspaceExit: {
        const reason = this.num(dv, s, e, f[0], -1);
        const errno = this.num(dv, s, e, f[1], 0);
        const key = errno < 0 ? (errno === -4 ? -4 : -1) : reason;
        let sid = d.ids.get(key);
        if (sid === undefined) {
          sid = table.strings.idOfString(errno < 0 ? (errno === -4 ? 'restart' : 'error') : d.sym[0]?.get(reason) ?? `KVM_EXIT_${reason}`);
          if (d.ids.size < 4096) d.ids.set(key, sid);
        }
        a0 = sid;
        break;
      }
      case EventKind.KvmHypercall:
        a0 = this.num(dv, s, e, f[0], -1) % 2147483648;
        break;
      case EventKind.KvmMmio: {
        const type = this.num(dv, s, e, f[0], 0);
        const name = d.sym[0]?.get(type);
        a0 = name === undefined ? (type === 2 ? 1 : 0) : name === 'write' ? 1 : 0;
        a1 = this.num(dv, s, e, f[1], 0) % 4294967296 | 0;
        a2 = this.num(dv, s, e, f[2], 0);
        break;
      }
      case EventKind.KvmWriteTscOffset: {
        const v = this.num(dv, s, e, f[0], -1);
        const prev = this.u64(dv, s, e, f[1]);
        const next = this.u64(dv, s, e, f[2]);
        if (v < 0 || v > 0x7fffffff || prev === undefined || next === undefined) return this.malformed(ts, cpu, 'kvm_write_tsc_offset without vcpu_id / previous_tsc_offset / next_tsc_offset');
        a0 = v;
        a1 = table.tscOffsets.length;
        table.tscOffsets.push({ ts, cpu, src: 0, pid, vcpu: v, prev, next });
        break;
      }
      default:
        if (kind >= EventKind.FirstUnknown) st.count('unknown_event');
    }

    if (ts < this.prevTs) st.count('timestamp_backwards');
    else this.prevTs = ts;
    if (this.rows === Rows.Count) table.count(ts, kind);
    else table.push(ts, cpu, 0, kind, pid, a0, a1, a2);
    st.events++;
    if (this.rows === Rows.Only) return;

    const ti = this.headThread(cpu, pid);
    const info = this.threads.list[ti];
    if (this.headMiss && pid !== 0 && kind !== EventKind.SchedSwitch) {
      const c = this.L.cmdlines.get(pid);
      if (c) this.noteComm(ti, c, 0, c.length);
    }
    if (p1 > 0 && kind !== EventKind.SchedProcessFork) {
      const pi = this.threads.index(0, p1);
      if (kind !== EventKind.SchedSwitch || this.threads.list[pi].comm < 0) this.noteField(pi, b, dv, s, e, n1);
    }
    if (p2 > 0) this.noteField(this.threads.index(0, p2), b, dv, s, e, n2);
    switch (kind) {
      case EventKind.SchedWakeupNew: {
        const child = this.threads.list[this.threads.index(0, a0)];
        if (child.creator < 0) child.creator = pid;
        break;
      }
      case EventKind.SchedProcessFork:
        this.threads.list[this.threads.index(0, a1)].creator = a0;
        break;
      default:
        noteKvmEvent(info, kind, a0, a1);
    }
  }

  private headThread(cpu: number, pid: number): number {
    this.headMiss = true;
    if (cpu < CPU_CACHE) {
      if (this.cachePid[cpu] === pid) {
        this.headMiss = false;
        return this.cacheIdx[cpu];
      }
      const i = this.threads.index(0, pid);
      this.cachePid[cpu] = pid;
      this.cacheIdx[cpu] = i;
      return i;
    }
    return this.threads.index(0, pid);
  }

  /**
   * Per thread: the raw 16 bytes of the fixed-size comm field that last named it and the comm id
   * that gave, so an unchanged name costs four word compares instead of a NUL scan and a byte
   * comparison (the same name comes with every switch and wakeup of a task).
   */
  private rawWords = new Int32Array(4 * 1024);
  private rawId = new Int32Array(1024).fill(-1);

  /** Names thread `ti` from string field `f` of the record `[s, e)` of `b`. */
  private noteField(ti: number, b: Uint8Array, dv: DataView, s: number, e: number, f: FieldDesc): void {
    const o = s + f.offset;
    if (f.size === 16 && !f.dataLoc && !f.relLoc && f.offset >= 0 && o + 16 <= e) {
      if (ti >= this.rawId.length) this.growRaw(ti);
      const w0 = dv.getInt32(o, true);
      const w1 = dv.getInt32(o + 4, true);
      const w2 = dv.getInt32(o + 8, true);
      const w3 = dv.getInt32(o + 12, true);
      const k = ti * 4;
      const rw = this.rawWords;
      const comm = this.threads.list[ti].comm;
      if (comm >= 0 && this.rawId[ti] === comm && rw[k] === w0 && rw[k + 1] === w1 && rw[k + 2] === w2 && rw[k + 3] === w3) return;
      if (!this.str(b, dv, s, e, f)) return;
      this.noteComm(ti, b, this.strS, this.strE);
      this.rawId[ti] = this.threads.list[ti].comm;
      rw[k] = w0;
      rw[k + 1] = w1;
      rw[k + 2] = w2;
      rw[k + 3] = w3;
      return;
    }
    if (this.str(b, dv, s, e, f)) this.noteComm(ti, b, this.strS, this.strE);
  }

  private growRaw(ti: number): void {
    let n = this.rawId.length;
    while (n <= ti) n *= 2;
    const id = new Int32Array(n).fill(-1);
    id.set(this.rawId);
    const w = new Int32Array(4 * n);
    w.set(this.rawWords);
    this.rawId = id;
    this.rawWords = w;
  }

  private noteComm(ti: number, b: Uint8Array, cs: number, ce: number): void {
    if (ce <= cs) return;
    const info = this.threads.list[ti];
    const comms = this.table.comms;
    if (info.comm >= 0 && comms.equals(info.comm, b, cs, ce)) return;
    info.comm = comms.id(b, cs, ce);
  }
}
