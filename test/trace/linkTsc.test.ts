/**
 * Host/guest alignment from the host's kvm_write_tsc_offset events (trace/link/tsc.ts): the
 * importers keep the event (tracefs text, `trace-cmd report -R` bodies, perf script, .dat v6 and
 * v7) with exact 64-bit offsets; linking uses it when both traces are on the x86-tsc clock (the
 * .dat's clock option, or --host-clock / --guest-clock for text) and says why not otherwise.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeTraceParts } from '../../server/src/trace';
import { linkHostGuest, type LinkOptions } from '../../server/src/trace/link';
import { renderSummary } from '../../server/src/trace/summary';
import { datImport, runSync } from '../../server/src/trace/importers/dat';
import { datDecompressors } from '../../server/src/io/traceFile';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBytes, runAnalyze } from './helpers';
import { guestTrace, hostTrace, line, tracefsToDat, VCPU_TID } from './linkGen';
import { le } from './datWriter';

const U64 = 1n << 64n;
/** How the kernel prints a (signed) offset: as a u64. */
const u64 = (x: bigint): string => String(BigInt.asUintN(64, x));

/** The host text with one kvm_write_tsc_offset per vCPU, written by the vCPU thread 1 us after it first runs. */
function withTscWrites(text: string, vcpus: number, offsets: (cpu: number) => bigint, body = (cpu: number, off: bigint) => `vcpu=${cpu} prev=0 next=${u64(off)}`): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const done = new Set<number>();
  for (const l of lines) {
    out.push(l);
    const m = /sched_switch: .*next_comm=CPU (\d+)\/KVM next_pid=(\d+)/.exec(l);
    if (m && !done.has(Number(m[1])) && Number(m[1]) < vcpus) {
      const cpu = Number(m[1]);
      done.add(cpu);
      const ts = Math.round(Number(/ ([\d.]+): /.exec(l)![1]) * 1e6) * 1000;
      out.push(line(`CPU ${cpu}/KVM`, Number(m[2]), cpu, ts, 'kvm_write_tsc_offset', body(cpu, offsets(cpu))));
    }
  }
  return out.join('\n');
}

function analyze(bytes: string | Uint8Array, name: string) {
  const parts = analyzeTraceParts(typeof bytes === 'string' || !isDat(bytes) ? importBytes(bytes, { fileName: name }) : runSync(datImport(bytes.length, { decompressors: datDecompressors, fileName: name }), bytes), { runnableStretchUs: 500 }, { timeline: true });
  return { doc: { ...parts.document, file: name }, timeline: parts.timeline!, name };
}
const isDat = (b: Uint8Array) => b[0] === 0x17 && b[1] === 0x08;

const TSC = { hostClock: 'x86-tsc', guestClock: 'x86-tsc' } satisfies LinkOptions;
const steps = [
  [{ run: 800, gap: 1500, kind: 0 as const }, { run: 700, gap: 300, kind: 1 as const }, { run: 1200, gap: 2000, kind: 0 as const }, { run: 900, gap: 600, kind: 0 as const }],
  [{ run: 600, gap: 900, kind: 1 as const }, { run: 1600, gap: 1100, kind: 0 as const }, { run: 500, gap: 700, kind: 0 as const }],
];

/** tracefsToDat with this file's usual arguments. */
const toDat = (text: string, version: 6 | 7, clock: string, scale = 1, options: [number, Uint8Array][] = []) => tracefsToDat(text, { version, clock, scale, options });

describe('kvm_write_tsc_offset', () => {
  it('is kept by every text importer and the .dat reader with exact 64-bit offsets, and counted in the summary', () => {
    const off = -(1n << 60n) - 12345n; // below -2^53: not exact as a double
    const host = hostTrace(steps);
    const text = withTscWrites(host.text, 2, () => off);
    const raw = withTscWrites(host.text, 2, () => off, (cpu, o) => `vcpu_id=${cpu} previous_tsc_offset=0 next_tsc_offset=${u64(o)}`);
    const perf = text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const m = /^\s*(.+)-(\d+)\s+\[(\d+)\] \S+\s+([\d.]+): (\w+): (.*)$/.exec(l)!;
        return `${m[1].padStart(16)} ${m[2].padStart(6)} [${m[3]}] ${m[4]}: ${m[5] === 'kvm_write_tsc_offset' ? 'kvm' : 'sched'}:${m[5]}: ${m[6]}`;
      })
      .join('\n');
    for (const [name, input] of [['tracefs', text], ['report -R', raw], ['perf', perf], ['dat v6', toDat(text, 6, 'x86-tsc')], ['dat v7', toDat(text, 7, 'x86-tsc')]] as const) {
      const a = analyze(input, name);
      assert.deepEqual(a.doc.stats.warnings, [], name);
      assert.equal(a.doc.stats.eventsByName.kvm_write_tsc_offset, 2, name);
      assert.equal(a.doc.stats.unknownEvents.kvm_write_tsc_offset, undefined, name);
      assert.deepEqual(
        a.doc.tscOffsets?.map((w) => [w.vcpu, w.tid, w.comm, w.previousTscOffset, w.nextTscOffset]),
        [0, 1].map((c) => [c, VCPU_TID + c, `CPU ${c}/KVM`, '0', String(off)]),
        name,
      );
      assert.match(renderSummary(a.doc), new RegExp(`tsc: {6}2 kvm_write_tsc_offset events; last offset per vCPU .*: vCPU 0 ${off}, vCPU 1 ${off}`), name);
    }
    // The same host without the event: no field at all (documents of other traces unchanged).
    assert.equal(analyze(host.text, 'plain').doc.tscOffsets, undefined);
    // A malformed body is a located warning, not a crash.
    const bad = analyze(withTscWrites(host.text, 1, () => 0n, () => 'vcpu=0 prev=zz next=1'), 'bad');
    assert.equal(bad.doc.stats.malformedLines, 1);
    assert.match(bad.doc.stats.warnings[0].reason, /kvm_write_tsc_offset: expected vcpu=N prev=N next=N/);
    assert.equal(BigInt(u64(off)) - U64, off);
  });

  it('aligns text traces exactly when both clocks are stated x86-tsc, and says why not otherwise', () => {
    const host = hostTrace(steps);
    const d = 99_000_123_000; // host = guest + d, so guest TSC = host TSC - d
    const guest = guestTrace(host.vcpus, d);
    const h = analyze(withTscWrites(host.text, 2, () => BigInt(-d)), 'host.txt');
    const g = analyze(guest.text, 'guest.txt');
    const r = linkHostGuest(h, g, TSC);
    assert.equal(r.doc.time.method, 'kvm-tsc-offset');
    assert.equal(r.doc.time.offsetNs, d);
    assert.equal(r.doc.time.confidence, 'exact');
    assert.match(r.doc.time.detail, new RegExp(`guest TSC = host TSC \\+ -${d} cycles for vCPU 0, 1 \\(all equal\\)`));
    assert.match(r.doc.time.detail, /TSC scaling is not handled/);
    assert.equal(r.doc.check.outside, 0);
    assert.deepEqual(r.doc.warnings, []);
    // Clocks not stated: the offset is not used, and the detail says why.
    const plain = linkHostGuest(h, g);
    assert.equal(plain.doc.time.method, 'estimated');
    assert.match(plain.doc.time.detail, /2 kvm_write_tsc_offset events of the host trace not used: the host trace does not say its clock, the guest trace does not say its clock; .*state it with --host-clock \/ --guest-clock/);
    // A stated non-TSC clock: said by name.
    const local = linkHostGuest(h, g, { hostClock: 'local', guestClock: 'x86-tsc' });
    assert.notEqual(local.doc.time.method, 'kvm-tsc-offset');
    assert.match(local.doc.time.detail, /not used: the host clock is local \(stated\), the guest clock is x86-tsc \(stated\)/);
    // --guest-offset-ns still wins.
    assert.equal(linkHostGuest(h, g, { ...TSC, guestOffsetNs: d }).doc.time.method, 'option');
  });

  it('reports vCPUs whose offsets differ (and uses the first), and vCPUs without an event', () => {
    const host = hostTrace(steps);
    const d = 5_000_000_000;
    const guest = guestTrace(host.vcpus, d);
    const g = analyze(guest.text, 'guest.txt');
    const differ = linkHostGuest(analyze(withTscWrites(host.text, 2, (c) => BigInt(-d) + BigInt(c) * 777n), 'host.txt'), g, TSC);
    assert.equal(differ.doc.time.method, 'kvm-tsc-offset');
    assert.equal(differ.doc.time.offsetNs, d);
    assert.ok(differ.doc.warnings.some((w) => /different TSC offsets for the guest's vCPUs \(vCPU 0: -5000000000, vCPU 1: -4999999223; spread 777 cycles\)/.test(w)), differ.doc.warnings.join('\n'));
    assert.ok(differ.findings.some((f) => f.code === 'VPS343'));
    const one = linkHostGuest(analyze(withTscWrites(host.text, 1, () => BigInt(-d)), 'host.txt'), g, TSC);
    assert.equal(one.doc.time.offsetNs, d);
    assert.match(one.doc.time.detail, /assumed the same for vCPU 1 \(no event\)/);
  });

  it('aligns .dat files (v6 and v7) from their x86-tsc clock option, scaling cycles with TSC2NSEC', () => {
    const host = hostTrace(steps);
    const d = 42_000_000_000; // ns
    const guest = guestTrace(host.vcpus, d);
    // 2 cycles per ns: TSC2NSEC mult 1, shift 1. guest cycles = host cycles + offset, offset = -2d.
    const tsc2nsec = Uint8Array.from([...le(1, 4), ...le(1, 4), ...le(0, 8)]);
    for (const version of [6, 7] as const) {
      const hd = analyze(toDat(withTscWrites(host.text, 2, () => BigInt(-2 * d)), version, 'x86-tsc', 2, [[14, tsc2nsec]]), 'host.dat');
      assert.equal((hd.doc.formatDetail as { clock?: string }).clock, 'x86-tsc');
      const gd = analyze(toDat(guest.text, version, 'x86-tsc', 2, [[14, tsc2nsec]]), 'guest.dat');
      const r = linkHostGuest(hd, gd);
      assert.equal(r.doc.time.method, 'kvm-tsc-offset', `v${version}: ${r.doc.time.detail}`);
      assert.equal(r.doc.time.offsetNs, d);
      assert.match(r.doc.time.detail, /host TSC2NSEC 1 >> 1, guest TSC2NSEC 1 >> 1/);
      assert.equal(r.doc.check.outside, 0);
      // The guest text has no clock; stated, it links with the .dat host (guest cycles printed as ns: scale 1 on its side).
      const gt = analyze(guestTrace(host.vcpus.map((s) => s.map((x) => ({ ...x, a: 2 * x.a, b: 2 * x.b }))), 2 * d).text, 'guest.txt');
      const mixed = linkHostGuest(hd, gt, { guestClock: 'x86-tsc' });
      assert.equal(mixed.doc.time.method, 'kvm-tsc-offset');
      assert.ok(mixed.doc.warnings.some((w) => /convert TSC cycles to ns differently/.test(w)));
      // A local-clock host .dat: not used, and said.
      const hl = analyze(toDat(withTscWrites(host.text, 2, () => BigInt(-d)), version, 'local'), 'host-local.dat');
      const nl = linkHostGuest(hl, gd);
      assert.notEqual(nl.doc.time.method, 'kvm-tsc-offset');
      assert.match(nl.doc.time.detail, /not used: the host clock is local, the guest clock is x86-tsc/);
    }
  });

  it('property: a generated guest trace with a known TSC offset is linked at exactly that offset', () => {
    const stepArb = fc.record({ run: fc.integer({ min: 30, max: 3000 }), gap: fc.integer({ min: 20, max: 4000 }), kind: fc.constantFrom<0 | 1>(0, 1) });
    fc.assert(
      fc.property(
        fc.array(fc.array(stepArb, { minLength: 4, maxLength: 20 }), { minLength: 1, maxLength: 3 }),
        // guest TSC = host TSC + off; the guest's timestamps must stay positive (host starts at 100 s).
        fc.integer({ min: -99_000_000, max: 4_000_000_000 }),
        (st, offUs) => {
          const host = hostTrace(st);
          const off = BigInt(offUs) * 1000n;
          const guest = guestTrace(host.vcpus, -Number(off));
          fc.pre(guest.events.some((n) => n > 0));
          const r = linkHostGuest(analyze(withTscWrites(host.text, st.length, () => off), 'host.txt'), analyze(guest.text, 'guest.txt'), TSC);
          assert.equal(r.doc.status, 'linked');
          assert.equal(r.doc.time.method, 'kvm-tsc-offset');
          assert.equal(r.doc.time.offsetNs, -Number(off));
          assert.equal(r.doc.check.outside, 0);
        },
      ),
      { numRuns: 40, seed: 31 },
    );
  });

  it('vpscope analyze HOST GUEST --host-clock x86-tsc --guest-clock x86-tsc prints the method; a bad clock is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-tsc-'));
    try {
      const host = hostTrace(steps);
      const d = 7_000_000_000;
      writeFileSync(join(dir, 'host.txt'), withTscWrites(host.text, 2, () => BigInt(-d)));
      writeFileSync(join(dir, 'guest.txt'), guestTrace(host.vcpus, d).text);
      const r = await runAnalyze([join(dir, 'host.txt'), join(dir, 'guest.txt'), '--host-clock', 'x86-tsc', '--guest-clock', 'x86-tsc']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /tsc: {6}2 kvm_write_tsc_offset events/);
      assert.match(r.out, /time: {5}host = guest \+ 7,000,000,000 ns, kvm-tsc-offset, confidence exact: kvm_write_tsc_offset in the host trace/);
      const bad = await runAnalyze([join(dir, 'host.txt'), join(dir, 'guest.txt'), '--guest-clock', 'rdtsc']);
      assert.equal(bad.code, 2);
      assert.match(bad.err, /--guest-clock must be a trace clock/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
