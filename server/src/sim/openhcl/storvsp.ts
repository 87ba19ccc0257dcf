/**
 * StorVSP: one worker per open channel, each with its own ring (the guest's requests), its own
 * queue depth, and poll mode.
 *
 * Sources: OpenHCL guide, "StorVSP Channels & Subchannels": one async worker per channel
 * (primary + subchannels), targeted at the channel's VP with run_on_target; outstanding IO capped
 * per channel (`max_io_queue_depth`): at the cap the worker stops reading new requests from the
 * ring, so a slow LUN that fills the queue blocks the fast LUNs behind it (head-of-line; the fix
 * is separate controllers).
 *
 * Poll mode follows the StorVSP source (storvsp/src/lib.rs, `poll_process_ready`, and the
 * `poll_mode_queue_depth` doc of ScsiControllerHandle): while pending IO >= poll_mode_queue_depth
 * the worker reads the ring with `try_read_batch` and does not arm the ring interrupt ("keeping
 * interrupts masked ... assuming that some other activity will trigger a check of the queue"). So
 * the guest stops signalling, and a new request is noticed when the worker next wakes, i.e. at the
 * next backend completion. It is not a busy spin (the guide's "spins checking ring" describes the
 * intent, the code returns Pending): with a slow backend the cost is latency, not CPU.
 *
 * The worker reads a batch of requests (CPU per request) and issues each to the disk backend
 * through its thread's io_uring (io_ring_size back-pressure); backend completions arrive on that
 * ring, the worker posts them to the guest (CPU per completion) and signals the channel's VP,
 * which sees the completion when its guest runs (sim/guest).
 */
import type { Ns } from '../contracts';
import { newFifo } from './iopool';
import * as iopool from './iopool';
import type { Fifo } from './iopool';
import type { Executor } from './executor';
import type { OpenHclModel } from './model';
import * as params from './params';
import { Task } from './task';
import * as tasks from './task';

// Hot paths use module-local copies of imported constants: under tsx (tests, bench) an imported
// binding is a getter call on every use.
const { R_AWAIT, R_CPU } = tasks;
const { STORVSP_COMPLETE_CPU_NS, STORVSP_REQUEST_CPU_NS } = params;
const { ST_WAIT_RING_SLOT } = iopool;

export interface DiskRt {
  /** Index in the VM's global disk table. */
  gidx: number;
  name: string;
  controller: number;
  /** Sum / count / max of time spent waiting in a channel ring (queue full), ns. */
  ringWaitNs: number;
  ringWaitMax: number;
  ios: number;
  /** Sum of backend latencies, ns. */
  backendNs: number;
  /** Sum of submit -> posted-to-guest, ns. */
  totalNs: number;
  /** disk_nvme: IO queues (VPs 0..n-1 own one); 0 = disk_blockdevice (completion on the submitting ring). */
  nvmeQueues: number;
}

export interface ChannelRt {
  gidx: number;
  controller: number;
  index: number;
  /** VP the worker targets (interrupts go there too). */
  vp: number;
  depth: number;
  pollDepth: number;
  /** Requests written by the guest, not yet read by the worker. */
  ring: Fifo;
  /** Backend completions reaped, not yet posted to the guest. */
  done: Fifo;
  /** Requests read by the worker and not yet completed to the guest. */
  inFlight: number;
  /** Times the queue filled up with requests left waiting in the ring. */
  queueFull: number;
  /** The queue is full with requests waiting (an event was counted). */
  full: boolean;
  /** Interrupts masked (poll mode): the guest does not signal new requests. */
  masked: boolean;
  /** Requests that arrived while masked, with room in the queue, and how long they waited to be read. */
  maskedWaits: number;
  maskedWaitNs: number;
  maskedWaitMax: number;
  /** The controller runs without interrupts (every completion is untargeted, on VP 0). */
  noInterrupts: boolean;
  worker: StorvspWorker;
}

export class StorvspWorker extends Task {
  private readonly batchDone: Fifo = newFifo();
  private readonly batchReq: Fifo = newFifo();
  private phase = 0;
  ch!: ChannelRt;

  constructor(
    readonly m: OpenHclModel,
    name: string,
    recCause: number,
    workCause: number,
    /** Thread executor for the thread and single backends; null: the channel VP's executor. */
    readonly home: Executor | null,
  ) {
    super(name, recCause, workCause);
  }

  override intendedVp(): number {
    return this.home ? -1 : this.ch.vp;
  }

  poll(ex: Executor, now: Ns): number {
    const m = this.m;
    const pool = m.pool;
    const ch = this.ch;
    if (this.phase === 1) {
      // The batch's CPU is spent: its effects happen now.
      this.phase = 0;
      for (let id = pool.shift(this.batchDone); id >= 0; id = pool.shift(this.batchDone)) m.postToGuest(ch, id, now);
      for (let id = pool.shift(this.batchReq); id >= 0; id = pool.shift(this.batchReq)) m.submitBackend(ex, id, now);
    }
    let n = 0;
    let cost = 0;
    for (let id = pool.shift(ch.done); id >= 0; id = pool.shift(ch.done)) {
      pool.push(this.batchDone, id);
      ch.inFlight--;
      cost += STORVSP_COMPLETE_CPU_NS;
      n++;
    }
    const pollMode = ch.inFlight >= ch.pollDepth;
    while (ch.inFlight < ch.depth && ch.ring.length > 0) {
      const id = pool.shift(ch.ring);
      const waited = now - pool.t0[id];
      if (waited > 0) m.noteRingWait(pool.disk[id], waited);
      if (waited > m.stallThresholdNs) m.ringStall(ch, pool.disk[id], now - waited, now);
      if (pool.flag[id] === 1) {
        // Written while the interrupt was masked and the queue had room: it waited for this wake.
        ch.maskedWaits++;
        ch.maskedWaitNs += waited;
        if (waited > ch.maskedWaitMax) ch.maskedWaitMax = waited;
      }
      pool.stage[id] = ST_WAIT_RING_SLOT;
      pool.push(this.batchReq, id);
      ch.inFlight++;
      cost += STORVSP_REQUEST_CPU_NS;
      n++;
    }
    if (pollMode) m.add(m.cPolls); // the ring was checked with try_read_batch (no interrupt armed)
    if (ch.ring.length > 0 && ch.inFlight >= ch.depth) {
      // The worker stops reading the ring at its queue depth: the requests left there wait behind
      // the in-flight ones, whatever their disk (head-of-line). One event per time it fills up.
      if (!ch.full) {
        ch.full = true;
        ch.queueFull++;
        m.add(m.cQueueFull);
      }
    } else ch.full = false;
    // Poll mode when the worker next waits: at or above the threshold it leaves the ring
    // interrupt masked and relies on the next completion to look again. With nothing in flight
    // nothing would ever look, so a depth of 0 still waits for the guest's signal.
    ch.masked = ch.inFlight >= ch.pollDepth && ch.inFlight > 0;
    if (m.lanes !== null) m.lanes.channel(ch, now);
    if (n > 0) {
      this.phase = 1;
      ex.actNs = cost;
      ex.actCause = this.workCause;
      return R_CPU;
    }
    return R_AWAIT;
  }
}
