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
  /** The file ends inside this CPU's data (a cut file): what follows the last whole page or chunk is lost. */
  cut?: boolean;
  /**
   * Compressed data located by scanning (a cut v7 file): the whole chunks found, read instead of
   * the chunk count the data starts with (a file cut while trace-cmd wrote it may still hold 0).
   */
  found?: number;
}

/** How much of a cut file the headers could locate (see {@link scanV7}). */
export interface DatCut {
  /** What the file ends inside, e.g. `the options section at offset 1140492`. */
  inside: string;
  /** The per-CPU data was found by scanning, not through the BUFFER option. */
  scanned: boolean;
  /** Uncompressed v7 data that cannot be split per CPU without the BUFFER option. */
  unsplit?: boolean;
  /** The file ends before its CPU data starts. */
  noData?: boolean;
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
  /** Set when the file is cut short (ends inside a section or inside the CPU data). */
  cut?: DatCut;
  /** Bytes the header sections decompressed to (counted against {@link inflateBudget}). */
  inflated: number;
}

/**
 * Most bytes a file's compressed sections and chunks may decompress to, in all (per import
 * pass): 64 MiB plus 128 times the file's size. An assumption with a wide margin: the shared
 * real traces' chunks decompress to 9x and their largest section to 16x; a zstd stream can
 * claim 32,000x (a decompression bomb), which would take minutes and gigabytes.
 */
export function inflateBudget(fileSize: number): number {
  return (64 << 20) + 128 * fileSize;
}

const MAX_SECTION_BYTES = 256 * 1024 * 1024;
const MAX_FORMATS = 100000;

/** Reads the header parts of a `.dat` file (everything but the per-CPU data). */
export function* readLayout(fileSize: number, dec: DatDecompressors): Reads<DatLayout> {
  try {
    return yield* readHeaders(fileSize, dec);
  } catch (e) {
    // A cut header part: say so (the cursor's message names the offset).
    if (e instanceof DatFormatError && e.message.startsWith('truncated at offset')) throw new DatFormatError(`the file ends at byte ${fileSize}, inside its headers (${e.message})`);
    throw e;
  }
}

function* readHeaders(fileSize: number, dec: DatDecompressors): Reads<DatLayout> {
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
    inflated: 0,
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
      L.cpus.push({ cpu: i, offset, size, ...(offset + size > c.end ? { cut: true } : {}) });
    }
    if (L.cpus.some((d) => d.cut)) L.cut = { inside: 'the CPU data (flyrecord)', scanned: false };
    return;
  }
  throw new DatFormatError('no flyrecord section');
}

interface Section {
  id: number;
  data: Uint8Array;
  /** Options sections: the offset of the next one (0: none). */
  next: number;
}

function decompress(dec: DatDecompressors, L: DatLayout, fileSize: number, offset: number, src: Uint8Array, size: number): Uint8Array {
  const alg = L.compression;
  const f = alg === 'zstd' ? dec.zstd : alg === 'zlib' ? dec.zlib : undefined;
  if (!f) throw new DatFormatError(`compression '${alg}' is not supported here`);
  if (L.inflated + size > inflateBudget(fileSize)) throw new DatFormatError(`section at ${offset}: its ${size} decompressed bytes would bring the header sections' to ${L.inflated + size}, more than a file of ${fileSize} bytes may decompress to (${inflateBudget(fileSize)}: 64 MiB + 128 x its size)`);
  L.inflated += size;
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
  let data: Uint8Array;
  if (!(flags & 1)) data = (yield* c.bytes(size)).slice();
  else {
    const zsize = yield* c.u32();
    const usize = checkSize(yield* c.u32());
    if (zsize + 8 > size) throw new DatFormatError(`section at ${offset}: compressed size ${zsize} exceeds the section`);
    data = decompress(dec, L, fileSize, offset, yield* c.bytes(zsize), usize);
  }
  return { id, data, next: id === 0 ? nextOptions(data, L.little) : 0 };
}

function* readV7(c: Cursor, L: DatLayout, dec: DatDecompressors, fileSize: number): Reads<void> {
  L.compression = yield* c.cstr(64);
  L.compressionVersion = yield* c.cstr(64);
  let next = yield* c.u64();
  const first = c.pos;
  const seen = new Set<number>();
  const sections: { id: number; offset: number }[] = [];
  // The options chain. In a file cut short it breaks (the last options section, with the BUFFER
  // option, is near the end of the file): what was read stays and the rest is found by scanning.
  let broken: string | undefined;
  try {
    while (next !== 0) {
      if (seen.has(next) || seen.size > 256) throw new DatFormatError('options sections loop');
      if (next + 16 > fileSize) {
        broken = `the options section at offset ${next}`;
        break;
      }
      seen.add(next);
      const s = yield* readSection(fileSize, next, L, dec);
      next = 0;
      yield* readOptions(s.data, L, sections);
      next = s.next;
    }
  } catch (e) {
    if (!(e instanceof DatFormatError)) throw e;
    if (!e.message.startsWith('truncated at offset')) throw e;
    broken = `the options section at offset ${[...seen].pop()}`;
  }
  if (broken !== undefined) {
    // Nothing located the CPU data: a cut file. Walk the sections from the start.
    yield* scanV7(first, fileSize, L, dec, sections, seen, broken);
  }
  const sectionOf = (id: number) => sections.find((s) => s.id === id);
  const need = (id: number, what: string) => {
    const s = sectionOf(id);
    if (!s) throw new DatFormatError(L.cut ? `the file ends at byte ${fileSize}, inside ${L.cut.inside}: no ${what} section` : `no ${what} section`);
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
  if (L.cpus.length === 0 && !L.cut) throw new DatFormatError('no top-level trace buffer (BUFFER option) found');
}

/** The options of one options section; returns the offset of the next one (0: none). */
function* readOptions(data: Uint8Array, L: DatLayout, sections: { id: number; offset: number }[]): Reads<void> {
  const m = new Cursor(memoryFetch(data), 0, L.little, data.length);
  while (m.pos + 6 <= data.length) {
    const id = yield* m.u16();
    const size = yield* m.u32();
    const d = yield* m.bytes(size);
    if (id === Opt.Done) return;
    if (id >= Opt.HeaderInfo && id <= Opt.Cmdlines && d.length >= 8) {
      if (!sections.some((s) => s.id === id)) sections.push({ id, offset: readNum(d, L.little) });
    } else yield* option(id, d, L, 7);
  }
}

/** The `next` field of an options section (its DONE option); 0 when there is none. */
function nextOptions(data: Uint8Array, little: boolean): number {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  while (p + 6 <= data.length) {
    const id = dv.getUint16(p, little);
    const size = dv.getUint32(p + 2, little);
    if (id === Opt.Done) return size >= 8 && p + 14 <= data.length ? readNum(data.subarray(p + 6, p + 14), little) : 0;
    p += 6 + size;
  }
  return 0;
}

const pageAlign = (n: number, ps: number) => Math.ceil(n / ps) * ps;
/** Most CPUs a scan assigns data to. */
const MAX_SCAN_CPUS = 8192;

/**
 * A cut v7 file: walks the sections one after the other from the end of the file header (each
 * has a 16-byte header with its id and size), taking the header sections and options found, up
 * to the CPU data section (id 3, the flyrecord). Its per-CPU data follows, each CPU page aligned:
 * compressed, a chunk count then chunks with their own (compressed size, size) headers, scanned
 * while they are plausible; the CPUs are numbered in file order (trace-cmd writes them in CPU
 * order; a CPU that recorded nothing writes no data, so the numbers after it would be off by one;
 * the CPU count option, when read, bounds them). Sets L.cut.
 */
function* scanV7(start: number, fileSize: number, L: DatLayout, dec: DatDecompressors, sections: { id: number; offset: number }[], seen: Set<number>, broken: string): Reads<void> {
  const NAMES: Record<number, string> = { 0: 'options', 3: 'CPU data (flyrecord)', 16: 'header info', 17: 'ftrace events', 18: 'event formats', 19: 'kallsyms', 20: 'printk formats', 21: 'saved cmdlines' };
  const c = new Cursor(driverFetch, start, L.little, fileSize);
  let q = start;
  let data = -1;
  let dataFlags = 0;
  let dataEnd = fileSize;
  let dataSize = 0;
  for (let k = 0; k < 4096; k++) {
    if (q + 16 > fileSize) {
      L.cut = { inside: q >= fileSize ? `the section headers (after offset ${q})` : `the section header at offset ${q}`, scanned: true, noData: true };
      return;
    }
    c.pos = q;
    const id = yield* c.u16();
    const flags = yield* c.u16();
    yield* c.u32();
    const size = yield* c.u64();
    if (id === 3) {
      data = q;
      dataFlags = flags;
      dataSize = size;
      if (size > 0) dataEnd = Math.min(fileSize, q + 16 + size);
      break;
    }
    // Sections of other ids (a latency buffer's text, newer trace-cmd parts) are stepped over.
    const name = NAMES[id] ?? `id ${id}`;
    if (id > 63 || size > MAX_SECTION_BYTES * 4) throw new DatFormatError(`section at offset ${q} (id ${id}, ${size} bytes) is not one a .dat file has`);
    if (q + 16 + size > fileSize) {
      L.cut = { inside: `the ${name} section at offset ${q}`, scanned: true, noData: true };
      return;
    }
    if (id >= Opt.HeaderInfo && id <= Opt.Cmdlines) {
      if (!sections.some((s) => s.id === id)) sections.push({ id, offset: q });
    } else if (id === 0 && !seen.has(q)) {
      seen.add(q);
      const s = yield* readSection(fileSize, q, L, dec);
      yield* readOptions(s.data, L, sections);
    }
    q += 16 + size;
  }
  if (data < 0) throw new DatFormatError(`no CPU data section found after offset ${start}`);
  // The options section the chain broke in holds the cut only when it starts before the end.
  const brokenAt = Number(/\d+$/.exec(broken)?.[0] ?? fileSize);
  const cut: DatCut = { inside: brokenAt < fileSize ? broken : `the CPU data (section at offset ${data})`, scanned: true };
  L.cut = cut;
  L.cpus.length = 0;
  const ps = L.pageSize;
  let o = pageAlign(data + 16, ps);
  if (!(dataFlags & 1)) {
    // Uncompressed pages say nothing of their CPU: only a one-CPU file can be split.
    if (L.cpuCount === 1) L.cpus.push({ cpu: 0, offset: o, size: dataEnd - o, ...(dataSize === 0 || data + 16 + dataSize > fileSize ? { cut: true } : {}) });
    else cut.unsplit = true;
    return;
  }
  const maxCpus = L.cpuCount > 0 ? Math.min(L.cpuCount, MAX_SCAN_CPUS) : MAX_SCAN_CPUS;
  for (let cpu = 0; cpu < maxCpus && o + 4 <= dataEnd; cpu++) {
    c.pos = o;
    const count = yield* c.u32();
    let p = o + 4;
    let n = 0;
    let isCut = false;
    while (count === 0 || n < count) {
      if (p + 8 > dataEnd) {
        isCut = p < dataEnd || (count !== 0 && n < count);
        break;
      }
      c.pos = p;
      const zsize = yield* c.u32();
      const usize = yield* c.u32();
      // A chunk holds whole pages; its compressed form is never much larger than them.
      if (!(usize > 0 && usize % ps === 0 && usize <= 64 << 20 && zsize > 0 && zsize <= usize + (usize >> 3) + 1024)) break;
      if (p + 8 + zsize > dataEnd) {
        isCut = true;
        break;
      }
      p += 8 + zsize;
      n++;
    }
    if (n === 0 && !isCut) break;
    L.cpus.push({ cpu, offset: o, size: (isCut ? dataEnd : p) - o - 4, found: n, ...(isCut ? { cut: true } : {}) });
    if (isCut) break;
    o = pageAlign(p, ps);
  }
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
