/**
 * Fixed costs of the guest/hypervisor paths that no source document quantifies. They are
 * vpscope assumptions (docs/sim.md lists them): small, visible, and only their direction matters
 * for the published comparisons (spin vs block, boost vs no boost).
 */

/** One pause-loop exit (the exit and kvm_vcpu_on_spin's candidate scan), before any yield. */
export const PLE_EXIT_NS = 1_000;
/** A GET-bound guest operation (RTC, PAM remap) on a VM without a paravisor: a plain exit to the VMM. */
export const PLAIN_GET_EXIT_NS = 5_000;
/** Disk IO of a VM without a StorVSP model (no `openhcl`, or no such disk): fixed backend latency. */
export const PLAIN_DISK_LATENCY_NS = 100_000;
