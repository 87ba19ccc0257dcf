/**
 * Not a test: prints a digest of every linking output (documents, findings, merged timelines,
 * text summaries) over generated and real inputs, to show that a refactor of trace/link keeps
 * outputs byte-identical (run before and after, compare). `node --import tsx test/trace/linkSnapshot.ts`
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { analyzeTraceParts } from '../../server/src/trace';
import { applyLinks, linkHostGuest, linkSources, type LinkOptions, type LinkResult } from '../../server/src/trace/link';
import { renderSummary } from '../../server/src/trace/summary';
import { documentJsonChunks } from '../../server/src/trace/json';
import { importBytes, realTrace } from './helpers';
import { guestTrace, hostTrace, realHostSegs } from './linkGen';

type Side = ReturnType<typeof analyze>;
function analyze(text: string | Uint8Array, name: string, threshold = 500) {
  const parts = analyzeTraceParts(importBytes(text, { fileName: name }), { runnableStretchUs: threshold }, { timeline: true });
  return { doc: { ...parts.document, file: name }, timeline: parts.timeline!, name };
}
const all = createHash('sha256');
let n = 0;
function out(label: string, h: Side, rs: LinkResult[], g?: Side): void {
  const { document, timeline } = applyLinks(h.doc, h.timeline, rs, g ? [g.doc] : []);
  const text = renderSummary(document) + [...documentJsonChunks(document, timeline)].join('') + JSON.stringify(rs.map((r) => [r.doc, r.findings, r.causes, r.wakes, r.lanes.map((l) => [l.after, l.lane.toData()])]));
  const d = createHash('sha256').update(text).digest('hex').slice(0, 16);
  all.update(text);
  n++;
  console.log(label, d, text.length);
}
const stepArb = fc.record({ run: fc.integer({ min: 30, max: 3000 }), gap: fc.integer({ min: 20, max: 4000 }), kind: fc.constantFrom<0 | 1>(0, 1) });
const hostArb = fc.array(fc.array(stepArb, { minLength: 8, maxLength: 40 }), { minLength: 1, maxLength: 3 });
const samples = fc.sample(fc.tuple(hostArb, fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.integer({ min: 1, max: 4 })), { numRuns: 24, seed: 77 });
samples.forEach(([steps, offUs, every], i) => {
  const host = hostTrace(steps, 100e9, i % 3 === 0 ? { kvmUs: 10 } : {});
  const d = offUs * 1000;
  const h = analyze(host.text, 'host.txt', i % 2 ? 500 : 1000);
  const g = analyze(guestTrace(host.vcpus, d, { injectEvery: i % 4 === 0 ? every : undefined, marginNs: i % 5 === 0 ? 15_000 : undefined }).text, 'guest.txt', i % 2 ? 500 : 1000);
  const o: LinkOptions[] = [{ guestOffsetNs: d }, {}, { guestVcpus: Object.fromEntries(steps.map((_, k) => [k, 1001 + k])) }];
  o.forEach((opt, k) => out(`gen${i}.${k}`, h, [linkHostGuest(h, g, opt)], g));
});
// Two VMs, wrong order, junk.
{
  const steps = [
    [{ run: 800, gap: 1500, kind: 0 as const }, { run: 700, gap: 300, kind: 1 as const }, { run: 1200, gap: 2000, kind: 0 as const }, { run: 500, gap: 900, kind: 1 as const }],
    [{ run: 300, gap: 700, kind: 1 as const }, { run: 1600, gap: 1100, kind: 0 as const }, { run: 450, gap: 350, kind: 1 as const }, { run: 900, gap: 1300, kind: 0 as const }],
  ];
  const host = hostTrace(steps, 100e9, { vcpuTids: [1001, 1201], vcpuNumbers: [0, 0] });
  const h = analyze(host.text, 'host.txt');
  const g = analyze(guestTrace([host.vcpus[1]], 0).text, 'guest.txt');
  out('twovms', h, [linkHostGuest(h, g)], g);
  out('swapped', g, [linkHostGuest(g, h)], h);
  const j = analyze('# tracer: nop\n          <idle>-0     [000] d..2.   100.000100: sched_wakeup: comm=a pid=5 prio=120 target_cpu=000\n', 'junk.txt');
  out('junk', h, [linkHostGuest(h, j)], j);
  const far = analyze(guestTrace(host.vcpus, 0).text, 'far.txt');
  out('far', h, [linkHostGuest(h, far, { guestOffsetNs: 3600e9 })], far);
}
// Multi-file report.
{
  const host = hostTrace([[{ run: 800, gap: 1500, kind: 0 }, { run: 700, gap: 300, kind: 1 }, { run: 1200, gap: 2000, kind: 0 }]]);
  const guest = guestTrace(host.vcpus, 0);
  const body = (text: string, name: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => `${name}: ${l}`);
  const text = [' host.dat: cpus=1', 'guest.dat: cpus=1', ...body(host.text, ' host.dat'), ...body(guest.text, 'guest.dat')].join('\n') + '\n';
  const parts = analyzeTraceParts(importBytes(text), { runnableStretchUs: 500 }, { timeline: true });
  const h = { doc: parts.document, timeline: parts.timeline!, name: 'multi' };
  out('multi', h, linkSources(parts.document, parts.timeline!));
}
// The three shared traces with a generated guest: estimated and given.
for (const run of ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs']) {
  const raw = realTrace(run, 'tracefs_trace');
  const OFFSET = 987_654_321_000;
  const g = analyze(guestTrace(realHostSegs(importBytes(raw)), OFFSET).text, 'guest.txt', 1000);
  const h = analyze(raw, `${run}.tracefs`, 1000);
  out(`${run}.est`, h, [linkHostGuest(h, g)], g);
  out(`${run}.given`, h, [linkHostGuest(h, g, { guestOffsetNs: OFFSET })], g);
}
// kvm_write_tsc_offset: used (text, clocks stated), and not used (clocks not stated).
{
  const host = hostTrace([[{ run: 800, gap: 1500, kind: 0 }, { run: 700, gap: 300, kind: 1 }, { run: 1200, gap: 2000, kind: 0 }], [{ run: 600, gap: 900, kind: 1 }, { run: 1600, gap: 1100, kind: 0 }]]);
  const d = 3_000_000_000;
  const lines = host.text.split('\n');
  const at = lines.findIndex((l) => /next_comm=CPU 0\/KVM/.test(l));
  lines.splice(at + 1, 0, lines[at].replace(/<idle>-0 /, 'CPU 0/KVM-1001').replace(/sched_switch: .*/, `kvm_write_tsc_offset: vcpu=0 prev=0 next=${BigInt.asUintN(64, BigInt(-d))}`));
  const h = analyze(lines.join('\n'), 'host.txt');
  const g = analyze(guestTrace(host.vcpus, d).text, 'guest.txt');
  out('tsc.used', h, [linkHostGuest(h, g, { hostClock: 'x86-tsc', guestClock: 'x86-tsc' })], g);
  out('tsc.unused', h, [linkHostGuest(h, g)], g);
}
console.log('ALL', n, all.digest('hex'));
