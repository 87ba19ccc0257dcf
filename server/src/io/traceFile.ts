/**
 * Node-side reading of trace files for the pure importer in `trace/`: 4 MiB reads into one
 * reused buffer (the importer copies whatever it keeps), transparent gunzip when the file starts
 * with the gzip magic bytes (whatever its name), progress measured in bytes of the file itself.
 *
 * Only this module and the CLI touch the file system for traces.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { importTrace, type CancelToken, type ImportOutcome } from '../trace/importer';
import type { TraceFormat } from '../trace/detect';

export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

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
  const fh = await open(path, 'r');
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    throw new Error(`${path} is a directory`);
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
    try {
      for await (const c of gz) yield c as Buffer;
    } catch (e) {
      err = e as Error;
    } finally {
      input.destroy();
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

export interface LoadOptions {
  format?: TraceFormat;
  maxWarningSamples?: number;
  onProgress?: (bytesDone: number, totalBytes: number | undefined) => void;
  signal?: CancelToken;
}

/** Reads and imports a trace file (plain or gzip). Rejects only when the file cannot be opened. */
export async function loadTraceFile(path: string, opts: LoadOptions = {}): Promise<ImportOutcome> {
  const src = await openTraceFile(path);
  const outcome = await importTrace(src.chunks, {
    fileName: path,
    format: opts.format,
    maxWarningSamples: opts.maxWarningSamples,
    totalBytes: src.totalBytes,
    position: src.position,
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  const e = src.error();
  if (e && outcome.status === 'ok') {
    outcome.trace.stats.count('input_error');
    outcome.trace.stats.warn(outcome.trace.stats.lines, outcome.trace.stats.bytes, `input ends early: ${e.message}`);
  }
  return outcome;
}
