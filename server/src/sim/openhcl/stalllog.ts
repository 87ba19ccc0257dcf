/**
 * What kept an executor thread busy, kept as a ring of recent activity segments so that a stall
 * (a task that waited longer than the threshold) can name the dominant cause of its wait. The hot
 * path only appends three numbers per segment; the scan happens only when a wait is long enough to
 * be reported, which is rare.
 */
import { STALL_LOG_SEGMENTS } from './params';

export class ActivityLog {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly causes: Int32Array;
  private head = 0;
  private count = 0;

  constructor(readonly capacity = STALL_LOG_SEGMENTS) {
    this.starts = new Float64Array(capacity);
    this.ends = new Float64Array(capacity);
    this.causes = new Int32Array(capacity);
  }

  /** Records that the thread spent [start, end) on `cause` (an id in the model's cause table). */
  record(start: number, end: number, cause: number): void {
    if (end <= start) return;
    const last = (this.head + this.capacity - 1) % this.capacity;
    if (this.count > 0 && this.causes[last] === cause && this.ends[last] === start) {
      this.ends[last] = end;
      return;
    }
    this.starts[this.head] = start;
    this.ends[this.head] = end;
    this.causes[this.head] = cause;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /**
   * The cause that covered most of [t0, t1) and how long it covered it, or cause -1 when nothing
   * recorded overlaps. Ties go to the earlier segment's cause (it started the wait).
   */
  dominant(t0: number, t1: number): { cause: number; ns: number } {
    const acc = new Map<number, number>();
    const order: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const k = (this.head + this.capacity - 1 - i) % this.capacity;
      if (this.ends[k] <= t0) break;
      const s = Math.max(t0, this.starts[k]);
      const e = Math.min(t1, this.ends[k]);
      if (e <= s) continue;
      const c = this.causes[k];
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
