/**
 * Codes of the static hazard checks (VPS2NN, NN = the hazard's number in the design's hazard
 * list, so VPS201 is hazard 1). `model/codes.ts` folds them into the one catalog of every code;
 * titles and help texts feed SARIF rules and hovers, and docs/hazards.md explains each with an
 * example. Never reuse a retired code for another meaning.
 *
 * Hazards that need a simulation or a trace (3, 15, 20, 25, 30-34) have no static code here; the
 * run analysis owns them. Hazard 24 (cpupool consistency) is an error of the checker, and hazard
 * 22 (targeting settings without effect) is fully covered by checker warnings VPS130
 * (`run_on_target` without `target_vp`), VPS131 (ignored by the backend) and error VPS115 (VP
 * index out of range), so VPS222 is deliberately unassigned.
 */
import type { Severity } from '../../core/diagnostic';
import type { CodeDoc } from '../../model/codes';

export const HazardCodes = {
  /** A blocking syscall or blocking GET call in a task that runs on a VP thread. */
  blockingCallOnVp: 'VPS201',
  /** A long CPU stretch without yielding, or a task that is always ready, on a VP thread. */
  longCpuOnVp: 'VPS202',
  /** VTL2 triggers an operation the root or the hypervisor handles (MMIO write, hypercall, intercept). */
  rootOpOnVp: 'VPS204',
  /** io_uring cancel off while VTL2 work waits on VPs that reside in VTL0. */
  ioUringCancelOff: 'VPS205',
  /** Several untargeted IO sources: every completion lands on VP 0. */
  untargetedIo: 'VPS206',
  /** A StorVSP controller without subchannels on a multi-VP VM. */
  noSubchannels: 'VPS207',
  /** Subchannels beyond what OpenHCL opens (VPs, 256, NIC min(32, VPs)): clamped. */
  subchannelsClamped: 'VPS208',
  /** A StorVSP channel opened without interrupts: its worker lands on VP 0. */
  channelWithoutInterrupts: 'VPS209',
  /** A slow disk shares a controller with fast disks: head-of-line blocking. */
  headOfLine: 'VPS210',
  /** Poll mode threshold at or below the pending IO of a slow backend. */
  pollModeSlowBackend: 'VPS211',
  /** Work targeted at a sidecar VP that is not online yet. */
  sidecarTarget: 'VPS212',
  /** Waiting for target readiness, or channel interrupts on a sidecar VP: implicit onlining. */
  sidecarImplicitOnline: 'VPS213',
  /** Sidecar hot-plug off while sidecar VPs exit often: every exit is handled on the base CPU. */
  sidecarHotplugOff: 'VPS214',
  /** The VP-to-CPU map is not the identity. */
  vpCpuMapNotIdentity: 'VPS216',
  /** Guest RTC writes, frequent RTC reads or PAM/ROM remaps: the VP waits on a GET/VMGS round trip. */
  getBoundGuestOp: 'VPS217',
  /** A blocking GET/VMGS call from the GET worker thread itself: deadlock. */
  getWorkerDeadlock: 'VPS218',
  /** A running worker inspected often: its run restarts each time. */
  frequentInspect: 'VPS219',
  /** Sidecar on an isolated VM or on aarch64: unsupported, ignored. */
  sidecarUnsupported: 'VPS221',
  /** Xen domains with different weights pinned to a shared subset of a pool: weights not honoured. */
  weightsUnderPinning: 'VPS223',
  /** Static RT priority for all vCPUs: host threads starve. */
  staticRtVcpus: 'VPS226',
  /** Boost settings that keep vCPUs boosted when they should not be. */
  boostPolicy: 'VPS227',
  /** Latency-sensitive guest work on an oversubscribed host with no mitigation. */
  oversubscribedLatency: 'VPS228',
  /** Spin barriers or spinlocks on an oversubscribed host. */
  spinOversubscribed: 'VPS229',
} as const;

export type HazardCode = (typeof HazardCodes)[keyof typeof HazardCodes];

export interface HazardCodeDoc {
  /** Number in the design's hazard list. */
  hazard: number;
  family: 'openhcl' | 'storvsp' | 'sidecar' | 'xen' | 'kvm' | 'guest';
  title: string;
  /** Default severity: `warning` for hazards, `info` for advice. */
  severity: Severity;
  /** What it means and what to do, for hovers and SARIF rule help. */
  help: string;
}

export const hazardCodeDocs: Record<HazardCode, HazardCodeDoc> = {
  VPS201: {
    hazard: 1, family: 'openhcl', severity: 'warning',
    title: 'Blocking call in a worker on a VP thread',
    help: 'OpenHCL runs every task targeted at a VP, and that VP\'s guest, on one cooperative executor thread. A blocking syscall (or a blocking GET call) blocks the thread in the kernel, so every other task on the VP and its guest stall for the call\'s duration. Run the work on a dedicated thread (`runs_on dedicated`) or make it asynchronous (`io`, `get ... async`).',
  },
  VPS202: {
    hazard: 2, family: 'openhcl', severity: 'warning',
    title: 'Long CPU stretch without yielding on a VP thread',
    help: 'Tasks are cooperative: one that computes for long without yielding, or that is always ready again (a loop with no wait, a period shorter than its work), keeps the VP\'s other tasks waiting and keeps the VP out of VTL0, delaying or starving its guest. Split the work with waits, lower its rate, or move it to a dedicated thread.',
  },
  VPS204: {
    hazard: 4, family: 'openhcl', severity: 'warning',
    title: 'VTL2 operation handled by the root or the hypervisor',
    help: 'An MMIO write or hypercall the root handles, or a hypervisor intercept, made by VTL2 on a VP stalls both VTLs of that VP until it returns; io_uring cancel cannot shorten it. Keep such operations off hot paths, batch them, or move them to a time where the VP is idle.',
  },
  VPS205: {
    hazard: 5, family: 'openhcl', severity: 'warning',
    title: 'io_uring cancel disabled',
    help: 'With io_uring cancel on, any event on a VP\'s ring (IO completion, timer, wake) brings the VP back from VTL0. With it off, VTL2 work for a VP that resides in VTL0 waits until the guest exits on its own (its natural residence). Turn `io_uring_cancel` on.',
  },
  VPS206: {
    hazard: 6, family: 'openhcl', severity: 'warning',
    title: 'Untargeted IO completes on VP 0',
    help: 'Without `target_vp`, a threadpool task\'s IO goes through VP 0\'s io_uring, so its completions wake VP 0 and pull it out of VTL0. With several such sources VP 0 becomes a hotspot. Give each task a `target_vp`, spread across VPs.',
  },
  VPS207: {
    hazard: 7, family: 'storvsp', severity: 'warning',
    title: 'No StorVSP subchannels on a multi-VP VM',
    help: 'StorVSP runs one worker per open channel. Without subchannels the primary channel\'s single worker, on one VP, serialises all IO of the controller from every vCPU. Add `sub_channels` (one channel per VP is the usual choice).',
  },
  VPS208: {
    hazard: 8, family: 'storvsp', severity: 'warning',
    title: 'Subchannels clamped',
    help: 'OpenHCL opens at most one StorVSP subchannel per VP and never more than 256; NetVSP at most min(32, VPs). A larger number is silently clamped, so the channels and workers written are not the ones that run. Write the clamped number.',
  },
  VPS209: {
    hazard: 9, family: 'storvsp', severity: 'warning',
    title: 'Channel opened without interrupts',
    help: 'A StorVSP channel opened without interrupts lands its worker on VP 0, whatever VP the guest chose, so all of the controller\'s IO work piles onto VP 0. Open the channels with interrupts (`interrupts on`).',
  },
  VPS210: {
    hazard: 10, family: 'storvsp', severity: 'warning',
    title: 'Slow disk shares a controller with fast disks',
    help: 'Disks on one StorVSP controller share its channels and their queues. Once a channel\'s queue is full of IO to a slow disk, IO to the fast disks waits behind it (head-of-line blocking). A warning when the scenario keeps at least `io_queue_depth` slow IOs pending per channel (the queue fills, as the simulator\'s queue model has it); information ("may", in bursts) below that. Put the slow disk on a controller of its own.',
  },
  VPS211: {
    hazard: 11, family: 'storvsp', severity: 'info',
    title: 'Poll mode with a slow backend',
    help: 'A StorVSP worker is in poll mode while the IOs pending on its channel are at or above `poll_mode_queue_depth`: it leaves the ring\'s interrupt masked and reads new requests only when a completion wakes it (OpenVMM storvsp `poll_process_ready`; not a CPU-burning spin). A slow backend keeps IOs pending for long, so a request written meanwhile waits up to a slow completion. Raise `poll_mode_queue_depth` above the typical pending count, or keep slow disks on their own controller.',
  },
  VPS212: {
    hazard: 12, family: 'sidecar', severity: 'warning',
    title: 'Work targeted at a sidecar VP before it is online',
    help: 'Sidecar VPs start outside Linux. Work targeted at one runs on another online CPU until the VP is onlined (contending there), and targeting it starts onlining, one VP at a time behind a global lock. Avoid early targeting of sidecar VPs: target a VP that starts in Linux, or start the VP in Linux (`linux_vps`).',
  },
  VPS213: {
    hazard: 13, family: 'sidecar', severity: 'warning',
    title: 'Implicit onlining of a sidecar VP',
    help: 'Waiting for a target VP to be ready (`wait_vp_ready`), or a channel whose interrupts are mapped to a sidecar VP, onlines that VP implicitly; the waiter waits the whole onlining, queued behind any other VP being onlined. Prefer `is_target_vp_ready()`-style checks that do not online, or map the work to VPs that start in Linux.',
  },
  VPS214: {
    hazard: 14, family: 'sidecar', severity: 'warning',
    title: 'Sidecar hot-plug off with exit-heavy VPs',
    help: 'With sidecar hot-plug disabled, sidecar VPs stay remote and every exit they take is handled on the node\'s base CPU. Exit-heavy VPs then queue on that one CPU. Turn `hotplug` on, or start the exit-heavy VPs in Linux.',
  },
  VPS216: {
    hazard: 16, family: 'openhcl', severity: 'warning',
    title: 'VP-to-CPU mapping is not the identity',
    help: 'OpenHCL pins VP N\'s executor to Linux CPU N and much of its design assumes VP index == CPU number. A different map makes per-VP targeting and per-CPU accounting disagree, and two VPs on one CPU time-share it. Use the identity mapping unless that is what you study.',
  },
  VPS217: {
    hazard: 17, family: 'openhcl', severity: 'warning',
    title: 'Guest operation waits on a GET/VMGS round trip',
    help: 'Some guest operations are handled by the paravisor and wait on the host: an RTC write waits for a VMGS save, RTC reads ask the host at most once a second, PAM/ROM remaps wait on the GET. The VP running the guest thread stalls, VTL0 and VTL2, for the round trip. Do them rarely, outside latency-sensitive paths.',
  },
  VPS218: {
    hazard: 18, family: 'openhcl', severity: 'warning',
    title: 'Blocking GET call from the GET worker: deadlock',
    help: 'The GET worker thread serves GET requests. A blocking GET/VMGS call made from that thread waits for a reply only that same thread could produce: it deadlocks. Make the call asynchronous (`get ... async`) or move the task off the GET worker.',
  },
  VPS219: {
    hazard: 19, family: 'openhcl', severity: 'warning',
    title: 'Running worker inspected often',
    help: 'Inspecting a worker managed by TaskControl/AsyncRun stops its run, inspects its state and restarts it. Frequent inspects keep restarting the run and cut its passes short. Inspect less often.',
  },
  VPS221: {
    hazard: 21, family: 'sidecar', severity: 'warning',
    title: 'Sidecar unsupported here',
    help: 'Sidecar exists only on x64 VMs without isolation. On an isolated (VBS, SNP, TDX) VM or on aarch64 every VP starts in Linux and the `sidecar` block has no effect. Remove it.',
  },
  VPS223: {
    hazard: 23, family: 'xen', severity: 'warning',
    title: 'Weights not honoured under pinning',
    help: 'Xen credit is accounted for the whole pool (credit hands it out pool-wide by weight; credit2 resets it only when the pool\'s best queued vCPU has none left) but can be spent only on a vCPU\'s allowed pCPUs. Domains with different weights pinned to a shared subset of a pool get shares that follow per-pCPU contention, not their weights (the BS2000 case). Give them a cpupool of their own with exactly those pCPUs.',
  },
  VPS226: {
    hazard: 26, family: 'kvm', severity: 'warning',
    title: 'Static RT priority for all vCPUs',
    help: 'vCPU threads at a static real-time priority always run ahead of normal host threads on their pCPUs, which then get only what RT throttling leaves (5% per second); published host max latency rose from 1.6 ms to 16 ms. Use dynamic boosting (`boost dynamic`), which raises vCPUs only while they need it.',
  },
  VPS227: {
    hazard: 27, family: 'kvm', severity: 'warning',
    title: 'Boost policy keeps vCPUs boosted too long',
    help: 'Dynamic boosting helps only if boosts end. Boosting on pending (not injected) interrupts, on low-priority interrupts (device, IPI), without a preempt-disabled limit, without the guest unboosting host-initiated boosts, or for a nested guest\'s interrupts keeps vCPUs at RT priority while host work waits. Keep the defaults: `trigger injection`, `interrupts timer,nmi,smi,pv_unhalt`, `preempt_limit 3ms`, `guest_unboosts on`, `nested off`.',
  },
  VPS228: {
    hazard: 28, family: 'kvm', severity: 'warning',
    title: 'Latency-sensitive guest work on an oversubscribed host',
    help: 'When more threads want the pCPUs than there are, a vCPU that wakes for latency-sensitive work waits behind host threads and other vCPUs. Published: guest cyclictest latency 887 us on a busy host, 21 us with dynamic boosting. Use `boost dynamic`, dedicated pCPUs or a pool of its own.',
  },
  VPS229: {
    hazard: 29, family: 'guest', severity: 'warning',
    title: 'Spinning on an oversubscribed host',
    help: 'A spinning waiter burns its vCPU while the thread it waits for may sit on a preempted vCPU (lock-holder / lock-waiter preemption); pause-loop exiting helps only waiters spinning in the kernel. Published: a barrier workload went from 9.68 s to 19.95 s when vCPUs were preempted. Adapt the degree of parallelism (`dop adaptive`), block at the barrier (`barrier block`), or use blocking locks (`kind mutex`). A paravirt barrier helps less: it blocks only while a straggler\'s vCPU is flagged preempted, and KVM does not flag a vCPU woken from a halt that waits for a pCPU. Without `steal_time`, paravirt and adaptive act like spin and fixed.',
  },
};

/** The catalog entries in the shape `model/codes.ts` registers (SARIF rules, `describeCode`). */
export const hazardCodeList: readonly CodeDoc[] = Object.entries(hazardCodeDocs).map(([code, d]) => ({
  code,
  title: d.title,
  help: d.help,
  severity: d.severity,
}));
