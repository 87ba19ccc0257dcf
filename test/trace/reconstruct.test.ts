/**
 * Scheduling reconstruction on small hand-written traces: states and times per thread, who took
 * the CPU, wake-up latency, inferred switch-ins, migrations, VM grouping, and the findings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, intervalsOf, sw, tf, thread, wk } from './helpers';

const MS = 1_000_000;
const US = 1_000;

describe('thread states', () => {
  it('preempted (R): runnable until switched back, CPU charged to who ran, VPS331/VPS332', () => {
    const doc = analyzeText([
      tf('swapper/0', 0, 0, '1.000000', 'sched_switch', sw('swapper/0', 0, 'R', 'CPU 0/KVM', 100)),
      tf('CPU 0/KVM', 100, 0, '1.001000', 'sched_switch', sw('CPU 0/KVM', 100, 'R', 'hog', 200)),
      tf('hog', 200, 0, '1.004000', 'sched_switch', sw('hog', 200, 'R', 'CPU 0/KVM', 100)),
      tf('CPU 0/KVM', 100, 0, '1.005000', 'sched_switch', sw('CPU 0/KVM', 100, 'S', 'swapper/0', 0)),
      tf('swapper/0', 0, 0, '1.006000', 'sched_waking', wk('x', 9, 0)),
    ].join('\n'));
    const v = thread(doc, 100);
    assert.equal(v.vcpu, 0);
    assert.equal(v.runningNs, 2 * MS);
    assert.equal(v.runnableNs, 3 * MS);
    assert.equal(v.preemptedWaitNs, 3 * MS);
    assert.equal(v.sleepingNs, 1 * MS);
    assert.equal(v.preemptions, 1);
    assert.equal(v.voluntarySwitches, 1);
    assert.deepEqual(v.preemptedBy, [{ tid: 200, comm: 'hog', count: 1 }]);
    assert.deepEqual(v.stolenBy, [{ tid: 200, comm: 'hog', ns: 3 * MS }]);
    assert.equal(v.stealPct, 60);
    assert.deepEqual(v.longPreemptions, { count: 1, totalNs: 3 * MS, maxNs: 3 * MS, examples: [{ startNs: 1_001_000_000, durationNs: 3 * MS, who: 'hog (200)', cpu: 0 }] });
    assert.deepEqual(intervalsOf(doc, 'pid:100'), [
      [1_000_000_000, 1_001_000_000, 'running', 'CPU 0'],
      [1_001_000_000, 1_004_000_000, 'runnable', 'hog (200)'],
      [1_004_000_000, 1_005_000_000, 'running', 'CPU 0'],
      [1_005_000_000, 1_006_000_000, 'sleeping', ''],
    ]);
    assert.deepEqual(intervalsOf(doc, 'pcpu:0').map((x) => x.slice(2)), [['running', 'CPU 0/KVM (100)'], ['running', 'hog (200)'], ['running', 'CPU 0/KVM (100)'], ['idle', '']]);
    const codes = doc.findings.map((f) => f.code);
    assert.ok(codes.includes('VPS331'));
    const f = doc.findings.find((x) => x.code === 'VPS332')!;
    assert.equal(f.lane, 'pid:100');
    assert.equal(f.startNs, 1_001_000_000);
    assert.equal(f.durationNs, 3 * MS);
    assert.match(f.message, /hog \(200\)/);
    assert.ok(f.fix);
    // A higher threshold silences VPS332.
    const quiet = analyzeText([
      tf('CPU 0/KVM', 100, 0, '1.001000', 'sched_switch', sw('CPU 0/KVM', 100, 'R', 'hog', 200)),
      tf('hog', 200, 0, '1.004000', 'sched_switch', sw('hog', 200, 'R', 'CPU 0/KVM', 100)),
    ].join('\n'), { runnableStretchUs: 5000 });
    assert.equal(quiet.findings.filter((x) => x.code === 'VPS332').length, 0);
  });

  it('blocked (D) and sleeping (S, I) are told apart; dead tasks stop', () => {
    const doc = analyzeText([
      tf('a', 1, 0, '1.000000', 'sched_switch', sw('a', 1, 'D', 'b', 2)),
      tf('b', 2, 0, '1.001000', 'sched_switch', sw('b', 2, 'I', 'c', 3)),
      tf('c', 3, 0, '1.002000', 'sched_wakeup', wk('a', 1, 0)),
      tf('c', 3, 0, '1.003000', 'sched_switch', sw('c', 3, 'Z', 'a', 1)),
      tf('a', 1, 0, '1.004000', 'sched_waking', wk('x', 9, 0)),
    ].join('\n'));
    assert.equal(thread(doc, 1).blockedNs, 2 * MS);
    assert.equal(thread(doc, 1).wokenWaitNs, 1 * MS);
    assert.equal(thread(doc, 1).wakeLatency.p50, 1 * MS);
    assert.equal(thread(doc, 2).sleepingNs, 3 * MS);
    assert.equal(thread(doc, 3).runningNs, 2 * MS);
    assert.equal(thread(doc, 3).sleepingNs + thread(doc, 3).blockedNs, 0);
  });

  it('wake-up latency: sched_wakeup to switch-in, on the target CPU', () => {
    const doc = analyzeText([
      tf('swapper/0', 0, 0, '1.000000', 'sched_switch', sw('swapper/0', 0, 'R', 'a', 1)),
      tf('a', 1, 0, '1.001000', 'sched_switch', sw('a', 1, 'S', 'swapper/0', 0)),
      tf('b', 2, 1, '1.002000', 'sched_waking', wk('a', 1, 0)),
      tf('b', 2, 1, '1.002010', 'sched_wakeup', wk('a', 1, 0)),
      tf('swapper/0', 0, 0, '1.002060', 'sched_switch', sw('swapper/0', 0, 'R', 'a', 1)),
      tf('a', 1, 0, '1.003000', 'sched_switch', sw('a', 1, 'S', 'swapper/0', 0)),
    ].join('\n'));
    const a = thread(doc, 1);
    assert.equal(a.wakeups, 1);
    assert.deepEqual(a.wakeLatency, { count: 1, p50: 50 * US, p90: 50 * US, p99: 50 * US, max: 50 * US, mean: 50 * US });
    assert.deepEqual(a.stolenBy, [{ tid: 0, comm: '<idle>', ns: 50 * US }]);
  });

  it('migrations: sched_migrate_task, and a switch-in on another CPU without one', () => {
    const doc = analyzeText([
      tf('a', 1, 0, '1.000000', 'sched_switch', sw('a', 1, 'S', 'swapper/0', 0)),
      tf('b', 2, 1, '1.001000', 'sched_migrate_task', 'comm=a pid=1 prio=120 orig_cpu=0 dest_cpu=1'),
      tf('b', 2, 1, '1.001001', 'sched_wakeup', wk('a', 1, 1)),
      tf('b', 2, 1, '1.002000', 'sched_switch', sw('b', 2, 'S', 'a', 1)),
      tf('a', 1, 1, '1.003000', 'sched_switch', sw('a', 1, 'R', 'b', 2)),
      tf('swapper/0', 0, 0, '1.004000', 'sched_switch', sw('swapper/0', 0, 'R', 'a', 1)),
      tf('a', 1, 0, '1.005000', 'sched_switch', sw('a', 1, 'S', 'swapper/0', 0)),
    ].join('\n'));
    const a = thread(doc, 1);
    assert.equal(a.migrations, 2);
    assert.equal(a.runnableNs, 1 * MS + 999 * US);
  });
});

describe('gaps in the trace: inferred and counted, not hidden', () => {
  it('idle -> task switch not recorded: switch-in inferred at the last event showing the CPU idle', () => {
    const doc = analyzeText([
      tf('x', 7, 1, '1.000000', 'sched_switch', sw('x', 7, 'S', 'swapper/1', 0)),
      tf('<idle>', 0, 1, '1.001000', 'sched_wakeup', wk('CPU 1/KVM', 5, 1), 'dNh2.'),
      tf('CPU 1/KVM', 5, 1, '1.001200', 'kvm_pio', 'pio_write at 0x20 size 1 count 1 val 0x1 ', '.....'),
      tf('CPU 1/KVM', 5, 1, '1.002000', 'sched_switch', sw('CPU 1/KVM', 5, 'S', 'swapper/1', 0)),
    ].join('\n'));
    const v = thread(doc, 5);
    assert.equal(v.inferredSwitchIns, 1);
    assert.equal(v.inferredRunningNs, 200 * US);
    assert.equal(v.runningNs, 1 * MS);
    assert.deepEqual(intervalsOf(doc, 'pid:5').slice(0, 2), [
      [1_001_000_000, 1_001_200_000, 'inferred', 'CPU 1'],
      [1_001_200_000, 1_002_000_000, 'running', 'CPU 1'],
    ]);
    assert.deepEqual(doc.stats.inferred, { switchIns: 1, runningNs: 200 * US, uncertainNs: 200 * US, missingWakeups: 0, wakeupsFromWaking: 0, missingSwitchOuts: 0 });
    assert.equal(doc.stats.counters.inferred_switch_in.severity, 'data_loss');
    assert.ok(doc.findings.some((f) => f.code === 'VPS362'));
  });

  it('no wakeup recorded either: a missing wakeup is counted', () => {
    const doc = analyzeText([
      tf('a', 5, 1, '1.000000', 'sched_switch', sw('a', 5, 'S', 'swapper/1', 0)),
      tf('a', 5, 1, '1.004000', 'sched_switch', sw('a', 5, 'S', 'swapper/1', 0)),
    ].join('\n'));
    assert.equal(thread(doc, 5).missingWakeups, 1);
    assert.equal(doc.stats.inferred.missingWakeups, 1);
    assert.equal(doc.stats.inferred.switchIns, 1);
  });

  it('switch away from a real task lost (filtered process): estimate in the middle of the window', () => {
    const doc = analyzeText([
      tf('q', 3, 0, '1.000000', 'sched_switch', sw('q', 3, 'R', 'tokio-rt-worker', 75)),
      tf('q', 3, 0, '1.010000', 'sched_waking', wk('z', 9, 1)),
    ].join('\n'));
    const q = thread(doc, 3);
    assert.equal(q.runnableNs, 5 * MS);
    assert.equal(q.inferredRunningNs, 5 * MS);
    assert.deepEqual(doc.stats.inferred, { switchIns: 1, runningNs: 5 * MS, uncertainNs: 10 * MS, missingWakeups: 0, wakeupsFromWaking: 0, missingSwitchOuts: 1 });
    assert.equal(thread(doc, 75).runningNs, 5 * MS);
  });

  it('a wakeup dated only by sched_waking', () => {
    const doc = analyzeText([
      tf('a', 5, 0, '1.000000', 'sched_switch', sw('a', 5, 'S', 'swapper/0', 0)),
      tf('b', 6, 1, '1.001000', 'sched_waking', wk('a', 5, 0)),
      tf('swapper/0', 0, 0, '1.001100', 'sched_switch', sw('swapper/0', 0, 'R', 'a', 5)),
    ].join('\n'));
    assert.equal(thread(doc, 5).wakeLatency.max, 100 * US);
    assert.equal(doc.stats.inferred.wakeupsFromWaking, 1);
  });
});

describe('VMs and vCPUs', () => {
  it('grouping by TGID', () => {
    const line = (comm: string, tid: number, tgid: number, ts: string) =>
      `${`${comm}-${tid}`.padStart(16)} (${String(tgid).padStart(7)}) [000] d..2. ${ts}: sched_waking: comm=x pid=1 prio=120 target_cpu=000`;
    const doc = analyzeText([line('CPU 0/KVM', 501, 500, '1.000000'), line('CPU 1/KVM', 502, 500, '1.000001'), line('CPU 0/KVM', 801, 800, '1.000002'), line('qemu-system-x86', 500, 500, '1.000003')].join('\n'));
    assert.deepEqual(doc.vms.map((v) => [v.id, v.how, v.name, v.vcpus.map((x) => x.tid)]), [
      ['vm:500', 'tgid', 'qemu-system-x86 (500)', [501, 502]],
      ['vm:800', 'tgid', 'pid 800', [801]],
    ]);
  });

  it('grouping by creator (sched_wakeup_new), and by tid ranges when creation was not traced', () => {
    const doc = analyzeText([
      tf('qemu-system-x86', 600, 0, '1.000000', 'sched_wakeup_new', wk('qemu-system-x86', 601, 1)),
      tf('qemu-system-x86', 600, 0, '1.000001', 'sched_wakeup_new', wk('qemu-system-x86', 602, 1)),
      tf('CPU 0/KVM', 601, 1, '1.000002', 'sched_waking', wk('x', 1, 0)),
      tf('CPU 1/KVM', 602, 1, '1.000003', 'sched_waking', wk('x', 1, 0)),
      tf('CPU 0/KVM', 700, 1, '1.000004', 'sched_waking', wk('x', 1, 0)),
      tf('CPU 1/KVM', 701, 1, '1.000005', 'sched_waking', wk('x', 1, 0)),
      tf('CPU 0/KVM', 710, 1, '1.000006', 'sched_waking', wk('x', 1, 0)),
      tf('fc_vcpu 0', 900, 1, '1.000007', 'sched_waking', wk('x', 1, 0)),
    ].join('\n'));
    assert.deepEqual(doc.vms.map((v) => [v.how, v.name, v.vcpus.map((x) => [x.vcpu, x.tid])]), [
      ['creator', 'qemu-system-x86 (600)', [[0, 601], [1, 602]]],
      ['tid-range', 'VM of CPU 0/KVM 700', [[0, 700], [1, 701]]],
      ['tid-range', 'VM of CPU 0/KVM 710', [[0, 710]]],
      ['tid-range', 'VM of fc_vcpu 0 900', [[0, 900]]],
    ]);
    assert.equal(thread(doc, 600).vm, 'vm:600'); // the VMM main thread belongs to its VM
  });

  it('VPS333: long guest residence while a host thread woken onto the CPU waits', () => {
    const doc = analyzeText([
      tf('CPU 0/KVM', 100, 0, '1.000000', 'kvm_entry', 'vcpu 0, rip 0xffffffff81000000', '.....'),
      tf('irq/30', 30, 1, '1.000500', 'sched_wakeup', wk('vhost-100', 300, 0)),
      tf('CPU 0/KVM', 100, 0, '1.003000', 'kvm_exit', 'vcpu 0 reason EXTERNAL_INTERRUPT rip 0xffffffff81000000 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0', '.....'),
      tf('CPU 0/KVM', 100, 0, '1.003010', 'sched_switch', sw('CPU 0/KVM', 100, 'R', 'vhost-100', 300)),
    ].join('\n'));
    const f = doc.findings.find((x) => x.code === 'VPS333');
    assert.ok(f);
    assert.equal(f!.durationNs, 3 * MS);
    assert.match(f!.message, /vhost-100 \(300\)/);
    assert.deepEqual(intervalsOf(doc, 'pid:100/exec'), [[1_000_000_000, 1_003_000_000, 'guest', '']]);
  });

  it('VPS334: exit storm by reason per vCPU per second', () => {
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      const ts = (2 + i * 0.00002).toFixed(6);
      lines.push(tf('CPU 3/KVM', 103, 0, ts, 'kvm_exit', 'vcpu 3 reason HLT rip 0x0 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0', '.....'));
    }
    lines.push(tf('x', 1, 0, '3.000000', 'sched_waking', wk('x', 1, 0)));
    const doc = analyzeText(lines.join('\n'), { exitStormPerSec: 200 });
    const f = doc.findings.find((x) => x.code === 'VPS334');
    assert.ok(f);
    assert.equal(f!.data!.reason, 'HLT');
    assert.equal(f!.data!.perSec, 300);
    assert.equal(analyzeText(lines.join('\n')).findings.filter((x) => x.code === 'VPS334').length, 0);
  });
});
