/**
 * Timelines sent from the sim worker to the CLI without cloning their intervals: every lane's
 * flat intervals of one result are copied into one Float64Array whose buffer is transferred, with
 * each lane's start in a second one; the receiver turns them back into number arrays.
 *
 * One buffer per result, not one per lane: transferring 131,072 small buffers (a run with that
 * many guest threads and `--html`) took 11.7 s in the worker against 1.2 s for one buffer
 * holding the same intervals (measured here, load 9, 40 numbers per lane), time a `--wall-ms`
 * budget did not bound.
 */
import type { LaneData, TimelineData } from '../core/timeline';

/** The fields a packed timeline carries while its lanes' `intervals` are empty. */
interface Packed {
  packedIntervals?: Float64Array;
  /** Lane i's intervals are packedIntervals[packedStarts[i] .. packedStarts[i + 1]). */
  packedStarts?: Float64Array;
}

/** Packs each timeline's intervals into one buffer (in place); returns the buffers to transfer. */
export function packLaneIntervals(timelines: Iterable<TimelineData | undefined>): ArrayBuffer[] {
  const transfer: ArrayBuffer[] = [];
  for (const tl of timelines) {
    if (!tl) continue;
    let n = 0;
    for (const l of tl.lanes) n += l.intervals.length;
    const all = new Float64Array(n);
    const starts = new Float64Array(tl.lanes.length + 1);
    let o = 0;
    for (let i = 0; i < tl.lanes.length; i++) {
      const iv = tl.lanes[i].intervals;
      starts[i] = o;
      for (let k = 0; k < iv.length; k++) all[o++] = iv[k];
      (tl.lanes[i] as LaneData).intervals = [];
    }
    starts[tl.lanes.length] = o;
    const p = tl as TimelineData & Packed;
    p.packedIntervals = all;
    p.packedStarts = starts;
    transfer.push(all.buffer as ArrayBuffer, starts.buffer as ArrayBuffer);
  }
  return transfer;
}

/** The inverse of {@link packLaneIntervals} on the receiving side (in place). */
export function unpackLaneIntervals(timelines: Iterable<TimelineData | undefined>): void {
  for (const tl of timelines) {
    const p = tl as (TimelineData & Packed) | undefined;
    if (!p?.packedIntervals || !p.packedStarts) continue;
    const all = p.packedIntervals;
    const starts = p.packedStarts;
    for (let i = 0; i < p.lanes.length; i++) p.lanes[i].intervals = Array.from(all.subarray(starts[i], starts[i + 1]));
    delete p.packedIntervals;
    delete p.packedStarts;
  }
}
