/**
 * A scenario skeleton (`.vps`, see docs/language.md) from an analysed trace, so a user can replay
 * "what if" on what was measured: the pCPUs, one `vm` per VM found with its vCPU count, each
 * VM's guest work as a thread per vCPU with the measured run bursts and sleeps, its exits as an
 * `intercept` at the measured rate, and the host threads that used a noticeable share of the
 * pCPUs as `load` blocks with their measured duty cycle. Measured numbers the language has no
 * statement for are written as comments. With a linked guest trace (`hostGuest`), the VM's guest
 * work is the guest's own threads (grouped by name, on the CPUs they ran on) instead of one
 * thread per vCPU thread.
 *
 * Pure: document in, text out.
 */
import { escapeControls } from './format';
import type { ThreadDoc, TraceSummaryDocument } from './schema';
import { fmtNs, fmtPercent } from '../core/format';

/** Host threads using less than this share of one pCPU are folded into `load background`. */
const OWN_LOAD_SHARE = 0.01;
/** Simulated duration is capped: a skeleton is for quick "what if" runs. */
const MAX_DURATION_NS = 2e9;

/** An identifier the language accepts: [A-Za-z_][A-Za-z0-9_-]*. */
export function identifier(s: string, fallback: string): string {
  let id = s.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z_]+/, '').replace(/[-_]+$/, '');
  if (!id) id = fallback;
  return id.slice(0, 40);
}

/** A duration literal: integer ns/us/ms/s with a unit, never below 1us. */
function dur(ns: number): string {
  // A non-finite measure (a corrupt timestamp) must not print `NaNus`.
  const v = Number.isFinite(ns) ? Math.max(1000, Math.round(ns)) : 1000;
  if (v >= 1e9 && v % 1e6 === 0) return `${v / 1e9}s`.replace(/(\.\d{3})\d+s$/, '$1s');
  if (v >= 1e6) return `${Math.round(v / 1e4) / 100}ms`;
  return `${Math.round(v / 1e3)}us`;
}

/** Mean running burst and mean sleep of a thread (ns), from its totals and counts. */
function dutyCycle(t: ThreadDoc): { cpu: number; sleep: number } {
  const bursts = Math.max(1, t.switchIns, t.preemptions + t.voluntarySwitches);
  const cpu = t.runningNs / bursts;
  const sleep = t.voluntarySwitches > 0 ? (t.sleepingNs + t.blockedNs) / t.voluntarySwitches : 0;
  return { cpu, sleep };
}

function cpuList(n: number): string {
  return n <= 1 ? '0' : `0-${n - 1}`;
}

export function scenarioSkeleton(doc: TraceSummaryDocument): string {
  const L: string[] = [];
  const duration = Number.isFinite(doc.window.durationNs) ? Math.max(0, doc.window.durationNs) : 0;
  const pcpus = doc.load[0]?.pcpus || doc.cpus.filter((c) => !c.source || c.source === doc.cpus[0]?.source).length || 1;
  const file = doc.file.split(/[\\/]/).pop() || doc.file;
  const vcpuTids = new Set(doc.threads.filter((t) => t.vcpu !== null).map((t) => `${t.source ?? ''}:${t.tid}`));
  const hostSource = doc.vms[0]?.source;

  L.push(`# Scenario skeleton measured by \`vpscope analyze --scenario\` from ${file}`);
  L.push(`# (${doc.format}, ${fmtNs(duration)} traced, ${pcpus} pCPUs). Measured numbers are in comments;`);
  L.push('# the statements approximate them (mean bursts and sleeps). Edit freely, then add variants.');
  L.push(`scenario "measured: ${escapeControls(file, false).replace(/["\\]/g, '')}" {`);
  L.push(`  duration ${dur(Math.min(Math.max(duration, 1e6), MAX_DURATION_NS))}${duration > MAX_DURATION_NS ? `   # the trace covers ${fmtNs(duration)}` : ''}`);
  L.push('  seed 1');
  L.push('}');
  L.push('');
  L.push('host {');
  L.push(`  pcpus ${pcpus}`);
  L.push('  sched fair');

  // Host threads outside VMs: the busy ones get their own load, the rest one background load.
  const others = doc.threads.filter((t) => t.vcpu === null && t.vm === null && (t.source ?? undefined) === hostSource && t.runningNs > 0);
  const capacity = Math.max(1, duration * pcpus);
  const byComm = new Map<string, ThreadDoc[]>();
  let smallNs = 0;
  let smallThreads = 0;
  for (const t of others) {
    if (vcpuTids.has(`${t.source ?? ''}:${t.tid}`)) continue;
    if (t.runningNs / Math.max(1, duration) >= OWN_LOAD_SHARE) {
      const k = identifier(t.comm, 'host');
      byComm.set(k, [...(byComm.get(k) ?? []), t]);
    } else {
      smallNs += t.runningNs;
      smallThreads++;
    }
  }
  const used = new Set<string>();
  for (const [name, ts] of byComm) {
    const run = ts.reduce((x, t) => x + t.runningNs, 0);
    const cpu = ts.reduce((x, t) => x + dutyCycle(t).cpu, 0) / ts.length;
    const sleeps = ts.filter((t) => t.voluntarySwitches > 0);
    const sleep = sleeps.length ? sleeps.reduce((x, t) => x + dutyCycle(t).sleep, 0) / sleeps.length : 0;
    let id = name;
    for (let k = 2; used.has(id); k++) id = `${name}_${k}`;
    used.add(id);
    L.push(`  # ${ts.map((t) => `${t.comm} (${t.tid})`).join(', ')}: ran ${fmtNs(run)} (${fmtPercent((100 * run) / capacity)} of the pCPUs), preempted ${ts.reduce((x, t) => x + t.preemptions, 0)} times`);
    L.push(`  load ${id} { threads ${ts.length}; cpu ${dur(cpu)}${sleep > 0 ? `; sleep ${dur(sleep)}` : ''} }`);
  }
  if (smallNs > 0) {
    // One thread whose duty cycle gives the same CPU share as all the small ones together.
    const share = Math.min(0.99, smallNs / Math.max(1, duration));
    const cpu = 100_000;
    L.push(`  # ${smallThreads} other host threads ran ${fmtNs(smallNs)} in total (${fmtPercent((100 * smallNs) / capacity)} of the pCPUs)`);
    L.push(`  load background { threads 1; cpu ${dur(cpu)}; sleep ${dur((cpu * (1 - share)) / share)} }`);
  }
  L.push('}');

  const usedVm = new Set<string>();
  for (const vm of doc.vms) {
    const vcpus = doc.threads.filter((t) => t.vm === vm.id && t.vcpu !== null).sort((a, b) => a.vcpu! - b.vcpu!);
    if (!vcpus.length) continue;
    let id = identifier(vm.name.replace(/ \((\d+)\)$/, '_$1'), 'vm');
    for (let k = 2; usedVm.has(id); k++) id = `${id}_${k}`;
    usedVm.add(id);
    const n = Math.max(vcpus.length, ...vcpus.map((t) => t.vcpu! + 1));
    L.push('');
    L.push(`# VM ${vm.name}: grouped by ${vm.how}; ${fmtNs(vm.runningNs)} running, steal ${fmtPercent(vm.stealPct)}, ${vm.exits} exits.`);
    for (const t of vcpus) {
      const exits = Object.entries(t.exits).map(([r, c]) => `${r} ${c}`).join(', ') || 'none';
      L.push(`#   vCPU ${t.vcpu} (${t.comm}, ${t.tid}): running ${fmtNs(t.runningNs)}, runnable ${fmtNs(t.runnableNs)} (${fmtPercent(t.stealPct)}), ${t.preemptions} preemptions, wake p99 ${fmtNs(t.wakeLatency.p99)}, exits ${exits}`);
    }
    L.push(`vm ${id} {`);
    L.push(`  vcpus ${n}`);
    L.push('  guest {');
    const mean = (f: (t: ThreadDoc) => number): number => vcpus.reduce((x, t) => x + f(t), 0) / vcpus.length;
    const link = doc.hostGuest?.find((h) => h.status === 'linked' && h.vm === vm.id);
    const guestThreads = link ? link.threads.filter((t) => t.runningNs > 0 && t.guestCpu >= 0 && t.guestCpu < n && t.runningNs >= OWN_LOAD_SHARE * Math.max(1, duration)) : [];
    if (link && guestThreads.length) {
      // The guest's own threads, as its trace measured them (guest view: frozen time counts as running).
      const groups = new Map<string, typeof guestThreads>();
      for (const t of guestThreads) {
        const k = identifier(t.comm, 'thread');
        groups.set(k, [...(groups.get(k) ?? []), t]);
      }
      L.push(`    # guest threads from the linked guest trace ${link.guest.split(/[\\/]/).pop()} (time ${link.time.method}, confidence ${link.time.confidence}); ${link.threads.length - guestThreads.length} threads under 1% of a CPU left out`);
      const usedT = new Set<string>();
      for (const [name, ts] of groups) {
        const cpus = [...new Set(ts.map((t) => t.guestCpu))].sort((a, b) => a - b);
        const burst = ts.reduce((x, t) => x + t.runningNs / Math.max(1, t.switchIns), 0) / ts.length;
        const sleepers = ts.filter((t) => t.voluntarySwitches > 0);
        const sleep = sleepers.length ? sleepers.reduce((x, t) => x + t.sleepingNs / t.voluntarySwitches, 0) / sleepers.length : 0;
        let id = name;
        for (let k = 2; usedT.has(id); k++) id = `${name}_${k}`;
        usedT.add(id);
        L.push(`    # ${ts.map((t) => `${t.comm} (${t.tid})`).join(', ')}: ran ${fmtNs(ts.reduce((x, t) => x + t.runningNs, 0))}, frozen by the host ${fmtNs(ts.reduce((x, t) => x + t.frozenNs, 0))}`);
        L.push(`    thread ${id} { vcpus ${cpus.join(',')}; count ${ts.length}; cpu ${dur(burst)}${sleep > 0 ? `; sleep ${dur(sleep)}` : ''} }`);
      }
    } else {
      const cpu = mean((t) => dutyCycle(t).cpu);
      const sleep = mean((t) => dutyCycle(t).sleep);
      L.push(`    # mean per vCPU thread: runs of ${fmtNs(cpu)}${sleep > 0 ? `, sleeps of ${fmtNs(sleep)}` : ', never slept'}`);
      L.push(`    thread work { vcpus ${cpuList(n)}; count ${n}; cpu ${dur(cpu)}${sleep > 0 ? `; sleep ${dur(sleep)}` : ''} }`);
    }
    const exits = mean((t) => Object.values(t.exits).reduce((x, c) => x + c, 0));
    if (exits > 0 && duration > 0) {
      const perSec = Math.max(1, Math.round((exits * 1e9) / duration) || 1);
      const host = vcpus.filter((t) => t.guest && t.guest.residence.count > 0);
      const handling = host.length ? host.reduce((x, t) => x + t.guest!.hostNs / Math.max(1, t.guest!.residence.count), 0) / host.length : 0;
      const reasons = new Map<string, number>();
      for (const t of vcpus) for (const [r, c] of Object.entries(t.exits)) reasons.set(r, (reasons.get(r) ?? 0) + c);
      L.push(`    # exits per vCPU: ${Math.round(exits)} in ${fmtNs(duration)}; by reason: ${[...reasons].map(([r, c]) => `${r} ${c}`).join(', ')}`);
      L.push(handling > 0 ? `    # mean time in the host per exit: ${fmtNs(handling)}` : '    # time per exit not measured (no kvm_entry/kvm_exit in the trace): 5us assumed');
      L.push(`    intercept exits { rate ${perSec}/s; duration ${dur(handling > 0 ? handling : 5000)} }`);
    }
    L.push('  }');
    L.push('}');
  }
  // Every line is one line of the scenario: strings from the trace (comms, exit reasons, the file
  // name) may hold a CR, LF or other control that would end a `#` comment and turn the rest of
  // the line into scenario code.
  return L.map((l) => escapeControls(l, false)).join('\n') + '\n';
}
