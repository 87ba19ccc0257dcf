/**
 * Sidecar onlining order: one VP at a time behind the global lock, FIFO, one way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SidecarState, VpMode, sidecarApplies } from '../../../server/src/sim/openhcl/sidecar';

test('VPs outside linux_vps start remote and their work is hosted on the base VP', () => {
  const s = new SidecarState(4, [0], 0);
  assert.deepEqual([...s.mode], [VpMode.Linux, VpMode.Remote, VpMode.Remote, VpMode.Remote]);
  assert.equal(s.hostVp(2), 0);
  assert.equal(s.hostVp(0), 0);
});

test('onlining is one at a time, in request order, and ends in Linux', () => {
  const s = new SidecarState(4, [0], 0);
  assert.equal(s.request(2, 100), true, 'lock free: VP 2 starts onlining');
  assert.equal(s.request(3, 150), false, 'VP 3 queues');
  assert.equal(s.request(1, 160), false, 'VP 1 queues');
  assert.equal(s.request(2, 170), false, 'a second request is a no-op');
  assert.equal(s.mode[3], VpMode.Queued);
  assert.equal(s.queued, 2);
  s.onlineWorkDone(2);
  assert.equal(s.mode[2], VpMode.Blackout);
  assert.equal(s.hostVp(2), 0, 'still hosted elsewhere during the blackout');
  assert.equal(s.blackoutDone(2, 500), 3, 'the lock passes to the first queued VP');
  assert.equal(s.mode[2], VpMode.Linux);
  assert.equal(s.onlineAt[2], 500);
  assert.equal(s.hostVp(2), 2);
  s.onlineWorkDone(3);
  assert.equal(s.blackoutDone(3, 900), 1);
  s.onlineWorkDone(1);
  assert.equal(s.blackoutDone(1, 1300), -1);
  assert.equal(s.onlinings, 3);
  assert.equal(s.request(1, 2000), false, 'one way: a Linux VP is never onlined again');
});

test('a base CPU that is not Linux falls back to the lowest Linux VP', () => {
  const s = new SidecarState(4, [2], 0);
  assert.equal(s.fallbackVp, 2);
  assert.equal(s.hostVp(1), 2);
});

test('sidecar applies only on x64 non-isolated VMs', () => {
  const sc = { hotplug: true } as never;
  assert.equal(sidecarApplies({ sidecar: sc, arch: 'x64', isolation: 'none' }), true);
  assert.equal(sidecarApplies({ sidecar: sc, arch: 'aarch64', isolation: 'none' }), false);
  assert.equal(sidecarApplies({ sidecar: sc, arch: 'x64', isolation: 'snp' }), false);
  assert.equal(sidecarApplies({ sidecar: undefined, arch: 'x64', isolation: 'none' }), false);
});
