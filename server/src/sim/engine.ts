/**
 * The discrete-event engine: one priority queue of events over typed arrays, ordered by
 * (time, priority, insertion sequence), and a loop that dispatches them to handlers.
 *
 * Design (speed first, see docs/sim.md "Engine"):
 * - Time is integer nanoseconds held in a double (exact up to 2^53 ns, about 104 days).
 * - An event is four numbers in typed arrays (time and order key interleaved in one Float64Array,
 *   target and payload in one Int32Array, so one entry is two cache lines at most): no object and
 *   no closure is allocated per event. The queue is a binary heap with hole sifting, so push and
 *   pop are O(log n) moves of four numbers.
 * - Events scheduled for the current time (context switches, kicks, zero-length work: about a
 *   quarter of all events in the storage benchmarks) go to a FIFO instead of the heap. Its entries
 *   share one time and are in key order, so dispatching the smaller of its head and the heap's
 *   top keeps the exact (time, key) order.
 * - Order key = priority * 2^40 + sequence. The sequence is a counter bumped on every push/arm, so
 *   events at the same time and priority run in the order they were scheduled (the anesask
 *   discrete-sim lesson in style.md: never compare ids as strings).
 * - Handlers are registered once (`register`, or `registerFn` for a plain function) and addressed
 *   by a small integer. An event carries a handler id and an integer argument; the handler decides
 *   what the argument means (a thread index, a VP, a token...). Handlers carry labels, and
 *   `wrapHandlers` lets a benchmark count and time each one (test/bench/sim.bench.ts --profile).
 * - Timers are cancellable events: a timer slot holds (handler, arg) and at most one live fire
 *   time. Cancellation and re-arming are generation counters (a stale heap entry is dropped when
 *   popped). Re-arming a timer *later* than its queued entry pushes nothing: the early entry is
 *   re-queued at the new time when it surfaces, keeping the key of the `arm` call so tie order is
 *   still the order of `arm` calls. This keeps slice timers, which are re-armed at every context
 *   switch, from flooding the heap. A timer's fields are one record of a Float64Array (one or two
 *   cache lines per arm or fire, however many timers there are).
 * - The core reads no clock: wall budgets and cancellation come in through `shouldStop`, which the
 *   loop polls every `checkEvery` events.
 */

/** Integer nanoseconds. */
export type Ns = number;

/** Receives engine events. `arg` is the integer given when the event was scheduled. */
export interface EventHandler {
  onEvent(arg: number, now: Ns): void;
}

/**
 * A readable name for a handler, for profiles (`Engine.handlerLabel`): its class name, or for a
 * plain object the source text of its `onEvent` (e.g. `(v, now) => this.onVcpuTimer(v, now)`).
 */
export function handlerLabel(h: EventHandler): string {
  const c = (h as { constructor?: { name?: string } }).constructor?.name;
  if (c && c !== 'Object') return c;
  const src = String(h.onEvent).replace(/\s+/g, ' ');
  return src.length > 80 ? src.slice(0, 77) + '...' : src;
}

/** Why a run stopped. */
export type StopReason = 'completed' | 'max_events' | 'wall_limit' | 'cancelled' | 'timeline_limit';

export interface RunLimits {
  /** Stop once this many events have been dispatched in total (across `run` calls). */
  maxEvents?: number;
  /**
   * Polled between batches of events: return a reason (or `true`, meaning `cancelled`) to stop.
   * The shell implements the wall budget and cancellation here; the core never reads a clock.
   */
  shouldStop?: () => boolean | 'wall_limit' | 'cancelled' | 'timeline_limit' | undefined;
  /** Called between batches with the simulated time reached so far. */
  onProgress?: (now: Ns) => void;
  /**
   * Batch size between `shouldStop`/`onProgress` polls. Default 4096. A function is asked after
   * each poll for the next batch (the shell adapts it to its clock; the core reads none).
   */
  checkEvery?: number | (() => number);
}

const PRIO_SHIFT = 2 ** 40;
/** Largest priority accepted by `post`/`arm` (keys stay exact doubles). */
export const MAX_PRIORITY = 7;

// Calendar geometry: windows hold a few events each; buckets about two per far entry.
const CAL_MIN_BUCKETS = 256;
const CAL_MAX_BUCKETS = 1 << 20;
const CAL_MIN_PER_WINDOW = 2;
const CAL_MAX_PER_WINDOW = 16;
const CAL_MAX_WIDTH = 2 ** 40;
/** Windows between two adaptations. */
const CAL_ADAPT_WINDOWS = 256;

// Timer record layout (doubles, `tm`): fire time (-1 not armed), key of the last arm, time of the
// live queued entry (-1 none), generation. Handler and argument are in `tmHA` (read when it fires).
const TM = 4;
const TM_DUE = 0;
const TM_KEY = 1;
const TM_Q = 2;
const TM_GEN = 3;

export class Engine {
  /** Current simulated time (time of the event being dispatched, or where the last run stopped). */
  now: Ns = 0;
  /** Events dispatched so far (stale timer entries are not counted). */
  events = 0;
  /** Entries queued for the current time (through the FIFO), for benchmarks. */
  sameTimeQueued = 0;

  /** Handlers' `onEvent`, bound: dispatch is a call, not a (megamorphic) method lookup. */
  private readonly handlers: ((arg: number, now: Ns) => void)[] = [];
  /** What each handler is (labels for profiles; read only through `handlerLabel`). */
  private readonly owners: { h: EventHandler; label?: string | (() => string) }[] = [];
  private seq = 0;

  // Near heap: every queued entry with time < cT1. hTK[2i] = time, hTK[2i+1] = key; hAB[2i] = A,
  // hAB[2i+1] = B. A >= 0: timer id, B = its generation. A < 0: ~handler, B = arg.
  private hTK: Float64Array;
  private hAB: Int32Array;
  private size = 0;

  // Calendar of far entries (time >= cT1): bucket = window number (floor(time / cW)) & cMask, each
  // bucket an unsorted singly linked list of slots. Windows are drained into the heap in order, so
  // the heap's top is always the earliest entry. cW is a power of two (exact window arithmetic),
  // adapted to the event density; the bucket count follows the number of far entries.
  private cW = 1024;
  private cInv = 1 / 1024;
  /** Window whose end is cT1: the heap holds the windows up to and including cK. */
  private cK = 0;
  private cT1 = 1024;
  private cHead: Int32Array;
  private cMask: number;
  private cCount = 0;
  private sTK: Float64Array;
  private sAB: Int32Array;
  private sNext: Int32Array;
  private sFree = -1;
  private sUsed = 0;
  /** Heap pops and windows advanced since the last adaptation. */
  private cPops = 0;
  private cWins = 0;

  // Same-time FIFO (ring buffer, capacity a power of two): every entry is at time `fT`, keys
  // increase from head to tail.
  private fT = 0;
  private fK: Float64Array;
  private fAB: Int32Array;
  private fHead = 0;
  private fN = 0;
  private fMask: number;
  /** Key of the last FIFO entry (valid while fN > 0). */
  private fLastK = 0;

  // Timers: record of TM doubles per timer (see TM_*), and (handler, arg) pairs.
  private nTimers = 0;
  private tm: Float64Array;
  private tmHA: Int32Array;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(2, initialCapacity);
    this.hTK = new Float64Array(2 * cap);
    this.hAB = new Int32Array(2 * cap);
    this.cHead = new Int32Array(CAL_MIN_BUCKETS).fill(-1);
    this.cMask = CAL_MIN_BUCKETS - 1;
    this.sTK = new Float64Array(2 * cap);
    this.sAB = new Int32Array(2 * cap);
    this.sNext = new Int32Array(cap);
    this.fK = new Float64Array(256);
    this.fAB = new Int32Array(512);
    this.fMask = 255;
    this.tm = new Float64Array(64 * TM);
    this.tmHA = new Int32Array(64 * 2);
  }

  /**
   * Registers a handler; returns its id for `post` and `timer`. `label` names it in profiles
   * (or a function computing it when asked for; default: `handlerLabel(h)`).
   */
  register(h: EventHandler, label?: string | (() => string)): number {
    this.handlers.push(h.onEvent.bind(h));
    this.owners.push({ h, label });
    return this.handlers.length - 1;
  }

  /**
   * Registers a plain function as a handler (one call less per event than `register` with an
   * object whose `onEvent` is an arrow function: no bound function in between). `label` as in
   * `register` (default: the function's source text).
   */
  registerFn(fn: (arg: number, now: Ns) => void, label?: string | (() => string)): number {
    this.handlers.push(fn);
    this.owners.push({ h: { onEvent: fn }, label });
    return this.handlers.length - 1;
  }

  /** Number of registered handlers (ids are 0 .. handlerCount - 1). */
  get handlerCount(): number {
    return this.handlers.length;
  }

  /** The label of handler `id` (see `register`). */
  handlerLabel(id: number): string {
    const o = this.owners[id];
    return typeof o.label === 'function' ? o.label() : (o.label ?? handlerLabel(o.h));
  }

  /**
   * Replaces every registered handler's dispatch function by `wrap(id, fn)`: a profiling hook for
   * benchmarks (e.g. count events and time per handler, test/bench/sim.bench.ts `--profile`).
   * The simulator never calls it; a wrapper must call `fn` exactly once with the same arguments.
   */
  wrapHandlers(wrap: (id: number, fn: (arg: number, now: Ns) => void) => (arg: number, now: Ns) => void): void {
    for (let id = 0; id < this.handlers.length; id++) this.handlers[id] = wrap(id, this.handlers[id]);
  }

  /** Number of queued entries (live and stale). */
  get queued(): number {
    return this.size + this.fN + this.cCount;
  }

  // ---------------------------------------------------------------- timers

  /** Allocates a cancellable timer that delivers `arg` to handler `handler`. Setup time only (cheap anyway). */
  timer(handler: number, arg: number): number {
    if (handler < 0 || handler >= this.handlers.length) throw new RangeError(`no handler ${handler}`);
    const id = this.nTimers++;
    if ((id + 1) * TM > this.tm.length) {
      const g = new Float64Array(this.tm.length * 2);
      g.set(this.tm);
      this.tm = g;
      const h = new Int32Array(this.tmHA.length * 2);
      h.set(this.tmHA);
      this.tmHA = h;
    }
    const r = id * TM;
    const tm = this.tm;
    tm[r + TM_DUE] = -1;
    tm[r + TM_KEY] = 0;
    tm[r + TM_Q] = -1;
    tm[r + TM_GEN] = 0;
    this.tmHA[2 * id] = handler;
    this.tmHA[2 * id + 1] = arg;
    return id;
  }

  /** (Re)arms `timer` to fire at `at` (>= now), replacing any pending fire. */
  arm(timer: number, at: Ns, priority = 0): void {
    if (!(at >= this.now)) throw new RangeError(`timer armed in the past: ${at} < ${this.now}`);
    const key = priority * PRIO_SHIFT + this.seq++;
    const tm = this.tm;
    const r = timer * TM;
    tm[r + TM_DUE] = at;
    tm[r + TM_KEY] = key;
    const q = tm[r + TM_Q];
    // A queued live entry at or before `at` will surface first and re-queue itself at `at`.
    if (q >= 0 && q < at) return;
    const gen = (tm[r + TM_GEN] + 1) | 0;
    tm[r + TM_GEN] = gen;
    tm[r + TM_Q] = at;
    this.push(at, key, timer, gen);
  }

  /** Cancels a pending fire (no-op when not armed). */
  cancel(timer: number): void {
    this.tm[timer * TM + TM_DUE] = -1;
  }

  isArmed(timer: number): boolean {
    return this.tm[timer * TM + TM_DUE] >= 0;
  }

  /** When `timer` fires, or -1 when it is not armed. */
  dueAt(timer: number): Ns {
    return this.tm[timer * TM + TM_DUE];
  }

  // ---------------------------------------------------------------- plain events

  /** Schedules a fire-and-forget event: `handler.onEvent(arg, at)`. Not cancellable. */
  post(handler: number, arg: number, at: Ns, priority = 0): void {
    if (!(at >= this.now)) throw new RangeError(`event posted in the past: ${at} < ${this.now}`);
    this.push(at, priority * PRIO_SHIFT + this.seq++, ~handler, arg | 0);
  }

  // ---------------------------------------------------------------- loop

  /**
   * Dispatches events with time < `untilNs` (or until a limit is hit). Can be called again with a
   * later bound to continue. On `completed`, `now` is set to `untilNs`.
   */
  run(untilNs: Ns, limits: RunLimits = {}): StopReason {
    const maxEvents = limits.maxEvents ?? Infinity;
    const check = limits.checkEvery;
    const nextBatch = typeof check === 'function' ? check : undefined;
    const every = Math.max(1, typeof check === 'number' ? check : 4096);
    const shouldStop = limits.shouldStop;
    const onProgress = limits.onProgress;
    const handlers = this.handlers;
    let budget = every;
    if (this.events >= maxEvents) return 'max_events';
    for (;;) {
      let t: number;
      let a: number;
      let b: number;
      // The next entry: the smaller (time, key) of the same-time FIFO's head and the heap's top
      // (the heap holds the earliest windows; refill it from the calendar when it runs empty).
      if (this.size === 0 && this.cCount !== 0) this.fill();
      const fN = this.fN;
      if (fN > 0 && (this.size === 0 || this.fT < this.hTK[0] || (this.fT === this.hTK[0] && this.fK[this.fHead] < this.hTK[1]))) {
        t = this.fT;
        if (t >= untilNs) break;
        const h = this.fHead;
        a = this.fAB[2 * h];
        b = this.fAB[2 * h + 1];
        this.fHead = (h + 1) & this.fMask;
        this.fN = fN - 1;
      } else {
        if (this.size === 0) break;
        t = this.hTK[0];
        if (t >= untilNs) break;
        a = this.hAB[0];
        b = this.hAB[1];
        this.popTop();
        this.cPops++;
      }
      if (a >= 0) {
        const tm = this.tm;
        const r = a * TM;
        if (b !== tm[r + TM_GEN]) continue; // stale: superseded by a later arm
        tm[r + TM_Q] = -1;
        const due = tm[r + TM_DUE];
        if (due < 0) continue; // cancelled
        if (due > t) {
          // Re-armed later than this entry: queue it again at its due time with the arm's key.
          tm[r + TM_Q] = due;
          this.push(due, tm[r + TM_KEY], a, b);
          continue;
        }
        tm[r + TM_DUE] = -1;
        this.now = t;
        this.events++;
        const ha = this.tmHA;
        handlers[ha[2 * a]](ha[2 * a + 1], t);
      } else {
        this.now = t;
        this.events++;
        handlers[~a](b, t);
      }
      if (this.events >= maxEvents) return 'max_events';
      if (--budget === 0) {
        budget = every;
        if (onProgress) onProgress(this.now);
        if (shouldStop) {
          const s = shouldStop();
          if (s) return s === true ? 'cancelled' : s;
        }
        if (nextBatch !== undefined) budget = Math.max(1, nextBatch() | 0);
      }
    }
    this.now = Math.max(this.now, untilNs);
    return 'completed';
  }

  // ---------------------------------------------------------------- queue

  private push(t: number, k: number, a: number, b: number): void {
    if (t === this.now) {
      // Same-time entry: append to the FIFO when that keeps it sorted (same time, larger key).
      const n = this.fN;
      if (n === 0 || (t === this.fT && k > this.fLastK)) {
        if (n > this.fMask) this.growFifo();
        const i = (this.fHead + n) & this.fMask;
        this.fK[i] = k;
        this.fAB[2 * i] = a;
        this.fAB[2 * i + 1] = b;
        this.fT = t;
        this.fLastK = k;
        this.fN = n + 1;
        this.sameTimeQueued++;
        return;
      }
    }
    if (t < this.cT1) this.pushHeap(t, k, a, b);
    else this.pushCal(t, k, a, b);
  }

  /** Queues a far entry (time >= cT1) in its window's bucket. */
  private pushCal(t: number, k: number, a: number, b: number): void {
    let s = this.sFree;
    if (s >= 0) this.sFree = this.sNext[s];
    else {
      s = this.sUsed++;
      if (s === this.sNext.length) this.growSlots();
    }
    this.sTK[2 * s] = t;
    this.sTK[2 * s + 1] = k;
    this.sAB[2 * s] = a;
    this.sAB[2 * s + 1] = b;
    const bi = Math.floor(t * this.cInv) & this.cMask;
    this.sNext[s] = this.cHead[bi];
    this.cHead[bi] = s;
    this.cCount++;
  }

  /**
   * The heap ran empty: advance window by window, moving each window's entries from its bucket
   * into the heap, until the heap has something (the calendar is not empty when called). After a
   * whole year of empty windows, jump to the window of the earliest far entry.
   */
  private fill(): void {
    if (this.cWins >= CAL_ADAPT_WINDOWS) this.adapt();
    let scanned = 0;
    while (this.size === 0) {
      const k = ++this.cK;
      const t1 = (this.cT1 = (k + 1) * this.cW);
      this.cWins++;
      this.drain(k & this.cMask, t1);
      if (++scanned > this.cMask && this.size === 0) {
        let min = Infinity;
        for (let bi = 0; bi <= this.cMask; bi++) for (let s = this.cHead[bi]; s >= 0; s = this.sNext[s]) if (this.sTK[2 * s] < min) min = this.sTK[2 * s];
        if (!(min < Infinity)) {
          // Only entries at infinite time are left (never dispatched): hand them all to the heap,
          // which takes everything from now on.
          this.cT1 = Infinity;
          for (let bi = 0; bi <= this.cMask; bi++) {
            for (let s = this.cHead[bi]; s >= 0; ) {
              const next = this.sNext[s];
              this.pushHeap(this.sTK[2 * s], this.sTK[2 * s + 1], this.sAB[2 * s], this.sAB[2 * s + 1]);
              this.sNext[s] = this.sFree;
              this.sFree = s;
              s = next;
            }
            this.cHead[bi] = -1;
          }
          this.cCount = 0;
          return;
        }
        this.cK = Math.floor(min * this.cInv) - 1;
        scanned = 0;
      }
    }
  }

  /** Moves the entries of bucket `bi` with time < `t1` into the heap. */
  private drain(bi: number, t1: number): void {
    let prev = -1;
    let s = this.cHead[bi];
    while (s >= 0) {
      const next = this.sNext[s];
      const t = this.sTK[2 * s];
      if (t < t1) {
        this.pushHeap(t, this.sTK[2 * s + 1], this.sAB[2 * s], this.sAB[2 * s + 1]);
        if (prev < 0) this.cHead[bi] = next;
        else this.sNext[prev] = next;
        this.sNext[s] = this.sFree;
        this.sFree = s;
        this.cCount--;
      } else prev = s;
      s = next;
    }
  }

  /**
   * Adapts the window width to the event density (a few heap pops per window) and the bucket count
   * to the number of far entries, then re-buckets the calendar. Order is unaffected: whatever the
   * geometry, the heap holds exactly the entries before cT1.
   */
  private adapt(): void {
    const perWindow = this.cPops / this.cWins;
    this.cPops = 0;
    this.cWins = 0;
    let w = this.cW;
    if (perWindow > CAL_MAX_PER_WINDOW && w > 1) w /= 2;
    else if (perWindow < CAL_MIN_PER_WINDOW && w < CAL_MAX_WIDTH) w *= 2;
    let nb = this.cMask + 1;
    const want = Math.max(CAL_MIN_BUCKETS, Math.min(CAL_MAX_BUCKETS, 2 ** Math.ceil(Math.log2(Math.max(1, 2 * this.cCount)))));
    if (want > 2 * nb || want < nb / 4) nb = want;
    if (w === this.cW && nb === this.cMask + 1) return;
    // Collect every far entry, switch the geometry, and queue them again (some may now belong to
    // the heap: a wider window ends later).
    const oldHead = this.cHead;
    this.cW = w;
    this.cInv = 1 / w;
    this.cK = Math.ceil(this.cT1 * this.cInv) - 1;
    this.cT1 = (this.cK + 1) * w;
    this.cHead = new Int32Array(nb).fill(-1);
    this.cMask = nb - 1;
    this.cCount = 0;
    for (let bi = 0; bi < oldHead.length; bi++) {
      for (let s = oldHead[bi]; s >= 0; ) {
        const next = this.sNext[s];
        const t = this.sTK[2 * s];
        if (t < this.cT1) {
          this.pushHeap(t, this.sTK[2 * s + 1], this.sAB[2 * s], this.sAB[2 * s + 1]);
          this.sNext[s] = this.sFree;
          this.sFree = s;
        } else {
          const nbi = Math.floor(t * this.cInv) & this.cMask;
          this.sNext[s] = this.cHead[nbi];
          this.cHead[nbi] = s;
          this.cCount++;
        }
        s = next;
      }
    }
  }

  private growSlots(): void {
    const n = this.sNext.length * 2;
    const tk = new Float64Array(2 * n);
    tk.set(this.sTK);
    this.sTK = tk;
    const ab = new Int32Array(2 * n);
    ab.set(this.sAB);
    this.sAB = ab;
    const nx = new Int32Array(n);
    nx.set(this.sNext);
    this.sNext = nx;
  }

  private pushHeap(t: number, k: number, a: number, b: number): void {
    let i = this.size++;
    if (2 * i === this.hTK.length) this.growHeap();
    const tk = this.hTK;
    const ab = this.hAB;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = tk[2 * p];
      if (pt < t || (pt === t && tk[2 * p + 1] < k)) break;
      tk[2 * i] = pt;
      tk[2 * i + 1] = tk[2 * p + 1];
      ab[2 * i] = ab[2 * p];
      ab[2 * i + 1] = ab[2 * p + 1];
      i = p;
    }
    tk[2 * i] = t;
    tk[2 * i + 1] = k;
    ab[2 * i] = a;
    ab[2 * i + 1] = b;
  }

  private popTop(): void {
    const n = --this.size;
    if (n === 0) return;
    const tk = this.hTK;
    const ab = this.hAB;
    const t = tk[2 * n];
    const k = tk[2 * n + 1];
    const a = ab[2 * n];
    const b = ab[2 * n + 1];
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = tk[2 * c];
      let ck = tk[2 * c + 1];
      const r = c + 1;
      if (r < n) {
        const rt = tk[2 * r];
        if (rt < ct || (rt === ct && tk[2 * r + 1] < ck)) {
          c = r;
          ct = rt;
          ck = tk[2 * r + 1];
        }
      }
      if (t < ct || (t === ct && k < ck)) break;
      tk[2 * i] = ct;
      tk[2 * i + 1] = ck;
      ab[2 * i] = ab[2 * c];
      ab[2 * i + 1] = ab[2 * c + 1];
      i = c;
    }
    tk[2 * i] = t;
    tk[2 * i + 1] = k;
    ab[2 * i] = a;
    ab[2 * i + 1] = b;
  }

  private growHeap(): void {
    const tk = new Float64Array(this.hTK.length * 2);
    tk.set(this.hTK);
    this.hTK = tk;
    const ab = new Int32Array(this.hAB.length * 2);
    ab.set(this.hAB);
    this.hAB = ab;
  }

  private growFifo(): void {
    const n = this.fN;
    const cap = (this.fMask + 1) * 2;
    const k = new Float64Array(cap);
    const ab = new Int32Array(2 * cap);
    for (let j = 0; j < n; j++) {
      const i = (this.fHead + j) & this.fMask;
      k[j] = this.fK[i];
      ab[2 * j] = this.fAB[2 * i];
      ab[2 * j + 1] = this.fAB[2 * i + 1];
    }
    this.fK = k;
    this.fAB = ab;
    this.fHead = 0;
    this.fMask = cap - 1;
  }
}
