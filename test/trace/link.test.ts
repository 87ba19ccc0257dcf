/**
 * Host and guest traces linked (trace/link): mapping, time alignment (given, same clock,
 * estimated), the consistency check, frozen guest threads with their host thief, lock-holder
 * suspicion, the merged timeline, and clear refusals for inputs that cannot be linked.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeTraceParts } from '../../server/src/trace';
import { applyLinks, linkHostGuest, linkSources, type LinkOptions } from '../../server/src/trace/link';
import { renderSummary } from '../../server/src/trace/summary';
import { documentJsonChunks } from '../../server/src/trace/json';
import { importBytes, realTrace } from './helpers';
import { GUEST_TID, HOG_TID, VCPU_TID, guestTrace, hostTrace, line, sw, wk, tracefsToDat, type Seg } from './linkGen';
import { datImport, runSync } from '../../server/src/trace/importers/dat';
import { datDecompressors } from '../../server/src/io/traceFile';
import { parseTimeShift, timeShiftSummary } from '../../server/src/trace/link/timeshift';

/** TIME_SHIFT option bytes: peer id, flags, then per CPU count, times, offsets, scalings (little-endian). */
function timeShiftOption(perCpu: { times: number[]; offsets: number[] }[]): Uint8Array {
  const out: number[] = [];
  const u32 = (v: number) => out.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  const i64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v, true);
    out.push(...b);
  };
  i64(0x1234n);
  u32(0);
  u32(perCpu.length);
  for (const c of perCpu) {
    u32(c.times.length);
    for (const t of c.times) i64(BigInt(t));
    for (const o of c.offsets) i64(BigInt(o));
    for (let i = 0; i < c.times.length; i++) i64(1n);
  }
  return Uint8Array.from(out);
}

function analyze(text: string, name: string, opts: { runnableStretchUs?: number } = {}) {
  const parts = analyzeTraceParts(importBytes(text, { fileName: name }), opts, { timeline: true });
  return { doc: { ...parts.document, file: name }, timeline: parts.timeline!, name };
}

function link(hostText: string, guestText: string, o: LinkOptions = {}, threshold = 500) {
  const h = analyze(hostText, 'host.txt', { runnableStretchUs: threshold });
  const g = analyze(guestText, 'guest.txt', { runnableStretchUs: threshold });
  return { r: linkHostGuest(h, g, o), h, g };
}

const stepArb = fc.record({ run: fc.integer({ min: 30, max: 3000 }), gap: fc.integer({ min: 20, max: 4000 }), kind: fc.constantFrom<0 | 1>(0, 1) });
const hostArb = fc.array(fc.array(stepArb, { minLength: 8, maxLength: 40 }), { minLength: 1, maxLength: 3 });

describe('host + guest linking', () => {
  it('recovers the mapping and, with the offset given, counts exactly the frozen stretches the generator put in, naming the host thief', () => {
    fc.assert(
      fc.property(hostArb, fc.integer({ min: -5_000_000, max: 5_000_000 }), (steps, offUs) => {
        const host = hostTrace(steps);
        const d = offUs * 1000;
        const guest = guestTrace(host.vcpus, d);
        fc.pre(guest.events.every((n) => n > 0));
        const { r } = link(host.text, guest.text, { guestOffsetNs: d });
        assert.equal(r.doc.status, 'linked', r.doc.reason);
        assert.equal(r.doc.mapping.method, 'thread-names');
        assert.deepEqual(r.doc.mapping.vcpus.map((v) => [v.guestCpu, v.hostTid]), steps.map((_, i) => [i, VCPU_TID + i]));
        assert.equal(r.doc.time.method, 'option');
        assert.equal(r.doc.check.outside, 0, JSON.stringify(r.doc.check));
        const want = guest.stalls.filter((s) => s.durationNs >= 500_000);
        assert.equal(r.doc.stalls.count, want.length, `stalls ${JSON.stringify(r.doc.stalls.examples)} vs ${JSON.stringify(want)}`);
        assert.equal(r.doc.stalls.totalNs, want.reduce((x, s) => x + s.durationNs, 0));
        for (const ex of r.doc.stalls.examples) {
          const w = want.find((s) => s.startNs === ex.startNs && s.cpu === ex.guestCpu);
          assert.ok(w, `stall at ${ex.startNs} not generated`);
          assert.equal(ex.thief, w.thief);
          assert.equal(ex.guestThread, w.thread);
          assert.equal(ex.durationNs, w.durationNs);
        }
        // Frozen time per guest CPU equals the generated stalls (all of them, any length).
        for (const v of r.doc.vcpus) {
          const all = guest.stalls.filter((s) => s.cpu === v.guestCpu).reduce((x, s) => x + s.durationNs, 0);
          assert.equal(v.busyStalledNs, all, `cpu ${v.guestCpu}`);
          if (all > 0) assert.equal(v.thieves[0].who, `hog (${HOG_TID + v.guestCpu})`);
        }
        const vps340 = r.findings.filter((f) => f.code === 'VPS340');
        assert.equal(vps340.length, new Set(want.map((s) => s.cpu)).size);
      }),
      { numRuns: 25, seed: 10 },
    );
  });

  it('estimates the offset within 20 us when no sync information exists, and says it is estimated', () => {
    fc.assert(
      fc.property(hostArb, fc.integer({ min: 1_000, max: 3_000_000_000 }), (steps, guestStartUs) => {
        // Guest clock far from the host's (another boot): the guest trace starts anywhere from 1 ms to 50 min.
        const host = hostTrace(steps);
        fc.pre(guestStartUs !== 100_000_000);
        const d = 100e9 - guestStartUs * 1000;
        const guest = guestTrace(host.vcpus, d);
        fc.pre(guest.events.reduce((a, b) => a + b, 0) >= 12);
        const { r } = link(host.text, guest.text);
        assert.equal(r.doc.status, 'linked');
        assert.equal(r.doc.time.method, 'estimated');
        assert.equal(r.doc.time.confidence, 'estimated');
        assert.ok(Math.abs(r.doc.time.offsetNs - d) <= 20_000, `estimated ${r.doc.time.offsetNs}, true ${d}`);
        assert.equal(r.doc.check.outside, 0);
      }),
      { numRuns: 20, seed: 11 },
    );
  });

  it('uses the time-sync data (TIME_SHIFT) of a guest .dat exactly', () => {
    const host = hostTrace([[{ run: 800, gap: 1500, kind: 0 }, { run: 700, gap: 300, kind: 1 }, { run: 1200, gap: 2000, kind: 0 }, { run: 900, gap: 600, kind: 0 }], [{ run: 600, gap: 900, kind: 1 }, { run: 1600, gap: 1100, kind: 0 }]]);
    const D = 99_000_000_000; // host = guest + D: the guest's clock started 99 s later
    const guest = guestTrace(host.vcpus, D);
    const opt = timeShiftOption([{ times: [1e9, 2e9], offsets: [D, D + 300] }, { times: [1e9], offsets: [D] }]);
    const parsed = parseTimeShift(opt, true)!;
    assert.deepEqual(timeShiftSummary(parsed), { offsetNs: D, driftNs: 300, samples: 3, cpus: 2, peer: '1234' });
    const bytes = tracefsToDat(guest.text, { options: [[12, opt]] });
    const tr = runSync(datImport(bytes.length, { decompressors: datDecompressors }), bytes);
    assert.deepEqual((tr.formatDetail as { timeShift?: unknown }).timeShift, { offsetNs: D, driftNs: 300, samples: 3, cpus: 2, peer: '1234' });
    const g = analyzeTraceParts(tr, { runnableStretchUs: 500 }, { timeline: true });
    const h = analyze(host.text, 'host.txt', { runnableStretchUs: 500 });
    const r = linkHostGuest(h, { doc: g.document, timeline: g.timeline!, name: 'guest.dat' });
    assert.equal(r.doc.time.method, 'time-sync');
    assert.equal(r.doc.time.offsetNs, D);
    assert.equal(r.doc.time.confidence, 'exact');
    assert.match(r.doc.time.detail, /TIME_SHIFT option, 3 samples, offsets varying by 300 ns/);
    assert.equal(r.doc.check.outside, 0);
    assert.equal(r.doc.stalls.count, guest.stalls.filter((x) => x.durationNs >= 500_000).length);
    // Truncated option bytes are not trusted.
    assert.equal(parseTimeShift(opt.subarray(0, 30), true), undefined);
  });

  it('counts exactly the injected inconsistent guest events, and still estimates the offset when they are few', () => {
    fc.assert(
      fc.property(hostArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1_000, max: 50_000_000 }), (steps, every, guestStartUs) => {
        const host = hostTrace(steps);
        const d = 100e9 - guestStartUs * 1000;
        const guest = guestTrace(host.vcpus, d, { injectEvery: every });
        fc.pre(guest.injected > 0);
        const given = link(host.text, guest.text, { guestOffsetNs: d }).r;
        assert.equal(given.doc.check.outside, guest.injected);
        const total = guest.events.reduce((a, b) => a + b, 0);
        // Every switch is judged but each CPU's last (it ends no interval the timeline keeps).
        assert.ok(given.doc.check.events <= total && given.doc.check.events >= total - steps.length, `${given.doc.check.events} of ${total}`);
        const pct = (100 * guest.injected) / given.doc.check.events;
        assert.equal(given.doc.time.confidence, pct > 5 ? 'low' : 'exact');
        assert.equal(given.findings.some((f) => f.code === 'VPS343'), pct > 5);
        if (pct <= 5 && total >= 20) {
          const est = link(host.text, guest.text).r;
          assert.ok(Math.abs(est.doc.time.offsetNs - d) <= 20_000, `estimated ${est.doc.time.offsetNs}, true ${d}`);
        }
      }),
      { numRuns: 20, seed: 13 },
    );
  });

  it('picks the VM whose vCPU threads the guest events fit, among several', () => {
    // Two 1-vCPU VMs on two pCPUs (tids 1001 and 1201, both "CPU 0/KVM"); the guest is the second.
    const steps = [
      [{ run: 800, gap: 1500, kind: 0 as const }, { run: 700, gap: 300, kind: 1 as const }, { run: 1200, gap: 2000, kind: 0 as const }, { run: 500, gap: 900, kind: 1 as const }],
      [{ run: 300, gap: 700, kind: 1 as const }, { run: 1600, gap: 1100, kind: 0 as const }, { run: 450, gap: 350, kind: 1 as const }, { run: 900, gap: 1300, kind: 0 as const }],
    ];
    const host = hostTrace(steps, 100e9, { vcpuTids: [1001, 1201], vcpuNumbers: [0, 0] });
    const guest = guestTrace([host.vcpus[1]], 0);
    const { r, h } = link(host.text, guest.text);
    assert.equal(h.doc.vms.length, 2);
    assert.equal(r.doc.status, 'linked');
    assert.deepEqual(r.doc.mapping.vcpus.map((v) => v.hostTid), [1201]);
    assert.match(r.doc.mapping.vmChoice, /chosen among 2 VMs/);
    assert.equal(r.doc.check.outside, 0);
  });

  it('with kvm_entry / kvm_exit, checks guest events against guest mode (stricter than running)', () => {
    const steps = [[{ run: 800, gap: 1500, kind: 0 as const }, { run: 700, gap: 300, kind: 1 as const }, { run: 1200, gap: 2000, kind: 0 as const }, { run: 600, gap: 500, kind: 1 as const }]];
    const host = hostTrace(steps, 100e9, { kvmUs: 10 });
    // Guest events 15 us inside host runs: inside guest mode (entry 10 us after the switch-in).
    const inMode = link(host.text, guestTrace(host.vcpus, 0, { marginNs: 15_000 }).text, { guestOffsetNs: 0 }).r;
    assert.equal(inMode.doc.check.against, 'guest-mode');
    assert.equal(inMode.doc.check.outside, 0);
    // 5 us inside: the thread ran, but the vCPU was not in guest mode yet (or any more): the
    // switches at the start and end of runs are outside, those in the middle of long runs inside.
    const early = guestTrace(host.vcpus, 0, { marginNs: 5_000 });
    const r = link(host.text, early.text, { guestOffsetNs: 0 }).r;
    assert.equal(r.doc.check.against, 'guest-mode');
    const mids = steps[0].filter((x) => x.run >= 200).length + 1; // + the final 1 ms run
    assert.equal(r.doc.check.outside, r.doc.check.events - mids, JSON.stringify(r.doc.check));
    assert.equal(r.doc.time.confidence, 'low');
    // Without kvm events the same guest fits the running intervals.
    const plain = link(hostTrace(steps).text, early.text, { guestOffsetNs: 0 }).r;
    assert.equal(plain.doc.check.against, 'running');
    assert.equal(plain.doc.check.outside, 0);
  });

  it('keeps the same clock when the guest events agree with it, and flags a wrong given offset', () => {
    const host = hostTrace([[{ run: 800, gap: 900, kind: 0 }, { run: 700, gap: 300, kind: 1 }, { run: 1200, gap: 2000, kind: 0 }, { run: 600, gap: 500, kind: 1 }, { run: 900, gap: 100, kind: 0 }], [{ run: 500, gap: 700, kind: 1 }, { run: 1500, gap: 1200, kind: 0 }, { run: 400, gap: 300, kind: 1 }, { run: 1000, gap: 600, kind: 0 }]]);
    const guest = guestTrace(host.vcpus, 0);
    const same = link(host.text, guest.text).r;
    assert.equal(same.doc.time.method, 'same-clock');
    assert.equal(same.doc.time.confidence, 'checked');
    assert.equal(same.doc.check.outside, 0);
    const wrong = link(host.text, guest.text, { guestOffsetNs: 450_000 }).r;
    assert.equal(wrong.doc.time.confidence, 'low');
    assert.ok(wrong.doc.check.outsidePct > 5, String(wrong.doc.check.outsidePct));
    assert.ok(wrong.findings.some((f) => f.code === 'VPS343' && /probably wrong/.test(f.message)));
  });

  it('suspects lock-holder preemption when a sibling of the same process keeps running, not when it is idle', () => {
    // vCPU 0 preempted 2 ms by the hog while vCPU 1 runs on (its guest thread unswitched).
    const v0: Seg[] = [
      { a: 100e9, b: 100e9 + 1e6, kind: 'run' },
      { a: 100e9 + 1e6, b: 100e9 + 3e6, kind: 'preempted', who: `hog (${HOG_TID})` },
      { a: 100e9 + 3e6, b: 100e9 + 4e6, kind: 'run' },
    ];
    const spin: Seg[] = [{ a: 100e9, b: 100e9 + 4e6, kind: 'run' }];
    const hostText = hostTrace([[{ run: 1000, gap: 2000, kind: 0 }], [{ run: 3000, gap: 1, kind: 1 }]]).text;
    const hostSegs = hostTrace([[{ run: 1000, gap: 2000, kind: 0 }], [{ run: 3000, gap: 1, kind: 1 }]]).vcpus;
    assert.deepEqual(hostSegs[0].slice(0, 3), v0.map((s) => ({ ...s })));
    void spin;
    const guest = guestTrace(hostSegs, 0);
    const { r } = link(hostText, guest.text, {}, 1000);
    assert.equal(r.doc.stalls.count, 1);
    assert.equal(r.doc.lockHolder.count, 1, JSON.stringify(r.doc.lockHolder));
    assert.match(r.doc.lockHolder.examples[0].siblings[0], /^worker \(31[12]\) on CPU 1 kept running/);
    assert.ok(r.findings.some((f) => f.code === 'VPS341'));
    // Same schedule, but the sibling runs another program: no suspicion.
    const other = guestTrace(hostSegs, 0, { comm: (cpu) => (cpu === 0 ? 'worker' : 'logger') });
    const r2 = link(hostText, other.text, {}, 1000).r;
    assert.equal(r2.doc.stalls.count, 1);
    assert.equal(r2.doc.lockHolder.count, 0);
  });

  it('suspects lock-holder preemption when the frozen thread wakes a sibling that slept through its stall', () => {
    // Host: vCPU 0 runs 1 ms, is preempted 2 ms, runs 1 ms; vCPU 1 runs 0.5 ms, sleeps 3 ms, runs 1 ms.
    const host = hostTrace([[{ run: 1000, gap: 2000, kind: 0 }], [{ run: 500, gap: 3000, kind: 1 }]]);
    const t = (us: number) => 100e9 + us * 1000;
    const tsOf = (l: string): number => Number(/ ([\d.]+): /.exec(l)?.[1] ?? 0);
    const g = [
      '# tracer: nop',
      line('<idle>', 0, 0, t(4), 'sched_wakeup', wk('worker', 301, 0)),
      line('<idle>', 0, 0, t(5), 'sched_switch', sw('swapper/0', 0, 'R', 'worker', 301)),
      line('<idle>', 0, 1, t(4), 'sched_wakeup', wk('worker', 311, 1)),
      line('<idle>', 0, 1, t(5), 'sched_switch', sw('swapper/1', 0, 'R', 'worker', 311)),
      line('worker', 311, 1, t(400), 'sched_switch', sw('worker', 311, 'S', 'swapper/1', 0)),
      // 301 is frozen from 1000 to 3000 us (no guest event), then wakes 311 (it held what 311 waited for).
      line('worker', 301, 0, t(3100), 'sched_waking', wk('worker', 311, 1)),
      line('worker', 301, 0, t(3101), 'sched_wakeup', wk('worker', 311, 1)),
      line('<idle>', 0, 1, t(3505), 'sched_switch', sw('swapper/1', 0, 'R', 'worker', 311)),
      line('worker', 301, 0, t(3900), 'sched_switch', sw('worker', 301, 'S', 'swapper/0', 0)),
      line('worker', 311, 1, t(4400), 'sched_switch', sw('worker', 311, 'S', 'swapper/1', 0)),
    ].sort((a, b) => tsOf(a) - tsOf(b));
    const { r } = link(host.text, g.join('\n') + '\n', {}, 1000);
    assert.equal(r.doc.check.outside, 0, JSON.stringify(r.doc.check));
    assert.equal(r.doc.stalls.count, 1);
    assert.equal(r.doc.stalls.examples[0].guestThread, 'worker (301)');
    assert.equal(r.doc.lockHolder.count, 1);
    assert.deepEqual(r.doc.lockHolder.examples[0].siblings, ['worker (311) slept until woken by it']);
  });

  it('merges guest lanes under their vCPU in the timeline, JSON and text summary', () => {
    const host = hostTrace([[{ run: 800, gap: 1500, kind: 0 }, { run: 700, gap: 300, kind: 1 }, { run: 1200, gap: 2000, kind: 0 }]]);
    const guest = guestTrace(host.vcpus, 0);
    const h = analyze(host.text, 'host.txt');
    const g = analyze(guest.text, 'guest.txt');
    const r = linkHostGuest(h, g);
    const { document, timeline } = applyLinks(h.doc, h.timeline, [r], [g.doc]);
    const ids = timeline.lanes.map((l) => l.id);
    const vcpuAt = ids.indexOf(`pid:${VCPU_TID}`);
    assert.equal(ids[vcpuAt + 1], 'link:guest/vcpu:0');
    assert.ok(ids.includes(`link:guest/pid:${GUEST_TID}`));
    // Guest lanes are on the host axis: the guest CPU lane's first busy interval starts inside the vCPU's first run.
    const gl = timeline.lanes[vcpuAt + 1];
    let first = 0;
    while (gl.causeAt(first) < 0) first++;
    assert.ok(gl.startAt(first) >= 100e9 && gl.startAt(first) < 100e9 + 800_000);
    assert.equal(timeline.causes[gl.causeAt(first)], `guest worker (${GUEST_TID})`);
    // The frozen stretch (vCPU preempted 800..2300 us while the guest ran a thread) is drawn runnable, caused by the host hog.
    const frozen: [number, number, string, string][] = [];
    for (let i = 0; i < gl.length; i++) if (timeline.states[gl.stateAt(i)] === 'runnable') frozen.push([gl.startAt(i) - 100e9, gl.endAt(i) - 100e9, timeline.states[gl.stateAt(i)], timeline.causes[gl.causeAt(i)]]);
    assert.deepEqual(frozen[0], [800_000, 2_300_000, 'runnable', `hog (${HOG_TID})`]);
    const json = JSON.parse([...documentJsonChunks(document, timeline)].join(''));
    assert.equal(json.hostGuest[0].status, 'linked');
    assert.equal(json.hostGuest[0].time.method, 'same-clock');
    assert.ok(json.findings.some((f: { code: string }) => f.code === 'VPS340'));
    const text = renderSummary(document);
    assert.match(text, /Host and guest: guest\.txt/);
    assert.match(text, /guest CPU 0 -> CPU 0\/KVM \(1001\)/);
    assert.match(text, /time: {5}host = guest \+ 0 ns, same-clock, confidence checked/);
  });

  it('links the host and guest sources of one multi-file trace-cmd report', () => {
    const host = hostTrace([[{ run: 800, gap: 1500, kind: 0 }, { run: 700, gap: 300, kind: 1 }, { run: 1200, gap: 2000, kind: 0 }]]);
    const guest = guestTrace(host.vcpus, 0);
    const body = (text: string, name: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => `${name}: ${l}`);
    const text = [' host.dat: cpus=1', 'guest.dat: cpus=1', ...body(host.text, ' host.dat'), ...body(guest.text, 'guest.dat')].join('\n') + '\n';
    const parts = analyzeTraceParts(importBytes(text), { runnableStretchUs: 500 }, { timeline: true });
    const links = linkSources(parts.document, parts.timeline!);
    assert.equal(links.length, 1);
    assert.equal(links[0].doc.guest, 'guest.dat');
    assert.equal(links[0].doc.status, 'linked', links[0].doc.reason);
    assert.equal(links[0].doc.time.method, 'same-clock');
    assert.equal(links[0].doc.stalls.count, 2);
    assert.equal(links[0].doc.stalls.examples[0].thief, `hog (${HOG_TID})`);
  });

  it('refuses or warns clearly on inputs that cannot be linked, never throws', () => {
    const host = hostTrace([[{ run: 800, gap: 1500, kind: 0 }, { run: 700, gap: 300, kind: 1 }]]);
    const twoCpuHost = hostTrace([[{ run: 800, gap: 1500, kind: 0 }], [{ run: 800, gap: 1500, kind: 0 }]]);
    const guest2 = guestTrace(twoCpuHost.vcpus, 0);
    // Guest with more CPUs than the host has vCPU threads.
    const more = link(host.text, guest2.text).r;
    assert.equal(more.doc.status, 'linked');
    assert.deepEqual(more.doc.mapping.unmappedGuestCpus, [1]);
    assert.ok(more.doc.warnings.some((w) => /guest CPUs 1 have no vCPU thread/.test(w)));
    // Files given the wrong way round.
    const swapped = link(guestTrace(host.vcpus, 0).text, host.text).r;
    assert.equal(swapped.doc.status, 'refused');
    assert.match(swapped.doc.reason!, /give the host trace first/);
    // A guest trace with no sched_switch.
    const nosched = link(host.text, '# tracer: nop\n          <idle>-0     [000] d..2.   100.000100: sched_wakeup: comm=a pid=5 prio=120 target_cpu=000\n').r;
    assert.equal(nosched.doc.status, 'refused');
    assert.ok(nosched.findings.some((f) => f.code === 'VPS344'));
    // A host without vCPU threads.
    const novcpu = link(guestTrace(host.vcpus, 0).text, guestTrace(host.vcpus, 0).text).r;
    assert.equal(novcpu.doc.status, 'refused');
    assert.match(novcpu.doc.reason!, /no vCPU threads/);
    // No overlap in time with the given offset.
    const far = link(host.text, guestTrace(host.vcpus, 0).text, { guestOffsetNs: 3600e9 }).r;
    assert.ok(far.doc.warnings.some((w) => /do not overlap/.test(w)));
    // Random garbage on the guest side.
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (junk) => {
        const r = link(host.text, junk).r;
        assert.ok(r.doc.status === 'refused' || r.doc.status === 'linked');
      }),
      { numRuns: 30, seed: 12 },
    );
  });

  it('links a real shared host trace with a guest generated from its vCPU threads', () => {
    const hostText = realTrace('r3_1x_n2_2hogs', 'tracefs_trace');
    const h = analyze(hostText.toString('latin1'), 'r3.tracefs');
    const H = h.timeline;
    const st = (i: number) => H.states[i];
    const vcpus = h.doc.threads.filter((t) => t.vcpu !== null).sort((a, b) => a.vcpu! - b.vcpu!);
    assert.equal(vcpus.length, 2);
    const segs: Seg[][] = vcpus.map((t) => {
      const l = H.lanes.find((x) => x.id === t.lane)!;
      const out: Seg[] = [];
      for (let i = 0; i < l.length; i++) {
        const s = st(l.stateAt(i));
        const kind = s === 'running' || s === 'inferred' ? 'run' : s === 'runnable' ? 'preempted' : 'sleep';
        const last = out[out.length - 1];
        if (last && last.kind === kind && last.b === l.startAt(i)) last.b = l.endAt(i);
        else out.push({ a: l.startAt(i), b: l.endAt(i), kind });
      }
      return out;
    });
    const d = -1_234_567_000; // guest clock 1.23 s behind... ahead of the host's
    const guest = guestTrace(segs, d);
    const g = analyze(guest.text, 'guest.txt');
    const given = linkHostGuest(h, g, { guestOffsetNs: d });
    assert.equal(given.doc.status, 'linked');
    assert.deepEqual(given.doc.mapping.vcpus.map((v) => v.hostComm), ['CPU 0/KVM', 'CPU 1/KVM']);
    assert.ok(given.doc.check.outsidePct < 1, JSON.stringify(given.doc.check));
    const est = linkHostGuest(h, g);
    assert.equal(est.doc.time.method, 'estimated');
    assert.ok(Math.abs(est.doc.time.offsetNs - d) <= 20_000, `estimated ${est.doc.time.offsetNs}, true ${d}`);
    // Frozen time: the generated stalls, and the thieves are the host hogs.
    const frozen = given.doc.vcpus.reduce((x, v) => x + v.busyStalledNs, 0);
    const want = guest.stalls.reduce((x, s) => x + s.durationNs, 0);
    assert.ok(Math.abs(frozen - want) <= 0.02 * want, `${frozen} vs ${want}`);
    const thieves = new Set(given.doc.vcpus.flatMap((v) => v.thieves.slice(0, 1).map((t) => t.who)));
    assert.ok([...thieves].every((t) => /hog|CPU \d\/KVM/.test(t)), [...thieves].join(','));
  });
});
