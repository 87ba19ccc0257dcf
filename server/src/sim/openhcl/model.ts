/**
 * The OpenHCL paravisor of one VM: per-VP cooperative executors, dedicated VTL2 threads, the
 * scenario's tasks, StorVSP workers, sidecar onlining, and the bookkeeping behind stalls,
 * counters and run findings. Built once per VM by `buildOpenHcl` (index.ts).
 *
 * Routing follows the backend table of model.md §1 (placement.ts); where work for a VP goes while
 * that VP is still a sidecar CPU follows sidecar.ts. Every IO is a pooled record (iopool.ts) and
 * every timer an engine event carrying its id, so the storage hot path allocates nothing.
 */
import type { TextRange } from '../../core/text';
import type { Finding } from '../../core/findings';
import type { Dist, HostCosts, OpenHcl, Sidecar, Vm } from '../../model/ir';
import type { BoostHooks, Engine, EventHandler, HostApi, IoSink, Ns, OpenHclVmSetup, Recorder, SimContext, Stats, StorageModel } from '../contracts';
import * as contracts from '../contracts';
import { sampler, type Rng, type Sampler } from '../rng';
import { CauseTable } from './causes';
import type { Cause } from './causes';
import { storvspChannelName, storvspLayout } from './channels';
import { hostCosts } from '../host/costs';
import type { ChannelLayout } from './channels';
import { Executor } from './executor';
import { openHclFindings } from './findings';
import { IoPool, newFifo } from './iopool';
import * as iopool from './iopool';
import { ioVpOf, nvmeCompletionVp, placeTask, retarget, spawnVpOf } from './placement';
import { ProgramTask } from './program';
import { SidecarState, sidecarApplies } from './sidecar';
import type { ChannelRt, DiskRt } from './storvsp';
import { StorvspWorker } from './storvsp';
import * as tasks from './task';
import type { Task } from './task';
import { ExitTask, ForwardTask } from './vtl2exits';
import { LogArena } from './stalllog';
import { OpenHclLanes } from './lanes';
import { fmtNsShort } from '../../core/format';

// Hot paths use module-local copies of imported constants: under tsx (tests, bench) an imported
// binding is a getter call on every use.
const { EXIT_NAMES, EXIT_PAM_REMAP, EXIT_RTC_READ, EXIT_RTC_WRITE, EXIT_VMM } = contracts;
const { IO_TASK, IO_STORAGE, IO_TASK_GET, IO_TASK_TIMER, ST_IN_RING, ST_WAIT_RING_SLOT, ST_AT_BACKEND, ST_COMPLETED, ST_TASK_IN_FLIGHT } = iopool;
const { T_WAITING } = tasks;

/** VP lane states of the executor view (model.md §1 "VP thread states"). */
export const VP_STATES = ['vtl2', 'vtl0', 'intercept', 'kernel_blocked', 'idle', 'blackout'] as const;

export interface RetargetRt {
  task: number;
  vp: number;
  atNs: Ns;
  range: TextRange;
  /** IO (and timers) in flight on the old ring when it happened. */
  inFlight: number;
  fromVp: number;
}

/** Aggregates behind run findings (findings.ts). */
export interface ModelTally {
  /** VTL2 work that waited for a natural VTL0 exit (cancel off): count, total, max, per VP. */
  vtl0Waits: number;
  vtl0WaitNs: number;
  vtl0WaitMax: number;
  /** VTL2 work that waited for a guest hypervisor intercept to finish. */
  hvWaits: number;
  hvWaitNs: number;
  hvWaitMax: number;
  hvRange?: TextRange;
  /** Stalls by cause kind (count, total ns, longest, range of the longest). */
  stallsByKind: Map<string, { count: number; ns: number; max: number; range?: TextRange; example: string }>;
  /** Completions reaped per executor (index = executor index). */
  ringCompletions: Float64Array;
  /** Of which from untargeted sources (IO that went to VP 0 because nothing targeted it). */
  untargetedCompletions: Float64Array;
  /** Guest exits cancelled / natural per VP executor. */
  cancelsPerExec: Float64Array;
  /** Hosted work: VTL2 CPU ns run on another VP for a sidecar VP that was not online yet, per intended VP. */
  hostedNs: Float64Array;
  /** Onlining: longest queue, longest wait from request to Linux. */
  onlineQueueMax: number;
  onlineWaitMax: number;
  /** Exits of remote VPs served on the base CPU, and the base CPU time they cost. */
  forwardedExits: number;
  /** Chipset GET waits by exit kind (rtc_read, rtc_write, pam_remap): count, ns, range. */
  chipset: Map<number, { count: number; ns: number; range?: TextRange }>;
  /** Ring full events per executor. */
  ringFullPerExec: Float64Array;
  ringFullMax: number;
  /** Completions of retargeted tasks' IO reaped on a VP that was no longer their target. */
  oldVpCompletions: number;
}

export class OpenHclModel implements StorageModel, EventHandler {
  readonly engine: Engine;
  readonly host: HostApi;
  readonly rec: Recorder;
  readonly stats: Stats;
  readonly boost: BoostHooks;
  readonly io: IoSink;
  readonly vm: Vm;
  readonly oh: OpenHcl;
  readonly vmIndex: number;
  readonly name: string;
  readonly vps: number;
  readonly cancelOn: boolean;
  readonly stallThresholdNs: Ns;
  readonly ringSize: number;
  readonly pool = new IoPool(1024);
  /** Shared storage of the executors' activity logs. */
  readonly logArena = new LogArena();
  readonly causes = new CauseTable();
  readonly endNs: Ns;
  /** Host costs of a halt and a wake-up of a VP thread: the same as a plain vCPU's (sim/host/costs.ts). */
  readonly costs: HostCosts;

  // Lane states and recorder causes.
  readonly sVtl2: number;
  readonly sVtl0: number;
  readonly sIntercept: number;
  readonly sKernel: number;
  readonly sIdle: number;
  readonly sBlackout: number;
  readonly recSidecar: number;
  readonly recSidecarExit: number;
  readonly recWakeup: number;
  readonly recHaltExit: number;

  // Cause-table ids used by every executor.
  readonly causeIdle: number;
  readonly causeHostWait: number;
  readonly causeHostPreempt: number;
  readonly sidecarExitCause: number;
  readonly sidecarOnlineCause: number;
  private readonly vtl0Causes: Int32Array;

  // Counters.
  readonly cExits: number;
  readonly cNaturalExits: number;
  readonly cIntercepts: number;
  readonly cVtl2Exits: number;
  readonly cCancels: number;
  readonly cOnlinings: number;
  readonly cRetargets: number;
  readonly cNvmeFallback: number;
  readonly cVpReadyChecks: number;
  readonly cVpNotReady: number;
  readonly cRetargetInflight: number;
  readonly cPolls: number;
  readonly cQueueFull: number;
  readonly cRingFull: number;
  readonly cForwarded: number;
  readonly cGetRoundTrips: number;
  readonly cRtcCacheHits: number;
  readonly cBacklogDropped: number;
  readonly cIoSubmitted: number;
  readonly cIoCompleted: number;
  readonly cDoorbells: number;
  readonly cOldVpCompletions: number;
  readonly cDoorbellsMasked: number;
  /** `exits.<reason>`, `exits.halt`, `exits.natural`: the same names the plain vCPU counts (vcpu.ts). */
  readonly cExitBy: number[];
  readonly cHalts: number;
  readonly cNatural: number;

  // Threads.
  readonly execs: Executor[] = [];
  /** Every executor, VP ones first (index = Executor.index). */
  readonly allExecs: Executor[] = [];
  getWorker: Executor | null = null;
  private singleExec: Executor | null = null;
  /** Thread backend: the default driver thread shared by untargeted drivers (vm_task.rs ThreadDriverBackend). */
  private defaultDriver: Executor | null = null;
  private readonly exitTasks: ExitTask[] = [];
  private readonly forwardTasks: (ForwardTask | null)[] = [];

  // Work.
  readonly tasks: ProgramTask[] = [];
  readonly channels: ChannelRt[] = [];
  readonly controllers: { name: string; range: TextRange; layout: ChannelLayout; channels: ChannelRt[]; disks: DiskRt[]; firstChannel: number }[] = [];
  readonly disks: DiskRt[] = [];
  private readonly diskDist: Sampler[] = [];
  private readonly diskRng: Rng[] = [];
  readonly retargets: RetargetRt[] = [];
  /** IOs and timers in flight per task. */
  readonly taskInFlight: Int32Array;
  private readonly taskUntargeted: Uint8Array;

  // Sidecar.
  readonly sidecar: SidecarState | null;
  readonly sidecarCfg: Sidecar | undefined;
  private readonly sidecarRng: Rng | null;
  private readonly vpWaiters: ProgramTask[][];
  private readonly hSidecar: number;

  // GET / RTC.
  rtcAskedAt = -1;
  /** Cause-table id of the GET worker deadlock, -1 while there is none. */
  getDeadlockCause = -1;

  private readonly hComplete: number;
  private readonly hRetarget: number;
  private readonly guestExitCauses = new Map<number, number>();
  private readonly chipsetCauses = new Map<number, number>();
  readonly tally: ModelTally;
  private finished = false;
  /** Task, channel, disk and sidecar timeline lanes (lanes.ts); null unless a timeline was requested. */
  readonly lanes: OpenHclLanes | null = null;

  constructor(private readonly ctx: SimContext, readonly setup: OpenHclVmSetup) {
    const vm = setup.vm;
    const oh = vm.openhcl as OpenHcl;
    this.vm = vm;
    this.oh = oh;
    this.vmIndex = setup.vmIndex;
    this.name = vm.name;
    this.vps = vm.vcpus;
    this.engine = ctx.engine;
    this.host = ctx.host;
    this.rec = ctx.rec;
    this.stats = ctx.stats;
    this.boost = setup.boost;
    this.io = setup.io;
    this.endNs = ctx.endNs;
    this.cancelOn = oh.ioUringCancel;
    this.stallThresholdNs = ctx.stats.stallThresholdNs;
    this.ringSize = Math.max(1, oh.ioRingSize);
    this.costs = setup.costs ?? hostCosts(ctx.scenario.host?.costs);

    const rec = this.rec;
    this.sVtl2 = rec.stateId('vtl2');
    this.sVtl0 = rec.stateId('vtl0');
    this.sIntercept = rec.stateId('intercept');
    this.sKernel = rec.stateId('kernel_blocked');
    this.sIdle = rec.stateId('idle');
    this.sBlackout = rec.stateId('blackout');
    this.recSidecar = rec.causeId('sidecar');
    this.recSidecarExit = rec.causeId('sidecar exit (base CPU)');
    this.recWakeup = rec.causeId('halt wake-up');
    this.recHaltExit = rec.causeId('halt exit');

    const c = this.causes;
    this.causeIdle = c.add('wake-up', 'idle, being woken for the work (the host wake-up path: IPI, wake latency, VM entry)');
    this.causeHostWait = c.add('host-preemption', 'runnable but waiting for a host pCPU', ['the host scheduler did not run the VP thread']);
    this.causeHostPreempt = c.add('host-preemption', 'preempted by the host', ['the host scheduler took the pCPU from the VP thread']);
    this.sidecarExitCause = c.add('sidecar-exit', 'waiting for the base CPU to handle its exit (sidecar VP not online)', ['remote VPs hand exits to Linux on the base CPU'], oh.sidecar?.range);
    this.sidecarOnlineCause = c.add('sidecar-onlining', 'in the sidecar onlining blackout', [], oh.sidecar?.range);
    this.vtl0Causes = new Int32Array(this.vps);
    for (let v = 0; v < this.vps; v++) {
      this.vtl0Causes[v] = this.cancelOn
        ? c.add('vtl0-residence', 'running the guest (VTL0)', [], vm.guest.range)
        : c.add('vtl0-residence', 'resident in VTL0 with io_uring cancel off', ['VTL2 work waits until the guest exits on its own', 'fix: io_uring_cancel on'], oh.range);
    }

    const st = this.stats;
    this.cExits = st.counter('openhcl.exits');
    this.cNaturalExits = st.counter('openhcl.natural_exits');
    this.cIntercepts = st.counter('openhcl.intercepts');
    this.cVtl2Exits = st.counter('openhcl.vtl2_exits');
    this.cCancels = st.counter('openhcl.cancels');
    this.cOnlinings = st.counter('openhcl.onlinings');
    this.cRetargets = st.counter('openhcl.retargets');
    this.cNvmeFallback = st.counter('openhcl.nvme_fallback_completions');
    this.cVpReadyChecks = st.counter('openhcl.vp_ready_checks');
    this.cVpNotReady = st.counter('openhcl.vp_not_ready');
    this.cRetargetInflight = st.counter('openhcl.retarget_inflight_io');
    this.cPolls = st.counter('openhcl.polls');
    this.cQueueFull = st.counter('openhcl.queue_full');
    this.cRingFull = st.counter('openhcl.ring_full');
    this.cForwarded = st.counter('openhcl.sidecar_forwarded_exits');
    this.cGetRoundTrips = st.counter('openhcl.get_round_trips');
    this.cRtcCacheHits = st.counter('openhcl.rtc_cache_hits');
    this.cBacklogDropped = st.counter('openhcl.backlog_dropped');
    this.cIoSubmitted = st.counter('openhcl.io_submitted');
    this.cIoCompleted = st.counter('openhcl.io_completed');
    this.cDoorbells = st.counter('openhcl.doorbells');
    this.cOldVpCompletions = st.counter('openhcl.old_vp_completions');
    this.cDoorbellsMasked = st.counter('openhcl.doorbells_masked');
    this.cExitBy = EXIT_NAMES.map((n) => st.counter(n ? `exits.${n}` : 'exits.other'));
    this.cHalts = st.counter('exits.halt');
    this.cNatural = st.counter('exits.natural');

    this.hComplete = this.engine.registerFn((id, now) => this.onComplete(id, now));
    this.hRetarget = this.engine.registerFn((i, now) => this.onRetarget(i, now));
    this.hSidecar = this.engine.register(this);

    // ---- sidecar
    const sc = sidecarApplies(oh) ? oh.sidecar : undefined;
    this.sidecarCfg = sc;
    const baseVp = sc ? this.vpOfCpu(sc.baseCpu) : 0;
    this.sidecar = sc ? new SidecarState(this.vps, sc.linuxVps, baseVp) : null;
    this.sidecarRng = sc ? ctx.rng.stream(`vm:${vm.name}/sidecar`) : null;
    this.vpWaiters = Array.from({ length: this.vps }, () => []);

    // ---- VP executors
    // Natural VTL0 exits only change anything when io_uring cancel is off (pending VTL2 work waits
    // for them) or for KVM dynamic boosting (pending boost requests apply at an exit). Otherwise
    // every pending event already cancelled the guest, so they are not simulated (saves an event
    // per residence per VP). Remote sidecar VPs always have them: their first exit onlines them.
    const naturalExits = !this.cancelOn || vm.boost.mode === 'dynamic';
    for (let v = 0; v < this.vps; v++) {
      const lane = rec.lane({ id: `vm:${vm.name}/vp:${v}/openhcl`, label: `VP ${v} (OpenHCL)`, group: `vm:${vm.name}`, kind: 'vp', vm: this.vmIndex, vp: v, view: 'openhcl' });
      const remote = this.sidecar ? !this.sidecar.isLinux(v) : false;
      const ex = new Executor(this, {
        index: v,
        vp: v,
        name: `VP ${v}`,
        tid: setup.vpThreads[v],
        lane,
        vtl0: setup.vtl0[v],
        residence: naturalExits || remote ? vm.guest.residence : undefined,
        residenceRng: naturalExits || remote ? ctx.rng.stream(`vm:${vm.name}/vp:${v}/residence`) : undefined,
        remote,
        naturalExits,
      });
      this.execs.push(ex);
      this.allExecs.push(ex);
      this.host.setBody(setup.vpThreads[v], ex);
      setup.vtl0[v].attach(ex);
      const recExit = rec.causeId(`VP ${v} exit`);
      this.exitTasks.push(new ExitTask(this, `VP ${v} exit`, recExit, c.add('vtl2-work', `serving a guest exit of VP ${v}`)));
      this.forwardTasks.push(
        remote ? new ForwardTask(this, ex, `VP ${v} exit (sidecar)`, rec.causeId(`VP ${v} exit (sidecar)`), c.add('sidecar-exit', `serving an exit of sidecar VP ${v} (not online)`, ['exits of remote VPs are handled on the base CPU', sc && !sc.hotplug ? 'hotplug is off: the VP never comes online' : 'the VP comes online after its first exit'], sc?.range)) : null,
      );
    }

    // ---- tasks
    const tasksDef = oh.tasks;
    this.taskInFlight = new Int32Array(tasksDef.length);
    this.taskUntargeted = new Uint8Array(tasksDef.length);
    tasksDef.forEach((def, i) => {
      const pl = placeTask(oh.backend, def, this.vps);
      let home: Executor | null = null;
      if (pl.executor === 'own_thread') home = this.newThread(`task ${def.name}`);
      else if (pl.executor === 'default_driver') home = this.defaultDriver ??= this.newThread('default driver');
      else if (pl.executor === 'get_worker') home = this.getWorker ??= this.newThread('GET worker');
      else if (pl.executor === 'single') home = this.singleExec ??= this.newThread('single driver');
      const loop = def.program.trigger.kind === 'loop';
      const series = st.task({ name: def.name, kind: 'vtl2-task', vm: vm.name, range: def.range, measures: loop ? 'pass' : 'latency' });
      const t = new ProgramTask(
        this,
        i,
        def,
        pl,
        home,
        series,
        ctx.rng.stream(`vm:${vm.name}/task:${def.name}`),
        ctx.rng.stream(`vm:${vm.name}/task:${def.name}/trigger`),
        rec.causeId(def.name),
        c.add('vtl2-work', `running task \`${def.name}\``, [], def.range),
        c.add('sidecar-hosted', `running task \`${def.name}\` for sidecar VP ${pl.target ?? '?'} that is not online yet`, ['work aimed at a remote VP runs on another CPU and contends there', 'fix: avoid early work targeted at sidecar VPs, or list the VP in linux_vps'], def.range),
      );
      this.taskUntargeted[i] = pl.executor === 'vp' && pl.target === undefined && def.program.steps.some((s) => s.kind === 'io') ? 1 : 0;
      this.tasks.push(t);
      for (const r of def.retargets) {
        const ri = this.retargets.length;
        this.retargets.push({ task: i, vp: r.vp, atNs: r.atNs, range: r.range, inFlight: 0, fromVp: -1 });
        if (r.atNs < this.endNs) this.engine.post(this.hRetarget, ri, r.atNs);
      }
    });

    // ---- StorVSP
    oh.storvsp.forEach((ctrl, ci) => {
      const layout = storvspLayout(ctrl, this.vps);
      const disks: DiskRt[] = ctrl.disks.map((d, di) => {
        const nvmeQueues = d.backend === 'disk_nvme' ? Math.max(1, d.nvmeQueues ?? this.vps) : 0;
        const rt: DiskRt = { gidx: this.disks.length, name: d.name, controller: ci, ringWaitNs: 0, ringWaitMax: 0, ios: 0, backendNs: 0, totalNs: 0, nvmeQueues };
        this.disks.push(rt);
        this.diskDist.push(sampler(d.latency));
        this.diskRng.push(ctx.rng.stream(`vm:${vm.name}/storvsp:${ctrl.name}/disk:${d.name}#${di}`));
        return rt;
      });
      const chans: ChannelRt[] = [];
      const first = this.channels.length;
      for (let k = 0; k < layout.channels; k++) {
        const vp = layout.channelVp[k];
        const wname = storvspChannelName(ctrl.name, k);
        let home: Executor | null = null;
        // storvsp builds each channel's driver with the channel's target VP: in the thread backend
        // that is a dedicated (unpinned) thread per channel.
        if (oh.backend === 'thread') home = this.newThread(wname);
        else if (oh.backend === 'single') home = this.singleExec ??= this.newThread('single driver');
        const w = new StorvspWorker(
          this,
          wname,
          rec.causeId(wname),
          c.add('vtl2-work', `running StorVSP worker ${ctrl.name} channel ${k}`, [], ctrl.range),
          home,
        );
        const ch: ChannelRt = {
          gidx: this.channels.length,
          controller: ci,
          index: k,
          vp,
          depth: Math.max(1, ctrl.ioQueueDepth),
          pollDepth: ctrl.pollModeQueueDepth,
          ring: newFifo(),
          done: newFifo(),
          inFlight: 0,
          queueFull: 0,
          full: false,
          masked: false,
          maskedWaits: 0,
          maskedWaitNs: 0,
          maskedWaitMax: 0,
          noInterrupts: !ctrl.interrupts,
          worker: w,
        };
        w.ch = ch;
        this.channels.push(ch);
        chans.push(ch);
      }
      this.controllers.push({ name: ctrl.name, range: ctrl.range, layout, channels: chans, disks, firstChannel: first });
    });

    const nExec = this.allExecs.length;
    this.tally = {
      vtl0Waits: 0,
      vtl0WaitNs: 0,
      vtl0WaitMax: 0,
      hvWaits: 0,
      hvWaitNs: 0,
      hvWaitMax: 0,
      stallsByKind: new Map(),
      ringCompletions: new Float64Array(nExec),
      untargetedCompletions: new Float64Array(nExec),
      cancelsPerExec: new Float64Array(nExec),
      hostedNs: new Float64Array(this.vps),
      onlineQueueMax: 0,
      onlineWaitMax: 0,
      forwardedExits: 0,
      chipset: new Map(),
      ringFullPerExec: new Float64Array(nExec),
      ringFullMax: 0,
      oldVpCompletions: 0,
    };
    const tasks = this.taskLanes();
    for (const { t, id } of tasks) t.laneId = id;
    if (rec.timelines) this.lanes = new OpenHclLanes(this, this.rec, tasks);
  }

  /** Every task with the id and label of its timeline lane (the ids also name stalls' lanes). */
  private taskLanes(): { t: Task; id: string; label: string }[] {
    const g = `vm:${this.name}`;
    const all: { t: Task; id: string; label: string }[] = [];
    for (const t of this.tasks) all.push({ t, id: `${g}/task:${t.name}`, label: `task ${t.name}` });
    for (const ch of this.channels) {
      const c = this.controllers[ch.controller].name;
      all.push({ t: ch.worker, id: `${g}/task:storvsp:${c}/ch:${ch.index}`, label: `worker ${c} ch ${ch.index}` });
    }
    this.exitTasks.forEach((t, v) => all.push({ t, id: `${g}/task:exits:vp:${v}`, label: `VP ${v} exits` }));
    this.forwardTasks.forEach((t, v) => {
      if (t) all.push({ t, id: `${g}/task:forward:vp:${v}`, label: `VP ${v} exits (sidecar)` });
    });
    return all;
  }

  /** Starts the run: wakes every thread and arms the tasks' first releases. */
  start(): void {
    for (const ex of this.allExecs) ex.start();
    for (const t of this.tasks) t.arm();
  }

  add(counter: number, n = 1): void {
    this.stats.add(counter, n);
  }

  private vpOfCpu(cpu: number): number {
    const map = this.oh.vpCpuMap;
    const i = map.indexOf(cpu);
    return i >= 0 && i < this.vps ? i : Math.max(0, Math.min(this.vps - 1, cpu));
  }

  /**
   * A VTL2 thread outside the VP executors. Its affinity is the VM's CPUs: no backend pins it
   * (vm_task.rs ThreadDriverBackend spawns without affinity). Simplification: it is a host thread
   * on the VM's pCPUs, so it competes with the VP threads there; in OpenHCL it is a thread of the
   * OpenHCL process scheduled by VTL2 Linux on the VM's VPs (it takes time from a VP, not from the host).
   */
  private newThread(label: string): Executor {
    const vm = this.vm;
    const setup = this.setup;
    const cpus = vm.cpus;
    const laneId = `vm:${vm.name}/vtl2:${label}`;
    const tid = this.host.createThread({
      kind: 'dedicated',
      laneId,
      label: `${label} (VTL2 thread)`,
      group: `vm:${vm.name}`,
      pool: setup.pool,
      cpus,
      cpusSoft: cpus,
      policy: vm.policy,
      nice: vm.nice,
      rtPriority: vm.rtPriority,
      domain: setup.domain,
      vm: this.vmIndex,
    });
    const lane = this.rec.lane({ id: `${laneId}/openhcl`, label: `${label} (executor)`, group: `vm:${vm.name}`, kind: 'thread', view: 'openhcl' });
    const ex = new Executor(this, { index: this.allExecs.length, vp: -1, name: label, tid, lane });
    this.host.setBody(tid, ex);
    this.allExecs.push(ex);
    return ex;
  }

  // ================================================================ routing

  /**
   * The executor that runs work aimed at VP `v`: its own once it is a Linux CPU, otherwise the
   * sidecar fallback (base) CPU; aiming work at a remote VP starts its onlining (model.md §1).
   */
  vpExec(v: number, now: Ns): Executor {
    const sc = this.sidecar;
    if (sc === null || sc.isLinux(v)) return this.execs[v];
    this.requestOnline(v, now);
    return this.execs[sc.hostVp(v)];
  }

  /**
   * Executor whose ring a task's IO and timers use. `ex`: the executor the task runs on when it
   * submits (for `io_ring current`); a trigger timer uses the ring of its last submission.
   */
  private ringExecFor(t: ProgramTask, now: Ns, ex?: Executor): Executor {
    if (t.home) return t.home;
    if (t.placement.ioCurrent) {
      const cur = ex && ex.vp >= 0 ? ex : t.lastRing;
      if (cur) return (t.lastRing = cur);
    }
    return this.vpExec(ioVpOf(t.placement), now);
  }

  /** Executor a task runs on after a wake reaped by `reaper`. */
  private runExecAfterWake(t: ProgramTask, reaper: Executor, now: Ns): Executor {
    if (t.home) return t.home;
    const p = t.placement;
    return p.runOnTarget ? this.vpExec(p.target as number, now) : reaper;
  }

  private workerExec(w: StorvspWorker, now: Ns): Executor {
    return w.home ?? this.vpExec(w.ch.vp, now);
  }

  /** First release of a task: it starts where the spawner puts it. */
  spawnTask(t: ProgramTask, now: Ns): void {
    let ex: Executor;
    if (t.home) ex = t.home;
    else {
      const p = t.placement;
      // Spawned with run_on_target: on the target; otherwise on the current (a Linux) CPU.
      const sv = spawnVpOf(p);
      ex = p.runOnTarget ? this.vpExec(sv, now) : this.execs[this.sidecar ? this.sidecar.hostVp(sv) : sv];
    }
    this.wakeTask(t, ex, now, now, true);
  }

  /** A trigger timer released a pass of an idle task: its timer sat on the task's ring. */
  wakeFromTimer(t: ProgramTask, now: Ns): void {
    const ring = this.ringExecFor(t, now);
    this.wakeTask(t, this.runExecAfterWake(t, ring, now), now, now, true);
  }

  /**
   * Makes `t` ready on `ex` (waiting since `since`). `safe`: called from the model's own engine
   * event, so the target may act at once.
   */
  wakeTask(t: Task, ex: Executor, since: Ns, now: Ns, safe: boolean): void {
    if (t.state === T_WAITING) {
      ex.pushReady(t, since);
      if (this.lanes !== null) this.lanes.ready(t, ex, now);
      ex.notify(now, safe);
    }
    // T_READY: it runs soon anyway; T_RUNNING: it sees its new work when it next looks; T_DONE: nothing to do.
  }

  isHosted(t: ProgramTask, ex: Executor): boolean {
    const v = t.intendedVp();
    return v >= 0 && ex.vp !== v && this.sidecar !== null && !this.sidecar.isLinux(v);
  }

  /** Hosted CPU for the findings (called with the CPU a hosted step is about to spend). */
  noteHosted(t: ProgramTask, ns: Ns): void {
    const v = t.intendedVp();
    if (v >= 0) this.tally.hostedNs[v] += ns;
  }

  // ================================================================ task IO and timers

  startTaskTimer(t: ProgramTask, ex: Executor, d: Ns, now: Ns, isGet: boolean): void {
    const pool = this.pool;
    const id = pool.alloc(isGet ? IO_TASK_GET : IO_TASK_TIMER);
    const ring = this.ringExecFor(t, now, ex);
    pool.owner[id] = t.idx;
    pool.ringVp[id] = ring.index;
    pool.t0[id] = now;
    pool.stage[id] = ST_TASK_IN_FLIGHT;
    this.taskInFlight[t.idx]++;
    this.engine.post(this.hComplete, id, now + d);
  }

  submitTaskIo(t: ProgramTask, ex: Executor, latency: Ns, now: Ns): void {
    const pool = this.pool;
    const id = pool.alloc(IO_TASK);
    const ring = this.ringExecFor(t, now, ex);
    pool.owner[id] = t.idx;
    pool.ringVp[id] = ring.index;
    pool.t0[id] = now;
    pool.t1[id] = latency; // latency until the IO starts; replaced by the start time
    this.taskInFlight[t.idx]++;
    this.toRing(ring, id, now);
  }

  /** Storage request read by a worker on `ex`: to the backend through ex's io_uring. */
  submitBackend(ex: Executor, id: number, now: Ns): void {
    const pool = this.pool;
    pool.t1[id] = -1; // latency sampled at start
    const disk = this.disks[pool.disk[id]];
    if (disk.nvmeQueues > 0) {
      // disk_nvme: a doorbell write to the issuing CPU's NVMe queue (no io_uring entry, so no
      // io_ring_size bound); the completion is that queue's interrupt, polled on the ring of the
      // queue's CPU: the issuing VP, or the nearest lower VP with a queue (fallback).
      let ring = ex;
      if (ex.vp >= 0) {
        const cv = nvmeCompletionVp(ex.vp, disk.nvmeQueues);
        if (cv !== ex.vp) {
          ring = this.vpExec(cv, now);
          this.add(this.cNvmeFallback);
        }
      }
      pool.ringVp[id] = ring.index;
      const lat = this.diskRng[disk.gidx].draw(this.diskDist[disk.gidx]);
      disk.backendNs += lat;
      pool.stage[id] = ST_AT_BACKEND;
      pool.t1[id] = now;
      this.engine.post(this.hComplete, id, now + lat);
      return;
    }
    this.toRing(ex, id, now);
  }

  private toRing(ring: Executor, id: number, now: Ns): void {
    const pool = this.pool;
    pool.ringVp[id] = ring.index;
    if (ring.ringOutstanding >= this.ringSize) {
      // io_ring_size back-pressure: the submission waits for a free slot.
      pool.stage[id] = ST_WAIT_RING_SLOT;
      pool.push(ring.ringWait, id);
      this.add(this.cRingFull);
      const tf = this.tally.ringFullPerExec;
      tf[ring.index]++;
      return;
    }
    this.startRingIo(ring, id, now);
  }

  private startRingIo(ring: Executor, id: number, now: Ns): void {
    const pool = this.pool;
    ring.ringOutstanding++;
    if (ring.ringOutstanding > this.tally.ringFullMax) this.tally.ringFullMax = ring.ringOutstanding;
    let lat: Ns;
    if (pool.kind[id] === IO_STORAGE) {
      const d = pool.disk[id];
      lat = this.diskRng[d].draw(this.diskDist[d]);
      this.disks[d].backendNs += lat;
      pool.stage[id] = ST_AT_BACKEND;
      if (this.lanes !== null) this.lanes.diskStart(d, id, this.channels[pool.owner[id]], now);
    } else {
      lat = pool.t1[id];
      pool.stage[id] = ST_TASK_IN_FLIGHT;
    }
    pool.t1[id] = now;
    this.engine.post(this.hComplete, id, now + lat);
  }

  /** An IO / timer finished: its completion lands on its ring (engine event: safe to act). */
  private onComplete(id: number, now: Ns): void {
    const pool = this.pool;
    const ring = this.allExecs[pool.ringVp[id]];
    const kind = pool.kind[id];
    if (kind === IO_TASK || (kind === IO_STORAGE && this.disks[pool.disk[id]].nvmeQueues === 0)) {
      ring.ringOutstanding--;
      if (kind === IO_STORAGE && this.lanes !== null) this.lanes.diskEnd(pool.disk[id], now);
      if (ring.ringWait.length > 0 && ring.ringOutstanding < this.ringSize) this.startRingIo(ring, pool.shift(ring.ringWait), now);
    }
    pool.tDone[id] = now;
    pool.stage[id] = ST_COMPLETED;
    const tally = this.tally;
    tally.ringCompletions[ring.index]++;
    if (kind !== IO_STORAGE ? this.taskUntargeted[pool.owner[id]] === 1 && kind === IO_TASK : this.channels[pool.owner[id]].noInterrupts) tally.untargetedCompletions[ring.index]++;
    pool.push(ring.cq, id);
    ring.notify(now, true);
  }

  /** The ring's thread reaps completion `id` (inside ex's loop). */
  reapIo(ex: Executor, id: number, now: Ns): void {
    const pool = this.pool;
    const since = pool.tDone[id];
    if (pool.kind[id] === IO_STORAGE) {
      const ch = this.channels[pool.owner[id]];
      pool.push(ch.done, id);
      this.wakeTask(ch.worker, this.workerExec(ch.worker, now), since, now, false);
      return;
    }
    const t = this.tasks[pool.owner[id]];
    pool.release(id);
    this.taskInFlight[t.idx]--;
    if (t.placement.retargetable && ex.vp >= 0 && ex.vp !== t.placement.target && this.retargets.length > 0) {
      // IO issued before a retarget_vp completes on the VP it was issued on (model.md §1).
      this.tally.oldVpCompletions++;
      this.add(this.cOldVpCompletions);
    }
    this.wakeTask(t, this.runExecAfterWake(t, ex, now), since, now, false);
  }

  // ================================================================ storage (StorageModel)

  submit(vcpu: number, controller: number, disk: number, token: number, now: Ns): void {
    const ctrl = this.controllers[controller];
    if (!ctrl || disk < 0 || disk >= ctrl.disks.length) {
      this.io.ioDone(token, vcpu, now);
      return;
    }
    const v = vcpu >= 0 && vcpu < this.vps ? vcpu : 0;
    const ch = this.channels[ctrl.firstChannel + ctrl.layout.vcpuChannel[v]];
    const pool = this.pool;
    const id = pool.alloc(IO_STORAGE);
    pool.owner[id] = ch.gidx;
    pool.vcpu[id] = v;
    pool.source[id] = token;
    pool.disk[id] = ctrl.disks[disk].gidx;
    pool.t0[id] = now;
    pool.stage[id] = ST_IN_RING;
    pool.push(ch.ring, id);
    this.add(this.cIoSubmitted);
    if (this.lanes !== null) {
      this.lanes.ioSubmitted(id, this.io.ioCause ? this.io.ioCause(token) : -1);
      this.lanes.channel(ch, now);
    }
    if (ch.masked) {
      // Poll mode: the interrupt is masked, the guest does not signal; the worker finds the
      // request at its next wake (a completion).
      if (ch.inFlight < ch.depth) pool.flag[id] = 1;
      this.add(this.cDoorbellsMasked);
      return;
    }
    // The guest signals the channel (a doorbell: an event on the worker VP's ring).
    this.add(this.cDoorbells);
    this.wakeTask(ch.worker, this.workerExec(ch.worker, now), now, now, false);
  }

  /**
   * An IO of disk `disk` waited in channel `ch`'s ring from `since` to `now`, longer than the stall
   * threshold: the worker stops reading the ring at the queue depth (head-of-line, VPS310). The
   * stall's task is the channel's worker, so it lands on the channel's lanes.
   */
  ringStall(ch: ChannelRt, disk: number, since: Ns, now: Ns): void {
    const c = this.controllers[ch.controller];
    const d = this.disks[disk];
    const mean = (x: DiskRt) => (x.ios > 0 ? x.backendNs / x.ios : 0);
    let slow = c.disks[0];
    for (const x of c.disks) if (mean(x) > mean(slow)) slow = x;
    const head = `an IO to disk \`${d.name}\` waited ${fmtNsShort(now - since)} in the ring of ${ch.worker.name} before the worker read it`;
    const causes = [
      head,
      `the channel's queue depth (${ch.depth}) was full of in-flight IOs: the worker reads no further request until one completes, whatever its disk`,
    ];
    if (slow !== d && c.disks.length > 1) causes.push(`the slowest disk of controller \`${c.name}\` so far is \`${slow.name}\` (backend ${fmtNsShort(mean(slow))} mean)`, `fix: put \`${slow.name}\` on a controller of its own, or raise io_queue_depth`);
    else causes.push('fix: raise io_queue_depth or add channels (more VPs with channels)');
    this.stats.stall({ task: ch.worker.name, lane: ch.worker.laneId, vp: ch.vp, vm: this.name, startNs: since, durationNs: now - since, cause: 'channel-queue-full', causes, range: c.range });
  }

  noteRingWait(disk: number, waited: Ns): void {
    const d = this.disks[disk];
    d.ringWaitNs += waited;
    if (waited > d.ringWaitMax) d.ringWaitMax = waited;
  }

  /** The worker posts a completion to the guest and signals the channel's VP. */
  postToGuest(ch: ChannelRt, id: number, now: Ns): void {
    const pool = this.pool;
    const d = this.disks[pool.disk[id]];
    d.ios++;
    d.totalNs += now - pool.t0[id];
    const token = pool.source[id];
    pool.release(id);
    this.add(this.cIoCompleted);
    this.io.ioDone(token, ch.vp, now);
  }

  // ================================================================ guest exits

  vtl0CauseOf(vp: number): number {
    return vp >= 0 ? this.vtl0Causes[vp] : this.causeIdle;
  }

  guestExitCause(exit: number, _recCause: number, range: TextRange | undefined, vp: number): number {
    const key = ((range ? range.start + 1 : 0) * 16 + exit) * 4096 + vp;
    let id = this.guestExitCauses.get(key);
    if (id === undefined) {
      id = this.causes.add('intercept', `in a hypervisor intercept (guest \`${EXIT_NAMES[exit] ?? 'exit'}\`)`, ['not covered by io_uring cancel: VTL2 work on the VP waits for it to finish'], range);
      this.guestExitCauses.set(key, id);
    }
    return id;
  }

  private chipsetCause(exit: number, range: TextRange | undefined): number {
    const key = (range ? range.start + 1 : 0) * 16 + exit;
    let id = this.chipsetCauses.get(key);
    if (id === undefined) {
      if (exit === EXIT_VMM) {
        id = this.causes.add('vmm-exit', 'blocked in a guest exit served by the VMM (`exit ... vmm`)', ['the VP thread waits in VTL2 for the emulated device: every task on the VP and its guest stall', 'fix: make the device emulation asynchronous, or move the exit off latency-critical VPs'], range);
        this.chipsetCauses.set(key, id);
        return id;
      }
      const what = exit === EXIT_RTC_WRITE ? 'a guest RTC write waiting for a VMGS save' : exit === EXIT_RTC_READ ? 'a guest RTC read asking the host' : 'a guest PAM/ROM remap waiting on the GET';
      id = this.causes.add('get-round-trip', `serving ${what}`, ['the VP thread waits synchronously on the GET: every task on the VP and its guest stall'], range);
      this.chipsetCauses.set(key, id);
    }
    return id;
  }

  exitTaskFor(ex: Executor, exit: number, _cause: number, range: TextRange | undefined, blockNs = 0): Task {
    const t = this.exitTasks[ex.vp];
    t.configure(exit, this.chipsetCause(exit, range), range, blockNs);
    return t;
  }

  noteChipsetGet(exit: number, ns: Ns, range: TextRange | undefined): void {
    let e = this.tally.chipset.get(exit);
    if (!e) {
      e = { count: 0, ns: 0, range };
      this.tally.chipset.set(exit, e);
    }
    e.count++;
    e.ns += ns;
  }

  noteVtl0Wait(ns: Ns): void {
    const t = this.tally;
    t.vtl0Waits++;
    t.vtl0WaitNs += ns;
    if (ns > t.vtl0WaitMax) t.vtl0WaitMax = ns;
  }

  noteHvWait(ns: Ns, cause: number): void {
    const t = this.tally;
    t.hvWaits++;
    t.hvWaitNs += ns;
    if (ns > t.hvWaitMax) {
      t.hvWaitMax = ns;
      t.hvRange = cause >= 0 ? this.causes.get(cause).range : undefined;
    }
  }

  // ================================================================ sidecar

  /** A remote VP took an exit that the sidecar hands to Linux on the base CPU. */
  onRemoteExit(vp: number, now: Ns): void {
    this.tally.forwardedExits++;
    this.add(this.cForwarded);
    if (this.sidecarCfg?.hotplug) this.requestOnline(vp, now);
  }

  forwardExit(remote: Executor, exit: number, _cause: number, range: TextRange | undefined, now: Ns, blockNs = 0): void {
    const ft = this.forwardTasks[remote.vp] as ForwardTask;
    const chipset = exit === EXIT_RTC_READ || exit === EXIT_RTC_WRITE || exit === EXIT_PAM_REMAP || exit === EXIT_VMM;
    ft.configure(exit, chipset ? this.chipsetCause(exit, range) : -1, range, blockNs);
    const sc = this.sidecar as SidecarState;
    this.wakeTask(ft, this.execs[sc.fallbackVp], now, now, false);
  }

  requestOnline(v: number, now: Ns): void {
    const sc = this.sidecar;
    if (sc === null) return;
    if (sc.request(v, now)) this.engine.post(this.hSidecar, v * 4, now);
    if (this.lanes !== null) this.lanes.sidecar(sc, v, now);
    if (sc.queued > this.tally.onlineQueueMax) this.tally.onlineQueueMax = sc.queued;
  }

  /**
   * Sidecar onlining steps (arg = vp * 4 + phase). underhill_core vp.rs: under the global
   * ONLINE_LOCK the VP's run is cancelled first, then its CPU is onlined ("the online process
   * prevents the CPU from being used by the guest ... the guest only sees blackout of one CPU at a
   * time"), so the VP runs nothing for the online cost and the blackout after it.
   */
  onEvent(arg: number, now: Ns): void {
    const sc = this.sidecar as SidecarState;
    const cfg = this.sidecarCfg as Sidecar;
    const rng = this.sidecarRng as Rng;
    const v = arg >> 2;
    const phase = arg & 3;
    if (phase === 0) {
      // Took the lock: stop the VP (an event of its own, so never inside the VP's callbacks).
      this.execs[v].startBlackout(now);
      if (this.lanes !== null) this.lanes.sidecar(sc, v, now);
      this.engine.post(this.hSidecar, v * 4 + 1, now + rng.sample(cfg.onlineCost));
      return;
    }
    if (phase === 1) {
      sc.onlineWorkDone(v);
      if (this.lanes !== null) this.lanes.sidecar(sc, v, now);
      this.engine.post(this.hSidecar, v * 4 + 2, now + rng.sample(cfg.blackout));
      return;
    }
    const next = sc.blackoutDone(v, now);
    if (this.lanes !== null) this.lanes.sidecar(sc, v, now);
    this.add(this.cOnlinings);
    this.stats.add(this.stats.counter(`openhcl.online_at_ns.${this.name}.vp${v}`), Math.round(now));
    const waited = now - sc.requestedAt[v];
    if (waited > this.tally.onlineWaitMax) this.tally.onlineWaitMax = waited;
    this.execs[v].becomeLinux(now);
    const waiters = this.vpWaiters[v];
    for (const t of waiters) {
      const since = t.vpWaitSince;
      t.vpWaitSince = -1;
      if (now - since > this.stallThresholdNs) this.onlineStall(t, v, since, now);
      this.wakeTask(t, this.vpExec(v, now), now, now, true);
    }
    waiters.length = 0;
    if (next >= 0) this.engine.post(this.hSidecar, next * 4, now);
  }

  /** wait_vp_ready: true when the task must wait for its target VP to come online. */
  /**
   * `is_vp_ready`: `is_target_vp_ready()` reads whether the target's thread has its affinity set
   * (threadpool_vm_task_backend.rs); it neither waits nor starts onlining.
   */
  checkVpReady(t: ProgramTask): void {
    this.add(this.cVpReadyChecks);
    const sc = this.sidecar;
    const v = t.placement.executor === 'vp' ? t.placement.target : undefined;
    if (sc !== null && v !== undefined && !sc.isLinux(v)) this.add(this.cVpNotReady);
  }

  waitVpReady(t: ProgramTask, step: number, now: Ns): boolean {
    const sc = this.sidecar;
    const v = t.placement.executor === 'vp' ? t.placement.target : undefined;
    if (sc === null || v === undefined || sc.isLinux(v)) return false;
    this.requestOnline(v, now);
    t.vpWaitSince = now;
    t.vpWaitStep = step;
    this.vpWaiters[v].push(t);
    return true;
  }

  // ================================================================ retarget

  private onRetarget(i: number, now: Ns): void {
    const r = this.retargets[i];
    const t = this.tasks[r.task];
    const from = t.placement.target;
    if (!retarget(t.placement, r.vp, this.vps)) return;
    this.add(this.cRetargets);
    r.fromVp = from ?? -1;
    r.inFlight = this.taskInFlight[t.idx];
    if (r.inFlight > 0) this.add(this.cRetargetInflight, r.inFlight);
    void now;
  }

  // ================================================================ GET deadlock

  declareGetDeadlock(t: ProgramTask, step: number, now: Ns): number {
    if (this.getDeadlockCause < 0) {
      this.getDeadlockCause = this.causes.add(
        'get-deadlock',
        `deadlocked: task \`${t.name}\` made a blocking GET call from the GET worker itself`,
        ['the GET worker is the thread that would process the reply, so it never comes', 'every later GET round trip waits forever too', 'fix: make the call async (`get ... async`)'],
        t.ranges[step],
      );
    }
    void now;
    return this.getDeadlockCause;
  }

  // ================================================================ stalls

  private stallChain(ex: Executor, t0: Ns, t1: Ns): { cause: Cause | undefined; ns: Ns } {
    const d = ex.log.dominant(t0, t1);
    return { cause: d.cause >= 0 ? this.causes.get(d.cause) : undefined, ns: d.ns };
  }

  /** `task` waited: `who` is the task, or the guest of VP `vp` (`vtl0`, on the VP's OpenHCL lane). */
  private report(who: Task | 'vtl0', vp: number, since: Ns, now: Ns, c: Cause | undefined, head: string, causeNs: Ns, where: string, fallbackRange?: TextRange): void {
    const task = who === 'vtl0' ? 'vtl0' : who.name;
    const lane = who === 'vtl0' ? `vm:${this.name}/vp:${vp}/openhcl` : who.laneId;
    const kind = c?.kind ?? 'vtl2-work';
    const causes = [head];
    if (c) causes.push(`${where} was ${c.label}${causeNs > 0 ? ` for ${fmtNsShort(causeNs)} of it` : ''}`, ...c.more);
    const range = c?.range ?? fallbackRange;
    const dur = now - since;
    this.stats.stall({ task, lane, vp, vm: this.name, startNs: since, durationNs: dur, cause: kind, causes, range });
    if (since < this.ctx.warmupNs) return;
    let e = this.tally.stallsByKind.get(kind);
    if (!e) {
      e = { count: 0, ns: 0, max: 0, range, example: '' };
      this.tally.stallsByKind.set(kind, e);
    }
    e.count++;
    e.ns += dur;
    if (dur > e.max) {
      e.max = dur;
      e.range = range;
      e.example = causes.join(': ');
    }
  }

  /** A task waited from `since` to `now` on `ex` before it ran. */
  taskStall(ex: Executor, t: Task, since: Ns, now: Ns): void {
    ex.flush(now);
    const { cause, ns } = this.stallChain(ex, since, now);
    const vp = ex.vp >= 0 ? ex.vp : t.intendedVp();
    const range = t instanceof ProgramTask ? t.def.range : undefined;
    this.report(t, vp, since, now, cause, `task \`${t.name}\` waited ${fmtNsShort(now - since)} on ${ex.name}`, ns, ex.name, range);
  }

  /** VTL2 activity kept the VP's guest (which had work) out of VTL0 from `since` to `now`. */
  guestStall(ex: Executor, since: Ns, now: Ns): void {
    ex.flush(now);
    const { cause, ns } = this.stallChain(ex, since, now);
    this.report('vtl0', ex.vp, since, now, cause, `the guest on ${ex.name} could not run for ${fmtNsShort(now - since)}`, ns, ex.name, this.vm.guest.range);
  }

  deadlockStall(ex: Executor, t: Task, since: Ns, now: Ns): void {
    const c = this.getDeadlockCause >= 0 ? this.causes.get(this.getDeadlockCause) : undefined;
    this.report(t, ex.vp >= 0 ? ex.vp : t.intendedVp(), since, now, c, `task \`${t.name}\` on ${ex.name} never got its GET reply (${fmtNsShort(now - since)} until the end of the run)`, 0, ex.name);
  }

  private onlineStall(t: ProgramTask, v: number, since: Ns, now: Ns): void {
    const sc = this.sidecarCfg;
    const c: Cause = {
      kind: 'sidecar-onlining',
      label: `not online yet (sidecar): onlining is one VP at a time behind a global lock`,
      more: ['avoid early work targeted at sidecar VPs, or boot the VP in Linux (linux_vps)'],
      range: t.ranges[t.vpWaitStep] ?? sc?.range,
    };
    this.report(t, v, since, now, c, `task \`${t.name}\` waited ${fmtNsShort(now - since)} for VP ${v} to be ready`, 0, `VP ${v}`);
  }

  // ================================================================ end of run

  finish(now: Ns): void {
    if (this.finished) return;
    this.finished = true;
    for (const ex of this.allExecs) ex.finish(now);
    for (const t of this.tasks) {
      t.censorAt(now);
      if (t.vpWaitSince >= 0 && now - t.vpWaitSince > this.stallThresholdNs) this.onlineStall(t, t.placement.target ?? -1, t.vpWaitSince, now);
      if (t.stuckSince >= 0 && this.getDeadlockCause >= 0) {
        const c = this.causes.get(this.getDeadlockCause);
        this.report(t, t.intendedVp(), t.stuckSince, now, c, `task \`${t.name}\` never got its async GET reply`, 0, 'the GET worker');
      }
    }
    const findings: Finding[] = openHclFindings(this, now);
    for (const f of findings) this.stats.finding(f);
  }
}

