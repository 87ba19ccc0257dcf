/**
 * An OpenHCL VP thread halts and wakes with the same host costs as a plain vCPU (host `costs`,
 * sim/host/costs.ts): `halt_exit` of CPU before it sleeps, `wake_latency` until it is runnable,
 * `entry` of CPU before guest code runs. (Halt polling is KVM's kvm_vcpu_halt: plain vCPUs only.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulate } from '../../../server/src/sim/run';

const us = 1000;

/**
 * Median latency of a 1 ms timer thread on a 1-vCPU VM alone on its pCPU (1 ms halts: no polling
 * window opens). The median: an OpenHCL VP starts in its loop, not halted, so its first pass pays
 * no wake-up.
 */
function timerLatency(openhcl: boolean, costs: string): number {
  const a = analyzeDocument(
    `scenario { duration 200ms; seed 1 }
host { pcpus 1; costs { ${costs} } }
vm v {
  vcpus 1
  ${openhcl ? 'openhcl { }' : ''}
  guest { thread t { every 1ms; cpu 10us } }
}`,
    { uri: 'mem:/halt.vps' },
  );
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  const r = simulate(a.scenario!);
  const t = r.tasks.find((x) => x.name === 't')!;
  assert.ok(t.latency.count > 150, `${t.latency.count} samples`);
  return t.latency.p50;
}

test('a halted OpenHCL VP wakes like a plain vCPU: wake_latency + entry before guest code runs', () => {
  // Defaults (37 us + 34 us) and a stated bare-metal-like host.
  assert.equal(timerLatency(true, ''), 37 * us + 34 * us + 10 * us);
  assert.equal(timerLatency(false, ''), 37 * us + 34 * us + 10 * us);
  assert.equal(timerLatency(true, 'wake_latency 5us; entry 2us'), 5 * us + 2 * us + 10 * us);
});

test('property: OpenHCL and plain vCPUs pay the same stated wake-up costs (ranges: 0-100 us each)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (wl, en, he) => {
      const costs = `wake_latency ${wl}us; entry ${en}us; halt_exit ${he}us; halt_poll 0`;
      const oh = timerLatency(true, costs);
      const plain = timerLatency(false, costs);
      assert.equal(oh, plain, costs);
      assert.equal(oh, (wl + en + 10) * us, costs);
    }),
    { numRuns: 8, seed: 8 },
  );
});
