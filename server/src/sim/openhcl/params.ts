/**
 * Numbers the OpenHCL model needs that no source quantifies. Each is an assumption of vpscope's,
 * documented in docs/openhcl-model.md; the scenario language does not expose them (yet), so they
 * live in one place where a reviewer can see and change them.
 *
 * All times are integer nanoseconds.
 */

/** A GET round trip made synchronously by a VP thread (PAM/ROM remap, an RTC read that asks the host). */
export const GET_ROUND_TRIP_NS = 300_000;

/**
 * A guest RTC write waits for a VMGS save through the GET (model.md §1: "guest RTC writes wait for
 * a VMGS save"). A save writes storage, so it is slower than a plain round trip.
 */
export const VMGS_SAVE_NS = 1_500_000;

/** RTC reads ask the host at most once per second; within that window the cached value is used. */
export const RTC_CACHE_NS = 1_000_000_000;

/** VTL2 CPU spent emulating an RTC access or a PAM remap besides the GET wait. */
export const CHIPSET_EMULATION_CPU_NS = 2_000;

/** StorVSP worker CPU to read one request from the ring and issue it to the backend. */
export const STORVSP_REQUEST_CPU_NS = 2_000;

/** StorVSP worker CPU to write one completion to the guest ring and signal the guest. */
export const STORVSP_COMPLETE_CPU_NS = 1_000;

/** VTL2 CPU on the base CPU to handle one exit of a VP that is still remote (sidecar). */
export const SIDECAR_EXIT_FORWARD_NS = 3_000;

/**
 * Activity segments kept per executor for cause attribution of stalls. Older segments fall out;
 * a stall longer than the window is attributed from what remains (documented limitation).
 */
export const STALL_LOG_SEGMENTS = 256;
