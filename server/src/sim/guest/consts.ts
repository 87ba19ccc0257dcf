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

/** A value of spin_limit at or above this is "forever". */
export const SPIN_FOREVER_NS = 1e15;

/**
 * Per-vCPU FIFO of pending guest items (interrupts, IO completions, IO submissions): a ring of
 * records (type, argument, arrival time, masked-until time) in one Float64Array. Capacity: a power
 * of two.
 */
export class ItemRing {
  buf = new Float64Array(4 * 8);
  mask = 7;
  head = 0;
  size = 0;
  push(type: number, a: number, t: Ns, until: Ns): void {
    if (this.size > this.mask) this.grow();
    const i = 4 * ((this.head + this.size) & this.mask);
    const b = this.buf;
    b[i] = type;
    b[i + 1] = a;
    b[i + 2] = t;
    b[i + 3] = until;
    this.size++;
  }
  private grow(): void {
    const cap = 2 * (this.mask + 1);
    const b = new Float64Array(4 * cap);
    for (let k = 0; k < this.size; k++) {
      const src = 4 * ((this.head + k) & this.mask);
      for (let j = 0; j < 4; j++) b[4 * k + j] = this.buf[src + j];
    }
    this.buf = b;
    this.head = 0;
    this.mask = cap - 1;
  }
  pop(): void {
    // An emptied ring starts again at slot 0: the next items reuse the same (cached) line
    // instead of walking the buffer (1,024 rings are 256 KB; a walk misses the cache).
    if (--this.size === 0) this.head = 0;
    else this.head = (this.head + 1) & this.mask;
  }
}
