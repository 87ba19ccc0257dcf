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

test('property: lowering, checker and simulator place channels by one rule, at most one per VP', async () => {
  const fc = (await import('fast-check')).default;
  const { analyzeDocument } = await import('../../../server/src/model/analyze');
  const { channelVps } = await import('../../../server/src/analysis/static/placement');
  // Ranges: 1-12 VPs, 0-20 subchannels written (VM-wide or per controller), a channel_vps list of
  // 0-6 distinct VPs, interrupts on or off.
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 20 }),
      fc.boolean(),
      fc.boolean(),
      fc.uniqueArray(fc.nat(11), { maxLength: 6 }),
      (vps, written, vmWide, interrupts, rawList) => {
        const list = rawList.filter((v) => v < vps).slice(0, Math.min(vps, written + 1));
        const ctrlBody = [vmWide ? '' : `sub_channels ${written}`, interrupts ? '' : 'interrupts off', list.length ? `channel_vps ${list.join(',')}` : '', 'disk d { latency 100us }'].filter(Boolean).join('; ');
        const text = `host { pcpus 4 }\nvm a { vcpus ${vps}; openhcl { ${vmWide ? `scsi_sub_channels ${written}; ` : ''}storvsp s { ${ctrlBody} } } }`;
        const a = analyzeDocument(text, { uri: 'file:///tmp/p.vps' });
        assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), [], text);
        const vm = a.scenario!.vms[0];
        const c = vm.openhcl!.storvsp[0];
        const lowered = c.channelVps;
        const checker = channelVps(vm, c);
        const sim = [...storvspLayout(c, vps).channelVp];
        assert.equal(c.subChannels, Math.min(written, vps - 1, 256), text);
        assert.deepEqual(checker, lowered, text);
        assert.deepEqual(sim, lowered, text);
        if (interrupts) assert.equal(new Set(lowered).size, lowered.length, `one channel per VP: ${text} -> ${lowered}`);
        else assert.ok(lowered.every((v) => v === 0));
        assert.deepEqual(lowered.slice(0, list.length), interrupts ? list : list.map(() => 0));
        const short = a.diagnostics.some((d) => d.code === 'VPS137');
        assert.equal(short, interrupts && list.length > 0 && list.length < lowered.length, text);
      },
    ),
    { numRuns: 300, seed: 8 },
  );
});
