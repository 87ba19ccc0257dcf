/**
 * The panels' arithmetic: what the latency charts plot (histogram -> CDF, percentiles -> step CDF,
 * runnable waits of a lane), which lane a stall click selects, how the tables sort, and what the
 * CSV exports contain (escaping, row cap).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LaneColumns } from '../../../server/src/core/timelineCodec';
import {
  autoLog,
  logFloor,
  lowOnScale,
  csvField,
  drawnValues,
  LOG_AUTO_SPREAD,
  empiricalCdf,
  exportFileName,
  histOutline,
  histToCdf,
  intervalsCsv,
  isHist,
  logHistogram,
  percentileStepCdf,
  quantile,
  readLatency,
  sortedOrder,
  groupStalls,
  stallLane,
  stallsCsv,
  stateDurations,
} from '../../../webview/src/panels/logic';
import { simulationData, traceData } from '../../../webview/src/panels/source';

/** Parses RFC 4180 CSV (the test's own reader, to check escaping round-trips). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') (f += '"'), i++;
      else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(f), (f = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(f), rows.push(row), (row = []), (f = ''), i++;
    else f += c;
  }
  if (f || row.length) row.push(f), rows.push(row);
  return rows;
}

function cols(ivs: [number, number, number, number][]): LaneColumns {
  return {
    starts: Float64Array.from(ivs.map((x) => x[0])),
    ends: Float64Array.from(ivs.map((x) => x[1])),
    states: Uint16Array.from(ivs.map((x) => x[2])),
    causes: Int32Array.from(ivs.map((x) => x[3])),
  };
}

const histArb = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    edgesNs: fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: n + 1, maxLength: n + 1 }).map((a) => {
      const e = [...a].sort((x, y) => x - y);
      for (let i = 1; i < e.length; i++) if (e[i] <= e[i - 1]) e[i] = e[i - 1] + 1;
      return e;
    }),
    counts: fc.array(fc.nat({ max: 1000 }), { minLength: n, maxLength: n }),
  }),
);

test('histogram -> CDF: starts at 0 on the first edge, never decreases, ends at 1, equals the cumulative share at every edge', () => {
  fc.assert(
    fc.property(histArb, (h) => {
      const total = h.counts.reduce((a, b) => a + b, 0);
      const cdf = histToCdf(h);
      if (total === 0) return assert.deepEqual(cdf, []);
      assert.equal(cdf.length, h.edgesNs.length);
      assert.deepEqual(cdf[0], { x: h.edgesNs[0], y: 0 });
      assert.equal(cdf.at(-1)!.y, 1);
      let acc = 0;
      for (let i = 1; i < cdf.length; i++) {
        acc += h.counts[i - 1];
        assert.equal(cdf[i].x, h.edgesNs[i]);
        assert.ok(cdf[i].y >= cdf[i - 1].y);
        assert.ok(Math.abs(cdf[i].y - acc / total) < 1e-12);
      }
    }),
  );
});

test('histogram outline: bar heights are shares of all samples (sum to 1), drawn between their edges', () => {
  fc.assert(
    fc.property(histArb, (h) => {
      const pts = histOutline(h);
      const total = h.counts.reduce((a, b) => a + b, 0);
      if (total === 0) return assert.deepEqual(pts, []);
      assert.equal(pts.length, 2 * h.counts.length + 2);
      let sum = 0;
      for (let i = 0; i < h.counts.length; i++) {
        const a = pts[1 + 2 * i];
        const b = pts[2 + 2 * i];
        assert.equal(a.y, b.y);
        sum += a.y;
        assert.ok(a.x <= b.x);
      }
      assert.ok(Math.abs(sum - 1) < 1e-9);
      assert.equal(pts[0].y, 0);
      assert.equal(pts.at(-1)!.y, 0);
    }),
  );
});

test('a histogram the panels can trust: edges increasing, one more edge than counts', () => {
  assert.ok(isHist({ edgesNs: [1, 2, 4], counts: [3, 0] }));
  assert.ok(!isHist({ edgesNs: [1, 2], counts: [3, 0] }));
  assert.ok(!isHist({ edgesNs: [2, 1], counts: [1] }));
  assert.ok(!isHist({ edgesNs: [1, 2], counts: [-1] }));
  assert.ok(!isHist(null));
  // readLatency drops a malformed histogram instead of plotting garbage, keeps the percentiles.
  const lat = readLatency({ count: 3, p50: 10, p90: 20, p99: 30, max: 40, mean: 15, hist: { edgesNs: [1], counts: [1] }, unfinished: 2 });
  assert.equal(lat?.hist, undefined);
  assert.equal(lat?.unfinished, 2);
  assert.equal(readLatency({ count: 'x' }), undefined);
});

test('percentile step CDF: a lower bound through (p50, .5), (p90, .9), (p99, .99), (max, 1), never decreasing', () => {
  const pts = percentileStepCdf({ p50: 1000, p90: 5000, p99: 20000, max: 90000 });
  assert.deepEqual(pts, [
    { x: 1000, y: 0 },
    { x: 1000, y: 0.5 },
    { x: 5000, y: 0.5 },
    { x: 5000, y: 0.9 },
    { x: 20000, y: 0.9 },
    { x: 20000, y: 0.99 },
    { x: 90000, y: 0.99 },
    { x: 90000, y: 1 },
  ]);
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 1e9 }), { minLength: 4, maxLength: 4 }), ([a, b, c, d]) => {
      const pts = percentileStepCdf({ p50: a, p90: b, p99: c, max: d });
      for (let i = 1; i < pts.length; i++) {
        assert.ok(pts[i].x >= pts[i - 1].x, 'x never goes back');
        assert.ok(pts[i].y >= pts[i - 1].y, 'y never goes down');
      }
      assert.ok(pts.every((p) => p.x >= 1), 'drawable on a log axis');
      assert.equal(pts.at(-1)!.y, 1);
    }),
  );
});

test('runnable waits: spells of the state on a lane, back-to-back intervals joined, sorted', () => {
  // state 1 = runnable; two touching runnable intervals (a cause change) are one wait of 30.
  const c = cols([
    [0, 10, 0, -1],
    [10, 20, 1, 0],
    [20, 40, 1, 1],
    [40, 50, 0, -1],
    [60, 65, 1, -1],
    [65, 70, 2, -1],
    [70, 72, 1, -1],
  ]);
  assert.deepEqual([...stateDurations(c, 1)], [2, 5, 30]);
  assert.deepEqual([...stateDurations(c, 7)], []);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 2 })), { maxLength: 80 }), (ivs) => {
      let t = 0;
      const rows: [number, number, number, number][] = ivs.map(([gap, d, s]) => {
        const a = t + gap;
        t = a + d;
        return [a, t, s, -1];
      });
      const w = stateDurations(cols(rows), 1);
      const total = rows.filter((r) => r[2] === 1).reduce((a, r) => a + r[1] - r[0], 0);
      assert.equal(w.reduce((a, b) => a + b, 0), total, 'every runnable ns is in exactly one wait');
      for (let i = 1; i < w.length; i++) assert.ok(w[i] >= w[i - 1]);
    }),
  );
});

test('log histogram of samples and the empirical CDF agree with the samples', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1e10 }), { minLength: 1, maxLength: 300 }), (raw) => {
      const s = Float64Array.from(raw).sort();
      const h = logHistogram(s)!;
      assert.ok(isHist(h));
      assert.equal(h.counts.reduce((a, b) => a + b, 0), s.length, 'every sample in one bin');
      for (let i = 0; i < s.length; i++) {
        const v = Math.max(1, s[i]);
        assert.ok(v >= h.edgesNs[0] * (1 - 1e-9) && v < h.edgesNs.at(-1)! * (1 + 1e-9), `sample ${v} inside the edges`);
      }
      const cdf = empiricalCdf(s, 50);
      assert.ok(cdf.length <= 50);
      assert.equal(cdf.at(-1)!.y, 1);
      for (const p of cdf) {
        // Every corner's upper y is the exact share of samples <= x (corners come in pairs).
        const le = s.filter((v) => Math.max(1, v) <= p.x).length / s.length;
        assert.ok(p.y <= le + 1e-12);
      }
      for (let i = 1; i < cdf.length; i += 2) {
        const le = s.filter((v) => Math.max(1, v) <= cdf[i].x).length / s.length;
        assert.ok(Math.abs(cdf[i].y - le) < 1e-12, 'kept steps are exact');
      }
      assert.equal(quantile(s, 1), s[s.length - 1]);
      assert.equal(quantile(s, 0.5), s[Math.ceil(0.5 * s.length) - 1]);
    }),
  );
});

test('stall -> lane: task lane first (exact, then without #N), then the VP\'s OpenHCL lane, then the vCPU lane', () => {
  const lanes = (ids: string[]) => (id: string) => ids.includes(id);
  const s = { task: 'batch#1', vp: 1, vm: 'db' };
  assert.equal(stallLane(s, lanes(['vm:db/task:batch#1', 'vm:db/task:batch', 'vm:db/vcpu:1'])), 'vm:db/task:batch#1');
  assert.equal(stallLane(s, lanes(['vm:db/task:batch', 'vm:db/vp:1/openhcl', 'vm:db/vcpu:1'])), 'vm:db/task:batch');
  assert.equal(stallLane(s, lanes(['vm:db/vp:1/openhcl', 'vm:db/vcpu:1'])), 'vm:db/vp:1/openhcl');
  assert.equal(stallLane(s, lanes(['vm:db/vcpu:1', 'vm:db/vcpu:0'])), 'vm:db/vcpu:1');
  assert.equal(stallLane(s, lanes(['vm:other/vcpu:1'])), undefined);
  assert.equal(stallLane({ task: 't', vm: 'db' }, lanes(['vm:db/vcpu:0'])), undefined);
  assert.equal(stallLane({ vp: 2 }, () => true), undefined, 'no VM: no lane');
});

test('sorting: numbers numerically, strings by code unit, stable, missing values last in both directions', () => {
  const rows = [{ d: 10, t: 'b' }, { d: 9, t: 'a' }, { d: undefined, t: 'c' }, { d: 100, t: 'a' }, { d: 9, t: 'z' }];
  assert.deepEqual(sortedOrder(rows, (r) => r.d, 'asc'), [1, 4, 0, 3, 2]);
  assert.deepEqual(sortedOrder(rows, (r) => r.d, 'desc'), [3, 0, 1, 4, 2]);
  assert.deepEqual(sortedOrder(rows, (r) => r.t, 'asc'), [1, 3, 0, 2, 4]);
  fc.assert(
    fc.property(fc.array(fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined })), fc.constantFrom('asc' as const, 'desc' as const), (vals, dir) => {
      const order = sortedOrder(vals, (v) => v, dir);
      assert.deepEqual([...order].sort((a, b) => a - b), vals.map((_, i) => i), 'a permutation');
      for (let k = 1; k < order.length; k++) {
        const a = vals[order[k - 1]];
        const b = vals[order[k]];
        if (b === undefined) continue;
        assert.notEqual(a, undefined, 'missing values last');
        if (a === b) assert.ok(order[k - 1] < order[k], 'stable');
        else assert.ok(dir === 'asc' ? a! < b : a! > b);
      }
    }),
  );
});

test('CSV fields: commas, quotes and line breaks are quoted and round-trip; plain text is left alone', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(NaN), '');
  assert.equal(csvField(12.5), '12.5');
  fc.assert(
    fc.property(fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é') }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), (table) => {
      const text = table.map((r) => r.map(csvField).join(',') + '\r\n').join('');
      assert.deepEqual(parseCsv(text), table);
    }),
  );
});

test('CSV of visible intervals: only intervals overlapping the range, lane by lane, with state and cause names; capped with a count of what was left out', () => {
  const a = cols([
    [0, 10, 0, -1],
    [10, 25, 1, 0],
    [30, 40, 0, -1],
  ]);
  const b = cols([[5, 50, 1, 1]]);
  const lanes = [
    { id: 'vm:db/vcpu:0', label: 'db, vCPU "0"', cols: a },
    { id: 'host/pcpu:1', label: 'CPU 1', cols: b },
  ];
  const r = intervalsCsv(lanes, 12, 31, ['running', 'runnable'], ['preempted, by x', 'woken']);
  assert.deepEqual(parseCsv(r.text), [
    ['lane', 'label', 'state', 'start_ns', 'end_ns', 'duration_ns', 'cause'],
    ['vm:db/vcpu:0', 'db, vCPU "0"', 'runnable', '10', '25', '15', 'preempted, by x'],
    ['vm:db/vcpu:0', 'db, vCPU "0"', 'running', '30', '40', '10', ''],
    ['host/pcpu:1', 'CPU 1', 'runnable', '5', '50', '45', 'woken'],
  ]);
  assert.equal(r.rows, 3);
  assert.equal(r.omitted, 0);
  const capped = intervalsCsv(lanes, 0, 100, ['running', 'runnable'], [], 2);
  assert.equal(capped.rows, 2);
  assert.equal(capped.omitted, 2);
  assert.equal(parseCsv(capped.text).length, 3);
  // With a variant name, a leading variant column.
  const v = intervalsCsv([{ ...lanes[1], variant: 'base' }], 0, 100, ['running', 'runnable'], ['x', 'y']);
  assert.deepEqual(parseCsv(v.text)[0][0], 'variant');
  assert.deepEqual(parseCsv(v.text)[1][0], 'base');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 20 })), { maxLength: 40 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 400 }), fc.nat({ max: 50 }), (ivs, s, w, cap) => {
      let t = 0;
      const rows: [number, number, number, number][] = ivs.map(([g, d]) => {
        const x = t + g;
        t = x + d;
        return [x, t, 0, -1];
      });
      const want = rows.filter((q) => q[1] > s && q[0] < s + w).length;
      const out = intervalsCsv([{ id: 'l', label: 'l', cols: cols(rows) }], s, s + w, ['s'], [], cap);
      assert.equal(out.rows + out.omitted, want);
      assert.equal(out.rows, Math.min(cap, want));
      assert.equal(parseCsv(out.text).length, 1 + out.rows);
    }),
  );
});

test('CSV of stalls: one row per stall with end time, 1-based source line and the explanation', () => {
  const r = stallsCsv([
    { variant: 'base', task: 'batch#0', vm: 'b', vp: 0, cause: 'vcpu-preempted', startNs: 100, durationNs: 50, causes: ['could not run', 'preempted'], range: { start: { line: 46 } } },
    { variant: 'base', task: 'x' },
  ]);
  const rows = parseCsv(r.text);
  assert.deepEqual(rows[0], ['variant', 'task', 'vm', 'vp', 'cause', 'start_ns', 'duration_ns', 'end_ns', 'line', 'explanation']);
  assert.deepEqual(rows[1], ['base', 'batch#0', 'b', '0', 'vcpu-preempted', '100', '50', '150', '47', 'could not run; preempted']);
  assert.deepEqual(rows[2], ['base', 'x', '', '', '', '', '', '', '', '']);
  const capped = stallsCsv(Array.from({ length: 5 }, () => ({ task: 't' })), 3);
  assert.equal(capped.rows, 3);
  assert.equal(capped.omitted, 2);
});

test('export file names are what the hosts accept', () => {
  const ok = /^[\w.\- ]{1,120}$/;
  assert.equal(exportFileName('storvsp-head-of-line.vps', 'stalls.csv'), 'storvsp-head-of-line-stalls.csv');
  assert.equal(exportFileName('r2.report.txt.gz', 'timeline.png'), 'r2.report-timeline.png');
  assert.equal(exportFileName('Weights v1.5 test', 'stalls.csv'), 'Weights v1.5 test-stalls.csv');
  assert.equal(exportFileName('examples/b:c.vps', 'x.csv'), 'b_c-x.csv');
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (t) => assert.match(exportFileName(t, 'timeline.png'), ok)));
});

test('panel data from a run variant and from a trace: malformed entries are skipped, never thrown on', () => {
  const d = simulationData(
    {
      tasks: [{ name: 'oltp', vm: 'db', kind: 'ioload', measures: 'latency', latency: { count: 2, p50: 1, p90: 2, p99: 3, max: 4, mean: 2 } }, 7, { kind: 'x' }],
      stalls: [{ task: 't', vp: 0, vm: 'db', cause: 'c', startNs: 5, durationNs: 6 }, { startNs: 'x' }, null],
      findings: [{ code: 'VPS1', severity: 'warning', title: 't', message: 'm' }, 'junk'],
      vms: [{ name: 'db', share: 0.5, weightShare: 0.25 }],
      counters: { events: 10, nested: { a: 1 } },
      vps: [{ vm: 'db', vp: 0, states: { running: 5, runnable: 2, bad: 'x' }, stealNs: 2 }, { vp: 1 }],
      pcpus: [{ cpu: 0, pool: 'P', busyNs: 3, idleNs: 1 }, { pool: 'no cpu' }],
    },
    'base',
  );
  assert.equal(d.tasks.length, 1);
  assert.deepEqual(
    d.stalls.map((s) => s.index),
    [0],
  );
  assert.equal(d.findings.length, 1);
  assert.deepEqual(
    d.counters.map((c) => [c.name, c.value]),
    [
      ['events', 10],
      ['nested.a', 1],
    ],
  );
  assert.deepEqual(d.vps, [{ vm: 'db', vp: 0, states: { running: 5, runnable: 2 }, stealNs: 2 }]);
  assert.deepEqual(d.cpus, [{ cpu: 0, pool: 'P', busyNs: 3, idleNs: 1, switches: undefined }]);
  const t = traceData({ findings: [{ code: 'VPS331', severity: 'warning', title: 'steal', message: 'm', lane: 'pid:1', startNs: 10, durationNs: 5 }], vms: [{ id: 'vm:1', name: 'kvm (1)', vcpus: [{}, {}], cpuShare: 0.8, stealPct: 49 }], threads: [{ tid: 7, comm: 'CPU 0/KVM', vcpu: 0, vm: 'vm:1', runningNs: 10, runnableNs: 4, stealPct: 28.6, wakeLatency: { p99: 9 } }, { tid: 8, comm: 'bash' }], stats: { events: 3, warnings: ['w'], counters: { missing_wakeup: { value: 2, severity: 'data_loss', description: 'no wakeup' } } } });
  assert.equal(t.findings[0].lane, 'pid:1');
  assert.equal(t.vms[0].vcpus, 2);
  assert.equal(t.vps.length, 1, 'only vCPU threads');
  assert.equal(t.vps[0].vm, 'kvm (1)', 'VM id -> its name');
  assert.equal(t.vps[0].name, 'CPU 0/KVM (7)');
  assert.deepEqual(t.vps[0].states, { running: 10, runnable: 4 });
  assert.equal(t.vps[0].wakeP99Ns, 9);
  assert.deepEqual(
    t.counters.map((c) => c.name),
    ['events', 'counters.missing_wakeup'],
  );
  assert.match(t.counters[1].note ?? '', /data_loss: no wakeup/);
  // A state named like an Object.prototype member is a plain key (JSON.parse makes `__proto__` one).
  const proto = simulationData(JSON.parse('{"vps": [{"vm": "db", "vp": 0, "states": {"__proto__": 3, "constructor": 4, "running": 5}}]}'), 'p');
  assert.deepEqual(Object.entries(proto.vps[0].states), [['__proto__', 3], ['constructor', 4], ['running', 5]]);
  for (const bad of [undefined, null, 3, 'x', [], { tasks: 'x', stalls: {}, vms: [null] }]) {
    simulationData(bad as never, 'b');
    traceData(bad as never);
  }
});

test('counter series of a trace are read defensively: bad series skipped, points kept finite and in time order', () => {
  const t = traceData({
    window: { startNs: 0, endNs: 100 },
    counters: [
      { name: 'q', pid: 1, process: 'vmm', samples: 3, min: 0, mean: 1.5, max: 3, last: 0, points: [0, 1, 10, 'x', 15, 2, 12, 5, 20, 3, 30, 0, 40] },
      { name: 'no numbers', samples: 1 },
      null,
      { name: 7, samples: 1, min: 0, mean: 0, max: 0, last: 0, points: [] },
    ],
    countersOmitted: 2,
  });
  assert.equal(t.series?.length, 1);
  // [10, 'x'] is not a pair of numbers; [12, 5] goes back in time; the odd 40 has no value.
  assert.deepEqual(t.series![0].points, [{ x: 0, y: 1 }, { x: 15, y: 2 }, { x: 20, y: 3 }, { x: 30, y: 0 }]);
  assert.equal(t.seriesOmitted, 2);
  assert.equal(t.seriesEndNs, 100);
  assert.equal(traceData({}).series, undefined);
  for (const bad of [{ counters: 'x' }, { counters: [[]] }, { counters: [{ name: 'a', samples: 1, min: 0, mean: 0, max: 0, last: 0, points: 'p' }] }]) traceData(bad as never);
});

test('seeds chart on a log scale: an interval reaching 0 or below is drawn from half the smallest positive value', () => {
  const m = (mean: number, lo = mean, hi = mean, n = 3) => ({ m: { mean, lo, hi, n } });
  const rows: { m?: { mean: number; lo: number; hi: number; n: number } }[] = [m(2e6, -1e6, 5e6), m(40e3, 10e3, 70e3), m(0, 0, 0), {}];
  assert.equal(logFloor(rows), 5e3, 'half of 10 us, the smallest positive value drawn');
  assert.equal(lowOnScale(rows[0].m!, true, 5e3), 5e3, 'the negative low starts at the floor');
  assert.equal(lowOnScale(rows[1].m!, true, 5e3), 10e3, 'a positive low is itself');
  assert.equal(lowOnScale(rows[2].m!, true, 5e3), null, 'an interval with no positive end is not drawn');
  assert.equal(lowOnScale(rows[0].m!, false, 5e3), -1e6, 'linear: as it is');
  assert.equal(logFloor([m(0), m(-1, -2, 0)]), undefined, 'nothing positive: no floor');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true })), { minLength: 1, maxLength: 30 }), (xs) => {
      const rs = xs.map(([lo, w]) => m(lo + w / 2, lo, lo + w));
      const floor = logFloor(rs);
      const drawn = rs.map((r) => lowOnScale(r.m, true, floor));
      for (const [i, d] of drawn.entries()) {
        if (d === null) assert.ok(!(rs[i].m.hi > 0) || floor === undefined);
        // Below every positive value drawn: the floored band reaches under every other mark.
        else assert.ok(d > 0 && (rs[i].m.lo > 0 ? d === rs[i].m.lo : d <= Math.min(...drawnValues(rs).filter((x) => x > 0)) / 2 || d === Number.MIN_VALUE));
      }
    }),
  );
});

test('seeds chart: the log scale is the default only when every drawn value is positive and they span two decades', () => {
  const m = (mean: number, lo = mean, hi = mean, n = 1) => ({ m: { mean, lo, hi, n } });
  assert.equal(autoLog([m(50e3), m(20e6)]), true, '50 us beside 20 ms');
  assert.equal(autoLog([m(50e3), m(2e6)]), false, '40x is not two decades');
  assert.equal(autoLog([m(0), m(20e6)]), false, 'a zero cannot be drawn on a log axis');
  assert.equal(autoLog([m(1e6, -1, 2e6, 3), m(20e6)]), false, 'a negative interval edge counts (2+ seeds)');
  assert.equal(autoLog([m(1e6, -1, 2e6, 1), m(200e6)]), true, 'one seed: the interval is not drawn');
  assert.equal(autoLog([m(5), {}]), false, 'one value');
  assert.deepEqual(drawnValues([m(1, 0.5, 2, 2), {}, m(NaN)]), [1, 0.5, 2]);
  fc.assert(
    fc.property(fc.array(fc.double({ min: 1e-3, max: 1e12, noNaN: true }), { minLength: 2, maxLength: 50 }), (xs) => {
      const spread = Math.max(...xs) / Math.min(...xs);
      assert.equal(autoLog(xs.map((x) => m(x))), spread >= LOG_AUTO_SPREAD);
    }),
  );
});

test('groupStalls: one group per variant, task, VP, VM and cause; counts and totals add up; the longest stands for its group', () => {
  const stall = fc.record({
    variant: fc.integer({ min: 0, max: 1 }),
    task: fc.option(fc.constantFrom('a', 'b', 'a#1'), { nil: undefined }),
    vp: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    vm: fc.option(fc.constantFrom('db', 'web'), { nil: undefined }),
    cause: fc.constantFrom('channel-queue-full', 'blocking-syscall', ''),
    startNs: fc.integer({ min: 0, max: 1e9 }),
    durationNs: fc.integer({ min: 0, max: 1e7 }),
  });
  fc.assert(
    fc.property(fc.array(stall, { maxLength: 60 }), (rows) => {
      const groups = groupStalls(rows);
      const key = (r: (typeof rows)[number]) => JSON.stringify([r.variant, r.task ?? null, r.vp ?? null, r.vm ?? null, r.cause]);
      assert.equal(groups.length, new Set(rows.map(key)).size);
      assert.equal(groups.reduce((a, g) => a + g.count, 0), rows.length);
      for (const g of groups) {
        const members = rows.filter((r) => key(r) === key(g.longest));
        assert.equal(g.count, members.length);
        assert.equal(g.totalNs, members.reduce((a, r) => a + r.durationNs, 0));
        assert.equal(g.firstStartNs, Math.min(...members.map((r) => r.startNs)));
        // The first listed of the longest ones.
        assert.equal(g.longest, members.find((r) => r.durationNs === Math.max(...members.map((m) => m.durationNs))));
      }
    }),
  );
});
