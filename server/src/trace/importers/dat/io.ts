/**
 * How the `.dat` reader gets bytes without doing I/O: it is written as generators that *yield*
 * read requests (`{ offset, length }`) and receive the bytes back. A driver answers them: from
 * memory (`runSync`, for input that arrived as a stream) or from a file handle (the Node shell,
 * `io/traceFile.ts`). The reader never holds more than the window it asked for, so memory stays
 * independent of the file size; and the driver sees every read, so it reports progress and
 * cancels between them.
 *
 * Decompression is injected the same way: the core passes compressed bytes to the functions the
 * shell gives it (zstd and zlib in Node: see `io/traceFile.ts`).
 */

export interface ReadRequest {
  offset: number;
  length: number;
  /**
   * A buffer an earlier request returned that the reader no longer needs: the driver may read
   * into it instead of allocating (only buffers it allocated itself; views of memory it was given
   * must never be written).
   */
  reuse?: Uint8Array;
}

/** A reader step: yields read requests, receives their bytes (shorter at the end of the input). */
export type Reads<T> = Generator<ReadRequest, T, Uint8Array>;

/** Decompressors for v7 files: `size` is the uncompressed size the file states. */
export interface DatDecompressors {
  zstd?: (src: Uint8Array, size: number) => Uint8Array;
  zlib?: (src: Uint8Array, size: number) => Uint8Array;
}

/** Raised inside the reader for structural problems; caught by the importer, never escapes it. */
export class DatFormatError extends Error {}

/**
 * A byte cursor over a source addressed by offset (the file, or a section already in memory).
 * Reads go through a small window so fields of a few bytes do not each cost a request.
 */
export class Cursor {
  pos: number;
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;
  private dv: DataView = new DataView(new ArrayBuffer(0));

  constructor(
    private readonly fetch: (offset: number, length: number) => Reads<Uint8Array>,
    start: number,
    readonly little: boolean,
    /** End of the addressable bytes, when known. */
    readonly end = Infinity,
  ) {
    this.pos = start;
  }

  /** Makes `n` bytes at `pos` available in the window; throws DatFormatError past the end. */
  *ensure(n: number, ahead = 64 * 1024): Reads<void> {
    if (n < 0 || this.pos + n > this.end) throw new DatFormatError(`truncated at offset ${this.pos} (wanted ${n} bytes)`);
    if (this.pos >= this.winStart && this.pos + n <= this.winStart + this.win.length) return;
    const want = Math.max(n, Math.min(ahead, this.end - this.pos));
    const b = yield* this.fetch(this.pos, want);
    if (b.length < n) throw new DatFormatError(`truncated at offset ${this.pos + b.length} (wanted ${n} bytes)`);
    this.win = b;
    this.winStart = this.pos;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  *bytes(n: number): Reads<Uint8Array> {
    if (n > 64 * 1024) {
      // Large blocks bypass the window.
      if (this.pos + n > this.end) throw new DatFormatError(`truncated at offset ${this.pos} (wanted ${n} bytes)`);
      const b = yield* this.fetch(this.pos, n);
      if (b.length < n) throw new DatFormatError(`truncated at offset ${this.pos + b.length} (wanted ${n} bytes)`);
      this.pos += n;
      return b;
    }
    yield* this.ensure(n);
    const s = this.pos - this.winStart;
    this.pos += n;
    return this.win.subarray(s, s + n);
  }

  *u16(): Reads<number> {
    yield* this.ensure(2);
    const v = this.dv.getUint16(this.pos - this.winStart, this.little);
    this.pos += 2;
    return v;
  }

  *u32(): Reads<number> {
    yield* this.ensure(4);
    const v = this.dv.getUint32(this.pos - this.winStart, this.little);
    this.pos += 4;
    return v;
  }

  /** A u64 as a number (exact below 2^53, which every offset and size of a real file is). */
  *u64(): Reads<number> {
    yield* this.ensure(8);
    const v = readU64(this.dv, this.pos - this.winStart, this.little);
    this.pos += 8;
    return v;
  }

  *i64(): Reads<number> {
    yield* this.ensure(8);
    const o = this.pos - this.winStart;
    const v = this.little
      ? this.dv.getInt32(o + 4, true) * 4294967296 + this.dv.getUint32(o, true)
      : this.dv.getInt32(o, false) * 4294967296 + this.dv.getUint32(o + 4, false);
    this.pos += 8;
    return v;
  }

  /** A NUL-terminated string of at most `max` bytes. */
  *cstr(max = 4096): Reads<string> {
    const start = this.pos;
    for (let n = 64; ; n *= 2) {
      const avail = Math.min(n, max + 1, this.end - start);
      this.pos = start;
      yield* this.ensure(avail, Math.max(avail, 4096));
      const s = start - this.winStart;
      const z = this.win.subarray(s, s + avail).indexOf(0);
      if (z >= 0) {
        this.pos = start + z + 1;
        return latin1(this.win, s, s + z);
      }
      if (avail >= max + 1) throw new DatFormatError(`unterminated string at offset ${start}`);
      if (avail >= this.end - start) throw new DatFormatError(`truncated at offset ${this.end} (a string from offset ${start} has no end)`);
    }
  }

  skip(n: number): void {
    this.pos += n;
  }
}

export function readU64(dv: DataView, o: number, little: boolean): number {
  return little ? dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true) : dv.getUint32(o, false) * 4294967296 + dv.getUint32(o + 4, false);
}

export function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i += 8192) out += String.fromCharCode(...b.subarray(i, Math.min(e, i + 8192)));
  return out;
}

/** A fetch over bytes already in memory. */
export function memoryFetch(b: Uint8Array): (offset: number, length: number) => Reads<Uint8Array> {
  // eslint-disable-next-line require-yield
  return function* (offset: number, length: number): Reads<Uint8Array> {
    if (offset >= b.length || offset < 0) return new Uint8Array(0);
    return b.subarray(offset, Math.min(b.length, offset + length));
  };
}

/** A fetch that asks the driver. */
export function* driverFetch(offset: number, length: number): Reads<Uint8Array> {
  return yield { offset, length };
}

/** Runs a reader over bytes in memory. */
export function runSync<T>(gen: Reads<T>, bytes: Uint8Array): T {
  let r = gen.next();
  while (!r.done) {
    const { offset, length } = r.value;
    r = gen.next(offset >= 0 && offset < bytes.length ? bytes.subarray(offset, Math.min(bytes.length, offset + length)) : new Uint8Array(0));
  }
  return r.value;
}

/**
 * Runs a reader over bytes held as a list of chunks (a stream kept in memory), without joining
 * them: a request inside one chunk is a view of it, one across chunks is copied.
 */
export function runSyncChunks<T>(gen: Reads<T>, parts: Uint8Array[]): T {
  const starts: number[] = [];
  let total = 0;
  for (const p of parts) {
    starts.push(total);
    total += p.length;
  }
  const slice = (offset: number, length: number): Uint8Array => {
    if (offset < 0 || offset >= total || length <= 0) return new Uint8Array(0);
    const end = Math.min(total, offset + length);
    let lo = 0;
    let hi = parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    const p = parts[lo];
    if (end <= starts[lo] + p.length) return p.subarray(offset - starts[lo], end - starts[lo]);
    const out = new Uint8Array(end - offset);
    let o = 0;
    for (let k = lo; o < out.length; k++) {
      const from = k === lo ? offset - starts[lo] : 0;
      const n = Math.min(parts[k].length - from, out.length - o);
      out.set(parts[k].subarray(from, from + n), o);
      o += n;
    }
    return out;
  };
  let r = gen.next();
  while (!r.done) r = gen.next(slice(r.value.offset, r.value.length));
  return r.value;
}

/** Anything with an `aborted` flag. */
export interface AbortFlag {
  readonly aborted: boolean;
}

/**
 * Runs a reader against an asynchronous byte source (a file handle in the Node shell). Returns
 * undefined when `signal` was aborted between two reads.
 */
export async function runAsync<T>(
  gen: Reads<T>,
  read: (offset: number, length: number, into: Uint8Array | undefined) => Promise<Uint8Array>,
  opts: { signal?: AbortFlag; onRead?: (bytes: number) => void } = {},
): Promise<T | undefined> {
  // Buffers handed out that the reader may give back (see ReadRequest.reuse).
  const mine = new WeakSet<ArrayBufferLike>();
  let r = gen.next();
  while (!r.done) {
    if (opts.signal?.aborted) return undefined;
    const { offset, length, reuse } = r.value;
    const into = reuse && mine.has(reuse.buffer) && reuse.byteOffset === 0 && reuse.buffer.byteLength >= length ? new Uint8Array(reuse.buffer, 0, length) : undefined;
    const b = await read(offset, length, into);
    if (length >= 64 * 1024) mine.add(b.buffer);
    opts.onRead?.(b.length);
    r = gen.next(b);
  }
  return r.value;
}
