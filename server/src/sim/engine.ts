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
 * - Handlers are registered once (`register`) and addressed by a small integer. An event carries a
 *   handler id and an integer argument; the handler decides what the argument means (a thread
 *   index, a VP, a token...).
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

/** Why a run stopped. */
export type StopReason = 'completed' | 'max_events' | 'wall_limit' | 'cancelled';

export interface RunLimits {
  /** Stop once this many events have been dispatched in total (across `run` calls). */
  maxEvents?: number;
  /**
   * Polled between batches of events: return a reason (or `true`, meaning `cancelled`) to stop.
   * The shell implements the wall budget and cancellation here; the core never reads a clock.
   */
  shouldStop?: () => boolean | 'wall_limit' | 'cancelled' | undefined;
  /** Called between batches with the simulated time reached so far. */
  onProgress?: (now: Ns) => void;
  /** Batch size between `shouldStop`/`onProgress` polls. Default 4096. */
  checkEvery?: number;
}

const PRIO_SHIFT = 2 ** 40;
/** Largest priority accepted by `post`/`arm` (keys stay exact doubles). */
export const MAX_PRIORITY = 7;

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

  private readonly handlers: EventHandler[] = [];
  private seq = 0;

  // Heap: hTK[2i] = time, hTK[2i+1] = key; hAB[2i] = A, hAB[2i+1] = B.
  // A >= 0: timer id, B = its generation. A < 0: ~handler, B = arg.
  private hTK: Float64Array;
  private hAB: Int32Array;
  private size = 0;

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
    this.fK = new Float64Array(256);
    this.fAB = new Int32Array(512);
    this.fMask = 255;
    this.tm = new Float64Array(64 * TM);
    this.tmHA = new Int32Array(64 * 2);
  }

  /** Registers a handler; returns its id for `post` and `timer`. */
  register(h: EventHandler): number {
    this.handlers.push(h);
    return this.handlers.length - 1;
  }

  /** Number of queued entries (live and stale). */
  get queued(): number {
    return this.size + this.fN;
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
    const every = Math.max(1, limits.checkEvery ?? 4096);
    const shouldStop = limits.shouldStop;
    const onProgress = limits.onProgress;
    const handlers = this.handlers;
    let budget = every;
    if (this.events >= maxEvents) return 'max_events';
    for (;;) {
      let t: number;
      let a: number;
      let b: number;
      // The next entry: the smaller (time, key) of the same-time FIFO's head and the heap's top.
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
        handlers[ha[2 * a]].onEvent(ha[2 * a + 1], t);
      } else {
        this.now = t;
        this.events++;
        handlers[~a].onEvent(b, t);
      }
      if (this.events >= maxEvents) return 'max_events';
      if (--budget === 0) {
        budget = every;
        if (onProgress) onProgress(this.now);
        if (shouldStop) {
          const s = shouldStop();
          if (s) return s === true ? 'cancelled' : s;
        }
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
    this.pushHeap(t, k, a, b);
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
