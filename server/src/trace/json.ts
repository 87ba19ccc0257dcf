/**
 * The `vpscope.trace/1` JSON text of an analysis whose timeline is still columnar (typed arrays,
 * see `analyzeTraceParts`): the same bytes as `documentChunks` (report/trace.ts) gives for the
 * materialised document, without ever holding a lane as a number array or the document as one
 * string. Pure: no I/O.
 */
import { LaneBuilder, type LaneSource, type TimelineSource } from '../core/timeline';
import type { TraceSummaryDocument } from './schema';

/** Intervals per piece of a lane's JSON (4 numbers each). */
const INTERVALS_PER_PIECE = 16384;

/**
 * The JSON document as a sequence of strings (about 64 KiB to 1 MiB each): the head of the
 * document, then the timeline lane by lane, each lane's intervals in pieces.
 */
export function documentJsonChunks(doc: TraceSummaryDocument, timeline: TimelineSource): Generator<string> {
  return asStrings(documentParts(doc, timeline));
}

/**
 * The same document as {@link documentJsonChunks}, as its UTF-8 bytes: the lanes' number text
 * goes from the buffer it is written into straight to the output, never through a JavaScript
 * string (decoding it to a string and encoding that string again for the stream cost more than
 * writing the digits, about a fifth of `vpscope analyze --json`). Each array is the caller's,
 * unless `reuse` is set: then the lanes' pieces are views of one buffer, each valid until the
 * next array is asked for (for a writer that is done with each before taking the next).
 */
export function* documentJsonBytes(doc: TraceSummaryDocument, timeline: TimelineSource, opts: { reuse?: boolean } = {}): Generator<Uint8Array> {
  let text = '';
  for (const part of documentParts(doc, timeline)) {
    if (typeof part === 'string') text += part;
    else {
      if (text) yield utf8.encode(text);
      text = '';
      yield opts.reuse ? part : part.slice();
    }
  }
  if (text) yield utf8.encode(text);
}

/**
 * The document's text in order: strings, and views of the shared number buffer (valid until the
 * next part is asked for).
 */
function* documentParts(doc: TraceSummaryDocument, timeline: TimelineSource): Generator<string | Uint8Array> {
  const head = JSON.stringify(doc, null, 1);
  yield head.slice(0, head.lastIndexOf('}')).trimEnd();
  yield `,\n "timeline": {"startNs":${timeline.startNs},"endNs":${timeline.endNs},"states":${JSON.stringify(timeline.states)},"causes":${JSON.stringify(timeline.causes)},"lanes":[`;
  for (let i = 0; i < timeline.lanes.length; i++) {
    yield i ? ',\n' : '\n';
    yield* laneParts(timeline.lanes[i]);
  }
  yield '\n]}\n}\n';
}

/**
 * `JSON.stringify(lane.toData())` in pieces. The numbers are written as bytes into one reused
 * buffer (integers below 2^53, which every time and index of a timeline is, digit by digit;
 * anything else through `JSON.stringify` of that number), so the text is exactly what
 * `JSON.stringify` of the materialised lane gives, at a third of its cost (its double-to-string
 * conversion took 27% of `analyze --json` on 200 MB).
 */
export function laneJsonChunks(lane: LaneSource): Generator<string> {
  return asStrings(laneParts(lane));
}

/** Parts as strings: the strings before each byte piece joined to its text (one chunk per piece). */
function* asStrings(parts: Iterable<string | Uint8Array>): Generator<string> {
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else {
      yield text + ascii.decode(part);
      text = '';
    }
  }
  if (text) yield text;
}

/** A lane's JSON text: strings, and views of the shared number buffer (valid until the next part). */
function* laneParts(lane: LaneSource): Generator<string | Uint8Array> {
  yield `{"id":${JSON.stringify(lane.id)},"label":${JSON.stringify(lane.label)},"group":${JSON.stringify(lane.group)},"kind":${JSON.stringify(lane.kind)},"intervals":[`;
  const n = lane.length;
  if (n > 0) {
    const buf = (scratch ??= new Uint8Array(INTERVALS_PER_PIECE * 4 * MAX_NUMBER_CHARS));
    for (let from = 0; from < n; from += INTERVALS_PER_PIECE) {
      const to = Math.min(n, from + INTERVALS_PER_PIECE);
      let p = 0;
      if (from > 0) buf[p++] = 0x2c;
      if (lane instanceof LaneBuilder) {
        p = putPiece(lane, from, to, buf, p);
      } else {
        for (let i = from; i < to; i++) {
          if (i > from) buf[p++] = 0x2c;
          p = putNumber(buf, p, lane.startAt(i));
          buf[p++] = 0x2c;
          p = putNumber(buf, p, lane.endAt(i));
          buf[p++] = 0x2c;
          p = putNumber(buf, p, lane.stateAt(i));
          buf[p++] = 0x2c;
          p = putNumber(buf, p, lane.causeAt(i));
        }
      }
      yield buf.subarray(0, p);
    }
  }
  yield ']}';
}

/**
 * Intervals `[from, to)` of a builder's lane at `p` (the piece's first one without a comma);
 * returns the end. A plain function rather than a loop inside the generator {@link laneParts}:
 * V8 then compiles and deoptimises this loop on its own, not with the generator's other code
 * (the lane's header, the pieces' bookkeeping). Measured on a single write, as the CLI does it:
 * the JSON of a 300 MB trace took 10-12% less CPU this way (BENCHMARKS.md, branch tspeed8).
 */
function putPiece(lane: LaneBuilder, from: number, to: number, buf: Uint8Array, p: number): number {
  // The piece decoded in one go (a lane's compact chunks are cheaper to read in order).
  const s = (pieceStarts ??= new Float64Array(INTERVALS_PER_PIECE));
  const e = (pieceEnds ??= new Float64Array(INTERVALS_PER_PIECE));
  const st = (pieceStates ??= new Float64Array(INTERVALS_PER_PIECE));
  const cs = (pieceCauses ??= new Float64Array(INTERVALS_PER_PIECE));
  lane.readInto(from, to, s, e, st, cs);
  // Most intervals start where the one before ended: their start's text is the previous
  // end's, copied from where it was just written (equal numbers have equal JSON text).
  let prevEnd = NaN;
  let endAt = 0;
  let endLen = 0;
  for (let k = 0; k < to - from; k++) {
    if (k > 0) buf[p++] = 0x2c;
    const start = s[k];
    if (start === prevEnd) {
      for (let j = 0; j < endLen; j++) buf[p + j] = buf[endAt + j];
      p += endLen;
    } else p = putTime(buf, p, start);
    buf[p++] = 0x2c;
    endAt = p;
    prevEnd = e[k];
    p = putTime(buf, p, prevEnd);
    endLen = p - endAt;
    buf[p++] = 0x2c;
    p = putSmall(buf, p, st[k]);
    buf[p++] = 0x2c;
    p = putSmall(buf, p, cs[k]);
  }
  return p;
}

/** Longest JSON text of a number plus its comma (`-1.2345678901234567e-308,`). */
const MAX_NUMBER_CHARS = 26;
let scratch: Uint8Array | undefined;
let pieceStarts: Float64Array | undefined;
let pieceEnds: Float64Array | undefined;
let pieceStates: Float64Array | undefined;
let pieceCauses: Float64Array | undefined;
const ascii = new TextDecoder();
const utf8 = new TextEncoder();

/** Writes `JSON.stringify(v)` at `p` as ASCII bytes, returns the end. */
export function putNumber(b: Uint8Array, p: number, v: number): number {
  // Integers by digits (-0 included: JSON writes it as 0); anything else through JSON.stringify.
  if (v >= 0) {
    if (v < 2147483648) {
      const x = v | 0;
      if (x === v) return putUint31(b, p, x);
    } else if (v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) return putSafe(b, p, v);
  } else if (v > -2147483648) {
    const x = v | 0;
    if (x === v) {
      b[p] = 0x2d;
      return putUint31(b, p + 1, -x);
    }
  } else if (v >= -Number.MAX_SAFE_INTEGER && Math.floor(v) === v) {
    b[p] = 0x2d;
    return putSafe(b, p + 1, -v);
  }
  const s = JSON.stringify(v);
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  return p;
}

/** {@link putNumber}, with one digit and -1 (a state, a cause or none) written directly. */
function putSmall(b: Uint8Array, p: number, v: number): number {
  if (v >= 0 && v < 10 && (v | 0) === v) {
    b[p] = 0x30 + v;
    return p + 1;
  }
  if (v === -1) {
    b[p] = 0x2d;
    b[p + 1] = 0x31;
    return p + 2;
  }
  return putNumber(b, p, v);
}

/** The digits of the last seconds part written by {@link putTime}, and its value. */
const secDigits = new Uint8Array(16);
let secLen = 0;
let secValue = -1;

/**
 * {@link putNumber} for a time in ns: an integer of 10 to 16 digits is its seconds' digits (the
 * part above 10^9, the same for many consecutive times of a lane, so copied from the last time
 * written when equal) then nine digits; anything else goes to putNumber.
 */
export function putTime(b: Uint8Array, p: number, v: number): number {
  if (!(v >= 1e9 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) return putNumber(b, p, v);
  const hi = splitBillions(v);
  if (hi !== secValue) {
    secValue = hi;
    secLen = putUint31(secDigits, 0, hi);
  }
  for (let k = 0; k < secLen; k++) b[p++] = secDigits[k];
  return putNine(b, p, splitRest);
}

/** The part below 10^9 of the integer {@link splitBillions} split last. */
let splitRest = 0;

/** `floor(v / 1e9)` of an integer below 2^53, exactly; `v mod 1e9` goes to {@link splitRest}. */
function splitBillions(v: number): number {
  let hi = Math.floor(v / 1e9);
  let lo = v - hi * 1e9; // exact; the division may have rounded up or down
  if (lo < 0) {
    hi -= 1;
    lo += 1e9;
  } else if (lo >= 1e9) {
    hi += 1;
    lo -= 1e9;
  }
  splitRest = lo;
  return hi;
}

/** ASCII digit pairs of 0..99: `DIGIT_PAIRS[2 * x]`, `DIGIT_PAIRS[2 * x + 1]`. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let x = 0; x < 100; x++) {
  DIGIT_PAIRS[2 * x] = 0x30 + ((x / 10) | 0);
  DIGIT_PAIRS[2 * x + 1] = 0x30 + (x % 10);
}

/** Digits of an integer in [0, 2^31), two at a time. */
function putUint31(b: Uint8Array, p: number, x: number): number {
  const n = x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
  let q = p + n;
  while (x >= 100) {
    const y = (x / 100) | 0;
    const r = (x - y * 100) << 1;
    b[--q] = DIGIT_PAIRS[r + 1];
    b[--q] = DIGIT_PAIRS[r];
    x = y;
  }
  if (x >= 10) {
    b[--q] = DIGIT_PAIRS[(x << 1) + 1];
    b[--q] = DIGIT_PAIRS[x << 1];
  } else b[--q] = 0x30 + x;
  return p + n;
}

/** The nine digits of `lo` (an integer in [0, 10^9)), zeros in front. */
function putNine(b: Uint8Array, p: number, lo: number): number {
  let x = lo | 0;
  let q = p + 9;
  for (let k = 0; k < 4; k++) {
    const y = (x / 100) | 0;
    const r = (x - y * 100) << 1;
    b[--q] = DIGIT_PAIRS[r + 1];
    b[--q] = DIGIT_PAIRS[r];
    x = y;
  }
  b[--q] = 0x30 + x;
  return p + 9;
}

/** Digits of an integer in [2^31, 2^53]: the part above 10^9, then nine digits. */
function putSafe(b: Uint8Array, p: number, v: number): number {
  p = putUint31(b, p, splitBillions(v));
  return putNine(b, p, splitRest);
}
