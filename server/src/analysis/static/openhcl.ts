/**
 * Paravisor (OpenHCL VTL2) hazards: work on the per-VP cooperative executors (hazards 1, 2, 4,
 * 5, 6), the VP-to-CPU map (16), GET-bound guest operations (17, 18) and worker lifecycle (19).
 * Hazard 22 (targeting settings without effect) is the checker's: VPS130, VPS131, VPS115. Behaviour as in the design's model, section 1.
 */
import type { TextEdit } from '../../core/diagnostic';
import type { TextRange } from '../../core/text';
import type { Step, Vm, Vtl2Task } from '../../model/ir';
import { HazardCodes } from './codes';
import type { HazardContext } from './context';
import { passRate, passTimes } from './demand';
import { distMean, distTail, fmtDist, fmtDistWithTail, fmtIndices, fmtList, fmtRate, plural } from './format';
import { child, guestPath, openhclPath, taskPath } from './paths';
import { channelVps, onVpThread, taskVp, vpOccupants, yields, type VpWork } from './placement';
import { fmtNsShort, fmtNum } from '../../core/format';

/** Busy time of one pass on the task's own thread: compute plus every blocking wait (ns, means). */
function threadBusyNs(steps: readonly Step[]): number {
  let ns = 0;
  for (let sIndex = 0; sIndex < steps.length; sIndex++) {
    const s = steps[sIndex];
    if (s.kind === 'cpu' || s.kind === 'syscall' || s.kind === 'intercept' || s.kind === 'root_op') ns += distMean(s.dur);
    else if (s.kind === 'get' && s.blocking) ns += distMean(s.dur);
  }
  return ns;
}

/** `task `x` on VP 2`, or the untargeted variant that says why it is VP 0. */
function where(t: Vtl2Task, vp: number): string {
  if (t.targetVp !== undefined) return `task \`${t.name}\` on VP ${vp}`;
  return t.ioRing === 'current' ? `task \`${t.name}\` (no target_vp, \`io_ring current\`: it stays on VP ${vp}, where it was spawned)` : `task \`${t.name}\` (no target_vp: it runs and completes its IO on VP 0)`;
}

/** The other work on a VP, as a phrase, and related info pointing at it. */
function neighbours(ctx: HazardContext, occ: Map<number, VpWork[]>, vp: number, self: Vtl2Task) {
  const others = (occ.get(vp) ?? []).filter((w) => w.task !== self);
  // A controller's channels share one statement: point at it once.
  const seen = new Set<number>();
  const related = [];
  for (let wIndex = 0; wIndex < others.length; wIndex++) {
    const w = others[wIndex];
    if (seen.has(w.range.start)) continue;
    seen.add(w.range.start);
    related.push(ctx.rel(w.range, `${w.kind === 'task' ? 'task ' : ''}${w.label} also runs on VP ${vp}`));
  }
  return { others, labels: fmtList(others.map((w) => w.label)), related };
}

/** Edit of a `get` step to make it asynchronous (`blocking` -> `async`, or append `async`). */
function getAsyncEdit(ctx: HazardContext, step: Step): TextEdit | undefined {
  const s = ctx.src.statementAt(step.range.start);
  if (!s) return undefined;
  const b = s.args.find((a) => a.type === 'ident' && a.name === 'blocking');
  if (b) return { range: { start: b.start, end: b.end }, newText: 'async' };
  return { range: { start: s.end, end: s.end }, newText: ' async' };
}

function stepEdit(ctx: HazardContext, step: Step, kw: string): TextEdit | undefined {
  const s = ctx.src.statementAt(step.range.start);
  return s ? ctx.src.replaceKeyword(s, kw) : undefined;
}

function dedicatedFix(ctx: HazardContext, vm: Vm, t: Vtl2Task, preferred: boolean) {
  return ctx.setSetting(taskPath(vm, t), 'runs_on', 'dedicated', `Run \`${t.name}\` on a dedicated thread (\`runs_on dedicated\`)`, preferred);
}

/** Hazard 1: a blocking syscall or blocking GET call in a task on a VP thread. */
export function checkBlockingCalls(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    let occ: Map<number, VpWork[]> | undefined;
    // Thread backend (OpenVMM vm_task.rs ThreadDriverBackend): drivers without target_vp share the
    // one default driver thread, so a blocking call there delays every other untargeted driver.
    const onDefault = oh.backend === 'thread' ? oh.tasks.filter((x) => x.runsOn === 'vp' && x.targetVp === undefined) : [];
    for (let tIndex = 0; tIndex < onDefault.length && onDefault.length > 1; tIndex++) {
      const t = onDefault[tIndex];
      const others = onDefault.filter((o) => o !== t);
      for (let stepIndex = 0; stepIndex < t.program.steps.length; stepIndex++) {
        const step = t.program.steps[stepIndex];
        if (step.kind !== 'syscall' && !(step.kind === 'get' && step.blocking)) continue;
        const what = step.kind === 'syscall' ? `a blocking syscall (${fmtDistWithTail(step.dur)})` : `a blocking GET/VMGS call (${fmtDistWithTail(step.dur)})`;
        ctx.report(HazardCodes.blockingCallOnVp, {
          range: ctx.head(step.range),
          message:
            `task \`${t.name}\` has no target_vp, so in the thread backend it runs on the one default driver thread it shares with ${others.map((o) => `\`${o.name}\``).join(', ')} -> ` +
            `its ${what} blocks that thread -> every other untargeted driver waits for the call's duration; ` +
            `give it \`target_vp\` (a dedicated thread of its own) or \`runs_on dedicated\`, or make the call asynchronous`,
          related: others.map((o) => ctx.rel(o.range, `task \`${o.name}\` shares the default driver thread`)),
          fixes: [dedicatedFix(ctx, vm, t, true)],
        });
      }
    }
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      const vp = taskVp(oh, t);
      if (vp === undefined) continue;
      for (let stepIndex = 0; stepIndex < t.program.steps.length; stepIndex++) {
        const step = t.program.steps[stepIndex];
        if (step.kind !== 'syscall' && step.kind !== 'get') continue;
        if (step.kind === 'get' && !step.blocking) continue;
        const isSyscall = step.kind === 'syscall';
        const dur = step.dur;
        const what = isSyscall ? `a blocking syscall (${fmtDistWithTail(dur)})` : `a blocking GET/VMGS call (${fmtDistWithTail(dur)})`;
        const n = neighbours(ctx, (occ ??= vpOccupants(vm)), vp, t);
        const victims = n.others.length
          ? `every other task on VP ${vp} (${n.labels}) and VP ${vp}'s guest stall`
          : `VP ${vp}'s guest (VTL0), and any task later targeted at VP ${vp}, stall`;
        ctx.report(HazardCodes.blockingCallOnVp, {
          range: ctx.head(step.range),
          message:
            `${where(t, vp)} does ${what} -> the VP thread is blocked in the kernel -> ${victims} for the call's duration; ` +
            `run the task on a dedicated thread (\`runs_on dedicated\`) or make the call asynchronous (${isSyscall ? '`io`' : '`get ... async`'})`,
          related: n.related,
          fixes: [
            dedicatedFix(ctx, vm, t, true),
            isSyscall
              ? ctx.fix('Make it asynchronous IO (`syscall` -> `io`)', [stepEdit(ctx, step, 'io')])
              : ctx.fix('Make the GET call asynchronous (`async`)', [getAsyncEdit(ctx, step)]),
          ],
        });
      }
    }
  }
}

/** Hazard 2: a long CPU stretch without yielding, or a task that is always ready, on a VP thread. */
export function checkLongCpu(ctx: HazardContext): void {
  const threshold = ctx.scenario.settings.stallThresholdNs;
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    let occ: Map<number, VpWork[]> | undefined;
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      const vp = taskVp(oh, t);
      if (vp === undefined || t.program.steps.length === 0) continue;
      // The neighbours on the VP, and the phrase about them, only once something is reported.
      let n: ReturnType<typeof neighbours> | undefined;
      const near = () => (n ??= neighbours(ctx, (occ ??= vpOccupants(vm)), vp, t));
      for (let stepIndex = 0; stepIndex < t.program.steps.length; stepIndex++) {
        const step = t.program.steps[stepIndex];
        if (step.kind !== 'cpu' || distTail(step.dur) <= threshold) continue;
        const range = ctx.head(step.range);
        if (!ctx.wants(HazardCodes.longCpuOnVp, range)) continue;
        const waiting = near().others.length ? `${near().labels} wait and VP ${vp}'s guest stays out of VTL0` : `VP ${vp}'s guest stays out of VTL0`;
        ctx.report(HazardCodes.longCpuOnVp, {
          range,
          message:
            `${where(t, vp)} computes for ${fmtDistWithTail(step.dur)} without yielding, longer than the stall threshold (${fmtNsShort(threshold)}) -> ` +
            `tasks are cooperative, so nothing else runs on VP ${vp} meanwhile: ${waiting} -> split the work with waits, or run it on a dedicated thread`,
          related: near().related,
          fixes: [dedicatedFix(ctx, vm, t, true)],
        });
      }
      // Always ready: the executor never runs out of VTL2 work, so VP `vp` never enters VTL0.
      const trig = t.program.trigger;
      let why: string | undefined;
      if (trig.kind === 'loop') {
        if (!yields(t.program)) why = 'loops without ever waiting (no `sleep`, `io` or async `get`): it is ready again as soon as it finishes';
      } else if (trig.kind === 'periodic') {
        const busy = threadBusyNs(t.program.steps);
        if (busy >= distMean(trig.period)) why = `runs every ${fmtDist(trig.period)} but each pass keeps its thread busy for ~${fmtNsShort(busy)}: it is ready again before it finishes`;
      } else if (trig.kind === 'poisson') {
        const busy = threadBusyNs(t.program.steps);
        if ((trig.ratePerSec * busy) / 1e9 >= 1) why = `arrives at ${fmtRate(trig.ratePerSec)} and each pass keeps its thread busy for ~${fmtNsShort(busy)}: passes queue up and it is always ready`;
      }
      if (!why) continue;
      const range = ctx.head(t.range);
      if (!ctx.wants(HazardCodes.longCpuOnVp, range)) continue;
      const nb = near();
      ctx.report(HazardCodes.longCpuOnVp, {
        range,
        message:
          `${where(t, vp)} ${why} -> VP ${vp}'s executor always has VTL2 work, so VP ${vp}'s guest starves${nb.others.length ? ` and ${nb.labels} only run between its passes` : ''} -> ` +
          `add a wait (\`sleep\`, \`io\`), a trigger (\`every\`, \`rate\`) with room to spare, or run it on a dedicated thread`,
        related: nb.related,
      });
    }
  }
}

/** Hazard 4: VTL2 on a VP makes an operation the root or the hypervisor handles. */
export function checkRootOps(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    let occ: Map<number, VpWork[]> | undefined;
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      const vp = taskVp(oh, t);
      if (vp === undefined) continue;
      for (let stepIndex = 0; stepIndex < t.program.steps.length; stepIndex++) {
        const step = t.program.steps[stepIndex];
        if (step.kind !== 'root_op' && step.kind !== 'intercept') continue;
        const what =
          step.kind === 'root_op'
            ? `${step.op === 'mmio' ? 'an MMIO write' : 'a hypercall'} the root handles (${fmtDistWithTail(step.dur)})`
            : `a hypervisor intercept (${fmtDistWithTail(step.dur)})`;
        const n = neighbours(ctx, (occ ??= vpOccupants(vm)), vp, t);
        ctx.report(HazardCodes.rootOpOnVp, {
          range: ctx.head(step.range),
          message:
            `${where(t, vp)} makes ${what} -> VP ${vp} is held until it returns, and io_uring cancel cannot cut it short -> ` +
            `both VTLs stall: VP ${vp}'s guest${n.others.length ? ` and its VTL2 tasks (${n.labels})` : ''} -> keep it off hot paths, batch it, or do it while VP ${vp} is idle`,
          related: n.related,
        });
      }
    }
  }
}

/** Hazard 5: io_uring cancel off while VTL2 work on VP threads waits for wake-ups. */
export function checkIoUringCancel(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh || oh.ioUringCancel || oh.backend !== 'threadpool') continue;
    const waiting: string[] = [];
    const related = [];
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      const vp = taskVp(oh, t);
      // Work woken by a completion or a timer; a task that never waits never needs waking.
      if (vp === undefined || !(yields(t.program) || t.program.trigger.kind !== 'loop')) continue;
      waiting.push(`\`${t.name}\` (VP ${vp})`);
      related.push(ctx.rel(t.range, `task \`${t.name}\` is woken by events on VP ${vp}'s ring`));
    }
    for (let cIndex = 0; cIndex < oh.storvsp.length; cIndex++) {
      const c = oh.storvsp[cIndex];
      if (!ioSourcesOf(vm, c.name).length) continue;
      waiting.push(`the channel workers of \`${c.name}\` (${fmtIndices('VP', channelVps(vm, c))})`);
      related.push(ctx.rel(c.range, `IO completions of \`${c.name}\` arrive on its channels' VP rings`));
    }
    if (!waiting.length) continue;
    const residence = ctx.stmt(child(guestPath(vm), 'residence'));
    if (residence) related.push({ range: ctx.src.head(residence), message: 'the guest\'s natural VTL0 residence' });
    ctx.report(HazardCodes.ioUringCancelOff, {
      range: ctx.rangeOf(child(openhclPath(vm), 'io_uring_cancel'), oh.range),
      message:
        `io_uring cancel is off -> completions and timers for ${fmtList(waiting)} do not bring their VP back from VTL0 -> ` +
        `that work waits until the guest exits on its own (residence ${fmtDistWithTail(vm.guest.residence)}) -> turn \`io_uring_cancel\` on`,
      related,
      fixes: [ctx.setSetting(openhclPath(vm), 'io_uring_cancel', 'on', 'Turn io_uring cancel on', true)],
    });
  }
}

/** Guest IO sources (ioloads and threads doing `disk_io`) that use a controller. */
export function ioSourcesOf(vm: Vm, controller: string) {
  const out: { kind: 'ioload' | 'thread'; name: string; disk: string; range: TextRange; vcpus: number[] }[] = [];
  for (const l of vm.guest.ioloads) if (l.controller === controller) out.push({ kind: 'ioload', name: l.name, disk: l.disk, range: l.range, vcpus: l.vcpus });
  for (let tIndex = 0; tIndex < vm.guest.threads.length; tIndex++) {
    const t = vm.guest.threads[tIndex];
    for (let sIndex = 0; sIndex < t.program.steps.length; sIndex++) {
      const s = t.program.steps[sIndex];
      if (s.kind === 'disk_io' && s.controller === controller) out.push({ kind: 'thread', name: t.name, disk: s.disk, range: t.range, vcpus: t.vcpus });
    }
  }
  return out;
}

/** Hazard 6: several untargeted IO sources make VP 0 a hotspot. */
export function checkUntargetedIo(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh || oh.backend !== 'threadpool' || vm.vcpus < 2) continue;
    // `io_ring current` tasks complete on the VP they run on, not on VP 0.
    const untargeted = oh.tasks.filter((t) => onVpThread(oh, t) && t.targetVp === undefined && t.ioRing !== 'current' && t.program.steps.some((s) => s.kind === 'io'));
    if (untargeted.length < 2) continue;
    // Spread over VPs 1.. that exist in every scenario the fix changes (a variant may shrink the VM).
    let vps = vm.vcpus;
    for (const s of ctx.dependents) vps = Math.min(vps, s.vms.find((x) => x.name === vm.name)?.vcpus ?? vps);
    untargeted.forEach((t, k) => {
      const others = untargeted.filter((o) => o !== t);
      const spreadVp = vps > 1 ? 1 + (k % (vps - 1)) : undefined;
      ctx.report(HazardCodes.untargetedIo, {
        range: ctx.head(t.range),
        message:
          `task \`${t.name}\` has no target_vp -> its IO goes through VP 0's io_uring, like that of ${fmtList(others.map((o) => `\`${o.name}\``))} ` +
          `(${plural(untargeted.length, 'untargeted IO source')}) -> every completion wakes VP 0 and pulls it out of VTL0, making VP 0 a hotspot while VPs 1-${vm.vcpus - 1} stay quiet -> ` +
          `give each task a \`target_vp\`, spread across VPs`,
        related: others.map((o) => ctx.rel(o.range, `task \`${o.name}\` also completes its IO on VP 0`)),
        fixes: spreadVp === undefined ? [] : [ctx.setSetting(taskPath(vm, t), 'target_vp', String(spreadVp), `Target VP ${spreadVp} (\`target_vp ${spreadVp}\`)`, true)],
      });
    });
  }
}

/** Hazard 16: the VP-to-CPU map is not the identity. */
export function checkVpCpuMap(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh || oh.vpCpuMap.length === 0 || oh.vpCpuMap.every((c, i) => c === i)) continue;
    const moved = oh.vpCpuMap.map((c, i) => [i, c] as const).filter(([i, c]) => i !== c);
    const byCpu = new Map<number, number[]>();
    oh.vpCpuMap.forEach((c, i) => byCpu.set(c, [...(byCpu.get(c) ?? []), i]));
    const shared = [...byCpu].filter(([, vps]) => vps.length > 1);
    const path = child(openhclPath(vm), 'vp_cpu_map');
    ctx.report(HazardCodes.vpCpuMapNotIdentity, {
      range: ctx.rangeOf(path, oh.range),
      message:
        `\`vp_cpu_map\` runs ${fmtList(moved.map(([i, c]) => `VP ${i} on CPU ${c}`))} -> OpenHCL pins VP N's executor to CPU N and assumes VP index == CPU number, ` +
        `so targeting by VP (\`target_vp\`, channel VPs) no longer says which CPU does the work` +
        (shared.length ? `, and ${fmtList(shared.map(([c, vps]) => `${fmtIndices('VP', vps)} time-share CPU ${c}`))}` : '') +
        ` -> use the identity mapping unless that is what you study`,
      fixes: [ctx.fix('Use the identity mapping (remove `vp_cpu_map`)', [ctx.deleteEdit(path)])],
    });
  }
}

/** Hazard 17: guest operations that wait on a GET/VMGS round trip. */
export function checkGetBoundGuestOps(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    if (!vm.openhcl) continue;
    for (let thIndex = 0; thIndex < vm.guest.threads.length; thIndex++) {
      const th = vm.guest.threads[thIndex];
      const steps = th.program.steps;
      // Most threads make none of these calls: nothing to compute for them.
      if (!steps.some((s) => s.kind === 'rtc_write' || s.kind === 'pam_remap' || s.kind === 'rtc_read')) continue;
      const vps = th.vcpus.length ? th.vcpus : Array.from({ length: vm.vcpus }, (_, i) => i);
      const running = `the VP running \`${th.name}\` (${fmtIndices('vCPU', vps)})`;
      const reads = steps.filter((s) => s.kind === 'rtc_read').length;
      const readRate = passRate(th.program) * th.count * reads;
      for (let stepIndex = 0; stepIndex < th.program.steps.length; stepIndex++) {
        const step = th.program.steps[stepIndex];
        let what: string;
        if (step.kind === 'rtc_write') what = 'writes the guest RTC -> OpenHCL handles the write in VTL2 and waits for a VMGS save through the GET';
        else if (step.kind === 'pam_remap') what = 'remaps PAM/ROM -> OpenHCL handles the remap in VTL2 and waits on the GET';
        else if (step.kind === 'rtc_read' && readRate > 1) {
          const how = Number.isFinite(readRate) ? `about ${fmtRate(readRate)}` : 'continuously';
          what = `reads the RTC ${how} -> OpenHCL asks the host at most once a second, and that read waits for a GET round trip`;
        } else continue;
        ctx.report(HazardCodes.getBoundGuestOp, {
          range: ctx.head(step.range),
          message: `thread \`${th.name}\` ${what} -> ${running} stalls, VTL0 and VTL2, for the round trip -> do it rarely, outside latency-sensitive paths`,
          related: [ctx.rel(th.range, `thread \`${th.name}\` runs on ${fmtIndices('vCPU', vps)}`)],
        });
      }
    }
  }
}

/** Hazard 18: a blocking GET call from the GET worker thread. */
export function checkGetWorkerDeadlock(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      if (t.runsOn !== 'get_worker') continue;
      for (let stepIndex = 0; stepIndex < t.program.steps.length; stepIndex++) {
        const step = t.program.steps[stepIndex];
        if (step.kind !== 'get' || !step.blocking) continue;
        ctx.report(HazardCodes.getWorkerDeadlock, {
          range: ctx.head(step.range),
          message:
            `task \`${t.name}\` runs on the GET worker thread and makes a blocking GET/VMGS call -> the call waits for a reply only the GET worker itself can produce -> ` +
            `deadlock: the task and every GET user (VMGS saves, RTC writes, PAM remaps) hang -> make the call asynchronous (\`get ... async\`) or move the task to a dedicated thread`,
          fixes: [ctx.fix('Make the GET call asynchronous (`async`)', [getAsyncEdit(ctx, step)], true), dedicatedFix(ctx, vm, t, false)],
        });
      }
    }
  }
}

/** Inspects more often than this are "frequent" whatever the pass length. */
export const FREQUENT_INSPECT_NS = 1e9;

/** Hazard 19: frequent inspects of a running worker restart its run. */
export function checkFrequentInspect(ctx: HazardContext): void {
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const oh = vm.openhcl;
    if (!oh) continue;
    for (let tIndex = 0; tIndex < oh.tasks.length; tIndex++) {
      const t = oh.tasks[tIndex];
      if (!t.inspectEvery) continue;
      const every = distMean(t.inspectEvery);
      const { cpuNs, waitNs } = passTimes(t.program);
      const pass = cpuNs + waitNs;
      if (!(every < FREQUENT_INSPECT_NS || every < 10 * pass)) continue;
      const cut = pass > 0 ? 1 - Math.exp(-pass / Math.max(every, 1)) : 0;
      ctx.report(HazardCodes.frequentInspect, {
        range: ctx.rangeOf(child(taskPath(vm, t), 'inspect_every'), t.range),
        message:
          `task \`${t.name}\` is inspected every ${fmtDist(t.inspectEvery)} -> each inspect stops the worker's run (TaskControl/AsyncRun), inspects it and restarts it, ` +
          `~${fmtNum(1e9 / Math.max(every, 1))} times a second` +
          (pass > 0 ? `; a pass takes ~${fmtNsShort(pass)}, so ~${fmtNum(cut * 100)}% of passes are cut short` : '') +
          ` -> inspect less often`,
      });
    }
  }
}

export const openhclChecks = [
  checkBlockingCalls,
  checkLongCpu,
  checkRootOps,
  checkIoUringCancel,
  checkUntargetedIo,
  checkVpCpuMap,
  checkGetBoundGuestOps,
  checkGetWorkerDeadlock,
  checkFrequentInspect,
];
