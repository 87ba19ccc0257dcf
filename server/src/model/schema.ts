/**
 * The language schema: every statement of `docs/language.md` as data. It drives the checker
 * (which keyword is allowed where, argument types, ranges), completion, hover, snippets and
 * semantic tokens. Hover text is the `doc` field: it explains the setting in the terms of the
 * system it models (OpenHCL, Xen, KVM, Linux), its unit and default, and where the behaviour
 * comes from. Defaults marked `assumption` are vpscope's own choice where no source gives a
 * number.
 *
 * Ids are keyword paths (`vm.openhcl.task.target_vp`). A `variant` body accepts the top-level
 * statements and resolves them to the same specs as the base (`vm` inside `variant x` is spec
 * `vm`), so every block inside a variant accepts exactly what it accepts in the base.
 *
 * Invariant: data and pure lookups only; no dependency on the parser or the checker.
 */
import type { ArgSpec, EnumValue, StatementSpec, SymbolKind, ValueType } from './schemaTypes';
import { dict } from '../core/dict';

// ---- value type helpers ---------------------------------------------------------------------

const MS = 1_000_000;
const US = 1_000;
const S = 1_000_000_000;

const dur = (min?: number, max?: number): ValueType => ({ kind: 'duration', min, max });
const count = (min?: number, max?: number): ValueType => ({ kind: 'count', min, max, integer: true });
const bool: ValueType = { kind: 'bool' };
const dist: ValueType = { kind: 'dist' };
const rate: ValueType = { kind: 'rate' };
const cpulist: ValueType = { kind: 'cpulist' };
const vp: ValueType = { kind: 'vp' };
const vplist: ValueType = { kind: 'vplist' };
const pct = (min?: number, max?: number): ValueType => ({ kind: 'percent', min, max });
const ev = (pairs: [string, string][]): EnumValue[] => pairs.map(([name, doc]) => ({ name, doc }));
const enumOf = (pairs: [string, string][]): ValueType => ({ kind: 'enum', values: ev(pairs) });

const a = (name: string, type: ValueType, doc?: string, optional?: boolean): ArgSpec => ({ name, type, doc, optional });

/** Enum values of a scheduler, shared by `host sched` and `pool sched`. */
const SCHED_VALUES: [string, string][] = [
  ['credit', 'Xen credit scheduler (credit1): weights and caps, 30 ms timeslice, 10 ms accounting tick, BOOST/UNDER/OVER priorities.'],
  ['credit2', 'Xen credit2 (the default since Xen 4.12): credit burns at runtime x max_weight / weight, run queue ordered by credit, slice 0.5..10 ms.'],
  ['fair', 'Linux CFS/EEVDF fair scheduling of vCPU threads (KVM/QEMU hosts): nice weights, base slice 0.75 ms x (1 + ilog2(min(CPUs, 8))), slices checked at the `hz` tick.'],
  ['fifo', 'Linux SCHED_FIFO for every thread of the pool: run until they block, by RT priority.'],
  ['rr', 'Linux SCHED_RR: like fifo with a 100 ms round-robin slice among equal priorities.'],
];
const POLICY_VALUES: [string, string][] = [
  ['normal', 'SCHED_NORMAL (SCHED_OTHER): fair scheduling by nice weight.'],
  ['fifo', 'SCHED_FIFO: real-time, runs ahead of every normal thread until it blocks (RT throttling leaves normal threads 5% of each second).'],
  ['rr', 'SCHED_RR: real-time with a round-robin slice among equal priorities.'],
];
const INTERRUPT_VALUES: [string, string][] = [
  ['timer', 'Local APIC timer interrupt.'],
  ['nmi', 'Non-maskable interrupt.'],
  ['smi', 'System management interrupt.'],
  ['pv_unhalt', 'Paravirtual unhalt (a PV spinlock kick of a halted vCPU).'],
  ['posted', 'Posted interrupt (delivered without an exit when the vCPU runs).'],
  ['ipi', 'Inter-processor interrupt from a sibling vCPU.'],
  ['device', 'Device interrupt (virtio, assigned device).'],
];

// ---- spec builders --------------------------------------------------------------------------

const specs: StatementSpec[] = [];

interface Opts {
  doc: string;
  source?: string;
  args?: ArgSpec[];
  default?: string;
  assumption?: boolean;
  body?: StatementSpec['body'];
  children?: string[];
  repeatable?: boolean;
  required?: boolean;
  step?: boolean;
  snippet?: string;
  variantOnly?: boolean;
}

function def(id: string, o: Opts): void {
  const keyword = id.slice(id.lastIndexOf('.') + 1);
  const spec: StatementSpec = { id, keyword, doc: o.doc, args: o.args ?? [], body: o.body ?? 'none' };
  if (o.source) spec.source = o.source;
  if (o.default !== undefined) spec.default = o.default;
  if (o.assumption) spec.assumption = true;
  if (o.children) spec.children = o.children;
  if (o.repeatable) spec.repeatable = true;
  if (o.required) spec.required = true;
  if (o.step) spec.step = true;
  if (o.snippet) spec.snippet = o.snippet;
  if (o.variantOnly) spec.variantOnly = true;
  specs.push(spec);
}

/** A single-value setting: `keyword VALUE`. */
function setting(id: string, type: ValueType, o: Omit<Opts, 'args'> & { argName?: string }): void {
  def(id, { ...o, args: [a(o.argName ?? 'value', type)] });
}

// ---- program (triggers and steps), instantiated per owner ---------------------------------

type StepName = 'cpu' | 'sleep' | 'io' | 'syscall' | 'intercept' | 'root_op' | 'get' | 'wait_vp_ready' | 'is_vp_ready' | 'lock' | 'disk_io' | 'rtc_read' | 'rtc_write' | 'pam_remap' | 'exit';

const TASK_STEPS: StepName[] = ['cpu', 'sleep', 'io', 'syscall', 'intercept', 'root_op', 'get', 'wait_vp_ready', 'is_vp_ready'];
const THREAD_STEPS: StepName[] = ['cpu', 'sleep', 'lock', 'disk_io', 'rtc_read', 'rtc_write', 'pam_remap', 'exit'];
const LOAD_STEPS: StepName[] = ['cpu', 'sleep'];

/** Ids of trigger statements (`every`, `rate`, `once` in a program); at most one per program. */
const triggerIds = new Set<string>();
export function isTriggerSpec(id: string): boolean {
  return triggerIds.has(id);
}

function program(owner: string, steps: StepName[], opts: { countIsPasses: boolean }): string[] {
  const ids: string[] = [];
  const p = (kw: string) => {
    ids.push(`${owner}.${kw}`);
    return `${owner}.${kw}`;
  };
  for (const t of ['every', 'rate', 'once']) triggerIds.add(`${owner}.${t}`);
  def(p('every'), {
    doc: 'Trigger: start a pass of the steps periodically, like a timer (`every 500us`, `every uniform 1ms..2ms`). A pass that is still running when the next period starts delays it; latency is start delay + run time. At most one trigger per program; without one the steps loop back to back.',
    args: [a('period', dist, 'period between starts')],
    source: 'vpscope',
  });
  def(p('rate'), {
    doc: 'Trigger: Poisson arrivals at RATE (`rate 20k/s`, `rate 500/s`). Arrivals that come while a pass runs queue behind it, so queueing delay shows up in the latency. At most one trigger per program.',
    args: [a('rate', rate)],
    source: 'vpscope',
  });
  def(p('once'), {
    doc: 'Trigger: run the steps one time, at the given simulated time (`once at 10ms`), or at `start` if that is later. `start` says when a program begins; `once at` says that it runs a single pass, and when.',
    args: [a('at', { kind: 'literal', word: 'at' }), a('time', dur())],
    source: 'vpscope',
  });
  def(p('start'), {
    doc: 'When the program begins (default 0): with `loop` or `every` the first pass starts at this time, with `rate` the first arrival comes after it, with `once at T` the pass runs at T or at `start`, whichever is later. Staggering starts avoids artificial lock-step between identical workers.',
    args: [a('time', dur())],
    default: '0',
    source: 'vpscope',
  });
  if (opts.countIsPasses) {
    def(p('count'), {
      doc: 'Stop after N passes of the steps (default: run until the end of the simulation). Same as `passes`.',
      args: [a('passes', count(1))],
      default: 'unlimited',
      source: 'vpscope',
    });
  }
  def(p('passes'), {
    doc: 'Stop after N passes of the steps (default: run until the end of the simulation).' + (opts.countIsPasses ? ' Same as `count`.' : ' (In a guest `thread`, `count` is the number of threads, so the number of passes is written `passes`.)'),
    args: [a('passes', count(1))],
    default: 'unlimited',
    source: 'vpscope',
  });
  for (const s of steps) ids.push(stepSpec(owner, s));
  return ids;
}

function stepSpec(owner: string, s: StepName): string {
  const id = `${owner}.${s}`;
  const base = { step: true, repeatable: true };
  const inVtl2 = owner.includes('.task');
  switch (s) {
    case 'cpu':
      def(id, {
        ...base,
        doc: inVtl2
          ? 'Step: compute for DIST without yielding. In OpenHCL a task is cooperative: while it computes, nothing else runs on its VP thread, neither other VTL2 tasks nor the VP\'s own guest (VTL0). Long stretches stall the VP (OpenHCL guide: never run long without yielding on a VP thread).'
          : 'Step: compute for DIST (needs a CPU; the scheduler may preempt it).',
        args: [a('time', dist)],
        source: inVtl2 ? 'OpenHCL guide' : 'vpscope',
      });
      break;
    case 'sleep':
      def(id, { ...base, doc: 'Step: wait on a timer for DIST. Frees the CPU (in OpenHCL: the task yields and the VP can run other tasks or its guest).', args: [a('time', dist)], source: 'vpscope' });
      break;
    case 'io':
      def(id, {
        ...base,
        doc: 'Step: asynchronous IO through a VP\'s io_uring with backend latency DIST. The task yields while it is in flight. The completion is an event on the ring of the VP the IO was issued on, which brings that VP out of VTL0 when `io_uring_cancel` is on: the task\'s `target_vp`; untargeted, VP 0 (the threadpool backend\'s code, `driver(0)`) or, with `io_ring current`, the VP the task runs on (the "current VP\'s ring" the guide\'s review discussed).',
        args: [a('latency', dist)],
        source: 'OpenHCL guide',
      });
      break;
    case 'syscall':
      def(id, {
        ...base,
        doc: 'Step: a blocking (synchronous) system call of duration DIST. The VP\'s executor thread is blocked in the kernel: every task on the VP and its guest (VTL0) stall, and the io_uring cancel cannot interrupt it. The fix is async IO or a dedicated thread (`runs_on dedicated`).',
        args: [a('time', dist)],
        source: 'OpenHCL guide',
      });
      break;
    case 'intercept':
      def(id, {
        ...base,
        doc: 'Step: a hypervisor intercept handled on this VP for DIST. Not cancellable: completions on the VP\'s ring do not pre-empt it, and work targeted at the VP waits the whole intercept (no work stealing).',
        args: [a('time', dist)],
        source: 'OpenHCL guide',
      });
      break;
    case 'root_op':
      def(id, {
        ...base,
        doc: 'Step: an operation VTL2 triggers that the root partition handles (`mmio` write, `hypercall`), lasting DIST. Both VTLs of the VP stall until the root answers.',
        args: [a('op', enumOf([['mmio', 'An MMIO write the root emulates.'], ['hypercall', 'A hypercall the root handles.']])), a('time', dist)],
        source: 'OpenHCL guide',
      });
      break;
    case 'get':
      def(id, {
        ...base,
        doc: 'Step: a round trip to the Guest Emulation Transport (GET) / VMGS of duration DIST. `blocking` (default) blocks the calling thread like a synchronous syscall; `async` yields. From the GET worker thread itself a blocking GET call deadlocks.',
        args: [a('time', dist), a('mode', enumOf([['blocking', 'Synchronous: the calling thread blocks for the round trip.'], ['async', 'Asynchronous: the task yields while waiting.']]), undefined, true)],
        default: 'blocking',
        source: 'OpenHCL guide',
      });
      break;
    case 'wait_vp_ready':
      def(id, {
        ...base,
        doc: 'Step: wait until the target VP is ready (`wait_target_vp_ready`). For a sidecar VP this triggers onlining, one VP at a time behind a global lock; `is_target_vp_ready()` alone would not (`is_vp_ready`).',
        source: 'OpenHCL guide (sidecar)',
      });
      break;
    case 'is_vp_ready':
      def(id, {
        ...base,
        doc: 'Step: check whether the target VP is ready (`is_target_vp_ready()`), without waiting. It does not trigger sidecar onlining (OpenHCL guide; OpenVMM threadpool_vm_task_backend.rs: it only reads whether the target thread\'s affinity is set). The task goes on at once; counted in `openhcl.vp_ready_checks` / `openhcl.vp_not_ready`. Work the task then aims at the VP (IO, a wake) still onlines it.',
        source: 'OpenHCL guide (sidecar); OpenVMM',
      });
      break;
    case 'lock':
      def(id, {
        ...base,
        doc: 'Step: take guest lock NAME and hold it for DIST of CPU (a critical section). Waiters spin or block according to the lock\'s `kind`. If the vCPU holding it is preempted by the host, every waiter waits for that vCPU to run again (lock-holder preemption).',
        args: [a('lock', { kind: 'ref', to: 'lock' }), a('time', dist)],
        source: 'Kernel Recipes 2024 dual-level scheduling',
      });
      break;
    case 'disk_io':
      def(id, {
        ...base,
        doc: 'Step: synchronous IO to DISK on StorVSP controller CONTROLLER; the thread waits for the completion. The submitting vCPU picks the channel; the channel\'s worker in VTL2 handles it.',
        args: [a('controller', { kind: 'ref', to: 'controller' }), a('disk', { kind: 'ref', to: 'disk' })],
        source: 'OpenHCL guide (StorVSP)',
      });
      break;
    case 'rtc_read':
      def(id, { ...base, doc: 'Step: read the guest RTC. OpenHCL asks the host at most once per second (OpenHCL guide); a miss costs a GET round trip on the VP. The costs are vpscope assumptions, not measured: 300 us per round trip, 2 us of VTL2 emulation (sim/openhcl/params.ts).', source: 'OpenHCL guide; costs: assumption' });
      break;
    case 'rtc_write':
      def(id, { ...base, doc: 'Step: write the guest RTC. The VP waits for a VMGS save through the GET, stalling both VTLs of the VP (OpenHCL guide). The costs are vpscope assumptions, not measured: 1.5 ms per VMGS save, 2 us of VTL2 emulation (sim/openhcl/params.ts).', source: 'OpenHCL guide; costs: assumption' });
      break;
    case 'pam_remap':
      def(id, { ...base, doc: 'Step: a PAM/ROM remap by the guest (firmware shadowing). OpenHCL handles it through the GET, and the VP waits for the round trip (OpenHCL guide). The cost is a vpscope assumption, not measured: 300 us per round trip, 2 us of VTL2 emulation (sim/openhcl/params.ts).', source: 'OpenHCL guide; costs: assumption' });
      break;
    case 'exit':
      def(id, {
        ...base,
        doc: 'Step: an exit with REASON (free text such as `pio`, `mmio`, `cpuid`) lasting DIST on the current vCPU. `hv` (the default): served by the hypervisor/kernel, which spends DIST of CPU on the vCPU\'s pCPU. `vmm`: the vCPU exits to the VMM in userspace (KVM: `KVM_RUN` returns to QEMU/OpenVMM; OpenHCL: the VP\'s VTL2 thread) and waits there blocked for DIST, e.g. for an emulated device or a host-side barrier: the vCPU thread is not runnable meanwhile (no CPU used, not preempted, not steal), and on an OpenHCL VP every VTL2 task of the VP waits too.',
        args: [a('reason', { kind: 'text' }), a('time', dist), a('where', enumOf([['hv', 'Served in the hypervisor/kernel: CPU on the vCPU\'s pCPU.'], ['vmm', 'Served by the VMM in userspace: the vCPU thread blocks (not runnable) for the duration.']]), undefined, true)],
        default: 'hv',
        source: 'KVM API (KVM_RUN exits to userspace); OpenHCL guide',
      });
      break;
  }
  return id;
}

// ---- scenario ---------------------------------------------------------------------------------

def('scenario', {
  doc: 'Run settings of the simulation (optional, at most one). The title names the scenario in reports.',
  args: [a('title', { kind: 'string' }, 'title shown in reports', true)],
  body: 'optional',
  children: ['scenario.duration', 'scenario.warmup', 'scenario.seed', 'scenario.seeds', 'scenario.max_events', 'scenario.wall_limit', 'scenario.stall_threshold'],
  snippet: 'scenario "${1:title}" {\n\tduration ${2:1s}\n\tseed ${3:1}\n}',
  source: 'vpscope',
});
setting('scenario.duration', dur(1), { doc: 'Simulated time to run. Statistics, stalls and findings cover this span (minus `warmup`); longer runs tighten tail percentiles.', default: '1s', source: 'vpscope' });
setting('scenario.warmup', dur(0), { doc: 'Statistics ignore what completes before this time (lets queues fill first).', default: '0', source: 'vpscope' });
setting('scenario.seed', count(0), { doc: 'Seed of the pseudo-random generators. The same seed gives byte-identical results.', default: '1', source: 'vpscope' });
setting('scenario.seeds', count(1, 10000), {
  doc: 'How many seeds `vpscope simulate` (and the editor\'s Simulate) runs each selected variant with by default: seeds `seed`, `seed`+1, ... Above 1, every metric is reported as the mean over seeds with a 95% Student-t interval and variants are compared with Welch\'s t-test (README, *Seeds and sweeps*). `--seeds`/`--seed-list` on the command line win; the editor setting `vpscope.simulation.seeds` applies to files without it.',
  default: '1',
  source: 'vpscope',
});
setting('scenario.max_events', count(1), { doc: 'Upper bound on engine events; the run stops there and says so.', default: '100M', source: 'vpscope' });
setting('scenario.wall_limit', dur(1 * MS), { doc: 'Wall-clock budget of one run, enforced by the shell (CLI, editor) rather than the deterministic core; the run stops and says so when it is exceeded.', default: '60s', source: 'vpscope' });
setting('scenario.stall_threshold', dur(1), { doc: 'A wait longer than this (a task waiting for its VP, a vCPU waiting for a pCPU) is reported as a stall with its chain of causes.', default: '1ms', assumption: true, source: 'vpscope' });

// ---- host -------------------------------------------------------------------------------------

def('host', {
  doc: 'The physical machine: its pCPUs, how they are scheduled (Xen cpupools and credit schedulers, or Linux fair/RT scheduling of KVM vCPU threads), and host threads beside the VMs. Exactly one per scenario.',
  body: 'required',
  required: true,
  children: ['host.pcpus', 'host.sched', 'host.hz', 'host.costs', 'host.pool', 'host.load'],
  snippet: 'host {\n\tpcpus ${1:4}\n}',
  source: 'vpscope',
});
setting('host.pcpus', count(1, 4096), { doc: 'Number of physical CPUs (pCPUs, Xen `xl info nr_cpus`, Linux CPUs), numbered 0..N-1. CPU lists elsewhere refer to these numbers.', required: true, source: 'vpscope' });
setting('host.sched', enumOf(SCHED_VALUES), {
  doc: 'Scheduler of the implicit pool and of every pool that does not set its own `sched`. `credit`/`credit2` model Xen (xl.cfg, cpupools); `fair` models Linux CFS/EEVDF scheduling KVM vCPU threads.',
  default: 'fair',
  source: 'Xen / Linux sched',
});
setting('host.hz', count(100, 1000), {
  doc: 'Linux host: the scheduler tick rate (CONFIG_HZ; kernels offer 100, 250, 300, 1000). Without HRTICK a fair thread\'s slice is checked only at a tick (and when another thread wakes on its CPU), so it runs up to one tick past its deadline: at 250 Hz, 4 ms stretches even though the base slice is 1.5 ms on 2 CPUs. The shared real trace r2_2x_n4 shows ~4 ms stretches (about 505 involuntary switches per vCPU thread over 2 s of run time).',
  default: '250',
  source: 'Linux kernel/sched/fair.c (task_tick_fair, update_deadline); measured here on ../shared/traces/r2_2x_n4',
});
def('host.costs', {
  doc: 'Costs of a blocking wait on a KVM host: the halt exit, the wake-up of a halted vCPU (IPI on the sender, host wake-up latency, VM entry on the woken) and KVM halt polling. Defaults are medians measured here on the shared real traces r1_1x_n2 and r2_2x_n4 (a nested KVM host, an L1 guest using kvm_pvm); a bare-metal host pays a few microseconds for each, so state them for your host. Only Linux (KVM) pools use them: Xen pools keep vpscope\'s assumptions (15 us wake-up, 1.5 us IPI, no polling).',
  body: 'required',
  children: ['host.costs.halt_exit', 'host.costs.wake_exit', 'host.costs.ipi', 'host.costs.wake_latency', 'host.costs.entry', 'host.costs.halt_poll'],
  snippet: 'costs {\n\twake_exit ${1:52us}\n\twake_latency ${2:37us}\n\tentry ${3:34us}\n\thalt_poll ${4:200us}\n}',
  source: 'measured here (../shared/traces/r1_1x_n2); KVM virt/kvm/kvm_main.c for halt polling',
});
setting('host.costs.halt_exit', dur(0, 1 * S), { doc: 'CPU the halting vCPU\'s thread spends between its HLT exit and sleeping (or polling). Measured: kvm_pio -> sched_switch S, median 15 us on r1_1x_n2. Also paid by an OpenHCL VP thread before it sleeps (an assumption for that path).', default: '15us', source: 'measured here (../shared/traces/r1_1x_n2)' });
setting('host.costs.wake_exit', dur(0, 1 * S), { doc: 'CPU of the exit with which a vCPU wakes halted siblings (the exit, the host\'s wake path, its own VM entry), once per wake-up. Measured: the waker\'s arrival -> its next arrival, median 105 us = 50 us of work + 52 us + one `ipi`, on r1_1x_n2.', default: '52us', source: 'measured here (../shared/traces/r1_1x_n2)' });
setting('host.costs.ipi', dur(0, 1 * S), { doc: 'CPU the waking vCPU spends per halted sibling it wakes (one IPI / wake-up), on top of `wake_exit`. Measured: median gap between successive sched_waking of one waker, 3 us, on r2_2x_n4.', default: '3us', source: 'measured here (../shared/traces/r2_2x_n4)' });
setting('host.costs.wake_latency', dur(0, 1 * S), { doc: 'From the wake of a halted (not polling) vCPU to its thread running on a pCPU: the sender\'s path to the wake plus the idle pCPU\'s wake-up. Not CPU time of the thread. Measured: arrival -> sched_waking 14 us + sched_waking -> switched in 23 us (medians, r1_1x_n2). Also applies to an OpenHCL VP thread woken by its halted guest (an assumption for that path).', default: '37us', source: 'measured here (../shared/traces/r1_1x_n2)' });
setting('host.costs.entry', dur(0, 1 * S), { doc: 'CPU the woken vCPU thread spends before guest code runs again (return from the block, VM entry). Measured: switched in -> next arrival, median 84 us = 50 us of work + 34 us, on r1_1x_n2. Also paid by a woken OpenHCL VP thread (an assumption for that path).', default: '34us', source: 'measured here (../shared/traces/r1_1x_n2)' });
setting('host.costs.halt_poll', dur(0, 1 * S), { doc: 'KVM halt polling maximum (`halt_poll_ns`, 0 = off). A halting vCPU keeps its pCPU polling for a per-vCPU window (starts at 0, grows to 10 us then x2 after a halt shorter than the maximum, halves after a longer one) while nothing else is runnable there; a wake-up inside the window skips the wake latency and the entry cost. A vCPU that waits in the VMM (an exit to userspace) is never polled: state 0 for such a replay. Plain KVM vCPUs only: OpenHCL VP threads do not poll.', default: '200us', source: 'KVM virt/kvm/kvm_main.c (halt_poll_ns, KVM_HALT_POLL_NS_DEFAULT on x86)' });
def('host.pool', {
  doc: 'A Xen cpupool: a set of pCPUs with its own scheduler. Each pCPU is in at most one pool, each domain in exactly one, and scheduling never crosses pools. `Pool-0` is the boot pool: it holds dom0 and CPU 0 can never leave it. When no pool is written, an implicit `Pool-0` holds every pCPU; when pools are written but `Pool-0` is not, `Pool-0` holds the pCPUs no other pool has.',
  args: [a('name', { kind: 'name', declares: 'pool' })],
  body: 'required',
  repeatable: true,
  children: ['host.pool.cpus', 'host.pool.sched', 'host.pool.timeslice', 'host.pool.ratelimit', 'host.pool.tick', 'host.pool.min_slice', 'host.pool.reset_credit', 'host.pool.cap_period'],
  snippet: 'pool ${1:name} {\n\tcpus ${2:1-3}\n\tsched ${3|credit,credit2,fair|}\n}',
  source: 'xl cpupool docs',
});
setting('host.pool.cpus', cpulist, {
  doc: 'The pool\'s pCPUs, in Xen CPU-list syntax: `1,5,10-16,^13` (spans, single CPUs, `^` excludes), or `all`. Each pCPU may be in one pool only; CPU 0 belongs to `Pool-0`. A pool without CPUs can hold no domain (Xen refuses to move a domain there).',
  default: 'none',
  source: 'xl cpupool docs',
});
setting('host.pool.sched', enumOf(SCHED_VALUES), { doc: 'The pool\'s scheduler (`xl cpupool-create ... sched=`): each Xen cpupool runs its own scheduler instance, and scheduling never crosses pools.', default: 'host `sched`', source: 'xl cpupool docs' });
setting('host.pool.timeslice', dur(1 * MS, 1 * S), {
  doc: 'credit: the timeslice (`sched_credit_tslice_ms`, default 30 ms, 1..1000 ms). credit2: the maximum slice (default 10 ms). fair: the EEVDF base slice (default 0.75 ms x (1 + ilog2(min(CPUs, 8))): 1 CPU 0.75 ms, 2-3 CPUs 1.5 ms, 4-7 CPUs 2.25 ms, 8+ 3 ms, per kernel/sched/fair.c get_update_sysctl_factor), enforced at the next `hz` tick after the deadline. rr: the round-robin slice (100 ms). Meaningless for fifo.',
  default: 'credit 30ms, credit2 10ms, fair 0.75ms x (1+ilog2(min(cpus,8))), rr 100ms',
  source: 'Xen credit scheduler / Linux sched',
});
setting('host.pool.ratelimit', dur(0, 1 * S), {
  doc: 'Minimum run time before a waking vCPU may preempt the running one (Xen `sched_ratelimit_us`, default 1 ms for credit and credit2). Linux fair has no such limit (0).',
  default: '1ms (credit, credit2), 0 (fair)',
  source: 'Xen credit scheduler',
});
setting('host.pool.tick', dur(1 * US, 1 * S), { doc: 'credit only: the accounting tick at which credits are burned and priorities (UNDER/OVER) recomputed; a BOOST lasts until the next tick.', default: '10ms', source: 'Xen credit scheduler' });
setting('host.pool.min_slice', dur(1 * US, 1 * S), { doc: 'credit2 only: the minimum slice a vCPU gets (max(0.5 ms, ratelimit)).', default: '0.5ms', source: 'Xen credit2 scheduler' });
setting('host.pool.reset_credit', dur(1 * US, 1 * S), { doc: 'credit2 only: credit given to every vCPU when the leader\'s credit runs out (a credit reset).', default: '10ms', source: 'Xen credit2 scheduler' });
setting('host.pool.cap_period', dur(1 * US, 1 * S), { doc: 'credit2 only: the period over which a domain\'s `cap` is enforced; a capped domain that used its budget is parked until the next period.', default: '10ms', source: 'Xen credit2 scheduler' });

def('host.load', {
  doc: 'Host threads beside the VMs: background load (a build, a noisy neighbour) or latency-sensitive host work whose latency boosting or RT vCPUs may hurt. Its steps loop unless a trigger says otherwise.',
  args: [a('name', { kind: 'name', declares: 'load' })],
  body: 'required',
  repeatable: true,
  children: ['host.load.threads', 'host.load.cpus', 'host.load.policy', 'host.load.nice', 'host.load.rt_priority', ...program('host.load', LOAD_STEPS, { countIsPasses: true })],
  snippet: 'load ${1:name} {\n\tthreads ${2:1}\n\tcpu ${3:10ms}\n\tsleep ${4:1ms}\n}',
  source: 'Linux sched',
});
setting('host.load.threads', count(1, 65536), { doc: 'Number of identical host threads running the load\'s program (each an independent Linux thread).', default: '1', source: 'vpscope' });
setting('host.load.cpus', cpulist, { doc: 'pCPUs the threads may run on (Linux affinity), CPU-list syntax.', default: 'all', source: 'Linux sched' });
setting('host.load.policy', enumOf(POLICY_VALUES), { doc: 'Linux scheduling policy of the threads (`chrt`): normal fair scheduling, or real time (fifo, rr) which runs ahead of every normal thread, vCPU threads included.', default: 'normal', source: 'Linux sched' });
setting('host.load.nice', { kind: 'signed', min: -20, max: 19 }, { doc: 'Nice value -20..19 (policy normal). The weight is the kernel table: 1024 at nice 0, about x1.25 per step (nice -20: 88761, nice 19: 15).', default: '0', source: 'Linux kernel/sched/core.c sched_prio_to_weight' });
setting('host.load.rt_priority', count(1, 99), { doc: 'Real-time priority 1..99 with policy fifo or rr (higher runs first).', default: '50', assumption: true, source: 'Linux sched' });

// ---- vm ---------------------------------------------------------------------------------------

const VM_CHILDREN = [
  'vm.vcpus', 'vm.pool', 'vm.cpus', 'vm.cpus_soft', 'vm.pin', 'vm.cpu_weight', 'vm.cap', 'vm.nice', 'vm.policy', 'vm.rt_priority', 'vm.dom0', 'vm.boost', 'vm.openhcl', 'vm.guest',
];
def('vm', {
  doc: 'A VM (a Xen domain, a KVM/QEMU guest, a Hyper-V partition). Its vCPUs are the host\'s schedulable entities; under OpenHCL each vCPU is also a VP whose VTL2 executor thread runs paravisor tasks and the guest (VTL0).',
  args: [a('name', { kind: 'name', declares: 'vm' })],
  body: 'required',
  repeatable: true,
  children: VM_CHILDREN,
  snippet: 'vm ${1:name} {\n\tvcpus ${2:4}\n\t$0\n}',
  source: 'vpscope',
});
setting('vm.vcpus', count(1, 1024), { doc: 'Number of vCPUs (xl.cfg `vcpus`; QEMU `-smp`), = VPs under OpenHCL, indexed 0..N-1. VP indices elsewhere (`target_vp`, `vcpus` lists) must be below it.', required: true, source: 'xl.cfg(5) `vcpus`' });
setting('vm.pool', { kind: 'ref', to: 'pool' }, { doc: 'The Xen cpupool the domain runs in (xl.cfg `pool`). The pool must exist and have CPUs.', default: 'Pool-0', argName: 'pool', source: 'xl.cfg(5)' });
setting('vm.cpus', cpulist, { doc: 'Hard affinity: pCPUs the vCPUs may run on (xl.cfg `cpus`), CPU-list syntax. Pinning to a subset of a pool shared with other domains defeats credit weights (the BS2000 case): give the domains a pool of their own instead.', default: "the pool's CPUs", source: 'xl.cfg(5)' });
setting('vm.cpus_soft', cpulist, { doc: 'Soft affinity: preferred pCPUs (xl.cfg `cpus_soft`); the scheduler uses others when these are busy.', default: '= cpus', source: 'xl.cfg(5)' });
setting('vm.pin', enumOf([['shared', 'Every vCPU may run on any CPU of `cpus`.'], ['one_to_one', 'vCPU i runs only on the i-th CPU of `cpus` (wrapping around).']]), { doc: 'How hard affinity maps vCPUs to pCPUs: all vCPUs share all CPUs of `cpus`, or vCPU i is pinned to the i-th one (xl `vcpu-pin` per vCPU).', default: 'shared', source: 'xl.cfg(5)' });
setting('vm.cpu_weight', count(1, 65535), { doc: 'Xen credit/credit2 weight (xl.cfg `cpu_weight`, 1..65535): the domain\'s share of its pool relative to other domains. Honoured only inside a pool; with pinning, shares follow per-pCPU contention instead.', default: '256', source: 'xl.cfg(5)' });
setting('vm.cap', pct(0), { doc: 'Xen cap (xl.cfg `cap`): the most CPU the domain may use, in percent of one pCPU (200% = two pCPUs); 0 means no cap. A capped domain\'s vCPUs are parked when the cap is reached, even with idle pCPUs.', default: '0 (none)', source: 'xl.cfg(5)' });
setting('vm.nice', { kind: 'signed', min: -20, max: 19 }, { doc: 'Linux host (KVM): nice value of the vCPU threads, -20..19. The weight is the kernel table: 1024 at nice 0, about x1.25 per step (nice -20: 88761, nice 19: 15).', default: '0', source: 'Linux kernel/sched/core.c sched_prio_to_weight' });
setting('vm.policy', enumOf(POLICY_VALUES), { doc: 'Linux host (KVM): scheduling policy of the vCPU threads. Static RT for all vCPUs starves host threads (the dynamic vCPU priority RFC measured host latency going from 1.6 ms to 16 ms).', default: 'normal', source: 'Linux sched' });
setting('vm.rt_priority', count(1, 99), { doc: 'RT priority 1..99 of the vCPU threads with policy fifo or rr.', default: '50', assumption: true, source: 'Linux sched' });
setting('vm.dom0', bool, { doc: 'This domain is Xen\'s control domain (dom0). dom0 lives in `Pool-0` and cannot move.', default: 'off', source: 'xl cpupool docs' });

def('vm.boost', {
  doc: 'KVM paravirt scheduling (dynamic vCPU priority). `off`: vCPU threads keep their policy. `static_rt`: every vCPU thread is SCHED_RR all the time (low guest latency, but host threads starve). `dynamic`: the host boosts a vCPU to SCHED_RR when the guest asks (lazily, on RT task runnable or IRQ entry) or an interrupt arrives, and the guest unboosts when done.',
  args: [a('mode', enumOf([['off', 'No boosting.'], ['static_rt', 'Every vCPU thread is RT all the time.'], ['dynamic', 'Boost on guest request and interrupt delivery; unboost when done.']]))],
  body: 'optional',
  default: 'off',
  children: ['vm.boost.trigger', 'vm.boost.interrupts', 'vm.boost.guest_requests', 'vm.boost.preempt_limit', 'vm.boost.unboost_cost', 'vm.boost.guest_unboosts', 'vm.boost.rt_priority', 'vm.boost.nested'],
  snippet: 'boost ${1|dynamic,static_rt,off|} {\n\ttrigger ${2|injection,pending|}\n\tpreempt_limit ${3:3ms}\n}',
  source: 'KVM dynamic vCPU priority RFC',
});
setting('vm.boost.trigger', enumOf([['injection', 'Boost when the interrupt is injected (delivered to the vCPU).'], ['pending', 'Boost as soon as an interrupt is pending, even while the guest has interrupts masked (delivery may come much later).']]), {
  doc: 'When an interrupt boosts the vCPU: on injection, or already when pending. Reviewers of the RFC objected that boosting on a pending interrupt boosts vCPUs that cannot take it yet.',
  default: 'injection',
  source: 'KVM dynamic vCPU priority RFC',
});
setting('vm.boost.interrupts', { kind: 'enumList', values: ev(INTERRUPT_VALUES) }, { doc: 'Which interrupts boost, as a list (`timer,nmi`). Not all interrupts are high priority: device interrupts from a busy L2 guest would keep its L1 vCPU boosted.', default: 'timer,nmi,smi,pv_unhalt', source: 'KVM dynamic vCPU priority RFC' });
setting('vm.boost.guest_requests', bool, { doc: 'Honour the guest\'s lazy boost requests (written to the shared per-vCPU page when an RT task becomes runnable or on IRQ/NMI/softirq entry).', default: 'on', source: 'KVM dynamic vCPU priority RFC' });
setting('vm.boost.preempt_limit', dur(0), { doc: 'No boost when the vCPU has had preemption disabled longer than this (0 = no limit), so a guest cannot keep a vCPU boosted by disabling preemption.', default: '3ms', source: 'KVM dynamic vCPU priority RFC' });
setting('vm.boost.unboost_cost', dur(0), { doc: 'Cost of the guest\'s synchronous unboost (it exits to the host).', default: '2us', assumption: true, source: 'KVM dynamic vCPU priority RFC' });
setting('vm.boost.guest_unboosts', bool, { doc: 'Whether the guest unboosts host-initiated boosts when done. Off models the objection that a host-initiated boost relies on the guest and can outlive the need.', default: 'on', source: 'KVM dynamic vCPU priority RFC' });
setting('vm.boost.rt_priority', count(1, 99), { doc: 'SCHED_RR priority while boosted (beats every normal host thread).', default: '8', source: 'KVM dynamic vCPU priority RFC' });
setting('vm.boost.nested', bool, { doc: 'The VM runs a nested (L2) guest whose interrupts boost this VM\'s vCPUs regardless of the L2 task\'s priority.', default: 'off', source: 'KVM dynamic vCPU priority RFC' });

// ---- openhcl ----------------------------------------------------------------------------------

def('vm.openhcl', {
  doc: 'The VM runs the OpenHCL paravisor in VTL2. Each VP has one cooperative async executor thread, pinned to the Linux CPU of the same index, shared by the VTL2 device workers targeted at that VP and by the VP\'s own guest (VTL0) execution: the VP enters VTL0 only when no VTL2 task is ready.',
  body: 'required',
  children: ['vm.openhcl.backend', 'vm.openhcl.io_uring_cancel', 'vm.openhcl.arch', 'vm.openhcl.isolation', 'vm.openhcl.vp_cpu_map', 'vm.openhcl.io_ring_size', 'vm.openhcl.scsi_sub_channels', 'vm.openhcl.sidecar', 'vm.openhcl.task', 'vm.openhcl.storvsp', 'vm.openhcl.netvsp'],
  snippet: 'openhcl {\n\tbackend ${1|threadpool,thread,single|}\n\t$0\n}',
  source: 'OpenHCL guide',
});
setting('vm.openhcl.backend', enumOf([
  ['threadpool', 'OpenHCL: one executor per VP; `target_vp` picks the VP whose io_uring an IO uses, `run_on_target` keeps the task there.'],
  ['thread', 'OpenVMM\'s thread backend: a driver with `target_vp` gets a dedicated OS thread (not pinned to any CPU); every driver without one shares the single default driver thread, so a task blocking there delays the others; `run_on_target` and `retarget_vp` are ignored (OpenVMM vm/vmcore/src/vm_task.rs, ThreadDriverBackend).'],
  ['single', 'A single driver thread: `target_vp`, `run_on_target` and `retarget_vp` are all ignored.'],
]), { doc: 'The driver backend, which decides what `target_vp`, `run_on_target` and `retarget_vp` mean.', default: 'threadpool', source: 'OpenHCL guide' });
setting('vm.openhcl.io_uring_cancel', bool, { doc: 'Any event on a VP\'s io_uring (IO completion, polled eventfd, timer, cross-thread wake) brings the VP out of VTL0 so its VTL2 work runs. It does not cover a VP inside a hypervisor intercept (trap): completions do not pre-empt it, the work waits for the intercept to end; nor a thread blocked in some other syscall, nor sidecar VPs that are still remote. Which ring an IO completes on follows the disk backend (`disk_kind`). Off: VTL2 work waits until the guest exits on its own (`guest residence`).', default: 'on', source: 'OpenHCL guide' });
setting('vm.openhcl.arch', enumOf([['x64', 'x86-64.'], ['aarch64', 'Arm64 (no sidecar).']]), { doc: 'Architecture of the VM. Sidecar exists on x64 only; on aarch64 every VP starts in Linux.', default: 'x64', source: 'OpenHCL guide' });
setting('vm.openhcl.isolation', enumOf([['none', 'Not isolated.'], ['vbs', 'VBS isolation.'], ['snp', 'AMD SEV-SNP.'], ['tdx', 'Intel TDX.']]), { doc: 'Isolation (confidential VM) type. Sidecar works on non-isolated VMs only.', default: 'none', source: 'OpenHCL guide' });
def('vm.openhcl.vp_cpu_map', {
  doc: 'VP index -> Linux CPU in VTL2, one CPU per VP (`0,1,2,3`): the values are VTL2 Linux CPU numbers (the CPU each VP\'s executor thread is pinned to), not host pCPUs and not VP indices. The identity is what OpenHCL does but is an assumption, not a guarantee; a non-identity map is flagged.',
  args: [a('cpus', { kind: 'vplist' })],
  default: 'identity',
  source: 'OpenHCL guide',
});
setting('vm.openhcl.io_ring_size', count(1, 65536), { doc: 'Per-VP io_uring submission bound; more outstanding IO than this means submission back-pressure.', default: '256', source: 'OpenHCL source' });

setting('vm.openhcl.scsi_sub_channels', count(0, 65535), { doc: 'Subchannels of every StorVSP (SCSI) controller of the VM: one VM-wide value in OpenHCL (`Vtl2SettingsFixed.scsi_sub_channels`), clamped to 256 (`scsi_sub_channels.min(256)`), and the guest opens at most one channel per VP, so a V-VP VM runs at most V - 1 subchannels per controller. `V - 1` gives one channel per VP (what OpenVMM\'s tests configure). A controller\'s own `sub_channels` overrides it (a what-if; OpenHCL has no per-controller value).', default: '0', source: 'OpenHCL guide (StorVSP); OpenVMM vtl2_settings_worker.rs' });

def('vm.openhcl.sidecar', {
  doc: 'Sidecar (x64, non-isolated VMs only): VPs start remote, run by the sidecar kernel with their exits handled on the node\'s base CPU, then go online_queued -> blackout -> Linux, one way. A VP is onlined on its first exit (with hot-plug) or as soon as anything targets it; onlining is one VP at a time behind a global lock. A node spans at most 32 CPUs.',
  body: 'optional',
  children: ['vm.openhcl.sidecar.hotplug', 'vm.openhcl.sidecar.online_cost', 'vm.openhcl.sidecar.blackout', 'vm.openhcl.sidecar.base_cpu', 'vm.openhcl.sidecar.linux_vps'],
  snippet: 'sidecar {\n\thotplug ${1|on,off|}\n\tonline_cost ${2:2ms}\n}',
  source: 'OpenHCL guide (sidecar)',
});
setting('vm.openhcl.sidecar.hotplug', bool, { doc: 'Online a remote VP on its first exit. Off: every exit of a remote VP is handled on the base CPU.', default: 'on', source: 'OpenHCL guide (sidecar)' });
setting('vm.openhcl.sidecar.online_cost', dist, { doc: 'Time to online one VP; upstream calls hot-plug latency "non-trivial" without a number.', default: 'fixed 2ms', assumption: true, source: 'OpenHCL guide (sidecar)' });
setting('vm.openhcl.sidecar.blackout', dist, { doc: 'Blackout while a VP moves to Linux, during which it runs nothing.', default: 'fixed 100us', assumption: true, source: 'OpenHCL guide (sidecar)' });
setting('vm.openhcl.sidecar.base_cpu', vp, { doc: 'The node\'s base CPU, a VP already in Linux that handles the exits of remote (sidecar) VPs: with hot-plug off, every exit of a remote VP costs time on it.', default: '0', source: 'OpenHCL guide (sidecar)' });
setting('vm.openhcl.sidecar.linux_vps', vplist, { doc: 'VPs that start in Linux rather than in the sidecar (the boot VP at least), as a list of VP indices of this VM (`0-1`, `0,4`, `all`), each below `vcpus` (not pCPU numbers); the other VPs start remote and are onlined one at a time.', default: '0', source: 'OpenHCL guide (sidecar)' });

def('vm.openhcl.task', {
  doc: 'A VTL2 task (a device worker). It runs on a VP\'s executor thread (or a dedicated thread), cooperatively: no time slicing, no preemption, no work stealing. Its steps loop unless a trigger says otherwise.',
  args: [a('name', { kind: 'name', declares: 'task' })],
  body: 'required',
  repeatable: true,
  children: ['vm.openhcl.task.target_vp', 'vm.openhcl.task.run_on_target', 'vm.openhcl.task.runs_on', 'vm.openhcl.task.retarget_vp', 'vm.openhcl.task.inspect_every', 'vm.openhcl.task.io_ring', 'vm.openhcl.task.spawned_on', ...program('vm.openhcl.task', TASK_STEPS, { countIsPasses: true })],
  snippet: 'task ${1:name} {\n\ttarget_vp ${2:0}\n\trun_on_target on\n\trate ${3:10k/s}\n\tcpu ${4:20us}\n\tio ${5:100us}\n}',
  source: 'OpenHCL guide',
});
setting('vm.openhcl.task.target_vp', vp, { doc: 'threadpool backend: the task\'s IO uses VP N\'s io_uring (so completions wake VP N) and, with `run_on_target`, the task runs on VP N. thread backend: selects a dedicated thread for the driver (the thread is not pinned to VP N\'s CPU; without `target_vp` the driver shares the default driver thread). single: ignored. Unset (the builder default) in the threadpool: the task spawns on the CPU that spawned it, which vpscope models as VP 0 (an assumption: where devices are created), and its IO goes to VP 0\'s ring — the threadpool backend\'s code (`driver(0)`, with a note in the code to use the current initiator instead); the OpenHCL guide\'s review also discussed "the current VP\'s ring", which `io_ring current` models.', default: 'unset', argName: 'vp', source: 'OpenHCL guide; OpenVMM threadpool_vm_task_backend.rs, vm_task.rs' });
setting('vm.openhcl.task.run_on_target', bool, { doc: 'threadpool: the task always runs on `target_vp`. Off (the default): it runs where it is woken, which drifts to the target because completions wake it there. Meaningless without `target_vp`; ignored by the thread and single backends.', default: 'off', source: 'OpenHCL guide' });
setting('vm.openhcl.task.runs_on', enumOf([['vp', 'On a VP\'s executor thread, sharing it with other tasks and the guest.'], ['dedicated', 'On a thread of its own in the OpenHCL process (VTL2 Linux schedules it on the VM\'s own VPs; it is not a host thread): blocking there stalls no VP executor (the sanctioned escape for blocking work). vpscope runs it on the VM\'s pCPUs beside the VP threads (a simplification).'], ['get_worker', 'On the GET worker thread (with the VMGS broker): blocking GET calls from it deadlock.']]), { doc: 'Where the task runs: a VP executor thread (shared with other tasks and the guest), a dedicated thread (a thread of its own in the OpenHCL process, run by VTL2 Linux on the VM\'s VPs, not on the host: blocking there stalls no VP executor), or the GET worker thread.', default: 'vp', source: 'OpenHCL guide' });
def('vm.openhcl.task.retarget_vp', {
  doc: 'At the given time, new IO and scheduling move to VP (`retarget_vp 2 at 10ms`). IO already in flight still completes on the old VP and interrupts it there. threadpool only; a no-op with the thread and single backends.',
  args: [a('vp', vp), a('at', { kind: 'literal', word: 'at' }), a('time', dur())],
  repeatable: true,
  source: 'OpenHCL guide',
});
setting('vm.openhcl.task.io_ring', enumOf([
  ['vp0', 'Untargeted IO and timers use VP 0\'s ring: what the threadpool backend does today (`Target::Untargeted(x) => x.driver(0)`).'],
  ['current', 'Untargeted IO and timers use the ring of the VP the task runs on when it submits (the "current VP\'s ring" discussed in the OpenHCL guide\'s review; the code\'s own note "consider using the current initiator"): the completion wakes the task on that VP.'],
]), { doc: 'threadpool backend, task without `target_vp`: which VP\'s io_uring its IO and timers use, so which VP a completion pulls out of VTL0 and where the task is woken. Ignored with `target_vp` (its ring) and by the other backends.', default: 'vp0', source: 'OpenVMM threadpool_vm_task_backend.rs; OpenHCL guide review' });
setting('vm.openhcl.task.spawned_on', vp, { doc: 'threadpool backend, task without `run_on_target`: the VP whose thread spawns it. The threadpool spawns an untargeted task on the current CPU, the one of whoever creates the device; vpscope assumes VP 0 unless this says otherwise. With `io_ring vp0` the task\'s first completion pulls it to VP 0; with `io_ring current` it stays here.', default: '0', assumption: true, argName: 'vp', source: 'OpenVMM underhill_threadpool (spawn on the current CPU); VP 0: assumption' });
setting('vm.openhcl.task.inspect_every', dist, { doc: 'An `inspect` of the running worker every DIST; with TaskControl an inspect of a running worker restarts its run.', default: 'none', source: 'OpenHCL guide' });

def('vm.openhcl.storvsp', {
  doc: 'A StorVSP SCSI controller: one worker per open channel (the primary plus `sub_channels`), each with its own ring and queue depth. The guest picks the channel per IO. A slow disk on a controller shared with fast disks blocks them once the queue is full (head-of-line); the fix is separate controllers.',
  args: [a('name', { kind: 'name', declares: 'controller' })],
  body: 'required',
  repeatable: true,
  children: ['vm.openhcl.storvsp.sub_channels', 'vm.openhcl.storvsp.io_queue_depth', 'vm.openhcl.storvsp.poll_mode_queue_depth', 'vm.openhcl.storvsp.interrupts', 'vm.openhcl.storvsp.channel_vps', 'vm.openhcl.storvsp.disk'],
  snippet: 'storvsp ${1:scsi0} {\n\tsub_channels ${2:3}\n\tdisk ${3:os} { latency ${4:exp 100us} }\n}',
  source: 'OpenHCL guide (StorVSP)',
});
setting('vm.openhcl.storvsp.sub_channels', count(0), { doc: 'Subchannels beyond the primary for this controller only, overriding the VM-wide `scsi_sub_channels` (OpenHCL itself has only the VM-wide value: this is a what-if). Clamped to VPs - 1 (the guest opens at most one channel per VP) and to 256. 0 on a many-VP VM serialises all IO on one worker.', default: 'scsi_sub_channels (0)', source: 'OpenHCL guide (StorVSP); OpenVMM vtl2_settings_worker.rs' });
setting('vm.openhcl.storvsp.io_queue_depth', count(1, 65536), { doc: 'Queue depth per channel (`io_queue_depth`): IOs a channel\'s worker accepts before the guest must wait. A full queue shared with a slow disk blocks the fast ones (head-of-line).', default: 'min(8 x VPs, 256)', source: 'OpenHCL guide (StorVSP)' });
setting('vm.openhcl.storvsp.poll_mode_queue_depth', count(0), { doc: 'A channel\'s worker is in poll mode while the IOs pending on the channel are at or above this number (`poll_mode_queue_depth` of the StorVSP controller in the OpenVMM source): it keeps the ring\'s interrupt masked and looks at the ring when an IO completes, so new requests wait for a completion. A slow backend keeps IOs pending for long: give it a threshold above its typical pending count.', default: '1', source: 'OpenVMM source (StorVSP)' });
setting('vm.openhcl.storvsp.interrupts', bool, { doc: 'Channels are opened with interrupts. A channel opened without interrupts lands on VP 0.', default: 'on', source: 'OpenHCL guide (StorVSP)' });
def('vm.openhcl.storvsp.channel_vps', {
  doc: 'The VP each channel\'s worker runs on, primary first (`0,2,4,6`). In OpenHCL the guest picks each channel\'s target VP when it opens it; this list states the guest\'s choice. Channels not listed are spread evenly over the VPs no listed channel has (at most one channel per VP), with a warning.',
  args: [a('vps', vplist)],
  default: 'spread evenly across VPs (channel i on VP floor(i x VPs / channels))',
  source: 'OpenHCL guide (StorVSP)',
});
def('vm.openhcl.storvsp.disk', {
  doc: 'A disk (LUN) on this controller and the latency of its backend. Disks on one controller share its channels and queues: a slow one can block the others.',
  args: [a('name', { kind: 'name', declares: 'disk' })],
  body: 'required',
  repeatable: true,
  children: ['vm.openhcl.storvsp.disk.latency', 'vm.openhcl.storvsp.disk.backend', 'vm.openhcl.storvsp.disk.nvme_queues'],
  snippet: 'disk ${1:name} { latency ${2:exp 100us} }',
  source: 'OpenHCL guide (StorVSP)',
});
setting('vm.openhcl.storvsp.disk.latency', dist, { doc: 'Backend latency of one IO (`exp 100us`, `bimodal 100us 20ms 1%`).', required: true, source: 'vpscope' });
setting('vm.openhcl.storvsp.disk.backend', enumOf([
  ['disk_blockdevice', 'A Linux block device in VTL2: the channel worker submits the IO to its thread\'s io_uring, and the completion is an event on that ring (the worker\'s VP): io_uring cancel pulls that VP out of VTL0.'],
  ['disk_nvme', 'OpenHCL\'s user-mode NVMe driver: the completion is the interrupt of the issuing CPU\'s IO queue, polled on that CPU\'s ring; when the device has fewer IO queues than CPUs (`nvme_queues`), a CPU without a queue uses the nearest lower CPU\'s queue (nvme_driver `fallback_io_issuer`), so the completion pulls that other VP out of VTL0 and the worker is woken across threads. Submissions are queue doorbells, not io_uring entries: `io_ring_size` does not bound them.'],
]), { doc: 'The disk\'s backend, which decides on which VP\'s ring a completion lands, hence which VP io_uring cancel pulls out of VTL0.', default: 'disk_blockdevice', source: 'OpenVMM disk_blockdevice, nvme_driver/src/driver.rs' });
setting('vm.openhcl.storvsp.disk.nvme_queues', count(1, 65536), { doc: '`disk_nvme`: IO queues the NVMe device provides (its interrupt count bounds them). vpscope gives queues to VPs 0..N-1 and sends VP v >= N to VP N-1\'s queue (the nearest lower CPU with a queue); in OpenHCL queues go to CPUs in the order they first issue IO (a simplification).', default: 'one per VP', source: 'OpenVMM nvme_driver/src/driver.rs' });
def('vm.openhcl.netvsp', {
  doc: 'A NetVSP NIC. vpscope models its sub-channel clamping only (min(32, VPs)); its data path is not simulated.',
  args: [a('name', { kind: 'name', declares: 'nic' })],
  body: 'optional',
  repeatable: true,
  children: ['vm.openhcl.netvsp.sub_channels'],
  snippet: 'netvsp ${1:nic0} { sub_channels ${2:4} }',
  source: 'OpenHCL guide',
});
setting('vm.openhcl.netvsp.sub_channels', count(0), { doc: 'NIC subchannels beyond the primary, clamped to min(32, VPs): more than that are silently not opened.', default: '0', source: 'OpenHCL guide' });

// ---- guest ------------------------------------------------------------------------------------

def('vm.guest', {
  doc: 'The guest (VTL0) workload: its threads, locks, parallel regions, storage load, exits and interrupts. Guest threads run on vCPUs, which the host schedules like any thread (dual-level scheduling): a guest cannot see when its vCPUs are preempted (the semantic gap).',
  body: 'required',
  children: ['vm.guest.residence', 'vm.guest.slice', 'vm.guest.steal_time', 'vm.guest.ple', 'vm.guest.lock', 'vm.guest.thread', 'vm.guest.parallel', 'vm.guest.ioload', 'vm.guest.intercept', 'vm.guest.irq'],
  snippet: 'guest {\n\tthread ${1:app} {\n\t\tevery ${2:1ms}\n\t\tcpu ${3:100us}\n\t}\n}',
  source: 'Kernel Recipes 2024 dual-level scheduling',
});
setting('vm.guest.residence', dist, { doc: 'OpenHCL: natural VTL0 residence before the guest exits on its own when nothing brings the VP back (what VTL2 work waits for when `io_uring_cancel` is off).', default: 'exp 1ms', assumption: true, source: 'OpenHCL guide' });
setting('vm.guest.slice', dur(1 * US), { doc: 'The guest scheduler\'s slice for its own threads on one vCPU (guest CFS/EEVDF), the level-two half of dual-level scheduling.', default: '3ms', assumption: true, source: 'Linux sched' });
setting('vm.guest.steal_time', bool, { doc: 'The guest accounts steal time (how long a runnable vCPU did not run; idle is not steal) and reads the `preempted` flag of sibling vCPUs. KVM sets that flag only when a running vCPU is scheduled out while still runnable (kvm_sched_out); a vCPU woken from a halt and waiting for a pCPU has steal but is not flagged.', default: 'on', source: 'Kernel Recipes 2024 dual-level scheduling' });
def('vm.guest.ple', {
  doc: 'Pause-loop exiting: a vCPU spinning in the kernel longer than the window exits and yields to a preempted sibling (directed yield). The window grows each exit. User-mode spinning never exits.',
  body: 'optional',
  children: ['vm.guest.ple.enabled', 'vm.guest.ple.window', 'vm.guest.ple.grow', 'vm.guest.ple.max_window', 'vm.guest.ple.directed_yield'],
  default: 'on',
  snippet: 'ple {\n\tenabled ${1|on,off|}\n\twindow ${2:1.5us}\n}',
  source: 'Kernel Recipes 2024 dual-level scheduling',
});
setting('vm.guest.ple.enabled', bool, { doc: 'Pause-loop exiting on (KVM `ple_gap` non-zero; Xen PLE likewise). Off: spinning vCPUs never exit.', default: 'on', source: 'KVM' });
setting('vm.guest.ple.window', dur(1), { doc: 'Spin window before a pause-loop exit (KVM `ple_window` 4096 cycles, about 1.5 us at 2.8 GHz).', default: '1.5us', source: 'KVM' });
setting('vm.guest.ple.grow', count(1, 64), { doc: 'Window growth factor per exit (KVM `ple_window_grow`): after each pause-loop exit the window is multiplied by this, up to `max_window`.', default: '2', source: 'KVM' });
setting('vm.guest.ple.max_window', dur(1), { doc: 'Largest spin window (KVM `ple_window_max`); the window grows towards it with every exit.', default: '24us', assumption: true, source: 'KVM' });
setting('vm.guest.ple.directed_yield', bool, { doc: 'On a pause-loop exit, yield to a preempted sibling vCPU (which may hold the lock). KVM only: in a Xen pool the exit calls vcpu_yield() with no target (xen/arch/x86/hvm/vmx/vmx.c), so it is off there.', default: 'on', source: 'KVM' });
def('vm.guest.lock', {
  doc: 'A guest lock used by `lock NAME DIST` steps. If its holder\'s vCPU is preempted, every waiter waits (lock-holder preemption); with FIFO hand-off (ticket) a preempted waiter also stalls everyone behind it (lock-waiter preemption).',
  args: [a('name', { kind: 'name', declares: 'lock' })],
  body: 'optional',
  repeatable: true,
  children: ['vm.guest.lock.kind', 'vm.guest.lock.mode'],
  snippet: 'lock ${1:name} { kind ${2|spin,ticket,mutex|} }',
  source: 'Kernel Recipes 2024 dual-level scheduling',
});
setting('vm.guest.lock.kind', enumOf([['spin', 'Waiters spin, burning their vCPU.'], ['ticket', 'FIFO hand-off spinlock: the next waiter in line gets it, even if preempted.'], ['mutex', 'Waiters block and are woken (a blocked-waiter wake-up can be delayed by vCPU preemption).']]), { doc: 'How waiters wait: spin (burn their vCPU), ticket (spin in FIFO order; a preempted waiter blocks everyone behind it), or mutex (block and be woken).', default: 'spin', source: 'Kernel Recipes 2024 dual-level scheduling' });
setting('vm.guest.lock.mode', enumOf([['kernel', 'A kernel lock: a spinlock holder runs with preemption disabled (the guest scheduler does not preempt it), and a spinning waiter takes pause-loop exits.'], ['user', 'A user-space lock: the guest may preempt its holder, and spinning waiters never take pause-loop exits.']]), { doc: 'Where the lock lives. Kernel spinlocks disable preemption while held and are where pause-loop exiting applies (a waiter spinning in the kernel exits and yields to a preempted sibling); user-space spinning never triggers a pause-loop exit, so PLE cannot help a user-mode spin or ticket lock.', default: 'kernel', source: 'KVM / Linux' });
def('vm.guest.thread', {
  doc: 'Guest threads with a program of steps. `count` identical threads spread over `vcpus`.',
  args: [a('name', { kind: 'name', declares: 'thread' })],
  body: 'required',
  repeatable: true,
  children: ['vm.guest.thread.count', 'vm.guest.thread.vcpus', 'vm.guest.thread.rt', ...program('vm.guest.thread', THREAD_STEPS, { countIsPasses: false })],
  snippet: 'thread ${1:name} {\n\tevery ${2:1ms}\n\tcpu ${3:100us}\n}',
  source: 'vpscope',
});
setting('vm.guest.thread.count', count(1, 65536), { doc: 'Number of identical threads (in a `thread`, `count` is not a pass limit; use `passes`).', default: '1', source: 'vpscope' });
setting('vm.guest.thread.vcpus', vplist, { doc: 'vCPUs the threads may run on (guest affinity, `taskset` inside the guest), as a VP list (`0-3`, `all`).', default: 'all', source: 'vpscope' });
setting('vm.guest.thread.rt', bool, { doc: 'Guest real-time priority: runs ahead of normal guest threads and makes the guest ask for a boost when it becomes runnable (dynamic boosting).', default: 'off', source: 'KVM dynamic vCPU priority RFC' });
def('vm.guest.parallel', {
  doc: 'A parallel region (OpenMP-like): a team of threads doing `work` per round then meeting at a barrier, `rounds` times. Spinning barriers beat blocking ones when no vCPU is preempted, and lose badly when vCPUs are preempted (NPB UA: spin 9.68 s vs block 17.43 s unpreempted; 19.95 s vs 22.43 s preempted; 13.02 s with adaptive DoP).',
  args: [a('name', { kind: 'name', declares: 'parallel' })],
  body: 'required',
  repeatable: true,
  children: ['vm.guest.parallel.threads', 'vm.guest.parallel.work', 'vm.guest.parallel.rounds', 'vm.guest.parallel.barrier', 'vm.guest.parallel.spin_limit', 'vm.guest.parallel.dop', 'vm.guest.parallel.spin_mode', 'vm.guest.parallel.start'],
  snippet: 'parallel ${1:omp} {\n\twork ${2:100us}\n\trounds ${3:1000}\n\tbarrier ${4|spin,block,paravirt|}\n}',
  source: 'Kernel Recipes 2024 dual-level scheduling',
});
setting('vm.guest.parallel.threads', count(1, 65536), { doc: 'Team size (OMP_NUM_THREADS); with `dop adaptive` the team shrinks while its vCPUs lose CPU to steal.', default: '= vcpus', source: 'vpscope' });
setting('vm.guest.parallel.work', dist, { doc: 'Work per thread per round, between two barriers (CPU time, as a duration or distribution).', required: true, source: 'vpscope' });
setting('vm.guest.parallel.rounds', count(1), { doc: 'Number of rounds, i.e. barriers the team meets; the region\'s makespan is what the barrier policy changes.', default: '1000', source: 'vpscope' });
setting('vm.guest.parallel.barrier', enumOf([['spin', 'Active wait (OMP_WAIT_POLICY=active): fastest unpreempted, wastes time on preempted siblings.'], ['block', 'Passive wait: sleep and get woken.'], ['paravirt', 'Spin while no thread still working on the round is on a vCPU flagged preempted (KVM steal_time.preempted), block otherwise; needs `steal_time` (off: it spins like `spin`). Blind spot: KVM flags a vCPU only when it is scheduled out while running, so a straggler whose vCPU was woken from a halt and waits for a pCPU is not flagged and the siblings spin on it. On an oversubscribed host prefer `dop adaptive` or `block`: simulated on examples/dual-level-barriers.vps (vpscope model, docs/sim.md), paravirt 275.6 ms vs spin 134.6 ms, block 121.5 ms, adaptive 98.5 ms.']]), { doc: 'Barrier wait policy (OMP_WAIT_POLICY): how a thread that arrives early waits for the others.', default: 'spin', source: 'Kernel Recipes 2024 dual-level scheduling' });
setting('vm.guest.parallel.spin_limit', dur(0), { doc: 'Spin this long before blocking (GOMP_SPINCOUNT as a time): a block barrier that spins briefly first, or a bounded spin barrier.', default: 'block: 0, spin: unlimited', source: 'vpscope' });
setting('vm.guest.parallel.dop', enumOf([['fixed', 'Always `threads` threads.'], ['adaptive', 'Size the team from steal time (needs `steal_time`; off: the team stays fixed): reconsidered between rounds once per 5 ms window (vpscope assumption), shrunk to the CPU the active vCPUs got when they lost more than 10% of the window, grown by one after three windows below 2%.']]), { doc: 'Degree of parallelism policy: a fixed team, or one adapted to the CPU the vCPUs actually get, from steal time averaged over a window (the Kernel Recipes 2024 mitigation). A reduced team splits the round\'s work evenly; excluded threads sleep until taken back.', default: 'fixed', source: 'Kernel Recipes 2024 dual-level scheduling' });
setting('vm.guest.parallel.start', dur(0), { doc: 'When the region\'s first round begins (default 0): a delay before the team starts, e.g. to let a host load or another region get going first, or to stagger two regions.', default: '0', source: 'vpscope' });
setting('vm.guest.parallel.spin_mode', enumOf([['user', 'User-mode spinning: pause-loop exiting never triggers.'], ['kernel', 'Kernel-mode spinning: PLE applies.']]), { doc: 'Where barrier waiters spin: user mode (PLE never triggers) or kernel mode (pause-loop exits yield to preempted siblings).', default: 'user', source: 'KVM' });
def('vm.guest.ioload', {
  doc: 'Storage load on a StorVSP disk: open loop at `rate`, or closed loop keeping `depth` IOs outstanding.',
  args: [a('name', { kind: 'name', declares: 'ioload' })],
  body: 'required',
  repeatable: true,
  children: ['vm.guest.ioload.disk', 'vm.guest.ioload.rate', 'vm.guest.ioload.depth', 'vm.guest.ioload.vcpus'],
  snippet: 'ioload ${1:name} {\n\tdisk ${2:scsi0} ${3:os}\n\tdepth ${4:8}\n}',
  source: 'OpenHCL guide (StorVSP)',
});
def('vm.guest.ioload.disk', {
  doc: 'The target: a StorVSP controller of this VM and one of its disks.',
  args: [a('controller', { kind: 'ref', to: 'controller' }), a('disk', { kind: 'ref', to: 'disk' })],
  required: true,
  source: 'vpscope',
});
setting('vm.guest.ioload.rate', rate, { doc: 'Open loop: IOs per second, Poisson arrivals, whatever the latency (queues grow when the device is slower).', source: 'vpscope' });
setting('vm.guest.ioload.depth', count(1, 65536), { doc: 'Closed loop: IOs kept outstanding (like fio `iodepth`); a new IO is issued when one completes.', source: 'vpscope' });
setting('vm.guest.ioload.vcpus', vplist, { doc: 'vCPUs that submit; the submitting vCPU picks the channel (the guest storvsc maps CPUs to channels), which decides the VP whose worker handles the IO.', default: 'all', source: 'OpenHCL guide (StorVSP)' });
def('vm.guest.intercept', {
  doc: 'Hypervisor exits of the guest: `rate` per vCPU per second, each lasting `duration`. Under OpenHCL, work targeted at a VP in an intercept waits for it (not cancellable).',
  args: [a('name', { kind: 'name', declares: 'intercept' })],
  body: 'required',
  repeatable: true,
  children: ['vm.guest.intercept.rate', 'vm.guest.intercept.duration', 'vm.guest.intercept.vcpus'],
  snippet: 'intercept ${1:name} {\n\trate ${2:1k/s}\n\tduration ${3:20us}\n}',
  source: 'OpenHCL guide',
});
setting('vm.guest.intercept.rate', rate, { doc: 'Exits per vCPU per second (Poisson), e.g. from `perf kvm stat` of the real guest.', required: true, source: 'vpscope' });
setting('vm.guest.intercept.duration', dist, { doc: 'Duration of one exit: time the vCPU spends in the hypervisor and not in the guest.', required: true, source: 'vpscope' });
setting('vm.guest.intercept.vcpus', vplist, { doc: 'vCPUs that take these exits, as a VP list (`0-3`, `all`).', default: 'all', source: 'vpscope' });
def('vm.guest.irq', {
  doc: 'Interrupts delivered to the guest. With dynamic boosting, the kinds listed in `boost interrupts` boost the vCPU (on injection or when pending). Masked windows delay injection.',
  args: [a('name', { kind: 'name', declares: 'irq' })],
  body: 'required',
  repeatable: true,
  children: ['vm.guest.irq.rate', 'vm.guest.irq.vcpus', 'vm.guest.irq.kind', 'vm.guest.irq.masked', 'vm.guest.irq.masked_window'],
  snippet: 'irq ${1:name} {\n\trate ${2:1k/s}\n\tkind ${3|timer,nmi,smi,pv_unhalt,posted,ipi,device|}\n}',
  source: 'KVM dynamic vCPU priority RFC',
});
setting('vm.guest.irq.rate', rate, { doc: 'Interrupts per second per target vCPU (Poisson).', required: true, source: 'vpscope' });
setting('vm.guest.irq.vcpus', vplist, { doc: 'vCPUs the interrupts are delivered to, as a VP list (`0-3`, `all`).', default: 'all', source: 'vpscope' });
setting('vm.guest.irq.kind', enumOf(INTERRUPT_VALUES), { doc: 'Interrupt kind; with `boost dynamic` it decides whether delivery boosts the vCPU (see `boost interrupts`).', default: 'device', source: 'KVM dynamic vCPU priority RFC' });
setting('vm.guest.irq.masked', pct(0, 100), { doc: 'Fraction of time the guest has interrupts masked on the target vCPU; a masked interrupt is pending but not injected.', default: '0%', source: 'KVM dynamic vCPU priority RFC' });
setting('vm.guest.irq.masked_window', dist, { doc: 'Length of one window with interrupts masked (local_irq_disable in the guest); an interrupt arriving inside waits for its end to be injected.', default: '50us', assumption: true, source: 'vpscope' });

// ---- sweep ------------------------------------------------------------------------------------

def('sweep', {
  doc: 'A parameter sweep: each setting written inside, at the path of blocks around it (shaped like the top level, as in a variant), takes each of the values listed, and `vpscope simulate` runs every value crossed with the selected variants and the seeds (`sweep { vm web { vcpus 2..16 step 2 } }`, `sweep { host { load noise { threads 1, 2, 4 } } }`). Values: a comma list of the setting\'s own values (`20k/s, 40k/s`, `exp 50us, exp 100us`) or a range `A..B` / `A..B step S` (numbers, one optional unit), at most 1,000. Each value is checked as the setting checks it. Several settings (in one `sweep` block, or several `sweep` statements) are crossed: every combination of their values is a point, the first setting varying slowest, at most 1,000 points. Each point runs as a variant writing the value over the selected variant (`vpscope simulate --sweep` is the same on the command line, and overrides it; `--no-sweep` ignores it).',
  body: 'required',
  repeatable: true,
  children: ['scenario', 'host', 'vm'],
  snippet: 'sweep {\n\t${1:vm} ${2:name} { ${3:vcpus} ${4:2..8 step 2} }\n}',
  source: 'vpscope',
});

// ---- variant ----------------------------------------------------------------------------------

def('variant', {
  doc: 'Named overrides of the base scenario. The body holds statements shaped like the top level; each is merged into a copy of the base by its path of keywords and names (`vm web { openhcl { io_uring_cancel off } }` changes only that setting of VM `web`); a named block the base lacks is added. `vpscope simulate --all-variants` runs the base (named `base`) and every variant.',
  args: [a('name', { kind: 'name', declares: 'variant' })],
  body: 'required',
  repeatable: true,
  children: ['variant.description', 'variant.based_on', 'scenario', 'host', 'vm'],
  snippet: 'variant ${1:name} {\n\tdescription "${2:what changes}"\n\t$0\n}',
  source: 'vpscope',
});
setting('variant.description', { kind: 'string' }, { doc: 'What the variant changes and why, shown in reports and side-by-side comparisons.', source: 'vpscope' });
setting('variant.based_on', { kind: 'ref', to: 'variant' }, {
  doc: 'Builds on another variant of this file: this variant is the base scenario, plus that variant\'s overrides, plus its own (which win). Chains are allowed (`c` based on `b` based on `a`); cycles are errors.',
  argName: 'variant',
  default: 'the base scenario',
  source: 'vpscope',
});

/**
 * `remove KEYWORD NAME`, in every block that holds named blocks: the keywords it can remove there
 * and the kind of name each declares.
 */
const REMOVABLE: Record<string, [string, SymbolKind][]> = {
  variant: [['vm', 'vm']],
  host: [['pool', 'pool'], ['load', 'load']],
  'vm.openhcl': [['task', 'task'], ['storvsp', 'controller'], ['netvsp', 'nic']],
  'vm.openhcl.storvsp': [['disk', 'disk']],
  'vm.guest': [['lock', 'lock'], ['thread', 'thread'], ['parallel', 'parallel'], ['ioload', 'ioload'], ['intercept', 'intercept'], ['irq', 'irq']],
};
for (const [parent, removable] of Object.entries(REMOVABLE)) {
  const id = `${parent}.remove`;
  const kinds: Record<string, SymbolKind> = {};
  for (const [kw, kind] of removable) kinds[kw] = kind;
  def(id, {
    doc: `Variant only: removes the named block \`KEYWORD NAME\` of the base scenario (or of the variant it is \`based_on\`) from this ${parent === 'variant' ? 'scenario' : 'block'} (\`remove ${removable[0][0]} NAME\`). It is an error when the block has nothing of that name; statements that still refer to what is removed are errors in this variant.`,
    args: [
      a('keyword', { kind: 'text' }, `the keyword of the block: ${removable.map(([kw]) => `\`${kw}\``).join(', ')}`),
      { name: 'name', type: { kind: 'ref', to: removable[0][1] }, refKinds: { arg: 0, kinds } },
    ],
    repeatable: true,
    variantOnly: true,
    source: 'vpscope',
  });
  specs.find((s) => s.id === parent)!.children!.push(id);
}

// ---- lookups ----------------------------------------------------------------------------------

/** The statements allowed at the top level of a file. */
export const FILE_CHILDREN: readonly string[] = ['scenario', 'host', 'vm', 'variant', 'sweep'];

/** Every spec, in schema order. */
export const allSpecs: readonly StatementSpec[] = specs;

const byId = new Map<string, StatementSpec>(specs.map((s) => [s.id, s]));
/** parent -> keyword -> spec (nested maps: no key string to build per lookup). */
const byParentKeyword = new Map<string, Map<string, StatementSpec>>();
const childrenCache = new Map<string, StatementSpec[]>();
const requiredCache = new Map<string, StatementSpec[]>();
const byKeyword = new Map<string, StatementSpec[]>();
const parentOf = new Map<string, string>();

function childIdsOf(parent: string): readonly string[] {
  if (parent === 'file') return FILE_CHILDREN;
  if (parent === 'variant') return byId.get('variant')!.children!;
  if (parent.startsWith('variant:')) return childIdsOf(parent.slice('variant:'.length) || 'variant');
  return byId.get(parent)?.children ?? [];
}

for (const parent of ['file', ...specs.map((s) => s.id)]) {
  for (const cid of childIdsOf(parent)) {
    const c = byId.get(cid);
    if (!c) throw new Error(`schema: ${parent} lists unknown child ${cid}`);
    let m = byParentKeyword.get(parent);
    if (!m) byParentKeyword.set(parent, (m = new Map()));
    m.set(c.keyword, c);
    // Record the canonical parent (variants reuse top-level specs; their parent stays 'file').
    if (!parentOf.has(cid) || parentOf.get(cid) === 'variant') parentOf.set(cid, parent);
  }
}
for (const s of specs) {
  const list = byKeyword.get(s.keyword) ?? [];
  list.push(s);
  byKeyword.set(s.keyword, list);
}

export function specById(id: string): StatementSpec | undefined {
  return byId.get(id);
}

/**
 * Specs allowed in a block: `'file'` for the top level, a spec id for that statement's body,
 * `'variant'` for a variant's body, and `'variant:<id>'` (the same as `<id>`: a block inside a
 * variant accepts what the base accepts).
 */
export function childSpecs(parent: string): StatementSpec[] {
  let c = childrenCache.get(parent);
  if (!c) childrenCache.set(parent, (c = childIdsOf(parent).map((id) => byId.get(id)!)));
  return c.slice();
}

/** The required children of a block (see {@link childSpecs}); cached, do not modify. */
export function requiredChildSpecs(parent: string): readonly StatementSpec[] {
  let c = requiredCache.get(parent);
  if (!c) requiredCache.set(parent, (c = childSpecs(parent).filter((s) => s.required)));
  return c;
}

/** The spec `keyword` denotes directly inside `parent` (see {@link childSpecs}), if any. */
export function resolveStatement(keyword: string, parent: string): StatementSpec | undefined {
  const m = byParentKeyword.get(parent);
  if (m) return m.get(keyword);
  if (parent.startsWith('variant:')) return byParentKeyword.get(parent.slice('variant:'.length) || 'variant')?.get(keyword);
  return undefined;
}

/** Every spec with this keyword anywhere (to say where a misplaced keyword belongs). */
export function specsWithKeyword(keyword: string): readonly StatementSpec[] {
  return byKeyword.get(keyword) ?? [];
}

/** The parent id of a spec (`'file'` for top-level statements). */
export function parentSpecId(id: string): string | undefined {
  return parentOf.get(id);
}

/** Every distinct keyword of the language. */
export function allKeywords(): string[] {
  return [...byKeyword.keys()].sort();
}

/** Every enum value word used anywhere (for semantic tokens and the docs test). */
export function allEnumWords(): string[] {
  const out = new Set<string>();
  const add = (t: ValueType) => {
    if (t.kind === 'enum' || t.kind === 'enumList') for (const v of t.values) out.add(v.name);
  };
  for (const s of specs) for (const arg of s.args) add(arg.type);
  return [...out].sort();
}

/** Words that start a distribution (`exp 100us`), with the number of duration/percent values each takes. */
export const DIST_KINDS: Readonly<Record<string, { params: ('duration' | 'percent' | 'range')[]; doc: string }>> = dict({
  fixed: { params: ['duration'], doc: 'Always the same value: `fixed 20us` (same as `20us`).' },
  uniform: { params: ['range'], doc: 'Uniform between two values: `uniform 10us..30us`.' },
  exp: { params: ['duration'], doc: 'Exponential with the given mean: `exp 100us` (memoryless service or arrival times).' },
  normal: { params: ['duration', 'duration'], doc: 'Normal with mean and standard deviation, clamped at 0: `normal 1ms 100us`.' },
  lognormal: { params: ['duration', 'duration'], doc: 'Log-normal with mean and standard deviation: `lognormal 1ms 500us` (a long right tail, typical of storage).' },
  bimodal: { params: ['duration', 'duration', 'percent'], doc: 'The first value, or the second with the given probability: `bimodal 100us 20ms 1%` (a slow tail).' },
});

/** Words accepted as booleans, and their value. */
export const BOOL_WORDS: Readonly<Record<string, boolean>> = dict({ on: true, off: false, true: true, false: false, yes: true, no: false });

export const DEFAULT_POOL = 'Pool-0';

// ---- documentation ------------------------------------------------------------------------------

const TYPE_TEXT: Record<ValueType['kind'], string> = {
  duration: 'duration (`ns` `us` `ms` `s`)',
  count: 'count (`k` `M` `G` multipliers)',
  signed: 'integer',
  percent: 'percentage (`%`)',
  rate: 'rate (`/s`, `k/s`, `/ms`)',
  bool: '`on` / `off`',
  enum: 'one word',
  enumList: 'list of words',
  cpulist: 'CPU list (`0-3,5,^1`, `all`)',
  vp: 'VP index',
  vplist: 'VP list (`0-3`, `all`)',
  dist: 'duration or distribution (`20us`, `exp 100us`, `uniform 10us..30us`, `normal`, `lognormal`, `bimodal`)',
  name: 'name',
  ref: 'name',
  string: '"string"',
  literal: 'word',
  text: 'word',
};

function describeType(t: ValueType): string {
  let s = TYPE_TEXT[t.kind];
  if (t.kind === 'enum' || t.kind === 'enumList') s += ': ' + t.values.map((v) => `\`${v.name}\``).join(' ');
  if (t.kind === 'ref') s = `name of a ${t.to}`;
  if (t.kind === 'name') s = `name of the new ${t.declares}`;
  if (t.kind === 'literal') s = `the word \`${t.word}\``;
  const min = 'min' in t ? t.min : undefined;
  const max = 'max' in t ? t.max : undefined;
  const fmt = (v: number) => (t.kind === 'duration' ? fmtDuration(v) : t.kind === 'percent' ? `${v}%` : String(v));
  if (min !== undefined && max !== undefined) s += `, ${fmt(min)}..${fmt(max)}`;
  else if (min !== undefined && min > 0) s += `, at least ${fmt(min)}`;
  else if (max !== undefined) s += `, at most ${fmt(max)}`;
  return s;
}

function fmtDuration(ns: number): string {
  if (ns === 0) return '0';
  if (ns % S === 0) return `${ns / S}s`;
  if (ns % MS === 0) return `${ns / MS}ms`;
  if (ns % US === 0) return `${ns / US}us`;
  return `${ns}ns`;
}

/** The statement's signature as written: `retarget_vp VP at TIME`, `vm NAME { ... }`. */
export function specSignature(spec: StatementSpec): string {
  const args = spec.args.map((a) => {
    const w = a.type.kind === 'literal' ? a.type.word : a.name.toUpperCase();
    return a.optional ? `[${w}]` : w;
  });
  const body = spec.body === 'required' ? ' { ... }' : spec.body === 'optional' ? ' [{ ... }]' : '';
  return [spec.keyword, ...args].join(' ') + body;
}

/**
 * Hover markdown of a statement: signature, meaning, values, default (flagged when it is an
 * assumption of vpscope rather than a documented number) and source.
 */
export function specMarkdown(spec: StatementSpec): string {
  const lines = ['```vpscope', specSignature(spec), '```', '', spec.doc];
  const vals = spec.args.filter((a) => a.type.kind !== 'literal' && a.type.kind !== 'name');
  if (vals.length) {
    lines.push('');
    for (const a of vals) lines.push(`- **${a.name}**: ${describeType(a.type)}${a.optional ? ' (optional)' : ''}${a.doc ? ` — ${a.doc}` : ''}`);
  }
  const meta: string[] = [];
  if (spec.required) meta.push('**Required.**');
  if (spec.default !== undefined) meta.push(`**Default:** \`${spec.default}\`${spec.assumption ? ' (an assumption of vpscope: no source gives a number)' : ''}.`);
  if (spec.source) meta.push(`*Source: ${spec.source}.*`);
  if (meta.length) lines.push('', meta.join(' '));
  return lines.join('\n');
}

/** Hover markdown of an enum value in the context of its statement, if `word` is one. */
export function enumValueDoc(spec: StatementSpec, word: string): string | undefined {
  for (const a of spec.args) {
    const t = a.type;
    if (t.kind === 'enum' || t.kind === 'enumList') {
      const v = t.values.find((x) => x.name === word);
      if (v) return `\`${spec.keyword} ${v.name}\`: ${v.doc}`;
    }
  }
  if (word in DIST_KINDS && spec.args.some((a) => a.type.kind === 'dist')) return `\`${word}\`: ${DIST_KINDS[word].doc}`;
  return undefined;
}
