/**
 * The structure of a trace-cmd `.dat` file, versions 6 and 7 (trace-cmd's own documentation:
 * trace-cmd.dat.v6(5) and trace-cmd.dat.v7(5)):
 *
 * - both: magic `17 08 44 "tracing"`, the version as a NUL-terminated string, endianness (0 little),
 *   the userspace long size, the page size;
 * - v6: header_page / header_event, ftrace and event formats, kallsyms, printk formats, saved
 *   cmdlines, the CPU count, then options and `flyrecord` with one (offset, size) per CPU, in that
 *   order;
 * - v7: the compression algorithm and its version, then the offset of the first options section;
 *   every part is a section (id, flags, description string id, size), compressed when flags bit 0
 *   is set (u32 compressed size, u32 size, then the compressed bytes). Options point at the other
 *   sections; the BUFFER option lists the per-CPU data, which is a sequence of compressed chunks
 *   (u32 count, then per chunk u32 compressed size, u32 size, bytes).
 *
 * Everything here reads through {@link Cursor}; structure errors raise DatFormatError.
 */
import { Cursor, DatFormatError, driverFetch, latin1, memoryFetch, type DatDecompressors, type Reads } from './io';
import { parseHeaderPage, type PageHeaderLayout } from './format';
import { parseTimeShift, type TimeShiftData } from '../../link/timeshift';

export const DAT_MAGIC = [0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67];

/** Option / section ids (trace-cmd's TRACECMD_OPTION_*). */
export const enum Opt {
  Done = 0,
  Date = 1,
  CpuStat = 2,
  TraceBuffer = 3,
  TraceClock = 4,
  Uname = 5,
  Hook = 6,
  Offset = 7,
  CpuCount = 8,
  Version = 9,
  ProcMaps = 10,
  TraceId = 11,
  TimeShift = 12,
  Guest = 13,
  Tsc2Nsec = 14,
  Strings = 15,
  HeaderInfo = 16,
  FtraceEvents = 17,
  EventFormats = 18,
  Kallsyms = 19,
  Printk = 20,
  Cmdlines = 21,
  BufferText = 22,
}

export interface CpuData {
  cpu: number;
  offset: number;
  size: number;
}

export interface FormatEntry {
  id: number;
  name: string;
  system: string;
  /** The whole `format` text, bytes (parse with parseEventFormat when needed). */
  text: Uint8Array;
}

/** Name and ID of a format text: both are on its first lines. */
function formatEntry(b: Uint8Array, system: string): FormatEntry | undefined {
  const head = latin1(b, 0, Math.min(b.length, 256));
  const nm = /^name:\s*(\S+)/m.exec(head);
  const idm = /^ID:\s*(\d+)/m.exec(head);
  if (!nm || !idm) return undefined;
  return { id: Number(idm[1]), name: nm[1], system, text: b.slice() };
}

export interface DatLayout {
  version: number;
  little: boolean;
  longSize: number;
  pageSize: number;
  /** 'none' for v6 and uncompressed v7. */
  compression: string;
  compressionVersion: string;
  page: PageHeaderLayout;
  /** The format texts, by id; parsed only for the ids the events use (a file carries thousands). */
  formats: FormatEntry[];
  /** pid -> comm bytes. */
  cmdlines: Map<number, Uint8Array>;
  /** Top-level buffer's per-CPU data. */
  cpus: CpuData[];
  cpuCount: number;
  clock: string;
  /** Added to every timestamp (OPTION_OFFSET), in clock units. */
  tsOffset: number;
  /** TSC to ns conversion (OPTION_TSC2NSEC), when the clock counts TSC cycles. */
  tsc2nsec?: { mult: number; shift: number; offset: number };
  /** Guest/host time-sync data (OPTION_TIME_SHIFT) of a guest file, for trace/link. */
  timeShift?: TimeShiftData;
  /** Names of other buffer instances (not read). */
  otherBuffers: string[];
  /** Options seen, by id (for formatDetail). */
  optionIds: number[];
  uname?: string;
  /** Non-fatal problems met while reading the headers. */
  notes: string[];
}

const MAX_SECTION_BYTES = 256 * 1024 * 1024;
const MAX_FORMATS = 100000;

/** Reads the header parts of a `.dat` file (everything but the per-CPU data). */
export function* readLayout(fileSize: number, dec: DatDecompressors): Reads<DatLayout> {
  const c0 = new Cursor(driverFetch, 0, true, fileSize);
  const magic = yield* c0.bytes(10);
  if (!DAT_MAGIC.every((v, i) => magic[i] === v)) throw new DatFormatError('not a trace-cmd .dat file (bad magic)');
  const vs = yield* c0.cstr(16);
  const version = Number(vs);
  if (version !== 6 && version !== 7) throw new DatFormatError(`.dat file version ${JSON.stringify(vs)} is not supported (6 and 7 are)`);
  const endian = (yield* c0.bytes(2)).slice();
  const little = endian[0] === 0;
  const longSize = endian[1] === 4 ? 4 : 8;
  const c = new Cursor(driverFetch, c0.pos, little, fileSize);
  const pageSize = yield* c.u32();
  if (pageSize < 64 || pageSize > 1 << 24) throw new DatFormatError(`implausible page size ${pageSize}`);
  const L: DatLayout = {
    version,
    little,
    longSize,
    pageSize,
    compression: 'none',
    compressionVersion: '',
    page: { tsOffset: 0, tsSize: 8, commitOffset: 8, commitSize: longSize, dataOffset: 8 + longSize },
    formats: [],
    cmdlines: new Map(),
    cpus: [],
    cpuCount: 0,
    clock: 'local',
    tsOffset: 0,
    otherBuffers: [],
    optionIds: [],
    notes: [],
  };
  if (version === 6) yield* readV6(c, L);
  else yield* readV7(c, L, dec, fileSize);
  return L;
}

function* readHeaderInfo(c: Cursor, L: DatLayout): Reads<void> {
  const hp = yield* c.cstr(32);
  if (hp !== 'header_page') throw new DatFormatError(`expected header_page at offset ${c.pos}`);
  const n = yield* c.u64();
  L.page = parseHeaderPage(latin1(yield* c.bytes(checkSize(n)), 0, n), L.longSize);
  const he = yield* c.cstr(32);
  if (he !== 'header_event') throw new DatFormatError(`expected header_event at offset ${c.pos}`);
  c.skip(checkSize(yield* c.u64()));
}

function checkSize(n: number): number {
  if (!(n >= 0 && n <= MAX_SECTION_BYTES)) throw new DatFormatError(`implausible size ${n}`);
  return n;
}

function* readFtraceEvents(c: Cursor, L: DatLayout): Reads<void> {
  const count = yield* c.u32();
  if (count > MAX_FORMATS) throw new DatFormatError(`implausible event format count ${count}`);
  for (let i = 0; i < count; i++) {
    const n = checkSize(yield* c.u64());
    const f = formatEntry(yield* c.bytes(n), 'ftrace');
    if (f) L.formats.push(f);
  }
}

function* readEventFormats(c: Cursor, L: DatLayout): Reads<void> {
  const systems = yield* c.u32();
  if (systems > MAX_FORMATS) throw new DatFormatError(`implausible event system count ${systems}`);
  for (let s = 0; s < systems; s++) {
    const sys = yield* c.cstr(256);
    const count = yield* c.u32();
    if (count > MAX_FORMATS) throw new DatFormatError(`implausible event format count ${count}`);
    for (let i = 0; i < count; i++) {
      const n = checkSize(yield* c.u64());
      const f = formatEntry(yield* c.bytes(n), sys);
      if (f) L.formats.push(f);
    }
  }
}

/** `PID COMM` lines. */
function parseCmdlines(b: Uint8Array, L: DatLayout): void {
  let s = 0;
  while (s < b.length) {
    let e = b.indexOf(0x0a, s);
    if (e < 0) e = b.length;
    let i = s;
    let pid = 0;
    let digits = 0;
    while (i < e && b[i] >= 0x30 && b[i] <= 0x39 && digits < 10) pid = pid * 10 + (b[i++] - 0x30), digits++;
    if (digits > 0 && b[i] === 0x20 && i + 1 < e) L.cmdlines.set(pid, b.slice(i + 1, e));
    s = e + 1;
  }
}

function* readV6(c: Cursor, L: DatLayout): Reads<void> {
  yield* readHeaderInfo(c, L);
  yield* readFtraceEvents(c, L);
  yield* readEventFormats(c, L);
  c.skip(checkSize(yield* c.u32())); // kallsyms (not needed: the sched and kvm events carry no addresses we print)
  c.skip(checkSize(yield* c.u32())); // printk formats
  const n = checkSize(yield* c.u64());
  parseCmdlines(yield* c.bytes(n), L);
  L.cpuCount = yield* c.u32();
  if (L.cpuCount > 8192) throw new DatFormatError(`implausible CPU count ${L.cpuCount}`);
  for (let guard = 0; guard < 2; guard++) {
    const tag = latin1(yield* c.bytes(10), 0, 10);
    if (tag === 'options  \0') {
      for (let k = 0; k < 100000; k++) {
        const id = yield* c.u16();
        if (id === Opt.Done) break;
        const size = checkSize(yield* c.u32());
        const d = yield* c.bytes(size);
        yield* option(id, d, L, 6);
      }
      continue;
    }
    if (tag === 'latency  \0') throw new DatFormatError('latency-tracer .dat files (text data) are not supported');
    if (tag !== 'flyrecord\0') throw new DatFormatError(`expected flyrecord at offset ${c.pos - 10}`);
    for (let i = 0; i < L.cpuCount; i++) {
      const offset = yield* c.u64();
      const size = yield* c.u64();
      L.cpus.push({ cpu: i, offset, size });
    }
    return;
  }
  throw new DatFormatError('no flyrecord section');
}

interface Section {
  id: number;
  data: Uint8Array;
}

function decompress(dec: DatDecompressors, alg: string, src: Uint8Array, size: number): Uint8Array {
  const f = alg === 'zstd' ? dec.zstd : alg === 'zlib' ? dec.zlib : undefined;
  if (!f) throw new DatFormatError(`compression '${alg}' is not supported here`);
  let out: Uint8Array;
  try {
    out = f(src, size);
  } catch (e) {
    throw new DatFormatError(`${alg} decompression failed: ${(e as Error).message}`);
  }
  if (out.length !== size) throw new DatFormatError(`${alg} block decompressed to ${out.length} bytes, expected ${size}`);
  return out;
}

function* readSection(fileSize: number, offset: number, L: DatLayout, dec: DatDecompressors): Reads<Section> {
  const c = new Cursor(driverFetch, offset, L.little, fileSize);
  const id = yield* c.u16();
  const flags = yield* c.u16();
  yield* c.u32(); // description string id
  const size = checkSize(yield* c.u64());
  if (!(flags & 1)) return { id, data: (yield* c.bytes(size)).slice() };
  const zsize = yield* c.u32();
  const usize = checkSize(yield* c.u32());
  if (zsize + 8 > size) throw new DatFormatError(`section at ${offset}: compressed size ${zsize} exceeds the section`);
  return { id, data: decompress(dec, L.compression, yield* c.bytes(zsize), usize) };
}

function* readV7(c: Cursor, L: DatLayout, dec: DatDecompressors, fileSize: number): Reads<void> {
  L.compression = yield* c.cstr(64);
  L.compressionVersion = yield* c.cstr(64);
  let next = yield* c.u64();
  const seen = new Set<number>();
  const sections: { id: number; offset: number }[] = [];
  while (next !== 0) {
    if (seen.has(next) || seen.size > 256) throw new DatFormatError('options sections loop');
    seen.add(next);
    const s = yield* readSection(fileSize, next, L, dec);
    next = 0;
    const m = new Cursor(memoryFetch(s.data), 0, L.little, s.data.length);
    while (m.pos + 6 <= s.data.length) {
      const id = yield* m.u16();
      const size = yield* m.u32();
      const d = yield* m.bytes(size);
      if (id === Opt.Done) {
        next = d.length >= 8 ? readNum(d, L.little) : 0;
        break;
      }
      if (id >= Opt.HeaderInfo && id <= Opt.Cmdlines && d.length >= 8) sections.push({ id, offset: readNum(d, L.little) });
      else yield* option(id, d, L, 7);
    }
  }
  const sectionOf = (id: number) => sections.find((s) => s.id === id);
  const need = (id: number, what: string) => {
    const s = sectionOf(id);
    if (!s) throw new DatFormatError(`no ${what} section`);
    return s;
  };
  const inMem = (d: Uint8Array) => new Cursor(memoryFetch(d), 0, L.little, d.length);
  yield* readHeaderInfo(inMem((yield* readSection(fileSize, need(Opt.HeaderInfo, 'header info').offset, L, dec)).data), L);
  const fe = sectionOf(Opt.FtraceEvents);
  if (fe) yield* readFtraceEvents(inMem((yield* readSection(fileSize, fe.offset, L, dec)).data), L);
  yield* readEventFormats(inMem((yield* readSection(fileSize, need(Opt.EventFormats, 'event formats').offset, L, dec)).data), L);
  const cl = sectionOf(Opt.Cmdlines);
  if (cl) {
    const d = (yield* readSection(fileSize, cl.offset, L, dec)).data;
    const m = inMem(d);
    const n = Math.min(yield* m.u64(), d.length - 8);
    parseCmdlines(d.subarray(8, 8 + n), L);
  } else L.notes.push('no saved cmdlines: tasks are named by their sched events only');
  if (L.cpus.length === 0) throw new DatFormatError('no top-level trace buffer (BUFFER option) found');
}

function readNum(d: Uint8Array, little: boolean): number {
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return little ? dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true) : dv.getUint32(0, false) * 4294967296 + dv.getUint32(4, false);
}

function* option(id: number, d: Uint8Array, L: DatLayout, version: number): Reads<void> {
  L.optionIds.push(id);
  const m = new Cursor(memoryFetch(d), 0, L.little, d.length);
  const str = () => {
    const z = d.indexOf(0);
    return latin1(d, 0, z < 0 ? d.length : z);
  };
  try {
    switch (id) {
      case Opt.TraceClock: {
        const t = str();
        const sel = /\[([^\]]+)\]/.exec(t);
        L.clock = sel ? sel[1] : t.trim();
        break;
      }
      case Opt.Uname:
        L.uname = str();
        break;
      case Opt.CpuCount:
        L.cpuCount = yield* m.u32();
        break;
      case Opt.Offset:
        L.tsOffset = yield* m.i64();
        break;
      case Opt.Tsc2Nsec: {
        const mult = yield* m.u32();
        const shift = yield* m.u32();
        const offset = yield* m.i64();
        L.tsc2nsec = { mult, shift, offset };
        break;
      }
      case Opt.TraceBuffer: {
        if (version === 6) {
          yield* m.u64();
          L.otherBuffers.push(yield* m.cstr(256));
          break;
        }
        yield* m.u64(); // offset of the buffer's section header
        const name = yield* m.cstr(256);
        const clock = yield* m.cstr(256);
        yield* m.u32(); // page size
        const n = yield* m.u32();
        if (name !== '') {
          L.otherBuffers.push(name);
          break;
        }
        if (n > 8192) throw new DatFormatError(`implausible CPU count ${n}`);
        if (clock) L.clock = clock;
        for (let i = 0; i < n; i++) {
          const cpu = yield* m.u32();
          const offset = yield* m.u64();
          const size = yield* m.u64();
          L.cpus.push({ cpu, offset, size });
        }
        break;
      }
      case Opt.TimeShift: {
        const t = parseTimeShift(d, L.little);
        if (t) L.timeShift = t;
        else L.notes.push('TIME_SHIFT option unreadable (guest/host time sync data ignored)');
        break;
      }
      case Opt.BufferText:
        L.notes.push('a latency (text) buffer is present and was not read');
        break;
    }
  } catch (e) {
    if (!(e instanceof DatFormatError)) throw e;
    L.notes.push(`option ${id}: ${e.message}`);
  }
}
