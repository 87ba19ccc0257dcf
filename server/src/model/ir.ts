/**
 * The typed scenario model (IR): what the checker produces from a parsed file and what the
 * simulator consumes. Types only; no behaviour.
 *
 * Units: every time is an integer number of nanoseconds (`Ns`), every rate is events per second,
 * every share is a fraction in [0, 1] unless the field says otherwise. Indices are 0-based.
 * Every object that came from a statement carries `range`: the source range of that statement,
 * so a stall or finding can point back at the line responsible.
 *
 * Defaults are applied during lowering (see `model/schema.ts` for their documentation), so the
 * simulator never guesses: a field that is optional here is genuinely optional in the model.
 */
import type { TextRange } from '../core/text';

/** Integer nanoseconds. */
export type Ns = number;

/** A random duration. All parameters in ns; the simulator clamps samples at >= 0. */
export type Dist =
  | { kind: 'fixed'; value: Ns }
  | { kind: 'uniform'; lo: Ns; hi: Ns }
  | { kind: 'exp'; mean: Ns }
  | { kind: 'normal'; mean: Ns; sd: Ns }
  | { kind: 'lognormal'; mean: Ns; sd: Ns }
  /** `a` with probability 1-p, `b` with probability p (a slow tail). */
  | { kind: 'bimodal'; a: Ns; b: Ns; p: number };

export interface Ranged {
  /** Source range of the statement this came from (empty range for implicit defaults). */
  range: TextRange;
}

export interface Scenario {
  /** Title from `scenario "..."`, or the file's base name. */
  title: string;
  settings: RunSettings;
  host: Host;
  vms: Vm[];
  /** Named variants, already applied: each is a complete scenario (without further variants). */
  variants: VariantDef[];
}

export interface VariantDef extends Ranged {
  name: string;
  description?: string;
  /** The variant it is `based_on` (its scenario already includes that variant's overrides). */
  basedOn?: string;
  scenario: Scenario;
}

export interface RunSettings extends Ranged {
  /** Simulated time to run. Default 1 s. */
  durationNs: Ns;
  /** Statistics ignore what completes before this. Default 0. */
  warmupNs: Ns;
  /** PRNG seed. Default 1. */
  seed: number;
  /** Stop after this many engine events. Default 100M. */
  maxEvents: number;
  /** Stop after this much wall-clock time (enforced by the shell, not the core). Default 60 s. */
  wallLimitMs: number;
  /** A wait longer than this is reported as a stall. Default 1 ms. */
  stallThresholdNs: Ns;
}

export type HostSched = 'credit' | 'credit2' | 'fair' | 'fifo' | 'rr';

export interface Host extends Ranged {
  pcpus: number;
  /** Scheduler of the implicit pool (no `pool` statements) and default for pools. Default `fair`. */
  sched: HostSched;
  /** Always at least one pool. The first is the boot pool `Pool-0`. */
  pools: Pool[];
  /** pCPUs in no pool: they run only idle (Xen semantics). */
  freeCpus: number[];
  loads: HostLoad[];
  /**
   * Linux host: scheduler tick rate (CONFIG_HZ; 100, 250, 300 or 1000). A fair thread's slice
   * expires at the first tick after its deadline, not at the deadline. Default 250.
   */
  hz?: number;
  /** Costs of exits, halts and wake-ups on this host (defaults: HOST_COST_DEFAULTS in sim/host/costs.ts). */
  costs?: Partial<HostCosts>;
}

/** Costs of a blocking wait on the host (host `costs` block). All in ns. */
export interface HostCosts {
  /** CPU the halting vCPU's thread spends between the HLT exit and sleeping. */
  haltExitNs: Ns;
  /** CPU of the waking vCPU's exit that wakes halted siblings (exit, host path, VM entry), once per wake-up. */
  exitNs: Ns;
  /** CPU the waking vCPU spends per halted sibling it wakes (one IPI / wake). */
  ipiNs: Ns;
  /** From the wake to the woken vCPU thread running on an idle pCPU (not CPU time of the thread). */
  wakeLatencyNs: Ns;
  /** CPU the woken vCPU thread spends before guest code runs (return from the block, VM entry). */
  entryNs: Ns;
  /** KVM halt polling maximum (halt_poll_ns); 0 disables polling. */
  haltPollNs: Ns;
}

export interface Pool extends Ranged {
  name: string;
  /** True when the pool was not written but implied (no pools declared, or Pool-0 not declared). */
  implicit: boolean;
  cpus: number[];
  sched: HostSched;
  /** credit: timeslice (default 30 ms); credit2: max slice (default 10 ms); fair: base slice (default 0.75 ms x (1 + ilog2(min(cpus, 8))). */
  timesliceNs: Ns;
  /** Minimum run time before preemption by a waking vCPU. Default 1 ms (credit, credit2), 0 (fair). */
  ratelimitNs: Ns;
  /** credit: accounting tick, default 10 ms. */
  tickNs: Ns;
  /** credit2: minimum slice, default 0.5 ms. */
  minSliceNs: Ns;
  /** credit2: credit added on reset, default 10 ms. */
  resetCreditNs: Ns;
  /** credit2: cap period, default 10 ms. */
  capPeriodNs: Ns;
}

export type ThreadPolicy = 'normal' | 'fifo' | 'rr';

/** A step of a work program. Programs loop unless the owner says otherwise. */
export type Step =
  /** Compute for a duration without yielding (needs the CPU). */
  | ({ kind: 'cpu'; dur: Dist } & Ranged)
  /** Sleep/wait asynchronously (a timer): frees the CPU. */
  | ({ kind: 'sleep'; dur: Dist } & Ranged)
  /** OpenHCL: async IO through the VP's io_uring; completion wakes the VP (io_uring cancel). */
  | ({ kind: 'io'; latency: Dist } & Ranged)
  /** OpenHCL: blocking syscall: the VP thread is blocked in the kernel for the duration. */
  | ({ kind: 'syscall'; dur: Dist } & Ranged)
  /** OpenHCL: an operation handled by the hypervisor (intercept): not cancellable. */
  | ({ kind: 'intercept'; dur: Dist } & Ranged)
  /** OpenHCL: an operation the root handles (MMIO write, hypercall): both VTLs of the VP stall. */
  | ({ kind: 'root_op'; op: 'mmio' | 'hypercall'; dur: Dist } & Ranged)
  /** OpenHCL: a GET/VMGS round trip; `blocking` when done synchronously. */
  | ({ kind: 'get'; dur: Dist; blocking: boolean } & Ranged)
  /** OpenHCL: wait for the target VP to be ready (onlines a sidecar VP). */
  | ({ kind: 'wait_vp_ready' } & Ranged)
  /** OpenHCL: check whether the target VP is ready (`is_target_vp_ready()`): no wait, no onlining. */
  | ({ kind: 'is_vp_ready' } & Ranged)
  /** Guest: hold lock `lock` for `dur` of CPU (critical section). */
  | ({ kind: 'lock'; lock: string; dur: Dist } & Ranged)
  /** Guest: synchronous IO to a StorVSP disk, waiting for completion. */
  | ({ kind: 'disk_io'; controller: string; disk: string } & Ranged)
  /** Guest: RTC read/write or PAM/ROM remap: GET-bound operations in the paravisor. */
  | ({ kind: 'rtc_read' | 'rtc_write' | 'pam_remap' } & Ranged)
  /**
   * Guest: an exit of the given duration (e.g. a PIO/MMIO intercept). Served by the hypervisor (CPU
   * on the vCPU's pCPU) unless `vmm`: the vCPU exits to the VMM in userspace and waits there blocked.
   */
  | ({ kind: 'exit'; reason: string; dur: Dist; vmm?: boolean } & Ranged);

/** When a program (one pass of its steps) starts. */
export type Trigger =
  /** Back to back, forever. */
  | { kind: 'loop' }
  /** Every `period` (a periodic timer); latency = start delay + run time. */
  | { kind: 'periodic'; period: Dist }
  /** Poisson arrivals at `ratePerSec`; passes queue if the worker is busy. */
  | { kind: 'poisson'; ratePerSec: number }
  /** Once, at `atNs`. */
  | { kind: 'once'; atNs: Ns };

export interface Program {
  trigger: Trigger;
  /** First start, default 0. */
  startNs: Ns;
  /** Stop after this many passes (undefined = until the end). */
  count?: number;
  steps: Step[];
}

export interface HostLoad extends Ranged {
  name: string;
  threads: number;
  /** Allowed pCPUs (default: all). */
  cpus: number[];
  policy: ThreadPolicy;
  /** -20..19, default 0. */
  nice: number;
  /** 1..99 for fifo/rr. */
  rtPriority: number;
  program: Program;
}

export type BoostMode = 'off' | 'static_rt' | 'dynamic';
export type BoostInterrupt = 'timer' | 'nmi' | 'smi' | 'pv_unhalt' | 'posted' | 'ipi' | 'device';

export interface Boost extends Ranged {
  mode: BoostMode;
  /** Boost when an interrupt is injected (delivered) or already when it is pending. Default `injection`. */
  trigger: 'injection' | 'pending';
  /** Interrupts that boost. Default timer, nmi, smi, pv_unhalt. */
  interrupts: BoostInterrupt[];
  /** Honour the guest's lazy boost requests (RT task runnable, IRQ entry). Default true. */
  guestRequests: boolean;
  /** No boost while the vCPU had preemption disabled longer than this; 0 = no limit. Default 3 ms. */
  preemptLimitNs: Ns;
  /** Cost of the guest's synchronous unboost (an exit). Default 2 us (assumption). */
  unboostCostNs: Ns;
  /** Whether the guest unboosts host-initiated boosts when done. Default true. */
  guestUnboosts: boolean;
  /** SCHED_RR priority while boosted. Default 8. */
  rtPriority: number;
  /** The VM runs a nested (L2) guest whose interrupts boost this VM's vCPUs. Default false. */
  nested: boolean;
}

export type Backend = 'threadpool' | 'thread' | 'single';

export interface Sidecar extends Ranged {
  /** Onlining on first exit. Default true. */
  hotplug: boolean;
  /** Time to online one VP (behind the global lock). Default fixed 2 ms (assumption: unquantified upstream). */
  onlineCost: Dist;
  /** Blackout during which the VP runs nothing. Default fixed 100 us (assumption). */
  blackout: Dist;
  /** The node's base CPU that handles remote VPs' exits. Default 0. */
  baseCpu: number;
  /** VPs that start as Linux VPs (not sidecar). Default [0]. */
  linuxVps: number[];
}

export interface Vtl2Task extends Ranged {
  name: string;
  /** VP index or undefined (unset). */
  targetVp?: number;
  runOnTarget: boolean;
  /** Where the task runs: a VP thread (default), a dedicated thread, or the GET worker thread. */
  runsOn: 'vp' | 'dedicated' | 'get_worker';
  /** retarget_vp statements in time order. */
  retargets: ({ atNs: Ns; vp: number } & Ranged)[];
  /** Inspect of the running worker every so often (restarts its run). */
  inspectEvery?: Dist;
  /**
   * threadpool, no target_vp: which ring the task's IO and timers use. Absent = `vp0` (the
   * threadpool backend's code: `driver(0)`); `current` = the ring of the VP the task runs on when it
   * submits (the "current VP's ring" of the OpenHCL guide's review; the code's own note).
   */
  ioRing?: 'vp0' | 'current';
  /**
   * threadpool, run_on_target off or no target: the VP whose thread spawns the task (the current
   * CPU of whoever creates the device). Absent = VP 0 (an assumption: where devices are created).
   */
  spawnedOn?: number;
  program: Program;
}

export interface Disk extends Ranged {
  name: string;
  /** Backend latency of one IO. */
  latency: Dist;
  /**
   * The disk backend: `disk_blockdevice` (the default: IO through the worker thread's io_uring,
   * completion on that ring) or `disk_nvme` (OpenHCL's user-mode NVMe driver: the completion is the
   * interrupt of the issuing CPU's IO queue, or of the nearest lower CPU's queue when the device has
   * fewer IO queues than CPUs). Absent = `disk_blockdevice`.
   */
  backend?: 'disk_blockdevice' | 'disk_nvme';
  /** disk_nvme: IO queues the device gives (one per CPU up to this many). Default: one per VP. */
  nvmeQueues?: number;
}

export interface StorvspController extends Ranged {
  name: string;
  /** After clamping to VPs - 1 and 256 (model/storvspRule.ts); the number written is in `subChannelsWritten`. */
  subChannels: number;
  subChannelsWritten: number;
  /** True when the count comes from the VM-wide `scsi_sub_channels`, written or its default 0 (no `sub_channels` of its own). */
  subChannelsVmWide?: boolean;
  /** Per channel. Default min(8 x VPs, 256). */
  ioQueueDepth: number;
  /** A channel is in poll mode while its pending IO is at or above this. Default 1. */
  pollModeQueueDepth: number;
  /** Channels opened with interrupts (false: all workers land on VP 0). Default true. */
  interrupts: boolean;
  /** VP each channel's worker runs on (primary first). Default: spread evenly across VPs. */
  channelVps: number[];
  disks: Disk[];
}

export interface NetvspController extends Ranged {
  name: string;
  subChannels: number;
  subChannelsWritten: number;
}

export interface OpenHcl extends Ranged {
  backend: Backend;
  ioUringCancel: boolean;
  arch: 'x64' | 'aarch64';
  isolation: 'none' | 'vbs' | 'snp' | 'tdx';
  /** VP index -> Linux CPU. Default identity. */
  vpCpuMap: number[];
  /** Default 256. */
  ioRingSize: number;
  /**
   * OpenHCL's VM-wide `scsi_sub_channels` (Vtl2SettingsFixed), as written; every controller without
   * its own `sub_channels` uses it. Absent when not written (0).
   */
  scsiSubChannels?: number;
  sidecar?: Sidecar;
  tasks: Vtl2Task[];
  storvsp: StorvspController[];
  netvsp: NetvspController[];
}

export interface GuestLock extends Ranged {
  name: string;
  /** spin: waiters spin (burn CPU); ticket: FIFO hand-off spin; mutex: waiters block. */
  kind: 'spin' | 'ticket' | 'mutex';
  /**
   * kernel (the default): a kernel lock; a spinlock holder runs with preemption disabled, and
   * spinning waiters take pause-loop exits (PLE). user: a user-space lock; its holder can be
   * preempted by the guest scheduler, and spinning waiters never take pause-loop exits.
   * The lowering always sets it (default applied); the type leaves it optional only so that IR
   * built by hand before the field existed stays valid: read a missing one as `kernel`.
   */
  mode?: 'user' | 'kernel';
}

export interface GuestThread extends Ranged {
  name: string;
  /** Number of identical threads. Default 1. */
  count: number;
  /** Allowed vCPUs (default all). */
  vcpus: number[];
  /** Guest real-time priority (runs ahead of normal guest threads; asks for boost). Default false. */
  rt: boolean;
  program: Program;
}

export interface ParallelRegion extends Ranged {
  name: string;
  /** Team size (threads), default = vCPU count. */
  threads: number;
  /** Work per thread per round. */
  work: Dist;
  rounds: number;
  /** Barrier wait policy: spin (OMP active), block (passive), paravirt (spin unless a sibling vCPU is preempted). */
  barrier: 'spin' | 'block' | 'paravirt';
  /** Spin this long before blocking (block policy still spins this long first). Default 0 for block, infinite for spin. */
  spinLimitNs: Ns;
  /** fixed: always `threads`; adaptive: lower to the number of running (not preempted) vCPUs. */
  dop: 'fixed' | 'adaptive';
  /** Kernel-mode spinning (PLE applies) vs user-mode (PLE never triggers). Default user. */
  spinMode: 'user' | 'kernel';
  /** Delay before the first round (`start`); absent = 0. */
  startNs?: Ns;
}

export interface IoLoad extends Ranged {
  name: string;
  controller: string;
  disk: string;
  /** Open loop at this rate (IOs per second) or closed loop with `depth` outstanding IOs. */
  ratePerSec?: number;
  depth?: number;
  /** vCPUs that submit (default all); the submitting vCPU picks the channel. */
  vcpus: number[];
}

export interface Intercept extends Ranged {
  name: string;
  /** Per vCPU, per second. */
  ratePerSec: number;
  dur: Dist;
  vcpus: number[];
}

export interface Irq extends Ranged {
  name: string;
  ratePerSec: number;
  vcpus: number[];
  kind: BoostInterrupt;
  /** Fraction of time the guest has interrupts masked on the target vCPU (delays injection). */
  maskedFraction: number;
  /** Length of one masked window. */
  maskedWindow: Dist;
}

export interface Ple extends Ranged {
  enabled: boolean;
  /** Spin window before a pause-loop exit. Default 1.5 us (~4096 cycles at 2.8 GHz). */
  windowNs: Ns;
  /** Window growth factor per exit. Default 2. */
  grow: number;
  /** Window cap. Default 24 us. */
  maxWindowNs: Ns;
  /** Yield to a preempted sibling vCPU on exit. Default true. */
  directedYield: boolean;
}

export interface Guest extends Ranged {
  /** Natural VTL0 residence before the guest exits on its own (when nothing interrupts). Default exp 1 ms. */
  residence: Dist;
  /** Guest scheduler slice for its own threads. Default 3 ms. */
  sliceNs: Ns;
  /** Guest reads steal time and uses the preempted flag. Default true. */
  stealTime: boolean;
  ple: Ple;
  locks: GuestLock[];
  threads: GuestThread[];
  parallel: ParallelRegion[];
  ioloads: IoLoad[];
  intercepts: Intercept[];
  irqs: Irq[];
}

export interface Vm extends Ranged {
  name: string;
  vcpus: number;
  /** Pool name (exists). Default Pool-0. */
  pool: string;
  /** Hard affinity (default: the pool's CPUs). */
  cpus: number[];
  /** Soft affinity (default: same as hard). */
  cpusSoft: number[];
  /** shared: every vCPU may run on any CPU of `cpus`; one_to_one: vCPU i only on cpus[i % n]. */
  pin: 'shared' | 'one_to_one';
  /** Xen weight 1..65535, default 256. */
  weight: number;
  /** Xen cap in percent of one pCPU; 0 = none. */
  capPercent: number;
  /** Linux host: nice -20..19 of the vCPU threads. Default 0. */
  nice: number;
  policy: ThreadPolicy;
  rtPriority: number;
  /** The control domain (dom0). Default false. */
  dom0: boolean;
  boost: Boost;
  openhcl?: OpenHcl;
  guest: Guest;
}
