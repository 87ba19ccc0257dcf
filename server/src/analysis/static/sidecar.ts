/**
 * Sidecar hazards (hazards 12, 13, 14, 21). Sidecar VPs start *remote*, run by the sidecar
 * kernel with their exits handled on the node's base CPU, and come online one way
 * (online_queued -> blackout -> linux), one CPU at a time behind a global lock: on their first exit
 * (unless hot-plug is off) or as soon as anything targets them. Until then, work for them runs on
 * another online CPU. x64 VMs without isolation only. Model section 1, "Sidecar".
 */
import type { OpenHcl, Sidecar, Vm } from '../../model/ir';
import { HazardCodes } from './codes';
import type { HazardContext } from './context';
import { passRate } from './demand';
import { distMean, distTail, fmtCpuList, fmtDist, fmtIndices, fmtList, fmtRate } from './format';
import { child, openhclPath, sidecarPath, storvspPath, taskPath } from './paths';
import { channelVps } from './placement';
import { fmtNsShort } from '../../core/format';

/** Exits per second from remote VPs above which hot-plug being off is a hazard. */
export const EXIT_HEAVY_PER_SEC = 1000;

function supported(oh: OpenHcl): boolean {
  return oh.arch === 'x64' && oh.isolation === 'none';
}

/** The VPs that start remote (not in Linux). */
function remoteVps(vm: Vm, sc: Sidecar): Set<number> {
  const linux = new Set(sc.linuxVps);
  const out = new Set<number>();
  for (let vp = 0; vp < vm.vcpus; vp++) if (!linux.has(vp)) out.add(vp);
  return out;
}

/**
 * When the last sidecar VP is online at the latest without anyone targeting it, or undefined when
 * that never happens (hot-plug off). With hot-plug on, each VP is onlined on its first exit, which
 * comes within the guest's natural residence; then they go online one at a time.
 */
function allOnlineByNs(vm: Vm, sc: Sidecar, remote: Set<number>): number | undefined {
  if (!sc.hotplug) return undefined;
  return distTail(vm.guest.residence) + remote.size * (distMean(sc.onlineCost) + distMean(sc.blackout));
}

/** Work that starts at `atNs` is early when its VP may not be online by then. */
function early(atNs: number, allOnline: number | undefined): boolean {
  return allOnline === undefined || atNs < allOnline;
}

/** Every remote VP that something targets early: they all queue for onlining. */
function targetedRemote(vm: Vm, oh: OpenHcl, remote: Set<number>, allOnline: number | undefined): Set<number> {
  const out = new Set<number>();
  for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
    const t = oh.tasks[tIndex];
    if (t.targetVp !== undefined && remote.has(t.targetVp) && early(t.program.startNs, allOnline)) out.add(t.targetVp);
    for (const r of t.retargets) if (remote.has(r.vp) && early(r.atNs, allOnline)) out.add(r.vp);
  }
  for (const c of oh.storvsp) if (c.interrupts) for (const vp of channelVps(vm, c)) if (remote.has(vp)) out.add(vp);
  return out;
}

function startPhrase(startNs: number): string {
  return startNs > 0 ? `from ${fmtNsShort(startNs)}` : 'from the start';
}

function onliningPhrase(sc: Sidecar, queued: number): string {
  const each = distMean(sc.onlineCost) + distMean(sc.blackout);
  return (
    `onlining takes ${fmtDist(sc.onlineCost)} per VP, one VP at a time behind a global lock` +
    (queued > 1 ? `; ${queued} sidecar VPs are targeted, so the last one waits ~${fmtNsShort(queued * each)}` : '')
  );
}

/** Hazard 21: sidecar on an isolated VM or on aarch64. */
export function checkSidecarSupported(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh?.sidecar || supported(oh)) continue;
    const why = oh.arch !== 'x64' ? `this VM is ${oh.arch}` : `this VM is isolated (${oh.isolation})`;
    const related = [];
    const cause = ctx.stmt(child(openhclPath(vm), oh.arch !== 'x64' ? 'arch' : 'isolation'));
    if (cause) related.push({ range: ctx.src.head(cause), message: why });
    ctx.report(HazardCodes.sidecarUnsupported, {
      range: ctx.rangeOf(sidecarPath(vm), oh.sidecar.range),
      message: `sidecar exists only on x64 VMs without isolation, and ${why} -> the \`sidecar\` block has no effect: every VP starts in Linux -> remove it`,
      related,
      tags: ['unnecessary'],
      fixes: [ctx.fix('Remove the `sidecar` block', [ctx.deleteEdit(sidecarPath(vm))], true)],
    });
  }
}

/** Hazard 12: work targeted at a sidecar VP that is not online yet. */
export function checkSidecarTargets(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    const sc = oh?.sidecar;
    if (!oh || !sc || !supported(oh)) continue;
    const remote = remoteVps(vm, sc);
    const allOnline = allOnlineByNs(vm, sc, remote);
    const queued = targetedRemote(vm, oh, remote, allOnline).size;
    const linux = sc.linuxVps.length ? sc.linuxVps : [0];
    let k = 0;
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      const advice = (vp: number) =>
        `avoid early targeting of sidecar VPs: ${allOnline !== undefined ? `start the work once they are online (~${fmtNsShort(allOnline)} with hot-plug), ` : ''}` +
        `target a VP that starts in Linux (${fmtIndices('VP', linux)}) or start VP ${vp} in Linux (\`linux_vps\`)`;
      const addLinux = (vp: number) =>
        ctx.setSetting(sidecarPath(vm), 'linux_vps', fmtCpuList([...sc.linuxVps, vp]), `Start VP ${vp} in Linux (add it to \`linux_vps\`)`);
      if (t.targetVp !== undefined && remote.has(t.targetVp) && early(t.program.startNs, allOnline)) {
        const vp = t.targetVp;
        const base = linux[k++ % linux.length];
        ctx.report(HazardCodes.sidecarTarget, {
          range: ctx.rangeOf(child(taskPath(vm, t), 'target_vp'), t.range),
          message:
            `task \`${t.name}\` targets VP ${vp} ${startPhrase(t.program.startNs)}, and VP ${vp} is a sidecar VP that starts outside Linux -> until VP ${vp} is online the task runs on another online CPU and contends with the work there, ` +
            `and targeting it starts onlining VP ${vp} (${onliningPhrase(sc, queued)}) -> ${advice(vp)}`,
          related: [ctx.rel(sc.range, `sidecar: VPs that start in Linux are ${fmtCpuList(linux)}`)],
          fixes: [ctx.setSetting(taskPath(vm, t), 'target_vp', String(base), `Target VP ${base}, which starts in Linux`, true), addLinux(vp)],
        });
      }
      for (let rIndex = 0; rIndex < t.retargets.length; rIndex++) {
        const r = t.retargets[rIndex];
        if (!remote.has(r.vp) || !early(r.atNs, allOnline)) continue;
        ctx.report(HazardCodes.sidecarTarget, {
          range: ctx.head(r.range),
          message:
            `task \`${t.name}\` is retargeted to VP ${r.vp} at ${fmtNsShort(r.atNs)}, a sidecar VP -> if VP ${r.vp} is still remote then, the task's new IO runs on another online CPU ` +
            `until the VP is onlined (${onliningPhrase(sc, queued)}) -> ${advice(r.vp)}`,
          related: [ctx.rel(sc.range, `sidecar: VPs that start in Linux are ${fmtCpuList(linux)}`)],
          fixes: [addLinux(r.vp)],
        });
      }
    }
  }
}

/** Hazard 13: implicit onlining by waiting for readiness or by channel interrupts. */
export function checkSidecarImplicitOnline(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    const sc = oh?.sidecar;
    if (!oh || !sc || !supported(oh)) continue;
    const remote = remoteVps(vm, sc);
    const allOnline = allOnlineByNs(vm, sc, remote);
    const queued = targetedRemote(vm, oh, remote, allOnline).size;
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      const vp = t.targetVp ?? 0;
      if (!remote.has(vp) || !early(t.program.startNs, allOnline)) continue;
      for (let sIndex = 0; sIndex < t.program.steps.length; sIndex++) {
        const s = t.program.steps[sIndex];
        if (s.kind !== 'wait_vp_ready') continue;
        ctx.report(HazardCodes.sidecarImplicitOnline, {
          range: ctx.head(s.range),
          message:
            `task \`${t.name}\` waits for VP ${vp} to be ready, and VP ${vp} is a sidecar VP -> waiting onlines it (a readiness check such as \`is_target_vp_ready()\` would not), ` +
            `and the task waits the whole onlining (${onliningPhrase(sc, queued)}) -> check readiness without waiting (\`is_vp_ready\`), or target a VP that starts in Linux`,
          fixes: [ctx.fix('Check readiness without waiting (`is_vp_ready`: no onlining)', [{ range: { start: s.range.start, end: s.range.start + 'wait_vp_ready'.length }, newText: 'is_vp_ready' }])],
        });
      }
    }
    for (let cIndex = 0; cIndex < oh.storvsp.length; cIndex++) {
      const c = oh.storvsp[cIndex];
      if (!c.interrupts) continue;
      const vps = channelVps(vm, c);
      const hit = vps.map((vp, k) => [k, vp] as const).filter(([, vp]) => remote.has(vp));
      if (!hit.length) continue;
      const hitVps = [...new Set(hit.map(([, vp]) => vp))];
      ctx.report(HazardCodes.sidecarImplicitOnline, {
        range: ctx.rangeOf(child(storvspPath(vm, c), 'channel_vps'), c.range),
        message:
          `${hit.length === 1 ? 'a channel' : `${hit.length} channels`} of \`${c.name}\` deliver their interrupts to sidecar ${fmtIndices('VP', hitVps)} -> ` +
          `the first interrupt onlines each of them implicitly (${onliningPhrase(sc, queued)}), and until then their workers run on another CPU -> ` +
          `map the channels to VPs that start in Linux, or start ${fmtIndices('VP', hitVps)} in Linux`,
        fixes: [ctx.setSetting(sidecarPath(vm), 'linux_vps', fmtCpuList([...sc.linuxVps, ...hitVps]), `Start ${fmtIndices('VP', hitVps)} in Linux (\`linux_vps\`)`)],
      });
    }
  }
}

/** Hazard 14: hot-plug off while sidecar VPs exit often: every exit on the base CPU. */
export function checkSidecarHotplug(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    const sc = oh?.sidecar;
    if (!oh || !sc || !supported(oh) || sc.hotplug) continue;
    const remote = remoteVps(vm, sc);
    if (!remote.size) continue;
    let rate = 0;
    const sources: string[] = [];
    const related = [];
    const onRemote = (vcpus: readonly number[]) => (vcpus.length ? vcpus : [...Array(vm.vcpus).keys()]).filter((v) => remote.has(v));
    for (let icIndex = 0; icIndex < vm.guest.intercepts.length; icIndex++) {
      const ic = vm.guest.intercepts[icIndex];
      const n = onRemote(ic.vcpus).length;
      if (!n || ic.ratePerSec <= 0) continue;
      rate += ic.ratePerSec * n;
      sources.push(`\`${ic.name}\``);
      related.push(ctx.rel(ic.range, `intercepts \`${ic.name}\` on sidecar VPs`));
    }
    for (let thIndex = 0; thIndex < vm.guest.threads.length; thIndex++) {
      const th = vm.guest.threads[thIndex];
      const exits = th.program.steps.filter((s) => s.kind === 'exit').length;
      const all = th.vcpus.length ? th.vcpus : [...Array(vm.vcpus).keys()];
      const frac = onRemote(th.vcpus).length / Math.max(1, all.length);
      if (!exits || frac === 0) continue;
      rate += passRate(th.program) * th.count * exits * frac;
      sources.push(`\`${th.name}\``);
      related.push(ctx.rel(th.range, `thread \`${th.name}\` takes exits on sidecar VPs`));
    }
    if (rate < EXIT_HEAVY_PER_SEC) continue;
    ctx.report(HazardCodes.sidecarHotplugOff, {
      range: ctx.rangeOf(child(sidecarPath(vm), 'hotplug'), sc.range),
      message:
        `sidecar hot-plug is off -> sidecar ${fmtIndices('VP', [...remote])} stay remote for the whole run, and all their exits ` +
        `(${Number.isFinite(rate) ? `~${fmtRate(rate)}` : 'continuous'} from ${fmtList(sources)}) are handled on base CPU ${sc.baseCpu} -> ` +
        `those exits queue on one CPU, and that CPU's own VP loses the time -> turn \`hotplug\` on, or start the exit-heavy VPs in Linux`,
      related,
      fixes: [ctx.setSetting(sidecarPath(vm), 'hotplug', 'on', 'Turn sidecar hot-plug on', true)],
    });
  }
}

export const sidecarChecks = [checkSidecarSupported, checkSidecarTargets, checkSidecarImplicitOnline, checkSidecarHotplug];
