/**
 * The discrete-event engine: one priority queue of events over typed arrays, ordered by
 * (time, priority, insertion sequence), and a loop that dispatches them to handlers.
 *
 * Design (speed first, see docs/sim.md "Engine"):
 * - Time is integer nanoseconds held in a double (exact up to 2^53 ns, about 104 days).
 * - An event is four numbers in parallel typed arrays (time, order key, target, payload): no object
 *   and no closure is allocated per event. The queue is a binary heap with hole sifting, so push
 *   and pop are O(log n) moves of four numbers.
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
 *   switch, from flooding the heap.
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

export class Engine {
  /** Current simulated time (time of the event being dispatched, or where the last run stopped). */
  now: Ns = 0;
  /** Events dispatched so far (stale timer entries are not counted). */
  events = 0;

  private readonly handlers: EventHandler[] = [];
  private seq = 0;

  // Heap: parallel arrays. A >= 0: timer id, B = its generation. A < 0: ~handler, B = arg.
  private hT: Float64Array;
  private hK: Float64Array;
  private hA: Int32Array;
  private hB: Int32Array;
  private size = 0;

  // Timers.
  private nTimers = 0;
  private tmH: Int32Array;
  private tmArg: Int32Array;
  private tmGen: Int32Array;
  /** Time the timer should fire, or -1 when not armed. */
  private tmDue: Float64Array;
  /** Key (priority + sequence) of the last `arm`. */
  private tmKey: Float64Array;
  /** Time of the live heap entry of this timer, or -1 when none is queued. */
  private tmQ: Float64Array;

  constructor(initialCapacity = 1024) {
    this.hT = new Float64Array(initialCapacity);
    this.hK = new Float64Array(initialCapacity);
    this.hA = new Int32Array(initialCapacity);
    this.hB = new Int32Array(initialCapacity);
    this.tmH = new Int32Array(64);
    this.tmArg = new Int32Array(64);
    this.tmGen = new Int32Array(64);
    this.tmDue = new Float64Array(64);
    this.tmKey = new Float64Array(64);
    this.tmQ = new Float64Array(64);
  }

  /** Registers a handler; returns its id for `post` and `timer`. */
  register(h: EventHandler): number {
    this.handlers.push(h);
    return this.handlers.length - 1;
  }

  /** Number of queued heap entries (live and stale). */
  get queued(): number {
    return this.size;
  }

  // ---------------------------------------------------------------- timers

  /** Allocates a cancellable timer that delivers `arg` to handler `handler`. Setup time only (cheap anyway). */
  timer(handler: number, arg: number): number {
    if (handler < 0 || handler >= this.handlers.length) throw new RangeError(`no handler ${handler}`);
    const id = this.nTimers++;
    if (id === this.tmH.length) this.growTimers();
    this.tmH[id] = handler;
    this.tmArg[id] = arg;
    this.tmGen[id] = 0;
    this.tmDue[id] = -1;
    this.tmKey[id] = 0;
    this.tmQ[id] = -1;
    return id;
  }

  /** (Re)arms `timer` to fire at `at` (>= now), replacing any pending fire. */
  arm(timer: number, at: Ns, priority = 0): void {
    if (!(at >= this.now)) throw new RangeError(`timer armed in the past: ${at} < ${this.now}`);
    const key = priority * PRIO_SHIFT + this.seq++;
    this.tmDue[timer] = at;
    this.tmKey[timer] = key;
    const q = this.tmQ[timer];
    // A queued live entry at or before `at` will surface first and re-queue itself at `at`.
    if (q >= 0 && q < at) return;
    const gen = (this.tmGen[timer] + 1) | 0;
    this.tmGen[timer] = gen;
    this.tmQ[timer] = at;
    this.push(at, key, timer, gen);
  }

  /** Cancels a pending fire (no-op when not armed). */
  cancel(timer: number): void {
    this.tmDue[timer] = -1;
  }

  isArmed(timer: number): boolean {
    return this.tmDue[timer] >= 0;
  }

  /** When `timer` fires, or -1 when it is not armed. */
  dueAt(timer: number): Ns {
    return this.tmDue[timer];
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
    const tmGen = this.tmGen;
    const tmDue = this.tmDue;
    const tmQ = this.tmQ;
    const tmH = this.tmH;
    const tmArg = this.tmArg;
    let budget = every;
    if (this.events >= maxEvents) return 'max_events';
    while (this.size > 0) {
      const t = this.hT[0];
      if (t >= untilNs) break;
      const a = this.hA[0];
      const b = this.hB[0];
      this.popTop();
      if (a >= 0) {
        if (b !== tmGen[a]) continue; // stale: superseded by a later arm
        tmQ[a] = -1;
        const due = tmDue[a];
        if (due < 0) continue; // cancelled
        if (due > t) {
          // Re-armed later than this entry: queue it again at its due time with the arm's key.
          tmQ[a] = due;
          this.push(due, this.tmKey[a], a, b);
          continue;
        }
        tmDue[a] = -1;
        this.now = t;
        this.events++;
        handlers[tmH[a]].onEvent(tmArg[a], t);
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

  // ---------------------------------------------------------------- heap

  private push(t: number, k: number, a: number, b: number): void {
    let i = this.size++;
    if (i === this.hT.length) this.growHeap();
    const hT = this.hT;
    const hK = this.hK;
    const hA = this.hA;
    const hB = this.hB;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = hT[p];
      if (pt < t || (pt === t && hK[p] < k)) break;
      hT[i] = pt;
      hK[i] = hK[p];
      hA[i] = hA[p];
      hB[i] = hB[p];
      i = p;
    }
    hT[i] = t;
    hK[i] = k;
    hA[i] = a;
    hB[i] = b;
  }

  private popTop(): void {
    const n = --this.size;
    if (n === 0) return;
    const hT = this.hT;
    const hK = this.hK;
    const hA = this.hA;
    const hB = this.hB;
    const t = hT[n];
    const k = hK[n];
    const a = hA[n];
    const b = hB[n];
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = hT[c];
      let ck = hK[c];
      const r = c + 1;
      if (r < n) {
        const rt = hT[r];
        if (rt < ct || (rt === ct && hK[r] < ck)) {
          c = r;
          ct = rt;
          ck = hK[r];
        }
      }
      if (t < ct || (t === ct && k < ck)) break;
      hT[i] = ct;
      hK[i] = ck;
      hA[i] = hA[c];
      hB[i] = hB[c];
      i = c;
    }
    hT[i] = t;
    hK[i] = k;
    hA[i] = a;
    hB[i] = b;
  }

  private growHeap(): void {
    const cap = this.hT.length * 2;
    const t = new Float64Array(cap); t.set(this.hT); this.hT = t;
    const k = new Float64Array(cap); k.set(this.hK); this.hK = k;
    const a = new Int32Array(cap); a.set(this.hA); this.hA = a;
    const b = new Int32Array(cap); b.set(this.hB); this.hB = b;
  }

  private growTimers(): void {
    const cap = this.tmH.length * 2;
    const i32 = (src: Int32Array) => { const d = new Int32Array(cap); d.set(src); return d; };
    const f64 = (src: Float64Array) => { const d = new Float64Array(cap); d.set(src); return d; };
    this.tmH = i32(this.tmH);
    this.tmArg = i32(this.tmArg);
    this.tmGen = i32(this.tmGen);
    this.tmDue = f64(this.tmDue);
    this.tmKey = f64(this.tmKey);
    this.tmQ = f64(this.tmQ);
  }
}
