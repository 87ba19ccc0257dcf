/**
 * The columnar event table every text importer fills, and the thread table it keeps on the side.
 *
 * One row per event, in file order (ftrace output is globally time-sorted). Columns are block
 * typed arrays (see `columns.ts`); strings never live in rows: comms, event names and exit reasons
 * are interned and rows carry their ids. What each of the three integer argument columns means
 * depends on the event kind (see {@link EventKind}).
 */
import { BLOCK_ROWS, LazyU8Column, NarrowColumn, SmallColumn, TS_BASE_BITS, TsColumn, ZERO_U8_BLOCK } from './columns';
import { exactOffset } from '../core/timeline';
import { ByteInterner } from './intern';

const TS_BASE_MASK = (1 << TS_BASE_BITS) - 1;

/** What the table does with each of its columns alike. */
interface RowColumn {
  length: number;
  readonly byteLength: number;
  get(i: number): number;
  set(i: number, v: number): void;
  addBlock(): unknown;
  dropLastBlock(): void;
  release(bi: number, current: boolean): void;
}

/**
 * Event names the analysis understands get fixed ids (the event-name interner is pre-seeded with
 * them in this order); every other name is interned after them and kept as an unknown event.
 *
 * Argument columns per kind (a0, a1, a2; the fields no analysis reads, such as `next_prio` or a
 * port access's size, are not kept):
 * - SchedSwitch:      prev_pid, prev_state (see `TaskState`), next_pid
 * - SchedWakeup(New): pid, target_cpu (-1 unknown), prio
 * - SchedWaking:      pid, target_cpu, prio
 * - SchedMigrateTask: pid, orig_cpu, dest_cpu
 * - SchedProcessFork: parent pid, child pid
 * - SchedProcessExit: pid
 * - KvmEntry:         vcpu id (-1 when the line has none)
 * - KvmExit:          reason id (reasons interner), vcpu id (-1 when absent)
 * - KvmPio:           1 write / 0 read, port, value
 * - KvmUserspaceExit: reason id (reasons interner)
 * - KvmHypercall:     hypercall number
 * - KvmMmio:          1 write / 0 read, gpa low 32 bits, size
 * - KvmWriteTscOffset: vcpu id, index into {@link EventTable.tscOffsets} (the 64-bit offsets live there)
 */
export const enum EventKind {
  SchedSwitch = 0,
  SchedWakeup = 1,
  SchedWakeupNew = 2,
  SchedWaking = 3,
  SchedMigrateTask = 4,
  SchedProcessFork = 5,
  SchedProcessExit = 6,
  KvmEntry = 7,
  KvmExit = 8,
  KvmPio = 9,
  KvmUserspaceExit = 10,
  KvmHypercall = 11,
  KvmMmio = 12,
  KvmPleWindowUpdate = 13,
  KvmWriteTscOffset = 14,
  /** First id of names the analysis does not know. */
  FirstUnknown = 15,
}

export const KNOWN_EVENT_NAMES = [
  'sched_switch',
  'sched_wakeup',
  'sched_wakeup_new',
  'sched_waking',
  'sched_migrate_task',
  'sched_process_fork',
  'sched_process_exit',
  'kvm_entry',
  'kvm_exit',
  'kvm_pio',
  'kvm_userspace_exit',
  'kvm_hypercall',
  'kvm_mmio',
  'kvm_ple_window_update',
  'kvm_write_tsc_offset',
] as const;

/**
 * One `kvm_write_tsc_offset` event (arch/x86/kvm/trace.h: `vcpu_id`, `previous_tsc_offset`,
 * `next_tsc_offset`, printed `vcpu=%u prev=%llu next=%llu`): KVM set the TSC offset of a vCPU,
 * so that guest TSC = host TSC + offset (modulo 2^64; without TSC scaling). Rare (at vCPU
 * creation, a guest TSC write, a migration), so kept in a side list with exact 64-bit values.
 */
export interface TscOffsetWrite {
  /** Timestamp, ns (the trace's clock). */
  ts: number;
  cpu: number;
  src: number;
  /** The thread that was current (the one that wrote it: a vCPU thread or the VMM). */
  pid: number;
  vcpu: number;
  /** The offsets as signed 64-bit values (a u64 offset below 0 wraps: it is printed as a large number). */
  prev: bigint;
  next: bigint;
}

/** A decimal or 0x-hex u64 as printed, read as a signed 64-bit value; undefined when it is not one. */
export function parseU64AsI64(text: string): bigint | undefined {
  if (!/^(0x[0-9a-fA-F]{1,16}|-?\d{1,20})$/.test(text)) return undefined;
  const v = BigInt(text);
  if (v >= 1n << 64n || v < -(1n << 63n)) return undefined;
  return BigInt.asIntN(64, v);
}

/**
 * Task states as the kernel reports them in `sched_switch` (TASK_REPORT bits): 0 is runnable
 * (`R`), PREEMPTED marks `R+` (switched out by preemption). -1 is a state the importer could not
 * read.
 */
export const TaskState = {
  Running: 0,
  Sleeping: 0x1, // S
  Blocked: 0x2, // D
  Stopped: 0x4, // T
  Traced: 0x8, // t
  Dead: 0x10, // X
  Zombie: 0x20, // Z
  Parked: 0x40, // P
  Idle: 0x80, // I
  Preempted: 0x100, // the `+` of `R+`
  Unknown: -1,
} as const;

/** Most event names a table interns; later new names all share the id of `(other)`. */
const MAX_EVENT_NAMES = 60000;

export class EventTable {
  /** Timestamps, ns: u32 offsets from a per-block base (see {@link TsColumn}). */
  readonly ts = new TsColumn();
  /** u8 per block until a CPU number over 255 (see {@link SmallColumn}). */
  readonly cpu = new SmallColumn();
  /**
   * Input file index for multi-file `trace-cmd report` output: 0 otherwise, and then no memory
   * (a block is allocated only when a row of it has another source; see {@link LazyU8Column}).
   */
  readonly src = new LazyU8Column();
  readonly kind = new SmallColumn();
  /**
   * The task that was current on the CPU when the event was recorded (`common_pid`). This and the
   * arguments are i32 values kept as i16 per block while they fit (see {@link NarrowColumn}).
   */
  readonly pid = new NarrowColumn();
  readonly a0 = new NarrowColumn();
  readonly a1 = new NarrowColumn();
  readonly a2 = new NarrowColumn();
  /** Every column above, for what is done to all of them alike (blocks added, dropped, released). */
  private readonly columns: readonly RowColumn[] = [this.ts, this.cpu, this.src, this.kind, this.pid, this.a0, this.a1, this.a2];

  readonly eventNames: ByteInterner;
  readonly comms: ByteInterner;
  /** Exit reasons and other short strings carried by events. */
  readonly strings: ByteInterner;
  /**
   * False for a table that only counts its rows ({@link count}: the `.dat` importer's first pass,
   * whose rows are decoded again later, see `ImportedTrace.replay`); its columns stay empty.
   */
  rowsKept = true;
  /** The first row's timestamp (set by {@link count}; a table that keeps rows has it in row 0). */
  firstTs = 0;
  /** Called with the index of a block as soon as it is full (before the next row is written). */
  onBlockFull: ((bi: number) => void) | undefined = undefined;
  /**
   * Called with the table when its current block is full (before the next row is written): true
   * when the caller has read the block's rows and the block is to be filled again from its start
   * instead of a new one (the importer reconstructing while it reads). Rows of a refilled block
   * are gone: {@link length} still counts them; {@link rowBase} is the first row the block holds.
   */
  refill: ((rows: EventTable) => boolean) | undefined = undefined;
  /** Rows before the current block's first row that were given away by {@link refill}. */
  rowBase = 0;
  /** A row before {@link rowBase} was to be dropped (it could not be: it was given away). */
  dropLost = false;
  /** Per event-name id: how many rows carry it. */
  countsByName = new Float64Array(64);
  /** `kvm_write_tsc_offset` events in row order (rows of that kind carry the index in a1). */
  readonly tscOffsets: TscOffsetWrite[] = [];
  private readonly otherId: number;
  private rows = 0;
  private fill = 0;
  /** The current block's timestamp offsets (null once it is wide), its f64 values, its base. */
  private cTs: Uint32Array | null;
  private cTsWide: Float64Array | null = null;
  private tsBase = 0;
  private cTsBases: Float64Array;
  private cCpu: Uint8Array | Uint16Array;
  private cSrc: Uint8Array;
  private cKind: Uint8Array | Uint16Array;
  private cPid: Int16Array | Int32Array;
  private cA0: Int16Array | Int32Array;
  private cA1: Int16Array | Int32Array;
  private cA2: Int16Array | Int32Array;

  /** `names`: share the interners (event names, comms, strings) of that table, so ids agree. */
  constructor(names?: EventTable) {
    this.eventNames = names?.eventNames ?? new ByteInterner();
    this.comms = names?.comms ?? new ByteInterner();
    this.strings = names?.strings ?? new ByteInterner();
    for (const n of KNOWN_EVENT_NAMES) this.eventNames.idOfString(n);
    this.otherId = this.eventNames.idOfString('(other)');
    this.cTs = this.ts.off[0];
    this.cTsBases = this.ts.bases[0];
    this.cCpu = this.cpu.blocks[0];
    this.cSrc = this.src.blocks[0];
    this.cKind = this.kind.blocks[0];
    this.cPid = this.pid.blocks[0];
    this.cA0 = this.a0.blocks[0];
    this.cA1 = this.a1.blocks[0];
    this.cA2 = this.a2.blocks[0];
  }

  /** Rows written; the columns' own `length` is only up to date after {@link seal}. */
  get length(): number {
    return this.rows;
  }

  /** Rows in the current block. */
  get blockFill(): number {
    return this.fill;
  }

  /** Event-name id for bytes, capped so a corrupt file cannot blow up the name table. */
  nameId(b: Uint8Array, start: number, end: number): number {
    if (this.eventNames.size >= MAX_EVENT_NAMES) {
      for (let i = 0; i < EventKind.FirstUnknown; i++) if (this.eventNames.equals(i, b, start, end)) return i;
      return this.otherId;
    }
    const id = this.eventNames.id(b, start, end);
    if (id >= this.countsByName.length) {
      const c = new Float64Array(this.countsByName.length * 2);
      c.set(this.countsByName);
      this.countsByName = c;
    }
    return id;
  }

  /**
   * Appends one row. All columns share the block layout, so the block check is done once and the
   * values are written straight into the current blocks (this is the importer's hottest call).
   */
  push(ts: number, cpu: number, src: number, kind: number, pid: number, a0: number, a1: number, a2: number): void {
    this.nextTs[0] = ts;
    this.pushNext(cpu, src, kind, pid, a0, a1, a2);
  }

  /**
   * The timestamp {@link pushNext} appends. A double passed to a call that V8 does not inline is
   * boxed, one heap number per row: the text importer writes the time here instead.
   */
  readonly nextTs = new Float64Array(1);

  /** {@link push} with the timestamp taken from {@link nextTs}. */
  pushNext(cpu: number, src: number, kind: number, pid: number, a0: number, a1: number, a2: number): void {
    const ts = this.nextTs[0];
    let f = this.fill;
    if (f === BLOCK_ROWS) {
      if (this.refill !== undefined && this.refill(this)) this.rowBase += BLOCK_ROWS;
      else this.newBlock();
      f = 0;
    }
    const o = this.cTs;
    if (o !== null) {
      if ((f & TS_BASE_MASK) === 0) this.cTsBases[f >>> TS_BASE_BITS] = this.tsBase = ts;
      const d = exactOffset(ts, this.tsBase);
      if (d >= 0) o[f] = d;
      else this.widenTs()[f] = ts;
    } else this.cTsWide![f] = ts;
    // Over 255 (rare): the block becomes u16 (stored as u16 did before: the low 16 bits).
    if ((cpu & 0xff00) !== 0 && this.cCpu instanceof Uint8Array) this.cCpu = this.cpu.widen(this.cpu.blocks.length - 1);
    if ((kind & 0xff00) !== 0 && this.cKind instanceof Uint8Array) this.cKind = this.kind.widen(this.kind.blocks.length - 1);
    // Outside the i16 range (or not an integer): the block becomes i32 (stored as i32 did before).
    if ((pid << 16) >> 16 !== pid && this.cPid instanceof Int16Array) this.cPid = this.pid.widen(this.pid.blocks.length - 1);
    if ((a0 << 16) >> 16 !== a0 && this.cA0 instanceof Int16Array) this.cA0 = this.a0.widen(this.a0.blocks.length - 1);
    if ((a1 << 16) >> 16 !== a1 && this.cA1 instanceof Int16Array) this.cA1 = this.a1.widen(this.a1.blocks.length - 1);
    if ((a2 << 16) >> 16 !== a2 && this.cA2 instanceof Int16Array) this.cA2 = this.a2.widen(this.a2.blocks.length - 1);
    // The shared block of zeros until a row of this block has another source.
    if ((src & 0xff) !== 0 && this.cSrc === ZERO_U8_BLOCK) this.cSrc = this.src.own(this.src.blocks.length - 1);
    this.cCpu[f] = cpu;
    this.cSrc[f] = src;
    this.cKind[f] = kind;
    this.cPid[f] = pid;
    this.cA0[f] = a0;
    this.cA1[f] = a1;
    this.cA2[f] = a2;
    this.fill = f + 1;
    this.rows++;
    this.countsByName[kind]++;
  }

  /** Counts a row without keeping it (see {@link rowsKept}). */
  count(ts: number, kind: number): void {
    if (this.rows === 0) this.firstTs = ts;
    this.rowsKept = false;
    this.rows++;
    this.countsByName[kind]++;
  }

  /**
   * Removes row `i` of the last few rows (the rows after it move down by one). Used to take back
   * a row whose timestamp turned out to be an outlier once the next row was seen; cost is the
   * number of rows after `i`.
   */
  dropRow(row: number): void {
    if (row < 0 || row >= this.rows) return;
    // Column indices count from the first row still held (rowBase: see refill).
    const i = row - this.rowBase;
    const rows = this.rows - this.rowBase;
    if (i < 0) {
      this.dropLost = true;
      return;
    }
    const cols = this.columns;
    this.countsByName[this.kind.get(i)]--;
    if (this.kind.get(i) === EventKind.KvmWriteTscOffset) {
      // Its side entry goes too; later rows of that kind point one entry lower.
      this.tscOffsets.splice(this.a1.get(i), 1);
      for (let r = i + 1; r < rows; r++) if (this.kind.get(r) === EventKind.KvmWriteTscOffset) this.a1.set(r, this.a1.get(r) - 1);
    }
    for (let r = i + 1; r < rows; r++) for (const c of cols) c.set(r - 1, c.get(r));
    this.rows--;
    // The current block's fill goes down by one; a block emptied by this stays allocated and is
    // filled again by the next push.
    if (this.fill === 0) {
      for (const c of cols) c.dropLastBlock();
      this.fill = BLOCK_ROWS;
    }
    this.fill--;
    this.syncCurrent();
  }

  /**
   * The current block of every column, from the columns (after a change through them: the
   * columns' `set` may widen a block or give the shared block of zeros a block of its own).
   */
  private syncCurrent(): void {
    const last = this.ts.blockCount - 1;
    this.cCpu = this.cpu.blocks[last];
    this.cKind = this.kind.blocks[last];
    this.cSrc = this.src.blocks[last];
    this.cPid = this.pid.blocks[last];
    this.cA0 = this.a0.blocks[last];
    this.cA1 = this.a1.blocks[last];
    this.cA2 = this.a2.blocks[last];
    this.cTs = this.ts.off[last];
    this.cTsWide = this.ts.wide[last];
    this.cTsBases = this.ts.bases[last];
    // The base of the group the next row goes in (a group's first row sets it anew).
    this.tsBase = this.cTsBases[(this.fill & BLOCK_ROWS - 1) >>> TS_BASE_BITS];
  }

  /** The current block's timestamps become f64 (a value did not fit as an offset). */
  private widenTs(): Float64Array {
    const w = this.ts.widen(this.ts.blockCount - 1);
    this.cTs = null;
    this.cTsWide = w;
    return w;
  }

  private newBlock(): void {
    for (const c of this.columns) c.addBlock();
    this.fill = 0;
    this.syncCurrent();
    if (this.onBlockFull !== undefined) this.onBlockFull(this.ts.blockCount - 2);
  }

  /** Set by {@link releaseBlock}: some rows are gone, the table cannot be read again. */
  released = false;

  /**
   * Drops block `bi` of every column (except the one still being filled): for a single reader
   * that owns the table and is done with those rows, so memory goes down as it reads.
   */
  releaseBlock(bi: number): void {
    this.released = true;
    const current = bi === this.ts.blockCount - 1;
    for (const c of this.columns) c.release(bi, current);
  }

  /** Makes the row count visible to column readers (call before reading). */
  seal(): void {
    for (const c of this.columns) c.length = this.rows;
  }

  /** Bytes held by the columns (what the benchmark compares with the file size). */
  get byteLength(): number {
    let n = 0;
    for (const c of this.columns) n += c.byteLength;
    return n;
  }
}

/**
 * What the importer learns about each thread on the way (names change: a QEMU vCPU thread starts
 * as `qemu-system-x86` and renames itself `CPU 0/KVM`; the last real name wins).
 */
export interface ThreadInfo {
  src: number;
  tid: number;
  /** Interned comm id, -1 while only `<...>` was seen. */
  comm: number;
  /** From the TGID column or a Chrome `pid`; -1 when unknown. */
  tgid: number;
  /** The thread that created it (sched_wakeup_new / sched_process_fork common pid), -1 if unseen. */
  creator: number;
  /** vCPU id carried by kvm_entry / kvm_exit, -1 if none. */
  kvmVcpu: number;
  kvmEntries: number;
  kvmExits: number;
  /** Other kvm_* events recorded while this thread was current (pio, userspace exits...). */
  kvmOther: number;
}

/**
 * Counts a kvm_* event against the thread that was current on its CPU (what vCPU identification
 * reads): kvm_entry carries the vCPU id in `a0`, kvm_exit in `a1`. Shared by every importer.
 */
export function noteKvmEvent(info: ThreadInfo, kind: EventKind, a0: number, a1: number): void {
  switch (kind) {
    case EventKind.KvmEntry:
      info.kvmEntries++;
      if (a0 >= 0) info.kvmVcpu = a0;
      break;
    case EventKind.KvmExit:
      info.kvmExits++;
      if (a1 >= 0) info.kvmVcpu = a1;
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

/** Dense index for the common case (one input file, pids below 2^22 = Linux's pid_max limit). */
const DENSE_MAX = 1 << 22;

export class ThreadTable {
  readonly list: ThreadInfo[] = [];
  /** Threads not given an entry of their own because {@link max} were known (see index). */
  overflow = 0;
  private overflowIndex = -1;

  /** `max`: distinct threads kept; later ones share one entry with tid -2. */
  constructor(readonly max = Infinity) {}

  private readonly byKey = new Map<number, number>();
  /** tid -> index + 1 for src 0 (0 = absent); grows to the largest tid seen. */
  private dense = new Int32Array(1024);

  static key(src: number, tid: number): number {
    // tids are below 2^32 (Chrome tids can be large); src is below 256, so the key is exact.
    return src * 4294967296 + (tid >>> 0);
  }

  /** Index of the thread, creating it. */
  index(src: number, tid: number): number {
    if (src === 0 && tid >= 0 && tid < DENSE_MAX) {
      if (tid < this.dense.length) {
        const d = this.dense[tid];
        if (d !== 0) return d - 1;
      } else {
        let n = this.dense.length;
        while (n <= tid) n *= 2;
        const g = new Int32Array(Math.min(n, DENSE_MAX));
        g.set(this.dense);
        this.dense = g;
      }
      const i = this.slowIndex(src, tid);
      this.dense[tid] = i + 1;
      return i;
    }
    return this.slowIndex(src, tid);
  }

  private slowIndex(src: number, tid: number): number {
    const k = ThreadTable.key(src, tid);
    let i = this.byKey.get(k);
    if (i === undefined) {
      if (this.list.length >= this.max) {
        // Over the cap: one shared entry (and each further thread counted once).
        this.overflow++;
        if (this.overflowIndex < 0) {
          this.overflowIndex = this.list.length;
          this.list.push({ src, tid: -2, comm: -1, tgid: -1, creator: -1, kvmVcpu: -1, kvmEntries: 0, kvmExits: 0, kvmOther: 0 });
        }
        // Not remembered in byKey (that would grow without bound); the dense index of src 0
        // remembers it, so a thread is usually counted once.
        return this.overflowIndex;
      }
      i = this.list.length;
      this.list.push({ src, tid, comm: -1, tgid: -1, creator: -1, kvmVcpu: -1, kvmEntries: 0, kvmExits: 0, kvmOther: 0 });
      this.byKey.set(k, i);
    }
    return i;
  }

  find(src: number, tid: number): ThreadInfo | undefined {
    const i = this.byKey.get(ThreadTable.key(src, tid));
    return i === undefined ? undefined : this.list[i];
  }
}
