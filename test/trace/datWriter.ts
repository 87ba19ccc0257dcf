/**
 * A small trace-cmd `.dat` writer for tests: v6 (uncompressed) and v7 (uncompressed or zlib),
 * per-CPU ring-buffer pages with time extends, lost-event flags and deliberately corrupt pages.
 * The event formats it declares put the fields at offsets no kernel uses, so a reader that
 * hard-codes offsets fails on them.
 */
import { deflateSync } from 'node:zlib';

export const PAGE = 4096;

/** Byte order of everything the writer produces (see {@link withByteOrder}). */
let LITTLE = true;

/** Runs `fn` with the writer producing big-endian files (as a big-endian host's trace-cmd does). */
export function withByteOrder<T>(big: boolean, fn: () => T): T {
  const was = LITTLE;
  LITTLE = !big;
  try {
    return fn();
  } finally {
    LITTLE = was;
  }
}
const DATA_OFF = 16;

const COMMON = `\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
`;

/** sched_switch with the pids first and the comms last (unlike any kernel). */
export const SWITCH_ID = 7;
const SWITCH_FMT = `name: sched_switch
ID: ${SWITCH_ID}
format:
${COMMON}
\tfield:pid_t prev_pid;\toffset:8;\tsize:4;\tsigned:1;
\tfield:pid_t next_pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:long prev_state;\toffset:16;\tsize:8;\tsigned:1;
\tfield:int prev_prio;\toffset:24;\tsize:4;\tsigned:1;
\tfield:int next_prio;\toffset:28;\tsize:4;\tsigned:1;
\tfield:char prev_comm[16];\toffset:32;\tsize:16;\tsigned:0;
\tfield:__data_loc char[] next_comm;\toffset:48;\tsize:4;\tsigned:0;

print fmt: "prev_comm=%s prev_pid=%d", REC->prev_comm, REC->prev_pid
`;

export const WAKEUP_ID = 9;
const WAKEUP_FMT = `name: sched_wakeup
ID: ${WAKEUP_ID}
format:
${COMMON}
\tfield:int target_cpu;\toffset:8;\tsize:4;\tsigned:1;
\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:int prio;\toffset:16;\tsize:4;\tsigned:1;
\tfield:char comm[16];\toffset:20;\tsize:16;\tsigned:0;

print fmt: "comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu
`;

const HEADER_PAGE = `\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;
\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;
\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;
\tfield: char data;\toffset:${DATA_OFF};\tsize:${PAGE - DATA_OFF};\tsigned:0;
`;
const HEADER_EVENT = '# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n';

export interface WEvent {
  ts: number;
  data: Uint8Array;
}

function le(n: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (size === 2) dv.setUint16(0, n, LITTLE);
  else if (size === 4) dv.setUint32(0, n >>> 0, LITTLE);
  else dv.setBigUint64(0, BigInt(n), LITTLE);
  return b;
}

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

export function switchRec(cpuPid: number, prevComm: string, prevPid: number, prevState: number, nextComm: string, nextPid: number, nextPrio = 120): Uint8Array {
  const nc = enc(nextComm + '\0');
  const b = new Uint8Array(52 + nc.length);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, SWITCH_ID, LITTLE);
  dv.setInt32(4, cpuPid, LITTLE);
  dv.setInt32(8, prevPid, LITTLE);
  dv.setInt32(12, nextPid, LITTLE);
  dv.setBigInt64(16, BigInt(prevState), LITTLE);
  dv.setInt32(24, 120, LITTLE);
  dv.setInt32(28, nextPrio, LITTLE);
  b.set(enc(prevComm).subarray(0, 15), 32);
  dv.setUint32(48, 52 | (nc.length << 16), LITTLE);
  b.set(nc, 52);
  return b;
}

export function wakeupRec(cpuPid: number, comm: string, pid: number, targetCpu: number): Uint8Array {
  const b = new Uint8Array(36);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, WAKEUP_ID, LITTLE);
  dv.setInt32(4, cpuPid, LITTLE);
  dv.setInt32(8, targetCpu, LITTLE);
  dv.setInt32(12, pid, LITTLE);
  dv.setInt32(16, 120, LITTLE);
  b.set(enc(comm).subarray(0, 15), 20);
  return b;
}

/** The event header word: type_len is the low 5 bits on little-endian kernels, the high 5 on big-endian ones. */
function evHeader(typeLen: number, delta: number): number {
  return LITTLE ? (typeLen | (delta << 5)) >>> 0 : ((typeLen << 27) | delta) >>> 0;
}

export interface PageOptions {
  /** Page indexes (per CPU) that get the lost-events flag, with the stored count. */
  missed?: Map<number, number>;
  /** Page indexes whose commit size is made impossible. */
  corrupt?: Set<number>;
  /** Most events per page (to spread small inputs over several pages). */
  perPage?: number;
  /** Encode every event with type_len 0 (length in the next word), as the kernel does above 112 bytes. */
  long?: boolean;
}

/** Ring-buffer pages for one CPU's events (time-sorted). */
export function pages(events: WEvent[], o: PageOptions = {}): Uint8Array {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < events.length) {
    const page = new Uint8Array(PAGE);
    const dv = new DataView(page.buffer);
    const pageTs = events[i].ts;
    dv.setBigUint64(0, BigInt(pageTs), LITTLE);
    let pos = DATA_OFF;
    let last = pageTs;
    let n = 0;
    while (i < events.length && n < (o.perPage ?? Infinity)) {
      const e = events[i];
      const len = (e.data.length + 3) & ~3;
      let delta = e.ts - last;
      const ext = delta >= 1 << 27;
      const short = len <= 112 && !o.long;
      const need = (ext ? 8 : 0) + (short ? 4 : 8) + len;
      if (pos + need > PAGE - 8) break;
      if (ext) {
        dv.setUint32(pos, evHeader(30, delta % (1 << 27)), LITTLE);
        dv.setUint32(pos + 4, Math.floor(delta / (1 << 27)), LITTLE);
        pos += 8;
        delta = 0;
      }
      if (short) {
        dv.setUint32(pos, evHeader(len / 4, delta), LITTLE);
        page.set(e.data, pos + 4);
        pos += 4 + len;
      } else {
        dv.setUint32(pos, evHeader(0, delta), LITTLE);
        dv.setUint32(pos + 4, len + 4, LITTLE);
        page.set(e.data, pos + 8);
        pos += 8 + len;
      }
      last = e.ts;
      i++;
      n++;
    }
    const idx = out.length;
    let commit = pos - DATA_OFF;
    const missed = o.missed?.get(idx);
    if (missed !== undefined) {
      dv.setBigUint64(pos, BigInt(missed), LITTLE);
      commit = (commit | 0xc0000000) >>> 0;
    }
    if (o.corrupt?.has(idx)) commit = PAGE;
    dv.setBigUint64(8, BigInt(commit), LITTLE);
    out.push(page);
  }
  return cat(out);
}

export interface DatSpec {
  version: 6 | 7;
  compression?: 'none' | 'zlib';
  /** Per CPU: its pages (see {@link pages}). */
  cpus: Uint8Array[];
  cmdlines?: [number, string][];
  /**
   * Header parts taken from another file instead of the writer's own (the benchmark re-packs a
   * real trace): the contents of the HEADER_INFO, FTRACE_EVENTS, EVENT_FORMATS and CMDLINES
   * sections, which are also what v6 stores inline.
   */
  raw?: { header: Uint8Array; ftrace: Uint8Array; formats: Uint8Array; cmdlines: Uint8Array };
  /** Pages per compressed chunk (v7 zlib); default 2. */
  pagesPerChunk?: number;
  /** Extra options: [id, data] (v7, and v6 since the TSC offset tests). */
  options?: [number, Uint8Array][];
  /** The trace clock the BUFFER option names (v7); default `local`. v6: a TRACECLOCK option (`[clock] local ...`) when given. */
  clock?: string;
  /** Event formats of other systems, e.g. `{ system: 'kvm', text: TSC_OFFSET_FMT }`. */
  formats?: { system: string; text: string }[];
}

/** kvm_write_tsc_offset as arch/x86/kvm/trace.h declares it (offsets u64), at offsets no kernel uses. */
export const TSC_OFFSET_ID = 11;
export const TSC_OFFSET_FMT = `name: kvm_write_tsc_offset
ID: ${TSC_OFFSET_ID}
format:
${COMMON}
\tfield:__u64 next_tsc_offset;\toffset:8;\tsize:8;\tsigned:0;
\tfield:__u64 previous_tsc_offset;\toffset:16;\tsize:8;\tsigned:0;
\tfield:unsigned int vcpu_id;\toffset:24;\tsize:4;\tsigned:0;

print fmt: "vcpu=%u prev=%llu next=%llu", REC->vcpu_id, REC->previous_tsc_offset, REC->next_tsc_offset
`;

export function tscOffsetRec(cpuPid: number, vcpu: number, prev: bigint, next: bigint): Uint8Array {
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, TSC_OFFSET_ID, LITTLE);
  dv.setInt32(4, cpuPid, LITTLE);
  dv.setBigUint64(8, BigInt.asUintN(64, next), LITTLE);
  dv.setBigUint64(16, BigInt.asUintN(64, prev), LITTLE);
  dv.setUint32(24, vcpu, LITTLE);
  return b;
}

function formatsBlock(extra: { system: string; text: string }[] = []): Uint8Array {
  const f = [SWITCH_FMT, WAKEUP_FMT].map((t) => cat([le(t.length, 8), enc(t)]));
  const systems = [...new Set(extra.map((x) => x.system))];
  const more = systems.map((sys) => {
    const fs = extra.filter((x) => x.system === sys).map((x) => cat([le(x.text.length, 8), enc(x.text)]));
    return cat([enc(`${sys}\0`), le(fs.length, 4), ...fs]);
  });
  return cat([le(1 + systems.length, 4), enc('sched\0'), le(f.length, 4), ...f, ...more]);
}

function headerBlock(): Uint8Array {
  return cat([enc('header_page\0'), le(HEADER_PAGE.length, 8), enc(HEADER_PAGE), enc('header_event\0'), le(HEADER_EVENT.length, 8), enc(HEADER_EVENT)]);
}

function cmdlinesText(spec: DatSpec): Uint8Array {
  return enc((spec.cmdlines ?? []).map(([p, c]) => `${p} ${c}\n`).join(''));
}

export function buildDat(spec: DatSpec): Uint8Array {
  const magic = cat([new Uint8Array([0x17, 0x08, 0x44]), enc('tracing'), enc(`${spec.version}\0`), new Uint8Array([LITTLE ? 0 : 1, 8]), le(PAGE, 4)]);
  const align = (n: number) => Math.ceil(n / PAGE) * PAGE;
  if (spec.version === 6) {
    const cl = cmdlinesText(spec);
    const head = cat([
      magic,
      spec.raw?.header ?? headerBlock(),
      spec.raw?.ftrace ?? le(0, 4), // ftrace events
      spec.raw?.formats ?? formatsBlock(spec.formats),
      le(0, 4), // kallsyms
      le(0, 4), // printk
      spec.raw?.cmdlines ?? cat([le(cl.length, 8), cl]),
      le(spec.cpus.length, 4),
      enc('options  \0'),
      le(8, 2),
      le(4, 4),
      le(spec.cpus.length, 4),
      ...(spec.clock ? [le(4, 2), le(enc(`[${spec.clock}] local\0`).length, 4), enc(`[${spec.clock}] local\0`)] : []),
      ...(spec.options ?? []).flatMap(([id, d]) => [le(id, 2), le(d.length, 4), d]),
      le(0, 2),
      enc('flyrecord\0'),
    ]);
    let off = align(head.length + 16 * spec.cpus.length);
    const table: Uint8Array[] = [];
    for (const c of spec.cpus) {
      table.push(le(off, 8), le(c.length, 8));
      off = align(off + c.length);
    }
    const parts: Uint8Array[] = [head, ...table];
    let len = head.length + 16 * spec.cpus.length;
    for (const c of spec.cpus) {
      parts.push(new Uint8Array(align(len) - len), c);
      len = align(len) + c.length;
    }
    return cat(parts);
  }
  const z = spec.compression === 'zlib';
  const algo = z ? cat([enc('zlib\0'), enc('1.2.13\0')]) : cat([enc('none\0'), enc('\0')]);
  const section = (id: number, content: Uint8Array): Uint8Array => {
    const body = z ? cat([le(0, 4), le(content.length, 4), deflateSync(content)]) : content;
    if (z) new DataView(body.buffer, body.byteOffset).setUint32(0, body.length - 8, LITTLE);
    return cat([le(id, 2), le(z ? 1 : 0, 2), le(0, 4), le(body.length, 8), body]);
  };
  const parts: Uint8Array[] = [magic, algo, new Uint8Array(8)];
  let len = magic.length + algo.length + 8;
  const offsets: Record<string, number> = {};
  const add = (name: string, b: Uint8Array) => {
    offsets[name] = len;
    parts.push(b);
    len += b.length;
  };
  add('header', section(16, spec.raw?.header ?? headerBlock()));
  if (spec.raw) add('ftrace', section(17, spec.raw.ftrace));
  add('formats', section(18, spec.raw?.formats ?? formatsBlock(spec.formats)));
  const cl = cmdlinesText(spec);
  add('cmdlines', section(21, spec.raw?.cmdlines ?? cat([le(cl.length, 8), cl])));
  // CPU data, page aligned.
  const cpuInfo: [number, number][] = [];
  add('flyrecord', cat([le(3, 2), le(z ? 1 : 0, 2), le(0, 4), le(0, 8)]));
  for (const c of spec.cpus) {
    const pad = align(len) - len;
    if (pad) add('pad', new Uint8Array(pad));
    let data: Uint8Array;
    let size: number;
    if (!z) {
      data = c;
      size = c.length;
    } else {
      const chunks: Uint8Array[] = [];
      const step = (spec.pagesPerChunk ?? 2) * PAGE;
      for (let o = 0; o < c.length; o += step) {
        const u = c.subarray(o, Math.min(c.length, o + step));
        const d = deflateSync(u);
        chunks.push(le(d.length, 4), le(u.length, 4), d);
      }
      const body = cat(chunks);
      data = cat([le(chunks.length / 3, 4), body]);
      size = body.length;
    }
    cpuInfo.push([len, size]);
    add('cpu', data);
  }
  const buffer = cat([
    le(offsets.flyrecord, 8),
    enc('\0'),
    enc(`${spec.clock ?? 'local'}\0`),
    le(PAGE, 4),
    le(spec.cpus.length, 4),
    ...cpuInfo.flatMap(([o, s], i) => [le(i, 4), le(o, 8), le(s, 8)]),
  ]);
  const opts = cat([
    le(16, 2), le(8, 4), le(offsets.header, 8),
    ...(spec.raw ? [le(17, 2), le(8, 4), le(offsets.ftrace, 8)] : []),
    le(18, 2), le(8, 4), le(offsets.formats, 8),
    le(21, 2), le(8, 4), le(offsets.cmdlines, 8),
    le(8, 2), le(4, 4), le(spec.cpus.length, 4),
    le(3, 2), le(buffer.length, 4), buffer,
    ...(spec.options ?? []).flatMap(([id, d]) => [le(id, 2), le(d.length, 4), d]),
    le(0, 2), le(8, 4), le(0, 8),
  ]);
  const optionsAt = len;
  parts.push(cat([le(0, 2), le(0, 2), le(0, 4), le(opts.length, 8), opts]));
  const out = cat(parts);
  new DataView(out.buffer).setBigUint64(magic.length + algo.length, BigInt(optionsAt), LITTLE);
  return out;
}

/**
 * The content of section `id` of a v7 file (decompressed with `decompress` when flagged), found
 * through the options sections; undefined when absent. For tests that reuse a real file's parts.
 */
export function v7Section(file: Uint8Array, id: number, decompress: (src: Uint8Array, size: number) => Uint8Array): Uint8Array | undefined {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let p = 10;
  p = file.indexOf(0, p) + 1 + 2 + 4; // version, endian + long size, page size
  p = file.indexOf(0, p) + 1; // compression
  p = file.indexOf(0, p) + 1; // its version
  const section = (off: number): Uint8Array => {
    const flags = dv.getUint16(off + 2, true);
    const size = Number(dv.getBigUint64(off + 8, true));
    const d = file.subarray(off + 16, off + 16 + size);
    if (!(flags & 1)) return d;
    const ddv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    return decompress(d.subarray(8, 8 + ddv.getUint32(0, true)), ddv.getUint32(4, true));
  };
  for (let next = Number(dv.getBigUint64(p, true)); next; ) {
    const d = section(next);
    const ddv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    next = 0;
    for (let q = 0; q + 6 <= d.length; ) {
      const oid = ddv.getUint16(q, true);
      const sz = ddv.getUint32(q + 2, true);
      if (oid === 0) {
        next = Number(ddv.getBigUint64(q + 6, true));
        break;
      }
      if (oid === id) return section(Number(ddv.getBigUint64(q + 6, true)));
      q += 6 + sz;
    }
  }
  return undefined;
}

/** A record of an event whose fields are `fields` (name -> offset, size); strings go to char[N] fields. */
export function encodeRecord(fields: Map<string, { offset: number; size: number }>, id: number, values: Record<string, number | string>): Uint8Array {
  let size = 0;
  for (const f of fields.values()) size = Math.max(size, f.offset + f.size);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  for (const [name, v] of Object.entries({ common_type: id, ...values })) {
    const f = fields.get(name);
    if (!f) throw new Error(`no field ${name}`);
    if (typeof v === 'string') b.set(enc(v).subarray(0, f.size - 1), f.offset);
    else if (f.size === 1) dv.setUint8(f.offset, v);
    else if (f.size === 2) dv.setUint16(f.offset, v, LITTLE);
    else if (f.size === 4) dv.setUint32(f.offset, v >>> 0, LITTLE);
    else dv.setBigUint64(f.offset, BigInt.asUintN(64, BigInt(v)), LITTLE);
  }
  return b;
}

export { headerBlock, le };
