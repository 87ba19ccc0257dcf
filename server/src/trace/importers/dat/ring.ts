/**
 * One CPU's ring-buffer pages, read a window (or a compressed chunk) at a time, decoded event by
 * event. The layout is the kernel's (kernel/trace/ring_buffer.c, as documented by the
 * `header_page` and `header_event` texts the file carries):
 *
 * - page header: u64 timestamp, then the commit word (a `long`): the bytes of event data in the
 *   page, with flag bits 31 (events were lost before this page) and 30 (their count is stored
 *   after the data); the data starts at the `data` field's offset;
 * - event header: a u32 holding type_len (5 bits) and time_delta (27 bits): type_len 1..28 is a
 *   data event of type_len * 4 bytes; 0 a data event whose length is in the next u32; 29 padding
 *   (time_delta 0: the rest of the page is empty); 30 a time extend (delta += next u32 << 27);
 *   31 an absolute timestamp.
 *
 * Bounds are checked on every read: a page whose events run past its data is reported (CPU and
 * where) and the rest of it skipped; the next page is read as usual.
 */
import { DatFormatError, readU64, type DatDecompressors, type Reads } from './io';
import { inflateBudget, type CpuData, type DatLayout } from './file';

/** Uncompressed data is read this many bytes at a time (whole pages). */
export const WINDOW_BYTES = 1 << 20;
/** Largest decompressed chunk accepted (trace-cmd writes chunks of a few pages). */
const MAX_CHUNK_BYTES = 64 << 20;

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
const MISSED_EVENTS = 0x80000000;
const MISSED_STORED = 0x40000000;
const COMMIT_MASK = (1 << 27) - 1;

export interface RingEvents {
  /** A page is corrupt: `where` is the file offset of the page (or of its compressed chunk). */
  warn(cpu: number, where: number, reason: string): void;
  /** The kernel lost events before a page (count -1 when it did not store how many). */
  lost(cpu: number, ts: number, count: number): void;
}

export class CpuStream {
  /** The current event: raw timestamp (clock units), data span in {@link buf}. */
  evTs = 0;
  evStart = 0;
  evEnd = 0;
  buf: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  pages = 0;
  corruptPages = 0;
  finished = false;
  /** The file ends inside this CPU's data (see {@link cutAt}). */
  readonly cut: boolean;
  /** Where the file cut this CPU's data short: the offset of the page or chunk it ends inside (-1: not met). */
  cutAt = -1;
  /** Compressed chunks decoded, and the count the data states (-1 before it is read). */
  chunks = 0;
  statedChunks = -1;

  private ts = 0;
  private pageStart = 0;
  /** Next event header offset in buf; -1 when the next page must be opened. */
  private pos = -1;
  private dataEnd = 0;
  /** Where the current buffer came from (for warnings). */
  private bufFileOffset = 0;
  private bufCompressed = false;
  /** Next file offset to read (raw data) or next chunk header (compressed). */
  private next = 0;
  private readonly end: number;
  private chunksLeft = -1;
  private lastPageTs = -Infinity;

  constructor(
    readonly cpu: number,
    data: CpuData,
    private readonly L: DatLayout,
    private readonly dec: DatDecompressors,
    private readonly fileSize: number,
    private readonly sink: RingEvents,
    /** Bytes the chunks of all CPUs may still decompress to in this pass (see {@link inflateBudget}); shared by the streams of one pass. */
    private readonly budget: { left: number },
  ) {
    this.next = data.offset;
    // For compressed data trace-cmd's size counts the chunks but not the leading chunk count.
    const end = data.offset + data.size + (L.compression === 'none' ? 0 : 4);
    this.end = Math.min(end, fileSize);
    this.cut = data.cut === true || end > fileSize;
    this.found = data.found;
  }

  private readonly found: number | undefined;

  /** Loads the next window or chunk; false at the end of this CPU's data. */
  *refill(): Reads<boolean> {
    const ps = this.L.pageSize;
    if (this.L.compression === 'none') {
      if (this.next >= this.end) {
        if (this.cut && this.cutAt < 0) this.cutAt = this.end;
        return this.done();
      }
      const n = Math.min(WINDOW_BYTES - (WINDOW_BYTES % ps || 0), this.end - this.next);
      // The previous window is used up: the driver may read into it.
      const b = yield { offset: this.next, length: n, reuse: this.buf.length ? this.buf : undefined };
      if (b.length === 0) return this.done();
      this.setBuf(b, this.next, false);
      this.next += b.length;
      return true;
    }
    for (;;) {
      if (this.chunksLeft < 0) {
        if (this.next + 4 > this.end) return this.cutHere(this.next);
        const h = yield* this.compressed(this.next, 4);
        if (h.length < 4) return this.cutHere(this.next);
        this.statedChunks = new DataView(h.buffer, h.byteOffset, 4).getUint32(0, this.L.little);
        // Data located by a scan: its whole chunks, and the one the file ends inside.
        this.chunksLeft = this.found === undefined ? this.statedChunks : this.found + (this.cut ? 1 : 0);
        this.next += 4;
      }
      if (this.chunksLeft === 0) {
        // The stated count is read but this CPU's data goes on (trace-cmd's size counts exactly
        // its chunks): a corrupt count, said where the unread data starts.
        if (this.found === undefined && this.next + 8 <= this.end) {
          this.corruptPages++;
          this.sink.warn(this.cpu, this.next, `CPU ${this.cpu}: its data states ${this.statedChunks} compressed chunk${this.statedChunks === 1 ? '' : 's'}, but ${this.end - this.next} bytes of it follow ${this.statedChunks === 1 ? 'it' : 'them'} from file offset ${this.next} (a corrupt chunk count); they are skipped`);
        }
        return this.done();
      }
      if (this.next + 8 > this.end) return this.cutHere(this.next);
      const at = this.next;
      const h = yield* this.compressed(at, 8);
      if (h.length < 8) return this.done();
      const hv = new DataView(h.buffer, h.byteOffset, 8);
      const zsize = hv.getUint32(0, this.L.little);
      const usize = hv.getUint32(4, this.L.little);
      this.chunksLeft--;
      if (this.cut && at + 8 + zsize > this.end && usize <= MAX_CHUNK_BYTES) return this.cutHere(at);
      if (at + 8 + zsize > this.end || usize > MAX_CHUNK_BYTES) {
        this.sink.warn(this.cpu, at, `CPU ${this.cpu}: compressed chunk at file offset ${at} claims ${zsize} -> ${usize} bytes, beyond this CPU's data; the rest of the CPU's data is skipped`);
        this.corruptPages++;
        return this.done();
      }
      if (usize > this.budget.left) {
        this.sink.warn(this.cpu, at, `CPU ${this.cpu}: compressed chunk at file offset ${at} claims ${usize} bytes, more than the file may still decompress to (${inflateBudget(this.fileSize)} bytes in all for a file of ${this.fileSize}: 64 MiB + 128 x its size; a decompression bomb or a corrupt size); the rest of the CPU's data is skipped`);
        this.corruptPages++;
        return this.done();
      }
      this.budget.left -= usize;
      this.next = at + 8 + zsize;
      const z = yield* this.compressed(at + 8, zsize);
      let out: Uint8Array;
      try {
        const f = this.L.compression === 'zstd' ? this.dec.zstd : this.L.compression === 'zlib' ? this.dec.zlib : undefined;
        if (!f) throw new DatFormatError(`no ${this.L.compression} decompressor`);
        if (z.length < zsize) throw new DatFormatError('the file ends inside the chunk');
        out = f(z, usize);
        if (out.length !== usize) throw new DatFormatError(`got ${out.length} bytes, expected ${usize}`);
      } catch (e) {
        this.corruptPages++;
        this.sink.warn(this.cpu, at, `CPU ${this.cpu}: compressed chunk at file offset ${at} could not be decompressed (${(e as Error).message}); its pages are skipped`);
        continue;
      }
      this.chunks++;
      if (out.length === 0) continue;
      this.setBuf(out, at, true);
      return true;
    }
  }

  /** Compressed bytes [at, at + n), read a window ahead (chunks are a few KiB each). */
  private zwin: Uint8Array = new Uint8Array(0);
  private zwinStart = 0;
  private *compressed(at: number, n: number): Reads<Uint8Array> {
    if (at >= this.zwinStart && at + n <= this.zwinStart + this.zwin.length) return this.zwin.subarray(at - this.zwinStart, at - this.zwinStart + n);
    const len = Math.min(Math.max(n, WINDOW_BYTES), this.end - at);
    const b = yield { offset: at, length: len, reuse: this.zwin.length ? this.zwin : undefined };
    this.zwin = b;
    this.zwinStart = at;
    return b.subarray(0, Math.min(n, b.length));
  }

  private done(): boolean {
    this.finished = true;
    return false;
  }

  /** The data ends at `at` before its end: where the file is cut when it is (else the data simply ends). */
  private cutHere(at: number): boolean {
    if (this.cut && this.cutAt < 0) this.cutAt = at;
    return this.done();
  }

  private setBuf(b: Uint8Array, fileOffset: number, compressed: boolean): void {
    this.buf = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.bufFileOffset = fileOffset;
    this.bufCompressed = compressed;
    this.pageStart = -this.L.pageSize;
    this.pos = -1;
  }

  private where(): number {
    return this.bufCompressed ? this.bufFileOffset : this.bufFileOffset + this.pageStart;
  }

  private corrupt(reason: string): void {
    this.corruptPages++;
    const loc = this.bufCompressed ? `page ${this.pageStart / this.L.pageSize} of the chunk at file offset ${this.bufFileOffset}` : `page at file offset ${this.bufFileOffset + this.pageStart}`;
    this.sink.warn(this.cpu, this.where(), `CPU ${this.cpu}: ${loc}: ${reason}; the rest of the page is skipped`);
    this.pos = -1;
  }

  /** Opens the next page of the buffer; false when none is left. */
  private openPage(): boolean {
    const L = this.L;
    const ps = L.pageSize;
    const P = L.page;
    for (;;) {
      this.pageStart += ps;
      const p = this.pageStart;
      // The page the file ends inside (the last window of a cut file): not decoded.
      if (this.cut && !this.bufCompressed && p < this.buf.length && p + ps > this.buf.length && this.next >= this.end) {
        this.cutAt = this.bufFileOffset + p;
        return false;
      }
      if (p + P.dataOffset > this.buf.length) return false;
      const dv = this.dv;
      this.pages++;
      const ts = P.tsSize === 8 ? readU64(dv, p + P.tsOffset, L.little) : dv.getUint32(p + P.tsOffset, L.little);
      // The flags and the size are in the low 32 bits of the commit word.
      const lowAt = P.commitSize === 8 && !L.little ? p + P.commitOffset + 4 : p + P.commitOffset;
      const commit = dv.getUint32(lowAt, L.little);
      const size = commit & COMMIT_MASK;
      const avail = Math.min(ps, this.buf.length - p) - P.dataOffset;
      if (size > avail) {
        this.corrupt(`commit size ${size} exceeds the page (${avail} bytes of data)`);
        continue;
      }
      if (size === 0) continue;
      if (ts < this.lastPageTs) {
        this.corrupt(`page timestamp ${ts} is before the previous page's (${this.lastPageTs})`);
        continue;
      }
      this.lastPageTs = ts;
      if (commit & MISSED_EVENTS) {
        let n = -1;
        const at = p + P.dataOffset + size;
        if (commit & MISSED_STORED && at + L.longSize <= Math.min(this.buf.length, p + ps)) {
          n = L.longSize === 8 ? readU64(dv, at, L.little) : dv.getUint32(at, L.little);
        }
        this.sink.lost(this.cpu, ts, n);
      }
      this.ts = ts;
      this.pos = p + P.dataOffset;
      this.dataEnd = p + P.dataOffset + size;
      return true;
    }
  }

  /** Moves to the next data event; false when the buffer is used up (then call refill). */
  advance(): boolean {
    const dv = this.dv;
    const little = this.L.little;
    for (;;) {
      if (this.pos < 0 || this.pos >= this.dataEnd) {
        if (!this.openPage()) return false;
      }
      let pos = this.pos;
      const end = this.dataEnd;
      if (pos + 4 > end) {
        this.corrupt(`event header at page offset ${pos - this.pageStart} runs past the data`);
        continue;
      }
      const h = dv.getUint32(pos, little);
      const typeLen = little ? h & 31 : h >>> 27;
      const delta = little ? h >>> 5 : h & 0x7ffffff;
      if (typeLen === 0 || typeLen > 28) {
        if (pos + 8 > end) {
          if (typeLen === TYPE_PADDING && delta === 0) {
            this.pos = -1;
            continue;
          }
          this.corrupt(`event of type ${typeLen} at page offset ${pos - this.pageStart} runs past the data`);
          continue;
        }
        const arr = dv.getUint32(pos + 4, little);
        if (typeLen === TYPE_TIME_EXTEND) {
          this.ts += arr * 134217728 + delta;
          this.pos = pos + 8;
          continue;
        }
        if (typeLen === TYPE_TIME_STAMP) {
          this.ts = arr * 134217728 + delta;
          this.pos = pos + 8;
          continue;
        }
        if (typeLen === TYPE_PADDING) {
          if (delta === 0) {
            this.pos = -1; // the rest of the page is unused
            continue;
          }
          // A discarded event: its length is in array[0].
          if (arr < 4 || pos + 4 + arr > end) {
            this.corrupt(`padding of ${arr} bytes at page offset ${pos - this.pageStart} runs past the data`);
            continue;
          }
          this.pos = pos + 4 + arr;
          this.ts += delta;
          continue;
        }
        // typeLen 0: data length in array[0] (which counts itself).
        if (arr < 4 || pos + 4 + arr > end) {
          this.corrupt(`event of ${arr} bytes at page offset ${pos - this.pageStart} runs past the data`);
          continue;
        }
        this.ts += delta;
        this.evTs = this.ts;
        this.evStart = pos + 8;
        this.evEnd = pos + 4 + arr;
        this.pos = this.evEnd;
        return true;
      }
      const len = typeLen * 4;
      if (pos + 4 + len > end) {
        this.corrupt(`event of ${len} bytes at page offset ${pos - this.pageStart} runs past the data`);
        continue;
      }
      this.ts += delta;
      this.evTs = this.ts;
      this.evStart = pos + 4;
      this.evEnd = pos = pos + 4 + len;
      this.pos = pos;
      return true;
    }
  }
}
