/**
 * StorVSP and NetVSP hazards: channel setup (hazards 7, 8, 9), head-of-line blocking of a slow
 * disk (10) and poll mode with a slow backend (11). One worker per open channel (primary +
 * subchannels), each with its own queue (`io_queue_depth`); the guest picks the channel per IO;
 * model section 1, "StorVSP".
 */
import type { TextEdit } from '../../core/diagnostic';
import type { TextRange } from '../../core/text';
import type { StorvspController, Vm } from '../../model/ir';
import { HazardCodes } from './codes';
import type { HazardContext } from './context';
import { distMean, fmtDist, fmtIndices, fmtList, plural } from './format';
import { ioSourcesOf } from './openhcl';
import { child, netvspPath, storvspPath } from './paths';
import { argName, fmtName, type Path } from './source';
import type { Statement } from '../../syntax/tree';
import { channelCount, channelVps } from './placement';
import { maxSubChannels } from '../../model/storvspRule';
import { openhclPath } from './paths';
import { fmtNum } from '../../core/format';

/** A disk at least this many times slower (mean latency) than another on its controller is "slow". */
export const HEAD_OF_LINE_RATIO = 10;
/** A backend at least this slow (mean latency) keeps IOs pending long enough for poll mode to hurt. */
export const SLOW_BACKEND_NS = 1e6;

function allVcpus(vm: Vm, vcpus: readonly number[]): number[] {
  return vcpus.length ? [...vcpus] : Array.from({ length: vm.vcpus }, (_, i) => i);
}

/** Hazard 7: no subchannels on a multi-VP VM whose IO comes from several vCPUs. */
export function checkNoSubchannels(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh || vm.vcpus < 2) continue;
    for (let cIndex = 0; cIndex < oh.storvsp.length; cIndex++) {
      const c = oh.storvsp[cIndex];
      if (c.subChannels > 0) continue;
      const sources = ioSourcesOf(vm, c.name);
      const submitters = new Set(sources.flatMap((x) => allVcpus(vm, x.vcpus)));
      if (submitters.size < 2) continue;
      const want = maxSubChannels(vm.vcpus);
      const vp = channelVps(vm, c)[0];
      // OpenHCL's setting is the VM-wide `scsi_sub_channels`; fix that unless the controller has its own.
      const own = !c.subChannelsVmWide;
      const owner = own ? storvspPath(vm, c) : openhclPath(vm);
      const kw = own ? 'sub_channels' : 'scsi_sub_channels';
      ctx.report(HazardCodes.noSubchannels, {
        range: ctx.rangeOf(child(owner, kw), c.range),
        message:
          `controller \`${c.name}\` has no subchannels -> its one worker (the primary channel, on VP ${vp}) serialises the IO of ${plural(submitters.size, 'vCPU')} ` +
          `(${fmtList(sources.map((x) => `\`${x.name}\``))}) and every completion interrupts VP ${vp} -> add subchannels: \`${kw} ${want}\` gives one channel per VP`,
        related: sources.map((x) => ctx.rel(x.range, `${x.kind} \`${x.name}\` submits IO to \`${c.name}\``)),
        fixes: [ctx.setSetting(owner, kw, String(want), `Add ${want} subchannels (one channel per VP)`, true)],
      });
    }
  }
}

/** Hazard 8: more subchannels than OpenHCL opens. */
export function checkSubchannelClamp(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    const clamp = (path: Path, name: string, kind: string, written: number, max: number, why: string, range: TextRange, kw = 'sub_channels') => {
      if (written <= max) return;
      ctx.report(HazardCodes.subchannelsClamped, {
        range: ctx.rangeOf(child(path, kw), range),
        message:
          `\`${kw} ${written}\` on ${kind} \`${name}\` is more than OpenHCL opens on a ${vm.vcpus}-VP VM (${why}) -> it is clamped to ${max}: ` +
          `the device runs ${max + 1} channel${max === 0 ? '' : 's'}, not ${written + 1} -> write ${max}`,
        fixes: [ctx.setSetting(path, kw, String(max), `Set ${kw} to ${max}`, true)],
      });
    };
    // One rule (model/storvspRule.ts): the guest opens at most one channel per VP, so at most
    // VPs - 1 subchannels, and OpenHCL clamps to 256. A VM-wide value is reported once, on it.
    const maxSub = maxSubChannels(vm.vcpus);
    const why = `at most one channel per VP, so ${maxSub} subchannel${maxSub === 1 ? '' : 's'} besides the primary, and 256`;
    if (oh.scsiSubChannels !== undefined && oh.storvsp.some((c) => c.subChannelsVmWide)) {
      const firstVmWide = oh.storvsp.find((c) => c.subChannelsVmWide)!;
      clamp(openhclPath(vm), vm.name, 'VM', oh.scsiSubChannels, maxSub, why, firstVmWide.range, 'scsi_sub_channels');
    }
    for (const c of oh.storvsp) if (!c.subChannelsVmWide) clamp(storvspPath(vm, c), c.name, 'controller', c.subChannelsWritten, maxSub, why, c.range);
    for (const n of oh.netvsp) clamp(netvspPath(vm, n), n.name, 'NIC', n.subChannelsWritten, Math.min(32, vm.vcpus), 'at most min(32, VPs)', n.range);
  }
}

/** Hazard 9: channels opened without interrupts land on VP 0. */
export function checkChannelInterrupts(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    for (let cIndex = 0; cIndex < oh.storvsp.length; cIndex++) {
      const c = oh.storvsp[cIndex];
      if (c.interrupts) continue;
      const n = channelCount(c);
      ctx.report(HazardCodes.channelWithoutInterrupts, {
        range: ctx.rangeOf(child(storvspPath(vm, c), 'interrupts'), c.range),
        message:
          `the channels of \`${c.name}\` are opened without interrupts -> ${n === 1 ? 'its worker lands' : `all ${n} channel workers land`} on VP 0, whatever VP the guest chose -> ` +
          `VP 0 serves all of \`${c.name}\`'s IO and keeps being pulled out of VTL0${vm.vcpus > 1 ? ` while VPs 1-${vm.vcpus - 1} do none of it` : ''} -> open the channels with interrupts`,
        fixes: [ctx.setSetting(storvspPath(vm, c), 'interrupts', 'on', 'Open the channels with interrupts (`interrupts on`)', true)],
      });
    }
  }
}

function uniqueControllerName(ctx: HazardContext, vm: Vm, base: string): string {
  // Not one a scenario the fix also changes (a variant) declares: that would become an override.
  const vms = [vm, ...ctx.dependents.flatMap((s) => s.vms.filter((x) => x.name === vm.name))];
  const taken = new Set(vms.flatMap((x) => x.openhcl?.storvsp.map((c) => c.name) ?? []));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/**
 * Whether any variant's text names disk `disk` of controller `c` of `vm`: IO sent to it (`disk C D`
 * in an ioload, `disk_io C D`), or an override or removal of the disk inside `storvsp C`. The
 * base's move to a new controller cannot follow those (a base fix never edits a variant), so they
 * would point at a disk that is no longer there.
 */
function variantsNameDisk(ctx: HazardContext, vm: Vm, c: StorvspController, disk: string): boolean {
  const walk = (list: readonly Statement[], inVm: boolean, inCtrl: boolean): boolean => {
    for (const s of list) {
      if (s.keyword.missing) continue;
      const kw = s.keyword.name;
      const a0 = argName(s.args[0]);
      if (inVm && (kw === 'disk' || kw === 'disk_io') && a0 === c.name && argName(s.args[1]) === disk) return true;
      if (inCtrl && (kw === 'disk' || kw === 'remove') && s.args.some((a) => argName(a) === disk)) return true;
      if (!s.body) continue;
      if (kw === 'vm') {
        if (a0 === vm.name && walk(s.body.statements, true, false)) return true;
      } else if (kw === 'storvsp') {
        if (inVm && walk(s.body.statements, true, a0 === c.name)) return true;
      } else if (walk(s.body.statements, inVm, inCtrl)) return true;
    }
    return false;
  };
  return ctx.src.allVariants().some((v) => walk(v.body?.statements ?? [], false, false));
}

/**
 * Edits that move disk `disk` of controller `c` to a new controller right after it, with the same
 * channel settings, and point the guest's IO sources at the new controller.
 */
function moveDiskEdits(ctx: HazardContext, vm: Vm, c: StorvspController, diskName: string): { name: string; edits: (TextEdit | undefined)[] } | undefined {
  const disk = c.disks.find((d) => d.name === diskName);
  const ctrlStmt = ctx.src.statementAt(c.range.start);
  const diskStmt = disk && ctx.src.statementAt(disk.range.start);
  if (!ctrlStmt?.body || !diskStmt) return undefined;
  const name = uniqueControllerName(ctx, vm, `${c.name}_${diskName}`);
  const indent = ctx.src.indentAt(ctrlStmt.start);
  const settings = ctrlStmt.body.statements.filter((s) => s.keyword.name !== 'disk').map((s) => ctx.src.slice(s));
  const inner = indent + ctx.src.indentStep;
  // Derived from the controller's and the disk's names, which may need quotes.
  const written = fmtName(name);
  const lines = [`storvsp ${written} {`, ...settings.map((t) => `${inner}${t}`), `${inner}${ctx.src.slice(diskStmt).trimStart()}`, `${indent}}`];
  const edits: (TextEdit | undefined)[] = [ctx.src.deleteStatement(diskStmt), ctx.src.insertAfter(ctrlStmt, lines.join('\n'))];
  for (let lIndex = 0; lIndex < vm.guest.ioloads.length; lIndex++) {
    const l = vm.guest.ioloads[lIndex];
    if (l.controller !== c.name || l.disk !== diskName) continue;
    const ls = ctx.src.statementAt(l.range.start);
    const ref = ls?.body?.statements.find((s) => s.keyword.name === 'disk');
    const arg = ref?.args[0];
    edits.push(arg ? { range: { start: arg.start, end: arg.end }, newText: written } : undefined);
  }
  for (let tIndex = 0; tIndex < vm.guest.threads.length; tIndex++) {
    const t = vm.guest.threads[tIndex];
    for (let sIndex = 0; sIndex < t.program.steps.length; sIndex++) {
      const s = t.program.steps[sIndex];
      if (s.kind !== 'disk_io' || s.controller !== c.name || s.disk !== diskName) continue;
      const arg = ctx.src.statementAt(s.range.start)?.args[0];
      edits.push(arg ? { range: { start: arg.start, end: arg.end }, newText: written } : undefined);
    }
  }
  return { name, edits };
}

/**
 * IOs kept pending on controller `c` for the disks in `disks` (means): closed-loop ioloads hold
 * `depth`, open-loop ones rate x latency (Little's law), guest threads one each; spread over the
 * channels their vCPUs use. The same estimate drives hazards 10 and 11, and it matches the
 * simulator's queue model (a channel fills when its in-flight IOs reach `io_queue_depth`).
 */
function pendingPerChannel(vm: Vm, c: StorvspController, disks: readonly { name: string; latency: StorvspController['disks'][number]['latency'] }[]): { perChannel: number; channels: number; names: string[] } {
  let pending = 0;
  const submitters = new Set<number>();
  const names: string[] = [];
  for (let lIndex = 0; lIndex < vm.guest.ioloads.length; lIndex++) {
    const l = vm.guest.ioloads[lIndex];
    const d = disks.find((x) => x.name === l.disk);
    if (l.controller !== c.name || !d) continue;
    // Closed loop: `depth` outstanding; open loop: Little's law, rate x latency.
    pending += l.depth ?? ((l.ratePerSec ?? 0) * distMean(d.latency)) / 1e9;
    allVcpus(vm, l.vcpus).forEach((v) => submitters.add(v));
    names.push(`\`${d.name}\``);
  }
  for (let tIndex = 0; tIndex < vm.guest.threads.length; tIndex++) {
    const t = vm.guest.threads[tIndex];
    for (let sIndex = 0; sIndex < t.program.steps.length; sIndex++) {
      const s = t.program.steps[sIndex];
      if (s.kind !== 'disk_io' || s.controller !== c.name || !disks.some((d) => d.name === s.disk)) continue;
      pending += t.count;
      allVcpus(vm, t.vcpus).forEach((v) => submitters.add(v));
      names.push(`\`${s.disk}\``);
    }
  }
  const channels = Math.max(1, Math.min(channelCount(c), submitters.size));
  return { perChannel: pending / channels, channels, names };
}

/** Hazard 10: a slow disk on a controller shared with fast disks, both with IO. */
export function checkHeadOfLine(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    for (let cIndex = 0; cIndex < oh.storvsp.length; cIndex++) {
      const c = oh.storvsp[cIndex];
      const sources = ioSourcesOf(vm, c.name);
      // Only disks that receive IO can block or be blocked.
      const used = c.disks.filter((d) => sources.some((x) => x.disk === d.name));
      if (used.length < 2) continue;
      const fastest = Math.min(...used.map((d) => distMean(d.latency)));
      for (let dIndex = 0; dIndex < used.length; dIndex++) {
        const d = used[dIndex];
        const mean = distMean(d.latency);
        if (mean < HEAD_OF_LINE_RATIO * fastest || mean <= 0) continue;
        const fast = used.filter((o) => distMean(o.latency) * HEAD_OF_LINE_RATIO <= mean);
        const n = channelCount(c);
        // In the base, only when no variant names the disk (the variant would lose it).
        const move = ctx.variant !== undefined || !variantsNameDisk(ctx, vm, c, d.name) ? moveDiskEdits(ctx, vm, c, d.name) : undefined;
        // One causal story with the simulator: a channel's queue fills when its in-flight IOs reach
        // io_queue_depth. With the slow disk's estimated pending IO at or above that, it fills
        // (warning); below it, it fills only in bursts, so the message says "may" (info).
        const slowPending = pendingPerChannel(vm, c, [d]).perChannel;
        const fills = slowPending >= c.ioQueueDepth;
        const fastNames = fmtList(fast.map((o) => `\`${o.name}\``));
        ctx.report(HazardCodes.headOfLine, {
          range: ctx.head(d.range),
          severity: fills ? undefined : 'info',
          message:
            `disk \`${d.name}\` (${fmtDist(d.latency)}) shares controller \`${c.name}\` with faster ${fast.length === 1 ? 'disk' : 'disks'} ` +
            `${fmtList(fast.map((o) => `\`${o.name}\` (${fmtDist(o.latency)})`))} -> IO to all of them goes through the same ${plural(n, 'channel')}, each with a queue of ${c.ioQueueDepth} -> ` +
            (fills
              ? `the IO sent to \`${d.name}\` keeps ~${fmtNum(slowPending)} requests pending per channel, enough to fill a queue, and IO to ${fastNames} then waits behind them (head-of-line blocking)`
              : `a queue fills only if ${c.ioQueueDepth} \`${d.name}\` IOs are pending on one channel at once (the scenario keeps ~${fmtNum(slowPending)} per channel on average), so IO to ${fastNames} may wait behind them in bursts (head-of-line blocking)`) +
            ` -> put \`${d.name}\` on a controller of its own`,
          related: [
            ...fast.map((o) => ctx.rel(o.range, `fast disk \`${o.name}\` on the same controller`)),
            ...sources.filter((x) => x.disk === d.name).map((x) => ctx.rel(x.range, `${x.kind} \`${x.name}\` sends IO to \`${d.name}\``)),
          ],
          fixes: [move && ctx.fix(`Move \`${d.name}\` to a controller of its own (\`${move.name}\`)`, move.edits, true)],
        });
      }
    }
  }
}

function nextPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/** Hazard 11: poll mode threshold at or below the pending IO of a slow backend. */
export function checkPollMode(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    for (let cIndex = 0; cIndex < oh.storvsp.length; cIndex++) {
      const c = oh.storvsp[cIndex];
      const slow = c.disks.filter((d) => distMean(d.latency) >= SLOW_BACKEND_NS);
      if (!slow.length) continue;
      const { perChannel, channels, names } = pendingPerChannel(vm, c, slow);
      if (names.length === 0) continue;
      // Poll mode engages when the pending IO reaches the threshold (OpenVMM StorVSP).
      if (perChannel < c.pollModeQueueDepth) continue;
      const vps = channelVps(vm, c).slice(0, channels);
      const raise = Math.min(c.ioQueueDepth, nextPow2(Math.ceil(perChannel) * 2));
      const path = storvspPath(vm, c);
      ctx.report(HazardCodes.pollModeSlowBackend, {
        range: ctx.rangeOf(child(path, 'poll_mode_queue_depth'), c.range),
        message:
          `controller \`${c.name}\` switches a channel to poll mode at ${c.pollModeQueueDepth} or more pending ${c.pollModeQueueDepth === 1 ? 'IO' : 'IOs'}, and the slow backend of ` +
          `${fmtList([...new Set(names)])} (${fmtList(slow.map((d) => fmtDist(d.latency)))}) keeps ~${fmtNum(perChannel)} IOs pending per channel -> ` +
          `the channel workers on ${fmtIndices('VP', vps)} stay in poll mode as long as the slow IOs are outstanding: they leave the ring's interrupt masked and read new requests only when a completion wakes them ` +
          `(storvsp poll_process_ready; not a CPU-burning spin), so a request written meanwhile waits up to a slow completion -> ` +
          `raise \`poll_mode_queue_depth\` above the typical pending count, or move the slow disk to a controller of its own`,
        related: slow.map((d) => ctx.rel(d.range, `slow disk \`${d.name}\``)),
        fixes: [raise > c.pollModeQueueDepth ? ctx.setSetting(path, 'poll_mode_queue_depth', String(raise), `Raise poll_mode_queue_depth to ${raise}`, true) : undefined],
      });
    }
  }
}

export const storvspChecks = [checkNoSubchannels, checkSubchannelClamp, checkChannelInterrupts, checkHeadOfLine, checkPollMode];
