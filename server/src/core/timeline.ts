/**
 * The one timeline model shared by simulated runs and imported traces (and, later, the webview).
 *
 * A timeline is a set of lanes (a pCPU, a VP, a vCPU thread, a host thread, a disk...), each a
 * sorted list of non-overlapping intervals `[startNs, endNs)` with a state and an optional cause.
 * Intervals are stored column-wise in growable typed arrays while being built, and serialised as
 * flat number arrays (`[start, end, state, cause, start, end, ...]`) so JSON stays compact.
 *
 * Times are integer nanoseconds held in doubles (exact up to 2^53 ns, about 104 days).
 */

export type LaneKind = 'pcpu' | 'vp' | 'vcpu' | 'thread' | 'task' | 'channel' | 'disk' | 'guest-thread' | 'other';

/** Serialised lane: what JSON output and the webview receive. */
export interface LaneData {
  /** Stable id, e.g. `host/pcpu:3`, `vm:web/vp:2`, `pid:1834`. */
  id: string;
  /** Human label, e.g. `VP 2`, `CPU 0/KVM (1834)`. */
  label: string;
  /** Group shown as one process in exports: `host`, `vm:web`, `pid:1833`... */
  group: string;
  /** What the lane shows (a physical CPU, a VP, a thread...). */
  kind: LaneKind;
  /** Flat `[startNs, endNs, stateIdx, causeIdx, ...]`; causeIdx is -1 when there is none. */
  intervals: number[];
}

export interface TimelineData {
  /** Start of the timeline, ns. */
  startNs: number;
  /** End of the timeline, ns. */
  endNs: number;
  /** State names; intervals refer to them by index (e.g. `running`, `runnable`, `vtl0`...). */
  states: string[];
  /** Cause / task labels; intervals refer to them by index. */
  causes: string[];
  /** One lane per CPU, VP, thread, task, channel or disk. */
  lanes: LaneData[];
  /**
   * Wake-ups with a known waker (imported traces), flat `[fromLane, toLane, startNs, endNs, ...]`
   * with lanes as indices into `lanes` (see {@link WakeSource}). For the Chrome export only:
   * {@link TimelineBuilder.build} makes it non-enumerable, so JSON documents, messages between
   * threads and structural comparisons leave it out.
   */
  wakes?: number[];
  /** OS ids of imported threads, flat `[laneIndex, tid, pid (-1 unknown), ...]`; non-enumerable like `wakes`. */
  osIds?: number[];
}

/**
 * Read access to a lane's intervals without materialising them as a number array: what writers
 * that stream (JSON, Chrome trace) need. A {@link LaneBuilder} is one; {@link laneSourceOf} wraps
 * a {@link LaneData}.
 */
export interface LaneSource {
  readonly id: string;
  readonly label: string;
  readonly group: string;
  readonly kind: LaneKind;
  /** Number of intervals. */
  readonly length: number;
  startAt(i: number): number;
  endAt(i: number): number;
  stateAt(i: number): number;
  /** Cause index, -1 when there is none. */
  causeAt(i: number): number;
  /**
   * Operating-system ids of the thread the lane shows, for imported traces (absent for CPUs and
   * simulated lanes): `tid` the thread, `pid` its process (thread group) when the trace tells it.
   */
  readonly tid?: number;
  readonly pid?: number;
}

/**
 * Wake-ups whose waker is known: wake-up `i` goes from lane `fromAt(i)` at `startAt(i)` (the waker
 * running the wake-up) to lane `toAt(i)` at `endAt(i)` (the wakee becoming runnable). Lanes are
 * indices into the timeline's `lanes`. Kept beside the lanes, in time order of `endAt`.
 */
export interface WakeSource {
  readonly length: number;
  fromAt(i: number): number;
  toAt(i: number): number;
  startAt(i: number): number;
  endAt(i: number): number;
}

/** A timeline whose lanes are {@link LaneSource}s: {@link TimelineData} before serialisation. */
export interface TimelineSource {
  startNs: number;
  endNs: number;
  states: readonly string[];
  causes: readonly string[];
  lanes: readonly LaneSource[];
  /** Wake-ups with their wakers, when the producer records them (imported traces). */
  wakes?: WakeSource;
}

/** A {@link LaneData} as a {@link LaneSource}. */
export function laneSourceOf(l: LaneData): LaneSource {
  const iv = l.intervals;
  return {
    id: l.id,
    label: l.label,
    group: l.group,
    kind: l.kind,
    length: iv.length >> 2,
    startAt: (i) => iv[i * 4],
    endAt: (i) => iv[i * 4 + 1],
    stateAt: (i) => iv[i * 4 + 2],
    causeAt: (i) => iv[i * 4 + 3],
  };
}

/** A {@link LaneSource} as a {@link LaneData} (its intervals as one number array): the inverse of {@link laneSourceOf}. */
export function laneDataOf(l: LaneSource): LaneData {
  const intervals = new Array<number>(l.length * 4);
  for (let i = 0; i < l.length; i++) {
    intervals[i * 4] = l.startAt(i);
    intervals[i * 4 + 1] = l.endAt(i);
    intervals[i * 4 + 2] = l.stateAt(i);
    intervals[i * 4 + 3] = l.causeAt(i);
  }
  return { id: l.id, label: l.label, group: l.group, kind: l.kind, intervals };
}

/** A {@link TimelineData} as a {@link TimelineSource}. */
export function timelineSourceOf(tl: TimelineData): TimelineSource {
  const lanes: LaneSource[] = tl.lanes.map(laneSourceOf);
  const ids = tl.osIds ?? [];
  for (let k = 0; k + 2 < ids.length; k += 3) {
    const l = lanes[ids[k]];
    if (l) lanes[ids[k]] = { ...l, tid: ids[k + 1], ...(ids[k + 2] >= 0 ? { pid: ids[k + 2] } : {}) };
  }
  const w = tl.wakes;
  const wakes: WakeSource | undefined = w && w.length >= 4
    ? { length: w.length >> 2, fromAt: (i) => w[i * 4], toAt: (i) => w[i * 4 + 1], startAt: (i) => w[i * 4 + 2], endAt: (i) => w[i * 4 + 3] }
    : undefined;
  return { startNs: tl.startNs, endNs: tl.endNs, states: tl.states, causes: tl.causes, lanes, ...(wakes ? { wakes } : {}) };
}

/** Intervals per full chunk of a long lane (see {@link LaneBuilder}). */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * `v - base` when that is a u32 from which `base + offset` gives `v` back exactly, else -1: the
 * test of the u32-offset encodings (compact lane chunks here, trace/columns.ts `TsColumn` and the
 * event table's timestamps).
 */
export function exactOffset(v: number, base: number): number {
  const d = v - base;
  return d >>> 0 === d && base + d === v ? d : -1;
}

/**
 * Intervals per start base in a compact chunk (see {@link compactChunk}): 64, so the starts of a
 * chunk stay u32 offsets unless 64 consecutive intervals of a lane span 4.3 s or more (0.125 bytes
 * an interval for the bases). With 1 Ki intervals per base, 62% of the lane chunks of the 300 MB
 * generated `.dat` (and 54% of the report's) spanned more in some group and kept f64 starts.
 */
const BASE_BITS = 6;

/**
 * A full chunk in its fixed-width form, 12 bytes an interval where that is exact: starts as u32
 * offsets from an f64 base per 64 intervals (`so`, `sb`), ends as u32 durations (`d`), state
 * and cause packed as `state | (cause + 1) << 8` (`p`). A part whose values do not all fit (a
 * fraction of a ns, a step of 2^32 ns or more, a state over 255, a cause over 2^23 - 2) keeps its
 * plain arrays (`sw`; `ew`; `t` and `c`), so every value reads back exactly. Used only for the
 * chunks that the variable-length form ({@link VarChunk}) cannot hold exactly.
 */
interface FixedChunk {
  v: null;
  so: Uint32Array | null;
  sb: Float64Array | null;
  sw: Float64Array | null;
  d: Uint32Array | null;
  ew: Float64Array | null;
  p: Int32Array | null;
  t: Int32Array | null;
  c: Int32Array | null;
}

/**
 * A full chunk in its variable-length form, about 4.3 bytes an interval on the shared traces'
 * lanes (98% of whose intervals start where the one before ended): per interval, LEB128 varints
 * of `pair * 2 + gapped` (`pair`: index of its (state, cause) in the chunk's `pairs`), of
 * `start - previous end` when `gapped`, and of `end - start`. The first interval of each group of
 * 64 starts at the group's `base` (f64) and is read from byte `at`; the others follow the one
 * before. Gaps and lengths must be whole ns from 0 to 2^53 and `previous end + gap` and
 * `start + length` must give the values back exactly; any other chunk is kept as a
 * {@link FixedChunk}.
 */
interface VarChunk {
  v: Uint8Array;
  base: Float64Array;
  at: Uint32Array;
  /** Flat `[state, cause, ...]`. */
  pairs: Int32Array;
}

type LaneChunk = FixedChunk | VarChunk;

/** Most distinct (state, cause) pairs a {@link VarChunk} takes (then the chunk is fixed-width). */
const MAX_PAIRS = 4096;
/** The longest varints an interval can take: pair (3 bytes), gap and length (8 each). */
let varScratch: Uint8Array | undefined;
let pairScratch: Int32Array | undefined;
let slotScratch: Int32Array | undefined;
const PAIR_SLOTS = 256;

/** Writes `x` (a whole number in [0, 2^53]) as a LEB128 varint at `p`, returns the end. */
function putVarint(b: Uint8Array, p: number, x: number): number {
  while (x >= 2147483648) {
    b[p++] = (x % 128) | 128;
    x = Math.floor(x / 128);
  }
  while (x >= 128) {
    b[p++] = (x & 127) | 128;
    x >>>= 7;
  }
  b[p++] = x;
  return p;
}

/** Whole number in [0, 2^53]. */
function isVarint(x: number): boolean {
  return x >= 0 && x <= 9007199254740992 && Math.floor(x) === x;
}

/** The byte after the varint that {@link readVarint} read last. */
let varEnd = 0;

/**
 * The LEB128 varint at `v[pos]` (a whole number up to 2^53); the position after it is left in
 * {@link varEnd}. Small enough for V8 to inline into the decoding loops.
 */
function readVarint(v: Uint8Array, pos: number): number {
  let b = v[pos++];
  let x = b & 127;
  if (b >= 128) {
    let m = 128;
    do {
      b = v[pos++];
      x += (b & 127) * m;
      m *= 128;
    } while (b >= 128);
  }
  varEnd = pos;
  return x;
}

/**
 * [0] start and [1] end of the interval {@link readInterval} read last (its bytes end at
 * {@link varEnd}); [1] is also the previous end it reads. A typed array, not two module-level
 * variables: a double stored in a variable of a closure or module is a new heap number per store
 * (two per interval: most of the garbage of `analyze --json`, see BENCHMARKS.md, tspeed11).
 */
const iv = new Float64Array(2);

/**
 * The interval of a variable-length chunk at `v[pos]` (key varint, gap varint when the key is odd,
 * length varint), the previous interval ending at `iv[1]`: its start and end go to `iv[0]` and
 * `iv[1]`, the position after it to {@link varEnd}; returns the key (`key >>> 1` is the
 * interval's state/cause pair). The previous end is not an argument: a double argument of a call
 * that is not inlined is boxed.
 */
function readInterval(v: Uint8Array, pos: number): number {
  const x = readVarint(v, pos);
  let start = iv[1];
  if (x & 1) start += readVarint(v, varEnd);
  iv[1] = start + readVarint(v, varEnd);
  iv[0] = start;
  return x;
}

/** The variable-length form of a full chunk's arrays, or null when it cannot hold them exactly. */
function varChunk(s: Float64Array, e: Float64Array, t: Int32Array, c: Int32Array): VarChunk | null {
  const n = s.length;
  const b = (varScratch ??= new Uint8Array(CHUNK * 19));
  const pairs = (pairScratch ??= new Int32Array(MAX_PAIRS * 2));
  // Pair lookup: a direct-mapped table of the chunk's pairs by a hash of (state, cause); a
  // collision falls back to a scan of the pairs.
  const slot = (slotScratch ??= new Int32Array(PAIR_SLOTS)).fill(-1);
  const base = new Float64Array(n >>> BASE_BITS);
  const at = new Uint32Array(n >>> BASE_BITS);
  let np = 0;
  let p = 0;
  let prevEnd = 0;
  for (let k = 0; k < n; k++) {
    const start = s[k], end = e[k], st = t[k], cs = c[k];
    const h = (st * 31 + cs) & (PAIR_SLOTS - 1);
    let pair = slot[h];
    if (pair < 0 || pairs[pair * 2] !== st || pairs[pair * 2 + 1] !== cs) {
      pair = -1;
      for (let q = 0; q < np; q++) {
        if (pairs[q * 2] === st && pairs[q * 2 + 1] === cs) {
          pair = q;
          break;
        }
      }
      if (pair < 0) {
        if (np === MAX_PAIRS) return null;
        pairs[np * 2] = st;
        pairs[np * 2 + 1] = cs;
        pair = np++;
      }
      slot[h] = pair;
    }
    let gap = 0;
    if ((k & ((1 << BASE_BITS) - 1)) === 0) {
      base[k >>> BASE_BITS] = start;
      at[k >>> BASE_BITS] = p;
    } else {
      gap = start - prevEnd;
      if ((gap >>> 0 !== gap && !isVarint(gap)) || prevEnd + gap !== start) return null;
    }
    const len = end - start;
    if ((len >>> 0 !== len && !isVarint(len)) || start + len !== end) return null;
    const code = pair * 2 + (gap !== 0 ? 1 : 0);
    if (code < 128) b[p++] = code;
    else p = putVarint(b, p, code);
    if (gap !== 0) p = putVarint(b, p, gap);
    if (len < 2097152) {
      // Up to three bytes (lengths below 2.1 ms), the usual case, inline.
      if (len >= 128) {
        if (len >= 16384) {
          b[p++] = (len & 127) | 128;
          b[p++] = ((len >>> 7) & 127) | 128;
          b[p++] = len >>> 14;
        } else {
          b[p++] = (len & 127) | 128;
          b[p++] = len >>> 7;
        }
      } else b[p++] = len;
    } else p = putVarint(b, p, len);
    prevEnd = end;
  }
  return { v: b.slice(0, p), base, at, pairs: pairs.slice(0, np * 2) };
}

/**
 * Decodes `count` intervals of a variable-length chunk from its interval `k0` into the arrays
 * from index `out` (the chunk's decoding as `LaneBuilder.seek` does it, in one loop).
 */
function decodeVar(ch: VarChunk, k0: number, count: number, s: Float64Array, e: Float64Array, st: Float64Array, cs: Float64Array, out: number): void {
  const v = ch.v;
  const pairs = ch.pairs;
  const k1 = k0 + count;
  let k = k0 & ~((1 << BASE_BITS) - 1);
  let pos = 0;
  for (; k < k1; k++) {
    if ((k & ((1 << BASE_BITS) - 1)) === 0) {
      pos = ch.at[k >>> BASE_BITS];
      iv[1] = ch.base[k >>> BASE_BITS];
    }
    const x = readInterval(v, pos);
    pos = varEnd;
    if (k >= k0) {
      const o = out + k - k0;
      const pr = x - (x & 1); // pair * 2
      s[o] = iv[0];
      e[o] = iv[1];
      st[o] = pairs[pr];
      cs[o] = pairs[pr + 1];
    }
  }
}

/** The compact form of a full chunk's arrays: variable-length where exact, else fixed-width (see {@link LaneChunk}). */
function compactChunk(s: Float64Array, e: Float64Array, t: Int32Array, c: Int32Array): LaneChunk {
  return varChunk(s, e, t, c) ?? fixedChunk(s, e, t, c);
}

/** The fixed-width form of a full chunk's arrays (see {@link FixedChunk}). */
function fixedChunk(s: Float64Array, e: Float64Array, t: Int32Array, c: Int32Array): FixedChunk {
  const n = s.length;
  let so: Uint32Array | null = new Uint32Array(n);
  let sb: Float64Array | null = new Float64Array(n >>> BASE_BITS);
  let d: Uint32Array | null = new Uint32Array(n);
  let p: Int32Array | null = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const start = s[k];
    if (so !== null && sb !== null) {
      if ((k & ((1 << BASE_BITS) - 1)) === 0) sb[k >>> BASE_BITS] = start;
      const o = exactOffset(start, sb[k >>> BASE_BITS]);
      if (o >= 0) so[k] = o;
      else so = sb = null;
    }
    if (d !== null) {
      const du = exactOffset(e[k], start);
      if (du >= 0) d[k] = du;
      else d = null;
    }
    if (p !== null) {
      const st = t[k], cs = c[k] + 1;
      if (st >>> 0 === st && st < 256 && cs >>> 0 === cs && cs < 1 << 23) p[k] = st | (cs << 8);
      else p = null;
    }
  }
  return {
    v: null,
    so, sb, sw: so === null ? s : null,
    d, ew: d === null ? e : null,
    p, t: p === null ? t : null, c: p === null ? c : null,
  };
}

function chunkStart(ch: FixedChunk, k: number): number {
  return ch.sw !== null ? ch.sw[k] : ch.sb![k >>> BASE_BITS] + ch.so![k];
}

/**
 * Builds one lane; appends must come in time order. Adjacent equal intervals are merged.
 * Full chunks are kept compact (12 bytes an interval where exact, see {@link LaneChunk}).
 *
 * Storage: the intervals of a short lane live in typed arrays that double as they fill; from
 * {@link CHUNK} intervals on, a lane grows by whole chunks of that size that are never copied
 * again. A lane of a million intervals thus holds at most one partly used chunk (not up to half
 * its size unused), and growing it never holds the old and the new arrays at once (which made the
 * peak memory of `analyze --json` about three times the timeline at the moment of a doubling).
 */
export class LaneBuilder {
  private starts: Float64Array;
  private ends: Float64Array;
  private st: Int32Array;
  private cs: Int32Array;
  /** Full chunks before the current arrays, CHUNK intervals each. */
  private readonly full: LaneChunk[] = [];
  /** Intervals in {@link full}. */
  private base = 0;
  length = 0;
  /** OS thread and process ids (imported traces), see {@link LaneSource}. */
  tid?: number;
  pid?: number;
  /** Index in its {@link TimelineBuilder}'s lanes (-1: not made by one). */
  index = -1;

  constructor(
    readonly id: string,
    /** Label, group and kind may be set after the lane is filled (a trace reconstructed while read names its lanes at the end). */
    public label: string,
    public group: string,
    public kind: LaneKind,
    capacity = 64,
  ) {
    capacity = Math.min(Math.max(0, capacity), CHUNK);
    this.starts = new Float64Array(capacity);
    this.ends = new Float64Array(capacity);
    this.st = new Int32Array(capacity);
    this.cs = new Int32Array(capacity);
  }

  /**
   * Adds `[startNs, endNs)` in `state` (index), caused by `cause` (index or -1). Kept small, the
   * rare growth in {@link makeRoom}, so that V8 inlines it into the reconstruction's loops: a call
   * that is not inlined boxes its two double arguments (two heap numbers per interval, see
   * BENCHMARKS.md, tspeed11).
   */
  push(startNs: number, endNs: number, state: number, cause = -1): void {
    if (endNs <= startNs) return;
    let n = this.length - this.base;
    if (n > 0 && this.st[n - 1] === state && this.cs[n - 1] === cause && this.ends[n - 1] === startNs) {
      this.ends[n - 1] = endNs;
      return;
    }
    if (n === this.starts.length) n = this.makeRoom();
    this.starts[n] = startNs;
    this.ends[n] = endNs;
    this.st[n] = state;
    this.cs[n] = cause;
    this.length++;
  }

  /** Room for one more interval in the current arrays (full: grown, or kept as a chunk); its index there. */
  private makeRoom(): number {
    const n = this.length - this.base;
    if (n < CHUNK) {
      this.grow();
      return n;
    }
    const ch = compactChunk(this.starts, this.ends, this.st, this.cs);
    this.full.push(ch);
    this.base += CHUNK;
    // The arrays the compact chunk does not keep are filled again (no garbage per chunk).
    if (ch.v === null) {
      if (ch.sw !== null) this.starts = new Float64Array(CHUNK);
      if (ch.ew !== null) this.ends = new Float64Array(CHUNK);
      if (ch.p === null) {
        this.st = new Int32Array(CHUNK);
        this.cs = new Int32Array(CHUNK);
      }
    }
    return 0;
  }

  startAt(i: number): number {
    if (i >= this.base) return this.starts[i - this.base];
    const ch = this.full[i >>> CHUNK_BITS];
    if (ch.v !== null) return this.seek(ch, i).curStart;
    return chunkStart(ch, i & CHUNK_MASK);
  }
  endAt(i: number): number {
    if (i >= this.base) return this.ends[i - this.base];
    const ch = this.full[i >>> CHUNK_BITS];
    if (ch.v !== null) return this.seek(ch, i).curEnd;
    const k = i & CHUNK_MASK;
    return ch.ew !== null ? ch.ew[k] : chunkStart(ch, k) + ch.d![k];
  }
  stateAt(i: number): number {
    if (i >= this.base) return this.st[i - this.base];
    const ch = this.full[i >>> CHUNK_BITS];
    if (ch.v !== null) return this.seek(ch, i).curState;
    return ch.p !== null ? ch.p[i & CHUNK_MASK] & 255 : ch.t![i & CHUNK_MASK];
  }
  causeAt(i: number): number {
    if (i >= this.base) return this.cs[i - this.base];
    const ch = this.full[i >>> CHUNK_BITS];
    if (ch.v !== null) return this.seek(ch, i).curCause;
    return ch.p !== null ? (ch.p[i & CHUNK_MASK] >> 8) - 1 : ch.c![i & CHUNK_MASK];
  }

  // The interval of a variable-length chunk last read (see seek): readers go mostly in order,
  // four reads an interval, so each interval is decoded once.
  private curI = -1;
  private curStart = 0;
  private curEnd = 0;
  private curState = 0;
  private curCause = 0;
  /** Byte after the interval {@link curI} in its chunk's varints. */
  private curPos = 0;

  /**
   * Decodes interval `i` (in the variable-length chunk `ch`) into the cur* fields: from the one
   * before when that was the last read and in the same group of 64, else from its group's start.
   */
  private seek(ch: VarChunk, i: number): this {
    if (i === this.curI) return this;
    const k = i & CHUNK_MASK;
    const v = ch.v;
    let pos: number;
    let j: number;
    if (i === this.curI + 1 && (k & ((1 << BASE_BITS) - 1)) !== 0) {
      pos = this.curPos;
      iv[1] = this.curEnd;
      j = k;
    } else {
      const g = k >>> BASE_BITS;
      pos = ch.at[g];
      iv[1] = ch.base[g]; // the group's first interval has no gap: it starts here
      j = g << BASE_BITS;
    }
    let pair = 0;
    for (; j <= k; j++) {
      pair = readInterval(v, pos) >>> 1;
      pos = varEnd;
    }
    this.curI = i;
    this.curStart = iv[0];
    this.curEnd = iv[1];
    this.curState = ch.pairs[pair * 2];
    this.curCause = ch.pairs[pair * 2 + 1];
    this.curPos = pos;
    return this;
  }

  /**
   * Intervals `[from, to)` into `s`, `e`, `st`, `cs` from index 0 (what `startAt`... give): for
   * writers that go through a lane in order, a variable-length chunk decoded in one loop.
   */
  readInto(from: number, to: number, s: Float64Array, e: Float64Array, st: Float64Array, cs: Float64Array): void {
    let i = from;
    while (i < to && i < this.base) {
      const ch = this.full[i >>> CHUNK_BITS];
      const stop = Math.min(to, ((i >>> CHUNK_BITS) + 1) << CHUNK_BITS);
      if (ch.v !== null) {
        decodeVar(ch, i & CHUNK_MASK, stop - i, s, e, st, cs, i - from);
        i = stop;
      } else {
        for (; i < stop; i++) {
          s[i - from] = this.startAt(i);
          e[i - from] = this.endAt(i);
          st[i - from] = this.stateAt(i);
          cs[i - from] = this.causeAt(i);
        }
      }
    }
    for (; i < to; i++) {
      const k = i - this.base;
      s[i - from] = this.starts[k];
      e[i - from] = this.ends[k];
      st[i - from] = this.st[k];
      cs[i - from] = this.cs[k];
    }
  }

  /** Bytes held by the intervals: the full chunks in their compact forms and the current arrays. */
  get byteLength(): number {
    let n = this.starts.byteLength + this.ends.byteLength + this.st.byteLength + this.cs.byteLength;
    for (const ch of this.full) {
      if (ch.v !== null) n += ch.v.byteLength + ch.base.byteLength + ch.at.byteLength + ch.pairs.byteLength;
      else for (const a of [ch.so, ch.sb, ch.sw, ch.d, ch.ew, ch.p, ch.t, ch.c]) n += a?.byteLength ?? 0;
    }
    return n;
  }

  /** Doubles the current arrays (up to one chunk). */
  private grow(): void {
    const cap = Math.min(Math.max(this.starts.length * 2, 64), CHUNK);
    const s = new Float64Array(cap); s.set(this.starts); this.starts = s;
    const e = new Float64Array(cap); e.set(this.ends); this.ends = e;
    const t = new Int32Array(cap); t.set(this.st); this.st = t;
    const c = new Int32Array(cap); c.set(this.cs); this.cs = c;
  }

  toData(): LaneData {
    return laneDataOf(this);
  }
}

/** Interns strings to small indices (state and cause tables). */
export class Interner {
  readonly values: string[] = [];
  private readonly map = new Map<string, number>();
  constructor(initial: readonly string[] = []) {
    for (const v of initial) this.id(v);
  }
  id(v: string): number {
    let i = this.map.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.map.set(v, i);
    }
    return i;
  }
  /**
   * Gives index `i` the value `v` instead of its own (a value interned under a stand-in, named
   * later). False, and nothing changed, when `v` is already another index's value.
   */
  rename(i: number, v: string): boolean {
    const old = this.values[i];
    if (old === undefined) return false;
    if (old === v) return true;
    if (this.map.has(v)) return false;
    this.map.delete(old);
    this.map.set(v, i);
    this.values[i] = v;
    return true;
  }
}

/** A growable {@link WakeSource}. */
export class WakeLog implements WakeSource {
  length = 0;
  private from = new Int32Array(64);
  private to = new Int32Array(64);
  private start = new Float64Array(64);
  private end = new Float64Array(64);

  push(from: number, to: number, startNs: number, endNs: number): void {
    const n = this.length;
    if (n === this.from.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as { new (n: number): T })(a.length * 2);
        b.set(a);
        return b;
      };
      this.from = grow(this.from);
      this.to = grow(this.to);
      this.start = grow(this.start);
      this.end = grow(this.end);
    }
    this.from[n] = from;
    this.to[n] = to;
    this.start[n] = startNs;
    this.end[n] = endNs;
    this.length = n + 1;
  }

  fromAt(i: number): number { return this.from[i]; }
  toAt(i: number): number { return this.to[i]; }
  startAt(i: number): number { return this.start[i]; }
  endAt(i: number): number { return this.end[i]; }
}

/** Collects lanes plus the shared state/cause tables into a {@link TimelineData}. */
export class TimelineBuilder {
  readonly states: Interner;
  readonly causes = new Interner();
  readonly lanes: LaneBuilder[] = [];
  private readonly byId = new Map<string, LaneBuilder>();
  /** Wake-ups with a known waker (see {@link wake}). */
  readonly wakes = new WakeLog();

  constructor(states: readonly string[] = []) {
    this.states = new Interner(states);
  }

  lane(id: string, label: string, group: string, kind: LaneKind): LaneBuilder {
    let l = this.byId.get(id);
    if (!l) {
      l = new LaneBuilder(id, label, group, kind);
      this.byId.set(id, l);
      l.index = this.lanes.length;
      this.lanes.push(l);
    }
    return l;
  }

  /**
   * Puts the lanes in the order `order` (each lane of this builder once) and renumbers them.
   * Only before any wake-up is recorded (those refer to lanes by index).
   */
  reorder(order: readonly LaneBuilder[]): void {
    if (this.wakes.length > 0) throw new Error('TimelineBuilder.reorder: wake-ups already recorded');
    if (order.length !== this.lanes.length) throw new Error('TimelineBuilder.reorder: not a permutation of the lanes');
    const seen = new Set<LaneBuilder>();
    for (const l of order) {
      if (this.byId.get(l.id) !== l || seen.has(l)) throw new Error('TimelineBuilder.reorder: not a permutation of the lanes');
      seen.add(l);
    }
    order.forEach((l, i) => {
      this.lanes[i] = l;
      l.index = i;
    });
  }

  /**
   * Records a wake-up: `from` (the waker's lane) at `startNs` woke the thread of lane `to`, which
   * became runnable at `endNs`. Lanes not made by this builder are ignored.
   */
  wake(from: LaneBuilder, to: LaneBuilder, startNs: number, endNs: number): void {
    const f = from.index;
    const t = to.index;
    if (f < 0 || t < 0 || this.lanes[f] !== from || this.lanes[t] !== to || f === t || endNs < startNs) return;
    this.wakes.push(f, t, startNs, endNs);
  }

  /**
   * The timeline as it is, without copying: lanes stay in their typed arrays. What {@link build}
   * would return, for writers that stream it lane by lane instead of materialising number arrays.
   */
  source(startNs: number, endNs: number): TimelineSource {
    return { startNs, endNs, states: this.states.values, causes: this.causes.values, lanes: this.lanes, ...(this.wakes.length ? { wakes: this.wakes } : {}) };
  }

  build(startNs: number, endNs: number): TimelineData {
    const data: TimelineData = {
      startNs,
      endNs,
      states: this.states.values.slice(),
      causes: this.causes.values.slice(),
      lanes: this.lanes.map((l) => l.toData()),
    };
    const osIds: number[] = [];
    this.lanes.forEach((l, i) => {
      if (l.tid !== undefined) osIds.push(i, l.tid, l.pid ?? -1);
    });
    const hidden = (key: 'wakes' | 'osIds', value: number[]): void => {
      Object.defineProperty(data, key, { value, enumerable: false, writable: true, configurable: true });
    };
    if (osIds.length) hidden('osIds', osIds);
    const w = this.wakes;
    if (w.length) {
      const flat = new Array<number>(w.length * 4);
      for (let i = 0; i < w.length; i++) {
        flat[i * 4] = w.fromAt(i);
        flat[i * 4 + 1] = w.toAt(i);
        flat[i * 4 + 2] = w.startAt(i);
        flat[i * 4 + 3] = w.endAt(i);
      }
      hidden('wakes', flat);
    }
    return data;
  }
}
