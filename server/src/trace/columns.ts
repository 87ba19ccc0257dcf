/**
 * Growable typed-array columns stored as a list of fixed-size blocks. Growing never copies (a
 * doubling array would briefly hold the old and the new buffer, 3x the data, exactly when the
 * trace is largest), and the unused tail is at most one block. Readers iterate block by block.
 */

/** Rows per block: 64 Ki rows = 512 KiB for a float64 column. */
export const BLOCK_BITS = 16;
export const BLOCK_ROWS = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK_ROWS - 1;

type TypedArray = Float64Array | Int32Array | Uint16Array | Uint8Array;
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
    if (bi < this.blocks.length && this.blocks[bi] !== this.cur) {
      const old = this.blocks[bi];
      this.blocks[bi] = new this.ctor(0);
      freeNow(old);
    }
  }

  /** Bytes held, including the unused tail of the last block. */
  get byteLength(): number {
    let n = 0;
    for (const b of this.blocks) n += b.byteLength;
    return n;
  }
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

export const f64Column = (): BlockColumn<Float64Array> => new BlockColumn(Float64Array);
export const i32Column = (): BlockColumn<Int32Array> => new BlockColumn(Int32Array);
export const u16Column = (): BlockColumn<Uint16Array> => new BlockColumn(Uint16Array);
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
