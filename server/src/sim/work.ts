/**
 * CPU work in progress: a stretch of computation that only advances while its thread runs.
 *
 * A model starts `ns` of work; while the owning thread holds a pCPU, a completion timer is armed
 * at (now + remaining). When the host preempts the thread, `pause` freezes what is left; `resume`
 * re-arms the completion. On completion the owner's handler receives `arg`. One instance per
 * entity (allocated at setup), no allocation per start/pause/resume.
 */
import { handlerLabel, type Engine, type EventHandler, type Ns } from './engine';

export class CpuWork implements EventHandler {
  private readonly timer: number;
  /** Work left when paused, or at `since` when running. */
  private left = 0;
  /** Time the current running stretch began (valid while running). */
  private since = 0;
  private active = false;
  private onCpu = false;

  /**
   * @param owner receives `owner.onEvent(arg, now)` when the work completes.
   * @param running whether the owning thread is on a CPU right now (usually false at setup).
   */
  constructor(
    private readonly engine: Engine,
    private readonly owner: EventHandler,
    private readonly arg: number,
    running = false,
  ) {
    this.timer = engine.timer(engine.register(this, () => `CpuWork of ${handlerLabel(owner)}`), 0);
    this.onCpu = running;
  }

  /** Work outstanding (running or frozen). */
  get busy(): boolean {
    return this.active;
  }

  /** Whether the owning thread is on a CPU, as last told through pause/resume/start. */
  get running(): boolean {
    return this.onCpu;
  }

  /** CPU ns still to do at `now`. */
  remaining(now: Ns): Ns {
    if (!this.active) return 0;
    return this.onCpu ? Math.max(0, this.left - (now - this.since)) : this.left;
  }

  /**
   * Starts `ns` of work (replacing any outstanding work). `running` says whether the thread is on
   * a CPU now; when it is not, the work waits for `resume`. Zero work completes through an event
   * at `now` (never synchronously, so callers need not guard against re-entry).
   */
  start(now: Ns, ns: Ns, running: boolean): void {
    this.active = true;
    this.left = ns > 0 ? ns : 0;
    this.onCpu = running;
    this.since = now;
    if (running) this.engine.arm(this.timer, now + this.left);
    else this.engine.cancel(this.timer);
  }

  /** The thread lost its CPU: freeze the remaining work. */
  pause(now: Ns): void {
    if (!this.onCpu) return;
    this.onCpu = false;
    if (!this.active) return;
    this.left = Math.max(0, this.left - (now - this.since));
    this.engine.cancel(this.timer);
  }

  /** The thread got a CPU: continue the frozen work. */
  resume(now: Ns): void {
    if (this.onCpu) return;
    this.onCpu = true;
    this.since = now;
    if (this.active) this.engine.arm(this.timer, now + this.left);
  }

  /** Abandons the work; returns what was left. */
  stop(now: Ns): Ns {
    const r = this.remaining(now);
    this.active = false;
    this.engine.cancel(this.timer);
    return r;
  }

  /** @internal engine callback */
  onEvent(_arg: number, now: Ns): void {
    if (!this.active) return;
    this.active = false;
    this.left = 0;
    this.since = now;
    this.owner.onEvent(this.arg, now);
  }
}
