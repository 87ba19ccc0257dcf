/**
 * The one interface every host scheduler implements (credit.ts, credit2.ts, linux.ts = rt.ts +
 * fair.ts), and the thread/domain tables they read from the host core.
 *
 * The host core (host.ts) owns the mechanics: which thread runs on which pCPU, context switches
 * (deferred to an event at the same time so bodies never re-enter), slice timers, accounting and
 * recording. A scheduler owns policy: run queues, priorities, credits, vruntimes, and where a
 * waking thread goes.
 *
 * Protocol, per pCPU reschedule: `put(prev, ...)` (the running thread leaves: charge it, requeue
 * it if still runnable) then `pick(cpu)` (dequeue the next, -1 idle). If `pick` returns `prev`,
 * no context switch happens. Then `sliceNs(next)` arms the slice timer; when it fires the host
 * reschedules again.
 */
import type { Ns } from '../engine';

/** `put` reasons. */
export const PUT_PREEMPT = 0; // still runnable: slice end, preemption, re-evaluation
export const PUT_YIELD = 1; // still runnable, asked to go behind its peers
export const PUT_BLOCK = 2; // no longer runnable
export const PUT_CHARGE = 3; // keeps running: charge the time so far (before a priority change)

export const POLICY_NORMAL = 0;
export const POLICY_FIFO = 1;
export const POLICY_RR = 2;

/** Thread and domain tables shared by the host core and its schedulers (typed arrays, by tid). */
export interface HostCore {
  readonly pcpus: number;
  /** Number of threads (valid after setup). */
  readonly nThreads: number;
  tState: Int8Array;
  tCpu: Int32Array;
  tPool: Int32Array;
  tDomain: Int32Array;
  tPolicy: Int8Array;
  tNice: Int8Array;
  tRtPrio: Int32Array;
  /** KVM boost priority (0 = not boosted). */
  tBoost: Int32Array;
  /** Hard affinity within the pool, ascending (never empty for a runnable thread). */
  allowed: Int32Array[];
  /** Soft affinity within the hard affinity (may equal it). */
  soft: Int32Array[];
  /** pCPU -> pool index (-1: in no pool, runs only idle). */
  cpuPool: Int32Array;
  /** pCPU -> running thread (-1 idle). */
  cCurr: Int32Array;
  dWeight: Float64Array;
  dCap: Float64Array;
  isAllowed(tid: number, cpu: number): boolean;
  /** Asks pCPU `cpu` to reschedule at `now` (an IPI; coalesced, runs after the current event). */
  kick(cpu: number, now: Ns): void;
  /** Ns the current thread of `cpu` ran since it was picked or last charged; resets the mark. */
  charge(cpu: number, now: Ns): Ns;
  /** Ns the current thread of `cpu` ran since it was picked or last charged (no reset). */
  ranSince(cpu: number, now: Ns): Ns;
  /** Marks a runnable thread as parked by a cap (lane cause), or clears it. */
  setParked(tid: number, parked: boolean, now: Ns): void;
  /** Counter helper. */
  count(name: string, n?: number): void;
}

export interface PoolScheduler {
  readonly kind: 'credit' | 'credit2' | 'linux';
  /** Setup: the thread belongs to this pool. */
  addThread(tid: number): void;
  /** Before the first event (arm periodic timers). */
  start(now: Ns): void;
  /** A blocked thread became runnable: queue it somewhere and kick a pCPU if it should run soon. */
  wake(tid: number, now: Ns): void;
  /** The running thread leaves `cpu` after `ranNs` since it was picked or last charged. */
  put(tid: number, cpu: number, now: Ns, ranNs: Ns, how: number): void;
  /** Dequeues the thread to run next on `cpu`, or -1 to idle. May steal from other pCPUs. */
  pick(cpu: number, now: Ns): number;
  /** How long `tid` (just picked) may run on `cpu` before the host reschedules (Infinity: no limit). */
  sliceNs(tid: number, cpu: number, now: Ns): Ns;
  /** Directed yield: dequeue runnable `tid` to run next on `cpu` if allowed; false if not possible. */
  take(tid: number, cpu: number, now: Ns): boolean;
  /** The thread's KVM boost changed (Linux pools; Xen pools ignore it). */
  reprioritize(tid: number, now: Ns): void;
  /**
   * Optional fast path: called right after `put(.., PUT_BLOCK)` on a pCPU that now has nothing to
   * run. Returns true when `pick(cpu)` would certainly return -1 (nothing queued here, nothing to
   * steal anywhere) and records the pCPU as idle; the host then skips the reschedule event.
   */
  idleNow?(cpu: number, now: Ns): boolean;
  /** Optional (Linux pools): threads queued (waiting) on `cpu`, for KVM halt polling. */
  queuedOnCpu?(cpu: number): number;
}
