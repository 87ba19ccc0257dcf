/**
 * StorVSP channel layout: how many workers a controller gets, which VP each worker runs on, and
 * which channel the guest writes an IO into when it submits from a given vCPU.
 *
 * Sources: OpenHCL guide, "StorVSP Channels & Subchannels": one async worker per open channel
 * (primary + subchannels); the runtime subchannel count is clamped to min(configured, 256); guest
 * drivers open at most one channel per VP; the guest chooses the channel per IO, typically the one
 * opened with the current VP as its target. model.md §1: a channel opened without interrupts lands
 * on VP 0.
 */
import type { StorvspController } from '../../model/ir';
import { layoutChannelVps, MAX_SCSI_SUB_CHANNELS, openedSubChannels } from '../../model/storvspRule';

/** Upper bound on subchannels (OpenHCL clamps `scsi_sub_channels` to 256). */
export const MAX_SUB_CHANNELS = MAX_SCSI_SUB_CHANNELS;

/** The task name of channel `k`'s worker of controller `controller` (its stalls and lane). */
export function storvspChannelName(controller: string, k: number): string {
  return `${storvspChannelPrefix(controller)}${k}`;
}

/** What every channel task name of controller `controller` starts with. */
export function storvspChannelPrefix(controller: string): string {
  return `storvsp ${controller} ch`;
}

export interface ChannelLayout {
  /** Open channels (1 primary + subchannels), after clamping. */
  channels: number;
  /** VP each channel's worker targets, primary first. */
  channelVp: Int32Array;
  /** Channel the guest uses for an IO submitted on vCPU v. */
  vcpuChannel: Int32Array;
  /** True when clamping lowered the written subchannel count. */
  clamped: boolean;
}

export function storvspLayout(ctrl: Pick<StorvspController, 'subChannels' | 'subChannelsWritten' | 'interrupts' | 'channelVps'>, vps: number): ChannelLayout {
  const n = Math.max(1, vps);
  // One rule with the lowering and the checker (model/storvspRule.ts): at most one channel per VP
  // and 256 subchannels. The IR's channelVps already follows it; recomputing keeps hand-built IR
  // (tests) consistent.
  const sub = openedSubChannels(ctrl.subChannels, n);
  const channels = 1 + sub;
  const channelVp = Int32Array.from(layoutChannelVps(ctrl.channelVps.slice(0, channels), channels, n, ctrl.interrupts));
  const vcpuChannel = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    // Prefer the channel targeted at this VP; otherwise the channel whose share of VPs holds v
    // (the inverse of the even spread), as Linux storvsc's per-CPU steering does in effect.
    let pick = -1;
    if (ctrl.interrupts) {
      for (let c = 0; c < channels; c++) if (channelVp[c] === v) { pick = c; break; }
    }
    vcpuChannel[v] = pick >= 0 ? pick : Math.min(channels - 1, Math.floor((v * channels) / n));
  }
  return { channels, channelVp, vcpuChannel, clamped: ctrl.subChannelsWritten > sub };
}

/** Even spread of `channels` over `vps` VPs, primary on VP 0. */
export function spreadVp(c: number, channels: number, vps: number): number {
  return Math.floor((c * vps) / channels);
}
