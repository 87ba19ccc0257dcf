/**
 * trace-cmd `.dat` files read natively: the shared real traces (v7, zstd) against their own text
 * renderings, hand-made files (v6, v7 uncompressed and zlib, lost events, corrupt pages) against
 * the equivalent tracefs text, streaming (bounded reads), progress and cancellation, and random
 * corruption that must never throw or read out of bounds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { datDecompressors, loadTraceFile } from '../../server/src/io/traceFile';
import { TraceImporter, analyzeTrace, type ImportedTrace, type TraceDocument } from '../../server/src/trace';
import { datImport, runAsync, runSync } from '../../server/src/trace/importers/dat';
import { analyzeText, importBytes, realTrace, tf, sw, tracesDir, wk } from './helpers';
import { buildDat, withByteOrder, encodeRecord, headerBlock, le, pages, switchRec, v7Section, wakeupRec, type WEvent } from './datWriter';
import { parseEventFormat } from '../../server/src/trace/importers/dat/format';

const RUNS = ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs'];
const datPath = (run: string) => resolve(tracesDir, run, `${run}.dat`);
const haveShared = existsSync(datPath(RUNS[0]));

/** Rounds every timestamp to the microsecond, as both text formats print them. */
function roundToUs(t: ImportedTrace): ImportedTrace {
  const n = t.events.length;
  const ts = t.events.ts;
  for (let i = 0; i < n; i++) ts.set(i, Math.round(ts.get(i) / 1000) * 1000);
  return t;
}

/** What the equivalence compares: everything a user reads, except where the input came from. */
function observable(d: TraceDocument) {
  return { threads: d.threads, vms: d.vms, cpus: d.cpus, load: d.load, findings: d.findings, window: d.window };
}

function importDat(bytes: Uint8Array, maxWarningSamples?: number): ImportedTrace {
  return runSync(datImport(bytes.length, { decompressors: datDecompressors, maxWarningSamples }), bytes);
}

describe('.dat: the shared real traces (v7, zstd) against their text renderings', { skip: !haveShared && 'shared traces not present' }, () => {
  for (const run of RUNS) {
    it(`${run}: same events, and the same analysis as report and tracefs text once rounded to us`, async () => {
      const o = await loadTraceFile(datPath(run));
      assert.equal(o.status, 'ok');
      if (o.status !== 'ok') return;
      const dat = o.trace;
      assert.equal(dat.format, 'trace-cmd-dat');
      assert.equal(dat.formatDetail.datVersion, 7);
      assert.match(String(dat.formatDetail.compression), /^zstd/);
      assert.equal(dat.stats.warningCount, 0, JSON.stringify(dat.stats.warnings.slice(0, 3)));
      const report = importBytes(realTrace(run, 'report'));
      const tracefs = importBytes(realTrace(run, 'tracefs_trace'));
      // The same events, kind by kind.
      assert.equal(dat.stats.events, report.stats.events);
      assert.equal(dat.stats.events, tracefs.stats.events);
      for (let k = 0; k < 14; k++) assert.equal(dat.events.countsByName[k], report.events.countsByName[k], `kind ${k}`);
      // Unrounded, per-thread times differ from the text's by rounding only (< 1 us per state change).
      const exact = analyzeTrace(dat);
      const text = analyzeTrace(report);
      for (const t of exact.threads) {
        const u = text.threads.find((x) => x.tid === t.tid)!;
        assert.ok(u, `thread ${t.tid} in the text`);
        assert.equal(t.comm, u.comm);
        assert.equal(t.preemptions, u.preemptions);
        assert.deepEqual(t.exits, u.exits);
        const changes = 2 * (t.switchIns + t.wakeups + t.preemptions + t.voluntarySwitches) + 4;
        for (const k of ['runningNs', 'runnableNs', 'sleepingNs', 'blockedNs'] as const) {
          assert.ok(Math.abs(t[k] - u[k]) <= changes * 1000, `${run} ${t.tid} ${k}: ${t[k]} vs ${u[k]}`);
        }
      }
      // Rounded as the text formats round, everything a user reads is identical.
      const rounded = observable(analyzeTrace(roundToUs((await loadOk(datPath(run))))));
      // (Fresh imports: an analysis adds its inference counters to the trace it reads.)
      assert.deepEqual(rounded, observable(analyzeTrace(importBytes(realTrace(run, 'report')))));
      assert.deepEqual(rounded, observable(analyzeTrace(importBytes(realTrace(run, 'tracefs_trace')))));
    });
  }

  it('reads by offset in bounded windows, never the whole file, with progress to the file size and cancellation', async () => {
    const bytes = readFileSync(datPath('r2_2x_n4'));
    let maxReq = 0;
    let total = 0;
    const t = await runAsync(datImport(bytes.length, { decompressors: datDecompressors }), async (off, len) => {
      maxReq = Math.max(maxReq, len);
      total += len;
      return bytes.subarray(off, off + len);
    });
    assert.ok(t && t.stats.events > 30000);
    assert.ok(maxReq <= 1 << 20, `largest read ${maxReq}`);
    // Headers (kallsyms and printk are skipped, never read) plus the CPU data: below the file size.
    assert.ok(total < bytes.length, `read ${total} of ${bytes.length}`);

    const seen: number[] = [];
    const ok = await loadTraceFile(datPath('r2_2x_n4'), { onProgress: (d, tot) => seen.push(d / tot!) });
    assert.equal(ok.status, 'ok');
    assert.ok(seen.length > 3 && seen.every((v, i) => v <= 1 && (i === 0 || v >= seen[i - 1])));
    const signal = { aborted: false };
    const c = await loadTraceFile(datPath('r2_2x_n4'), { signal, onProgress: () => (signal.aborted = true) });
    assert.equal(c.status, 'cancelled');
  });

  it('random byte mutations and truncations of a real .dat load in bounded time without exceptions', () => {
    const base = new Uint8Array(readFileSync(datPath('r1_1x_n2')));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }),
        fc.option(fc.nat(), { nil: undefined }),
        (muts, cut) => {
          const b = base.slice(0, cut === undefined ? base.length : cut % base.length);
          // Half the mutations land in the CPU data (the last 60 KB), the rest anywhere.
          muts.forEach(([at, v], i) => {
            if (b.length === 0) return;
            const pos = i % 2 ? at % b.length : Math.max(0, b.length - 60000) + (at % Math.min(60000, b.length));
            b[pos] = v;
          });
          const t0 = performance.now();
          const t = importDat(b);
          assert.ok(performance.now() - t0 < 10000);
          assert.ok(t.stats.events >= 0);
          analyzeTrace(t);
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});

describe('.dat: KVM events with the kernel\'s own format texts', { skip: !haveShared && 'shared traces not present' }, () => {
  // The shared traces have no kvm_entry / kvm_exit (their KVM backend emits none), so these records
  // are made here, laid out by the format texts of the real file: VMX and SVM exit reasons come
  // from the __print_symbolic tables those texts carry.
  it('kvm_entry, kvm_exit (VMX and SVM), kvm_userspace_exit, kvm_pio, kvm_mmio, kvm_hypercall equal their tracefs text', () => {
    const real = new Uint8Array(readFileSync(datPath('r1_1x_n2')));
    const formats = v7Section(real, 18, datDecompressors.zstd!)!;
    const ftrace = v7Section(real, 17, datDecompressors.zstd!)!;
    const text = new TextDecoder('latin1').decode(formats);
    const fmt = (name: string) => {
      const i = text.indexOf(`name: ${name}\n`);
      // Each text is preceded by its u64 size: it ends where the next one's `name:` begins.
      const end = text.indexOf('name: ', i + 1);
      return parseEventFormat(text.slice(i, end < 0 ? undefined : end), 'kvm')!;
    };
    const exit = fmt('kvm_exit');
    const [vmx, svm] = exit.symbols.get('exit_reason')!;
    const svmCode = [...svm.keys()].find((k) => k >= 0x60)!;
    const rec = (name: string, v: Record<string, number | string>) => {
      const f = fmt(name);
      return encodeRecord(f.fields, f.id, v);
    };
    const ev: WEvent[] = [];
    const lines = ['# tracer: nop'];
    let t = 7_000_000_000;
    const at = (ns: number) => `${Math.floor(ns / 1e9)}.${String((ns % 1e9) / 1000).padStart(6, '0')}`;
    const add = (pid: number, comm: string, name: string, v: Record<string, number>, body: string) => {
      t += 20_000;
      ev.push({ ts: t, data: rec(name, { common_pid: pid, ...v }) });
      lines.push(tf(comm, pid, 0, at(t), name, body));
    };
    const hex = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');
    const exitBody = (vcpu: number, name: string) => `vcpu ${vcpu} reason ${name} rip 0xffffffff81000000 info1 ${hex(0, 16)} info2 ${hex(0, 16)} intr_info ${hex(0, 8)} error_code ${hex(0, 8)} requests ${hex(0, 16)}`;
    const sched = (pp: number, pc: string, st: number, np: number, nc: string) => {
      t += 20_000;
      ev.push({ ts: t, data: rec('sched_switch', { common_pid: pp, prev_comm: pc, prev_pid: pp, prev_prio: 120, prev_state: st, next_comm: nc, next_pid: np, next_prio: 120 }) });
      lines.push(tf(pc, pp, 0, at(t), 'sched_switch', sw(pc, pp, st === 0x100 ? 'R+' : st ? 'S' : 'R', nc, np)));
    };
    sched(0, 'swapper/0', 0, 100, 'CPU 0/KVM');
    for (let r = 0; r < 3; r++) {
      add(100, 'CPU 0/KVM', 'kvm_entry', { vcpu_id: 0, rip: 0x1000 }, 'vcpu 0, rip 0xffffffff81000000 intr_info 0x00000000 error_code 0x00000000');
      add(100, 'CPU 0/KVM', 'kvm_exit', { exit_reason: 1, isa: 1, vcpu_id: 0 }, exitBody(0, vmx.get(1)!));
      add(100, 'CPU 0/KVM', 'kvm_entry', { vcpu_id: 0 }, 'vcpu 0, rip 0xffffffff81000000 intr_info 0x00000000 error_code 0x00000000');
      add(100, 'CPU 0/KVM', 'kvm_exit', { exit_reason: 30, isa: 1, vcpu_id: 0 }, exitBody(0, vmx.get(30)!));
      add(100, 'CPU 0/KVM', 'kvm_pio', { rw: 1, port: 0x80, size: 1, count: 1, val: 0xa0 + r }, `pio_write at 0x80 size 1 count 1 val ${hex(0xa0 + r, 0)} `);
      add(100, 'CPU 0/KVM', 'kvm_userspace_exit', { reason: 2, errno: 0 }, 'reason KVM_EXIT_IO (2)');
      add(100, 'CPU 0/KVM', 'kvm_mmio', { type: 2, len: 4, gpa: 0xfee000b0, val: 0 }, 'mmio write len 4 gpa 0xfee000b0 val 0x0');
      add(100, 'CPU 0/KVM', 'kvm_hypercall', { nr: 11 }, 'nr 0xb a0 0x0 a1 0x0 a2 0x0 a3 0x0');
      add(100, 'CPU 0/KVM', 'kvm_userspace_exit', { reason: 0, errno: -4 }, 'reason restart (4)');
    }
    sched(100, 'CPU 0/KVM', 0x100, 101, 'CPU 1/KVM');
    add(101, 'CPU 1/KVM', 'kvm_entry', { vcpu_id: 1 }, 'vcpu 1, rip 0xffffffff81000000 intr_info 0x00000000 error_code 0x00000000');
    add(101, 'CPU 1/KVM', 'kvm_exit', { exit_reason: svmCode, isa: 2, vcpu_id: 1 }, exitBody(1, svm.get(svmCode)!));
    sched(101, 'CPU 1/KVM', 1, 0, 'swapper/0');
    const bytes = buildDat({
      version: 7,
      compression: 'zlib',
      cpus: [pages(ev)],
      raw: { header: headerBlock(), ftrace, formats, cmdlines: le(0, 8) },
    });
    const dat = importDat(bytes);
    assert.equal(dat.stats.warningCount, 0, JSON.stringify(dat.stats.warnings));
    const a = analyzeTrace(dat);
    const b = analyzeText(lines.join('\n') + '\n');
    assert.deepEqual(observable(a), observable(b));
    const vcpu0 = a.threads.find((x) => x.tid === 100)!;
    assert.deepEqual(vcpu0.exits, { [vmx.get(1)!]: 3, [vmx.get(30)!]: 3 });
    assert.equal(vcpu0.vcpu, 0);
    assert.deepEqual(a.threads.find((x) => x.tid === 101)!.exits, { [svm.get(svmCode)!]: 1 });
    for (let k = 7; k <= 12; k++) assert.ok(dat.events.countsByName[k] > 0, `kind ${k}`);
  });
});

async function loadOk(path: string): Promise<ImportedTrace> {
  // Its rows kept (roundToUs rewrites them in place; a trace read in two passes keeps none).
  const o = await loadTraceFile(path, { keepRows: true });
  assert.equal(o.status, 'ok');
  return (o as { trace: ImportedTrace }).trace;
}

// ---------------------------------------------------------------------------------------------
// Hand-made files.

/** A small scheduling story on two CPUs, as .dat records and as tracefs text. */
function story(): { cpus: WEvent[][]; text: string } {
  const s = 1_000_000_000;
  const us = 1000;
  const cpu0: WEvent[] = [];
  const cpu1: WEvent[] = [];
  const lines: [number, string][] = [];
  const at = (ns: number) => `${Math.floor(ns / s)}.${String((ns % s) / us).padStart(6, '0')}`;
  const swE = (list: WEvent[], cpu: number, ns: number, pc: string, pp: number, st: number, nc: string, np: number) => {
    list.push({ ts: ns, data: switchRec(pp, pc, pp, st, nc, np) });
    const letter = st === 0 ? 'R' : st === 0x100 ? 'R+' : st === 1 ? 'S' : 'D';
    lines.push([ns * 10 + cpu, tf(pc, pp, cpu, at(ns), 'sched_switch', sw(pc, pp, letter, nc, np))]);
  };
  const wkE = (list: WEvent[], cpu: number, ns: number, curComm: string, curPid: number, comm: string, pid: number, target: number) => {
    list.push({ ts: ns, data: wakeupRec(curPid, comm, pid, target) });
    lines.push([ns * 10 + cpu, tf(curComm, curPid, cpu, at(ns), 'sched_wakeup', wk(comm, pid, target))]);
  };
  // Many rounds so the events span several pages, with gaps longer than 2^27 ns (time extends).
  let t = s;
  for (let r = 0; r < 60; r++) {
    swE(cpu0, 0, t, 'swapper/0', 0, 0, 'CPU 0/KVM', 100);
    swE(cpu0, 0, t + 300 * us, 'CPU 0/KVM', 100, 0x100, 'hog', 200);
    wkE(cpu1, 1, t + 500 * us, 'swapper/1', 0, 'io', 300, 1);
    swE(cpu1, 1, t + 510 * us, 'swapper/1', 0, 0, 'io', 300);
    swE(cpu0, 0, t + 1200 * us, 'hog', 200, 0, 'CPU 0/KVM', 100);
    swE(cpu1, 1, t + 1300 * us, 'io', 300, 2, 'swapper/1', 0);
    swE(cpu0, 0, t + 1500 * us, 'CPU 0/KVM', 100, 1, 'swapper/0', 0);
    wkE(cpu0, 0, t + 1900 * us, 'swapper/0', 0, 'CPU 0/KVM', 100, 0);
    t += r % 10 === 9 ? 400_000 * us : 2000 * us;
  }
  lines.sort((a, b) => a[0] - b[0]);
  return { cpus: [cpu0, cpu1], text: '# tracer: nop\n' + lines.map((l) => l[1]).join('\n') + '\n' };
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vpscope-dat-test-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('.dat: hand-made files', () => {
  const st = story();
  const textDoc = observable(analyzeText(st.text));

  for (const [name, version, compression] of [['v6', 6, 'none'], ['v7 uncompressed', 7, 'none'], ['v7 zlib', 7, 'zlib']] as const) {
    it(`${name}: the same analysis as the equivalent tracefs text (field offsets read from the format text)`, async () => {
      // v6 also stores every event with its length in a separate word (type_len 0).
      const bytes = buildDat({ version, compression, cpus: st.cpus.map((e) => pages(e, { perPage: 25, long: version === 6 })), cmdlines: [[100, 'CPU 0/KVM'], [200, 'hog'], [300, 'io']] });
      const t = importDat(bytes);
      assert.equal(t.stats.warningCount, 0, JSON.stringify(t.stats.warnings));
      assert.equal(t.formatDetail.datVersion, version);
      assert.equal(t.stats.events, 60 * 8);
      assert.deepEqual(observable(analyzeTrace(t)), textDoc);
      // The same through the file layer (read by offset) and through a stream (held in memory).
      const p = join(dir, `${name.replace(/ /g, '_')}.dat`);
      writeFileSync(p, bytes);
      assert.deepEqual(observable(analyzeTrace(await loadOk(p))), textDoc);
      const imp = new TraceImporter({ decompressors: datDecompressors });
      for (let o = 0, k = 0; o < bytes.length; o += [7, 100, 5000][k++ % 3]) imp.push(bytes.slice(o, o + [7, 100, 5000][k % 3]));
      const streamed = imp.finish();
      assert.equal(streamed.format, 'trace-cmd-dat');
      assert.equal(streamed.stats.events, 60 * 8);
      assert.deepEqual(observable(analyzeTrace(streamed)), textDoc);
    });
  }

  it('property: random schedules on 1-3 CPUs, any page packing, v6 / v7 / zlib: the same analysis as their tracefs text', () => {
    const task = fc.constantFrom<[number, string]>([100, 'CPU 0/KVM'], [101, 'CPU 1/KVM'], [200, 'hog'], [300, 'kworker/0:1'], [400, 'io thread']);
    const step = fc.record({
      cpu: fc.nat(2),
      // 0: the same timestamp as the step before (ties across CPUs go to the lower CPU, as in report).
      gapUs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300_000 })),
      wake: fc.boolean(),
      next: task,
      state: fc.constantFrom(0, 0x100, 1, 2),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(6, 7), fc.boolean(), (steps, perPage, version, zlib) => {
        const ncpu = 1 + Math.max(...steps.map((x) => x.cpu));
        const cur: [number, string][] = Array.from({ length: ncpu }, (_, c) => [0, `swapper/${c}`]);
        const cpus: WEvent[][] = Array.from({ length: ncpu }, () => []);
        const lines: [number, number, string][] = [];
        let t = 5_000_000_000;
        const at = (ns: number) => `${Math.floor(ns / 1e9)}.${String((ns % 1e9) / 1000).padStart(6, '0')}`;
        for (const x of steps) {
          t += x.gapUs * 1000;
          const [pp, pc] = cur[x.cpu];
          if (x.wake) {
            cpus[x.cpu].push({ ts: t, data: wakeupRec(pp, x.next[1], x.next[0], x.cpu) });
            lines.push([t, x.cpu, tf(pc, pp, x.cpu, at(t), 'sched_wakeup', wk(x.next[1], x.next[0], x.cpu))]);
            continue;
          }
          const [np, nc] = x.next[0] === pp ? [0, `swapper/${x.cpu}`] : x.next;
          const st = pp === 0 ? 0 : x.state;
          cpus[x.cpu].push({ ts: t, data: switchRec(pp, pc, pp, st, nc, np) });
          lines.push([t, x.cpu, tf(pc, pp, x.cpu, at(t), 'sched_switch', sw(pc, pp, st === 0 ? 'R' : st === 0x100 ? 'R+' : st === 1 ? 'S' : 'D', nc, np))]);
          cur[x.cpu] = [np, nc];
        }
        const bytes = buildDat({ version, compression: zlib && version === 7 ? 'zlib' : 'none', cpus: cpus.map((e) => pages(e, { perPage })) });
        const dat = importDat(bytes);
        assert.equal(dat.stats.warningCount, 0, JSON.stringify(dat.stats.warnings));
        lines.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // stable: a CPU's own order is kept
        const text = '# tracer: nop\n' + lines.map((l) => l[2]).join('\n') + '\n';
        assert.deepEqual(observable(analyzeTrace(dat)), observable(analyzeText(text)));
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  it('a TSC clock is converted with the TSC2NSEC option, and the OFFSET option shifts every timestamp', () => {
    // 3 GHz TSC: ns = tsc * mult >> shift with mult/2^shift = 1/3.
    const tsc = st.cpus.map((list) => list.map((e) => ({ ts: e.ts * 3, data: e.data })));
    const tsc2nsec = new Uint8Array(16);
    const dv = new DataView(tsc2nsec.buffer);
    dv.setUint32(0, Math.round(2 ** 32 / 3), true);
    dv.setUint32(4, 32, true);
    const offset = new Uint8Array(8);
    new DataView(offset.buffer).setBigInt64(0, 5_000_000_000n, true);
    const t = importDat(buildDat({ version: 7, clock: 'x86-tsc', cpus: tsc.map((e) => pages(e, { perPage: 25 })), options: [[14, tsc2nsec], [7, offset]] }));
    assert.equal(t.formatDetail.clock, 'x86-tsc');
    const plain = importDat(buildDat({ version: 7, cpus: st.cpus.map((e) => pages(e, { perPage: 25 })) }));
    assert.equal(t.stats.events, plain.stats.events);
    for (let i = 0; i < plain.events.length; i++) {
      assert.ok(Math.abs(t.events.ts.get(i) - (plain.events.ts.get(i) + 5e9)) < 2, `row ${i}: ${t.events.ts.get(i)} vs ${plain.events.ts.get(i) + 5e9}`);
    }
  });

  it('big-endian files (v6 and v7 zlib, with lost events) read the same as little-endian ones', () => {
    for (const [version, compression] of [[6, 'none'], [7, 'zlib']] as const) {
      // Records, pages and file all in the chosen byte order.
      const build = () => buildDat({ version, compression, cpus: story().cpus.map((e, c) => pages(e, { perPage: 25, missed: c ? undefined : new Map([[1, 3]]) })), cmdlines: [[100, 'CPU 0/KVM']] });
      const be = importDat(withByteOrder(true, build));
      const le = importDat(build());
      assert.equal(be.stats.warningCount, le.stats.warningCount, JSON.stringify(be.stats.warnings) + JSON.stringify(le.stats.warnings));
      assert.equal(be.stats.counters.lost_events, 3);
      assert.equal(be.stats.events, 60 * 8);
      assert.deepEqual(observable(analyzeTrace(be)), observable(analyzeTrace(le)));
    }
  });

  it('lost events are counted and located; the rest loads', () => {
    const bytes = buildDat({ version: 6, cpus: [pages(st.cpus[0], { perPage: 25, missed: new Map([[2, 17]]) }), pages(st.cpus[1], { perPage: 25 })] });
    const t = importDat(bytes);
    assert.equal(t.stats.counters.lost_events, 17);
    assert.equal(t.stats.events, 60 * 8);
    assert.ok(t.stats.warnings.some((w) => /CPU 0: the kernel lost 17 events/.test(w.reason)));
  });

  it('a corrupt page gives a counted warning naming the CPU and the page offset; the other pages load', () => {
    for (const compression of ['none', 'zlib'] as const) {
      const cpu0 = pages(st.cpus[0], { perPage: 25, corrupt: new Set([1]) });
      const bytes = buildDat({ version: 7, compression, cpus: [cpu0, pages(st.cpus[1], { perPage: 25 })] });
      const t = importDat(bytes);
      assert.equal(t.stats.counters.dat_corrupt_page, 1);
      assert.equal(t.stats.events, 60 * 8 - 25);
      const w = t.stats.warnings.find((x) => /corrupt|exceeds/.test(x.reason))!;
      assert.match(w.reason, /^CPU 0: page (at file offset \d+|1 of the chunk at file offset \d+): commit size/);
      assert.ok(w.offset > 0 && w.offset < bytes.length);
      if (compression === 'none') {
        // The located offset is that page's: its commit word (offset 8) holds the bad size.
        assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(w.offset + 8, true), 4096);
      }
    }
  });

  it('an event running past its page and a chunk that does not decompress are skipped with a warning', () => {
    const cpu0 = pages(st.cpus[0], { perPage: 25 });
    // Page 0's first event header: type_len 0 with a length far past the page.
    const dv = new DataView(cpu0.buffer, cpu0.byteOffset);
    dv.setUint32(16, 0, true);
    dv.setUint32(20, 100000, true);
    const t = importDat(buildDat({ version: 6, cpus: [cpu0, pages(st.cpus[1], { perPage: 25 })] }));
    assert.equal(t.stats.counters.dat_corrupt_page, 1);
    assert.equal(t.stats.events, 60 * 8 - 25);
    assert.match(t.stats.warnings[0].reason, /^CPU 0: page at file offset \d+: event of 100000 bytes at page offset 16 runs past the data/);

    const z = buildDat({ version: 7, compression: 'zlib', cpus: [pages(st.cpus[0], { perPage: 25 }), pages(st.cpus[1], { perPage: 25 })] });
    // Break the first chunk's zlib stream of CPU 1: find the BUFFER option's CPU table.
    const t0 = importDat(z);
    const broken = z.slice();
    const cpu1At = findCpuOffset(broken, 1);
    broken[cpu1At + 4 + 8 + 2] ^= 0xff;
    broken[cpu1At + 4 + 8 + 3] ^= 0xff;
    const t1 = importDat(broken);
    assert.equal(t1.stats.counters.dat_corrupt_page, 1);
    assert.ok(t1.stats.events < t0.stats.events && t1.stats.events > 0);
    assert.match(t1.stats.warnings[0].reason, /^CPU 1: compressed chunk at file offset \d+ could not be decompressed/);
  });

  it('a file cut anywhere, or with random bytes changed, never throws and never reads out of bounds', () => {
    const bytes = buildDat({ version: 6, cpus: st.cpus.map((e) => pages(e, { perPage: 25 })) });
    const z = buildDat({ version: 7, compression: 'zlib', cpus: st.cpus.map((e) => pages(e, { perPage: 25 })) });
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 30 }), (useZ, cut, muts) => {
        const src = useZ ? z : bytes;
        const b = src.slice(0, 1 + (cut % src.length));
        for (const [at, v] of muts) b[at % b.length] = v;
        // A strict reader: any request past the end would be a bug in the bounds checks.
        let bad = false;
        const gen = datImport(b.length, { decompressors: datDecompressors });
        let r = gen.next();
        while (!r.done) {
          if (r.value.offset < 0 || r.value.length < 0 || !Number.isFinite(r.value.offset)) bad = true;
          r = gen.next(b.subarray(r.value.offset, r.value.offset + r.value.length));
        }
        assert.equal(bad, false);
        analyzeTrace(r.value);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('a file that is not a supported .dat says why instead of throwing', () => {
    const v5 = buildDat({ version: 6, cpus: [] });
    v5[10] = 0x35;
    const t = importDat(v5);
    assert.equal(t.stats.events, 0);
    assert.equal(t.stats.counters.dat_format_error, 1);
    assert.match(t.stats.warnings[0].reason, /version "5" is not supported/);
  });
});

/** The file offset of CPU `cpu`'s data in a v7 file built by datWriter (via the BUFFER option). */
function findCpuOffset(b: Uint8Array, cpu: number): number {
  const dv = new DataView(b.buffer, b.byteOffset);
  // Options section: its offset is the u64 after magic+version+endian+pagesize+"zlib\0"+"1.2.13\0".
  const opt = Number(dv.getBigUint64(10 + 2 + 2 + 4 + 5 + 7, true));
  let p = opt + 16;
  for (;;) {
    const id = dv.getUint16(p, true);
    const size = dv.getUint32(p + 2, true);
    if (id === 3) {
      let q = p + 6 + 8;
      while (b[q] !== 0) q++;
      q++;
      while (b[q] !== 0) q++;
      q++;
      q += 8; // page size, cpu count
      return Number(dv.getBigUint64(q + cpu * 20 + 4, true));
    }
    p += 6 + size;
  }
}
