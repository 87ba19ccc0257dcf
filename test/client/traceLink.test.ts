/** The offset a user types when linking a guest trace to its host's in the editor (Analyze Trace with two files). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseOffsetNs } from '../../client/src/traceLink';

test('an offset in ns: integers with a sign and _ separators; anything else is refused', () => {
  assert.equal(parseOffsetNs('-1500000'), -1500000);
  assert.equal(parseOffsetNs(' +42 '), 42);
  assert.equal(parseOffsetNs('1_500_000'), 1500000);
  assert.equal(parseOffsetNs('0'), 0);
  for (const bad of ['', '1.5', '1e6', '0x10', '12ms', '--1', '99999999999999999999', 'NaN']) assert.equal(parseOffsetNs(bad), undefined, bad);
  fc.assert(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (n) => parseOffsetNs(String(n)) === n));
});
