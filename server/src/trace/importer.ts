/**
 * The streaming trace importer: the caller pushes chunks (`Uint8Array`) as it reads them; the
 * importer detects the format from the first bytes, splits text into lines keeping only the
 * partial last line between chunks, and parses each line straight into the columnar tables.
 * Nothing here holds the whole input, reads files, decompresses or reads the clock (see
 * `io/traceFile.ts` for the Node side).
 *
 *     const imp = new TraceImporter({ fileName });
 *     for await (const chunk of source) imp.push(chunk);
 *     const trace = imp.finish();
 *
 * or {@link importTrace} with progress and cancellation.
 */
import { CR, LF } from './bytes';
import { DETECT_BYTES, detectFormat, type DetectedFormat, type TraceFormat } from './detect';
import { EventTable, ThreadTable } from './events';
import { ChromeEventSink, type ChromeData } from './importers/chrome/events';
import { ChromeScanner } from './importers/chrome/scanner';
import { Dialect, FtraceParser, type FtraceLayout } from './importers/ftrace/parser';
import { datImport, runSyncChunks, type DatDecompressors } from './importers/dat';
import { PerfParser } from './importers/perf/parser';
import { ImportStats } from './stats';
import { BLOCK_ROWS } from './columns';
import { withDefaults, type AnalysisOptions } from './options';
import { startReconstruct, type Reconstruction } from './reconstruct/sched';

/**
 * Events stored from one text trace (2^24, about 550 MiB of columns; a tracefs line is 100-150
 * bytes, so this is about 2 GiB of text). A gzip bomb of 4 GiB of lines stops here.
 */
export const MAX_EVENTS = 1 << 24;
/**
 * Text lines parsed from one trace (2^26, four times the event cap): lines that are no events
 * (blank, comments, malformed) cost parsing time without counting towards the event cap, and a
 * gzip of 1 GiB of newlines (1 MB on disk) took 55 s (measured here). Past it, lines are counted.
 */
export const MAX_LINES = 1 << 26;
/**
 * Bytes of text counted past the event or line cap (2^32, 4 GiB), after which the input is not
 * read further: an endless pipe (`yes LINE | vpscope analyze -`) ran for as long as it was fed
 * (measured here: still counting after 5 minutes). Counting runs at the speed of the pipe.
 */
export const MAX_BYTES_PAST_CAP = 2 ** 32;
/** Distinct threads kept from one trace (each costs a few KiB in the analysis). */
export const MAX_THREADS = 1 << 16;

/** Longest text line accepted; longer lines are skipped with a warning (64 KiB). */
export const MAX_LINE_BYTES = 64 * 1024;

export interface ImportOptions {
  /** Shown in the output document. */
  fileName?: string;
  /** Skip detection. */
  format?: TraceFormat;
  /** Located warnings kept as samples (all are counted). Default 100. */
  maxWarningSamples?: number;
  /**
   * Text formats: stored events at which parsing stops (checked per pushed chunk); later lines
   * are only counted (`lines_over_cap`). Default {@link MAX_EVENTS}.
   */
  maxEvents?: number;
  /** Text formats: lines parsed, then only counted (`lines_over_cap`). Default {@link MAX_LINES}. */
  maxLines?: number;
  /** Text formats: bytes counted past the cap, then reading stops (`input_not_read`). Default {@link MAX_BYTES_PAST_CAP}. */
  maxBytesPastCap?: number;
  /** Distinct threads kept; further ones share one `(other threads)` entry. Default {@link MAX_THREADS}. */
  maxThreads?: number;
  /**
   * Decompressors for compressed trace-cmd `.dat` (v7) input, given by the shell (the core does
   * no zlib); without them only uncompressed `.dat` files load.
   */
  decompressors?: DatDecompressors;
  /**
   * Text traces: reconstruct scheduling while reading, with these analysis options, for an
   * analysis without a timeline (`analyzeTraceParts(..., { timeline: false })` with the same
   * options). Each block of rows is read by the reconstruction as soon as it is full and then
   * filled again, so the trace keeps no rows: the result is in `ImportedTrace.reconstructed`, or
   * `reconstructedLost` is set when the input turned out to need the rows after all (several
   * source files, a row taken back after it was read): import it again without this option.
   */
  reconstructWhileReading?: Partial<AnalysisOptions>;
  /**
   * With `reconstructWhileReading`: the reconstruction also records the timeline, without
   * wake-up arrows (for `analyzeTraceParts(..., { timeline: true, wakes: false })`).
   */
  reconstructTimeline?: boolean;
}

/** Everything an import produced: plain data plus the columnar tables. */
export interface ImportedTrace {
  fileName: string;
  format: TraceFormat | 'trace-cmd-dat' | 'unknown';
  /** Layout facts: flags column widths, TGID column, multi-file sources... */
  formatDetail: Record<string, unknown>;
  stats: ImportStats;
  /** Text formats: the event rows and the thread table. */
  events: EventTable;
  threads: ThreadTable;
  /** Source (input file) names; index 0 is the unprefixed input. */
  sources: string[];
  /** CPUs per source when the file said so: `cpus=N` (trace-cmd report) or `#P:N` (tracefs). */
  cpusBySource: number[];
  /** Highest CPU number seen per source. */
  maxCpuBySource: number[];
  /** Chrome JSON: slices, counters, names. */
  chrome?: ChromeData;
  /**
   * A `.dat` file read in two passes (`DatImportOptions.replayDriver`): `events` counts the rows
   * but keeps none (`rowsKept` false); this decodes them again from the file and calls `onBlock`
   * for each block of rows in order (the table shares `events`' interners; a block may be
   * released once handed over). Returns the number of rows replayed.
   */
  replay?: (onBlock: (rows: EventTable, bi: number, len: number) => void) => number;
  /** The reconstruction made while reading (`ImportOptions.reconstructWhileReading`). */
  reconstructed?: Reconstruction;
  /** True: the reconstruction while reading was given up, and the rows are gone (import again). */
  reconstructedLost?: boolean;
}

export class TraceImporter {
  readonly stats: ImportStats;
  private readonly events = new EventTable();
  private readonly threads: ThreadTable;
  /** Text input past the event cap: lines are counted, not parsed. */
  private capped = false;
  /** The last byte of text seen while capped (a last line without LF still counts). */
  private cappedOpenLine = false;
  /** Bytes read when the cap was reached. */
  private cappedAtByte = 0;
  /** Reading stopped {@link ImportOptions.maxBytesPastCap} bytes past the cap. */
  private stoppedReading = false;
  private format: DetectedFormat | undefined;
  private ftrace: FtraceParser | undefined;
  private chrome: { scanner: ChromeScanner; sink: ChromeEventSink } | undefined;
  /** Bytes held back until the format is known. */
  private head: Uint8Array[] = [];
  private headLen = 0;
  /** The partial last line between chunks. */
  private carry = new Uint8Array(4096);
  private carryLen = 0;
  private carryOverflow = false;
  /** Absolute byte offset of the start of the current chunk / of the carried line. */
  private chunkBase = 0;
  private carryOffset = 0;
  private lineNo = 0;
  private finished = false;
  /**
   * A `.dat` file arriving as a stream (stdin, a gzip stream): its reader needs to seek, so the
   * bytes are kept and read at {@link finish}. Files on disk go through `io/traceFile.ts`, which
   * reads them by offset instead and never holds them whole.
   */
  private dat: Uint8Array[] | undefined;

  constructor(private readonly opts: ImportOptions = {}) {
    this.stats = new ImportStats(opts.maxWarningSamples);
    this.threads = new ThreadTable(opts.maxThreads ?? MAX_THREADS);
    if (opts.format) this.setFormat(opts.format);
    // A text format given (`--format`): its first bytes are still looked at for old Mac line ends.
    this.crProbe = opts.format === 'tracefs' || opts.format === 'trace-cmd' || opts.format === 'perf-script' || opts.format === 'chrome-json';
  }

  get bytesDone(): number {
    return this.stats.bytes;
  }

  /**
   * True once more input cannot change the result: the input was refused (binary data, gzip
   * inside the stream) or the Chrome JSON scanner stopped at an error. Callers stop reading, so
   * an endless source (`/dev/zero`, `/dev/urandom`) ends as soon as it is recognised.
   */
  get done(): boolean {
    if (this.format === undefined) return false;
    if (this.stoppedReading) return true;
    if (this.chrome) return this.chrome.scanner.stoppedEarly;
    return !this.ftrace && !this.dat;
  }

  /**
   * UTF-16 input (a byte-order mark FF FE or FE FF first, as Windows PowerShell 5's `>` and
   * `Out-File` write): its decoder, whose text goes on as UTF-8; null for any other input;
   * undefined until the first two bytes are known (`bomHead` holds a lone first byte).
   */
  private utf16: TextDecoder | null | undefined;
  private bomHead: Uint8Array | undefined;
  private readonly utf8 = new TextEncoder();

  push(input: Uint8Array): void {
    if (this.finished) throw new Error('TraceImporter.push after finish');
    if (input.length === 0) return;
    if (this.utf16 === null) return this.pushBytes(input);
    let b = input;
    if (this.utf16 === undefined) {
      if (this.bomHead) {
        b = new Uint8Array(this.bomHead.length + input.length);
        b.set(this.bomHead);
        b.set(input, this.bomHead.length);
        this.bomHead = undefined;
      }
      // A byte-order mark first: held back until the ASCII check has its whole probe (or the
      // input ends). Before, a first read of 2-3 bytes (FF FE, a pipe's first write) was taken as
      // UTF-16 with nothing to check.
      if (b.length < 2 || (hasUtf16Bom(b) && b.length < UTF16_PROBE_BYTES)) {
        this.bomHead = b.slice();
        return;
      }
      this.utf16 = utf16Decoder(b);
      if (this.utf16 === null) return this.pushBytes(b);
    }
    // Before, such a file was "binary data" (its ASCII has a NUL every other byte). Offsets in
    // warnings and the byte counts are those of the UTF-8 text.
    const text = this.utf16.decode(b, { stream: true });
    if (text.length > 0) this.pushBytes(this.utf8.encode(text));
  }

  private pushBytes(input: Uint8Array): void {
    // The parsers get a plain Uint8Array view: their short searches are faster with the typed
    // array builtins than through Node's Buffer wrapper. The long search for line ends keeps the
    // caller's object: a Node Buffer's indexOf is memchr, about 3x faster than the builtin.
    const chunk = input.constructor === Uint8Array ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.stats.bytes += chunk.length;
    if (this.format === undefined) {
      if (this.headLen === 0 && chunk.length >= DETECT_BYTES) {
        const cr = crLineEnds(chunk);
        if (cr) {
          this.crOnly = true;
          this.setFormat(cr.format, cr.mapped);
          this.feed(cr.mapped);
          return;
        }
        // Enough to decide at once: nothing to hold back, so nothing is copied.
        this.setFormat(detectFormat(chunk, chunk.length), chunk);
        this.feed(chunk, input);
        return;
      }
      this.head.push(chunk.slice());
      this.headLen += chunk.length;
      if (this.headLen < DETECT_BYTES) return;
      this.detect();
      return;
    }
    if (this.crProbe) {
      // The format was given: the first bytes are held as detection holds them, for the CR check.
      this.head.push(chunk.slice());
      this.headLen += chunk.length;
      if (this.headLen >= DETECT_BYTES) this.endCrProbe();
      return;
    }
    if (this.crOnly) {
      const mapped = chunk.slice();
      for (let i = mapped.indexOf(CR); i >= 0; i = mapped.indexOf(CR, i + 1)) mapped[i] = LF;
      this.feed(mapped);
      return;
    }
    this.feed(chunk, input);
  }

  /**
   * Old Mac line ends (a lone CR each): the first bytes had CRs and no LF and read as a trace
   * once each CR is a line end. Every CR is then fed as an LF; before, the whole input was one
   * line, "longer than 65536 bytes", and nothing was read.
   */
  private crOnly = false;
  /**
   * The format was given and is text: the first {@link DETECT_BYTES} are held in `head` until it
   * is known whether their line ends are lone CRs (before, only detection looked, so `--format`
   * read a CR-only trace as one long line).
   */
  private crProbe = false;

  private endCrProbe(): void {
    this.crProbe = false;
    const all = this.head.length === 1 ? this.head[0] : concat(this.head, this.headLen);
    this.head = [];
    this.headLen = 0;
    if (all.indexOf(LF) < 0 && all.indexOf(CR) >= 0) {
      this.crOnly = true;
      for (let i = all.indexOf(CR); i >= 0; i = all.indexOf(CR, i + 1)) all[i] = LF;
    }
    if (all.length > 0) this.feed(all);
  }

  finish(): ImportedTrace {
    if (this.finished) throw new Error('TraceImporter.finish called twice');
    if (this.bomHead) {
      // The whole input was shorter than the probe: decide on all of it.
      const b = this.bomHead;
      this.bomHead = undefined;
      this.utf16 = b.length >= 2 ? utf16Decoder(b) : null;
      if (this.utf16 === null) this.pushBytes(b);
      else {
        const text = this.utf16.decode(b, { stream: true });
        if (text.length > 0) this.pushBytes(this.utf8.encode(text));
      }
    }
    if (this.utf16) {
      // An odd last byte or a lone high surrogate: U+FFFD, as any decoder shows it.
      const rest = this.utf16.decode();
      if (rest.length > 0) this.pushBytes(this.utf8.encode(rest));
    }
    if (this.crProbe) this.endCrProbe();
    if (this.format === undefined) this.detect();
    this.finished = true;
    if (this.dat) return this.finishDat(this.dat);
    if (this.chrome) {
      this.chrome.scanner.finish();
      this.chrome.sink.finish();
    } else if (this.ftrace) {
      if (this.capped) {
        if (this.cappedOpenLine) this.cappedLines(1);
      } else {
        if (this.carryLen > 0 || this.carryOverflow) this.emitCarry();
        this.ftrace.finish();
      }
    }
    if (this.threads.overflow > 0) {
      this.stats.count('threads_over_cap', this.threads.overflow);
      this.stats.warn(0, 0, `more than ${this.threads.max} distinct threads: ${this.threads.overflow} further ones were merged into one "(other threads)" entry`);
    }
    const cpusBySource = this.ftrace ? declaredCpus(this.ftrace.cpusBySource, this.ftrace.onlineCpus) : [];
    let reconstructed: Reconstruction | undefined;
    let reconstructedLost: boolean | undefined;
    if (this.rec !== undefined) {
      const fill = this.events.blockFill;
      if (this.ftrace!.sources.length !== 1 || this.events.dropLost) reconstructedLost = true;
      else {
        if (fill > 0) this.rec.block(this.events, 0, fill);
        // The CPU counts as the finished import declares them (tracefs's `#P:N` included): the
        // reconstruction reads them in finishWith.
        if (this.recTrace) this.recTrace.cpusBySource = cpusBySource;
        reconstructed = this.rec;
      }
      this.rec = undefined;
      this.recTrace = undefined;
    }
    this.events.refill = undefined;
    this.events.seal();
    const f = this.format!;
    const format: ImportedTrace['format'] = f === 'tracefs' || f === 'trace-cmd' || f === 'chrome-json' || f === 'perf-script' ? f : 'unknown';
    return {
      fileName: this.opts.fileName ?? '',
      format,
      formatDetail: this.formatDetail(),
      stats: this.stats,
      events: this.events,
      threads: this.threads,
      sources: this.ftrace?.sources ?? [''],
      cpusBySource,
      maxCpuBySource: this.ftrace?.maxCpuBySource ?? [],
      chrome: this.chrome?.sink.data,
      ...(reconstructed ? { reconstructed } : {}),
      ...(reconstructedLost ? { reconstructedLost } : {}),
    };
  }

  /** The reconstruction while reading, once the first block is full, and the trace it was given. */
  private rec: Reconstruction | undefined;
  private recTrace: ImportedTrace | undefined;

  /** EventTable.refill: the full block goes to the reconstruction (started at the first one). */
  private readonly refill = (rows: EventTable): boolean => {
    const p = this.ftrace!;
    if (this.rec === undefined) {
      // One source only: the reconstruction's per-source state is made at its start.
      if (p.sources.length !== 1 || rows.rowBase !== 0) {
        rows.refill = undefined;
        return false;
      }
      const trace: ImportedTrace = {
        fileName: this.opts.fileName ?? '',
        format: 'unknown',
        formatDetail: {},
        stats: this.stats,
        events: this.events,
        threads: this.threads,
        sources: p.sources,
        cpusBySource: p.cpusBySource,
        maxCpuBySource: p.maxCpuBySource,
      };
      this.recTrace = trace;
      this.rec = startReconstruct(trace, { vcpus: new Map(), vms: [] }, withDefaults(this.opts.reconstructWhileReading), {
        timeline: this.opts.reconstructTimeline ?? false,
        wakes: false,
        deferred: true,
      });
    }
    this.rec.block(rows, 0, BLOCK_ROWS);
    return true;
  };

  private finishDat(parts: Uint8Array[]): ImportedTrace {
    let n = 0;
    for (const p of parts) n += p.length;
    this.dat = undefined;
    // Read where the chunks are (no joined copy of the whole input).
    return runSyncChunks(
      datImport(n, { fileName: this.opts.fileName, maxWarningSamples: this.opts.maxWarningSamples, decompressors: this.opts.decompressors }),
      parts,
    );
  }

  private formatDetail(): Record<string, unknown> {
    const d: Record<string, unknown> = { detected: this.format };
    if (this.utf16) d.encoding = this.utf16.encoding;
    if (this.ftrace instanceof PerfParser) {
      d.pidTidColumn = this.ftrace.pidTidLines > 0;
      d.callchainLines = this.ftrace.callchainLines;
      d.bodyStyles = { keyValue: this.ftrace.layout.keyValueBodies, report: this.ftrace.layout.reportBodies };
    } else if (this.ftrace) {
      const l: FtraceLayout = this.ftrace.layout;
      d.flagsColumn = l.flags5 >= l.flags4 && l.flags5 > 0 ? 5 : l.flags4 > 0 ? 4 : 0;
      d.flagsLines = { none: l.flagsNone, four: l.flags4, five: l.flags5 };
      d.tgidColumn = l.tgidLines > 0;
      d.bodyStyles = { keyValue: l.keyValueBodies, report: l.reportBodies };
      if (this.ftrace.sources.length > 1) d.files = this.ftrace.sources.slice(1);
    }
    return d;
  }

  private detect(): void {
    let all: Uint8Array;
    if (this.head.length === 1) all = this.head[0];
    else {
      all = new Uint8Array(this.headLen);
      let o = 0;
      for (const h of this.head) {
        all.set(h, o);
        o += h.length;
      }
    }
    this.head = [];
    this.headLen = 0;
    const cr = crLineEnds(all);
    if (cr) {
      this.crOnly = true;
      all = cr.mapped;
    }
    const f = cr ? cr.format : detectFormat(all, all.length);
    this.setFormat(f, all);
    if (all.length > 0) this.feed(all);
  }

  /** `head`: the first bytes, to name the compression of input refused as binary. */
  private setFormat(f: DetectedFormat, head?: Uint8Array): void {
    this.format = f;
    if (f === 'chrome-json') {
      const sink = new ChromeEventSink(this.stats, this.opts.maxThreads ?? MAX_THREADS);
      this.chrome = { sink, scanner: new ChromeScanner(sink) };
    } else if (f === 'trace-cmd-dat') {
      this.dat = [];
    } else if (f === 'perf-script') {
      this.ftrace = new PerfParser(this.events, this.threads, this.stats);
    } else if (f === 'tracefs' || f === 'trace-cmd' || f === 'empty') {
      this.ftrace = new FtraceParser(this.events, this.threads, this.stats, f === 'trace-cmd' ? Dialect.TraceCmd : Dialect.Kernel);
      if (this.opts.reconstructWhileReading) this.events.refill = this.refill;
    } else {
      this.stats.count('unsupported_input');
      const packed = f === 'binary' && head ? compressionOf(head) : undefined;
      const why =
        f === 'gzip' ? 'gzip-compressed input: decompress it first (the vpscope CLI does this itself)'
        : packed ? `${packed.name}-compressed input: decompress it first (${packed.tool} -dc FILE | vpscope analyze -); only gzip is read as it is`
        : 'binary data: not a text trace or Chrome JSON';
      this.stats.warn(1, 0, why);
    }
  }

  /** `finder` is the same bytes as `chunk`, as the caller's object (see push). */
  private feed(chunk: Uint8Array, finder: Uint8Array = chunk): void {
    if (this.dat) {
      // The caller may reuse its buffer: keep a copy.
      this.dat.push(chunk.slice());
    } else if (this.chrome) {
      this.chrome.scanner.push(chunk);
      this.countLines(finder);
    } else if (this.ftrace) {
      this.feedText(chunk, finder);
    }
    this.chunkBase += chunk.length;
  }

  private countLines(chunk: Uint8Array): void {
    let n = countLF(chunk, 0);
    if (this.stats.lines === 0 && chunk.length > 0) n++;
    this.stats.lines += n;
  }

  private feedText(chunk: Uint8Array, finder: Uint8Array): void {
    const parser = this.ftrace!;
    if (this.capped) {
      if (this.stoppedReading) return;
      this.cappedLines(countLF(finder, 0));
      this.cappedOpenLine = chunk[chunk.length - 1] !== LF;
      this.stopPastCap();
      return;
    }
    const lineCap = this.lineNo >= (this.opts.maxLines ?? MAX_LINES);
    if (lineCap || this.events.length >= (this.opts.maxEvents ?? MAX_EVENTS)) {
      // The event cap (or the line cap): finish the carried line, then only count lines.
      const start = this.finishCarry(chunk, finder);
      if (start < 0) return;
      this.capped = true;
      this.cappedAtByte = this.chunkBase + start;
      this.ftrace!.finish();
      if (lineCap) this.stats.count('line_cap');
      const why = lineCap ? `${this.lineNo} lines read (the cap on lines)` : `${this.events.length} events stored (the cap)`;
      this.stats.warn(this.lineNo + 1, this.chunkBase + start, `${why}: the lines from here on are counted, not parsed`);
      this.cappedLines(countLF(finder, start));
      this.cappedOpenLine = chunk.length > start && chunk[chunk.length - 1] !== LF;
      this.stopPastCap();
      return;
    }
    let start = this.finishCarry(chunk, finder);
    if (start < 0) return;
    const base = this.chunkBase;
    // The parser runs the line loop itself (no call per line from here).
    const first = this.lineNo;
    start = parser.lines(chunk, finder, start, base, first, MAX_LINE_BYTES, this.onTooLong);
    this.lineNo = parser.lastLineNo;
    this.stats.lines += this.lineNo - first;
    if (start < chunk.length) {
      this.carryOffset = base + start;
      this.appendCarry(chunk, start, chunk.length);
    }
  }

  /** Past the cap, counting stops after {@link ImportOptions.maxBytesPastCap} bytes: the rest of the input is not read. */
  private stopPastCap(): void {
    const read = this.stats.bytes - this.cappedAtByte;
    if (read < (this.opts.maxBytesPastCap ?? MAX_BYTES_PAST_CAP)) return;
    this.stoppedReading = true;
    this.stats.count('input_not_read', read);
    this.stats.warn(this.lineNo, this.stats.bytes, `${read} bytes counted past the cap: the rest of the input was not read (an endless pipe would never end)`);
  }

  private cappedLines(n: number): void {
    this.lineNo += n;
    this.stats.lines += n;
    this.stats.skippedLines += n;
    this.stats.count('lines_over_cap', n);
  }

  /**
   * Ends the line carried over from the previous chunk with the start of `chunk`: returns where
   * the chunk's own lines begin, or -1 when the whole chunk continues the carried line.
   */
  private finishCarry(chunk: Uint8Array, finder: Uint8Array): number {
    if (this.carryLen === 0 && !this.carryOverflow) return 0;
    const nl = finder.indexOf(LF);
    if (nl < 0) {
      this.appendCarry(chunk, 0, chunk.length);
      return -1;
    }
    this.appendCarry(chunk, 0, nl);
    this.emitCarry();
    return nl + 1;
  }

  private appendCarry(b: Uint8Array, s: number, e: number): void {
    if (this.carryLen === 0 && !this.carryOverflow) this.carryOffset = this.chunkBase + s;
    const n = e - s;
    if (this.carryOverflow) return;
    if (this.carryLen + n > MAX_LINE_BYTES) {
      this.carryOverflow = true;
      this.carryLen = 0;
      return;
    }
    if (this.carryLen + n > this.carry.length) {
      const c = new Uint8Array(Math.min(MAX_LINE_BYTES, Math.max(this.carry.length * 2, this.carryLen + n)));
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
    }
    this.carry.set(b.subarray(s, e), this.carryLen);
    this.carryLen += n;
  }

  private emitCarry(): void {
    this.lineNo++;
    this.stats.lines++;
    if (this.carryOverflow) this.tooLong(this.carryOffset);
    else {
      let e = this.carryLen;
      if (e > 0 && this.carry[e - 1] === CR) e--;
      this.ftrace!.line(this.carry, 0, e, this.lineNo, this.carryOffset);
    }
    this.carryLen = 0;
    this.carryOverflow = false;
  }

  private readonly onTooLong = (lineNo: number, offset: number): void => {
    this.lineNo = lineNo;
    this.tooLong(offset);
  };

  private tooLong(offset: number): void {
    this.stats.malformedLines++;
    this.stats.count('line_too_long');
    this.stats.warn(this.lineNo, offset, `line longer than ${MAX_LINE_BYTES} bytes`);
  }
}

/**
 * Line feeds in `b` from `from`. `indexOf` (memchr on a Node Buffer) skips long lines fast, but
 * costs a call per line: 1 GiB of newlines took 22 ms per MiB that way, a byte loop 2 ms (measured
 * here). After 1,024 line feeds at less than 64 bytes apart on average, the rest is a byte loop.
 */
export function countLF(b: Uint8Array, from: number): number {
  let n = 0;
  for (let i = b.indexOf(LF, from); i >= 0; i = b.indexOf(LF, i + 1)) {
    n++;
    if ((n & 1023) === 0 && i - from < n * 64) {
      for (let k = i + 1; k < b.length; k++) if (b[k] === LF) n++;
      return n;
    }
  }
  return n;
}

/** Anything with an `aborted` flag (an AbortSignal, an LSP cancellation token adapter...). */
export interface CancelToken {
  readonly aborted: boolean;
}

export interface ImportRunOptions extends ImportOptions {
  /** Total input size in bytes when known (for progress). */
  totalBytes?: number;
  /** Called after each chunk with the bytes consumed so far. */
  onProgress?: (bytesDone: number, totalBytes: number | undefined) => void;
  /** Checked between chunks. */
  signal?: CancelToken;
  /**
   * What progress counts, when not the bytes pushed (e.g. compressed bytes read from a .gz
   * file, so progress matches the file size).
   */
  position?: () => number;
}

export type ImportOutcome =
  | { status: 'ok'; trace: ImportedTrace }
  | { status: 'cancelled'; bytesDone: number };

/** Imports a whole source of chunks with progress and cancellation. */
export async function importTrace(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ImportRunOptions = {},
): Promise<ImportOutcome> {
  const imp = new TraceImporter(opts);
  for await (const chunk of source) {
    if (opts.signal?.aborted) return { status: 'cancelled', bytesDone: imp.bytesDone };
    imp.push(chunk);
    opts.onProgress?.(opts.position ? opts.position() : imp.bytesDone, opts.totalBytes);
    // Refused or stopped input: read no further (the loop's exit closes the source).
    if (imp.done) break;
  }
  if (opts.signal?.aborted) return { status: 'cancelled', bytesDone: imp.bytesDone };
  return { status: 'ok', trace: imp.finish() };
}

/** CPUs per source as the file declares them: `cpus=N` (trace-cmd report), else tracefs's `#P:N`. */
function declaredCpus(cpus: readonly number[], online: readonly number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < Math.max(cpus.length, online.length); s++) {
    const n = cpus[s] ?? online[s];
    if (n !== undefined) out[s] = n;
  }
  return out;
}

/**
 * The first bytes with each CR made an LF, and their format, when they have CRs and no LF and
 * then read as a text trace or Chrome JSON; undefined otherwise (binary data, `.dat` and gzip are
 * never rewritten).
 */
function crLineEnds(b: Uint8Array): { mapped: Uint8Array; format: DetectedFormat } | undefined {
  if (b.indexOf(LF) >= 0 || b.indexOf(CR) < 0) return undefined;
  const mapped = b.slice();
  for (let i = mapped.indexOf(CR); i >= 0; i = mapped.indexOf(CR, i + 1)) mapped[i] = LF;
  const format = detectFormat(mapped, mapped.length);
  return format === 'tracefs' || format === 'trace-cmd' || format === 'perf-script' || format === 'chrome-json' ? { mapped, format } : undefined;
}

function concat(parts: readonly Uint8Array[], len: number): Uint8Array {
  const all = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

/** Bytes of UTF-16 input whose text is checked for ASCII before it is decoded (4,095 characters after the mark). */
const UTF16_PROBE_BYTES = 8192;

function hasUtf16Bom(b: Uint8Array): boolean {
  return b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff));
}

/**
 * A decoder for input that starts with a UTF-16 byte-order mark (it drops the mark), or null.
 * Only when the start decodes to text that is mostly ASCII, as every supported trace format is:
 * random bytes that happen to start with FF FE stay binary data (and are refused at once).
 */
function utf16Decoder(b: Uint8Array): TextDecoder | null {
  if (!hasUtf16Bom(b)) return null;
  const le = b[0] === 0xff;
  const probe = new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(b.subarray(0, Math.min(b.length, UTF16_PROBE_BYTES) & ~1));
  // Only the mark: an empty UTF-16 file (PowerShell's `> file` of nothing), not a mark and one byte.
  if (probe.length === 0) return b.length === 2 ? new TextDecoder(le ? 'utf-16le' : 'utf-16be') : null;
  let ascii = 0;
  for (let i = 0; i < probe.length; i++) {
    const c = probe.charCodeAt(i);
    if (c > 0 && c < 0x80) ascii++;
  }
  return ascii >= 0.9 * probe.length ? new TextDecoder(le ? 'utf-16le' : 'utf-16be') : null;
}

/**
 * Compressed formats other than gzip, by their magic bytes (xz: the .xz file format spec; zstd:
 * RFC 8878 section 3.1.1; bzip2: `BZh` and a block size digit), named instead of "binary data".
 */
function compressionOf(b: Uint8Array): { name: string; tool: string } | undefined {
  const at = (bytes: number[]) => b.length >= bytes.length && bytes.every((v, i) => b[i] === v);
  if (at([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return { name: 'xz', tool: 'xz' };
  if (at([0x28, 0xb5, 0x2f, 0xfd])) return { name: 'zstd', tool: 'zstd' };
  if (at([0x42, 0x5a, 0x68]) && b.length > 3 && b[3] >= 0x31 && b[3] <= 0x39) return { name: 'bzip2', tool: 'bzip2' };
  return undefined;
}
