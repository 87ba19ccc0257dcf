/**
 * Per-thread and per-CPU state of the scheduling reconstruction, and the accumulators the
 * analysis reads afterwards. Times are integer ns.
 */
import { GrowableF64 } from '../columns';
import type { LaneBuilder } from '../../core/timeline';

export const enum St {
  Unknown = 0,
  Running = 1,
  Runnable = 2,
  Sleeping = 3,
  Blocked = 4,
  Dead = 5,
}

export const enum WaitKind {
  None = 0,
  /** Switched out while runnable (`R` / `R+`). */
  Preempted = 1,
  /** Woken (sched_wakeup / sched_wakeup_new) and waiting to run. */
  Woken = 2,
}

/** Timeline state names; indices are fixed so the hot loop can use numbers. */
export const STATE_NAMES = ['running', 'runnable', 'sleeping', 'blocked', 'idle', 'unknown', 'inferred', 'guest', 'host'] as const;
export const enum LaneState {
  Running = 0,
  Runnable = 1,
  Sleeping = 2,
  Blocked = 3,
  Idle = 4,
  Unknown = 5,
  /** Running, but only by inference: between an inferred switch-in and the first event proving it. */
  Inferred = 6,
  Guest = 7,
  Host = 8,
}

/** One long wait or residence kept as an example for findings. */
export interface Stretch {
  startNs: number;
  durationNs: number;
  /** Who held the CPU longest during it (comm (tid)), or pending wakers for residences. */
  who: string;
  cpu: number;
}

export class ThreadSched {
  state = St.Unknown;
  since = 0;
  /** CPU it runs on, or waits on while runnable; -1 unknown. */
  cpu = -1;
  waitKind = WaitKind.None;
  /** Start of the part of the current wait not yet attributed to a thief. */
  attribSince = 0;
  lastRunCpu = -1;
  /** A sched_migrate_task was seen since it last ran (so a CPU change is not counted twice). */
  migratedSinceRun = false;
  /** Last sched_waking time not yet followed by a wakeup. */
  wakingTs = -1;
  /** Thread index of the task that ran that sched_waking (the waker), or -1 (idle). */
  wakingBy = -1;
  /** Last time the thread was observed (as current, or switched out). */
  lastSeen = -Infinity;

  runningNs = 0;
  runnableNs = 0;
  preemptedWaitNs = 0;
  wokenWaitNs = 0;
  sleepingNs = 0;
  blockedNs = 0;
  inferredRunningNs = 0;

  switchIns = 0;
  preemptions = 0;
  voluntary = 0;
  migrations = 0;
  wakeups = 0;
  inferredSwitchIns = 0;
  missingWakeups = 0;
  readonly wakeLatency = new GrowableF64();

  /** Stolen ns by thread (who ran on its CPU while it waited). Key: thread index, -1 idle, -2 unknown. */
  readonly stolenBy = new NumCounts();
  /** Preemptions by the thread that was switched in (counted in runs: see {@link RunCounts}). */
  readonly preemptedByRuns = new RunCounts<number>();
  get preemptedBy(): Map<number, number> {
    return this.preemptedByRuns.counts;
  }
  /** Stolen ns during the current wait only (a handful of thieves: no hash table per wait). */
  readonly stretchStolen = new SmallCounts();
  stretchCount = 0;
  stretchNs = 0;
  stretchMaxNs = 0;
  readonly stretches: Stretch[] = [];
  wakeOutliers = 0;
  readonly wakeExamples: Stretch[] = [];

  /**
   * kvm_exit by reason, kvm_userspace_exit by reason, kvm_pio by direction and port, counted in
   * runs of one key (kvm.ts adds to the runs; the maps are read once the runs are added up).
   */
  readonly exitRuns = new RunCounts<string>();
  readonly userspaceExitRuns = new RunCounts<string>();
  readonly pioRuns = new RunCounts<string>();
  get exits(): Map<string, number> {
    return this.exitRuns.counts;
  }
  get userspaceExits(): Map<string, number> {
    return this.userspaceExitRuns.counts;
  }
  get pio(): Map<string, number> {
    return this.pioRuns.counts;
  }
  readonly mmio = new Map<string, number>();
  hypercalls = 0;
  /**
   * Exit counts per reason per 100 ms bucket (bucket index -> count), for exit-storm detection.
   * Sparse: only buckets holding exits exist, so a far-off timestamp costs one entry, not a walk
   * over every bucket of the span.
   */
  readonly exitBuckets = new Map<string, Map<number, number>>();
  lastEntry = -1;
  lastExit = -1;
  /** Time of a traced port access not yet matched by a user-space exit, -1 when none (kvm.ts). */
  pendingPioAt = -1;
  /** Listed in the KvmTracker's threads with port accesses. */
  pioListed = false;
  guestNs = 0;
  hostNs = 0;
  residenceCount = 0;
  readonly residence = new GrowableF64();
  longResidences = 0;
  readonly residenceExamples: Stretch[] = [];

  lane: LaneBuilder | undefined;

  /**
   * Exits of the current 100 ms bucket not yet added to `exitBuckets` (kvm.ts): the reason
   * (undefined when none), its bucket index and count. Consecutive exits of a thread share
   * them, so the two map updates happen once per bucket and reason rather than once per exit.
   */
  bucketReason: string | undefined = undefined;
  bucketIndex = 0;
  bucketCount = 0;

  constructor(
    readonly index: number,
    readonly src: number,
    readonly tid: number,
    /** A vCPU thread (identify.ts; set at the end by a deferred reconstruction). */
    public vcpu = false,
  ) {}
}

/**
 * Sums by integer key, iterated like a `Map<number, number>` (`[key, sum]` in first-insertion
 * order). The sums live in a typed array and the map holds slot numbers: a Map whose values are
 * large doubles (ns) allocates a heap number on every update, which on a 200 MB trace was a
 * minor GC every few milliseconds.
 */
export class NumCounts {
  private readonly slot = new Map<number, number>();
  private keys: number[] = [];
  private sums = new Float64Array(4);

  get size(): number {
    return this.keys.length;
  }

  /** The slot of the last key added (-1: none): a CPU's waiter is often robbed by one thief. */
  private lastKey = 0;
  private lastSlot = -1;

  add(key: number, v: number): void {
    if (key === this.lastKey && this.lastSlot >= 0) {
      this.sums[this.lastSlot] += v;
      return;
    }
    const i = this.slot.get(key);
    if (i !== undefined) {
      this.lastKey = key;
      this.lastSlot = i;
      this.sums[i] += v;
      return;
    }
    const n = this.keys.length;
    this.lastKey = key;
    this.lastSlot = n;
    if (n === this.sums.length) {
      const g = new Float64Array(n * 2);
      g.set(this.sums);
      this.sums = g;
    }
    this.slot.set(key, n);
    this.keys.push(key);
    this.sums[n] = v;
  }

  get(key: number): number | undefined {
    const i = this.slot.get(key);
    return i === undefined ? undefined : this.sums[i];
  }

  *[Symbol.iterator](): IterableIterator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i], this.sums[i]];
  }
}

/**
 * Counts by key, read as a `Map` in first-insertion order ({@link counts}), added one at a time
 * in runs: the current key and its count are kept aside and added to the map when another key
 * comes (or when the map is read). A vCPU thread's exits, user-space exits and port accesses
 * repeat one key many times in a row (`KVM_EXIT_IO`, `out 0x80`), so the map is updated once per
 * run instead of a lookup and a store per event. The map is the same: a key enters it when its
 * first run ends, and runs end in the order they started, so keys keep their first-seen order.
 */
export class RunCounts<K> {
  private readonly map = new Map<K, number>();
  private key: K | undefined = undefined;
  private n = 0;

  add(key: K): void {
    if (this.n !== 0 && key === this.key) {
      this.n++;
      return;
    }
    this.flush();
    this.key = key;
    this.n = 1;
  }

  /** The counts so far (the current run included). */
  get counts(): Map<K, number> {
    this.flush();
    return this.map;
  }

  private flush(): void {
    if (this.n === 0) return;
    const k = this.key as K;
    this.map.set(k, (this.map.get(k) ?? 0) + this.n);
    this.key = undefined;
    this.n = 0;
  }
}

/**
 * Counts by small-integer key in first-insertion order, like a `Map<number, number>`, for the
 * few keys of one wait: a linear scan, and `clear` allocates nothing.
 */
export class SmallCounts {
  private keys: number[] = [];
  private vals: number[] = [];
  size = 0;

  add(key: number, v: number): void {
    const ks = this.keys;
    const n = this.size;
    for (let i = 0; i < n; i++) {
      if (ks[i] === key) {
        this.vals[i] += v;
        return;
      }
    }
    ks[n] = key;
    this.vals[n] = v;
    this.size = n + 1;
  }

  clear(): void {
    this.size = 0;
  }

  /** The key with the largest count, the first inserted among equals; `none` when empty. */
  top(none: number): number {
    let best = none;
    let bestV = -1;
    for (let i = 0; i < this.size; i++) {
      if (this.vals[i] > bestV) {
        best = this.keys[i];
        bestV = this.vals[i];
      }
    }
    return best;
  }
}

export class CpuSched {
  /** Thread index of the current task, -1 for idle (pid 0), -2 unknown (no event yet). */
  cur = -2;
  segStart = 0;
  lastTs = -Infinity;
  /** Threads waiting (runnable) on this CPU. */
  readonly waiters: ThreadSched[] = [];
  busyNs = 0;
  idleNs = 0;
  inferredNs = 0;
  switches = 0;
  /** Busy ns by thread index. */
  readonly byThread = new NumCounts();
  lane: LaneBuilder | undefined;

  constructor(
    readonly src: number,
    readonly cpu: number,
  ) {}
}

/** Whether {@link keepLongest} would keep a stretch of `durationNs` (build it only then). */
export function wouldKeep(list: Stretch[], durationNs: number, k: number): boolean {
  return k > 0 && !(list.length === k && list[k - 1].durationNs >= durationNs);
}

/** Keeps the `k` longest stretches (small k: insertion into a short sorted array). */
export function keepLongest(list: Stretch[], s: Stretch, k: number): void {
  if (k <= 0) return;
  if (list.length === k && list[k - 1].durationNs >= s.durationNs) return;
  let i = list.length;
  while (i > 0 && list[i - 1].durationNs < s.durationNs) i--;
  list.splice(i, 0, s);
  if (list.length > k) list.pop();
}
