/**
 * The one StorVSP channel rule, shared by the lowering (the IR's `subChannels` / `channelVps`), the
 * static hazards (VPS207 / VPS208 and their quick fixes) and the simulator (`sim/openhcl/channels.ts`).
 *
 * Sources:
 * - OpenHCL guide, "StorVSP Channels & Subchannels": one worker per open channel (primary +
 *   subchannels); the guest opens at most one channel per VP, so a VM with V VPs runs at most V
 *   channels, i.e. at most V - 1 subchannels.
 * - OpenVMM `openhcl/underhill_core/src/dispatch/vtl2_settings_worker.rs`: `max_sub_channel_count:
 *   scsi_sub_channels.min(256)`; `scsi_sub_channels` is a field of `Vtl2SettingsFixed`, one value
 *   for every SCSI controller of the VM. OpenVMM's own tests configure `vp_count - 1` subchannels
 *   "so there are as many total channels as vCPUs" (vmm_tests openhcl_servicing.rs).
 * - model.md §1: a channel opened without interrupts lands on VP 0.
 */

/** OpenHCL clamps the subchannel count to 256. */
export const MAX_SCSI_SUB_CHANNELS = 256;

/** Most subchannels a controller opens on a VM with `vps` VPs: one channel per VP, and 256. */
export function maxSubChannels(vps: number): number {
  return Math.max(0, Math.min(MAX_SCSI_SUB_CHANNELS, Math.max(1, Math.trunc(vps)) - 1));
}

/** Subchannels actually opened for `written` requested on a VM with `vps` VPs. */
export function openedSubChannels(written: number, vps: number): number {
  return Math.max(0, Math.min(Math.trunc(written), maxSubChannels(vps)));
}

/**
 * The VP of each channel (primary first). Channels listed in `listed` take those VPs (clamped into
 * range); the others take the even spread `floor(i * vps / channels)` (distinct VPs, since channels
 * <= vps), and when that VP is already taken by a listed channel, the lowest VP no channel has, so
 * no VP gets two channels unless the list itself says so. Without interrupts every channel is on VP 0.
 */
export function layoutChannelVps(listed: readonly number[], channels: number, vps: number, interrupts: boolean): number[] {
  const n = Math.max(1, Math.trunc(vps));
  const c = Math.max(1, Math.trunc(channels));
  if (!interrupts) return new Array<number>(c).fill(0);
  const out: number[] = [];
  const taken = new Set<number>();
  for (let i = 0; i < c && i < listed.length; i++) {
    const v = Math.max(0, Math.min(n - 1, Math.trunc(listed[i])));
    out.push(v);
    taken.add(v);
  }
  for (let i = out.length; i < c; i++) {
    let v = Math.floor((i * n) / c);
    if (taken.has(v)) {
      let free = -1;
      for (let k = 0; k < n; k++) if (!taken.has(k)) { free = k; break; }
      if (free >= 0) v = free;
    }
    out.push(v);
    taken.add(v);
  }
  return out;
}
