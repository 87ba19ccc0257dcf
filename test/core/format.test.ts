/**
 * The one formatting module (server/src/core/format.ts): the rules every shell's numbers follow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fraction } from '../arb';
import { fmtCount, fmtCounterValue, fmtFraction, fmtNs, fmtNsShort, fmtNum, fmtPercent, table, tableLines } from '../../server/src/core/format';

test('durations: three significant digits, unit by magnitude; fixed decimals for tables, trimmed for messages', () => {
  assert.equal(fmtNs(1_234_567), '1.23 ms');
  assert.equal(fmtNs(12_345_678), '12.3 ms');
  assert.equal(fmtNs(123_456_789), '123 ms');
  assert.equal(fmtNs(1_200_000), '1.20 ms');
  assert.equal(fmtNs(830), '830 ns');
  assert.equal(fmtNs(2_500_000_000), '2.50 s');
  assert.equal(fmtNsShort(1_200_000), '1.2 ms');
  assert.equal(fmtNsShort(2_047_000), '2.05 ms');
  assert.equal(fmtNsShort(1e9), '1 s');
  assert.equal(fmtNsShort(250), '250 ns');
  assert.equal(fmtNs(-1_234_567), '-1.23 ms');
  assert.equal(fmtNs(Number.NaN), 'NaN ns');
});

test('durations, property: both styles name the same value to three significant digits', () => {
  fc.assert(
    fc.property(fc.double({ min: 1, max: 1e12, noNaN: true }), (ns) => {
      const parse = (s: string) => {
        const [v, u] = s.split(' ');
        return Number(v) * { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[u as 'ns']!;
      };
      const a = parse(fmtNs(ns));
      const b = parse(fmtNsShort(ns));
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(a, b) + 1e-9, `${fmtNs(ns)} vs ${fmtNsShort(ns)}`);
      // Within half a unit of the third significant digit (or 0.5 ns below 1 us).
      assert.ok(Math.abs(a - ns) <= Math.max(0.5, ns * 0.005 + 1e-9), `${ns} -> ${fmtNs(ns)}`);
    }),
  );
});

test('percentages say their scale: fmtPercent takes percent, fmtFraction a fraction', () => {
  assert.equal(fmtPercent(42), '42%');
  assert.equal(fmtPercent(4.25), '4.3%');
  assert.equal(fmtFraction(0.42), '42%');
  assert.equal(fmtFraction(0.0425), '4.3%');
  fc.assert(fc.property(fc.oneof(fraction(), fc.double({ min: 0, max: 1, noNaN: true })), (x) => fmtFraction(x) === fmtPercent(x * 100)));
});

test('numbers and counts', () => {
  assert.equal(fmtNum(2.5), '2.5');
  assert.equal(fmtNum(123.4), '123');
  assert.equal(fmtCount(1234567), '1,234,567');
  assert.equal(fmtCount(-1000), '-1,000');
  fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => fmtCount(n) === n.toLocaleString('en-US')));
});

test('tables: columns padded to the widest cell, right-aligned where asked, no trailing blanks', () => {
  const rows = [['task', 'p99'], ['web/io', '1.23 ms'], ['db', '12 ms']];
  assert.deepEqual(tableLines(rows, [false, true]), ['task        p99', 'web/io  1.23 ms', 'db        12 ms']);
  assert.equal(table(rows, [false, true]), 'task        p99\nweb/io  1.23 ms\ndb        12 ms\n');
  assert.equal(table([], []), '');
});

test('tables clip cells of user text and take any number of rows', () => {
  const name = 'n'.repeat(1_000_000);
  const lines = tableLines([['vm', 'cpu'], [name, '1 ms'], ['web', '2 ms']], [false, true]);
  // Before: every row padded to the 1,000,000-character name (7 MB of `simulate` text for one VM).
  assert.ok(lines.every((l) => l.length < 120), lines.map((l) => l.length).join(','));
  assert.match(lines[1], /^n{60}\.\.\. \(1,000,000 characters\)  1 ms$/);
  assert.match(lines[2], /^web {85}2 ms$/);
  // Before: Math.max(...column) threw RangeError (Maximum call stack size exceeded).
  const rows = [['a', 'b'], ...Array.from({ length: 300_000 }, (_, i) => [`t${i}`, String(i)])];
  assert.equal(tableLines(rows, [false, true]).length, 300_001);
});

// Found by attack11: the view's Stats panel wrote a counter of 1e300 as 301 digits with commas
// (a table cell ~400 characters wide) and 5e-324 as "-0" / "0"; the text summary already did not.
test('property: a counter value is at most 24 characters for any finite double, and a non-zero one never reads as zero', () => {
  fc.assert(
    fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -5e-324, -0, 1e15, 999_999_999_999_999, 1e-4, 0.99999)), (v) => {
      const t = fmtCounterValue(v);
      assert.ok(t.length <= 24, `${v} -> ${t}`);
      if (v !== 0) assert.doesNotMatch(t, /^-?0$/, `${v} -> ${t}`);
      // Read back within the rounding of its shown digits.
      const e = /^(-?[\d.]+)e([+-]\d+)$/.exec(t);
      if (e) {
        // Scaled in two steps: 10^308 and 10^-324 are past the doubles on their own.
        const k = Number(e[2]);
        const h = Math.trunc(k / 2);
        assert.ok(Math.abs(v / 10 ** h / 10 ** (k - h) - Number(e[1])) <= 1e-3, `${v} -> ${t}`);
      } else assert.ok(Math.abs(Number(t.replace(/,/g, '')) - v) <= Math.abs(v) * 1e-3 + 5e-5, `${v} -> ${t}`);
    }),
    { numRuns: 2000, seed: 11 },
  );
  assert.equal(fmtCounterValue(3.17884), '3.1788');
  assert.equal(fmtCounterValue(1e300), '1.000e+300');
  assert.equal(fmtCounterValue(-5e-324), '-4.941e-324');
});
