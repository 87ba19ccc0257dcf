/**
 * StorVSP channel layout: worker count, worker VPs and the guest's channel choice per vCPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storvspLayout } from '../../../server/src/sim/openhcl/channels';

const ctrl = (subChannels: number, extra: Partial<{ interrupts: boolean; channelVps: number[]; subChannelsWritten: number }> = {}) => ({
  subChannels,
  subChannelsWritten: extra.subChannelsWritten ?? subChannels,
  interrupts: extra.interrupts ?? true,
  channelVps: extra.channelVps ?? [],
});

test('no subchannels: one worker on VP 0 takes every vCPU', () => {
  const l = storvspLayout(ctrl(0), 8);
  assert.equal(l.channels, 1);
  assert.deepEqual([...l.channelVp], [0]);
  assert.deepEqual([...l.vcpuChannel], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('one channel per VP: each vCPU uses the channel targeted at it', () => {
  const l = storvspLayout(ctrl(3), 4);
  assert.deepEqual([...l.channelVp], [0, 1, 2, 3]);
  assert.deepEqual([...l.vcpuChannel], [0, 1, 2, 3]);
});

test('fewer channels than VPs: spread evenly, vCPUs steer to the channel covering them', () => {
  const l = storvspLayout(ctrl(1), 4);
  assert.deepEqual([...l.channelVp], [0, 2]);
  assert.deepEqual([...l.vcpuChannel], [0, 0, 1, 1]);
});

test('subchannels beyond the VPs or 256 are clamped and reported', () => {
  const l = storvspLayout(ctrl(10), 4);
  assert.equal(l.channels, 4);
  assert.equal(l.clamped, true);
  const big = storvspLayout(ctrl(300), 1024);
  assert.equal(big.channels, 257);
  assert.equal(big.clamped, true);
});

test('channels opened without interrupts all land on VP 0', () => {
  const l = storvspLayout(ctrl(3, { interrupts: false }), 4);
  assert.deepEqual([...l.channelVp], [0, 0, 0, 0]);
  assert.deepEqual([...l.vcpuChannel], [0, 1, 2, 3], 'the guest still spreads IO over the channels');
});

test('explicit channel_vps are honoured', () => {
  const l = storvspLayout(ctrl(1, { channelVps: [3, 1] }), 4);
  assert.deepEqual([...l.channelVp], [3, 1]);
  assert.equal(l.vcpuChannel[3], 0);
  assert.equal(l.vcpuChannel[1], 1);
});
