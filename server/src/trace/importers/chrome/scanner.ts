/**
 * Streaming extraction of the event objects of a Chrome trace JSON file, chunk by chunk, without
 * ever holding the whole text: a byte-level scanner tracks nesting and strings, copies the bytes of
 * one event object at a time and hands them to `JSON.parse`. Both forms are accepted:
 *
 *     [ {event}, {event}, ... ]                      (the array form; a missing `]` is tolerated,
 *                                                     as the format allows)
 *     { "traceEvents": [ {event}, ... ], "displayTimeUnit": "ns", ... }
 *
 * A syntax error stops extraction (counted; events before it are kept): after a broken token
 * there is no reliable way to resynchronise on the next event. Except in the layout most writers
 * use, one event per line (Chrome, Perfetto, `vpscope analyze --chrome-trace`): once every event so
 * far began and ended on one line, a line that breaks (a NUL byte, an event still open at the line
 * end, a stray closing brace) is one bad event, and reading resumes at the next line. JSON text
 * holds no raw line feed inside a string, so a line start is always between tokens.
 */
import { decodeUtf8 } from '../../bytes';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;

/** Receives events with the 1-based line and the byte offset where each starts. */
export interface ScannerSink {
  event(value: unknown, line: number, offset: number): void;
  badEvent(reason: string, line: number, offset: number): void;
  jsonError(reason: string, line: number, offset: number): void;
  /** A second `traceEvents` array in the root object (read too, as Perfetto does). */
  duplicateEvents(line: number, offset: number): void;
}

/** Longest event object accepted (1 MiB); longer ones are skipped as bad events. */
const MAX_EVENT_BYTES = 1 << 20;

export class ChromeScanner {
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Depth of the container whose direct children are events (-1 until known). */
  private eventsDepth = -1;
  private rootIsObject = false;
  /** Depth-1 key capture (object form): the last string seen at depth 1 and whether it is a key. */
  private keyBytes: number[] = [];
  private capturingKey = false;
  private expectKey = true;
  private lastKey = '';
  /** `traceEvents` arrays opened so far (object form). */
  private eventArrays = 0;
  /** Pieces of the event object being captured. */
  private pieces: Uint8Array[] = [];
  private captureLen = 0;
  private capturing = false;
  private tooLong = false;
  private stopped = false;
  /** The root value closed: only blanks may follow. */
  private rootDone = false;
  /** Bytes and line feeds before the current chunk; where the captured event starts. */
  private base = 0;
  private line = 1;
  private evLine = 0;
  private evOffset = 0;
  /** Every event so far on one line (undefined before the first event). */
  private lineLayout: boolean | undefined;
  /** Skipping the rest of a broken line (line layout). */
  private skipLine = false;

  constructor(private readonly sink: ScannerSink) {}

  push(b: Uint8Array): void {
    if (this.stopped) return;
    let captureFrom = this.capturing ? 0 : -1;
    const n = b.length;
    for (let i = 0; i < n; i++) {
      const c = b[i];
      if (c === 0x0a) {
        this.line++;
        if (this.skipLine) {
          this.skipLine = false;
          continue;
        }
        if (this.lineLayout && this.eventsDepth > 0 && !this.rootDone && (this.capturing || this.inString || this.depth !== this.eventsDepth)) {
          this.badLine(this.capturing ? this.evLine : this.line - 1, this.capturing ? this.evOffset : this.base + i, this.capturing ? 'event cut at the end of its line' : 'unbalanced JSON on this line');
          captureFrom = -1;
          continue;
        }
      } else if (this.skipLine) continue;
      else if (c === 0) {
        if (this.lineLayout && this.eventsDepth > 0 && !this.rootDone) {
          this.badLine(this.line, this.base + i, 'binary data (a NUL byte) in an event line: the line is skipped');
          captureFrom = -1;
          this.skipLine = true;
          continue;
        }
        // JSON text never holds a NUL byte, not even inside a string: binary data.
        this.fail('binary data (a NUL byte) in JSON text', this.base + i);
        return;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.capturingKey) {
            this.capturingKey = false;
            this.lastKey = String.fromCharCode(...this.keyBytes);
          }
        } else if (this.capturingKey && this.keyBytes.length < 64) this.keyBytes.push(c);
        continue;
      }
      if (this.rootDone && c > 0x20) {
        // Anything but blanks after the document is not part of it (a second document, junk).
        this.fail('data after the end of the JSON document', this.base + i);
        return;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.rootIsObject && this.expectKey) {
            this.capturingKey = true;
            this.keyBytes.length = 0;
          }
          break;
        case 0x3a: // ':'
          if (this.depth === 1) this.expectKey = false;
          break;
        case 0x2c: // ','
          if (this.depth === 1) this.expectKey = true;
          break;
        case LBRACE:
        case LBRACK:
          if (this.depth === 0) {
            this.rootIsObject = c === LBRACE;
            if (!this.rootIsObject) this.eventsDepth = 1;
          } else if (this.depth === 1 && this.rootIsObject && c === LBRACK && this.lastKey === 'traceEvents') {
            // A second key: JSON.parse keeps the last array, Perfetto's streaming reader (and this
            // one) reads both; read both and say so where the second starts.
            if (++this.eventArrays === 2) this.sink.duplicateEvents(this.line, this.base + i);
            this.eventsDepth = 2;
          } else if (this.depth === this.eventsDepth && c === LBRACE) {
            this.capturing = true;
            captureFrom = i;
            this.evLine = this.line;
            this.evOffset = this.base + i;
            this.captureLen = 0;
            this.tooLong = false;
          } else if (this.depth === this.eventsDepth) {
            this.sink.badEvent('event is not an object', this.line, this.base + i);
          }
          this.depth++;
          break;
        case RBRACE:
        case RBRACK:
          if (this.lineLayout && c === RBRACE && this.depth === this.eventsDepth && !this.capturing) {
            // A closing brace where the events array can only go on or close with `]`.
            this.badLine(this.line, this.base + i, 'unbalanced closing brace');
            captureFrom = -1;
            this.skipLine = true;
            break;
          }
          this.depth--;
          if (this.depth < 0) {
            this.fail('unbalanced closing bracket', this.base + i);
            return;
          }
          if (this.depth === 0) this.rootDone = true;
          if (this.capturing && this.depth === this.eventsDepth) {
            this.capture(b, captureFrom, i + 1);
            this.emit();
            captureFrom = -1;
          } else if (this.depth === this.eventsDepth - 1 && c === RBRACK) {
            this.eventsDepth = -1; // the events array closed
          }
          break;
        default:
          // Scalars directly in the events array (numbers, true...) are not events.
          if (this.depth === this.eventsDepth && !this.capturing && c > 0x20 && c !== 0x2c) {
            this.sink.badEvent('event is not an object', this.line, this.base + i);
            // Skip the rest of the scalar token.
            while (i + 1 < n && b[i + 1] !== 0x2c && b[i + 1] !== RBRACK && b[i + 1] > 0x20) i++;
          }
      }
    }
    if (this.capturing && captureFrom >= 0) this.capture(b, captureFrom, n);
    this.base += n;
  }

  /** True after an error that ends extraction: the rest of the input is not read. */
  get stoppedEarly(): boolean {
    return this.stopped;
  }

  /** Call at the end of the input. */
  finish(): void {
    if (this.stopped) return;
    if (this.capturing) this.sink.badEvent('truncated event at end of input', this.evLine, this.evOffset);
    else if (this.depth > 0 && !(this.depth === 1 && !this.rootIsObject)) {
      // An array trace may omit its closing `]` (the format allows it); anything else is cut short.
      if (this.depth > 1 || this.rootIsObject) this.sink.jsonError('input ends inside the JSON document', this.line, this.base);
    }
  }

  private capture(b: Uint8Array, from: number, to: number): void {
    if (this.tooLong) return;
    this.captureLen += to - from;
    if (this.captureLen > MAX_EVENT_BYTES) {
      this.tooLong = true;
      this.pieces = [];
      return;
    }
    // Copy: the caller may reuse its chunk buffer.
    this.pieces.push(b.slice(from, to));
  }

  /** A broken line in the one-event-per-line layout: one bad event, the state back between events. */
  private badLine(line: number, offset: number, reason: string): void {
    this.sink.badEvent(reason, line, offset);
    this.capturing = false;
    this.pieces = [];
    this.tooLong = false;
    this.inString = false;
    this.escape = false;
    this.capturingKey = false;
    this.depth = this.eventsDepth;
  }

  private emit(): void {
    if (this.lineLayout !== false) this.lineLayout = this.evLine === this.line;
    this.capturing = false;
    if (this.tooLong) {
      this.sink.badEvent('event object larger than 1 MiB', this.evLine, this.evOffset);
      this.tooLong = false;
      return;
    }
    let bytes: Uint8Array;
    if (this.pieces.length === 1) bytes = this.pieces[0];
    else {
      bytes = new Uint8Array(this.captureLen);
      let o = 0;
      for (const p of this.pieces) {
        bytes.set(p, o);
        o += p.length;
      }
    }
    this.pieces = [];
    let value: unknown;
    try {
      value = JSON.parse(decodeUtf8(bytes, 0, bytes.length));
    } catch {
      this.sink.badEvent('invalid JSON in event object', this.evLine, this.evOffset);
      return;
    }
    this.sink.event(value, this.evLine, this.evOffset);
  }

  private fail(reason: string, offset: number): void {
    this.stopped = true;
    this.sink.jsonError(reason, this.line, offset);
  }
}
