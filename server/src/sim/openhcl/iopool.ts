/**
 * Pooled records for in-flight IO, stored column-wise in typed arrays so that the storage hot
 * path allocates nothing per IO (the bench goal is millions of events per second). An IO is an
 * integer id; its fields live at that index. Every queue an IO can wait in (a channel's ring, a
 * VP's io_uring submission back-pressure, a worker's completions, a VP's guest-visible completions)
 * is an intrusive FIFO linked through `next`, so an IO is in at most one queue at a time.
 */

// What an IO record stands for (IoPool.kind).
/** A VTL2 task's `io` step through an io_uring. */
export const IO_TASK = 1;
/** A guest storage request to a StorVSP disk (from an ioload or a `disk_io` step). */
export const IO_STORAGE = 2;
/** A VTL2 task's async `get` round trip (a cross-thread wake when it completes). */
export const IO_TASK_GET = 3;
/** A VTL2 task's timer (`sleep`, trigger): an io_uring timeout on its ring, no slot used. */
export const IO_TASK_TIMER = 4;

// Where an IO is in its life (IoPool.stage).
export const ST_FREE = 0;
/** In the channel's ring, not yet read by the worker (head-of-line queue). */
export const ST_IN_RING = 1;
/** Read by the worker, waiting for a slot in the thread's io_uring (io_ring_size back-pressure). */
export const ST_WAIT_RING_SLOT = 2;
/** Submitted to the backend through an io_uring; completes after the disk latency. */
export const ST_AT_BACKEND = 3;
/** Backend done; the completion sits on the io_uring until the thread reaps it. */
export const ST_COMPLETED = 4;
/** A task IO / timer / GET in flight. */
export const ST_TASK_IN_FLIGHT = 6;

export interface Fifo {
  head: number;
  tail: number;
  length: number;
}

export function newFifo(): Fifo {
  return { head: -1, tail: -1, length: 0 };
}

export class IoPool {
  kind: Uint8Array;
  stage: Uint8Array;
  /** Task index (TaskIo/TaskGet) or global channel index (Storage). */
  owner: Int32Array;
  /** VP whose io_uring the IO was submitted on (completions land there). */
  ringVp: Int32Array;
  /** Submitting guest vCPU (Storage). */
  vcpu: Int32Array;
  /** Storage: ioload index, or -1 - token for a `disk_io` step's waiter. */
  source: Int32Array;
  /** Storage: global disk index. */
  disk: Int32Array;
  /** Storage: 1 when written while the channel's interrupt was masked (poll mode) with room in the queue. */
  flag: Uint8Array;
  /** Time the guest submitted (Storage) or the task issued (TaskIo), ns. */
  t0: Float64Array;
  /** Time the backend IO started, ns. */
  t1: Float64Array;
  /** Time the IO completed on its ring (the wake a stall is measured from), ns. */
  tDone: Float64Array;
  next: Int32Array;
  private free_ = -1;
  private used = 0;
  /** Records currently allocated. */
  live = 0;

  constructor(capacity = 1024) {
    this.kind = new Uint8Array(capacity);
    this.stage = new Uint8Array(capacity);
    this.owner = new Int32Array(capacity);
    this.ringVp = new Int32Array(capacity);
    this.vcpu = new Int32Array(capacity);
    this.source = new Int32Array(capacity);
    this.disk = new Int32Array(capacity);
    this.flag = new Uint8Array(capacity);
    this.t0 = new Float64Array(capacity);
    this.t1 = new Float64Array(capacity);
    this.tDone = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.kind.length;
  }

  alloc(kind: number): number {
    let id = this.free_;
    if (id >= 0) this.free_ = this.next[id];
    else {
      if (this.used === this.kind.length) this.grow();
      id = this.used++;
    }
    this.kind[id] = kind;
    this.stage[id] = ST_FREE;
    this.owner[id] = -1;
    this.ringVp[id] = -1;
    this.vcpu[id] = -1;
    this.source[id] = -1;
    this.disk[id] = -1;
    this.flag[id] = 0;
    this.t0[id] = 0;
    this.t1[id] = 0;
    this.tDone[id] = 0;
    this.next[id] = -1;
    this.live++;
    return id;
  }

  release(id: number): void {
    this.kind[id] = 0;
    this.stage[id] = ST_FREE;
    this.next[id] = this.free_;
    this.free_ = id;
    this.live--;
  }

  push(q: Fifo, id: number): void {
    this.next[id] = -1;
    if (q.tail >= 0) this.next[q.tail] = id;
    else q.head = id;
    q.tail = id;
    q.length++;
  }

  /** Removes and returns the oldest id, or -1 when empty. */
  shift(q: Fifo): number {
    const id = q.head;
    if (id < 0) return -1;
    q.head = this.next[id];
    if (q.head < 0) q.tail = -1;
    this.next[id] = -1;
    q.length--;
    return id;
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    const g8 = (a: Uint8Array) => { const b = new Uint8Array(cap); b.set(a); return b; };
    const g32 = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
    const g64 = (a: Float64Array) => { const b = new Float64Array(cap); b.set(a); return b; };
    this.kind = g8(this.kind);
    this.stage = g8(this.stage);
    this.owner = g32(this.owner);
    this.ringVp = g32(this.ringVp);
    this.vcpu = g32(this.vcpu);
    this.source = g32(this.source);
    this.disk = g32(this.disk);
    this.flag = g8(this.flag);
    this.t0 = g64(this.t0);
    this.t1 = g64(this.t1);
    this.tDone = g64(this.tDone);
    this.next = g32(this.next);
  }
}
