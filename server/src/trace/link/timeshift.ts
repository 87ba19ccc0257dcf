/**
 * trace-cmd's guest/host time synchronisation data: the TIME_SHIFT option (id 12) a guest `.dat`
 * carries when it was recorded with `trace-cmd record ... -A guest` and time sync. Layout as
 * trace-cmd's reader documents it (lib/trace-cmd/trace-input.c, handle_options): u64 peer (host)
 * trace id, u32 protocol flags, u32 CPU count, then per CPU: u32 count, count x i64 times (when
 * each offset was measured), count x i64 offsets, count x i64 scaling ratios; then, in newer
 * files, per CPU count x i64 scaling fraction bits. trace-cmd's reader adds the offset (linearly
 * interpolated between samples) to the guest's raw timestamps to put them on the host clock.
 * Pure.
 */

export interface TimeShiftCpu {
  times: number[];
  offsets: number[];
  scalings: number[];
}

export interface TimeShiftData {
  /** Host trace id, hex. */
  peer: string;
  flags: number;
  cpus: TimeShiftCpu[];
}

const MAX_SAMPLES = 1 << 20;

/** Parses the option's bytes; undefined when they do not hold the layout above. */
export function parseTimeShift(d: Uint8Array, little: boolean): TimeShiftData | undefined {
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  let o = 0;
  const need = (n: number): boolean => o + n <= d.length;
  const u32 = (): number => {
    const v = dv.getUint32(o, little);
    o += 4;
    return v;
  };
  const i64 = (): number => {
    const v = Number(dv.getBigInt64(o, little));
    o += 8;
    return v;
  };
  if (!need(16)) return undefined;
  const peer = dv.getBigUint64(0, little).toString(16);
  o = 8;
  const flags = u32();
  const n = u32();
  if (n > 8192) return undefined;
  const cpus: TimeShiftCpu[] = [];
  for (let c = 0; c < n; c++) {
    if (!need(4)) return undefined;
    const k = u32();
    if (k > MAX_SAMPLES || !need(24 * k)) return undefined;
    const times: number[] = [];
    const offsets: number[] = [];
    const scalings: number[] = [];
    for (let i = 0; i < k; i++) times.push(i64());
    for (let i = 0; i < k; i++) offsets.push(i64());
    for (let i = 0; i < k; i++) scalings.push(i64());
    cpus.push({ times, offsets, scalings });
  }
  return { peer, flags, cpus };
}

/** What the link needs, in ns: the first offset, how much the offsets vary, and the sample count. */
export function timeShiftSummary(t: TimeShiftData, nsPerUnit = 1): { offsetNs: number; driftNs: number; samples: number; cpus: number; peer: string } | undefined {
  const all = t.cpus.flatMap((c) => c.offsets);
  const first = t.cpus.find((c) => c.offsets.length > 0);
  if (!first) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of all) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return { offsetNs: Math.round(first.offsets[0] * nsPerUnit), driftNs: Math.round((hi - lo) * nsPerUnit), samples: all.length, cpus: t.cpus.length, peer: t.peer };
}
