/**
 * VM exits, guest residence and port / MMIO accesses of vCPU threads, fed by the scheduling pass
 * (sched.ts) one kvm event at a time.
 *
 * Exits by reason: `kvm_exit` reasons when the thread has any. Without them (some KVM backends
 * emit no kvm_entry / kvm_exit), `kvm_userspace_exit` reasons count as exits, and a `kvm_pio`
 * not followed by a `KVM_EXIT_IO` user-space exit counts as an exit handled inside KVM
 * (`IO_INSTRUCTION`): each guest port access traces one kvm_pio, and one user-space exit when
 * the VMM handles it.
 */
import type { LaneBuilder } from '../../core/timeline';
import type { ThreadInfo } from '../events';
import { CpuSched, LaneState, ThreadSched, WaitKind, keepLongest, type Stretch } from './model';

/** Exit-storm buckets are 100 ms wide; a storm is judged over 10 consecutive buckets (1 s). */
export const EXIT_BUCKET_NS = 100_000_000;

export interface KvmContext {
  startNs: number;
  /** Guest residences longer than this (ns) are checked for pending host wake-ups. */
  residenceNs: number;
  /** Examples kept per thread. */
  examples: number;
  info: readonly ThreadInfo[];
  /** The `guest`/`host` lane of a vCPU thread. */
  execLane(t: ThreadSched): LaneBuilder;
  whoName(index: number): string;
  /** Names `s.who` later (from these threads) and returns true, or returns false. */
  whoLater?(s: Stretch, who: number[]): boolean;
  /** The time of the event being replayed (read by the per-event methods: see sched.ts switchIn). */
  now: Float64Array;
}

export class KvmTracker {
  /**
   * Threads that had a traced port access not yet matched by a user-space exit (its time is in
   * the thread's `pendingPioAt`, -1 when none); finish() flushes those still pending.
   */
  private readonly pendingPio: ThreadSched[] = [];
  /** `in 0x20` / `out 0x20`-style keys by port, built once each. */
  private readonly pioIn = new Map<number, string>();
  private readonly pioOut = new Map<number, string>();
  /** Threads with exits counted in their current bucket (see `ThreadSched.bucketReason`). */
  private readonly bucketed: ThreadSched[] = [];

  constructor(private readonly ctx: KvmContext) {}

  exit(t: ThreadSched, c: CpuSched, reason: string): void {
    const ts = this.ctx.now[0];
    this.flushPio(t);
    t.exitRuns.add(reason);
    this.bucket(t, reason, this.bucketOf(ts));
    if (t.lastEntry >= 0) {
      const r = ts - t.lastEntry;
      t.guestNs += r;
      t.residenceCount++;
      t.residence.push(r);
      this.ctx.execLane(t).push(t.lastEntry, ts, LaneState.Guest);
      if (r > this.ctx.residenceNs) {
        // Hazard 33: host threads woken onto this CPU waited while the guest kept it.
        const waiting = c.waiters.filter((w) => w !== t && w.waitKind === WaitKind.Woken && w.since < ts);
        if (waiting.length > 0) {
          t.longResidences++;
          const s: Stretch = { startNs: t.lastEntry, durationNs: r, who: '', cpu: c.cpu };
          if (!this.ctx.whoLater?.(s, waiting.map((w) => w.index))) s.who = waiting.map((w) => this.ctx.whoName(w.index)).join(', ');
          keepLongest(t.residenceExamples, s, this.ctx.examples);
        }
      }
    }
    t.lastEntry = -1;
    t.lastExit = ts;
  }

  entry(t: ThreadSched): void {
    const ts = this.ctx.now[0];
    this.flushPio(t);
    if (t.lastExit >= 0) {
      t.hostNs += ts - t.lastExit;
      this.ctx.execLane(t).push(t.lastExit, ts, LaneState.Host);
    }
    t.lastEntry = ts;
    t.lastExit = -1;
  }

  userspaceExit(t: ThreadSched, reason: string): void {
    const ts = this.ctx.now[0];
    t.userspaceExitRuns.add(reason);
    // An I/O exit to user space is the port access just traced; any other reason means that
    // access was handled inside KVM.
    if (reason === 'KVM_EXIT_IO') t.pendingPioAt = -1;
    else this.flushPio(t);
    if (this.ctx.info[t.index].kvmExits === 0) {
      t.exitRuns.add(reason);
      this.bucket(t, reason, this.bucketOf(ts));
    }
  }

  pio(t: ThreadSched, write: boolean, port: number): void {
    const ts = this.ctx.now[0];
    this.flushPio(t);
    const keys = write ? this.pioOut : this.pioIn;
    let key = keys.get(port);
    if (key === undefined) keys.set(port, (key = `${write ? 'out' : 'in'} 0x${port.toString(16)}`));
    t.pioRuns.add(key);
    if (!t.pioListed) {
      t.pioListed = true;
      this.pendingPio.push(t);
    }
    t.pendingPioAt = ts;
  }

  mmio(t: ThreadSched, write: boolean, gpaLow: number): void {
    const key = `${write ? 'write' : 'read'} 0x${(gpaLow >>> 0).toString(16)}`;
    t.mmio.set(key, (t.mmio.get(key) ?? 0) + 1);
  }

  /** Call at the end of the trace. */
  finish(): void {
    for (const t of this.pendingPio) this.flushPio(t);
    for (const t of this.bucketed) this.flushBucket(t);
  }

  private flushPio(t: ThreadSched): void {
    const at = t.pendingPioAt;
    if (at < 0) return;
    t.pendingPioAt = -1;
    if (this.ctx.info[t.index].kvmExits === 0) {
      t.exitRuns.add('IO_INSTRUCTION');
      this.bucket(t, 'IO_INSTRUCTION', this.bucketOf(at));
    }
  }

  /**
   * Counts an exit in its 100 ms bucket. The count of the thread's current (reason, bucket) is
   * kept on the thread and added to `exitBuckets` when another one starts (and at the end): the
   * reasons enter `exitBuckets` in the same order as when every exit was added at once.
   */
  /** The 100 ms bucket of a time (a small integer: passed without boxing, unlike a time). */
  private bucketOf(ts: number): number {
    return Math.floor((ts - this.ctx.startNs) / EXIT_BUCKET_NS);
  }

  private bucket(t: ThreadSched, reason: string, i: number): void {
    if (t.bucketReason === reason && t.bucketIndex === i) {
      t.bucketCount++;
      return;
    }
    if (t.bucketReason === undefined) {
      if (t.bucketCount === 0) this.bucketed.push(t); // first exit of this thread
    } else this.flushBucket(t);
    t.bucketReason = reason;
    t.bucketIndex = i;
    t.bucketCount = 1;
  }

  private flushBucket(t: ThreadSched): void {
    const reason = t.bucketReason;
    if (reason === undefined) return;
    let b = t.exitBuckets.get(reason);
    if (!b) t.exitBuckets.set(reason, (b = new Map()));
    const i = t.bucketIndex;
    b.set(i, (b.get(i) ?? 0) + t.bucketCount);
    t.bucketReason = undefined;
  }
}
