/** The "Host and guest" section of the text summary. Pure string building. */
import { fmtCount, fmtNs, fmtPercent, fmtTs, tableLines } from '../../core/format';
import type { HostGuestDoc } from '../schema';

const METHOD: Record<string, string> = {
  'thread-names': 'host vCPU thread names (CPU N/KVM...)',
  'kvm-vcpu-id or tid-order': 'kvm event vCPU ids, else the order of the vCPU thread ids (a guess)',
  option: '--guest-vcpus',
};

export function renderHostGuest(links: readonly HostGuestDoc[]): string[] {
  const out: string[] = [];
  for (const h of links) {
    out.push('');
    out.push(`Host and guest: ${h.guest} (${h.guestFormat})`);
    if (h.status === 'refused') {
      out.push(`  not linked: ${h.reason}`);
      continue;
    }
    out.push(`  vCPUs:    ${h.mapping.vcpus.map((v) => `guest CPU ${v.guestCpu} -> ${v.hostComm} (${v.hostTid})`).join(', ')}; by ${METHOD[h.mapping.method] ?? h.mapping.method}${h.vm ? `, VM ${h.vm}` : ''}${h.mapping.vmChoice ? ` (${h.mapping.vmChoice})` : ''}`);
    out.push(
      `  time:     host = guest ${h.time.offsetNs >= 0 ? '+' : '-'} ${fmtCount(Math.abs(h.time.offsetNs))} ns${h.time.uncertaintyNs ? ` (+/- ${fmtNs(h.time.uncertaintyNs)})` : ''}, ${h.time.method}, confidence ${h.time.confidence}: ${h.time.detail}`,
    );
    out.push(
      `  check:    ${fmtCount(h.check.outside)} of ${fmtCount(h.check.events)} guest switch events (${fmtPercent(h.check.outsidePct)}) fall where the host shows their vCPU thread ${h.check.against === 'guest-mode' ? 'not in guest mode (kvm_entry..kvm_exit)' : 'not running'} (tolerance ${fmtNs(h.check.slackNs)}); overlap ${fmtNs(h.check.overlapNs)}`,
    );
    for (const w of h.warnings) out.push(`  warning:  ${w}`);
    if (h.vcpus.length) {
      const rows: string[][] = [['guest cpu', 'host tid', 'host running', 'host runnable', 'guest busy', 'busy stalled (steal felt)', 'idle stalled', 'guest waiting', 'taken by']];
      for (const v of h.vcpus) {
        rows.push([
          String(v.guestCpu),
          String(v.hostTid),
          fmtNs(v.hostRunningNs),
          `${fmtNs(v.hostRunnableNs)} (${fmtPercent(v.hostStealPct)})`,
          fmtNs(v.guestBusyNs),
          `${fmtNs(v.busyStalledNs)} (${fmtPercent(v.guestStealPct)})`,
          fmtNs(v.idleStalledNs),
          fmtNs(v.guestWaitingNs),
          v.thieves.slice(0, 2).map((t) => `${t.who} ${fmtNs(t.ns)}`).join(', ') || '-',
        ]);
      }
      out.push(...tableLines(rows, [true, true, true, true, true, true, true, true, false]).map((l) => '  ' + l));
    }
    const frozen = h.threads.filter((t) => t.frozenNs > 0 || t.waitingOnPreemptedNs > 0).slice(0, 8);
    if (frozen.length) {
      out.push('  guest threads held up by host preemption:');
      const rows: string[][] = [['tid', 'comm', 'running (guest view)', 'frozen', 'waiting on a preempted vCPU', 'lock holder?']];
      for (const t of frozen) rows.push([String(t.tid), t.comm, fmtNs(t.runningNs), fmtNs(t.frozenNs), fmtNs(t.waitingOnPreemptedNs), t.lockHolderSuspected ? `${t.lockHolderSuspected}x` : '-']);
      out.push(...tableLines(rows, [true, false, true, true, true, true]).map((l) => '    ' + l));
    }
    out.push(`  stalls:   ${fmtCount(h.stalls.count)} preemptions froze a running guest thread for at least the threshold, ${fmtNs(h.stalls.totalNs)} in total`);
    for (const s of h.stalls.examples.slice(0, 3)) {
      out.push(`    ${fmtTs(s.startNs)} guest CPU ${s.guestCpu}: ${s.guestThread} frozen ${fmtNs(s.durationNs)}, pCPU${s.hostCpu >= 0 ? ` ${s.hostCpu}` : ''} held by ${s.thief}${s.waiting ? `, ${s.waiting} waiting` : ''}`);
    }
    out.push(`  lock-holder preemption suspected: ${fmtCount(h.lockHolder.count)} (${fmtNs(h.lockHolder.totalNs)})`);
    for (const s of h.lockHolder.examples.slice(0, 3)) out.push(`    ${fmtTs(s.startNs)} ${s.guestThread} on CPU ${s.guestCpu} frozen ${fmtNs(s.durationNs)}: ${s.siblings.join('; ')}`);
  }
  return out;
}
