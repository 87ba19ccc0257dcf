/**
 * `perf script` text: the shared real traces rewritten into perf's layout (a small converter here,
 * from the `trace-cmd report` text of the same run) must give the same analysis as the report;
 * a hand-written file with perf's own spellings (kernel print formats, `PID/TID`, `--ns`, call
 * chains) gives the states it describes; random mutations never throw and every bad line is one
 * counted, located warning.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { analyzeTrace, type TraceDocument } from '../../server/src/trace';
import { detectFormat } from '../../server/src/trace/detect';
import { digest, importBytes, realTrace, tracesDir } from './helpers';

const haveShared = existsSync(tracesDir);

/**
 * `trace-cmd report` text -> `perf script` text of the same events: `COMM-PID [CPU] TIME: EVENT:`
 * becomes perf's `%16s %7d [%03d] TIME: SYS:EVENT:` (with `PID/TID` when `pidTid`, 9 fraction digits
 * when `ns`, a period column when `period`). The bodies stay: perf prints them with the same
 * libtraceevent plugins as trace-cmd. The `cpus=N` header has no perf counterpart and is dropped.
 */
function reportToPerf(report: string, o: { pidTid?: boolean; ns?: boolean; period?: boolean } = {}): string {
  const head = /^\s*(.*)-(\d+)\s+\[(\d+)\]\s+(\d+\.\d+):\s+(\w+):\s*(.*)$/;
  const out: string[] = ['# ========', '# captured on    : (converted from trace-cmd report)', '# ========', '#'];
  for (const line of report.split('\n')) {
    const m = head.exec(line);
    if (!m) continue;
    const [, comm, tid, cpu, ts, name, body] = m;
    const sys = name.startsWith('kvm') ? 'kvm' : 'sched';
    const ids = o.pidTid ? `${tid.padStart(7)}/${tid.padEnd(7)}` : tid.padStart(7);
    out.push(`${comm.padStart(16)} ${ids} [${cpu.padStart(3, '0')}] ${o.ns ? `${ts}000` : ts}: ${o.period ? '         1 ' : ''}${sys}:${name}: ${body}`);
  }
  return out.join('\n') + '\n';
}

/** What a user reads, except where the input came from. */
function observable(d: TraceDocument) {
  return { threads: d.threads, vms: d.vms, cpus: d.cpus, load: d.load, findings: d.findings, window: d.window };
}

const totals = (d: TraceDocument) =>
  d.threads.map((t) => ({ tid: t.tid, comm: t.comm, running: t.runningNs, runnable: t.runnableNs, sleeping: t.sleepingNs, blocked: t.blockedNs, preemptions: t.preemptions, exits: t.exits }));

describe('perf script: the shared real traces in perf layout', { skip: !haveShared && 'shared traces not present' }, () => {
  for (const run of ['r1_1x_n2', 'r3_1x_n2_2hogs']) {
    it(`${run}: detected, no warnings, the same analysis as its trace-cmd report`, () => {
      const reportText = realTrace(run, 'report').toString('utf8');
      const report = analyzeTrace(importBytes(reportText));
      const perfText = reportToPerf(reportText);
      const perf = importBytes(perfText, { chunks: [65536, 7, 4096] });
      assert.equal(perf.format, 'perf-script');
      assert.equal(perf.stats.warningCount, 0, JSON.stringify(perf.stats.warnings.slice(0, 3)));
      assert.equal(perf.stats.events, report.stats.events);
      assert.equal(perf.stats.skippedLines, 4);
      const doc = analyzeTrace(perf);
      assert.deepEqual(observable(doc), observable(report));
      // The same per-thread running / runnable / sleeping totals (the heart of the equivalence).
      assert.ok(totals(doc).some((t) => t.comm === 'CPU 0/KVM' && t.running > 0 && t.runnable > 0));
    });
  }

  it('r1_1x_n2: PID/TID column, --ns timestamps and a period column give the same totals', () => {
    const reportText = realTrace('r1_1x_n2', 'report').toString('utf8');
    const ref = totals(analyzeTrace(importBytes(reportText)));
    const t = importBytes(reportToPerf(reportText, { pidTid: true, ns: true, period: true }));
    assert.equal(t.format, 'perf-script');
    assert.equal(t.stats.warningCount, 0, JSON.stringify(t.stats.warnings.slice(0, 3)));
    assert.equal(t.formatDetail.pidTidColumn, true);
    const doc = analyzeTrace(t);
    assert.deepEqual(totals(doc), ref);
    // The process id of the PID/TID column is kept (for threads that logged a line themselves).
    const withTgid = doc.threads.filter((th) => th.tgid !== undefined);
    assert.ok(withTgid.length > 10);
    assert.ok(withTgid.every((th) => th.tgid === th.tid));
  });
});

// A hand-written `perf script -F +pid` capture in perf's own spelling: the kernel's print formats,
// comms with spaces, a call chain under one sample (recorded with -g), a --ns timestamp, and one
// line from a record without the CPU column (perf record without -a).
const FIXTURE = [
  '# ========',
  '# captured on    : Sat Nov 21 07:30:53 2026',
  '# cmdline : /usr/bin/perf record -e sched:sched_switch -e sched:sched_wakeup -e sched:sched_waking -e kvm:kvm_entry -e kvm:kvm_exit -a -g',
  '# ========',
  '#',
  '         swapper     0/0     [000] 100.000000: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=CPU 0/KVM next_pid=1835 next_prio=120',
  '       CPU 0/KVM  1834/1835  [000] 100.000100:   kvm:kvm_entry: vcpu 0, rip 0xffffffff81234567',
  '       CPU 0/KVM  1834/1835  [000] 100.000400:    kvm:kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0xffffffff81234567 info1 0x0 info2 0x0 intr_info 0x800000ec error_code 0x0',
  '       CPU 0/KVM  1834/1835  [000] 100.000450: sched:sched_waking: comm=cpuhog pid=1900 prio=120 target_cpu=000',
  '       CPU 0/KVM  1834/1835  [000] 100.000452: sched:sched_wakeup: comm=cpuhog pid=1900 prio=120 target_cpu=000',
  '       CPU 0/KVM  1834/1835  [000] 100.000500: sched:sched_switch: prev_comm=CPU 0/KVM prev_pid=1835 prev_prio=120 prev_state=R+ ==> next_comm=cpuhog next_pid=1900 next_prio=120',
  '\tffffffff81c0b5b1 __schedule+0x2a1 ([kernel.kallsyms])',
  '\tffffffff81c0bb3c schedule+0x3c ([kernel.kallsyms])',
  '',
  '          cpuhog  1900/1900  [000] 100.001500: sched:sched_switch: prev_comm=cpuhog prev_pid=1900 prev_prio=120 prev_state=S ==> next_comm=CPU 0/KVM next_pid=1835 next_prio=120',
  '            perf  3000/3000  100.001700: sched:sched_waking: comm=kworker/0:1 pid=50 prio=120 target_cpu=000',
  '       CPU 0/KVM  1834/1835  [000] 100.002000000: sched:sched_switch: prev_comm=CPU 0/KVM prev_pid=1835 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120',
  '         swapper     0/0     [001] 100.003000: sched:sched_wakeup: comm=CPU 0/KVM pid=1835 prio=120 target_cpu=000',
  '',
].join('\n');

describe('perf script: hand-written capture', () => {
  it('is detected and gives the states the lines describe', () => {
    assert.equal(detectFormat(new TextEncoder().encode(FIXTURE), FIXTURE.length), 'perf-script');
    const t = importBytes(FIXTURE, { chunks: [13, 200] });
    assert.equal(t.format, 'perf-script');
    assert.equal(t.stats.events, 9);
    // 5 header lines, 2 call-chain frames, 1 blank line.
    assert.equal(t.stats.skippedLines, 8);
    assert.equal(t.formatDetail.callchainLines, 2);
    // The line without a CPU column: one located warning.
    assert.equal(t.stats.malformedLines, 1);
    assert.equal(t.stats.warnings.length, 1);
    assert.equal(t.stats.warnings[0].line, 16);
    assert.equal(t.stats.warnings[0].offset, FIXTURE.split('\n').slice(0, 15).join('\n').length + 1);
    assert.match(t.stats.warnings[0].reason, /CPU column/);
    const doc = analyzeTrace(t);
    const vcpu = doc.threads.find((x) => x.tid === 1835)!;
    assert.equal(vcpu.comm, 'CPU 0/KVM');
    assert.equal(vcpu.tgid, 1834);
    assert.equal(vcpu.vcpu, 0);
    assert.equal(vcpu.runningNs, 1000e3); // 100.000000-100.000500 and 100.001500-100.002000
    assert.equal(vcpu.runnableNs, 1000e3); // preempted (R+) by cpuhog
    assert.equal(vcpu.preemptions, 1);
    assert.equal(vcpu.sleepingNs, 1000e3); // until the wakeup at 100.003000
    assert.deepEqual(vcpu.stolenBy.map((s) => [s.comm, s.ns]), [['cpuhog', 1000e3]]);
    assert.equal(vcpu.exits.EXTERNAL_INTERRUPT, 1);
    const hog = doc.threads.find((x) => x.tid === 1900)!;
    assert.equal(hog.runningNs, 1000e3);
    assert.equal(hog.runnableNs, 48e3); // woken at 100.000452, ran at 100.000500
    assert.equal(hog.wakeups, 1);
  });

  it('side-band records are skipped; PERF_RECORD_LOST counts lost events', () => {
    const text = [
      FIXTURE.split('\n')[5],
      '            perf  3000/3000  [001] 100.000001: PERF_RECORD_COMM: perf 3000/3000',
      '            perf  3000/3000  [001] 100.000002: PERF_RECORD_LOST lost 25',
      'PERF_RECORD_LOST lost 7',
      '',
    ].join('\n');
    const t = importBytes(text);
    assert.equal(t.format, 'perf-script');
    assert.equal(t.stats.events, 1);
    assert.equal(t.stats.skippedLines, 3);
    assert.equal(t.stats.malformedLines, 0);
    assert.equal(t.stats.counters.lost_events, 32);
  });

  it('plain TID column (no -F +pid) reads the same', () => {
    const plain = FIXTURE.replace(/ +(\d+)\/(\d+) +\[/g, (_m, _p, tid: string) => ` ${tid.padStart(7)} [`).replace(/1834\/1835/g, '1835');
    const a = totals(analyzeTrace(importBytes(plain)));
    const b = totals(analyzeTrace(importBytes(FIXTURE)));
    assert.deepEqual(a, b);
  });

  it('tracefs and trace-cmd text are not mistaken for perf script', () => {
    const enc = new TextEncoder();
    const tracefs = '# tracer: nop\n       CPU 0/KVM-1835    [000] d..2.   100.000500: sched_switch: prev_comm=CPU 0/KVM prev_pid=1835 prev_prio=120 prev_state=R+ ==> next_comm=cpuhog next_pid=1900 next_prio=120\n';
    const report = '       CPU 0/KVM-1835  [000]  100.000500: sched_switch:         CPU 0/KVM:1835 [120] R ==> cpuhog:1900 [120]\n';
    assert.equal(detectFormat(enc.encode(tracefs), tracefs.length), 'tracefs');
    assert.equal(detectFormat(enc.encode(report), report.length), 'trace-cmd');
  });
});

describe('perf script: fuzz', () => {
  const lines = FIXTURE.split('\n');
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('cut' as const), at: fc.nat(), n: fc.nat({ max: 12 }) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(' ', '[', ']', '/', ':', '.', '0', '99999999999', '\t', '==>', 'sched:', '\u00e9', '-') }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  );
  it('random mutations never throw; every line is an event, a skipped line or one warning', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ line: fc.nat({ max: lines.length - 2 }), muts: fc.array(mutation, { maxLength: 3 }) }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 5 }),
        (picks, chunks) => {
          const out: string[] = [lines[5]]; // one sure perf line first, so the layout is detected
          for (const p of picks) {
            let l = lines[p.line];
            for (const m of p.muts) {
              const at = m.at % (l.length + 1);
              if (m.op === 'cut') l = l.slice(0, at) + l.slice(at + m.n);
              else if (m.op === 'insert') l = l.slice(0, at) + m.text + l.slice(at);
              else l = l.slice(0, at);
            }
            out.push(l);
          }
          const text = out.join('\n') + '\n';
          const whole = importBytes(text, { format: 'perf-script', maxWarningSamples: 1000 });
          const s = whole.stats;
          assert.equal(s.lines, out.length);
          assert.equal(s.events + s.malformedLines + s.skippedLines, s.lines);
          assert.equal(s.warningCount, s.malformedLines);
          assert.equal(s.warnings.length, s.malformedLines);
          for (const w of s.warnings) assert.ok(w.line >= 1 && w.line <= out.length && w.offset >= 0 && w.offset <= text.length);
          const chunked = importBytes(text, { format: 'perf-script', chunks, maxWarningSamples: 1000 });
          assert.deepEqual(digest(chunked), digest(whole));
          const doc = analyzeTrace(chunked);
          for (const t of doc.threads) for (const v of [t.runningNs, t.runnableNs, t.sleepingNs]) assert.ok(Number.isFinite(v) && v >= 0);
          JSON.stringify(doc);
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
