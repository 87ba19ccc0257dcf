/**
 * Conservation and sanity invariants of one `vpscope.run/1` variant result (with its timeline),
 * checked on generated scenarios by invariants.test.ts. Each returns a list of violations (empty:
 * fine) so a property can print all of them for the shrunk case.
 */
import type { VariantResult } from '../../../server/src/sim/result';
import type { Scenario } from '../../../server/src/model/ir';

/** Integer-ns bookkeeping; a lane total may differ from the window by float rounding only. */
const EPS = 2;

/** Keys whose value -1 is a documented sentinel (not a negative quantity). */
const SENTINEL_KEYS = new Set(['finishedAtNs', 'vp']);

function walkNumbers(x: unknown, path: string, out: string[]): void {
  if (typeof x === 'number') {
    const key = path.slice(path.lastIndexOf('.') + 1);
    if (!Number.isFinite(x)) out.push(`${path} = ${x}`);
    else if (x < 0 && !(SENTINEL_KEYS.has(key) && x === -1)) out.push(`${path} = ${x} (negative)`);
    return;
  }
  if (Array.isArray(x)) {
    // Timeline interval arrays hold cause index -1 (no cause) by design: checked by the lane invariant.
    if (path.endsWith('.intervals')) return;
    x.forEach((v, i) => walkNumbers(v, `${path}[${i}]`, out));
    return;
  }
  if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) walkNumbers(v, `${path}.${k}`, out);
}

export interface Expect {
  /** Hard affinity (pCPU numbers) of each VM by name, and its pool's pCPUs. */
  vmCpus: Map<string, number[]>;
  /** Per vCPU thread label (`web vCPU 2`): the pCPUs it may run on (`pin one_to_one`: one). */
  vcpuCpus: Map<string, number[]>;
  poolCpus: Map<string, number[]>;
  /** Scenario text length (source ranges must lie inside). */
  textLength: number;
}

export function expectOf(sc: Scenario, text: string): Expect {
  const poolCpus = new Map(sc.host.pools.map((p) => [p.name, p.cpus] as [string, number[]]));
  const vmCpus = new Map(sc.vms.map((v) => [v.name, v.cpus.filter((c) => (poolCpus.get(v.pool) ?? []).includes(c))] as [string, number[]]));
  const vcpuCpus = new Map<string, number[]>();
  for (const v of sc.vms) {
    const cpus = vmCpus.get(v.name)!;
    for (let i = 0; i < v.vcpus; i++) vcpuCpus.set(`${v.name} vCPU ${i}`, v.pin === 'one_to_one' && cpus.length > 0 ? [cpus[i % cpus.length]] : cpus);
  }
  return { vmCpus, vcpuCpus, poolCpus, textLength: text.length };
}

export function checkInvariants(r: VariantResult, ex: Expect): string[] {
  const bad: string[] = [];
  const { timeline, ...rest } = r;
  walkNumbers(rest, r.name, bad);
  const end = r.stop.simulatedNs;
  const window = Math.max(0, end - r.warmupNs);
  if (r.stop.reason === 'completed' && end !== r.durationNs) bad.push(`completed at ${end}, duration ${r.durationNs}`);

  // pCPUs: busy + idle = the measured window.
  for (const p of r.pcpus) {
    if (Math.abs(p.busyNs + p.idleNs - window) > EPS) bad.push(`pcpu ${p.cpu}: busy ${p.busyNs} + idle ${p.idleNs} != ${window}`);
  }
  // vCPUs: states sum to the window, running <= window, steal = runnable time and <= window.
  for (const vp of r.vps) {
    const sum = Object.values(vp.states).reduce((a, b) => a + b, 0);
    if (Math.abs(sum - window) > EPS) bad.push(`${vp.vm} vCPU ${vp.vp}: states sum ${sum} != ${window} (${JSON.stringify(vp.states)})`);
    const runnable = vp.states.runnable ?? 0;
    if (vp.stealNs > runnable + EPS) bad.push(`${vp.vm} vCPU ${vp.vp}: steal ${vp.stealNs} > runnable ${runnable}`);
    if ((vp.boostedNs ?? 0) > window + EPS) bad.push(`${vp.vm} vCPU ${vp.vp}: boosted ${vp.boostedNs} > ${window}`);
    for (const [view, st] of Object.entries(vp.views ?? {})) {
      const s = Object.values(st).reduce((a, b) => a + b, 0);
      if (Math.abs(s - window) > EPS) bad.push(`${vp.vm} VP ${vp.vp} view ${view}: sum ${s} != ${window} (${JSON.stringify(st)})`);
    }
  }
  for (const h of r.hostThreads) {
    const sum = Object.values(h.states).reduce((a, b) => a + b, 0);
    if (Math.abs(sum - window) > EPS) bad.push(`host thread ${h.name}: states sum ${sum} != ${window}`);
    if (h.stealNs > (h.states.runnable ?? 0) + EPS) bad.push(`host thread ${h.name}: steal ${h.stealNs} > runnable`);
  }
  // What ran on the pCPUs is what the threads ran: vCPUs plus loads and dedicated threads.
  const busy = r.pcpus.reduce((a, p) => a + p.busyNs, 0);
  const ran = r.vps.reduce((a, x) => a + (x.states.running ?? 0), 0) + r.hostThreads.reduce((a, h) => a + (h.states.running ?? 0), 0);
  if (Math.abs(busy - ran) > EPS * (r.vps.length + r.hostThreads.length + r.pcpus.length)) bad.push(`pCPUs busy ${busy} != threads running ${ran}`);
  // VMs: cpu = sum of its vCPUs' running; steal = sum of theirs; shares in [0, 1], per group sum <= 1.
  const groups = new Map<number, number>();
  for (const v of r.vms) {
    const vps = r.vps.filter((x) => x.vm === v.name);
    const run = vps.reduce((a, x) => a + (x.states.running ?? 0), 0);
    const steal = vps.reduce((a, x) => a + x.stealNs, 0);
    if (Math.abs(run - v.cpuNs) > EPS * vps.length) bad.push(`vm ${v.name}: cpuNs ${v.cpuNs} != vCPUs' running ${run}`);
    if (Math.abs(steal - v.stealNs) > EPS * vps.length) bad.push(`vm ${v.name}: stealNs ${v.stealNs} != vCPUs' steal ${steal}`);
    if (v.cpuNs > v.vcpus * window + EPS) bad.push(`vm ${v.name}: cpu ${v.cpuNs} > vcpus x window`);
    const allowed = ex.vmCpus.get(v.name) ?? [];
    if (v.cpuNs > Math.min(v.vcpus, allowed.length) * window + EPS) bad.push(`vm ${v.name}: cpu ${v.cpuNs} > min(vcpus, ${allowed.length} allowed pCPUs) x window ${window}`);
    for (const k of ['share', 'weightShare', 'capacityShare'] as const) if (!(v[k] >= 0 && v[k] <= 1 + 1e-9)) bad.push(`vm ${v.name}: ${k} ${v[k]}`);
    groups.set(v.group, (groups.get(v.group) ?? 0) + v.share);
    if (v.groupCpus.some((c) => !(ex.poolCpus.get(v.pool) ?? []).includes(c))) bad.push(`vm ${v.name}: group CPUs ${v.groupCpus} outside pool ${v.pool}`);
  }
  for (const [g, s] of groups) if (s > 1 + 1e-6) bad.push(`group ${g}: shares sum ${s}`);
  // Latency summaries.
  for (const t of r.tasks) {
    const l = t.latency;
    const where = `task ${t.vm ?? 'host'}/${t.name}`;
    if (!(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max)) bad.push(`${where}: percentiles not ordered ${l.p50} ${l.p90} ${l.p99} ${l.max}`);
    if (l.count > 0 && !(l.mean <= l.max + 1)) bad.push(`${where}: mean ${l.mean} > max ${l.max}`);
    if (l.unfinished > l.count) bad.push(`${where}: unfinished ${l.unfinished} > count ${l.count}`);
    if (l.hist) {
      const n = l.hist.counts.reduce((a, b) => a + b, 0);
      if (n !== l.count) bad.push(`${where}: histogram holds ${n} samples, count ${l.count}`);
      if (l.hist.edgesNs.length !== l.hist.counts.length + 1) bad.push(`${where}: histogram edges/counts`);
    } else if (l.count > 0) bad.push(`${where}: no histogram for ${l.count} samples`);
    if (l.count === 0 && (l.max !== 0 || l.mean !== 0)) bad.push(`${where}: no samples but max ${l.max}`);
    if (t.range && !(t.range.start >= 0 && t.range.start <= t.range.end && t.range.end <= ex.textLength)) bad.push(`${where}: range ${JSON.stringify(t.range)}`);
    if (t.vm !== undefined && !r.vms.some((v) => v.name === t.vm)) bad.push(`${where}: unknown vm`);
    // No sample can be older than the run (a release at 0 finishing at the end).
    if (l.max > end + EPS) bad.push(`${where}: max ${l.max} > run end ${end}`);
  }
  for (const g of r.regions) {
    if (g.finishedAtNs > end) bad.push(`region ${g.name}: finished at ${g.finishedAtNs} > end ${end}`);
    if (g.roundsWithPreemption > g.rounds || g.roundsReducedDop > g.rounds) bad.push(`region ${g.name}: round counts ${JSON.stringify(g)}`);
    if (g.spinWhilePreemptedNs > g.spinNs + EPS) bad.push(`region ${g.name}: spin while preempted ${g.spinWhilePreemptedNs} > spin ${g.spinNs}`);
  }
  // Stalls and findings reference what exists, inside the run and the text.
  const inText = (rg: { start: number; end: number } | undefined) => !rg || (rg.start >= 0 && rg.start <= rg.end && rg.end <= ex.textLength);
  const lanes = new Set((timeline?.lanes ?? []).map((l) => l.id));
  for (const s of r.stalls) {
    if (!(s.startNs >= 0 && s.startNs + s.durationNs <= end + EPS)) bad.push(`stall ${s.task}: [${s.startNs}, +${s.durationNs}] outside [0, ${end}]`);
    if (!inText(s.range)) bad.push(`stall ${s.task}: range ${JSON.stringify(s.range)}`);
    if (s.vm !== undefined && !r.vms.some((v) => v.name === s.vm)) bad.push(`stall ${s.task}: unknown vm ${s.vm}`);
    if (timeline && s.lane !== undefined && !lanes.has(s.lane)) bad.push(`stall ${s.task}: unknown lane ${s.lane}`);
  }
  const byCause = Object.values(r.stallSummary.byCause).reduce((a, c) => a + c.count, 0);
  if (byCause !== r.stallSummary.count) bad.push(`stall summary: by cause ${byCause} != ${r.stallSummary.count}`);
  if (r.stalls.length > r.stallSummary.count) bad.push(`stalls listed ${r.stalls.length} > counted ${r.stallSummary.count}`);
  for (const f of r.findings) {
    if (!inText(f.range)) bad.push(`finding ${f.code}: range ${JSON.stringify(f.range)}`);
    if (timeline && f.lane !== undefined && !lanes.has(f.lane)) bad.push(`finding ${f.code}: unknown lane ${f.lane}`);
    if (!/^VPS3\d\d$/.test(f.code)) bad.push(`finding code ${f.code}`);
  }
  if (timeline) bad.push(...checkTimeline(r, ex));
  return bad;
}

function checkTimeline(r: VariantResult, ex: Expect): string[] {
  const bad: string[] = [];
  const tl = r.timeline!;
  const end = r.stop.simulatedNs;
  if (tl.endNs > end || tl.startNs < 0) bad.push(`timeline window [${tl.startNs}, ${tl.endNs}] vs run end ${end}`);
  const ranOn = new Map<string, Set<number>>();
  for (const l of tl.lanes) {
    const iv = l.intervals;
    if (iv.length % 4 !== 0) bad.push(`lane ${l.id}: ${iv.length} numbers`);
    let prev = tl.startNs;
    for (let i = 0; i < iv.length; i += 4) {
      const [s, e, st, c] = [iv[i], iv[i + 1], iv[i + 2], iv[i + 3]];
      if (!(s >= prev && e > s && e <= tl.endNs)) {
        bad.push(`lane ${l.id}: interval [${s}, ${e}) after ${prev}, window [${tl.startNs}, ${tl.endNs}]`);
        break;
      }
      if (!(st >= 0 && st < tl.states.length && Number.isInteger(st))) bad.push(`lane ${l.id}: state ${st}`);
      if (!(c >= -1 && c < tl.causes.length && Number.isInteger(c))) bad.push(`lane ${l.id}: cause ${c}`);
      prev = e;
      if (l.kind === 'pcpu' && tl.states[st] === 'running' && c >= 0) {
        const label = tl.causes[c];
        if (ex.vcpuCpus.has(label)) {
          const set = ranOn.get(label) ?? new Set<number>();
          set.add(Number(l.id.slice(l.id.indexOf(':') + 1)));
          ranOn.set(label, set);
        }
      }
    }
  }
  // Guest threads run (or spin) only while a vCPU of their VM runs.
  for (const v of r.vms) {
    const t = laneTotals(r, (l) => l.kind === 'guest-thread' && l.group === `vm:${v.name}`, ['running', 'spinning']);
    if (t > v.cpuNs + EPS * 100) bad.push(`vm ${v.name}: guest threads ran ${t} > its vCPUs ran ${v.cpuNs}`);
  }
  // A vCPU runs only on pCPUs its affinity (inside its pool) allows.
  for (const [label, cpus] of ranOn) {
    const allowed = ex.vcpuCpus.get(label) ?? [];
    const out = [...cpus].filter((c) => !allowed.includes(c));
    if (out.length > 0) bad.push(`${label} ran on pCPUs ${out} outside its affinity ${allowed}`);
  }
  return bad;
}

/** Time (after the warmup) the lanes selected spent in the named states, from the timeline. */
export function laneTotals(r: VariantResult, which: (l: { id: string; kind: string; group: string }) => boolean, states: string[]): number {
  const tl = r.timeline!;
  const ids = new Set(states.map((s) => tl.states.indexOf(s)).filter((i) => i >= 0));
  let sum = 0;
  for (const l of tl.lanes) {
    if (!which(l)) continue;
    const iv = l.intervals;
    for (let i = 0; i < iv.length; i += 4) if (ids.has(iv[i + 2])) sum += Math.max(0, iv[i + 1] - Math.max(iv[i], r.warmupNs));
  }
  return sum;
}

/**
 * Tasks whose releases do not depend on how the run goes (Poisson or periodic triggers, open-loop
 * ioloads, interrupts), by `vm/name`: without a warmup every release is a sample, finished or
 * censored, so their `latency.count` must be the same in every variant that leaves them as they are.
 */
export function releaseDrivenTasks(sc: Scenario): Map<string, string> {
  const out = new Map<string, string>();
  const trig = (p: { trigger: { kind: string }; count?: number; startNs: number }) => p.trigger.kind === 'poisson' || p.trigger.kind === 'periodic';
  for (const vm of sc.vms) {
    for (const t of vm.guest.threads) if (trig(t.program)) out.set(`${vm.name}/${t.name}`, JSON.stringify([t.program, t.count, t.vcpus]));
    for (const l of vm.guest.ioloads) if (l.ratePerSec !== undefined) out.set(`${vm.name}/${l.name}`, JSON.stringify([l.ratePerSec, l.vcpus]));
    for (const q of vm.guest.irqs) out.set(`${vm.name}/${q.name}`, JSON.stringify([q.ratePerSec, q.vcpus]));
    for (const t of vm.openhcl?.tasks ?? []) if (t.program.trigger.kind === 'poisson' || t.program.trigger.kind === 'periodic') out.set(`${vm.name}/${t.name}`, JSON.stringify([t.program.trigger, t.program.startNs, t.program.count]));
  }
  return out;
}
