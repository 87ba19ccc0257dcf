// CONTRACTS-READY
/**
 * Contracts between the engine / host layer (sim/engine.ts, sim/host/) and the models that run
 * inside host threads (the plain KVM/Xen vCPU in sim/vcpu.ts, the guest in sim/guest/, the OpenHCL
 * paravisor in sim/openhcl/). Interfaces and constants only, plus re-exports of the small helpers
 * models build on. Changes here are additive only.
 *
 * The layering, bottom up:
 *
 *   Engine        one event queue, integer-ns time, handlers addressed by integer ids (engine.ts)
 *   HostApi       pCPUs, cpupools, one scheduler per pool, host threads (host/host.ts)
 *   ThreadBody    what runs inside a host thread: told when it gets and loses a pCPU
 *     - a vCPU/VP thread's body is an *outer per-VP model*:
 *         plain KVM/Xen vCPU (vcpu.ts)  -> enters VTL0 whenever the guest has work
 *         OpenHCL VP executor (openhcl/) -> runs ready VTL2 tasks first, VTL0 only when none is
 *                                          ready, and pulls the VP out of VTL0 on io_uring events
 *     - the outer drives the *inner* VTL0 guest model through `Vtl0` (guest/), which tells it
 *       back through `Vtl0Outer` when the guest halts, exits, or gets work while halted
 *     - host load threads and dedicated VTL2 threads have simple bodies
 *   Recorder / Stats  timeline intervals, per-state totals, latency samples, stalls, counters
 *
 * Rules every model follows (they keep runs fast and deterministic):
 * - No allocation per event: allocate entities, timers and CpuWork objects at setup; per-event
 *   code touches numbers only.
 * - Never call back into a body synchronously from another body's callback in a way that could
 *   re-enter it: the host already defers context switches to an event at the same time, so a
 *   body may call `host.wake/block/yield` freely from anywhere.
 * - All randomness from `ctx.rng.stream(id)` with a unique, stable id per entity
 *   (e.g. `vm:web/task:nvme`, `vm:web/vp:3/residence`).
 * - Times are integer ns (`Math.round` any computed duration).
 */
import type { TextRange } from '../core/text';
import type { LaneKind } from '../core/timeline';
import type { Finding } from '../core/findings';
import type { HostCosts, Scenario, ThreadPolicy, Vm } from '../model/ir';
import type { Engine, Ns } from './engine';
import type { RngStreams } from './rng';

export type { Engine, EventHandler, Ns, StopReason, RunLimits } from './engine';
export type { Rng, RngStreams } from './rng';
export { distMean } from './rng';
export { CpuWork } from './work';

// ======================================================================== host threads

/** Host thread states (`HostApi.state`). */
export const TS_BLOCKED = 0;
export const TS_RUNNABLE = 1;
export const TS_RUNNING = 2;

/**
 * Why a thread blocks (`HostApi.block`): decides the state recorded on its lane and whether the
 * time is "idle" (a halted vCPU, an executor waiting on its ring: not steal, not a stall) or
 * "blocked" (waiting on something: a blocking syscall, a mutex...).
 */
export const BLOCK_IDLE = 0;
export const BLOCK_WAIT = 1;

export type ThreadKind = 'vcpu' | 'load' | 'dedicated';

export interface ThreadSpec {
  kind: ThreadKind;
  /** Timeline lane of the thread's host view (running / runnable / blocked / idle). */
  laneId: string;
  label: string;
  /** Label of the timeline lane when it differs from `label` (e.g. `thread mgmt`). */
  laneLabel?: string;
  /** Lane group: `vm:NAME` for VM threads, `host` for host loads. */
  group: string;
  /** Pool index (HostApi.poolIndex). */
  pool: number;
  /** Hard affinity (pCPUs); intersected with the pool's CPUs. */
  cpus: readonly number[];
  /** Soft affinity (preferred pCPUs), default = cpus. */
  cpusSoft?: readonly number[];
  /** Linux policy; under a Xen scheduler only weights/caps matter. */
  policy: ThreadPolicy;
  nice: number;
  /** SCHED_FIFO/RR priority 1..99 (used when policy is fifo/rr). */
  rtPriority: number;
  /** Xen domain (HostApi.createDomain): weight and cap are per domain. */
  domain: number;
  /** VM index and VP/vCPU index, when the thread is a VP (results list per-VP states). */
  vm?: number;
  vp?: number;
  /** The model running in the thread; may be set later with `HostApi.setBody` (before the run). */
  body?: ThreadBody;
  /** The statement that declared the thread (the VM, the load, the task): stalls point at it. */
  range?: TextRange;
}

/**
 * What runs inside a host thread. The host calls `resume` when the thread starts running on a
 * pCPU and `suspend` when it loses the pCPU involuntarily (preemption, slice end, cap parking).
 * `suspend` is NOT called after the body blocked or yielded itself (it knows it stopped); the next
 * `resume` comes after a `wake` (block) or when the scheduler picks it again (yield).
 *
 * Both callbacks may call host methods (wake others, block/yield itself, boost) and arm timers.
 * A thread starts blocked: wake it (e.g. at time 0 from a setup event) to make it run.
 */
export interface ThreadBody {
  resume(tid: number, cpu: number, now: Ns): void;
  suspend(tid: number, now: Ns): void;
}

export interface DomainSpec {
  name: string;
  /** Xen cpu_weight 1..65535 (256 default). */
  weight: number;
  /** Xen cap in percent of one pCPU, 0 = none. */
  capPercent: number;
  pool: number;
}

export interface HostApi {
  readonly engine: Engine;
  readonly pcpus: number;
  /** Pool index by name (-1 when unknown). */
  poolIndex(name: string): number;
  /** The pool's pCPUs. */
  poolCpus(pool: number): readonly number[];

  /** Setup only. */
  createDomain(spec: DomainSpec): number;
  /** Setup only. Returns the thread id (tid); the thread starts blocked. */
  createThread(spec: ThreadSpec): number;
  /** Setup only: installs/replaces the body of a thread created without one (VP threads). */
  setBody(tid: number, body: ThreadBody): void;

  /** Makes a blocked thread runnable (no-op if it is runnable or running). */
  wake(tid: number, now: Ns): void;
  /**
   * The running thread `tid` blocks itself (called from its own body). It leaves the pCPU at once
   * (no `suspend`); `cause` (Recorder.causeId, -1 none) annotates its lane interval.
   */
  block(tid: number, now: Ns, why: number, cause?: number): void;
  /** The running thread gives up the pCPU but stays runnable (sched_yield / Xen yield). */
  yield(tid: number, now: Ns): void;
  /**
   * Directed yield (KVM PLE: kvm_vcpu_on_spin -> yield_to): if `target` is runnable and may run on
   * the caller's pCPU, it runs there next; otherwise a plain yield. Returns whether it was directed.
   */
  yieldTo(tid: number, target: number, now: Ns): boolean;
  /**
   * KVM paravirt boost: run `tid` as SCHED_RR at `rtPriority` (1..99) until cleared with 0.
   * Ignored under Xen schedulers (counted as `boost.ignored`).
   */
  setBoost(tid: number, rtPriority: number, now: Ns): void;
  boosted(tid: number): boolean;

  state(tid: number): number;
  /** pCPU the thread runs on (or last ran on; -1 never ran). */
  cpuOf(tid: number): number;
  /**
   * KVM steal-time `preempted` flag: the thread was scheduled out while RUNNING and still runnable
   * (kvm_sched_out with current->on_rq), and has not run since. A thread woken from a halt and
   * waiting for a pCPU is runnable (steal) but not preempted.
   */
  isPreempted(tid: number): boolean;
  /** Optional: runnable but not running, woken or preempted (KVM `vcpu->ready`, the directed-yield candidates). */
  isReady?(tid: number): boolean;
  /** Optional: `tid` (running) is alone on its pCPU: nothing else queued there (KVM halt polling's single_task_running; false on Xen pools). */
  singleTaskRunning?(tid: number): boolean;
  /** Runnable-but-not-running ns accumulated so far (steal), up to `now`. */
  stealNs(tid: number, now: Ns): Ns;
  /** Recorder lane of the thread's host view. */
  laneOf(tid: number): number;
  /** Display name of the thread (its lane label). */
  nameOf(tid: number): string;
  /** The thread currently running on `cpu` (-1 idle). */
  currentOn(cpu: number): number;
  /** The thread that took the pCPU when `tid` was last preempted (-1 none / unknown). */
  preemptedBy(tid: number): number;
  /** When `tid` last became runnable (woken or preempted); meaningful while it is runnable. */
  runnableSince(tid: number): Ns;
  /**
   * Optional (the real host has it): VP threads of VM `vm` whose steal-time `preempted` flag is set
   * right now (see isPreempted: scheduled out while running, not merely woken and waiting).
   */
  preemptedVcpus?(vm: number): number;
  /**
   * Optional: per VM, one bit per VP (bit `vp & 31` of word `vp >> 5`) set while that VP's thread is
   * runnable but not running (`isReady`); the host updates it in place, so read it when needed.
   */
  readyVcpuBits?(vm: number): Uint32Array | undefined;
  /** Optional: the thread that ran on `tid`'s pCPU right before `tid` got it (-1 none: the pCPU was idle). */
  ranBefore?(tid: number): number;
  /** Optional: `fn(now)` runs whenever a VP thread of VM `vm` gets preempted (its flag set; defer work: arm a timer). */
  onVcpuPreempted?(vm: number, fn: (now: Ns) => void): void;
}

// ======================================================================== VTL0 nesting

/**
 * Exit codes of `Vtl0Outer.vtl0Exit`: why the guest left VTL0 for the hypervisor or the paravisor.
 * The outer decides how the exit is served: a plain vCPU spends `durNs` of CPU in the hypervisor;
 * an OpenHCL VP shows `intercept` for hypervisor-handled exits and handles EXIT_RTC_* / EXIT_PAM
 * in VTL2 (GET/VMGS round trips), ignoring the plain `durNs` where its own model knows better.
 */
export const EXIT_INTERCEPT = 1; // a guest `intercept NAME {rate; duration}` source (hypervisor-handled)
export const EXIT_STEP = 2; // a guest `exit REASON DIST` step (cause = the reason)
export const EXIT_PLE = 3; // pause-loop exit of a kernel-mode spinner
export const EXIT_UNBOOST = 4; // the guest's synchronous unboost (KVM dynamic boost)
export const EXIT_IPI = 5; // the guest sends an IPI to wake a halted sibling vCPU
export const EXIT_RTC_READ = 6;
export const EXIT_RTC_WRITE = 7;
export const EXIT_PAM_REMAP = 8;
/**
 * A guest `exit REASON DIST vmm` step: the exit goes to the VMM (userspace: QEMU/OpenVMM for a plain
 * vCPU, OpenHCL's VTL2 for an OpenHCL VP) and the vCPU thread waits there, blocked (not runnable,
 * so neither preempted nor steal) for DIST, e.g. an emulated device or a host-side barrier.
 */
export const EXIT_VMM = 9;
export const EXIT_NAMES = ['', 'intercept', 'exit', 'ple', 'unboost', 'ipi', 'rtc_read', 'rtc_write', 'pam_remap', 'vmm'] as const;

/**
 * The VTL0 (guest) side of one VP / vCPU: guest threads, its scheduler, interrupts. Implemented
 * by sim/guest/. It only executes between `enter` and the moment it halts, exits, or is left.
 *
 * States: OUT (not executing: after leave) | IN (executing) | EXIT (waiting for the outer to
 * finish an exit it requested) | HALTED (told the outer it has nothing to do). The guest starts
 * HALTED at time 0 (like the vCPU thread, which starts blocked) and calls `vtl0Kick` when it first
 * gets work.
 */
export interface Vtl0 {
  readonly vm: number;
  readonly vp: number;
  /** Installs the outer per-VP model (once, at setup). */
  attach(outer: Vtl0Outer): void;
  /**
   * The VP executes the guest from `now` (the thread is on a pCPU). May call back synchronously
   * `outer.vtl0Halt` (nothing to run) or `outer.vtl0Exit`; the outer must accept that.
   */
  enter(now: Ns): void;
  /** The VP stops executing the guest (host preemption, io_uring cancel, natural exit, VTL2 work). Freezes guest work; never calls back. No-op unless IN. */
  leave(now: Ns): void;
  /** The exit requested through `vtl0Exit` is over; the guest may be entered again (it does not enter by itself). */
  exitDone(now: Ns): void;
  /** The guest has something to run or an interrupt to take (false: entering it would halt at once). */
  hasWork(): boolean;
  /**
   * While `hasWork()`: since when the guest has had something to run without a break (the oldest
   * thread waiting on this vCPU or pending item); -Infinity when it had work when it last left
   * VTL0 (a thread was running). Lets the outer time a guest stall from when work waited, not from
   * when the VP left: the work may have come late, or left for another vCPU meanwhile.
   */
  workSince(): Ns;
  /** Executing guest code right now. */
  inGuest(): boolean;
}

/** The outer per-VP model as the guest sees it. */
export interface Vtl0Outer {
  /** The guest halted (HLT: no runnable guest thread, no pending interrupt). It is out of VTL0. */
  vtl0Halt(vp: number, now: Ns): void;
  /**
   * The guest exits for `exit` (EXIT_*), needing `durNs` of handling; it is out of VTL0 until the
   * outer calls `exitDone`. `cause` is a Recorder cause id (e.g. the exit reason), `range` the
   * statement responsible (for stalls). `yieldTo` (EXIT_PLE only, -1/absent: none) is the host
   * thread of a preempted sibling vCPU to hand the pCPU to after the exit (KVM directed yield);
   * an outer that cannot yield may ignore it.
   */
  vtl0Exit(vp: number, now: Ns, exit: number, durNs: Ns, cause: number, range?: TextRange, yieldTo?: number): void;
  /** A halted guest got work (timer, interrupt, IPI, IO completion): the outer should run it when it can. */
  vtl0Kick(vp: number, now: Ns): void;
}

/** KVM paravirt scheduling hooks the outer per-VP model calls (sim/kvm.ts; no-ops without dynamic boost). */
export interface BoostHooks {
  /** The VP left the guest for the host/hypervisor (any exit): pending guest boost requests take effect now. */
  onExit(vp: number, now: Ns): void;
  /** The VP halted: the host drops a host-initiated boost the guest never clears (guest_unboosts off). */
  onHalt(vp: number, now: Ns): void;
}

// ======================================================================== storage handoff

/**
 * Guest disk IO for VMs with `openhcl` goes to the OpenHCL engineer's StorVSP model. The guest
 * (a `disk_io` step or an `ioload`) calls `submit`; the model later calls `IoSink.ioDone` exactly
 * once per token with the vCPU that takes the completion interrupt. Indices refer to
 * `vm.openhcl.storvsp[controller].disks[disk]`. VMs without openhcl (or without a StorageModel)
 * get a plain latency instead (guest/io.ts).
 */
export interface StorageModel {
  submit(vcpu: number, controller: number, disk: number, token: number, now: Ns): void;
}

export interface IoSink {
  ioDone(token: number, vcpu: number, now: Ns): void;
  /** Recorder cause (the guest thread or IO load) of IO `token`, for timeline lanes; -1 when unknown. */
  ioCause?(token: number): number;
}

// ======================================================================== recording

/** State names every lane may use; more can be interned with `Recorder.stateId`. */
export const STATE_RUNNING = 'running';
export const STATE_RUNNABLE = 'runnable';
export const STATE_BLOCKED = 'blocked';
export const STATE_IDLE = 'idle';

export interface LaneSpec {
  id: string;
  label: string;
  group: string;
  kind: LaneKind;
  /** VM index / VP index: the lane's per-state totals appear in that VP's result under `view`. */
  vm?: number;
  vp?: number;
  /** Name of the view in the VP result (`host` for host threads; e.g. `openhcl` for the executor view). */
  view?: string;
}

/**
 * Timeline intervals and per-state time. A lane is in exactly one state at a time; `set` closes
 * the current interval at `now` and opens the next. Totals per (lane, state) are always kept
 * (clipped to [warmup, end]); intervals are kept only when timelines were requested, so recording
 * costs a few array writes per transition. Lanes start in `idle` at time 0 unless set otherwise.
 */
export interface Recorder {
  readonly timelines: boolean;
  /** Interns a state name (do it at setup). */
  stateId(name: string): number;
  /** Interns a cause / task label shown on intervals (prefer setup). */
  causeId(label: string): number;
  lane(spec: LaneSpec): number;
  /** Lane `lane` is in `state` from `now` on, caused by `cause` (-1 none). */
  set(lane: number, now: Ns, state: number, cause?: number): void;
  /** Current state of a lane. */
  stateOf(lane: number): number;
}

export type TaskKind = 'vtl2-task' | 'guest-thread' | 'parallel' | 'ioload' | 'host-load' | 'guest-io' | 'guest-irq' | 'other';

export interface TaskSpec {
  name: string;
  kind: TaskKind;
  /** VM name (absent for host loads). */
  vm?: string;
  /** The statement of the task. */
  range?: TextRange;
  /** What one sample measures, for readers: `latency` (release -> done), `pass` (loop pass time), `round` (parallel round). */
  measures?: 'latency' | 'pass' | 'round';
}

export interface StallInput {
  /** Task (or thread) that could not progress. */
  task: string;
  /** VP / vCPU index (-1: a host thread). */
  vp: number;
  /** VM name (absent for host threads). */
  vm?: string;
  /**
   * Id of the timeline lane the stall shows on (the task's or thread's own lane), when the model
   * has one for it; without it a view falls back to the VP's lanes.
   */
  lane?: string;
  startNs: Ns;
  durationNs: Ns;
  /** Primary cause code, e.g. `blocking-syscall`, `intercept`, `vtl0-residence`, `host-preemption`, `lock-holder-preemption`. */
  cause: string;
  /** Human chain of causes, outermost first. */
  causes?: string[];
  /** The responsible statement (where the user should look). */
  range?: TextRange;
}

export interface Stats {
  /** Declares a latency series (setup). */
  task(spec: TaskSpec): number;
  /** One latency sample (ns) of task `task`, completed at `now`; ignored before the warmup. */
  sample(task: number, now: Ns, latencyNs: Ns): void;
  /** Optional: at the end `now`, work of `task` released `ageNs` earlier is unfinished (a censored sample). */
  censored?(task: number, now: Ns, ageNs: Ns): void;
  /** A stall; ignored when shorter than the scenario's stall threshold or before the warmup. */
  stall(s: StallInput): void;
  /** Threshold above which waits are stalls (scenario `stall_threshold`). */
  readonly stallThresholdNs: Ns;
  /** Interns a counter (setup); `add` is then a typed-array increment. */
  counter(name: string): number;
  add(counter: number, n?: number): void;
  /** Finding produced by a model (e.g. the OpenHCL run hazards); analysis/run adds the host/guest ones. */
  finding(f: Finding): void;
}

// ======================================================================== setup context

export interface SimOptions {
  /** Record timeline intervals (default false: only per-state totals). */
  timeline?: boolean;
  /** Override the scenario seed. */
  seed?: number;
  /** Override the scenario's max_events. */
  maxEvents?: number;
  /** Override the simulated duration (ns). */
  durationNs?: Ns;
  /**
   * Polled every few thousand events (see `checkEvery`), and every 256 threads (vCPUs, guest
   * threads, team members, load threads) or VMs while the model is built: return true / a reason
   * to stop (wall budget, cancellation). A stop during the set-up ends the run before its first
   * event: `simulate` throws {@link SetupStopped}, `simulateAll` reports the run as not run
   * (`onNotRun`). A model of fewer than 256 is never polled before its first event.
   * `size` is what the runs have recorded so far (`simulateAll`: the runs done and this one), so
   * that a shell with a wall budget can keep time for the work that follows a stop (results,
   * outputs), which grows with it; the core itself reads no clock.
   */
  shouldStop?: (size?: RunSize) => boolean | 'wall_limit' | 'cancelled' | undefined;
  /**
   * Events between two polls of `shouldStop`: a number, or a function asked after each poll for
   * the next batch (a shell that reads its clock there can poll more often when events are slow).
   * Default 4096. Polls change no result.
   */
  checkEvery?: number | (() => number);
  /** Fraction of simulated time done, in [0, 1], non-decreasing. */
  onProgress?: (fraction: number) => void;
  /**
   * With `timeline`: record at most this many intervals (all lanes together); reaching it ends the
   * timeline there and stops the run at its next poll, reason `timeline_limit`. Default
   * `MAX_TIMELINE_INTERVALS` (record.ts, 8,000,000).
   */
  maxTimelineIntervals?: number;
  /** Keep at most this many stalls (the longest). Default 200. */
  maxStalls?: number;
  /**
   * Benchmark probe: called with the engine when the model is built, right before the first event
   * (`run`), and when the run is over, right before the results are collected (`results`). The
   * core reads no clock; a caller that wants phase times reads its own.
   */
  onPhase?: (phase: 'run' | 'results', engine: Engine) => void;
}

/**
 * What a run has recorded so far: the work after a stop (latency summaries, the timeline's
 * build, transfer and encoding) grows with these.
 */
export interface RunSize {
  /** Timeline lanes (threads, vCPUs, pCPUs...). */
  lanes: number;
  /** Timeline intervals recorded (0 without timelines). */
  intervals: number;
  /** Latency samples kept for the percentiles (at most 4 Mi per task). */
  samples: number;
}

/** Everything a model needs at setup. */
export interface SimContext {
  readonly scenario: Scenario;
  readonly options: SimOptions;
  readonly engine: Engine;
  readonly host: HostApi;
  readonly rng: RngStreams;
  readonly rec: Recorder;
  readonly stats: Stats;
  /** Simulated end (run duration). */
  readonly endNs: Ns;
  readonly warmupNs: Ns;
  /**
   * Called once per thread (vCPU, guest thread, team member, host load thread) while the model is
   * built: every 256 calls it polls `options.shouldStop` and throws {@link SetupStopped} on a stop.
   */
  readonly setupTick?: () => void;
}

/** Thrown out of a model's set-up when `shouldStop` asks for a stop before the first event. */
export class SetupStopped extends Error {
  constructor(readonly reason: 'wall_limit' | 'cancelled') {
    super(`stopped during set-up (${reason})`);
  }
}

// ======================================================================== OpenHCL plug-in

/** What run.ts hands the OpenHCL model for one VM with an `openhcl` block. */
export interface OpenHclVmSetup {
  vmIndex: number;
  vm: Vm;
  /** The VM's Xen domain / pool (for dedicated threads: `host.createThread({... domain, pool})`). */
  domain: number;
  pool: number;
  /** Host thread of each VP (created with the VM's scheduling settings, no body yet): `host.setBody(tid, yourExecutor)`. */
  vpThreads: readonly number[];
  /** VTL0 side of each VP: `vtl0[vp].attach(yourExecutor)`. */
  vtl0: readonly Vtl0[];
  /** Deliver guest disk IO completions here. */
  io: IoSink;
  /** Host costs of a VP thread's halt and wake-up (the VM's, as for a plain vCPU); default: the scenario host's. */
  costs?: HostCosts;
  /**
   * KVM paravirt hooks of this VM (call onExit / onHalt like the plain vCPU does). Natural VTL0
   * residence is the outer's job: sample `vm.guest.residence` from
   * `ctx.rng.stream(\`vm:${vm.name}/vp:${vp}/residence\`)` (the id the plain vCPU uses too).
   */
  boost: BoostHooks;
}

/** What the OpenHCL model gives back. */
export interface OpenHclVm {
  /** Receives the guest's disk IO for this VM. */
  storage: StorageModel;
  /** Called once at the end (now = end of run) before results are collected. */
  finish?(now: Ns): void;
}

/**
 * The OpenHCL model's entry point: `server/src/sim/openhcl/index.ts` exports
 * `export const buildOpenHcl: OpenHclBuilder`. run.ts calls it once per VM with `openhcl`, after
 * the host, the VP threads and the guest exist and before the run starts (time 0). The executor
 * should wake its VP threads at time 0 (e.g. through a posted engine event or `host.wake(tid, 0)`).
 */
export type OpenHclBuilder = (ctx: SimContext, setup: OpenHclVmSetup) => OpenHclVm;
