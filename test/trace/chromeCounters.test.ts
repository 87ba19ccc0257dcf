/**
 * Counter series of a Chrome trace (`"ph":"C"`) in `vpscope.trace/1` `counters`: per process and
 * name, time-weighted mean (a value holds until the next sample, the last until the window's
 * end), exact min/max/last whatever the thinning, points in time order, at most 64 series.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeTrace } from '../../server/src/trace';
import { COUNTER_BUCKETS, MAX_COUNTER_SERIES, thin } from '../../server/src/trace/reconstruct/chromeCounters';
import { renderSummary } from '../../server/src/trace/summary';
import { importBytes } from './helpers';

const doc = (events: unknown[]) => analyzeTrace(importBytes(JSON.stringify({ traceEvents: events })));

describe('Chrome counter series', () => {
  it('time-weighted mean, last value held to the end of the window, one series per process and name (or name.key)', () => {
    const d = doc([
      { ph: 'M', name: 'process_name', pid: 7, args: { name: 'qemu' } },
      { ph: 'C', name: 'q', pid: 7, ts: 0, args: { value: 10 } },
      { ph: 'C', name: 'q', pid: 7, ts: 10, args: { value: 0 } },
      { ph: 'C', name: 'q', pid: 8, ts: 0, args: { value: 5 } },
      { ph: 'C', name: 'two', pid: 7, ts: 20, args: { a: 1, b: 'x' } },
      { ph: 'X', name: 'run', pid: 7, tid: 1, ts: 0, dur: 40 },
    ]);
    const c = d.counters!;
    assert.deepEqual(c.map((s) => [s.process, s.name, s.samples]), [['qemu', 'q', 2], ['qemu', 'two.a', 1], ['pid:8', 'q', 1]]);
    // q of pid 7: 10 for 10 us, then 0 for the 30 us to the window's end (40 us).
    assert.equal(c[0].mean, 2.5);
    assert.deepEqual([c[0].min, c[0].max, c[0].last], [0, 10, 0]);
    assert.deepEqual(c[0].points, [0, 10, 10_000, 0]);
    assert.equal(c[2].mean, 5);
    assert.equal(d.countersOmitted, undefined);
  });

  it('samples at one instant keep the file order: the last one written holds', () => {
    const d = doc([
      { ph: 'C', name: 'q', pid: 1, ts: 5, args: { value: 1 } },
      { ph: 'C', name: 'q', pid: 1, ts: 5, args: { value: 2 } },
      { ph: 'C', name: 'q', pid: 1, ts: 0, args: { value: 3 } },
      { ph: 'X', name: 'run', pid: 1, tid: 1, ts: 0, dur: 10 },
    ]);
    const s = d.counters![0];
    assert.deepEqual(s.points, [0, 3, 5000, 1, 5000, 2]);
    assert.equal(s.last, 2);
    assert.equal(s.mean, (3 * 5 + 2 * 5) / 10);
  });

  it(`past ${MAX_COUNTER_SERIES} series the rest are counted, and the text says so`, () => {
    const ev = Array.from({ length: MAX_COUNTER_SERIES + 3 }, (_, i) => ({ ph: 'C', name: `c${String(i).padStart(3, '0')}`, pid: 1, ts: i, args: { value: i } }));
    const d = doc(ev);
    assert.equal(d.counters!.length, MAX_COUNTER_SERIES);
    assert.equal(d.countersOmitted, 3);
    assert.match(renderSummary(d), /Counters \(64 series \(and 3 more not listed\);/);
  });

  it('a trace without counters has no counters field', () => {
    assert.equal(doc([{ ph: 'X', name: 'run', pid: 1, tid: 1, ts: 0, dur: 10 }]).counters, undefined);
  });

  it('property: thinning keeps time order, the first and last samples and every extreme, within 4 points per bucket', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 })), { minLength: 1, maxLength: 6000 }), fc.integer({ min: 0, max: 2e6 }), (raw, extra) => {
        const sorted = raw.map(([t, v], i) => ({ t, v, i })).sort((a, b) => a.t - b.t || a.i - b.i);
        const ts = sorted.map((x) => x.t);
        const vs = sorted.map((x) => x.v);
        const endNs = ts[ts.length - 1] + extra;
        const p = thin(ts, vs, endNs);
        assert.ok(p.length / 2 <= Math.max(ts.length, 4 * COUNTER_BUCKETS));
        for (let i = 2; i < p.length; i += 2) assert.ok(p[i] >= p[i - 2]);
        assert.deepEqual([p[0], p[1]], [ts[0], vs[0]]);
        assert.deepEqual([p[p.length - 2], p[p.length - 1]], [ts[ts.length - 1], vs[vs.length - 1]]);
        const ys = p.filter((_, i) => i % 2 === 1);
        assert.equal(Math.min(...ys), Math.min(...vs));
        assert.equal(Math.max(...ys), Math.max(...vs));
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});
