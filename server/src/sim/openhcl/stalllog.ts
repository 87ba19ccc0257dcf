/**
 * What kept an executor thread busy, kept as a ring of recent activity segments so that a stall
 * (a task that waited longer than the threshold) can name the dominant cause of its wait. The hot
 * path only appends three numbers per segment; the scan happens only when a wait is long enough to
 * be reported, which is rare.
 *
 * A segment is three consecutive doubles (start, end, cause) of one Float64Array; the logs of a
 * model's executors share large arrays handed out by a `LogArena` (a VM with a thousand VPs would
 * otherwise allocate three thousand small typed arrays at setup).
 */
import { STALL_LOG_SEGMENTS } from './params';

/** Hands out slices of shared Float64Arrays to activity logs (setup only). */
export class LogArena {
  private buf = new Float64Array(0);
  private used = 0;

  constructor(private readonly logsPerChunk = 64) {}

  /** A slice of `n` doubles: the array and the offset of its first element. */
  take(n: number): { buf: Float64Array; base: number } {
    if (this.used + n > this.buf.length) {
      this.buf = new Float64Array(Math.max(n, n * this.logsPerChunk));
      this.used = 0;
    }
    const base = this.used;
    this.used += n;
    return { buf: this.buf, base };
  }
}

export class ActivityLog {
  private readonly buf: Float64Array;
  private readonly base: number;
  private head = 0;
  private count = 0;
  /**
   * Copies of the newest segment's end and cause (valid while count > 0): the append test reads
   * these fields of a hot object instead of the shared array, which misses the cache once a
   * thousand executors share it.
   */
  private lastEnd = 0;
  private lastCause = 0;

  constructor(readonly capacity = STALL_LOG_SEGMENTS, arena?: LogArena) {
    const n = 3 * Math.max(1, capacity);
    if (arena) {
      const s = arena.take(n);
      this.buf = s.buf;
      this.base = s.base;
    } else {
      this.buf = new Float64Array(n);
      this.base = 0;
    }
  }

  /** Records that the thread spent [start, end) on `cause` (an id in the model's cause table). */
  record(start: number, end: number, cause: number): void {
    if (end <= start) return;
    const cap = this.capacity;
    const head = this.head;
    const buf = this.buf;
    const extend = this.count > 0 && this.lastCause === cause && this.lastEnd === start;
    this.lastEnd = end;
    if (extend) {
      // Extends the newest segment. Index arithmetic by comparison, not `%` (this runs at every
      // executor state change).
      buf[this.base + 3 * (head === 0 ? cap - 1 : head - 1) + 1] = end;
      return;
    }
    this.lastCause = cause;
    const i = this.base + 3 * head;
    buf[i] = start;
    buf[i + 1] = end;
    buf[i + 2] = cause;
    this.head = head + 1 === cap ? 0 : head + 1;
    if (this.count < cap) this.count++;
  }

  /**
   * The cause that covered most of [t0, t1) and how long it covered it, or cause -1 when nothing
   * recorded overlaps. Ties go to the earlier segment's cause (it started the wait).
   */
  dominant(t0: number, t1: number): { cause: number; ns: number } {
    const acc = new Map<number, number>();
    const order: number[] = [];
    const buf = this.buf;
    for (let i = 0; i < this.count; i++) {
      const k = this.base + 3 * ((this.head + this.capacity - 1 - i) % this.capacity);
      const ke = buf[k + 1];
      if (ke <= t0) break;
      const s = Math.max(t0, buf[k]);
      const e = Math.min(t1, ke);
      if (e <= s) continue;
      const c = buf[k + 2];
      if (!acc.has(c)) order.push(c);
      acc.set(c, (acc.get(c) ?? 0) + (e - s));
    }
    let best = -1;
    let bestNs = 0;
    // `order` runs newest first; walking it backwards lets the earliest cause win ties.
    for (let i = order.length - 1; i >= 0; i--) {
      const ns = acc.get(order[i]) as number;
      if (ns > bestNs) { best = order[i]; bestNs = ns; }
    }
    return { cause: best, ns: bestNs };
  }
}
