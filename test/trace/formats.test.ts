/**
 * Importer cases, one per pitfall of model.md §4: each is a small input and the rows / threads /
 * counters it must produce.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventKind, TaskState } from '../../server/src/trace/events';
import type { ImportedTrace } from '../../server/src/trace/importer';
import { analyzeText, importBytes, sw, tf, thread, wk } from './helpers';

/** Rows of an import as readable objects. */
function rows(tr: ImportedTrace) {
  const e = tr.events;
  const out = [];
  for (let i = 0; i < e.length; i++) {
    out.push({
      ts: e.ts.get(i), cpu: e.cpu.get(i), src: e.src.get(i), name: e.eventNames.name(e.kind.get(i)), pid: e.pid.get(i),
      a: [e.a0.get(i), e.a1.get(i), e.a2.get(i)],
    });
  }
  return out;
}

function commOf(tr: ImportedTrace, tid: number, src = 0): string {
  const t = tr.threads.find(src, tid);
  return t && t.comm >= 0 ? tr.events.comms.name(t.comm) : '';
}

function clean(tr: ImportedTrace): void {
  assert.deepEqual(tr.stats.warnings, []);
  assert.equal(tr.stats.events + tr.stats.malformedLines + tr.stats.skippedLines, tr.stats.lines);
}

describe('ftrace text: the line head', () => {
  it('5-character flags (new kernels), 4-character flags (old kernels) and no flags', () => {
    const text = [
      '# tracer: nop',
      '#',
      '            bash-1234    [001] d..2.  1234.567890: sched_waking: comm=sshd pid=99 prio=120 target_cpu=001',
      '            bash-1234    [001] d..2  1234.567891: sched_waking: comm=sshd pid=99 prio=120 target_cpu=001',
      '            bash-1234    [001]  1234.567892: sched_waking: comm=sshd pid=99 prio=120 target_cpu=001',
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    assert.deepEqual(rows(tr).map((r) => [r.ts, r.cpu, r.pid, r.name, r.a[0], r.a[1]]), [
      [1234567890000, 1, 1234, 'sched_waking', 99, 1],
      [1234567891000, 1, 1234, 'sched_waking', 99, 1],
      [1234567892000, 1, 1234, 'sched_waking', 99, 1],
    ]);
    assert.deepEqual(tr.formatDetail.flagsLines, { none: 1, four: 1, five: 1 });
    assert.equal(tr.stats.skippedLines, 2);
  });

  it('the (TGID) column, known and unknown', () => {
    const text = [
      '       CPU 0/KVM-1834  (   1833) [000] d..2. 100.000001: sched_waking: comm=x pid=5 prio=120 target_cpu=000',
      '          <idle>-0     (-------) [001] d..2. 100.000002: sched_waking: comm=x pid=5 prio=120 target_cpu=001',
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    assert.equal(tr.threads.find(0, 1834)!.tgid, 1833);
    assert.equal(commOf(tr, 1834), 'CPU 0/KVM');
    assert.equal(tr.threads.find(0, 0)!.tgid, -1);
    assert.equal(tr.formatDetail.tgidColumn, true);
  });

  it('comms with spaces, dashes and colons; pid after the LAST dash', () => {
    const text = [
      tf('CPU 0/KVM', 1834, 0, '1.000001', 'kvm_pio', 'pio_write at 0x80 size 1 count 1 val 0xa0 '),
      tf('kvm-nx-lpage-re', 1838, 1, '1.000002', 'sched_waking', wk('CPU 3/KVM', 1837, 1)),
      tf('memfd:sealed-91', 7790, 1, '1.000003', 'sched_switch', sw('memfd:sealed-91', 7790, 'S', 'CPU 1/KVM', 1835)),
      tf('CPU 1/KVM', 1835, 1, '1.000004', 'sched_switch', sw('CPU 1/KVM', 1835, 'R+', 'kworker/1:2', 21507)),
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    assert.equal(commOf(tr, 1834), 'CPU 0/KVM');
    assert.equal(commOf(tr, 1838), 'kvm-nx-lpage-re');
    assert.equal(commOf(tr, 1837), 'CPU 3/KVM');
    assert.equal(commOf(tr, 7790), 'memfd:sealed-91');
    assert.equal(commOf(tr, 1835), 'CPU 1/KVM');
    assert.equal(commOf(tr, 21507), 'kworker/1:2');
    const r = rows(tr);
    assert.deepEqual(r[0].a, [1, 0x80, 0xa0]);
    assert.deepEqual(r[2].a, [7790, TaskState.Sleeping, 1835]);
    assert.deepEqual(r[3].a, [1835, TaskState.Preempted, 21507]);
  });

  it('a comm containing [digits] does not hide the CPU column', () => {
    const tr = importBytes(tf('odd[3]name', 42, 2, '5.000001', 'sched_waking', wk('a', 1, 2)));
    clean(tr);
    assert.equal(rows(tr)[0].cpu, 2);
    assert.equal(commOf(tr, 42), 'odd[3]name');
  });

  it('header lines, lost-event markers and unknown events (kept, counted by name)', () => {
    const text = [
      'cpus=2',
      'version = 6',
      'CPU:1 [LOST 12 EVENTS]',
      '            bash-1234  [001]  7.000001: irq_handler_entry: irq=1 name=i8042',
      '            bash-1234  [001]  7.000002: irq_handler_entry: irq=1 name=i8042',
      '            bash-1234  [001]  7.000003: tracing_mark_write: hello world',
      '            bash-1234  [001]  7.000004: do_sys_open <-__x64_sys_openat',
      '',
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    assert.equal(tr.format, 'trace-cmd');
    assert.equal(tr.stats.events, 4);
    assert.equal(tr.stats.skippedLines, 3);
    assert.equal(tr.stats.counters.lost_events, 12);
    assert.equal(tr.cpusBySource[0], 2);
    const doc = analyzeText(text);
    assert.deepEqual(doc.stats.unknownEvents, { irq_handler_entry: 2, tracing_mark_write: 1, function: 1 });
    assert.ok(doc.findings.some((f) => f.code === 'VPS361' && /12 lost/.test(f.message)));
    assert.ok(doc.findings.some((f) => f.code === 'VPS363'));
  });

  it('nanosecond and millisecond timestamps', () => {
    const tr = importBytes([
      tf('a', 1, 0, '12.123456789', 'sched_waking', wk('b', 2, 0)),
      tf('a', 1, 0, '12.5', 'sched_waking', wk('b', 2, 0)),
    ].join('\n'));
    clean(tr);
    assert.deepEqual(rows(tr).map((r) => r.ts), [12123456789, 12500000000]);
  });
});

describe('trace-cmd report text', () => {
  it('plugin-formatted sched_switch / sched_wakeup, split on the last colon', () => {
    const text = [
      'cpus=2',
      '   record_run.sh-1806  [001]  1494.546755: sched_wakeup_new:     record_run.sh:1831 [120] CPU:001',
      '          <idle>-0     [000]  1494.547266: sched_switch:         swapper/0:0 [120] R ==> rcu_preempt:15 [120]',
      '          kvmbar-1833  [001]  1494.552873: sched_wakeup:         memfd:sealed-91:7790 [120] CPU:001',
      '          kvmbar-1833  [001]  1494.555230: sched_switch:         kvmbar:1833 [120] R ==> memfd:sealed-91:7790 [120]',
      '   old-wakeup-9   [000]  1494.555231: sched_wakeup:         x:y:12 [100] success=1 CPU:000',
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    const r = rows(tr);
    assert.deepEqual(r.map((x) => [x.name, ...x.a]), [
      ['sched_wakeup_new', 1831, 1, 120],
      ['sched_switch', 0, TaskState.Running, 15],
      ['sched_wakeup', 7790, 1, 120],
      ['sched_switch', 1833, TaskState.Running, 7790],
      ['sched_wakeup', 12, 0, 100],
    ]);
    assert.equal(commOf(tr, 7790), 'memfd:sealed-91');
    assert.equal(commOf(tr, 12), 'x:y');
    assert.equal(commOf(tr, 15), 'rcu_preempt');
    assert.equal(tr.threads.find(0, 1831)!.creator, 1806);
  });

  it('state letters as trace-cmd prints them: W is idle (sleeping), X and Z swapped', () => {
    const line = (st: string) => `   t-5  [000]  1.000000: sched_switch:         t:5 [120] ${st} ==> swapper/0:0 [120]`;
    const state = (st: string) => rows(importBytes(`cpus=1\n${line(st)}`))[0].a[1];
    assert.equal(state('W'), TaskState.Idle);
    assert.equal(state('X'), TaskState.Zombie);
    assert.equal(state('Z'), TaskState.Dead);
    assert.equal(state('R'), TaskState.Running);
    assert.equal(state('D'), TaskState.Blocked);
    // The kernel's own letters in tracefs text are not remapped.
    const k = (st: string) => rows(importBytes(tf('t', 5, 0, '1.000000', 'sched_switch', sw('t', 5, st, 'swapper/0', 0))))[0].a[1];
    assert.equal(k('X'), TaskState.Dead);
    assert.equal(k('Z'), TaskState.Zombie);
    assert.equal(k('I'), TaskState.Idle);
    assert.equal(k('R+'), TaskState.Preempted);
    assert.equal(k('D|K'), TaskState.Blocked);
  });

  it('-R raw output: key=value bodies, numeric prev_state, numeric exit reasons', () => {
    const text = [
      'cpus=2',
      '       CPU 1/KVM-1835  [001]  10.000001: sched_switch:         prev_comm=CPU 1/KVM prev_pid=1835 prev_prio=120 prev_state=256 next_comm=cpuhog next_pid=1889 next_prio=120',
      '          cpuhog-1889  [001]  10.000002: sched_switch:         prev_comm=cpuhog prev_pid=1889 prev_prio=120 prev_state=0 next_comm=CPU 1/KVM next_pid=1835 next_prio=120',
      '       CPU 1/KVM-1835  [001]  10.000003: kvm_exit:             exit_reason=30 guest_rip=0xffffffff81000000 isa=1 info1=0x0 info2=0x0 intr_info=0x0 error_code=0x0 vcpu_id=1',
      '       CPU 1/KVM-1835  [001]  10.000004: kvm_exit:             exit_reason=124 guest_rip=0x0 isa=2 info1=0x0 info2=0x0',
      '       CPU 1/KVM-1835  [001]  10.000005: kvm_userspace_exit:   reason=2 errno=0',
      '       CPU 1/KVM-1835  [001]  10.000006: kvm_pio:              rw=1 port=0x20 size=1 count=1 val=3',
      '       CPU 1/KVM-1835  [001]  10.000007: kvm_entry:            vcpu_id=1 rip=0xffffffff81000000',
      '       CPU 1/KVM-1835  [001]  10.000008: sched_switch:         prev_comm=CPU 1/KVM prev_pid=1835 prev_prio=120 prev_state=1 next_comm=swapper/1 next_pid=0 next_prio=120',
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    const r = rows(tr);
    const s = tr.events.strings;
    assert.equal(r[0].a[1], TaskState.Preempted);
    assert.equal(r[1].a[1], TaskState.Running);
    assert.equal(s.name(r[2].a[0]), 'IO_INSTRUCTION');
    assert.equal(r[2].a[1], 1);
    assert.equal(s.name(r[3].a[0]), 'msr');
    assert.equal(r[3].a[1], -1);
    assert.equal(s.name(r[4].a[0]), 'KVM_EXIT_IO');
    assert.deepEqual(r[5].a, [1, 0x20, 3]);
    assert.equal(r[6].a[0], 1);
    assert.equal(r[7].a[1], TaskState.Sleeping);
    assert.equal(tr.threads.find(0, 1835)!.kvmVcpu, 1);
  });

  it('several input files: each line prefixed with its file, separate CPUs and pids per file', () => {
    const text = [
      '  host.dat: cpus=2',
      ' guest.dat: cpus=1',
      '  host.dat:        CPU 0/KVM-1834  [000]  100.000100: sched_switch:         CPU 0/KVM:1834 [120] R ==> cpuhog:1889 [120]',
      ' guest.dat:             bash-1834  [000]  100.000150: sched_switch:         bash:1834 [120] S ==> swapper/0:0 [120]',
      '  host.dat:           cpuhog-1889  [000]  100.000300: sched_switch:         cpuhog:1889 [120] R ==> CPU 0/KVM:1834 [120]',
      ' guest.dat:           <idle>-0     [000]  100.000400: sched_wakeup:         bash:1834 [120] CPU:000',
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    assert.deepEqual(tr.sources, ['', 'host.dat', 'guest.dat']);
    assert.equal(tr.cpusBySource[1], 2);
    assert.equal(tr.cpusBySource[2], 1);
    assert.deepEqual(rows(tr).map((r) => r.src), [1, 2, 1, 2]);
    assert.equal(commOf(tr, 1834, 1), 'CPU 0/KVM');
    assert.equal(commOf(tr, 1834, 2), 'bash');
    const doc = analyzeText(text);
    assert.deepEqual(doc.formatDetail.files, ['host.dat', 'guest.dat']);
    const host = doc.threads.find((t) => t.tid === 1834 && t.source === 'host.dat')!;
    assert.equal(host.vcpu, 0);
    assert.equal(host.preemptions, 1);
    assert.equal(host.runnableNs, 200_000);
    assert.equal(host.stolenBy[0].comm, 'cpuhog');
    const guest = doc.threads.find((t) => t.tid === 1834 && t.source === 'guest.dat')!;
    assert.equal(guest.vcpu, null);
    assert.ok(doc.timeline.lanes.some((l) => l.id === 'host.dat/pcpu:0'));
    assert.ok(doc.timeline.lanes.some((l) => l.id === 'guest.dat/pcpu:0'));
    assert.ok(doc.timeline.lanes.some((l) => l.id === 'guest.dat/pid:1834'));
  });
});

describe('kvm events', () => {
  it('kvm_exit with a vcpu id (tracefs) and without one (vcpu from the thread)', () => {
    const text = [
      tf('CPU 2/KVM', 900, 0, '1.000000', 'kvm_entry', 'vcpu 2, rip 0xffffffff81234567', '.....'),
      tf('CPU 2/KVM', 900, 0, '1.000100', 'kvm_exit', 'vcpu 2 reason EXTERNAL_INTERRUPT rip 0xffffffff81234567 info1 0x0 info2 0x0 intr_info 0x800000ec error_code 0x0', '.....'),
      tf('CPU 2/KVM', 900, 0, '1.000110', 'kvm_entry', 'vcpu 2, rip 0xffffffff81234567', '.....'),
      tf('CPU 2/KVM', 900, 0, '1.000200', 'kvm_exit', 'reason HLT rip 0xffffffff81234567 info 0 0', '.....'),
      tf('qemu-system-x86', 901, 1, '1.000300', 'kvm_exit', 'reason MSR_WRITE rip 0xffffffff81000000 info 0 0', '.....'),
    ].join('\n');
    const tr = importBytes(text);
    clean(tr);
    const r = rows(tr);
    assert.equal(r[1].a[1], 2);
    assert.equal(r[3].a[1], -1);
    assert.equal(tr.events.strings.name(r[3].a[0]), 'HLT');
    const doc = analyzeText(text);
    const t = thread(doc, 900);
    assert.equal(t.vcpu, 2);
    assert.deepEqual(t.exits, { EXTERNAL_INTERRUPT: 1, HLT: 1 });
    assert.equal(t.guest!.residence.count, 2);
    assert.equal(t.guest!.guestNs, 100_000 + 90_000);
    assert.equal(t.guest!.hostNs, 10_000);
    // A thread with kvm_exit but no vCPU name is still a vCPU (number from its VM's free numbers).
    assert.equal(thread(doc, 901).vcpu, 0);
    assert.deepEqual(thread(doc, 901).exits, { MSR_WRITE: 1 });
  });

  it('without kvm_exit: kvm_userspace_exit reasons count as exits, port I/O handled in the kernel as IO_INSTRUCTION', () => {
    const text = [
      tf('CPU 0/KVM', 50, 0, '1.000000', 'kvm_pio', 'pio_write at 0x20 size 1 count 1 val 0x1 ', '.....'),
      tf('CPU 0/KVM', 50, 0, '1.000003', 'kvm_userspace_exit', 'reason KVM_EXIT_IO (2)', '.....'),
      tf('CPU 0/KVM', 50, 0, '1.000100', 'kvm_pio', 'pio_read at 0x40 size 1 count 1 val 0x0 ', '.....'),
      tf('CPU 0/KVM', 50, 0, '1.000200', 'kvm_userspace_exit', 'reason KVM_EXIT_HLT (5)', '.....'),
    ].join('\n');
    const doc = analyzeText(text);
    const t = thread(doc, 50);
    assert.deepEqual(t.exits, { IO_INSTRUCTION: 1, KVM_EXIT_HLT: 1, KVM_EXIT_IO: 1 });
    assert.deepEqual(t.pio, { 'in 0x40': 1, 'out 0x20': 1 });
    assert.deepEqual(t.userspaceExits, { KVM_EXIT_HLT: 1, KVM_EXIT_IO: 1 });
  });
});

describe('malformed input: counted, located, the rest loads', () => {
  it('corrupt and truncated lines get warnings with line numbers and byte offsets', () => {
    const lines = [
      '# tracer: nop',
      tf('a', 1, 0, '1.000000', 'sched_switch', sw('a', 1, 'R', 'b', 2)),
      'this is not a trace line',
      tf('b', 2, 0, '1.000100', 'sched_switch', sw('b', 2, 'S', 'a', 1)),
      tf('a', 1, 0, '1.000200', 'sched_switch', 'prev_comm=a prev_pid=1 prev_prio=120 prev_st'),
      '           a-1     [000] d..2. 1.00',
      tf('a', 1, 0, '1.000300', 'sched_switch', sw('a', 1, 'S', 'b', 2)),
      tf('b', 2, 0, '1.000400', 'sched_wakeup', 'comm=a pid'),
    ];
    const text = lines.join('\n');
    const offsetOf = (i: number) => lines.slice(0, i).reduce((n, l) => n + l.length + 1, 0);
    const tr = importBytes(text);
    assert.equal(tr.stats.lines, 8);
    assert.equal(tr.stats.events, 3);
    assert.equal(tr.stats.skippedLines, 1);
    assert.equal(tr.stats.malformedLines, 4);
    assert.equal(tr.stats.warningCount, 4);
    assert.deepEqual(tr.stats.warnings.map((w) => [w.line, w.offset]), [[3, offsetOf(2)], [5, offsetOf(4)], [6, offsetOf(5)], [8, offsetOf(7)]]);
    assert.match(tr.stats.warnings[0].reason, /CPU column/);
    assert.match(tr.stats.warnings[1].reason, /prev_state/);
    assert.match(tr.stats.warnings[2].reason, /timestamp/);
    assert.match(tr.stats.warnings[3].reason, /pid/);
    const doc = analyzeText(text);
    assert.ok(doc.findings.some((f) => f.code === 'VPS360' && /line 3/.test(f.message)));
    assert.equal(thread(doc, 2).runningNs, 100_000);
  });

  it('keeps the first N warning samples and counts all', () => {
    const text = Array.from({ length: 50 }, (_, i) => `garbage ${i}`).join('\n');
    const tr = importBytes(text, { maxWarningSamples: 5 });
    assert.equal(tr.stats.warningCount, 50);
    assert.equal(tr.stats.warnings.length, 5);
    assert.deepEqual(tr.stats.warnings.map((w) => w.line), [1, 2, 3, 4, 5]);
  });

  it('overlong lines are skipped with a warning, even across chunks', () => {
    const long = 'x'.repeat(70_000);
    const text = [tf('a', 1, 0, '1.000000', 'sched_waking', wk('b', 2, 0)), long, tf('a', 1, 0, '1.000001', 'sched_waking', wk('b', 2, 0))].join('\n');
    for (const chunks of [undefined, [1000], [7]]) {
      const tr = importBytes(text, { chunks });
      assert.equal(tr.stats.events, 2);
      assert.equal(tr.stats.counters.line_too_long, 1);
      assert.equal(tr.stats.warnings[0].line, 2);
    }
  });

  it('binary and compressed input is refused with a reason, not a crash', () => {
    const gz = importBytes(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
    assert.equal(gz.format, 'unknown');
    assert.match(gz.stats.warnings[0].reason, /gzip/);
    const dat = importBytes(new Uint8Array([0x17, 0x08, 0x44, ...new TextEncoder().encode('tracing6'), 0, 1, 2]));
    // A .dat file is read natively (dat.test.ts); a truncated one says where it ends (datCut.test.ts).
    assert.match(dat.stats.warnings[0].reason, /trace-cmd \.dat file could not be read: the file ends at byte 14, inside its headers \(truncated at offset 14/);
    assert.equal(importBytes('').stats.events, 0);
  });
});

describe('format detection', () => {
  const cases: [string, string][] = [
    ['# tracer: nop\n', 'tracefs'],
    ['cpus=4\n', 'trace-cmd'],
    ['  host.dat: cpus=4\n', 'trace-cmd'],
    [tf('a', 1, 0, '1.000000', 'sched_waking', wk('b', 2, 0)) + '\n', 'tracefs'],
    ['    a-1  [000]  1.000000: sched_switch: a:1 [120] S ==> b:2 [120]\n', 'trace-cmd'],
    ['[{"ph":"X","ts":1,"dur":2,"pid":1,"tid":1,"name":"x"}]', 'chrome-json'],
    ['\ufeff {"traceEvents":[]}', 'chrome-json'],
  ];
  for (const [text, format] of cases) {
    it(`${JSON.stringify(text.slice(0, 30))} -> ${format}`, () => assert.equal(importBytes(text).format, format));
  }
  it('an explicit format skips detection', () => {
    assert.equal(importBytes('    a-1  [000] d..2. 1.000000: sched_switch: a:1 [120] W ==> b:2 [120]\n', { format: 'trace-cmd' }).format, 'trace-cmd');
  });
  it('kinds of rows for known events are the fixed ids', () => {
    const tr = importBytes(tf('a', 1, 0, '1.000000', 'sched_migrate_task', 'comm=b pid=2 prio=120 orig_cpu=0 dest_cpu=1'));
    assert.equal(tr.events.kind.get(0), EventKind.SchedMigrateTask);
    assert.deepEqual(rows(tr)[0].a, [2, 0, 1]);
  });
});
