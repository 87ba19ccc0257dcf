/**
 * The run hazard catalog: one code per hazard (VPS3NN, NN = hazard number in design/hazards.md),
 * each documented for the shells.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeCode } from '../../../server/src/model/codes';
import { OpenHclRunCodes, openHclRunCodeDocs } from '../../../server/src/sim/openhcl';

test('codes follow VPS3NN with NN the hazard number, for hazards 3 5 6 10 11 12 14 15 17 20', () => {
  const nums = Object.values(OpenHclRunCodes).map((c) => Number(c.slice(4)));
  assert.deepEqual(nums, [3, 5, 6, 10, 11, 12, 14, 15, 17, 20]);
  for (const c of Object.values(OpenHclRunCodes)) assert.match(c, /^VPS3\d\d$/);
});

test('every code is documented and registered with the code catalog', () => {
  const documented = openHclRunCodeDocs.map((d) => d.code).sort();
  assert.deepEqual(documented, Object.values(OpenHclRunCodes).sort());
  for (const d of openHclRunCodeDocs) {
    assert.ok(d.title.length > 0 && d.help.length > 0);
    assert.equal(describeCode(d.code)?.title, d.title);
  }
});
