/**
 * Host costs of a blocking wait (host `costs` block) and the Linux tick, with their defaults and
 * where each number comes from.
 *
 * Defaults are measured here, on the shared real trace `../shared/traces/r1_1x_n2` (2 vCPU
 * threads on 2 host CPUs of a Linux 6.18 KVM host, itself an L1 guest using kvm_pvm; block
 * barrier rounds of 50 us of work), as medians over its 2,000 block rounds (trace-cmd report,
 * kvm_pio / sched_waking / sched_switch events):
 * - arrival (kvm_pio) -> the waker's sched_waking: 14 us; sched_waking -> the woken thread switched
 *   in: 23 us. Together the wake latency, 37 us.
 * - the woken thread switched in -> its next arrival: 84 us = 50 us of work + 34 us (entry).
 * - the waker's arrival -> its next arrival: 105 us = 50 us of work + 55 us = wake_exit (52 us) + one
 *   wake (ipi, 3 us: the median gap between successive sched_waking of one waker on r2_2x_n4).
 * - the first arriver's kvm_pio -> its thread sleeping (sched_switch S): 15 us (halt_exit).
 * These are the costs of a nested host (a software-virtualized L1): a bare-metal KVM host pays
 * a few microseconds for each; state them with `host { costs { ... } }`.
 *
 * Halt polling: KVM x86 default `halt_poll_ns` = 200 us (KVM_HALT_POLL_NS_DEFAULT), per-vCPU
 * window starting at 0, grown to max(10 us, x2) (halt_poll_ns_grow_start, halt_poll_ns_grow)
 * after a halt shorter than the maximum, halved (halt_poll_ns_shrink = 2) after a longer one;
 * polling stops as soon as another thread is runnable on the pCPU (kvm_vcpu_can_poll:
 * single_task_running, need_resched). virt/kvm/kvm_main.c.
 */
import type { HostCosts, Scenario, Vm } from '../../model/ir';

const US = 1_000;

export const HOST_COST_DEFAULTS: Readonly<HostCosts> = {
  haltExitNs: 15 * US,
  exitNs: 52 * US,
  ipiNs: 3 * US,
  wakeLatencyNs: 37 * US,
  entryNs: 34 * US,
  haltPollNs: 200 * US,
};

/**
 * Xen pools keep vpscope's earlier assumptions (no measurement here yet): a 15 us wake-up paid
 * as CPU by the woken vCPU, a 1.5 us IPI exit on the waker, no halt cost, no latency, no polling
 * (halt polling is KVM's).
 */
export const XEN_COSTS: Readonly<HostCosts> = {
  haltExitNs: 0,
  exitNs: 0,
  ipiNs: 1_500,
  wakeLatencyNs: 0,
  entryNs: 15 * US,
  haltPollNs: 0,
};

/** KVM halt polling: first window after a short halt (halt_poll_ns_grow_start). */
export const HALT_POLL_GROW_START_NS = 10 * US;
/** Linux CONFIG_HZ default of the model (most distribution kernels use 250 or 1000). */
export const DEFAULT_HZ = 250;

export function hostCosts(c: Partial<HostCosts> | undefined): HostCosts {
  return { ...HOST_COST_DEFAULTS, ...(c ?? {}) };
}

/** The costs that apply to a VM: the host's (KVM, Linux pools), or XEN_COSTS in a Xen pool. */
export function costsForVm(sc: Scenario, vm: Vm): HostCosts {
  const pool = sc.host.pools.find((p) => p.name === vm.pool) ?? sc.host.pools[0];
  if (pool && (pool.sched === 'credit' || pool.sched === 'credit2')) return { ...XEN_COSTS };
  return hostCosts(sc.host.costs);
}

/**
 * EEVDF base slice of a fair pool: sysctl_sched_base_slice (0.75 ms) x (1 + ilog2(min(CPUs, 8)))
 * (kernel/sched/fair.c get_update_sysctl_factor, SCHED_TUNABLESCALING_LOG, the default): 1 CPU
 * 0.75 ms, 2-3 CPUs 1.5 ms, 4-7 CPUs 2.25 ms, 8+ 3 ms.
 */
export function fairBaseSliceNs(cpus: number): number {
  const n = Math.max(1, Math.min(8, Math.floor(cpus)));
  return 750_000 * (1 + Math.floor(Math.log2(n)));
}
