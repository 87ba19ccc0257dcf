/**
 * Host/guest alignment from the host's `kvm_write_tsc_offset` events (arch/x86/kvm/trace.h:
 * `vcpu_id`, `previous_tsc_offset`, `next_tsc_offset`). KVM runs the guest with
 * guest TSC = host TSC + offset (the VMCS / VMCB TSC offset field); without TSC scaling that is
 * the whole relation. trace-cmd's own KVM time sync rests on the same fact: it reads each vCPU's
 * `tsc-offset` from KVM's debugfs, works only with the `x86-tsc` trace clock on both sides and
 * refuses a VM whose `tsc-scaling-ratio` is not the default (lib/trace-cmd/trace-timesync-kvm.c).
 * So the offset aligns the traces only when both were recorded with the `x86-tsc` clock; then
 * host cycles = guest cycles - offset, and each side's cycles become ns as its importer did it
 * (a `.dat` with the TSC2NSEC option: x mult / 2^shift, plus the OFFSET option; otherwise the
 * timestamps are the counter as printed, 1 cycle read as 1 ns). Not handled: TSC scaling (the
 * event does not carry the ratio: a guest with another TSC frequency shows as a failed check).
 * Pure.
 */
import type { TraceSummaryDocument, TscOffsetDoc } from '../schema';

/** Trace clocks that count the TSC (`x86-tsc` is the ftrace name; `tsc` accepted as a user's spelling). */
export const isTscClock = (c: string | undefined): boolean => c === 'x86-tsc' || c === 'tsc';

export interface TscSideInfo {
  doc: TraceSummaryDocument;
  /** The source inside a multi-file report ('' or absent: the whole trace). */
  source?: string;
  /** The clock the user stated (`--host-clock` / `--guest-clock`), else the `.dat`'s own. */
  clock?: string;
}

export type TscAlignment =
  | { use: true; offsetNs: number; detail: string; warnings: string[] }
  | { use: false; why: string };

/** The clock of a side: stated, else the `.dat` trace clock option, else unknown. */
export function clockOf(side: TscSideInfo): { clock: string | undefined; stated: boolean } {
  if (side.clock) return { clock: side.clock, stated: true };
  const fd = side.doc.formatDetail as { clock?: unknown; files?: unknown };
  return { clock: typeof fd.clock === 'string' && !Array.isArray(fd.files) ? fd.clock : undefined, stated: false };
}

/** ns per TSC cycle and the ns added after scaling, as the side's importer converted timestamps. */
function scaleOf(doc: TraceSummaryDocument): { mul: number; add: number; how: string } {
  const fd = doc.formatDetail as { tsc2nsec?: { mult: number; shift: number }; tsOffsetNs?: number };
  const add = typeof fd.tsOffsetNs === 'number' ? fd.tsOffsetNs : 0;
  if (fd.tsc2nsec && fd.tsc2nsec.mult > 0) return { mul: fd.tsc2nsec.mult / 2 ** fd.tsc2nsec.shift, add, how: `TSC2NSEC ${fd.tsc2nsec.mult} >> ${fd.tsc2nsec.shift}` };
  return { mul: 1, add, how: 'timestamps counted in cycles as printed' };
}

/**
 * The offset (host = guest + offsetNs) from the writes of the chosen VM's vCPUs, or why not.
 * `vm`: the host VM the guest is linked to; `cpus`: the linked guest CPUs (KVM's vcpu_id is
 * taken to be the guest CPU number, as QEMU and kvmbar number them on simple topologies);
 * `guestSpan`: the guest trace's window (its own clock), for the drift of differing scales.
 */
export function tscAlignment(
  host: TscSideInfo,
  guest: TscSideInfo,
  vm: string | null,
  cpus: readonly number[],
  guestSpan: { lo: number; hi: number },
  slackNs: number,
): TscAlignment | undefined {
  const src = host.source ?? '';
  const writes = (host.doc.tscOffsets ?? []).filter((w) => (w.source ?? '') === src);
  if (!writes.length) return undefined;
  const n = `${writes.length} kvm_write_tsc_offset event${writes.length === 1 ? '' : 's'} of the host trace`;
  const hc = clockOf(host);
  const gc = clockOf(guest);
  if (!isTscClock(hc.clock) || !isTscClock(gc.clock)) {
    const said = (c: { clock: string | undefined; stated: boolean }, who: string) => (c.clock ? `the ${who} clock is ${c.clock}${c.stated ? ' (stated)' : ''}` : `the ${who} trace does not say its clock`);
    return {
      use: false,
      why: `${n} not used: ${said(hc, 'host')}, ${said(gc, 'guest')}; a TSC offset relates TSC values only, so both traces need the x86-tsc trace clock${!hc.clock || !gc.clock ? ' (text traces do not record it: state it with --host-clock / --guest-clock)' : ''}`,
    };
  }
  // The writer thread tells the VM: a vCPU thread or the VMM process itself.
  const vmOf = (w: TscOffsetDoc): string | null => {
    const t = host.doc.threads.find((x) => x.tid === w.tid && (x.source ?? '') === src);
    if (t?.vm) return t.vm;
    return host.doc.vms.find((v) => v.pid === w.tid && (v.source ?? '') === src)?.id ?? null;
  };
  const vmsHere = host.doc.vms.filter((v) => (v.source ?? '') === src).length;
  const mine = writes.filter((w) => {
    const v = vmOf(w);
    return v === vm || (v === null && vmsHere <= 1);
  });
  const byCpu = new Map<number, TscOffsetDoc[]>();
  for (const w of mine) if (cpus.includes(w.vcpu)) (byCpu.get(w.vcpu) ?? byCpu.set(w.vcpu, []).get(w.vcpu)!).push(w);
  if (!byCpu.size) {
    return { use: false, why: `${n} not used: none is for a linked vCPU (${cpus.join(', ')}) of ${vm ?? 'the VM'}${mine.length < writes.length ? ` (${writes.length - mine.length} written by threads of another VM)` : ''}` };
  }
  const used = [...byCpu.keys()].sort((a, b) => a - b);
  const last = new Map(used.map((c) => [c, BigInt(byCpu.get(c)![byCpu.get(c)!.length - 1].nextTscOffset)]));
  const warnings: string[] = [];
  const changed = used.filter((c) => new Set(byCpu.get(c)!.map((w) => w.nextTscOffset)).size > 1);
  if (changed.length) warnings.push(`the TSC offset of vCPU ${changed.join(', ')} changed during the host trace (kvm_write_tsc_offset with different values): the last one is used, guest events before the change are misplaced by the difference`);
  const values = [...new Set(last.values())];
  const off = last.get(used[0])!;
  if (values.length > 1) {
    const spread = values.reduce((a, b) => (b > a ? b : a)) - values.reduce((a, b) => (b < a ? b : a));
    warnings.push(`the host wrote different TSC offsets for the guest's vCPUs (${used.map((c) => `vCPU ${c}: ${last.get(c)}`).join(', ')}; spread ${spread} cycles): the one of vCPU ${used[0]} is used, events of the others may be misplaced by up to the spread`);
  }
  const missing = cpus.filter((c) => !byCpu.has(c));
  const h = scaleOf(host.doc);
  const g = scaleOf(guest.doc);
  const offN = Number(off);
  // host ns = (guest cycles - offset) x host ns/cycle + host add; guest cycles = (guest ns - guest add) / guest ns/cycle.
  const dAt = (gNs: number): number => ((gNs - g.add) / g.mul - offN) * h.mul + h.add - gNs;
  const mid = (guestSpan.lo + guestSpan.hi) / 2;
  const offsetNs = Math.round(dAt(mid));
  const drift = Math.abs(dAt(guestSpan.hi) - dAt(guestSpan.lo));
  if (drift > slackNs) warnings.push(`the host and guest convert TSC cycles to ns differently (host ${h.how}, guest ${g.how}): one offset drifts by ${Math.round(drift)} ns over the guest trace (taken at its middle)`);
  const detail =
    `kvm_write_tsc_offset in the host trace: guest TSC = host TSC + ${off} cycles for vCPU ${used.join(', ')}${values.length > 1 ? ` (vCPU ${used[0]}'s)` : used.length > 1 ? ' (all equal)' : ''}` +
    `${missing.length ? `, assumed the same for vCPU ${missing.join(', ')} (no event)` : ''}; both traces on the x86-tsc clock (host ${h.how}, guest ${g.how}); TSC scaling is not handled (the event does not carry the ratio)`;
  return { use: true, offsetNs, detail, warnings };
}
