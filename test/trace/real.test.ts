/**
 * The real KVM host traces in shared/traces (see its README): counts checked against numbers
 * computed independently with awk on the same files, per-vCPU times checked against the kernel's
 * own schedstat counters that the VMM printed, and the tracefs and trace-cmd report files of
 * each run giving the same answers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeTrace, type TraceDocument } from '../../server/src/trace';
import { EventKind } from '../../server/src/trace/events';
import type { ImportedTrace } from '../../server/src/trace/importer';
import { importBytes, realTrace, stateNs, thread, tracesDir } from './helpers';

interface Run {
  name: string;
  tracefs: ImportedTrace;
  report: ImportedTrace;
  docTracefs: TraceDocument;
  docReport: TraceDocument;
  /** Phase markers (kvm_pio to port 0x80) by value: a0/a1 spin start/end, b0/b1 block start/end. */
  markers: Record<string, number>;
  schedstat: { phase: string; tid: number; runMs: number; waitMs: number; voluntary: number; involuntary: number; migrations: number }[];
}

const cache = new Map<string, Run>();
function load(name: string): Run {
  let r = cache.get(name);
  if (r) return r;
  const tracefs = importBytes(realTrace(name, 'tracefs_trace'), { chunks: [4 << 20] });
  const report = importBytes(realTrace(name, 'report'), { chunks: [4 << 20] });
  const markers: Record<string, number> = {};
  const ev = tracefs.events;
  for (let i = 0; i < ev.length; i++) {
    if (ev.kind.get(i) === EventKind.KvmPio && ev.a1.get(i) === 0x80) markers[ev.a2.get(i).toString(16)] = ev.ts.get(i);
  }
  const stdout = readFileSync(resolve(tracesDir, name, `${name}.vmm_stdout.txt`), 'utf8');
  const schedstat = [...stdout.matchAll(/^SCHEDSTAT phase=(\w+) vcpu=\d+ tid=(\d+) run_ms=([\d.]+) runnable_wait_ms=([\d.]+) timeslices=\d+ voluntary_csw=(\d+) involuntary_csw=(\d+) migrations=(\d+)/gm)].map((m) => ({
    phase: m[1], tid: Number(m[2]), runMs: Number(m[3]), waitMs: Number(m[4]), voluntary: Number(m[5]), involuntary: Number(m[6]), migrations: Number(m[7]),
  }));
  r = { name, tracefs, report, docTracefs: analyzeTrace(tracefs), docReport: analyzeTrace(report), markers, schedstat };
  cache.set(name, r);
  return r;
}

const RUNS = ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs'];

describe('real traces: counts against awk', () => {
  // zcat RUN.tracefs_trace.txt.gz | awk '/ sched_switch: /{n++} END{print n}'   (same for RUN.report.txt.gz)
  const switches: Record<string, number> = { r1_1x_n2: 3101, r2_2x_n4: 10947, r3_1x_n2_2hogs: 4350 };
  // zcat RUN.tracefs_trace.txt.gz | awk '!/^#/{n++} END{print n}'
  const events: Record<string, number> = { r1_1x_n2: 14935, r2_2x_n4: 39312, r3_1x_n2_2hogs: 16664 };
  // Lines as notes.txt reports them (wc -l of the uncompressed files).
  const lines: Record<string, [number, number]> = { r1_1x_n2: [14947, 14936], r2_2x_n4: [39324, 39313], r3_1x_n2_2hogs: [16676, 16665] };

  for (const name of RUNS) {
    it(`${name}: events, sched_switch count, no warnings, line accounting`, () => {
      const r = load(name);
      for (const [tr, nLines] of [[r.tracefs, lines[name][0]], [r.report, lines[name][1]]] as const) {
        assert.equal(tr.stats.lines, nLines);
        assert.equal(tr.stats.events, events[name]);
        assert.equal(tr.stats.malformedLines, 0);
        assert.equal(tr.stats.events + tr.stats.malformedLines + tr.stats.skippedLines, tr.stats.lines);
        assert.equal(tr.events.countsByName[EventKind.SchedSwitch], switches[name]);
      }
      assert.equal(r.tracefs.format, 'tracefs');
      assert.equal(r.report.format, 'trace-cmd');
      assert.equal(r.tracefs.formatDetail.flagsColumn, 5);
      assert.equal(r.report.formatDetail.flagsColumn, 0);
      // No kvm_entry / kvm_exit in these traces (README): exits come from kvm_userspace_exit.
      assert.equal(r.tracefs.events.countsByName[EventKind.KvmExit], 0);
    });
  }

  it('preemptions per vCPU thread = switch-outs in R/R+', () => {
    // zcat RUN.tracefs_trace.txt.gz | awk -v P=TID '/ sched_switch: / && $0 ~ ("prev_pid=" P " ") && /prev_state=R/ {n++} END{print n}'
    // zcat RUN.report.txt.gz | awk -v P=TID '/ sched_switch: / { split($0, a, " ==> "); if (a[1] ~ (":" P " \\[[0-9]+\\] R$")) n++ } END{print n}'
    const expected: Record<string, Record<number, number>> = {
      r1_1x_n2: { 1779: 87, 1780: 138 },
      r2_2x_n4: { 1834: 811, 1835: 915, 1836: 892, 1837: 1005 },
      r3_1x_n2_2hogs: { 1894: 28, 1895: 27 },
    };
    for (const name of RUNS) {
      const r = load(name);
      for (const [tid, n] of Object.entries(expected[name])) {
        assert.equal(thread(r.docTracefs, Number(tid)).preemptions, n, `${name} ${tid} tracefs`);
        assert.equal(thread(r.docReport, Number(tid)).preemptions, n, `${name} ${tid} report`);
      }
    }
  });

  it('r2: running time of CPU 1/KVM and CPU 3/KVM in the spin phase = switch-to-switch sums', () => {
    // Window = phase markers 0xa0..0xa1 (notes.txt: 1494.988305 .. 1499.007367). For P in 1835 1837:
    // zcat r2_2x_n4.tracefs_trace.txt.gz | awk -v A=1494.988305 -v B=1499.007367 -v P=$P '/ sched_switch: / {
    //   ts = $0; sub(/^.*\] [^ ]+ +/, "", ts); sub(/:.*/, "", ts); ts += 0;
    //   pp = $0; sub(/.*prev_pid=/, "", pp); sub(/ .*/, "", pp); np = $0; sub(/.*next_pid=/, "", np); sub(/ .*/, "", np);
    //   if (pp == P && on != "") { s = (on > A ? on : A); e = (ts < B ? ts : B); if (e > s) run += e - s; on = "" }
    //   if (np == P) on = ts } END { printf "run_ms=%.3f\n", run * 1000 }'
    // -> 1835 run_ms=2004.186, 1837 run_ms=2006.188. These two threads have no inferred switch-in in
    // the window, so the reconstruction must agree to the microsecond (timestamps have us resolution).
    const r = load('r2_2x_n4');
    assert.equal(r.markers.a0, 1494988305000);
    assert.equal(r.markers.a1, 1499007367000);
    for (const [tid, ms] of [[1835, 2004.186], [1837, 2006.188]]) {
      for (const doc of [r.docTracefs, r.docReport]) {
        assert.equal(stateNs(doc, `pid:${tid}`, ['inferred'], r.markers.a0, r.markers.a1), 0);
        const run = stateNs(doc, `pid:${tid}`, ['running'], r.markers.a0, r.markers.a1);
        assert.ok(Math.abs(run - ms * 1e6) <= 1000, `${tid}: ${run / 1e6} ms vs awk ${ms} ms`);
      }
    }
  });
});

describe('real traces: against the kernel schedstat counters', () => {
  /*
   * Tolerance per phase: 1% of the phase length + 10 us per voluntary context switch of the thread
   * in the phase (schedstat voluntary_csw).
   * - 1%: the VMM samples schedstat when it handles the marker exit, not at the marker's timestamp,
   *   and inferred switch-ins on CPU 1 (whose idle -> task switches are never recorded) are placed
   *   at the earliest possible time.
   * - 10 us per sleep/wake cycle: the kernel charges runtime and wait from clock reads taken at
   *   other points of the switch and wakeup paths than the tracepoints. We checked that the residue
   *   is in the data, not in the importer: an awk sum of switch-to-switch intervals for CPU 0/KVM
   *   of r3 in the block phase gives 275.095 ms, the same as the reconstruction, against 289.902 ms
   *   of schedstat run time (963 voluntary switches: 15 us each). The measured worst cases are
   *   r3 block (run -14.8 ms, allowed 18.5 ms) and r1 block (wait +4.9 ms, allowed 13.1 ms).
   * Spin phases have almost no voluntary switches and agree within 0.5% of the phase.
   */
  for (const name of RUNS) {
    it(`${name}: per-vCPU running and runnable time per phase`, () => {
      const r = load(name);
      const windows: Record<string, [number, number]> = { spin: [r.markers.a0, r.markers.a1], block: [r.markers.b0, r.markers.b1] };
      assert.equal(r.schedstat.length > 0, true);
      for (const s of r.schedstat) {
        const [a, b] = windows[s.phase];
        const tolMs = 0.01 * ((b - a) / 1e6) + 0.010 * s.voluntary;
        for (const doc of [r.docTracefs, r.docReport]) {
          const run = stateNs(doc, `pid:${s.tid}`, ['running', 'inferred'], a, b) / 1e6;
          const wait = stateNs(doc, `pid:${s.tid}`, ['runnable'], a, b) / 1e6;
          assert.ok(Math.abs(run - s.runMs) <= tolMs, `${name} ${s.phase} ${s.tid}: run ${run.toFixed(3)} vs schedstat ${s.runMs} (tol ${tolMs.toFixed(2)})`);
          assert.ok(Math.abs(wait - s.waitMs) <= tolMs, `${name} ${s.phase} ${s.tid}: wait ${wait.toFixed(3)} vs schedstat ${s.waitMs} (tol ${tolMs.toFixed(2)})`);
        }
      }
    });
  }

  it('voluntary switches and migrations over the thread lifetime match schedstat', () => {
    // SCHEDSTAT lifetime_until_last_phase_end: voluntary_csw and migrations. Our counts run to the
    // end of the trace (after the last phase end); the vCPU threads only exit after it.
    const expected: Record<string, Record<number, [number, number]>> = {
      r1_1x_n2: { 1779: [1046, 2], 1780: [798, 2] },
      r2_2x_n4: { 1834: [1602, 6], 1835: [1480, 7], 1836: [1517, 4], 1837: [1389, 0] },
      r3_1x_n2_2hogs: { 1894: [965, 0], 1895: [997, 0] },
    };
    for (const name of RUNS) {
      const r = load(name);
      for (const [tid, [vol, migr]] of Object.entries(expected[name])) {
        const t = thread(r.docTracefs, Number(tid));
        assert.equal(t.voluntarySwitches, vol, `${name} ${tid} voluntary`);
        assert.equal(t.migrations, migr, `${name} ${tid} migrations`);
      }
    }
  });

  it('r2 oversubscribed: ~50% runnable wait for every vCPU in the spin phase, and findings', () => {
    const r = load('r2_2x_n4');
    for (const tid of [1834, 1835, 1836, 1837]) {
      const run = stateNs(r.docTracefs, `pid:${tid}`, ['running', 'inferred'], r.markers.a0, r.markers.a1);
      const wait = stateNs(r.docTracefs, `pid:${tid}`, ['runnable'], r.markers.a0, r.markers.a1);
      const share = wait / (run + wait);
      assert.ok(share > 0.48 && share < 0.52, `${tid}: ${share}`);
      // Who took the CPU: the other vCPUs (4 vCPUs on 2 pCPUs, nothing else running).
      assert.match(thread(r.docTracefs, tid).stolenBy[0].comm, /^CPU \d\/KVM$/);
    }
    const codes = r.docTracefs.findings.map((f) => f.code);
    assert.equal(codes.filter((c) => c === 'VPS331').length, 4);
    assert.equal(codes.filter((c) => c === 'VPS332').length, 4);
    assert.ok(codes.includes('VPS351'), 'oversubscription');
    assert.ok(codes.includes('VPS352'), 'sibling preemption');
    assert.equal(r.docTracefs.vms.length, 1);
    assert.equal(r.docTracefs.vms[0].pid, 1833);
    assert.deepEqual(r.docTracefs.vms[0].vcpus.map((v) => [v.vcpu, v.tid]), [[0, 1834], [1, 1835], [2, 1836], [3, 1837]]);
  });

  it('r3: the cpuhog threads are who took the CPU from the vCPUs', () => {
    const r = load('r3_1x_n2_2hogs');
    for (const doc of [r.docTracefs, r.docReport]) {
      for (const tid of [1894, 1895]) {
        const t = thread(doc, tid);
        assert.equal(t.stolenBy[0].comm, 'cpuhog');
        assert.ok([1889, 1890].includes(t.stolenBy[0].tid));
        assert.ok(t.stolenBy[0].ns > 0.9 * t.runnableNs, `${tid}: cpuhog share`);
        const f = doc.findings.find((x) => x.code === 'VPS332' && x.data?.tid === tid);
        assert.ok(f, 'VPS332 for each vCPU');
        assert.match(String(f!.data!.topThief), /^cpuhog \((1889|1890)\)$/);
      }
      assert.ok(doc.findings.some((f) => f.code === 'VPS353' && /cpuhog/.test(f.message)));
    }
  });

  it('r1 (1x, nothing beside): no steal finding', () => {
    const r = load('r1_1x_n2');
    assert.equal(r.docTracefs.findings.filter((f) => f.code === 'VPS331').length, 0);
    for (const tid of [1779, 1780]) assert.ok(thread(r.docTracefs, tid).stealPct < 10);
  });
});

describe('real traces: tracefs and trace-cmd report of the same run agree', () => {
  for (const name of RUNS) {
    it(name, () => {
      const r = load(name);
      const a = r.docTracefs;
      const b = r.docReport;
      const pick = (d: TraceDocument) =>
        d.threads.map((t) => ({
          tid: t.tid, comm: t.comm, vcpu: t.vcpu, vm: t.vm, runningNs: t.runningNs, runnableNs: t.runnableNs, sleepingNs: t.sleepingNs,
          blockedNs: t.blockedNs, preemptions: t.preemptions, migrations: t.migrations, wakeups: t.wakeups, exits: t.exits, wakeLatency: t.wakeLatency,
        }));
      assert.deepEqual(pick(b), pick(a));
      assert.deepEqual(b.stats.inferred, a.stats.inferred);
      assert.deepEqual(b.findings.map((f) => [f.code, f.lane, f.message]), a.findings.map((f) => [f.code, f.lane, f.message]));
      // Exits by reason: kvm_userspace_exit KVM_EXIT_IO, one per guest port write (VMM stdout io_exits).
      const io: Record<string, Record<number, number>> = {
        r1_1x_n2: { 1779: 2006, 1780: 2002 },
        r2_2x_n4: { 1834: 2006, 1835: 2002, 1836: 2002, 1837: 2002 },
        r3_1x_n2_2hogs: { 1894: 2006, 1895: 2002 },
      };
      for (const [tid, n] of Object.entries(io[name])) assert.deepEqual(thread(a, Number(tid)).exits, { KVM_EXIT_IO: n });
    });
  }
});

describe('real traces: the CPU count a tracefs file declares', () => {
  it('`#P:N` counts CPUs with no event (idle for the whole trace): the load line and the VM share use N', async () => {
    const { renderSummary } = await import('../../server/src/trace');
    const text = realTrace('r1_1x_n2', 'tracefs_trace').toString('latin1');
    assert.match(text, /#P:2\n/);
    const two = analyzeTrace(importBytes(text));
    const four = analyzeTrace(importBytes(text.replace('#P:2\n', '#P:4\n')));
    assert.equal(two.load[0].pcpus, 2);
    assert.equal(four.load[0].pcpus, 4);
    // The same running time over twice the pCPUs: half the share.
    assert.ok(Math.abs(four.vms[0].cpuShare * 2 - two.vms[0].cpuShare) <= 0.01, `${four.vms[0].cpuShare} vs ${two.vms[0].cpuShare}`);
    const cpusLine = (doc: TraceDocument) => renderSummary(doc).split('\n').find((l) => l.startsWith('CPUs:')) ?? '';
    assert.match(cpusLine(four), /, 2-3 no events$/);
    assert.doesNotMatch(cpusLine(two), /no events/);
    // Only a count: a line on CPU 5 (a CPU may go offline; numbers need not be contiguous) still loads.
    const extra = text.replace('#P:2\n', '#P:4\n').replace(/\[001\]/, '[005]');
    assert.equal(importBytes(extra).stats.malformedLines, 0);
  });
});
