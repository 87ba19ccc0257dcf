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
}

/** A timeline whose lanes are {@link LaneSource}s: {@link TimelineData} before serialisation. */
export interface TimelineSource {
  startNs: number;
  endNs: number;
  states: readonly string[];
  causes: readonly string[];
  lanes: readonly LaneSource[];
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

/** A {@link TimelineData} as a {@link TimelineSource}. */
export function timelineSourceOf(tl: TimelineData): TimelineSource {
  return { startNs: tl.startNs, endNs: tl.endNs, states: tl.states, causes: tl.causes, lanes: tl.lanes.map(laneSourceOf) };
}

/** Builds one lane; appends must come in time order. Adjacent equal intervals are merged. */
export class LaneBuilder {
  private starts: Float64Array;
  private ends: Float64Array;
  private st: Int32Array;
  private cs: Int32Array;
  length = 0;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly group: string,
    readonly kind: LaneKind,
    capacity = 64,
  ) {
    this.starts = new Float64Array(capacity);
    this.ends = new Float64Array(capacity);
    this.st = new Int32Array(capacity);
    this.cs = new Int32Array(capacity);
  }

  /** Adds `[startNs, endNs)` in `state` (index), caused by `cause` (index or -1). */
  push(startNs: number, endNs: number, state: number, cause = -1): void {
    if (endNs <= startNs) return;
    const n = this.length;
    if (n > 0 && this.st[n - 1] === state && this.cs[n - 1] === cause && this.ends[n - 1] === startNs) {
      this.ends[n - 1] = endNs;
      return;
    }
    if (n === this.starts.length) this.grow();
    this.starts[n] = startNs;
    this.ends[n] = endNs;
    this.st[n] = state;
    this.cs[n] = cause;
    this.length = n + 1;
  }

  startAt(i: number): number { return this.starts[i]; }
  endAt(i: number): number { return this.ends[i]; }
  stateAt(i: number): number { return this.st[i]; }
  causeAt(i: number): number { return this.cs[i]; }

  private grow(): void {
    const cap = this.starts.length * 2;
    const s = new Float64Array(cap); s.set(this.starts); this.starts = s;
    const e = new Float64Array(cap); e.set(this.ends); this.ends = e;
    const t = new Int32Array(cap); t.set(this.st); this.st = t;
    const c = new Int32Array(cap); c.set(this.cs); this.cs = c;
  }

  toData(): LaneData {
    const intervals = new Array<number>(this.length * 4);
    for (let i = 0; i < this.length; i++) {
      intervals[i * 4] = this.starts[i];
      intervals[i * 4 + 1] = this.ends[i];
      intervals[i * 4 + 2] = this.st[i];
      intervals[i * 4 + 3] = this.cs[i];
    }
    return { id: this.id, label: this.label, group: this.group, kind: this.kind, intervals };
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
}

/** Collects lanes plus the shared state/cause tables into a {@link TimelineData}. */
export class TimelineBuilder {
  readonly states: Interner;
  readonly causes = new Interner();
  readonly lanes: LaneBuilder[] = [];
  private readonly byId = new Map<string, LaneBuilder>();

  constructor(states: readonly string[] = []) {
    this.states = new Interner(states);
  }

  lane(id: string, label: string, group: string, kind: LaneKind): LaneBuilder {
    let l = this.byId.get(id);
    if (!l) {
      l = new LaneBuilder(id, label, group, kind);
      this.byId.set(id, l);
      this.lanes.push(l);
    }
    return l;
  }

  /**
   * The timeline as it is, without copying: lanes stay in their typed arrays. What {@link build}
   * would return, for writers that stream it lane by lane instead of materialising number arrays.
   */
  source(startNs: number, endNs: number): TimelineSource {
    return { startNs, endNs, states: this.states.values, causes: this.causes.values, lanes: this.lanes };
  }

  build(startNs: number, endNs: number): TimelineData {
    return {
      startNs,
      endNs,
      states: this.states.values.slice(),
      causes: this.causes.values.slice(),
      lanes: this.lanes.map((l) => l.toData()),
    };
  }
}
