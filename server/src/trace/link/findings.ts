/** The findings of a linked view (VPS340-VPS343) from its document. Pure. */
import type { Finding } from '../../core/findings';
import { fmtNs, fmtPercent, fmtTs } from '../../core/format';
import { finding, TraceCodes } from '../codes';
import type { HostGuestDoc, TraceSummaryDocument } from '../schema';

/** Findings of the linked view (VPS340-VPS344). */
export function linkFindings(h: HostGuestDoc, host: TraceSummaryDocument): Finding[] {
  const out: Finding[] = [];
  const o = host.options;
  const where = `guest ${h.guest}`;
  for (const w of h.warnings) {
    out.push(finding(TraceCodes.linkDoubtful, {
      message: `Linking ${where} to the host: ${w}. Time: ${h.time.detail}.`,
      causes: [w],
      fix: 'Record host and guest together with trace-cmd (agent mode with time sync), or give --guest-offset-ns and --guest-vcpus.',
      data: { outsidePct: h.check.outsidePct, offsetNs: h.time.offsetNs, method: h.time.method },
    }));
  }
  for (const v of h.vcpus) {
    const top = v.longestStall;
    if (top) {
      const n = v.stalls;
      out.push(finding(TraceCodes.guestFrozen, {
        message: `Guest CPU ${v.guestCpu} (host thread ${v.hostTid}) had a guest thread running while the host kept the vCPU preempted for longer than ${fmtNs(o.runnableStretchUs * 1000)}${n > 1 ? ` ${n} times` : ''}; the longest: ${top.guestThread} frozen ${fmtNs(top.durationNs)} at ${fmtTs(top.startNs)} while host ${top.thief} held${top.hostCpu >= 0 ? ` CPU ${top.hostCpu}` : ' the pCPU'}${top.waiting ? `, ${top.waiting} guest thread${top.waiting === 1 ? '' : 's'} waiting behind it` : ''}. The guest cannot see this: it counts the time as running.`,
        lane: v.lane,
        startNs: top.startNs,
        durationNs: top.durationNs,
        causes: [`guest ${top.guestThread} frozen`, `vCPU ${v.guestCpu} preempted on the host`, `pCPU taken by ${top.thief}`],
        fix: 'Keep the pCPUs of this VM free of competing host work (pinning, cpusets, priorities), or give the VM no more vCPUs than it has pCPUs.',
        data: { guestCpu: v.guestCpu, hostTid: v.hostTid, count: n, maxNs: top.durationNs, busyStalledNs: v.busyStalledNs, thief: top.thief },
      }));
    }
    if (v.busyStalledNs >= 1e6 && v.guestStealPct > o.stealPct) {
      out.push(finding(TraceCodes.guestSteal, {
        message: `Guest CPU ${v.guestCpu} lost ${fmtNs(v.busyStalledNs)} of its busy time to host preemption, ${fmtPercent(v.guestStealPct)} of the ${fmtNs(v.guestBusyNs)} it had work (threshold ${o.stealPct}%); the host measured ${fmtNs(v.hostRunnableNs)} runnable for its vCPU thread (${fmtPercent(v.hostStealPct)}), of which ${fmtNs(v.idleStalledNs)} fell while the guest was idle (a woken vCPU waiting). Taken by: ${v.thieves.slice(0, 3).map((t) => `${t.who} ${fmtNs(t.ns)}`).join(', ') || 'unknown'}.`,
        lane: v.lane,
        startNs: host.window.startNs,
        durationNs: host.window.durationNs,
        causes: [`guest CPU ${v.guestCpu} busy but its vCPU not running`],
        fix: 'Same as for host steal (VPS331): dedicated pCPUs or less host work beside the VM; in the guest, steal-aware scheduling only sees the host figure.',
        data: { guestCpu: v.guestCpu, guestStealPct: v.guestStealPct, hostStealPct: v.hostStealPct, busyStalledNs: v.busyStalledNs, idleStalledNs: v.idleStalledNs },
      }));
    }
  }
  if (h.lockHolder.count > 0) {
    const ex = h.lockHolder.examples[0];
    out.push(finding(TraceCodes.lockHolder, {
      message: `Lock-holder preemption suspected ${h.lockHolder.count === 1 ? 'once' : `${h.lockHolder.count} times`} (${fmtNs(h.lockHolder.totalNs)} frozen in total): the longest, guest ${ex.guestThread} on CPU ${ex.guestCpu} frozen ${fmtNs(ex.durationNs)} at ${fmtTs(ex.startNs)} by host ${ex.thief}, while ${ex.siblings.join('; ')}. Heuristic: ${h.lockHolder.heuristic}.`,
      lane: h.vcpus.find((v) => v.guestCpu === ex.guestCpu)?.lane,
      startNs: ex.startNs,
      durationNs: ex.durationNs,
      causes: [`guest ${ex.guestThread} frozen while holding?`, `siblings: ${ex.siblings.join('; ')}`, `vCPU ${ex.guestCpu} preempted by ${ex.thief}`],
      fix: 'Use paravirtual spinlocks / pause-loop exiting, blocking instead of spinning waits in the guest, or avoid preempting this VM\'s vCPUs (dedicated pCPUs).',
      data: { count: h.lockHolder.count, totalNs: h.lockHolder.totalNs, guestCpu: ex.guestCpu, maxNs: ex.durationNs },
    }));
  }
  return out;
}
