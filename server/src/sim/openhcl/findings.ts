/**
 * Run hazard findings of the OpenHCL model: the "run" half of hazards 3, 5, 6, 10, 11, 12, 14,
 * 15, 17 and 20 of design/hazards.md, computed from what one simulated run tallied. Codes are
 * VPS3NN with NN the hazard number; they are stable (never renumber, never reuse).
 *
 * Each finding says what happened, how much, why, and what to do, and points at the statement
 * responsible (the one the user should change).
 */
import type { Finding } from '../../core/findings';
import type { TextRange } from '../../core/text';
import { EXIT_PAM_REMAP, EXIT_RTC_READ, EXIT_RTC_WRITE } from '../contracts';
import type { OpenHclModel } from './model';
import { SIDECAR_EXIT_FORWARD_NS } from './params';
import { fmtNsShort } from '../../core/format';

export const OpenHclRunCodes = {
  interceptWait: 'VPS303',
  cancelOff: 'VPS305',
  vp0Hotspot: 'VPS306',
  headOfLine: 'VPS310',
  pollMode: 'VPS311',
  sidecarTargeted: 'VPS312',
  sidecarNoHotplug: 'VPS314',
  retargetInFlight: 'VPS315',
  getBound: 'VPS317',
  ringBackPressure: 'VPS320',
} as const;

/** Catalog entries (title + help) for SARIF / describeCode. */
export const openHclRunCodeDocs: { code: string; title: string; help: string; severity: 'warning' | 'info' }[] = [
  { code: 'VPS303', title: 'VTL2 work waited for hypervisor intercepts', help: 'A VP inside a hypervisor intercept is not covered by io_uring cancel and no other VP takes its work. Target latency-sensitive work at VPs with few intercepts, or reduce the intercepts.', severity: 'warning' },
  { code: 'VPS305', title: 'VTL2 work waited for natural VTL0 exits (io_uring cancel off)', help: 'With io_uring cancel off, an event on a VP\'s ring does not pull the VP out of VTL0. Turn io_uring_cancel on.', severity: 'warning' },
  { code: 'VPS306', title: 'Untargeted IO makes VP 0 a hotspot', help: 'Untargeted IO completes on VP 0, which keeps leaving VTL0 for it. Set target_vp on the tasks, or open channels with interrupts.', severity: 'warning' },
  { code: 'VPS310', title: 'Head-of-line blocking behind a slow disk', help: 'A slow disk fills the per-channel queue depth and fast disks on the same controller wait behind it. Put fast and slow disks on separate controllers.', severity: 'warning' },
  { code: 'VPS311', title: 'StorVSP poll mode with a slow backend delays new requests', help: 'In poll mode the worker keeps the ring interrupt masked and looks at the ring only when an IO completes; with a slow backend new requests wait for that. Raise poll_mode_queue_depth for slow backends.', severity: 'warning' },
  { code: 'VPS312', title: 'Work aimed at sidecar VPs before they were online', help: 'Until a sidecar VP is onlined, work aimed at it runs on another CPU and contends there, and onlining goes one VP at a time. Avoid early work targeted at sidecar VPs, or boot them in Linux (linux_vps).', severity: 'warning' },
  { code: 'VPS314', title: 'Exits of sidecar VPs handled on the base CPU (hot-plug off)', help: 'With hot-plug off, remote VPs never come online and every exit they take is served on the base CPU. Turn hotplug on or boot exit-heavy VPs in Linux.', severity: 'warning' },
  { code: 'VPS315', title: 'retarget_vp with IO in flight', help: 'IO in flight at a retarget completes on the old VP and interrupts it; completions can be reordered across VPs. Retarget when the task is quiet.', severity: 'info' },
  { code: 'VPS317', title: 'VP threads blocked on GET round trips (RTC/PAM)', help: 'Guest RTC writes wait for a VMGS save, RTC reads ask the host at most once a second, PAM/ROM remaps wait on the GET: all synchronously on the VP thread. Avoid them on latency-critical VPs.', severity: 'warning' },
  { code: 'VPS320', title: 'io_uring submission back-pressure', help: 'More IO was outstanding on a thread than io_ring_size allows; submissions waited. Raise io_ring_size or spread IO over more VPs.', severity: 'warning' },
];

const pct = (x: number): string => `${+(x * 100).toFixed(1)}%`;

export function openHclFindings(m: OpenHclModel, endNs: number): Finding[] {
  const out: Finding[] = [];
  const t = m.tally;
  const vmName = m.name;
  const runNs = Math.max(1, endNs - 0);
  const threshold = m.stallThresholdNs;
  const laneOf = (vp: number) => `vm:${vmName}/vp:${vp}/openhcl`;
  const oh = m.oh;

  // ---- 3: work waiting for hypervisor intercepts
  if (t.hvWaits > 0 && (t.hvWaitMax >= threshold || t.hvWaitNs >= runNs * 0.01)) {
    out.push({
      code: OpenHclRunCodes.interceptWait,
      severity: 'warning',
      title: 'VTL2 work waited for hypervisor intercepts',
      message: `In VM \`${vmName}\`, VTL2 work waited ${t.hvWaits} times for a guest hypervisor intercept to finish (total ${fmtNsShort(t.hvWaitNs)}, longest ${fmtNsShort(t.hvWaitMax)}): io_uring cancel does not cover a VP inside an intercept, and no other VP takes its work.`,
      range: t.hvRange,
      causes: ['a VP in a hypervisor intercept cannot be cancelled', 'tasks targeted at that VP wait (no work stealing)'],
      fix: 'Target latency-sensitive work at VPs with few intercepts, or reduce the intercepts.',
      data: { waits: t.hvWaits, totalNs: t.hvWaitNs, maxNs: t.hvWaitMax },
    });
  }

  // ---- 5: io_uring cancel off
  if (!m.cancelOn && t.vtl0Waits > 0) {
    out.push({
      code: OpenHclRunCodes.cancelOff,
      severity: 'warning',
      title: 'VTL2 work waited for natural VTL0 exits (io_uring cancel off)',
      message: `In VM \`${vmName}\`, io_uring cancel is off: VTL2 work waited ${t.vtl0Waits} times for its VP to leave VTL0 on its own (total ${fmtNsShort(t.vtl0WaitNs)}, longest ${fmtNsShort(t.vtl0WaitMax)}).`,
      range: oh.range,
      causes: ['an event on the VP\'s io_uring does not cancel the guest run', 'the work waits for the guest\'s next exit (residence)'],
      fix: 'Turn io_uring_cancel on.',
      data: { waits: t.vtl0Waits, totalNs: t.vtl0WaitNs, maxNs: t.vtl0WaitMax },
    });
  }

  // ---- 6: VP 0 hotspot from untargeted IO
  if (m.vps > 1 && m.execs.length > 0) {
    let total = 0;
    for (let i = 0; i < m.vps; i++) total += t.ringCompletions[i];
    const vp0 = t.ringCompletions[0];
    const untargeted = t.untargetedCompletions[0];
    if (untargeted > 0 && total > 0 && vp0 / total >= 0.5) {
      const sources = m.tasks.filter((x) => x.placement.executor === 'vp' && x.placement.target === undefined && x.def.program.steps.some((s) => s.kind === 'io')).map((x) => `task \`${x.name}\``);
      oh.storvsp.forEach((c) => { if (!c.interrupts) sources.push(`controller \`${c.name}\` (no interrupts)`); });
      const first = m.tasks.find((x) => x.placement.executor === 'vp' && x.placement.target === undefined)?.def.range ?? oh.storvsp.find((c) => !c.interrupts)?.range;
      out.push({
        code: OpenHclRunCodes.vp0Hotspot,
        severity: 'warning',
        title: 'Untargeted IO makes VP 0 a hotspot',
        message: `In VM \`${vmName}\`, VP 0 reaped ${vp0} of ${total} io_uring completions (${pct(vp0 / total)}), ${untargeted} of them from untargeted sources (${sources.join(', ') || 'untargeted IO'}); VP 0 was pulled out of VTL0 ${t.cancelsPerExec[0]} times by io_uring events.`,
        range: first,
        lane: laneOf(0),
        causes: ['untargeted IO in the threadpool goes to VP 0\'s io_uring', 'every completion brings VP 0 out of VTL0'],
        fix: 'Set target_vp on the tasks (and run_on_target), or open channels with interrupts.',
        data: { vp0Completions: vp0, totalCompletions: total, untargeted, share: vp0 / total, vp0Cancels: t.cancelsPerExec[0] },
      });
    }
  }

  // ---- 10: head-of-line blocking
  for (const c of m.controllers) {
    if (c.disks.length < 2) continue;
    const queueFull = c.channels.reduce((a, ch) => a + ch.queueFull, 0);
    if (queueFull === 0) continue;
    const mean = (d: { backendNs: number; ios: number }) => (d.ios > 0 ? d.backendNs / d.ios : 0);
    let slow = c.disks[0];
    for (const d of c.disks) if (mean(d) > mean(slow)) slow = d;
    for (const d of c.disks) {
      if (d === slow || d.ios === 0) continue;
      const wait = d.ringWaitNs / d.ios;
      if (wait <= 0 || (wait < mean(d) && d.ringWaitMax < threshold)) continue;
      out.push({
        code: OpenHclRunCodes.headOfLine,
        severity: 'warning',
        title: 'Head-of-line blocking behind a slow disk',
        message: `On controller \`${c.name}\` of VM \`${vmName}\`, IOs to disk \`${d.name}\` (backend ${fmtNsShort(mean(d))}) waited on average ${fmtNsShort(wait)} (longest ${fmtNsShort(d.ringWaitMax)}) in the channel ring because the queue depth was full of IOs to slow disk \`${slow.name}\` (backend ${fmtNsShort(mean(slow))}); ${queueFull} requests found the queue full.`,
        range: c.range,
        causes: ['all disks of a controller share its channels and their queue depth', 'at the depth the worker stops reading the ring, whatever disk the next request is for'],
        fix: `Put \`${slow.name}\` on a controller of its own.`,
        data: { fastDisk: d.name, slowDisk: slow.name, meanWaitNs: wait, maxWaitNs: d.ringWaitMax, queueFull },
      });
    }
  }

  // ---- 11: poll mode with a slow backend
  for (const c of m.controllers) {
    let lat = 0;
    let n = 0;
    for (const d of c.disks) { lat += d.backendNs; n += d.ios; }
    const backend = n > 0 ? lat / n : 0;
    for (const ch of c.channels) {
      if (ch.maskedWaits === 0) continue;
      const mean = ch.maskedWaitNs / ch.maskedWaits;
      // Worth reporting when the masked wait is a real part of the IO's latency.
      if (mean < 50_000 && ch.maskedWaitMax < threshold) continue;
      out.push({
        code: OpenHclRunCodes.pollMode,
        severity: 'warning',
        title: 'StorVSP poll mode with a slow backend delays new requests',
        message: `StorVSP \`${c.name}\` channel ${ch.index} of VM \`${vmName}\` was in poll mode (at least ${ch.pollDepth} IO pending, ring interrupt masked) when ${ch.maskedWaits} requests arrived; they waited on average ${fmtNsShort(mean)} (longest ${fmtNsShort(ch.maskedWaitMax)}) for a backend completion (mean ${fmtNsShort(backend)}) to wake the worker.`,
        range: c.range,
        lane: laneOf(ch.vp),
        causes: ['in poll mode the worker leaves the ring interrupt masked and relies on the next completion to look at the ring', 'a slow backend makes that next completion late'],
        fix: 'Raise poll_mode_queue_depth above the typical number of pending IOs for slow backends (OpenHCL uses 4 for remote disks).',
        data: { channel: ch.index, vp: ch.vp, maskedWaits: ch.maskedWaits, meanWaitNs: mean, maxWaitNs: ch.maskedWaitMax },
      });
    }
  }

  // ---- 12: sidecar-targeted work
  if (m.sidecar) {
    const hosted: number[] = [];
    let hostedNs = 0;
    for (let v = 0; v < m.vps; v++) if (t.hostedNs[v] > 0) { hosted.push(v); hostedNs += t.hostedNs[v]; }
    const onl = t.stallsByKind.get('sidecar-onlining');
    if (hosted.length > 0 || onl) {
      const base = m.sidecar.fallbackVp;
      out.push({
        code: OpenHclRunCodes.sidecarTargeted,
        severity: 'warning',
        title: 'Work aimed at sidecar VPs before they were online',
        message: `In VM \`${vmName}\`, work aimed at sidecar VP${hosted.length === 1 ? '' : 's'} ${hosted.join(', ') || '(none)'} ran on VP ${base} for ${fmtNsShort(hostedNs)} before ${hosted.length === 1 ? 'it was' : 'they were'} online; ${m.sidecar.onlinings} VPs were onlined one at a time (queue up to ${t.onlineQueueMax} deep, longest request-to-online ${fmtNsShort(t.onlineWaitMax)})${onl ? `; tasks waited up to ${fmtNsShort(onl.max)} for their VP to be ready` : ''}.`,
        range: onl?.range ?? m.sidecarCfg?.range,
        lane: laneOf(base),
        causes: ['until a sidecar VP is online, work for it runs on another CPU and contends there', 'onlining is one VP at a time behind a global lock'],
        fix: 'Avoid early work targeted at sidecar VPs, or boot those VPs in Linux (linux_vps).',
        data: { hostedNs, onlinings: m.sidecar.onlinings, queueMax: t.onlineQueueMax, onlineWaitMaxNs: t.onlineWaitMax },
      });
    }
    // ---- 14: hot-plug off with exit-heavy VPs
    if (m.sidecarCfg && !m.sidecarCfg.hotplug && t.forwardedExits > 0) {
      const base = m.sidecar.fallbackVp;
      const cost = t.forwardedExits * SIDECAR_EXIT_FORWARD_NS;
      out.push({
        code: OpenHclRunCodes.sidecarNoHotplug,
        severity: 'warning',
        title: 'Exits of sidecar VPs handled on the base CPU (hot-plug off)',
        message: `In VM \`${vmName}\`, hot-plug is off: ${t.forwardedExits} exits of remote sidecar VPs were served on VP ${base} (at least ${fmtNsShort(cost)} of its time, ${pct(cost / runNs)} of the run), and those VPs never came online.`,
        range: m.sidecarCfg.range,
        lane: laneOf(base),
        causes: ['remote VPs hand exits that need VTL2 to Linux on the base CPU', 'without hot-plug they stay remote'],
        fix: 'Turn sidecar hotplug on, or list the exit-heavy VPs in linux_vps.',
        data: { forwardedExits: t.forwardedExits, baseVp: base },
      });
    }
  }

  // ---- 15: retarget with IO in flight
  for (const r of m.retargets) {
    if (r.inFlight <= 0) continue;
    const task = m.tasks[r.task];
    out.push({
      code: OpenHclRunCodes.retargetInFlight,
      severity: 'info',
      title: 'retarget_vp with IO in flight',
      message: `Task \`${task.name}\` of VM \`${vmName}\` was retargeted from VP ${r.fromVp} to VP ${r.vp} at ${fmtNsShort(r.atNs)} with ${r.inFlight} IO/timer in flight: ${r.inFlight === 1 ? 'it' : 'they'} completed on VP ${r.fromVp} and interrupted it${task.placement.runOnTarget ? ', then woke the task on its new VP' : ', and the task ran there (run_on_target off)'}.`,
      range: r.range,
      lane: r.fromVp >= 0 ? laneOf(r.fromVp) : undefined,
      startNs: r.atNs,
      causes: ['retarget_vp moves new IO and scheduling only; IO in flight stays on the old ring'],
      fix: 'Retarget while the task has no IO in flight, or accept cross-VP completions.',
      data: { inFlight: r.inFlight, fromVp: r.fromVp, toVp: r.vp },
    });
  }

  // ---- 17: GET-bound chipset exits
  const names: Record<number, string> = { [EXIT_RTC_READ]: 'RTC reads', [EXIT_RTC_WRITE]: 'RTC writes', [EXIT_PAM_REMAP]: 'PAM/ROM remaps' };
  for (const [exit, e] of t.chipset) {
    if (e.count === 0) continue;
    out.push({
      code: OpenHclRunCodes.getBound,
      severity: 'warning',
      title: 'VP threads blocked on GET round trips (RTC/PAM)',
      message: `In VM \`${vmName}\`, ${e.count} guest ${names[exit] ?? 'exits'} blocked their VP thread for ${fmtNsShort(e.ns)} in total waiting on the GET${exit === EXIT_RTC_WRITE ? ' (a VMGS save each)' : ''}; every task on those VPs and their guests stalled meanwhile.`,
      range: e.range as TextRange | undefined,
      causes: ['the paravisor serves the access synchronously on the VP thread', exit === EXIT_RTC_READ ? 'RTC reads ask the host at most once per second (cached otherwise)' : 'the GET round trip blocks the thread'],
      fix: exit === EXIT_RTC_READ ? 'Read the RTC less often (at most once a second is served from the cache).' : 'Avoid the access on latency-critical VPs.',
      data: { count: e.count, totalNs: e.ns },
    });
  }

  // ---- 20: io_uring back-pressure
  let ringFull = 0;
  let worst = -1;
  for (let i = 0; i < t.ringFullPerExec.length; i++) {
    ringFull += t.ringFullPerExec[i];
    if (t.ringFullPerExec[i] > 0 && (worst < 0 || t.ringFullPerExec[i] > t.ringFullPerExec[worst])) worst = i;
  }
  if (ringFull > 0 && worst >= 0) {
    const ex = m.allExecs[worst];
    out.push({
      code: OpenHclRunCodes.ringBackPressure,
      severity: 'warning',
      title: 'io_uring submission back-pressure',
      message: `In VM \`${vmName}\`, ${ringFull} submissions found the io_uring full (io_ring_size ${m.ringSize}); the most on ${ex.name} (${t.ringFullPerExec[worst]}). They waited for a completion before they could start.`,
      range: oh.range,
      lane: ex.vp >= 0 ? laneOf(ex.vp) : undefined,
      causes: ['each thread\'s io_uring admits at most io_ring_size outstanding IOs'],
      fix: 'Raise io_ring_size, or spread the IO over more VPs (target_vp, subchannels).',
      data: { ringFull, ringSize: m.ringSize },
    });
  }
  return out;
}
