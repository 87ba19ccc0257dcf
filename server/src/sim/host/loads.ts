/**
 * Host load threads (`host { load NAME {...} }`): background work and latency-sensitive host work
 * beside the VMs. Each thread runs the load's program: `cpu` needs the pCPU, `sleep` frees it;
 * other steps (io, syscall, ...) are treated as waits of their duration. A sample per pass:
 * release -> end of pass (pass time for `loop`), which is how "host latency" (model.md: host max
 * latency 1577 us -> 15969 us under static RT vCPUs) is measured.
 */
import type { HostLoad } from '../../model/ir';
import { BLOCK_IDLE, type HostApi, type SimContext, type ThreadBody } from '../contracts';
import type { EventHandler, Ns } from '../engine';
import { compileProgram, firstRelease, nextRelease, Releases, ST_CPU, TRIG_LOOP, type CompiledProgram } from '../program';
import { distMean, type Rng } from '../rng';
import { CpuWork } from '../work';
import { fmtNs } from '../../core/format';

/** Mean duration of one pass of a program (sum of its steps' means). */
function passMean(p: CompiledProgram): number {
  let m = 0;
  for (const d of p.dist) if (d) m += distMean(d);
  return m;
}

const EV_WORK = 0;
const EV_RELEASE = 1;
const EV_WAKE = 2;

export class LoadThread implements ThreadBody, EventHandler {
  private readonly host: HostApi;
  private readonly work: CpuWork;
  private readonly relTimer: number;
  private readonly wakeTimer: number;
  private readonly releases = new Releases();
  private pc = -1;
  private release = 0;
  private passes = 0;
  private released = 0;
  private running = false;
  private preemptor = -1;
  private readonly name: string;
  private readonly cZeroLoop: number;

  constructor(
    private readonly ctx: SimContext,
    readonly tid: number,
    private readonly load: HostLoad,
    private readonly prog: CompiledProgram,
    private readonly rng: Rng,
    private readonly task: number,
    index: number,
  ) {
    this.host = ctx.host;
    const hid = ctx.engine.register(this);
    this.work = new CpuWork(ctx.engine, this, EV_WORK);
    this.relTimer = ctx.engine.timer(hid, EV_RELEASE);
    this.wakeTimer = ctx.engine.timer(hid, EV_WAKE);
    this.cZeroLoop = ctx.stats.counter('host.zero_time_loops');
    this.name = load.threads > 1 ? `${load.name}#${index}` : load.name;
    if (prog.count > 0 && prog.steps.length > 0) {
      let first = firstRelease(prog, rng);
      // The threads of one looping load start at random phases within one pass: real threads are
      // never in lockstep, and lockstep load would hit every pCPU at the same instant.
      if (prog.trig === TRIG_LOOP && load.threads > 1) first += Math.floor(rng.float() * passMean(prog));
      ctx.engine.arm(this.relTimer, first);
    }
  }

  onEvent(arg: number, now: Ns): void {
    if (arg === EV_WORK) {
      this.pc++;
      this.step(now);
    } else if (arg === EV_RELEASE) {
      this.released++;
      this.releases.push(now);
      const next = nextRelease(this.prog, this.rng, now);
      if (next < Infinity && this.released < this.prog.count) this.ctx.engine.arm(this.relTimer, next);
      if (this.pc < 0) this.beginPass(now);
    } else {
      this.preemptor = -1;
      this.host.wake(this.tid, now);
    }
  }

  private beginPass(now: Ns): void {
    this.release = this.releases.size > 0 ? this.releases.shift() : now;
    this.pc = 0;
    if (this.running) this.step(now);
    else {
      this.preemptor = -1;
      this.host.wake(this.tid, now);
    }
  }

  /** Runs steps from `pc` while on the CPU. */
  private step(now: Ns): void {
    const prog = this.prog;
    while (this.pc < prog.code.length) {
      const d = prog.samp[this.pc];
      const dur = d ? this.rng.draw(d) : 0;
      if (prog.code[this.pc] === ST_CPU) {
        this.work.start(now, dur, true);
        return;
      }
      // sleep and every other wait: the thread sleeps for the duration.
      this.pc++;
      if (dur > 0) {
        this.ctx.engine.arm(this.wakeTimer, now + dur);
        this.running = false;
        this.host.block(this.tid, now, BLOCK_IDLE);
        return;
      }
    }
    this.endPass(now);
  }

  private endPass(now: Ns): void {
    this.ctx.stats.sample(this.task, now, now - this.release);
    this.passes++;
    if (this.passes < this.prog.count) {
      if (this.prog.trig === TRIG_LOOP) {
        // A loop whose pass takes no time would spin forever at one instant: park it instead.
        if (now > this.release) this.releases.push(now);
        else this.ctx.stats.add(this.cZeroLoop);
      }
      if (this.releases.size > 0) {
        this.release = this.releases.shift();
        this.pc = 0;
        this.step(now);
        return;
      }
    }
    this.pc = -1;
    this.running = false;
    this.host.block(this.tid, now, BLOCK_IDLE);
  }

  /** End of the run: the pass in progress and queued releases are censored samples. */
  finish(now: Ns): void {
    const st = this.ctx.stats;
    if (!st.censored) return;
    if (this.pc >= 0) st.censored(this.task, now, now - this.release);
    while (this.releases.size > 0) st.censored(this.task, now, now - this.releases.shift());
  }

  resume(_tid: number, cpu: number, now: Ns): void {
    this.running = true;
    const since = this.host.runnableSince(this.tid);
    const wait = now - since;
    if (wait >= this.ctx.stats.stallThresholdNs) {
      const who = this.preemptor >= 0 ? this.preemptor : this.host.ranBefore?.(this.tid) ?? -1;
      const by = who >= 0 ? this.host.nameOf(who) : 'other threads';
      this.ctx.stats.stall({
        task: this.name,
        lane: `host/thread:${this.name}`,
        vp: -1,
        startNs: since,
        durationNs: wait,
        cause: 'host-preemption',
        causes: [`host thread ${this.name} was runnable for ${fmtNs(wait)} without a pCPU`, `pCPU ${cpu} was busy with ${by}`],
        range: this.load.range,
      });
    }
    if (this.pc < 0) {
      this.running = false;
      this.host.block(this.tid, now, BLOCK_IDLE);
      return;
    }
    if (this.work.busy) this.work.resume(now);
    else this.step(now);
  }

  suspend(_tid: number, now: Ns): void {
    this.running = false;
    this.preemptor = this.host.preemptedBy(this.tid);
    this.work.pause(now);
  }
}

/** Creates the threads of every host load; returns them (they arm their own first releases). */
export function createLoads(ctx: SimContext, poolOf: (cpus: readonly number[]) => number, domainOf: (load: HostLoad, pool: number) => number): LoadThread[] {
  const out: LoadThread[] = [];
  for (const load of ctx.scenario.host.loads) {
    const prog = compileProgram(load.program);
    const task = ctx.stats.task({ name: load.name, kind: 'host-load', range: load.range, measures: prog.trig === TRIG_LOOP ? 'pass' : 'latency' });
    const pool = poolOf(load.cpus);
    const domain = domainOf(load, pool);
    for (let i = 0; i < Math.max(1, load.threads); i++) {
      ctx.setupTick?.();
      const label = load.threads > 1 ? `${load.name}#${i}` : load.name;
      const tid = ctx.host.createThread({
        kind: 'load',
        laneId: `host/thread:${label}`,
        label,
        laneLabel: `thread ${label}`,
        group: 'host',
        pool,
        cpus: load.cpus,
        policy: load.policy,
        nice: load.nice,
        rtPriority: load.rtPriority,
        domain,
        range: load.range,
      });
      const t = new LoadThread(ctx, tid, load, prog, ctx.rng.stream(`host/load:${load.name}#${i}`), task, i);
      ctx.host.setBody(tid, t);
      out.push(t);
    }
  }
  return out;
}
