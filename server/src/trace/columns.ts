/**
 * Growable typed-array columns stored as a list of fixed-size blocks. Growing never copies (a
 * doubling array would briefly hold the old and the new buffer, 3x the data, exactly when the
 * trace is largest), and the unused tail is at most one block. Readers iterate block by block.
 */
import { exactOffset } from '../core/timeline';

/** Rows per block: 64 Ki rows = 512 KiB for a float64 column. */
export const BLOCK_BITS = 16;
export const BLOCK_ROWS = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK_ROWS - 1;

type TypedArray = Float64Array | Int32Array | Int16Array | Uint32Array | Uint16Array | Uint8Array;
type TypedCtor<T extends TypedArray> = new (n: number) => T;

export class BlockColumn<T extends TypedArray> {
  readonly blocks: T[] = [];
  private cur: T;
  private fill = 0;
  length = 0;

  constructor(private readonly ctor: TypedCtor<T>) {
    this.cur = new ctor(BLOCK_ROWS);
    this.blocks.push(this.cur);
  }

  push(v: number): void {
    if (this.fill === BLOCK_ROWS) {
      this.cur = new this.ctor(BLOCK_ROWS);
      this.blocks.push(this.cur);
      this.fill = 0;
    }
    this.cur[this.fill++] = v;
    this.length++;
  }

  /** Starts a new block and returns it (for writers that fill several columns in lockstep). */
  addBlock(): T {
    this.cur = new this.ctor(BLOCK_ROWS);
    this.blocks.push(this.cur);
    this.fill = 0;
    return this.cur;
  }

  /** Forgets the last block (after a writer took its only row back); the one before is current. */
  dropLastBlock(): void {
    if (this.blocks.length <= 1) return;
    this.blocks.pop();
    this.cur = this.blocks[this.blocks.length - 1];
    this.fill = BLOCK_ROWS;
  }

  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS][i & BLOCK_MASK];
  }

  set(i: number, v: number): void {
    this.blocks[i >>> BLOCK_BITS][i & BLOCK_MASK] = v;
  }

  /** Drops block `bi` (its rows read as undefined afterwards): for a reader that owns the column. */
  release(bi: number): void {
    releaseIn(this.blocks, bi, this.blocks[bi] === this.cur, new this.ctor(0));
  }

  /** Bytes held, including the unused tail of the last block. */
  get byteLength(): number {
    return bytesOf(this.blocks);
  }
}

/**
 * Replaces block `bi` of `blocks` with `empty` and returns its memory now, unless it is the block
 * still being filled (`current`) or `shared` (a block other columns hold too).
 */
function releaseIn<T extends TypedArray>(blocks: T[], bi: number, current: boolean, empty: T, shared?: T): void {
  if (bi >= blocks.length || current) return;
  const old = blocks[bi];
  blocks[bi] = empty;
  if (old !== shared) freeNow(old);
}

/** Bytes held by `blocks`, the `shared` block not counted. */
function bytesOf(blocks: readonly TypedArray[], shared?: TypedArray): number {
  let n = 0;
  for (const b of blocks) if (b !== shared) n += b.byteLength;
  return n;
}

/**
 * Returns a typed array's memory now rather than at the next full GC: its buffer is moved
 * (transferred, not copied) into a clone that nothing keeps, which the next minor GC frees. A
 * block dropped during an analysis was allocated long before, in the old generation, so without
 * this its memory stayed until a major GC, and the analysis' own allocations came on top of it:
 * the peak RSS of `vpscope analyze` was the whole event table plus the analysis.
 */
function freeNow(a: TypedArray): void {
  if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || typeof structuredClone !== 'function') return;
  try {
    structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  } catch {
    // not transferable (e.g. already detached): left to the GC
  }
}

/**
 * What {@link SmallColumn} and {@link NarrowColumn} share: blocks of a narrow type (`N`) until a
 * value that needs the wide type (`W`) is written into one, which then becomes wide. Their `get`
 * and `set` stay in the subclasses, so that each keeps its own inline caches on the importers'
 * hottest reads and writes (a method of this class is one function for both).
 */
abstract class WideningColumn<N extends Uint8Array | Int16Array, W extends Uint16Array | Int32Array> {
  readonly blocks: (N | W)[];
  length = 0;
  private readonly narrow: new (n: number) => N;
  private readonly wide: new (n: number) => W;

  constructor(narrow: new (n: number) => N, wide: new (n: number) => W) {
    this.narrow = narrow;
    this.wide = wide;
    this.blocks = [new narrow(BLOCK_ROWS)];
  }

  addBlock(): N {
    const b = new this.narrow(BLOCK_ROWS);
    this.blocks.push(b);
    return b;
  }

  /** Forgets the last block; see {@link BlockColumn.dropLastBlock}. */
  dropLastBlock(): void {
    if (this.blocks.length > 1) this.blocks.pop();
  }

  /** Block `bi` in the wide type (its values kept). */
  widen(bi: number): W {
    const w = new this.wide(BLOCK_ROWS);
    w.set(this.blocks[bi]);
    this.blocks[bi] = w;
    return w;
  }

  /** Drops block `bi` (see {@link BlockColumn.release}); `current`: the block still being filled. */
  release(bi: number, current: boolean): void {
    releaseIn(this.blocks, bi, current, new this.narrow(0));
  }

  get byteLength(): number {
    return bytesOf(this.blocks);
  }
}

/**
 * A u16 column stored as u8 blocks (1 byte a row) until a value over 255 comes: that block
 * becomes u16 (the values read back as a Uint16Array would hold them, `v & 0xffff`). For CPU
 * numbers and event kinds, nearly always below 256.
 */
export class SmallColumn extends WideningColumn<Uint8Array, Uint16Array> {
  constructor() {
    super(Uint8Array, Uint16Array);
  }

  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS][i & BLOCK_MASK];
  }

  set(i: number, v: number): void {
    const u = v & 0xffff;
    const bi = i >>> BLOCK_BITS;
    const b = u > 255 && this.blocks[bi] instanceof Uint8Array ? this.widen(bi) : this.blocks[bi];
    b[i & BLOCK_MASK] = u;
  }
}

/**
 * An i32 column stored as i16 blocks (2 bytes a row) until a value outside [-32768, 32767]
 * comes in a block, which then becomes i32 (values read back as an Int32Array would hold them:
 * `v | 0`). For pids (below 32768 on most hosts: Linux's default pid_max), CPU numbers, states,
 * interned ids; a block with one large value costs what it did before.
 */
export class NarrowColumn extends WideningColumn<Int16Array, Int32Array> {
  constructor() {
    super(Int16Array, Int32Array);
  }

  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS][i & BLOCK_MASK];
  }

  set(i: number, v: number): void {
    const w = v | 0;
    const bi = i >>> BLOCK_BITS;
    const b = (w << 16) >> 16 !== w && this.blocks[bi] instanceof Int16Array ? this.widen(bi) : this.blocks[bi];
    b[i & BLOCK_MASK] = w;
  }
}

/**
 * A u8 column that is almost always 0 (the input file index of multi-file `trace-cmd report`
 * output): every block is one shared block of zeros until a non-zero value is written into it.
 * Readers see plain Uint8Array blocks; writers must go through {@link set} or {@link own} (never
 * write into a block they did not get from `own`).
 */
export const ZERO_U8_BLOCK = new Uint8Array(BLOCK_ROWS);

export class LazyU8Column {
  readonly blocks: Uint8Array[] = [ZERO_U8_BLOCK];
  length = 0;

  /** Appends a block of zeros (shared, nothing allocated). */
  addBlock(): Uint8Array {
    this.blocks.push(ZERO_U8_BLOCK);
    return ZERO_U8_BLOCK;
  }

  /** Block `bi` as a block of its own, writable. */
  own(bi: number): Uint8Array {
    let b = this.blocks[bi];
    if (b === ZERO_U8_BLOCK) b = this.blocks[bi] = new Uint8Array(BLOCK_ROWS);
    return b;
  }

  dropLastBlock(): void {
    if (this.blocks.length > 1) this.blocks.pop();
  }

  get(i: number): number {
    return this.blocks[i >>> BLOCK_BITS][i & BLOCK_MASK];
  }

  set(i: number, v: number): void {
    const bi = i >>> BLOCK_BITS;
    const b = this.blocks[bi];
    if (b === ZERO_U8_BLOCK && (v & 0xff) === 0) return;
    this.own(bi)[i & BLOCK_MASK] = v;
  }

  /** Drops block `bi` (see {@link BlockColumn.release}). */
  release(bi: number, current: boolean): void {
    releaseIn(this.blocks, bi, current, new Uint8Array(0), ZERO_U8_BLOCK);
  }

  /** Bytes held (the shared block of zeros is not counted). */
  get byteLength(): number {
    return bytesOf(this.blocks, ZERO_U8_BLOCK);
  }
}

/** Rows per timestamp base: 1 Ki rows share one f64 base (0.008 bytes a row). */
export const TS_BASE_BITS = 10;
const TS_BASES = BLOCK_ROWS >>> TS_BASE_BITS;

/**
 * Timestamps (ns) in the {@link BlockColumn} block layout, 4 bytes a row instead of 8: every
 * 1 Ki rows share an f64 base (the first of them) and each row keeps a u32 offset from it. A block
 * where some value does not come back exactly as base + offset (a step back below its base, a
 * span of 2^32 ns = 4.3 s or more within 1 Ki rows, a fraction of a nanosecond, beyond 2^53) is
 * turned into a plain f64 block for all its rows, so every value reads back exactly whatever the
 * input. (The shared real traces have about 6,000 events a second, so 1 Ki rows span about 0.2 s;
 * a whole 64 Ki-row block spans 11 s, too much for one base.)
 */
export class TsColumn {
  /** Per block: the u32 offsets, or null once the block is wide. */
  readonly off: (Uint32Array | null)[] = [];
  /** Per block: the f64 values of a wide block, else null. */
  readonly wide: (Float64Array | null)[] = [];
  /** Per block: the bases its offsets count from, one per 1 Ki rows. */
  readonly bases: Float64Array[] = [];
  length = 0;

  constructor() {
    this.addBlock();
  }

  get blockCount(): number {
    return this.off.length;
  }

  addBlock(): void {
    this.off.push(new Uint32Array(BLOCK_ROWS));
    this.wide.push(null);
    this.bases.push(new Float64Array(TS_BASES));
  }

  /** Forgets the last block; see {@link BlockColumn.dropLastBlock}. */
  dropLastBlock(): void {
    if (this.off.length <= 1) return;
    this.off.pop();
    this.wide.pop();
    this.bases.pop();
  }

  get(i: number): number {
    const bi = i >>> BLOCK_BITS;
    const k = i & BLOCK_MASK;
    const w = this.wide[bi];
    return w !== null ? w[k] : this.bases[bi][k >>> TS_BASE_BITS] + this.off[bi]![k];
  }

  /**
   * Writes row `i`; `first`: no row of its 1 Ki group is written yet (the group's base is set to
   * this value). A value that does not fit widens the block (its other rows keep their values).
   */
  set(i: number, v: number, first = false): void {
    const bi = i >>> BLOCK_BITS;
    const k = i & BLOCK_MASK;
    const w = this.wide[bi];
    if (w !== null) {
      w[k] = v;
      return;
    }
    const bases = this.bases[bi];
    if (first) bases[k >>> TS_BASE_BITS] = v;
    const d = exactOffset(v, bases[k >>> TS_BASE_BITS]);
    if (d >= 0) this.off[bi]![k] = d;
    else this.widen(bi)[k] = v;
  }

  /** Turns block `bi` into f64 (all its rows, written or not) and returns its values. */
  widen(bi: number): Float64Array {
    const o = this.off[bi];
    const w = new Float64Array(BLOCK_ROWS);
    if (o !== null) {
      const b = this.bases[bi];
      for (let k = 0; k < o.length; k++) w[k] = b[k >>> TS_BASE_BITS] + o[k];
    }
    this.wide[bi] = w;
    this.off[bi] = null;
    return w;
  }

  /**
   * The values of block `bi` as f64: the wide block itself, or the offsets decoded into `scratch`
   * (BLOCK_ROWS long; overwritten by the next call). For readers that walk the blocks in order.
   */
  block(bi: number, scratch: Float64Array): Float64Array {
    const w = this.wide[bi];
    if (w !== null) return w;
    const o = this.off[bi]!;
    const b = this.bases[bi];
    for (let k = 0; k < o.length; k++) scratch[k] = b[k >>> TS_BASE_BITS] + o[k];
    return scratch;
  }

  /** Drops block `bi` (see {@link BlockColumn.release}); `current`: the block still being filled. */
  release(bi: number, current: boolean): void {
    if (bi >= this.off.length || current) return;
    const o = this.off[bi], w = this.wide[bi];
    this.off[bi] = new Uint32Array(0);
    this.wide[bi] = null;
    if (o) freeNow(o);
    if (w) freeNow(w);
  }

  get byteLength(): number {
    let n = 0;
    for (let bi = 0; bi < this.off.length; bi++) n += this.bases[bi].byteLength + (this.off[bi]?.byteLength ?? 0) + (this.wide[bi]?.byteLength ?? 0);
    return n;
  }
}

export const f64Column = (): BlockColumn<Float64Array> => new BlockColumn(Float64Array);
export const i32Column = (): BlockColumn<Int32Array> => new BlockColumn(Int32Array);
export const u8Column = (): BlockColumn<Uint8Array> => new BlockColumn(Uint8Array);

/** A plain growable float64 array (doubling), for small per-thread series such as latencies. */
export class GrowableF64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 16) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
