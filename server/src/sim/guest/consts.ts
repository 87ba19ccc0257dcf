/** Encodings and constants of the guest model (states, activities, item and token kinds, adaptive DoP). */
import type { Ns } from '../engine';

export const V_OUT = 0;
export const V_IN = 1;
export const V_EXIT = 2;
export const V_HALTED = 3;

export const G_BLOCKED = 0;
export const G_QUEUED = 1;
export const G_CUR = 2;
export const G_DONE = 3;

export const A_NONE = 0;
export const A_CPU = 1;
export const A_LOCK_SPIN = 2;
export const A_BAR_SPIN = 3;

// drive results of beginStep
export const R_STARTED = 0;
export const R_LEFT = 1;
export const R_EXITED = 2;
export const R_CONTINUE = 3;

export const IT_IRQ = 0;
export const IT_IO_DONE = 1;
export const IT_IO_SUBMIT = 2;

export const TK_THREAD = 0;
export const TK_LOAD = 1;

export const LK_SPIN = 0;
export const LK_TICKET = 1;
export const LK_MUTEX = 2;

/** Adaptive DoP: the team size is reconsidered at most once per this window (an assumption: "every few ms"). */
export const ADAPT_WINDOW_NS = 5_000_000;
/** Adaptive DoP: shrink when the active vCPUs lost more than this fraction of the window to steal. */
export const ADAPT_SHRINK = 0.1;
/** Adaptive DoP: grow by one thread when they lost less than this fraction. */
export const ADAPT_GROW = 0.02;
/** Adaptive DoP: grow only after this many calm windows in a row (shrink at once: hysteresis). */
export const ADAPT_CALM = 3;

/**
 * The guest's periodic load balance (sched.ts `balance`): its period, the same 4 ms as the host
 * model's balancer (host/linux.ts BALANCE_NS; an assumption for Linux's per-domain intervals of a
 * few ms), armed only while a queued thread could move.
 */
export const GUEST_BALANCE_NS = 4_000_000;
/**
 * A guest thread runnable without a break this long counts as CPU-bound for the balancer's
 * one-apart rule: PELT's half-life (32 ms, kernel/sched/pelt.c), as host/linux.ts BOUND_NS.
 */
export const GUEST_BOUND_NS = 32_000_000;

/** A value of spin_limit at or above this is "forever". */
export const SPIN_FOREVER_NS = 1e15;

/**
 * The per-vCPU FIFOs of pending guest items (interrupts, IO completions, IO submissions) of one
 * guest: each vCPU's ring is a slice of records (type, argument, arrival time, masked-until time)
 * in one Float64Array shared by all vCPUs, and its header (first double of the slice, capacity - 1,
 * head, size) four int32s of one dense array. Capacity: a power of two, 8 at first.
 *
 * Why not one object and one typed array per vCPU: at 1,024 vCPUs an item's push or take reached
 * at random touched three lines scattered over the heap (the ring object, its typed array object,
 * the array's data); here the header array (16 bytes per vCPU) and the shared array object stay
 * in the caches and only the slice's data line misses.
 */
export class ItemRings {
  /** Per vCPU `v` at 4v: base (index of its slice in `buf`), mask, head, size. */
  readonly hd: Int32Array;
  buf: Float64Array;
  private used: number;
  constructor(n: number) {
    this.hd = new Int32Array(4 * Math.max(1, n));
    this.buf = new Float64Array(4 * 8 * Math.max(1, n));
    for (let v = 0; v < n; v++) {
      this.hd[4 * v] = 32 * v;
      this.hd[4 * v + 1] = 7;
    }
    this.used = 32 * n;
  }
  /** Items pending on vCPU `v`. */
  size(v: number): number {
    return this.hd[4 * v + 3];
  }
  /** Index in `buf` of the oldest item of vCPU `v` (valid while its size > 0). */
  first(v: number): number {
    return this.hd[4 * v] + 4 * this.hd[4 * v + 2];
  }
  /** Index in `buf` of vCPU `v`'s `k`-th oldest item (k < size). */
  at(v: number, k: number): number {
    const o = 4 * v;
    return this.hd[o] + 4 * ((this.hd[o + 2] + k) & this.hd[o + 1]);
  }
  push(v: number, type: number, a: number, t: Ns, until: Ns): void {
    const h = this.hd;
    const o = 4 * v;
    const size = h[o + 3];
    if (size > h[o + 1]) this.grow(v);
    const i = h[o] + 4 * ((h[o + 2] + size) & h[o + 1]);
    const b = this.buf;
    b[i] = type;
    b[i + 1] = a;
    b[i + 2] = t;
    b[i + 3] = until;
    h[o + 3] = size + 1;
  }
  /** Drops vCPU `v`'s oldest item. */
  pop(v: number): void {
    const h = this.hd;
    const o = 4 * v;
    // An emptied ring starts again at slot 0: the next items reuse the same (cached) line
    // instead of walking the slice.
    if (--h[o + 3] === 0) h[o + 2] = 0;
    else h[o + 2] = (h[o + 2] + 1) & h[o + 1];
  }
  /** Moves vCPU `v`'s full ring to a new slice of twice the capacity at the end of `buf`. */
  private grow(v: number): void {
    const h = this.hd;
    const o = 4 * v;
    const cap = 2 * (h[o + 1] + 1);
    if (this.used + 4 * cap > this.buf.length) {
      const nb = new Float64Array(Math.max(2 * this.buf.length, this.used + 4 * cap));
      nb.set(this.buf);
      this.buf = nb;
    }
    const b = this.buf;
    const base = this.used;
    for (let k = 0; k < h[o + 3]; k++) {
      const src = h[o] + 4 * ((h[o + 2] + k) & h[o + 1]);
      for (let j = 0; j < 4; j++) b[base + 4 * k + j] = b[src + j];
    }
    h[o] = base;
    h[o + 1] = cap - 1;
    h[o + 2] = 0;
    this.used = base + 4 * cap;
  }
}
