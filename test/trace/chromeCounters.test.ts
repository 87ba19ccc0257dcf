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
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as analyzeMain } from '../../server/src/cli/analyze';
import { assertValid } from '../schemas/validate';
import { spawnSync } from 'node:child_process';
import { cliBundle } from '../lsp/harness';

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

  // Found by attack11: +1e308 then -1e308 made the area Infinity - Infinity, so the mean was NaN
  // in the text, null in the JSON (invalid against vpscope.trace/1) and the view dropped the series.
  it('property: the mean is a finite number between min and max for any finite values, 1e308 and 5e-324 included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1e9 }), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, 1e308, -1e308, 5e-324, -0))), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 1e9 }),
        (samples, end) => {
          const d = doc([...samples.map(([t, v]) => ({ ph: 'C', name: 'q', pid: 1, ts: t, args: { value: v } })), { ph: 'X', name: 'run', pid: 1, tid: 1, ts: 0, dur: end }]);
          const s = d.counters![0];
          assert.equal(s.samples, samples.length);
          assert.ok(Number.isFinite(s.mean), `mean ${s.mean}`);
          assert.ok(s.min <= s.mean && s.mean <= s.max, `${s.min} <= ${s.mean} <= ${s.max}`);
          assert.doesNotMatch(renderSummary(d), /NaN|Infinity/);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('values near 1e308 of both signs: analyze --json validates against vpscope.trace/1, the mean is the weighted mean', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-counters-'));
    try {
      const f = join(dir, 'big.json');
      writeFileSync(f, JSON.stringify({ traceEvents: [
        { ph: 'C', name: 'big', pid: 1, ts: 0, args: { value: 1e308 } },
        { ph: 'C', name: 'big', pid: 1, ts: 10, args: { value: -1e308 } },
        { ph: 'C', name: 'big', pid: 1, ts: 30, args: { value: 1e308 } },
        { ph: 'X', name: 'run', pid: 1, tid: 1, ts: 0, dur: 40 },
      ] }));
      let out = '';
      let err = '';
      const code = await analyzeMain(['--json', f], { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) } });
      assert.equal(code, 0, err);
      const d = JSON.parse(out);
      assertValid('vpscope.trace-1.schema.json', d, 'analyze --json of counters near 1e308');
      // 1e308 for 10 us, -1e308 for 20 us, 1e308 for 10 us: a mean of 0 (within rounding).
      assert.ok(Math.abs(d.counters[0].mean) <= 1e293, String(d.counters[0].mean));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Found by attack11: null read as 0, true as 1, [7] as 7 and "abc" skipped, all without a word.
  it('values that are not numbers are counted and warned on their line; numeric strings are read', () => {
    const tr = importBytes(['{"traceEvents":[', '{"ph":"X","name":"run","pid":1,"tid":1,"ts":0,"dur":40},', '{"ph":"C","name":"q","pid":1,"ts":0,"args":{"a":null,"b":true,"c":[7],"d":"abc","e":"","f":{},"g":" 2.5e1 ","h":3}}', ']}'].join('\n'));
    assert.equal(tr.stats.counters.chrome_counter_not_numeric, 6);
    const w = tr.stats.warnings.filter((x) => /ph C/.test(x.reason));
    assert.deepEqual(w.map((x) => x.line), [3, 3, 3, 3, 3, 3]);
    assert.match(w[0].reason, /value a is null, not a number/);
    assert.match(w[3].reason, /value d is the string "abc"/);
    const d = analyzeTrace(tr);
    assert.deepEqual(d.counters!.map((s) => [s.name, s.last]), [['q.g', 25], ['q.h', 3]]);
  });

  it('property: a counter value is kept exactly when it is a finite number or a string of one', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.string(), fc.constantFrom(null, true, false, [], [1], {}, '1e999', '0x10', ' 7 ', '-.5', '1.')), (v) => {
        const tr = importBytes(JSON.stringify({ traceEvents: [{ ph: 'C', name: 'q', pid: 1, ts: 0, args: { value: v } }] }));
        const kept = tr.stats.counters.chrome_counter_not_numeric === undefined;
        const expect = typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) && Number.isFinite(Number(v));
        // JSON writes NaN and Infinity as null.
        assert.equal(kept, expect, JSON.stringify(v));
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});

// Found by attack11: names and processes are capped, not their pairs; each distinct (process,
// name) series kept a table of its own (~300 bytes), so 1,000,000 of them (a 63 MB file) took
// 430 MB instead of 130 and a larger file would run out of memory. Now one sort of the row
// numbers: 400,000 series analyse within a 96 MB heap (before: out of memory, exit 134).
describe('many distinct counter series', () => {
  it('property: series in pid then name order, samples in time then file order, as grouping them one by one does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pid: fc.constantFrom(-2_147_483_648, -5, 0, 1, 2, 2_147_483_647), name: fc.constantFrom('a', 'B', 'b', 'é', '', 'a.b', 'zz'), ts: fc.integer({ min: 0, max: 50 }), keys: fc.constantFrom(['value'], ['x'], ['x', 'y']), v: fc.integer({ min: -9, max: 9 }) }), { minLength: 1, maxLength: 120 }),
        (evs) => {
          const d = doc([...evs.map((e) => ({ ph: 'C', name: e.name, pid: e.pid, ts: e.ts, args: Object.fromEntries(e.keys.map((k, i) => [k, e.v + i])) })), { ph: 'X', name: 'run', pid: 1, tid: 1, ts: 0, dur: 60 }]);
          // The reference: one group per (pid, series name), in file order, then sorted.
          const groups = new Map<string, { pid: number; name: string; samples: [number, number][] }>();
          for (const e of evs) {
            e.keys.forEach((k, i) => {
              const name = e.keys.length === 1 && k === 'value' ? e.name : `${e.name}.${k}`;
              const key = `${e.pid}\u0000${name}`;
              if (!groups.has(key)) groups.set(key, { pid: e.pid, name, samples: [] });
              groups.get(key)!.samples.push([e.ts * 1000, e.v + i]);
            });
          }
          const want = [...groups.values()].sort((a, b) => a.pid - b.pid || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
          for (const g of want) g.samples.sort((x, y) => x[0] - y[0]);
          assert.equal(d.countersOmitted ?? 0, Math.max(0, want.length - MAX_COUNTER_SERIES));
          assert.deepEqual(
            d.counters!.map((s) => [s.pid, s.name, s.points]),
            want.slice(0, MAX_COUNTER_SERIES).map((g) => [g.pid, g.name, g.samples.flat()]),
          );
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('400,000 (process, name) pairs: analysed within a 96 MB heap, 64 listed, the rest counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-series-'));
    try {
      const f = join(dir, 'series.json');
      const parts = ['{"traceEvents":[\n'];
      for (let i = 0; i < 400_000; i++) parts.push(`{"ph":"C","name":"n${i >> 8}","pid":${i & 255},"ts":${i},"args":{"v":1}},\n`);
      parts.push('{"ph":"X","name":"x","pid":1,"tid":1,"ts":0,"dur":10}\n]}');
      writeFileSync(f, parts.join(''));
      const cli = await cliBundle();
      const r = spawnSync(process.execPath, ['--max-old-space-size=96', cli, 'analyze', f, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, r.stderr.slice(-500));
      const d = JSON.parse(r.stdout);
      assert.equal(d.counters.length, MAX_COUNTER_SERIES);
      assert.equal(d.countersOmitted, 400_000 - MAX_COUNTER_SERIES);
      assert.deepEqual(d.counters.slice(0, 3).map((s: { pid: number; name: string }) => `${s.pid} ${s.name}`), ['0 n0.v', '0 n1.v', '0 n10.v']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
