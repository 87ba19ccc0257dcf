/**
 * Chrome trace event JSON: both container forms, phases B/E/X/i/C/M, ts in microseconds,
 * streaming across chunks, errors counted, and the round trip of vpscope's own export.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toChromeTrace } from '../../server/src/core/chromeTrace';
import { analyzeTrace } from '../../server/src/trace';
import { analyzeText, importBytes, intervalsOf, realTrace, sw, tf, thread } from './helpers';

const EVENTS = [
  { ph: 'M', name: 'process_name', pid: 7, tid: 0, args: { name: 'qemu web' } },
  { ph: 'M', name: 'thread_name', pid: 7, tid: 71, args: { name: 'CPU 0/KVM' } },
  { ph: 'M', name: 'thread_name', pid: 7, tid: 72, args: { name: 'CPU 1/KVM' } },
  { ph: 'X', pid: 7, tid: 71, ts: 10, dur: 100, name: 'running', cat: 'running' },
  { ph: 'X', pid: 7, tid: 71, ts: 110, dur: 2000, name: 'runnable: cpuhog (5)', cat: 'runnable' },
  { ph: 'X', pid: 7, tid: 71, ts: 2110, dur: 50, name: 'running', cat: 'running' },
  { ph: 'B', pid: 7, tid: 72, ts: 20, name: 'running', cat: 'running' },
  { ph: 'B', pid: 7, tid: 72, ts: 30, name: 'inner', cat: 'fn' },
  { ph: 'E', pid: 7, tid: 72, ts: 40 },
  { ph: 'E', pid: 7, tid: 72, ts: 120 },
  { ph: 'E', pid: 7, tid: 72, ts: 130 },
  { ph: 'i', pid: 7, tid: 72, ts: 125, name: 'marker', s: 't' },
  { ph: 'C', pid: 7, ts: 50, name: 'load', args: { value: 3 } },
  { ph: 'C', pid: 7, ts: 60, name: 'mem', args: { rss: 10, cache: 2 } },
  { ph: 'b', pid: 7, tid: 72, ts: 60, name: 'async', id: 1 },
  { ph: 'B', pid: 7, tid: 72, ts: 3000, name: 'never closed' },
];

describe('Chrome trace JSON', () => {
  for (const [label, text] of [
    ['array form', JSON.stringify(EVENTS)],
    ['object form', JSON.stringify({ traceEvents: EVENTS, displayTimeUnit: 'ns', otherData: { x: [1, { traceEvents: 2 }] } })],
    ['array form without the closing bracket', JSON.stringify(EVENTS).slice(0, -1)],
    ['pretty-printed object form', JSON.stringify({ metadata: { a: '}]' }, traceEvents: EVENTS }, null, 2)],
  ]) {
    it(`${label}: slices, instants, counters, names`, () => {
      for (const chunks of [undefined, [1], [13]]) {
        const tr = importBytes(text, { chunks });
        assert.equal(tr.format, 'chrome-json');
        const d = tr.chrome!;
        assert.equal(d.processNames.get(7), 'qemu web');
        assert.equal(d.threadNames.get('7:71'), 'CPU 0/KVM');
        assert.equal(d.slices.length, 6); // 3 X + 2 B/E pairs + 1 unclosed B
        assert.equal(d.counters.length, 3);
        assert.deepEqual([...d.instants], [['marker', 1]]);
        assert.equal(tr.stats.counters.chrome_unmatched_end, 1);
        assert.equal(tr.stats.counters.chrome_unclosed_begin, 1);
        assert.equal(tr.stats.counters.chrome_unsupported_phase, 1);
        assert.equal(tr.stats.events, EVENTS.length);
        assert.equal(tr.stats.malformedLines, 0);
        const doc = analyzeTrace(tr);
        const v0 = thread(doc, 71);
        assert.equal(v0.vcpu, 0);
        assert.equal(v0.vm, 'vm:7');
        assert.equal(v0.runningNs, 150_000);
        assert.equal(v0.runnableNs, 2_000_000);
        assert.equal(v0.preemptions, 1);
        assert.deepEqual(v0.stolenBy, [{ tid: -1, comm: 'cpuhog (5)', ns: 2_000_000 }]);
        assert.ok(doc.findings.some((f) => f.code === 'VPS332' && f.data?.tid === 71));
        assert.deepEqual(intervalsOf(doc, 'chrome:7:71')[1], [110_000, 2_110_000, 'runnable', 'cpuhog (5)']);
        // Nested slices are counted, only the top level is drawn.
        assert.equal(doc.stats.counters.chrome_nested_slice?.value, 1);
        assert.equal(doc.vms[0].name, 'qemu web');
      }
    });
  }

  it('bad events are counted and located; a syntax error stops extraction but keeps what came before', () => {
    const text = '[\n{"ph":"X","ts":1,"dur":1,"pid":1,"tid":1,"name":"a"},\n{"ph":"X","ts":"x","pid":1},\n5,\n{"ph":"X","ts":2,"dur":1,"pid":1,"tid":1,"name":"b"}]]]\n{"ph":"X"}';
    const tr = importBytes(text);
    assert.equal(tr.chrome!.slices.length, 2);
    assert.equal(tr.stats.counters.chrome_bad_event, 2);
    assert.equal(tr.stats.counters.chrome_json_error, 1);
    assert.deepEqual(tr.stats.warnings.slice(0, 2).map((w) => [w.line, w.offset]), [[3, text.indexOf('{"ph":"X","ts":"x"')], [4, text.indexOf('5,')]]);
  });

  it('two traceEvents keys: both arrays are read (as Perfetto does) and the second is warned where it starts, in any chunking', () => {
    const ev = (n: string, ts: number) => `{"ph":"X","ts":${ts},"dur":1,"pid":1,"tid":1,"name":"${n}"}`;
    const text = `{"traceEvents":[\n${ev('a', 1)}],\n"displayTimeUnit":"ns",\n"traceEvents" : [\n${ev('b', 2)},\n${ev('c', 3)}],"traceEvents":[]}`;
    for (const chunks of [undefined, [1], [7]]) {
      const tr = importBytes(text, { chunks });
      assert.equal(tr.chrome!.slices.length, 3);
      assert.equal(tr.stats.counters.chrome_duplicate_events, 1);
      const w = tr.stats.warnings.find((x) => /second "traceEvents"/.test(x.reason));
      assert.ok(w, JSON.stringify(tr.stats.warnings));
      assert.deepEqual([w.line, w.offset], [4, text.indexOf('[', text.indexOf('"traceEvents" :'))]);
    }
    // One key: no warning.
    assert.equal(importBytes(`{"traceEvents":[${ev('a', 1)}]}`).stats.counters.chrome_duplicate_events, undefined);
  });

  it('round trip: a tracefs analysis exported with core/chromeTrace reads back with the same states', () => {
    const text = [
      tf('swapper/0', 0, 0, '0.999000', 'sched_switch', sw('swapper/0', 0, 'R', 'CPU 0/KVM', 100)),
      tf('CPU 0/KVM', 100, 0, '1.000000', 'sched_switch', sw('CPU 0/KVM', 100, 'R', 'cpuhog', 200)),
      tf('cpuhog', 200, 0, '1.003000', 'sched_switch', sw('cpuhog', 200, 'R', 'CPU 0/KVM', 100)),
      tf('CPU 0/KVM', 100, 0, '1.004000', 'sched_switch', sw('CPU 0/KVM', 100, 'S', 'swapper/0', 0)),
    ].join('\n');
    const a = analyzeText(text);
    const back = analyzeTrace(importBytes(toChromeTrace(a.timeline)));
    const t = back.threads.find((x) => x.tid === 100)!;
    assert.equal(t.comm, 'CPU 0/KVM');
    assert.equal(t.vcpu, 0);
    assert.equal(t.runnableNs, thread(a, 100).runnableNs);
    assert.equal(t.runningNs, thread(a, 100).runningNs);
    assert.equal(t.preemptions, 1);
    assert.equal(t.stolenBy[0].comm, 'cpuhog (200)');
  });

  it('round trip on a real trace keeps per-vCPU running and runnable time', () => {
    const a = analyzeTrace(importBytes(realTrace('r3_1x_n2_2hogs', 'tracefs_trace')));
    const back = analyzeTrace(importBytes(toChromeTrace(a.timeline, { omitStates: ['sleeping', 'idle'] })));
    for (const tid of [1894, 1895]) {
      const x = thread(a, tid);
      const y = back.threads.find((t) => t.tid === tid)!;
      // Exported timestamps are microseconds with three decimals: exact for these us-resolution traces.
      assert.equal(y.runningNs, x.runningNs);
      assert.equal(y.runnableNs, x.runnableNs);
      assert.equal(y.preemptions, x.preemptions);
    }
  });
});
