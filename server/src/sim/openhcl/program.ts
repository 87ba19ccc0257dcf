/**
 * A scenario `task` (a VTL2 device worker) run as a cooperative program: its trigger releases
 * passes; each pass runs the steps in order; the task yields only where a step awaits (sleep, io,
 * async get, wait_vp_ready). Steps that block the thread (syscall, blocking get, root_op) or keep
 * the CPU (cpu, intercept) do not yield: everything else on the same thread waits (model.md §1).
 *
 * Latency of a pass = release -> end of the pass (`measures: latency`); for `loop` programs the
 * pass time (`measures: pass`).
 */
import type { Dist, Step, Vtl2Task } from '../../model/ir';
import type { TextRange } from '../../core/text';
import type { EventHandler, Ns } from '../contracts';
import { sampler, type Rng, type Sampler } from '../rng';
import type { Executor } from './executor';
import type { OpenHclModel } from './model';
import type { TaskPlacement } from './placement';
import { Task } from './task';
import * as tasks from './task';

// Hot paths use module-local copies of imported constants: under tsx (tests, bench) an imported
// binding is a getter call on every use.
const { R_AWAIT, R_BLOCK, R_CPU, R_DONE, R_FOREVER, R_HV, R_YIELD } = tasks;

const K_CPU = 0;
const K_SLEEP = 1;
const K_IO = 2;
const K_SYSCALL = 3;
const K_INTERCEPT = 4;
const K_ROOT = 5;
const K_GET_BLOCK = 6;
const K_GET_ASYNC = 7;
const K_WAIT_READY = 8;
const K_SKIP = 9;
const K_IS_READY = 10;

const TR_LOOP = 0;
const TR_PERIODIC = 1;
const TR_POISSON = 2;
const TR_ONCE = 3;

/** Passes released while the task is busy queue here (Poisson/periodic); beyond this they are dropped and counted. */
const BACKLOG_MAX = 4096;
/** A `loop` pass that took no time at all waits this long before the next (keeps time moving). */
const EMPTY_LOOP_GAP_NS = 1_000;

export class ProgramTask extends Task implements EventHandler {
  readonly kinds: Int8Array;
  readonly dists: (Dist | null)[];
  /** The same, prepared for `Rng.draw` (filled after compile). */
  readonly samps: (Sampler | null)[];
  /** Cause-table id per step (what the step does to the thread), -1 for awaits. */
  readonly causes: Int32Array;
  readonly ranges: TextRange[];
  readonly nSteps: number;
  pc = 0;
  /** Release time of the running pass. */
  passRelease = 0;
  private passStartedAt = 0;
  private released = 0;
  private waitingRelease = true;
  private spawned = false;
  /** A pass has started and its sample is not recorded yet (its last step may be running). */
  private passOpen = false;
  private bHead = 0;
  private bLen = 0;
  private backlogCap = 64;
  private backlogArr: Float64Array;
  private readonly trigKind: number;
  private readonly releaseTimer: number;
  private nextDue = 0;
  /** wait_vp_ready: since when it waits for the target VP to come online (-1: not waiting). */
  vpWaitSince = -1;
  vpWaitStep = -1;
  /** Async GET that can never complete (GET worker deadlocked): since when. */
  stuckSince = -1;
  /** `io_ring current`: the ring of the task's last submission (its trigger timers use it too). */
  lastRing: Executor | null = null;
  /** Cause of ordinary VTL2 work when the task runs hosted for a sidecar VP that is not online. */
  readonly hostedCause: number;

  constructor(
    readonly m: OpenHclModel,
    readonly idx: number,
    readonly def: Vtl2Task,
    readonly placement: TaskPlacement,
    /** Thread executor for tasks that do not run on VP threads. */
    readonly home: Executor | null,
    readonly series: number,
    private readonly rng: Rng,
    private readonly trigRng: Rng,
    recCause: number,
    workCause: number,
    hostedCause: number,
  ) {
    super(def.name, recCause, workCause);
    this.hostedCause = hostedCause;
    this.backlogArr = new Float64Array(this.backlogCap);
    const steps = def.program.steps;
    this.nSteps = steps.length;
    this.kinds = new Int8Array(steps.length);
    this.dists = new Array(steps.length).fill(null);
    this.causes = new Int32Array(steps.length).fill(-1);
    this.ranges = steps.map((s) => s.range);
    steps.forEach((s, i) => this.compile(s, i));
    this.samps = this.dists.map((d) => (d ? sampler(d) : null));
    const tr = def.program.trigger;
    this.trigKind = tr.kind === 'loop' ? TR_LOOP : tr.kind === 'periodic' ? TR_PERIODIC : tr.kind === 'poisson' ? TR_POISSON : TR_ONCE;
    this.releaseTimer = m.engine.timer(m.engine.register(this), 0);
  }

  private compile(s: Step, i: number): void {
    const m = this.m;
    const t = `task \`${this.def.name}\``;
    switch (s.kind) {
      case 'cpu':
        this.kinds[i] = K_CPU;
        this.dists[i] = s.dur;
        this.causes[i] = m.causes.add('cpu-stretch', `running ${t} (a \`cpu\` step, no yield)`, ['split the work with awaits or move it off the VP thread'], s.range);
        break;
      case 'sleep':
        this.kinds[i] = K_SLEEP;
        this.dists[i] = s.dur;
        break;
      case 'io':
        this.kinds[i] = K_IO;
        this.dists[i] = s.latency;
        break;
      case 'syscall':
        this.kinds[i] = K_SYSCALL;
        this.dists[i] = s.dur;
        this.causes[i] = m.causes.add('blocking-syscall', `blocked in a syscall of ${t}`, ['a blocking syscall stalls every task on the thread and its guest', 'fix: async IO (io_uring) or `runs_on dedicated`'], s.range);
        break;
      case 'intercept':
        this.kinds[i] = K_INTERCEPT;
        this.dists[i] = s.dur;
        this.causes[i] = m.causes.add('intercept', `in a hypervisor intercept of ${t}`, ['not cancellable: every task on the VP waits'], s.range);
        break;
      case 'root_op':
        this.kinds[i] = K_ROOT;
        this.dists[i] = s.dur;
        this.causes[i] = m.causes.add('root-op', `stopped in the hypervisor for a root-handled ${s.op === 'mmio' ? 'MMIO write' : 'hypercall'} of ${t}`, ['both VTLs of the VP stall until the root completes it'], s.range);
        break;
      case 'get':
        this.kinds[i] = s.blocking ? K_GET_BLOCK : K_GET_ASYNC;
        this.dists[i] = s.dur;
        this.causes[i] = m.causes.add('get-round-trip', `waiting synchronously on the GET for ${t}`, ['fix: make the call async or run it on a dedicated thread'], s.range);
        break;
      case 'wait_vp_ready':
        this.kinds[i] = K_WAIT_READY;
        break;
      case 'is_vp_ready':
        this.kinds[i] = K_IS_READY;
        break;
      default:
        // Guest-only steps (lock, disk_io, rtc_*, pam_remap, exit) do not belong in a VTL2 task;
        // the checker reports them. The simulator skips them.
        this.kinds[i] = K_SKIP;
    }
  }

  override intendedVp(): number {
    return this.placement.executor === 'vp' && this.placement.target !== undefined ? this.placement.target : -1;
  }

  // ---------------------------------------------------------------- trigger

  /** Arms the first release (setup). */
  arm(): void {
    const p = this.def.program;
    const tr = p.trigger;
    let first = p.startNs;
    if (tr.kind === 'once') first = Math.max(p.startNs, tr.atNs);
    else if (tr.kind === 'poisson') first = p.startNs + this.trigRng.interarrival(tr.ratePerSec);
    if (!(first < Infinity)) return;
    this.nextDue = first;
    this.m.engine.arm(this.releaseTimer, first);
  }

  onEvent(_arg: number, now: Ns): void {
    const p = this.def.program;
    if (p.count !== undefined && this.released >= p.count) return;
    this.released++;
    if (this.trigKind === TR_PERIODIC || this.trigKind === TR_POISSON) {
      if (p.count === undefined || this.released < p.count) {
        const tr = p.trigger;
        // Periodic releases do not drift (due += period); Poisson arrivals are memoryless.
        this.nextDue = tr.kind === 'periodic' ? this.nextDue + Math.max(1, this.trigRng.sample(tr.period)) : now + this.trigRng.interarrival(tr.kind === 'poisson' ? tr.ratePerSec : 0);
        if (this.nextDue < Infinity) this.m.engine.arm(this.releaseTimer, this.nextDue);
      }
    }
    if (this.waitingRelease) {
      this.waitingRelease = false;
      this.startPass(now);
      if (!this.spawned) {
        this.spawned = true;
        this.m.spawnTask(this, now);
      } else {
        this.m.wakeFromTimer(this, now);
      }
    } else {
      this.pushBacklog(now);
    }
  }

  /**
   * End of the run: the pass in progress and the releases queued behind it as censored samples
   * (their age now), as guest threads and host loads report theirs. Releases dropped past the
   * backlog's bound are counted apart (`cBacklogDropped`).
   */
  censorAt(now: Ns): void {
    const st = this.m.stats;
    if (!st.censored) return;
    if (this.passOpen) st.censored(this.series, now, now - this.passRelease);
    for (let i = 0; i < this.bLen; i++) st.censored(this.series, now, now - this.backlogArr[(this.bHead + i) % this.backlogCap]);
  }

  private startPass(release: Ns): void {
    this.passOpen = true;
    this.passRelease = release;
    this.pc = 0;
  }

  private pushBacklog(t: Ns): void {
    if (this.bLen === this.backlogCap) {
      if (this.backlogCap >= BACKLOG_MAX) {
        this.m.add(this.m.cBacklogDropped);
        return;
      }
      const bigger = new Float64Array(this.backlogCap * 2);
      for (let i = 0; i < this.bLen; i++) bigger[i] = this.backlogArr[(this.bHead + i) % this.backlogCap];
      this.backlogArr = bigger;
      this.bHead = 0;
      this.backlogCap *= 2;
    }
    this.backlogArr[(this.bHead + this.bLen) % this.backlogCap] = t;
    this.bLen++;
  }

  // ---------------------------------------------------------------- poll

  poll(ex: Executor, now: Ns): number {
    const m = this.m;
    if (this.pc === 0) this.passStartedAt = now;
    for (;;) {
      if (this.pc >= this.nSteps) {
        m.stats.sample(this.series, now, now - this.passRelease);
        this.passOpen = false;
        const p = this.def.program;
        if (this.trigKind === TR_LOOP) {
          if (p.count !== undefined && this.released >= p.count) return R_DONE;
          if (now === this.passStartedAt) {
            // A pass that took no time: wait a little instead of spinning at one instant (the
            // timer's release counts the next pass).
            this.waitingRelease = true;
            m.engine.arm(this.releaseTimer, now + EMPTY_LOOP_GAP_NS);
            return R_AWAIT;
          }
          // `loop` re-wakes itself: a yield, so other tasks get a turn, but never VTL0 meanwhile.
          this.released++;
          this.startPass(now);
          return R_YIELD;
        }
        if (this.bLen > 0) {
          const r = this.backlogArr[this.bHead];
          this.bHead = (this.bHead + 1) % this.backlogCap;
          this.bLen--;
          this.startPass(r);
          this.passStartedAt = now;
          continue; // an already expired timer: `.await` returns at once, no yield
        }
        if (this.trigKind === TR_ONCE || (p.count !== undefined && this.released >= p.count)) return R_DONE;
        this.waitingRelease = true;
        return R_AWAIT;
      }
      const i = this.pc++;
      switch (this.kinds[i]) {
        case K_CPU:
          ex.actNs = this.rng.draw(this.samps[i] as Sampler);
          if (m.isHosted(this, ex)) {
            ex.actCause = this.hostedCause;
            m.noteHosted(this, ex.actNs);
          } else ex.actCause = this.causes[i];
          if (ex.actNs === 0) continue;
          return R_CPU;
        case K_SYSCALL:
          ex.actNs = this.rng.draw(this.samps[i] as Sampler);
          ex.actState = m.sKernel;
          ex.actCause = this.causes[i];
          return R_BLOCK;
        case K_ROOT:
          ex.actNs = this.rng.draw(this.samps[i] as Sampler);
          ex.actState = m.sIntercept;
          ex.actCause = this.causes[i];
          return R_BLOCK;
        case K_INTERCEPT:
          ex.actNs = this.rng.draw(this.samps[i] as Sampler);
          ex.actCause = this.causes[i];
          return R_HV;
        case K_GET_BLOCK: {
          const d = this.rng.draw(this.samps[i] as Sampler);
          m.add(m.cGetRoundTrips);
          if (ex === m.getWorker || m.getDeadlockCause >= 0) {
            // A blocking GET call made from the GET worker itself can never be answered (the
            // worker is the one that would process the reply): a deadlock (model.md §1). Every
            // later GET round trip waits forever too.
            ex.actState = m.sKernel;
            ex.actCause = ex === m.getWorker ? m.declareGetDeadlock(this, i, now) : m.getDeadlockCause;
            return R_FOREVER;
          }
          ex.actNs = d;
          ex.actState = m.sKernel;
          ex.actCause = this.causes[i];
          return R_BLOCK;
        }
        case K_GET_ASYNC: {
          const d = this.rng.draw(this.samps[i] as Sampler);
          m.add(m.cGetRoundTrips);
          if (m.getDeadlockCause >= 0) {
            this.stuckSince = now;
            return R_AWAIT; // never answered
          }
          m.startTaskTimer(this, ex, d, now, /* get */ true);
          return R_AWAIT;
        }
        case K_SLEEP:
          m.startTaskTimer(this, ex, this.rng.draw(this.samps[i] as Sampler), now, false);
          return R_AWAIT;
        case K_IO:
          m.submitTaskIo(this, ex, this.rng.draw(this.samps[i] as Sampler), now);
          return R_AWAIT;
        case K_WAIT_READY:
          if (m.waitVpReady(this, i, now)) return R_AWAIT;
          continue;
        case K_IS_READY:
          m.checkVpReady(this);
          continue;
        default:
          continue;
      }
    }
  }
}
