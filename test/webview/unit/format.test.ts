/** Time labels of the timeline: durations, the cursor read-out and 1-2-5 axis ticks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDuration, formatTime, niceStep, timeTicks } from '../../../webview/src/format';

test('durations: unit by magnitude, three significant digits', () => {
  assert.equal(formatDuration(0), '0 ns');
  assert.equal(formatDuration(850), '850 ns');
  assert.equal(formatDuration(1500), '1.5 us');
  assert.equal(formatDuration(1_256_483), '1.26 ms');
  assert.equal(formatDuration(12_486_551), '12.5 ms');
  assert.equal(formatDuration(2_150_153_500), '2.15 s');
  assert.equal(formatDuration(400_000_000), '400 ms');
  assert.equal(formatDuration(-3000), '-3 us');
});

test('cursor time: decimals follow the resolution', () => {
  assert.equal(formatTime(151_234_567, 0, 267_000), '151.2 ms');
  assert.equal(formatTime(151_234_567, 0, 1_000), '151.235 ms');
  assert.equal(formatTime(1_494_546_755_000 + 2_000_000_000, 1_494_546_755_000, 10_000_000), '2.00 s');
  assert.equal(formatTime(500, 0, 1), '500 ns');
});

test('niceStep is the smallest 1-2-5 value not below its argument', () => {
  fc.assert(
    fc.property(fc.double({ min: 1, max: 1e15, noNaN: true }), (x) => {
      const s = niceStep(x);
      assert.ok(s >= x);
      const p = 10 ** Math.floor(Math.log10(s) + 1e-9);
      const m = Math.round(s / p);
      assert.ok([1, 2, 5].includes(m), `${s} is 1-2-5`);
      // The next smaller 1-2-5 value is below x.
      const smaller = m === 1 ? p / 2 : m === 2 ? p : 2 * p;
      assert.ok(smaller < x || s === 1);
    }),
  );
});

test('ticks: inside the range, evenly 1-2-5 spaced, at least minSpacing px apart, labels distinct and in one unit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 42 }),
      fc.integer({ min: 10, max: 2 ** 36 }),
      fc.integer({ min: 100, max: 4000 }),
      fc.integer({ min: 0, max: 2 ** 30 }),
      (start, span, width, back) => {
        const origin = Math.max(0, start - back);
        const { stepNs, unit, ticks } = timeTicks(start, start + span, width, origin, 80);
        assert.ok(ticks.length >= 1 || stepNs > span, 'at least one tick when the step fits');
        assert.ok(ticks.length <= width / 80 + 1);
        const labels = new Set<string>();
        for (let i = 0; i < ticks.length; i++) {
          const t = ticks[i];
          assert.ok(t.ns >= start && t.ns < start + span);
          assert.ok(Math.abs(((t.ns - origin) / stepNs) - Math.round((t.ns - origin) / stepNs)) < 1e-6, 'on the grid');
          assert.ok(t.label.endsWith(' ' + unit));
          labels.add(t.label);
          if (i > 0) assert.ok(t.x - ticks[i - 1].x >= 80 - 1e-6);
        }
        assert.equal(labels.size, ticks.length, `distinct labels: ${ticks.map((t) => t.label).join(', ')}`);
      },
    ),
  );
});

test('ticks of a 400 ms run on 1000 px, labelled from the origin', () => {
  const { stepNs, ticks } = timeTicks(0, 400e6, 1000, 0, 80);
  assert.equal(stepNs, 50e6);
  assert.deepEqual(ticks.map((t) => t.label), ['0 ms', '50 ms', '100 ms', '150 ms', '200 ms', '250 ms', '300 ms', '350 ms']);
  // Shortest labels, ties to the smaller unit: "200 ms", not "0.2 s".
  assert.deepEqual(timeTicks(0, 1e9, 1000, 0, 80).ticks.slice(0, 3).map((t) => t.label), ['0 ms', '100 ms', '200 ms']);
  assert.equal(timeTicks(150_000_000, 150_100_000, 1000, 0, 400).ticks[0].label, '150000 us');
  const z = timeTicks(150_000_000, 150_004_000, 800, 0, 80);
  assert.equal(z.stepNs, 500);
  assert.equal(z.ticks[1].label, '150000.5 us');
  const t = timeTicks(1_494_546_755_000, 1_494_546_755_000 + 4.38e9, 1000, 1_494_546_755_000, 80);
  assert.equal(t.ticks[0].label, '0.0 s');
  assert.equal(t.ticks[1].label, '0.5 s');
});

test('degenerate input gives no ticks and no exception', () => {
  assert.deepEqual(timeTicks(5, 5, 100).ticks, []);
  assert.deepEqual(timeTicks(0, 100, 0).ticks, []);
  assert.deepEqual(timeTicks(0, Number.NaN, 100).ticks, []);
});
