/**
 * Node-side reading of trace files for the pure importer in `trace/`: 4 MiB reads into one
 * reused buffer (the importer copies whatever it keeps), transparent gunzip when the file starts
 * with the gzip magic bytes (whatever its name), progress measured in bytes of the file itself.
 * `-` is standard input (and pipes, FIFOs and character devices are read as streams: they cannot
 * be read by position). trace-cmd `.dat` files on disk are read by offset, a window or a
 * compressed chunk per CPU at a time, never whole; a `.dat` arriving on stdin is held in memory.
 *
 * Only this module and the CLI touch the file system for traces.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { createGunzip, createInflateRaw, inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { importTrace, type CancelToken, type ImportOutcome } from '../trace/importer';
import type { TraceFormat } from '../trace/detect';
import type { AnalysisOptions } from '../trace/options';
import { DAT_MAGIC, datImport, runAsync, type DatDecompressors, type Reads } from '../trace/importers/dat';

/**
 * Decompressors for trace-cmd v7 files: zstd through fzstd (pure JavaScript: Node 20 has no
 * zstd), zlib through Node's own.
 */
export const datDecompressors: DatDecompressors = {
  zstd: (src, size) => zstdDecompress(src, new Uint8Array(size)),
  zlib: (src, size) => {
    const out = inflateSync(src, { maxOutputLength: Math.max(size, 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};

export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** A gzip member ends with its CRC-32 and length, 4 bytes each (RFC 1952). */
const GZIP_TRAILER_BYTES = 8;

export interface TraceFileSource {
  /** Decompressed chunks; each is only valid until the next one is requested. */
  chunks: AsyncIterable<Uint8Array>;
  /** Size of the file on disk. */
  totalBytes: number;
  /** Bytes of the file read so far (compressed bytes for .gz). */
  position(): number;
  compressed: boolean;
  /** Set when reading or decompressing stopped early; what was read before is still valid. */
  error(): Error | undefined;
}

/**
 * Opens a trace file. Rejects when it cannot be opened (missing, a directory, no permission):
 * the CLI turns that into exit code 2. Errors later in the file end the chunk stream and are
 * reported by `error()`.
 */
export async function openTraceFile(path: string): Promise<TraceFileSource> {
  if (path === '-') return streamSource(process.stdin, 0);
  const fh = await open(path, 'r');
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    throw new Error(`${path} is a directory`);
  }
  if (!st.isFile()) {
    // A pipe, FIFO or /dev/stdin: positioned reads fail there (ESPIPE); read it as a stream, from
    // this open (a FIFO opened a second time waits for a new writer: the first one is gone).
    return streamSource(fh.createReadStream({ highWaterMark: READ_CHUNK_BYTES }), 0);
  }
  const magic = Buffer.alloc(2);
  const { bytesRead } = await fh.read(magic, 0, 2, 0);
  const compressed = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  let pos = 0;
  let err: Error | undefined;

  async function* raw(): AsyncGenerator<Uint8Array> {
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    try {
      for (;;) {
        const { bytesRead: n } = await fh.read(buf, 0, buf.length, pos);
        if (n === 0) break;
        pos += n;
        yield buf.subarray(0, n);
      }
    } catch (e) {
      err = e as Error;
    } finally {
      await fh.close();
    }
  }

  async function* gunzipped(): AsyncGenerator<Uint8Array> {
    // The stream owns its buffers (zlib may hold a written chunk until it is processed, so the
    // reused read buffer of raw() cannot be used here). Async iteration applies backpressure:
    // only a few MiB are in flight whatever the file size.
    await fh.close();
    const input = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
    const gz = createGunzip({ chunkSize: 1 << 20 });
    input.on('data', (c) => {
      pos += c.length;
    });
    input.on('error', (e) => gz.destroy(e));
    input.pipe(gz);
    let delivered = 0;
    try {
      for await (const c of gz) {
        delivered += (c as Buffer).length;
        yield c as Buffer;
      }
    } catch (e) {
      err = e as Error;
    } finally {
      input.destroy();
    }
    if (err) {
      // A bad CRC or length in the trailer (or a stream cut short) fails the gzip stream with
      // output still inside zlib: inflate the deflate data again without the gzip wrapper, which
      // has no trailer check, and hand on what follows the bytes already delivered.
      const first = err;
      try {
        for await (const c of rawInflateAfter(path, delivered)) {
          delivered += c.length;
          yield c;
        }
      } catch {
        // keep the first error: it says why the stream stopped
      }
      err = first;
    }
  }

  return {
    chunks: compressed ? gunzipped() : raw(),
    totalBytes: st.size,
    position: () => pos,
    compressed,
    error: () => err,
  };
}

/**
 * The output of the first gzip member of the file at `path`, inflated without the gzip wrapper
 * (no CRC / length check), from output byte `skip` on. Ends quietly at the end of the deflate
 * data; stops at corrupt deflate data.
 */
async function* rawInflateAfter(path: string, skip: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  let hdr: Buffer;
  try {
    hdr = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(hdr, 0, hdr.length, 0);
    hdr = hdr.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const start = gzipHeaderLength(hdr);
  if (start < 0) return;
  const input = createReadStream(path, { start, highWaterMark: READ_CHUNK_BYTES });
  const inf = createInflateRaw({ chunkSize: 64 * 1024 });
  input.on('error', (e) => inf.destroy(e));
  input.pipe(inf);
  let seen = 0;
  try {
    for await (const c of inf) {
      const b = c as Buffer;
      const from = Math.max(0, skip - seen);
      seen += b.length;
      if (from < b.length) yield b.subarray(from);
    }
  } finally {
    input.destroy();
    inf.destroy();
  }
}

/** Bytes of the gzip member header at the start of `b` (RFC 1952), -1 when it is not one. */
export function gzipHeaderLength(b: Uint8Array): number {
  if (b.length < 10 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return -1;
  const flags = b[3];
  let i = 10;
  if (flags & 4) {
    if (i + 2 > b.length) return -1;
    i += 2 + (b[i] | (b[i + 1] << 8));
  }
  for (const bit of [8, 16]) {
    if (flags & bit) {
      while (i < b.length && b[i] !== 0) i++;
      i++;
    }
  }
  if (flags & 2) i += 2;
  return i <= b.length ? i : -1;
}

/**
 * A trace arriving as a stream (stdin, a pipe): gunzipped when its first bytes are the gzip magic.
 * Its size is unknown (`totalBytes` 0).
 */
function streamSource(input: NodeJS.ReadableStream, totalBytes: number): TraceFileSource {
  let pos = 0;
  let err: Error | undefined;
  let compressed = false;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    try {
      // The gzip magic is two bytes: a pipe may deliver them in separate chunks.
      let head: Buffer = Buffer.alloc(0);
      while (head.length < 2) {
        const r = await it.next();
        if (r.done) break;
        const c = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
        head = head.length === 0 ? c : Buffer.concat([head, c]);
      }
      if (head.length === 0) return;
      pos += head.length;
      compressed = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
      if (!compressed) {
        yield head;
        for (;;) {
          const r = await it.next();
          if (r.done) break;
          const c = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
          pos += c.length;
          yield c;
        }
        return;
      }
      const gz = createGunzip({ chunkSize: 1 << 20 });
      // The last GZIP_TRAILER_BYTES seen are held back and written on their own at the end: zlib
      // drops the output of the write in which it finds a bad CRC or length (or the cut of a
      // truncated stream), and unlike a file (rawInflateAfter) a stream cannot be read again.
      // A write holding only the trailer produces no output, so nothing is lost and stdin gives
      // what the file gives.
      let held: Buffer = Buffer.alloc(0);
      const put = async (c: Buffer): Promise<void> => {
        if (!gz.write(c)) await new Promise((res) => gz.once('drain', res));
      };
      const feed = async (c: Buffer): Promise<void> => {
        if (held.length + c.length <= GZIP_TRAILER_BYTES) {
          held = Buffer.concat([held, c]);
          return;
        }
        const keep = Math.min(c.length, GZIP_TRAILER_BYTES);
        const release = GZIP_TRAILER_BYTES - keep; // bytes of `held` that stay held
        if (held.length > release) await put(held.subarray(0, held.length - release));
        const rest = held.subarray(held.length - Math.min(release, held.length));
        if (c.length > keep) await put(c.subarray(0, c.length - keep));
        held = Buffer.concat([rest, c.subarray(c.length - keep)]);
      };
      const pump = (async () => {
        try {
          await feed(head);
          for (;;) {
            const r = await it.next();
            if (r.done) break;
            const c = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
            pos += c.length;
            await feed(c);
          }
          // Processed before end(): the last write before end() is inflated with Z_FINISH, and
          // the output of a write that fails is lost.
          if (held.length) await new Promise<void>((res) => gz.write(held, () => res()));
          gz.end();
        } catch (e) {
          gz.destroy(e as Error);
        }
      })();
      for await (const c of gz) yield c as Buffer;
      await pump;
    } catch (e) {
      err = e as Error;
    } finally {
      // The reader may stop early (refused input): close the source, an endless device included.
      void it.return?.();
    }
  }
  return {
    chunks: chunks(),
    totalBytes,
    position: () => pos,
    get compressed() {
      return compressed;
    },
    error: () => err,
  };
}

export interface LoadOptions {
  format?: TraceFormat;
  maxWarningSamples?: number;
  onProgress?: (bytesDone: number, totalBytes: number | undefined) => void;
  signal?: CancelToken;
  /**
   * A `.dat` file keeps its event rows in memory (one read) instead of being read again when
   * analysed (the default: two reads, memory independent of the trace's length).
   */
  keepRows?: boolean;
  /**
   * Text files: reconstruct scheduling while reading, for an analysis without a timeline with
   * these options (see `ImportOptions.reconstructWhileReading`). Not for stdin; a file that turns
   * out to need its rows (several source files in one report) is read a second time without it.
   */
  reconstructWhileReading?: Partial<AnalysisOptions>;
  /** With `reconstructWhileReading`: record the timeline too (see `ImportOptions.reconstructTimeline`). */
  reconstructTimeline?: boolean;
}

/**
 * Answers a `.dat` reader's requests from a file, synchronously (the replay of a two-pass import
 * runs inside the analysis, which is synchronous). A file that cannot be opened or read any more
 * reads as ended; the caller compares the row counts.
 */
function runFileSync(path: string, reads: Reads<number>): number {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
  } catch {
    // read as empty below
  }
  const mine = new WeakSet<ArrayBufferLike>();
  try {
    let r = reads.next();
    while (!r.done) {
      const { offset, length, reuse } = r.value;
      let got: Uint8Array = new Uint8Array(0);
      if (fd >= 0 && length > 0 && offset >= 0) {
        const buf = reuse && mine.has(reuse.buffer) && reuse.byteOffset === 0 && reuse.buffer.byteLength >= length ? new Uint8Array(reuse.buffer, 0, length) : new Uint8Array(length);
        try {
          got = buf.subarray(0, readSync(fd, buf, 0, length, offset));
        } catch {
          got = new Uint8Array(0);
        }
        if (length >= 64 * 1024) mine.add(buf.buffer);
      }
      r = reads.next(got);
    }
    return r.value;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Reads and imports a trace file (plain, gzip or trace-cmd .dat; `-` is stdin). Rejects only when
 * the file cannot be opened.
 */
export async function loadTraceFile(path: string, opts: LoadOptions = {}): Promise<ImportOutcome> {
  // Only a regular file is probed for the `.dat` magic (by stat, not open): opening a FIFO to
  // probe it and again to read it lost its writer, and the second open waited forever.
  if (path !== '-' && (await stat(path).catch(() => undefined))?.isFile()) {
    const dat = await loadDatFile(path, opts);
    if (dat) return dat;
  }
  if (path === '-' || !opts.reconstructWhileReading) return importSource(await openTraceFile(path), path, { ...opts, reconstructWhileReading: undefined });
  const first = await importSource(await openTraceFile(path), path, opts);
  if (first.status !== 'ok' || !first.trace.reconstructedLost) return first;
  return importSource(await openTraceFile(path), path, { ...opts, reconstructWhileReading: undefined });
}

/**
 * {@link loadTraceFile} for a stream (what `-` reads from stdin): plain or gzip text, or a .dat
 * held in memory. `name` is the file name the document shows.
 */
export function loadTraceStream(input: NodeJS.ReadableStream, name: string, opts: LoadOptions = {}): Promise<ImportOutcome> {
  return importSource(streamSource(input, 0), name, opts);
}

async function importSource(src: TraceFileSource, path: string, opts: LoadOptions): Promise<ImportOutcome> {
  const outcome = await importTrace(src.chunks, {
    fileName: path,
    format: opts.format,
    maxWarningSamples: opts.maxWarningSamples,
    decompressors: datDecompressors,
    totalBytes: src.totalBytes,
    position: src.position,
    onProgress: opts.onProgress,
    signal: opts.signal,
    reconstructWhileReading: opts.reconstructWhileReading,
    reconstructTimeline: opts.reconstructTimeline,
  });
  const e = src.error();
  if (e && outcome.status === 'ok') {
    outcome.trace.stats.count('input_error');
    outcome.trace.stats.warn(outcome.trace.stats.lines, outcome.trace.stats.bytes, `input ends early: ${e.message}`);
  }
  return outcome;
}

/**
 * A regular file that starts with the `.dat` magic, read by offset (undefined for anything else:
 * the caller streams it). Progress counts the bytes read, which end at about the file size.
 */
async function loadDatFile(path: string, opts: LoadOptions): Promise<ImportOutcome | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined; // openTraceFile reports it
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const magic = Buffer.alloc(DAT_MAGIC.length);
    const { bytesRead } = await fh.read(magic, 0, magic.length, 0);
    if (bytesRead < magic.length || !DAT_MAGIC.every((v, i) => magic[i] === v)) return undefined;
    const size = st.size;
    let done = 0;
    let readError: Error | undefined;
    const read = async (offset: number, length: number, into: Uint8Array | undefined): Promise<Uint8Array> => {
      const n = Math.max(0, Math.min(length, size - offset));
      if (n === 0 || readError) return new Uint8Array(0);
      // Own ArrayBuffers (not Buffer's shared pool), so the reader can hand them back for reuse.
      const buf = into && into.length >= n ? into : new Uint8Array(n);
      try {
        const { bytesRead: got } = await fh.read(buf, 0, n, offset);
        return buf.subarray(0, got);
      } catch (e) {
        readError = e as Error;
        return new Uint8Array(0);
      }
    };
    // Read twice (see DatImportOptions.replayDriver): the rows are decoded again during the
    // analysis instead of being kept, so memory does not grow with the trace.
    const replayDriver = opts.keepRows ? undefined : (reads: Reads<number>) => runFileSync(path, reads);
    const trace = await runAsync(
      datImport(size, { fileName: path, maxWarningSamples: opts.maxWarningSamples, decompressors: datDecompressors, replayDriver }),
      read,
      {
        signal: opts.signal,
        onRead: (n) => {
          done = Math.min(size, done + n);
          opts.onProgress?.(done, size);
        },
      },
    );
    if (trace === undefined) return { status: 'cancelled', bytesDone: done };
    if (readError) {
      trace.stats.count('input_error');
      trace.stats.warn(0, done, `input ends early: ${readError.message}`);
    }
    return { status: 'ok', trace };
  } finally {
    await fh.close();
  }
}
