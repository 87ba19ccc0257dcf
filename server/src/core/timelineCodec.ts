/**
 * Compact binary form of a timeline (`vpt1`), for the HTML report and the editor's timeline view:
 * a 2.9 M-interval run is ~165 MB as JSON number arrays, a few bytes per interval here.
 *
 * Layout: four sections, each a stream of LEB128 varints over every interval of every lane, lanes
 * in order (the lane headers, with their interval counts, travel as JSON beside the bytes):
 *   1. gap      zigzag(start - previous end of the same lane); the first previous end is `startNs`
 *   2. duration end - start (> 0)
 *   3. state    index into `states`
 *   4. cause    cause index + 1 (0: none)
 * Column order groups similar numbers, which is what makes the bytes compress well (gzip on top).
 * Times are integer ns up to 2^53; varints are built with arithmetic, not 32-bit shifts.
 *
 * Pure: no I/O. Used by the shells (encode) and the webview (decode).
 */
import type { LaneSource, TimelineSource } from './timeline';

export interface LaneColumns {
  starts: Float64Array;
  ends: Float64Array;
  states: Uint16Array;
  /** Cause index, -1 when none. */
  causes: Int32Array;
}

class ByteWriter {
  buf = new Uint8Array(1 << 16);
  n = 0;
  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  uint(v: number): void {
    this.ensure(8);
    if (v < 0x80) {
      this.buf[this.n++] = v;
      return;
    }
    if (v < 2 ** 31) {
      while (v >= 0x80) {
        this.buf[this.n++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.n++] = v;
      return;
    }
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.n++] = v;
  }
  int(v: number): void {
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

const ns = (x: number) => Math.max(0, Math.min(2 ** 53 - 1, Math.round(x)));

/** Encodes the timeline's intervals (lane headers are the caller's to carry, in the same order). */
export function encodeTimeline(tl: TimelineSource): { bytes: Uint8Array; intervals: number } {
  const w = new ByteWriter();
  const lanes: readonly LaneSource[] = tl.lanes;
  const base = ns(tl.startNs);
  let total = 0;
  for (const l of lanes) {
    let prev = base;
    for (let i = 0; i < l.length; i++) {
      const s = ns(l.startAt(i));
      w.int(s - prev);
      prev = Math.max(s + 1, ns(l.endAt(i)));
    }
    total += l.length;
  }
  for (const l of lanes) {
    for (let i = 0; i < l.length; i++) {
      const s = ns(l.startAt(i));
      w.uint(Math.max(s + 1, ns(l.endAt(i))) - s);
    }
  }
  for (const l of lanes) for (let i = 0; i < l.length; i++) w.uint(Math.max(0, l.stateAt(i) | 0));
  for (const l of lanes) for (let i = 0; i < l.length; i++) w.uint(Math.max(-1, l.causeAt(i) | 0) + 1);
  return { bytes: w.bytes(), intervals: total };
}

/** Thrown by {@link decodeTimeline} on bytes that do not match the lane counts. */
export class TimelineDecodeError extends Error {}

/**
 * Decodes what {@link encodeTimeline} wrote, given each lane's interval count. Throws
 * {@link TimelineDecodeError} on truncated or inconsistent bytes (never reads out of bounds).
 */
export function decodeTimeline(bytes: Uint8Array, startNs: number, counts: readonly number[]): LaneColumns[] {
  let p = 0;
  const n = bytes.length;
  const uint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= n) throw new TimelineDecodeError(`timeline data truncated at byte ${p}`);
      const b = bytes[p++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
      if (mul > 2 ** 56) throw new TimelineDecodeError(`varint too long at byte ${p}`);
    }
  };
  // Every interval takes at least 4 bytes (one varint in each section): counts that add up to
  // more cannot match the data. Checked on the sum before anything is allocated: a header of
  // 100,000 lanes each claiming the whole data allocated 22 bytes x data x lanes (GBs) first.
  let total = 0;
  for (const c of counts) {
    if (!(Number.isSafeInteger(c) && c >= 0)) throw new TimelineDecodeError(`lane count ${c} is not a count`);
    total += c;
  }
  if (total * 4 > n) throw new TimelineDecodeError(`lane counts add up to ${total} intervals, more than ${n} bytes of timeline data can hold (4 bytes each at least)`);
  const out: LaneColumns[] = counts.map((c) => ({ starts: new Float64Array(c), ends: new Float64Array(c), states: new Uint16Array(c), causes: new Int32Array(c) }));
  const base = ns(startNs);
  for (const l of out) {
    let prev = base;
    for (let i = 0; i < l.starts.length; i++) {
      const z = uint();
      const s = prev + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
      l.starts[i] = s;
      prev = s; // the durations are added in the second pass
    }
  }
  for (const l of out) {
    // Gaps are relative to the previous interval's end: add the durations before each start.
    let acc = 0;
    for (let i = 0; i < l.starts.length; i++) {
      l.starts[i] += acc;
      const d = uint();
      l.ends[i] = l.starts[i] + d;
      acc += d;
    }
  }
  for (const l of out) for (let i = 0; i < l.states.length; i++) l.states[i] = uint();
  for (const l of out) for (let i = 0; i < l.causes.length; i++) l.causes[i] = uint() - 1;
  if (p !== n) throw new TimelineDecodeError(`${n - p} bytes of timeline data left over`);
  return out;
}
