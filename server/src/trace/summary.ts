/**
 * The readable text summary `vpscope analyze` prints by default: parse statistics (including
 * warnings, unknown events and what was inferred), VMs, a per-vCPU table, other busy threads,
 * CPUs, and the findings with their fix hints. Pure string building.
 */
import { escapeControls } from './format';
import type { ThreadDoc, TraceSummaryDocument } from './schema';
import { fmtCount, fmtCounterValue, fmtNs, fmtPercent, fmtTs, tableLines } from '../core/format';
import { renderHostGuest } from './link/render';

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;


function exitsText(t: ThreadDoc): string {
  const e = Object.entries(t.exits);
  if (!e.length) return '-';
  return e.slice(0, 3).map(([k, v]) => `${k} ${fmtCount(v)}`).join(', ') + (e.length > 3 ? ` +${e.length - 3}` : '');
}

export function renderSummary(doc: TraceSummaryDocument, opts: { maxThreads?: number; maxWarnings?: number } = {}): string {
  const out: string[] = [];
  const s = doc.stats;
  const fd = doc.formatDetail as Record<string, unknown>;
  const layout: string[] = [];
  if (typeof fd.flagsColumn === 'number') layout.push(fd.flagsColumn ? `${fd.flagsColumn}-char flags column` : 'no flags column');
  if (fd.tgidColumn) layout.push('TGID column');
  if (Array.isArray(fd.files)) layout.push(`files: ${(fd.files as string[]).join(', ')}`);
  if (typeof fd.datVersion === 'number') layout.push(`v${fd.datVersion}, ${fd.compression}, clock ${fd.clock}, ${fmtCount(Number(fd.pages ?? 0))} ring-buffer pages`);
  out.push(`vpscope analyze: ${doc.file}`);
  out.push(`format:   ${doc.format}${layout.length ? ` (${layout.join('; ')})` : ''}`);
  out.push(`window:   ${fmtTs(doc.window.startNs)} .. ${fmtTs(doc.window.endNs)} (${fmtNs(doc.window.durationNs)})${doc.load[0] ? `, ${plural(doc.load[0].pcpus, 'pCPU')}` : doc.cpus.length ? `, ${plural(doc.cpus.length, 'CPU')}` : ''}`);
  if (typeof fd.datVersion === 'number') out.push(`parsed:   ${fmtCount(s.events)} events, ${fmtCount(s.malformedLines)} malformed; ${(s.bytes / 1e6).toFixed(2)} MB`);
  else {
    // Lines past the cap count as skipped (events + malformed + skipped = lines) but are no headers: the `capped:` line names them.
    const past = s.counters.lines_over_cap?.value ?? 0;
    out.push(`parsed:   ${fmtCount(s.lines)} lines, ${fmtCount(s.events)} events, ${fmtCount(s.skippedLines - past)} header/blank lines${past ? `, ${fmtCount(past)} past the cap` : ''}, ${fmtCount(s.malformedLines)} malformed; ${(s.bytes / 1e6).toFixed(2)} MB`);
  }
  if (s.warningCount > 0) {
    out.push(`warnings: ${fmtCount(s.warningCount)}${s.warningCount > s.warnings.length ? ` (first ${s.warnings.length} kept)` : ''}`);
    // .dat warnings have no line: their offset is in the file, their reason names the CPU.
    for (const w of s.warnings.slice(0, opts.maxWarnings ?? 5)) out.push(w.line > 0 || typeof fd.datVersion !== 'number' ? `  line ${w.line} (byte ${w.offset}): ${w.reason}` : `  file offset ${w.offset}: ${w.reason}`);
  }
  const unknown = Object.entries(s.unknownEvents);
  out.push(`unknown:  ${unknown.length ? unknown.sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${fmtCount(c)}`).join(', ') + ' (kept, not analysed)' : 'none'}`);
  if (doc.tscOffsets?.length) {
    const last = new Map<string, string>();
    for (const w of doc.tscOffsets) last.set(`${w.source ? `${w.source}/` : ''}vCPU ${w.vcpu}`, w.nextTscOffset);
    const shown = [...last].slice(0, 8).map(([k, v]) => `${k} ${v}`);
    out.push(`tsc:      ${plural(doc.tscOffsets.length, 'kvm_write_tsc_offset event')}; last offset per vCPU (guest TSC = host TSC + offset, cycles): ${shown.join(', ')}${last.size > 8 ? ` +${last.size - 8}` : ''}`);
  }
  const inf = s.inferred;
  out.push(
    `inferred: ${fmtCount(inf.switchIns)} switch-ins (${fmtNs(inf.runningNs)} of running time, uncertain within ${fmtNs(inf.uncertainNs)}), ` +
      `${fmtCount(inf.missingWakeups)} runs without a wakeup, ${fmtCount(inf.wakeupsFromWaking)} wakeups dated by sched_waking, ${fmtCount(inf.missingSwitchOuts)} lost switch-outs`,
  );
  const lost = s.counters.lost_events?.value;
  if (lost) out.push(`lost:     ${fmtCount(lost)} events reported lost by the tracer`);
  const overLines = s.counters.lines_over_cap?.value;
  const overThreads = s.counters.threads_over_cap?.value;
  if (overLines && s.counters.line_cap) out.push(`capped:   ${fmtCount(s.lines - overLines)} lines read (the cap on lines); ${fmtCount(overLines)} later lines counted, not analysed`);
  else if (overLines) out.push(`capped:   ${fmtCount(s.events)} events stored (the cap); ${fmtCount(overLines)} later lines counted, not analysed`);
  const notRead = s.counters.input_not_read?.value;
  if (notRead) out.push(`capped:   reading stopped ${fmtCount(notRead)} bytes past the cap; the rest of the input was not read`);
  if (overThreads) out.push(`capped:   ${fmtCount(overThreads)} ${fd.detected === 'chrome-json' ? 'events of threads' : 'threads'} beyond the cap on distinct threads not kept apart`);

  for (const vm of doc.vms) {
    out.push('');
    out.push(
      `VM ${vm.name}${vm.source ? ` [${vm.source}]` : ''}: ${vm.vcpus.length} vCPUs (grouped by ${vm.how}), running ${fmtNs(vm.runningNs)}, ` +
        `runnable ${fmtNs(vm.runnableNs)} (steal ${fmtPercent(vm.stealPct)}), ${fmtPercent(vm.cpuShare * 100)} of the pCPUs, ${fmtCount(vm.exits)} exits`,
    );
    const rows: string[][] = [['vcpu', 'tid', 'comm', 'running', 'runnable(steal)', 'sleeping', 'preempt', 'migr', 'wake p50/p99', 'exits']];
    for (const t of doc.threads.filter((x) => x.vm === vm.id && x.vcpu !== null)) {
      rows.push([
        String(t.vcpu),
        String(t.tid),
        t.comm,
        fmtNs(t.runningNs),
        `${fmtNs(t.runnableNs)} (${fmtPercent(t.stealPct)})`,
        fmtNs(t.sleepingNs + t.blockedNs),
        fmtCount(t.preemptions),
        fmtCount(t.migrations),
        t.wakeLatency.count ? `${fmtNs(t.wakeLatency.p50)}/${fmtNs(t.wakeLatency.p99)}` : '-',
        exitsText(t),
      ]);
    }
    out.push(...tableLines(rows, [true, true, false, true, true, true, true, true, true, false]).map((l) => '  ' + l));
    const stolen = new Map<string, number>();
    for (const t of doc.threads.filter((x) => x.vm === vm.id && x.vcpu !== null)) {
      for (const w of t.stolenBy) stolen.set(w.tid > 0 ? `${w.comm} (${w.tid})` : w.comm, (stolen.get(w.tid > 0 ? `${w.comm} (${w.tid})` : w.comm) ?? 0) + w.ns);
    }
    if (stolen.size) {
      const top = [...stolen].sort((a, b) => b[1] - a[1]).slice(0, 5);
      out.push(`  CPU taken from its runnable vCPUs by: ${top.map(([n, ns]) => `${n} ${fmtNs(ns)}`).join(', ')}`);
    }
  }

  const others = doc.threads.filter((t) => t.vcpu === null && t.runningNs > 0).slice(0, opts.maxThreads ?? 8);
  if (others.length) {
    out.push('');
    out.push('Busiest other threads:');
    const rows: string[][] = [['tid', 'comm', 'running', 'runnable', 'preempt', 'vm']];
    for (const t of others) rows.push([String(t.tid), t.comm, fmtNs(t.runningNs), fmtNs(t.runnableNs), fmtCount(t.preemptions), t.vm ?? '-']);
    out.push(...tableLines(rows, [true, false, true, true, true, false]).map((l) => '  ' + l));
  }
  if (doc.cpus.length) {
    out.push('');
    out.push('CPUs:     ' + cpuItems(doc.cpus, doc.load).join(', '));
  }
  for (const l of doc.load) {
    const where = l.source ? ` [${l.source}]` : '';
    out.push(
      l.oversubscribedNs > 0
        ? `load:     more runnable vCPUs than ${l.pcpus} pCPUs for ${fmtNs(l.oversubscribedNs)} (${fmtPercent(l.oversubscribedPct)} of the trace)${where}`
        : `load:     runnable vCPUs never outnumbered the ${l.pcpus} pCPUs${where}`,
    );
  }

  if (doc.counters?.length) {
    out.push('');
    const omitted = doc.countersOmitted ? ` (and ${fmtCount(doc.countersOmitted)} more not listed)` : '';
    out.push(`Counters (${doc.counters.length} series${omitted}; the mean weighs each value by how long it held):`);
    const rows: string[][] = [['process', 'counter', 'samples', 'min', 'mean', 'max', 'last']];
    for (const c of doc.counters) rows.push([c.process, c.name, fmtCount(c.samples), fmtCounterValue(c.min), fmtCounterValue(c.mean), fmtCounterValue(c.max), fmtCounterValue(c.last)]);
    out.push(...tableLines(rows, [false, false, true, true, true, true, true]).map((l) => '  ' + l));
  }

  if (doc.hostGuest?.length) out.push(...renderHostGuest(doc.hostGuest));

  out.push('');
  out.push(doc.findings.length ? `Findings (${doc.findings.length}):` : 'Findings: none');
  for (const f of doc.findings) {
    out.push(`  ${f.severity} ${f.code} ${f.title}${f.lane ? ` [${f.lane}]` : ''}`);
    out.push(`    ${f.message}`);
    if (f.fix) out.push(`    fix: ${f.fix}`);
  }
  // Comms, exit reasons, file names and warning reasons come from the trace: no raw controls.
  return out.map((l) => escapeControls(l, false)).join('\n') + '\n';
}

/**
 * The CPUs line: each CPU's busy share; three or more consecutive CPUs of one source without any
 * time (a trace of CPUs 200-203 of a large host, one line on CPU 4095) are one item, `4-4094 no
 * data`, instead of one `busy -` each (4,096 of them for one line on CPU 4095).
 */
function cpuItems(cpus: TraceSummaryDocument['cpus'], load: TraceSummaryDocument['load']): string[] {
  const items: string[] = [];
  // CPUs the header declares (`cpus=N`, `#P:N`) beyond the highest one with an event: idle for the
  // whole trace, or not traced. They count in the load line's pCPUs, so say so.
  const declaredAfter = (k: number): string | undefined => {
    const c = cpus[k];
    const next = cpus[k + 1];
    if (next && next.source === c.source) return undefined;
    const n = load.find((l) => (l.source ?? '') === (c.source ?? ''))?.pcpus ?? 0;
    if (n <= c.cpu + 1) return undefined;
    const src = c.source ? c.source + '/' : '';
    return n === c.cpu + 2 ? `${src}${c.cpu + 1} no events` : `${src}${c.cpu + 1}-${n - 1} no events`;
  };
  const empty = (c: TraceSummaryDocument['cpus'][number]) => c.busyNs + c.idleNs === 0 && !c.inferredNs;
  for (let i = 0; i < cpus.length; ) {
    const c = cpus[i];
    const src = c.source ? c.source + '/' : '';
    if (empty(c)) {
      let j = i;
      while (j + 1 < cpus.length && empty(cpus[j + 1]) && cpus[j + 1].source === c.source && cpus[j + 1].cpu === cpus[j].cpu + 1) j++;
      if (j - i >= 2) {
        items.push(`${src}${c.cpu}-${cpus[j].cpu} no data`);
        const after = declaredAfter(j);
        if (after) items.push(after);
        i = j + 1;
        continue;
      }
    }
    const tot = c.busyNs + c.idleNs;
    items.push(`${src}${c.cpu} busy ${tot ? fmtPercent((100 * c.busyNs) / tot) : '-'}${c.inferredNs ? ` (inferred ${fmtNs(c.inferredNs)})` : ''}`);
    const after = declaredAfter(i);
    if (after) items.push(after);
    i++;
  }
  return items;
}
